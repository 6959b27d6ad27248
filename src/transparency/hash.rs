//! RFC 6962 §2.1 hashing: domain-separated leaf and node hashes.

use sha2::{Digest, Sha256};

use crate::worm::WriteRecord;
use zerocopy::IntoBytes;

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
    leaf_hash_of_bytes(record.as_bytes())
}

/// `SHA-256(0x00 ‖ bytes)`.
pub(crate) fn leaf_hash_of_bytes(bytes: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(bytes)
        .finalize()
        .into()
}

/// An inner node: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest([])));
    }
}
