//! `demo`: write an image holding all three regions and inspect it.

use std::mem::offset_of;
use std::path::PathBuf;

use anyhow::Context;
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, PassportHead, Vault, VaultView};
use dwvd_regions::worm::{WormRegion, seal_data_block};
use dwvd_regions::{BlockSize, Tag, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

use crate::inspect;
use dwvd_regions::Region;

/// The demo's block size.
const BLOCK: usize = 512;

/// Writes the demo image and inspects it; returns whether the inspection was clean (it
/// is, unless something is broken: the tampered passport is a signature failure, which
/// the inspection reports, not corruption).
pub fn run(image: Option<PathBuf>) -> anyhow::Result<bool> {
    let path = image.unwrap_or_else(|| std::env::temp_dir().join("dwvd-demo.img"));
    let size = BlockSize::new(BLOCK)?;
    let created = Ticks::from_unix_seconds(1_764_403_200).context("a representable time")?;
    let mut image = Vec::new();

    // 1. A ring of at most 12 blocks, growing 5 at a time, that has grown and wrapped:
    //    its header block, then its 12 data blocks.
    let mut ring = StreamingRing::new(size, 12, 5)?;
    let mut ring_data = vec![vec![0u8; BLOCK]; 12];
    for reading in 0..17u32 {
        let temperature = (reading % 7).saturating_add(20);
        let record = format!("telemetry #{reading}: temperature={temperature}");
        let appended = ring.append(record.as_bytes())?;
        let slot = usize::try_from(appended.physical_slot)
            .ok()
            .and_then(|slot| ring_data.get_mut(slot))
            .context("the ring's slot is one of its 12 blocks")?;
        slot.fill(0);
        slot.get_mut(..record.len())
            .context("a reading fits in a block")?
            .copy_from_slice(record.as_bytes());
        dwvd_regions::block::seal(slot, Tag::DATA, 1)?;
    }
    ring.consume();
    ring.set_generation(1);
    let mut header = vec![0u8; ring.buffer_len()];
    ring.emit(&mut header)?;
    image.extend_from_slice(&header);
    for block in &ring_data {
        image.extend_from_slice(block);
    }
    println!(
        "ring: {} appends into {} blocks, wrapped (read_tail {}), one consumed",
        ring.write_head(),
        ring.allocated_blocks(),
        ring.read_tail()
    );

    // 2. A WORM ledger whose log spans two blocks (8 records fit in block 0 at 512 bytes),
    //    then its data blocks.
    let mut worm = WormRegion::<32>::new(size, 16, 365 * 86_400 * Ticks::PER_SECOND, created)?;
    let mut worm_data = Vec::new();
    for entry in 0..12i64 {
        let number = entry.saturating_add(1000);
        let amount = entry.saturating_mul(7).saturating_add(120);
        let text = format!("invoice #{number:04}: {amount} EUR");
        let at = entry
            .checked_mul(60 * Ticks::PER_SECOND)
            .and_then(|minutes| created.checked_add(minutes))
            .unwrap_or(created);
        worm.append(text.as_bytes(), at)?;
        let mut block = vec![0u8; BLOCK];
        seal_data_block(&mut block, text.as_bytes(), 2)?;
        worm_data.push(block);
    }
    worm.set_generation(2);
    let mut log = vec![0u8; worm.buffer_len()];
    worm.emit(&mut log)?;
    println!(
        "worm: {} records, log in {} blocks",
        worm.log().len(),
        worm.block_count()
    );
    image.extend_from_slice(&log);
    for block in &worm_data {
        image.extend_from_slice(block);
    }

    // 3. A signed vault; one passport is altered after signing.
    let key = SigningKey::from_slice(&[0x5E; 32])
        .map_err(|_| anyhow::anyhow!("the fixed seed is a valid key"))?;
    let mut vault = Vault::<8>::new(size);
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
        vault.add(passport)?;
    }
    vault.set_generation(3);
    let mut vault_image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut vault_image)?;
    // Passport 3 (SOX) becomes NonCompliant after signing, and the block is re-sealed:
    // only its signature can tell.
    let (block, offset) = VaultView::new_checked(&vault_image, size)?
        .find(Uuid::from_u128(3))
        .context("passport 3 was added")?
        .location();
    let sealed = vault_image
        .chunks_exact_mut(BLOCK)
        .nth(block)
        .context("the passport's block is in the vault")?;
    let status = ComplianceStatus::NonCompliant.code().to_le_bytes();
    let at = offset.saturating_add(offset_of!(PassportHead, compliance_status));
    sealed
        .get_mut(at..at.saturating_add(status.len()))
        .context("the passport's status is in its block")?
        .copy_from_slice(&status);
    dwvd_regions::block::seal(sealed, Tag::CMVT, 3)?;
    image.extend_from_slice(&vault_image);
    println!(
        "vault: {} passports in {} blocks, passport 3 altered after signing",
        vault.count(),
        vault.block_count()
    );

    std::fs::write(&path, &image).with_context(|| format!("cannot write {}", path.display()))?;
    let public = hex::encode(key.verifying_key().to_encoded_point(true).as_bytes());
    println!("wrote {} ({} bytes)", path.display(), image.len());
    println!(
        "\n$ dwvd inspect {} --public-key {public}\n",
        path.display()
    );
    let options = inspect::Options {
        block_size: None,
        json: false,
        key: Some(*key.verifying_key()),
    };
    inspect::inspect(&path, &options, &mut std::io::stdout().lock()).map_err(
        |failure| match failure {
            crate::Failure::Usage(error) => error,
            other => anyhow::anyhow!("{other:?}"),
        },
    )
}
