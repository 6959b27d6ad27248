//! The block size type: 512..=65536 bytes, nothing else.

use core::fmt;

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
pub struct BlockSize(u32);

impl BlockSize {
    /// The smallest block size, 512 bytes.
    pub const MIN: BlockSize = BlockSize(512);
    /// The largest block size, 65536 bytes.
    pub const MAX: BlockSize = BlockSize(65536);
    /// The format's default block size, 4096 bytes.
    pub const DEFAULT: BlockSize = BlockSize(4096);

    /// A block size of `bytes`, or `invalid_block_size` outside 512..=65536.
    pub const fn new(bytes: usize) -> Result<Self> {
        if bytes < Self::MIN.0 as usize || bytes > Self::MAX.0 as usize {
            return Err(Error::nowhere(Reason::InvalidBlockSize { size: bytes }));
        }
        // In range, so it fits in u32.
        #[allow(clippy::cast_possible_truncation)]
        Ok(BlockSize(bytes as u32))
    }

    /// The size in bytes.
    #[must_use]
    pub const fn get(self) -> usize {
        self.0 as usize
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
