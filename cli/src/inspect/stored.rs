//! This crate's stored regions inside a container (`docs/storage-layout.md` §7): read as
//! recovery reads them — the current checkpoint copy, the ring's appends after it, the
//! journal replayed — and every block of the region explained: the older copy
//! superseded, journal blocks being filled, writes a power cut interrupted and recovery
//! passed over.

use std::collections::BTreeMap;

use dwvd_regions::block::{Block, is_blank};
use dwvd_regions::storage::{
    BlockDevice, JournalSlot, MetadataCopy, StorageError, Stored, StoredRing, StoredVault,
    StoredWorm, read_entry,
};
use dwvd_regions::streaming::{StreamingRing, StreamingView};
use dwvd_regions::vault::{Vault, VaultView};
use dwvd_regions::worm::{WormRegion, WormView};
use dwvd_regions::{BlockSize, Region, RegionView, Ticks};
use p256::ecdsa::VerifyingKey;

use super::regions::{self, RegionKind, RegionReport};
use super::walk::BlockState;
use crate::image::{self, ReadAt};

/// The largest WORM log an inspected stored region may hold.
const WORM_LOG_LIMIT: usize = 16_384;
/// The most passports an inspected stored vault may hold.
const VAULT_LIMIT: usize = 1024;
/// The largest stored region read, in bytes.
const MAX_AREA_BYTES: u64 = 256 << 20;

/// A stored region's layout, from its three slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredLayout {
    pub kind: RegionKind,
    pub first_block: u64,
    pub copy_blocks: u64,
    pub journal_blocks: u64,
    pub data_blocks: u64,
}

impl StoredLayout {
    /// The block after the two checkpoint copies: where the journal starts.
    pub fn journal_start(&self) -> u64 {
        self.first_block
            .saturating_add(self.copy_blocks.saturating_mul(2))
    }

    fn data_start(&self) -> u64 {
        self.journal_start().saturating_add(self.journal_blocks)
    }

    /// The block after the region.
    pub fn end(&self) -> u64 {
        self.data_start().saturating_add(self.data_blocks)
    }
}

/// How the walk shows a block of a stored region: its state when its checksum verifies,
/// and when it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explained {
    pub if_ok: BlockState,
    pub if_mismatch: BlockState,
}

/// A stored region read as recovery reads it.
#[derive(Debug)]
pub struct Inspected {
    pub report: RegionReport,
    pub blocks: BTreeMap<u64, Explained>,
}

/// The region's blocks, read once, as a device (absolute block numbers) for the core's
/// own recovery.
#[derive(Debug)]
struct Area {
    block_size: BlockSize,
    first: u64,
    bytes: Vec<u8>,
}

impl Area {
    fn block(&self, index: u64) -> Option<&[u8]> {
        let size = self.block_size.get();
        let at = usize::try_from(index.checked_sub(self.first)?)
            .ok()?
            .checked_mul(size)?;
        self.bytes.get(at..at.checked_add(size)?)
    }
}

/// A block outside the region's area.
#[derive(Debug, Clone, Copy)]
struct Outside;

impl BlockDevice for Area {
    type Error = Outside;

    fn block_size(&self) -> BlockSize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        let blocks = self
            .bytes
            .len()
            .checked_div(self.block_size.get())
            .unwrap_or(0);
        self.first
            .saturating_add(u64::try_from(blocks).unwrap_or(u64::MAX))
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        let block = self.block(index).ok_or(Outside)?;
        buffer
            .get_mut(..block.len())
            .ok_or(Outside)?
            .copy_from_slice(block);
        Ok(())
    }

    /// The inspector never writes: recovery only reads.
    fn write_block(&mut self, _index: u64, _data: &[u8]) -> Result<(), Self::Error> {
        Err(Outside)
    }
}

/// What recovery found, whatever the region's type.
struct Recovered {
    /// The recovered region, emitted.
    image: Vec<u8>,
    current: MetadataCopy,
    since_checkpoint: u64,
    /// Ring: the live slots; WORM: the blocks below the mark.
    live_data: Vec<u64>,
}

/// Reads the stored region of `layout` from `image` (the walk's handle, by position) and
/// recovers it; `None` when it is too large to read.
pub fn inspect<R: ReadAt + ?Sized>(
    image: &R,
    layout: &StoredLayout,
    block_size: BlockSize,
    whole_blocks: u64,
    key: Option<&VerifyingKey>,
) -> Inspected {
    let fail = |reason: String| Inspected {
        report: RegionReport::unreadable(layout.kind, layout.first_block, reason),
        blocks: BTreeMap::new(),
    };
    let end = layout.end();
    if end > whole_blocks {
        return fail(format!(
            "its blocks {}-{} run past the image's {whole_blocks} blocks",
            layout.first_block,
            end.saturating_sub(1)
        ));
    }
    let count = end.saturating_sub(layout.first_block);
    let too_large = count
        .checked_mul(u64::try_from(block_size.get()).unwrap_or(u64::MAX))
        .is_none_or(|bytes| bytes > MAX_AREA_BYTES);
    if too_large {
        return fail(format!(
            "its {count} blocks are more than the inspector reads"
        ));
    }
    let bytes = match image::read_blocks(image, block_size, layout.first_block, count) {
        Ok(bytes) => bytes,
        Err(error) => return fail(format!("cannot read it: {error}")),
    };
    let mut area = Area {
        block_size,
        first: layout.first_block,
        bytes,
    };
    // The values are large (a log of 16,384 records, a vault of 1,024 passports): built
    // and reloaded on a thread with a stack for them.
    let recovered = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(scope, || recover(&mut area, layout))
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err("recovery stopped".to_string()))
            })
            .unwrap_or_else(|error| Err(format!("no thread for recovery: {error}")))
    });
    let recovered = match recovered {
        Ok(recovered) => recovered,
        Err(reason) => {
            let mut inspected = fail(reason);
            inspected.blocks = explain(&area, layout, None);
            return inspected;
        }
    };
    let (mut report, _) = regions::decode(
        layout.kind,
        &recovered.image,
        block_size,
        layout.first_block,
        key,
    );
    report.block_count = count;
    let current_start = match recovered.current {
        MetadataCopy::A => layout.first_block,
        MetadataCopy::B => layout.first_block.saturating_add(layout.copy_blocks),
    };
    report.notes.push(format!(
        "stored region: checkpoint in copy {:?} (blocks {current_start}-{}), the other copy superseded; {} operation{} after it recovered from the {} (journal: {} block{} from {})",
        recovered.current,
        current_start.saturating_add(layout.copy_blocks.saturating_sub(1)),
        recovered.since_checkpoint,
        if recovered.since_checkpoint == 1 { "" } else { "s" },
        if layout.kind == RegionKind::Stream { "journal and the ring's slots" } else { "journal" },
        layout.journal_blocks,
        if layout.journal_blocks == 1 { "" } else { "s" },
        layout.journal_start(),
    ));
    let blocks = explain(&area, layout, Some(&recovered));
    Inspected { report, blocks }
}

/// Whether the blocks `first_block..extent_end` of `image` hold a valid region of `kind`
/// read plainly, as SPEC §8 reads a slot (its header, the blocks it says it needs,
/// blank blocks after them): what a slot taken for a stored region is read as when
/// recovery cannot read it.
pub fn reads_as_plain_region<R: ReadAt + ?Sized>(
    image: &R,
    kind: RegionKind,
    first_block: u64,
    extent_end: u64,
    block_size: BlockSize,
) -> bool {
    let count = extent_end.saturating_sub(first_block);
    let small_enough = count
        .checked_mul(u64::try_from(block_size.get()).unwrap_or(u64::MAX))
        .is_some_and(|bytes| bytes <= MAX_AREA_BYTES);
    if count == 0 || !small_enough {
        return false;
    }
    let Ok(bytes) = image::read_blocks(image, block_size, first_block, count) else {
        return false;
    };
    match kind {
        RegionKind::Stream => StreamingView::new_checked_in_extent(&bytes, block_size).is_ok(),
        RegionKind::Worm => WormView::new_checked_in_extent(&bytes, block_size).is_ok(),
        RegionKind::Vault => VaultView::new_checked_in_extent(&bytes, block_size).is_ok(),
    }
}

/// The core's recovery of the region in `area`.
fn recover(area: &mut Area, layout: &StoredLayout) -> Result<Recovered, String> {
    let size = area.block_size;
    let mut scratch = vec![
        0u8;
        usize::try_from(layout.copy_blocks.max(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(size.get())
    ];
    let shown = |error: StorageError<Outside>| error.to_string();
    let first = layout.first_block;
    match layout.kind {
        RegionKind::Stream => {
            let ring = StreamingRing::new(size, 1, 1).map_err(|error| error.to_string())?;
            let mut stored = StoredRing::new(first, ring)
                .with_blocks_per_copy(layout.copy_blocks)
                .with_journal_blocks(layout.journal_blocks);
            stored.reload(area, &mut scratch).map_err(shown)?;
            let ring = stored.region();
            let live = (ring.read_tail()..ring.write_head())
                .filter_map(|position| ring.physical_slot(position).ok())
                .collect();
            recovered(&stored, live)
        }
        RegionKind::Worm => {
            let region = WormRegion::<WORM_LOG_LIMIT>::new(size, 1, 0, Ticks::new(0))
                .map_err(|error| error.to_string())?;
            let mut stored = Box::new(
                StoredWorm::new(first, region)
                    .with_blocks_per_copy(layout.copy_blocks)
                    .with_journal_blocks(layout.journal_blocks),
            );
            stored.reload(area, &mut scratch).map_err(shown)?;
            let written = (0..stored.region().high_water_mark()).collect();
            recovered(&stored, written)
        }
        RegionKind::Vault => {
            let mut stored = Box::new(
                StoredVault::<VAULT_LIMIT>::new(first, layout.copy_blocks, Vault::new(size))
                    .with_journal_blocks(layout.journal_blocks),
            );
            stored.reload(area, &mut scratch).map_err(shown)?;
            recovered(&stored, Vec::new())
        }
    }
}

/// What the recovery of `stored` found, with the data blocks in use (`live_data`).
fn recovered<R: Region>(stored: &Stored<R>, live_data: Vec<u64>) -> Result<Recovered, String> {
    Ok(Recovered {
        image: emitted(stored.region())?,
        current: stored.current_copy(),
        since_checkpoint: stored.operations_since_checkpoint(),
        live_data,
    })
}

/// A region's image.
fn emitted<R: Region>(region: &R) -> Result<Vec<u8>, String> {
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).map_err(|error| error.to_string())?;
    Ok(image)
}

/// How each block of the region is shown. Without a recovery (it failed) only the
/// journal's blocks are explained.
fn explain(
    area: &Area,
    layout: &StoredLayout,
    recovered: Option<&Recovered>,
) -> BTreeMap<u64, Explained> {
    let mut blocks = BTreeMap::new();
    let same = |state| Explained {
        if_ok: BlockState::Ok,
        if_mismatch: state,
    };
    if let Some(recovered) = recovered {
        let other = match recovered.current {
            MetadataCopy::A => layout.first_block.saturating_add(layout.copy_blocks),
            MetadataCopy::B => layout.first_block,
        };
        for index in other..other.saturating_add(layout.copy_blocks) {
            // The older checkpoint: superseded; one cut mid-write: interrupted, and
            // recovery used the other.
            blocks.insert(
                index,
                Explained {
                    if_ok: BlockState::Superseded,
                    if_mismatch: BlockState::Interrupted,
                },
            );
        }
        let data = layout.data_start();
        for index in 0..layout.data_blocks {
            if !recovered.live_data.contains(&index) {
                // No live entry or written block is here: a cut append left it, or an
                // older entry.
                blocks.insert(data.saturating_add(index), same(BlockState::Interrupted));
            }
        }
    }
    for index in layout.journal_start()..layout.data_start() {
        let state = area
            .block(index)
            .map_or(BlockState::ChecksumMismatch, journal_state);
        blocks.insert(index, same(state));
    }
    blocks
}

/// A journal block without a valid trailer: being filled (valid entries, then blank), or
/// holding an entry a power cut interrupted.
fn journal_state(block: &[u8]) -> BlockState {
    if is_blank(block) {
        return BlockState::Blank;
    }
    let sealed = Block::new_checked(block).is_ok_and(|view| view.checksum_ok());
    if sealed {
        return BlockState::Ok;
    }
    if journal_entries(block).cut {
        BlockState::Interrupted
    } else {
        BlockState::JournalOpen
    }
}

/// What the entries of a journal block come to, read from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalEntries {
    /// Valid entries before the first blank or invalid one.
    pub count: usize,
    /// Where they end.
    pub end: usize,
    /// Whether they end at an invalid entry (a cut write) rather than blank bytes.
    pub cut: bool,
}

/// Reads the entries of a journal block from offset 0 until one is blank or invalid.
pub fn journal_entries(block: &[u8]) -> JournalEntries {
    let mut entries = JournalEntries {
        count: 0,
        end: 0,
        cut: false,
    };
    loop {
        match read_entry(block, entries.end) {
            JournalSlot::Entry(entry) => {
                entries.count = entries.count.saturating_add(1);
                entries.end = entries.end.saturating_add(entry.length().max(8));
            }
            JournalSlot::Blank => return entries,
            JournalSlot::Invalid => {
                entries.cut = true;
                return entries;
            }
        }
    }
}
