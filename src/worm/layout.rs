//! On-disk layout of the WORM region (SPEC §3): header, write-log record, and where
//! each record lies — the one statement of the log's geometry, used by the view's checks,
//! its record iterator, `record(i)` and emit.

use zerocopy::little_endian::{I32, I64, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::block::BlockSize;
use crate::division::div_rem_u64;
use crate::error::{Error, Result};
use crate::layout::{Field, count, field, fields, stored_counter};
use crate::ticks::Ticks;

/// The header at the start of block 0 (SPEC §3), 40 bytes; write-log records follow it.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct WormHeader {
    /// Blocks below this index are written and immutable.
    pub high_water_mark: I64,
    /// Blocks the region holds (> 0).
    pub total_capacity_blocks: I64,
    /// How long written blocks must be kept, in ticks; 0 = forever.
    pub retention_period_ticks: I64,
    /// When the region was created, in ticks.
    pub created_utc_ticks: I64,
    /// Records in the write log.
    pub write_log_count: I32,
    /// Zero.
    pub reserved: U32,
}

/// Size of [`WormHeader`] in bytes.
pub const HEADER_LEN: usize = 40;
const _: () = assert!(size_of::<WormHeader>() == HEADER_LEN);

/// One write-log record as stored (SPEC §3), 52 bytes, unaligned.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct WriteRecord {
    /// The data block written.
    pub block_index: I64,
    /// When it was written, in ticks.
    pub timestamp_utc_ticks: I64,
    /// Bytes of data written.
    pub data_length: I32,
    /// SHA-256 of the data.
    pub content_sha256: [u8; 32],
}

/// Size of [`WriteRecord`] in bytes.
pub const RECORD_LEN: usize = 52;
const _: () = assert!(size_of::<WriteRecord>() == RECORD_LEN);

impl WormHeader {
    /// The header's fields, in order, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(WormHeader {
        high_water_mark,
        total_capacity_blocks,
        retention_period_ticks,
        created_utc_ticks,
        write_log_count,
        reserved,
    });

    /// `write_log_count` as a count, or `invalid_field` when it is negative.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `write_log_count` in block 0.
    pub fn log_count(&self) -> Result<u64> {
        count(self.write_log_count.get(), field!(Self, write_log_count))
    }

    /// Checks the header's own invariants (SPEC §3), reporting the first broken one as an
    /// `invalid_field` in block 0: `write_log_count ≥ 0`, `total_capacity_blocks > 0`,
    /// `0 ≤ high_water_mark ≤ total_capacity_blocks`, `retention_period_ticks ≥ 0`,
    /// `reserved` zero. (Whether the log fits in the region's blocks and agrees with the
    /// mark is the view's to check.)
    ///
    /// # Errors
    ///
    /// `invalid_field`, naming the field.
    pub fn validate(&self) -> Result<()> {
        self.log_count()?;
        let invalid = |field: crate::layout::FieldRef, value, requirement| {
            Err(Error::invalid_field(
                0,
                field.name,
                field.offset,
                value,
                requirement,
            ))
        };
        let total = self.total_capacity_blocks.get();
        if total <= 0 {
            return invalid(
                field!(Self, total_capacity_blocks),
                total,
                text!("it must be greater than 0"),
            );
        }
        let mark = self.high_water_mark.get();
        if !(0..=total).contains(&mark) {
            return invalid(
                field!(Self, high_water_mark),
                mark,
                text!("it must be between 0 and total_capacity_blocks"),
            );
        }
        let retention = self.retention_period_ticks.get();
        if retention < 0 {
            return invalid(
                field!(Self, retention_period_ticks),
                retention,
                text!("it must be 0 (retain forever) or positive"),
            );
        }
        let reserved = self.reserved.get();
        if reserved != 0 {
            return invalid(
                field!(Self, reserved),
                i64::from(reserved),
                text!("it must be zero"),
            );
        }
        Ok(())
    }
}

impl WriteRecord {
    /// The record's fields, in order, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(WriteRecord {
        block_index,
        timestamp_utc_ticks,
        data_length,
        content_sha256,
    });

    /// Checks the record on its own: `block_index ≥ 0` and `0 ≤ data_length ≤` one
    /// block's payload. Errors name block 0 and offsets within the record; the view moves
    /// them to where the record lies.
    ///
    /// # Errors
    ///
    /// `invalid_field`, naming the field.
    pub fn validate(&self, block_size: BlockSize) -> Result<()> {
        let block_index = self.block_index.get();
        if block_index < 0 {
            let field = field!(Self, block_index);
            return Err(Error::invalid_field(
                0,
                field.name,
                field.offset,
                block_index,
                text!("it must not be negative"),
            ));
        }
        let length = self.data_length.get();
        if usize::try_from(length).map_or(true, |length| length > block_size.payload_len()) {
            let field = field!(Self, data_length);
            return Err(Error::invalid_field(
                0,
                field.name,
                field.offset,
                i64::from(length),
                text!("it must be between 0 and one block's payload (block size - 16)"),
            ));
        }
        Ok(())
    }
}

/// A write-log record in native types: what the owned region keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoggedWrite {
    /// The data block written.
    pub block_index: u64,
    /// When it was written.
    pub timestamp: Ticks,
    /// Bytes of data written (at most one block's payload).
    pub data_length: u32,
    /// SHA-256 of the data.
    pub content_sha256: [u8; 32],
}

impl WriteRecord {
    /// The record in native types, or `None` if its `block_index` or `data_length` is
    /// negative.
    #[must_use]
    pub fn to_logged_write(&self) -> Option<LoggedWrite> {
        Some(LoggedWrite {
            block_index: u64::try_from(self.block_index.get()).ok()?,
            timestamp: Ticks::new(self.timestamp_utc_ticks.get()),
            data_length: u32::try_from(self.data_length.get()).ok()?,
            content_sha256: self.content_sha256,
        })
    }
}

impl LoggedWrite {
    /// A record of zeros.
    pub const ZERO: LoggedWrite = LoggedWrite {
        block_index: 0,
        timestamp: Ticks::new(0),
        data_length: 0,
        content_sha256: [0; 32],
    };

    /// The record as stored. Values beyond the on-disk ranges are clamped; an owned
    /// region never holds such values.
    #[must_use]
    pub fn to_record(&self) -> WriteRecord {
        WriteRecord {
            block_index: I64::new(stored_counter(self.block_index)),
            timestamp_utc_ticks: I64::new(self.timestamp.get()),
            data_length: I32::new(i32::try_from(self.data_length).unwrap_or(i32::MAX)),
            content_sha256: self.content_sha256,
        }
    }
}

/// Records block 0 holds after the header: `floor((bs − 16 − 40) / 52)`.
#[must_use]
pub const fn records_in_first_block(block_size: BlockSize) -> usize {
    block_size.payload_len().saturating_sub(HEADER_LEN) / RECORD_LEN
}

/// Records every later block holds: `floor((bs − 16) / 52)`.
#[must_use]
pub const fn records_per_later_block(block_size: BlockSize) -> usize {
    block_size.payload_len() / RECORD_LEN
}

/// Blocks a write log of `count` records needs (SPEC §3): 1 if it fits in block 0, else
/// `1 + ceil((count − cap0) / capN)`. Whole records per block, never split. `None` only
/// if the result does not fit in u64 (it always does for counts read from an i32).
///
/// ```
/// use dwvd_regions::{BlockSize, worm::blocks_needed};
///
/// let size = BlockSize::new(512)?; // 8 records in block 0, 9 in each later block
/// assert_eq!(blocks_needed(size, 8), Some(1));
/// assert_eq!(blocks_needed(size, 9), Some(2));
/// assert_eq!(blocks_needed(size, 37), Some(5));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[must_use]
pub const fn blocks_needed(block_size: BlockSize, count: u64) -> Option<u64> {
    // Both capacities are small (at most 65536 / 52), so the casts are lossless.
    let first = records_in_first_block(block_size) as u64;
    let later = records_per_later_block(block_size) as u64;
    let Some(overflow) = count.checked_sub(first) else {
        return Some(1);
    };
    // ceil(overflow / later) without overflow: floor, plus one if a remainder is left.
    let Some((whole, rest)) = div_rem_u64(overflow, later) else {
        return None;
    };
    let partial = if rest > 0 { 1 } else { 0 };
    match whole.checked_add(partial) {
        Some(later_blocks) => later_blocks.checked_add(1),
        None => None,
    }
}

/// Bytes an emitted WORM region with `count` records takes: `blocks_needed × block_size`,
/// or `None` if that does not fit in usize. A `const fn`, so firmware can size a static
/// emit buffer for its log capacity:
///
/// ```
/// use dwvd_regions::{BlockSize, worm::region_len};
///
/// const BLOCK_SIZE: BlockSize = match BlockSize::new(512) { Ok(size) => size, Err(_) => BlockSize::MIN };
/// const LEN: usize = match region_len(BLOCK_SIZE, 64) { Some(len) => len, None => 0 };
/// let emit_buffer = [0u8; LEN]; // on the stack or in a static, no allocator
/// assert_eq!(emit_buffer.len(), 8 * 512); // 8 records in block 0, then 9 per block: 1 + ceil(56 / 9)
/// ```
#[must_use]
pub const fn region_len(block_size: BlockSize, count: u64) -> Option<usize> {
    let Some(blocks) = blocks_needed(block_size, count) else {
        return None;
    };
    match (blocks as u128).checked_mul(block_size.get() as u128) {
        Some(bytes) if bytes <= usize::MAX as u128 => Some(bytes as usize),
        _ => None,
    }
}

/// Where block `block`'s record slots lie in its payload: `(offset of the first slot,
/// number of slots)` — after the header in block 0, from offset 0 in later blocks, whole
/// records only (SPEC §3).
#[must_use]
pub(crate) const fn record_slots(block_size: BlockSize, block: usize) -> (usize, usize) {
    if block == 0 {
        (HEADER_LEN, records_in_first_block(block_size))
    } else {
        (0, records_per_later_block(block_size))
    }
}

/// How many records `blocks` blocks hold: block 0's, then every later block's
/// (saturating).
#[must_use]
pub(crate) const fn record_capacity(block_size: BlockSize, blocks: u64) -> u64 {
    if blocks == 0 {
        return 0;
    }
    let first = records_in_first_block(block_size) as u64;
    let later = records_per_later_block(block_size) as u64;
    first.saturating_add(later.saturating_mul(blocks.saturating_sub(1)))
}

/// Where record `index` lives: (block, byte offset in the block).
#[must_use]
pub(crate) fn record_location(block_size: BlockSize, index: usize) -> Option<(usize, usize)> {
    let (first_start, first) = record_slots(block_size, 0);
    let (later_start, later) = record_slots(block_size, 1);
    let (block, slot, start) = match index.checked_sub(first) {
        None => (0, index, first_start),
        Some(beyond) => (
            beyond.checked_div(later)?.checked_add(1)?,
            beyond.checked_rem(later)?,
            later_start,
        ),
    };
    Some((block, start.checked_add(slot.checked_mul(RECORD_LEN)?)?))
}

/// Where block `block`'s records lie in its `payload`: `(start offset, records area,
/// padding after them)`, the area holding as many of the `remaining` records as the block
/// takes; `remaining` is reduced by them.
pub(crate) fn split_records<'p>(
    payload: &'p [u8],
    block_size: BlockSize,
    block: usize,
    remaining: &mut usize,
) -> (usize, &'p [u8], &'p [u8]) {
    let (start, capacity) = record_slots(block_size, block);
    let here = (*remaining).min(capacity);
    *remaining = remaining.saturating_sub(here);
    let records_end = start.saturating_add(here.saturating_mul(RECORD_LEN));
    let area = payload.get(start..records_end).unwrap_or_default();
    let padding = payload.get(records_end..).unwrap_or_default();
    (start, area, padding)
}

#[cfg(test)]
mod tests {
    use super::{
        HEADER_LEN, RECORD_LEN, WormHeader, WriteRecord, record_location, records_in_first_block,
    };
    use crate::block::BlockSize;
    use zerocopy::{FromBytes, IntoBytes};

    /// Block 0 of the golden `worm_bs512_n9.bin`: the header at SPEC §3's offsets, then
    /// records from offset 40, 52 bytes apart; block 1 holds the ninth at offset 0.
    #[test]
    fn deconstructs_and_constructs_a_golden_block() {
        let image = include_bytes!("../../tests/data/golden/worm_bs512_n9.bin");
        let size = BlockSize::new(512).unwrap();
        let spec = [(0, 8), (8, 8), (16, 8), (24, 8), (32, 4), (36, 4)];
        for (field, (offset, len)) in WormHeader::FIELDS.iter().zip(spec) {
            assert_eq!((field.offset, field.len), (offset, len), "{}", field.name);
        }
        let record_spec = [(0, 8), (8, 8), (16, 4), (20, 32)];
        for (field, (offset, len)) in WriteRecord::FIELDS.iter().zip(record_spec) {
            assert_eq!((field.offset, field.len), (offset, len), "{}", field.name);
        }
        let (header, _) = WormHeader::ref_from_prefix(&image[..]).unwrap();
        header.validate().unwrap();
        assert_eq!(header.write_log_count.get(), 9);
        assert_eq!(header.high_water_mark.get(), 9);
        assert_eq!(records_in_first_block(size), 8);
        for index in 0..9 {
            let (block, offset) = record_location(size, index).unwrap();
            let expected = if index < 8 {
                (0, HEADER_LEN + index * RECORD_LEN)
            } else {
                (1, 0)
            };
            assert_eq!((block, offset), expected);
            let start = block * 512 + offset;
            let record = WriteRecord::ref_from_bytes(&image[start..start + RECORD_LEN]).unwrap();
            record.validate(size).unwrap();
            // Record i logs block i: blocks are written in order from 0.
            assert_eq!(record.block_index.get(), index as i64);
            let logged = record.to_logged_write().unwrap();
            assert_eq!(logged.to_record().as_bytes(), record.as_bytes());
        }
    }
}
