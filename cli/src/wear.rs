//! `wear`: run a workload through the storage layer on simulated flash and report what
//! it costs in erases, so firmware authors can size flash before they ship.
//!
//! Three workloads, each on its own flash area, formatted first (formatting is not
//! counted: the figures are what the operations cost):
//!
//! * `ring`: N appends of a 100-byte reading to a 64-slot Streaming Append ring;
//! * `worm`: min(N, 4096) appends of a 100-byte record to a WORM region of that many
//!   blocks (its log holds up to 4096 records);
//! * `vault`: min(N, 256) adds of a signed passport of about 200 bytes to a vault whose
//!   copies are sized for all of them.
//!
//! On NOR flash ([`Medium::Nor`], the default) an erase is a sector erase of the
//! [`RamNorFlash`] model, which programs in 4-byte units; on a block device
//! ([`Medium::Block`]) every block write is counted as one erase of that block (an SD
//! card or eMMC rewrites a whole block; a file has no wear, but the count is the I/O).

use std::fmt::Write as _;

use anyhow::{Context, bail};
use clap::ValueEnum;
use dwvd_regions::storage::{BlockDevice, RamNorFlash, StoredRing, StoredVault, StoredWorm};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault, blocks_needed};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use serde::Serialize;
use uuid::Uuid;

/// The ring's slots.
pub const RING_SLOTS: u64 = 64;
/// The most WORM appends a run makes (the log's capacity).
pub const WORM_LIMIT: usize = 4096;
/// The most vault adds a run makes.
pub const VAULT_LIMIT: usize = 256;
/// The NOR model's program unit, in bytes.
pub const PROGRAM_SIZE: usize = 4;
/// Bytes of each ring reading and WORM record.
const RECORD_LEN: usize = 100;

/// What the workload runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Medium {
    /// NOR flash: sector erases, in-place programs of erased bytes.
    Nor,
    /// A block device: whole-block writes, each counted as an erase of its block.
    Block,
}

/// The run's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub block_size: usize,
    pub erase_size: usize,
    pub operations: u64,
    pub endurance: u64,
    pub medium: Medium,
}

/// The wear one workload caused.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Wear {
    /// Operations run.
    pub operations: u64,
    /// Sector erases (block writes on a block device).
    pub erases: u64,
    /// Bytes programmed (written).
    pub bytes_programmed: u64,
    /// Erases of the sector erased most.
    pub max_erases_per_sector: u64,
    /// Erases per sector of the region's area, on average.
    pub mean_erases_per_sector: f64,
    /// Operations until the most-erased sector reaches the endurance, at this rate:
    /// `operations × endurance / max_erases_per_sector`, rounded down (null when no
    /// sector was erased).
    pub lifetime_operations: Option<u64>,
}

/// The report: one [`Wear`] per workload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Report {
    pub ring: Wear,
    pub worm: Wear,
    pub vault: Wear,
}

/// A device that counts wear: the NOR model, or a block device in memory that counts
/// writes per block.
trait Counted: BlockDevice<Error: std::error::Error + Send + Sync + 'static> + Sized {
    /// A blank device of `blocks` blocks.
    fn make(options: &Options, block_size: BlockSize, blocks: u64) -> anyhow::Result<Self>;
    /// Zeroes the counters (after formatting).
    fn reset(&mut self);
    /// Erases per sector (or writes per block), and bytes programmed.
    fn counts(&self) -> (Vec<u64>, u64);
}

impl Counted for RamNorFlash<Vec<u8>, Vec<u32>> {
    fn make(options: &Options, block_size: BlockSize, blocks: u64) -> anyhow::Result<Self> {
        let bytes = usize::try_from(blocks)?
            .checked_mul(block_size.get())
            .context("a flash that fits in memory")?;
        let sectors = bytes
            .checked_div(options.erase_size)
            .context("a non-zero erase size")?;
        Ok(RamNorFlash::new(
            vec![0u8; bytes],
            vec![0u32; sectors],
            block_size,
            options.erase_size,
            PROGRAM_SIZE,
        )?)
    }
    fn reset(&mut self) {
        self.reset_counters();
    }
    fn counts(&self) -> (Vec<u64>, u64) {
        let per_sector = self.erase_counts().iter().map(|count| u64::from(*count));
        (per_sector.collect(), self.bytes_programmed())
    }
}

/// A block device in memory that counts its writes per block.
#[derive(Debug)]
pub struct CountingBlocks {
    block_size: BlockSize,
    bytes: Vec<u8>,
    writes: Vec<u64>,
}

/// A block past the end of a [`CountingBlocks`], or a buffer of the wrong length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange(u64);

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "block {} is past the end of the device, or the buffer is not one block",
            self.0
        )
    }
}

impl std::error::Error for OutOfRange {}

impl CountingBlocks {
    fn range(&self, index: u64, length: usize) -> Result<std::ops::Range<usize>, OutOfRange> {
        let size = self.block_size.get();
        let start = usize::try_from(index)
            .ok()
            .and_then(|index| index.checked_mul(size))
            .filter(|start| length == size && start.saturating_add(size) <= self.bytes.len())
            .ok_or(OutOfRange(index))?;
        Ok(start..start.saturating_add(size))
    }
}

impl BlockDevice for CountingBlocks {
    type Error = OutOfRange;

    fn block_size(&self) -> BlockSize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        self.writes.len() as u64
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        let range = self.range(index, buffer.len())?;
        buffer.copy_from_slice(self.bytes.get(range).ok_or(OutOfRange(index))?);
        Ok(())
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        let range = self.range(index, data.len())?;
        self.bytes
            .get_mut(range)
            .ok_or(OutOfRange(index))?
            .copy_from_slice(data);
        if let Some(count) = usize::try_from(index)
            .ok()
            .and_then(|index| self.writes.get_mut(index))
        {
            *count = count.saturating_add(1);
        }
        Ok(())
    }
}

impl Counted for CountingBlocks {
    fn make(_options: &Options, block_size: BlockSize, blocks: u64) -> anyhow::Result<Self> {
        let count = usize::try_from(blocks)?;
        let bytes = count
            .checked_mul(block_size.get())
            .context("a device that fits in memory")?;
        Ok(Self {
            block_size,
            bytes: vec![0; bytes],
            writes: vec![0; count],
        })
    }
    fn reset(&mut self) {
        self.writes.fill(0);
    }
    fn counts(&self) -> (Vec<u64>, u64) {
        let written: u64 = self.writes.iter().sum();
        let size = self.block_size.get() as u64;
        (self.writes.clone(), written.saturating_mul(size))
    }
}

/// Runs the three workloads.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let block_size = BlockSize::new(options.block_size)
        .map_err(|error| anyhow::anyhow!("--block-size {}: {error}", options.block_size))?;
    let erase = options.erase_size;
    if options.medium == Medium::Nor
        && (erase == 0
            || !block_size.get().is_multiple_of(erase)
            || !erase.is_multiple_of(PROGRAM_SIZE))
    {
        bail!(
            "--erase-size {erase}: a sector must divide the block size ({}) and be a multiple of the {PROGRAM_SIZE}-byte program unit",
            block_size.get()
        );
    }
    if options.endurance == 0 {
        bail!("--endurance must be at least 1");
    }
    match options.medium {
        Medium::Nor => run_on::<RamNorFlash<Vec<u8>, Vec<u32>>>(options, block_size),
        Medium::Block => run_on::<CountingBlocks>(options, block_size),
    }
}

fn run_on<D: Counted>(options: &Options, block_size: BlockSize) -> anyhow::Result<Report> {
    let ring = ring_workload::<D>(options, block_size)?;
    let worm = worm_workload::<D>(options, block_size)?;
    let vault = vault_workload::<D>(options, block_size)?;
    Ok(Report { ring, worm, vault })
}

/// The wear on `device` after `operations` operations.
fn wear<D: Counted>(device: &D, operations: u64, endurance: u64) -> Wear {
    let (per_sector, bytes_programmed) = device.counts();
    let erases: u64 = per_sector.iter().sum();
    let max = per_sector.iter().copied().max().unwrap_or(0);
    let sectors = per_sector.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let mean = erases as f64 / sectors;
    let lifetime = u128::from(operations)
        .saturating_mul(u128::from(endurance))
        .checked_div(u128::from(max))
        .map(|lifetime| u64::try_from(lifetime).unwrap_or(u64::MAX));
    Wear {
        operations,
        erases,
        bytes_programmed,
        max_erases_per_sector: max,
        mean_erases_per_sector: mean,
        lifetime_operations: lifetime,
    }
}

/// A reading or record of [`RECORD_LEN`] bytes, different for each `index`.
fn record(index: u64) -> [u8; RECORD_LEN] {
    let mut bytes = [b' '; RECORD_LEN];
    let text = format!(
        "reading #{index}: temperature={}",
        index.checked_rem(7).unwrap_or(0).saturating_add(20)
    );
    let length = text.len().min(RECORD_LEN);
    if let (Some(target), Some(source)) = (bytes.get_mut(..length), text.as_bytes().get(..length)) {
        target.copy_from_slice(source);
    }
    bytes
}

fn ring_workload<D: Counted>(options: &Options, block_size: BlockSize) -> anyhow::Result<Wear> {
    let mut device = D::make(options, block_size, StoredRing::blocks_needed(RING_SLOTS))?;
    let mut scratch = vec![0u8; StoredRing::scratch_len(block_size)];
    let ring = StreamingRing::new(block_size, RING_SLOTS, 16)?;
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch)?;
    device.reset();
    for index in 0..options.operations {
        stored.append(&mut device, &record(index), &mut scratch)?;
    }
    Ok(wear(&device, options.operations, options.endurance))
}

fn worm_workload<D: Counted>(options: &Options, block_size: BlockSize) -> anyhow::Result<Wear> {
    let operations = usize::try_from(options.operations)
        .unwrap_or(usize::MAX)
        .min(WORM_LIMIT) as u64;
    let blocks = StoredWorm::<WORM_LIMIT>::blocks_needed(block_size, operations.max(1));
    let mut device = D::make(options, block_size, blocks)?;
    let mut scratch = vec![0u8; StoredWorm::<WORM_LIMIT>::scratch_len(block_size)];
    let created = Ticks::new(638_000_000_000_000_000);
    let region = Box::new(WormRegion::<WORM_LIMIT>::new(
        block_size,
        operations.max(1),
        0,
        created,
    )?);
    let mut stored = Box::new(StoredWorm::new(0, *region));
    stored.format_in_place(&mut device, &mut scratch)?;
    device.reset();
    for index in 0..operations {
        let at = Ticks::new(created.get().saturating_add(i64::try_from(index)?));
        stored.append(&mut device, &record(index), at, &mut scratch)?;
    }
    Ok(wear(&device, operations, options.endurance))
}

/// `count` signed passports of about 200 bytes.
fn passports(count: usize) -> anyhow::Result<Vec<Passport>> {
    let key = SigningKey::from_slice(&[0x5A; 32])
        .map_err(|_| anyhow::anyhow!("the demo signing key is a valid scalar"))?;
    (0..count)
        .map(|index| {
            let id = u128::try_from(index)?.saturating_add(1);
            Ok(Passport::new(
                Uuid::from_u128(id),
                Uuid::from_u128(id.saturating_add(1 << 64)),
                Framework::Gdpr,
                ComplianceStatus::Compliant,
            )
            .with_issued(Ticks::new(638_000_000_000_000_000))
            .with_issuer(b"dpo@example.com")?
            .with_notes(&[b'n'; 40])?
            .signed(&key)?)
        })
        .collect()
}

fn vault_workload<D: Counted>(options: &Options, block_size: BlockSize) -> anyhow::Result<Wear> {
    let operations = usize::try_from(options.operations)
        .unwrap_or(usize::MAX)
        .min(VAULT_LIMIT);
    let passports = passports(operations)?;
    let per_copy = (blocks_needed(block_size, &passports) as u64).max(1);
    let blocks = StoredVault::<VAULT_LIMIT>::blocks_needed(per_copy);
    let mut device = D::make(options, block_size, blocks)?;
    let mut scratch = vec![0u8; StoredVault::<VAULT_LIMIT>::scratch_len(block_size, per_copy)];
    let mut stored = Box::new(StoredVault::new(
        0,
        per_copy,
        Vault::<VAULT_LIMIT>::new(block_size),
    ));
    stored.format_in_place(&mut device, &mut scratch)?;
    device.reset();
    for passport in passports {
        stored.add(&mut device, passport, &mut scratch)?;
    }
    Ok(wear(&device, operations as u64, options.endurance))
}

/// The report as a person reads it.
pub fn human(report: &Report, options: &Options) -> String {
    let mut out = String::new();
    let unit = match options.medium {
        Medium::Nor => format!(
            "NOR flash: {}-byte blocks, {}-byte sectors, {PROGRAM_SIZE}-byte programs, {} erase cycles per sector",
            options.block_size, options.erase_size, options.endurance
        ),
        Medium::Block => format!(
            "block device: {}-byte blocks, each block write counted as an erase, {} cycles per block",
            options.block_size, options.endurance
        ),
    };
    let _ = writeln!(out, "{unit}");
    let _ = writeln!(
        out,
        "{:<6} {:>10} {:>10} {:>10} {:>14} {:>12} {:>12} {:>20}",
        "region",
        "operations",
        "erases",
        "per op",
        "bytes written",
        "max/sector",
        "mean/sector",
        "lifetime operations"
    );
    for (name, wear) in [
        ("ring", &report.ring),
        ("worm", &report.worm),
        ("vault", &report.vault),
    ] {
        #[allow(clippy::cast_precision_loss)]
        let per_operation = wear.erases as f64 / (wear.operations.max(1) as f64);
        let lifetime = wear
            .lifetime_operations
            .map_or_else(|| "unlimited".to_owned(), |lifetime| lifetime.to_string());
        let _ = writeln!(
            out,
            "{name:<6} {:>10} {:>10} {per_operation:>10.3} {:>14} {:>12} {:>12.2} {lifetime:>20}",
            wear.operations,
            wear.erases,
            wear.bytes_programmed,
            wear.max_erases_per_sector,
            wear.mean_erases_per_sector,
        );
    }
    out
}
