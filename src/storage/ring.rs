//! A Streaming Append ring persisted on a block device.

use super::device::BlockDevice;
use super::error::StorageError;
use super::stored::Stored;
use crate::block::{self, BlockSize, Tag};
use crate::streaming::{Appended, StreamingRing, WrapPolicy};

/// A [`StreamingRing`] kept on a [`BlockDevice`], each operation atomic under a power cut
/// (a [`Stored`] ring: the lifecycle is [`Stored`]'s).
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | 1 | header copy A (an STRE header block, SPEC §2) |
/// | 1 | header copy B |
/// | `max_capacity_blocks` | the ring's data slots: slot `s` holds the entry at a position `p` with `p % allocated_blocks == s`, as a data block (entry, zeros, tag `DATA`) |
///
/// # Commit order
///
/// An append writes the entry's data block into its slot, syncs, then writes the header
/// with the next generation into the copy *not* holding the current state and syncs:
/// that header write is the commit point. A cut before it leaves the old header, which
/// does not count the slot as live; a cut during it leaves a block that fails its
/// checksum, so [`recover`](Self::recover) picks the other copy. An append that
/// overwrites the oldest entry first commits the consume of that entry (its slot is
/// about to be reused), then the data, then the append: a cut in between leaves the ring
/// with the oldest entry consumed and the new one not yet appended — never a live
/// position whose slot holds other data.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{RamDevice, StoredRing};
/// use dwvd_regions::streaming::StreamingRing;
/// use dwvd_regions::BlockSize;
///
/// let mut device = RamDevice::<512, 10>::new();
/// let mut scratch = [0u8; 512];
/// let ring = StreamingRing::new(BlockSize::MIN, 8, 4)?;
/// let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch)?;
/// let first = stored.append(&mut device, b"boot", &mut scratch)?;
/// stored.append(&mut device, b"sensor=21.5", &mut scratch)?;
///
/// // After a reset (or a power cut), the ring comes back from the device.
/// let stored = StoredRing::recover(&mut device, 0, &mut scratch)?;
/// assert_eq!(stored.region().entry_count(), 2);
/// let entry = stored.read(&mut device, first.position, &mut scratch)?;
/// assert!(entry.starts_with(b"boot"));
/// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
/// ```
pub type StoredRing = Stored<StreamingRing>;

impl Stored<StreamingRing> {
    /// Device blocks a ring of `max_capacity_blocks` slots takes: two header copies and
    /// the slots.
    #[must_use]
    pub const fn blocks_needed(max_capacity_blocks: u64) -> u64 {
        max_capacity_blocks.saturating_add(2)
    }

    /// Scratch bytes every operation needs: one block.
    #[must_use]
    pub const fn scratch_len(block_size: BlockSize) -> usize {
        block_size.get()
    }

    /// The ring region at `first_block` holding `ring` — not yet written or read:
    /// [`format_in_place`](Self::format_in_place) writes `ring` as a new region,
    /// [`reload`](Self::reload) replaces it with what the device holds, and until one of
    /// them succeeds the value refuses changes ([`StorageError::NeedsRecovery`]). A
    /// `const fn`, for firmware that keeps its regions in `static`s.
    #[must_use]
    pub const fn new(first_block: u64, ring: StreamingRing) -> Self {
        Self::with_copies(ring, first_block, 1)
    }

    /// Writes `ring` to a new region at `first_block`: header copy B, then copy A with the
    /// next generation. Formatting is not atomic: if it is cut, format again. A ring that
    /// already holds entries is written as it is: its live slots must already hold their
    /// data blocks (start from [`StreamingRing::new`] otherwise).
    ///
    /// # Errors
    ///
    /// As [`format_in_place`](Self::format_in_place).
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        ring: StreamingRing,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::new(first_block, ring).formatted(device, scratch)
    }

    /// Reads the ring back from the region at `first_block` ([`reload`](Self::reload)).
    ///
    /// # Errors
    ///
    /// As [`reload`](Self::reload).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::recover_at(device, first_block, 1, scratch)
    }

    /// Appends `data`, overwriting the oldest entry when the ring is full
    /// ([`WrapPolicy::OverwriteOldest`]). When it returns `Ok`, the entry is on the device.
    ///
    /// # Errors
    ///
    /// As [`append_with`](Self::append_with).
    pub fn append<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.append_with(device, data, WrapPolicy::OverwriteOldest, scratch)
    }

    /// Appends `data` with the given [`WrapPolicy`]. When it returns `Ok`, the entry is on
    /// the device.
    ///
    /// # Errors
    ///
    /// A refusal ([`StorageError::Region`]: `record_too_large`, `full`) writes nothing;
    /// after a device error the value [needs recovery](Self::needs_recovery).
    pub fn append_with<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        policy: WrapPolicy,
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.check_current()?;
        let result = self.append_unguarded(device, data, policy, scratch);
        self.note(&result);
        result
    }

    fn append_unguarded<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        policy: WrapPolicy,
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        let ring = self.region();
        let mut next = ring.clone();
        let appended = next.append_with(data, policy)?;
        if appended.overwritten.is_some() {
            // The oldest entry's slot is about to be reused: commit its consume first, so
            // no committed state counts a slot whose data is being replaced.
            let mut consumed = ring.clone();
            consumed.consume();
            self.replace_and_commit(device, consumed, scratch)?;
        }
        self.write_data_block(device, appended.physical_slot, data, scratch)?;
        self.replace_and_commit(device, next, scratch)?;
        Ok(appended)
    }

    /// Consumes the oldest entry and commits that; `Ok(None)` (nothing written) when the
    /// ring is empty.
    ///
    /// # Errors
    ///
    /// The device's error (the value then [needs recovery](Self::needs_recovery)).
    pub fn consume<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<Option<u64>, StorageError<D::Error>> {
        self.check_current()?;
        let mut next = self.region().clone();
        let Some(position) = next.consume() else {
            return Ok(None);
        };
        let result = self.replace_and_commit(device, next, scratch);
        self.note(&result);
        result.map(|()| Some(position))
    }

    /// Forgets every entry ([`StreamingRing::reset`]) and commits that.
    ///
    /// # Errors
    ///
    /// The device's error (the value then [needs recovery](Self::needs_recovery)).
    pub fn reset<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.check_current()?;
        let mut next = self.region().clone();
        next.reset();
        let result = self.replace_and_commit(device, next, scratch);
        self.note(&result);
        result
    }

    /// Reads the live entry at `position` into `scratch` (one block) and returns its
    /// block's payload (the entry, then zeros up to the trailer).
    ///
    /// # Errors
    ///
    /// A position that is not live is `overwritten` / `not_written_yet`; a data block that
    /// fails its checksum or tag names its device block.
    pub fn read<'s, D: BlockDevice>(
        &self,
        device: &mut D,
        position: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        let slot = self.region().physical_slot(position)?;
        let block = self.read_data_block(device, slot, scratch)?;
        let opened = block::open(block, Tag::DATA)
            .map_err(|error| error.relocated(self.data_block(slot)))?;
        Ok(opened.payload())
    }
}
