//! The async API (feature `async`) against the blocking one: the same operations on the
//! same NOR flash, once through `NorFlashDevice` (blocking) and once through
//! `AsyncNorFlashDevice` (async, driven by `embassy_futures::block_on`), give
//! byte-identical flash, the same values read back, and the same power-cut points, each
//! of which recovers on the async path.
#![cfg(all(feature = "async", feature = "embedded-storage"))]

use dwvd_regions::storage::{
    AsyncBlockDevice, AsyncNorFlashDevice, NorFlashDevice, StorageError, StoredRing, StoredVault,
    StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use embassy_futures::block_on;
use embedded_storage::nor_flash::{ErrorType, NorFlashError, NorFlashErrorKind};
use uuid::Uuid;

const SIZE: BlockSize = BlockSize::MIN;
const BLOCK: usize = 512;
/// Ring: 2 copies + 2 journal + 4 slots (of 10 blocks at 0); then WORM<16> with 10 data
/// blocks; then vault<4>: 2 × 2 copies + 4 journal = 8.
const RING_AT: u64 = 0;
const WORM_AT: u64 = 10;
const VAULT_AT: u64 = WORM_AT + StoredWorm::<16>::blocks_needed(SIZE, 10);
const BLOCKS: u32 = VAULT_AT as u32 + 8;

/// A NOR flash in a `Vec` (512-byte sectors, 4-byte programs, programs only clear
/// bits) that loses power at its `cut`-th erase or write, counted from `armed`: that
/// operation changes nothing and it and every later one fail.
#[derive(Debug, Clone)]
struct CutFlash {
    bytes: Vec<u8>,
    /// Erases and writes since the counter was armed.
    operations: u32,
    cut: Option<u32>,
    powered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CutError {
    PowerLost,
    OutOfBounds,
    NotErased,
}

impl NorFlashError for CutError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            CutError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            _ => NorFlashErrorKind::Other,
        }
    }
}

impl CutFlash {
    fn new() -> Self {
        Self {
            bytes: vec![0xFF; BLOCKS as usize * BLOCK],
            operations: 0,
            cut: None,
            powered: true,
        }
    }

    /// Counts operations from now on, cutting power at the `cut`-th.
    fn arm(&mut self, cut: Option<u32>) {
        self.operations = 0;
        self.cut = cut;
        self.powered = true;
    }

    fn change(&mut self) -> Result<(), CutError> {
        if !self.powered {
            return Err(CutError::PowerLost);
        }
        self.operations += 1;
        if self.cut == Some(self.operations) {
            self.powered = false;
            return Err(CutError::PowerLost);
        }
        Ok(())
    }

    fn range(&self, from: u32, length: usize) -> Result<std::ops::Range<usize>, CutError> {
        let from = from as usize;
        let to = from + length;
        if to > self.bytes.len() {
            return Err(CutError::OutOfBounds);
        }
        Ok(from..to)
    }

    fn do_read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), CutError> {
        if !self.powered {
            return Err(CutError::PowerLost);
        }
        let range = self.range(offset, bytes.len())?;
        bytes.copy_from_slice(&self.bytes[range]);
        Ok(())
    }

    fn do_erase(&mut self, from: u32, to: u32) -> Result<(), CutError> {
        self.change()?;
        let range = self.range(from, (to - from) as usize)?;
        self.bytes[range].fill(0xFF);
        Ok(())
    }

    fn do_write(&mut self, offset: u32, data: &[u8]) -> Result<(), CutError> {
        self.change()?;
        let range = self.range(offset, data.len())?;
        for (old, new) in self.bytes[range].iter_mut().zip(data) {
            if *old & new != *new {
                return Err(CutError::NotErased);
            }
            *old &= new;
        }
        Ok(())
    }
}

impl ErrorType for CutFlash {
    type Error = CutError;
}

impl embedded_storage::nor_flash::ReadNorFlash for CutFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), CutError> {
        self.do_read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.bytes.len()
    }
}

impl embedded_storage::nor_flash::NorFlash for CutFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = BLOCK;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), CutError> {
        self.do_erase(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), CutError> {
        self.do_write(offset, bytes)
    }
}

impl embedded_storage_async::nor_flash::ReadNorFlash for CutFlash {
    const READ_SIZE: usize = 1;
    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), CutError> {
        self.do_read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.bytes.len()
    }
}

impl embedded_storage_async::nor_flash::NorFlash for CutFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = BLOCK;
    async fn erase(&mut self, from: u32, to: u32) -> Result<(), CutError> {
        self.do_erase(from, to)
    }
    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), CutError> {
        self.do_write(offset, bytes)
    }
}

fn blocking(flash: &mut CutFlash) -> NorFlashDevice<&mut CutFlash> {
    NorFlashDevice::new(flash, SIZE, 0, BLOCKS).unwrap()
}

fn asynchronous(flash: &mut CutFlash) -> AsyncNorFlashDevice<&mut CutFlash> {
    AsyncNorFlashDevice::new(flash, SIZE, 0, BLOCKS).unwrap()
}

fn passport(id: u128) -> Passport {
    Passport::new(
        Uuid::from_u128(id),
        Uuid::from_u128(100 + id),
        Framework::Gdpr,
        ComplianceStatus::Compliant,
    )
    .with_notes(&[b'a' + id as u8; 60])
    .unwrap()
}

/// The three regions as one state.
#[derive(Debug, Clone, PartialEq)]
struct Regions {
    ring: StoredRing,
    worm: StoredWorm<16>,
    vault: StoredVault<4>,
}

type Outcome = Result<(), StorageError<dwvd_regions::storage::NorFlashDeviceError<CutError>>>;

fn format_blocking(flash: &mut CutFlash) -> Regions {
    let mut scratch = vec![0u8; 1024];
    let mut device = blocking(flash);
    let ring = StreamingRing::new(SIZE, 4, 2).unwrap();
    let worm = WormRegion::<16>::new(SIZE, 10, 0, Ticks::new(0)).unwrap();
    Regions {
        ring: StoredRing::format(&mut device, RING_AT, ring, &mut scratch).unwrap(),
        worm: StoredWorm::format(&mut device, WORM_AT, worm, &mut scratch).unwrap(),
        vault: StoredVault::format(&mut device, VAULT_AT, 2, Vault::new(SIZE), &mut scratch)
            .unwrap(),
    }
}

async fn format_async(flash: &mut CutFlash) -> Regions {
    let mut scratch = vec![0u8; 1024];
    let mut device = asynchronous(flash);
    let ring = StreamingRing::new(SIZE, 4, 2).unwrap();
    let worm = WormRegion::<16>::new(SIZE, 10, 0, Ticks::new(0)).unwrap();
    Regions {
        ring: StoredRing::format_async(&mut device, RING_AT, ring, &mut scratch)
            .await
            .unwrap(),
        worm: StoredWorm::format_async(&mut device, WORM_AT, worm, &mut scratch)
            .await
            .unwrap(),
        vault: StoredVault::format_async(&mut device, VAULT_AT, 2, Vault::new(SIZE), &mut scratch)
            .await
            .unwrap(),
    }
}

/// The workload, blocking: ring appends past a wrap and growth, consumes and a reset;
/// WORM appends through a journal that fills (a checkpoint); vault adds and a remove;
/// explicit checkpoints. Every read-back value is pushed to `reads`.
fn workload_blocking(
    flash: &mut CutFlash,
    regions: &mut Regions,
    reads: &mut Vec<Vec<u8>>,
) -> Outcome {
    let mut scratch = vec![0u8; 1024];
    let mut device = blocking(flash);
    for round in 0..9u8 {
        let appended = regions
            .ring
            .append(&mut device, &[round; 40], &mut scratch)?;
        reads.push(
            regions
                .ring
                .read(&mut device, appended.position, &mut scratch)?
                .to_vec(),
        );
        if round % 3 == 2 {
            regions.ring.consume(&mut device, &mut scratch)?;
        }
        let index = regions.worm.append(
            &mut device,
            &[b'w', round],
            Ticks::new(i64::from(round)),
            &mut scratch,
        )?;
        reads.push(
            regions
                .worm
                .read(&mut device, index, &mut scratch)?
                .to_vec(),
        );
        if round % 4 == 0 {
            regions
                .vault
                .add(&mut device, passport(u128::from(round) + 1), &mut scratch)?;
        }
        if round == 5 {
            regions
                .vault
                .remove(&mut device, Uuid::from_u128(1), &mut scratch)?;
            regions.worm.checkpoint(&mut device, &mut scratch)?;
        }
        if round == 6 {
            regions.ring.reset(&mut device, &mut scratch)?;
        }
        if round == 7 {
            regions.vault.checkpoint(&mut device, &mut scratch)?;
        }
    }
    Ok(())
}

/// [`workload_blocking`] through the async API.
async fn workload_async(
    flash: &mut CutFlash,
    regions: &mut Regions,
    reads: &mut Vec<Vec<u8>>,
) -> Outcome {
    let mut scratch = vec![0u8; 1024];
    let mut device = asynchronous(flash);
    for round in 0..9u8 {
        let appended = regions
            .ring
            .append_async(&mut device, &[round; 40], &mut scratch)
            .await?;
        reads.push(
            regions
                .ring
                .read_async(&mut device, appended.position, &mut scratch)
                .await?
                .to_vec(),
        );
        if round % 3 == 2 {
            regions
                .ring
                .consume_async(&mut device, &mut scratch)
                .await?;
        }
        let index = regions
            .worm
            .append_async(
                &mut device,
                &[b'w', round],
                Ticks::new(i64::from(round)),
                &mut scratch,
            )
            .await?;
        reads.push(
            regions
                .worm
                .read_async(&mut device, index, &mut scratch)
                .await?
                .to_vec(),
        );
        if round % 4 == 0 {
            regions
                .vault
                .add_async(&mut device, passport(u128::from(round) + 1), &mut scratch)
                .await?;
        }
        if round == 5 {
            regions
                .vault
                .remove_async(&mut device, Uuid::from_u128(1), &mut scratch)
                .await?;
            regions
                .worm
                .checkpoint_async(&mut device, &mut scratch)
                .await?;
        }
        if round == 6 {
            regions.ring.reset_async(&mut device, &mut scratch).await?;
        }
        if round == 7 {
            regions
                .vault
                .checkpoint_async(&mut device, &mut scratch)
                .await?;
        }
    }
    Ok(())
}

fn recover_blocking(flash: &mut CutFlash) -> Regions {
    let mut scratch = vec![0u8; 1024];
    let mut device = blocking(flash);
    Regions {
        ring: StoredRing::recover(&mut device, RING_AT, &mut scratch).unwrap(),
        worm: StoredWorm::recover(&mut device, WORM_AT, &mut scratch).unwrap(),
        vault: StoredVault::recover(&mut device, VAULT_AT, 2, &mut scratch).unwrap(),
    }
}

async fn recover_async(flash: &mut CutFlash) -> Regions {
    let mut scratch = vec![0u8; 1024];
    let mut device = asynchronous(flash);
    let regions = Regions {
        ring: StoredRing::recover_async(&mut device, RING_AT, &mut scratch)
            .await
            .unwrap(),
        worm: StoredWorm::recover_async(&mut device, WORM_AT, &mut scratch)
            .await
            .unwrap(),
        vault: StoredVault::recover_async(&mut device, VAULT_AT, 2, &mut scratch)
            .await
            .unwrap(),
    };
    // reload_async in place gives the same values.
    let mut again = regions.clone();
    again
        .ring
        .reload_async(&mut device, &mut scratch)
        .await
        .unwrap();
    again
        .worm
        .reload_async(&mut device, &mut scratch)
        .await
        .unwrap();
    again
        .vault
        .reload_async(&mut device, &mut scratch)
        .await
        .unwrap();
    assert_eq!(again, regions);
    regions
}

#[test]
fn the_async_api_writes_the_same_bytes_and_reads_the_same_values() {
    let mut flash_blocking = CutFlash::new();
    let mut flash_async = CutFlash::new();
    let mut regions_blocking = format_blocking(&mut flash_blocking);
    let mut regions_async = block_on(format_async(&mut flash_async));
    assert_eq!(regions_async, regions_blocking);
    assert!(flash_async.bytes == flash_blocking.bytes, "format differs");

    flash_blocking.arm(None);
    flash_async.arm(None);
    let mut reads_blocking = Vec::new();
    let mut reads_async = Vec::new();
    workload_blocking(
        &mut flash_blocking,
        &mut regions_blocking,
        &mut reads_blocking,
    )
    .unwrap();
    block_on(workload_async(
        &mut flash_async,
        &mut regions_async,
        &mut reads_async,
    ))
    .unwrap();
    assert!(
        flash_async.bytes == flash_blocking.bytes,
        "the workload's flash differs"
    );
    assert_eq!(flash_async.operations, flash_blocking.operations);
    assert_eq!(regions_async, regions_blocking);
    assert_eq!(reads_async, reads_blocking);
    assert_eq!(reads_async.len(), 18);
    assert_eq!(reads_async[1], b"w\0");
    assert!(reads_async[16].starts_with(&[8; 40]));

    // The workload exercised what it should: a wrapped, reset ring, a WORM log past a
    // checkpoint, a vault with an add and a remove behind it.
    assert_eq!(regions_async.worm.region().high_water_mark(), 9);
    assert_eq!(regions_async.vault.region().count(), 2);
    assert_eq!(regions_async.ring.region().entry_count(), 1);

    // Recovery reads back the same on both paths, and matches what was committed.
    assert_eq!(block_on(recover_async(&mut flash_async)), regions_blocking);
    assert_eq!(recover_blocking(&mut flash_blocking), regions_blocking);

    // format_in_place_async writes what format_in_place writes.
    let mut value_async = regions_async.vault.clone();
    let mut value_blocking = regions_blocking.vault.clone();
    let mut scratch = vec![0u8; 1024];
    value_blocking
        .format_in_place(&mut blocking(&mut flash_blocking), &mut scratch)
        .unwrap();
    block_on(value_async.format_in_place_async(&mut asynchronous(&mut flash_async), &mut scratch))
        .unwrap();
    assert_eq!(value_async, value_blocking);
    assert!(
        flash_async.bytes == flash_blocking.bytes,
        "format_in_place differs"
    );
}

#[test]
fn a_cut_at_every_erase_and_write_recovers_on_the_async_path_at_the_same_points() {
    let mut formatted = CutFlash::new();
    let formatted_regions = format_blocking(&mut formatted);
    // The uncut workload's erases and writes: the cut points.
    let mut uncut = formatted.clone();
    uncut.arm(None);
    workload_blocking(&mut uncut, &mut formatted_regions.clone(), &mut Vec::new()).unwrap();
    let operations = uncut.operations;

    let mut cuts_blocking = 0;
    let mut cuts_async = 0;
    for cut in 1.. {
        let mut flash_blocking = formatted.clone();
        let mut flash_async = formatted.clone();
        flash_blocking.arm(Some(cut));
        flash_async.arm(Some(cut));
        let mut regions_blocking = formatted_regions.clone();
        let mut regions_async = formatted_regions.clone();
        let mut reads_blocking = Vec::new();
        let mut reads_async = Vec::new();
        let blocking_result = workload_blocking(
            &mut flash_blocking,
            &mut regions_blocking,
            &mut reads_blocking,
        );
        let async_result = block_on(workload_async(
            &mut flash_async,
            &mut regions_async,
            &mut reads_async,
        ));
        if blocking_result.is_err() {
            cuts_blocking += 1;
        }
        if async_result.is_err() {
            cuts_async += 1;
        }
        assert_eq!(async_result.is_ok(), blocking_result.is_ok(), "cut {cut}");
        if async_result.is_ok() {
            break;
        }
        // The same state at the cut: the same bytes, the same values in memory.
        assert!(flash_async.bytes == flash_blocking.bytes, "cut {cut}");
        assert_eq!(regions_async, regions_blocking, "cut {cut}");
        assert_eq!(reads_async, reads_blocking, "cut {cut}");

        // Power back: the async path recovers what the blocking path recovers, and
        // every committed operation survives.
        flash_async.arm(None);
        flash_blocking.arm(None);
        let recovered = block_on(recover_async(&mut flash_async));
        assert_eq!(
            recovered,
            recover_blocking(&mut flash_blocking),
            "cut {cut}"
        );
        let committed = &regions_async;
        let worm = recovered.worm.region().high_water_mark();
        let committed_worm = committed.worm.region().high_water_mark();
        assert!(
            worm == committed_worm || worm == committed_worm + 1,
            "cut {cut}"
        );
        let vault = recovered.vault.region().count();
        let committed_vault = committed.vault.region().count();
        assert!(vault.abs_diff(committed_vault) <= 1, "cut {cut}");
        // Recovery reads back the data of every committed WORM append.
        let mut scratch = vec![0u8; 1024];
        let mut device = asynchronous(&mut flash_async);
        for index in 0..committed_worm {
            let data = block_on(recovered.worm.read_async(&mut device, index, &mut scratch))
                .unwrap()
                .to_vec();
            assert_eq!(data, [b'w', index as u8], "cut {cut}");
        }
        assert!(device.block_count() == u64::from(BLOCKS));
    }
    assert_eq!(cuts_async, cuts_blocking);
    assert_eq!(cuts_async, operations);
    assert!(operations > 40, "{operations} cut points");
    println!("{operations} cut points on both paths");
}
