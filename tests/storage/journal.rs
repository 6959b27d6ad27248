//! The checkpoint + journal storage under the cases a fresh review looked for: rings
//! loaded pinned (consumes then growth), power-cut sweeps of each region with journals of
//! 1–3 blocks on a block device and on NOR flash with program units from 1 to 256 bytes
//! and generations crossing `u32::MAX`, an I/O error in the middle of an operation then
//! `reload` and more work, and `with_journal_blocks` on a live value.

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, Fault, FaultyDevice, RamDevice, RamNorFlash, StorageError, StoredRing,
    StoredVault, StoredWorm,
};
use dwvd_regions::streaming::{StreamingRing, emit_parts};
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

const SIZE: BlockSize = BlockSize::MIN;

/// A ring as the C# design leaves it (SPEC §2 admits it, `StreamingRing::parse` loads
/// it): 4 of 8 blocks allocated, the head wrapped past them — a pinned ring. One live
/// entry (position 5, slot 1).
fn pinned_ring() -> StreamingRing {
    let mut header = StreamingRing::new(SIZE, 8, 4).unwrap().header();
    header.allocated_blocks.set(4);
    header.write_head.set(6);
    header.read_tail.set(5);
    header.entry_count.set(1);
    let mut block = [0u8; 512];
    emit_parts(SIZE, &header, 0, &mut block).unwrap();
    let ring = StreamingRing::parse(&block, SIZE).unwrap();
    assert!(ring.is_pinned());
    ring
}

/// A consume that empties a pinned ring makes the next append grow the ring (slot
/// `position % 8` instead of `% 4`). Recovery replays the data blocks before the
/// journal's consumes, so it computes the slot without the growth and stops: the append
/// that returned `Ok` is gone after a plain restart — no power cut involved.
#[test]
fn pinned_ring_append_after_consume_survives_a_restart() {
    let mut device = RamDevice::<512, 12>::new();
    let mut scratch = [0u8; 512];
    let mut stored = StoredRing::format(&mut device, 0, pinned_ring(), &mut scratch).unwrap();
    assert_eq!(stored.consume(&mut device, &mut scratch).unwrap(), Some(5));
    let appended = stored
        .append(&mut device, b"acknowledged", &mut scratch)
        .unwrap();
    assert_eq!((appended.position, appended.physical_slot), (6, 6)); // grew to 8
    let live = (stored.region().read_tail(), stored.region().write_head());

    let recovered = StoredRing::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(
        (
            recovered.region().read_tail(),
            recovered.region().write_head()
        ),
        live,
        "the acknowledged append at position 6 was lost on restart"
    );
}

/// The same, one consume further: the journal then holds a consume past the write head
/// that recovery rebuilt, and recovery refuses the region as corrupt.
#[test]
fn pinned_ring_consume_after_growth_does_not_brick_recovery() {
    let mut device = RamDevice::<512, 12>::new();
    let mut scratch = [0u8; 512];
    let mut stored = StoredRing::format(&mut device, 0, pinned_ring(), &mut scratch).unwrap();
    stored.consume(&mut device, &mut scratch).unwrap();
    stored.append(&mut device, b"x", &mut scratch).unwrap();
    assert_eq!(stored.consume(&mut device, &mut scratch).unwrap(), Some(6));
    let recovered = StoredRing::recover(&mut device, 0, &mut scratch);
    assert!(
        recovered.is_ok(),
        "recovery of a ring whose every operation returned Ok failed: {recovered:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Power-cut sweeps: every write / erase / program, whole and torn, on NOR flash with
// program units 1..256, journals of 1..3 blocks, generations crossing u32::MAX. After
// the cut the region must recover to the state before or after the interrupted
// operation, continue with the remaining operations, recover twice more and match.
// ---------------------------------------------------------------------------------------

use std::collections::BTreeMap;
use std::sync::OnceLock;

type Flash = RamNorFlash<Vec<u8>, Vec<u32>>;

fn flash(blocks: usize, unit: usize) -> Flash {
    RamNorFlash::new(vec![0; 512 * blocks], vec![0; blocks], SIZE, 512, unit).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn small_passport(id: u128) -> Passport {
    static CACHE: OnceLock<Vec<Passport>> = OnceLock::new();
    CACHE.get_or_init(|| {
        (0..16u128)
            .map(|id| {
                Passport::new(
                    Uuid::from_u128(id),
                    Uuid::from_u128(1000 + id),
                    Framework::Gdpr,
                    ComplianceStatus::Compliant,
                )
                .with_issued(Ticks::new(638_000_000_000_000_000))
                .with_issuer(b"a")
                .unwrap()
                .signed(&key())
                .unwrap()
            })
            .collect()
    })[id as usize]
        .clone()
}

/// Runs `ops` from `from` with `run` on `device` until one fails; returns the index of
/// the failing operation, if any.
#[allow(clippy::type_complexity)]
fn run_until<S, D: BlockDevice, O: Copy>(
    device: &mut D,
    stored: &mut S,
    ops: &[O],
    from: usize,
    run: &dyn Fn(&mut D, &mut S, O) -> Result<(), StorageError<D::Error>>,
) -> Option<usize> {
    (from..ops.len()).find(|&index| run(device, stored, ops[index]).is_err())
}

// ----- vault -----

#[derive(Debug, Clone, Copy)]
enum V {
    Add(u128),
    Remove(u128),
    Checkpoint,
}

const VAULT_OPS: [V; 16] = [
    V::Add(1),
    V::Add(2),
    V::Add(3),
    V::Remove(2),
    V::Add(4),
    V::Checkpoint,
    V::Add(5),
    V::Remove(1),
    V::Remove(3),
    V::Add(6),
    V::Add(7),
    V::Checkpoint,
    V::Checkpoint,
    V::Remove(5),
    V::Add(8),
    V::Add(9),
];

fn vault_run<D: BlockDevice>(
    device: &mut D,
    stored: &mut StoredVault<8>,
    op: V,
) -> Result<(), StorageError<D::Error>> {
    let mut scratch = vec![0u8; 2048];
    match op {
        V::Add(id) => stored.add(device, small_passport(id), &mut scratch),
        V::Remove(id) => stored
            .remove(device, Uuid::from_u128(id), &mut scratch)
            .map(|removed| assert!(removed.is_some(), "remove({id}) found nothing")),
        V::Checkpoint => stored.checkpoint(device, &mut scratch),
    }
}

fn vault_ids(stored: &StoredVault<8>) -> Vec<u128> {
    stored
        .region()
        .all()
        .iter()
        .map(|passport| passport.passport_id().as_u128())
        .collect()
}

fn vault_layout(journal: u64) -> StoredVault<8> {
    let mut vault = Vault::<8>::new(SIZE);
    vault.set_generation(u32::MAX - 4);
    StoredVault::new(0, 2, vault).with_journal_blocks(journal)
}

fn vault_recover<D: BlockDevice>(device: &mut D, journal: u64) -> StoredVault<8>
where
    D::Error: std::fmt::Debug,
{
    let mut stored = vault_layout(journal);
    stored.reload(device, &mut vec![0u8; 2048]).unwrap();
    stored
}

fn vault_sweep<D: BlockDevice + Clone>(blank: D, journal: u64, label: &str)
where
    D::Error: std::fmt::Debug,
{
    let mut device = blank;
    let mut stored = vault_layout(journal);
    stored
        .format_in_place(&mut device, &mut vec![0u8; 2048])
        .unwrap();
    let formatted = (device.clone(), stored.clone());
    // Reference.
    let mut states = vec![vault_ids(&stored)];
    for op in VAULT_OPS {
        vault_run(&mut device, &mut stored, op).unwrap();
        states.push(vault_ids(&stored));
    }
    let run: &dyn Fn(&mut FaultyDevice<D, 512>, &mut StoredVault<8>, V) -> _ = &vault_run;
    let plain: &dyn Fn(&mut D, &mut StoredVault<8>, V) -> _ = &vault_run;
    for torn in [false, true] {
        for cut in 1.. {
            let (device, mut stored) = formatted.clone();
            let mut faulty = FaultyDevice::<_, 512>::new(
                device,
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let Some(failed) = run_until(&mut faulty, &mut stored, &VAULT_OPS, 0, run) else {
                break;
            };
            let mut image = faulty.into_inner();
            let context = format!(
                "{label}: cut {cut} torn {torn} in op {failed} {:?}",
                VAULT_OPS[failed]
            );
            let mut recovered = vault_recover(&mut image, journal);
            let ids = vault_ids(&recovered);
            let next = if ids == states[failed] {
                failed
            } else if ids == states[failed + 1] {
                failed + 1
            } else {
                panic!(
                    "{context}: recovered {ids:?}, before {:?}, after {:?}",
                    states[failed],
                    states[failed + 1]
                );
            };
            // Recover again (no writes in between), then go on.
            let mut again = vault_recover(&mut image, journal);
            assert_eq!(vault_ids(&again), ids, "{context}: second recovery");
            assert_eq!(again.region(), recovered.region(), "{context}");
            std::mem::swap(&mut again, &mut recovered);
            if let Some(index) = run_until(&mut image, &mut recovered, &VAULT_OPS, next, plain) {
                panic!("{context}: op {index} failed after recovery");
            }
            assert_eq!(vault_ids(&recovered), *states.last().unwrap(), "{context}");
            let last = vault_recover(&mut image, journal);
            assert_eq!(
                vault_ids(&last),
                *states.last().unwrap(),
                "{context}: final recovery"
            );
        }
    }
}

#[test]
fn vault_power_cut_sweep_block_device() {
    for journal in [1, 2, 3] {
        vault_sweep(
            RamDevice::<512, 8>::new(),
            journal,
            &format!("block J={journal}"),
        );
    }
}

#[test]
fn vault_power_cut_sweep_flash_program_units() {
    for unit in [1, 8, 16, 32, 64, 256] {
        for journal in [1, 2, 3] {
            vault_sweep(
                flash(7, unit),
                journal,
                &format!("flash unit {unit} J={journal}"),
            );
        }
    }
}

// ----- ring -----

#[derive(Debug, Clone, Copy)]
enum R {
    Append,
    Consume,
    Reset,
    Checkpoint,
}

const RING_OPS: [R; 22] = [
    R::Append,
    R::Append,
    R::Append,
    R::Consume,
    R::Append,
    R::Append,
    R::Append, // overwrites
    R::Consume,
    R::Consume,
    R::Append,
    R::Checkpoint,
    R::Append,
    R::Append,
    R::Consume,
    R::Append,
    R::Append,
    R::Reset,
    R::Append,
    R::Consume,
    R::Append,
    R::Append,
    R::Consume,
];

#[derive(Debug, Clone)]
struct RingModel {
    stored: StoredRing,
    data: BTreeMap<u64, Vec<u8>>,
    appended: u32,
}

fn ring_run<D: BlockDevice>(
    device: &mut D,
    model: &mut RingModel,
    op: R,
) -> Result<(), StorageError<D::Error>> {
    let mut scratch = [0u8; 512];
    match op {
        R::Append => {
            let data = format!("entry {}", model.appended).into_bytes();
            let appended = model.stored.append(device, &data, &mut scratch)?;
            if let Some(old) = appended.overwritten {
                model.data.remove(&old);
            }
            model.data.insert(appended.position, data);
            model.appended += 1;
        }
        R::Consume => {
            if let Some(position) = model.stored.consume(device, &mut scratch)? {
                model.data.remove(&position);
            }
        }
        R::Reset => {
            model.stored.reset(device, &mut scratch)?;
            model.data.clear();
        }
        R::Checkpoint => model.stored.checkpoint(device, &mut scratch)?,
    }
    Ok(())
}

fn ring_key(ring: &StreamingRing) -> (u64, u64, u64) {
    (ring.read_tail(), ring.write_head(), ring.allocated_blocks())
}

fn ring_layout(journal: u64) -> StoredRing {
    let mut ring = StreamingRing::new(SIZE, 4, 2).unwrap();
    ring.set_generation(u32::MAX - 9);
    StoredRing::new(0, ring).with_journal_blocks(journal)
}

fn ring_recover<D: BlockDevice>(device: &mut D, journal: u64) -> StoredRing
where
    D::Error: std::fmt::Debug,
{
    let mut stored = ring_layout(journal);
    stored.reload(device, &mut [0u8; 512]).unwrap();
    stored
}

fn ring_check_reads<D: BlockDevice>(device: &mut D, model: &RingModel, context: &str)
where
    D::Error: std::fmt::Debug,
{
    let ring = model.stored.region();
    for position in ring.read_tail()..ring.write_head() {
        let block = model
            .stored
            .read(device, position, &mut [0u8; 512])
            .unwrap()
            .to_vec();
        let expected = &model.data[&position];
        assert_eq!(
            &block[..expected.len()],
            &expected[..],
            "{context}: position {position}"
        );
    }
}

fn ring_sweep<D: BlockDevice + Clone>(blank: D, journal: u64, label: &str)
where
    D::Error: std::fmt::Debug,
{
    let mut device = blank;
    let mut stored = ring_layout(journal);
    stored
        .format_in_place(&mut device, &mut [0u8; 512])
        .unwrap();
    let start = RingModel {
        stored,
        data: BTreeMap::new(),
        appended: 0,
    };
    let formatted = (device.clone(), start.clone());
    let mut model = start;
    let mut states = vec![model.clone()];
    for op in RING_OPS {
        ring_run(&mut device, &mut model, op).unwrap();
        states.push(model.clone());
    }
    let run: &dyn Fn(&mut FaultyDevice<D, 512>, &mut RingModel, R) -> _ = &ring_run;
    let plain: &dyn Fn(&mut D, &mut RingModel, R) -> _ = &ring_run;
    for torn in [false, true] {
        for cut in 1.. {
            let (device, mut model) = formatted.clone();
            let mut faulty = FaultyDevice::<_, 512>::new(
                device,
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let Some(failed) = run_until(&mut faulty, &mut model, &RING_OPS, 0, run) else {
                break;
            };
            let mut image = faulty.into_inner();
            let context = format!(
                "{label}: cut {cut} torn {torn} in op {failed} {:?}",
                RING_OPS[failed]
            );
            let recovered = ring_recover(&mut image, journal);
            let got = ring_key(recovered.region());
            let (before, after) = (&states[failed], &states[failed + 1]);
            let mut consumed = before.clone();
            let consumed_position = consumed.stored.region().clone().consume();
            let mut resumed = if got == ring_key(before.stored.region()) {
                (before.clone(), failed)
            } else if got == ring_key(after.stored.region()) {
                (after.clone(), failed + 1)
            } else if matches!(RING_OPS[failed], R::Append)
                && let Some(position) = consumed_position
                && got
                    == (
                        position + 1,
                        before.stored.region().write_head(),
                        before.stored.region().allocated_blocks(),
                    )
            {
                consumed.data.remove(&position);
                (consumed, failed)
            } else {
                panic!(
                    "{context}: recovered {got:?}, before {:?}, after {:?}",
                    ring_key(before.stored.region()),
                    ring_key(after.stored.region())
                );
            };
            resumed.0.stored = recovered;
            ring_check_reads(&mut image, &resumed.0, &context);
            let again = ring_recover(&mut image, journal);
            assert_eq!(
                again.region(),
                resumed.0.stored.region(),
                "{context}: second recovery"
            );
            let (mut model, next) = resumed;
            if let Some(index) = run_until(&mut image, &mut model, &RING_OPS, next, plain) {
                panic!("{context}: op {index} failed after recovery");
            }
            let last = ring_recover(&mut image, journal);
            assert_eq!(
                ring_key(last.region()),
                ring_key(model.stored.region()),
                "{context}: final"
            );
            model.stored = last;
            ring_check_reads(&mut image, &model, &context);
        }
    }
}

#[test]
fn ring_power_cut_sweep_block_device() {
    for journal in [1, 2, 3] {
        ring_sweep(
            RamDevice::<512, 10>::new(),
            journal,
            &format!("block J={journal}"),
        );
    }
}

#[test]
fn ring_power_cut_sweep_flash_program_units() {
    for unit in [1, 8, 16, 32, 64, 256] {
        for journal in [1, 2, 3] {
            ring_sweep(
                flash(9, unit),
                journal,
                &format!("flash unit {unit} J={journal}"),
            );
        }
    }
}

// ----- I/O errors in the middle of an operation, then `reload` on the same device -----

use dwvd_regions::storage::DeviceOperation;

fn io_faults() -> Vec<(DeviceOperation, bool)> {
    use DeviceOperation::*;
    vec![
        (Write, false),
        (Erase, false),
        (Program, false),
        (Sync, false),
        (Read, false),
        (Write, true),
    ]
}

fn vault_io_sweep<D: BlockDevice + Clone>(blank: D, journal: u64, label: &str)
where
    D::Error: std::fmt::Debug,
{
    let mut device = blank;
    let mut stored = vault_layout(journal);
    stored
        .format_in_place(&mut device, &mut vec![0u8; 2048])
        .unwrap();
    let formatted = (device.clone(), stored.clone());
    let mut states = vec![vault_ids(&stored)];
    for op in VAULT_OPS {
        vault_run(&mut device, &mut stored, op).unwrap();
        states.push(vault_ids(&stored));
    }
    let run: &dyn Fn(&mut FaultyDevice<D, 512>, &mut StoredVault<8>, V) -> _ = &vault_run;
    for (operation, forever) in io_faults() {
        for nth in 1..200 {
            let (device, mut stored) = formatted.clone();
            let mut faulty = FaultyDevice::<_, 512>::new(
                device,
                Fault::Fail {
                    operation,
                    nth,
                    forever,
                },
            );
            let Some(failed) = run_until(&mut faulty, &mut stored, &VAULT_OPS, 0, run) else {
                break;
            };
            let context = format!(
                "{label}: {operation:?} #{nth} forever {forever} in op {failed} {:?}",
                VAULT_OPS[failed]
            );
            assert!(
                stored.needs_recovery() || matches!(operation, DeviceOperation::Read),
                "{context}"
            );
            // Heal the device (the failure was transient), reload in place, go on.
            faulty.set_fault(Fault::None);
            stored.reload(&mut faulty, &mut vec![0u8; 2048]).unwrap();
            let ids = vault_ids(&stored);
            let next = if ids == states[failed] {
                failed
            } else if ids == states[failed + 1] {
                failed + 1
            } else {
                panic!("{context}: reloaded {ids:?}");
            };
            if let Some(index) = run_until(&mut faulty, &mut stored, &VAULT_OPS, next, run) {
                panic!("{context}: op {index} failed after reload");
            }
            let mut image = faulty.into_inner();
            assert_eq!(
                vault_ids(&vault_recover(&mut image, journal)),
                *states.last().unwrap(),
                "{context}"
            );
        }
    }
}

#[test]
fn vault_io_error_then_reload_sweep() {
    for journal in [1, 2] {
        vault_io_sweep(
            RamDevice::<512, 8>::new(),
            journal,
            &format!("block J={journal}"),
        );
        for unit in [8, 32, 256] {
            vault_io_sweep(
                flash(6, unit),
                journal,
                &format!("flash unit {unit} J={journal}"),
            );
        }
    }
}

fn ring_io_sweep<D: BlockDevice + Clone>(blank: D, journal: u64, label: &str)
where
    D::Error: std::fmt::Debug,
{
    let mut device = blank;
    let mut stored = ring_layout(journal);
    stored
        .format_in_place(&mut device, &mut [0u8; 512])
        .unwrap();
    let start = RingModel {
        stored,
        data: BTreeMap::new(),
        appended: 0,
    };
    let formatted = (device.clone(), start.clone());
    let mut model = start;
    let mut states = vec![model.clone()];
    for op in RING_OPS {
        ring_run(&mut device, &mut model, op).unwrap();
        states.push(model.clone());
    }
    let run: &dyn Fn(&mut FaultyDevice<D, 512>, &mut RingModel, R) -> _ = &ring_run;
    for (operation, forever) in io_faults() {
        for nth in 1..200 {
            let (device, mut model) = formatted.clone();
            let mut faulty = FaultyDevice::<_, 512>::new(
                device,
                Fault::Fail {
                    operation,
                    nth,
                    forever,
                },
            );
            let Some(failed) = run_until(&mut faulty, &mut model, &RING_OPS, 0, run) else {
                break;
            };
            let context = format!(
                "{label}: {operation:?} #{nth} forever {forever} in op {failed} {:?}",
                RING_OPS[failed]
            );
            faulty.set_fault(Fault::None);
            model.stored.reload(&mut faulty, &mut [0u8; 512]).unwrap();
            let got = ring_key(model.stored.region());
            let (before, after) = (&states[failed], &states[failed + 1]);
            let consumed_position = before.stored.region().clone().consume();
            let (data, next) = if got == ring_key(before.stored.region()) {
                (before.data.clone(), failed)
            } else if got == ring_key(after.stored.region()) {
                (after.data.clone(), failed + 1)
            } else if matches!(RING_OPS[failed], R::Append)
                && let Some(position) = consumed_position
                && got
                    == (
                        position + 1,
                        before.stored.region().write_head(),
                        before.stored.region().allocated_blocks(),
                    )
            {
                let mut data = before.data.clone();
                data.remove(&position);
                (data, failed)
            } else {
                panic!("{context}: reloaded {got:?}");
            };
            model.data = data;
            ring_check_reads(&mut faulty, &model, &context);
            if let Some(index) = run_until(&mut faulty, &mut model, &RING_OPS, next, run) {
                panic!("{context}: op {index} failed after reload");
            }
            let mut image = faulty.into_inner();
            let last = ring_recover(&mut image, journal);
            assert_eq!(
                ring_key(last.region()),
                ring_key(model.stored.region()),
                "{context}"
            );
        }
    }
}

#[test]
fn ring_io_error_then_reload_sweep() {
    for journal in [1, 2] {
        ring_io_sweep(
            RamDevice::<512, 10>::new(),
            journal,
            &format!("block J={journal}"),
        );
        for unit in [8, 32, 256] {
            ring_io_sweep(
                flash(8, unit),
                journal,
                &format!("flash unit {unit} J={journal}"),
            );
        }
    }
}

// ----- WORM -----

#[derive(Debug, Clone, Copy)]
enum W {
    Append,
    Checkpoint,
}

const WORM_OPS: [W; 12] = [
    W::Append,
    W::Append,
    W::Append,
    W::Checkpoint,
    W::Append,
    W::Append,
    W::Append,
    W::Append,
    W::Checkpoint,
    W::Checkpoint,
    W::Append,
    W::Append,
];

fn worm_layout(journal: u64) -> StoredWorm<16> {
    let mut region = WormRegion::<16>::new(SIZE, 10, 0, Ticks::new(5)).unwrap();
    region.set_generation(u32::MAX - 5);
    StoredWorm::new(0, region).with_journal_blocks(journal)
}

fn worm_run<D: BlockDevice>(
    device: &mut D,
    stored: &mut StoredWorm<16>,
    op: W,
) -> Result<(), StorageError<D::Error>> {
    let mut scratch = vec![0u8; 2048];
    match op {
        W::Append => {
            let n = stored.region().high_water_mark();
            let data = format!("worm {n}").into_bytes();
            stored
                .append(device, &data, Ticks::new(100 + n as i64), &mut scratch)
                .map(|_| ())
        }
        W::Checkpoint => stored.checkpoint(device, &mut scratch),
    }
}

fn worm_check<D: BlockDevice>(device: &mut D, stored: &StoredWorm<16>, context: &str)
where
    D::Error: std::fmt::Debug,
{
    for index in 0..stored.region().high_water_mark() {
        let mut scratch = vec![0u8; 2048];
        let data = stored.read(device, index, &mut scratch).unwrap();
        assert_eq!(data, format!("worm {index}").as_bytes(), "{context}");
    }
}

fn worm_sweep<D: BlockDevice + Clone>(blank: D, journal: u64, label: &str)
where
    D::Error: std::fmt::Debug,
{
    let mut device = blank;
    let mut stored = worm_layout(journal);
    stored
        .format_in_place(&mut device, &mut vec![0u8; 2048])
        .unwrap();
    let formatted = (device.clone(), stored.clone());
    let mut marks = vec![0];
    for op in WORM_OPS {
        worm_run(&mut device, &mut stored, op).unwrap();
        marks.push(stored.region().high_water_mark());
    }
    let run: &dyn Fn(&mut FaultyDevice<D, 512>, &mut StoredWorm<16>, W) -> _ = &worm_run;
    let plain: &dyn Fn(&mut D, &mut StoredWorm<16>, W) -> _ = &worm_run;
    for torn in [false, true] {
        for cut in 1.. {
            let (device, mut stored) = formatted.clone();
            let mut faulty = FaultyDevice::<_, 512>::new(
                device,
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let Some(failed) = run_until(&mut faulty, &mut stored, &WORM_OPS, 0, run) else {
                break;
            };
            let mut image = faulty.into_inner();
            let context = format!("{label}: cut {cut} torn {torn} in op {failed}");
            let mut recovered = worm_layout(journal);
            recovered.reload(&mut image, &mut vec![0u8; 2048]).unwrap();
            let mark = recovered.region().high_water_mark();
            let next = if mark == marks[failed] && matches!(WORM_OPS[failed], W::Append) {
                failed
            } else if mark == marks[failed + 1] {
                failed + 1
            } else {
                panic!("{context}: mark {mark}");
            };
            worm_check(&mut image, &recovered, &context);
            if let Some(index) = run_until(&mut image, &mut recovered, &WORM_OPS, next, plain) {
                panic!("{context}: op {index} failed after recovery");
            }
            let mut last = worm_layout(journal);
            last.reload(&mut image, &mut vec![0u8; 2048]).unwrap();
            assert_eq!(
                last.region().high_water_mark(),
                *marks.last().unwrap(),
                "{context}"
            );
            worm_check(&mut image, &last, &context);
        }
    }
}

#[test]
fn worm_power_cut_sweep() {
    for journal in [1, 2, 3] {
        worm_sweep(
            RamDevice::<512, 20>::new(),
            journal,
            &format!("block J={journal}"),
        );
        for unit in [1, 16, 32, 64, 256] {
            worm_sweep(
                flash(17, unit),
                journal,
                &format!("flash unit {unit} J={journal}"),
            );
        }
    }
}

// ----- NOR flash: the journal never rewrites a block holding entries -----

/// On NOR flash (whose block write erases first, so a cut write can leave a block
/// erased) the journal appends through the flash operations: a cut during the second
/// add, at its first write, leaves the first passport's entry as it was. (A device whose
/// cut write can leave bytes neither old nor new must offer `flash()`: `BlockDevice`'s
/// documented contract.)
#[test]
fn on_flash_a_cut_entry_leaves_the_acknowledged_ones() {
    for torn in [false, true] {
        let mut device = FaultyDevice::<_, 512>::new(flash(6, 4), Fault::None);
        let mut scratch = vec![0u8; 2048];
        let mut stored = StoredVault::<8>::new(0, 2, Vault::new(SIZE)).with_journal_blocks(2);
        stored.format_in_place(&mut device, &mut scratch).unwrap();
        stored
            .add(&mut device, small_passport(1), &mut scratch)
            .unwrap(); // acknowledged
        device.set_fault(Fault::PowerCut { nth_write: 1, torn });
        assert!(
            stored
                .add(&mut device, small_passport(2), &mut scratch)
                .is_err()
        );
        let mut image = device.into_inner();
        let mut recovered = StoredVault::<8>::new(0, 2, Vault::new(SIZE)).with_journal_blocks(2);
        recovered.reload(&mut image, &mut scratch).unwrap();
        let ids = vault_ids(&recovered);
        assert!(
            ids == [1] || ids == [1, 2],
            "torn {torn}: passport 1 returned Ok; recovered {ids:?}"
        );
    }
}

/// `with_journal_blocks` on a value that is formatted (or reloaded) forgets where the
/// journal is and does not make the value refuse changes: the next entry erases the
/// block holding the checkpoint's acknowledged entries and restarts at sequence 1.
#[test]
fn with_journal_blocks_on_a_live_value_does_not_lose_entries() {
    let mut device = RamDevice::<512, 8>::new();
    let mut scratch = vec![0u8; 2048];
    let mut stored =
        StoredVault::<8>::format(&mut device, 0, 2, Vault::new(SIZE), &mut scratch).unwrap();
    stored
        .add(&mut device, small_passport(1), &mut scratch)
        .unwrap();
    stored
        .add(&mut device, small_passport(2), &mut scratch)
        .unwrap();
    let blocks = stored.journal_blocks();
    let mut stored = stored.with_journal_blocks(blocks); // same size
    let result = stored.add(&mut device, small_passport(3), &mut scratch);
    let recovered = StoredVault::<8>::recover(&mut device, 0, 2, &mut scratch).unwrap();
    assert!(
        result.is_err() || recovered.region().count() == 3,
        "add returned {result:?}; recovered {} passports",
        recovered.region().count()
    );
}
