//! `inspect`: walk every block of an image, group blocks into regions, decode and
//! summarise the known ones, and report corruption without stopping.
//!
//! The image is streamed block by block (memory is bounded by the largest region being
//! decoded, not by the image), with a progress bar on a terminal for large images.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use dwvd_regions::block::Block;
use dwvd_regions::streaming::StreamingView;
use dwvd_regions::transparency::worm_region_id;
use dwvd_regions::vault::VaultView;
use dwvd_regions::worm::{WormHeader, WormView};
use dwvd_regions::{BlockSize, Error, Tag, Ticks};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use p256::ecdsa::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;
use zerocopy::FromBytes;

use crate::Failure;
use crate::checkpoints::{self, CheckpointCheck, FoundCheckpoint, UnmatchedCheckpoint};

/// What `inspect` was asked for.
pub struct Options {
    pub block_size: Option<usize>,
    pub json: bool,
    pub key: Option<VerifyingKey>,
}

/// How much of the image the reader thread reads and verifies at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// Images at least this large get a progress bar (on a terminal).
const PROGRESS_THRESHOLD: u64 = 32 << 20;
/// The largest region decoded, in bytes: memory stays bounded whatever a header claims.
/// A larger region is reported as not decoded.
pub const MAX_REGION_BYTES: usize = 32 << 20;

/// How the block size was chosen.
#[derive(Debug, Clone, Copy)]
pub enum SizeSource {
    Given,
    Detected { verifying: usize, tried: usize },
    Fallback,
}

/// Chooses the block size for `image`: the one given, or the one whose trailers verify.
/// Powers of two are tried first, scored by how many of the first blocks verify; then
/// every other size from 512 to 65536 by its first block (or, when block 0 is damaged,
/// the next three) — only where that block ends in a known tag, so an image where nothing
/// verifies is not hashed 65,000 times over.
pub fn block_size_for(
    path: &Path,
    given: Option<usize>,
) -> anyhow::Result<(BlockSize, SizeSource)> {
    let open = || File::open(path).with_context(|| format!("cannot open image {}", path.display()));
    block_size_of(open, given)
}

/// [`block_size_for`] over any source: `open` gives a fresh reader at its start.
pub fn block_size_of<R: Read>(
    open: impl Fn() -> anyhow::Result<R>,
    given: Option<usize>,
) -> anyhow::Result<(BlockSize, SizeSource)> {
    if let Some(size) = given {
        let size = BlockSize::new(size).map_err(|error| anyhow!("--block-size: {error}"))?;
        return Ok((size, SizeSource::Given));
    }
    let mut head = Vec::new();
    open()?
        .take(8 * 65536)
        .read_to_end(&mut head)
        .context("cannot read the image")?;
    let verifies = |size: usize, index: usize| {
        head.get(index * size..(index + 1) * size)
            .and_then(|bytes| Block::new_checked(bytes).ok())
            .is_some_and(|block| block.checksum_ok())
    };
    // Hashing every candidate size's blocks costs O(65536 × block) on an image where
    // nothing verifies (seconds on garbage, found by fuzzing); a block of a region this
    // tool decodes ends in a known tag, which costs four bytes to look at. So sizes that
    // are not powers of two are only hashed where the trailer holds a known tag.
    let known_tag = |size: usize, index: usize| {
        let end = (index + 1) * size;
        head.get(end - 16..end - 12)
            .and_then(|bytes| bytes.try_into().ok())
            .is_some_and(|bytes: [u8; 4]| Tag::from(u32::from_le_bytes(bytes)).is_known())
    };
    let mut best: Option<(usize, usize)> = None;
    let mut tried = 0;
    for shift in 9..=16 {
        let size = 1usize << shift;
        tried += 1;
        let score = (0..8).filter(|index| verifies(size, *index)).count();
        if score > 0 && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((size, score));
        }
    }
    // Other sizes by their first block, then — when block 0 is damaged — by the next few.
    for blocks in [0..1, 1..4] {
        if best.is_some() {
            break;
        }
        for size in 512..=65536usize {
            if size.is_power_of_two() {
                continue;
            }
            tried += 1;
            let score = blocks
                .clone()
                .filter(|index| known_tag(size, *index) && verifies(size, *index))
                .count();
            if score > 0 {
                best = Some((size, score));
                break;
            }
        }
    }
    match best {
        Some((size, verifying)) => Ok((
            BlockSize::new(size).map_err(|error| anyhow!("{error}"))?,
            SizeSource::Detected { verifying, tried },
        )),
        None => Ok((BlockSize::DEFAULT, SizeSource::Fallback)),
    }
}

/// One block's trailer, as listed.
#[derive(Debug, Clone, Serialize)]
struct BlockLine {
    index: u64,
    tag: String,
    known_tag: bool,
    generation: u32,
    checksum_ok: bool,
}

/// One region found in the image.
#[derive(Debug, Clone, Serialize)]
struct RegionReport {
    kind: &'static str,
    first_block: u64,
    block_count: u64,
    /// `ok`, or the error category.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    summary: serde_json::Value,
    /// Human-readable summary.
    #[serde(skip)]
    text: String,
    /// Whether this region counts as corruption for the exit status.
    #[serde(skip)]
    corrupt: bool,
    /// A WORM region's id (`worm_region_id`): what its checkpoints name.
    #[serde(skip)]
    worm_id: Option<Uuid>,
    /// A vault's checkpoint passports.
    #[serde(skip)]
    checkpoints: Vec<FoundCheckpoint>,
}

impl RegionReport {
    fn failed(kind: &'static str, first_block: u64, block_count: u64, error: &Error) -> Self {
        let error = error.clone().relocated(first_block);
        RegionReport {
            kind,
            first_block,
            block_count,
            status: error.kind().as_str().to_string(),
            error: Some(error.to_string()),
            summary: serde_json::Value::Null,
            text: format!("{}: {error}", error.kind()),
            corrupt: true,
            worm_id: None,
            checkpoints: Vec::new(),
        }
    }
}

/// Inspects the image at `path`, writing the report to `out`. Returns whether the image
/// is clean: every block verifies and every region decodes.
pub fn inspect(path: &Path, options: &Options, out: &mut impl Write) -> Result<bool, Failure> {
    let open = || File::open(path).with_context(|| format!("cannot open image {}", path.display()));
    let length = open()?
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    inspect_source(&path.display().to_string(), length, open, options, out)
}

/// [`inspect`] over any source of `length` bytes: `open` gives a fresh reader at its
/// start (the walk and the region reader each use their own). `name` is shown as the
/// image's name.
pub fn inspect_source<R: Read + Seek + Send>(
    name: &str,
    length: u64,
    open: impl Fn() -> anyhow::Result<R>,
    options: &Options,
    out: &mut impl Write,
) -> Result<bool, Failure> {
    let (block_size, source) = block_size_of(&open, options.block_size)?;
    let file = open()?;
    if length == 0 {
        return Err(anyhow!("{name} is empty: there are no blocks to inspect").into());
    }
    let size = block_size.get();
    let whole_blocks = length / size as u64;
    let trailing = length % size as u64;

    let progress = if length >= PROGRESS_THRESHOLD {
        let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} inspecting [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut out = std::io::BufWriter::new(out);
    let source_text = match source {
        SizeSource::Given => format!("block size {size} (given)"),
        SizeSource::Detected { verifying, tried } => format!(
            "block size {size} (detected: {verifying} of the first blocks verify at this size; {tried} sizes tried)"
        ),
        SizeSource::Fallback => format!(
            "block size {size} (fallback: no size from 512 to 65536 makes a trailer verify; give --block-size)"
        ),
    };
    if options.json {
        write!(
            out,
            "{{\"image\":{},\"bytes\":{length},\"block_size\":{size},\"block_size_source\":{},\"blocks\":[",
            serde_json::to_string(name).unwrap_or_default(),
            serde_json::to_string(&source_text).unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "image {name}: {length} bytes, {whole_blocks} blocks, {source_text}"
        )?;
        writeln!(
            out,
            "{:>10}  {:<16}  {:>10}  checksum",
            "block", "tag", "generation"
        )?;
    }

    let mut regions_file = RegionReader {
        file: open()?,
        block_size,
        blocks: whole_blocks,
    };
    // Two threads in a pipeline: a reader fills chunks of about 1 MiB straight from the
    // image and verifies their checksums; this thread writes their lines in order and
    // decodes regions. Reading (the kernel's copy), XXH64 and formatting are what inspect
    // costs (profiled), so they overlap. Three chunk buffers circulate: memory stays
    // bounded whatever the image's size.
    // A small image gets buffers of its own size, not three of 1 MiB.
    let chunk_blocks = (CHUNK_BYTES / size)
        .min(usize::try_from(whole_blocks).unwrap_or(usize::MAX))
        .max(1);
    let mut regions: Vec<RegionReport> = Vec::new();
    // Blocks before this index belong to a region already decoded.
    let mut region_end = 0u64;
    let mut corrupt_blocks = 0u64;
    std::thread::scope(|scope| -> Result<(), Failure> {
        let (full_sender, full_chunks) =
            std::sync::mpsc::sync_channel::<Result<ReadChunk, Failure>>(2);
        let (empty_sender, empty_chunks) = std::sync::mpsc::sync_channel::<Vec<u8>>(3);
        for _ in 0..3 {
            // The receiver is alive: this cannot fail.
            let _ = empty_sender.send(vec![0u8; chunk_blocks * size]);
        }
        let reader = move || {
            read_and_verify_chunks(
                file,
                name,
                size,
                whole_blocks,
                chunk_blocks,
                &empty_chunks,
                &full_sender,
            );
        };
        // An image of one chunk has nothing to overlap: it is read here, without a thread
        // (the one chunk fits the channel, so the reader returns at once).
        if whole_blocks <= chunk_blocks as u64 {
            reader();
        } else {
            scope.spawn(reader);
        }
        for chunk in full_chunks {
            let ReadChunk {
                first,
                buffer,
                checked,
            } = chunk?;
            let bytes = buffer.get(..checked.len() * size).unwrap_or_default();
            progress.inc(bytes.len() as u64);
            for ((index, block), (tag, generation, checksum_ok)) in
                (first..).zip(bytes.chunks_exact(size)).zip(checked)
            {
                if !checksum_ok {
                    corrupt_blocks += 1;
                }
                if options.json {
                    if index > 0 {
                        out.write_all(b",")?;
                    }
                    let line = BlockLine {
                        index,
                        tag: tag.to_string(),
                        known_tag: tag.is_known(),
                        generation,
                        checksum_ok,
                    };
                    serde_json::to_writer(&mut out, &line).map_err(|error| anyhow!(error))?;
                } else {
                    let status = if checksum_ok {
                        "ok"
                    } else {
                        "MISMATCH (corrupt)"
                    };
                    // A known tag is four printable ASCII letters: written without allocating.
                    let ascii = tag.to_ascii();
                    let known = tag
                        .is_known()
                        .then(|| std::str::from_utf8(&ascii).ok())
                        .flatten();
                    if let Some(tag) = known {
                        writeln!(out, "{index:>10}  {tag:<16}  {generation:>10}  {status}")?;
                    } else {
                        let tag = format!("{tag} (unknown)");
                        writeln!(out, "{index:>10}  {tag:<16}  {generation:>10}  {status}")?;
                    }
                }

                if index >= region_end && (tag == Tag::STRE || tag == Tag::WORM || tag == Tag::CMVT)
                {
                    let (report, extent) = decode_region_at(
                        &mut regions_file,
                        index,
                        tag,
                        block,
                        options.key.as_ref(),
                    )?;
                    regions.push(report);
                    region_end = index + extent.max(1) as u64;
                }
            }
            // The reader may have stopped (error or end): then the buffer is not needed.
            let _ = empty_sender.send(buffer);
        }
        Ok(())
    })?;
    progress.finish_and_clear();

    let unmatched = cross_check_checkpoints(&mut regions, &mut regions_file)?;
    let region_problems = regions.iter().filter(|region| region.corrupt).count();
    let checkpoint_problems = unmatched
        .iter()
        .filter(|checkpoint| checkpoint.problem)
        .count();
    let clean =
        corrupt_blocks == 0 && region_problems == 0 && checkpoint_problems == 0 && trailing == 0;
    if options.json {
        write!(out, "],\"regions\":")?;
        serde_json::to_writer(&mut out, &regions).map_err(|error| anyhow!(error))?;
        write!(out, ",\"unmatched_checkpoints\":")?;
        serde_json::to_writer(&mut out, &unmatched).map_err(|error| anyhow!(error))?;
        write!(
            out,
            ",\"unmatched_checkpoint_problems\":{checkpoint_problems},\"trailing_bytes\":{trailing},\"corrupt_blocks\":{corrupt_blocks},\"region_problems\":{region_problems},\"clean\":{clean}}}"
        )?;
        writeln!(out)?;
    } else {
        writeln!(out)?;
        writeln!(out, "regions:")?;
        if regions.is_empty() {
            writeln!(out, "  none (no STRE, WORM or CMVT blocks)")?;
        }
        for region in &regions {
            let last = region.first_block + region.block_count.saturating_sub(1);
            writeln!(
                out,
                "  blocks {}-{last} {}: {}",
                region.first_block, region.kind, region.text
            )?;
        }
        if !unmatched.is_empty() {
            writeln!(out)?;
            writeln!(out, "checkpoints for no WORM region in this image:")?;
            for checkpoint in &unmatched {
                writeln!(out, "  {}", checkpoint.text())?;
            }
        }
        writeln!(out)?;
        if trailing > 0 {
            writeln!(
                out,
                "trailing {trailing} bytes after the last whole block: truncated image"
            )?;
        }
        let unmatched_text = if checkpoint_problems > 0 {
            format!(
                "; {checkpoint_problems} signed checkpoint{} with no WORM region",
                if checkpoint_problems == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{whole_blocks} blocks, {corrupt_blocks} with a checksum mismatch; {} regions, {region_problems} with problems{unmatched_text}: {}",
            regions.len(),
            if clean { "clean" } else { "CORRUPTION FOUND" }
        )?;
    }
    out.flush()?;
    Ok(clean)
}

/// Checks every WORM region that decoded against the checkpoints naming it (found in any
/// vault of the image, before or after it), adding the results to its report — a
/// truncation, rewrite or (with a key) bad signature makes it a problem; a checkpoint
/// several regions' ids share is settled by [`checkpoints::settle_shared_ids`]. Each such
/// region is read again, as the walk read it (bounded by [`MAX_REGION_BYTES`]), and its
/// records streamed once; a region that cannot be read again is a problem of its own.
/// Returns the checkpoints that name no WORM region here (with a key, a validly signed
/// one among them is a problem).
fn cross_check_checkpoints<R: Read + Seek>(
    regions: &mut [RegionReport],
    reader: &mut RegionReader<R>,
) -> anyhow::Result<Vec<UnmatchedCheckpoint>> {
    let found: Vec<FoundCheckpoint> = regions
        .iter_mut()
        .flat_map(|region| std::mem::take(&mut region.checkpoints))
        .collect();
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let worm_ids: Vec<Uuid> = regions.iter().filter_map(|region| region.worm_id).collect();
    // Each region's checks, with the index in `found` of the checkpoint checked.
    let mut checks: Vec<Vec<(usize, CheckpointCheck)>> = vec![Vec::new(); regions.len()];
    for (region, region_checks) in regions.iter_mut().zip(checks.iter_mut()) {
        let Some(id) = region.worm_id else {
            continue;
        };
        let mine: Vec<usize> = (0..found.len())
            .filter(|at| found.get(*at).is_some_and(|found| found.object_id == id))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut buffer = Vec::new();
        if let Err(error) = reader.read(
            &mut buffer,
            region.first_block,
            region.block_count,
            Tag::WORM,
        ) {
            let detail =
                format!("cannot read the region again to check its checkpoints: {error:#}");
            region.text = format!("{}\n    {detail}", region.text);
            mark_problem(region, "io_error", "I/O ERROR", detail);
            continue;
        }
        let view = match WormView::new_checked_prefix(&buffer, reader.block_size) {
            Ok((view, _)) => view,
            Err(error) => {
                let error = error.relocated(region.first_block);
                let detail =
                    format!("checkpoints not checked: the region no longer reads ({error})");
                region.text = format!("{}\n    {detail}", region.text);
                mark_problem(
                    region,
                    error.kind().as_str(),
                    "CHANGED WHILE INSPECTED",
                    detail,
                );
                continue;
            }
        };
        let refs: Vec<&FoundCheckpoint> = mine.iter().filter_map(|at| found.get(*at)).collect();
        *region_checks = mine
            .into_iter()
            .zip(checkpoints::check_log(&view, &refs))
            .collect();
    }
    checkpoints::settle_shared_ids(&mut checks);
    for (region, region_checks) in regions.iter_mut().zip(checks) {
        if region_checks.is_empty() {
            continue;
        }
        let region_checks: Vec<CheckpointCheck> =
            region_checks.into_iter().map(|(_, check)| check).collect();
        for check in &region_checks {
            region.text = format!("{}\n    {}", region.text, check.text());
            if let Some(problem) = check.problem() {
                mark_problem(region, problem, check.headline(), check.detail.clone());
            }
        }
        region.summary["checkpoints"] =
            serde_json::to_value(&region_checks).map_err(|error| anyhow!(error))?;
    }
    Ok(found
        .iter()
        .filter(|checkpoint| !worm_ids.contains(&checkpoint.object_id))
        .map(UnmatchedCheckpoint::new)
        .collect())
}

/// Makes `region` a problem: its first problem sets its status and error, and its
/// headline replaces the `ok` its line starts with.
fn mark_problem(region: &mut RegionReport, status: &str, headline: &str, detail: String) {
    region.corrupt = true;
    if region.error.is_none() {
        region.status = status.to_string();
        if let Some(rest) = region.text.strip_prefix("ok — ") {
            region.text = format!("{headline} — {rest}");
        }
        region.error = Some(detail);
    }
}

/// Reads regions out of the image by block index, independently of the sequential walk.
struct RegionReader<R> {
    file: R,
    block_size: BlockSize,
    blocks: u64,
}

impl<R: Read + Seek> RegionReader<R> {
    /// Appends blocks `from..from + count` to `buffer`, stopping early at the end of the
    /// image, at a block whose trailer carries another tag than `tag`, or at
    /// [`MAX_REGION_BYTES`]. Returns how many blocks were appended.
    fn read(
        &mut self,
        buffer: &mut Vec<u8>,
        from: u64,
        count: u64,
        tag: Tag,
    ) -> anyhow::Result<u64> {
        let size = self.block_size.get();
        let count = count.min(self.blocks.saturating_sub(from));
        self.file.seek(SeekFrom::Start(from * size as u64))?;
        let mut block = vec![0u8; size];
        for read in 0..count {
            if buffer.len() + size > MAX_REGION_BYTES {
                return Ok(read);
            }
            self.file.read_exact(&mut block)?;
            let trailer_tag = Block::new_checked(&block[..])
                .map(|view| view.tag())
                .map_err(|error| anyhow!("{error}"))?;
            if trailer_tag != tag {
                return Ok(read);
            }
            buffer.extend_from_slice(&block);
        }
        Ok(count)
    }
}

/// A chunk of whole blocks read from the image: the first block's index, the buffer
/// (possibly longer than the chunk), and each block's tag, generation and whether its
/// checksum verified.
struct ReadChunk {
    first: u64,
    buffer: Vec<u8>,
    checked: Vec<(Tag, u32, bool)>,
}

/// The pipeline's reader: reads `whole_blocks` blocks of `size` bytes from `file` in
/// chunks of `chunk_blocks` into buffers taken from `empty`, verifies each block's
/// trailer, and sends the chunks on `full` in order (or the first error, then stops).
/// Returns when done, on an error, or when the other side has gone.
fn read_and_verify_chunks<R: Read>(
    mut file: R,
    name: &str,
    size: usize,
    whole_blocks: u64,
    chunk_blocks: usize,
    empty: &std::sync::mpsc::Receiver<Vec<u8>>,
    full: &std::sync::mpsc::SyncSender<Result<ReadChunk, Failure>>,
) {
    let mut first = 0u64;
    while first < whole_blocks {
        let Ok(mut buffer) = empty.recv() else {
            return;
        };
        let count = usize::try_from(whole_blocks - first)
            .map_or(chunk_blocks, |left| left.min(chunk_blocks));
        let bytes = buffer.get_mut(..count * size).unwrap_or_default();
        let chunk = file
            .read_exact(bytes)
            .with_context(|| {
                format!(
                    "cannot read blocks {first}..{} of {name}",
                    first + count as u64
                )
            })
            .map_err(Failure::from)
            .and_then(|()| {
                bytes
                    .chunks_exact(size)
                    .map(|block| {
                        Block::new_checked(block)
                            .map(|view| (view.tag(), view.generation(), view.checksum_ok()))
                    })
                    .collect::<Result<Vec<_>, Error>>()
                    .map_err(|error| Failure::from(anyhow!("{error}")))
            })
            .map(|checked| ReadChunk {
                first,
                buffer,
                checked,
            });
        let failed = chunk.is_err();
        if full.send(chunk).is_err() || failed {
            return;
        }
        first += count as u64;
    }
}

/// Decodes the region that starts at block `first` (whose bytes are `block`), reading its
/// further blocks as its header sizes it. Returns the report and the blocks it takes.
fn decode_region_at<R: Read + Seek>(
    reader: &mut RegionReader<R>,
    first: u64,
    tag: Tag,
    block: &[u8],
    key: Option<&VerifyingKey>,
) -> anyhow::Result<(RegionReport, usize)> {
    let block_size = reader.block_size;
    let size = block_size.get();
    if tag == Tag::STRE {
        return Ok(decode_stream(block, block_size, first));
    }
    let mut buffer = block.to_vec();
    if tag == Tag::WORM {
        // The header's count sizes the region (a corrupt header: just this block).
        let needed = worm_region_blocks(block, block_size).unwrap_or(1);
        reader.read(&mut buffer, first + 1, needed - 1, tag)?;
        return Ok(decode_worm(&buffer, block_size, first, needed as usize));
    }
    // A vault's extent shows only by walking it: read ahead 1, 2, 4, … blocks until the
    // walk finds its last passport, the run of CMVT blocks ends, or the cap is reached.
    let mut wanted = 1u64;
    let extent = loop {
        if let Some(extent) = VaultView::probable_extent(&buffer, block_size) {
            break Some(extent);
        }
        let have = (buffer.len() / size) as u64;
        let added = reader.read(&mut buffer, first + have, wanted, tag)?;
        if added < wanted {
            break VaultView::probable_extent(&buffer, block_size);
        }
        wanted = wanted.saturating_mul(2);
    };
    Ok(decode_vault(&buffer, block_size, first, extent, key))
}

/// How many blocks the WORM region whose first block is `block` takes, as its header's
/// `write_log_count` sizes it; `None` when the block's checksum fails (its header cannot
/// be trusted to size anything) or the count is negative or overflows.
pub fn worm_region_blocks(block: &[u8], block_size: BlockSize) -> Option<u64> {
    let sound = Block::new_checked(block).is_ok_and(|view| view.checksum_ok());
    WormHeader::read_from_prefix(block)
        .ok()
        .and_then(|(header, _)| u64::try_from(header.write_log_count.get()).ok())
        .and_then(|count| dwvd_regions::worm::blocks_needed(block_size, count))
        .filter(|_| sound)
}

fn decode_stream(block: &[u8], block_size: BlockSize, first: u64) -> (RegionReport, usize) {
    match StreamingView::new_checked(block, block_size) {
        Ok(view) => {
            let ring = view.to_ring();
            let permille = ring.allocation_permille();
            // The slots the ring positions fall in (none while nothing is allocated).
            let slot = |position: u64| position.checked_rem(ring.allocated_blocks());
            let shown = |slot: Option<u64>| slot.map_or("-".to_string(), |slot| slot.to_string());
            let text = format!(
                "ok — ring allocated {}/{} blocks ({}.{} %), write_head {} (slot {}), read_tail {} (slot {}), {} entries, growth {}, generation {}",
                ring.allocated_blocks(),
                ring.max_capacity_blocks(),
                permille / 10,
                permille % 10,
                ring.write_head(),
                shown(slot(ring.write_head())),
                ring.read_tail(),
                shown(slot(ring.read_tail())),
                ring.entry_count(),
                ring.growth_increment(),
                view.generation()
            );
            let summary = serde_json::json!({
                "max_capacity_blocks": ring.max_capacity_blocks(),
                "allocated_blocks": ring.allocated_blocks(),
                "allocation_permille": permille,
                "write_head": ring.write_head(),
                "write_head_slot": slot(ring.write_head()),
                "read_tail": ring.read_tail(),
                "read_tail_slot": slot(ring.read_tail()),
                "entry_count": ring.entry_count(),
                "growth_increment": ring.growth_increment(),
                "generation": view.generation(),
            });
            (ok("STRE", first, 1, summary, text), 1)
        }
        Err(error) => (RegionReport::failed("STRE", first, 1, &error), 1),
    }
}

fn decode_worm(
    rest: &[u8],
    block_size: BlockSize,
    first: u64,
    needed: usize,
) -> (RegionReport, usize) {
    match WormView::new_checked_prefix(rest, block_size) {
        Ok((view, extent)) => {
            let sequence = view.check_log_sequence();
            let retention = match view.retention_period_ticks() {
                0 => "retained forever".to_string(),
                ticks => format!("retention {} days", ticks / (86_400 * Ticks::PER_SECOND)),
            };
            let mut text = format!(
                "ok — high-water mark {} of {} blocks, write log of {} records, {retention}, created {}, generation {}",
                view.high_water_mark(),
                view.total_capacity_blocks(),
                view.write_log_count(),
                view.created(),
                view.generation()
            );
            let mut report = ok(
                "WORM",
                first,
                extent as u64,
                serde_json::json!({
                    "high_water_mark": view.high_water_mark(),
                    "total_capacity_blocks": view.total_capacity_blocks(),
                    "write_log_count": view.write_log_count(),
                    "retention_period_ticks": view.retention_period_ticks(),
                    "created_utc_ticks": view.created().get(),
                    "generation": view.generation(),
                    "log_in_sequence": sequence.is_ok(),
                    "object_id": worm_region_id(view.header()).hyphenated().to_string(),
                }),
                String::new(),
            );
            report.worm_id = Some(worm_region_id(view.header()));
            if let Err(error) = sequence {
                let error = error.relocated(first);
                text = format!("{text}; LOG DISAGREES WITH THE MARK: {error}");
                report.status = error.kind().as_str().to_string();
                report.error = Some(error.to_string());
                report.corrupt = true;
            }
            report.text = text;
            (report, extent)
        }
        Err(error) => {
            let available = rest.len() / block_size.get();
            let extent = extent_after_error(&error, needed.min(available), available);
            (
                RegionReport::failed("WORM", first, extent as u64, &error),
                extent,
            )
        }
    }
}

fn decode_vault(
    rest: &[u8],
    block_size: BlockSize,
    first: u64,
    probable: Option<usize>,
    key: Option<&VerifyingKey>,
) -> (RegionReport, usize) {
    match VaultView::new_checked_prefix(rest, block_size) {
        Ok((view, extent)) => {
            let mut frameworks: BTreeMap<String, usize> = BTreeMap::new();
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            let (mut valid, mut invalid) = (0usize, 0usize);
            let mut failing = Vec::new();
            let verified = key.map(|key| crate::verify::verify_passports(&view, key));
            for (index, passport) in view.passports().enumerate() {
                *frameworks
                    .entry(passport.framework().to_string())
                    .or_default() += 1;
                *statuses.entry(passport.status().to_string()).or_default() += 1;
                if let Some(verified) = &verified {
                    if verified.get(index).copied().unwrap_or(false) {
                        valid += 1;
                    } else {
                        invalid += 1;
                        failing.push(passport.passport_id().to_string());
                    }
                }
            }
            let list = |map: &BTreeMap<String, usize>| {
                map.iter()
                    .map(|(name, count)| format!("{name} {count}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut text = format!(
                "ok — {} passports; frameworks: {}; statuses: {}; generation {}",
                view.passport_count(),
                if frameworks.is_empty() {
                    "none".to_string()
                } else {
                    list(&frameworks)
                },
                if statuses.is_empty() {
                    "none".to_string()
                } else {
                    list(&statuses)
                },
                view.generation()
            );
            let mut summary = serde_json::json!({
                "passport_count": view.passport_count(),
                "frameworks": frameworks,
                "statuses": statuses,
                "generation": view.generation(),
            });
            if key.is_some() {
                text = format!("{text}; signatures: {valid} valid, {invalid} INVALID");
                if !failing.is_empty() {
                    text = format!("{text} ({})", failing.join(", "));
                }
                summary["signatures_valid"] = valid.into();
                summary["signatures_invalid"] = invalid.into();
                summary["invalid_passports"] = failing.into();
            } else {
                text = format!("{text}; signatures not checked (give --public-key)");
            }
            let mut report = ok("CMVT", first, extent as u64, summary, text);
            report.checkpoints = checkpoints::in_vault(&view, first, verified.as_deref());
            (report, extent)
        }
        Err(error) => {
            let available = rest.len() / block_size.get();
            let extent = extent_after_error(
                &error,
                probable.unwrap_or(available).min(available),
                available,
            );
            (
                RegionReport::failed("CMVT", first, extent as u64, &error),
                extent,
            )
        }
    }
}

/// How many blocks a region that failed to decode takes: all the blocks read when it ran
/// past them (`truncated`); just its first block when that block itself is bad (its
/// header cannot be trusted to size it, and what follows may be another region); else
/// the size its header gave.
fn extent_after_error(error: &Error, sized: usize, available: usize) -> usize {
    if error.kind() == dwvd_regions::ErrorKind::Truncated {
        return available.max(1);
    }
    match error.block() {
        Some(0) => 1,
        _ => sized.max(1),
    }
}

fn ok(
    kind: &'static str,
    first_block: u64,
    block_count: u64,
    summary: serde_json::Value,
    text: String,
) -> RegionReport {
    RegionReport {
        kind,
        first_block,
        block_count,
        status: "ok".to_string(),
        error: None,
        summary,
        text,
        corrupt: false,
        worm_id: None,
        checkpoints: Vec::new(),
    }
}

/// Reads block `index` of `path` (for `--hexdump`).
pub fn read_block(path: &Path, index: u64, block_size: BlockSize) -> anyhow::Result<Vec<u8>> {
    let mut file =
        File::open(path).with_context(|| format!("cannot open image {}", path.display()))?;
    let length = file.metadata()?.len();
    let size = block_size.get() as u64;
    let Some(start) = index
        .checked_mul(size)
        .filter(|start| start + size <= length)
    else {
        bail!(
            "block {index} is past the end of {} ({} whole blocks)",
            path.display(),
            length / size
        );
    };
    file.seek(SeekFrom::Start(start))?;
    let mut block = vec![0u8; block_size.get()];
    file.read_exact(&mut block)?;
    Ok(block)
}
