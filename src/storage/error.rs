//! What a stored-region operation reports.

use core::fmt;

use crate::block::BlockSize;
use crate::error::{Error, ErrorKind};

/// Which device call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeviceOperation {
    /// [`BlockDevice::read_block`](super::BlockDevice::read_block).
    Read,
    /// [`BlockDevice::write_block`](super::BlockDevice::write_block).
    Write,
    /// [`BlockDevice::sync`](super::BlockDevice::sync).
    Sync,
    /// [`FlashOperations::erase_block`](super::FlashOperations::erase_block).
    Erase,
    /// [`FlashOperations::program`](super::FlashOperations::program).
    Program,
}

impl fmt::Display for DeviceOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Sync => "sync",
            Self::Erase => "erase",
            Self::Program => "program",
        })
    }
}

/// Why one metadata copy was refused during recovery: the error's category and the
/// device block it names, if any. (Kept small so that `Result<_, StorageError<_>>` stays
/// cheap to return on firmware.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CopyFailure {
    /// The category of the copy's error.
    pub kind: ErrorKind,
    /// The device block the error names.
    pub block: Option<u64>,
}

impl From<&Error> for CopyFailure {
    fn from(error: &Error) -> Self {
        Self {
            kind: error.kind(),
            block: error.block(),
        }
    }
}

impl fmt::Display for CopyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.block {
            Some(block) => write!(f, "{} at device block {block}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// The error of a stored-region operation: the device's own error, or the crate's.
///
/// After [`Device`](Self::Device) the operation may or may not have reached the device
/// (a write can fail after its block was written, a sync after every write landed). The
/// value in memory is the last state it committed — unchanged, except that a ring append
/// that overwrites commits the consume of the oldest entry first and keeps it — and it
/// refuses further changes with [`NeedsRecovery`](Self::NeedsRecovery): the region's
/// `reload` (in place) or `recover` (a new value) tells what the device holds (the state
/// before or after the operation) and gives the value to continue with. After any other
/// error nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StorageError<E> {
    /// The device failed a read, write or sync of `block`.
    Device {
        /// The call that failed.
        operation: DeviceOperation,
        /// The device block it addressed (for a sync, the last block written).
        block: u64,
        /// The device's error, unchanged.
        error: E,
    },
    /// The region refused the operation (full, immutable, too large, a repeated id …) or
    /// found a data block corrupt; the [`Error`] says which and where.
    Region(Error),
    /// Neither metadata copy of the region starting at `first_block` is valid: the device
    /// holds no such region (never formatted, or another layout) or both copies are
    /// damaged. Each copy's reason is kept (to see its field and values, parse the copy's
    /// blocks with the region's view).
    NoValidCopy {
        /// The region's first device block.
        first_block: u64,
        /// Why copy A was refused.
        copy_a: CopyFailure,
        /// Why copy B was refused.
        copy_b: CopyFailure,
    },
    /// This value is not known to match the device: an earlier operation failed on the
    /// device, which may therefore hold a commit this value does not know of (changing it
    /// now could overwrite data that commit counts), or the value was made by `new` and
    /// neither formatted nor reloaded yet. Call the region's `reload` (or `recover`) and
    /// continue with the result.
    NeedsRecovery {
        /// The region's first device block.
        first_block: u64,
    },
    /// The region's layout needs blocks past the end of the device.
    DoesNotFit {
        /// The region's first device block.
        first_block: u64,
        /// Blocks the layout needs from there.
        blocks_needed: u64,
        /// Blocks the device has.
        device_blocks: u64,
    },
    /// The scratch buffer is shorter than the operation needs.
    ScratchTooSmall {
        /// Bytes needed (see the region's `scratch_len`).
        needed: usize,
        /// Bytes given.
        available: usize,
    },
    /// The region's block size is not the device's.
    BlockSizeMismatch {
        /// The region's block size.
        region: BlockSize,
        /// The device's block size.
        device: BlockSize,
    },
}

impl<E> StorageError<E> {
    /// The crate error inside [`Region`](Self::Region), if that is what this is.
    #[must_use]
    pub const fn region_error(&self) -> Option<&Error> {
        match self {
            Self::Region(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the device itself failed ([`Device`](Self::Device)).
    #[must_use]
    pub const fn is_device_error(&self) -> bool {
        matches!(self, Self::Device { .. })
    }
}

impl<E> From<Error> for StorageError<E> {
    fn from(error: Error) -> Self {
        Self::Region(error)
    }
}

impl<E: fmt::Debug> fmt::Display for StorageError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Device {
                operation,
                block,
                error,
            } => write!(
                f,
                "device {operation} of block {block} failed: {error:?} (recover the region to learn whether the operation was committed)"
            ),
            Self::Region(error) => fmt::Display::fmt(error, f),
            Self::NoValidCopy {
                first_block,
                copy_a,
                copy_b,
            } => write!(
                f,
                "no valid metadata copy for the region at device block {first_block}: copy A: {copy_a}; copy B: {copy_b} (format the region if the device is new)"
            ),
            Self::NeedsRecovery { first_block } => write!(
                f,
                "the region at device block {first_block} may not match the device (a device error in an earlier operation, or never formatted or reloaded): reload or recover it before changing it"
            ),
            Self::DoesNotFit {
                first_block,
                blocks_needed,
                device_blocks,
            } => write!(
                f,
                "the region at device block {first_block} needs {blocks_needed} blocks, past the device's {device_blocks}"
            ),
            Self::ScratchTooSmall { needed, available } => write!(
                f,
                "the scratch buffer holds {available} bytes; this operation needs {needed} (the region's scratch_len)"
            ),
            Self::BlockSizeMismatch { region, device } => write!(
                f,
                "the region uses {}-byte blocks but the device has {}-byte blocks",
                region.get(),
                device.get()
            ),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for StorageError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Region(error) => Some(error),
            _ => None,
        }
    }
}
