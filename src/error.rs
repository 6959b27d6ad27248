//! The crate's one error type, and the stable category names of SPEC §6.

use core::fmt;

use crate::block::{BlockSize, Tag};

/// Shorthand for `core::result::Result<T, dwvd_regions::Error>`.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The category of an [`Error`].
///
/// Categories are stable and have snake_case names ([`ErrorKind::as_str`]) — the names the
/// golden vectors use in `expect_error` and that a command-line tool prints. Match on the
/// kind when you only need to know *what* went wrong; match on [`Error`] itself to learn
/// *where* (block, field, offset) and the values involved.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A block's XXH64 does not match its payload: the block is corrupt.
    ChecksumMismatch,
    /// A block's checksum is fine but it carries another block type tag.
    WrongTag,
    /// The buffer is shorter than the structure it must hold (not a whole, non-zero
    /// number of blocks, or fewer blocks than a count needs).
    Truncated,
    /// A field read from disk breaks an invariant of the format: the region is corrupt.
    InvalidField,
    /// A block size outside 512..=65536.
    InvalidBlockSize,
    /// A record is larger than what one block can hold.
    RecordTooLarge,
    /// The region has no room left (and its policy forbids overwriting).
    Full,
    /// A ring position older than the read tail: its slot has been reused.
    Overwritten,
    /// A ring position at or past the write head: nothing was written there yet.
    NotWrittenYet,
    /// The caller's output buffer is smaller than what must be emitted.
    BufferTooSmall,
    /// A value passed by the caller (not read from disk) is out of range.
    InvalidArgument,
    /// A position or counter would exceed its on-disk range (`i64::MAX`).
    CounterOverflow,
    /// A write below a WORM region's high-water mark: that block is immutable.
    Immutable,
    /// A write above a WORM region's high-water mark: writes must be sequential.
    NonSequential,
    /// An owned value's bounded capacity (a const generic) is smaller than what was read.
    CapacityExceeded,
    /// The blocks of one multi-block region carry different generations: a write was
    /// interrupted part-way.
    TornWrite,
    /// Data read back does not match what the write log recorded for it.
    ContentMismatch,
    /// A public key that is not a valid SEC1-encoded P-256 point.
    InvalidPublicKey,
    /// A signature that does not verify (malformed, high-S under the strict policy, or
    /// not made by this key over these bytes).
    BadSignature,
    /// Bytes that are not UTF-8 where a `&str` was asked for.
    InvalidUtf8,
}

impl ErrorKind {
    /// The stable snake_case name of this category, as used by the golden vectors
    /// (`"checksum_mismatch"`, `"wrong_tag"`, `"truncated"`, `"invalid_field"`,
    /// `"invalid_block_size"`, `"record_too_large"`) and by this crate's additions
    /// (`"full"`, `"overwritten"`, `"not_written_yet"`, `"buffer_too_small"`,
    /// `"invalid_argument"`, `"counter_overflow"`, `"immutable"`, `"non_sequential"`,
    /// `"capacity_exceeded"`, `"torn_write"`, `"content_mismatch"`, `"invalid_public_key"`,
    /// `"bad_signature"`, `"invalid_utf8"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::WrongTag => "wrong_tag",
            Self::Truncated => "truncated",
            Self::InvalidField => "invalid_field",
            Self::InvalidBlockSize => "invalid_block_size",
            Self::RecordTooLarge => "record_too_large",
            Self::Full => "full",
            Self::Overwritten => "overwritten",
            Self::NotWrittenYet => "not_written_yet",
            Self::BufferTooSmall => "buffer_too_small",
            Self::InvalidArgument => "invalid_argument",
            Self::CounterOverflow => "counter_overflow",
            Self::Immutable => "immutable",
            Self::NonSequential => "non_sequential",
            Self::CapacityExceeded => "capacity_exceeded",
            Self::TornWrite => "torn_write",
            Self::ContentMismatch => "content_mismatch",
            Self::InvalidPublicKey => "invalid_public_key",
            Self::BadSignature => "bad_signature",
            Self::InvalidUtf8 => "invalid_utf8",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong reading or writing a region.
///
/// Errors about data read from disk name the block index (counted from the start of the
/// region buffer) and, where there is one, the field and its byte offset in the block, so
/// an inspector can print exactly what is wrong and where. [`Error::kind`] gives the
/// stable category.
///
/// ```
/// use dwvd_regions::{BlockSize, ErrorKind, streaming::StreamingView};
///
/// let block = [0u8; 512]; // all zero: the checksum of the payload is not 0
/// let err = StreamingView::new_checked(&block, BlockSize::new(512)?).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::ChecksumMismatch);
/// assert_eq!(err.block(), Some(0));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A block size outside 512..=65536 bytes.
    InvalidBlockSize {
        /// The rejected size in bytes.
        size: usize,
    },
    /// The XXH64 stored in a block's trailer does not match its payload.
    ChecksumMismatch {
        /// Index of the block in the region buffer.
        block: u64,
        /// Checksum stored in the trailer.
        stored: u64,
        /// Checksum computed over the payload.
        computed: u64,
    },
    /// The block verified, but carries another type tag than the region expects.
    WrongTag {
        /// Index of the block in the region buffer.
        block: u64,
        /// The tag the region requires.
        expected: Tag,
        /// The tag the block carries.
        found: Tag,
    },
    /// A region buffer whose length is not a whole, non-zero number of blocks.
    RegionNotWholeBlocks {
        /// Length of the buffer in bytes.
        length: usize,
        /// The block size the buffer was read with.
        block_size: BlockSize,
    },
    /// A field read from disk breaks an invariant of the format.
    InvalidField {
        /// Index of the block in the region buffer.
        block: u64,
        /// The field's name as in the SPEC (e.g. `"allocated_blocks"`).
        field: &'static str,
        /// Byte offset of the field in its block.
        offset: usize,
        /// The value found.
        value: i64,
        /// What the value must satisfy, in words.
        requirement: &'static str,
    },
    /// A record longer than the payload of one block.
    RecordTooLarge {
        /// Length of the record in bytes.
        length: usize,
        /// The largest record a block of this size holds.
        capacity: usize,
    },
    /// A ring that cannot grow and whose every allocated slot is live, appended to with
    /// [`WrapPolicy::Reject`](crate::streaming::WrapPolicy::Reject).
    RingFull {
        /// Blocks allocated (all live).
        allocated_blocks: u64,
        /// The ring's maximum capacity; larger than `allocated_blocks` only for a
        /// [pinned](crate::streaming::StreamingRing#pinned-rings) ring.
        max_capacity_blocks: u64,
    },
    /// A block index past the end of a region buffer.
    BlockOutOfRange {
        /// The index asked for.
        index: u64,
        /// Blocks in the region.
        blocks: u64,
    },
    /// A ring position older than the read tail: its slot has been reused or consumed.
    Overwritten {
        /// The position asked for.
        position: u64,
        /// The oldest position still readable.
        read_tail: u64,
    },
    /// A ring position at or past the write head: nothing was written there yet.
    NotWrittenYet {
        /// The position asked for.
        position: u64,
        /// The next position to be written.
        write_head: u64,
    },
    /// The caller's output buffer is too small.
    BufferTooSmall {
        /// Bytes needed: a whole number of blocks.
        needed: usize,
        /// Bytes given.
        available: usize,
        /// The region's block size.
        block_size: BlockSize,
    },
    /// A value passed by the caller is out of range.
    InvalidArgument {
        /// The argument's name.
        argument: &'static str,
        /// What the value must satisfy, in words.
        requirement: &'static str,
    },
    /// A counter would pass its on-disk maximum (`i64::MAX`).
    CounterOverflow {
        /// The counter's field name.
        field: &'static str,
    },
    /// A count read from disk needs more blocks than the region buffer holds.
    CountExceedsBlocks {
        /// The count's field name (e.g. `"write_log_count"`).
        field: &'static str,
        /// The count read.
        count: u64,
        /// Blocks that count needs.
        blocks_needed: u64,
        /// Blocks in the region buffer.
        blocks_available: u64,
    },
    /// A write below the WORM high-water mark.
    Immutable {
        /// The block index written to.
        block_index: u64,
        /// The region's high-water mark.
        high_water_mark: u64,
    },
    /// A write above the WORM high-water mark.
    NonSequentialWrite {
        /// The block index written to.
        block_index: u64,
        /// The region's high-water mark: the only index that may be written.
        high_water_mark: u64,
    },
    /// A WORM region whose every block is written (high-water mark = total capacity).
    WormRegionFull {
        /// The region's total capacity in blocks.
        total_capacity_blocks: u64,
    },
    /// An owned write log (or other bounded list) that holds as many entries as its
    /// capacity allows.
    LogFull {
        /// What is full (e.g. `"write log"`).
        what: &'static str,
        /// Its capacity, the const generic the caller chose.
        capacity: usize,
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
    /// A block whose generation differs from block 0's: a torn multi-block write.
    TornWrite {
        /// Index of the first block whose generation differs.
        block: u64,
        /// Block 0's generation.
        expected: u32,
        /// The generation found.
        found: u32,
    },
    /// A vault's `passport_count` says more passports than its blocks hold.
    PassportsExceedBlocks {
        /// The count read from block 0.
        count: u64,
        /// Passports the blocks hold.
        found: u64,
        /// Blocks in the region buffer.
        blocks: u64,
    },
    /// A public key that is not a valid SEC1-encoded P-256 point.
    InvalidPublicKey,
    /// A signature that does not verify.
    BadSignature {
        /// Why.
        reason: SignatureFailure,
    },
    /// Bytes that are not UTF-8 where a `&str` was asked for.
    InvalidUtf8 {
        /// The field (`"issuer"`, `"notes"`).
        field: &'static str,
        /// Bytes before the first invalid sequence.
        valid_up_to: usize,
    },
    /// Data read back differs from what the WORM write log recorded.
    ContentMismatch {
        /// The data block's index in the WORM region.
        block_index: u64,
        /// What differs.
        reason: ContentMismatchReason,
    },
}

/// Why a signature failed in [`Error::BadSignature`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFailure {
    /// Not 64 bytes, or `r` or `s` is 0 or not below the group order `n`.
    Malformed,
    /// `s` is in the upper half of the group order, refused by
    /// [`SignaturePolicy::LowSOnly`](crate::vault::SignaturePolicy::LowSOnly).
    HighS,
    /// Well formed, but not made by this key over these bytes: a wrong key or a changed
    /// field.
    Mismatch,
}

/// What differs in an [`Error::ContentMismatch`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Error {
    /// The stable category of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidBlockSize { .. } => ErrorKind::InvalidBlockSize,
            Self::ChecksumMismatch { .. } => ErrorKind::ChecksumMismatch,
            Self::WrongTag { .. } => ErrorKind::WrongTag,
            Self::RegionNotWholeBlocks { .. } => ErrorKind::Truncated,
            Self::InvalidField { .. } => ErrorKind::InvalidField,
            Self::RecordTooLarge { .. } => ErrorKind::RecordTooLarge,
            Self::RingFull { .. } => ErrorKind::Full,
            Self::BlockOutOfRange { .. } => ErrorKind::Truncated,
            Self::Overwritten { .. } => ErrorKind::Overwritten,
            Self::NotWrittenYet { .. } => ErrorKind::NotWrittenYet,
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Self::CounterOverflow { .. } => ErrorKind::CounterOverflow,
            Self::CountExceedsBlocks { .. } => ErrorKind::Truncated,
            Self::Immutable { .. } => ErrorKind::Immutable,
            Self::NonSequentialWrite { .. } => ErrorKind::NonSequential,
            Self::WormRegionFull { .. } | Self::LogFull { .. } => ErrorKind::Full,
            Self::CapacityExceeded { .. } => ErrorKind::CapacityExceeded,
            Self::TornWrite { .. } => ErrorKind::TornWrite,
            Self::ContentMismatch { .. } => ErrorKind::ContentMismatch,
            Self::PassportsExceedBlocks { .. } => ErrorKind::Truncated,
            Self::InvalidPublicKey => ErrorKind::InvalidPublicKey,
            Self::BadSignature { .. } => ErrorKind::BadSignature,
            Self::InvalidUtf8 { .. } => ErrorKind::InvalidUtf8,
        }
    }

    /// The index, in the region buffer, of the block the error is about, when it is
    /// about one block. ([`Error::ContentMismatch`] names a *data* block by its index in
    /// the WORM region's data range instead: see its `block_index`.)
    #[must_use]
    pub const fn block(&self) -> Option<u64> {
        match self {
            Self::ChecksumMismatch { block, .. }
            | Self::WrongTag { block, .. }
            | Self::InvalidField { block, .. }
            | Self::TornWrite { block, .. } => Some(*block),
            // The count is a field of block 0.
            Self::CountExceedsBlocks { .. } | Self::PassportsExceedBlocks { .. } => Some(0),
            _ => None,
        }
    }

    /// An [`Error::InvalidField`] in block `block` of a region buffer.
    pub(crate) fn invalid_field(
        block: usize,
        field: &'static str,
        offset: usize,
        value: i64,
        requirement: &'static str,
    ) -> Self {
        Error::InvalidField {
            block: u64::try_from(block).unwrap_or(u64::MAX),
            field,
            offset,
            value,
            requirement,
        }
    }

    /// The same error with its block index moved `base` blocks on: for tools that parse a
    /// region found at block `base` of a larger image, so the error names the image's
    /// block. Errors that name no block are unchanged.
    #[must_use]
    pub const fn relocated(self, base: u64) -> Self {
        match self.block() {
            Some(block) => self.at_block(block.saturating_add(base)),
            None => self,
        }
    }

    /// [`relocated`](Self::relocated) in place (no copy of the error).
    pub(crate) const fn relocate(&mut self, base: u64) {
        match self {
            Self::ChecksumMismatch { block, .. }
            | Self::WrongTag { block, .. }
            | Self::InvalidField { block, .. }
            | Self::TornWrite { block, .. } => *block = block.saturating_add(base),
            _ => {}
        }
    }

    /// The same error, relocated to block `index` of a larger buffer.
    ///
    /// Single-block functions report block 0; walkers over a region call this so the
    /// error names the block's real index.
    #[must_use]
    pub(crate) const fn at_block(mut self, index: u64) -> Self {
        match &mut self {
            Self::ChecksumMismatch { block, .. }
            | Self::WrongTag { block, .. }
            | Self::InvalidField { block, .. }
            | Self::TornWrite { block, .. } => *block = index,
            _ => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidBlockSize { size } => write!(
                f,
                "invalid block size {size}: it must be between {} and {} bytes",
                BlockSize::MIN.get(),
                BlockSize::MAX.get()
            ),
            Self::ChecksumMismatch {
                block,
                stored,
                computed,
            } => write!(
                f,
                "block {block}: checksum mismatch: the trailer stores {stored:#018x} but the \
                 payload hashes to {computed:#018x}; the block is corrupt"
            ),
            Self::WrongTag {
                block,
                expected,
                found,
            } => write!(
                f,
                "block {block}: wrong block type: expected tag {expected}, found {found}"
            ),
            Self::RegionNotWholeBlocks { length, block_size } => write!(
                f,
                "truncated region: {length} bytes is not a whole, non-zero number of \
                 {}-byte blocks",
                block_size.get()
            ),
            Self::InvalidField {
                block,
                field,
                offset,
                value,
                requirement,
            } => write!(
                f,
                "block {block}: field {field} (offset {offset}) holds {value}, but {requirement}"
            ),
            Self::RecordTooLarge { length, capacity } => write!(
                f,
                "record of {length} bytes is too large: a block holds at most {capacity} bytes"
            ),
            Self::RingFull {
                allocated_blocks,
                max_capacity_blocks,
            } => {
                write!(
                    f,
                    "streaming ring is full: all {allocated_blocks} allocated blocks hold unread \
                     entries and the reject policy forbids overwriting the oldest; consume \
                     entries first"
                )?;
                if allocated_blocks < max_capacity_blocks {
                    write!(
                        f,
                        " (the ring wrapped below its maximum of {max_capacity_blocks} blocks and \
                         cannot grow until it is emptied or reset)"
                    )?;
                }
                Ok(())
            }
            Self::BlockOutOfRange { index, blocks } => write!(
                f,
                "truncated region: block {index} was asked for, but the region holds {blocks} \
                 blocks"
            ),
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
                "position {position} was not written yet: the next position to be written \
                 (write_head) is {write_head}"
            ),
            Self::BufferTooSmall {
                needed,
                available,
                block_size,
            } => write!(
                f,
                "output buffer too small: {} blocks of {} bytes ({needed} bytes) needed, \
                 {available} bytes given",
                needed.checked_div(block_size.get()).unwrap_or(0),
                block_size.get()
            ),
            Self::InvalidArgument {
                argument,
                requirement,
            } => write!(f, "invalid argument {argument}: {requirement}"),
            Self::CounterOverflow { field } => write!(
                f,
                "{field} would pass its on-disk maximum ({}); reset the region",
                i64::MAX
            ),
            Self::CountExceedsBlocks {
                field,
                count,
                blocks_needed,
                blocks_available,
            } => write!(
                f,
                "truncated region: block 0 field {field} says {count}, which needs \
                 {blocks_needed} blocks, but the region holds {blocks_available}"
            ),
            Self::Immutable {
                block_index,
                high_water_mark,
            } => write!(
                f,
                "block {block_index} is immutable: the high-water mark is {high_water_mark}"
            ),
            Self::NonSequentialWrite {
                block_index,
                high_water_mark,
            } => write!(
                f,
                "non-sequential write to block {block_index}: WORM writes go to the \
                 high-water mark, {high_water_mark}"
            ),
            Self::WormRegionFull {
                total_capacity_blocks,
            } => write!(
                f,
                "WORM region is full: all {total_capacity_blocks} blocks are written"
            ),
            Self::LogFull { what, capacity } => write!(
                f,
                "{what} is full: it holds {capacity} entries, the capacity chosen for it; \
                 the region itself still has room"
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
            Self::TornWrite {
                block,
                expected,
                found,
            } => write!(
                f,
                "block {block}: torn write: its generation is {found} but block 0's is \
                 {expected}"
            ),
            Self::PassportsExceedBlocks {
                count,
                found,
                blocks,
            } => write!(
                f,
                "truncated region: block 0 field passport_count says {count}, but the \
                 {blocks} blocks hold only {found} passports"
            ),
            Self::InvalidPublicKey => f.write_str(
                "invalid public key: not a SEC1-encoded P-256 point (33 bytes compressed or \
                 65 uncompressed, on the curve)",
            ),
            Self::BadSignature { reason } => match reason {
                SignatureFailure::Malformed => f.write_str(
                    "bad signature: malformed (not 64 bytes, or r or s is 0 or not below the \
                     group order)",
                ),
                SignatureFailure::HighS => f.write_str(
                    "bad signature: s is high and the low-S-only policy refuses it \
                     (the default policy accepts it)",
                ),
                SignatureFailure::Mismatch => f.write_str(
                    "bad signature: it was not made by this key over these bytes (wrong key, \
                     or a field changed after signing)",
                ),
            },
            Self::InvalidUtf8 { field, valid_up_to } => write!(
                f,
                "{field} is not UTF-8: invalid bytes after the first {valid_up_to}; its \
                 bytes are still available"
            ),
            Self::ContentMismatch {
                block_index,
                reason,
            } => match reason {
                ContentMismatchReason::Length { logged, found } => write!(
                    f,
                    "data block {block_index} was changed after it was written: the log \
                     records {logged} bytes, {found} were found"
                ),
                ContentMismatchReason::Sha256 => write!(
                    f,
                    "data block {block_index} was changed after it was written: its SHA-256 \
                     differs from the logged content_sha256"
                ),
                ContentMismatchReason::TrailingBytes { offset } => write!(
                    f,
                    "data block {block_index} was changed after it was written: non-zero \
                     byte at offset {offset}, past the logged data_length"
                ),
            },
        }
    }
}

impl core::error::Error for Error {}
