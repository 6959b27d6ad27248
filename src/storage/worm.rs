//! A WORM region persisted on a block device.

use super::committed::Committed;
use super::copies::{
    Copies, MetadataCopy, check_fits, device_error, sync, take_scratch, write_block,
};
use super::device::BlockDevice;
use super::error::{DeviceOperation, StorageError};
use crate::block::BlockSize;
use crate::error::{Error, Result};
use crate::ticks::Ticks;
use crate::worm::{WormRegion, blocks_needed, seal_data_block};

/// A [`WormRegion`] kept on a [`BlockDevice`]: every append atomic under a power cut, and
/// once `append` returns `Ok`, the data and its log record survive any later cut.
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | `M` | metadata copy A: the WORM header and write log (SPEC §3) |
/// | `M` | metadata copy B |
/// | `total_capacity_blocks` | the data blocks; WORM block `i` is device block `first_block + 2M + i` (data, zeros, tag `DATA`) |
///
/// `M` = [`blocks_needed`]`(block_size, LOG_CAPACITY)`: room for the log when full.
///
/// # Commit order
///
/// An append writes the data block at the high-water mark (never a block the committed
/// state counts as written), syncs, then writes the whole metadata copy — header and
/// log, every block sealed with the next generation — into the copy not holding the
/// current state, and syncs: the commit point. A cut before it leaves the old copy
/// current; a cut during it leaves a copy that fails its checksum or whose blocks carry
/// different generations (`torn_write`), so [`recover`](Self::recover) keeps the other.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{RamDevice, StoredWorm};
/// use dwvd_regions::worm::WormRegion;
/// use dwvd_regions::{BlockSize, Ticks};
///
/// let mut device = RamDevice::<512, 16>::new();
/// let mut scratch = [0u8; 512 * 2];
/// let region = WormRegion::<16>::new(BlockSize::MIN, 8, 0, Ticks::new(638_000_000_000_000_000))?;
/// let mut stored = StoredWorm::format(&mut device, 0, region, &mut scratch)?;
/// let index = stored.append(&mut device, b"invoice 2026-0042", Ticks::new(638_000_000_100_000_000), &mut scratch)?;
///
/// let stored = StoredWorm::<16>::recover(&mut device, 0, &mut scratch)?;
/// assert_eq!(stored.region().high_water_mark(), 1);
/// // Read back and checked against the logged length and SHA-256.
/// assert_eq!(stored.read(&mut device, index, &mut scratch)?, b"invoice 2026-0042");
/// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWorm<const LOG_CAPACITY: usize> {
    committed: Committed<WormRegion<LOG_CAPACITY>>,
}

impl<const LOG_CAPACITY: usize> StoredWorm<LOG_CAPACITY> {
    /// Blocks of one metadata copy: the header and a log of `LOG_CAPACITY` records.
    #[must_use]
    pub const fn blocks_per_copy(block_size: BlockSize) -> u64 {
        match blocks_needed(block_size, LOG_CAPACITY as u64) {
            Some(blocks) => blocks,
            None => u64::MAX,
        }
    }

    /// Device blocks the region takes: two metadata copies and the data blocks.
    #[must_use]
    pub fn blocks_needed(block_size: BlockSize, total_capacity_blocks: u64) -> u64 {
        Self::blocks_per_copy(block_size)
            .saturating_mul(2)
            .saturating_add(total_capacity_blocks)
    }

    /// Scratch bytes every operation needs: one metadata copy.
    #[must_use]
    pub fn scratch_len(block_size: BlockSize) -> usize {
        usize::try_from(Self::blocks_per_copy(block_size))
            .unwrap_or(usize::MAX)
            .saturating_mul(block_size.get())
    }

    const fn copies(first_block: u64, block_size: BlockSize) -> Copies {
        Copies {
            first_block,
            blocks_per_copy: Self::blocks_per_copy(block_size),
        }
    }

    /// The WORM region at `first_block` holding `region` — not yet written or read:
    /// [`format_in_place`](Self::format_in_place) writes `region` as a new region,
    /// [`reload`](Self::reload) replaces it with what the device holds, and until one of
    /// them succeeds the value refuses changes ([`StorageError::NeedsRecovery`]). A
    /// `const fn`; keeping the value in place (a `static`, say) spares the stack a log of
    /// `LOG_CAPACITY` records on every move.
    #[must_use]
    pub const fn new(first_block: u64, region: WormRegion<LOG_CAPACITY>) -> Self {
        let copies = Self::copies(first_block, region.block_size());
        StoredWorm {
            committed: Committed::new(region, copies),
        }
    }

    /// Writes `region` to a new region at `first_block`: metadata copy B, then copy A with
    /// the next generation. Formatting is not atomic: if it is cut, format again. The
    /// region's data blocks are not written (a region with written blocks needs them on
    /// the device already).
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        region: WormRegion<LOG_CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        let mut stored = Self::new(first_block, region);
        stored.format_in_place(device, scratch)?;
        Ok(stored)
    }

    /// [`format`](Self::format) for a value made by [`new`](Self::new), in place.
    pub fn format_in_place<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        check_fits(
            device,
            self.committed.copies.first_block,
            Self::blocks_needed(
                self.region().block_size(),
                self.region().total_capacity_blocks(),
            ),
        )?;
        self.committed.format(device, scratch)
    }

    /// Reads the region back from `first_block`: of the two metadata copies, the valid
    /// one (checksums, one generation across its blocks, a log that agrees with the mark),
    /// or of two valid ones the newer generation
    /// ([`generation_is_newer`](super::generation_is_newer)).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        let region = WormRegion::placeholder(device.block_size());
        let mut stored = Self::new(first_block, region);
        stored.reload(device, scratch)?;
        Ok(stored)
    }

    /// [`recover`](Self::recover) into this value, in place (no log-sized temporary): at
    /// start-up for a value made by [`new`](Self::new), or after a device error made it
    /// [`needs_recovery`](Self::needs_recovery). On an error the value is unspecified and
    /// refuses changes until a reload succeeds.
    pub fn reload<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        // The copies' length follows the device's block size, as the parse does.
        self.committed.copies =
            Self::copies(self.committed.copies.first_block, device.block_size());
        self.committed.reload(device, scratch)?;
        let result = check_fits(
            device,
            self.committed.copies.first_block,
            Self::blocks_needed(
                self.region().block_size(),
                self.region().total_capacity_blocks(),
            ),
        );
        self.committed.needs_recovery = result.is_err();
        result
    }

    /// The region's state as last committed.
    #[must_use]
    pub const fn region(&self) -> &WormRegion<LOG_CAPACITY> {
        &self.committed.value
    }

    /// Whether an operation failed on the device since this value was formatted or
    /// recovered: it then refuses changes ([`StorageError::NeedsRecovery`]) until
    /// [`recover`](Self::recover) gives a value that knows what the device holds.
    #[must_use]
    pub const fn needs_recovery(&self) -> bool {
        self.committed.needs_recovery
    }

    /// The metadata copy holding the committed state.
    #[must_use]
    pub const fn current_copy(&self) -> MetadataCopy {
        self.committed.current
    }

    /// The device block of WORM data block `index`.
    #[must_use]
    pub fn data_block(&self, index: u64) -> u64 {
        self.committed.copies.end().saturating_add(index)
    }

    /// Appends `data` at the high-water mark and returns its WORM block index. When it
    /// returns `Ok`, the data block and its log record are on the device and no later
    /// power cut loses them. A refusal (full, log full, too large) writes nothing.
    pub fn append<D: BlockDevice>(
        &mut self,
        device: &mut D,
        data: &[u8],
        timestamp: Ticks,
        scratch: &mut [u8],
    ) -> Result<u64, StorageError<D::Error>> {
        self.committed.check_not_poisoned()?;
        // In place, no copy of the log: a refusal changes nothing (and is no device
        // error), a failure is undone.
        let index = self.committed.value.append(data, timestamp)?;
        let result = self.write_data_and_commit(device, index, data, scratch);
        if result.is_err() {
            self.committed.value.undo_append();
        }
        self.committed.note(result)?;
        Ok(index)
    }

    fn write_data_and_commit<D: BlockDevice>(
        &mut self,
        device: &mut D,
        index: u64,
        data: &[u8],
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        let block = take_scratch::<D::Error>(scratch, self.region().block_size().get())?;
        seal_data_block(block, data, self.region().generation().wrapping_add(1))?;
        let device_block = self.data_block(index);
        write_block(device, device_block, block)?;
        sync(device, device_block)?;
        self.committed.commit(device, scratch, false)
    }

    /// Reads WORM block `index` and checks it against its log record (checksum, tag,
    /// length, SHA-256, zero padding); returns the data, which lies in `scratch`.
    /// A block not yet written is [`Error::NotWrittenYet`].
    pub fn read<'s, D: BlockDevice>(
        &self,
        device: &mut D,
        index: u64,
        scratch: &'s mut [u8],
    ) -> Result<&'s [u8], StorageError<D::Error>> {
        let record = usize::try_from(index)
            .ok()
            .and_then(|position| self.region().log().get(position))
            .filter(|record| record.block_index == index)
            .ok_or(Error::NotWrittenYet {
                position: index,
                write_head: self.region().high_water_mark(),
            })?;
        let device_block = self.data_block(index);
        let block = take_scratch::<D::Error>(scratch, self.region().block_size().get())?;
        device
            .read_block(device_block, block)
            .map_err(|error| device_error(DeviceOperation::Read, device_block, error))?;
        record.verify_data_block(block)?;
        let length = usize::try_from(record.data_length).unwrap_or(usize::MAX);
        Ok(block.get(..length).unwrap_or_default())
    }
}
