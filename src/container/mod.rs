//! The DWVD v2.0 container (SPEC §8): the fixed blocks at the start of a whole volume —
//! a superblock group and its mirror, and the region directory whose slots say where
//! each region lies.
//!
//! A reader ([`ContainerView`]) takes the primary group when its four blocks verify and
//! the mirror otherwise, and the slots from the region directory when it verifies, else
//! from the group's pointer table. A writer ([`emit_head`]) produces the ten blocks for a
//! volume of this crate's stored regions (`docs/storage-layout.md` §7 lists the slots it
//! gives each). Blocks are a region's business: nothing here reads past block 9.

mod emit;
mod layout;
mod view;

pub use emit::{VolumeHead, emit_head, emit_head_block};
pub use layout::{
    DIRECTORY_BLOCK, DIRECTORY_HEADER_BLOCK, DirectoryHeader, GROUP_TAGS, HEAD_BLOCKS, MAGIC,
    MIN_CONTAINER_BLOCK_SIZE, MIRROR_GROUP, PRIMARY_GROUP, RegionSlot, SLOT_COUNT, SLOT_LEN,
    SUPERBLOCK_HEAD_LEN, SlotFlags, SuperblockHead,
};
pub use view::{ContainerView, SlotTable, SuperblockGroup, detect};
