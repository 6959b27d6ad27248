//! Power cuts and I/O errors under a workload mixing all three stored regions.
//!
//! Power cuts:
//! One device holds a ring, a WORM region and a vault. A scripted workload runs once
//! without faults (the reference: the state after every operation), then once per cut
//! point k = 1, 2, … with power lost during the k-th block write, the block left whole or
//! half written. After each cut the three regions are recovered from the image, and
//! each must be in the state from before the interrupted operation or after it (a ring
//! append that overwrites may also stop after its first commit, the consume of the
//! oldest entry), with every live entry reading back its own data. Operations that
//! returned `Ok` before the cut are never lost. The recovered regions then take more
//! operations.
//!
//! I/O errors: for each operation, the N-th read, write or sync fails (once, or from then
//! on), for N = 1, 2, … until the operation completes. Every failure is the device's
//! error (never a panic, never a silent `Ok`), the value in memory is unchanged, and the
//! image left behind recovers to the state before or after the operation.

use std::collections::BTreeMap;

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, DeviceOperation, Fault, FaultError, FaultyDevice, MetadataCopy, RamDevice,
    StorageError, StoredRing, StoredVault, StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

type Device = RamDevice<512, 26>;
const SIZE: BlockSize = BlockSize::MIN;
const RING_AT: u64 = 0; // 2 header copies + 4 slots
const WORM_AT: u64 = 6; // 2 copies of 2 blocks (log of 16) + 10 data blocks
const WORM_CAPACITY: u64 = 10;
const VAULT_AT: u64 = 20; // 2 copies of 3 blocks
const VAULT_BLOCKS_PER_COPY: u64 = 3;

#[derive(Debug, Clone, Copy)]
enum Op {
    RingAppend,
    RingConsume,
    RingReset,
    WormAppend,
    VaultAdd(u128),
    VaultRemove(u128),
}

/// The workload, with the block writes each operation takes under the documented commit
/// order (counted by hand from the layouts, not by running the code): ring append 2
/// (data, header), 3 when it overwrites the oldest (consume header first); consume and
/// reset 1; WORM append 1 data block + the log's metadata blocks (1 while the log fits
/// block 0's 8 records, then 2); vault add/remove: one block per passport held after it
/// (each 339-byte passport takes a block of its own at 512 bytes), so copies grow to three
/// blocks and shrink again.
const WORKLOAD: [(Op, u64); 28] = [
    (Op::RingAppend, 2),     // p0: grows to 2 slots
    (Op::RingAppend, 2),     // p1
    (Op::RingAppend, 2),     // p2: grows to 4
    (Op::WormAppend, 2),     // record 0
    (Op::VaultAdd(1), 1),    // 1 passport, 1 block
    (Op::RingAppend, 2),     // p3: ring full
    (Op::RingAppend, 3),     // p4 overwrites p0
    (Op::RingAppend, 3),     // p5 overwrites p1
    (Op::RingConsume, 1),    // p2 consumed
    (Op::WormAppend, 2),     // record 1
    (Op::WormAppend, 2),     // record 2
    (Op::VaultAdd(2), 2),    // 2 blocks
    (Op::VaultAdd(3), 3),    // 3 blocks
    (Op::RingAppend, 2),     // p6
    (Op::RingAppend, 3),     // p7 overwrites p3
    (Op::VaultRemove(1), 2), // back to 2 blocks
    (Op::WormAppend, 2),     // record 3
    (Op::WormAppend, 2),     // record 4
    (Op::WormAppend, 2),     // record 5
    (Op::WormAppend, 2),     // record 6
    (Op::WormAppend, 2),     // record 7: block 0's 8 records are full
    (Op::WormAppend, 3),     // record 8: the log spills into metadata block 1
    (Op::WormAppend, 3),     // record 9: the region is full
    (Op::VaultRemove(3), 1),
    (Op::RingReset, 1),
    (Op::RingAppend, 2), // p0 again
    (Op::VaultAdd(1), 2),
    (Op::RingConsume, 1),
];
const WORKLOAD_WRITES: u64 = 57;

#[derive(Debug, Clone, PartialEq)]
struct State {
    ring: StoredRing,
    worm: StoredWorm<16>,
    vault: StoredVault<4>,
    /// What each live ring position and each WORM block must read back as.
    ring_data: BTreeMap<u64, Vec<u8>>,
    worm_data: Vec<Vec<u8>>,
    appended: u32,
}

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn passport(id: u128) -> Passport {
    Passport::new(
        Uuid::from_u128(id),
        Uuid::from_u128(1000 + id),
        Framework::Hipaa,
        ComplianceStatus::Compliant,
    )
    .with_issued(Ticks::new(638_000_000_000_000_000))
    .with_issuer(b"auditor")
    .unwrap()
    .with_notes(&[b'n'; 200])
    .unwrap()
    .signed(&key())
    .unwrap()
}

fn formatted() -> (Device, State) {
    let mut device = Device::new();
    let mut scratch = [0u8; 2048];
    let ring = StoredRing::format(
        &mut device,
        RING_AT,
        StreamingRing::new(SIZE, 4, 2).unwrap(),
        &mut scratch,
    )
    .unwrap();
    let worm = StoredWorm::format(
        &mut device,
        WORM_AT,
        WormRegion::<16>::new(SIZE, WORM_CAPACITY, 0, Ticks::new(5)).unwrap(),
        &mut scratch,
    )
    .unwrap();
    let vault = StoredVault::format(
        &mut device,
        VAULT_AT,
        VAULT_BLOCKS_PER_COPY,
        Vault::<4>::new(SIZE),
        &mut scratch,
    )
    .unwrap();
    let state = State {
        ring,
        worm,
        vault,
        ring_data: BTreeMap::new(),
        worm_data: Vec::new(),
        appended: 0,
    };
    (device, state)
}

/// Runs `op`; the model fields change only when it returns `Ok`.
fn run<D: BlockDevice>(
    device: &mut D,
    state: &mut State,
    op: Op,
) -> Result<(), StorageError<D::Error>> {
    let mut scratch = [0u8; 2048];
    match op {
        Op::RingAppend => {
            let data = format!("ring entry #{}", state.appended).into_bytes();
            let appended = state.ring.append(device, &data, &mut scratch)?;
            if let Some(old) = appended.overwritten {
                state.ring_data.remove(&old);
            }
            state.ring_data.insert(appended.position, data);
            state.appended += 1;
        }
        Op::RingConsume => {
            if let Some(position) = state.ring.consume(device, &mut scratch)? {
                state.ring_data.remove(&position);
            }
        }
        Op::RingReset => {
            state.ring.reset(device, &mut scratch)?;
            state.ring_data.clear();
        }
        Op::WormAppend => {
            let data = format!("worm record {}", state.worm_data.len()).into_bytes();
            let index = state.worm.append(
                device,
                &data,
                Ticks::new(100 + state.worm_data.len() as i64),
                &mut scratch,
            )?;
            assert_eq!(index, state.worm_data.len() as u64);
            state.worm_data.push(data);
        }
        Op::VaultAdd(id) => state.vault.add(device, passport(id), &mut scratch)?,
        Op::VaultRemove(id) => {
            assert!(
                state
                    .vault
                    .remove(device, Uuid::from_u128(id), &mut scratch)?
                    .is_some()
            );
        }
    }
    Ok(())
}

/// The reference run: the state before operation 0 and after each operation, and the
/// block writes each took.
fn reference() -> (Device, Vec<State>, Vec<u64>) {
    let (device, mut state) = formatted();
    let mut faulty = FaultyDevice::<_, 512>::new(device.clone(), Fault::None);
    let mut states = vec![state.clone()];
    let mut writes = Vec::new();
    for (op, _) in WORKLOAD {
        let before = faulty.writes();
        run(&mut faulty, &mut state, op).unwrap();
        writes.push(faulty.writes() - before);
        states.push(state.clone());
    }
    (device, states, writes)
}

/// The ring after the first commit of an overwriting append: `before` with its oldest
/// entry consumed, one generation on.
fn ring_consumed(before: &State) -> (StreamingRing, BTreeMap<u64, Vec<u8>>) {
    let mut ring = before.ring.region().clone();
    let consumed = ring.consume().unwrap();
    ring.set_generation(ring.generation().wrapping_add(1));
    let mut data = before.ring_data.clone();
    data.remove(&consumed);
    (ring, data)
}

/// Recovers all three regions from `image` and checks each is in one of the allowed
/// states, with its contents reading back. Returns which state each region is in.
/// Whether two states hold the same committed regions and contents (whatever their
/// values' recovery flags say).
fn same_committed(a: &State, b: &State) -> bool {
    a.ring.region() == b.ring.region()
        && a.ring.current_copy() == b.ring.current_copy()
        && a.worm.region() == b.worm.region()
        && a.worm.current_copy() == b.worm.current_copy()
        && a.vault.region() == b.vault.region()
        && a.vault.current_copy() == b.vault.current_copy()
        && a.ring_data == b.ring_data
        && a.worm_data == b.worm_data
}

/// Whether going from `before` to `after` is a ring append that overwrote the oldest
/// entry: the one operation committed in two steps.
fn overwrites(before: &State, after: &State) -> bool {
    after.appended > before.appended
        && after.ring.region().read_tail() > before.ring.region().read_tail()
}

fn check_recovered(image: &mut Device, before: &State, after: &State) -> State {
    let mut scratch = [0u8; 2048];
    let ring = StoredRing::recover(image, RING_AT, &mut scratch).unwrap();
    let worm = StoredWorm::<16>::recover(image, WORM_AT, &mut scratch).unwrap();
    let vault =
        StoredVault::<4>::recover(image, VAULT_AT, VAULT_BLOCKS_PER_COPY, &mut scratch).unwrap();

    let (consumed_ring, consumed_data) = if overwrites(before, after) {
        ring_consumed_if_possible(before)
    } else {
        (None, BTreeMap::new())
    };
    let ring_data = if ring.region() == before.ring.region() {
        &before.ring_data
    } else if ring.region() == after.ring.region() {
        &after.ring_data
    } else if Some(ring.region()) == consumed_ring.as_ref() {
        &consumed_data
    } else {
        panic!(
            "ring recovered to {:?}, neither before {:?} nor after {:?}",
            ring.region(),
            before.ring.region(),
            after.ring.region()
        );
    };
    for position in ring.region().read_tail()..ring.region().write_head() {
        let block = ring.read(image, position, &mut scratch).unwrap();
        let expected = &ring_data[&position];
        assert_eq!(
            &block[..expected.len()],
            &expected[..],
            "ring position {position}"
        );
        assert!(block[expected.len()..].iter().all(|byte| *byte == 0));
    }

    let worm_data = if worm.region() == before.worm.region() {
        &before.worm_data
    } else if worm.region() == after.worm.region() {
        &after.worm_data
    } else {
        panic!(
            "WORM recovered to neither state: mark {}",
            worm.region().high_water_mark()
        );
    };
    assert_eq!(worm.region().high_water_mark(), worm_data.len() as u64);
    for (index, data) in worm_data.iter().enumerate() {
        assert_eq!(
            worm.read(image, index as u64, &mut scratch).unwrap(),
            &data[..]
        );
    }

    assert!(
        vault.region() == before.vault.region() || vault.region() == after.vault.region(),
        "vault recovered to neither state: {} passports",
        vault.region().count()
    );
    assert_eq!(
        vault
            .region()
            .verify_all(key().verifying_key())
            .filter(|(_, result)| result.is_ok())
            .count(),
        vault.region().count()
    );

    State {
        ring,
        worm,
        vault,
        ring_data: ring_data.clone(),
        worm_data: worm_data.clone(),
        appended: after.appended,
    }
}

fn ring_consumed_if_possible(before: &State) -> (Option<StreamingRing>, BTreeMap<u64, Vec<u8>>) {
    if before.ring.region().is_empty() {
        return (None, BTreeMap::new());
    }
    let (ring, data) = ring_consumed(before);
    (Some(ring), data)
}

#[test]
fn the_workload_takes_the_block_writes_the_commit_order_says() {
    let (_, _, writes) = reference();
    let expected: Vec<u64> = WORKLOAD.iter().map(|(_, writes)| *writes).collect();
    assert_eq!(writes, expected);
    assert_eq!(writes.iter().sum::<u64>(), WORKLOAD_WRITES);
}

#[test]
fn a_power_cut_at_every_block_write_recovers_to_before_or_after() {
    let (formatted_device, states, writes) = reference();
    let total: u64 = writes.iter().sum();
    let mut cuts = 0;
    let mut outcomes = BTreeMap::<&str, u32>::new();
    for torn in [false, true] {
        for cut in 1..=total {
            let (_, mut state) = formatted();
            let mut device = FaultyDevice::<_, 512>::new(
                formatted_device.clone(),
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let mut interrupted = None;
            for (index, (op, _)) in WORKLOAD.iter().enumerate() {
                match run(&mut device, &mut state, *op) {
                    Ok(()) => {
                        assert_eq!(state, states[index + 1], "operation {index} after its Ok")
                    }
                    Err(StorageError::Device {
                        error: FaultError::PowerLost,
                        ..
                    }) => {
                        interrupted = Some(index);
                        break;
                    }
                    Err(other) => panic!("cut {cut}: operation {index} failed with {other}"),
                }
            }
            let index = interrupted.expect("every cut point interrupts one operation");
            let mut image = device.into_inner();
            let recovered = check_recovered(&mut image, &states[index], &states[index + 1]);
            let label = if recovered.ring == states[index + 1].ring
                && recovered.worm == states[index + 1].worm
                && recovered.vault.region() == states[index + 1].vault.region()
            {
                "after"
            } else {
                "before or between"
            };
            *outcomes.entry(label).or_default() += 1;

            // The recovered regions go on working, and what they write recovers.
            let mut next = recovered;
            run(&mut image, &mut next, Op::RingAppend).unwrap();
            if next.worm.region().high_water_mark() < WORM_CAPACITY {
                run(&mut image, &mut next, Op::WormAppend).unwrap();
            }
            let again = check_recovered(&mut image, &next, &next);
            assert_eq!(again.worm.region(), next.worm.region());
            cuts += 1;
        }
    }
    assert_eq!(
        cuts,
        2 * WORKLOAD_WRITES,
        "every block write, cut whole and torn"
    );
    assert_eq!(cuts, 114);
    // Both outcomes occur: a cut at the commit write that lands whole is "after".
    assert!(outcomes.len() == 2, "{outcomes:?}");
}

/// Recovers all three regions through `device`.
fn recover_all<D: BlockDevice>(device: &mut D) -> Result<(), StorageError<D::Error>> {
    let mut scratch = [0u8; 2048];
    StoredRing::recover(device, RING_AT, &mut scratch)?;
    StoredWorm::<16>::recover(device, WORM_AT, &mut scratch)?;
    StoredVault::<4>::recover(device, VAULT_AT, VAULT_BLOCKS_PER_COPY, &mut scratch)?;
    Ok(())
}

#[test]
fn every_injected_io_error_surfaces_and_leaves_a_consistent_image() {
    let (formatted_device, states, _) = reference();
    // The image after each operation of the reference run.
    let mut images = vec![formatted_device.clone()];
    let mut image = formatted_device;
    let (_, mut state) = formatted();
    for (op, _) in WORKLOAD {
        run(&mut image, &mut state, op).unwrap();
        images.push(image.clone());
    }

    let mut failures = 0;
    let mut completions = 0;
    let mut consumed_first = 0;
    let mut continued = 0;
    for (index, (op, _)) in WORKLOAD.iter().enumerate() {
        for operation in [DeviceOperation::Write, DeviceOperation::Sync] {
            for forever in [false, true] {
                let mut completed = false;
                for nth in 1..=20 {
                    let mut device = FaultyDevice::<_, 512>::new(
                        images[index].clone(),
                        Fault::Fail {
                            operation,
                            nth,
                            forever,
                        },
                    );
                    let mut state = states[index].clone();
                    match run(&mut device, &mut state, *op) {
                        Ok(()) => {
                            assert_eq!(state, states[index + 1]);
                            completed = true;
                        }
                        Err(StorageError::Device {
                            operation: failed,
                            error: FaultError::Injected { .. },
                            ..
                        }) => {
                            assert_eq!(failed, operation);
                            // The touched region now refuses changes until recovered…
                            let mut refused = state.clone();
                            let mut untouched = images[index].clone();
                            assert!(matches!(
                                run(&mut untouched, &mut refused, *op),
                                Err(StorageError::NeedsRecovery { .. })
                            ));
                            assert!(untouched == images[index], "a refused change wrote");
                            // …and memory holds the last committed state: unchanged, but an
                            // overwriting ring append may have committed its consume.
                            let mut committed = state.clone();
                            if state.ring.region() != states[index].ring.region() {
                                let (consumed, _) = ring_consumed_if_possible(&states[index]);
                                assert!(overwrites(&states[index], &states[index + 1]));
                                assert_eq!(Some(state.ring.region()), consumed.as_ref());
                                committed.ring = states[index].ring.clone();
                                consumed_first += 1;
                            }
                            assert!(
                                same_committed(&committed, &states[index]),
                                "operation {index}, {operation} #{nth}"
                            );
                            failures += 1;
                        }
                        Err(other) => panic!("operation {index}: unexpected {other}"),
                    }
                    // The image recovers to before or after, whatever happened, and the
                    // recovered regions take the rest of the workload.
                    let mut image = device.into_inner();
                    let mut recovered =
                        check_recovered(&mut image, &states[index], &states[index + 1]);
                    if let Some((next_op, _)) = WORKLOAD.get(index + 1) {
                        let before = recovered.clone();
                        run(&mut image, &mut recovered, *next_op).unwrap();
                        check_recovered(&mut image, &recovered, &recovered);
                        assert!(before != recovered || matches!(next_op, Op::RingConsume));
                        continued += 1;
                    }
                    if completed {
                        completions += 1;
                        break;
                    }
                }
                assert!(
                    completed,
                    "operation {index} completes once the faults are past"
                );
            }
        }
    }
    // Every write and every sync of every operation failed once (and from then on).
    let writes: u64 = WORKLOAD.iter().map(|(_, writes)| writes).sum();
    assert!(failures >= 2 * writes, "{failures} injected failures");
    assert_eq!(completions, WORKLOAD.len() * 4);
    assert!(
        consumed_first > 0,
        "overwriting appends fail after their first commit too"
    );
    assert!(
        continued > failures,
        "the workload went on after every failure"
    );
}

#[test]
fn read_errors_during_recovery_surface_as_the_device_error() {
    let (mut image, mut state) = formatted();
    for (op, _) in WORKLOAD {
        run(&mut image, &mut state, op).unwrap();
    }
    // Recovery reads both copies of each region, A then B: 2 + 2 × 2 + 2 × 3 = 12 reads.
    // It loads only the copy it keeps, and copy B is still in the scratch from its check:
    // only a region whose copy A wins is read again (1, 2 or 3 blocks).
    let mut scratch = [0u8; 2048];
    let mut plain = image.clone();
    let ring = StoredRing::recover(&mut plain, RING_AT, &mut scratch).unwrap();
    let worm = StoredWorm::<16>::recover(&mut plain, WORM_AT, &mut scratch).unwrap();
    let vault =
        StoredVault::<4>::recover(&mut plain, VAULT_AT, VAULT_BLOCKS_PER_COPY, &mut scratch)
            .unwrap();
    let reread = |current: MetadataCopy, blocks: u64| match current {
        MetadataCopy::A => blocks,
        MetadataCopy::B => 0,
    };
    let expected_reads = 12
        + reread(ring.current_copy(), 1)
        + reread(
            worm.current_copy(),
            StoredWorm::<16>::blocks_per_copy(dwvd_regions::BlockSize::MIN),
        )
        + reread(vault.current_copy(), VAULT_BLOCKS_PER_COPY);
    assert!(
        expected_reads < 18,
        "this workload leaves some copy B current: a read is saved"
    );
    let mut reads = 0;
    for nth in 1.. {
        for forever in [false, true] {
            let mut device = FaultyDevice::<_, 512>::new(
                image.clone(),
                Fault::Fail {
                    operation: DeviceOperation::Read,
                    nth,
                    forever,
                },
            );
            match recover_all(&mut device) {
                Ok(()) => {
                    reads = device.reads();
                }
                Err(error) => {
                    assert!(
                        matches!(
                            error,
                            StorageError::Device {
                                operation: DeviceOperation::Read,
                                error: FaultError::Injected { .. },
                                ..
                            }
                        ),
                        "{error}"
                    );
                    assert!(
                        error.to_string().contains("device read of block"),
                        "{error}"
                    );
                }
            }
        }
        if reads > 0 {
            assert_eq!(nth, expected_reads + 1, "the first read that is not made");
            break;
        }
    }
    assert_eq!(reads, expected_reads);
}
