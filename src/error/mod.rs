//! The crate's one error type: a [`Reason`] (what went wrong, with its values) and a
//! [`Location`] (block, field, byte offset), after RustCrypto `der`'s `Error { kind,
//! position }`; and the stable category names of SPEC §6 ([`ErrorKind`]).
//!
//! This module names no region: regions describe their failures with these parts.

use core::fmt;

mod location;
mod reason;

pub use location::{BlockOrigin, Location};

pub use reason::{CombTablesFailure, ContentMismatchReason, Reason, SignatureFailure, Unit};

/// Shorthand for `core::result::Result<T, dwvd_regions::Error>`.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The category of an [`Error`].
///
/// Categories are stable and have snake_case names ([`ErrorKind::as_str`]) — the names the
/// golden vectors use in `expect_error` and that a command-line tool prints. Match on the
/// kind when you only need to know *what* went wrong; the error's [`Reason`] has the
/// values involved and its [`Location`] says *where* (block, field, offset).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
    /// A public key that is not a valid SEC1-encoded P-256 point, or precomputed tables
    /// of a key given as bytes that cannot be its tables ([`Reason::InvalidCombTables`]).
    InvalidPublicKey,
    /// A signature that does not verify (malformed, high-S under the strict policy, or
    /// not made by this key over these bytes).
    BadSignature,
    /// Bytes that are not UTF-8 where a `&str` was asked for.
    InvalidUtf8,
}

impl ErrorKind {
    /// Every category, in declaration order: for tools that list them, and for tests
    /// that must cover each one.
    pub const ALL: [ErrorKind; 20] = [
        Self::ChecksumMismatch,
        Self::WrongTag,
        Self::Truncated,
        Self::InvalidField,
        Self::InvalidBlockSize,
        Self::RecordTooLarge,
        Self::Full,
        Self::Overwritten,
        Self::NotWrittenYet,
        Self::BufferTooSmall,
        Self::InvalidArgument,
        Self::CounterOverflow,
        Self::Immutable,
        Self::NonSequential,
        Self::CapacityExceeded,
        Self::TornWrite,
        Self::ContentMismatch,
        Self::InvalidPublicKey,
        Self::BadSignature,
        Self::InvalidUtf8,
    ];

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

/// Everything that can go wrong reading or writing a region: what ([`Reason`], whose
/// [`kind`](Error::kind) is the stable category) and where ([`Location`]: block, field,
/// byte offset), each stated once.
///
/// Errors about data read from disk name the block (counted from the start of the region
/// buffer, until [`relocated`](Error::relocated) to a device or image block) and, where
/// there is one, the field and its byte offset in the block, so an inspector can print
/// exactly what is wrong and where.
///
/// ```
/// use dwvd_regions::{BlockSize, ErrorKind, Reason, streaming::StreamingView};
///
/// let block = [0u8; 512]; // all zero: the checksum of the payload is not 0
/// let err = StreamingView::new_checked(&block, BlockSize::new(512)?).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::ChecksumMismatch);
/// assert!(matches!(err.reason(), Reason::ChecksumMismatch { stored: 0, .. }));
/// assert_eq!(err.block(), Some(0));
/// assert!(err.to_string().starts_with("block 0: checksum mismatch"));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
///
/// # Without the `error-details` feature
///
/// Firmware that reports errors by their kind builds the crate without `error-details`
/// (on by default; `default-features = false`): an `Error` is then its [`ErrorKind`]
/// alone, one byte, and every [`Result`] of the crate small enough to be returned in
/// registers — 6.0 KiB less flash in the `regions` firmware example (firmware/README.md).
/// The checks are the same and fail with the same kinds; what is not kept is where and
/// with which values: [`reason`](Self::reason) is [`Reason::Unrecorded`] with the kind,
/// [`location`](Self::location) is [`Location::NOWHERE`], [`block`](Self::block) is
/// `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Error {
    #[cfg(feature = "error-details")]
    reason: Reason,
    #[cfg(feature = "error-details")]
    location: Location,
    #[cfg(not(feature = "error-details"))]
    kind: ErrorKind,
}

impl Error {
    /// An error for `reason` at `location` (without `error-details`: of `reason`'s kind,
    /// nothing else kept).
    #[must_use]
    pub const fn new(reason: Reason, location: Location) -> Self {
        #[cfg(feature = "error-details")]
        {
            Error { reason, location }
        }
        #[cfg(not(feature = "error-details"))]
        {
            let _ = location;
            Error {
                kind: reason.kind(),
            }
        }
    }

    /// What went wrong, with the values involved ([`Reason::Unrecorded`] without
    /// `error-details`).
    #[must_use]
    pub const fn reason(&self) -> &Reason {
        #[cfg(feature = "error-details")]
        {
            &self.reason
        }
        #[cfg(not(feature = "error-details"))]
        {
            unrecorded(self.kind)
        }
    }

    /// Where: block, field, byte offset ([`Location::NOWHERE`] without `error-details`).
    #[must_use]
    pub const fn location(&self) -> &Location {
        #[cfg(feature = "error-details")]
        {
            &self.location
        }
        #[cfg(not(feature = "error-details"))]
        {
            &Location::NOWHERE
        }
    }

    /// The stable category of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        #[cfg(feature = "error-details")]
        {
            self.reason.kind()
        }
        #[cfg(not(feature = "error-details"))]
        {
            self.kind
        }
    }

    /// The number of the block the error is about, if it is about one block; what it
    /// counts from is [`Location::origin`].
    #[must_use]
    pub const fn block(&self) -> Option<u64> {
        self.location().block()
    }

    /// The same error with its block moved `base` blocks on: for tools that parse a
    /// region found at block `base` of a larger image or device, so the error names that
    /// image's block ([`BlockOrigin::Device`]). Data-range blocks and errors that name no
    /// block are unchanged.
    #[must_use]
    pub const fn relocated(self, base: u64) -> Self {
        #[cfg(feature = "error-details")]
        {
            let mut moved = self;
            moved.location.relocate(base);
            moved
        }
        #[cfg(not(feature = "error-details"))]
        {
            let _ = base;
            self
        }
    }

    /// The same error, about block `index` counted from `origin`; offsets found within a
    /// structure that starts `offset_base` bytes into that block are moved with it.
    #[must_use]
    pub(crate) const fn placed(self, origin: BlockOrigin, index: u64, offset_base: usize) -> Self {
        #[cfg(feature = "error-details")]
        {
            let mut placed = self;
            placed.location.place_at(origin, index, offset_base);
            placed
        }
        #[cfg(not(feature = "error-details"))]
        {
            let _ = (origin, index, offset_base);
            self
        }
    }

    /// The same error, about block `index` of the region buffer.
    #[must_use]
    pub(crate) const fn in_block(self, index: u64) -> Self {
        #[cfg(feature = "error-details")]
        {
            let mut moved = self;
            moved.location.set_block(BlockOrigin::Region, index);
            moved
        }
        #[cfg(not(feature = "error-details"))]
        {
            let _ = index;
            self
        }
    }

    /// An error without a location.
    pub(crate) const fn nowhere(reason: Reason) -> Self {
        Error::new(reason, Location::NOWHERE)
    }

    /// A [`Reason::InvalidField`] in block `block` of a region buffer.
    pub(crate) fn invalid_field(
        block: usize,
        field: &'static &'static str,
        offset: usize,
        value: i64,
        requirement: &'static str,
    ) -> Self {
        Error::new(
            Reason::InvalidField { value, requirement },
            Location::block_of(
                BlockOrigin::Region,
                u64::try_from(block).unwrap_or(u64::MAX),
            )
            .with_field(field, offset),
        )
    }

    /// A [`Reason::Truncated`], about no block in particular.
    pub(crate) const fn truncated(needed: u64, available: u64, unit: Unit) -> Self {
        Error::nowhere(Reason::Truncated {
            needed,
            available,
            unit,
        })
    }

    /// A region buffer of `length` bytes that is not a whole, non-zero number of
    /// `block_size` blocks.
    pub(crate) fn not_whole_blocks(length: usize, block_size: usize) -> Self {
        let blocks = length.div_ceil(block_size.max(1)).max(1);
        Error::truncated(
            u64::try_from(blocks.saturating_mul(block_size)).unwrap_or(u64::MAX),
            u64::try_from(length).unwrap_or(u64::MAX),
            Unit::Bytes,
        )
    }

    /// A [`Reason::BufferTooSmall`]: `needed` bytes (whole blocks of `block_size`) for
    /// the `available` the caller gave.
    pub(crate) const fn buffer_too_small(
        needed: usize,
        available: usize,
        block_size: usize,
    ) -> Self {
        Error::nowhere(Reason::BufferTooSmall {
            needed,
            available,
            block_size,
        })
    }

    /// A [`Reason::InvalidArgument`].
    pub(crate) const fn invalid_argument(
        argument: &'static str,
        requirement: &'static str,
    ) -> Self {
        Error::nowhere(Reason::InvalidArgument {
            argument,
            requirement,
        })
    }
}

impl From<Reason> for Error {
    fn from(reason: Reason) -> Self {
        Error::nowhere(reason)
    }
}

/// The location, if any, then the reason: `block 2 field write_log_count (offset 32):
/// truncated region: 1000 records needed, but the region holds 8`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.location().is_nowhere() {
            write!(f, "{}: ", self.location())?;
        }
        fmt::Display::fmt(self.reason(), f)
    }
}

impl core::error::Error for Error {}

/// [`Reason::Unrecorded`] of `kind`, in static memory: what [`Error::reason`] lends
/// without `error-details`.
#[cfg(not(feature = "error-details"))]
const fn unrecorded(kind: ErrorKind) -> &'static Reason {
    match kind {
        ErrorKind::ChecksumMismatch => &Reason::Unrecorded(ErrorKind::ChecksumMismatch),
        ErrorKind::WrongTag => &Reason::Unrecorded(ErrorKind::WrongTag),
        ErrorKind::Truncated => &Reason::Unrecorded(ErrorKind::Truncated),
        ErrorKind::InvalidField => &Reason::Unrecorded(ErrorKind::InvalidField),
        ErrorKind::InvalidBlockSize => &Reason::Unrecorded(ErrorKind::InvalidBlockSize),
        ErrorKind::RecordTooLarge => &Reason::Unrecorded(ErrorKind::RecordTooLarge),
        ErrorKind::Full => &Reason::Unrecorded(ErrorKind::Full),
        ErrorKind::Overwritten => &Reason::Unrecorded(ErrorKind::Overwritten),
        ErrorKind::NotWrittenYet => &Reason::Unrecorded(ErrorKind::NotWrittenYet),
        ErrorKind::BufferTooSmall => &Reason::Unrecorded(ErrorKind::BufferTooSmall),
        ErrorKind::InvalidArgument => &Reason::Unrecorded(ErrorKind::InvalidArgument),
        ErrorKind::CounterOverflow => &Reason::Unrecorded(ErrorKind::CounterOverflow),
        ErrorKind::Immutable => &Reason::Unrecorded(ErrorKind::Immutable),
        ErrorKind::NonSequential => &Reason::Unrecorded(ErrorKind::NonSequential),
        ErrorKind::CapacityExceeded => &Reason::Unrecorded(ErrorKind::CapacityExceeded),
        ErrorKind::TornWrite => &Reason::Unrecorded(ErrorKind::TornWrite),
        ErrorKind::ContentMismatch => &Reason::Unrecorded(ErrorKind::ContentMismatch),
        ErrorKind::InvalidPublicKey => &Reason::Unrecorded(ErrorKind::InvalidPublicKey),
        ErrorKind::BadSignature => &Reason::Unrecorded(ErrorKind::BadSignature),
        ErrorKind::InvalidUtf8 => &Reason::Unrecorded(ErrorKind::InvalidUtf8),
    }
}

/// Without `error-details` an error is its kind, one byte: every `Result` of the crate
/// is then small (the point of leaving the details out).
#[cfg(not(feature = "error-details"))]
const _: () = assert!(core::mem::size_of::<Error>() == 1);

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::BlockSize;
    use crate::streaming::StreamingView;
    use std::string::ToString;

    /// A sealed STRE header of zeros breaks `max_capacity_blocks > 0` (block 0, offset 0);
    /// an all-zero block fails its checksum.
    fn parse_failures() -> [Error; 2] {
        let mut header = [0u8; 512];
        let sealed = crate::block::seal(&mut header, crate::Tag::STRE, 1);
        assert!(sealed.is_ok());
        let invalid = StreamingView::new_checked(&header, BlockSize::MIN).unwrap_err();
        let corrupt = StreamingView::new_checked(&[0u8; 512], BlockSize::MIN).unwrap_err();
        [invalid, corrupt]
    }

    #[test]
    fn an_unrecorded_reason_keeps_its_kind_and_says_why_it_has_no_values() {
        for kind in ErrorKind::ALL {
            let reason = Reason::Unrecorded(kind);
            assert_eq!(reason.kind(), kind);
            let text = reason.to_string();
            assert!(text.starts_with(kind.as_str()), "{text}");
            assert!(text.contains("error-details"), "{text}");
        }
    }

    /// With `error-details` (the default): the reason's values and the location are kept.
    #[cfg(feature = "error-details")]
    #[test]
    fn with_details_an_error_says_where_and_with_which_values() {
        let [invalid, corrupt] = parse_failures();
        assert_eq!(invalid.kind(), ErrorKind::InvalidField);
        assert!(matches!(
            invalid.reason(),
            Reason::InvalidField { value: 0, .. }
        ));
        assert_eq!(invalid.location().field(), Some("max_capacity_blocks"));
        assert_eq!(invalid.block(), Some(0));
        assert_eq!(invalid.relocated(40).block(), Some(40));
        assert_eq!(corrupt.kind(), ErrorKind::ChecksumMismatch);
        assert!(matches!(
            corrupt.reason(),
            Reason::ChecksumMismatch { stored: 0, .. }
        ));
    }

    /// Without `error-details` (firmware): the same checks fail with the same kinds, and
    /// nothing else is kept. Run by CI with `--no-default-features`.
    #[cfg(not(feature = "error-details"))]
    #[test]
    fn without_details_an_error_is_its_kind() {
        let [invalid, corrupt] = parse_failures();
        for (error, kind) in [
            (invalid, ErrorKind::InvalidField),
            (corrupt, ErrorKind::ChecksumMismatch),
        ] {
            assert_eq!(error.kind(), kind);
            assert_eq!(*error.reason(), Reason::Unrecorded(kind));
            assert_eq!(*error.location(), Location::NOWHERE);
            assert_eq!(error.block(), None);
            assert_eq!(error.relocated(40), error);
            assert_eq!(error.to_string(), Reason::Unrecorded(kind).to_string());
        }
        for kind in ErrorKind::ALL {
            let error = Error::new(
                Reason::Unrecorded(kind),
                Location::block_of(BlockOrigin::Device, 3),
            );
            assert_eq!(error.kind(), kind);
            assert_eq!(*error.reason(), Reason::Unrecorded(kind));
        }
        assert_eq!(core::mem::size_of::<Error>(), 1);
        assert_eq!(core::mem::size_of::<Result<u32>>(), 8);
    }
}
