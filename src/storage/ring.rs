//! A Streaming Append ring persisted on a block device.

use super::device::BlockDevice;
use super::error::StorageError;
use super::journal::JournalEntryKind;
use super::maybe_async::maybe_async;
use super::stored::{self, Stored};
use crate::block::{self, BlockSize, Tag};
use crate::region::Region;
use crate::streaming::{Appended, StreamingRing, WrapPolicy};

/// A [`StreamingRing`] kept on a [`BlockDevice`], each operation atomic under a power cut
/// (a [`Stored`] ring: the lifecycle is [`Stored`]'s).
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | 1 | header copy A (an STRE header block, SPEC §2): a checkpoint |
/// | 1 | header copy B |
/// | `journal_blocks` (default [`DEFAULT_JOURNAL_BLOCKS`](Self::DEFAULT_JOURNAL_BLOCKS)) | the journal (tag `MWAL`): consumes since the checkpoint |
/// | `max_capacity_blocks` | the ring's data slots: slot `s` holds the entry at a position `p` with `p % allocated_blocks == s`, as a data block (entry, zeros, tag `DATA`) |
///
/// # What an operation writes
///
/// An **append writes one block**: the entry's data block in its slot, sealed with the
/// generation after the checkpoint's plus the appends since, then a sync — the commit
/// point. The data block is its own record: recovery loads the checkpoint, then follows
/// the appends it implies (position `write_head`, then the next, …) for as long as each
/// one's slot holds a valid data block with the next generation. A cut before or during
/// the slot's write leaves a block without that generation, so the append did not
/// happen. Before the append that would reuse a slot written since the checkpoint (after
/// `allocated_blocks` appends), and before an append that grows the ring (unless nothing
/// happened since the checkpoint), the header is checkpointed into the other copy: one
/// header write per `allocated_blocks` appends, alternating between the two copies, and
/// one per growth step.
///
/// An append that overwrites the oldest entry destroys that entry's block as it writes:
/// a cut during it leaves the ring with the oldest entry consumed and the new one not
/// appended (recovery sees that the oldest live slot no longer holds a valid block) —
/// never a live position whose slot holds other data.
///
/// A **consume** writes one journal entry (on flash a program; an erase only when it
/// takes a journal block); a **reset** writes a checkpoint. See `docs/storage-layout.md` for the layout of every block.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{RamDevice, StoredRing};
/// use dwvd_regions::streaming::StreamingRing;
/// use dwvd_regions::BlockSize;
///
/// let mut device = RamDevice::<512, 12>::new();
/// let mut scratch = [0u8; 512];
/// let ring = StreamingRing::new(BlockSize::MIN, 8, 4)?;
/// assert_eq!(StoredRing::blocks_needed(8), 12);
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
    /// Journal blocks a ring has unless [`with_journal_blocks`](Self::with_journal_blocks)
    /// says otherwise: its journal holds consumes only (24 bytes each).
    pub const DEFAULT_JOURNAL_BLOCKS: u64 = 2;

    /// Device blocks a ring of `max_capacity_blocks` slots takes with the default
    /// journal: two header copies, the journal and the slots.
    #[must_use]
    pub const fn blocks_needed(max_capacity_blocks: u64) -> u64 {
        max_capacity_blocks
            .saturating_add(2)
            .saturating_add(Self::DEFAULT_JOURNAL_BLOCKS)
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
        Self::with_layout(ring, first_block, 1, Self::DEFAULT_JOURNAL_BLOCKS)
    }

    /// Writes `ring` to a new region at `first_block` ([`format_in_place`](Self::format_in_place)).
    /// Formatting is not atomic: if it is cut, format again. A ring that already holds
    /// entries is written as it is: its live slots must already hold their data blocks,
    /// sealed with generations no newer than the ring's (start from
    /// [`StreamingRing::new`] otherwise).
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
        stored::blocking::StoredIo::formatted(Self::new(first_block, ring), device, scratch)
    }

    /// Reads the ring back from the region at `first_block`, with the default journal
    /// ([`reload`](Self::reload)).
    ///
    /// # Errors
    ///
    /// As [`reload`](Self::reload).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        <Self as blocking::RingIo>::recover_on(device, first_block, scratch)
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
        blocking::RingIo::append_with_on(self, device, data, policy, scratch)
    }

    /// Consumes the oldest entry and records that in the journal; `Ok(None)` (nothing
    /// written) when the ring is empty.
    ///
    /// # Errors
    ///
    /// The device's error (the value then [needs recovery](Self::needs_recovery)).
    pub fn consume<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<Option<u64>, StorageError<D::Error>> {
        blocking::RingIo::consume_on(self, device, scratch)
    }

    /// Forgets every entry ([`StreamingRing::reset`]) and checkpoints that.
    ///
    /// # Errors
    ///
    /// The device's error (the value then [needs recovery](Self::needs_recovery)).
    pub fn reset<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        blocking::RingIo::reset_on(self, device, scratch)
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
        blocking::RingIo::read_on(self, device, position, scratch)
    }
}

maybe_async! {
    use { stored::{StoredIo as _} };

    /// The ring's operations on the device.
    impl RingIo for Stored<StreamingRing> {
        /// [`recover`](Stored::recover).
        async fn recover_on<D: Device>(
            device: &mut D,
            first_block: u64,
            scratch: &mut [u8],
        ) -> Result<Self, StorageError<D::Error>> {
            io!(Self::recover_at(
                device,
                first_block,
                1,
                Self::DEFAULT_JOURNAL_BLOCKS,
                scratch,
            ))
        }

        /// [`append_with`](Stored::append_with).
        async fn append_with_on<D: Device>(
            &mut self,
            device: &mut D,
            data: &[u8],
            policy: WrapPolicy,
            scratch: &mut [u8],
        ) -> Result<Appended, StorageError<D::Error>> {
            self.check_current()?;
            let result = io!(self.append_unguarded(device, data, policy, scratch));
            self.note(&result);
            result
        }

        /// [`append_with`](Stored::append_with) once the value is known current.
        async fn append_unguarded<D: Device>(
            &mut self,
            device: &mut D,
            data: &[u8],
            policy: WrapPolicy,
            scratch: &mut [u8],
        ) -> Result<Appended, StorageError<D::Error>> {
            // Refusals first, on a copy: they write nothing.
            let mut next = self.region().clone();
            let appended = next.append_with(data, policy)?;
            io!(self.record_settled(device, scratch))?;
            // Recovery follows the appends since the checkpoint slot by slot, from the
            // checkpoint's counters and allocation, and applies the journal's consumes
            // after them. So none of the appends may reuse the slot of another
            // (checkpoint after `allocated_blocks` appends), and an append that grows the
            // ring must follow the checkpoint directly (whether it grows can depend on a
            // consume since): then within one interval a slot is
            // `position % allocated_blocks` whatever consumes came between.
            let since = u64::from(self.data_records());
            let grows = next.allocated_blocks() != self.region().allocated_blocks();
            if since >= self.region().allocated_blocks().max(1)
                || (grows && self.operations_since_checkpoint() > 0)
            {
                io!(self.commit(device, scratch))?;
            }
            let generation = self.next_data_generation();
            io!(self.write_data_block(device, appended.physical_slot, data, generation, scratch))?;
            // The append is on the device: `next` becomes the value (a checkpoint above
            // changed only the generation, which it keeps).
            next.set_generation(self.region().generation());
            *self.value_mut() = next;
            self.add_data_record();
            Ok(appended)
        }

        /// Records a consume recovery settled in the value only (the oldest entry's slot
        /// was destroyed by a cut append): before the slot is written again, so that a
        /// later cut cannot leave the old entry's bytes there and bring it back.
        async fn record_settled<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            if !self.settled() {
                return Ok(());
            }
            let read_tail = self.region().read_tail().to_le_bytes();
            io!(self.record(
                device,
                JournalEntryKind::RingConsume,
                read_tail.len(),
                &mut |payload| {
                    payload.copy_from_slice(&read_tail);
                    Ok(())
                },
                scratch,
            ))?;
            self.clear_settled();
            Ok(())
        }

        /// [`consume`](Stored::consume).
        async fn consume_on<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<Option<u64>, StorageError<D::Error>> {
            self.check_current()?;
            let before = self.region().clone();
            let Some(position) = self.value_mut().consume() else {
                return Ok(None);
            };
            let read_tail = self.region().read_tail().to_le_bytes();
            let result = io!(self.record(
                device,
                JournalEntryKind::RingConsume,
                read_tail.len(),
                &mut |payload| {
                    payload.copy_from_slice(&read_tail);
                    Ok(())
                },
                scratch,
            ));
            if result.is_err() {
                *self.value_mut() = before;
            }
            self.note(&result);
            result.map(|()| Some(position))
        }

        /// [`reset`](Stored::reset).
        async fn reset_on<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            self.check_current()?;
            let before = self.region().clone();
            self.value_mut().reset();
            let result = io!(self.commit(device, scratch));
            if result.is_err() {
                *self.value_mut() = before;
            }
            self.note(&result);
            result
        }

        /// [`read`](Stored::read).
        async fn read_on<'s, D: Device>(
            &self,
            device: &mut D,
            position: u64,
            scratch: &'s mut [u8],
        ) -> Result<&'s [u8], StorageError<D::Error>> {
            let slot = self.region().physical_slot(position)?;
            let block = io!(self.read_data_block(device, slot, scratch))?;
            let opened = block::open(block, Tag::DATA)
                .map_err(|error| error.relocated(self.data_block(slot)))?;
            Ok(opened.payload())
        }
    }
}
