//! The commit protocol every stored region shares: a region value and its two copies.

use super::copies::{Copies, MetadataCopy, check_fits, pad_copy, take_scratch};
use super::device::BlockDevice;
use super::error::StorageError;
use crate::block::{BlockSize, Tag};
use crate::error::Error;
use crate::streaming::StreamingRing;
use crate::vault::{Vault, VaultView};
use crate::worm::{WormRegion, WormView};

/// What the commit protocol needs of a region's owned value. Object-safe: the protocol
/// itself runs once, on `&mut dyn Metadata`, for every region type (one copy of the code
/// in flash instead of one per region).
pub(crate) trait Metadata {
    /// The tag of the region's blocks (for padding whole copies).
    fn tag(&self) -> Tag;
    fn block_size(&self) -> BlockSize;
    fn generation(&self) -> u32;
    fn set_generation(&mut self, generation: u32);
    fn buffer_len(&self) -> usize;
    fn emit(&self, buffer: &mut [u8]) -> Result<usize, Error>;
    /// Loads the value a copy's bytes hold, in place (no value-sized temporary), if the
    /// copy is valid (only its needed prefix read). On an error the value is unspecified.
    fn load_copy(&mut self, bytes: &[u8], block_size: BlockSize) -> Result<(), Error>;
}

/// The methods every owned region has under the same names, forwarded.
macro_rules! forward_metadata {
    ($tag:expr) => {
        fn tag(&self) -> Tag {
            $tag
        }
        fn block_size(&self) -> BlockSize {
            self.block_size()
        }
        fn generation(&self) -> u32 {
            self.generation()
        }
        fn set_generation(&mut self, generation: u32) {
            self.set_generation(generation);
        }
        fn buffer_len(&self) -> usize {
            self.buffer_len()
        }
        fn emit(&self, buffer: &mut [u8]) -> Result<usize, Error> {
            self.emit(buffer)
        }
    };
}

impl Metadata for StreamingRing {
    forward_metadata!(Tag::STRE);
    fn load_copy(&mut self, bytes: &[u8], block_size: BlockSize) -> Result<(), Error> {
        *self = Self::parse(bytes, block_size)?;
        Ok(())
    }
}

impl<const LOG_CAPACITY: usize> Metadata for WormRegion<LOG_CAPACITY> {
    forward_metadata!(Tag::WORM);
    fn load_copy(&mut self, bytes: &[u8], block_size: BlockSize) -> Result<(), Error> {
        let (view, _) = WormView::new_checked_prefix(bytes, block_size)?;
        self.load_from_view(&view)
    }
}

impl<const CAPACITY: usize> Metadata for Vault<CAPACITY> {
    forward_metadata!(Tag::CMVT);
    fn load_copy(&mut self, bytes: &[u8], block_size: BlockSize) -> Result<(), Error> {
        let (view, _) = VaultView::new_checked_prefix(bytes, block_size)?;
        self.load_from_view(&view)
    }
}

/// A region value as last committed, where its two copies lie, which one holds it, and
/// whether a device error has made it stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Committed<M> {
    pub value: M,
    pub copies: Copies,
    pub current: MetadataCopy,
    pub needs_recovery: bool,
}

impl<M: Metadata> Committed<M> {
    /// `value`, to be formatted into `copies` or replaced by what they hold: until
    /// [`format`](Self::format) or [`reload`](Self::reload) succeeds it refuses changes.
    pub const fn new(value: M, copies: Copies) -> Self {
        Committed {
            value,
            copies,
            current: MetadataCopy::A,
            needs_recovery: true,
        }
    }

    /// Writes the value into both copies, whole (B, then A one generation newer).
    pub fn format<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        let region = self.value.block_size();
        let device_size = device.block_size();
        if region != device_size {
            return Err(StorageError::BlockSizeMismatch {
                region,
                device: device_size,
            });
        }
        self.current = MetadataCopy::A;
        // Whole copies, tail blocks included, so nothing of an older region stays behind.
        self.commit(device, scratch, true)?;
        self.commit(device, scratch, true)?;
        self.needs_recovery = false;
        Ok(())
    }

    /// Reads both copies and keeps the valid one, or of two the newer generation, in
    /// place. On an error the value is unspecified and refuses changes.
    pub fn reload<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.needs_recovery = true;
        self.current = reload_value(&mut self.value, self.copies, device, scratch)?;
        self.needs_recovery = false;
        Ok(())
    }

    /// Refuses a change while a device error may have left a commit this value does not
    /// know of.
    pub fn check_not_poisoned<E>(&self) -> Result<(), StorageError<E>> {
        if self.needs_recovery {
            Err(StorageError::NeedsRecovery {
                first_block: self.copies.first_block,
            })
        } else {
            Ok(())
        }
    }

    /// Passes `result` through, noting a device error.
    pub fn note<T, E>(&mut self, result: Result<T, StorageError<E>>) -> Result<T, StorageError<E>> {
        if result.as_ref().is_err_and(StorageError::is_device_error) {
            self.needs_recovery = true;
        }
        result
    }

    /// Writes the value as the caller has just changed it, with the generation after the
    /// committed one, into the other copy (the whole copy, tail blocks padded, when
    /// `whole_copy`), then syncs; on success it is the committed value. On an error the
    /// generation is put back and the caller must undo its change: the value stays the
    /// last commit (no clone of it is made, so a large log or vault costs no stack).
    pub fn commit<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
        whole_copy: bool,
    ) -> Result<(), StorageError<D::Error>> {
        commit_value(
            &mut self.value,
            self.copies,
            &mut self.current,
            device,
            scratch,
            whole_copy,
        )
    }

    /// Commits `next` in place of the value; on an error the value stays the last commit.
    /// For small values (the ring's counters), where a copy costs nothing.
    pub fn replace_and_commit<D: BlockDevice>(
        &mut self,
        device: &mut D,
        mut next: M,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        // `next` may be older than the value (made before a commit it follows).
        next.set_generation(self.value.generation());
        let committed = core::mem::replace(&mut self.value, next);
        let result = self.commit(device, scratch, false);
        if result.is_err() {
            self.value = committed;
        }
        result
    }
}

/// [`Committed::reload`] for any region value: returns the copy it was loaded from.
#[inline(never)]
fn reload_value<D: BlockDevice>(
    value: &mut dyn Metadata,
    copies: Copies,
    device: &mut D,
    scratch: &mut [u8],
) -> Result<MetadataCopy, StorageError<D::Error>> {
    let size = device.block_size();
    check_fits(
        device,
        copies.first_block,
        copies.end().saturating_sub(copies.first_block),
    )?;
    let (current, _) = copies.choose(device, scratch, |bytes| {
        value.load_copy(bytes, size).map(|()| value.generation())
    })?;
    if let Err(mut error) = value.load_copy(copies.read(device, current, scratch)?, size) {
        error.relocate(copies.start(current));
        return Err(error.into());
    }
    Ok(current)
}

/// [`Committed::commit`] for any region value: on success `current` is the other copy.
#[inline(never)]
fn commit_value<D: BlockDevice>(
    value: &mut dyn Metadata,
    copies: Copies,
    current: &mut MetadataCopy,
    device: &mut D,
    scratch: &mut [u8],
    whole_copy: bool,
) -> Result<(), StorageError<D::Error>> {
    let committed_generation = value.generation();
    let generation = committed_generation.wrapping_add(1);
    value.set_generation(generation);
    let next = current.other();
    let result = write_copy(
        &*value, copies, next, device, scratch, whole_copy, generation,
    );
    if result.is_ok() {
        *current = next;
    } else {
        value.set_generation(committed_generation);
    }
    result
}

/// Emits `value` (padded to the whole copy when `whole_copy`) into `copy`, then syncs.
fn write_copy<D: BlockDevice>(
    value: &dyn Metadata,
    copies: Copies,
    copy: MetadataCopy,
    device: &mut D,
    scratch: &mut [u8],
    whole_copy: bool,
    generation: u32,
) -> Result<(), StorageError<D::Error>> {
    let size = value.block_size().get();
    let copy_len = copies.copy_len(size);
    let needed = value.buffer_len();
    if needed > copy_len {
        let room = usize::try_from(copies.blocks_per_copy).unwrap_or(usize::MAX);
        return Err(StorageError::Region(Error::CapacityExceeded {
            what: "blocks per copy",
            count: u64::try_from(needed.checked_div(size).unwrap_or(0)).unwrap_or(u64::MAX),
            capacity: room,
        }));
    }
    let mut length = value.emit(take_scratch::<D::Error>(scratch, needed)?)?;
    if whole_copy {
        length = pad_copy(scratch, length, copy_len, size, value.tag(), generation)?;
    }
    let bytes = take_scratch::<D::Error>(scratch, length)?;
    copies.write(device, copy, bytes)
}
