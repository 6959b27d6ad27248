//! `demo`: write a DWVD v2.0 volume holding all three regions through the storage layer,
//! and inspect it.

use std::mem::offset_of;
use std::path::PathBuf;

use anyhow::Context;
use dwvd_regions::container::VolumeHead;
use dwvd_regions::storage::{
    self, BlockDevice, RamDevice, StoredRing, StoredVault, StoredWorm, VOLUME_FIRST_BLOCK,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::transparency::{Checkpoint, worm_region_id};
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, PassportHead, Vault, VaultView};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Tag, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

use crate::inspect;

/// The demo's block size: a DWVD v2.0 container's tables need 4 KiB blocks.
const BLOCK: usize = 4096;
/// Blocks of the volume: the container's head (10), the ring (2 copies, a journal of 2,
/// 12 slots), the WORM region (2 copies, a journal of 2, 16 data blocks), the vault (2
/// copies, a journal of 2).
const BLOCKS: usize = 50;
const RING_AT: u64 = VOLUME_FIRST_BLOCK;
const WORM_AT: u64 = RING_AT + 16;
const VAULT_AT: u64 = WORM_AT + 20;

/// Writes the demo volume and inspects it; returns whether the inspection was clean (it
/// is, unless something is broken: the tampered passport is a signature failure, which
/// the inspection reports, not corruption).
pub fn run(image: Option<PathBuf>, json: bool) -> anyhow::Result<bool> {
    let path = image.unwrap_or_else(|| std::env::temp_dir().join("dwvd-demo.img"));
    // What the demo does is told on standard output, or, when the report is JSON, on
    // standard error (standard output then holds the JSON alone).
    let mut told: Box<dyn std::io::Write> = if json {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    // Checked before anything is printed: the demo writes a plain file, never through a
    // symbolic link (which could point anywhere) nor over a directory.
    if let Ok(metadata) = std::fs::symlink_metadata(&path) {
        if metadata.file_type().is_symlink() {
            anyhow::bail!(
                "{} is a symbolic link: the demo does not write through links",
                path.display()
            );
        }
        if metadata.is_dir() {
            anyhow::bail!(
                "{} is a directory: give a file name for the demo volume",
                path.display()
            );
        }
    }
    let size = BlockSize::new(BLOCK)?;
    let created = Ticks::from_unix_seconds(1_764_403_200).context("a representable time")?;
    // The volume is built in memory through the storage layer, then written out whole.
    let mut device = Box::new(RamDevice::<BLOCK, BLOCKS>::new());
    let mut scratch = vec![0u8; BLOCK];

    let mut ring = StoredRing::new(RING_AT, StreamingRing::new(size, 12, 5)?);
    let worm_region = WormRegion::<32>::new(size, 16, 365 * 86_400 * Ticks::PER_SECOND, created)?;
    let worm_id = worm_region_id(&worm_region.header());
    let mut worm = StoredWorm::new(WORM_AT, worm_region);
    let mut vault = StoredVault::new(VAULT_AT, 1, Vault::<8>::new(size));
    let slots: Vec<_> = [
        ring.directory_slots(),
        worm.directory_slots(),
        vault.directory_slots(),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .collect();
    let head = VolumeHead {
        label: b"dwvd demo volume",
        ..VolumeHead::new(size, device.block_count(), &slots, created)
    };
    storage::format_container(&mut *device, &head, &mut scratch)?;
    ring.format_in_place(&mut *device, &mut scratch)?;
    worm.format_in_place(&mut *device, &mut scratch)?;
    vault.format_in_place(&mut *device, &mut scratch)?;

    // 1. A ring of at most 12 blocks, growing 5 at a time, that has grown and wrapped:
    //    each append writes its slot; a consume is a journal entry.
    for reading in 0..17u32 {
        let temperature = (reading % 7).saturating_add(20);
        let record = format!("telemetry #{reading}: temperature={temperature}");
        ring.append(&mut *device, record.as_bytes(), &mut scratch)?;
    }
    ring.consume(&mut *device, &mut scratch)?;
    writeln!(
        told,
        "ring: {} appends into {} slots, wrapped (read_tail {}), one consumed",
        ring.region().write_head(),
        ring.region().allocated_blocks(),
        ring.region().read_tail()
    )?;

    // 2. A WORM ledger: each append writes its data block and a journal entry.
    for entry in 0..12i64 {
        let number = entry.saturating_add(1000);
        let amount = entry.saturating_mul(7).saturating_add(120);
        let text = format!("invoice #{number:04}: {amount} EUR");
        let at = entry
            .checked_mul(60 * Ticks::PER_SECOND)
            .and_then(|minutes| created.checked_add(minutes))
            .unwrap_or(created);
        worm.append(&mut *device, text.as_bytes(), at, &mut scratch)?;
    }
    writeln!(
        told,
        "worm: {} records, {} since its checkpoint (in its journal)",
        worm.region().log().len(),
        worm.operations_since_checkpoint()
    )?;

    // 3. A signed vault, with a checkpoint of the WORM log; then passport 3 is altered
    //    after signing (the vault is checkpointed so its copy holds the passports).
    let key = SigningKey::from_slice(&[0x5E; 32])
        .map_err(|_| anyhow::anyhow!("the fixed seed is a valid key"))?;
    let customers = Uuid::from_u128(0xC057_0000_0000_0000_0000_0000_0000_0001);
    let payroll = Uuid::from_u128(0x9A71_0000_0000_0000_0000_0000_0000_0002);
    for (id, object, framework, status, notes) in [
        (
            1u128,
            customers,
            Framework::Gdpr,
            ComplianceStatus::Compliant,
            "DPIA done",
        ),
        (
            2,
            customers,
            Framework::Ccpa,
            ComplianceStatus::PendingReview,
            "opt-out under review",
        ),
        (
            3,
            payroll,
            Framework::Sox,
            ComplianceStatus::Compliant,
            "controls tested",
        ),
        (
            4,
            payroll,
            Framework::Soc2,
            ComplianceStatus::Exempt,
            "out of scope",
        ),
    ] {
        let passport = Passport::new(Uuid::from_u128(id), object, framework, status)
            .with_issued(created)
            .with_last_verified(created)
            .with_issuer(b"compliance-office@example.org")?
            .with_notes(notes.as_bytes())?
            .signed(&key)?;
        vault.add(&mut *device, passport, &mut scratch)?;
    }
    let checkpoint = Checkpoint::of_log(worm.region(), worm.region().high_water_mark(), created)?
        .to_passport(worm_id, &key)?;
    vault.add(&mut *device, checkpoint, &mut scratch)?;
    vault.checkpoint(&mut *device, &mut scratch)?;
    tamper(&mut device, &vault)?;
    writeln!(
        told,
        "vault: {} passports (one a signed checkpoint of the WORM log), passport 3 altered after signing",
        vault.region().count(),
    )?;

    let image = device.as_bytes();
    std::fs::write(&path, image).with_context(|| format!("cannot write {}", path.display()))?;
    let public = hex::encode(key.verifying_key().to_encoded_point(true).as_bytes());
    writeln!(told, "wrote {} ({} bytes)", path.display(), image.len())?;
    writeln!(
        told,
        "\n$ dwvd inspect {} --public-key {public}\n",
        path.display()
    )?;
    let options = inspect::Options {
        block_size: None,
        json,
        key: Some(*key.verifying_key()),
        strict: false,
    };
    inspect::inspect(&path, &options, &mut std::io::stdout().lock()).map_err(
        |failure| match failure {
            crate::Failure::Usage(error) => error,
            other => anyhow::anyhow!("{other:?}"),
        },
    )
}

/// Passport 3 (SOX) of the vault's current checkpoint copy becomes NonCompliant after
/// signing, and its block is re-sealed: only its signature can tell.
fn tamper(device: &mut RamDevice<BLOCK, BLOCKS>, vault: &StoredVault<8>) -> anyhow::Result<()> {
    let first = match vault.current_copy() {
        storage::MetadataCopy::A => VAULT_AT,
        storage::MetadataCopy::B => VAULT_AT.saturating_add(vault.copy_blocks()),
    };
    let at = usize::try_from(first)?.saturating_mul(BLOCK);
    let length = usize::try_from(vault.copy_blocks())?.saturating_mul(BLOCK);
    let copy = device
        .as_bytes_mut()
        .get_mut(at..at.saturating_add(length))
        .context("the vault's copy is on the device")?;
    let size = BlockSize::new(BLOCK)?;
    let (block, offset) = VaultView::new_checked(copy, size)?
        .find(Uuid::from_u128(3))
        .context("passport 3 was added")?
        .location();
    let generation = VaultView::new_checked(copy, size)?.generation();
    let sealed = copy
        .chunks_exact_mut(BLOCK)
        .nth(block)
        .context("the passport's block is in the vault")?;
    let status = ComplianceStatus::NonCompliant.code().to_le_bytes();
    let at = offset.saturating_add(offset_of!(PassportHead, compliance_status));
    sealed
        .get_mut(at..at.saturating_add(status.len()))
        .context("the passport's status is in its block")?
        .copy_from_slice(&status);
    dwvd_regions::block::seal(sealed, Tag::CMVT, generation)?;
    Ok(())
}
