//! An async block device over async NOR flash (feature `async`).

use embedded_storage_async::nor_flash::{NorFlash, ReadNorFlash};

use super::asynch::AsyncBlockDevice;
use super::nor::{FlashUnits, Geometry, NorFlashConfigError, NorFlashDeviceError};
use crate::block::BlockSize;

/// An [`AsyncBlockDevice`] over an async NOR flash driver implementing
/// `embedded-storage-async`'s [`NorFlash`] (embassy's flash drivers): block `i` is the
/// flash range `base_offset + i × block_size ..`. The async counterpart of
/// [`NorFlashDevice`](super::NorFlashDevice), with the same geometry checks, errors and
/// assumptions (the block size a multiple of `ERASE_SIZE`, erased flash reading `0xFF`,
/// writes durable when they return).
///
/// It is flash ([`AsyncBlockDevice::program_size`] is `WRITE_SIZE`): the stored regions'
/// journal programs its entries into erased space.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{AsyncNorFlashDevice, StoredWorm};
/// use dwvd_regions::worm::WormRegion;
/// use dwvd_regions::{BlockSize, Ticks};
/// use embedded_storage_async::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
///
/// // A NOR flash of 16 sectors of 512 bytes in RAM (your HAL's async flash driver here).
/// struct Flash([u8; 8192]);
/// impl ErrorType for Flash {
///     type Error = NorFlashErrorKind;
/// }
/// impl ReadNorFlash for Flash {
///     const READ_SIZE: usize = 1;
///     async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
///         let at = offset as usize;
///         let source = self.0.get(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
///         bytes.copy_from_slice(source);
///         Ok(())
///     }
///     fn capacity(&self) -> usize {
///         self.0.len()
///     }
/// }
/// impl NorFlash for Flash {
///     const WRITE_SIZE: usize = 4;
///     const ERASE_SIZE: usize = 512;
///     async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
///         let range = self.0.get_mut(from as usize..to as usize).ok_or(NorFlashErrorKind::OutOfBounds)?;
///         range.fill(0xFF);
///         Ok(())
///     }
///     async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
///         let at = offset as usize;
///         let target = self.0.get_mut(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
///         target.iter_mut().zip(bytes).for_each(|(old, new)| *old &= new); // clears bits only
///         Ok(())
///     }
/// }
///
/// let mut device = AsyncNorFlashDevice::new(Flash([0xFF; 8192]), BlockSize::MIN, 0, 16)?;
/// let mut scratch = [0u8; 1024]; // StoredWorm::<16>::scratch_len(BlockSize::MIN)
/// embassy_futures::block_on(async {
///     let region = WormRegion::<16>::new(BlockSize::MIN, 8, 0, Ticks::new(0))?;
///     let mut worm = StoredWorm::format_async(&mut device, 0, region, &mut scratch).await?;
///     let index = worm
///         .append_async(&mut device, b"audit record", Ticks::new(1), &mut scratch)
///         .await?;
///
///     // After a reset or a power cut:
///     let worm = StoredWorm::<16>::recover_async(&mut device, 0, &mut scratch).await?;
///     assert_eq!(worm.region().high_water_mark(), 1);
///     assert_eq!(worm.read_async(&mut device, index, &mut scratch).await?, b"audit record");
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub struct AsyncNorFlashDevice<F> {
    flash: F,
    geometry: Geometry,
}

impl<F: NorFlash> AsyncNorFlashDevice<F> {
    /// A device of `block_count` blocks of `block_size` from `base_offset` in `flash`.
    ///
    /// # Errors
    ///
    /// As [`NorFlashDevice::new`](super::NorFlashDevice::new):
    /// [`NorFlashConfigError::BlockSizeNotAligned`] when the block size is not a multiple
    /// of the flash's erase, write and read sizes; [`NorFlashConfigError::OutOfFlash`]
    /// when `base_offset` is not a multiple of the erase size, or the blocks run past the
    /// end of the flash or past what a `u32` offset can address.
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

impl<F: NorFlash> AsyncBlockDevice for AsyncNorFlashDevice<F> {
    type Error = NorFlashDeviceError<F::Error>;

    fn block_size(&self) -> BlockSize {
        self.geometry.block_size()
    }

    fn block_count(&self) -> u64 {
        self.geometry.block_count()
    }

    async fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        let (start, _) = self.geometry.range(index, buffer.len())?;
        ReadNorFlash::read(&mut self.flash, start, buffer)
            .await
            .map_err(NorFlashDeviceError::Flash)
    }

    async fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        let (start, end) = self.geometry.range(index, data.len())?;
        self.flash
            .erase(start, end)
            .await
            .map_err(NorFlashDeviceError::Flash)?;
        self.flash
            .write(start, data)
            .await
            .map_err(NorFlashDeviceError::Flash)
    }

    fn program_size(&self) -> Option<usize> {
        Some(F::WRITE_SIZE)
    }

    async fn erase_block(&mut self, index: u64) -> Option<Result<(), Self::Error>> {
        let erased = match self.geometry.range(index, self.geometry.block_size().get()) {
            Ok((start, end)) => self
                .flash
                .erase(start, end)
                .await
                .map_err(NorFlashDeviceError::Flash),
            Err(error) => Err(error),
        };
        Some(erased)
    }

    async fn program(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Option<Result<(), Self::Error>> {
        let programmed = match self.geometry.program_at(index, offset, data.len()) {
            Ok(at) => self
                .flash
                .write(at, data)
                .await
                .map_err(NorFlashDeviceError::Flash),
            Err(error) => Err(error),
        };
        Some(programmed)
    }
}
