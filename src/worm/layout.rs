//! On-disk layout of the WORM region (SPEC §3): header, write-log record, and how many
//! records each block holds.

use core::mem::offset_of;

use zerocopy::little_endian::{I32, I64, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::block::BlockSize;
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

pub(crate) mod field {
    use super::{WormHeader, WriteRecord, offset_of};

    pub const HIGH_WATER_MARK: usize = offset_of!(WormHeader, high_water_mark);
    pub const TOTAL_CAPACITY_BLOCKS: usize = offset_of!(WormHeader, total_capacity_blocks);
    pub const RETENTION_PERIOD_TICKS: usize = offset_of!(WormHeader, retention_period_ticks);
    pub const WRITE_LOG_COUNT: usize = offset_of!(WormHeader, write_log_count);
    pub const RESERVED: usize = offset_of!(WormHeader, reserved);
    pub const BLOCK_INDEX: usize = offset_of!(WriteRecord, block_index);
    pub const DATA_LENGTH: usize = offset_of!(WriteRecord, data_length);
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
            block_index: I64::new(i64::try_from(self.block_index).unwrap_or(i64::MAX)),
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

/// Where record `index` lives: (block, byte offset in the block).
pub(crate) fn record_location(block_size: BlockSize, index: usize) -> Option<(usize, usize)> {
    let first = records_in_first_block(block_size);
    let later = records_per_later_block(block_size);
    match index.checked_sub(first) {
        None => Some((0, HEADER_LEN.checked_add(index.checked_mul(RECORD_LEN)?)?)),
        Some(beyond) => {
            let block = beyond.checked_div(later)?.checked_add(1)?;
            let offset = beyond.checked_rem(later)?.checked_mul(RECORD_LEN)?;
            Some((block, offset))
        }
    }
}

/// `(n / d, n % d)`, or `None` when `d` is 0.
///
/// On 64-bit targets this is the CPU's divide. On 32-bit targets (Cortex-M) a `u64`
/// division would call compiler-builtins' soft divide, about half a KiB of flash; block
/// counts and ring positions are small in practice, so values that fit in 32 bits take the
/// native 32-bit divide, and larger ones a shift-and-subtract loop (64 steps, a few dozen
/// bytes of code).
#[must_use]
pub(crate) const fn div_rem_u64(n: u64, d: u64) -> Option<(u64, u64)> {
    if d == 0 {
        return None;
    }
    if n < d {
        return Some((0, n));
    }
    #[cfg(target_pointer_width = "64")]
    {
        // d != 0, so neither can fail; a ring append calls this on every entry, where
        // the loop below would cost ~20x the divide (measured in benches/ratios.rs).
        match (n.checked_div(d), n.checked_rem(d)) {
            (Some(quotient), Some(remainder)) => Some((quotient, remainder)),
            _ => None,
        }
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        if n <= u32::MAX as u64 && d <= u32::MAX as u64 {
            #[allow(clippy::cast_possible_truncation)] // both checked to fit just above
            let (n32, d32) = (n as u32, d as u32);
            return match (n32.checked_div(d32), n32.checked_rem(d32)) {
                (Some(quotient), Some(remainder)) => Some((quotient as u64, remainder as u64)),
                _ => None,
            };
        }
        shift_subtract_div_rem(n, d)
    }
}

/// `(n / d, n % d)` for `d != 0` by binary long division: no divide instruction, so no
/// soft divide on 32-bit targets.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
const fn shift_subtract_div_rem(n: u64, d: u64) -> Option<(u64, u64)> {
    if d == 0 {
        return None;
    }
    let mut quotient = 0u64;
    let mut remainder = 0u64;
    let mut rest = n;
    let mut steps = 0u32;
    while steps < 64 {
        steps = steps.wrapping_add(1);
        // The remainder stays below d; shifted, it may pass 2⁶⁴ only when d > 2⁶³, and
        // then it is at least d: subtracting d wraps back to the true remainder.
        let carry = remainder >> 63;
        remainder = (remainder << 1) | (rest >> 63);
        rest <<= 1;
        quotient <<= 1;
        if carry != 0 || remainder >= d {
            remainder = remainder.wrapping_sub(d);
            quotient |= 1;
        }
    }
    Some((quotient, remainder))
}

#[cfg(test)]
mod div_tests {
    use super::{div_rem_u64, shift_subtract_div_rem};

    #[test]
    fn matches_the_native_division() {
        let values = [
            0u64,
            1,
            2,
            3,
            7,
            9,
            52,
            1_000,
            u64::from(u32::MAX) - 1,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            (1 << 40) + 12_345,
            i64::MAX as u64,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &n in &values {
            assert_eq!(div_rem_u64(n, 0), None);
            assert_eq!(shift_subtract_div_rem(n, 0), None);
            for &d in values.iter().filter(|&&d| d != 0) {
                assert_eq!(div_rem_u64(n, d), Some((n / d, n % d)), "{n} / {d}");
                // The 32-bit targets' loop, checked on the host too.
                assert_eq!(
                    shift_subtract_div_rem(n, d),
                    Some((n / d, n % d)),
                    "{n} / {d}"
                );
            }
        }
    }
}
