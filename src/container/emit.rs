//! Writing a container's fixed blocks: what this crate's storage volumes start with.

use zerocopy::IntoBytes;
use zerocopy::little_endian::{I32, I64, U16, U32, U64};

use super::layout::{
    DIRECTORY_BLOCK, DIRECTORY_HEADER_BLOCK, DirectoryHeader, GROUP_TAGS, HEAD_BLOCKS, MAGIC,
    MIN_CONTAINER_BLOCK_SIZE, MIRROR_GROUP, PRIMARY_GROUP, RegionSlot, SLOT_COUNT, SuperblockHead,
};
use crate::block::{BlockSize, Tag, checksum, seal};
use crate::error::{Error, Result};
use crate::ticks::Ticks;

/// What [`emit_head`] writes: the volume's size, its label and id, and its region slots.
#[derive(Debug, Clone, Copy)]
pub struct VolumeHead<'a> {
    /// The block size (at least [`MIN_CONTAINER_BLOCK_SIZE`]).
    pub block_size: BlockSize,
    /// Blocks in the volume.
    pub total_blocks: u64,
    /// The region slots, at most 127, in slot order.
    pub slots: &'a [RegionSlot],
    /// When the volume was created.
    pub created: Ticks,
    /// The volume id (16 bytes, .NET GUID byte order).
    pub volume_id: [u8; 16],
    /// The label (at most 64 bytes, UTF-8 by convention).
    pub label: &'a [u8],
}

impl<'a> VolumeHead<'a> {
    /// A volume of `total_blocks` with these slots, created at `created`, labelled
    /// `dwvd-regions`, with a nil id.
    #[must_use]
    pub const fn new(
        block_size: BlockSize,
        total_blocks: u64,
        slots: &'a [RegionSlot],
        created: Ticks,
    ) -> Self {
        VolumeHead {
            block_size,
            total_blocks,
            slots,
            created,
            volume_id: [0; 16],
            label: b"dwvd-regions",
        }
    }
}

/// Writes a container's first ten blocks into `buffer` (at least ten blocks): the
/// superblock group (superblock, pointer table, extended metadata, integrity anchor), its
/// mirror, and the region directory (slots, then its header with their XXH64), every
/// block sealed with generation 1. Returns the bytes written.
///
/// # Errors
///
/// As [`emit_head_block`]; `buffer_too_small`.
pub fn emit_head(buffer: &mut [u8], head: &VolumeHead<'_>) -> Result<usize> {
    let size = head.block_size.get();
    let length = usize::try_from(HEAD_BLOCKS)
        .ok()
        .and_then(|blocks| blocks.checked_mul(size))
        .unwrap_or(usize::MAX);
    let available = buffer.len();
    let bytes = buffer
        .get_mut(..length)
        .ok_or(Error::buffer_too_small(length, available, size))?;
    for (index, block) in (0u64..).zip(bytes.chunks_exact_mut(size)) {
        emit_head_block(head, index, block)?;
    }
    Ok(length)
}

/// Writes block `index` (0 ..= 9) of a container's head into `block` (one block), as
/// [`emit_head`] would: for a writer that has room for one block at a time.
///
/// # Errors
///
/// `invalid_argument` for a block size below 4096 (a slot table does not fit), more than
/// 127 slots, a label longer than 64 bytes, or an index past 9; `buffer_too_small` for a
/// `block` that is not one block.
pub fn emit_head_block(head: &VolumeHead<'_>, index: u64, block: &mut [u8]) -> Result<()> {
    let size = head.block_size.get();
    if size < MIN_CONTAINER_BLOCK_SIZE {
        return Err(Error::invalid_argument(
            "block_size",
            text!("a container's slot table needs blocks of at least 4096 bytes"),
        ));
    }
    if head.slots.len() > SLOT_COUNT {
        return Err(Error::invalid_argument(
            "slots",
            text!("a container has 127 region slots"),
        ));
    }
    if block.len() != size {
        return Err(Error::buffer_too_small(size, block.len(), size));
    }
    block.fill(0);
    match index {
        PRIMARY_GROUP | MIRROR_GROUP => {
            put(block, superblock(head)?.as_bytes());
            seal(block, GROUP_TAGS[0], 1)
        }
        1 | 5 => {
            put(block, slot_table(head).as_bytes());
            seal(block, GROUP_TAGS[1], 1)
        }
        2 | 6 => seal(block, GROUP_TAGS[2], 1),
        3 | 7 => seal(block, GROUP_TAGS[3], 1),
        DIRECTORY_BLOCK => {
            put(block, slot_table(head).as_bytes());
            seal(block, Tag::RMAP, 1)
        }
        DIRECTORY_HEADER_BLOCK => {
            // The header holds the XXH64 of block 8's payload: block 8 is built here
            // first, in this block's buffer.
            put(block, slot_table(head).as_bytes());
            let slots_checksum = checksum(block.get(..size.saturating_sub(16)).unwrap_or_default());
            block.fill(0);
            let active = head
                .slots
                .iter()
                .filter(|slot| slot.flags().contains(super::SlotFlags::ACTIVE))
                .count();
            let header = DirectoryHeader {
                version: U16::new(1),
                slot_count: U16::new(127),
                active_count: U16::new(u16::try_from(active).unwrap_or(u16::MAX)),
                reserved: U16::ZERO,
                slots_checksum: U64::new(slots_checksum),
            };
            put(block, header.as_bytes());
            seal(block, Tag::RMAP, 1)
        }
        _ => Err(Error::invalid_argument(
            "index",
            text!("a container's head is blocks 0 to 9"),
        )),
    }
}

/// The superblock of `head`.
fn superblock(head: &VolumeHead<'_>) -> Result<SuperblockHead> {
    let mut label = [0u8; 64];
    label
        .get_mut(..head.label.len())
        .ok_or(Error::invalid_argument(
            "label",
            text!("a volume label is at most 64 bytes"),
        ))?
        .copy_from_slice(head.label);
    let counter = |value: u64| I64::new(i64::try_from(value).unwrap_or(i64::MAX));
    Ok(SuperblockHead {
        magic: MAGIC,
        reserved_10: [0; 4],
        incompatible_features: U32::ZERO,
        reserved_18: [0; 8],
        module_manifest: U32::ZERO,
        reserved_24: [0; 16],
        block_size: I32::new(i32::try_from(head.block_size.get()).unwrap_or(i32::MAX)),
        total_blocks: counter(head.total_blocks),
        reserved_40: [0; 24],
        volume_id: head.volume_id,
        reserved_68: [0; 48],
        label,
        created_utc_ticks: I64::new(head.created.get()),
        modified_utc_ticks: I64::new(head.created.get()),
        reserved_e8: [0; 8],
        checkpoint_sequence: I64::ZERO,
    })
}

/// The 127 slots of `head`, free after its own.
fn slot_table(head: &VolumeHead<'_>) -> [RegionSlot; SLOT_COUNT] {
    let mut table = [RegionSlot::FREE; SLOT_COUNT];
    for (target, slot) in table.iter_mut().zip(head.slots) {
        *target = *slot;
    }
    table
}

/// Copies `bytes` to the front of `block` (which is larger: checked by the callers'
/// block size).
fn put(block: &mut [u8], bytes: &[u8]) {
    if let Some(target) = block.get_mut(..bytes.len()) {
        target.copy_from_slice(bytes);
    }
}
