//! The block devices, generation order across the u32 wrap, and what the stored regions
//! refuse.

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, Fault, FaultError, FaultyDevice, JournalEntryKind, JournalSlot, MetadataCopy,
    RamDevice, RamDeviceError, StorageError, StoredRing, StoredVault, StoredWorm,
    generation_is_newer, read_entry,
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

/// Each region's generation crosses `u32::MAX` while it is changed and recovered after
/// every step. With the journal, a generation moves only at a checkpoint: the ring takes
/// one on its own before the append that would reuse a slot (after `allocated_blocks`
/// appends), the WORM region and the vault here on the odd steps through `checkpoint`. So
/// recovery is checked both from a checkpoint alone and from a checkpoint plus the
/// operations recorded after it (ring slots, journal entries).
#[test]
fn every_region_recovers_its_newest_state_while_the_generation_wraps() {
    // Ring of 4 slots: 2 copies + 2 journal + 4 = 8 blocks (0..8). WORM<16> of 8 blocks:
    // 2 copies of 2 + a journal of 4 + 8 = 16 blocks (8..24). Vault of 2-block copies:
    // 2 × 2 + 4 = 8 blocks (24..32).
    let mut device = RamDevice::<512, 32>::new();
    let mut scratch = [0u8; 1024];

    let mut ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    ring.set_generation(u32::MAX - 4);
    let mut ring = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    let mut worm = WormRegion::<16>::new(SIZE, 8, 0, Ticks::new(0)).unwrap();
    worm.set_generation(u32::MAX - 3);
    let mut worm = StoredWorm::format(&mut device, 8, worm, &mut scratch).unwrap();
    let mut vault = Vault::<4>::new(SIZE);
    vault.set_generation(u32::MAX - 2);
    let mut vault = StoredVault::format(&mut device, 24, 2, vault, &mut scratch).unwrap();
    // Format writes copy B, then copy A: two generations on.
    assert_eq!(ring.region().generation(), u32::MAX - 2);
    assert_eq!(worm.region().generation(), u32::MAX - 1);
    assert_eq!(vault.region().generation(), u32::MAX);

    let passport = |id: u128| {
        dwvd_regions::vault::Passport::new(
            uuid::Uuid::from_u128(id),
            uuid::Uuid::from_u128(7),
            dwvd_regions::vault::Framework::Sox,
            dwvd_regions::vault::ComplianceStatus::PendingReview,
        )
    };
    for step in 0..8u8 {
        ring.append(&mut device, &[step], &mut scratch).unwrap();
        worm.append(&mut device, &[step], Ticks::new(step.into()), &mut scratch)
            .unwrap();
        // Adds on the first four steps, then the same passports removed in order.
        let id = u128::from(step % 4) + 10;
        if step < 4 {
            vault.add(&mut device, passport(id), &mut scratch).unwrap();
        } else {
            let removed = vault
                .remove(&mut device, uuid::Uuid::from_u128(id), &mut scratch)
                .unwrap();
            assert_eq!(removed, Some(passport(id)), "step {step}");
        }
        if step % 2 == 1 {
            worm.checkpoint(&mut device, &mut scratch).unwrap();
            vault.checkpoint(&mut device, &mut scratch).unwrap();
        }

        // The generations, worked out by hand: a checkpoint writes the generation after
        // the last one used (for the ring, after the generations its slots took since
        // the checkpoint: u32::MAX − 2 + 4 appends + 1 = 2, wrapped).
        let expected = |start: u32, checkpoints: u32| start.wrapping_add(checkpoints);
        let odd_steps_done = u32::from(step + 1) / 2;
        let ring_generation = if step < 4 { u32::MAX - 2 } else { 2 };
        assert_eq!(ring.region().generation(), ring_generation, "step {step}");
        assert_eq!(
            worm.region().generation(),
            expected(u32::MAX - 1, odd_steps_done),
            "step {step}"
        );
        assert_eq!(
            vault.region().generation(),
            expected(u32::MAX, odd_steps_done),
            "step {step}"
        );
        // Operations since the checkpoint: ring appends since its own checkpoint (4 then
        // 1.. after it), and none right after an explicit one.
        let ring_pending = if step < 4 { step + 1 } else { step - 3 };
        assert_eq!(
            ring.operations_since_checkpoint(),
            u64::from(ring_pending),
            "step {step}"
        );
        let journaled = if step % 2 == 1 { 0 } else { 1 };
        assert_eq!(worm.operations_since_checkpoint(), journaled, "step {step}");
        assert_eq!(
            vault.operations_since_checkpoint(),
            journaled,
            "step {step}"
        );

        let recovered_ring = StoredRing::recover(&mut device, 0, &mut scratch).unwrap();
        let recovered_worm = StoredWorm::<16>::recover(&mut device, 8, &mut scratch).unwrap();
        let recovered_vault = StoredVault::<4>::recover(&mut device, 24, 2, &mut scratch).unwrap();
        assert_eq!(recovered_ring, ring, "step {step}");
        assert_eq!(recovered_worm, worm, "step {step}");
        assert_eq!(recovered_vault, vault, "step {step}");
    }
    assert_eq!(ring.region().write_head(), 8);
    assert_eq!(ring.region().entry_count(), 4);
    assert_eq!(worm.region().high_water_mark(), 8);
    assert_eq!(vault.region().count(), 0);
    // Every generation crossed u32::MAX.
    assert_eq!(ring.region().generation(), 2);
    assert_eq!(worm.region().generation(), 2);
    assert_eq!(vault.region().generation(), 3);
}

/// Of two valid copies the newer wins; a damaged one is passed over, and the older copy
/// is followed by the ring appends whose slots carry the generations after it.
#[test]
fn the_newer_copy_wins_and_a_damaged_one_is_passed_over() {
    // 2 header copies + 2 journal blocks + 4 slots.
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 512];
    let ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    // Format wrote copy B (generation 1), then copy A (generation 2).
    assert_eq!(stored.current_copy(), MetadataCopy::A);
    assert_eq!(stored.region().generation(), 2);
    // Appends write only their slots (sealed 3 and 4): the checkpoint stays in copy A.
    stored.append(&mut device, b"a", &mut scratch).unwrap();
    stored.append(&mut device, b"b", &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::A);
    assert_eq!(stored.region().generation(), 2);
    // A checkpoint goes to copy B with the generation after the slots': 2 + 2 + 1.
    stored.checkpoint(&mut device, &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::B);
    assert_eq!(stored.region().generation(), 5);
    assert_eq!(stored.operations_since_checkpoint(), 0);
    // One more append after it, sealed 6.
    stored.append(&mut device, b"c", &mut scratch).unwrap();
    assert_eq!(
        StoredRing::recover(&mut device, 0, &mut scratch).unwrap(),
        stored
    );

    // Damage copy B (the newest): copy A (generation 2) is recovered, and followed by
    // slots 0 and 1 (sealed 3 and 4), not slot 2 (sealed 6, after copy B's 5).
    let mut damaged = device.clone();
    damaged.as_bytes_mut()[512 + 3] ^= 0x10;
    let recovered = StoredRing::recover(&mut damaged, 0, &mut scratch).unwrap();
    assert_eq!(recovered.current_copy(), MetadataCopy::A);
    assert_eq!(recovered.region().generation(), 2);
    assert_eq!(recovered.region().write_head(), 2);
    assert_eq!(recovered.operations_since_checkpoint(), 2);
    assert!(
        recovered
            .read(&mut damaged, 1, &mut scratch)
            .unwrap()
            .starts_with(b"b")
    );

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
            assert_eq!(copy_a.block, with_details(0));
            assert_eq!(copy_b.kind, ErrorKind::ChecksumMismatch);
            assert_eq!(copy_b.block, with_details(1));
        }
        other => panic!("{other:?}"),
    }
    if cfg!(feature = "error-details") {
        assert_eq!(
            error.to_string(),
            "no valid metadata copy for the region at device block 0: copy A: checksum_mismatch at device block 0; copy B: checksum_mismatch at device block 1 (format the region if the device is new)"
        );
    }
}

/// A copy's failing block as its error names it: with `error-details` (the default); the
/// build without it keeps only the kind.
fn with_details(block: u64) -> Option<u64> {
    cfg!(feature = "error-details").then_some(block)
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

    // 2 header copies + 2 journal blocks + 5 slots = 9 blocks on an 8-block device.
    let ring = StreamingRing::new(SIZE, 5, 1).unwrap();
    assert_eq!(
        StoredRing::format(&mut device, 0, ring, &mut scratch),
        Err(StorageError::DoesNotFit {
            first_block: 0,
            blocks_needed: 9,
            device_blocks: 8
        })
    );
    // 4 slots fit exactly, but not one block further on.
    let ring = StreamingRing::new(SIZE, 4, 1).unwrap();
    assert_eq!(
        StoredRing::format(&mut device, 1, ring.clone(), &mut scratch),
        Err(StorageError::DoesNotFit {
            first_block: 1,
            blocks_needed: 8,
            device_blocks: 8
        })
    );
    assert!(StoredRing::format(&mut device, 0, ring, &mut scratch).is_ok());
    let ring = StreamingRing::new(SIZE, 2, 1).unwrap();
    assert!(matches!(
        StoredRing::format(&mut device, u64::MAX, ring, &mut scratch),
        Err(StorageError::DoesNotFit { .. })
    ));

    // A log of 8 records fits one 512-byte block: 2 copies of 1 block + a journal of 2
    // + 4 data blocks = 8 blocks.
    let worm = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    assert_eq!(StoredWorm::<8>::blocks_needed(SIZE, 4), 8);
    assert!(matches!(
        StoredWorm::format(&mut device, 1, worm.clone(), &mut scratch),
        Err(StorageError::DoesNotFit {
            first_block: 1,
            blocks_needed: 8,
            device_blocks: 8
        })
    ));
    assert!(StoredWorm::format(&mut device, 0, worm, &mut scratch).is_ok());
    // A vault of 3-block copies: 2 × 3 + a journal of 6 = 12 blocks.
    assert_eq!(
        StoredVault::<4>::format(&mut device, 0, 3, Vault::new(SIZE), &mut scratch),
        Err(StorageError::DoesNotFit {
            first_block: 0,
            blocks_needed: 12,
            device_blocks: 8
        })
    );

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
    // A vault of 1-block copies (2 + a journal of 2: blocks 0..4), a WORM<4> of 2 data
    // blocks (2 × 1 + 2 + 2: blocks 4..10) and a ring of 1 slot (2 + 2 + 1: blocks 10..15).
    let mut device = RamDevice::<512, 15>::new();
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
    let mut worm = StoredWorm::format(&mut device, 4, region, &mut scratch).unwrap();
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
    let mut ring = StoredRing::format(&mut device, 10, ring, &mut scratch).unwrap();
    ring.append(&mut device, b"old", &mut scratch).unwrap();
    // The next append would reuse the slot written since the checkpoint, so it checkpoints
    // first: that is what the short scratch refuses, before anything is written.
    let (before, image) = (ring.clone(), device.clone());
    let error = ring
        .append(&mut device, b"new", &mut scratch[..100])
        .unwrap_err();
    assert!(
        matches!(error, StorageError::ScratchTooSmall { .. }),
        "{error}"
    );
    assert_eq!(ring, before);
    assert!(device == image, "a refused append wrote");
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
    // After 2 copies of 1 block and a journal of 2: device block 4.
    let block = usize::try_from(stored.data_block(index)).unwrap();
    assert_eq!(block, 4);
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

    // An append writes one block, its slot, then syncs (its commit point): the slot of
    // append #1 lands, then that sync fails.
    let mut faulty = FaultyDevice::<_, 512>::new(
        &mut device,
        Fault::Fail {
            operation: DeviceOperation::Sync,
            nth: 1,
            forever: false,
        },
    );
    let error = stored
        .append(&mut faulty, b"op1-payload", &mut scratch)
        .unwrap_err();
    assert!(error.is_device_error());
    assert_eq!(faulty.writes(), 1, "the slot only, no header");
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
/// neither state.) A checkpoint writes only the blocks its log needs, so a checkpoint cut
/// between them leaves the copy's later blocks as they were.
#[test]
fn formatting_over_an_older_region_leaves_nothing_of_it_in_the_copies() {
    // WORM<16> at 512 bytes: copies of 2 blocks (8 records in block 0, the 9th in block
    // 1), a journal of 4, 16 data blocks: 24 blocks.
    let mut device = RamDevice::<512, 24>::new();
    let mut scratch = [0u8; 1024];
    let region = || WormRegion::<16>::new(SIZE, 16, 0, Ticks::new(0)).unwrap();
    // The old region: 9 appends, then a checkpoint into copy B (generation 2 + 1 = 3),
    // whose block 1 holds the 9th record, sealed 3.
    let mut old = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    for i in 0..9u8 {
        old.append(&mut device, &[b'O', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    old.checkpoint(&mut device, &mut scratch).unwrap();
    assert_eq!(
        (old.current_copy(), old.region().generation()),
        (MetadataCopy::B, 3)
    );

    // Factory reset, then the same number of appends with new data.
    let mut new = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    for i in 0..9u8 {
        new.append(&mut device, &[b'N', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    let before = new.clone();
    // Its checkpoint goes to copy B too, generation 3, two blocks: block 0 lands as power
    // is lost (write 1), block 1 is never written. Had format left the old block 1
    // (sealed 3) there, copy B would pass as valid with the old 9th record.
    let mut faulty = FaultyDevice::<_, 512>::new(
        &mut device,
        Fault::PowerCut {
            nth_write: 1,
            torn: false,
        },
    );
    assert!(new.checkpoint(&mut faulty, &mut scratch).is_err());
    let recovered = StoredWorm::<16>::recover(&mut device, 0, &mut scratch).unwrap();
    // Copy A and its journal: the state before the cut checkpoint (the same appends).
    assert_eq!(recovered, before);
    assert_eq!(recovered.current_copy(), MetadataCopy::A);
    assert_eq!(recovered.operations_since_checkpoint(), 9);
    for i in 0..9u8 {
        assert_eq!(
            recovered.read(&mut device, i.into(), &mut scratch).unwrap(),
            [b'N', i]
        );
    }
}

/// Format clears the journal, so no entry of an older region at the same place can pass
/// as one of the new region's: both regions follow a checkpoint of generation 2 and
/// number their entries 1, 2, 3, …, so an old entry with the next sequence number would
/// be replayed as an operation that never happened.
#[test]
fn formatting_over_an_older_region_leaves_nothing_of_it_in_the_journal() {
    // WORM<16>: copies of 2 blocks, a journal of 4 (blocks 4..8), 16 data blocks. An
    // append's entry is 16 (header) + 52 (record) + 8 (checksum) = 76 bytes, 80 aligned
    // to 8: 6 to a journal block (496 bytes before the trailer). The journal after the
    // checkpoint of generation 2 starts at journal block 2 mod 4 = 2: device block 6,
    // then 7.
    let mut device = RamDevice::<512, 24>::new();
    let mut scratch = [0u8; 1024];
    let region = || WormRegion::<16>::new(SIZE, 16, 0, Ticks::new(0)).unwrap();
    let mut old = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    assert_eq!(old.first_journal_block(), 4);
    assert_eq!(old.journal_blocks(), 4);
    // 9 appends: entries 1..=6 in device block 6, 7..=9 in device block 7.
    for i in 0..9u8 {
        old.append(&mut device, &[b'O', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    let entry = |device: &mut RamDevice<512, 24>, block: u64, offset: usize| {
        let mut bytes = [0u8; 512];
        device.read_block(block, &mut bytes).unwrap();
        match read_entry(&bytes, offset) {
            JournalSlot::Entry(entry) => Some((
                entry.kind(),
                entry.checkpoint_generation(),
                entry.sequence(),
            )),
            _ => None,
        }
    };
    assert_eq!(
        entry(&mut device, 7, 2 * 80),
        Some((JournalEntryKind::WormAppend, 2, 9))
    );

    let mut new = StoredWorm::format(&mut device, 0, region(), &mut scratch).unwrap();
    for block in 4..8 {
        for offset in [0, 80, 160] {
            assert_eq!(entry(&mut device, block, offset), None, "block {block}");
        }
    }
    // 6 appends fill device block 6; nothing of the old entries 7..=9 in block 7 is left
    // to be taken for the new region's 7th, 8th and 9th.
    for i in 0..6u8 {
        new.append(&mut device, &[b'N', i], Ticks::new(i.into()), &mut scratch)
            .unwrap();
    }
    let recovered = StoredWorm::<16>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(recovered, new);
    assert_eq!(recovered.region().high_water_mark(), 6);
    assert_eq!(recovered.operations_since_checkpoint(), 6);
}

/// What each operation writes on a block device, counted by hand from the layout
/// (| copy A | copy B | journal | data |) and the write rules: a ring append writes its
/// slot (and first a header checkpoint once `allocated_blocks` appends have followed the
/// last one); a journaled operation writes its journal block (the first entry in a block
/// writes it whole, later ones rewrite it); a checkpoint writes the copy's used blocks.
#[test]
fn each_operation_writes_the_blocks_the_layout_says() {
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
    let mut device = FaultyDevice::<_, 512>::new(RamDevice::<512, 27>::new(), Fault::None);
    let mut scratch = [0u8; 1024];
    // Block writes and reads since the last call (the counters restart).
    let counted = |device: &mut FaultyDevice<RamDevice<512, 27>, 512>| {
        let counts = (device.writes(), device.reads());
        device.set_fault(Fault::None);
        counts.0
    };

    // Ring of 4 slots at 0: copies 0, 1, journal 2, 3, slots 4..8.
    let ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    let mut ring = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    // 2 journal blocks + 4 slots holding no live entry + copy B + copy A.
    assert_eq!(counted(&mut device), 8);
    for n in 0..4u8 {
        ring.append(&mut device, &[n], &mut scratch).unwrap();
        assert_eq!(counted(&mut device), 1, "append {n}: its slot only");
    }
    assert_eq!(ring.current_copy(), MetadataCopy::A);
    // The 5th reuses slot 0: a header checkpoint (into copy B) first, then the slot.
    ring.append(&mut device, b"5th", &mut scratch).unwrap();
    assert_eq!(counted(&mut device), 2);
    assert_eq!(ring.current_copy(), MetadataCopy::B);
    // Consumes: one journal block write each (taken, then rewritten with the second).
    assert_eq!(ring.consume(&mut device, &mut scratch).unwrap(), Some(1));
    assert_eq!(counted(&mut device), 1);
    assert_eq!(ring.consume(&mut device, &mut scratch).unwrap(), Some(2));
    assert_eq!(counted(&mut device), 1);
    assert_eq!(ring.operations_since_checkpoint(), 3);
    assert_eq!(
        StoredRing::recover(&mut device, 0, &mut scratch).unwrap(),
        ring
    );
    device.set_fault(Fault::None);
    // A reset is a checkpoint: one header block, into copy A.
    ring.reset(&mut device, &mut scratch).unwrap();
    assert_eq!(counted(&mut device), 1);
    assert_eq!(ring.current_copy(), MetadataCopy::A);
    assert_eq!(ring.region().entry_count(), 0);
    assert_eq!(
        StoredRing::recover(&mut device, 0, &mut scratch).unwrap(),
        ring
    );
    device.set_fault(Fault::None);

    // WORM<8> of 8 blocks at 8 with a journal of 1 block: copies 8, 9 (the 8-record log
    // fits one block), journal 10, data 11..19. An append's entry is 16 + 52 + 8 = 76
    // bytes, 80 aligned: 6 fit in a block's 496 bytes before its trailer.
    let region = WormRegion::<8>::new(SIZE, 8, 0, Ticks::new(0)).unwrap();
    let mut worm = StoredWorm::new(8, region).with_journal_blocks(1);
    worm.format_in_place(&mut device, &mut scratch).unwrap();
    assert_eq!((worm.first_journal_block(), worm.data_block(0)), (10, 11));
    assert_eq!(
        counted(&mut device),
        3,
        "the journal block + copy B + copy A"
    );
    for n in 0..6u8 {
        worm.append(&mut device, &[n], Ticks::new(n.into()), &mut scratch)
            .unwrap();
        assert_eq!(
            counted(&mut device),
            2,
            "append {n}: data block + journal block"
        );
        assert_eq!(worm.operations_since_checkpoint(), u64::from(n) + 1);
    }
    // The 7th entry finds the journal full: the block is sealed, and the append is
    // committed by a checkpoint (copy B, one block) instead of an entry.
    let generation = worm.region().generation();
    worm.append(&mut device, b"7th", Ticks::new(7), &mut scratch)
        .unwrap();
    assert_eq!(counted(&mut device), 3, "data block + seal + checkpoint");
    assert_eq!(worm.current_copy(), MetadataCopy::B);
    assert_eq!(worm.region().generation(), generation + 1);
    assert_eq!(worm.operations_since_checkpoint(), 0);
    // The next append starts the journal again: data block + journal block.
    worm.append(&mut device, b"8th", Ticks::new(8), &mut scratch)
        .unwrap();
    assert_eq!(counted(&mut device), 2);
    let mut reloaded = StoredWorm::new(8, WormRegion::<8>::new(SIZE, 1, 0, Ticks::new(0)).unwrap())
        .with_journal_blocks(1);
    reloaded.reload(&mut device, &mut scratch).unwrap();
    assert_eq!(reloaded, worm);
    assert_eq!(reloaded.region().high_water_mark(), 8);
    assert_eq!(reloaded.read(&mut device, 6, &mut scratch).unwrap(), b"7th");
    device.set_fault(Fault::None);

    // Vault of 2-block copies at 19: copies 19..23, journal 23..27.
    let mut vault =
        StoredVault::format(&mut device, 19, 2, Vault::<4>::new(SIZE), &mut scratch).unwrap();
    assert_eq!(
        counted(&mut device),
        4 + 2 + 2,
        "4 journal blocks + two copies"
    );
    let passport = |id: u128, issuer: usize, notes: usize| {
        Passport::new(
            uuid::Uuid::from_u128(id),
            uuid::Uuid::from_u128(7),
            Framework::Gdpr,
            ComplianceStatus::Compliant,
        )
        .with_issuer(&vec![b'i'; issuer])
        .unwrap()
        .with_notes(&vec![b'n'; notes])
        .unwrap()
    };
    vault
        .add(&mut device, passport(1, 0, 0), &mut scratch)
        .unwrap();
    assert_eq!(counted(&mut device), 1, "one journal block");
    vault
        .remove(&mut device, uuid::Uuid::from_u128(1), &mut scratch)
        .unwrap();
    assert_eq!(counted(&mut device), 1, "the same journal block again");
    assert_eq!(vault.operations_since_checkpoint(), 2);
    // A passport of 132 + 92 + 256 = 480 bytes fits a vault block (496 bytes before the
    // trailer) but its entry, 16 + 480 + 8 = 504 bytes, does not fit a journal block's
    // 496: the add is a checkpoint, the vault's used blocks into the other copy. The
    // vault (empty after the remove) is its 16-byte header and this passport: 496 bytes,
    // exactly block 0's payload, so one block.
    let copy = vault.current_copy();
    vault
        .add(&mut device, passport(2, 92, 256), &mut scratch)
        .unwrap();
    assert_eq!(counted(&mut device), 1);
    assert_eq!(vault.current_copy(), copy.other());
    assert_eq!(vault.operations_since_checkpoint(), 0);
    assert_eq!(
        StoredVault::<4>::recover(&mut device, 19, 2, &mut scratch).unwrap(),
        vault
    );
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
    // A WORM<16> of 4 data blocks: 2 copies of 2 + a journal of 4 + 4 = blocks 0..12. A
    // vault of 2-block copies: 2 × 2 + a journal of 4 = blocks 12..20. A ring of 3 slots:
    // 2 + 2 + 3 = blocks 20..27.
    const VAULT: StoredVault<2> = StoredVault::new(12, 2, Vault::new(SIZE));
    let passport = |id: u128| {
        Passport::new(
            uuid::Uuid::from_u128(id),
            uuid::Uuid::from_u128(7),
            Framework::Sox,
            ComplianceStatus::Compliant,
        )
    };
    let mut device = RamDevice::<512, 27>::new();
    let mut scratch = [0u8; 1024];

    // Not written yet: refuses changes, and a blank device holds no copy to reload.
    let mut vault = VAULT;
    assert!(vault.needs_recovery());
    assert!(matches!(
        vault.add(&mut device, passport(1), &mut scratch),
        Err(StorageError::NeedsRecovery { first_block: 12 })
    ));
    assert!(matches!(
        vault.reload(&mut device, &mut scratch),
        Err(StorageError::NoValidCopy {
            first_block: 12,
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
        StoredVault::<2>::recover(&mut device, 12, 2, &mut scratch).unwrap(),
        vault
    );
    let mut bad = StoredVault::<2>::new(12, 0, Vault::new(SIZE));
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
    let mut stored_ring = StoredRing::new(20, ring.clone());
    assert!(stored_ring.needs_recovery());
    assert!(matches!(
        stored_ring.consume(&mut device, &mut scratch),
        Err(StorageError::NeedsRecovery { first_block: 20 })
    ));
    stored_ring
        .format_in_place(&mut device, &mut scratch)
        .unwrap();
    stored_ring.append(&mut device, b"r", &mut scratch).unwrap();
    let mut reloaded = StoredRing::new(20, ring);
    reloaded.reload(&mut device, &mut scratch).unwrap();
    assert_eq!(reloaded, stored_ring);

    // A region that outgrows the device (by one block) is refused before anything is
    // written: a ring of 4 slots at 20 needs 8 blocks, a WORM<16> of 20 data blocks 28.
    let image = device.clone();
    let too_big = StreamingRing::new(SIZE, 4, 1).unwrap();
    let error = StoredRing::new(20, too_big)
        .format_in_place(&mut device, &mut scratch)
        .unwrap_err();
    assert_eq!(
        error,
        StorageError::DoesNotFit {
            first_block: 20,
            blocks_needed: 8,
            device_blocks: 27
        }
    );
    let too_big = WormRegion::<16>::new(SIZE, 20, 0, Ticks::new(0)).unwrap();
    let error = StoredWorm::new(0, too_big)
        .format_in_place(&mut device, &mut scratch)
        .unwrap_err();
    assert_eq!(
        error,
        StorageError::DoesNotFit {
            first_block: 0,
            blocks_needed: 28,
            device_blocks: 27
        }
    );
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

    // WORM<8>: 2 copies of 1 block + a journal of 2 + 4 data blocks.
    let mut device = FaultyDevice::<_, 512>::new(RamDevice::<512, 8>::new(), Fault::None);
    let region = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();
    let mut worm = StoredWorm::format(&mut device, 0, region, &mut scratch).unwrap();
    device.set_fault(fail_first_sync);
    // The first sync is the data block's: the append stops before its journal entry.
    assert!(
        worm.append(&mut device, b"a", Ticks::new(1), &mut scratch)
            .is_err()
    );
    assert_eq!(device.writes(), 1);
    assert!(worm.needs_recovery());
    worm.reload(&mut device, &mut scratch).unwrap();
    assert!(!worm.needs_recovery());
    // The data block landed but its commit did not: the mark is still 0.
    assert_eq!(worm.region().high_water_mark(), 0);
    worm.append(&mut device, b"a", Ticks::new(1), &mut scratch)
        .unwrap();

    // A vault of 2-block copies: 2 × 2 + a journal of 4 blocks.
    let mut device = FaultyDevice::<_, 512>::new(RamDevice::<512, 8>::new(), Fault::None);
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
    assert_eq!(device.writes(), 1, "one journal block, no copy");
    assert_eq!(vault.region().count(), 0, "memory keeps the last commit");
    vault.reload(&mut device, &mut scratch).unwrap();
    assert!(!vault.needs_recovery());
    // The journal block with the entry was written before the failed sync: the add
    // landed, on top of the unchanged checkpoint.
    assert_eq!(vault.region().all(), [passport]);
    assert_eq!(vault.operations_since_checkpoint(), 1);
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
        // The default journal is two copies' worth, at least 2 blocks.
        let m = worm_blocks(bs, 100);
        assert_eq!(
            StoredWorm::<100>::default_journal_blocks(size),
            (2 * m).max(2)
        );
        assert_eq!(
            StoredWorm::<100>::blocks_needed(size, 7),
            2 * m + (2 * m).max(2) + 7
        );
        assert_eq!(
            StoredWorm::<8>::blocks_needed(size, 7),
            2 * worm_blocks(bs, 8) + (2 * worm_blocks(bs, 8)).max(2) + 7
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
    assert_eq!(StoredWorm::<8>::default_journal_blocks(SIZE), 2);
    assert_eq!(StoredWorm::<9>::default_journal_blocks(SIZE), 4);
    // Ring: 2 header copies + a journal of 2 + the slots.
    assert_eq!(StoredRing::DEFAULT_JOURNAL_BLOCKS, 2);
    assert_eq!(StoredRing::blocks_needed(3), 7);
    assert_eq!(StoredRing::blocks_needed(0), 4);
    assert_eq!(StoredRing::blocks_needed(u64::MAX), u64::MAX);
    // Vault: 2 copies + a journal of two copies' worth, at least 2.
    for (per_copy, journal) in [(0, 2), (1, 2), (2, 4), (3, 6)] {
        assert_eq!(StoredVault::<4>::default_journal_blocks(per_copy), journal);
    }
    assert_eq!(StoredVault::<4>::blocks_needed(1), 4);
    assert_eq!(StoredVault::<4>::blocks_needed(3), 12);
    assert_eq!(StoredVault::<4>::blocks_needed(u64::MAX), u64::MAX);

    // Where the journal and the data blocks lie: | A (M) | B (M) | journal (J) | data |.
    let ring = StoredRing::new(10, StreamingRing::new(SIZE, 4, 4).unwrap());
    assert_eq!(ring.journal_blocks(), 2);
    assert_eq!(ring.first_journal_block(), 12);
    assert_eq!(ring.data_block(0), 14);
    assert_eq!(ring.data_block(3), 17);
    let ring = ring.with_journal_blocks(5);
    assert_eq!(ring.journal_blocks(), 5);
    assert_eq!(ring.first_journal_block(), 12);
    assert_eq!(ring.data_block(3), 20);
    let worm = StoredWorm::new(3, WormRegion::<16>::new(SIZE, 4, 0, Ticks::new(0)).unwrap());
    assert_eq!(worm.journal_blocks(), 4);
    assert_eq!(worm.first_journal_block(), 3 + 2 * 2);
    assert_eq!(worm.data_block(0), 3 + 2 * 2 + 4);
    let vault = StoredVault::new(1, 3, Vault::<4>::new(SIZE));
    assert_eq!(vault.journal_blocks(), 6);
    assert_eq!(vault.first_journal_block(), 1 + 2 * 3);
    assert_eq!(vault.with_journal_blocks(1).journal_blocks(), 1);
    assert_eq!(ring.operations_since_checkpoint(), 0);
}

/// `&mut D` is a device too, forwarding every call.
#[test]
fn a_mutable_reference_to_a_device_is_a_device() {
    // A ring of 3 slots at block 1: 2 copies + 2 journal blocks + 3 slots = blocks 1..8.
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = [0u8; 512];
    {
        let mut borrowed: &mut RamDevice<512, 8> = &mut device;
        assert_eq!(BlockDevice::block_size(&borrowed), SIZE);
        assert_eq!(BlockDevice::block_count(&borrowed), 8);
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
        assert!(BlockDevice::read_block(&mut borrowed, 8, &mut block).is_err());
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
    let cases: [(E, &[&str]); 10] = [
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
        (
            E::Device {
                operation: DeviceOperation::Erase,
                block: 6,
                error: "timeout",
            },
            &["device erase of block 6 failed", "timeout"],
        ),
        (
            E::Device {
                operation: DeviceOperation::Program,
                block: 7,
                error: "verify",
            },
            &["device program of block 7 failed", "verify"],
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
                (ErrorKind::ChecksumMismatch, with_details(FIRST))
            );
            assert_eq!(
                (copy_b.kind, copy_b.block),
                (ErrorKind::Truncated, with_details(FIRST + per_copy))
            );
            let message = StorageError::<RamDeviceError>::NoValidCopy {
                first_block,
                copy_a,
                copy_b,
            }
            .to_string();
            let expected = if cfg!(feature = "error-details") {
                "copy B: truncated at device block 5"
            } else {
                "copy B: truncated"
            };
            assert!(message.contains(expected), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
