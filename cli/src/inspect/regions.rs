//! The regions `inspect` decodes (STRE, WORM, CMVT): assembled from the blocks the walk
//! has already read and verified, decoded into typed reports, and — after the walk —
//! WORM logs checked against the signed checkpoints found in the image's vaults.

use std::collections::BTreeMap;

use dwvd_regions::block::{Block, Checksums};
use dwvd_regions::streaming::{StreamingRing, StreamingView};
use dwvd_regions::transparency::worm_region_id;
use dwvd_regions::vault::VaultView;
use dwvd_regions::worm::{RECORD_LEN, WormHeader, WormView, WriteRecord};
use dwvd_regions::{BlockSize, Error, Tag, Ticks};
use p256::ecdsa::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;
use zerocopy::FromBytes;

use super::MAX_REGION_BYTES;
use crate::checkpoints::{self, CheckpointCheck, FoundCheckpoint, UnmatchedCheckpoint};
use crate::image::{self, ReadAt};
use dwvd_regions::{Region, RegionView};

/// The kinds of region `inspect` decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    Stream,
    Worm,
    Vault,
}

impl RegionKind {
    /// The region kind whose blocks carry `tag`, if `inspect` decodes it.
    pub fn of(tag: Tag) -> Option<Self> {
        if tag == Tag::STRE {
            Some(Self::Stream)
        } else if tag == Tag::WORM {
            Some(Self::Worm)
        } else if tag == Tag::CMVT {
            Some(Self::Vault)
        } else {
            None
        }
    }

    /// The kind's tag, as reported.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stream => "STRE",
            Self::Worm => "WORM",
            Self::Vault => "CMVT",
        }
    }

    pub fn tag(self) -> Tag {
        match self {
            Self::Stream => Tag::STRE,
            Self::Worm => Tag::WORM,
            Self::Vault => Tag::CMVT,
        }
    }
}

/// One region found in the image.
#[derive(Debug, Clone)]
pub struct RegionReport {
    pub kind: RegionKind,
    pub first_block: u64,
    pub block_count: u64,
    /// `ok`, or the error category of its first problem.
    pub status: String,
    /// What its first problem is, in words.
    pub error: Option<String>,
    /// What was decoded, or why it was not.
    pub details: Details,
    /// What replaces the `ok` its text starts with, once a later check found a problem.
    pub headline: Option<&'static str>,
    /// Lines added by later checks (the checkpoints').
    pub notes: Vec<String>,
    /// Whether this region counts as corruption for the exit status.
    pub corrupt: bool,
    /// A WORM region's id (`worm_region_id`): what its checkpoints name.
    worm_id: Option<Uuid>,
    /// A decoded WORM region's records, kept for the checkpoints found later (within
    /// [`RETAINED_RECORD_BYTES`]); `None` when over that budget.
    log: Option<Vec<WriteRecord>>,
    /// A vault's checkpoint passports.
    found_checkpoints: Vec<FoundCheckpoint>,
}

/// A region's decoded content, or its error.
#[derive(Debug, Clone)]
pub enum Details {
    /// It did not decode: the error, located in the image.
    Failed(Error),
    /// A container places it, and its first block is blank: not formatted.
    Blank,
    /// A stored region recovery could not read (the reason is the report's error).
    Unrecoverable,
    Stream(StreamSummary),
    Worm(WormSummary),
    Vault(VaultSummary),
}

/// A STRE header's ring.
#[derive(Debug, Clone, Serialize)]
pub struct StreamSummary {
    pub max_capacity_blocks: u64,
    pub allocated_blocks: u64,
    pub allocation_permille: u16,
    pub write_head: u64,
    /// The ring slot `write_head` falls in (none while nothing is allocated).
    pub write_head_slot: Option<u64>,
    pub read_tail: u64,
    pub read_tail_slot: Option<u64>,
    pub entry_count: u64,
    pub growth_increment: u32,
    pub generation: u32,
}

/// A WORM region's header and the state of its log.
#[derive(Debug, Clone, Serialize)]
pub struct WormSummary {
    pub high_water_mark: u64,
    pub total_capacity_blocks: u64,
    pub write_log_count: usize,
    pub retention_period_ticks: i64,
    pub created_utc_ticks: i64,
    pub generation: u32,
    pub log_in_sequence: bool,
    pub object_id: String,
    /// The checks against the checkpoints naming it (none: not shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<CheckpointCheck>,
    /// Why the log disagrees with the high-water mark, located in the image.
    #[serde(skip)]
    pub sequence_error: Option<Error>,
}

/// A vault's passports, counted.
#[derive(Debug, Clone, Serialize)]
pub struct VaultSummary {
    pub passport_count: usize,
    pub frameworks: BTreeMap<String, usize>,
    pub statuses: BTreeMap<String, usize>,
    pub generation: u32,
    /// With `--public-key`: how the signatures verified.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Signatures>,
}

/// How a vault's signatures verified.
#[derive(Debug, Clone, Serialize)]
pub struct Signatures {
    #[serde(rename = "signatures_valid")]
    pub valid: usize,
    #[serde(rename = "signatures_invalid")]
    pub invalid: usize,
    /// The ids of the passports whose signature does not verify.
    pub invalid_passports: Vec<String>,
}

impl RegionReport {
    fn decoded(kind: RegionKind, first_block: u64, extent: usize, details: Details) -> Self {
        RegionReport {
            kind,
            first_block,
            block_count: count(extent),
            status: "ok".to_string(),
            error: None,
            details,
            headline: None,
            notes: Vec::new(),
            corrupt: false,
            worm_id: None,
            log: None,
            found_checkpoints: Vec::new(),
        }
    }

    fn failed(kind: RegionKind, first_block: u64, extent: usize, error: &Error) -> Self {
        let error = (*error).relocated(first_block);
        RegionReport {
            status: error.kind().as_str().to_string(),
            error: Some(error.to_string()),
            corrupt: true,
            ..Self::decoded(kind, first_block, extent, Details::Failed(error))
        }
    }

    /// A stored region that could not be read or recovered: a problem.
    pub fn unreadable(kind: RegionKind, first_block: u64, reason: String) -> Self {
        RegionReport {
            status: "unrecoverable".to_string(),
            error: Some(reason),
            corrupt: true,
            ..Self::decoded(kind, first_block, 1, Details::Unrecoverable)
        }
    }

    /// A region a container slot places, whose first block is blank: reserved, never
    /// written (the reference engine leaves its STRE extent so). Not a problem.
    pub fn blank(kind: RegionKind, first_block: u64, slot: usize) -> Self {
        RegionReport {
            status: "blank".to_string(),
            notes: vec![format!(
                "slot {slot}'s region is not formatted: its first block is blank"
            )],
            ..Self::decoded(kind, first_block, 1, Details::Blank)
        }
    }

    /// Makes the region a problem: its first problem sets its status and error, and its
    /// headline replaces the `ok` its text starts with.
    fn mark_problem(&mut self, status: &str, headline: &'static str, detail: String) {
        self.corrupt = true;
        if self.error.is_none() {
            self.status = status.to_string();
            self.headline = Some(headline);
            self.error = Some(detail);
        }
    }
}

/// A block count as reported.
fn count(blocks: usize) -> u64 {
    u64::try_from(blocks).unwrap_or(u64::MAX)
}

/// How many blocks the WORM region whose first block is `block` takes, as its header's
/// `write_log_count` sizes it; `None` when the block's checksum fails (its header cannot
/// be trusted to size anything) or the count is negative or overflows.
pub fn worm_region_blocks(block: &[u8], block_size: BlockSize) -> Option<u64> {
    let sound = Block::new_checked(block).is_ok_and(|view| view.checksum_ok());
    worm_blocks_if_sound(block, block_size, sound)
}

/// [`worm_region_blocks`] for a block whose checksum was already checked (`sound`).
fn worm_blocks_if_sound(block: &[u8], block_size: BlockSize, sound: bool) -> Option<u64> {
    WormHeader::read_from_prefix(block)
        .ok()
        .and_then(|(header, _)| u64::try_from(header.write_log_count.get()).ok())
        .and_then(|count| dwvd_regions::worm::blocks_needed(block_size, count))
        .filter(|_| sound)
}

/// A block handed back by a region that did not take it: it is walked again.
#[derive(Debug)]
pub struct Leftover {
    pub index: u64,
    pub bytes: Vec<u8>,
    pub sound: bool,
}

/// A region being assembled from the walk's blocks: its blocks so far, copied out of the
/// chunks they were read in (so no block is read twice), up to [`MAX_REGION_BYTES`].
#[derive(Debug)]
pub struct Pending {
    kind: RegionKind,
    first: u64,
    buffer: Vec<u8>,
    /// Each block's checksum verdict (for the blocks handed back).
    sound: Vec<bool>,
    /// A WORM region: the blocks its header's count sizes it to (a corrupt header: 1).
    needed: u64,
    /// The end of the container slot's extent: no block from there is taken.
    extent_end: Option<u64>,
}

impl Pending {
    /// Starts a region of `kind` at block `first`, whose bytes are `block`.
    pub fn start(
        kind: RegionKind,
        first: u64,
        block: &[u8],
        sound: bool,
        block_size: BlockSize,
    ) -> Self {
        let needed = match kind {
            RegionKind::Worm => worm_blocks_if_sound(block, block_size, sound).unwrap_or(1),
            RegionKind::Stream | RegionKind::Vault => 1,
        };
        Pending {
            kind,
            first,
            buffer: block.to_vec(),
            sound: vec![sound],
            needed,
            extent_end: None,
        }
    }

    /// Takes no block at or after `extent_end` (a container slot's extent).
    pub fn limit_to(&mut self, extent_end: Option<u64>) {
        self.extent_end = extent_end;
    }

    fn blocks(&self) -> usize {
        self.sound.len()
    }

    /// Whether the next block, of this tag, belongs to the region: the same tag, within
    /// [`MAX_REGION_BYTES`]. (Blocks past its size never reach here: it is complete.)
    pub fn accepts(&self, tag: Tag, block_size: BlockSize) -> bool {
        let next = self.first.saturating_add(count(self.blocks()));
        tag == self.kind.tag()
            && self.extent_end.is_none_or(|end| next < end)
            && self
                .buffer
                .len()
                .checked_add(block_size.get())
                .is_some_and(|length| length <= MAX_REGION_BYTES)
    }

    /// Adds the next block.
    pub fn push(&mut self, block: &[u8], sound: bool) {
        self.buffer.extend_from_slice(block);
        self.sound.push(sound);
    }

    /// Whether the region has all the blocks it needs: a STRE header is one block, a
    /// WORM region as many as its header's count needs, and a vault's extent shows only
    /// by walking it — looked at when it holds 1, 2, 4, … blocks (as a reader reading
    /// ahead 1, 2, 4, … blocks would), until the walk finds its last passport.
    pub fn complete(&self, block_size: BlockSize) -> bool {
        match self.kind {
            RegionKind::Stream => true,
            RegionKind::Worm => count(self.blocks()) >= self.needed,
            RegionKind::Vault => {
                self.blocks().is_power_of_two()
                    && VaultView::implied_extent(&self.buffer, block_size).is_some()
            }
        }
    }

    /// Decodes the region from the blocks it has. Returns its report and the blocks after
    /// its extent, handed back to the walk.
    pub fn finish(
        self,
        block_size: BlockSize,
        key: Option<&VerifyingKey>,
    ) -> (RegionReport, Vec<Leftover>) {
        // The walk's reader hashed every block as it read it: a region whose blocks all
        // verified is checked without hashing them again (each block hashed once).
        let checksums = if self.sound.iter().all(|sound| *sound) {
            Checksums::AlreadyVerified
        } else {
            Checksums::Verify
        };
        let (report, extent) = match self.kind {
            RegionKind::Stream => decode_stream(&self.buffer, block_size, self.first, checksums),
            RegionKind::Worm => {
                decode_worm(&self.buffer, block_size, self.first, self.needed, checksums)
            }
            RegionKind::Vault => {
                let probable = VaultView::implied_extent(&self.buffer, block_size);
                decode_vault(
                    &self.buffer,
                    block_size,
                    self.first,
                    probable,
                    key,
                    checksums,
                )
            }
        };
        let extent = extent.max(1);
        let size = block_size.get();
        let leftovers = (self.buffer.chunks_exact(size).zip(self.sound))
            .enumerate()
            .skip(extent)
            .map(|(at, (bytes, sound))| Leftover {
                index: self.first.saturating_add(count(at)),
                bytes: bytes.to_vec(),
                sound,
            })
            .collect();
        (report, leftovers)
    }
}

/// Decodes a whole region image of `kind` whose first block is image block `first`.
pub fn decode(
    kind: RegionKind,
    image: &[u8],
    block_size: BlockSize,
    first: u64,
    key: Option<&VerifyingKey>,
) -> (RegionReport, usize) {
    match kind {
        RegionKind::Stream => decode_stream(image, block_size, first, Checksums::Verify),
        RegionKind::Worm => {
            let needed = image
                .len()
                .checked_div(block_size.get())
                .and_then(|blocks| u64::try_from(blocks).ok())
                .unwrap_or(1);
            decode_worm(image, block_size, first, needed, Checksums::Verify)
        }
        RegionKind::Vault => decode_vault(
            image,
            block_size,
            first,
            VaultView::implied_extent(image, block_size),
            key,
            Checksums::Verify,
        ),
    }
}

fn decode_stream(
    block: &[u8],
    block_size: BlockSize,
    first: u64,
    checksums: Checksums,
) -> (RegionReport, usize) {
    let block = block.get(..block_size.get()).unwrap_or(block);
    let ring = StreamingView::new_checked_with(block, block_size, checksums)
        .and_then(|view| StreamingRing::from_view(&view));
    match ring {
        Ok(ring) => {
            // The slots the ring positions fall in (none while nothing is allocated).
            let slot = |position: u64| position.checked_rem(ring.allocated_blocks());
            let summary = StreamSummary {
                max_capacity_blocks: ring.max_capacity_blocks(),
                allocated_blocks: ring.allocated_blocks(),
                allocation_permille: ring.allocation_permille(),
                write_head: ring.write_head(),
                write_head_slot: slot(ring.write_head()),
                read_tail: ring.read_tail(),
                read_tail_slot: slot(ring.read_tail()),
                entry_count: ring.entry_count(),
                growth_increment: ring.growth_increment(),
                generation: ring.generation(),
            };
            let details = Details::Stream(summary);
            (
                RegionReport::decoded(RegionKind::Stream, first, 1, details),
                1,
            )
        }
        Err(error) => (
            RegionReport::failed(RegionKind::Stream, first, 1, &error),
            1,
        ),
    }
}

/// The most record bytes kept, over all WORM regions, for checking checkpoints after the
/// walk; the log of a region past this budget is read again if a checkpoint names it.
const RETAINED_RECORD_BYTES: usize = MAX_REGION_BYTES;

fn decode_worm(
    rest: &[u8],
    block_size: BlockSize,
    first: u64,
    needed: u64,
    checksums: Checksums,
) -> (RegionReport, usize) {
    match WormView::new_checked_prefix_with(rest, block_size, checksums) {
        Ok((view, extent)) => {
            let sequence = view.check_log_sequence();
            let id = worm_region_id(view.header());
            let summary = WormSummary {
                high_water_mark: view.high_water_mark(),
                total_capacity_blocks: view.total_capacity_blocks(),
                write_log_count: view.write_log_count(),
                retention_period_ticks: view.retention_period_ticks(),
                created_utc_ticks: view.created().get(),
                generation: view.generation(),
                log_in_sequence: sequence.is_ok(),
                object_id: id.hyphenated().to_string(),
                checkpoints: Vec::new(),
                sequence_error: sequence
                    .as_ref()
                    .err()
                    .map(|error| (*error).relocated(first)),
            };
            let mut report =
                RegionReport::decoded(RegionKind::Worm, first, extent, Details::Worm(summary));
            report.worm_id = Some(id);
            report.log = Some(view.records().copied().collect());
            if let Err(error) = sequence {
                let error = error.relocated(first);
                report.status = error.kind().as_str().to_string();
                report.error = Some(error.to_string());
                report.corrupt = true;
            }
            (report, extent)
        }
        Err(error) => {
            let available = rest.len().checked_div(block_size.get()).unwrap_or(0);
            let sized = usize::try_from(needed).unwrap_or(usize::MAX).min(available);
            let extent = extent_after_error(&error, sized, available);
            (
                RegionReport::failed(RegionKind::Worm, first, extent, &error),
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
    checksums: Checksums,
) -> (RegionReport, usize) {
    match VaultView::new_checked_prefix_with(rest, block_size, checksums) {
        Ok((view, extent)) => {
            let mut frameworks: BTreeMap<String, usize> = BTreeMap::new();
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            let (mut valid, mut invalid) = (0usize, 0usize);
            let mut failing = Vec::new();
            let verified = key.map(|key| crate::verify::verify_passports(&view, key));
            for (index, passport) in view.passports().enumerate() {
                let framework = frameworks
                    .entry(crate::framework_text(passport.framework()))
                    .or_default();
                *framework = framework.saturating_add(1);
                let status = statuses.entry(passport.status().to_string()).or_default();
                *status = status.saturating_add(1);
                if let Some(verified) = &verified {
                    if verified.get(index).copied().unwrap_or(false) {
                        valid = valid.saturating_add(1);
                    } else {
                        invalid = invalid.saturating_add(1);
                        failing.push(passport.passport_id().to_string());
                    }
                }
            }
            let summary = VaultSummary {
                passport_count: view.passport_count(),
                frameworks,
                statuses,
                generation: view.generation(),
                signatures: key.map(|_| Signatures {
                    valid,
                    invalid,
                    invalid_passports: failing,
                }),
            };
            let mut report =
                RegionReport::decoded(RegionKind::Vault, first, extent, Details::Vault(summary));
            report.found_checkpoints = checkpoints::in_vault(&view, first, verified.as_deref());
            (report, extent)
        }
        Err(error) => {
            let available = rest.len().checked_div(block_size.get()).unwrap_or(0);
            let sized = probable.unwrap_or(available).min(available);
            let extent = extent_after_error(&error, sized, available);
            (
                RegionReport::failed(RegionKind::Vault, first, extent, &error),
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

/// Outside a container, a stored region's two checkpoint copies lie side by side: two
/// adjacent regions of one kind that are the same region (a ring of the same capacity
/// and growth, a WORM region of the same id, vaults of the same size) at different
/// generations. The older is marked superseded: information, not a problem.
pub fn mark_superseded_copies(regions: &mut [RegionReport]) {
    for at in 1..regions.len() {
        let (Some(first), Some(second)) = (regions.get(at.saturating_sub(1)), regions.get(at))
        else {
            continue;
        };
        let adjacent = first.kind == second.kind
            && first.first_block.saturating_add(first.block_count) == second.first_block
            && first.status == "ok"
            && second.status == "ok";
        let same_region = match (&first.details, &second.details) {
            (Details::Stream(a), Details::Stream(b)) => {
                a.max_capacity_blocks == b.max_capacity_blocks
                    && a.growth_increment == b.growth_increment
            }
            (Details::Worm(a), Details::Worm(b)) => a.object_id == b.object_id,
            (Details::Vault(_), Details::Vault(_)) => first.block_count == second.block_count,
            _ => false,
        };
        let (Some(a), Some(b)) = (generation(first), generation(second)) else {
            continue;
        };
        if !adjacent || !same_region || a == b {
            continue;
        }
        let older = if dwvd_regions::storage::generation_is_newer(b, a) {
            at.saturating_sub(1)
        } else {
            at
        };
        let newer_block = if older == at {
            first.first_block
        } else {
            second.first_block
        };
        if let Some(region) = regions.get_mut(older) {
            region.status = "superseded".to_string();
            region.headline = Some("superseded");
            region.notes.push(format!(
                "an older checkpoint copy of the region at block {newer_block} (its generation is older): not used"
            ));
        }
    }
}

/// A decoded region's generation.
fn generation(region: &RegionReport) -> Option<u32> {
    match &region.details {
        Details::Stream(summary) => Some(summary.generation),
        Details::Worm(summary) => Some(summary.generation),
        Details::Vault(summary) => Some(summary.generation),
        Details::Failed(_) | Details::Blank | Details::Unrecoverable => None,
    }
}

/// Keeps the logs of WORM regions, in the order decoded, within
/// [`RETAINED_RECORD_BYTES`]: the regions after that keep none.
pub fn limit_retained_logs(report: &mut RegionReport, retained: &mut usize) {
    if let Some(log) = &report.log {
        let bytes = log.len().saturating_mul(RECORD_LEN);
        match retained.checked_add(bytes) {
            Some(total) if total <= RETAINED_RECORD_BYTES => *retained = total,
            _ => report.log = None,
        }
    }
}

/// Checks every WORM region that decoded against the checkpoints naming it (found in any
/// vault of the image, before or after it), adding the results to its report — a
/// truncation, rewrite or (with a key) bad signature makes it a problem; a checkpoint
/// several regions' ids share is settled by [`checkpoints::settle_shared_ids`]. Each
/// region's records were kept when it was decoded; a region whose log was over the
/// budget is read again from `image` (the handle the walk read, by position), and one
/// that cannot be is a problem of its own. Returns the checkpoints that name no WORM
/// region here (with a key, a validly signed one among them is a problem).
pub fn cross_check_checkpoints<R: ReadAt + ?Sized>(
    regions: &mut [RegionReport],
    block_size: BlockSize,
    image: &R,
) -> Vec<UnmatchedCheckpoint> {
    let found: Vec<FoundCheckpoint> = regions
        .iter_mut()
        .flat_map(|region| std::mem::take(&mut region.found_checkpoints))
        .collect();
    if found.is_empty() {
        return Vec::new();
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
        let refs: Vec<&FoundCheckpoint> = mine.iter().filter_map(|at| found.get(*at)).collect();
        let results = match &region.log {
            Some(log) => checkpoints::check_log(log.iter(), &refs),
            None => match read_log_again(region, block_size, image) {
                Ok(log) => checkpoints::check_log(log.iter(), &refs),
                Err((status, headline, detail)) => {
                    region.notes.push(detail.clone());
                    region.mark_problem(&status, headline, detail);
                    continue;
                }
            },
        };
        *region_checks = mine.into_iter().zip(results).collect();
    }
    checkpoints::settle_shared_ids(&mut checks);
    for (region, region_checks) in regions.iter_mut().zip(checks) {
        if region_checks.is_empty() {
            continue;
        }
        let region_checks: Vec<CheckpointCheck> =
            region_checks.into_iter().map(|(_, check)| check).collect();
        for check in &region_checks {
            region.notes.push(check.text());
            if let Some(problem) = check.problem() {
                region.mark_problem(problem, check.headline(), check.detail.clone());
            }
        }
        if let Details::Worm(summary) = &mut region.details {
            summary.checkpoints = region_checks;
        }
    }
    found
        .iter()
        .filter(|checkpoint| !worm_ids.contains(&checkpoint.object_id))
        .map(UnmatchedCheckpoint::new)
        .collect()
}

/// The records of a WORM region whose log was not kept: the region read again (from
/// `image`, the handle the walk read, not the path opened again) and checked again. The
/// error: the status, headline and detail of the problem that makes.
fn read_log_again<R: ReadAt + ?Sized>(
    region: &RegionReport,
    block_size: BlockSize,
    image: &R,
) -> Result<Vec<WriteRecord>, (String, &'static str, String)> {
    let bytes = image::read_blocks(image, block_size, region.first_block, region.block_count)
        .map_err(|error| {
            let detail =
                format!("cannot read the region again to check its checkpoints: {error:#}");
            ("io_error".to_string(), "I/O ERROR", detail)
        })?;
    match WormView::new_checked_prefix(&bytes, block_size) {
        Ok((view, _)) => Ok(view.records().copied().collect()),
        Err(error) => {
            let error = error.relocated(region.first_block);
            let detail = format!("checkpoints not checked: the region no longer reads ({error})");
            Err((
                error.kind().as_str().to_string(),
                "CHANGED WHILE INSPECTED",
                detail,
            ))
        }
    }
}

/// How a region's text starts, once decoded: for the renderer, with `Ticks` shown.
pub fn retention_days(ticks: i64) -> i64 {
    ticks
        .checked_div(86_400_i64.saturating_mul(Ticks::PER_SECOND))
        .unwrap_or(0)
}
