//! The byte layout of a DWVD v2.0 container's fixed blocks (SPEC §8): the superblock, the
//! region slots and the region directory's header, as `#[repr(C)]` little-endian structs.

use zerocopy::little_endian::{I32, I64, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::block::Tag;
use crate::layout::{Field, fields};

/// The 16 bytes a container starts with: `DWVD`, format 2.0, spec revision 1, `dw://`.
pub const MAGIC: [u8; 16] = [
    0x44, 0x57, 0x56, 0x44, 0x02, 0x00, 0x01, 0x00, 0x64, 0x77, 0x3A, 0x2F, 0x2F, 0x00, 0x00, 0x00,
];

/// Region slots in a slot table (block 1 of a superblock group, block 8).
pub const SLOT_COUNT: usize = 127;

/// Bytes of one [`RegionSlot`].
pub const SLOT_LEN: usize = 32;

/// The smallest block size whose payload holds a slot table (127 × 32 bytes + the
/// trailer): the reference engine's containers use 4096 or more.
pub const MIN_CONTAINER_BLOCK_SIZE: usize = 4096;

/// The first block of the primary superblock group.
pub const PRIMARY_GROUP: u64 = 0;
/// The first block of the mirror group.
pub const MIRROR_GROUP: u64 = 4;
/// The region directory's slot table.
pub const DIRECTORY_BLOCK: u64 = 8;
/// The region directory's header (version, counts, checksum of block 8).
pub const DIRECTORY_HEADER_BLOCK: u64 = 9;
/// Blocks a reader needs from the start of the image: the two groups and the directory.
pub const HEAD_BLOCKS: u64 = 10;

/// The trailer tags of a superblock group's four blocks, in order.
pub const GROUP_TAGS: [Tag; 4] = [Tag::SUPB, Tag::RMAP, Tag::EXMD, Tag::IANT];

/// The fields of block 0 a reader needs (SPEC §8), at their offsets; the bytes between
/// them are kept as `reserved_*` and not interpreted.
#[repr(C)]
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, PartialEq, Eq)]
pub struct SuperblockHead {
    /// [`MAGIC`].
    pub magic: [u8; 16],
    /// Not interpreted.
    pub reserved_10: [u8; 4],
    /// Incompatible feature flags (u32 at 0x14).
    pub incompatible_features: U32,
    /// Not interpreted.
    pub reserved_18: [u8; 8],
    /// The module manifest: one bit per optional module (u32 at 0x20).
    pub module_manifest: U32,
    /// Not interpreted.
    pub reserved_24: [u8; 16],
    /// The block size (i32 at 0x34): a power of two, 512 ..= 65536.
    pub block_size: I32,
    /// Blocks in the volume (i64 at 0x38).
    pub total_blocks: I64,
    /// Not interpreted.
    pub reserved_40: [u8; 24],
    /// The volume id (16 bytes at 0x58, .NET GUID byte order).
    pub volume_id: [u8; 16],
    /// Not interpreted.
    pub reserved_68: [u8; 48],
    /// The volume label (64 bytes at 0x98, UTF-8, NUL padded).
    pub label: [u8; 64],
    /// When the volume was created, in ticks (i64 at 0xD8).
    pub created_utc_ticks: I64,
    /// When it was last modified, in ticks (i64 at 0xE0).
    pub modified_utc_ticks: I64,
    /// Not interpreted.
    pub reserved_e8: [u8; 8],
    /// The checkpoint sequence (i64 at 0xF0).
    pub checkpoint_sequence: I64,
}

/// Bytes of a [`SuperblockHead`].
pub const SUPERBLOCK_HEAD_LEN: usize = 0xF8;

const _: () = assert!(size_of::<SuperblockHead>() == SUPERBLOCK_HEAD_LEN);

impl SuperblockHead {
    /// The fields, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(SuperblockHead {
        magic,
        reserved_10,
        incompatible_features,
        reserved_18,
        module_manifest,
        reserved_24,
        block_size,
        total_blocks,
        reserved_40,
        volume_id,
        reserved_68,
        label,
        created_utc_ticks,
        modified_utc_ticks,
        reserved_e8,
        checkpoint_sequence,
    });

    /// The label without its NUL padding (bytes as stored; UTF-8 by convention).
    #[must_use]
    pub fn label_bytes(&self) -> &[u8] {
        let end = self
            .label
            .iter()
            .position(|byte| *byte == 0)
            .unwrap_or(self.label.len());
        self.label.get(..end).unwrap_or_default()
    }
}

/// One region slot: `[type tag][flags][start_block][block_count][used_blocks]`. A slot
/// whose tag and flags are both zero is free.
#[repr(C)]
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
pub struct RegionSlot {
    /// The region's type tag (the same u32 as in trailers).
    pub tag: U32,
    /// [`SlotFlags`] bits.
    pub flags: U32,
    /// The region's first block (absolute).
    pub start_block: I64,
    /// Blocks in the region's extent.
    pub block_count: I64,
    /// Blocks the region uses (informational).
    pub used_blocks: I64,
}

const _: () = assert!(size_of::<RegionSlot>() == SLOT_LEN);

impl RegionSlot {
    /// The fields, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(RegionSlot {
        tag,
        flags,
        start_block,
        block_count,
        used_blocks,
    });

    /// A free slot.
    pub const FREE: RegionSlot = RegionSlot {
        tag: U32::ZERO,
        flags: U32::ZERO,
        start_block: I64::ZERO,
        block_count: I64::ZERO,
        used_blocks: I64::ZERO,
    };

    /// An active slot for `tag` over `block_count` blocks from `start_block`.
    #[must_use]
    pub fn active(tag: Tag, start_block: u64, block_count: u64, used_blocks: u64) -> Self {
        let counter = |value: u64| I64::new(i64::try_from(value).unwrap_or(i64::MAX));
        RegionSlot {
            tag: U32::new(tag.to_u32()),
            flags: U32::new(SlotFlags::ACTIVE.bits()),
            start_block: counter(start_block),
            block_count: counter(block_count),
            used_blocks: counter(used_blocks),
        }
    }

    /// Whether the slot is free (tag and flags both zero).
    #[must_use]
    pub fn is_free(&self) -> bool {
        self.tag.get() == 0 && self.flags.get() == 0
    }

    /// The slot's tag.
    #[must_use]
    pub fn tag(&self) -> Tag {
        Tag::from_u32(self.tag.get())
    }

    /// The slot's flags.
    #[must_use]
    pub fn flags(&self) -> SlotFlags {
        SlotFlags(self.flags.get())
    }
}

/// A slot's flag bits (SPEC §8); bits without a name are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SlotFlags(u32);

impl SlotFlags {
    /// Bit 0: the slot describes a region in use.
    pub const ACTIVE: SlotFlags = SlotFlags(1);
    /// Bit 1: encrypted.
    pub const ENCRYPTED: SlotFlags = SlotFlags(1 << 1);
    /// Bit 2: compressed.
    pub const COMPRESSED: SlotFlags = SlotFlags(1 << 2);
    /// Bit 3: WORM.
    pub const WORM: SlotFlags = SlotFlags(1 << 3);
    /// Bit 4: read-only.
    pub const READ_ONLY: SlotFlags = SlotFlags(1 << 4);
    /// Bit 5: migrating.
    pub const MIGRATING: SlotFlags = SlotFlags(1 << 5);

    /// The named bits and their names, in bit order.
    pub const NAMED: [(SlotFlags, &'static str); 6] = [
        (Self::ACTIVE, "active"),
        (Self::ENCRYPTED, "encrypted"),
        (Self::COMPRESSED, "compressed"),
        (Self::WORM, "worm"),
        (Self::READ_ONLY, "read-only"),
        (Self::MIGRATING, "migrating"),
    ];

    /// The flags of these bits.
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        SlotFlags(bits)
    }

    /// The bits.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: SlotFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Block 9: the region directory's header.
#[repr(C)]
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
pub struct DirectoryHeader {
    /// The directory's version (1).
    pub version: U16,
    /// Slots in block 8 (127).
    pub slot_count: U16,
    /// Active slots.
    pub active_count: U16,
    /// Zero.
    pub reserved: U16,
    /// XXH64 (seed 0) of block 8's bytes `0 .. bs − 16`.
    pub slots_checksum: U64,
}

const _: () = assert!(size_of::<DirectoryHeader>() == 16);

impl DirectoryHeader {
    /// The fields, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(DirectoryHeader {
        version,
        slot_count,
        active_count,
        reserved,
        slots_checksum,
    });
}
