//! The walk's items as text for people, or as one JSON document streamed through
//! serde_json (each value serialized by serde, the document's structure written by
//! serde_json's own compact formatter — no JSON is assembled by hand).

use std::io::Write;

use dwvd_regions::{BlockSize, Tag};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use super::SizeSource;
use super::container::ContainerJson;
use super::regions::{Details, RegionReport, retention_days};
use super::walk::{BlockLine, BlockState, Sink, Start, Summary};
use dwvd_regions::container::SlotFlags;

/// How the block size was chosen, in words (the JSON's `block_size_source` too).
fn source_text(block_size: BlockSize, source: SizeSource) -> String {
    let size = block_size.get();
    match source {
        SizeSource::Given => format!("block size {size} (given)"),
        SizeSource::Container => format!("block size {size} (the DWVD v2.0 superblock's)"),
        SizeSource::Detected { verifying, tried } => format!(
            "block size {size} (detected: {verifying} of the first blocks verify at this size; {tried} sizes tried)"
        ),
        SizeSource::Fallback => format!(
            "block size {size} (fallback: no size from 512 to 65536 makes a trailer verify; give --block-size)"
        ),
    }
}

/// The report as text: a table of blocks, then the regions and a verdict.
///
/// A block's line is its index, then the rest: tag, generation and state. That rest is
/// formatted (by [`block_rest`]) when it differs from the previous block's and reused
/// while it does not — an image is mostly runs of blocks alike (a gibibyte of `DATA`
/// blocks of one generation) — so a line costs one integer conversion and two copies,
/// not `fmt`'s machinery for four padded fields (28 % of `inspect`'s samples on a 1 GiB
/// image before, 9 % after; see `docs/benchmarks.md`).
#[derive(Debug)]
pub struct Human<W> {
    out: W,
    /// The last block's tag, generation and state, and the rest of its line.
    rest: Option<((Tag, u32, BlockState), String)>,
}

impl<W: Write> Human<W> {
    pub fn new(out: W) -> Self {
        Human { out, rest: None }
    }
}

/// The width of a block line's index column.
const INDEX_WIDTH: usize = 10;

/// A block's line after its index: tag, generation and state, and the newline.
fn block_rest(tag: Tag, generation: u32, state: BlockState) -> String {
    let status = match state {
        BlockState::Ok => "ok",
        BlockState::Blank => "blank (unused)",
        BlockState::Superseded => "superseded (an older copy, not used)",
        BlockState::JournalOpen => "journal block being filled (no trailer yet)",
        BlockState::Interrupted => "interrupted write (recovery passes over it)",
        BlockState::ChecksumMismatch => "MISMATCH (corrupt)",
    };
    // No trailer to show: blank, or a journal block not sealed yet.
    if matches!(state, BlockState::Blank | BlockState::JournalOpen) {
        return format!("  {:<17}  {:>10}  {status}\n", "-", "-");
    }
    let tag = if tag.is_known() {
        crate::tag_text(tag)
    } else {
        format!("{} (unknown)", crate::tag_text(tag))
    };
    format!("  {tag:<17}  {generation:>10}  {status}\n")
}

impl<W: Write> Sink for Human<W> {
    fn start(&mut self, start: &Start<'_>) -> std::io::Result<()> {
        writeln!(
            self.out,
            "image {}: {} bytes, {} blocks, {}",
            start.name,
            start.length,
            start.whole_blocks,
            source_text(start.block_size, start.source)
        )?;
        if let Some(reason) = start.container_error {
            writeln!(
                self.out,
                "DWVD v2.0 container: unreadable ({reason}); blocks are walked by tag"
            )?;
        }
        if let Some(container) = start.container {
            container_text(&mut self.out, &container.json)?;
        }
        writeln!(
            self.out,
            "{:>10}  {:<17}  {:>10}  checksum",
            "block", "tag", "generation"
        )
    }

    fn block(&mut self, line: &BlockLine) -> std::io::Result<()> {
        let BlockLine {
            index,
            tag,
            generation,
            state,
        } = *line;
        let key = (tag, generation, state);
        let rest = match &mut self.rest {
            Some((last, rest)) if *last == key => rest,
            slot => &mut slot.insert((key, block_rest(tag, generation, state))).1,
        };
        // `{index:>10}`, without `fmt`.
        let mut digits = itoa::Buffer::new();
        let index = digits.format(index);
        let padding = INDEX_WIDTH.saturating_sub(index.len());
        let spaces = [b' '; INDEX_WIDTH];
        self.out
            .write_all(spaces.get(..padding).unwrap_or_default())?;
        self.out.write_all(index.as_bytes())?;
        self.out.write_all(rest.as_bytes())
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        let out = &mut self.out;
        writeln!(out)?;
        writeln!(out, "regions:")?;
        if summary.regions.is_empty() {
            writeln!(out, "  none (no STRE, WORM or CMVT blocks)")?;
        }
        for region in &summary.regions {
            let last = region
                .first_block
                .saturating_add(region.block_count.saturating_sub(1));
            writeln!(
                out,
                "  blocks {}-{last} {}: {}",
                region.first_block,
                region.kind.as_str(),
                region_text(region)
            )?;
        }
        if !summary.unmatched.is_empty() {
            writeln!(out)?;
            writeln!(out, "checkpoints for no WORM region in this image:")?;
            for checkpoint in &summary.unmatched {
                writeln!(out, "  {}", checkpoint.text())?;
            }
        }
        writeln!(out)?;
        let trailing = summary.trailing;
        if trailing > 0 {
            writeln!(
                out,
                "trailing {trailing} bytes after the last whole block: the image is not a whole number of blocks (cut short, or bytes appended)"
            )?;
        }
        let problems = summary.checkpoint_problems;
        let unmatched_text = if problems > 0 {
            format!(
                "; {problems} signed checkpoint{} with no WORM region",
                if problems == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{} ({} blank), {} with a checksum mismatch; {}, {} with problems{unmatched_text}: {}",
            crate::counted(summary.whole_blocks, "block", "blocks"),
            summary.blank_blocks,
            summary.corrupt_blocks,
            crate::counted(
                u64::try_from(summary.regions.len()).unwrap_or(u64::MAX),
                "region",
                "regions"
            ),
            summary.region_problems,
            if summary.clean {
                "clean"
            } else {
                "CORRUPTION FOUND"
            }
        )
    }
}

/// The container's superblock and slots, as text.
fn container_text(out: &mut impl Write, container: &ContainerJson) -> std::io::Result<()> {
    writeln!(
        out,
        "DWVD v2.0 container \"{}\": {} blocks of {} bytes; {} superblock group; slots from the {}",
        container.label,
        container.total_blocks,
        container.block_size,
        container.superblock,
        if container.slot_table == "directory" {
            "region directory (blocks 8-9)"
        } else {
            "group's pointer table"
        }
    )?;
    writeln!(
        out,
        "{:>6}  {:<6}  {:>12}  {:>12}  {:>12}  flags",
        "slot", "tag", "start", "blocks", "used"
    )?;
    for slot in &container.slots {
        let flags: Vec<&str> = SlotFlags::NAMED
            .iter()
            .filter(|(flag, _)| SlotFlags::from_bits(slot.flags).contains(*flag))
            .map(|(_, name)| *name)
            .collect();
        writeln!(
            out,
            "{:>6}  {:<6}  {:>12}  {:>12}  {:>12}  {}",
            slot.slot,
            slot.tag,
            slot.start_block,
            slot.block_count,
            slot.used_blocks,
            if flags.is_empty() {
                "-".to_string()
            } else {
                flags.join(", ")
            }
        )?;
    }
    for note in &container.notes {
        writeln!(out, "  note: {note}")?;
    }
    writeln!(out)
}

/// A region's line in the text report (and the lines of its checks under it).
fn region_text(region: &RegionReport) -> String {
    let mut text = match &region.details {
        Details::Failed(error) => format!("{} — {error}", error.kind()),
        Details::Blank => {
            "blank — reserved by the container, never written (not formatted)".to_string()
        }
        Details::Unrecoverable => format!(
            "UNRECOVERABLE — {}",
            region.error.as_deref().unwrap_or("recovery failed")
        ),
        Details::Stream(ring) => {
            let shown = |slot: Option<u64>| slot.map_or("-".to_string(), |slot| slot.to_string());
            let permille = ring.allocation_permille;
            format!(
                "ok — ring allocated {}/{} blocks ({}.{} %), write_head {} (slot {}), read_tail {} (slot {}), {}, growth {}, generation {}",
                ring.allocated_blocks,
                ring.max_capacity_blocks,
                permille.checked_div(10).unwrap_or(0),
                permille.checked_rem(10).unwrap_or(0),
                ring.write_head,
                shown(ring.write_head_slot),
                ring.read_tail,
                shown(ring.read_tail_slot),
                crate::counted(ring.entry_count, "entry", "entries"),
                ring.growth_increment,
                ring.generation
            )
        }
        Details::Worm(worm) => {
            let retention = match worm.retention_period_ticks {
                0 => "retained forever".to_string(),
                ticks => format!("retention {} days", retention_days(ticks)),
            };
            let text = format!(
                "ok — high-water mark {} of {} blocks, write log of {}, {retention}, created {}, generation {}",
                worm.high_water_mark,
                worm.total_capacity_blocks,
                crate::counted(
                    u64::try_from(worm.write_log_count).unwrap_or(u64::MAX),
                    "record",
                    "records"
                ),
                crate::time::ticks_text(worm.created_utc_ticks),
                worm.generation
            );
            match &worm.sequence_error {
                Some(error) => format!("{text}; LOG DISAGREES WITH THE MARK: {error}"),
                None => text,
            }
        }
        Details::Vault(vault) => {
            let list = |map: &std::collections::BTreeMap<String, usize>| {
                if map.is_empty() {
                    return "none".to_string();
                }
                map.iter()
                    .map(|(name, count)| format!("{name} {count}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let text = format!(
                "ok — {}; frameworks: {}; statuses: {}; generation {}",
                crate::counted(
                    u64::try_from(vault.passport_count).unwrap_or(u64::MAX),
                    "passport",
                    "passports"
                ),
                list(&vault.frameworks),
                list(&vault.statuses),
                vault.generation
            );
            match &vault.signatures {
                Some(signatures) => {
                    let text = format!(
                        "{text}; signatures: {} valid, {} INVALID",
                        signatures.valid, signatures.invalid
                    );
                    if signatures.invalid_passports.is_empty() {
                        text
                    } else {
                        format!("{text} ({})", signatures.invalid_passports.join(", "))
                    }
                }
                None => format!("{text}; signatures not checked (give --public-key)"),
            }
        }
    };
    if let Some(headline) = region.headline
        && let Some(rest) = text.strip_prefix("ok — ")
    {
        text = format!("{headline} — {rest}");
    }
    for note in &region.notes {
        text = format!("{text}\n    {note}");
    }
    text
}

/// The version of the JSON report's layout: bumped when a key a script reads changes
/// (keys are only ever added within a version).
const REPORT_SCHEMA_VERSION: u32 = 1;

/// The report as one JSON object, streamed: its members written as they come (the
/// blocks one by one), each value by serde_json.
#[derive(Debug)]
pub struct Json<W> {
    out: W,
    formatter: CompactFormatter,
    /// Whether the next block is the first.
    first_block: bool,
}

/// A block as listed in JSON.
#[derive(Serialize)]
struct BlockJson {
    index: u64,
    tag: String,
    known_tag: bool,
    generation: u32,
    checksum_ok: bool,
    /// `ok`, `blank`, `superseded` or `corrupt`.
    state: &'static str,
}

/// A region as listed in JSON. Its summary is a `serde_json::Value`, so its keys are in
/// sorted order (serde_json's map), as they always were.
#[derive(Serialize)]
struct RegionJson<'a> {
    kind: &'static str,
    first_block: u64,
    block_count: u64,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    summary: serde_json::Value,
}

impl<'a> RegionJson<'a> {
    fn new(region: &'a RegionReport) -> serde_json::Result<Self> {
        let summary = match &region.details {
            Details::Failed(_) | Details::Blank | Details::Unrecoverable => serde_json::Value::Null,
            Details::Stream(summary) => serde_json::to_value(summary)?,
            Details::Worm(summary) => serde_json::to_value(summary)?,
            Details::Vault(summary) => serde_json::to_value(summary)?,
        };
        Ok(RegionJson {
            kind: region.kind.as_str(),
            first_block: region.first_block,
            block_count: region.block_count,
            status: &region.status,
            error: region.error.as_deref(),
            summary,
        })
    }
}

impl<W: Write> Json<W> {
    pub fn new(out: W) -> Self {
        Json {
            out,
            formatter: CompactFormatter,
            first_block: true,
        }
    }

    /// Starts the member `key` of the top-level object.
    fn key(&mut self, key: &str, first: bool) -> std::io::Result<()> {
        self.formatter.begin_object_key(&mut self.out, first)?;
        serde_json::to_writer(&mut self.out, key)?;
        self.formatter.end_object_key(&mut self.out)?;
        self.formatter.begin_object_value(&mut self.out)
    }

    /// Writes the member `key: value` of the top-level object.
    fn member(&mut self, key: &str, value: &impl Serialize) -> std::io::Result<()> {
        self.key(key, false)?;
        serde_json::to_writer(&mut self.out, value)?;
        self.formatter.end_object_value(&mut self.out)
    }
}

impl<W: Write> Sink for Json<W> {
    fn start(&mut self, start: &Start<'_>) -> std::io::Result<()> {
        self.formatter.begin_object(&mut self.out)?;
        self.key("schema_version", true)?;
        serde_json::to_writer(&mut self.out, &REPORT_SCHEMA_VERSION)?;
        self.formatter.end_object_value(&mut self.out)?;
        self.member("image", &start.name)?;
        self.member("bytes", &start.length)?;
        self.member("block_size", &start.block_size.get())?;
        self.member(
            "block_size_source",
            &source_text(start.block_size, start.source),
        )?;
        self.member(
            "container",
            &start.container.map(|container| &container.json),
        )?;
        if let Some(reason) = start.container_error {
            self.member("container_error", &reason)?;
        }
        self.key("blocks", false)?;
        self.formatter.begin_array(&mut self.out)
    }

    fn block(&mut self, line: &BlockLine) -> std::io::Result<()> {
        self.formatter
            .begin_array_value(&mut self.out, self.first_block)?;
        self.first_block = false;
        let block = BlockJson {
            index: line.index,
            tag: crate::tag_text(line.tag),
            known_tag: line.tag.is_known(),
            generation: line.generation,
            checksum_ok: line.state == BlockState::Ok,
            state: line.state.as_str(),
        };
        serde_json::to_writer(&mut self.out, &block)?;
        self.formatter.end_array_value(&mut self.out)
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.formatter.end_array(&mut self.out)?;
        self.formatter.end_object_value(&mut self.out)?;
        let regions = summary
            .regions
            .iter()
            .map(RegionJson::new)
            .collect::<serde_json::Result<Vec<_>>>()?;
        self.member("regions", &regions)?;
        self.member("unmatched_checkpoints", &summary.unmatched)?;
        self.member(
            "unmatched_checkpoint_problems",
            &summary.checkpoint_problems,
        )?;
        self.member("trailing_bytes", &summary.trailing)?;
        self.member("blank_blocks", &summary.blank_blocks)?;
        self.member("corrupt_blocks", &summary.corrupt_blocks)?;
        self.member("region_problems", &summary.region_problems)?;
        self.member("clean", &summary.clean)?;
        self.formatter.end_object(&mut self.out)?;
        writeln!(self.out)
    }
}
