//! The one out-of-line SHA-256 the regions share.

use sha2::{Digest, Sha256};

/// SHA-256 of `parts`, concatenated: WORM content hashes and passport signing digests
/// call this one function rather than each inlining the hasher's update/finalize code
/// (firmware flash).
#[inline(never)]
#[must_use]
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}
