//! The block size type: 512..=65536 bytes, nothing else.

use core::fmt;
use core::num::NonZeroU32;

use super::trailer::TRAILER_LEN;
use crate::error::{Error, Reason, Result};

/// A block size in bytes, guaranteed to be within 512..=65536 (SPEC §1).
///
/// The payload of a block is everything before its 16-byte trailer:
/// [`payload_len`](BlockSize::payload_len) = size − 16.
///
/// ```
/// use dwvd_regions::{BlockSize, ErrorKind};
///
/// let size = BlockSize::new(4096)?;
/// assert_eq!(size.payload_len(), 4080);
/// assert_eq!(BlockSize::new(100).unwrap_err().kind(), ErrorKind::InvalidBlockSize);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlockSize(NonZeroU32);

/// `bytes` as a block size, for the constants (all non-zero).
const fn constant(bytes: u32) -> BlockSize {
    match NonZeroU32::new(bytes) {
        Some(bytes) => BlockSize(bytes),
        None => BlockSize(NonZeroU32::MIN),
    }
}

impl BlockSize {
    /// The smallest block size, 512 bytes.
    pub const MIN: BlockSize = constant(512);
    /// The largest block size, 65536 bytes.
    pub const MAX: BlockSize = constant(65536);
    /// The format's default block size, 4096 bytes.
    pub const DEFAULT: BlockSize = constant(4096);

    /// A block size of `bytes`.
    ///
    /// # Errors
    ///
    /// `invalid_block_size` when `bytes` is outside 512..=65536.
    pub const fn new(bytes: usize) -> Result<Self> {
        if bytes < Self::MIN.get() || bytes > Self::MAX.get() {
            return Err(Error::nowhere(Reason::InvalidBlockSize { size: bytes }));
        }
        // In range, so it fits in u32.
        #[allow(clippy::cast_possible_truncation)]
        Ok(constant(bytes as u32))
    }

    /// The size in bytes. Never 0 — and the compiler knows it (the value is kept as a
    /// `NonZeroU32`), so divisions and `chunks_exact` by a block size need no zero check
    /// in the code firmware carries.
    #[must_use]
    pub const fn get(self) -> usize {
        self.0.get() as usize
    }

    /// Bytes before the trailer: `size − 16`.
    #[must_use]
    pub const fn payload_len(self) -> usize {
        // MIN is 512, so this never underflows.
        self.get().saturating_sub(TRAILER_LEN)
    }
}

impl Default for BlockSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<usize> for BlockSize {
    type Error = Error;

    fn try_from(bytes: usize) -> Result<Self> {
        Self::new(bytes)
    }
}

impl From<BlockSize> for usize {
    fn from(size: BlockSize) -> usize {
        size.get()
    }
}

impl fmt::Display for BlockSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.0)
    }
}
