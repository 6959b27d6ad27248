//! Inclusion and consistency proofs (RFC 6962 §2.1.1–§2.1.2, verified as in RFC 9162
//! §2.1.3.2 and §2.1.4.2).

use super::error::TransparencyError;
use super::hash::{Hash, node_hash};
use super::leaves::LogLeaves;
use super::tree::subtree_root;

/// Most hashes a proof holds. A tree of `n` leaves needs at most ⌈log₂ n⌉ for an inclusion
/// proof and one more for a consistency proof; a WORM log has fewer than 2³¹ records, so
/// 33 would do; 64 covers any `u64` size.
pub const MAX_PROOF_HASHES: usize = 64;

type Path = heapless::Vec<Hash, MAX_PROOF_HASHES>;

/// The largest power of two below `n` (for `n ≥ 2`; 1 for smaller `n`): where RFC 6962
/// splits a tree of `n` leaves, `MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n]))`. The two
/// subtrees are independent: a tool with threads hashes them apart
/// ([`subtree_root`](super::subtree_root) for each) and joins them with
/// [`node_hash`](super::node_hash).
///
/// ```
/// use dwvd_regions::transparency::{node_hash, root, split_point, subtree_root};
/// use dwvd_regions::worm::LoggedWrite;
///
/// let log = [LoggedWrite::ZERO; 7];
/// let k = split_point(7);
/// assert_eq!(k, 4);
/// let joined = node_hash(&subtree_root(&log[..], 0, k)?, &subtree_root(&log[..], k, 7)?);
/// assert_eq!(joined, root(&log[..], 7)?);
/// # Ok::<(), dwvd_regions::transparency::TransparencyError>(())
/// ```
#[must_use]
pub fn split_point(n: u64) -> u64 {
    let below = n.saturating_sub(1).max(1);
    let exponent = 63u32.saturating_sub(below.leading_zeros());
    1u64.checked_shl(exponent).unwrap_or(1)
}

/// RFC 9162's step for a node on the tree's right edge, which has no sibling at the
/// levels above it until its index turns odd: right-shift the index and the last index
/// together until the index is odd or 0.
fn climb_right_edge(index: &mut u64, last: &mut u64) {
    while *index & 1 == 0 && *index != 0 {
        *index >>= 1;
        *last >>= 1;
    }
}

/// Copies proof hashes into bounded storage (hashes past 64 are an error).
fn path_from(hashes: &[Hash]) -> Result<Path, TransparencyError> {
    Path::from_slice(hashes).map_err(|_| TransparencyError::ProofTooLong {
        hashes: hashes.len(),
    })
}

/// The hashes of a top-down walk, turned into RFC order (deepest first).
fn reversed(mut top_down: Path) -> Path {
    top_down.reverse();
    top_down
}

/// A proof that record `leaf_index` is in the tree of `tree_size` records: the sibling
/// subtree hashes from the leaf up to the root (RFC 6962 §2.1.1 `PATH`).
///
/// Generated from a log ([`generate`](Self::generate), O(n) hashing in one pass's worth
/// of records, O(log n) memory) or taken from elsewhere ([`new`](Self::new)), and checked
/// with nothing but the leaf hash and the root ([`verify`](Self::verify)).
///
/// The tree size is bound only through the root, as in RFC 9162: two sizes whose trees
/// put the leaf on the same path compute the same root from the same hashes. So check a
/// proof against a root and size that come together — a signed [`Checkpoint`](super::Checkpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    leaf_index: u64,
    tree_size: u64,
    path: Path,
}

impl InclusionProof {
    /// The proof for record `leaf_index` in the tree of the first `tree_size` records of
    /// `log`.
    ///
    /// # Errors
    ///
    /// [`TransparencyError::IndexOutOfTree`] when `leaf_index` is not below `tree_size`;
    /// [`TransparencyError::TreeLargerThanLog`] when `tree_size` is beyond the log;
    /// [`TransparencyError::MissingRecord`] when the log cannot give a record it counts.
    pub fn generate<L: LogLeaves + ?Sized>(
        log: &L,
        leaf_index: u64,
        tree_size: u64,
    ) -> Result<Self, TransparencyError> {
        if leaf_index >= tree_size {
            return Err(TransparencyError::IndexOutOfTree {
                index: leaf_index,
                tree_size,
            });
        }
        let records = log.record_count();
        if tree_size > records {
            return Err(TransparencyError::TreeLargerThanLog { tree_size, records });
        }
        // Walk down from the root, keeping the sibling of the side the leaf is on.
        let mut top_down = Path::new();
        let (mut low, mut high) = (0u64, tree_size);
        while high.saturating_sub(low) > 1 {
            let middle = low.saturating_add(split_point(high.saturating_sub(low)));
            let sibling = if leaf_index < middle {
                let sibling = subtree_root(log, middle, high)?;
                high = middle;
                sibling
            } else {
                let sibling = subtree_root(log, low, middle)?;
                low = middle;
                sibling
            };
            top_down
                .push(sibling)
                .map_err(|_| TransparencyError::ProofTooLong {
                    hashes: MAX_PROOF_HASHES.saturating_add(1),
                })?;
        }
        Ok(Self {
            leaf_index,
            tree_size,
            path: reversed(top_down),
        })
    }

    /// A proof received from elsewhere: the index, the size and the hashes in RFC order
    /// (leaf's sibling first). Whether they fit the sizes is checked by
    /// [`verify`](Self::verify).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::ProofTooLong`] for more than [`MAX_PROOF_HASHES`] hashes.
    pub fn new(
        leaf_index: u64,
        tree_size: u64,
        hashes: &[Hash],
    ) -> Result<Self, TransparencyError> {
        Ok(Self {
            leaf_index,
            tree_size,
            path: path_from(hashes)?,
        })
    }

    /// The record's index.
    #[must_use]
    pub const fn leaf_index(&self) -> u64 {
        self.leaf_index
    }

    /// The tree size.
    #[must_use]
    pub const fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// The hashes, leaf's sibling first.
    #[must_use]
    pub fn hashes(&self) -> &[Hash] {
        &self.path
    }

    /// The root this proof leads to from `leaf_hash` (RFC 9162 §2.1.3.2).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::IndexOutOfTree`] when the leaf index is not below the tree
    /// size; [`TransparencyError::ProofTooLong`] or [`TransparencyError::ProofTooShort`]
    /// when the number of hashes does not fit the index and size.
    pub fn root_from(&self, leaf_hash: &Hash) -> Result<Hash, TransparencyError> {
        if self.leaf_index >= self.tree_size {
            return Err(TransparencyError::IndexOutOfTree {
                index: self.leaf_index,
                tree_size: self.tree_size,
            });
        }
        let mut index = self.leaf_index;
        let mut last = self.tree_size.saturating_sub(1);
        let mut hash = *leaf_hash;
        for sibling in &self.path {
            if last == 0 {
                return Err(TransparencyError::ProofTooLong {
                    hashes: self.path.len(),
                });
            }
            if index & 1 == 1 || index == last {
                hash = node_hash(sibling, &hash);
                if index & 1 == 0 {
                    climb_right_edge(&mut index, &mut last);
                }
            } else {
                hash = node_hash(&hash, sibling);
            }
            index >>= 1;
            last >>= 1;
        }
        if last != 0 {
            return Err(TransparencyError::ProofTooShort {
                hashes: self.path.len(),
            });
        }
        Ok(hash)
    }

    /// Checks that the record whose leaf hash is `leaf_hash` is at
    /// [`leaf_index`](Self::leaf_index) in the tree whose root is `root`.
    ///
    /// # Errors
    ///
    /// As [`root_from`](Self::root_from); [`TransparencyError::RootMismatch`] when the
    /// proof leads to another root.
    pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<(), TransparencyError> {
        if self.root_from(leaf_hash)? == *root {
            Ok(())
        } else {
            Err(TransparencyError::RootMismatch)
        }
    }
}

/// A proof that the tree of the first `first_size` records is a prefix of the tree of
/// `second_size` records: nothing in the first was changed or removed (RFC 6962 §2.1.2
/// `PROOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    first_size: u64,
    second_size: u64,
    path: Path,
}

impl ConsistencyProof {
    /// The proof between the trees of the first `first_size` and `second_size` records of
    /// `log` (`first_size ≤ second_size ≤` the log's count). Sizes 0 and equal sizes have
    /// the empty proof.
    ///
    /// # Errors
    ///
    /// [`TransparencyError::SizesOutOfOrder`] when `first_size > second_size`;
    /// [`TransparencyError::TreeLargerThanLog`] when `second_size` is beyond the log;
    /// [`TransparencyError::MissingRecord`] when the log cannot give a record it counts.
    pub fn generate<L: LogLeaves + ?Sized>(
        log: &L,
        first_size: u64,
        second_size: u64,
    ) -> Result<Self, TransparencyError> {
        if first_size > second_size {
            return Err(TransparencyError::SizesOutOfOrder {
                first: first_size,
                second: second_size,
            });
        }
        let records = log.record_count();
        if second_size > records {
            return Err(TransparencyError::TreeLargerThanLog {
                tree_size: second_size,
                records,
            });
        }
        let mut top_down = Path::new();
        let too_long = || TransparencyError::ProofTooLong {
            hashes: MAX_PROOF_HASHES.saturating_add(1),
        };
        if first_size > 0 && first_size < second_size {
            // SUBPROOF(m, D[low:high], whole): `whole` while the old tree is still the
            // left edge of the subtree being walked.
            let (mut low, mut high, mut m, mut whole) = (0u64, second_size, first_size, true);
            loop {
                let size = high.saturating_sub(low);
                if m == size {
                    if !whole {
                        top_down
                            .push(subtree_root(log, low, high)?)
                            .map_err(|_| too_long())?;
                    }
                    break;
                }
                let k = split_point(size);
                let middle = low.saturating_add(k);
                if m <= k {
                    top_down
                        .push(subtree_root(log, middle, high)?)
                        .map_err(|_| too_long())?;
                    high = middle;
                } else {
                    top_down
                        .push(subtree_root(log, low, middle)?)
                        .map_err(|_| too_long())?;
                    low = middle;
                    m = m.saturating_sub(k);
                    whole = false;
                }
            }
        }
        Ok(Self {
            first_size,
            second_size,
            path: reversed(top_down),
        })
    }

    /// A proof received from elsewhere, hashes in RFC order. Whether they fit the sizes
    /// is checked by [`verify`](Self::verify).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::ProofTooLong`] for more than [`MAX_PROOF_HASHES`] hashes.
    pub fn new(
        first_size: u64,
        second_size: u64,
        hashes: &[Hash],
    ) -> Result<Self, TransparencyError> {
        Ok(Self {
            first_size,
            second_size,
            path: path_from(hashes)?,
        })
    }

    /// The older tree's size.
    #[must_use]
    pub const fn first_size(&self) -> u64 {
        self.first_size
    }

    /// The newer tree's size.
    #[must_use]
    pub const fn second_size(&self) -> u64 {
        self.second_size
    }

    /// The hashes, in RFC order.
    #[must_use]
    pub fn hashes(&self) -> &[Hash] {
        &self.path
    }

    /// Checks that the tree with root `first_root` (of [`first_size`](Self::first_size)
    /// records) is a prefix of the tree with root `second_root` (RFC 9162 §2.1.4.2;
    /// size 0 is a prefix of anything, equal sizes must have equal roots).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::SizesOutOfOrder`] when the first size is larger than the
    /// second; [`TransparencyError::ProofTooLong`] or
    /// [`TransparencyError::ProofTooShort`] when the number of hashes does not fit the
    /// sizes; [`TransparencyError::RootMismatch`] when the proof does not lead to both
    /// roots.
    pub fn verify(&self, first_root: &Hash, second_root: &Hash) -> Result<(), TransparencyError> {
        let (first, second) = (self.first_size, self.second_size);
        if first > second {
            return Err(TransparencyError::SizesOutOfOrder { first, second });
        }
        if first == 0 || first == second {
            if !self.path.is_empty() {
                return Err(TransparencyError::ProofTooLong {
                    hashes: self.path.len(),
                });
            }
            let same = first == 0 || first_root == second_root;
            return if same {
                Ok(())
            } else {
                Err(TransparencyError::RootMismatch)
            };
        }
        // When the old tree is a perfect subtree of the new one its root is where the
        // path starts; otherwise the path's first hash is.
        let seed = first.is_power_of_two().then_some(first_root);
        let mut hashes = seed.into_iter().chain(self.path.iter());
        let Some(start) = hashes.next() else {
            return Err(TransparencyError::ProofTooShort { hashes: 0 });
        };
        let mut index = first.saturating_sub(1);
        let mut last = second.saturating_sub(1);
        while index & 1 == 1 {
            index >>= 1;
            last >>= 1;
        }
        let (mut old, mut new) = (*start, *start);
        for hash in hashes {
            if last == 0 {
                return Err(TransparencyError::ProofTooLong {
                    hashes: self.path.len(),
                });
            }
            if index & 1 == 1 || index == last {
                old = node_hash(hash, &old);
                new = node_hash(hash, &new);
                if index & 1 == 0 {
                    climb_right_edge(&mut index, &mut last);
                }
            } else {
                new = node_hash(&new, hash);
            }
            index >>= 1;
            last >>= 1;
        }
        if last != 0 {
            return Err(TransparencyError::ProofTooShort {
                hashes: self.path.len(),
            });
        }
        if old == *first_root && new == *second_root {
            Ok(())
        } else {
            Err(TransparencyError::RootMismatch)
        }
    }
}
