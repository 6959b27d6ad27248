//! The Merkle tree hash (RFC 6962 §2.1), streaming.

use super::error::TransparencyError;
use super::hash::{BATCH, BATCH_HEIGHT, EMPTY_ROOT, Hash, leaf_hash, node_hash, perfect_root};
use super::leaves::LogLeaves;
use crate::worm::WriteRecord;

/// Most hashes the builder keeps: one per set bit of the leaf count.
const MAX_LEVELS: usize = 64;

/// Computes the Merkle tree hash of records pushed one after another, in O(log n) memory
/// (one hash per set bit of the count: at most 64, 2 KiB) and without allocation.
///
/// It keeps the roots of the perfect subtrees the leaves so far make — exactly the left
/// subtrees RFC 6962 splits the tree into — and folds them right to left for
/// [`root`](Self::root), which may be read after any number of leaves (so one pass over a
/// log gives the root at every checkpoint size on the way).
///
/// ```
/// use dwvd_regions::transparency::{EMPTY_ROOT, TreeBuilder, leaf_hash, node_hash};
/// use dwvd_regions::worm::LoggedWrite;
///
/// let records = [LoggedWrite::ZERO.to_record(); 3];
/// let mut tree = TreeBuilder::new();
/// assert_eq!(tree.root(), EMPTY_ROOT);
/// for record in &records {
///     tree.push(record);
/// }
/// let leaf = leaf_hash(&records[0]);
/// assert_eq!(tree.root(), node_hash(&node_hash(&leaf, &leaf), &leaf));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeBuilder {
    /// Roots of perfect subtrees, largest (leftmost) first.
    subtrees: heapless::Vec<Hash, MAX_LEVELS>,
    leaves: u64,
}

impl TreeBuilder {
    /// An empty tree.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            subtrees: heapless::Vec::new(),
            leaves: 0,
        }
    }

    /// Leaves pushed so far: the tree size.
    #[must_use]
    pub const fn size(&self) -> u64 {
        self.leaves
    }

    /// Appends a record as the next leaf.
    pub fn push(&mut self, record: &WriteRecord) {
        self.push_leaf_hash(leaf_hash(record));
    }

    /// Appends records as the next leaves: the same tree as [`push`](Self::push) for
    /// each, faster for runs — they are hashed as perfect subtrees of up to 256 leaves (8
    /// on 32-bit targets), each as large as the tree size's alignment and the records
    /// left allow, level by level, and pushed as their roots.
    pub fn push_records(&mut self, records: &[WriteRecord]) {
        let mut rest = records;
        while !rest.is_empty() {
            // The largest subtree that starts here: the size's trailing zero bits, the
            // records left, the batch.
            let height = self
                .leaves
                .trailing_zeros()
                .min(rest.len().ilog2())
                .min(BATCH_HEIGHT);
            let leaves = 1usize.checked_shl(height).unwrap_or(1).min(BATCH);
            let Some((subtree, after)) = rest.split_at_checked(leaves) else {
                break;
            };
            match subtree {
                [record] => self.push(record),
                _ => self.push_subtree(perfect_root(subtree), height),
            }
            rest = after;
        }
    }

    /// Appends a leaf by its leaf hash ([`leaf_hash`]). A tree of 2⁶⁴ − 1 leaves takes no
    /// more (it could not be stored anyway); the push is then ignored.
    pub fn push_leaf_hash(&mut self, leaf: Hash) {
        self.push_subtree(leaf, 0);
    }

    /// Appends the root of a perfect subtree of `2^height` leaves, the tree size being a
    /// multiple of `2^height` (so the subtree is one RFC 6962 would make). Ignored when
    /// the size would pass `u64::MAX`.
    fn push_subtree(&mut self, root: Hash, height: u32) {
        let Some(next) = 1u64
            .checked_shl(height)
            .and_then(|leaves| self.leaves.checked_add(leaves))
        else {
            return;
        };
        // Each trailing 1 bit of the count (in units of the subtree) is a perfect subtree
        // of the same size as the one being carried: merge them, as in binary addition.
        let mut carried = root;
        let mut count = self.leaves.checked_shr(height).unwrap_or(0);
        while count & 1 == 1 {
            let Some(left) = self.subtrees.pop() else {
                break;
            };
            carried = node_hash(&left, &carried);
            count >>= 1;
        }
        // At most popcount(count) ≤ 64 subtrees are held, so this always has room.
        if self.subtrees.push(carried).is_ok() {
            self.leaves = next;
        }
    }

    /// The Merkle tree hash of the leaves so far ([`EMPTY_ROOT`] for none).
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut subtrees = self.subtrees.iter().rev();
        let Some(smallest) = subtrees.next() else {
            return EMPTY_ROOT;
        };
        subtrees.fold(*smallest, |right, left| node_hash(left, &right))
    }
}

/// The Merkle tree hash of records `start..end` of `log` (RFC 6962's `MTH(D[start:end])`).
///
/// # Errors
///
/// [`TransparencyError::TreeLargerThanLog`] when `end` is beyond the log;
/// [`TransparencyError::SizesOutOfOrder`] when `start > end`;
/// [`TransparencyError::MissingRecord`] when the log cannot give a record it counts.
pub fn subtree_root<L: LogLeaves + ?Sized>(
    log: &L,
    start: u64,
    end: u64,
) -> Result<Hash, TransparencyError> {
    let records = log.record_count();
    if end > records {
        return Err(TransparencyError::TreeLargerThanLog {
            tree_size: end,
            records,
        });
    }
    if start > end {
        return Err(TransparencyError::SizesOutOfOrder {
            first: start,
            second: end,
        });
    }
    let mut tree = TreeBuilder::new();
    log.for_each_run(start, end, &mut |records| tree.push_records(records))
        .map_err(|index| TransparencyError::MissingRecord { index })?;
    Ok(tree.root())
}

/// The Merkle tree hash of the first `tree_size` records of `log`: `root(n)`.
///
/// # Errors
///
/// [`TransparencyError::TreeLargerThanLog`] when `tree_size` is beyond the log;
/// [`TransparencyError::MissingRecord`] when the log cannot give a record it counts.
pub fn root<L: LogLeaves + ?Sized>(log: &L, tree_size: u64) -> Result<Hash, TransparencyError> {
    subtree_root(log, 0, tree_size)
}
