//! A block device over NOR flash (feature `embedded-storage`), and the geometry checks
//! it shares with the async one ([`AsyncNorFlashDevice`](super::AsyncNorFlashDevice),
//! feature `async`).

use core::fmt;

#[cfg(feature = "embedded-storage")]
use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};

#[cfg(feature = "embedded-storage")]
use super::device::{BlockDevice, FlashOperations};
use crate::block::BlockSize;

/// Why a [`NorFlashDevice`](super::NorFlashDevice) (or an
/// [`AsyncNorFlashDevice`](super::AsyncNorFlashDevice)) cannot be laid over a flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NorFlashConfigError {
    /// The block size is not a multiple of the flash's erase, write or read size, so a
    /// block cannot be erased and written on its own.
    BlockSizeNotAligned {
        /// The block size.
        block_size: usize,
        /// The flash's `ERASE_SIZE`.
        erase_size: usize,
        /// The flash's `WRITE_SIZE`.
        write_size: usize,
        /// The flash's `READ_SIZE`.
        read_size: usize,
    },
    /// `base_offset` is not a multiple of the erase size, or the blocks run past the end
    /// of the flash.
    OutOfFlash {
        /// Where the device starts in the flash.
        base_offset: u32,
        /// Blocks asked for.
        block_count: u32,
        /// The flash's capacity in bytes.
        capacity: usize,
    },
}

impl fmt::Display for NorFlashConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BlockSizeNotAligned {
                block_size,
                erase_size,
                write_size,
                read_size,
            } => write!(
                f,
                "block size {block_size} is not a multiple of the flash's erase ({erase_size}), write ({write_size}) and read ({read_size}) sizes"
            ),
            Self::OutOfFlash {
                base_offset,
                block_count,
                capacity,
            } => write!(
                f,
                "{block_count} blocks from offset {base_offset} do not fit, erase-aligned, in a flash of {capacity} bytes"
            ),
        }
    }
}

impl core::error::Error for NorFlashConfigError {}

/// A [`BlockDevice`] over a NOR flash driver implementing `embedded-storage`'s
/// [`NorFlash`]: block `i` is the flash range `base_offset + i × block_size ..`.
///
/// What it assumes about the flash:
///
/// * the block size is a multiple of `ERASE_SIZE` (and so of `WRITE_SIZE` and
///   `READ_SIZE`), so every block write erases exactly that block's sectors and then
///   programs it; no other block is touched. Checked by [`new`](Self::new).
/// * erased flash reads as `0xFF`, and an interrupted erase or program leaves the block's
///   bytes in any state — the block checksum catches it, and the stored regions never
///   erase the copy holding the committed state.
/// * writes are durable when `write` returns, so [`sync`](BlockDevice::sync) does nothing.
///
/// It offers the flash's in-place programming ([`BlockDevice::flash`]): the stored
/// regions' journal programs its entries into erased space without an erase each, and
/// erases a journal block only when it takes it again. `dwvd wear` measures what a
/// workload costs in erases per sector on the same geometry.
#[derive(Debug)]
#[cfg(feature = "embedded-storage")]
pub struct NorFlashDevice<F> {
    flash: F,
    geometry: Geometry,
}

/// Where a NOR flash device's blocks lie in the flash, checked once: what
/// [`NorFlashDevice`] and [`AsyncNorFlashDevice`](super::AsyncNorFlashDevice) share.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    block_size: BlockSize,
    base_offset: u32,
    block_count: u32,
}

/// A flash's units: `ERASE_SIZE`, `WRITE_SIZE`, `READ_SIZE` and its capacity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlashUnits {
    pub erase_size: usize,
    pub write_size: usize,
    pub read_size: usize,
    pub capacity: usize,
}

impl Geometry {
    /// `block_count` blocks of `block_size` from `base_offset` in a flash of `units`;
    /// the errors are the devices' `new`'s.
    pub(crate) fn new(
        units: FlashUnits,
        block_size: BlockSize,
        base_offset: u32,
        block_count: u32,
    ) -> Result<Self, NorFlashConfigError> {
        let size = block_size.get();
        let aligned = |unit: usize| unit != 0 && size.is_multiple_of(unit);
        if !(aligned(units.erase_size) && aligned(units.write_size) && aligned(units.read_size)) {
            return Err(NorFlashConfigError::BlockSizeNotAligned {
                block_size: size,
                erase_size: units.erase_size,
                write_size: units.write_size,
                read_size: units.read_size,
            });
        }
        let capacity = units.capacity;
        let out_of_flash = NorFlashConfigError::OutOfFlash {
            base_offset,
            block_count,
            capacity,
        };
        let base = usize::try_from(base_offset).map_err(|_| out_of_flash)?;
        let end = usize::try_from(block_count)
            .ok()
            .and_then(|count| count.checked_mul(size))
            .and_then(|length| length.checked_add(base))
            .ok_or(out_of_flash)?;
        if !base.is_multiple_of(units.erase_size) || end > capacity || u32::try_from(end).is_err() {
            return Err(out_of_flash);
        }
        Ok(Self {
            block_size,
            base_offset,
            block_count,
        })
    }

    pub(crate) const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    pub(crate) fn block_count(&self) -> u64 {
        u64::from(self.block_count)
    }

    /// The flash range of block `index`, for a buffer of `length` bytes (`new` checked
    /// that every block's end fits in a u32).
    pub(crate) fn range<E>(
        &self,
        index: u64,
        length: usize,
    ) -> Result<(u32, u32), NorFlashDeviceError<E>> {
        let block_size = self.block_size.get();
        if length != block_size {
            return Err(NorFlashDeviceError::WrongLength { length, block_size });
        }
        let block_count = self.block_count;
        let out_of_range = || NorFlashDeviceError::OutOfRange { index, block_count };
        if index >= u64::from(block_count) {
            return Err(out_of_range());
        }
        // `new` checked that every block's end fits in u32: these cannot fail.
        let size = u32::try_from(block_size).map_err(|_| out_of_range())?;
        let start = u32::try_from(index)
            .ok()
            .and_then(|index| index.checked_mul(size))
            .and_then(|offset| offset.checked_add(self.base_offset))
            .ok_or_else(out_of_range)?;
        Ok((start, start.checked_add(size).ok_or_else(out_of_range)?))
    }

    /// Where a program of `length` bytes at byte `offset` of block `index` starts in the
    /// flash, if it lies inside the block.
    pub(crate) fn program_at<E>(
        &self,
        index: u64,
        offset: usize,
        length: usize,
    ) -> Result<u32, NorFlashDeviceError<E>> {
        let (start, end) = self.range(index, self.block_size.get())?;
        let misplaced = NorFlashDeviceError::WrongLength {
            length,
            block_size: self.block_size.get(),
        };
        u32::try_from(offset)
            .ok()
            .and_then(|offset| start.checked_add(offset))
            .filter(|at| {
                u32::try_from(length)
                    .ok()
                    .and_then(|length| at.checked_add(length))
                    .is_some_and(|stop| stop <= end)
            })
            .ok_or(misplaced)
    }
}

#[cfg(feature = "embedded-storage")]
impl<F: NorFlash> NorFlashDevice<F> {
    /// A device of `block_count` blocks of `block_size` from `base_offset` in `flash`.
    ///
    /// # Errors
    ///
    /// [`NorFlashConfigError::BlockSizeNotAligned`] when the block size is not a multiple
    /// of the flash's erase, write and read sizes;
    /// [`NorFlashConfigError::OutOfFlash`] when `base_offset` is not a multiple of the
    /// erase size, or the blocks run past the end of the flash or past what a `u32`
    /// offset can address.
    pub fn new(
        flash: F,
        block_size: BlockSize,
        base_offset: u32,
        block_count: u32,
    ) -> Result<Self, NorFlashConfigError> {
        let units = FlashUnits {
            erase_size: F::ERASE_SIZE,
            write_size: F::WRITE_SIZE,
            read_size: F::READ_SIZE,
            capacity: flash.capacity(),
        };
        let geometry = Geometry::new(units, block_size, base_offset, block_count)?;
        Ok(Self { flash, geometry })
    }

    /// The flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }
}

/// The error of a [`NorFlashDevice`](super::NorFlashDevice) (or an
/// [`AsyncNorFlashDevice`](super::AsyncNorFlashDevice)): the flash's own, a block
/// outside the device, or a buffer that is not one block long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NorFlashDeviceError<E> {
    /// The flash driver failed.
    Flash(E),
    /// A block index past the device.
    OutOfRange {
        /// The block index asked for.
        index: u64,
        /// Blocks the device has.
        block_count: u32,
    },
    /// A buffer that is not one block long.
    WrongLength {
        /// The buffer's length.
        length: usize,
        /// The device's block size.
        block_size: usize,
    },
}

impl<E: fmt::Debug> fmt::Display for NorFlashDeviceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flash(error) => write!(f, "the NOR flash driver failed: {error:?}"),
            Self::OutOfRange { index, block_count } => write!(
                f,
                "block {index} is outside the device's {block_count} blocks"
            ),
            Self::WrongLength { length, block_size } => write!(
                f,
                "a buffer of {length} bytes is not one {block_size}-byte block"
            ),
        }
    }
}

/// The flash's error is shown through `Debug` (embedded-storage's `NorFlashError` does
/// not require `core::error::Error`), so there is no source.
impl<E: fmt::Debug> core::error::Error for NorFlashDeviceError<E> {}

#[cfg(feature = "embedded-storage")]
impl<F: NorFlash> BlockDevice for NorFlashDevice<F> {
    type Error = NorFlashDeviceError<F::Error>;

    fn block_size(&self) -> BlockSize {
        self.geometry.block_size()
    }

    fn block_count(&self) -> u64 {
        self.geometry.block_count()
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        let (start, _) = self.geometry.range(index, buffer.len())?;
        ReadNorFlash::read(&mut self.flash, start, buffer).map_err(NorFlashDeviceError::Flash)
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        let (start, end) = self.geometry.range(index, data.len())?;
        self.flash
            .erase(start, end)
            .map_err(NorFlashDeviceError::Flash)?;
        self.flash
            .write(start, data)
            .map_err(NorFlashDeviceError::Flash)
    }

    fn flash(&mut self) -> Option<&mut dyn FlashOperations<Error = Self::Error>> {
        Some(self)
    }
}

#[cfg(feature = "embedded-storage")]
impl<F: NorFlash> FlashOperations for NorFlashDevice<F> {
    type Error = NorFlashDeviceError<F::Error>;

    fn program_size(&self) -> usize {
        F::WRITE_SIZE
    }

    fn erase_block(&mut self, index: u64) -> Result<(), Self::Error> {
        let (start, end) = self
            .geometry
            .range(index, self.geometry.block_size().get())?;
        self.flash
            .erase(start, end)
            .map_err(NorFlashDeviceError::Flash)
    }

    fn program(&mut self, index: u64, offset: usize, data: &[u8]) -> Result<(), Self::Error> {
        let at = self.geometry.program_at(index, offset, data.len())?;
        self.flash
            .write(at, data)
            .map_err(NorFlashDeviceError::Flash)
    }
}
