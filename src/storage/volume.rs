//! A storage volume as a DWVD v2.0 container: its head written through a device.

use super::copies::{device_error, take_scratch};
use super::device::BlockDevice;
use super::error::{DeviceOperation, StorageError};
use crate::container::{HEAD_BLOCKS, VolumeHead, emit_head_block};

/// The first device block after a container's head: where a volume's stored regions can
/// start.
pub const VOLUME_FIRST_BLOCK: u64 = HEAD_BLOCKS;

/// Writes a DWVD v2.0 container's head (blocks 0–9: superblock group, mirror, region
/// directory) to `device`, one block at a time through `scratch` (one block), then
/// syncs. List each stored region's [`directory_slots`](super::Stored::directory_slots)
/// in `head.slots`, so that a reader (the `dwvd` inspector, a bootloader) finds every
/// region's copies, journal and data without guessing (`docs/storage-layout.md` §7).
/// Format the regions after it.
///
/// ```
/// use dwvd_regions::container::{ContainerView, VolumeHead};
/// use dwvd_regions::storage::{self, BlockDevice, RamDevice, StoredVault};
/// use dwvd_regions::vault::Vault;
/// use dwvd_regions::{BlockSize, Ticks};
///
/// let mut device = RamDevice::<4096, 14>::new();
/// let mut scratch = vec![0u8; 4096];
/// let size = device.block_size();
/// let mut vault = StoredVault::<4>::new(storage::VOLUME_FIRST_BLOCK, 1, Vault::new(size));
/// let slots: Vec<_> = vault.directory_slots().into_iter().flatten().collect();
/// let head = VolumeHead::new(size, device.block_count(), &slots, Ticks::new(0));
/// storage::format_container(&mut device, &head, &mut scratch)?;
/// vault.format_in_place(&mut device, &mut scratch)?;
///
/// let view = ContainerView::new_checked(device.as_bytes())?;
/// assert_eq!(view.slots().count(), 2); // the vault's copies, its journal
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The container's refusals ([`emit_head_block`]: a block size below 4096, more than
/// 127 slots) as [`StorageError::Region`], a short scratch, or the device's error.
pub fn format_container<D: BlockDevice>(
    device: &mut D,
    head: &VolumeHead<'_>,
    scratch: &mut [u8],
) -> Result<(), StorageError<D::Error>> {
    let block = take_scratch::<D::Error>(scratch, device.block_size().get())?;
    for index in 0..HEAD_BLOCKS {
        emit_head_block(head, index, block)?;
        device
            .write_block(index, block)
            .map_err(|error| device_error(DeviceOperation::Write, index, error))?;
    }
    let last = HEAD_BLOCKS.saturating_sub(1);
    device
        .sync()
        .map_err(|error| device_error(DeviceOperation::Sync, last, error))
}
