//! A Streaming Append ring persisted on a block device.

use super::committed::Committed;
use super::copies::{
    Copies, MetadataCopy, check_fits, device_error, sync, take_scratch, write_block,
};
use super::device::BlockDevice;
use super::error::{DeviceOperation, StorageError};
use crate::block::{self, BlockSize, Tag};
use crate::streaming::{Appended, StreamingRing, WrapPolicy};
use crate::worm::seal_data_block;

/// A [`StreamingRing`] kept on a [`BlockDevice`], each operation atomic under a power cut.
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
/// assert_eq!(stored.ring().entry_count(), 2);
/// let entry = stored.read(&mut device, first.position, &mut scratch)?;
/// assert!(entry.starts_with(b"boot"));
/// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRing {
    committed: Committed<StreamingRing>,
}

impl StoredRing {
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

    const fn copies(first_block: u64) -> Copies {
        Copies {
            first_block,
            blocks_per_copy: 1,
        }
    }

    /// The ring region at `first_block` holding `ring` — not yet written or read:
    /// [`format_in_place`](Self::format_in_place) writes `ring` as a new region,
    /// [`reload`](Self::reload) replaces it with what the device holds, and until one of
    /// them succeeds the value refuses changes ([`StorageError::NeedsRecovery`]). A
    /// `const fn`, for firmware that keeps its regions in `static`s.
    #[must_use]
    pub const fn new(first_block: u64, ring: StreamingRing) -> Self {
        StoredRing {
            committed: Committed::new(ring, Self::copies(first_block)),
        }
    }

    /// Writes `ring` to a new region at `first_block`: header copy B, then copy A with the
    /// next generation. Formatting is not atomic: if it is cut, format again. A ring that
    /// already holds entries is written as it is: its live slots must already hold their
    /// data blocks (start from [`StreamingRing::new`] otherwise).
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        ring: StreamingRing,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        let mut stored = Self::new(first_block, ring);
        stored.format_in_place(device, scratch)?;
        Ok(stored)
    }

    /// [`format`](Self::format) for a value made by [`new`](Self::new), in place.
    pub fn format_in_place<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        check_fits(
            device,
            self.committed.copies.first_block,
            Self::blocks_needed(self.ring().max_capacity_blocks()),
        )?;
        self.committed.format(device, scratch)
    }

    /// Reads the ring back from the region at `first_block`: of the two header copies, the
    /// valid one, or of two valid ones the newer generation
    /// ([`generation_is_newer`](super::generation_is_newer)).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        let mut stored = Self::new(first_block, StreamingRing::placeholder(device.block_size()));
        stored.reload(device, scratch)?;
        Ok(stored)
    }

    /// [`recover`](Self::recover) into this value, in place: at start-up for a value made
    /// by [`new`](Self::new), or after a device error made it
    /// [`needs_recovery`](Self::needs_recovery). On an error the value is unspecified and
    /// refuses changes until a reload succeeds.
    pub fn reload<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.committed.reload(device, scratch)?;
        let result = check_fits(
            device,
            self.committed.copies.first_block,
            Self::blocks_needed(self.ring().max_capacity_blocks()),
        );
        self.committed.needs_recovery = result.is_err();
        result
    }

    /// The ring's state as last committed.
    #[must_use]
    pub const fn ring(&self) -> &StreamingRing {
        &self.committed.value
    }

    /// The header copy holding the committed state.
    #[must_use]
    pub const fn current_copy(&self) -> MetadataCopy {
        self.committed.current
    }

    /// Whether an operation failed on the device since this value was formatted or
    /// recovered: it then refuses changes ([`StorageError::NeedsRecovery`]) until
    /// [`recover`](Self::recover) gives a value that knows what the device holds.
    #[must_use]
    pub const fn needs_recovery(&self) -> bool {
        self.committed.needs_recovery
    }

    /// The device block of data slot `slot`.
    fn slot_block(&self, slot: u64) -> u64 {
        self.committed.copies.end().saturating_add(slot)
    }

    /// Appends `data`, overwriting the oldest entry when the ring is full
    /// ([`WrapPolicy::OverwriteOldest`]). When it returns `Ok`, the entry is on the device.
    pub fn append<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.append_with(device, data, WrapPolicy::OverwriteOldest, scratch)
    }

    /// Appends `data` with the given [`WrapPolicy`]. When it returns `Ok`, the entry is on
    /// the device; a refusal ([`StorageError::Region`]) writes nothing.
    pub fn append_with<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        policy: WrapPolicy,
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.committed.check_not_poisoned()?;
        let result = self.append_unchecked(device, data, policy, scratch);
        self.committed.note(result)
    }

    fn append_unchecked<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        policy: WrapPolicy,
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        let ring = self.ring();
        let mut next = ring.clone();
        let appended = next.append_with(data, policy)?;
        if appended.overwritten.is_some() {
            // The oldest entry's slot is about to be reused: commit its consume first, so
            // no committed state counts a slot whose data is being replaced.
            let mut consumed = ring.clone();
            consumed.consume();
            self.committed
                .replace_and_commit(device, consumed, scratch)?;
        }
        let ring = self.ring();
        let block = take_scratch::<D::Error>(scratch, ring.block_size().get())?;
        seal_data_block(block, data, ring.generation().wrapping_add(1))?;
        let index = self.slot_block(appended.physical_slot);
        write_block(device, index, block)?;
        sync(device, index)?;
        self.committed.replace_and_commit(device, next, scratch)?;
        Ok(appended)
    }

    /// Consumes the oldest entry and commits that; `Ok(None)` (nothing written) when the
    /// ring is empty.
    pub fn consume<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<Option<u64>, StorageError<D::Error>> {
        self.committed.check_not_poisoned()?;
        let mut next = self.ring().clone();
        let Some(position) = next.consume() else {
            return Ok(None);
        };
        let result = self.committed.replace_and_commit(device, next, scratch);
        self.committed.note(result)?;
        Ok(Some(position))
    }

    /// Forgets every entry ([`StreamingRing::reset`]) and commits that.
    pub fn reset<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.committed.check_not_poisoned()?;
        let mut next = self.ring().clone();
        next.reset();
        let result = self.committed.replace_and_commit(device, next, scratch);
        self.committed.note(result)
    }

    /// Reads the live entry at `position` into `scratch` (one block) and returns its
    /// block's payload (the entry, then zeros up to the trailer). A position that is not
    /// live is [`Error::Overwritten`](crate::Error::Overwritten) / [`Error::NotWrittenYet`](crate::Error::NotWrittenYet); a data block that fails
    /// its checksum or tag names its device block.
    pub fn read<'s, D: BlockDevice>(
        &self,
        device: &mut D,
        position: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        let slot = self.ring().physical_slot(position)?;
        let index = self.slot_block(slot);
        let block = take_scratch::<D::Error>(scratch, self.ring().block_size().get())?;
        device
            .read_block(index, block)
            .map_err(|error| device_error(DeviceOperation::Read, index, error))?;
        let opened = block::open(block, Tag::DATA).map_err(|error| error.at_block(index))?;
        Ok(opened.payload())
    }
}
