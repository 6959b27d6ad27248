//! `inspect`: walk every block of an image, group blocks into regions, decode and
//! summarise the known ones, and report corruption without stopping.
//!
//! The image is streamed block by block (memory is bounded by the largest region being
//! decoded, not by the image), with a progress bar on a terminal for large images.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use dwvd_regions::block::Block;
use dwvd_regions::streaming::StreamingView;
use dwvd_regions::vault::VaultView;
use dwvd_regions::worm::WormView;
use dwvd_regions::{BlockSize, Error, Tag, Ticks};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use p256::ecdsa::VerifyingKey;
use serde::Serialize;

use crate::Failure;

/// What `inspect` was asked for.
pub struct Options {
    pub block_size: Option<usize>,
    pub json: bool,
    pub key: Option<VerifyingKey>,
}

/// Images at least this large get a progress bar (on a terminal).
const PROGRESS_THRESHOLD: u64 = 32 << 20;
/// A run of same-tag region blocks is decoded in pieces of at most this many bytes.
const MAX_RUN_BYTES: usize = 256 << 20;

/// How the block size was chosen.
#[derive(Debug, Clone, Copy)]
pub enum SizeSource {
    Given,
    Detected { verifying: usize, tried: usize },
    Fallback,
}

/// Chooses the block size for `image`: the one given, or the one whose trailers verify.
/// Powers of two are tried first, scored by how many of the first blocks verify; then
/// every other size from 512 to 65536 by its first block.
pub fn block_size_for(
    path: &Path,
    given: Option<usize>,
) -> anyhow::Result<(BlockSize, SizeSource)> {
    if let Some(size) = given {
        let size = BlockSize::new(size).map_err(|error| anyhow!("--block-size: {error}"))?;
        return Ok((size, SizeSource::Given));
    }
    let mut head = Vec::new();
    File::open(path)
        .with_context(|| format!("cannot open image {}", path.display()))?
        .take(8 * 65536)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let verifies = |size: usize, index: usize| {
        head.get(index * size..(index + 1) * size)
            .and_then(|bytes| Block::new_checked(bytes).ok())
            .is_some_and(|block| block.checksum_ok())
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
    if best.is_none() {
        for size in 512..=65536usize {
            if size.is_power_of_two() {
                continue;
            }
            tried += 1;
            if verifies(size, 0) {
                best = Some((size, 1));
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
        }
    }
}

/// A run of consecutive blocks with the same region tag, waiting to be decoded.
struct Run {
    tag: Tag,
    first: u64,
    bytes: Vec<u8>,
}

/// Inspects the image at `path`, writing the report to `out`. Returns whether the image
/// is clean: every block verifies and every region decodes.
pub fn inspect(path: &Path, options: &Options, out: &mut impl Write) -> Result<bool, Failure> {
    let (block_size, source) = block_size_for(path, options.block_size)?;
    let file = File::open(path).with_context(|| format!("cannot open image {}", path.display()))?;
    let length = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if length == 0 {
        return Err(anyhow!(
            "{} is empty: there are no blocks to inspect",
            path.display()
        )
        .into());
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
            serde_json::to_string(&path.display().to_string()).unwrap_or_default(),
            serde_json::to_string(&source_text).unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "image {}: {length} bytes, {whole_blocks} blocks, {source_text}",
            path.display()
        )?;
        writeln!(
            out,
            "{:>10}  {:<16}  {:>10}  checksum",
            "block", "tag", "generation"
        )?;
    }

    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut block = vec![0u8; size];
    let mut regions: Vec<RegionReport> = Vec::new();
    let mut run: Option<Run> = None;
    let mut corrupt_blocks = 0u64;
    for index in 0..whole_blocks {
        reader
            .read_exact(&mut block)
            .with_context(|| format!("cannot read block {index} of {}", path.display()))?;
        progress.inc(size as u64);
        let view = Block::new_checked(&block[..]).map_err(|error| anyhow!("{error}"))?;
        let line = BlockLine {
            index,
            tag: view.tag().to_string(),
            known_tag: view.tag().is_known(),
            generation: view.generation(),
            checksum_ok: view.checksum_ok(),
        };
        if !line.checksum_ok {
            corrupt_blocks += 1;
        }
        if options.json {
            if index > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut out, &line).map_err(|error| anyhow!(error))?;
        } else {
            let tag = if line.known_tag {
                line.tag.clone()
            } else {
                format!("{} (unknown)", line.tag)
            };
            let status = if line.checksum_ok {
                "ok"
            } else {
                "MISMATCH (corrupt)"
            };
            writeln!(
                out,
                "{index:>10}  {tag:<16}  {:>10}  {status}",
                line.generation
            )?;
        }

        let tag = view.tag();
        let is_region_tag = tag == Tag::STRE || tag == Tag::WORM || tag == Tag::CMVT;
        let continues = run
            .as_ref()
            .is_some_and(|run| run.tag == tag && run.bytes.len() + size <= MAX_RUN_BYTES);
        if !continues {
            if let Some(finished) = run.take() {
                decode_run(&finished, block_size, options.key.as_ref(), &mut regions);
            }
            if is_region_tag {
                run = Some(Run {
                    tag,
                    first: index,
                    bytes: Vec::new(),
                });
            }
        }
        if let Some(current) = run.as_mut() {
            current.bytes.extend_from_slice(&block);
        }
    }
    if let Some(finished) = run.take() {
        decode_run(&finished, block_size, options.key.as_ref(), &mut regions);
    }
    progress.finish_and_clear();

    let region_problems = regions.iter().filter(|region| region.corrupt).count();
    let clean = corrupt_blocks == 0 && region_problems == 0 && trailing == 0;
    if options.json {
        write!(out, "],\"regions\":")?;
        serde_json::to_writer(&mut out, &regions).map_err(|error| anyhow!(error))?;
        write!(
            out,
            ",\"trailing_bytes\":{trailing},\"corrupt_blocks\":{corrupt_blocks},\"region_problems\":{region_problems},\"clean\":{clean}}}"
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
        writeln!(out)?;
        if trailing > 0 {
            writeln!(
                out,
                "trailing {trailing} bytes after the last whole block: truncated image"
            )?;
        }
        writeln!(
            out,
            "{whole_blocks} blocks, {corrupt_blocks} with a checksum mismatch; {} regions, {region_problems} with problems: {}",
            regions.len(),
            if clean { "clean" } else { "CORRUPTION FOUND" }
        )?;
    }
    out.flush()?;
    Ok(clean)
}

/// Splits a run of same-tag blocks into regions and decodes each.
fn decode_run(
    run: &Run,
    block_size: BlockSize,
    key: Option<&VerifyingKey>,
    regions: &mut Vec<RegionReport>,
) {
    let size = block_size.get();
    let blocks = run.bytes.len() / size;
    let mut start = 0usize;
    while start < blocks {
        let rest = &run.bytes[start * size..];
        let first = run.first + start as u64;
        let (report, extent) = match run.tag {
            tag if tag == Tag::STRE => decode_stream(&rest[..size], block_size, first),
            tag if tag == Tag::WORM => decode_worm(rest, block_size, first),
            _ => decode_vault(rest, block_size, first, key),
        };
        regions.push(report);
        start += extent.max(1);
    }
}

fn decode_stream(block: &[u8], block_size: BlockSize, first: u64) -> (RegionReport, usize) {
    match StreamingView::new_checked(block, block_size) {
        Ok(view) => {
            let ring = view.to_ring();
            let permille = ring.allocation_permille();
            let text = format!(
                "ok — ring allocated {}/{} blocks ({}.{} %), write_head {}, read_tail {}, {} entries, growth {}, generation {}",
                ring.allocated_blocks(),
                ring.max_capacity_blocks(),
                permille / 10,
                permille % 10,
                ring.write_head(),
                ring.read_tail(),
                ring.entry_count(),
                ring.growth_increment(),
                view.generation()
            );
            let summary = serde_json::json!({
                "max_capacity_blocks": ring.max_capacity_blocks(),
                "allocated_blocks": ring.allocated_blocks(),
                "allocation_permille": permille,
                "write_head": ring.write_head(),
                "read_tail": ring.read_tail(),
                "entry_count": ring.entry_count(),
                "growth_increment": ring.growth_increment(),
                "generation": view.generation(),
            });
            (ok("STRE", first, 1, summary, text), 1)
        }
        Err(error) => (RegionReport::failed("STRE", first, 1, &error), 1),
    }
}

fn decode_worm(rest: &[u8], block_size: BlockSize, first: u64) -> (RegionReport, usize) {
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
                }),
                String::new(),
            );
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
            // Skip the blocks the header says the region has, when it can be read.
            let extent = rest
                .get(32..36)
                .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
                .and_then(|bytes| u64::try_from(i32::from_le_bytes(bytes)).ok())
                .and_then(|count| dwvd_regions::worm::blocks_needed(block_size, count))
                .map_or(1, |needed| {
                    needed.min((rest.len() / block_size.get()) as u64) as usize
                });
            let extent = match error.block() {
                Some(block) if error.kind() != dwvd_regions::ErrorKind::TornWrite => {
                    extent.max(block as usize + 1)
                }
                _ => extent,
            };
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
    key: Option<&VerifyingKey>,
) -> (RegionReport, usize) {
    match VaultView::new_checked_prefix(rest, block_size) {
        Ok((view, extent)) => {
            let mut frameworks: BTreeMap<String, usize> = BTreeMap::new();
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            let (mut valid, mut invalid) = (0usize, 0usize);
            let mut failing = Vec::new();
            for passport in view.passports() {
                *frameworks
                    .entry(passport.framework().to_string())
                    .or_default() += 1;
                *statuses.entry(passport.status().to_string()).or_default() += 1;
                if let Some(key) = key {
                    if passport.verify(key).is_ok() {
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
            (ok("CMVT", first, extent as u64, summary, text), extent)
        }
        Err(error) => {
            // Where a damaged vault ends cannot be read from it: the rest of this run of
            // CMVT blocks is reported as its region.
            let extent = rest.len() / block_size.get();
            (
                RegionReport::failed("CMVT", first, extent as u64, &error),
                extent,
            )
        }
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
    }
}

/// Reads block `index` of `path` (for `--hexdump`).
pub fn read_block(path: &Path, index: u64, block_size: BlockSize) -> anyhow::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
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
