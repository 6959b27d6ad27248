//! A device wrapper that fails on purpose: I/O errors and power cuts, for tests.

use core::fmt;

use super::device::{BlockDevice, FlashOperations};
use super::error::DeviceOperation;
use crate::block::BlockSize;

/// What a [`FaultyDevice`] does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Fault {
    /// Nothing: every call goes to the inner device.
    #[default]
    None,
    /// The `nth` call (counting from 1) of `operation` fails; with `forever`, so does
    /// every later call of it. On a device with [`FlashOperations`] erases and programs
    /// are writes: `Write` covers them all, and `Erase` or `Program` the calls of that
    /// kind, `nth` counting every write. The failing call itself writes nothing; writes before it
    /// stay on the device (so a failed sync can follow writes that landed).
    Fail {
        /// Which calls are counted.
        operation: DeviceOperation,
        /// The first call that fails, from 1.
        nth: u64,
        /// Whether every later call fails too.
        forever: bool,
    },
    /// Power is lost during the `nth` write (from 1): with `torn`, that block is left
    /// with the first half of its new bytes and the second half of its old ones, else it
    /// is left whole and written. That write and every call after it fail with
    /// [`FaultError::PowerLost`], as a device without power would.
    ///
    /// On a device with [`FlashOperations`] every erase and every program is a write of
    /// its own, and a block write is two: the erase of the block, then the program of
    /// it. A torn erase leaves the first half of the block erased and the second half as
    /// it was; a torn program programs the first half of its bytes (whole program
    /// units) and leaves the rest erased.
    PowerCut {
        /// The write during which power is lost, from 1.
        nth_write: u64,
        /// Whether that block is left half written.
        torn: bool,
    },
}

/// The error of a [`FaultyDevice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultError<E> {
    /// An injected failure ([`Fault::Fail`]).
    Injected {
        /// The call that failed.
        operation: DeviceOperation,
        /// The block it addressed (0 for a sync).
        block: u64,
    },
    /// Power is gone ([`Fault::PowerCut`]).
    PowerLost,
    /// The inner device's own error.
    Device(E),
}

impl<E: fmt::Debug> fmt::Display for FaultError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Injected { operation, block } => {
                write!(f, "injected failure of the {operation} of block {block}")
            }
            Self::PowerLost => f.write_str("power lost"),
            Self::Device(error) => write!(f, "device error: {error:?}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for FaultError<E> {}

/// Wraps a [`BlockDevice`] and injects a [`Fault`]: the device for testing that every
/// failure surfaces as an error and that recovery after a power cut finds a consistent
/// state. `BLOCK_SIZE` is the inner device's block size: a torn write needs one block of
/// buffer (no allocation), and with a smaller `BLOCK_SIZE` a torn cut leaves the block
/// unwritten instead of half written.
///
/// ```
/// use dwvd_regions::storage::{BlockDevice, Fault, FaultError, FaultyDevice, RamDevice};
///
/// let mut device = FaultyDevice::<_, 512>::new(
///     RamDevice::<512, 4>::new(),
///     Fault::PowerCut { nth_write: 2, torn: true },
/// );
/// device.write_block(0, &[1; 512]).unwrap();
/// assert_eq!(device.write_block(1, &[2; 512]), Err(FaultError::PowerLost));
/// assert_eq!(device.write_block(2, &[3; 512]), Err(FaultError::PowerLost));
/// let image = device.into_inner();
/// assert_eq!(&image.as_bytes()[512..768], &[2; 256]); // the torn block: new half …
/// assert_eq!(&image.as_bytes()[768..1024], &[0; 256]); // … and old half
/// ```
pub struct FaultyDevice<D, const BLOCK_SIZE: usize> {
    inner: D,
    fault: Fault,
    reads: u64,
    writes: u64,
    syncs: u64,
    powered: bool,
    program_size: usize,
    buffer: [u8; BLOCK_SIZE],
}

impl<D, const BLOCK_SIZE: usize> fmt::Debug for FaultyDevice<D, BLOCK_SIZE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyDevice")
            .field("fault", &self.fault)
            .field("reads", &self.reads)
            .field("writes", &self.writes)
            .field("syncs", &self.syncs)
            .field("powered", &self.powered)
            .finish_non_exhaustive()
    }
}

impl<D: BlockDevice, const BLOCK_SIZE: usize> FaultyDevice<D, BLOCK_SIZE> {
    /// Wraps `inner` with `fault`.
    pub const fn new(inner: D, fault: Fault) -> Self {
        Self {
            inner,
            fault,
            reads: 0,
            writes: 0,
            syncs: 0,
            powered: true,
            program_size: 1,
            buffer: [0; BLOCK_SIZE],
        }
    }

    /// Arms `fault` from now on: the counters restart at 0, so `nth` counts calls made
    /// after this one (set up a region on a healthy device, then arm the fault).
    pub const fn set_fault(&mut self, fault: Fault) {
        self.fault = fault;
        self.reads = 0;
        self.writes = 0;
        self.syncs = 0;
    }

    /// Block writes attempted so far (successful or not).
    #[must_use]
    pub const fn writes(&self) -> u64 {
        self.writes
    }

    /// Block reads attempted so far.
    #[must_use]
    pub const fn reads(&self) -> u64 {
        self.reads
    }

    /// Whether a [`Fault::PowerCut`] has happened.
    #[must_use]
    pub const fn power_lost(&self) -> bool {
        !self.powered
    }

    /// The inner device, with whatever was written to it: the image to recover from.
    pub fn into_inner(self) -> D {
        self.inner
    }

    /// The inner device.
    pub const fn inner(&self) -> &D {
        &self.inner
    }

    /// Whether call `count` of `operation` fails under the fault.
    fn injected(&self, operation: DeviceOperation, count: u64) -> bool {
        match self.fault {
            Fault::Fail {
                operation: failing,
                nth,
                forever,
            } => failing == operation && if forever { count >= nth } else { count == nth },
            _ => false,
        }
    }
}

impl<D: BlockDevice, const BLOCK_SIZE: usize> BlockDevice for FaultyDevice<D, BLOCK_SIZE> {
    type Error = FaultError<D::Error>;

    fn block_size(&self) -> BlockSize {
        self.inner.block_size()
    }

    fn block_count(&self) -> u64 {
        self.inner.block_count()
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        if !self.powered {
            return Err(FaultError::PowerLost);
        }
        self.reads = self.reads.saturating_add(1);
        if self.injected(DeviceOperation::Read, self.reads) {
            return Err(FaultError::Injected {
                operation: DeviceOperation::Read,
                block: index,
            });
        }
        self.inner
            .read_block(index, buffer)
            .map_err(FaultError::Device)
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        if self.inner.flash().is_some() {
            // Flash writes a block by erasing it, then programming it: two cut points.
            FlashOperations::erase_block(self, index)?;
            return FlashOperations::program(self, index, 0, data);
        }
        if !self.powered {
            return Err(FaultError::PowerLost);
        }
        self.writes = self.writes.saturating_add(1);
        if self.injected(DeviceOperation::Write, self.writes) {
            return Err(FaultError::Injected {
                operation: DeviceOperation::Write,
                block: index,
            });
        }
        if let Fault::PowerCut { nth_write, torn } = self.fault
            && self.writes == nth_write
        {
            self.powered = false;
            if torn {
                // First half new, second half old.
                let half = data.len().checked_div(2).unwrap_or(0);
                if let (Some(buffer), Some(new_half)) =
                    (self.buffer.get_mut(..data.len()), data.get(..half))
                    && self.inner.read_block(index, buffer).is_ok()
                    && let Some(front) = buffer.get_mut(..half)
                {
                    front.copy_from_slice(new_half);
                    let _ = self.inner.write_block(index, buffer);
                }
            } else {
                let _ = self.inner.write_block(index, data);
            }
            return Err(FaultError::PowerLost);
        }
        self.inner
            .write_block(index, data)
            .map_err(FaultError::Device)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        if !self.powered {
            return Err(FaultError::PowerLost);
        }
        self.syncs = self.syncs.saturating_add(1);
        if self.injected(DeviceOperation::Sync, self.syncs) {
            return Err(FaultError::Injected {
                operation: DeviceOperation::Sync,
                block: 0,
            });
        }
        self.inner.sync().map_err(FaultError::Device)
    }

    fn flash(&mut self) -> Option<&mut dyn FlashOperations<Error = Self::Error>> {
        if let Some(flash) = self.inner.flash() {
            // Kept for `program_size(&self)`, which cannot reach the inner device's.
            self.program_size = flash.program_size();
            Some(self)
        } else {
            None
        }
    }
}

impl<D: BlockDevice, const BLOCK_SIZE: usize> FaultyDevice<D, BLOCK_SIZE> {
    /// Counts one flash operation (an erase or a program) as a write: `Ok(None)` to go
    /// on, `Ok(Some(torn))` when power is cut during it, or the injected error.
    fn flash_write(
        &mut self,
        operation: DeviceOperation,
        index: u64,
    ) -> Result<Option<bool>, FaultError<D::Error>> {
        if !self.powered {
            return Err(FaultError::PowerLost);
        }
        self.writes = self.writes.saturating_add(1);
        // A fault on writes covers erases and programs; one on erases or programs only
        // its own calls (counted among all writes).
        if self.injected(DeviceOperation::Write, self.writes)
            || self.injected(operation, self.writes)
        {
            return Err(FaultError::Injected {
                operation,
                block: index,
            });
        }
        match self.fault {
            Fault::PowerCut { nth_write, torn } if self.writes == nth_write => {
                self.powered = false;
                Ok(Some(torn))
            }
            _ => Ok(None),
        }
    }
}

impl<D: BlockDevice, const BLOCK_SIZE: usize> FlashOperations for FaultyDevice<D, BLOCK_SIZE> {
    type Error = FaultError<D::Error>;

    fn program_size(&self) -> usize {
        self.program_size
    }

    fn erase_block(&mut self, index: u64) -> Result<(), Self::Error> {
        let cut = self.flash_write(DeviceOperation::Erase, index)?;
        let size = self.inner.block_size().get();
        if cut == Some(true) {
            // The first half erased, the second half as it was: erase, then program the
            // old second half back (programming only clears bits, so it is allowed).
            let half = size.checked_div(2).unwrap_or(0);
            if let Some(buffer) = self.buffer.get_mut(..size)
                && self.inner.read_block(index, buffer).is_ok()
                && let Some(flash) = self.inner.flash()
                && flash.erase_block(index).is_ok()
                && let Some(old_half) = buffer.get(half..)
            {
                let _ = flash.program(index, half, old_half);
            }
            return Err(FaultError::PowerLost);
        }
        let Some(flash) = self.inner.flash() else {
            return Err(FaultError::PowerLost);
        };
        let result = flash.erase_block(index).map_err(FaultError::Device);
        if cut.is_some() {
            return Err(FaultError::PowerLost);
        }
        result
    }

    fn program(&mut self, index: u64, offset: usize, data: &[u8]) -> Result<(), Self::Error> {
        let cut = self.flash_write(DeviceOperation::Program, index)?;
        let Some(flash) = self.inner.flash() else {
            return Err(FaultError::PowerLost);
        };
        match cut {
            None => flash
                .program(index, offset, data)
                .map_err(FaultError::Device),
            Some(torn) => {
                let unit = flash.program_size().max(1);
                let half = if torn {
                    data.len()
                        .checked_div(2)
                        .and_then(|half| half.checked_div(unit))
                        .and_then(|units| units.checked_mul(unit))
                        .unwrap_or(0)
                } else {
                    data.len()
                };
                if let Some(front) = data.get(..half)
                    && !front.is_empty()
                {
                    let _ = flash.program(index, offset, front);
                }
                Err(FaultError::PowerLost)
            }
        }
    }
}
