//! The borrowed, checked view over a WORM region, for inspectors.

use core::iter::FusedIterator;

use zerocopy::FromBytes;

use super::layout::{
    LoggedWrite, RECORD_LEN, WormHeader, WriteRecord, blocks_needed, record_capacity,
    record_location, split_records,
};
use crate::block::{BlockSize, RegionBlocks, Tag};
use crate::error::{BlockOrigin, Error, Location, Reason, Result, Unit};
use crate::layout::{field, non_negative};
use crate::region::RegionView;
use crate::ticks::Ticks;

#[cfg(target_pointer_width = "64")]
use super::sweep::RecordSweep;

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
/// [`WormRegion`](super::WormRegion)'s [`parse`](crate::Region::parse) requires it.
///
/// Blocks after those the log needs are accepted when sealed, tagged and zero (space
/// reserved for the log to grow).
///
/// ```
/// use dwvd_regions::{Region, BlockSize, Ticks, worm::{WormRegion, WormView}};
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
    ///
    /// # Errors
    ///
    /// The first check that fails: `truncated` (not whole blocks, or more records than
    /// the blocks hold), `checksum_mismatch`, `wrong_tag`, `torn_write`, or
    /// `invalid_field` (naming block, field and offset).
    pub fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<true>(region, block_size)
    }

    /// [`new_checked`](Self::new_checked), block checksums compared only when `CHECKSUM`.
    fn check<const CHECKSUM: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        // Records and padding are swept block by block inside each block's checksum (one
        // pass over memory, one loop: sweep.rs); the sweep only says "clean or not", so
        // errors keep their order: every block's checksum and tag, then the header, then
        // records. 32-bit targets hash with the compact loop and sweep nothing.
        #[cfg(target_pointer_width = "64")]
        let mut sweep = RecordSweep::new(block_size);
        let (blocks, generation, header) =
            RegionBlocks::verified_header_hashing::<WormHeader, CHECKSUM>(
                region,
                block_size,
                Tag::WORM,
                |_index, payload| {
                    #[cfg(target_pointer_width = "64")]
                    {
                        sweep.block::<CHECKSUM>(_index, payload)
                    }
                    #[cfg(not(target_pointer_width = "64"))]
                    {
                        if CHECKSUM {
                            crate::block::checksum(payload)
                        } else {
                            0
                        }
                    }
                },
            )?;

        let count = header.log_count()?;
        let blocks_available = u64::try_from(blocks.len()).unwrap_or(u64::MAX);
        let needed = blocks_needed(block_size, count).unwrap_or(u64::MAX);
        if needed > blocks_available {
            let field = field!(WormHeader, write_log_count);
            return Err(Error::new(
                Reason::Truncated {
                    needed: count,
                    available: record_capacity(block_size, blocks_available),
                    unit: Unit::Records,
                },
                Location::block_of(BlockOrigin::Region, 0).with_field(field.name, field.offset),
            ));
        }
        header.validate()?;

        let view = WormView {
            blocks,
            header,
            generation,
            // count fits in i32, so in usize on every supported target.
            count: usize::try_from(count).unwrap_or(usize::MAX),
        };
        #[cfg(target_pointer_width = "64")]
        let clean = sweep.clean();
        #[cfg(not(target_pointer_width = "64"))]
        let clean = false;
        if !clean {
            view.first_bad_record_or_padding()?;
        }
        Ok(view)
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

    /// The first bad record field or padding byte, as `invalid_field` naming its block
    /// and offset (`Ok` if there is none).
    fn first_bad_record_or_padding(&self) -> Result<()> {
        let block_size = self.blocks.block_size();
        for (block, start, area, padding) in self.record_areas() {
            let records_end = start.saturating_add(area.len());
            for (slot, bytes) in area.chunks_exact(RECORD_LEN).enumerate() {
                let Ok(record) = WriteRecord::ref_from_bytes(bytes) else {
                    continue;
                };
                let offset = start.saturating_add(slot.saturating_mul(RECORD_LEN));
                record.validate(block_size).map_err(|error| {
                    let block = u64::try_from(block).unwrap_or(u64::MAX);
                    error.placed(BlockOrigin::Region, block, offset)
                })?;
            }
            crate::layout::require_zero(
                padding,
                block,
                records_end,
                crate::layout::PADDING.name,
                text!("every byte after the write-log records must be zero"),
            )?;
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
        non_negative(self.header.high_water_mark.get())
    }

    /// Blocks the region holds.
    #[must_use]
    pub fn total_capacity_blocks(&self) -> u64 {
        non_negative(self.header.total_capacity_blocks.get())
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
        let (block, offset) = record_location(self.blocks.block_size(), index)?;
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

    /// The write-log records block by block: each block's records as one slice, in
    /// place (empty slices for blocks past the log).
    pub(crate) fn record_slices(&self) -> impl Iterator<Item = &'a [WriteRecord]> + 'a {
        self.record_areas()
            .map(|(_, _, area, _)| <[WriteRecord]>::ref_from_bytes(area).unwrap_or_default())
    }

    /// The write-log records in order, as [`LoggedWrite`] values.
    pub fn logged_writes(&self) -> impl ExactSizeIterator<Item = LoggedWrite> + 'a {
        // Every record was checked, so the conversion never falls back.
        self.records()
            .map(|record| record.to_logged_write().unwrap_or(LoggedWrite::ZERO))
    }

    /// Checks that the log agrees with the mark: exactly one record per written block,
    /// record `i` logging block `i`.
    ///
    /// A region written by this crate always agrees; a disagreement means the log or the
    /// mark was altered (or written by other rules).
    ///
    /// # Errors
    ///
    /// The first disagreement, as `invalid_field` naming `write_log_count` or the
    /// record's `block_index`.
    pub fn check_log_sequence(&self) -> Result<()> {
        let mark = self.header.high_water_mark.get();
        let count = self.header.write_log_count.get();
        if i64::from(count) != mark {
            let field = field!(WormHeader, write_log_count);
            return Err(Error::invalid_field(
                0,
                field.name,
                field.offset,
                i64::from(count),
                text!("it must equal high_water_mark: one record per written block"),
            ));
        }
        let block_size = self.blocks.block_size();
        for (index, record) in self.records().enumerate() {
            let expected = i64::try_from(index).unwrap_or(i64::MAX);
            if record.block_index.get() != expected {
                let (block, offset) = record_location(block_size, index).unwrap_or((0, 0));
                let field = field!(WriteRecord, block_index);
                return Err(Error::invalid_field(
                    block,
                    field.name,
                    offset.saturating_add(field.offset),
                    record.block_index.get(),
                    text!("record i must log block i: blocks are written in order from 0"),
                ));
            }
        }
        Ok(())
    }
}

impl<'a> RegionView<'a> for WormView<'a> {
    const TAG: Tag = Tag::WORM;

    fn checked<const CHECKSUMS: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<CHECKSUMS>(region, block_size)
    }

    /// The blocks its `write_log_count` needs ([`blocks_needed`]); the count is read
    /// unverified only to size the region (a corrupt block 0 is then reported as such by
    /// the check).
    fn implied_extent(image: &'a [u8], block_size: BlockSize) -> Option<usize> {
        let (blocks, header) = RegionBlocks::unverified_header::<WormHeader>(image, block_size)?;
        let needed = header
            .log_count()
            .ok()
            .and_then(|count| blocks_needed(block_size, count))
            .and_then(|needed| usize::try_from(needed).ok())
            .unwrap_or(1);
        (needed <= blocks.len()).then_some(needed)
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn block_size(&self) -> BlockSize {
        self.blocks.block_size()
    }

    fn block_count(&self) -> usize {
        self.blocks.len()
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
            let mut remaining = self.remaining;
            let (_, area, _) =
                split_records(payload, self.blocks.block_size(), block, &mut remaining);
            // Records are 52-byte unaligned structs, so the area casts to a slice of
            // them (its length is a multiple of 52 by construction; an empty slice
            // otherwise, which ends the iteration early rather than panicking).
            self.current = <[WriteRecord]>::ref_from_bytes(area)
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
