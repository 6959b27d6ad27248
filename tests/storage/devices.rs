//! The block devices, generation order across the u32 wrap, and what the stored regions
//! refuse.

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, Fault, FaultError, FaultyDevice, MetadataCopy, RamDevice, RamDeviceError,
    StorageError, StoredRing, StoredVault, StoredWorm, generation_is_newer,
};
use dwvd_regions::streaming::{StreamingRing, WrapPolicy};
use dwvd_regions::vault::Vault;
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, ErrorKind, Ticks};

const SIZE: BlockSize = BlockSize::MIN;

/// RFC 1982 on 32 bits, written out: `a` is newer than `b` when `(a − b) mod 2³²` lies in
/// `1 .. 2³¹`.
fn reference_newer(a: u32, b: u32) -> bool {
    let distance = (u64::from(a) + (1 << 32) - u64::from(b)) % (1 << 32);
    distance != 0 && distance < (1 << 31)
}

#[test]
fn generation_order_follows_rfc_1982_across_the_wrap() {
    let interesting = [
        0,
        1,
        2,
        0x7FFF_FFFE,
        0x7FFF_FFFF,
        0x8000_0000,
        0x8000_0001,
        u32::MAX - 2,
        u32::MAX - 1,
        u32::MAX,
    ];
    for &a in &interesting {
        for &b in &interesting {
            assert_eq!(
                generation_is_newer(a, b),
                reference_newer(a, b),
                "{a} vs {b}"
            );
            // Never both newer.
            assert!(!(generation_is_newer(a, b) && generation_is_newer(b, a)));
        }
    }
    // One step on is always newer, even from u32::MAX to 0.
    for g in [0, 41, 0x7FFF_FFFF, 0x8000_0000, u32::MAX - 1, u32::MAX] {
        assert!(generation_is_newer(g.wrapping_add(1), g));
        assert!(!generation_is_newer(g, g.wrapping_add(1)));
    }
}

#[test]
fn every_region_recovers_its_newest_state_while_the_generation_wraps() {
    let mut device = RamDevice::<512, 22>::new();
    let mut scratch = [0u8; 1024];

    let mut ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    ring.set_generation(u32::MAX - 4);
    let mut ring = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    let mut worm = WormRegion::<16>::new(SIZE, 8, 0, Ticks::new(0)).unwrap();
    worm.set_generation(u32::MAX - 3);
    let mut worm = StoredWorm::format(&mut device, 6, worm, &mut scratch).unwrap();
    let mut vault = Vault::<4>::new(SIZE);
    vault.set_generation(u32::MAX - 2);
    let mut vault = StoredVault::format(&mut device, 18, 2, vault, &mut scratch).unwrap();

    let mut wrapped = [false; 3];
    for step in 0..8u8 {
        ring.append(&mut device, &[step], &mut scratch).unwrap();
        worm.append(&mut device, &[step], Ticks::new(step.into()), &mut scratch)
            .unwrap();
        vault
            .remove(&mut device, uuid::Uuid::from_u128(1), &mut scratch)
            .unwrap();
        let passport = dwvd_regions::vault::Passport::new(
            uuid::Uuid::from_u128(u128::from(step) + 10),
            uuid::Uuid::from_u128(7),
            dwvd_regions::vault::Framework::Sox,
            dwvd_regions::vault::ComplianceStatus::PendingReview,
        );
        if step < 4 {
            vault.add(&mut device, passport, &mut scratch).unwrap();
        }

        let recovered_ring = StoredRing::recover(&mut device, 0, &mut scratch).unwrap();
        let recovered_worm = StoredWorm::<16>::recover(&mut device, 6, &mut scratch).unwrap();
        let recovered_vault = StoredVault::<4>::recover(&mut device, 18, 2, &mut scratch).unwrap();
        assert_eq!(recovered_ring, ring, "step {step}");
        assert_eq!(recovered_worm, worm, "step {step}");
        assert_eq!(recovered_vault.region(), vault.region(), "step {step}");
        wrapped[0] |= ring.region().generation() < 8;
        wrapped[1] |= worm.region().generation() < 8;
        wrapped[2] |= vault.region().generation() < 8;
    }
    assert_eq!(wrapped, [true; 3], "every generation crossed u32::MAX");
    assert_eq!(ring.region().write_head(), 8);
    assert_eq!(worm.region().high_water_mark(), 8);
}

#[test]
fn the_newer_copy_wins_and_a_damaged_one_is_passed_over() {
    let mut device = RamDevice::<512, 6>::new();
    let mut scratch = [0u8; 512];
    let ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::A);
    stored.append(&mut device, b"x", &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::B);
    let newest = stored.region().clone();

    // Damage copy B (the newest): copy A, one generation older, is recovered.
    let mut damaged = device.clone();
    damaged.as_bytes_mut()[512 + 3] ^= 0x10;
    let recovered = StoredRing::recover(&mut damaged, 0, &mut scratch).unwrap();
    assert_eq!(recovered.current_copy(), MetadataCopy::A);
    assert_eq!(recovered.region().generation(), newest.generation() - 1);
    assert_eq!(recovered.region().write_head(), 0);

    // Damage both: no valid copy, and each copy's reason names its device block.
    damaged.as_bytes_mut()[3] ^= 0x10;
    let error = StoredRing::recover(&mut damaged, 0, &mut scratch).unwrap_err();
    match &error {
        StorageError::NoValidCopy {
            first_block: 0,
            copy_a,
            copy_b,
        } => {
            assert_eq!(copy_a.kind, ErrorKind::ChecksumMismatch);
            assert_eq!(copy_a.block, Some(0));
            assert_eq!(copy_b.kind, ErrorKind::ChecksumMismatch);
            assert_eq!(copy_b.block, Some(1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "no valid metadata copy for the region at device block 0: copy A: checksum_mismatch at device block 0; copy B: checksum_mismatch at device block 1 (format the region if the device is new)"
    );
}

#[test]
fn a_blank_device_has_no_region_and_layouts_must_fit() {
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 4096];
    assert!(matches!(
        StoredRing::recover(&mut device, 0, &mut scratch),
        Err(StorageError::NoValidCopy { .. })
    ));
    assert!(matches!(
        StoredWorm::<16>::recover(&mut device, 0, &mut scratch),
        Err(StorageError::NoValidCopy { .. })
    ));
    assert!(matches!(
        StoredVault::<4>::recover(&mut device, 0, 2, &mut scratch),
        Err(StorageError::NoValidCopy { .. })
    ));

    // 2 header copies + 7 slots = 9 blocks on an 8-block device.
    let ring = StreamingRing::new(SIZE, 7, 1).unwrap();
    assert_eq!(
        StoredRing::format(&mut device, 0, ring, &mut scratch),
        Err(StorageError::DoesNotFit {
            first_block: 0,
            blocks_needed: 9,
            device_blocks: 8
        })
    );
    let ring = StreamingRing::new(SIZE, 2, 1).unwrap();
    assert!(matches!(
        StoredRing::format(&mut device, u64::MAX, ring, &mut scratch),
        Err(StorageError::DoesNotFit { .. })
    ));

    let worm = WormRegion::<16>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    assert_eq!(StoredWorm::<16>::blocks_needed(SIZE, 4), 8);
    assert!(StoredWorm::format(&mut device, 1, worm.clone(), &mut scratch).is_err());
    assert!(StoredWorm::format(&mut device, 0, worm, &mut scratch).is_ok());

    // Other block sizes and short scratch buffers are refused before anything is written.
    let ring = StreamingRing::new(BlockSize::DEFAULT, 2, 1).unwrap();
    assert!(matches!(
        StoredRing::format(&mut device, 0, ring, &mut scratch),
        Err(StorageError::BlockSizeMismatch { .. })
    ));
    let ring = StreamingRing::new(SIZE, 2, 1).unwrap();
    let mut small = [0u8; 100];
    assert_eq!(
        StoredRing::format(&mut device, 0, ring, &mut small),
        Err(StorageError::ScratchTooSmall {
            needed: 512,
            available: 100
        })
    );
    assert!(matches!(
        StoredVault::<4>::format(&mut device, 0, 0, Vault::new(SIZE), &mut scratch),
        Err(StorageError::Region(_))
    ));
}

#[test]
fn refusals_write_nothing() {
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 512];
    let ring = StreamingRing::new(SIZE, 2, 2).unwrap();
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    stored.append(&mut device, b"a", &mut scratch).unwrap();
    stored.append(&mut device, b"b", &mut scratch).unwrap();
    let image = device.clone();
    let before = stored.clone();

    let full = stored
        .append_with(&mut device, b"c", WrapPolicy::Reject, &mut scratch)
        .unwrap_err();
    assert_eq!(full.region_error().map(|e| e.kind()), Some(ErrorKind::Full));
    let too_large = stored
        .append(&mut device, &[0; 497], &mut scratch)
        .unwrap_err();
    assert_eq!(
        too_large.region_error().map(|e| e.kind()),
        Some(ErrorKind::RecordTooLarge)
    );
    assert_eq!(stored, before);
    assert!(device == image, "a refused operation wrote to the device");

    // Reads outside the live range are errors, not panics.
    let error = stored.read(&mut device, 2, &mut scratch).unwrap_err();
    assert_eq!(
        error.region_error().map(|e| e.kind()),
        Some(ErrorKind::NotWrittenYet)
    );
    assert_eq!(stored.consume(&mut device, &mut scratch).unwrap(), Some(0));
    let error = stored.read(&mut device, 0, &mut scratch).unwrap_err();
    assert_eq!(
        error.region_error().map(|e| e.kind()),
        Some(ErrorKind::Overwritten)
    );
}

/// A change refused at commit time (the vault outgrows its copy, the scratch is too
/// small) is undone in memory — the stored regions change their value in place and put it
/// back — writes nothing, and leaves the value usable.
#[test]
fn a_commit_refused_after_the_change_leaves_the_committed_value() {
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
    let passport = |id: u128| {
        Passport::new(
            uuid::Uuid::from_u128(id),
            uuid::Uuid::from_u128(7),
            Framework::Gdpr,
            ComplianceStatus::Compliant,
        )
        .with_notes(&[b'n'; 200])
        .unwrap()
    };
    let mut device = RamDevice::<512, 9>::new();
    let mut scratch = [0u8; 512];
    let mut vault =
        StoredVault::format(&mut device, 0, 1, Vault::<4>::new(SIZE), &mut scratch).unwrap();
    vault.add(&mut device, passport(1), &mut scratch).unwrap();
    let (before, image) = (vault.clone(), device.clone());
    // A second passport needs a second block in a one-block copy.
    let error = vault
        .add(&mut device, passport(2), &mut scratch)
        .unwrap_err();
    assert_eq!(
        error.region_error().map(|e| e.kind()),
        Some(ErrorKind::CapacityExceeded)
    );
    assert_eq!(vault, before);
    assert!(device == image, "a refused add wrote");
    // A refusal is not a device error: the value takes the next change.
    assert!(!vault.needs_recovery());
    let removed = vault
        .remove(&mut device, uuid::Uuid::from_u128(1), &mut scratch[..100])
        .unwrap_err();
    assert!(
        matches!(removed, StorageError::ScratchTooSmall { .. }),
        "{removed}"
    );
    assert_eq!(vault, before, "the removed passport is back in its place");
    assert_eq!(
        vault
            .remove(&mut device, uuid::Uuid::from_u128(1), &mut scratch)
            .unwrap()
            .map(|p| p.passport_id()),
        Some(uuid::Uuid::from_u128(1))
    );
    assert_eq!(vault.region().count(), 0);

    let region = WormRegion::<4>::new(SIZE, 2, 0, Ticks::new(0)).unwrap();
    let mut worm = StoredWorm::format(&mut device, 2, region, &mut scratch).unwrap();
    let (before, image) = (worm.clone(), device.clone());
    let error = worm
        .append(&mut device, b"data", Ticks::new(1), &mut scratch[..100])
        .unwrap_err();
    assert!(
        matches!(error, StorageError::ScratchTooSmall { .. }),
        "{error}"
    );
    assert_eq!(worm, before, "the append is taken back");
    assert!(device == image, "a refused append wrote");
    assert_eq!(
        worm.append(&mut device, b"data", Ticks::new(1), &mut scratch)
            .unwrap(),
        0
    );

    let ring = StreamingRing::new(SIZE, 1, 1).unwrap();
    let mut ring = StoredRing::format(&mut device, 6, ring, &mut scratch).unwrap();
    ring.append(&mut device, b"old", &mut scratch).unwrap();
    let before = ring.clone();
    let error = ring
        .append(&mut device, b"new", &mut scratch[..100])
        .unwrap_err();
    assert!(
        matches!(error, StorageError::ScratchTooSmall { .. }),
        "{error}"
    );
    assert_eq!(ring, before);
}

#[test]
fn a_damaged_data_block_is_reported_not_returned() {
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 512];
    let worm = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    let mut stored = StoredWorm::format(&mut device, 0, worm, &mut scratch).unwrap();
    let index = stored
        .append(&mut device, b"kept", Ticks::new(1), &mut scratch)
        .unwrap();
    let block = usize::try_from(stored.data_block(index)).unwrap();
    assert_eq!(block, 2);
    assert_eq!(
        stored.read(&mut device, index, &mut scratch).unwrap(),
        b"kept"
    );
    device.as_bytes_mut()[block * 512] ^= 1;
    let error = stored.read(&mut device, index, &mut scratch).unwrap_err();
    assert_eq!(
        error.region_error().map(|e| e.kind()),
        Some(ErrorKind::ChecksumMismatch)
    );
    let error = stored.read(&mut device, 1, &mut scratch).unwrap_err();
    assert_eq!(
        error.region_error().map(|e| e.kind()),
        Some(ErrorKind::NotWrittenYet)
    );
}

#[test]
fn ram_device_refuses_bad_indices_and_lengths() {
    let mut device = RamDevice::<512, 2>::new();
    let mut block = [0u8; 512];
    assert_eq!(
        device.read_block(2, &mut block),
        Err(RamDeviceError::OutOfRange {
            index: 2,
            block_count: 2
        })
    );
    assert_eq!(
        device.write_block(u64::MAX, &block),
        Err(RamDeviceError::OutOfRange {
            index: u64::MAX,
            block_count: 2
        })
    );
    assert_eq!(
        device.write_block(0, &block[..511]),
        Err(RamDeviceError::WrongLength {
            length: 511,
            block_size: 512
        })
    );
    assert!(device.as_bytes().iter().all(|byte| *byte == 0));
    device.write_block(1, &[9; 512]).unwrap();
    assert_eq!(&device.as_bytes()[512..], &[9; 512]);
    assert_eq!(
        RamDeviceError::OutOfRange {
            index: 2,
            block_count: 2
        }
        .to_string(),
        "block 2 is past the end of the RAM device (2 blocks)"
    );
}

#[test]
fn faulty_device_counts_and_fails_as_told() {
    let mut device = FaultyDevice::<_, 512>::new(
        RamDevice::<512, 2>::new(),
        Fault::Fail {
            operation: dwvd_regions::storage::DeviceOperation::Write,
            nth: 2,
            forever: false,
        },
    );
    let block = [1u8; 512];
    assert!(device.write_block(0, &block).is_ok());
    assert!(matches!(
        device.write_block(1, &block),
        Err(FaultError::Injected { block: 1, .. })
    ));
    assert!(device.write_block(1, &block).is_ok());
    assert_eq!(device.writes(), 3);
    assert!(!device.power_lost());

    // Failing forever: from the nth call on (reads counted apart), and set_fault
    // restarts the count.
    device.set_fault(Fault::Fail {
        operation: dwvd_regions::storage::DeviceOperation::Read,
        nth: 2,
        forever: true,
    });
    assert_eq!(device.reads(), 0);
    let mut read = [0u8; 512];
    assert!(device.read_block(0, &mut read).is_ok());
    for _ in 0..3 {
        assert!(matches!(
            device.read_block(0, &mut read),
            Err(FaultError::Injected { block: 0, .. })
        ));
    }
    assert!(device.write_block(0, &block).is_ok(), "only reads fail");
    assert!(device.sync().is_ok());
    assert_eq!((device.reads(), device.writes()), (4, 1));

    let mut device = FaultyDevice::<_, 512>::new(
        RamDevice::<512, 2>::new(),
        Fault::PowerCut {
            nth_write: 1,
            torn: false,
        },
    );
    assert_eq!(device.write_block(0, &block), Err(FaultError::PowerLost));
    assert!(device.power_lost());
    let mut read = [0u8; 512];
    assert_eq!(device.read_block(0, &mut read), Err(FaultError::PowerLost));
    assert_eq!(device.sync(), Err(FaultError::PowerLost));
    assert_eq!(
        device.inner().as_bytes()[..512],
        block,
        "an untorn cut lands whole"
    );
}

/// After a device error the device may hold a commit memory does not know of: the value
/// refuses changes until recovered, so the next append cannot reuse the slot (and the
/// generation) that commit counts. (Found by review: a failed header sync followed by an
/// append and a power cut made recovery return the second append's data as the first's.)
#[test]
fn a_device_error_makes_the_value_refuse_changes_until_recovered() {
    use dwvd_regions::storage::DeviceOperation;
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 512];
    let ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();

    // The header of append #1 lands, then its sync fails.
    let mut faulty = FaultyDevice::<_, 512>::new(
        &mut device,
        Fault::Fail {
            operation: DeviceOperation::Sync,
            nth: 2,
            forever: false,
        },
    );
    let error = stored
        .append(&mut faulty, b"op1-payload", &mut scratch)
        .unwrap_err();
    assert!(error.is_device_error());
    assert!(stored.needs_recovery());
    let refused = stored
        .append(&mut faulty, b"op2-payload", &mut scratch)
        .unwrap_err();
    assert_eq!(refused, StorageError::NeedsRecovery { first_block: 0 });
    assert!(refused.to_string().contains("recover it"), "{refused}");
    assert!(matches!(
        stored.consume(&mut faulty, &mut scratch),
        Err(StorageError::NeedsRecovery { .. })
    ));

    // Recovery finds append #1 committed, and the recovered value goes on.
    let mut stored = StoredRing::recover(&mut device, 0, &mut scratch).unwrap();
    assert!(!stored.needs_recovery());
    assert_eq!(stored.region().write_head(), 1);
    stored
        .append(&mut device, b"op2-payload", &mut scratch)
        .unwrap();
    assert!(
        stored
            .read(&mut device, 0, &mut scratch)
            .unwrap()
            .starts_with(b"op1-payload")
    );
    assert!(
        stored
            .read(&mut device, 1, &mut scratch)
            .unwrap()
            .starts_with(b"op2-payload")
    );
}

/// Format writes whole copies, so no block of an older region at the same place can pass
/// as part of the new one. (Found by review: a stale WORM log block carrying the very
/// generation the new region reached was adopted after a cut, giving a log that was
/// neither state.)
#[test]
fn formatting_over_an_older_region_leaves_nothing_of_it_in_the_copies() {
    let mut device = RamDevice::<512, 20>::new();
    let mut scratch = [0u8; 1024];
    let region = || WormRegion::<16>::new(SIZE, 16, 0, Ticks::new(0)).unwrap();
    let mut old = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    for i in 0..9u8 {
        old.append(&mut device, &[b'O', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    // Factory reset, then the same number of appends with new data.
    let mut new = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    for i in 0..8u8 {
        new.append(&mut device, &[b'N', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    let before = new.region().clone();
    // The 9th append: its data lands (write 1), its metadata block 0 lands as power is
    // lost (write 2), metadata block 1 is never written.
    let mut faulty = FaultyDevice::<_, 512>::new(
        &mut device,
        Fault::PowerCut {
            nth_write: 2,
            torn: false,
        },
    );
    assert!(
        new.append(&mut faulty, b"N8", Ticks::new(8), &mut scratch)
            .is_err()
    );
    let recovered = StoredWorm::<16>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(
        recovered.region(),
        &before,
        "the state before the cut append"
    );
    for i in 0..8u8 {
        assert_eq!(
            recovered.read(&mut device, i.into(), &mut scratch).unwrap(),
            [b'N', i]
        );
    }
}

#[test]
fn recover_needs_the_layout_format_was_given() {
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 1024];
    StoredVault::format(&mut device, 0, 2, Vault::<4>::new(SIZE), &mut scratch).unwrap();
    assert!(matches!(
        StoredVault::<4>::recover(&mut device, 0, 0, &mut scratch),
        Err(StorageError::Region(_))
    ));
}

/// Values made by the const `new` refuse changes until formatted or reloaded in place;
/// `reload` gives the same value `recover` does, and is the way out of `NeedsRecovery`.
#[test]
fn values_made_in_place_are_formatted_or_reloaded_where_they_lie() {
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
    const VAULT: StoredVault<2> = StoredVault::new(11, 2, Vault::new(SIZE));
    let passport = |id: u128| {
        Passport::new(
            uuid::Uuid::from_u128(id),
            uuid::Uuid::from_u128(7),
            Framework::Sox,
            ComplianceStatus::Compliant,
        )
    };
    let mut device = RamDevice::<512, 16>::new();
    let mut scratch = [0u8; 1024];

    // Not written yet: refuses changes, and a blank device holds no copy to reload.
    let mut vault = VAULT;
    assert!(vault.needs_recovery());
    assert!(matches!(
        vault.add(&mut device, passport(1), &mut scratch),
        Err(StorageError::NeedsRecovery { first_block: 11 })
    ));
    assert!(matches!(
        vault.reload(&mut device, &mut scratch),
        Err(StorageError::NoValidCopy {
            first_block: 11,
            ..
        })
    ));
    assert!(
        vault.needs_recovery(),
        "a failed reload still refuses changes"
    );
    vault.format_in_place(&mut device, &mut scratch).unwrap();
    assert!(!vault.needs_recovery());
    vault.add(&mut device, passport(1), &mut scratch).unwrap();
    vault.add(&mut device, passport(2), &mut scratch).unwrap();
    let mut reloaded = VAULT;
    reloaded.reload(&mut device, &mut scratch).unwrap();
    assert_eq!(reloaded, vault);
    assert_eq!(
        StoredVault::<2>::recover(&mut device, 11, 2, &mut scratch).unwrap(),
        vault
    );
    let mut bad = StoredVault::<2>::new(11, 0, Vault::new(SIZE));
    for result in [
        bad.format_in_place(&mut device, &mut scratch),
        bad.reload(&mut device, &mut scratch),
    ] {
        let error = result.unwrap_err();
        assert_eq!(
            error.region_error().map(|e| e.kind()),
            Some(ErrorKind::InvalidArgument),
            "{error}"
        );
    }

    let region = WormRegion::<16>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    let mut worm = StoredWorm::new(0, region.clone());
    assert!(worm.needs_recovery());
    assert!(matches!(
        worm.append(&mut device, b"x", Ticks::new(1), &mut scratch),
        Err(StorageError::NeedsRecovery { first_block: 0 })
    ));
    assert_eq!(worm.region(), &region, "the refusal changed nothing");
    worm.format_in_place(&mut device, &mut scratch).unwrap();
    worm.append(&mut device, b"x", Ticks::new(1), &mut scratch)
        .unwrap();
    let mut reloaded =
        StoredWorm::new(0, WormRegion::<16>::new(SIZE, 1, 0, Ticks::new(0)).unwrap());
    reloaded.reload(&mut device, &mut scratch).unwrap();
    assert_eq!(reloaded, worm);

    let ring = StreamingRing::new(SIZE, 3, 1).unwrap();
    let mut stored_ring = StoredRing::new(6, ring.clone());
    assert!(stored_ring.needs_recovery());
    assert!(matches!(
        stored_ring.consume(&mut device, &mut scratch),
        Err(StorageError::NeedsRecovery { first_block: 6 })
    ));
    stored_ring
        .format_in_place(&mut device, &mut scratch)
        .unwrap();
    stored_ring.append(&mut device, b"r", &mut scratch).unwrap();
    let mut reloaded = StoredRing::new(6, ring);
    reloaded.reload(&mut device, &mut scratch).unwrap();
    assert_eq!(reloaded, stored_ring);

    // A region that outgrows the device is refused before anything is written.
    let image = device.clone();
    let too_big = StreamingRing::new(SIZE, 9, 1).unwrap();
    let error = StoredRing::new(6, too_big)
        .format_in_place(&mut device, &mut scratch)
        .unwrap_err();
    assert!(matches!(error, StorageError::DoesNotFit { .. }), "{error}");
    let too_big = WormRegion::<16>::new(SIZE, 15, 0, Ticks::new(0)).unwrap();
    let error = StoredWorm::new(0, too_big)
        .format_in_place(&mut device, &mut scratch)
        .unwrap_err();
    assert!(matches!(error, StorageError::DoesNotFit { .. }), "{error}");
    assert!(device == image);
}

/// After a device error each stored region reports `needs_recovery`, and `reload` on the
/// same value clears it with what the device holds.
#[test]
fn reload_after_a_device_error_clears_needs_recovery() {
    use dwvd_regions::storage::DeviceOperation;
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
    let mut scratch = [0u8; 1024];
    let fail_first_sync = Fault::Fail {
        operation: DeviceOperation::Sync,
        nth: 1,
        forever: false,
    };

    let mut device = FaultyDevice::<_, 512>::new(RamDevice::<512, 8>::new(), Fault::None);
    let region = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    let mut worm = StoredWorm::format(&mut device, 0, region, &mut scratch).unwrap();
    device.set_fault(fail_first_sync);
    assert!(
        worm.append(&mut device, b"a", Ticks::new(1), &mut scratch)
            .is_err()
    );
    assert!(worm.needs_recovery());
    worm.reload(&mut device, &mut scratch).unwrap();
    assert!(!worm.needs_recovery());
    // The data block landed but its commit did not: the mark is still 0.
    assert_eq!(worm.region().high_water_mark(), 0);
    worm.append(&mut device, b"a", Ticks::new(1), &mut scratch)
        .unwrap();

    let mut device = FaultyDevice::<_, 512>::new(RamDevice::<512, 4>::new(), Fault::None);
    let mut vault =
        StoredVault::format(&mut device, 0, 2, Vault::<2>::new(SIZE), &mut scratch).unwrap();
    device.set_fault(fail_first_sync);
    let passport = Passport::new(
        uuid::Uuid::from_u128(1),
        uuid::Uuid::from_u128(2),
        Framework::Gdpr,
        ComplianceStatus::Compliant,
    );
    assert!(
        vault
            .add(&mut device, passport.clone(), &mut scratch)
            .is_err()
    );
    assert!(vault.needs_recovery());
    assert_eq!(vault.region().count(), 0, "memory keeps the last commit");
    vault.reload(&mut device, &mut scratch).unwrap();
    assert!(!vault.needs_recovery());
    // The whole copy was written before the failed sync: the add landed.
    assert_eq!(vault.region().all(), [passport]);
}

/// The layout helpers, against the SPEC's formulas written out here.
#[test]
fn layout_helpers_follow_the_spec() {
    // SPEC §3: block 0 holds floor((bs-16-40)/52) records, later blocks floor((bs-16)/52).
    let worm_blocks = |bs: u64, count: u64| {
        let (first, later) = ((bs - 16 - 40) / 52, (bs - 16) / 52);
        if count <= first {
            1
        } else {
            1 + (count - first).div_ceil(later)
        }
    };
    for bs in [512usize, 1024, 4096] {
        let size = BlockSize::new(bs).unwrap();
        let bs = bs as u64;
        assert_eq!(StoredWorm::<8>::blocks_per_copy(size), worm_blocks(bs, 8));
        assert_eq!(StoredWorm::<9>::blocks_per_copy(size), worm_blocks(bs, 9));
        assert_eq!(
            StoredWorm::<100>::blocks_per_copy(size),
            worm_blocks(bs, 100)
        );
        assert_eq!(
            StoredWorm::<100>::blocks_needed(size, 7),
            2 * worm_blocks(bs, 100) + 7
        );
        assert_eq!(
            StoredWorm::<100>::scratch_len(size) as u64,
            worm_blocks(bs, 100) * bs
        );
        assert_eq!(StoredRing::scratch_len(size) as u64, bs);
        assert_eq!(StoredVault::<4>::scratch_len(size, 3) as u64, 3 * bs);
    }
    assert_eq!(StoredWorm::<8>::blocks_per_copy(SIZE), 1);
    assert_eq!(StoredWorm::<9>::blocks_per_copy(SIZE), 2);
    assert_eq!(StoredRing::blocks_needed(3), 5);
    assert_eq!(StoredRing::blocks_needed(u64::MAX), u64::MAX);
    assert_eq!(StoredVault::<4>::blocks_needed(3), 6);
    assert_eq!(StoredVault::<4>::blocks_needed(u64::MAX), u64::MAX);
}

/// `&mut D` is a device too, forwarding every call.
#[test]
fn a_mutable_reference_to_a_device_is_a_device() {
    let mut device = RamDevice::<512, 6>::new();
    let mut scratch = [0u8; 512];
    {
        let mut borrowed: &mut RamDevice<512, 6> = &mut device;
        assert_eq!(BlockDevice::block_size(&borrowed), SIZE);
        assert_eq!(BlockDevice::block_count(&borrowed), 6);
        let ring = StreamingRing::new(SIZE, 3, 1).unwrap();
        let mut stored = StoredRing::format(&mut borrowed, 1, ring, &mut scratch).unwrap();
        stored
            .append(&mut borrowed, b"via &mut", &mut scratch)
            .unwrap();
        BlockDevice::write_block(&mut borrowed, 0, &[9u8; 512]).unwrap();
        BlockDevice::sync(&mut borrowed).unwrap();
        let mut block = [0u8; 512];
        BlockDevice::read_block(&mut borrowed, 0, &mut block).unwrap();
        assert_eq!(block, [9u8; 512]);
        assert!(BlockDevice::read_block(&mut borrowed, 6, &mut block).is_err());
    }
    assert_eq!(&device.as_bytes()[..512], &[9u8; 512]);
    let stored = StoredRing::recover(&mut device, 1, &mut scratch).unwrap();
    assert!(
        stored
            .read(&mut device, 0, &mut scratch)
            .unwrap()
            .starts_with(b"via &mut")
    );
}

/// Every storage error names what failed and where, and says what to do; only a region
/// error has a source.
#[test]
fn storage_errors_name_the_block_and_say_what_to_do() {
    use core::error::Error as _;
    use dwvd_regions::storage::{CopyFailure, DeviceOperation};
    type E = StorageError<&'static str>;
    let region = dwvd_regions::Error::from(dwvd_regions::Reason::NotWrittenYet {
        position: 4,
        write_head: 2,
    });
    let cases: [(E, &[&str]); 8] = [
        (
            E::Device {
                operation: DeviceOperation::Sync,
                block: 17,
                error: "bus fault",
            },
            &["device sync of block 17 failed", "bus fault", "recover"],
        ),
        (
            E::Device {
                operation: DeviceOperation::Read,
                block: 3,
                error: "ecc",
            },
            &["device read of block 3"],
        ),
        (
            E::Device {
                operation: DeviceOperation::Write,
                block: 5,
                error: "wp",
            },
            &["device write of block 5"],
        ),
        (E::Region(region), &[&region.to_string()]),
        (
            E::NoValidCopy {
                first_block: 9,
                copy_a: CopyFailure {
                    kind: ErrorKind::ChecksumMismatch,
                    block: Some(10),
                },
                copy_b: CopyFailure {
                    kind: ErrorKind::TornWrite,
                    block: None,
                },
            },
            &[
                "device block 9",
                "copy A: checksum_mismatch at device block 10",
                "copy B: torn_write (",
                "format",
            ],
        ),
        (
            E::NeedsRecovery { first_block: 12 },
            &["device block 12", "reload or recover it"],
        ),
        (
            E::DoesNotFit {
                first_block: 2,
                blocks_needed: 30,
                device_blocks: 16,
            },
            &["device block 2 needs 30 blocks", "device's 16"],
        ),
        (
            E::ScratchTooSmall {
                needed: 1024,
                available: 100,
            },
            &["holds 100 bytes", "needs 1024", "scratch_len"],
        ),
    ];
    for (error, parts) in cases {
        let text = error.to_string();
        for part in parts {
            assert!(text.contains(part), "{text:?} lacks {part:?}");
        }
        assert_eq!(error.source().is_some(), error.region_error().is_some());
        assert_eq!(
            error.is_device_error(),
            matches!(error, StorageError::Device { .. })
        );
    }
    let mismatch = E::BlockSizeMismatch {
        region: SIZE,
        device: BlockSize::new(4096).unwrap(),
    };
    assert_eq!(
        mismatch.to_string(),
        "the region uses 512-byte blocks but the device has 4096-byte blocks"
    );
    let source = E::Region(region).source().map(ToString::to_string);
    assert_eq!(source, Some(region.to_string()));
}

/// Each copy's reason names that copy's own device block — also for a count that overruns
/// the copy's blocks, which used to say "device block 0" whatever the copy.
#[test]
fn a_refused_copy_names_its_own_device_block() {
    const FIRST: u64 = 3;
    let size = BlockSize::MIN;
    let mut device = RamDevice::<512, 16>::new();
    let mut scratch = [0u8; 1024];
    let region = WormRegion::<16>::new(size, 4, 0, Ticks::new(0)).unwrap();
    StoredWorm::format(&mut device, FIRST, region, &mut scratch).unwrap();
    let per_copy = StoredWorm::<16>::blocks_per_copy(size);
    assert_eq!(per_copy, 2);
    let bytes = device.as_bytes_mut();
    // Copy A: a flipped byte in its first block.
    let a = FIRST as usize * 512;
    bytes[a + 100] ^= 1;
    // Copy B: write_log_count 1000 (112 blocks) in a copy of 2, resealed as a writer would.
    let b = (FIRST + per_copy) as usize * 512;
    bytes[b + 32..b + 36].copy_from_slice(&1000i32.to_le_bytes());
    let generation = u32::from_le_bytes(bytes[b + 500..b + 504].try_into().unwrap());
    dwvd_regions::block::seal(&mut bytes[b..b + 512], dwvd_regions::Tag::WORM, generation).unwrap();

    match StoredWorm::<16>::recover(&mut device, FIRST, &mut scratch).unwrap_err() {
        StorageError::NoValidCopy {
            first_block,
            copy_a,
            copy_b,
        } => {
            assert_eq!(first_block, FIRST);
            assert_eq!(
                (copy_a.kind, copy_a.block),
                (ErrorKind::ChecksumMismatch, Some(FIRST))
            );
            assert_eq!(
                (copy_b.kind, copy_b.block),
                (ErrorKind::Truncated, Some(FIRST + per_copy))
            );
            let message = StorageError::<RamDeviceError>::NoValidCopy {
                first_block,
                copy_a,
                copy_b,
            }
            .to_string();
            assert!(
                message.contains("copy B: truncated at device block 5"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}
