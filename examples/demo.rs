//! A tour of the regions, printed step by step:
//! * a Streaming Append ring growing from 0 %, wrapping around, and its header block
//!   written to bytes and read back;
//! * a WORM region: appends, a rejected write below the high-water mark, the write log
//!   across two blocks emitted and parsed back, and an audit that catches changed data;
//! * a Compliance Vault: a key pair from a fixed seed, three passports for two objects,
//!   queries, one tampered passport failing verification, emitted and parsed back.
//!
//! Run with `cargo run --example demo`.
// An example relaxes the workspace's no-panic lints (Cargo.toml) to stay short: its
// inputs are fixed, and a failure should stop it loudly. The library is held to them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::unreachable
)]

use dwvd_regions::Region;
use dwvd_regions::block::Block;
use dwvd_regions::streaming::{StreamingRing, StreamingView, WrapPolicy};
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault, VaultView};
use dwvd_regions::worm::{WormRegion, WormView, audit, records_in_first_block, seal_data_block};
use dwvd_regions::{BlockSize, Error, Tag, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

fn show(ring: &StreamingRing) -> String {
    let (allocated, max) = ring.allocation_ratio();
    format!(
        "allocated {allocated:>2}/{max} ({:>5.1} %)  head {:>2}  tail {:>2}  entries {:>2}",
        f64::from(ring.allocation_permille()) / 10.0,
        ring.write_head(),
        ring.read_tail(),
        ring.entry_count(),
    )
}

fn main() -> Result<(), Error> {
    streaming_demo()?;
    worm_demo()?;
    vault_demo()
}

fn streaming_demo() -> Result<(), Error> {
    println!("=== Streaming Append region (STRE) ===\n");
    let block_size = BlockSize::new(512)?;
    let mut ring = StreamingRing::new(block_size, 12, 5)?;
    println!("A telemetry ring of at most 12 blocks of {block_size}, growing 5 blocks at a time.");
    println!("new ring:              {}", show(&ring));

    println!("\n-- appending 16 readings: the ring grows on demand, then wraps --");
    for reading in 0..16u32 {
        let record = format!("temperature={}", 20 + reading % 7);
        let appended = ring.append(record.as_bytes())?;
        let note = match appended.overwritten {
            Some(old) => format!("  (overwrote position {old})"),
            None => String::new(),
        };
        println!(
            "append #{:<2} -> slot {:>2}  {}{note}",
            appended.position,
            appended.physical_slot,
            show(&ring)
        );
    }

    println!("\n-- reading positions back --");
    for position in [0, 3, 4, 10, 15, 16] {
        match ring.physical_slot(position) {
            Ok(slot) => println!("position {position:>2}: live, in slot {slot}"),
            Err(error) => println!("position {position:>2}: {error}"),
        }
    }

    println!("\n-- consuming two entries, then a reject-policy append on a full ring --");
    println!("consumed {:?}, {:?}", ring.consume(), ring.consume());
    ring.append(b"fits again")?;
    ring.append(b"and again")?;
    println!("after two appends:     {}", show(&ring));
    match ring.append_with(b"one too many", WrapPolicy::Reject) {
        Ok(_) => println!("unexpected: the ring had room"),
        Err(error) => println!("reject policy: {} ({error})", error.kind()),
    }

    println!("\n-- persisting the header block (generation 7) and reading it back --");
    ring.set_generation(7);
    let mut block = vec![0u8; ring.buffer_len()];
    ring.emit(&mut block)?;
    let trailer = Block::new_checked(&block[..])?;
    println!(
        "block: {} bytes, tag {}, generation {}, checksum {:#018x} ({})",
        block.len(),
        trailer.tag(),
        trailer.generation(),
        trailer.stored_checksum(),
        if trailer.checksum_ok() {
            "verifies"
        } else {
            "CORRUPT"
        }
    );
    println!("first 48 bytes: {}", hex_line(&block[..48]));
    let view = StreamingView::new_checked(&block, block_size)?;
    println!(
        "view: max {} allocated {} head {} tail {} entries {} growth {}",
        view.max_capacity_blocks(),
        view.allocated_blocks(),
        view.write_head(),
        view.read_tail(),
        view.entry_count(),
        view.growth_increment()
    );
    let parsed = StreamingRing::parse(&block, block_size)?;
    println!("parsed ring equals the ring in memory: {}", parsed == ring);

    println!("\n-- a flipped bit is caught --");
    block[9] ^= 0x01;
    match StreamingRing::parse(&block, block_size) {
        Ok(_) => println!("unexpected: corrupt header accepted"),
        Err(error) => println!("{}: {error}", error.kind()),
    }
    Ok(())
}

fn worm_demo() -> Result<(), Error> {
    println!("\n=== WORM Immutable region (WORM) ===\n");
    let block_size = BlockSize::new(512)?;
    let created = Ticks::from_unix_seconds(1_764_403_200).unwrap_or(Ticks::UNIX_EPOCH);
    let one_year = 365 * 24 * 3600 * Ticks::PER_SECOND;
    let mut region = WormRegion::<64>::new(block_size, 32, one_year, created)?;
    let mut data_blocks = vec![vec![0u8; 512]; 32];
    println!(
        "A ledger of 32 blocks of {block_size}, kept for a year; block 0 of the log holds {} \
         records.",
        records_in_first_block(block_size)
    );

    println!("\n-- appending 10 ledger entries --");
    for entry in 0..10i64 {
        let text = format!("invoice #{:04}: {} EUR", 1000 + entry, 120 + 7 * entry);
        let at = created
            .checked_add(entry * 60 * Ticks::PER_SECOND)
            .unwrap_or(created);
        let index = region.append(text.as_bytes(), at)?;
        seal_data_block(&mut data_blocks[index as usize], text.as_bytes(), 1)?;
        let record = region.log()[index as usize];
        println!(
            "block {index}: {:<24} sha256 {}…  mark -> {}",
            text,
            hex_line(&record.content_sha256[..8]).replace(' ', ""),
            region.high_water_mark()
        );
    }

    println!("\n-- trying to rewrite history --");
    match region.write(3, b"invoice #1003: 0 EUR", created) {
        Ok(_) => println!("unexpected: the write was accepted"),
        Err(error) => println!("write(3): {} — {error}", error.kind()),
    }
    match region.write(12, b"skipping ahead", created) {
        Ok(_) => println!("unexpected: the write was accepted"),
        Err(error) => println!("write(12): {} — {error}", error.kind()),
    }
    println!(
        "used {} / free {} blocks; block 9 immutable: {}, block 10 immutable: {}",
        region.used_blocks(),
        region.free_blocks(),
        region.is_immutable(9),
        region.is_immutable(10)
    );
    let day_before = created
        .checked_add(one_year - 24 * 3600 * Ticks::PER_SECOND)
        .unwrap_or(created);
    let year_after = created.checked_add(one_year).unwrap_or(created);
    println!(
        "reclaimable a day before the year is out: {}; a year after creation: {}",
        region.is_reclaimable(day_before),
        region.is_reclaimable(year_after)
    );

    println!("\n-- emitting the header and log (generation 4) and parsing them back --");
    region.set_generation(4);
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image)?;
    for (index, block) in image.chunks_exact(512).enumerate() {
        let block = Block::new_checked(block)?;
        println!(
            "log block {index}: tag {}, generation {}, checksum {}",
            block.tag(),
            block.generation(),
            if block.checksum_ok() { "ok" } else { "BAD" }
        );
    }
    let view = WormView::new_checked(&image, block_size)?;
    println!(
        "view: mark {}, {} records across {} blocks, log in sequence: {}",
        view.high_water_mark(),
        view.write_log_count(),
        view.block_count(),
        view.check_log_sequence().is_ok()
    );
    let parsed = WormRegion::<64>::parse(&image, block_size)?;
    println!(
        "parsed region equals the region in memory: {}",
        parsed == region
    );

    println!("\n-- someone edits block 6 and re-seals its checksum; the audit notices --");
    data_blocks[6][15] = b'9';
    dwvd_regions::block::seal(&mut data_blocks[6], Tag::DATA, 1)?;
    let mut scratch = vec![0u8; 512];
    let read = |index: u64, buffer: &mut [u8]| -> Result<(), &'static str> {
        let block = data_blocks.get(index as usize).ok_or("no such block")?;
        buffer.copy_from_slice(block);
        Ok(())
    };
    for (record, outcome) in audit(parsed.log().iter().copied(), &mut scratch, read) {
        if let Err(error) = outcome {
            println!("audit: {error}");
        } else if record.block_index == 0 {
            println!("audit: block 0 intact (and the others unless listed)");
        }
    }
    Ok(())
}

fn vault_demo() -> Result<(), Error> {
    println!("\n=== Compliance Vault (CMVT) ===\n");
    let block_size = BlockSize::new(512)?;
    // A fixed seed: firmware has no RNG, and signing is deterministic (RFC 6979).
    let signing_key = SigningKey::from_slice(&[0x5E; 32]).expect("a fixed, valid seed");
    let public_key = *signing_key.verifying_key();
    let sec1 = public_key.to_encoded_point(true);
    println!(
        "signing key from a fixed seed; public key (SEC1, compressed): {}",
        hex_line(sec1.as_bytes()).replace(' ', "")
    );

    let customers = Uuid::from_u128(0x0000_c057_0000_0000_0000_0000_0000_0001);
    let payroll = Uuid::from_u128(0x0000_9a71_0000_0000_0000_0000_0000_0002);
    let issued = Ticks::from_unix_seconds(1_764_403_200).unwrap_or(Ticks::UNIX_EPOCH);
    let mut vault = Vault::<8>::new(block_size);
    for (id, object, framework, status, notes) in [
        (
            1u128,
            customers,
            Framework::Gdpr,
            ComplianceStatus::Compliant,
            "DPIA done, retention 30 days",
        ),
        (
            2,
            customers,
            Framework::Ccpa,
            ComplianceStatus::PendingReview,
            "opt-out flow under review",
        ),
        (
            3,
            payroll,
            Framework::Sox,
            ComplianceStatus::Compliant,
            "quarterly controls tested",
        ),
    ] {
        let passport = Passport::new(Uuid::from_u128(id), object, framework, status)
            .with_issued(issued)
            .with_last_verified(issued)
            .with_issuer(b"compliance-office@example.org")?
            .with_notes(notes.as_bytes())?
            .signed(&signing_key)?;
        println!(
            "add passport {} for object {}: {framework} {status} ({} bytes)",
            passport.passport_id(),
            object,
            passport.serialized_len()
        );
        vault.add(passport)?;
    }

    println!("\n-- queries --");
    println!(
        "passports for the customer database: {}",
        vault.by_object(customers).count()
    );
    for passport in vault.by_framework(Framework::Sox) {
        let notes = passport.notes().unwrap_or("<notes are not UTF-8>");
        println!("SOX: {} says \"{notes}\"", passport.passport_id());
    }
    let found = vault.get(Uuid::from_u128(2)).map(Passport::status);
    println!("passport 2 status: {found:?}");

    println!("\n-- emitting (generation 9), tampering with passport 3 on disk, reading back --");
    vault.set_generation(9);
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image)?;
    println!(
        "{} passports in {} blocks",
        vault.count(),
        vault.block_count()
    );
    // Someone flips SOX "Compliant" (1) to "NonCompliant" (2) and re-seals the block so
    // its checksum is fine: only the signature can tell.
    let view = VaultView::new_checked(&image, block_size)?;
    let (block, offset) = view
        .find(Uuid::from_u128(3))
        .map(|p| p.location())
        .unwrap_or((0, 0));
    let status_at = block * 512 + offset + 34;
    image[status_at] = 2;
    dwvd_regions::block::seal(&mut image[block * 512..(block + 1) * 512], Tag::CMVT, 9)?;

    let view = VaultView::new_checked(&image, block_size)?;
    for passport in view.passports() {
        let verdict = match passport.verify(&public_key) {
            Ok(()) => "signature valid".to_string(),
            Err(error) => format!("REJECTED: {error}"),
        };
        println!(
            "passport {} {} {}: {verdict}",
            passport.passport_id(),
            passport.framework(),
            passport.status()
        );
    }
    let parsed = Vault::<8>::parse(&image, block_size)?;
    let tampered = parsed
        .all()
        .iter()
        .filter(|p| p.verify(&public_key).is_err())
        .count();
    println!(
        "parsed back: {} passports, {tampered} failing verification",
        parsed.count()
    );
    Ok(())
}

fn hex_line(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
