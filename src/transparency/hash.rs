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

/// Leaves hashed together, level by level, when records come in runs
/// ([`perfect_root`]): 2^8 on 64-bit hosts, 2^3 on 32-bit targets (firmware stacks are
/// small). The stack holds half as many 128-byte node messages and a ring of leaf blocks
/// ([`LEAF_RING`]): 17 KiB on a 64-bit host, 1 KiB on a 32-bit target.
pub(crate) const BATCH_HEIGHT: u32 = if cfg!(target_pointer_width = "64") {
    8
} else {
    3
};

/// Leaves in a batch: `2^BATCH_HEIGHT`.
pub(crate) const BATCH: usize = 1 << BATCH_HEIGHT;

/// The root of the perfect subtree over `records` (a power of two of them, at most
/// [`BATCH`]; of another length, the first power of two's worth: never called so), as RFC
/// 6962 builds it: every leaf first, then every node of a level before the level above.
///
/// Why this order: the compressions of one level do not depend on each other, so the
/// processor overlaps them where its SHA unit can (SHA-NI's rounds are a dependency chain
/// within one message; independent messages fill its gaps: 22.5 ns a compression on the
/// AMD machine of docs/benchmarks.md, against 34.5 ns when each waits for the one
/// before). And why each record is copied into its leaf block a few leaves before that
/// leaf is hashed ([`LEAF_LOOKAHEAD`]), not just before nor all at once first: a block
/// written just before it is read (a record copied to offset 1, read back as 16-byte
/// words) cannot be forwarded from the store buffer, so the read waits for the write to
/// retire, behind the compression before it — which chained every compression to the
/// previous one; and all the copies first made a burst of loads from a log that is not
/// in the cache, which the compressions then waited for (6 % of a 1 M-record root on
/// the Intel machine of docs/benchmarks.md), where spread among the compressions the
/// loads overlap them.
pub(crate) fn perfect_root(records: &[WriteRecord]) -> Hash {
    // Buffers sized to the subtree (the size's alignment makes small ones at the edges
    // of a view's blocks).
    match records.len() {
        #[cfg(target_pointer_width = "64")]
        256.. => perfect_root_of::<256, 128>(records),
        #[cfg(target_pointer_width = "64")]
        128.. => perfect_root_of::<128, 64>(records),
        #[cfg(target_pointer_width = "64")]
        64.. => perfect_root_of::<64, 32>(records),
        #[cfg(target_pointer_width = "64")]
        32.. => perfect_root_of::<32, 16>(records),
        #[cfg(target_pointer_width = "64")]
        16.. => perfect_root_of::<16, 8>(records),
        8.. => perfect_root_of::<8, 4>(records),
        4.. => perfect_root_of::<4, 2>(records),
        2.. => perfect_root_of::<2, 1>(records),
        _ => records.first().map_or(EMPTY_ROOT, leaf_hash),
    }
}

/// [`perfect_root`] of the first `LEAVES` records (a power of two, at least 2; `PAIRS` is
/// half of it).
///
/// Every node of the subtree is hashed from one of `PAIRS` padded two-block messages
/// whose constant bytes (`0x01`, the padding) are written once: each hash goes straight
/// into its parent's message, in place (node `i` of a level is a child of message
/// `i / 2`, already hashed when `i ≥ 1`), so the only bytes moved per hash are the
/// record or the 32-byte child. The leaves' padded blocks are a ring of [`LEAF_RING`],
/// refilled [`LEAF_LOOKAHEAD`] leaves ahead of the one hashed.
fn perfect_root_of<const LEAVES: usize, const PAIRS: usize>(records: &[WriteRecord]) -> Hash {
    const { assert!(matches!(PAIRS.checked_mul(2), Some(leaves) if leaves == LEAVES)) };
    let records = records.get(..LEAVES).unwrap_or(records);
    let mut pairs = [node_blocks(); PAIRS];
    // Record `i + LEAF_LOOKAHEAD` is copied into its slot of the ring just before leaf
    // `i` is hashed (the slot of leaf `i − LEAF_LOOKAHEAD`, hashed already).
    let mut ring = [one_block(0x00, &[0; RECORD_LEN]); LEAF_RING];
    for (leaf, record) in ring.iter_mut().zip(records).take(LEAF_LOOKAHEAD) {
        put(leaf, 1, record.as_bytes());
    }
    for index in 0..LEAVES {
        let ahead = index.wrapping_add(LEAF_LOOKAHEAD);
        if let (Some(record), Some(leaf)) = (records.get(ahead), ring.get_mut(ahead % LEAF_RING)) {
            put(leaf, 1, record.as_bytes());
        }
        if let Some(leaf) = ring.get(index % LEAF_RING) {
            set_child(
                &mut pairs,
                index,
                &digest_padded(core::slice::from_ref(leaf)),
            );
        }
    }
    let mut width = PAIRS;
    while width > 1 {
        for index in 0..width {
            let Some(pair) = pairs.get(index) else {
                break;
            };
            let hash = digest_padded(pair);
            set_child(&mut pairs, index, &hash);
        }
        width /= 2;
    }
    pairs.first().map_or(EMPTY_ROOT, |pair| digest_padded(pair))
}

/// How many leaves ahead of the one being hashed a record is copied into its leaf block:
/// enough compressions between the copy and the read for the stores to have retired
/// (4 to 32 measured the same on x86-64). Half as many on 32-bit targets, whose stacks
/// are small.
const LEAF_LOOKAHEAD: usize = if cfg!(target_pointer_width = "64") {
    8
} else {
    4
};

/// Leaf blocks in the ring: twice the lookahead (1 KiB on a 64-bit host, 512 bytes on a
/// 32-bit target).
const LEAF_RING: usize = 2 * LEAF_LOOKAHEAD;

/// Writes `hash`, node `index` of a level, into its parent's message: the left child of
/// message `index / 2` when `index` is even, the right one when odd.
fn set_child(pairs: &mut [[ShaBlock; 2]], index: usize, hash: &Hash) {
    let Some([first, second]) = pairs.get_mut(index / 2) else {
        return;
    };
    if index.is_multiple_of(2) {
        put(first, 1, hash);
    } else {
        let (head, last) = hash.split_at(31);
        put(first, 33, head);
        put(second, 0, last);
    }
}

/// A node's two padded blocks with everything but the children: `0x01` first, and the
/// padding of a 65-byte message (0x80, zeros, 520 bits) in the second.
fn node_blocks() -> [ShaBlock; 2] {
    let mut blocks = [ShaBlock::default(), ShaBlock::default()];
    let [first, second] = &mut blocks;
    put(first, 0, &[0x01]);
    put(second, 1, &[0x80]);
    put(second, 56, &520u64.to_be_bytes());
    blocks
}

/// An inner node: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut blocks = node_blocks();
    let [first, second] = &mut blocks;
    put(first, 1, left);
    let (right_head, right_last) = right.split_at(31);
    put(first, 33, right_head);
    put(second, 0, right_last);
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
