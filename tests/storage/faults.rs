//! Power cuts and I/O errors under a workload mixing all three stored regions, on a
//! block device (whole-block writes) and on NOR flash (erases and in-place programs).
//!
//! Power cuts:
//! One device holds a ring, a WORM region and a vault, each with a small journal so that
//! the workload fills journals, seals journal blocks and takes checkpoints. A scripted
//! workload runs once without faults (the reference: the state after every operation),
//! then once per cut point k = 1, 2, … with power lost during the k-th write — on the
//! block device a block write, on flash an erase or a program (a block write is both) —
//! the write left whole or torn. After each cut the three regions are recovered from the
//! image, and each must be in the state from before the interrupted operation or after
//! it (a ring append that overwrites may also leave the oldest entry consumed and the
//! new one not appended), with every live entry reading back its own data. Operations
//! that returned `Ok` before the cut are never lost. The recovered regions then take more
//! operations, which recover too.
//!
//! The writes each operation takes are counted by hand from the documented layout
//! (docs/storage-layout.md) and asserted, so the number of cut points is known.
//!
//! I/O errors: for each operation, the N-th read, write or sync fails (once, or from then
//! on), for N = 1, 2, … until the operation completes. Every failure is the device's
//! error (never a panic, never a silent `Ok`), the value in memory holds the last
//! committed state, and the image left behind recovers to the state before or after the
//! operation.

use std::collections::BTreeMap;

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, DeviceOperation, Fault, FaultError, FaultyDevice, RamDevice, RamNorFlash,
    StorageError, StoredRing, StoredVault, StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

const SIZE: BlockSize = BlockSize::MIN;
const BLOCKS: usize = 30;
// Ring: 2 header copies, a journal of 1 block, 4 slots (blocks 0..7).
const RING_AT: u64 = 0;
const RING_JOURNAL: u64 = 1;
// WORM: 2 copies of 2 blocks (a log of 16), a journal of 1 block, 10 data blocks (7..22).
const WORM_AT: u64 = 7;
const WORM_JOURNAL: u64 = 1;
const WORM_CAPACITY: u64 = 10;
// Vault: 2 copies of 3 blocks, a journal of 2 blocks (22..30).
const VAULT_AT: u64 = 22;
const VAULT_BLOCKS_PER_COPY: u64 = 3;
const VAULT_JOURNAL: u64 = 2;

type BlockImage = RamDevice<512, BLOCKS>;
type FlashImage = RamNorFlash<Vec<u8>, Vec<u32>>;

#[derive(Debug, Clone, Copy)]
enum Op {
    RingAppend,
    RingConsume,
    RingReset,
    WormAppend,
    VaultAdd(u128),
    VaultRemove(u128),
}

/// The workload, with the writes each operation takes on a block device and on flash,
/// counted by hand from the layout (512-byte blocks, 496 bytes of journal entries per
/// block; flash: a block write is an erase and a program, a journal entry one program,
/// taking a journal block one erase, sealing it one program):
///
/// * ring append: the slot (block 1, flash 2); before it, when the appends since the
///   checkpoint reach the allocated slots, a header checkpoint (1, flash 2);
/// * ring consume: a 24-byte journal entry (block 1; flash 1, and 1 erase when it takes
///   the journal block); reset: a checkpoint (1, flash 2);
/// * WORM append: the data block (1, flash 2), then an 80-byte entry (6 fit a block): the
///   7th entry finds the one-block journal full, seals it (1) and checkpoints instead
///   (the log's 7 records fit 1 block: 1, flash 2);
/// * vault add: a 368-byte entry (one per block), remove: a 40-byte one; the third entry
///   in a two-block journal seals the second block and checkpoints the whole vault
///   (3 passports of 339 bytes: 3 blocks, flash 6).
const WORKLOAD: [(Op, u64, u64); 28] = [
    (Op::RingAppend, 1, 2),     // p0 in slot 0: grows to 2
    (Op::RingAppend, 1, 2),     // p1
    (Op::RingAppend, 2, 4),     // 2 appends since the checkpoint = 2 slots: checkpoint, p2
    (Op::WormAppend, 2, 4),     // record 0: takes the journal block (flash: erase)
    (Op::VaultAdd(1), 1, 2),    // takes journal block 1
    (Op::RingAppend, 1, 2),     // p3: ring full (4 slots)
    (Op::RingAppend, 1, 2),     // p4 overwrites p0
    (Op::RingAppend, 1, 2),     // p5 overwrites p1
    (Op::RingConsume, 1, 2),    // p2 consumed: takes the ring's journal block
    (Op::WormAppend, 2, 3),     // record 1
    (Op::WormAppend, 2, 3),     // record 2
    (Op::VaultAdd(2), 2, 3),    // seals journal block 1, takes block 2
    (Op::VaultAdd(3), 4, 7),    // seals block 2, journal full: checkpoint of 3 blocks
    (Op::RingAppend, 2, 4),     // 4 appends since the checkpoint: checkpoint, p6
    (Op::RingAppend, 1, 2),     // p7 overwrites p3
    (Op::VaultRemove(1), 1, 2), // takes a journal block after the checkpoint
    (Op::WormAppend, 2, 3),     // record 3
    (Op::WormAppend, 2, 3),     // record 4
    (Op::WormAppend, 2, 3),     // record 5: the 6th entry
    (Op::WormAppend, 3, 5),     // record 6: seal, journal full: checkpoint (1 block)
    (Op::WormAppend, 2, 4),     // record 7: takes the journal block again
    (Op::WormAppend, 2, 3),     // record 8
    (Op::WormAppend, 2, 3),     // record 9: the region is full
    (Op::VaultRemove(3), 1, 1), // second entry in the block
    (Op::RingReset, 1, 2),      // checkpoint
    (Op::RingAppend, 1, 2),     // p0 again
    (Op::VaultAdd(1), 1, 1),    // third entry in the block (80 + 368 ≤ 496)
    (Op::RingConsume, 1, 2),    // takes the ring's journal block after the checkpoints
];
const BLOCK_WRITES: u64 = 45;
const FLASH_WRITES: u64 = 78;

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

/// The device kinds the workload runs on.
trait Medium: BlockDevice<Error: std::fmt::Debug> + Clone + PartialEq + std::fmt::Debug {
    fn blank() -> Self;
    /// The writes an operation takes on this medium (from the table).
    fn writes(entry: &(Op, u64, u64)) -> u64;
}

impl Medium for BlockImage {
    fn blank() -> Self {
        Self::new()
    }
    fn writes(entry: &(Op, u64, u64)) -> u64 {
        entry.1
    }
}

impl Medium for FlashImage {
    fn blank() -> Self {
        // 512-byte sectors, 4-byte program unit: a small NOR part.
        RamNorFlash::new(vec![0; 512 * BLOCKS], vec![0; BLOCKS], SIZE, 512, 4).unwrap()
    }
    fn writes(entry: &(Op, u64, u64)) -> u64 {
        entry.2
    }
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

/// The three stored values before they are formatted or reloaded: the layout.
fn layout() -> (StoredRing, StoredWorm<16>, StoredVault<4>) {
    let ring = StoredRing::new(RING_AT, StreamingRing::new(SIZE, 4, 2).unwrap())
        .with_journal_blocks(RING_JOURNAL);
    let worm = StoredWorm::new(
        WORM_AT,
        WormRegion::<16>::new(SIZE, WORM_CAPACITY, 0, Ticks::new(5)).unwrap(),
    )
    .with_journal_blocks(WORM_JOURNAL);
    let vault = StoredVault::new(VAULT_AT, VAULT_BLOCKS_PER_COPY, Vault::<4>::new(SIZE))
        .with_journal_blocks(VAULT_JOURNAL);
    (ring, worm, vault)
}

fn formatted<D: Medium>() -> (D, State) {
    let mut device = D::blank();
    let mut scratch = [0u8; 2048];
    let (mut ring, mut worm, mut vault) = layout();
    ring.format_in_place(&mut device, &mut scratch).unwrap();
    worm.format_in_place(&mut device, &mut scratch).unwrap();
    vault.format_in_place(&mut device, &mut scratch).unwrap();
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

/// The reference run: the formatted device, the state before operation 0 and after each
/// operation, and the writes each took.
fn reference<D: Medium>() -> (D, Vec<State>, Vec<u64>) {
    let (device, mut state) = formatted::<D>();
    let mut faulty = FaultyDevice::<_, 512>::new(device.clone(), Fault::None);
    let mut states = vec![state.clone()];
    let mut writes = Vec::new();
    for (op, _, _) in WORKLOAD {
        let before = faulty.writes();
        run(&mut faulty, &mut state, op).unwrap();
        writes.push(faulty.writes() - before);
        states.push(state.clone());
    }
    (device, states, writes)
}

/// `region` with `generation`: states compare by content, since a checkpoint changes
/// only the generation (a ring append may checkpoint before its slot is written).
fn regenerated<R: Region + Clone>(region: &R, generation: u32) -> R {
    let mut region = region.clone();
    region.set_generation(generation);
    region
}

fn same_content<R: Region + Clone + PartialEq>(a: &R, b: &R) -> bool {
    regenerated(a, 0) == regenerated(b, 0)
}

/// The ring of `before` with its oldest entry consumed: where an overwriting append cut
/// while writing the oldest entry's slot leaves it.
fn ring_consumed(before: &State) -> Option<(StreamingRing, BTreeMap<u64, Vec<u8>>)> {
    let mut ring = before.ring.region().clone();
    let consumed = ring.consume()?;
    let mut data = before.ring_data.clone();
    data.remove(&consumed);
    Some((ring, data))
}

/// Whether two states hold the same committed contents.
fn same_committed(a: &State, b: &State) -> bool {
    same_content(a.ring.region(), b.ring.region())
        && same_content(a.worm.region(), b.worm.region())
        && same_content(a.vault.region(), b.vault.region())
        && a.ring_data == b.ring_data
        && a.worm_data == b.worm_data
}

/// Whether going from `before` to `after` is a ring append that overwrote the oldest
/// entry.
fn overwrites(before: &State, after: &State) -> bool {
    after.appended > before.appended
        && after.ring.region().read_tail() > before.ring.region().read_tail()
}

/// Recovers all three regions with the workload's layout.
fn recover_all<D: BlockDevice>(
    device: &mut D,
) -> Result<(StoredRing, StoredWorm<16>, StoredVault<4>), StorageError<D::Error>> {
    let mut scratch = [0u8; 2048];
    let (mut ring, mut worm, mut vault) = layout();
    ring.reload(device, &mut scratch)?;
    worm.reload(device, &mut scratch)?;
    vault.reload(device, &mut scratch)?;
    Ok((ring, worm, vault))
}

/// Recovers all three regions from `image` and checks each is in one of the allowed
/// states, with its contents reading back; returns the recovered state.
fn check_recovered<D: Medium>(image: &mut D, before: &State, after: &State) -> State {
    let mut scratch = [0u8; 2048];
    let (ring, worm, vault) = recover_all(image).unwrap();

    let consumed = if overwrites(before, after) {
        ring_consumed(before)
    } else {
        None
    };
    let ring_data = if same_content(ring.region(), before.ring.region()) {
        &before.ring_data
    } else if same_content(ring.region(), after.ring.region()) {
        &after.ring_data
    } else if let Some((consumed_ring, consumed_data)) = &consumed
        && same_content(ring.region(), consumed_ring)
    {
        consumed_data
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

    let worm_data = if same_content(worm.region(), before.worm.region()) {
        &before.worm_data
    } else if same_content(worm.region(), after.worm.region()) {
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
        same_content(vault.region(), before.vault.region())
            || same_content(vault.region(), after.vault.region()),
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

fn expected_writes<D: Medium>() -> Vec<u64> {
    WORKLOAD.iter().map(D::writes).collect()
}

#[test]
fn the_workload_takes_the_writes_the_layout_says() {
    let (_, _, writes) = reference::<BlockImage>();
    assert_eq!(writes, expected_writes::<BlockImage>(), "block device");
    assert_eq!(writes.iter().sum::<u64>(), BLOCK_WRITES);
    let (_, _, writes) = reference::<FlashImage>();
    assert_eq!(writes, expected_writes::<FlashImage>(), "NOR flash");
    assert_eq!(writes.iter().sum::<u64>(), FLASH_WRITES);
}

/// Cuts power at every write of the workload, whole and torn; returns how many cuts, and
/// how many recovered to the state after the interrupted operation.
fn cut_everywhere<D: Medium>() -> (u64, BTreeMap<&'static str, u32>) {
    let (formatted_device, states, writes) = reference::<D>();
    let total: u64 = writes.iter().sum();
    let mut cuts = 0;
    let mut outcomes = BTreeMap::<&str, u32>::new();
    for torn in [false, true] {
        for cut in 1..=total {
            let (_, mut state) = formatted::<D>();
            let mut device = FaultyDevice::<_, 512>::new(
                formatted_device.clone(),
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let mut interrupted = None;
            for (index, (op, _, _)) in WORKLOAD.iter().enumerate() {
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
            let label = if same_committed(&recovered, &states[index + 1]) {
                "after"
            } else {
                "before or between"
            };
            *outcomes.entry(label).or_default() += 1;

            // The recovered regions go on working, and what they write recovers.
            let mut next = recovered;
            run(&mut image, &mut next, Op::RingAppend).unwrap();
            run(&mut image, &mut next, Op::RingConsume).unwrap();
            if next.worm.region().high_water_mark() < WORM_CAPACITY {
                run(&mut image, &mut next, Op::WormAppend).unwrap();
            }
            let again = check_recovered(&mut image, &next, &next);
            assert!(
                same_committed(&again, &next),
                "cut {cut}: the writes after recovery"
            );
            cuts += 1;
        }
    }
    (cuts, outcomes)
}

#[test]
fn a_power_cut_at_every_block_write_recovers_to_before_or_after() {
    let (cuts, outcomes) = cut_everywhere::<BlockImage>();
    assert_eq!(
        cuts,
        2 * BLOCK_WRITES,
        "every block write, cut whole and torn"
    );
    assert_eq!(cuts, 90);
    // Both outcomes occur: a cut at the commit write that lands whole is "after".
    assert!(outcomes.len() == 2, "{outcomes:?}");
}

#[test]
fn a_power_cut_at_every_flash_erase_and_program_recovers_to_before_or_after() {
    let (cuts, outcomes) = cut_everywhere::<FlashImage>();
    assert_eq!(
        cuts,
        2 * FLASH_WRITES,
        "every erase and program, cut whole and torn"
    );
    assert_eq!(cuts, 156);
    assert!(outcomes.len() == 2, "{outcomes:?}");
}

fn inject_io_errors<D: Medium>() {
    let (formatted_device, states, _) = reference::<D>();
    // The image after each operation of the reference run.
    let mut images = vec![formatted_device.clone()];
    let mut image = formatted_device;
    let (_, mut state) = formatted::<D>();
    for (op, _, _) in WORKLOAD {
        run(&mut image, &mut state, op).unwrap();
        images.push(image.clone());
    }

    let mut failures = 0;
    let mut completions = 0;
    let mut continued = 0;
    for (index, (op, _, _)) in WORKLOAD.iter().enumerate() {
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
                            error: FaultError::Injected { .. },
                            ..
                        }) => {
                            // The touched region now refuses changes until recovered…
                            let mut refused = state.clone();
                            let mut untouched = images[index].clone();
                            assert!(matches!(
                                run(&mut untouched, &mut refused, *op),
                                Err(StorageError::NeedsRecovery { .. })
                            ));
                            assert!(untouched == images[index], "a refused change wrote");
                            // …and memory holds the last committed state (a ring append
                            // may have checkpointed it first: the same content).
                            assert!(
                                same_committed(&state, &states[index]),
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
                    if let Some((next_op, _, _)) = WORKLOAD.get(index + 1) {
                        run(&mut image, &mut recovered, *next_op).unwrap();
                        check_recovered(&mut image, &recovered, &recovered);
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
    let writes: u64 = expected_writes::<D>().iter().sum();
    assert!(failures >= 2 * writes, "{failures} injected failures");
    assert_eq!(completions, WORKLOAD.len() * 4);
    assert!(
        continued > failures,
        "the workload went on after every failure"
    );
}

#[test]
fn every_injected_io_error_surfaces_and_leaves_a_consistent_image() {
    inject_io_errors::<BlockImage>();
}

#[test]
fn every_injected_flash_error_surfaces_and_leaves_a_consistent_image() {
    inject_io_errors::<FlashImage>();
}

#[test]
fn read_errors_during_recovery_surface_as_the_device_error() {
    let (mut image, mut state) = formatted::<BlockImage>();
    for (op, _, _) in WORKLOAD {
        run(&mut image, &mut state, op).unwrap();
    }
    // Recovery reads at most, per region, both copies, the journal, and for the ring
    // its allocated slots + 1: ring 2 + 1 + 5, WORM 4 + 1, vault 6 + 2.
    let bound = (2 + RING_JOURNAL + 4 + 1)
        + (4 + WORM_JOURNAL)
        + (2 * VAULT_BLOCKS_PER_COPY + VAULT_JOURNAL);
    let mut reads = 0;
    let mut failures = 0;
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
                Ok(_) => {
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
                    failures += 1;
                }
            }
        }
        if reads > 0 {
            assert_eq!(nth, reads + 1, "the first read that is not made");
            break;
        }
    }
    assert!(reads <= bound, "{reads} reads, bound {bound}");
    assert_eq!(failures, 2 * reads, "every read failed, once and for ever");
}
