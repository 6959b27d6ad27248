//! Reading a container's fixed blocks: which superblock group to trust, and its slots.

use zerocopy::FromBytes;

use super::layout::{
    DIRECTORY_BLOCK, DIRECTORY_HEADER_BLOCK, DirectoryHeader, GROUP_TAGS, MAGIC, MIRROR_GROUP,
    PRIMARY_GROUP, RegionSlot, SLOT_COUNT, SLOT_LEN, SuperblockHead,
};
use crate::block::{Block, BlockSize, Tag, checksum};
use crate::error::{Error, Result};

/// Which superblock group a reader used (SPEC §8: the primary when its four blocks
/// verify, else the mirror).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuperblockGroup {
    /// Blocks 0–3.
    Primary,
    /// Blocks 4–7: the primary group did not verify.
    Mirror,
}

impl SuperblockGroup {
    /// `"primary"` or `"mirror"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Mirror => "mirror",
        }
    }

    /// The group's first block.
    #[must_use]
    pub const fn first_block(self) -> u64 {
        match self {
            Self::Primary => PRIMARY_GROUP,
            Self::Mirror => MIRROR_GROUP,
        }
    }
}

/// Where a reader found the region slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotTable {
    /// The region directory (blocks 8–9), whose header's checksum matches.
    Directory,
    /// The chosen superblock group's pointer table (its block 1): the directory did not
    /// verify.
    GroupTable,
}

/// The block size a container at the start of `head` declares: block 0's, when block 0
/// holds the magic and verifies as a superblock at the size it declares; else the
/// mirror's (block 4 of the size it declares, holding the magic and verifying at it);
/// else, nothing verifying, block 0's declared size, or the mirror's.
///
/// A superblock whose checksum fails is not trusted over a mirror that verifies: a
/// damaged block-size field in block 0 would otherwise point the group check at the
/// wrong blocks and lose a volume whose mirror is intact (SPEC §8: the mirror is used
/// when the primary does not verify).
#[must_use]
pub fn detect(head: &[u8]) -> Option<BlockSize> {
    let declared = |block: &[u8]| -> Option<BlockSize> {
        let superblock = SuperblockHead::ref_from_prefix(block).ok()?.0;
        if superblock.magic != MAGIC {
            return None;
        }
        let size = usize::try_from(superblock.block_size.get()).ok()?;
        BlockSize::new(size)
            .ok()
            .filter(|size| size.get().is_power_of_two())
    };
    // Block `index` of `size` bytes, when `head` holds it whole.
    let block = |size: usize, index: usize| -> Option<&[u8]> {
        let start = index.checked_mul(size)?;
        head.get(start..start.checked_add(size)?)
    };
    let verifies = |bytes: &[u8]| {
        Block::new_checked(bytes).is_ok_and(|block| block.checksum_ok() && block.tag() == Tag::SUPB)
    };
    let primary = declared(head);
    if let Some(size) = primary
        && block(size.get(), 0).is_some_and(verifies)
    {
        return Some(size);
    }
    // The mirror's superblock, at block 4 of whichever size it declares.
    let mirror = |verified: bool| {
        (9..=16u32).find_map(|shift| {
            let size = 1usize.checked_shl(shift)?;
            let bytes = block(size, 4)?;
            declared(bytes)
                .filter(|declared| declared.get() == size)
                .filter(|_| !verified || verifies(bytes))
        })
    };
    mirror(true).or(primary).or_else(|| mirror(false))
}

/// A DWVD v2.0 container's fixed blocks read in place (SPEC §8): the superblock of the
/// group that verifies and the region slots.
///
/// `head` is the image from its start, at least the first ten blocks when the image has
/// them; a group or directory block beyond `head` counts as not verifying.
///
/// ```
/// use dwvd_regions::container::{self, ContainerView, RegionSlot, SuperblockGroup, VolumeHead};
/// use dwvd_regions::{BlockSize, Tag, Ticks};
///
/// let size = BlockSize::new(4096)?;
/// let slots = [RegionSlot::active(Tag::CMVT, 10, 4, 1)];
/// let mut head = vec![0u8; 10 * 4096];
/// container::emit_head(&mut head, &VolumeHead::new(size, 14, &slots, Ticks::new(0)))?;
/// let view = ContainerView::new_checked(&head)?;
/// assert_eq!(view.group(), SuperblockGroup::Primary);
/// let (index, vault) = view.first_active(Tag::CMVT).expect("a CMVT slot");
/// assert_eq!((index, vault.start_block.get(), vault.block_count.get()), (0, 10, 4));
///
/// head[100] ^= 1; // the primary superblock no longer verifies: the mirror is used
/// assert_eq!(ContainerView::new_checked(&head)?.group(), SuperblockGroup::Mirror);
///
/// head[0x35] = 0x40; // block 0 now declares 16,384-byte blocks, but does not verify:
/// assert_eq!(ContainerView::new_checked(&head)?.block_size().get(), 4096); // the mirror's
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ContainerView<'a> {
    block_size: BlockSize,
    group: SuperblockGroup,
    superblock: &'a SuperblockHead,
    slots: &'a [RegionSlot],
    slot_table: SlotTable,
    directory: Option<&'a DirectoryHeader>,
}

impl<'a> ContainerView<'a> {
    /// Reads the container at the start of `head`.
    ///
    /// # Errors
    ///
    /// `invalid_field`, and the reader then scans blocks by tag instead:
    ///
    /// * field `magic` (block 0) when `head` holds no container magic;
    /// * field `block_size` (offset 0x34 of the superblock it was read from, block 0 or
    ///   the mirror's block 4) when the block size is below what the 127-slot tables
    ///   need (4096 bytes);
    /// * field `superblock group` when neither group verifies: the error is at the
    ///   primary's first failing block, and the value it holds is the mirror's first
    ///   failing block.
    pub fn new_checked(head: &'a [u8]) -> Result<Self> {
        let block_size = detect(head).ok_or(Error::invalid_field(
            0,
            &"magic",
            0,
            0,
            text!("a DWVD v2.0 container starts with DWVD 2.0 and a block size"),
        ))?;
        let size = block_size.get();
        // The slot tables (127 slots of 32 bytes) fill most of a 4096-byte block; at a
        // smaller size they cannot be read, and the container is read by tag instead.
        if SLOT_COUNT
            .checked_mul(SLOT_LEN)
            .and_then(|table| table.checked_add(16))
            .is_none_or(|needed| size < needed)
        {
            // The superblock the size was read from: block 0, or the mirror's block 4.
            let declared_in = if head
                .get(0x34..0x38)
                .is_some_and(|field| field == i32::try_from(size).unwrap_or(0).to_le_bytes())
            {
                0
            } else {
                4
            };
            return Err(Error::invalid_field(
                declared_in,
                &"block_size",
                0x34,
                i64::try_from(size).unwrap_or(i64::MAX),
                text!("a container's 127-slot tables need blocks of at least 4096 bytes"),
            ));
        }
        let block = |index: u64| -> Option<&'a [u8]> {
            let start = usize::try_from(index).ok()?.checked_mul(size)?;
            head.get(start..start.checked_add(size)?)
        };
        let verified = |index: u64, tag: Tag| -> Option<&'a [u8]> {
            let bytes = block(index)?;
            let view = Block::new_checked(bytes).ok()?;
            (view.checksum_ok() && view.tag() == tag).then_some(bytes)
        };
        // Block `index` of a group (0-3 or 4-7) verifies: its checksum, its tag and, for
        // a superblock, the magic and this block size.
        let group_verifies_block = |index: u64| {
            let offset = index % 4;
            let tag = usize::try_from(offset)
                .ok()
                .and_then(|offset| GROUP_TAGS.get(offset))
                .copied()
                .unwrap_or(Tag::SUPB);
            verified(index, tag).is_some_and(|bytes| {
                offset != 0
                    || SuperblockHead::ref_from_prefix(bytes).is_ok_and(|(superblock, _)| {
                        superblock.magic == MAGIC
                            && usize::try_from(superblock.block_size.get()) == Ok(size)
                    })
            })
        };
        let group_verifies =
            |first: u64| (0..4u64).all(|offset| group_verifies_block(first.saturating_add(offset)));
        let group = if group_verifies(PRIMARY_GROUP) {
            SuperblockGroup::Primary
        } else if group_verifies(MIRROR_GROUP) {
            SuperblockGroup::Mirror
        } else {
            // Where each group fails: the error is at the primary's first failing block
            // and holds the mirror's.
            let first_failing = |first: u64| {
                (0..4u64)
                    .map(|offset| first.saturating_add(offset))
                    .find(|&index| !group_verifies_block(index))
                    .unwrap_or(first)
            };
            return Err(Error::invalid_field(
                usize::try_from(first_failing(PRIMARY_GROUP)).unwrap_or(0),
                &"superblock group",
                0,
                i64::try_from(first_failing(MIRROR_GROUP)).unwrap_or(0),
                text!(
                    "the primary (blocks 0-3) or the mirror (blocks 4-7) must verify: the primary fails at this block, the mirror at the block held"
                ),
            ));
        };
        let superblock_block = verified(group.first_block(), Tag::SUPB).unwrap_or_default();
        let superblock = SuperblockHead::ref_from_prefix(superblock_block)
            .map(|(superblock, _)| superblock)
            .map_err(|_| Error::not_whole_blocks(superblock_block.len(), size))?;
        let table = |bytes: &'a [u8]| -> Option<&'a [RegionSlot]> {
            let length = SLOT_COUNT.checked_mul(SLOT_LEN)?;
            <[RegionSlot]>::ref_from_bytes(bytes.get(..length)?).ok()
        };
        let directory = verified(DIRECTORY_HEADER_BLOCK, Tag::RMAP)
            .and_then(|bytes| DirectoryHeader::ref_from_prefix(bytes).ok())
            .map(|(header, _)| header);
        let directory_slots = verified(DIRECTORY_BLOCK, Tag::RMAP).filter(|bytes| {
            let payload = bytes.get(..size.saturating_sub(16)).unwrap_or_default();
            directory.is_some_and(|header| {
                header.slots_checksum.get() == checksum(payload)
                    && usize::from(header.slot_count.get()) == SLOT_COUNT
            })
        });
        let (slots, slot_table) = match directory_slots.and_then(table) {
            Some(slots) => (slots, SlotTable::Directory),
            None => {
                let pointer_table = verified(group.first_block().saturating_add(1), Tag::RMAP)
                    .and_then(table)
                    .unwrap_or_default();
                (pointer_table, SlotTable::GroupTable)
            }
        };
        Ok(ContainerView {
            block_size,
            group,
            superblock,
            slots,
            slot_table,
            directory,
        })
    }

    /// The block size the superblock declares.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    /// The superblock group used.
    #[must_use]
    pub const fn group(&self) -> SuperblockGroup {
        self.group
    }

    /// The superblock's fields.
    #[must_use]
    pub const fn superblock(&self) -> &'a SuperblockHead {
        self.superblock
    }

    /// Where the slots were read from.
    #[must_use]
    pub const fn slot_table(&self) -> SlotTable {
        self.slot_table
    }

    /// The region directory's header (block 9), when its block verifies.
    #[must_use]
    pub const fn directory_header(&self) -> Option<&'a DirectoryHeader> {
        self.directory
    }

    /// Every slot that is not free, with its index, in slot order.
    pub fn slots(&self) -> impl Iterator<Item = (usize, &'a RegionSlot)> + 'a {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| !slot.is_free())
    }

    /// The region of type `tag`: the first active slot with that tag (SPEC §8).
    #[must_use]
    pub fn first_active(&self, tag: Tag) -> Option<(usize, &'a RegionSlot)> {
        self.slots()
            .find(|(_, slot)| slot.tag() == tag && slot.flags().contains(super::SlotFlags::ACTIVE))
    }
}

#[cfg(test)]
// Tests may index, unwrap and do arithmetic on small known values.
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::ContainerView;
    use crate::Ticks;
    use crate::block::{BlockSize, Tag, seal};
    use crate::container::{RegionSlot, VolumeHead, emit_head};
    #[cfg(feature = "error-details")]
    use crate::error::Reason;

    /// A volume head of 4096-byte blocks with one CMVT slot.
    fn head() -> Vec<u8> {
        let size = BlockSize::new(4096).unwrap();
        let slots = [RegionSlot::active(Tag::CMVT, 10, 4, 1)];
        let mut head = vec![0u8; 10 * 4096];
        emit_head(&mut head, &VolumeHead::new(size, 14, &slots, Ticks::new(0))).unwrap();
        head
    }

    /// Neither group verifies: the error is at the primary's first failing block and
    /// holds the mirror's.
    #[test]
    fn an_unreadable_container_names_the_blocks_that_fail() {
        let mut damaged = head();
        damaged[4096 + 7] ^= 1; // block 1 (primary pointer table)
        damaged[6 * 4096 + 7] ^= 1; // block 6 (mirror extended metadata)
        let error = ContainerView::new_checked(&damaged).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidField);
        // Where, and the mirror's block: kept with `error-details` (the default).
        #[cfg(feature = "error-details")]
        {
            assert_eq!(error.block(), Some(1));
            assert!(
                matches!(error.reason(), Reason::InvalidField { value: 6, .. }),
                "{error}"
            );
        }
    }

    /// Below 4096 bytes a block cannot hold the 127-slot tables (SPEC §8): a container
    /// that declares such a size is refused, naming the field, for a scan by tag.
    #[test]
    fn a_container_of_small_blocks_is_refused_at_its_block_size_field() {
        for size in [512usize, 1024, 2048] {
            let mut image = vec![0u8; 10 * size];
            for group in [0, 4] {
                let block = &mut image[group * size..(group + 1) * size];
                block[..16].copy_from_slice(&[
                    0x44, 0x57, 0x56, 0x44, 2, 0, 1, 0, 0x64, 0x77, 0x3A, 0x2F, 0x2F, 0, 0, 0,
                ]);
                block[0x34..0x38].copy_from_slice(&(size as i32).to_le_bytes());
                seal(block, Tag::SUPB, 1).unwrap();
            }
            let error = ContainerView::new_checked(&image).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::InvalidField, "{size}");
            #[cfg(feature = "error-details")]
            {
                assert_eq!(error.block(), Some(0), "{size}");
                assert_eq!(error.location().field(), Some("block_size"), "{size}");
                assert!(
                    matches!(error.reason(), Reason::InvalidField { value, .. } if *value == size as i64),
                    "{error}"
                );
            }
        }
    }
}
