//! The block devices, generation order across the u32 wrap, and what the stored regions
//! refuse.

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
        assert_eq!(recovered_vault.vault(), vault.vault(), "step {step}");
        wrapped[0] |= ring.ring().generation() < 8;
        wrapped[1] |= worm.region().generation() < 8;
        wrapped[2] |= vault.vault().generation() < 8;
    }
    assert_eq!(wrapped, [true; 3], "every generation crossed u32::MAX");
    assert_eq!(ring.ring().write_head(), 8);
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
    let newest = stored.ring().clone();

    // Damage copy B (the newest): copy A, one generation older, is recovered.
    let mut damaged = device.clone();
    damaged.as_bytes_mut()[512 + 3] ^= 0x10;
    let recovered = StoredRing::recover(&mut damaged, 0, &mut scratch).unwrap();
    assert_eq!(recovered.current_copy(), MetadataCopy::A);
    assert_eq!(recovered.ring().generation(), newest.generation() - 1);
    assert_eq!(recovered.ring().write_head(), 0);

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
    assert_eq!(vault.vault().count(), 0);

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
    assert_eq!(stored.ring().write_head(), 1);
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
