//! One stored region, generic over the three: the value as last committed, where its two
//! checkpoint copies and its journal lie, and the lifecycle every stored region shares
//! (format, recover, reload, journal, checkpoint).

use super::copies::{Copies, MetadataCopy, pad_copy, take_scratch};
use super::device::BlockDevice;
use super::error::{DeviceOperation, StorageError};
use super::journal::{Appended, Journal, JournalEntry, JournalEntryKind};
use super::maybe_async::maybe_async;
use crate::block::{BlockSize, Tag};
use crate::error::{Error, Reason, Result};
use crate::region::{Region, RegionView};
use crate::worm::seal_data_block;

/// A region value kept on a [`BlockDevice`], every operation atomic under a power cut:
/// the value as last committed, where its two checkpoint copies and its journal lie,
/// which copy holds the checkpoint, where the journal's next entry goes, and whether a
/// device error has made it stale.
///
/// Used through its three names, each with its own operations:
/// [`StoredRing`](super::StoredRing), [`StoredWorm`](super::StoredWorm) and
/// [`StoredVault`](super::StoredVault). What they share — formatting, recovery, the
/// commit protocol, where data blocks lie — is here, once. See the [module
/// documentation](super) for the commit order and the recovery rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<R> {
    value: R,
    state: State,
}

/// What a stored region keeps besides its value: where its two checkpoint copies and its
/// journal lie, which copy holds the checkpoint, where the journal's next entry goes, and
/// whether a device error has made it stale. One type for every region, so the lifecycle
/// on it (format, reload, commit, record) is one copy of code, the value reached through
/// `&mut dyn Committable`: in firmware flash, not one copy per region type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    copies: Copies,
    current: MetadataCopy,
    needs_recovery: bool,
    journal: Journal,
    /// Operations since the checkpoint whose data blocks are their record (ring
    /// appends): the `n`-th is sealed with generation `checkpoint + 1 + n`.
    data_records: u32,
    /// Whether the copies' size was given ([`with_blocks_per_copy`](Stored::with_blocks_per_copy))
    /// rather than the type's.
    copies_given: bool,
    /// Whether recovery settled a cut operation (a ring's oldest entry whose slot the cut
    /// destroyed, consumed) in the value only: the next change records it first, so a
    /// later cut cannot bring the entry back.
    settled: bool,
}

impl State {
    /// [`Stored::data_block`]: one copy for every region type.
    #[inline(never)]
    fn data_block(&self, index: u64) -> u64 {
        self.copies
            .end()
            .saturating_add(self.journal.blocks)
            .saturating_add(index)
    }
}

impl<R: Region> Stored<R> {
    /// `value`, to be formatted into the copies at `first_block` or replaced by what they
    /// hold: until [`format_in_place`](Self::format_in_place) or
    /// [`reload`](Self::reload) succeeds it refuses changes.
    pub(crate) const fn with_layout(
        value: R,
        first_block: u64,
        blocks_per_copy: u64,
        journal_blocks: u64,
    ) -> Self {
        Stored {
            value,
            state: State {
                copies: Copies {
                    first_block,
                    blocks_per_copy,
                },
                current: MetadataCopy::A,
                needs_recovery: true,
                journal: Journal::new(journal_blocks),
                data_records: 0,
                copies_given: false,
                settled: false,
            },
        }
    }

    /// The same region with checkpoint copies of `blocks` blocks instead of the type's
    /// own size: for reading a region whose layout is known from elsewhere (a container's
    /// region directory) with a type of a larger capacity, as an inspector does. A
    /// change that would not fit a copy of this size is refused (`capacity_exceeded`).
    /// The value then refuses changes until [`reload`](Self::reload) or
    /// [`format_in_place`](Self::format_in_place) succeeds.
    #[must_use]
    pub const fn with_blocks_per_copy(mut self, blocks: u64) -> Self {
        self.state.copies.blocks_per_copy = blocks;
        self.state.copies_given = true;
        self.state.needs_recovery = true;
        self
    }

    /// Blocks of each checkpoint copy.
    #[must_use]
    pub const fn copy_blocks(&self) -> u64 {
        self.state.copies.blocks_per_copy
    }

    /// The slots this region takes in a DWVD v2.0 container's region directory
    /// (`docs/storage-layout.md` §7), in order: its two checkpoint copies under the
    /// region's tag, its journal (`MWAL`), and its data blocks (`DATA`; `None` for a
    /// vault, which has none). A reader finds the region's whole layout in them.
    #[must_use]
    pub fn directory_slots(&self) -> [Option<crate::container::RegionSlot>; 3] {
        use crate::container::RegionSlot;
        let copies = self.state.copies.blocks_per_copy.saturating_mul(2);
        let data = self.value.data_blocks();
        [
            Some(RegionSlot::active(
                R::TAG,
                self.state.copies.first_block,
                copies,
                copies,
            )),
            Some(RegionSlot::active(
                Tag::MWAL,
                self.first_journal_block(),
                self.state.journal.blocks,
                self.state.journal.blocks,
            )),
            (data > 0).then(|| RegionSlot::active(Tag::DATA, self.data_block(0), data, data)),
        ]
    }

    /// The same region with a journal of `blocks` blocks (at least 1) instead of the
    /// type's default: a longer journal makes checkpoints rarer (their cost per
    /// operation is at most one copy's blocks over the entries the journal holds), a
    /// shorter one makes recovery read less. Set it before `format`, and read the
    /// region back the same way (`new(…).with_journal_blocks(blocks)`, then
    /// [`reload`](Self::reload)): the layout is not stored on the device, and the
    /// types' `recover` functions assume the default journal.
    ///
    /// The value then refuses changes until [`format_in_place`](Self::format_in_place)
    /// or [`reload`](Self::reload) succeeds: a journal resized under a formatted value
    /// would no longer know where its entries lie.
    #[must_use]
    pub const fn with_journal_blocks(mut self, blocks: u64) -> Self {
        self.state.journal = Journal::new(blocks);
        self.state.needs_recovery = true;
        self
    }

    /// The region's state as last committed.
    #[must_use]
    pub const fn region(&self) -> &R {
        &self.value
    }

    /// The checkpoint copy the committed state starts from (the journal holds the
    /// operations since).
    #[must_use]
    pub const fn current_copy(&self) -> MetadataCopy {
        self.state.current
    }

    /// Blocks of the journal.
    #[must_use]
    pub const fn journal_blocks(&self) -> u64 {
        self.state.journal.blocks
    }

    /// The device block of the journal's first block: right after the two copies.
    #[must_use]
    pub fn first_journal_block(&self) -> u64 {
        self.state.copies.end()
    }

    /// Operations committed since the checkpoint: journal entries, and ring appends
    /// (whose data blocks are their record). A [`checkpoint`](Self::checkpoint) brings
    /// it back to 0.
    #[must_use]
    pub const fn operations_since_checkpoint(&self) -> u64 {
        (self.state.journal.next_sequence as u64)
            .saturating_sub(1)
            .saturating_add(self.state.data_records as u64)
    }

    /// Whether an operation failed on the device since this value was formatted or
    /// recovered, or it was made by `new` and neither formatted nor reloaded: it then
    /// refuses changes ([`StorageError::NeedsRecovery`]) until [`reload`](Self::reload)
    /// (or the type's `recover`) gives a value that knows what the device holds.
    #[must_use]
    pub const fn needs_recovery(&self) -> bool {
        self.state.needs_recovery
    }

    /// The region's first device block: where metadata copy A starts.
    #[must_use]
    pub const fn first_block(&self) -> u64 {
        self.state.copies.first_block
    }

    /// The device block of the region's data block `index` (a ring slot, a WORM block
    /// index): data blocks follow the two copies and the journal.
    #[must_use]
    pub fn data_block(&self, index: u64) -> u64 {
        self.state.data_block(index)
    }

    /// Writes the value as a new region: the journal blank (erased on flash, zeros on a
    /// block device), data blocks that an older region's writes could be mistaken in
    /// blank (a ring's slots that hold no live entry), then both copies whole (tail
    /// blocks padded and sealed, so nothing of an older region stays behind in them), B
    /// then A one generation newer. Formatting is not atomic: if it is cut, format again.
    ///
    /// # Errors
    ///
    /// [`StorageError::BlockSizeMismatch`], [`StorageError::DoesNotFit`], a copy of no
    /// blocks (`invalid_argument`), or the device's error.
    pub fn format_in_place<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        blocking::StoredIo::format_in_place_on(self, device, scratch)
    }

    /// Reads the region back in place (no value-sized temporary): at start-up for a
    /// value made by `new`, or after a device error made it
    /// [`needs_recovery`](Self::needs_recovery).
    ///
    /// Of the two checkpoint copies it keeps the valid one, or of two valid ones the
    /// newer generation ([`generation_is_newer`](super::generation_is_newer)); each copy
    /// is checked through the region's view and only the one kept is loaded. Then it
    /// applies what followed that checkpoint: a ring's data blocks sealed with the
    /// generations after it, in order, and the journal's entries for it, in order. It
    /// reads at most `2 × blocks_per_copy + journal_blocks` blocks, plus a ring's
    /// `allocated_blocks + 2` slots.
    ///
    /// A read error is returned as the device's error, even when the other copy reads
    /// fine: the unreadable copy may be the newer one.
    ///
    /// # Errors
    ///
    /// [`StorageError::NoValidCopy`] (each copy's reason naming its device block),
    /// [`StorageError::DoesNotFit`], or the device's error. On an error the value is
    /// unspecified and refuses changes until a reload succeeds.
    pub fn reload<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        blocking::StoredIo::reload_on(self, device, scratch)
    }

    /// Writes the committed state as a new checkpoint, into the copy not holding the
    /// current one, and empties the journal: what happens on its own when the journal
    /// fills. Call it before a planned shutdown to make the next start-up read less, or
    /// to bound the journal replay; it costs one copy's blocks.
    ///
    /// # Errors
    ///
    /// The device's error (the value then [needs recovery](Self::needs_recovery)).
    pub fn checkpoint<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        blocking::StoredIo::checkpoint_on(self, device, scratch)
    }

    /// Refuses a change while the value may not match the device (a device error in an
    /// earlier operation, or never formatted or reloaded). Every change starts with it and
    /// ends with [`note`](Self::note).
    pub(crate) const fn check_current<E>(&self) -> Result<(), StorageError<E>> {
        if self.state.needs_recovery {
            return Err(StorageError::NeedsRecovery {
                first_block: self.state.copies.first_block,
            });
        }
        Ok(())
    }

    /// Notes a change's outcome: a device error makes the value refuse later changes
    /// until reloaded. (By reference: the result is not moved through here.)
    pub(crate) fn note<T, E>(&mut self, result: &Result<T, StorageError<E>>) {
        if result.as_ref().is_err_and(StorageError::is_device_error) {
            self.state.needs_recovery = true;
        }
    }

    /// The value, for a change the caller commits (or undoes) next.
    pub(crate) const fn value_mut(&mut self) -> &mut R {
        &mut self.value
    }

    /// Refuses a change that would leave the value too large for a checkpoint copy:
    /// checked when the change is journaled, so that the checkpoint later cannot fail.
    pub(crate) fn check_fits_copy<E>(&self) -> Result<(), StorageError<E>> {
        let size = self.value.block_size().get();
        let needed = self.value.buffer_len();
        if needed > self.state.copies.copy_len(size) {
            return Err(copy_too_small(
                needed,
                size,
                self.state.copies.blocks_per_copy,
            ));
        }
        Ok(())
    }

    /// Whether recovery settled a cut operation in the value only
    /// ([`settle`](crate::region::sealed::Load::settle)): the next change records it first.
    pub(crate) const fn settled(&self) -> bool {
        self.state.settled
    }

    /// The settled change is on the device now.
    pub(crate) const fn clear_settled(&mut self) {
        self.state.settled = false;
    }

    /// Ring appends since the checkpoint (their data blocks are their record).
    pub(crate) const fn data_records(&self) -> u32 {
        self.state.data_records
    }

    /// Counts one more operation recorded by its data block.
    pub(crate) const fn add_data_record(&mut self) {
        self.state.data_records = self.state.data_records.wrapping_add(1);
    }

    /// The generation the next operation recorded by its data block seals it with.
    pub(crate) fn next_data_generation(&self) -> u32 {
        self.value
            .generation()
            .wrapping_add(1)
            .wrapping_add(self.state.data_records)
    }
}

/// Checks that a copy and the journal have at least one block and that both copies, the
/// journal, then `data_blocks`, fit on a device of `device_blocks` blocks. One copy of
/// the code for every region type.
#[inline(never)]
fn check_layout<E>(
    copies: Copies,
    journal_blocks: u64,
    data_blocks: u64,
    device_blocks: u64,
) -> Result<(), StorageError<E>> {
    if copies.blocks_per_copy == 0 {
        return Err(StorageError::Region(Error::invalid_argument(
            "blocks_per_copy",
            text!("a metadata copy needs at least one block"),
        )));
    }
    if journal_blocks == 0 {
        return Err(StorageError::Region(Error::invalid_argument(
            "journal_blocks",
            text!("a journal needs at least one block"),
        )));
    }
    let blocks_needed = copies
        .end()
        .saturating_sub(copies.first_block)
        .saturating_add(journal_blocks)
        .saturating_add(data_blocks);
    match copies.first_block.checked_add(blocks_needed) {
        Some(end) if end <= device_blocks => Ok(()),
        _ => Err(StorageError::DoesNotFit {
            first_block: copies.first_block,
            blocks_needed,
            device_blocks,
        }),
    }
}

/// Bytes of `blocks` blocks of `block_size`: a copy's scratch (saturating).
pub(crate) const fn copy_bytes(blocks: u64, block_size: BlockSize) -> usize {
    let bytes = (blocks as u128).saturating_mul(block_size.get() as u128);
    if bytes > usize::MAX as u128 {
        usize::MAX
    } else {
        // Checked just above.
        #[allow(clippy::cast_possible_truncation)]
        let bytes = bytes as usize;
        bytes
    }
}

/// What the commit protocol needs of a region, object-safe: the protocol runs once, on
/// `&mut dyn Committable`, for every region type (one copy of the code in firmware flash
/// instead of one per region). Every [`Region`] is one.
pub(crate) trait Committable {
    fn tag(&self) -> Tag;
    fn block_size(&self) -> BlockSize;
    fn generation(&self) -> u32;
    fn set_generation(&mut self, generation: u32);
    fn buffer_len(&self) -> usize;
    fn emit(&self, buffer: &mut [u8]) -> Result<usize>;
    /// A copy's generation, if its bytes are a valid region this value could load (only
    /// its needed prefix read); with `load`, the value is also filled from it, in place
    /// (on an error it is then unspecified). One function for both, so the region's
    /// view check is one copy of code.
    fn read_copy(&mut self, bytes: &[u8], block_size: BlockSize, load: bool) -> Result<u32>;
    fn blocks_per_copy(&self, block_size: BlockSize) -> Option<u64>;
    fn data_blocks(&self) -> u64;
    fn format_clears_data_block(&self, index: u64) -> bool;
    fn replay_entry(&mut self, entry: &JournalEntry<'_>) -> Result<()>;
    fn replay_data_blocks(
        &mut self,
        first_generation: u32,
        slot: &mut dyn FnMut(u64) -> Option<u32>,
    ) -> u32;
    /// Whether it changes the value only when a block it asks about is not valid
    /// (`None`): the storage logic's `settle` relies on it to ask its question first.
    fn settle(&mut self, slot: &mut dyn FnMut(u64) -> Option<u32>) -> bool;
}

impl<R: Region> Committable for R {
    fn tag(&self) -> Tag {
        R::TAG
    }
    fn block_size(&self) -> BlockSize {
        Region::block_size(self)
    }
    fn generation(&self) -> u32 {
        Region::generation(self)
    }
    fn set_generation(&mut self, generation: u32) {
        Region::set_generation(self, generation);
    }
    fn buffer_len(&self) -> usize {
        Region::buffer_len(self)
    }
    fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        Region::emit(self, buffer)
    }
    fn read_copy(&mut self, bytes: &[u8], block_size: BlockSize, load: bool) -> Result<u32> {
        let (view, _) = R::View::new_checked_prefix(bytes, block_size)?;
        R::check_loadable(&view)?;
        if load {
            self.__fill_unchecked(&view)?;
        }
        Ok(view.generation())
    }
    fn blocks_per_copy(&self, block_size: BlockSize) -> Option<u64> {
        R::blocks_per_copy(block_size)
    }
    fn data_blocks(&self) -> u64 {
        crate::region::sealed::Load::data_blocks(self)
    }
    fn format_clears_data_block(&self, index: u64) -> bool {
        crate::region::sealed::Load::format_clears_data_block(self, index)
    }
    fn replay_entry(&mut self, entry: &JournalEntry<'_>) -> Result<()> {
        crate::region::sealed::Load::replay_entry(self, entry)
    }
    fn replay_data_blocks(
        &mut self,
        first_generation: u32,
        slot: &mut dyn FnMut(u64) -> Option<u32>,
    ) -> u32 {
        crate::region::sealed::Load::replay_data_blocks(self, first_generation, slot)
    }
    fn settle(&mut self, slot: &mut dyn FnMut(u64) -> Option<u32>) -> bool {
        crate::region::sealed::Load::settle(self, slot)
    }
}

/// The error of a change that would not fit in a checkpoint copy.
fn copy_too_small<E>(needed: usize, block_size: usize, blocks_per_copy: u64) -> StorageError<E> {
    StorageError::Region(Error::from(Reason::CapacityExceeded {
        what: "blocks per copy",
        count: u64::try_from(needed.div_ceil(block_size.max(1))).unwrap_or(u64::MAX),
        capacity: usize::try_from(blocks_per_copy).unwrap_or(usize::MAX),
    }))
}

maybe_async! {
    use {
        copies::{CopiesIo as _, sync, write_block},
        journal::{JournalIo as _, clear_block},
    };

    /// The lifecycle every stored region shares, on the device: format, reload,
    /// checkpoint, and the commit protocol the region types' operations use. Each is
    /// [`StateIo`]'s, on the value as `&mut dyn Committable`.
    impl<R: Region> StoredIo for Stored<R> {
        /// A blank value read back from the region at `first_block`
        /// ([`reload`](Stored::reload)).
        async fn recover_at<D: Device>(
            device: &mut D,
            first_block: u64,
            blocks_per_copy: u64,
            journal_blocks: u64,
            scratch: &mut [u8],
        ) -> Result<Self, StorageError<D::Error>> {
            let blank = R::blank(device.block_size());
            let mut stored = Self::with_layout(blank, first_block, blocks_per_copy, journal_blocks);
            io!(stored.reload_on(device, scratch))?;
            Ok(stored)
        }

        /// This value written as a new region
        /// ([`format_in_place`](Stored::format_in_place)).
        async fn formatted<D: Device>(
            mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<Self, StorageError<D::Error>> {
            io!(self.format_in_place_on(device, scratch))?;
            Ok(self)
        }

        /// [`format_in_place`](Stored::format_in_place).
        async fn format_in_place_on<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            io!(self.state.format_on(&mut self.value, device, scratch))
        }

        /// [`reload`](Stored::reload).
        async fn reload_on<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            io!(self.state.reload_on(&mut self.value, device, scratch))
        }

        /// [`checkpoint`](Stored::checkpoint).
        async fn checkpoint_on<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            self.check_current()?;
            let result = io!(self.commit(device, scratch));
            self.note(&result);
            result
        }

        /// Writes the value as the caller has just changed it as a checkpoint: into the
        /// other copy, with a generation after every one used since the last checkpoint
        /// (its own and its ring data blocks'), then syncs; on success it is the
        /// committed value and the journal is empty. On an error the generation is put
        /// back and the caller must undo its change: the value stays the last commit (no
        /// clone of it is made, so a large log or vault costs no stack).
        async fn commit<D: Device>(
            &mut self,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            io!(self.state.write_checkpoint(&mut self.value, device, scratch, false))
        }

        /// Records the operation the caller has just applied to the value: one journal
        /// entry of `kind` whose payload `fill` writes, or a checkpoint when the journal
        /// has no room. On an error the caller must undo its change.
        async fn record<D: Device>(
            &mut self,
            device: &mut D,
            kind: JournalEntryKind,
            payload_length: usize,
            fill: &mut dyn FnMut(&mut [u8]) -> Result<()>,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            io!(self.state.record(&mut self.value, device, kind, payload_length, fill, scratch))
        }

        /// Writes `data` as data block `index`, sealed with `generation`, then syncs:
        /// before the record that counts it.
        async fn write_data_block<D: Device>(
            &self,
            device: &mut D,
            index: u64,
            data: &[u8],
            generation: u32,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            io!(write_data(device, self.data_block(index), data, generation, scratch))
        }

        /// Reads data block `index` into `scratch` (one block), unchecked.
        async fn read_data_block<'s, D: Device>(
            &self,
            device: &mut D,
            index: u64,
            scratch: &'s mut [u8],
        ) -> Result<&'s mut [u8], StorageError<D::Error>> {
            io!(read_data(device, self.data_block(index), scratch))
        }
    }

    /// [`StoredIo`]'s lifecycle for every region type: one copy of the code.
    impl StateIo for State {
        /// [`format_in_place`](Stored::format_in_place) of `value`.
        async fn format_on<D: Device>(
            &mut self,
            value: &mut dyn Committable,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            let region = value.block_size();
            let device_size = device.block_size();
            if region != device_size {
                return Err(StorageError::BlockSizeMismatch {
                    region,
                    device: device_size,
                });
            }
            check_layout(
                self.copies,
                self.journal.blocks,
                value.data_blocks(),
                device.block_count(),
            )?;
            self.needs_recovery = true;
            let journal = self.copies.end();
            for block in 0..self.journal.blocks {
                io!(clear_block(device, journal.saturating_add(block), scratch))?;
            }
            for index in 0..value.data_blocks() {
                if value.format_clears_data_block(index) {
                    io!(clear_block(device, self.data_block(index), scratch))?;
                }
            }
            self.current = MetadataCopy::A;
            self.data_records = 0;
            self.journal.restart();
            io!(self.write_checkpoint(value, device, scratch, true))?;
            io!(self.write_checkpoint(value, device, scratch, true))?;
            self.needs_recovery = false;
            Ok(())
        }

        /// [`reload`](Stored::reload) of `value`.
        async fn reload_on<D: Device>(
            &mut self,
            value: &mut dyn Committable,
            device: &mut D,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            self.needs_recovery = true;
            // A type whose capacity fixes the copies' size (the WORM log) sizes them for
            // the device's block size, as parsing does.
            if !self.copies_given
                && let Some(blocks) = value.blocks_per_copy(device.block_size())
            {
                self.copies.blocks_per_copy = blocks;
            }
            check_layout(self.copies, self.journal.blocks, 0, device.block_count())?;
            self.current = io!(reload_value(value, self.copies, device, scratch))?;
            // The data the recovered value counts must fit too.
            check_layout(
                self.copies,
                self.journal.blocks,
                value.data_blocks(),
                device.block_count(),
            )?;
            let data_start = self.data_block(0);
            let data_blocks = value.data_blocks();
            self.data_records = io!(replay_data_blocks(
                value,
                data_start,
                data_blocks,
                device,
                scratch,
            ))?;
            let generation = value.generation();
            io!(self.journal.replay(
                device,
                self.copies.end(),
                generation,
                scratch,
                &mut |entry: &JournalEntry<'_>| value.replay_entry(entry),
            ))?;
            self.settled = io!(settle(value, data_start, device, scratch))?;
            check_layout(
                self.copies,
                self.journal.blocks,
                value.data_blocks(),
                device.block_count(),
            )?;
            self.needs_recovery = false;
            Ok(())
        }

        /// [`StoredIo::commit`], the copy padded whole when `whole_copy` (format).
        async fn write_checkpoint<D: Device>(
            &mut self,
            value: &mut dyn Committable,
            device: &mut D,
            scratch: &mut [u8],
            whole_copy: bool,
        ) -> Result<(), StorageError<D::Error>> {
            let checkpoint = value.generation();
            // Past the generations the ring's data blocks took since the checkpoint.
            value.set_generation(checkpoint.wrapping_add(self.data_records));
            let result = io!(commit_value(
                value,
                self.copies,
                &mut self.current,
                device,
                scratch,
                whole_copy,
            ));
            if result.is_ok() {
                self.data_records = 0;
                self.settled = false;
                self.journal.restart();
            } else {
                value.set_generation(checkpoint);
            }
            result
        }

        /// [`StoredIo::record`].
        async fn record<D: Device>(
            &mut self,
            value: &mut dyn Committable,
            device: &mut D,
            kind: JournalEntryKind,
            payload_length: usize,
            fill: &mut dyn FnMut(&mut [u8]) -> Result<()>,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            let appended = io!(self.journal.append(
                device,
                self.copies.end(),
                value.generation(),
                kind,
                payload_length,
                fill,
                scratch,
            ))?;
            match appended {
                Appended::Written => Ok(()),
                Appended::NeedsCheckpoint => {
                    io!(self.write_checkpoint(value, device, scratch, false))
                }
            }
        }
    }

    /// [`Stored::write_data_block`] for every region type: seals `data` as a data block
    /// with `generation` and writes it to `device_block`, then syncs.
    #[inline(never)]
    async fn write_data<D: Device>(
        device: &mut D,
        device_block: u64,
        data: &[u8],
        generation: u32,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        let block = take_scratch::<D::Error>(scratch, device.block_size().get())?;
        seal_data_block(block, data, generation)?;
        io!(write_block(device, device_block, block))?;
        io!(sync(device, device_block))
    }

    /// [`Stored::read_data_block`] for every region type.
    #[inline(never)]
    async fn read_data<'s, D: Device>(
        device: &mut D,
        device_block: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s mut [u8], StorageError<D::Error>> {
        let block = take_scratch::<D::Error>(scratch, device.block_size().get())?;
        io!(device.read_block(device_block, block)).map_err(|error| StorageError::Device {
            operation: DeviceOperation::Read,
            block: device_block,
            error,
        })?;
        Ok(block)
    }

    /// The generation of data block `index` (at device block `data_start + index`) when
    /// it is a valid data block.
    async fn data_block_generation<D: Device>(
        device: &mut D,
        data_start: u64,
        index: u64,
        scratch: &mut [u8],
    ) -> Result<Option<u32>, StorageError<D::Error>> {
        let block = io!(read_data(device, data_start.saturating_add(index), scratch))?;
        Ok(crate::block::open(block, Tag::DATA)
            .ok()
            .map(|opened| opened.generation()))
    }

    /// Applies the operations recorded by their data blocks after the loaded checkpoint
    /// (ring appends); returns how many.
    ///
    /// The region asks for data blocks through a synchronous callback
    /// ([`Load::replay_data_blocks`](crate::region::sealed::Load::replay_data_blocks)),
    /// and a read in the async instantiation may have to wait: so the region is run one
    /// append at a time. Each run is answered the block read before it (its first
    /// question) and stops at its next question, which is read before the next run. The
    /// blocks are read in the same order and number as a callback that read them itself
    /// would: at most `data_blocks + 1`.
    #[inline(never)]
    async fn replay_data_blocks<D: Device>(
        value: &mut dyn Committable,
        data_start: u64,
        data_blocks: u64,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<u32, StorageError<D::Error>> {
        let first = value.generation().wrapping_add(1);
        let mut applied: u32 = 0;
        let mut known: Option<(u64, Option<u32>)> = None;
        let mut reads: u64 = 0;
        loop {
            let mut wanted = None;
            let step =
                value.replay_data_blocks(first.wrapping_add(applied), &mut |index| match known
                    .take()
                {
                    Some((slot, generation)) if slot == index => generation,
                    _ => {
                        wanted = Some(index);
                        None
                    }
                });
            applied = applied.wrapping_add(step);
            match wanted {
                Some(index) if reads <= data_blocks => {
                    reads = reads.saturating_add(1);
                    let generation =
                        io!(data_block_generation(device, data_start, index, scratch))?;
                    known = Some((index, generation));
                }
                _ => return Ok(applied),
            }
        }
    }

    /// Settles what an operation cut mid-way leaves in the data blocks; returns whether
    /// the value changed (a change no device holds yet).
    ///
    /// As in [`replay_data_blocks`], the region's synchronous question is read between
    /// two runs: the first is told every block it asks about is valid (which changes
    /// nothing), the second is told what the block it asked about holds.
    #[inline(never)]
    async fn settle<D: Device>(
        value: &mut dyn Committable,
        data_start: u64,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<bool, StorageError<D::Error>> {
        let mut answer: Option<(u64, Option<u32>)> = None;
        loop {
            let mut wanted = None;
            let changed = value.settle(&mut |index| match answer {
                Some((asked, generation)) if asked == index => generation,
                _ => {
                    wanted = Some(index);
                    Some(0)
                }
            });
            match wanted {
                Some(index) if answer.is_none() => {
                    let generation =
                        io!(data_block_generation(device, data_start, index, scratch))?;
                    answer = Some((index, generation));
                }
                _ => return Ok(changed),
            }
        }
    }

    /// [`Stored::reload`] for any region value: returns the copy it was loaded from.
    #[inline(never)]
    async fn reload_value<D: Device>(
        value: &mut dyn Committable,
        copies: Copies,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<MetadataCopy, StorageError<D::Error>> {
        let size = device.block_size();
        let current =
            io!(copies.choose(device, scratch, |bytes| value.read_copy(bytes, size, false)))?;
        let bytes = match current {
            // `choose` read copy B last: it is still in the scratch.
            MetadataCopy::B => take_scratch::<D::Error>(scratch, copies.copy_len(size.get()))?,
            MetadataCopy::A => io!(copies.read(device, MetadataCopy::A, scratch))?,
        };
        if let Err(error) = value.read_copy(bytes, size, true) {
            return Err(error.relocated(copies.start(current)).into());
        }
        Ok(current)
    }

    /// [`Stored::commit`] for any region value: on success `current` is the other copy.
    #[inline(never)]
    async fn commit_value<D: Device>(
        value: &mut dyn Committable,
        copies: Copies,
        current: &mut MetadataCopy,
        device: &mut D,
        scratch: &mut [u8],
        whole_copy: bool,
    ) -> Result<(), StorageError<D::Error>> {
        let committed_generation = value.generation();
        let generation = committed_generation.wrapping_add(1);
        value.set_generation(generation);
        let next = current.other();
        let result = io!(write_copy(
            &*value, copies, next, device, scratch, whole_copy, generation,
        ));
        if result.is_ok() {
            *current = next;
        } else {
            value.set_generation(committed_generation);
        }
        result
    }

    /// Emits `value` (padded to the whole copy when `whole_copy`) into `copy`, then
    /// syncs.
    async fn write_copy<D: Device>(
        value: &dyn Committable,
        copies: Copies,
        copy: MetadataCopy,
        device: &mut D,
        scratch: &mut [u8],
        whole_copy: bool,
        generation: u32,
    ) -> Result<(), StorageError<D::Error>> {
        let size = value.block_size().get();
        let copy_len = copies.copy_len(size);
        let needed = value.buffer_len();
        if needed > copy_len {
            return Err(copy_too_small(needed, size, copies.blocks_per_copy));
        }
        let mut length = value.emit(take_scratch::<D::Error>(scratch, needed)?)?;
        if whole_copy {
            length = pad_copy(scratch, length, copy_len, size, value.tag(), generation)?;
        }
        let bytes = take_scratch::<D::Error>(scratch, length)?;
        io!(copies.write(device, copy, bytes))
    }
}
