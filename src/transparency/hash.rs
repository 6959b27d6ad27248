//! RFC 6962 §2.1 hashing: domain-separated leaf and node hashes.
//!
//! A leaf's input (1 + 52 bytes) fits one SHA-256 block with its padding and a node's
//! (1 + 64 bytes) two, so both are padded here once and fed to SHA-256's compression
//! function (`sha2::compress256`, SHA-NI where the CPU has it) directly: a tree of a
//! million records makes two million of these calls, and the streaming hasher's
//! buffering cost as much as the compression (benches/ratios.rs, `merkle_root_1m`).

/// One 64-byte SHA-256 block as `compress256` takes it (named through `digest`'s alias:
/// generic-array 0.14.9 deprecates naming its array type directly).
type ShaBlock = sha2::digest::core_api::Block<sha2::Sha256VarCore>;

use crate::worm::{RECORD_LEN, WriteRecord};
use zerocopy::IntoBytes;

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3). A test checks the hashes made from
/// it against `sha2::Sha256::digest`.
const INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Copies `bytes` into `block` at `at` (nothing if it would not fit: never the case for
/// the fixed layouts below).
fn put(block: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(target) = at
        .checked_add(bytes.len())
        .and_then(|end| block.get_mut(at..end))
    {
        target.copy_from_slice(bytes);
    }
}

/// SHA-256 of a message already padded into `blocks` (FIPS 180-4 §5.1.1).
fn digest_padded(blocks: &[ShaBlock]) -> Hash {
    let mut state = INITIAL_STATE;
    sha2::compress256(&mut state, blocks);
    let mut hash = [0u8; 32];
    for (bytes, word) in hash.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    hash
}

/// One padded block: `prefix ‖ body ‖ 0x80 ‖ zeros ‖ bit length (u64 BE)`, for a body of at
/// most 54 bytes (with the prefix, 55: what one block can pad).
fn one_block(prefix: u8, body: &[u8]) -> ShaBlock {
    let mut block = ShaBlock::default();
    let length = body.len().saturating_add(1);
    put(&mut block, 0, &[prefix]);
    put(&mut block, 1, body);
    put(&mut block, length, &[0x80]);
    put(
        &mut block,
        56,
        &(length as u64).saturating_mul(8).to_be_bytes(),
    );
    block
}

/// A SHA-256 hash: a leaf, an inner node or a root.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The leaf hash of a write-log record: `SHA-256(0x00 ‖ the 52 bytes as stored)`.
#[must_use]
pub fn leaf_hash(record: &WriteRecord) -> Hash {
    let mut bytes = [0u8; RECORD_LEN];
    bytes.copy_from_slice(record.as_bytes());
    leaf_hash_of_bytes(&bytes)
}

/// `SHA-256(0x00 ‖ bytes)` for the 52 bytes of a record (with its 0x00 prefix, padding
/// and length it fills one block).
fn leaf_hash_of_bytes(bytes: &[u8; RECORD_LEN]) -> Hash {
    digest_padded(&[one_block(0x00, bytes)])
}

/// An inner node: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // 65 bytes: the first block holds 0x01, left and 31 bytes of right; the second the
    // last byte of right, 0x80, zeros and the length, 520 bits.
    let mut blocks = [ShaBlock::default(), ShaBlock::default()];
    let [first, second] = &mut blocks;
    put(first, 0, &[0x01]);
    put(first, 1, left);
    let (right_head, right_last) = right.split_at(31);
    put(first, 33, right_head);
    put(second, 0, right_last);
    put(second, 1, &[0x80]);
    put(second, 56, &520u64.to_be_bytes());
    digest_padded(&blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest([])));
    }

    /// The hand-padded blocks give what the streaming hasher gives, for every body one
    /// block can pad (a record is 52 bytes) and for nodes of varied bytes.
    #[test]
    fn padded_hashes_equal_the_streaming_hasher() {
        for length in 0..=54usize {
            let body: [u8; 54] = core::array::from_fn(|i| (i * 7 + length) as u8);
            let expected: Hash = Sha256::new()
                .chain_update([0x00])
                .chain_update(&body[..length])
                .finalize()
                .into();
            assert_eq!(
                digest_padded(&[one_block(0x00, &body[..length])]),
                expected,
                "{length}"
            );
        }
        let record: [u8; RECORD_LEN] = core::array::from_fn(|i| i as u8);
        let expected: Hash = Sha256::new()
            .chain_update([0x00])
            .chain_update(record)
            .finalize()
            .into();
        assert_eq!(leaf_hash_of_bytes(&record), expected);
        for seed in 0..64u8 {
            let left: Hash = core::array::from_fn(|i| (i as u8).wrapping_mul(seed));
            let right: Hash = core::array::from_fn(|i| (i as u8) ^ seed.wrapping_add(3));
            let expected: Hash = Sha256::new()
                .chain_update([0x01])
                .chain_update(left)
                .chain_update(right)
                .finalize()
                .into();
            assert_eq!(node_hash(&left, &right), expected);
        }
    }
}
