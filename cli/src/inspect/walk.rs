//! The walk: every block of an image in order, read once (by reader threads, in
//! chunks) and verified once, handed to a [`Sink`] as a typed [`BlockLine`]; regions
//! assembled from those same blocks and decoded into [`RegionReport`]s; then the
//! checkpoint cross-check and the [`Summary`]. Nothing here knows the output format.

use std::collections::{BTreeMap, VecDeque};

use dwvd_regions::block::Block;
use dwvd_regions::{BlockSize, Tag};
use indicatif::ProgressBar;
use p256::ecdsa::VerifyingKey;

use super::SizeSource;
use super::container::Container;
use super::lanes;
use super::regions::{self, Details, Leftover, Pending, RegionKind, RegionReport};
use super::stored::{self, Explained};
use crate::Failure;
use crate::checkpoints::UnmatchedCheckpoint;
use crate::image::{Chunk, Chunking, ReadAt};

/// How much of the image a reader thread reads and verifies at a time (chunks of 128 KiB
/// to 4 MiB measured: 512 KiB and 1 MiB cost the least CPU time; smaller ones pay for
/// more wake-ups, larger ones leave the caches).
const CHUNK_BYTES: usize = 1 << 20;

/// What the walk is over: the image and how its blocks were sized.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    /// The image's name, as shown.
    pub name: &'a str,
    /// Its length in bytes.
    pub length: u64,
    pub block_size: BlockSize,
    pub source: SizeSource,
    /// How many whole blocks it holds.
    pub whole_blocks: u64,
    /// The bytes after the last whole block.
    pub trailing: u64,
    /// The DWVD v2.0 container the image starts with, if one reads.
    pub container: Option<&'a Container>,
    /// Why a container whose magic is there does not read (its blocks are then walked by
    /// tag, and count as corrupt).
    pub container_error: Option<&'a str>,
}

/// What a block's bytes and trailer say of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockState {
    /// Its checksum verifies.
    Ok,
    /// Every byte is 0x00 (never written) or 0xFF (erased flash): unused, not corruption
    /// (SPEC §1).
    Blank,
    /// A copy the layout replaced: a superblock group or directory block the container
    /// does not use, a stored region's older checkpoint copy.
    Superseded,
    /// A stored region's journal block still being filled: valid entries, no trailer
    /// yet.
    JournalOpen,
    /// A write a power cut interrupted, which recovery passes over (a stored region's
    /// checkpoint copy, journal entry or data block).
    Interrupted,
    /// Its checksum does not verify: the block is corrupt.
    ChecksumMismatch,
}

impl BlockState {
    /// Whether the block counts as corrupt.
    pub fn is_corrupt(self) -> bool {
        self == Self::ChecksumMismatch
    }

    /// The state's name in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Blank => "blank",
            Self::Superseded => "superseded",
            Self::JournalOpen => "journal",
            Self::Interrupted => "interrupted",
            Self::ChecksumMismatch => "corrupt",
        }
    }
}

/// One block, as listed.
#[derive(Debug, Clone, Copy)]
pub struct BlockLine {
    pub index: u64,
    pub tag: Tag,
    pub generation: u32,
    pub state: BlockState,
}

/// What the walk found, after the last block.
#[derive(Debug)]
pub struct Summary {
    pub regions: Vec<RegionReport>,
    /// Checkpoints naming no WORM region of the image.
    pub unmatched: Vec<UnmatchedCheckpoint>,
    pub whole_blocks: u64,
    pub corrupt_blocks: u64,
    /// Blocks all 0x00 or all 0xFF.
    pub blank_blocks: u64,
    pub trailing: u64,
    pub region_problems: usize,
    pub checkpoint_problems: usize,
    /// Every block verifies, every region decodes, no checkpoint is a problem, and no
    /// bytes trail the last block.
    pub clean: bool,
}

/// Where the walk's items go, in order: the start, each block, the summary.
pub trait Sink {
    fn start(&mut self, start: &Start<'_>) -> std::io::Result<()>;
    fn block(&mut self, line: &BlockLine) -> std::io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// Walks the image `file` as `start` describes it, verifying passports with `key`,
/// counting read bytes on `progress`, and handing every item to `sink`. Everything is
/// read from `file`, the one handle, by position: every block (by all the reader
/// threads, at their offsets), the stored regions, a WORM log read again. Nothing opens
/// the image's path again.
pub fn walk<R: ReadAt + Sync + ?Sized>(
    file: &R,
    start: &Start<'_>,
    key: Option<&VerifyingKey>,
    progress: &ProgressBar,
    sink: &mut impl Sink,
) -> Result<Summary, Failure> {
    sink.start(start)?;
    let block_size = start.block_size;
    // This crate's stored regions, read as recovery reads them before the walk, so each
    // of their blocks is listed with what it is.
    let mut stored_reports = Vec::new();
    let mut stored_blocks: BTreeMap<u64, Explained> = BTreeMap::new();
    // Slots taken for stored regions (a journal slot follows them) that recovery cannot
    // read but that hold a valid region read plainly: another writer's layout, read as
    // SPEC §8 reads any slot. Their first block, and why recovery failed.
    let mut read_plainly: Vec<(u64, String)> = Vec::new();
    if let Some(container) = start.container {
        for layout in &container.stored {
            let inspected = stored::inspect(file, layout, block_size, start.whole_blocks, key);
            if matches!(inspected.report.details, Details::Unrecoverable)
                && let Some(placed) = container.plain_placements.get(&layout.first_block)
                && stored::reads_as_plain_region(
                    file,
                    placed.kind,
                    layout.first_block,
                    placed.extent_end,
                    block_size,
                )
            {
                let reason = inspected.report.error.unwrap_or_default();
                read_plainly.push((layout.first_block, reason));
                continue;
            }
            stored_reports.push(inspected.report);
            stored_blocks.extend(inspected.blocks);
        }
    }
    // The container as the walk places regions: those slots as plain regions.
    let adjusted = start
        .container
        .filter(|_| !read_plainly.is_empty())
        .map(|container| {
            let mut adjusted = container.clone();
            for (first_block, _) in &read_plainly {
                adjusted
                    .stored
                    .retain(|layout| layout.first_block != *first_block);
                if let Some(placed) = container.plain_placements.get(first_block) {
                    adjusted.starts.insert(*first_block, *placed);
                }
            }
            adjusted
        });
    let container = adjusted.as_ref().or(start.container);
    let size = block_size.get();
    let whole_blocks = start.whole_blocks;
    let mut assembler = Assembler::new(block_size, key, container);
    let mut corrupt_blocks = 0u64;
    let mut blank_blocks = 0u64;
    // A pipeline: reader threads (one per core, `lanes`) fill chunks of about 1 MiB
    // straight from the image and verify their checksums; this thread hands their lines
    // on in order and assembles and decodes regions from the same bytes. Reading (the
    // kernel's copy), XXH64 and formatting are what inspect costs (profiled), so they
    // overlap, and the first two are spread over the cores. A few chunk buffers per
    // lane circulate: memory stays bounded whatever the image's size. A small image
    // gets buffers of its own size, not several of 1 MiB.
    let chunk_blocks = CHUNK_BYTES
        .checked_div(size)
        .unwrap_or(1)
        .min(usize::try_from(whole_blocks).unwrap_or(usize::MAX))
        .max(1);
    let chunking = Chunking {
        name: start.name,
        size,
        blocks: whole_blocks,
        chunk_blocks,
    };
    let chunks = whole_blocks.div_ceil(u64::try_from(chunk_blocks).unwrap_or(u64::MAX));
    // Every lane reads `file`, the one handle: the path opened again could name another
    // file by now. Where a file has no positional reads, one lane reads it.
    let lane_count = if file.concurrent() {
        lanes::lane_count(chunks)
    } else {
        1
    };
    std::thread::scope(|scope| -> Result<(), Failure> {
        let mut lanes = Vec::with_capacity(lane_count);
        for lane in 0..lane_count {
            let (full_sender, full_chunks) =
                std::sync::mpsc::sync_channel::<Result<Chunk<Checked>, Failure>>(2);
            let (empty_sender, empty_chunks) =
                std::sync::mpsc::sync_channel::<Chunk<Checked>>(lanes::BUFFERS_PER_LANE);
            for _ in 0..lanes::BUFFERS_PER_LANE {
                // The receiver is alive: this cannot fail.
                let _ = empty_sender.send(Chunk {
                    first: 0,
                    buffer: vec![0u8; chunk_blocks.saturating_mul(size)],
                    checked: Vec::with_capacity(chunk_blocks),
                });
            }
            let reader = move || {
                lanes::read_lane(
                    file,
                    chunking,
                    lane,
                    lane_count,
                    check,
                    &empty_chunks,
                    &full_sender,
                );
            };
            // An image of one chunk has nothing to overlap: it is read here, without a
            // thread (the one chunk fits the channel, so the reader returns at once).
            if chunks <= 1 {
                reader();
            } else {
                scope.spawn(reader);
            }
            lanes.push((full_chunks, empty_sender));
        }
        // Chunk `number` comes from lane `number mod lanes`: the blocks arrive in order.
        for (full_chunks, empty_sender) in lanes.iter().cycle() {
            // A lane's channel closes after its last chunk: the image is done.
            let Ok(chunk) = full_chunks.recv() else {
                break;
            };
            let chunk = chunk?;
            let Chunk {
                first,
                ref buffer,
                ref checked,
            } = chunk;
            let bytes = buffer
                .get(..checked.len().saturating_mul(size))
                .unwrap_or_default();
            progress.inc(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
            for ((index, block), checked) in (first..).zip(bytes.chunks_exact(size)).zip(checked) {
                let explained = start
                    .container
                    .is_some_and(|container| container.explained.contains(&index));
                let state = match (checked.state, stored_blocks.get(&index)) {
                    (BlockState::Ok, Some(stored)) => stored.if_ok,
                    (BlockState::ChecksumMismatch, Some(stored)) => stored.if_mismatch,
                    (BlockState::ChecksumMismatch, None) if explained => BlockState::Superseded,
                    // Outside a known layout, a journal block being filled is recognised
                    // by its content: valid entries from its start, then blank bytes.
                    (BlockState::ChecksumMismatch, None) if journal_being_filled(block) => {
                        BlockState::JournalOpen
                    }
                    (state, _) => state,
                };
                let line = BlockLine {
                    index,
                    tag: checked.tag,
                    generation: checked.generation,
                    state,
                };
                if line.state.is_corrupt() {
                    corrupt_blocks = corrupt_blocks.saturating_add(1);
                }
                if line.state == BlockState::Blank {
                    blank_blocks = blank_blocks.saturating_add(1);
                }
                sink.block(&line)?;
                assembler.block(index, block, checked.tag, line.state);
            }
            // The reader may have stopped (error or end): then the buffer is not needed.
            let _ = empty_sender.send(chunk);
        }
        Ok(())
    })?;
    progress.finish_and_clear();

    let mut regions = assembler.finish();
    if start.container.is_none() {
        regions::mark_superseded_copies(&mut regions);
    }
    regions.extend(stored_reports);
    regions.sort_by_key(|region| region.first_block);
    for (first_block, reason) in &read_plainly {
        if let Some(region) = regions
            .iter_mut()
            .find(|region| region.first_block == *first_block)
        {
            region.notes.push(format!(
                "a journal (MWAL) slot follows this slot, but it is not this crate's stored region ({reason}): read as a plain region, as SPEC §8 reads a slot"
            ));
        }
    }
    let unmatched = regions::cross_check_checkpoints(&mut regions, block_size, file);
    let region_problems = regions.iter().filter(|region| region.corrupt).count();
    let checkpoint_problems = unmatched
        .iter()
        .filter(|checkpoint| checkpoint.problem)
        .count();
    let trailing = start.trailing;
    let summary = Summary {
        clean: corrupt_blocks == 0
            && region_problems == 0
            && checkpoint_problems == 0
            && trailing == 0,
        regions,
        unmatched,
        whole_blocks,
        corrupt_blocks,
        blank_blocks,
        trailing,
        region_problems,
        checkpoint_problems,
    };
    sink.finish(&summary)?;
    Ok(summary)
}

/// What the reader thread finds in a block's trailer.
#[derive(Debug, Clone, Copy)]
struct Checked {
    tag: Tag,
    generation: u32,
    state: BlockState,
}

/// The reader thread's check of one block: blank, or its trailer and its checksum (the
/// one time the walk hashes it).
fn check(block: &[u8]) -> Checked {
    if dwvd_regions::block::is_blank(block) {
        return Checked {
            tag: Tag::from(0u32),
            generation: 0,
            state: BlockState::Blank,
        };
    }
    match Block::new_checked(block) {
        Ok(view) => Checked {
            tag: view.tag(),
            generation: view.generation(),
            state: if view.checksum_ok() {
                BlockState::Ok
            } else {
                BlockState::ChecksumMismatch
            },
        },
        // Chunks hold whole blocks of a valid size: a block always has a trailer.
        Err(_) => Checked {
            tag: Tag::from(0u32),
            generation: 0,
            state: BlockState::ChecksumMismatch,
        },
    }
}

/// Groups the walk's blocks into regions and decodes them. A region takes the blocks
/// after its first while they carry its tag, up to its size (or [`super::MAX_REGION_BYTES`]);
/// the blocks a region read but did not take (past its extent) are walked again from
/// memory, so each may start a region of its own — as if it had been read again, but
/// without reading or verifying it twice.
struct Assembler<'k> {
    block_size: BlockSize,
    key: Option<&'k VerifyingKey>,
    /// In a container: where its regions start (no region starts elsewhere).
    container: Option<&'k Container>,
    regions: Vec<RegionReport>,
    /// Blocks before this index belong to a region already decoded.
    region_end: u64,
    pending: Option<Pending>,
    /// Blocks handed back by a region, walked before the next block read.
    replay: VecDeque<Leftover>,
    /// Bytes of WORM logs kept for the checkpoint cross-check.
    retained: usize,
}

/// What became of a block offered to the assembler.
enum Step {
    /// It was taken (or is no region's); any blocks handed back are walked next.
    Taken(Vec<Leftover>),
    /// The pending region ended before it: the blocks it handed back are walked, then
    /// this one is offered again.
    Again(Vec<Leftover>),
}

impl<'k> Assembler<'k> {
    fn new(
        block_size: BlockSize,
        key: Option<&'k VerifyingKey>,
        container: Option<&'k Container>,
    ) -> Self {
        Assembler {
            block_size,
            key,
            container,
            regions: Vec::new(),
            region_end: 0,
            pending: None,
            replay: VecDeque::new(),
            retained: 0,
        }
    }

    /// The next block of the image.
    fn block(&mut self, index: u64, bytes: &[u8], tag: Tag, state: BlockState) {
        if state == BlockState::Blank
            && self.pending.is_none()
            && index >= self.region_end
            && let Some(placed) = self
                .container
                .and_then(|container| container.starts.get(&index))
        {
            // A region the container places, never written: not formatted.
            self.regions
                .push(RegionReport::blank(placed.kind, index, placed.slot));
            self.region_end = index.saturating_add(1);
            return;
        }
        let sound = state == BlockState::Ok;
        loop {
            match self.step(index, bytes, tag, sound) {
                Step::Taken(leftovers) => {
                    self.requeue(leftovers, None);
                    self.drain();
                    return;
                }
                Step::Again(leftovers) => {
                    self.requeue(leftovers, None);
                    self.drain();
                }
            }
        }
    }

    /// Walks the blocks handed back (which may start regions that hand back more).
    fn drain(&mut self) {
        while let Some(block) = self.replay.pop_front() {
            let tag = tag_of(&block.bytes);
            match self.step(block.index, &block.bytes, tag, block.sound) {
                Step::Taken(leftovers) => self.requeue(leftovers, None),
                Step::Again(leftovers) => self.requeue(leftovers, Some(block)),
            }
        }
    }

    /// Puts `leftovers`, then `then`, at the front of the blocks to walk again.
    fn requeue(&mut self, leftovers: Vec<Leftover>, then: Option<Leftover>) {
        for block in then.into_iter().chain(leftovers.into_iter().rev()) {
            self.replay.push_front(block);
        }
    }

    fn step(&mut self, index: u64, bytes: &[u8], tag: Tag, sound: bool) -> Step {
        if let Some(pending) = &mut self.pending {
            if pending.accepts(tag, self.block_size) {
                pending.push(bytes, sound);
                if pending.complete(self.block_size) {
                    return Step::Taken(self.finish_pending());
                }
                return Step::Taken(Vec::new());
            }
            return Step::Again(self.finish_pending());
        }
        if index < self.region_end {
            return Step::Taken(Vec::new());
        }
        // A stored region's checkpoint copy is padded with sealed blocks of zeros (its tag,
        // an empty payload): part of the region before, not a region of their own.
        if self.container.is_none()
            && sound
            && index == self.region_end
            && let Some(last) = self.regions.last_mut()
            && last.kind.tag() == tag
            && bytes
                .get(..self.block_size.get().saturating_sub(16))
                .is_some_and(|payload| payload.iter().all(|byte| *byte == 0))
        {
            last.block_count = last.block_count.saturating_add(1);
            self.region_end = self.region_end.saturating_add(1);
            return Step::Taken(Vec::new());
        }
        // In a container, regions start where its slots say; elsewhere, at their tags.
        let (kind, extent_end) = match self.container {
            Some(container) => match container.starts.get(&index) {
                Some(placed) => (placed.kind, Some(placed.extent_end)),
                None => return Step::Taken(Vec::new()),
            },
            None => match RegionKind::of(tag) {
                Some(kind) => (kind, None),
                None => return Step::Taken(Vec::new()),
            },
        };
        let mut pending = Pending::start(kind, index, bytes, sound, self.block_size);
        pending.limit_to(extent_end);
        if pending.complete(self.block_size) {
            self.pending = Some(pending);
            return Step::Taken(self.finish_pending());
        }
        self.pending = Some(pending);
        Step::Taken(Vec::new())
    }

    /// Decodes the pending region; returns the blocks it hands back.
    fn finish_pending(&mut self) -> Vec<Leftover> {
        let Some(pending) = self.pending.take() else {
            return Vec::new();
        };
        let (mut report, leftovers) = pending.finish(self.block_size, self.key);
        regions::limit_retained_logs(&mut report, &mut self.retained);
        self.region_end = report.first_block.saturating_add(report.block_count.max(1));
        self.regions.push(report);
        leftovers
    }

    /// The image has ended: the pending region (and any it handed back) is decoded from
    /// what it has.
    fn finish(mut self) -> Vec<RegionReport> {
        while self.pending.is_some() || !self.replay.is_empty() {
            let leftovers = self.finish_pending();
            self.requeue(leftovers, None);
            self.drain();
        }
        self.regions
    }
}

/// Whether `block` (whose trailer does not verify) is a stored region's journal block
/// being filled: at least one valid entry from offset 0, then nothing but blank bytes
/// (`docs/storage-layout.md` §3).
fn journal_being_filled(block: &[u8]) -> bool {
    let entries = stored::journal_entries(block);
    let rest = block.get(entries.end..).unwrap_or_default();
    entries.count > 0
        && !entries.cut
        && (rest.iter().all(|byte| *byte == 0) || rest.iter().all(|byte| *byte == 0xFF))
}

/// The tag in a block's trailer.
fn tag_of(block: &[u8]) -> Tag {
    Block::new_checked(block).map_or(Tag::from(0u32), |view| view.tag())
}
