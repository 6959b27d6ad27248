//! A WORM region persisted on a block device.

use super::device::BlockDevice;
use super::error::StorageError;
use super::journal::JournalEntryKind;
use super::maybe_async::maybe_async;
use super::stored::{self, Stored, copy_bytes};
use crate::block::BlockSize;
use crate::error::{BlockOrigin, Error, Location, Reason, Result};
use crate::region::Region;
use crate::ticks::Ticks;
use crate::worm::{LoggedWrite, RECORD_LEN, WormRegion, blocks_needed};
use zerocopy::IntoBytes;

/// A [`WormRegion`] kept on a [`BlockDevice`] (a [`Stored`] WORM region): every append
/// atomic under a power cut, and once `append` returns `Ok`, the data and its log record
/// survive any later cut.
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | `M` | checkpoint copy A: the WORM header and write log (SPEC §3) |
/// | `M` | checkpoint copy B |
/// | `J` | the journal (tag `MWAL`): appends since the checkpoint |
/// | `total_capacity_blocks` | the data blocks; WORM block `i` is device block `first_block + 2M + J + i` (data, zeros, tag `DATA`) |
///
/// `M` = [`blocks_per_copy`](Self::blocks_per_copy)`(block_size)`: room for the log when
/// full. `J` = [`default_journal_blocks`](Self::default_journal_blocks) unless
/// [`with_journal_blocks`](Self::with_journal_blocks) says otherwise.
///
/// # What an append writes
///
/// The data block at the high-water mark (never a block the committed state counts as
/// written), a sync, then one 80-byte journal entry holding the write-log record, and a
/// sync: the commit point. The cost does not grow with the log: on NOR flash the entry
/// is programmed into erased space, and a journal block is erased once per 51 entries
/// (4 KiB blocks). When the journal is full, the append is committed by a checkpoint
/// instead — header and log written into the copy not holding the current one — which
/// empties the journal; with the default journal (two copies' worth of blocks) that is
/// at most one checkpoint per `2M × entries per block` appends. A cut before the entry
/// leaves the append undone; a cut entry fails its checksum and is ignored; a cut
/// checkpoint leaves a copy that fails its checksum or whose blocks carry different
/// generations (`torn_write`), so [`recover`](Self::recover) keeps the other and replays
/// the journal on it.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{RamDevice, StoredWorm};
/// use dwvd_regions::worm::WormRegion;
/// use dwvd_regions::{BlockSize, Ticks};
///
/// let mut device = RamDevice::<512, 16>::new();
/// let mut scratch = [0u8; 512 * 2];
/// let region = WormRegion::<16>::new(BlockSize::MIN, 8, 0, Ticks::new(638_000_000_000_000_000))?;
/// let mut stored = StoredWorm::format(&mut device, 0, region, &mut scratch)?;
/// let index = stored.append(&mut device, b"invoice 2026-0042", Ticks::new(638_000_000_100_000_000), &mut scratch)?;
///
/// let stored = StoredWorm::<16>::recover(&mut device, 0, &mut scratch)?;
/// assert_eq!(stored.region().high_water_mark(), 1);
/// // Read back and checked against the logged length and SHA-256.
/// assert_eq!(stored.read(&mut device, index, &mut scratch)?, b"invoice 2026-0042");
/// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
/// ```
pub type StoredWorm<const LOG_CAPACITY: usize> = Stored<WormRegion<LOG_CAPACITY>>;

impl<const LOG_CAPACITY: usize> Stored<WormRegion<LOG_CAPACITY>> {
    /// Blocks of one metadata copy: the header and a log of `LOG_CAPACITY` records.
    #[must_use]
    pub const fn blocks_per_copy(block_size: BlockSize) -> u64 {
        match blocks_needed(block_size, LOG_CAPACITY as u64) {
            Some(blocks) => blocks,
            None => u64::MAX,
        }
    }

    /// Journal blocks by default: two copies' worth (at least 2), so a checkpoint, which
    /// costs up to one copy, comes at most once per that many blocks of entries.
    #[must_use]
    pub const fn default_journal_blocks(block_size: BlockSize) -> u64 {
        let blocks = Self::blocks_per_copy(block_size).saturating_mul(2);
        if blocks < 2 { 2 } else { blocks }
    }

    /// Device blocks the region takes with the default journal: two checkpoint copies,
    /// the journal and the data blocks.
    #[must_use]
    pub const fn blocks_needed(block_size: BlockSize, total_capacity_blocks: u64) -> u64 {
        Self::blocks_per_copy(block_size)
            .saturating_mul(2)
            .saturating_add(Self::default_journal_blocks(block_size))
            .saturating_add(total_capacity_blocks)
    }

    /// Scratch bytes every operation needs: one metadata copy.
    #[must_use]
    pub const fn scratch_len(block_size: BlockSize) -> usize {
        copy_bytes(Self::blocks_per_copy(block_size), block_size)
    }

    /// The WORM region at `first_block` holding `region` — not yet written or read:
    /// [`format_in_place`](Self::format_in_place) writes `region` as a new region,
    /// [`reload`](Self::reload) replaces it with what the device holds, and until one of
    /// them succeeds the value refuses changes ([`StorageError::NeedsRecovery`]). A
    /// `const fn`, so firmware can keep a stored region (its log is `LOG_CAPACITY` × 52
    /// bytes) in a `static` and never move it.
    #[must_use]
    pub const fn new(first_block: u64, region: WormRegion<LOG_CAPACITY>) -> Self {
        let blocks = Self::blocks_per_copy(region.block_size());
        let journal = Self::default_journal_blocks(region.block_size());
        Self::with_layout(region, first_block, blocks, journal)
    }

    /// Writes `region` to a new region at `first_block`: both metadata copies, whole.
    /// Formatting is not atomic: if it is cut, format again. A region that already holds
    /// writes is written as it is: its data blocks must already be on the device.
    ///
    /// # Errors
    ///
    /// As [`format_in_place`](Self::format_in_place).
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        region: WormRegion<LOG_CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        stored::blocking::StoredIo::formatted(Self::new(first_block, region), device, scratch)
    }

    /// Reads the region back from `first_block` ([`reload`](Self::reload)): of the two
    /// metadata copies, the valid one (checksums, one generation across its blocks, a log
    /// that agrees with the mark and fits `LOG_CAPACITY`), or of two valid ones the newer
    /// generation.
    ///
    /// # Errors
    ///
    /// As [`reload`](Self::reload).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        <Self as blocking::WormIo>::recover_on(device, first_block, scratch)
    }

    /// Appends `data` at the high-water mark and returns its WORM block index. When it
    /// returns `Ok`, the data block and its log record are on the device and no later
    /// power cut loses them.
    ///
    /// # Errors
    ///
    /// A refusal (`full`, `record_too_large`) writes nothing; after a device error the
    /// value [needs recovery](Self::needs_recovery).
    pub fn append<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        timestamp: Ticks,
        scratch: &mut [u8],
    ) -> Result<u64, StorageError<D::Error>> {
        blocking::WormIo::append_on(self, device, data, timestamp, scratch)
    }

    /// Reads WORM block `index` and checks it against its log record (checksum, tag,
    /// length, SHA-256, zero padding); returns the data, which lies in `scratch`.
    ///
    /// # Errors
    ///
    /// A block not yet written is `not_written_yet`; a block that does not match its
    /// record is `checksum_mismatch`, `wrong_tag` or `content_mismatch`, naming the
    /// WORM block index.
    pub fn read<'s, D: BlockDevice>(
        &self,
        device: &mut D,
        index: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        blocking::WormIo::read_on(self, device, index, scratch)
    }
}

maybe_async! {
    use { stored::{StoredIo as _} };

    /// The WORM region's operations on the device.
    impl<const LOG_CAPACITY: usize> WormIo for Stored<WormRegion<LOG_CAPACITY>> {
        /// [`recover`](Stored::recover).
        async fn recover_on<D: Device>(
            device: &mut D,
            first_block: u64,
            scratch: &mut [u8],
        ) -> Result<Self, StorageError<D::Error>> {
            let blocks = Self::blocks_per_copy(device.block_size());
            let journal = Self::default_journal_blocks(device.block_size());
            io!(Self::recover_at(device, first_block, blocks, journal, scratch))
        }

        /// [`append`](Stored::append).
        async fn append_on<D: Device>(
            &mut self,
            device: &mut D,
            data: &[u8],
            timestamp: Ticks,
            scratch: &mut [u8],
        ) -> Result<u64, StorageError<D::Error>> {
            self.check_current()?;
            // In place, no copy of the log: a refusal changes nothing (and is no device
            // error), a failure is undone.
            let index = self.value_mut().append(data, timestamp)?;
            if let Err(error) = self.check_fits_copy() {
                self.value_mut().undo_append();
                return Err(error);
            }
            let generation = self.region().generation().wrapping_add(1);
            let mut result = io!(self.write_data_block(device, index, data, generation, scratch));
            if result.is_ok() {
                let record = self
                    .region()
                    .log()
                    .last()
                    .map_or(LoggedWrite::ZERO, |record| *record)
                    .to_record();
                result = io!(self.record(
                    device,
                    JournalEntryKind::WormAppend,
                    RECORD_LEN,
                    &mut |payload| {
                        payload.copy_from_slice(record.as_bytes());
                        Ok(())
                    },
                    scratch,
                ));
            }
            if result.is_err() {
                self.value_mut().undo_append();
            }
            self.note(&result);
            result.map(|()| index)
        }

        /// [`read`](Stored::read).
        async fn read_on<'s, D: Device>(
            &self,
            device: &mut D,
            index: u64,
            scratch: &'s mut [u8],
        ) -> Result<&'s [u8], StorageError<D::Error>> {
            let record = usize::try_from(index)
                .ok()
                .and_then(|position| self.region().log().get(position))
                .filter(|record| record.block_index == index)
                .ok_or_else(|| {
                    Error::new(
                        Reason::NotWrittenYet {
                            position: index,
                            write_head: self.region().high_water_mark(),
                        },
                        Location::block_of(BlockOrigin::DataRange, index),
                    )
                })?;
            let block = io!(self.read_data_block(device, index, scratch))?;
            record.verify_data_block(block)?;
            let length = usize::try_from(record.data_length).unwrap_or(usize::MAX);
            Ok(block.get(..length).unwrap_or_default())
        }
    }
}
