//! The async block device trait (feature `async`). The storage logic is written once
//! and compiled for it as `async fn`s, and for [`BlockDevice`] as plain functions (see
//! `maybe_async.rs`).

use core::fmt;

#[cfg(doc)]
use super::device::BlockDevice;
use crate::block::BlockSize;

/// A device that reads and writes whole blocks by index, asynchronously: the async
/// counterpart of [`BlockDevice`], for firmware on an async executor (embassy), with the
/// same contract (see [`BlockDevice`]'s "What the stored regions assume").
///
/// The stored regions' `…_async` methods ([`Stored::reload_async`](super::Stored::reload_async),
/// [`StoredRing::append_async`](super::StoredRing), …) take one. [`AsyncNorFlashDevice`](super::AsyncNorFlashDevice)
/// implements it over any `embedded_storage_async::nor_flash::NorFlash`.
///
/// NOR flash's in-place operations ([`BlockDevice::flash`] on the blocking side) are
/// methods here, statically dispatched: a device that is flash returns its program unit
/// from [`program_size`](Self::program_size) and implements
/// [`erase_block`](Self::erase_block) and [`program`](Self::program); a device that only
/// writes whole blocks (an SD card, a disk) keeps the three defaults, which say "not
/// flash" (`None`).
///
/// The futures are not required to be `Send` (the trait uses `async fn`): embassy's
/// executors run a task on one core.
///
/// # Example: an async device over a RAM array
///
/// ```
/// use dwvd_regions::storage::AsyncBlockDevice;
/// use dwvd_regions::BlockSize;
///
/// struct Ram([[u8; 512]; 4]);
///
/// impl AsyncBlockDevice for Ram {
///     type Error = ();
///     fn block_size(&self) -> BlockSize {
///         BlockSize::MIN
///     }
///     fn block_count(&self) -> u64 {
///         4
///     }
///     async fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), ()> {
///         let block = self.0.get(usize::try_from(index).map_err(|_| ())?).ok_or(())?;
///         buffer.copy_from_slice(block);
///         Ok(())
///     }
///     async fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), ()> {
///         let block = self.0.get_mut(usize::try_from(index).map_err(|_| ())?).ok_or(())?;
///         block.copy_from_slice(data);
///         Ok(())
///     }
/// }
///
/// let mut device = Ram([[0; 512]; 4]);
/// embassy_futures::block_on(async {
///     device.write_block(1, &[7; 512]).await?;
///     let mut block = [0u8; 512];
///     device.read_block(1, &mut block).await?;
///     assert_eq!(block, [7; 512]);
///     assert_eq!(device.program_size(), None); // not flash
///     Ok::<(), ()>(())
/// })
/// .unwrap();
/// ```
#[allow(async_fn_in_trait)]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub trait AsyncBlockDevice {
    /// What the device reports when an operation fails.
    type Error: fmt::Debug;

    /// The size of every block of the device.
    fn block_size(&self) -> BlockSize;

    /// How many blocks the device has; valid indices are `0..block_count()`.
    fn block_count(&self) -> u64;

    /// Reads block `index` into `buffer`, which is exactly one block long.
    ///
    /// # Errors
    ///
    /// The device's own error when the read fails; the stored regions pass it on inside
    /// [`StorageError::Device`](super::StorageError::Device).
    async fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error>;

    /// Writes `data`, exactly one block long, to block `index`.
    ///
    /// # Errors
    ///
    /// The device's own error when the write fails.
    async fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error>;

    /// Makes every write issued so far durable (a write barrier). The default does
    /// nothing, which is right for devices whose writes are durable when they return.
    ///
    /// # Errors
    ///
    /// The device's own error when the writes cannot be made durable. The default never
    /// fails.
    async fn sync(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// The flash's program unit in bytes if the device is flash that programs erased
    /// bytes in place (NOR): at least 1 and a divisor of the block size. `None` (the
    /// default) for a device that only writes whole blocks; then
    /// [`erase_block`](Self::erase_block) and [`program`](Self::program) are never
    /// called.
    fn program_size(&self) -> Option<usize> {
        None
    }

    /// Erases block `index` (every byte becomes `0xFF`), as
    /// [`FlashOperations::erase_block`](super::FlashOperations::erase_block). `None` (the
    /// default): the device is not flash.
    async fn erase_block(&mut self, index: u64) -> Option<Result<(), Self::Error>> {
        let _ = index;
        None
    }

    /// Programs `data` at byte `offset` of block `index`, whose bytes there are erased,
    /// as [`FlashOperations::program`](super::FlashOperations::program): the offset and
    /// length are multiples of [`program_size`](Self::program_size). `None` (the
    /// default): the device is not flash.
    async fn program(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Option<Result<(), Self::Error>> {
        let _ = (index, offset, data);
        None
    }
}

impl<A: AsyncBlockDevice + ?Sized> AsyncBlockDevice for &mut A {
    type Error = A::Error;

    fn block_size(&self) -> BlockSize {
        (**self).block_size()
    }

    fn block_count(&self) -> u64 {
        (**self).block_count()
    }

    async fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        (**self).read_block(index, buffer).await
    }

    async fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        (**self).write_block(index, data).await
    }

    async fn sync(&mut self) -> Result<(), Self::Error> {
        (**self).sync().await
    }

    fn program_size(&self) -> Option<usize> {
        (**self).program_size()
    }

    async fn erase_block(&mut self, index: u64) -> Option<Result<(), Self::Error>> {
        (**self).erase_block(index).await
    }

    async fn program(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Option<Result<(), Self::Error>> {
        (**self).program(index, offset, data).await
    }
}
