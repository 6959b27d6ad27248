//! Verifiable WORM logs: a Merkle tree over the write log (RFC 6962 §2.1, as in
//! Certificate Transparency and Rekor), inclusion and consistency proofs, and signed
//! checkpoints stored as Compliance Vault passports.
//!
//! A WORM region that only logs each write's SHA-256 cannot show an auditor that nothing
//! was removed from its tail or rewritten wholesale: whoever holds the disk can rebuild
//! the log. A **checkpoint** — the tree size (the high-water mark), the Merkle root of the
//! first `size` records, and a time — signed with the vault's P-256 key pins the log: a
//! later log is consistent with it only if its first `size` records hash to the same root.
//! Nothing on disk changes: the tree is computed from the records, and a checkpoint is an
//! ordinary passport (see [`Checkpoint`]), so existing readers still parse it.
//!
//! * Leaves are the 52-byte write-log records as stored:
//!   `leaf = SHA-256(0x00 ‖ record)`, `node = SHA-256(0x01 ‖ left ‖ right)`, and the tree
//!   of `n` leaves splits at the largest power of two below `n` ([`leaf_hash`],
//!   [`node_hash`], [`EMPTY_ROOT`]).
//! * [`TreeBuilder`] computes the root while the records stream by, in O(log n) memory
//!   (at most 64 hashes, plus one batch of leaves hashed level by level: 17 KiB of stack
//!   on 64-bit hosts, 1 KiB on 32-bit targets) and without allocation; [`root`] does it for the first `n`
//!   records of any [`LogLeaves`] source: a borrowed [`WormView`](crate::worm::WormView),
//!   an owned [`WormRegion`](crate::worm::WormRegion), or a slice of records — 256
//!   leaves at a time, level by level, so that independent compressions overlap.
//!   [`subtree_root`] hashes any range and [`split_point`] says where RFC 6962 splits:
//!   what a tool with threads needs to hash the two subtrees apart.
//! * [`InclusionProof`] (record `i` is in the tree of size `n`) and [`ConsistencyProof`]
//!   (the tree of size `m` is a prefix of the tree of size `n`): generated from a log and
//!   verified from hashes alone, RFC 6962 §2.1.1–§2.1.2 / RFC 9162 §2.1.3–§2.1.4, held in
//!   bounded `heapless` storage of at most 64 hashes.
//!
//! ```
//! use dwvd_regions::transparency::{ConsistencyProof, InclusionProof, leaf_hash, root};
//! use dwvd_regions::worm::WormRegion;
//! use dwvd_regions::{BlockSize, Ticks};
//!
//! let mut region = WormRegion::<16>::new(BlockSize::MIN, 16, 0, Ticks::new(0))?;
//! for data in [&b"a"[..], b"b", b"c"] {
//!     region.append(data, Ticks::new(1))?;
//! }
//! let old_root = root(&region, 3)?; // what a checkpoint would pin
//! region.append(b"d", Ticks::new(2))?;
//! let new_root = root(&region, 4)?;
//!
//! // Record 1 is in the tree of 4, and the tree of 3 is a prefix of it.
//! let inclusion = InclusionProof::generate(&region, 1, 4)?;
//! let record = region.log()[1].to_record();
//! assert!(inclusion.verify(&leaf_hash(&record), &new_root).is_ok());
//! let consistency = ConsistencyProof::generate(&region, 3, 4)?;
//! assert!(consistency.verify(&old_root, &new_root).is_ok());
//! # Ok::<(), dwvd_regions::transparency::TransparencyError>(())
//! ```

mod checkpoint;
mod error;
mod hash;
mod leaves;
mod proof;
mod tree;

pub use checkpoint::{
    CHECKPOINT_FRAMEWORK, CHECKPOINT_ISSUER, CHECKPOINT_NOTES_PREFIX, Checkpoint, worm_region_id,
};
pub use error::TransparencyError;
pub use hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
pub use leaves::LogLeaves;
pub use proof::{ConsistencyProof, InclusionProof, MAX_PROOF_HASHES, split_point};
pub use tree::{TreeBuilder, root, subtree_root};
