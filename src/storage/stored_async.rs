//! The stored regions' async API (feature `async`): each blocking operation has an
//! `…_async` twin taking an [`AsyncBlockDevice`].
//!
//! There is one source of the storage logic, written once in each file inside
//! `maybe_async!` and compiled twice: as plain functions for the blocking methods, and as
//! `async fn`s over [`AsyncBlockDevice`] (each file's `asynchronous` module), which these
//! methods await on the caller's device. Both instantiations make the same device calls
//! in the same order, so the two APIs write the same bytes, and a value can be used
//! through either.
//!
//! Naming: the async methods are the blocking ones' names with an `_async` suffix, on
//! the same types (`StoredRing::append_async` next to `StoredRing::append`), rather
//! than a second set of types in a separate module: a stored region is a value, not a
//! handle on a device, so the same value serves both.

use uuid::Uuid;

use super::asynch::AsyncBlockDevice;
use super::error::StorageError;
use super::ring::asynchronous::RingIo as _;
use super::stored::Stored;
use super::stored::asynchronous::StoredIo as _;
use super::vault::asynchronous::VaultIo as _;
use super::worm::asynchronous::WormIo as _;
use crate::region::Region;
use crate::streaming::{Appended, StreamingRing, WrapPolicy};
use crate::ticks::Ticks;
use crate::vault::{Passport, Vault};
use crate::worm::WormRegion;

impl<R: Region> Stored<R> {
    /// [`format_in_place`](Self::format_in_place) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`format_in_place`](Self::format_in_place).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn format_in_place_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.format_in_place_on(device, scratch).await
    }

    /// [`reload`](Self::reload) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`reload`](Self::reload).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn reload_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.reload_on(device, scratch).await
    }

    /// [`checkpoint`](Self::checkpoint) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`checkpoint`](Self::checkpoint).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn checkpoint_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.checkpoint_on(device, scratch).await
    }
}

impl Stored<StreamingRing> {
    /// [`format`](Self::format) on an [`AsyncBlockDevice`]: the entry point of the async
    /// API (with the `recover_async` of each stored region).
    ///
    /// # Example
    ///
    /// ```
    /// use dwvd_regions::storage::{AsyncBlockDevice, StoredRing};
    /// use dwvd_regions::streaming::StreamingRing;
    /// use dwvd_regions::BlockSize;
    ///
    /// // An async device of 12 blocks in RAM (an SD card driver in firmware).
    /// struct Ram(Vec<[u8; 512]>);
    /// impl AsyncBlockDevice for Ram {
    ///     type Error = ();
    ///     fn block_size(&self) -> BlockSize {
    ///         BlockSize::MIN
    ///     }
    ///     fn block_count(&self) -> u64 {
    ///         self.0.len() as u64
    ///     }
    ///     async fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), ()> {
    ///         buffer.copy_from_slice(self.0.get(index as usize).ok_or(())?);
    ///         Ok(())
    ///     }
    ///     async fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), ()> {
    ///         self.0.get_mut(index as usize).ok_or(())?.copy_from_slice(data);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut device = Ram(vec![[0; 512]; 12]); // StoredRing::blocks_needed(8)
    /// let mut scratch = [0u8; 512];
    /// embassy_futures::block_on(async {
    ///     let ring = StreamingRing::new(BlockSize::MIN, 8, 4)?;
    ///     let mut stored = StoredRing::format_async(&mut device, 0, ring, &mut scratch).await?;
    ///     let first = stored.append_async(&mut device, b"boot", &mut scratch).await?;
    ///     stored.append_async(&mut device, b"sensor=21.5", &mut scratch).await?;
    ///     assert_eq!(stored.consume_async(&mut device, &mut scratch).await?, Some(first.position));
    ///
    ///     // After a reset (or a power cut), the ring comes back from the device.
    ///     let stored = StoredRing::recover_async(&mut device, 0, &mut scratch).await?;
    ///     assert_eq!(stored.region().entry_count(), 1);
    ///     let entry = stored.read_async(&mut device, first.position + 1, &mut scratch).await?;
    ///     assert!(entry.starts_with(b"sensor=21.5"));
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`format`](Self::format).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn format_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        ring: StreamingRing,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::new(first_block, ring)
            .formatted(device, scratch)
            .await
    }

    /// [`recover`](Self::recover) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`recover`](Self::recover).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn recover_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::recover_on(device, first_block, scratch).await
    }

    /// [`append`](Self::append) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn append_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.append_with_on(device, data, WrapPolicy::OverwriteOldest, scratch)
            .await
    }

    /// [`append_with`](Self::append_with) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`append_with`](Self::append_with).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn append_with_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        policy: WrapPolicy,
        scratch: &mut [u8],
    ) -> Result<Appended, StorageError<D::Error>> {
        self.append_with_on(device, data, policy, scratch).await
    }

    /// [`consume`](Self::consume) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`consume`](Self::consume).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn consume_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<Option<u64>, StorageError<D::Error>> {
        self.consume_on(device, scratch).await
    }

    /// [`reset`](Self::reset) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`reset`](Self::reset).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn reset_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.reset_on(device, scratch).await
    }

    /// [`read`](Self::read) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn read_async<'s, D: AsyncBlockDevice>(
        &self,
        device: &mut D,
        position: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        self.read_on(device, position, scratch).await
    }
}

impl<const LOG_CAPACITY: usize> Stored<WormRegion<LOG_CAPACITY>> {
    /// [`format`](Self::format) on an [`AsyncBlockDevice`] (an example:
    /// [`AsyncNorFlashDevice`](super::AsyncNorFlashDevice)).
    ///
    /// # Errors
    ///
    /// As [`format`](Self::format).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn format_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        region: WormRegion<LOG_CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::new(first_block, region)
            .formatted(device, scratch)
            .await
    }

    /// [`recover`](Self::recover) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`recover`](Self::recover).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn recover_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::recover_on(device, first_block, scratch).await
    }

    /// [`append`](Self::append) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn append_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        timestamp: Ticks,
        scratch: &mut [u8],
    ) -> Result<u64, StorageError<D::Error>> {
        self.append_on(device, data, timestamp, scratch).await
    }

    /// [`read`](Self::read) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn read_async<'s, D: AsyncBlockDevice>(
        &self,
        device: &mut D,
        index: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        self.read_on(device, index, scratch).await
    }
}

impl<const CAPACITY: usize> Stored<Vault<CAPACITY>> {
    /// [`format`](Self::format) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`format`](Self::format).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn format_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        vault: Vault<CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::new(first_block, blocks_per_copy, vault)
            .formatted(device, scratch)
            .await
    }

    /// [`recover`](Self::recover) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`recover`](Self::recover).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn recover_async<D: AsyncBlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::recover_on(device, first_block, blocks_per_copy, scratch).await
    }

    /// [`add`](Self::add) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn add_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        passport: Passport,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.add_on(device, passport, scratch).await
    }

    /// [`remove`](Self::remove) on an [`AsyncBlockDevice`].
    ///
    /// # Errors
    ///
    /// As [`remove`](Self::remove).
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn remove_async<D: AsyncBlockDevice>(
        &mut self,
        device: &mut D,
        passport_id: Uuid,
        scratch: &mut [u8],
    ) -> Result<Option<Passport>, StorageError<D::Error>> {
        self.remove_on(device, passport_id, scratch).await
    }
}
