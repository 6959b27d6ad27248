//! What went wrong, with the values involved; where it went wrong is the
//! [`Location`](super::Location).

use core::fmt;

use super::ErrorKind;
use crate::block::Tag;

/// What went wrong, with the values involved. Where (block, field, offset) is kept apart,
/// in the error's [`Location`](super::Location), so it is stated once and moved by one
/// function.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reason {
    /// A block size outside 512..=65536 bytes.
    InvalidBlockSize {
        /// The rejected size in bytes.
        size: usize,
    },
    /// The XXH64 stored in a block's trailer does not match its payload.
    ChecksumMismatch {
        /// Checksum stored in the trailer.
        stored: u64,
        /// Checksum computed over the payload.
        computed: u64,
    },
    /// The block verified, but carries another type tag than the region expects.
    WrongTag {
        /// The tag the region requires.
        expected: Tag,
        /// The tag the block carries.
        found: Tag,
    },
    /// Fewer bytes, blocks or entries than the structure needs: a buffer that is not a
    /// whole, non-zero number of blocks, a block index past the end, or a count read from
    /// disk that the blocks cannot hold.
    Truncated {
        /// How many are needed.
        needed: u64,
        /// How many there are.
        available: u64,
        /// What is counted.
        unit: Unit,
    },
    /// A field read from disk breaks an invariant of the format.
    InvalidField {
        /// The value found (a byte's value for padding).
        value: i64,
        /// What the value must satisfy, in words ("" without the `error-texts`
        /// feature).
        requirement: &'static str,
    },
    /// A record longer than the payload of one block.
    RecordTooLarge {
        /// Length of the record in bytes.
        length: usize,
        /// The largest record a block of this size holds.
        capacity: usize,
    },
    /// A region, log or vault with no room left for one more entry (nothing was
    /// overwritten: the caller's policy, or the region's nature, forbids it).
    Full {
        /// What is full (`"streaming ring"`, `"WORM region"`, `"write log"`, `"vault"`).
        what: &'static str,
        /// How many it holds now: blocks for a ring or WORM region, entries for a log or
        /// vault.
        capacity: u64,
        /// How many it could hold at most. Larger than `capacity` only for a ring that
        /// wrapped below its maximum (a pinned ring),
        /// which cannot grow until it is emptied or reset.
        limit: u64,
    },
    /// A ring position older than the read tail: its slot has been reused or consumed.
    Overwritten {
        /// The position asked for.
        position: u64,
        /// The oldest position still readable.
        read_tail: u64,
    },
    /// A position or block not written yet.
    NotWrittenYet {
        /// The position (ring) or block index (WORM) asked for.
        position: u64,
        /// The next one to be written (the ring's write head, the WORM's high-water mark).
        write_head: u64,
    },
    /// The caller's output buffer is too small.
    BufferTooSmall {
        /// Bytes needed: a whole number of blocks.
        needed: usize,
        /// Bytes given.
        available: usize,
        /// The region's block size in bytes.
        block_size: usize,
    },
    /// A value passed by the caller is out of range.
    InvalidArgument {
        /// The argument's name.
        argument: &'static str,
        /// What the value must satisfy, in words ("" without the `error-texts`
        /// feature).
        requirement: &'static str,
    },
    /// A counter (the location's field) would pass its on-disk maximum, `i64::MAX`.
    CounterOverflow,
    /// A write below a WORM region's high-water mark (the location's data block).
    Immutable {
        /// The region's high-water mark.
        high_water_mark: u64,
    },
    /// A write above a WORM region's high-water mark (the location's data block).
    NonSequentialWrite {
        /// The region's high-water mark: the only index that may be written.
        high_water_mark: u64,
    },
    /// A region read from disk holds more entries than the owned value's capacity.
    CapacityExceeded {
        /// What overflowed (e.g. `"write log"`).
        what: &'static str,
        /// Entries in the region.
        count: u64,
        /// The owned value's capacity.
        capacity: usize,
    },
    /// A block (the location's) whose generation differs from block 0's: a torn
    /// multi-block write.
    TornWrite {
        /// Block 0's generation.
        expected: u32,
        /// The generation found.
        found: u32,
    },
    /// Data read back differs from what the WORM write log recorded for it (the
    /// location's data block).
    ContentMismatch(ContentMismatchReason),
    /// A public key that is not a valid SEC1-encoded P-256 point.
    InvalidPublicKey,
    /// A signature that does not verify.
    BadSignature(SignatureFailure),
    /// Precomputed tables of a key given as bytes
    /// ([`EncodedCombVerifyingKey`](crate::vault::EncodedCombVerifyingKey)) that cannot be
    /// that key's tables. The location names the table (field `generator_table` or
    /// `key_table`) and the entry's byte offset in the bytes. Of kind
    /// `invalid_public_key`, as a key's own bytes that are not a point.
    InvalidCombTables(CombTablesFailure),
    /// Bytes that are not UTF-8 where a `&str` was asked for (the location's field).
    InvalidUtf8 {
        /// Bytes before the first invalid sequence.
        valid_up_to: usize,
    },
    /// An error of this kind whose values were not kept: the crate was built without its
    /// `error-details` feature (firmware that reports errors by kind), so an [`Error`]
    /// holds only its [`ErrorKind`]. Never made with the feature on.
    ///
    /// [`Error`]: super::Error
    Unrecorded(ErrorKind),
}

/// What a [`Reason::Truncated`] counts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unit {
    /// Bytes (a buffer that is not a whole, non-zero number of blocks).
    Bytes,
    /// Blocks.
    Blocks,
    /// Write-log records: a count read from disk against the records the blocks hold.
    Records,
    /// Passports: a count read from disk against the passports the blocks hold.
    Passports,
}

impl Unit {
    const fn name(self) -> &'static str {
        match self {
            Self::Bytes => "bytes",
            Self::Blocks => "blocks",
            Self::Records => "records",
            Self::Passports => "passports",
        }
    }
}

/// Why a signature failed in [`Reason::BadSignature`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SignatureFailure {
    /// Not 64 bytes, or `r` or `s` is 0 or not below the group order `n`.
    Malformed,
    /// `s` is in the upper half of the group order, refused by
    /// the low-S-only signature policy.
    HighS,
    /// Well formed, but not made by this key over these bytes: a wrong key or a changed
    /// field.
    Mismatch,
}

/// What is wrong in a [`Reason::InvalidCombTables`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CombTablesFailure {
    /// The bytes are not as long as two tables of this size.
    Length {
        /// The length of two tables of this size, in bytes.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// An entry of the table (the location's field) is not the coordinates `x‖y` of a
    /// point on P-256: changed bytes.
    NotOnCurve {
        /// The entry's index in its table (from 1: entry 0, the identity, is not stored);
        /// from [`CompiledCombTables::from_encoded`](crate::vault::CompiledCombTables::from_encoded),
        /// which names no table, entry `k` of the key's table is `ENTRIES + k`.
        entry: usize,
    },
    /// Entry 1 of the table, its base (the generator, or the key itself), is another
    /// point: tables made for another key.
    WrongBase,
}

/// What differs in a [`Reason::ContentMismatch`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ContentMismatchReason {
    /// The data's length is not the logged `data_length`.
    Length {
        /// The logged length.
        logged: u64,
        /// The length found.
        found: u64,
    },
    /// The data's SHA-256 is not the logged `content_sha256`.
    Sha256,
    /// A data block has non-zero bytes after the logged length.
    TrailingBytes {
        /// Offset of the first non-zero byte in the block.
        offset: usize,
    },
}

impl Reason {
    /// The stable category.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidBlockSize { .. } => ErrorKind::InvalidBlockSize,
            Self::ChecksumMismatch { .. } => ErrorKind::ChecksumMismatch,
            Self::WrongTag { .. } => ErrorKind::WrongTag,
            Self::Truncated { .. } => ErrorKind::Truncated,
            Self::InvalidField { .. } => ErrorKind::InvalidField,
            Self::RecordTooLarge { .. } => ErrorKind::RecordTooLarge,
            Self::Full { .. } => ErrorKind::Full,
            Self::Overwritten { .. } => ErrorKind::Overwritten,
            Self::NotWrittenYet { .. } => ErrorKind::NotWrittenYet,
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Self::CounterOverflow => ErrorKind::CounterOverflow,
            Self::Immutable { .. } => ErrorKind::Immutable,
            Self::NonSequentialWrite { .. } => ErrorKind::NonSequential,
            Self::CapacityExceeded { .. } => ErrorKind::CapacityExceeded,
            Self::TornWrite { .. } => ErrorKind::TornWrite,
            Self::ContentMismatch(_) => ErrorKind::ContentMismatch,
            Self::InvalidPublicKey => ErrorKind::InvalidPublicKey,
            Self::BadSignature(_) => ErrorKind::BadSignature,
            Self::InvalidCombTables(_) => ErrorKind::InvalidPublicKey,
            Self::InvalidUtf8 { .. } => ErrorKind::InvalidUtf8,
            Self::Unrecorded(kind) => *kind,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidBlockSize { size } => write!(
                f,
                "invalid block size {size}: it must be between 512 and 65536 bytes"
            ),
            Self::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch: the trailer stores {stored:#018x} but the payload hashes \
                 to {computed:#018x}; the block is corrupt"
            ),
            Self::WrongTag { expected, found } => {
                write!(
                    f,
                    "wrong block type: expected tag {expected}, found {found}"
                )
            }
            Self::Truncated {
                needed,
                available,
                unit,
            } => {
                f.write_str("truncated region: ")?;
                if let Unit::Bytes = unit {
                    return write!(
                        f,
                        "{available} bytes is not a whole, non-zero number of blocks \
                         ({needed} would be)"
                    );
                }
                write!(
                    f,
                    "{needed} {unit} needed, but the region holds {available}",
                    unit = unit.name(),
                )
            }
            Self::InvalidField { value, requirement } => {
                write!(f, "holds {value}")?;
                if !requirement.is_empty() {
                    write!(f, ", but {requirement}")?;
                }
                Ok(())
            }
            Self::RecordTooLarge { length, capacity } => write!(
                f,
                "record of {length} bytes is too large: a block holds at most {capacity} bytes"
            ),
            Self::Full {
                what,
                capacity,
                limit,
            } => {
                write!(f, "{what} is full at {capacity}")?;
                if limit > capacity {
                    write!(
                        f,
                        ", below its limit of {limit}: it wrapped there and cannot grow until it \
                         is emptied or reset"
                    )?;
                }
                f.write_str("; nothing was added (make room first: consume or remove entries, or choose a larger capacity)")
            }
            Self::Overwritten {
                position,
                read_tail,
            } => write!(
                f,
                "position {position} was overwritten or consumed: the oldest readable \
                 position (read_tail) is {read_tail}"
            ),
            Self::NotWrittenYet {
                position,
                write_head,
            } => write!(
                f,
                "position {position} was not written yet: the next one to be written is \
                 {write_head}"
            ),
            Self::BufferTooSmall {
                needed,
                available,
                block_size,
            } => write!(
                f,
                "output buffer too small: {} blocks of {block_size} bytes ({needed} bytes) \
                 needed, {available} bytes given",
                needed.checked_div(block_size).unwrap_or(0),
            ),
            Self::InvalidArgument {
                argument,
                requirement,
            } => {
                write!(f, "invalid argument {argument}")?;
                if !requirement.is_empty() {
                    write!(f, ": {requirement}")?;
                }
                Ok(())
            }
            Self::CounterOverflow => write!(
                f,
                "counter would pass its on-disk maximum ({}); reset the region",
                i64::MAX
            ),
            Self::Immutable { high_water_mark } => write!(
                f,
                "immutable: the high-water mark is {high_water_mark}, and every block below \
                 it is written"
            ),
            Self::NonSequentialWrite { high_water_mark } => write!(
                f,
                "non-sequential write: WORM writes go to the high-water mark, {high_water_mark}"
            ),
            Self::CapacityExceeded {
                what,
                count,
                capacity,
            } => write!(
                f,
                "{what} holds {count} entries but the owned value's capacity is {capacity}; \
                 choose a larger capacity or read it with the borrowed view"
            ),
            Self::TornWrite { expected, found } => write!(
                f,
                "torn write: its generation is {found} but block 0's is {expected}"
            ),
            Self::ContentMismatch(reason) => {
                f.write_str("changed after it was written: ")?;
                match reason {
                    ContentMismatchReason::Length { logged, found } => {
                        write!(f, "the log records {logged} bytes, {found} were found")
                    }
                    ContentMismatchReason::Sha256 => {
                        f.write_str("its SHA-256 differs from the logged content_sha256")
                    }
                    ContentMismatchReason::TrailingBytes { offset } => write!(
                        f,
                        "non-zero byte at offset {offset}, past the logged data_length"
                    ),
                }
            }
            Self::InvalidPublicKey => f.write_str(
                "invalid public key: not a SEC1-encoded P-256 point (33 bytes compressed or \
                 65 uncompressed, on the curve)",
            ),
            Self::BadSignature(reason) => f.write_str(match reason {
                SignatureFailure::Malformed => {
                    "bad signature: malformed (not 64 bytes, or r or s is 0 or not below the \
                     group order)"
                }
                SignatureFailure::HighS => {
                    "bad signature: s is high and the low-S-only policy refuses it (the \
                     default policy accepts it)"
                }
                SignatureFailure::Mismatch => {
                    "bad signature: it was not made by this key over these bytes (wrong key, \
                     or a field changed after signing)"
                }
            }),
            Self::InvalidCombTables(failure) => {
                f.write_str("invalid comb tables: ")?;
                match failure {
                    CombTablesFailure::Length { expected, found } => write!(
                        f,
                        "{found} bytes, but two tables of this size are {expected} bytes"
                    ),
                    CombTablesFailure::NotOnCurve { entry } => write!(
                        f,
                        "entry {entry} is not a point on P-256 (its 64 bytes are not x and y \
                         of a point on the curve)"
                    ),
                    CombTablesFailure::WrongBase => f.write_str(
                        "entry 1 is not the table's base (the generator, or the key given): \
                         the tables were made for another key",
                    ),
                }
            }
            Self::InvalidUtf8 { valid_up_to } => write!(
                f,
                "not UTF-8: invalid bytes after the first {valid_up_to}; the bytes are still \
                 available"
            ),
            Self::Unrecorded(kind) => write!(
                f,
                "{kind} (where and with which values is not recorded: built without the \
                 `error-details` feature)"
            ),
        }
    }
}
