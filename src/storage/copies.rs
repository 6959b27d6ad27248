//! Two metadata copies per region, and serial-number arithmetic on generations.

use super::error::{DeviceOperation, StorageError};
use super::maybe_async::maybe_async;
use crate::block::{self, Tag};
use crate::error::Error;

/// Whether generation `candidate` is newer than `current` under RFC 1982 serial-number
/// arithmetic on 32 bits: `candidate` is newer when it lies less than 2³¹ steps ahead of
/// `current`, counting round the wrap.
///
/// So after `u32::MAX` comes 0, and 0 is newer than `u32::MAX` — a counter that wraps
/// does not make the oldest copy look newest. Two generations exactly 2³¹ apart are
/// undefined in RFC 1982; here neither is newer. The two copies of a region differ by one
/// checkpoint: one step, or for a ring one plus the appends since the previous
/// checkpoint (at most its slot count), far from 2³¹.
///
/// ```
/// use dwvd_regions::storage::generation_is_newer;
///
/// assert!(generation_is_newer(8, 7));
/// assert!(!generation_is_newer(7, 8));
/// assert!(generation_is_newer(0, u32::MAX)); // across the wrap
/// assert!(generation_is_newer(2, u32::MAX - 1));
/// assert!(!generation_is_newer(u32::MAX, 0));
/// assert!(!generation_is_newer(5, 5));
/// ```
#[must_use]
pub const fn generation_is_newer(candidate: u32, current: u32) -> bool {
    let distance = candidate.wrapping_sub(current);
    distance != 0 && distance < (1 << 31)
}

/// One of a region's two metadata copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MetadataCopy {
    /// The copy at the region's first block.
    A,
    /// The copy right after copy A.
    B,
}

impl MetadataCopy {
    /// The other copy: where the next commit goes.
    #[must_use]
    pub const fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// Where a region's two copies lie on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Copies {
    pub first_block: u64,
    pub blocks_per_copy: u64,
}

impl Copies {
    /// The first device block of `copy`.
    pub fn start(&self, copy: MetadataCopy) -> u64 {
        match copy {
            MetadataCopy::A => self.first_block,
            MetadataCopy::B => self.first_block.saturating_add(self.blocks_per_copy),
        }
    }

    /// The first device block after both copies.
    pub fn end(&self) -> u64 {
        self.first_block
            .saturating_add(self.blocks_per_copy.saturating_mul(2))
    }

    /// The scratch bytes one copy takes.
    pub fn copy_len(&self, block_size: usize) -> usize {
        usize::try_from(self.blocks_per_copy)
            .unwrap_or(usize::MAX)
            .saturating_mul(block_size)
    }
}

/// Makes `scratch[..copy_len]` a whole copy: the `emitted` bytes of the region, then
/// blocks with zero payloads sealed with `tag` and `generation`. Format writes whole
/// copies so that no block of an older region stays behind in a copy: a stale block that
/// happened to carry the generation the new region reaches later could otherwise pass as
/// part of a valid copy.
pub(crate) fn pad_copy<E>(
    scratch: &mut [u8],
    emitted: usize,
    copy_len: usize,
    block_size: usize,
    tag: Tag,
    generation: u32,
) -> Result<usize, StorageError<E>> {
    let copy = take_scratch::<E>(scratch, copy_len)?;
    let tail = copy.get_mut(emitted..).unwrap_or_default();
    tail.fill(0);
    for block in tail.chunks_exact_mut(block_size) {
        block::seal(block, tag, generation)?;
    }
    Ok(copy_len)
}

/// The front `needed` bytes of `scratch`, or [`StorageError::ScratchTooSmall`].
pub(crate) fn take_scratch<E>(
    scratch: &mut [u8],
    needed: usize,
) -> Result<&mut [u8], StorageError<E>> {
    let available = scratch.len();
    scratch
        .get_mut(..needed)
        .ok_or(StorageError::ScratchTooSmall { needed, available })
}

pub(crate) fn device_error<E>(operation: DeviceOperation, block: u64, error: E) -> StorageError<E> {
    StorageError::Device {
        operation,
        block,
        error,
    }
}

maybe_async! {
    /// The device access of [`Copies`].
    impl CopiesIo for Copies {
        /// Reads `copy` into the front of `scratch` and returns those bytes.
        async fn read<'s, D: Device>(
            &self,
            device: &mut D,
            copy: MetadataCopy,
            scratch: &'s mut [u8],
        ) -> Result<&'s [u8], StorageError<D::Error>> {
            let size = device.block_size().get();
            let bytes = take_scratch::<D::Error>(scratch, self.copy_len(size))?;
            let mut index = self.start(copy);
            for block in bytes.chunks_exact_mut(size) {
                io!(device.read_block(index, block))
                    .map_err(|error| device_error(DeviceOperation::Read, index, error))?;
                index = index.saturating_add(1);
            }
            Ok(bytes)
        }

        /// Writes `blocks` (whole blocks, at most one copy) to `copy`, then syncs: the
        /// commit point of an operation.
        async fn write<D: Device>(
            &self,
            device: &mut D,
            copy: MetadataCopy,
            blocks: &[u8],
        ) -> Result<(), StorageError<D::Error>> {
            let size = device.block_size().get();
            let mut index = self.start(copy);
            for block in blocks.chunks_exact(size) {
                io!(write_block(device, index, block))?;
                index = index.saturating_add(1);
            }
            io!(sync(device, index.saturating_sub(1)))
        }

        /// Reads both copies, A then B, checking each with `check` (which returns the
        /// copy's generation when it is valid), and returns the one to trust: the valid
        /// one, or of two valid ones the newer generation ([`generation_is_newer`]; copy A
        /// on a tie). Copy B's bytes are left at the front of `scratch`.
        async fn choose<D: Device>(
            &self,
            device: &mut D,
            scratch: &mut [u8],
            check: impl FnMut(&[u8]) -> Result<u32, Error>,
        ) -> Result<MetadataCopy, StorageError<D::Error>> {
            let mut check = check;
            // Errors name device blocks, not blocks of the copy.
            let a = check(io!(self.read(device, MetadataCopy::A, scratch))?)
                .map_err(|error| error.relocated(self.start(MetadataCopy::A)));
            let b = check(io!(self.read(device, MetadataCopy::B, scratch))?)
                .map_err(|error| error.relocated(self.start(MetadataCopy::B)));
            match (a, b) {
                (Ok(a), Ok(b)) if generation_is_newer(b, a) => Ok(MetadataCopy::B),
                (Ok(_), _) => Ok(MetadataCopy::A),
                (Err(_), Ok(_)) => Ok(MetadataCopy::B),
                (Err(copy_a), Err(copy_b)) => Err(StorageError::NoValidCopy {
                    first_block: self.first_block,
                    copy_a: (&copy_a).into(),
                    copy_b: (&copy_b).into(),
                }),
            }
        }
    }

    pub(crate) async fn write_block<D: Device>(
        device: &mut D,
        index: u64,
        block: &[u8],
    ) -> Result<(), StorageError<D::Error>> {
        io!(device.write_block(index, block))
            .map_err(|error| device_error(DeviceOperation::Write, index, error))
    }

    pub(crate) async fn sync<D: Device>(
        device: &mut D,
        last_block: u64,
    ) -> Result<(), StorageError<D::Error>> {
        io!(device.sync()).map_err(|error| device_error(DeviceOperation::Sync, last_block, error))
    }
}
