//! Flash wear of our journaled Streaming Append ring against `sequential-storage`'s queue:
//! the same payloads pushed into the same NOR flash geometry, counted the same way.
//!
//! * **ours** — [`StoredRing`] (64 slots, growth 16, as `dwvd wear`'s `ring` workload) on
//!   [`RamNorFlash`]: `StoredRing::blocks_needed(64)` = 68 blocks of 4 KiB (2 header
//!   copies, 2 journal blocks, 64 data slots), 4 KiB sectors, 4-byte program unit.
//! * **theirs** — `sequential_storage::queue::QueueStorage` over the same 68 sectors of
//!   4 KiB with the same 4-byte program unit, on [`CountingNor`]: a NOR model in RAM
//!   written here because the crate is async over `embedded-storage-async`'s `NorFlash`,
//!   whose sizes are associated consts. It counts exactly as `RamNorFlash` does (one per
//!   sector erased, every byte programmed) and, like it, refuses to program a byte that
//!   is not erased.
//!
//! The workload is `dwvd wear`'s: each side is initialised first (the ring formatted, the
//! queue's range erased with `erase_all`), its counters are reset, then N = 10,000
//! payloads of 100 bytes (`reading #{i}: temperature=…`, padded with spaces) are pushed.
//! Both keep the newest data when full: the ring overwrites its oldest entry, the queue
//! is pushed with its `allow_overwrite_old_data` option (it then erases the page holding
//! its oldest items). Reported per side: sector erases per KiB of payload, bytes
//! programmed per KiB of payload, and the erase count of the most-erased sector, with
//! the ratio ours / theirs; then a check that each side holds the newest payloads.
//!
//! The ring stores every entry in a whole 4 KiB data block (it is a block format: each
//! entry is addressable by position and sealed with its own checksum and generation), so
//! it programs about 40 times the payload; the queue packs items. The table says so
//! rather than hiding it: this measures, it does not pick a winner.
//!
//! `cargo bench --bench wear_vs_sequential_storage` prints the table;
//! `… -- --test` makes a quick run (N = 3,000: enough for both sides to wrap) for CI.
// A benchmark relaxes the workspace's no-panic lints (Cargo.toml): its fixtures are
// fixed and a failure should stop it loudly. The crate measured is held to them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)]

use std::fmt;

use dwvd_regions::BlockSize;
use dwvd_regions::storage::{RamNorFlash, StoredRing};
use dwvd_regions::streaming::StreamingRing;
use embassy_futures::block_on;
use embedded_storage_async::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use sequential_storage::cache::Cache;
use sequential_storage::queue::{QueueConfig, QueueStorage};

/// Block size of the ring and sector (erase) size of both flashes.
const SECTOR: usize = 4096;
/// The program unit of both flashes (`dwvd wear`'s `PROGRAM_SIZE`).
const PROGRAM_SIZE: usize = 4;
/// The ring's slots (`dwvd wear`'s `RING_SLOTS`).
const RING_SLOTS: u64 = 64;
/// The ring's growth increment (as `dwvd wear`).
const RING_GROWTH: u32 = 16;
/// Bytes of each payload (`dwvd wear`'s `RECORD_LEN`).
const RECORD_LEN: usize = 100;
/// Pushes of the full run, and of the quick run under `--test`.
const OPERATIONS: u64 = 10_000;
const TEST_OPERATIONS: u64 = 3_000;

/// The payload of push `index`: `cli/src/wear.rs`'s `record`.
fn record(index: u64) -> [u8; RECORD_LEN] {
    let mut bytes = [b' '; RECORD_LEN];
    let text = format!("reading #{index}: temperature={}", index % 7 + 20);
    let length = text.len().min(RECORD_LEN);
    bytes[..length].copy_from_slice(&text.as_bytes()[..length]);
    bytes
}

/// What a [`CountingNor`] refuses (as [`RamNorFlash`] would).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CountingNorError {
    /// Not whole program units or sectors.
    Misaligned { offset: u32, length: usize },
    /// Past the end of the flash.
    OutOfBounds { offset: u32, length: usize },
    /// A program over a byte that is not erased (real flash would corrupt it).
    NotErased { address: usize },
}

impl NorFlashError for CountingNorError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            Self::Misaligned { .. } => NorFlashErrorKind::NotAligned,
            Self::OutOfBounds { .. } => NorFlashErrorKind::OutOfBounds,
            Self::NotErased { .. } => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM for `sequential-storage`: 4 KiB sectors, 4-byte programs, erase
/// counters per sector and a count of bytes programmed, kept as [`RamNorFlash`] keeps
/// them. Not `MultiwriteNorFlash`: the workload only pushes (with overwrite), which
/// never programs a word twice, and a second program is refused like on `RamNorFlash`.
#[derive(Debug)]
struct CountingNor {
    bytes: Vec<u8>,
    erase_counts: Vec<u32>,
    bytes_programmed: u64,
}

impl CountingNor {
    /// An erased flash of `sectors` sectors, counters at zero.
    fn new(sectors: usize) -> Self {
        Self {
            bytes: vec![0xFF; sectors * SECTOR],
            erase_counts: vec![0; sectors],
            bytes_programmed: 0,
        }
    }

    fn reset_counters(&mut self) {
        self.erase_counts.fill(0);
        self.bytes_programmed = 0;
    }

    /// `offset .. offset + length`, checked against the flash.
    fn range(
        &self,
        offset: u32,
        length: usize,
    ) -> Result<std::ops::Range<usize>, CountingNorError> {
        let start = offset as usize;
        start
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len())
            .map(|end| start..end)
            .ok_or(CountingNorError::OutOfBounds { offset, length })
    }
}

impl ErrorType for CountingNor {
    type Error = CountingNorError;
}

impl ReadNorFlash for CountingNor {
    const READ_SIZE: usize = 1;

    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let range = self.range(offset, bytes.len())?;
        bytes.copy_from_slice(&self.bytes[range]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.bytes.len()
    }
}

impl NorFlash for CountingNor {
    const WRITE_SIZE: usize = PROGRAM_SIZE;
    const ERASE_SIZE: usize = SECTOR;

    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let length = (to as usize).saturating_sub(from as usize);
        if from > to || !(from as usize).is_multiple_of(SECTOR) || !length.is_multiple_of(SECTOR) {
            return Err(CountingNorError::Misaligned {
                offset: from,
                length,
            });
        }
        let range = self.range(from, length)?;
        self.bytes[range.clone()].fill(0xFF);
        for count in &mut self.erase_counts[range.start / SECTOR..range.end / SECTOR] {
            *count += 1;
        }
        Ok(())
    }

    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        if !(offset as usize).is_multiple_of(PROGRAM_SIZE)
            || !bytes.len().is_multiple_of(PROGRAM_SIZE)
        {
            return Err(CountingNorError::Misaligned {
                offset,
                length: bytes.len(),
            });
        }
        let range = self.range(offset, bytes.len())?;
        let target = &mut self.bytes[range.clone()];
        if let Some(first) = target.iter().position(|byte| *byte != 0xFF) {
            return Err(CountingNorError::NotErased {
                address: range.start + first,
            });
        }
        target.copy_from_slice(bytes);
        self.bytes_programmed += bytes.len() as u64;
        Ok(())
    }
}

/// The wear one side's workload caused.
#[derive(Debug, Clone, Copy)]
struct Wear {
    /// Sector erases.
    erases: u64,
    /// Bytes programmed.
    bytes_programmed: u64,
    /// Erases of the sector erased most.
    max_erases_per_sector: u64,
    /// Payloads still held at the end (the newest ones, checked).
    kept: u64,
}

impl Wear {
    fn new(erase_counts: &[u32], bytes_programmed: u64, kept: u64) -> Self {
        Self {
            erases: erase_counts.iter().map(|count| u64::from(*count)).sum(),
            bytes_programmed,
            max_erases_per_sector: erase_counts.iter().copied().max().map_or(0, u64::from),
            kept,
        }
    }
}

/// The ring's workload, on `RamNorFlash` (as `dwvd wear`'s `ring` workload).
fn ours(operations: u64) -> (Wear, usize) {
    let block_size = BlockSize::new(SECTOR).unwrap();
    let blocks = StoredRing::blocks_needed(RING_SLOTS) as usize;
    let bytes = blocks * block_size.get();
    let mut flash = RamNorFlash::new(
        vec![0u8; bytes],
        vec![0u32; bytes / SECTOR],
        block_size,
        SECTOR,
        PROGRAM_SIZE,
    )
    .unwrap();
    let mut scratch = vec![0u8; StoredRing::scratch_len(block_size)];
    let ring = StreamingRing::new(block_size, RING_SLOTS, RING_GROWTH).unwrap();
    let mut stored = StoredRing::format(&mut flash, 0, ring, &mut scratch).unwrap();
    flash.reset_counters();
    for index in 0..operations {
        stored
            .append(&mut flash, &record(index), &mut scratch)
            .unwrap();
    }
    let wear = Wear::new(flash.erase_counts(), flash.bytes_programmed(), 0);

    // It keeps the newest entries, in order, ending with the last push.
    let region = stored.region();
    assert_eq!(region.write_head(), operations);
    for position in region.read_tail()..region.write_head() {
        let payload = stored.read(&mut flash, position, &mut scratch).unwrap();
        assert!(
            payload.starts_with(&record(position)),
            "ring entry {position}"
        );
    }
    let kept = region.entry_count();
    (Wear { kept, ..wear }, blocks)
}

/// The queue's workload, on [`CountingNor`] of `sectors` sectors.
fn theirs(operations: u64, sectors: usize) -> Wear {
    let mut flash = CountingNor::new(sectors);
    let end = u32::try_from(flash.capacity()).unwrap();
    let config = QueueConfig::try_new(0..end).unwrap();
    let mut queue = QueueStorage::new(&mut flash, config, Cache::new_uncached());
    let kept = block_on(async {
        queue.erase_all().await.unwrap();
        queue.flash().reset_counters();
        for index in 0..operations {
            // When full, the queue itself drops its oldest page of items to make room
            // (`allow_overwrite_old_data`), as the ring overwrites its oldest entry; no
            // pop-and-retry, so no extra programs to mark popped items.
            queue.push(&record(index), true).await.unwrap();
        }

        // It keeps the newest payloads, in order, ending with the last push.
        let mut buffer = [0u8; RECORD_LEN];
        let mut payloads = Vec::new();
        let mut items = queue.iter().await.unwrap();
        while let Some(item) = items.next(&mut buffer).await.unwrap() {
            payloads.push(<[u8; RECORD_LEN]>::try_from(&item[..]).unwrap());
        }
        let kept = payloads.len() as u64;
        let first = operations - kept;
        for (index, payload) in (first..).zip(&payloads) {
            assert_eq!(payload, &record(index), "queue item {index}");
        }
        kept
    });
    Wear::new(&flash.erase_counts, flash.bytes_programmed, kept)
}

/// `value` per KiB of `payload_bytes`.
fn per_kib(value: u64, payload_bytes: u64) -> f64 {
    value as f64 * 1024.0 / payload_bytes as f64
}

/// `ours / theirs`, or what the ratio is when theirs is zero.
struct Ratio(f64, f64);

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (ours, theirs) if theirs > 0.0 => write!(f, "{:.2}×", ours / theirs),
            (ours, _) if ours > 0.0 => f.write_str("∞ (theirs 0)"),
            _ => f.write_str("— (both 0)"),
        }
    }
}

fn main() {
    let quick = std::env::args().any(|argument| argument == "--test");
    let operations = if quick { TEST_OPERATIONS } else { OPERATIONS };
    let payload_bytes = operations * RECORD_LEN as u64;

    let (ours, sectors) = ours(operations);
    let theirs = theirs(operations, sectors);

    println!(
        "## Flash wear: StoredRing vs sequential-storage queue{}\n",
        if quick { " (quick run, --test)" } else { "" }
    );
    println!(
        "{operations} pushes of {RECORD_LEN}-byte payloads ({:.1} KiB); NOR flash of {sectors} \
         sectors of {SECTOR} bytes, {PROGRAM_SIZE}-byte program unit, on both sides; \
         counters reset after formatting.\n",
        payload_bytes as f64 / 1024.0
    );
    println!(
        "| per side | ours: StoredRing (64 slots) | sequential-storage queue | ours / theirs |"
    );
    println!("|---|---:|---:|---:|");
    let erases = (
        per_kib(ours.erases, payload_bytes),
        per_kib(theirs.erases, payload_bytes),
    );
    println!(
        "| erases per KiB of payload | {:.3} | {:.3} | {} |",
        erases.0,
        erases.1,
        Ratio(erases.0, erases.1)
    );
    let programmed = (
        per_kib(ours.bytes_programmed, payload_bytes),
        per_kib(theirs.bytes_programmed, payload_bytes),
    );
    println!(
        "| bytes programmed per KiB of payload | {:.0} | {:.0} | {} |",
        programmed.0,
        programmed.1,
        Ratio(programmed.0, programmed.1)
    );
    println!(
        "| erases of the most-erased sector | {} | {} | {} |",
        ours.max_erases_per_sector,
        theirs.max_erases_per_sector,
        Ratio(
            ours.max_erases_per_sector as f64,
            theirs.max_erases_per_sector as f64
        )
    );
    println!(
        "| sector erases (total) | {} | {} | {} |",
        ours.erases,
        theirs.erases,
        Ratio(ours.erases as f64, theirs.erases as f64)
    );
    println!(
        "| bytes programmed (total) | {} | {} | {} |",
        ours.bytes_programmed,
        theirs.bytes_programmed,
        Ratio(ours.bytes_programmed as f64, theirs.bytes_programmed as f64)
    );
    println!(
        "| newest payloads kept at the end (checked) | {} | {} | |",
        ours.kept, theirs.kept
    );
}
