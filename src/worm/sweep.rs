//! The fast check of the write log during verification (64-bit hosts).
//!
//! Block by block, whether every record has a non-negative `block_index` and a
//! `data_length` within a payload, and every byte after the records is zero — only
//! "clean or not": a region that is not clean is walked again by the view's precise check
//! to name the first bad field, so errors are the same either way.
//!
//! The checks run inside the block's XXH64 ([`xxh64_alongside`]): after each 416 bytes
//! hashed (13 stripes) the sweep checks the next 8 records (416 bytes too) or 416 bytes
//! of padding. XXH64 keeps the integer units busy with its multiply chains; the record
//! check is written as saturating differences of the records' 16-bit words from a table
//! of limits, which the compiler turns into SIMD (`psubusw`, `por` on x86-64) on the otherwise idle
//! vector units, for the 14 of a chunk's 26 16-byte groups that hold a checked word, so
//! the checks cost almost nothing beside the hash — where a second pass over each block,
//! even from L1, cost a quarter of the view's time (docs/benchmarks.md has the profile).

use zerocopy::FromBytes;

use super::layout::{RECORD_LEN, WormHeader, WriteRecord, split_records};
use crate::block::BlockSize;
use crate::block::xxh64::{ALONGSIDE_CHUNK, xxh64_alongside};

/// Records in one [`ALONGSIDE_CHUNK`].
const CHUNK_RECORDS: usize = ALONGSIDE_CHUNK / RECORD_LEN;
const _: () = assert!(CHUNK_RECORDS * RECORD_LEN == ALONGSIDE_CHUNK);

/// 16-bit words in one chunk of records.
const CHUNK_WORDS: usize = ALONGSIDE_CHUNK / 2;

/// 16-bit words in one record: `block_index` (4), `timestamp` (4), `data_length` (2),
/// `content_sha256` (16).
const RECORD_WORDS: usize = RECORD_LEN / 2;

/// The sweep's state across a region's blocks.
pub(super) struct RecordSweep {
    block_size: BlockSize,
    /// Records still to come in later blocks (from block 0's `write_log_count`).
    remaining: usize,
    /// For each little-endian u16 of 8 records, the largest value it may hold: the top
    /// one of `block_index` at most `i16::MAX` (the i64 is not negative), the low one of
    /// `data_length` at most the payload (below 2^16) and its high one 0 (so the i32 is
    /// between 0 and the payload), anything for the other words.
    limits: [u16; CHUNK_WORDS],
    clean: bool,
}

impl RecordSweep {
    pub(super) fn new(block_size: BlockSize) -> Self {
        // Payloads are at most 65,520 bytes (BlockSize::MAX − 16).
        let payload_len = u16::try_from(block_size.payload_len()).unwrap_or(u16::MAX);
        let mut limits = [u16::MAX; CHUNK_WORDS];
        for record in limits.chunks_exact_mut(RECORD_WORDS) {
            if let [_, _, _, index_top, _, _, _, _, length_low, length_high, ..] = record {
                *index_top = 0x7FFF;
                *length_low = payload_len;
                *length_high = 0;
            }
        }
        Self {
            block_size,
            remaining: 0,
            limits,
            clean: true,
        }
    }

    /// Whether every record and padding byte swept so far is clean.
    pub(super) const fn clean(&self) -> bool {
        self.clean
    }

    /// Sweeps block `index`'s `payload` and, when `HASH`, returns its XXH64 (computed in
    /// the same loop; 0 otherwise).
    #[inline]
    pub(super) fn block<const HASH: bool>(&mut self, index: usize, payload: &[u8]) -> u64 {
        if index == 0 {
            // A negative count sweeps as 0 records; the header check refuses it anyway.
            self.remaining = WormHeader::ref_from_prefix(payload)
                .ok()
                .and_then(|(header, _)| usize::try_from(header.write_log_count.get()).ok())
                .unwrap_or(0);
        }
        let (_, area, padding) =
            split_records(payload, self.block_size, index, &mut self.remaining);
        let (record_chunks, record_tail) = area.as_chunks::<ALONGSIDE_CHUNK>();
        let (padding_chunks, padding_tail) = padding.as_chunks::<ALONGSIDE_CHUNK>();
        let mut record_chunks = record_chunks.iter();
        let mut padding_chunks = padding_chunks.iter();
        let limits = &self.limits;
        let mut too_large = false;
        let mut lanes = [0u16; 8];
        let mut nonzero = 0u64;
        // One chunk of records (or, once they are done, of padding) per chunk hashed:
        // there are at most as many chunks of either as of the payload.
        let step = || {
            if let Some(records) = record_chunks.next() {
                excess(records, limits, &mut lanes);
            } else if let Some(zeros) = padding_chunks.next() {
                nonzero |= or_words(zeros);
            }
        };
        let hash = if HASH {
            xxh64_alongside(payload, step)
        } else {
            0
        };
        // What the hash did not carry: every chunk when not hashing, the padding chunks
        // past the payload's chunk count, and the tails shorter than a chunk.
        for records in record_chunks {
            excess(records, limits, &mut lanes);
        }
        too_large |= lanes != [0; 8];
        for zeros in padding_chunks {
            nonzero |= or_words(zeros);
        }
        too_large |= self.tail_exceeds(record_tail);
        let (words, bytes) = padding_tail.as_chunks::<8>();
        nonzero |= words
            .iter()
            .fold(0u64, |any, word| any | u64::from_le_bytes(*word));
        nonzero |= bytes.iter().fold(0u64, |any, byte| any | u64::from(*byte));
        self.clean &= !too_large & (nonzero == 0);
        hash
    }
}

impl RecordSweep {
    /// [`excess`] for the fewer than 8 records after a block's last chunk, record by
    /// record (a loop over the table would go word by word): two branch-free reductions,
    /// the OR of every `block_index` (its sign bit set iff one is negative) and the
    /// largest `data_length` read as u32 (a negative one is huge).
    fn tail_exceeds(&self, records: &[u8]) -> bool {
        let Ok(records) = <[WriteRecord]>::ref_from_bytes(records) else {
            return true;
        };
        let (any_index, longest) =
            records
                .iter()
                .fold((0i64, 0u32), |(any_index, longest), record| {
                    #[allow(clippy::cast_sign_loss)] // deliberate: negative lengths become huge
                    let length = record.data_length.get() as u32;
                    (any_index | record.block_index.get(), longest.max(length))
                });
        let payload_len = self.limits.get(8).copied().unwrap_or(0);
        any_index < 0 || longest > u32::from(payload_len)
    }
}

/// The 16-byte groups of a chunk of 8 records that hold a checked word (the top u16 of a
/// `block_index` at 52k + 6, a `data_length` at 52k + 16..20): 14 of the 26 (the test
/// below derives them).
const CHECKED_GROUPS: [usize; 14] = [0, 1, 3, 4, 6, 7, 10, 13, 14, 16, 17, 19, 20, 23];

/// By how much the little-endian u16s of a chunk of 8 records exceed their limits, ORed
/// into 8 lanes (all zero iff no word does: no negative `block_index` and no
/// `data_length` outside the payload). Saturating differences, so SIMD's `psubusw` +
/// `por` on x86-64, three instructions per 16 bytes beside the hash, for the 16-byte
/// groups that hold a checked word only.
#[inline(always)]
fn excess(records: &[u8; ALONGSIDE_CHUNK], limits: &[u16; CHUNK_WORDS], lanes: &mut [u16; 8]) {
    let (groups, _) = records.as_chunks::<16>();
    let (group_limits, _) = limits.as_chunks::<8>();
    for group in CHECKED_GROUPS {
        let (Some(bytes), Some(limit)) = (groups.get(group), group_limits.get(group)) else {
            continue;
        };
        let (words, _) = bytes.as_chunks::<2>();
        for ((lane, word), limit) in lanes.iter_mut().zip(words).zip(limit) {
            *lane |= u16::from_le_bytes(*word).saturating_sub(*limit);
        }
    }
}

/// OR of the little-endian u64 words of `bytes` (a chunk): 0 iff every byte is 0.
#[inline(always)]
fn or_words(bytes: &[u8; ALONGSIDE_CHUNK]) -> u64 {
    let (words, _) = bytes.as_chunks::<8>();
    words
        .iter()
        .fold(0u64, |any, word| any | u64::from_le_bytes(*word))
}

#[cfg(test)]
mod tests {
    // The crate is no_std without its `std` feature; its unit tests may still use it.
    extern crate std;

    use super::{ALONGSIDE_CHUNK, CHECKED_GROUPS, CHUNK_RECORDS, RECORD_LEN};
    use std::vec::Vec;

    /// The groups are exactly those holding a byte of a record's top `block_index` u16
    /// or of its `data_length`.
    #[test]
    fn checked_groups_are_those_holding_a_checked_byte() {
        let groups: Vec<usize> = (0..ALONGSIDE_CHUNK / 16)
            .filter(|group| {
                (0..CHUNK_RECORDS).any(|record| {
                    let start = record * RECORD_LEN;
                    [
                        start + 6,
                        start + 7,
                        start + 16,
                        start + 17,
                        start + 18,
                        start + 19,
                    ]
                    .iter()
                    .any(|byte| byte / 16 == *group)
                })
            })
            .collect();
        assert_eq!(groups, CHECKED_GROUPS);
    }
}
