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
        // Records and padding are swept block by block as each block's checksum verifies
        // (one pass over memory); the sweep only says "clean or not", so errors keep
        // their order: every block's checksum and tag, then the header, then records.
        let mut sweep = RecordSweep::new(block_size);
        let (blocks, generation, header) = RegionBlocks::verified_header_inspecting::<WormHeader>(
            region,
            block_size,
            Tag::WORM,
            |index, payload| sweep.block(index, payload),
        )?;

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
        if !sweep.clean {
            view.first_bad_record_or_padding()?;
        }
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

    /// The record areas and padding of every block: `(block, start offset, records area,
    /// padding)`, the area holding exactly the records `write_log_count` puts there.
    fn record_areas(&self) -> impl Iterator<Item = (usize, usize, &'a [u8], &'a [u8])> + 'a {
        let blocks = self.blocks;
        let block_size = blocks.block_size();
        let mut remaining = self.count;
        (0..blocks.len()).map(move |block| {
            let payload = blocks.payload(block).unwrap_or_default();
            let (start, area, padding) = split_records(payload, block_size, block, &mut remaining);
            (block, start, area, padding)
        })
    }

    /// The first bad record field or padding byte, as [`Error::InvalidField`] naming
    /// its block and offset (`Ok` if there is none).
    fn first_bad_record_or_padding(&self) -> Result<()> {
        let payload_len = self.blocks.block_size().payload_len();
        for (block, start, area, padding) in self.record_areas() {
            let records_end = start.saturating_add(area.len());
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

    /// Record `index` of the write log, read in place (`None` past the last one).
    #[must_use]
    pub fn record(&self, index: usize) -> Option<&'a WriteRecord> {
        if index >= self.count {
            return None;
        }
        let (block, offset) = super::layout::record_location(self.blocks.block_size(), index)?;
        let bytes = self
            .blocks
            .payload(block)?
            .get(offset..offset.checked_add(RECORD_LEN)?)?;
        WriteRecord::ref_from_bytes(bytes).ok()
    }

    /// The write-log records in order, read in place across blocks.
    #[must_use]
    pub fn records(&self) -> Records<'a> {
        Records {
            blocks: self.blocks,
            next_block: 0,
            current: [].iter(),
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

/// Where block `index`'s records lie in its `payload`: `(start offset, records area,
/// padding after them)`, the area holding as many of the `remaining` records as the block
/// takes (SPEC §3: after the header in block 0, from offset 0 in later blocks);
/// `remaining` is reduced by them.
fn split_records<'p>(
    payload: &'p [u8],
    block_size: BlockSize,
    index: usize,
    remaining: &mut usize,
) -> (usize, &'p [u8], &'p [u8]) {
    let (start, capacity) = if index == 0 {
        (HEADER_LEN, records_in_first_block(block_size))
    } else {
        (0, records_per_later_block(block_size))
    };
    let here = (*remaining).min(capacity);
    *remaining = remaining.saturating_sub(here);
    let records_end = start.saturating_add(here.saturating_mul(RECORD_LEN));
    let area = payload.get(start..records_end).unwrap_or_default();
    let padding = payload.get(records_end..).unwrap_or_default();
    (start, area, padding)
}

/// The fast check of the write log during verification: block by block, whether every
/// record has a non-negative `block_index` and a `data_length` within a payload, and every
/// byte after the records is zero. Only "clean or not": a region that is not clean is
/// walked again by [`WormView::first_bad_record_or_padding`] to name the first bad field.
struct RecordSweep {
    block_size: BlockSize,
    /// Records still to come in later blocks (from block 0's `write_log_count`).
    remaining: usize,
    clean: bool,
}

impl RecordSweep {
    fn new(block_size: BlockSize) -> Self {
        Self {
            block_size,
            remaining: 0,
            clean: true,
        }
    }

    fn block(&mut self, index: usize, payload: &[u8]) {
        if index == 0 {
            // A negative count sweeps as 0 records; the header check refuses it anyway.
            self.remaining = WormHeader::ref_from_prefix(payload)
                .ok()
                .and_then(|(header, _)| usize::try_from(header.write_log_count.get()).ok())
                .unwrap_or(0);
        }
        let (_, area, padding) =
            split_records(payload, self.block_size, index, &mut self.remaining);
        let payload_len = u32::try_from(self.block_size.payload_len()).unwrap_or(0);
        let Ok(records) = <[WriteRecord]>::ref_from_bytes(area) else {
            self.clean = false;
            return;
        };
        // Two reductions the compiler unrolls without branches: OR of every block_index
        // (its sign bit is set iff one is negative) and the largest data_length read as
        // u32 (a negative one becomes huge).
        let (any_index, longest) =
            records
                .iter()
                .fold((0i64, 0u32), |(any_index, longest), record| {
                    #[allow(clippy::cast_sign_loss)] // deliberate: negative lengths become huge
                    let length = record.data_length.get() as u32;
                    (any_index | record.block_index.get(), longest.max(length))
                });
        let bad_records = any_index < 0 || longest > payload_len;
        let nonzero_padding = padding.iter().fold(0u8, |any, byte| any | byte) != 0;
        self.clean &= !(bad_records | nonzero_padding);
    }
}

/// Iterator over a [`WormView`]'s write-log records, in place.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    blocks: RegionBlocks<'a>,
    next_block: usize,
    current: core::slice::Iter<'a, WriteRecord>,
    remaining: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a WriteRecord;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        while self.remaining > 0 {
            if let Some(record) = self.current.next() {
                self.remaining = self.remaining.saturating_sub(1);
                return Some(record);
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
            // Records are 52-byte unaligned structs, so the area casts to a slice of
            // them (its length is a multiple of 52 by construction; an empty slice
            // otherwise, which ends the iteration early rather than panicking).
            self.current =
                <[WriteRecord]>::ref_from_bytes(payload.get(start..end).unwrap_or_default())
                    .unwrap_or_default()
                    .iter();
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }

    /// Block by block over slices of records, so that `fold`, `sum`, `count`, `for_each`
    /// … run as tight loops over each block's records rather than one `next` at a time.
    #[inline]
    fn fold<B, F>(mut self, init: B, mut f: F) -> B
    where
        F: FnMut(B, Self::Item) -> B,
    {
        let mut accumulator = init;
        loop {
            let slice = self.current.as_slice();
            let here = slice.get(..self.remaining).unwrap_or(slice);
            self.remaining = self.remaining.saturating_sub(here.len());
            accumulator = here.iter().fold(accumulator, &mut f);
            self.current = [].iter();
            // Load the next block's records (next() does it), or stop.
            match self.next() {
                Some(record) => accumulator = f(accumulator, record),
                None => return accumulator,
            }
        }
    }
}

impl ExactSizeIterator for Records<'_> {}
impl FusedIterator for Records<'_> {}
