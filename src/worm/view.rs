//! The borrowed, checked view over a WORM region, for inspectors.

use core::iter::FusedIterator;

use zerocopy::FromBytes;

use super::layout::{
    HEADER_LEN, LoggedWrite, RECORD_LEN, WormHeader, WriteRecord, blocks_needed, field,
    records_in_first_block, records_per_later_block,
};
use crate::block::{BlockSize, RegionBlocks, Tag};
use crate::error::{Error, Result};
use crate::ticks::Ticks;

/// A checked, borrowed view over a WORM region's blocks, for inspectors.
///
/// Building one verifies, in order: the buffer is a whole number of blocks; every block's
/// checksum, tag (`WORM`) and generation (one generation for the region, else
/// `torn_write`); `write_log_count` is not negative and fits in the blocks given
/// (`truncated` otherwise); the header fields (`total_capacity_blocks > 0`,
/// `0 ≤ high_water_mark ≤ total_capacity_blocks`, `retention_period_ticks ≥ 0`, reserved
/// zero); every record's
/// `block_index ≥ 0` and `0 ≤ data_length ≤ bs − 16`; and that everything after the last
/// record is zero. After that nothing can fail, and the records are read in place —
/// nothing is copied, and their number is not bounded.
///
/// Whether the log agrees with the mark (one record per written block, in order) is a
/// separate question, so an inspector can still show a log that disagrees:
/// [`check_log_sequence`](Self::check_log_sequence). The owned
/// [`WormRegion::parse`](super::WormRegion::parse) requires it.
///
/// Blocks after those the log needs are accepted when sealed, tagged and zero (space
/// reserved for the log to grow).
///
/// ```
/// use dwvd_regions::{BlockSize, Ticks, worm::{WormRegion, WormView}};
///
/// let size = BlockSize::new(512)?;
/// let mut region = WormRegion::<16>::new(size, 100, 0, Ticks::new(0))?;
/// for record in [&b"first"[..], b"second"] {
///     region.append(record, Ticks::new(1))?;
/// }
/// let mut blocks = [0u8; 512];
/// region.emit(&mut blocks)?;
///
/// let view = WormView::new_checked(&blocks, size)?;
/// assert_eq!(view.high_water_mark(), 2);
/// let lengths: Vec<i32> = view.records().map(|r| r.data_length.get()).collect();
/// assert_eq!(lengths, [5, 6]);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WormView<'a> {
    blocks: RegionBlocks<'a>,
    header: &'a WormHeader,
    generation: u32,
    count: usize,
}

impl<'a> WormView<'a> {
    /// Checks `region` (one or more `block_size` blocks) and views it. See the type's
    /// documentation for what is checked, in which order.
    pub fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let (blocks, generation, header) =
            RegionBlocks::verified_header::<WormHeader>(region, block_size, Tag::WORM)?;

        let count_value = header.write_log_count.get();
        let count = u64::try_from(count_value).map_err(|_| {
            Error::invalid_field(
                0,
                "write_log_count",
                field::WRITE_LOG_COUNT,
                i64::from(count_value),
                "it must not be negative",
            )
        })?;
        let blocks_available = u64::try_from(blocks.len()).unwrap_or(u64::MAX);
        let needed = blocks_needed(block_size, count).unwrap_or(u64::MAX);
        if needed > blocks_available {
            return Err(Error::CountExceedsBlocks {
                field: "write_log_count",
                count,
                blocks_needed: needed,
                blocks_available,
            });
        }

        let total = header.total_capacity_blocks.get();
        if total <= 0 {
            return Err(Error::invalid_field(
                0,
                "total_capacity_blocks",
                field::TOTAL_CAPACITY_BLOCKS,
                total,
                "it must be greater than 0",
            ));
        }
        let mark = header.high_water_mark.get();
        if !(0..=total).contains(&mark) {
            return Err(Error::invalid_field(
                0,
                "high_water_mark",
                field::HIGH_WATER_MARK,
                mark,
                "it must be between 0 and total_capacity_blocks",
            ));
        }
        let retention = header.retention_period_ticks.get();
        if retention < 0 {
            return Err(Error::invalid_field(
                0,
                "retention_period_ticks",
                field::RETENTION_PERIOD_TICKS,
                retention,
                "it must be 0 (retain forever) or positive",
            ));
        }
        let reserved = header.reserved.get();
        if reserved != 0 {
            return Err(Error::invalid_field(
                0,
                "reserved",
                field::RESERVED,
                i64::from(reserved),
                "it must be zero",
            ));
        }

        let view = WormView {
            blocks,
            header,
            generation,
            // count fits in i32, so in usize on every supported target.
            count: usize::try_from(count).unwrap_or(usize::MAX),
        };
        view.check_records_and_padding()?;
        Ok(view)
    }

    /// Checks the WORM region at the start of `image`, which may go on with other blocks:
    /// the region's extent comes from its `write_log_count` ([`blocks_needed`]), and only
    /// those blocks are checked ([`new_checked`](Self::new_checked)). Returns the view and
    /// the number of blocks the region takes. For inspectors walking a whole image.
    pub fn new_checked_prefix(image: &'a [u8], block_size: BlockSize) -> Result<(Self, usize)> {
        let blocks = RegionBlocks::new(image, block_size)?;
        // The count is read before block 0 is verified only to size the region; the
        // check below verifies it (a corrupt block 0 is reported as such).
        let count = blocks
            .payload(0)
            .and_then(|payload| WormHeader::ref_from_prefix(payload).ok())
            .map_or(0, |(header, _)| header.write_log_count.get());
        let needed = u64::try_from(count)
            .ok()
            .and_then(|count| blocks_needed(block_size, count))
            .and_then(|needed| usize::try_from(needed).ok())
            .unwrap_or(1);
        let extent = needed.clamp(1, blocks.len());
        let end = extent.saturating_mul(block_size.get());
        let view = Self::new_checked(image.get(..end).unwrap_or(image), block_size)?;
        // A count needing more blocks than the image holds was reported above.
        Ok((view, extent))
    }

    /// Checks every record's fields, and that every byte after the records is zero.
    fn check_records_and_padding(&self) -> Result<()> {
        let block_size = self.blocks.block_size();
        let payload_len = block_size.payload_len();
        let mut remaining = self.count;
        for block in 0..self.blocks.len() {
            let payload = self.blocks.payload(block).unwrap_or_default();
            let (start, capacity) = if block == 0 {
                (HEADER_LEN, records_in_first_block(block_size))
            } else {
                (0, records_per_later_block(block_size))
            };
            let here = remaining.min(capacity);
            remaining = remaining.saturating_sub(here);
            let records_end = start.saturating_add(here.saturating_mul(RECORD_LEN));
            let area = payload.get(start..records_end).unwrap_or_default();
            for (slot, bytes) in area.chunks_exact(RECORD_LEN).enumerate() {
                let Ok(record) = WriteRecord::ref_from_bytes(bytes) else {
                    continue;
                };
                let offset = start.saturating_add(slot.saturating_mul(RECORD_LEN));
                let block_index = record.block_index.get();
                if block_index < 0 {
                    return Err(Error::invalid_field(
                        block,
                        "block_index",
                        offset.saturating_add(field::BLOCK_INDEX),
                        block_index,
                        "it must not be negative",
                    ));
                }
                let length = record.data_length.get();
                if usize::try_from(length).map_or(true, |length| length > payload_len) {
                    return Err(Error::invalid_field(
                        block,
                        "data_length",
                        offset.saturating_add(field::DATA_LENGTH),
                        i64::from(length),
                        "it must be between 0 and one block's payload (block size - 16)",
                    ));
                }
            }
            let padding = payload.get(records_end..).unwrap_or_default();
            if let Some(position) = padding.iter().position(|byte| *byte != 0) {
                let offset = records_end.saturating_add(position);
                let value = padding.get(position).copied().unwrap_or(0);
                return Err(Error::invalid_field(
                    block,
                    "padding",
                    offset,
                    i64::from(value),
                    "every byte after the write-log records must be zero",
                ));
            }
        }
        Ok(())
    }

    /// The raw header, as stored.
    #[must_use]
    pub const fn header(&self) -> &'a WormHeader {
        self.header
    }

    /// The generation every block carries.
    #[must_use]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// The block size the region was read with.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.blocks.block_size()
    }

    /// Blocks in the region buffer (at least [`blocks_needed`] for the log).
    #[must_use]
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Blocks below this index are written and immutable.
    #[must_use]
    pub fn high_water_mark(&self) -> u64 {
        u64::try_from(self.header.high_water_mark.get()).unwrap_or(0)
    }

    /// Blocks the region holds.
    #[must_use]
    pub fn total_capacity_blocks(&self) -> u64 {
        u64::try_from(self.header.total_capacity_blocks.get()).unwrap_or(0)
    }

    /// Retention period in ticks; 0 means written blocks are kept forever.
    #[must_use]
    pub fn retention_period_ticks(&self) -> i64 {
        self.header.retention_period_ticks.get()
    }

    /// When the region was created.
    #[must_use]
    pub fn created(&self) -> Ticks {
        Ticks::new(self.header.created_utc_ticks.get())
    }

    /// Records in the write log.
    #[must_use]
    pub const fn write_log_count(&self) -> usize {
        self.count
    }

    /// The write-log records in order, read in place across blocks.
    #[must_use]
    pub fn records(&self) -> Records<'a> {
        Records {
            blocks: self.blocks,
            next_block: 0,
            current: [].chunks_exact(RECORD_LEN),
            remaining: self.count,
        }
    }

    /// The write-log records in order, as [`LoggedWrite`] values.
    pub fn logged_writes(&self) -> impl ExactSizeIterator<Item = LoggedWrite> + 'a {
        // Every record was checked, so the conversion never falls back.
        self.records()
            .map(|record| record.to_logged_write().unwrap_or(LoggedWrite::ZERO))
    }

    /// Checks that the log agrees with the mark: exactly one record per written block,
    /// record `i` logging block `i`. The first disagreement is
    /// [`Error::InvalidField`] naming `write_log_count` or the record's `block_index`.
    ///
    /// A region written by this crate always agrees; a disagreement means the log or the
    /// mark was altered (or written by other rules).
    pub fn check_log_sequence(&self) -> Result<()> {
        let mark = self.header.high_water_mark.get();
        if i64::from(self.header.write_log_count.get()) != mark {
            return Err(Error::invalid_field(
                0,
                "write_log_count",
                field::WRITE_LOG_COUNT,
                i64::from(self.header.write_log_count.get()),
                "it must equal high_water_mark: one record per written block",
            ));
        }
        let block_size = self.blocks.block_size();
        for (index, record) in self.records().enumerate() {
            let expected = i64::try_from(index).unwrap_or(i64::MAX);
            if record.block_index.get() != expected {
                let (block, offset) =
                    super::layout::record_location(block_size, index).unwrap_or((0, 0));
                return Err(Error::invalid_field(
                    block,
                    "block_index",
                    offset.saturating_add(field::BLOCK_INDEX),
                    record.block_index.get(),
                    "record i must log block i: blocks are written in order from 0",
                ));
            }
        }
        Ok(())
    }
}

/// Iterator over a [`WormView`]'s write-log records, in place.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    blocks: RegionBlocks<'a>,
    next_block: usize,
    current: core::slice::ChunksExact<'a, u8>,
    remaining: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a WriteRecord;

    fn next(&mut self) -> Option<Self::Item> {
        while self.remaining > 0 {
            if let Some(bytes) = self.current.next() {
                self.remaining = self.remaining.saturating_sub(1);
                return WriteRecord::ref_from_bytes(bytes).ok();
            }
            let block = self.next_block;
            let payload = self.blocks.payload(block)?;
            self.next_block = block.checked_add(1)?;
            let block_size = self.blocks.block_size();
            let (start, capacity) = if block == 0 {
                (HEADER_LEN, records_in_first_block(block_size))
            } else {
                (0, records_per_later_block(block_size))
            };
            let end = start.saturating_add(capacity.saturating_mul(RECORD_LEN));
            self.current = payload
                .get(start..end)
                .unwrap_or_default()
                .chunks_exact(RECORD_LEN);
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Records<'_> {}
impl FusedIterator for Records<'_> {}
