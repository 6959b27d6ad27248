//! The journaled storage layer against a plain model, under power cuts: random ring,
//! WORM and vault operations and checkpoints on one device (a block device or the NOR
//! flash model, with small journals so they fill), a power cut armed at an arbitrary
//! later write (whole or torn), then recovery. After every cut the recovered regions
//! must hold the model's state from before the interrupted operation or after it (a
//! ring append that overwrites may also leave the oldest entry consumed), every live
//! ring entry and WORM block reading back its data; everything acknowledged survives.
#![no_main]
// A fuzz target checks invariants with assertions: a broken expectation must crash to
// be found, so the no-panic set of the shared lints does not apply to it.
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

use std::collections::VecDeque;

use arbitrary::Arbitrary;
use dwvd_regions::storage::{
    BlockDevice, Fault, FaultError, FaultyDevice, RamDevice, RamNorFlash, StorageError, StoredRing,
    StoredVault, StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

const SIZE: BlockSize = BlockSize::MIN;
const BLOCKS: usize = 29;
const RING_SLOTS: u64 = 4;
const WORM_CAPACITY: u64 = 12;
const VAULT_CAPACITY: usize = 4;

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Op {
    RingAppend(u8),
    RingConsume,
    RingReset,
    WormAppend(u8),
    VaultAdd(u8),
    VaultRemove(u8),
    Checkpoint(u8),
    /// Arms a power cut at the n-th write from now (erase or program on flash).
    PowerCut {
        after: u8,
        torn: bool,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    flash: bool,
    ops: Vec<Op>,
}

/// The plain model: what each region holds.
#[derive(Debug, Clone, PartialEq)]
struct Model {
    ring_head: u64,
    ring: VecDeque<(u64, Vec<u8>)>,
    worm: Vec<Vec<u8>>,
    vault: Vec<u8>,
}

impl Model {
    /// The model after `op` (which the storage accepted).
    fn apply(&self, op: Op) -> Model {
        let mut next = self.clone();
        match op {
            Op::RingAppend(length) => {
                if next.ring.len() as u64 == RING_SLOTS {
                    next.ring.pop_front();
                }
                next.ring
                    .push_back((next.ring_head, data(length, next.ring_head)));
                next.ring_head += 1;
            }
            Op::RingConsume => {
                next.ring.pop_front();
            }
            Op::RingReset => {
                next.ring.clear();
                next.ring_head = 0;
            }
            Op::WormAppend(length) => {
                if (next.worm.len() as u64) < WORM_CAPACITY {
                    let index = next.worm.len() as u64;
                    next.worm.push(data(length, index));
                }
            }
            Op::VaultAdd(id) => {
                if !next.vault.contains(&id) && next.vault.len() < VAULT_CAPACITY {
                    next.vault.push(id);
                }
            }
            Op::VaultRemove(id) => next.vault.retain(|held| *held != id),
            Op::Checkpoint(_) | Op::PowerCut { .. } => {}
        }
        next
    }
}

fn data(length: u8, seed: u64) -> Vec<u8> {
    (0..usize::from(length) * 2)
        .map(|index| (seed as u8).wrapping_mul(31).wrapping_add(index as u8) | 1)
        .collect()
}

fn passport(id: u8) -> Passport {
    Passport::new(
        Uuid::from_u128(u128::from(id) + 1),
        Uuid::from_u128(7),
        Framework::Sox,
        ComplianceStatus::Exempt,
    )
    .with_notes(&[id; 20])
    .unwrap()
    .with_signature([id; 64])
}

struct Regions {
    ring: StoredRing,
    worm: StoredWorm<16>,
    vault: StoredVault<VAULT_CAPACITY>,
}

fn layout() -> Regions {
    Regions {
        ring: StoredRing::new(0, StreamingRing::new(SIZE, RING_SLOTS, 2).unwrap())
            .with_journal_blocks(1),
        worm: StoredWorm::new(
            7,
            WormRegion::<16>::new(SIZE, WORM_CAPACITY, 0, Ticks::new(1)).unwrap(),
        )
        .with_journal_blocks(1),
        vault: StoredVault::new(24, 2, Vault::new(SIZE)).with_journal_blocks(1),
    }
}

fn recover<D: BlockDevice>(device: &mut D) -> Regions {
    let mut scratch = [0u8; 1024];
    let mut regions = layout();
    regions.ring.reload(device, &mut scratch).unwrap();
    regions.worm.reload(device, &mut scratch).unwrap();
    regions.vault.reload(device, &mut scratch).unwrap();
    regions
}

/// Runs `op`; `Ok(false)` when the storage refused it (nothing written).
fn run<D: BlockDevice>(
    device: &mut D,
    regions: &mut Regions,
    op: Op,
) -> Result<bool, StorageError<D::Error>> {
    let mut scratch = [0u8; 1024];
    let refused = |error: &StorageError<D::Error>| matches!(error, StorageError::Region(_));
    let result = match op {
        Op::RingAppend(length) => {
            let position = regions.ring.region().write_head();
            regions
                .ring
                .append(device, &data(length, position), &mut scratch)
                .map(|_| ())
        }
        Op::RingConsume => regions.ring.consume(device, &mut scratch).map(|_| ()),
        Op::RingReset => regions.ring.reset(device, &mut scratch),
        Op::WormAppend(length) => {
            let index = regions.worm.region().high_water_mark();
            regions
                .worm
                .append(device, &data(length, index), Ticks::new(5), &mut scratch)
                .map(|_| ())
        }
        Op::VaultAdd(id) => regions.vault.add(device, passport(id), &mut scratch),
        Op::VaultRemove(id) => regions
            .vault
            .remove(device, Uuid::from_u128(u128::from(id) + 1), &mut scratch)
            .map(|_| ()),
        Op::Checkpoint(which) => match which % 3 {
            0 => regions.ring.checkpoint(device, &mut scratch),
            1 => regions.worm.checkpoint(device, &mut scratch),
            _ => regions.vault.checkpoint(device, &mut scratch),
        },
        Op::PowerCut { .. } => Ok(()),
    };
    match result {
        Ok(()) => Ok(true),
        Err(error) if refused(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Whether the regions on `device` hold exactly `model`.
fn holds<D: BlockDevice>(device: &mut D, regions: &Regions, model: &Model) -> bool {
    let mut scratch = [0u8; 1024];
    let ring = regions.ring.region();
    if ring.write_head() != model.ring_head || ring.entry_count() != model.ring.len() as u64 {
        return false;
    }
    for (position, expected) in &model.ring {
        let Ok(block) = regions.ring.read(device, *position, &mut scratch) else {
            return false;
        };
        if !block.starts_with(expected) || block[expected.len()..].iter().any(|b| *b != 0) {
            return false;
        }
    }
    if regions.worm.region().high_water_mark() != model.worm.len() as u64 {
        return false;
    }
    for (index, expected) in model.worm.iter().enumerate() {
        match regions.worm.read(device, index as u64, &mut scratch) {
            Ok(read) if read == &expected[..] => {}
            _ => return false,
        }
    }
    let ids: Vec<Uuid> = regions
        .vault
        .region()
        .all()
        .iter()
        .map(Passport::passport_id)
        .collect();
    let expected: Vec<Uuid> = model
        .vault
        .iter()
        .map(|id| Uuid::from_u128(u128::from(*id) + 1))
        .collect();
    ids == expected
}

fn check<D: BlockDevice + Clone>(blank: D, input: &Input) {
    let mut scratch = [0u8; 1024];
    let mut device = FaultyDevice::<_, 512>::new(blank, Fault::None);
    let mut regions = layout();
    regions
        .ring
        .format_in_place(&mut device, &mut scratch)
        .unwrap();
    regions
        .worm
        .format_in_place(&mut device, &mut scratch)
        .unwrap();
    regions
        .vault
        .format_in_place(&mut device, &mut scratch)
        .unwrap();
    let mut model = Model {
        ring_head: 0,
        ring: VecDeque::new(),
        worm: Vec::new(),
        vault: Vec::new(),
    };
    for op in input.ops.iter().take(200).copied() {
        if let Op::PowerCut { after, torn } = op {
            device.set_fault(Fault::PowerCut {
                nth_write: u64::from(after % 16) + 1,
                torn,
            });
            continue;
        }
        match run(&mut device, &mut regions, op) {
            Ok(true) => model = model.apply(op),
            Ok(false) => {}
            Err(StorageError::Device {
                error: FaultError::PowerLost,
                ..
            }) => {
                let mut image = device.into_inner();
                let recovered = recover(&mut image);
                let after = model.apply(op);
                let mut consumed = model.clone();
                consumed.ring.pop_front();
                let overwrote =
                    matches!(op, Op::RingAppend(_)) && model.ring.len() as u64 == RING_SLOTS;
                model = if holds(&mut image, &recovered, &model) {
                    model
                } else if holds(&mut image, &recovered, &after) {
                    after
                } else if overwrote && holds(&mut image, &recovered, &consumed) {
                    consumed
                } else {
                    panic!(
                        "{op:?}: recovered to neither before nor after: {model:?}; recovered ring {:?} worm mark {} vault {:?}",
                        recovered.ring.region(),
                        recovered.worm.region().high_water_mark(),
                        recovered
                            .vault
                            .region()
                            .all()
                            .iter()
                            .map(|p| p.passport_id())
                            .collect::<Vec<_>>()
                    );
                };
                regions = recovered;
                device = FaultyDevice::new(image, Fault::None);
            }
            Err(other) => panic!("{op:?}: {other}"),
        }
    }
    // Whatever was acknowledged is on the device.
    let mut image = device.into_inner();
    let recovered = recover(&mut image);
    assert!(
        holds(&mut image, &recovered, &model),
        "the final state recovers"
    );
}

fuzz_target!(|input: Input| {
    if input.flash {
        let flash =
            RamNorFlash::new(vec![0u8; 512 * BLOCKS], vec![0u32; BLOCKS], SIZE, 512, 4).unwrap();
        check(flash, &input);
    } else {
        check(RamDevice::<512, BLOCKS>::new(), &input);
    }
});
