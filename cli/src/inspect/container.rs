//! A DWVD v2.0 container at the start of an image (SPEC §8), as the inspector uses it:
//! the block size, the superblock group and slots the core's view chose, where the
//! STRE, WORM and CMVT regions start, which failing blocks the layout explains, and
//! what it tolerates but reports.

use std::collections::{BTreeMap, BTreeSet};

use dwvd_regions::container::{
    ContainerView, DIRECTORY_BLOCK, DIRECTORY_HEADER_BLOCK, HEAD_BLOCKS, SlotFlags, SlotTable,
    SuperblockGroup,
};
use dwvd_regions::{BlockSize, Tag};
use serde::Serialize;

use super::regions::RegionKind;
use super::stored::StoredLayout;

/// One non-free slot, as the JSON report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SlotJson {
    pub slot: usize,
    pub tag: String,
    pub start_block: i64,
    pub block_count: i64,
    pub used_blocks: i64,
    pub flags: u32,
    pub active: bool,
}

/// The container, as the JSON report's `"container"` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerJson {
    pub block_size: usize,
    /// `"primary"` or `"mirror"`.
    pub superblock: &'static str,
    /// `"directory"` (blocks 8-9) or `"group_table"` (the group's block 1).
    pub slot_table: &'static str,
    pub total_blocks: i64,
    pub label: String,
    pub slots: Vec<SlotJson>,
    /// What the container holds that a reader tolerates: extents past the end,
    /// overlaps, a stale mirror.
    pub notes: Vec<String>,
}

/// A region the container places: where it starts, its kind, and the end of its extent
/// (the region is read no further).
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub kind: RegionKind,
    pub slot: usize,
    pub extent_end: u64,
}

/// The container as the walk uses it.
#[derive(Debug, Clone)]
pub struct Container {
    pub json: ContainerJson,
    /// Region starts (absolute blocks) inside the image.
    pub starts: BTreeMap<u64, Placed>,
    /// Blocks whose bad checksum the layout explains: the group not used, the directory
    /// when the group's table was used.
    pub explained: BTreeSet<u64>,
    /// This crate's stored regions: a region's slot (its two checkpoint copies), then
    /// its journal's (`MWAL`, right after), then its data's (`DATA`, right after).
    pub stored: Vec<StoredLayout>,
    /// Where each stored region's slot would place a plain region (SPEC §8), by its
    /// first block: what the walk reads instead when the slot is not this crate's
    /// stored region after all (another writer may put a journal after any region).
    pub plain_placements: BTreeMap<u64, Placed>,
}

/// The container at the start of `head`, when there is one that reads; `Err` with the
/// reason when its magic is there but neither superblock group verifies.
pub fn read(head: &[u8], whole_blocks: u64) -> Option<Result<Container, String>> {
    dwvd_regions::container::detect(head)?;
    Some(
        ContainerView::new_checked(head)
            .map(|view| from_view(&view, whole_blocks))
            .map_err(|error| error.to_string()),
    )
}

/// Bytes of the image a container needs read: its first ten blocks at the largest size.
pub fn head_bytes() -> u64 {
    HEAD_BLOCKS.saturating_mul(65536)
}

fn from_view(view: &ContainerView<'_>, whole_blocks: u64) -> Container {
    let block_size = view.block_size();
    let superblock = view.superblock();
    let mut slots = Vec::new();
    let mut starts = BTreeMap::new();
    let mut notes = Vec::new();
    let mut extents: Vec<(usize, Tag, u64, u64)> = Vec::new();
    let mut candidates: Vec<(u64, Placed)> = Vec::new();
    for (index, slot) in view.slots() {
        let active = slot.flags().contains(SlotFlags::ACTIVE);
        let tag = slot.tag();
        slots.push(SlotJson {
            slot: index,
            tag: crate::tag_text(tag),
            start_block: slot.start_block.get(),
            block_count: slot.block_count.get(),
            used_blocks: slot.used_blocks.get(),
            flags: slot.flags.get(),
            active,
        });
        let (Ok(start), Ok(count)) = (
            u64::try_from(slot.start_block.get()),
            u64::try_from(slot.block_count.get()),
        ) else {
            notes.push(format!(
                "slot {index} ({tag}): a negative extent ({} + {}) is not read",
                slot.start_block.get(),
                slot.block_count.get()
            ));
            continue;
        };
        let end = start.saturating_add(count);
        let total = u64::try_from(superblock.total_blocks.get()).unwrap_or(0);
        if end > whole_blocks || end > total {
            notes.push(format!(
                "slot {index} ({tag}): its extent, blocks {start}-{}, runs past the end of the {} ({} blocks); only what lies inside is read",
                end.saturating_sub(1),
                if end > whole_blocks { "image" } else { "volume" },
                if end > whole_blocks { whole_blocks } else { total },
            ));
        }
        for (other, other_tag, other_start, other_end) in &extents {
            if start < *other_end && *other_start < end {
                notes.push(format!(
                    "slot {index} ({tag}) overlaps slot {other} ({other_tag}): blocks {}-{}",
                    start.max(*other_start),
                    end.min(*other_end).saturating_sub(1)
                ));
            }
        }
        extents.push((index, tag, start, end));
        if let Some(kind) = RegionKind::of(tag).filter(|_| active) {
            if count == 0 {
                notes.push(format!(
                    "slot {index} ({tag}): an empty extent (0 blocks): no region is read"
                ));
            } else if start < whole_blocks {
                candidates.push((
                    start,
                    Placed {
                        kind,
                        slot: index,
                        extent_end: end.min(whole_blocks),
                    },
                ));
            }
        }
    }
    let stored = stored_layouts(&extents, whole_blocks);
    // A region placed by a slot starts outside every stored region and ends before the
    // next one: the regions reported never overlap. Of the slots with a tag, the
    // region is the first active one (SPEC §8); another active slot with that tag is
    // not read as the region (this crate's stored regions, recognised by their layout,
    // are each read whole, whatever their number).
    let mut plain_placements = BTreeMap::new();
    for (start, mut placed) in candidates {
        let tag = placed.kind.tag();
        let first_of_tag = view
            .first_active(tag)
            .is_none_or(|(first, _)| first == placed.slot);
        if let Some(layout) = stored
            .iter()
            .find(|layout| (layout.first_block..layout.end()).contains(&start))
        {
            if start == layout.first_block && first_of_tag {
                // Read no further than the slot's own extent, the two copies.
                placed.extent_end = placed.extent_end.min(layout.journal_start());
                plain_placements.insert(start, placed);
            }
            continue;
        }
        match view.first_active(tag) {
            Some((first, _)) if first != placed.slot => notes.push(format!(
                "slot {} ({tag}): another active {tag} slot; the volume's {tag} region is slot {first}'s (the first active one), so this extent is not read as a region",
                placed.slot
            )),
            _ => {
                starts.entry(start).or_insert(placed);
            }
        }
    }
    for (start, placed) in &mut starts {
        for layout in &stored {
            if layout.first_block > *start {
                placed.extent_end = placed.extent_end.min(layout.first_block);
            }
        }
    }
    let mut explained = BTreeSet::new();
    if view.group() == SuperblockGroup::Mirror {
        explained.extend(0..4);
        notes.push(
            "the primary superblock group (blocks 0-3) does not verify: the mirror (blocks 4-7) is used"
                .to_string(),
        );
    } else {
        // The primary verifies; a mirror that does not (stale, or zero trailers) is
        // not used.
        explained.extend(4..8);
    }
    if view.slot_table() == SlotTable::GroupTable {
        explained.extend([DIRECTORY_BLOCK, DIRECTORY_HEADER_BLOCK]);
        notes.push(
            "the region directory (blocks 8-9) does not verify: the superblock group's pointer table is used"
                .to_string(),
        );
    }
    Container {
        json: ContainerJson {
            block_size: block_size.get(),
            superblock: view.group().as_str(),
            slot_table: match view.slot_table() {
                SlotTable::Directory => "directory",
                SlotTable::GroupTable => "group_table",
            },
            total_blocks: superblock.total_blocks.get(),
            label: String::from_utf8_lossy(superblock.label_bytes()).into_owned(),
            slots,
            notes,
        },
        starts,
        explained,
        stored,
        plain_placements,
    }
}

/// The stored regions among the extents (slot order): a STRE, WORM or CMVT extent of an
/// even number of blocks (its two copies) followed by the `MWAL` extent that starts where
/// it ends (the journal), and, when the next starts where that one ends, the `DATA`
/// extent (the data blocks). Extents that run past the image are left out.
fn stored_layouts(extents: &[(usize, Tag, u64, u64)], whole_blocks: u64) -> Vec<StoredLayout> {
    let mut layouts = Vec::new();
    for (at, (_, tag, start, end)) in extents.iter().enumerate() {
        let Some(kind) = RegionKind::of(*tag) else {
            continue;
        };
        let copies = end.saturating_sub(*start);
        let Some((_, journal_tag, journal_start, journal_end)) = extents.get(at.saturating_add(1))
        else {
            continue;
        };
        if *journal_tag != Tag::MWAL || journal_start != end || copies < 2 || copies % 2 != 0 {
            continue;
        }
        let data_blocks = match extents.get(at.saturating_add(2)) {
            Some((_, data_tag, data_start, data_end))
                if *data_tag == Tag::DATA && data_start == journal_end =>
            {
                data_end.saturating_sub(*data_start)
            }
            _ => 0,
        };
        let layout = StoredLayout {
            kind,
            first_block: *start,
            copy_blocks: copies / 2,
            journal_blocks: journal_end.saturating_sub(*journal_start),
            data_blocks,
        };
        let overlaps = layouts.iter().any(|other: &StoredLayout| {
            layout.first_block < other.end() && other.first_block < layout.end()
        });
        if layout.end() <= whole_blocks && !overlaps {
            layouts.push(layout);
        }
    }
    layouts
}

/// The block size a container declares, for the walk.
pub fn block_size(container: &Container) -> Option<BlockSize> {
    BlockSize::new(container.json.block_size).ok()
}
