//! What can go wrong with trees, proofs and checkpoints.

use core::fmt;

/// Why a tree, proof or checkpoint operation failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransparencyError {
    /// A tree size larger than the log's record count: the log cannot produce it (a log
    /// truncated below a checkpoint's size ends up here).
    TreeLargerThanLog {
        /// The size asked for.
        tree_size: u64,
        /// Records the log has.
        records: u64,
    },
    /// A record index not below the tree size.
    IndexOutOfTree {
        /// The index asked for.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    SizesOutOfOrder {
        /// The older (first) size.
        first: u64,
        /// The newer (second) size.
        second: u64,
    },
    /// The log source could not give record `index` (a view whose bytes changed, or a
    /// custom [`LogLeaves`](super::LogLeaves) that lied about its length).
    MissingRecord {
        /// The record's index.
        index: u64,
    },
    /// A proof with more hashes than its sizes allow (or than the 64 it can hold).
    ProofTooLong {
        /// Hashes given.
        hashes: usize,
    },
    /// A proof with fewer hashes than its sizes need.
    ProofTooShort {
        /// Hashes given.
        hashes: usize,
    },
    /// The proof leads to another root: the record is not in the tree, or the older tree
    /// is not a prefix of the newer one (a rewrite or a truncation), or a hash, index or
    /// size was changed.
    RootMismatch,
    /// A passport that is not a checkpoint: its notes do not start with
    /// `dwvd-checkpoint/1 `.
    NotACheckpoint,
    /// A checkpoint passport whose notes break the text form
    /// (`dwvd-checkpoint/1 size=N root=HEX`), or whose passport fields are not a
    /// checkpoint's: which part.
    MalformedCheckpoint {
        /// The part that is wrong: `size`, `root` or `trailing text` (the notes), or
        /// `framework_id` or `passport_id` (the passport).
        part: &'static str,
    },
    /// The checkpoint's signature or passport failed (the crate's error says how).
    Passport(crate::Error),
}

impl fmt::Display for TransparencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TreeLargerThanLog { tree_size, records } => write!(
                f,
                "tree size {tree_size} is larger than the write log ({records} records): \
                 the log was truncated, or ask for a size up to {records}"
            ),
            Self::IndexOutOfTree { index, tree_size } => write!(
                f,
                "record {index} is not in a tree of {tree_size} records (it must be below the size)"
            ),
            Self::SizesOutOfOrder { first, second } => write!(
                f,
                "consistency from size {first} to size {second}: the first size must not be larger"
            ),
            Self::MissingRecord { index } => write!(
                f,
                "write-log record {index} could not be read from the log source"
            ),
            Self::ProofTooLong { hashes } => write!(
                f,
                "proof of {hashes} hashes is longer than its tree sizes allow"
            ),
            Self::ProofTooShort { hashes } => write!(
                f,
                "proof of {hashes} hashes is shorter than its tree sizes need"
            ),
            Self::RootMismatch => f.write_str(
                "the proof does not lead to the expected root: the record is not in the tree, \
                 or the log was rewritten or truncated",
            ),
            Self::NotACheckpoint => f.write_str(
                "passport notes do not start with \"dwvd-checkpoint/1 \": not a checkpoint",
            ),
            Self::MalformedCheckpoint {
                part: part @ ("framework_id" | "passport_id"),
            } => write!(
                f,
                "checkpoint passport: its {part} is not a checkpoint's (framework 0x0100, and \
                 the id derived from object id, size and root)"
            ),
            Self::MalformedCheckpoint { part } => write!(
                f,
                "checkpoint notes: the {part} is malformed (expected \
                 \"dwvd-checkpoint/1 size=N root=64 lowercase hex digits\")"
            ),
            Self::Passport(error) => write!(f, "checkpoint passport: {error}"),
        }
    }
}

impl core::error::Error for TransparencyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Passport(error) => Some(error),
            _ => None,
        }
    }
}

impl From<crate::Error> for TransparencyError {
    fn from(error: crate::Error) -> Self {
        Self::Passport(error)
    }
}
