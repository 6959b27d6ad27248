//! `dwvd inspect` on this crate's own storage volumes: a DWVD v2.0 container whose
//! region directory lists a ring, a WORM region and a vault (each its copies, journal
//! and data), written through the storage layer on a block device and on NOR flash.
//! After every step of a scripted workload, and after a power cut at every write, erase
//! and program (whole and torn), the image inspects clean — the older copy superseded,
//! journal blocks being filled, interrupted writes explained — and each region's report
//! shows the state the core's recovery gives.
// Tests relax the workspace's no-panic lints (Cargo.toml): a failed unwrap, index or
// assertion is how a test fails, and arithmetic and casts on small known values need no
// checking. The crate under test is held to them.
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

mod common;

use std::sync::OnceLock;

use common::dwvd;
use dwvd_regions::container::VolumeHead;
use dwvd_regions::storage::{
    self, BlockDevice, Fault, FaultError, FaultyDevice, RamDevice, RamNorFlash, StorageError,
    StoredRing, StoredVault, StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use serde_json::Value;
use uuid::Uuid;

const BS: usize = 4096;
const BLOCKS: usize = 34;
const RING_AT: u64 = 10; // after the container's head: 2 copies, journal 1, 4 slots
const WORM_AT: u64 = 17; // 2 copies of 1 block, journal 1, 10 data blocks
const VAULT_AT: u64 = 30; // 2 copies of 1 block, journal 2

type Flash = RamNorFlash<Vec<u8>, Vec<u32>>;

#[derive(Debug, Clone, Copy)]
enum Op {
    RingAppend,
    RingConsume,
    WormAppend,
    VaultAdd(u8),
    VaultRemove(u8),
    Checkpoint,
}

const WORKLOAD: [Op; 20] = [
    Op::RingAppend,
    Op::WormAppend,
    Op::VaultAdd(1),
    Op::RingAppend,
    Op::RingAppend,
    Op::RingConsume,
    Op::WormAppend,
    Op::VaultAdd(2),
    Op::RingAppend,
    Op::RingAppend,
    Op::RingAppend, // overwrites the oldest
    Op::WormAppend,
    Op::VaultRemove(1),
    Op::Checkpoint,
    Op::RingAppend,
    Op::WormAppend,
    Op::VaultAdd(3),
    Op::RingConsume,
    Op::WormAppend,
    Op::VaultAdd(1),
];

struct Regions {
    ring: StoredRing,
    worm: StoredWorm<16>,
    vault: StoredVault<4>,
    appended: u32,
}

fn size() -> BlockSize {
    BlockSize::new(BS).unwrap()
}

fn layout() -> Regions {
    Regions {
        ring: StoredRing::new(RING_AT, StreamingRing::new(size(), 4, 2).unwrap())
            .with_journal_blocks(1),
        worm: StoredWorm::new(
            WORM_AT,
            WormRegion::<16>::new(size(), 10, 0, Ticks::new(7)).unwrap(),
        )
        .with_journal_blocks(1),
        vault: StoredVault::new(VAULT_AT, 1, Vault::new(size())).with_journal_blocks(2),
        appended: 0,
    }
}

fn passport(id: u8) -> Passport {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    let key = KEY.get_or_init(|| SigningKey::from_slice(&[0x33; 32]).unwrap());
    Passport::new(
        Uuid::from_u128(u128::from(id)),
        Uuid::from_u128(99),
        Framework::Gdpr,
        ComplianceStatus::Compliant,
    )
    .with_issuer(b"dpo@example.com")
    .unwrap()
    .with_notes(&[b'n'; 256])
    .unwrap()
    .signed(key)
    .unwrap()
}

/// A formatted volume: the container's head listing the three regions, then each
/// region formatted.
fn formatted<D: BlockDevice>(mut device: D) -> (D, Regions) {
    let mut scratch = vec![0u8; BS];
    let mut regions = layout();
    let slots: Vec<_> = [
        regions.ring.directory_slots(),
        regions.worm.directory_slots(),
        regions.vault.directory_slots(),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .collect();
    let head = VolumeHead::new(
        size(),
        BLOCKS as u64,
        &slots,
        Ticks::new(639_000_000_000_000_000),
    );
    storage::format_container(&mut device, &head, &mut scratch).unwrap();
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
    (device, regions)
}

fn run<D: BlockDevice>(
    device: &mut D,
    regions: &mut Regions,
    op: Op,
) -> Result<(), StorageError<D::Error>> {
    let mut scratch = vec![0u8; BS];
    match op {
        Op::RingAppend => {
            let data = format!("reading #{}", regions.appended);
            regions.ring.append(device, data.as_bytes(), &mut scratch)?;
            regions.appended += 1;
        }
        Op::RingConsume => {
            regions.ring.consume(device, &mut scratch)?;
        }
        Op::WormAppend => {
            let index = regions.worm.region().high_water_mark();
            let data = format!("record {index}");
            regions
                .worm
                .append(device, data.as_bytes(), Ticks::new(10), &mut scratch)?;
        }
        Op::VaultAdd(id) => regions.vault.add(device, passport(id), &mut scratch)?,
        Op::VaultRemove(id) => {
            regions
                .vault
                .remove(device, Uuid::from_u128(u128::from(id)), &mut scratch)?;
        }
        Op::Checkpoint => {
            regions.ring.checkpoint(device, &mut scratch)?;
            regions.worm.checkpoint(device, &mut scratch)?;
            regions.vault.checkpoint(device, &mut scratch)?;
        }
    }
    Ok(())
}

fn inspect(image: &[u8]) -> (Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("volume.dwvd");
    std::fs::write(&path, image).unwrap();
    let output = dwvd()
        .arg("inspect")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    (report, output.status.code().unwrap())
}

/// The image inspects clean, one report per region at its first block, each showing
/// what the core's recovery of `image` gives.
fn check<D: BlockDevice>(image: &[u8], device: &mut D, context: &str) {
    let (report, status) = inspect(image);
    assert_eq!(status, 0, "{context}: {report}");
    assert_eq!(report["clean"], true, "{context}");
    assert_eq!(report["container"]["superblock"], "primary");
    let regions = report["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 3, "{context}: {regions:?}");
    let mut scratch = vec![0u8; BS];
    let mut recovered = layout();
    recovered.ring.reload(device, &mut scratch).unwrap();
    recovered.worm.reload(device, &mut scratch).unwrap();
    recovered.vault.reload(device, &mut scratch).unwrap();
    let (ring, worm, vault) = (&regions[0], &regions[1], &regions[2]);
    assert_eq!(
        (ring["kind"].as_str(), ring["first_block"].as_u64()),
        (Some("STRE"), Some(RING_AT))
    );
    assert_eq!(ring["status"], "ok", "{context}: {ring}");
    let expected = recovered.ring.region();
    assert_eq!(
        ring["summary"]["write_head"],
        expected.write_head(),
        "{context}"
    );
    assert_eq!(
        ring["summary"]["read_tail"],
        expected.read_tail(),
        "{context}"
    );
    assert_eq!(
        (worm["kind"].as_str(), worm["first_block"].as_u64()),
        (Some("WORM"), Some(WORM_AT))
    );
    assert_eq!(worm["status"], "ok", "{context}: {worm}");
    assert_eq!(
        worm["summary"]["high_water_mark"],
        recovered.worm.region().high_water_mark(),
        "{context}"
    );
    assert_eq!(
        (vault["kind"].as_str(), vault["first_block"].as_u64()),
        (Some("CMVT"), Some(VAULT_AT))
    );
    assert_eq!(vault["status"], "ok", "{context}: {vault}");
    assert_eq!(
        vault["summary"]["passport_count"],
        recovered.vault.region().count(),
        "{context}"
    );
    // Every block is one of the states the layout explains.
    for block in report["blocks"].as_array().unwrap() {
        let state = block["state"].as_str().unwrap();
        assert!(
            ["ok", "blank", "superseded", "journal", "interrupted"].contains(&state),
            "{context}: block {block}"
        );
    }
}

trait Medium: BlockDevice + Clone {
    fn blank() -> Self;
    fn bytes(&self) -> Vec<u8>;
}

impl Medium for RamDevice<BS, BLOCKS> {
    fn blank() -> Self {
        RamDevice::new()
    }
    fn bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl Medium for Flash {
    fn blank() -> Self {
        RamNorFlash::new(vec![0; BS * BLOCKS], vec![0; BLOCKS], size(), BS, 4).unwrap()
    }
    fn bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

fn every_step<D: Medium>() {
    let (mut device, mut regions) = formatted(D::blank());
    check(&device.bytes(), &mut device.clone(), "formatted");
    for (index, op) in WORKLOAD.iter().enumerate() {
        run(&mut device, &mut regions, *op).unwrap();
        check(
            &device.bytes(),
            &mut device.clone(),
            &format!("after step {index} ({op:?})"),
        );
    }
}

fn every_cut<D: Medium>() -> u64 {
    let (device, _) = formatted(D::blank());
    let mut counted = FaultyDevice::<_, BS>::new(device.clone(), Fault::None);
    let mut regions = layout();
    regions = reload(&mut counted, regions);
    for op in WORKLOAD {
        run(&mut counted, &mut regions, op).unwrap();
    }
    let writes = counted.writes();
    let mut cuts = 0;
    for torn in [false, true] {
        for cut in 1..=writes {
            let mut faulty = FaultyDevice::<_, BS>::new(
                device.clone(),
                Fault::PowerCut {
                    nth_write: cut,
                    torn,
                },
            );
            let mut regions = reload(&mut faulty, layout());
            let mut interrupted = None;
            for (index, op) in WORKLOAD.iter().enumerate() {
                match run(&mut faulty, &mut regions, *op) {
                    Ok(()) => {}
                    Err(StorageError::Device {
                        error: FaultError::PowerLost,
                        ..
                    }) => {
                        interrupted = Some(index);
                        break;
                    }
                    Err(other) => panic!("cut {cut}: {other}"),
                }
            }
            let index = interrupted.expect("every cut interrupts an operation");
            let mut image = faulty.into_inner();
            check(
                &image.bytes(),
                &mut image,
                &format!("cut {cut} (torn {torn}) in step {index}"),
            );
            cuts += 1;
        }
    }
    cuts
}

fn reload<D: BlockDevice>(device: &mut D, mut regions: Regions) -> Regions {
    let mut scratch = vec![0u8; BS];
    regions.ring.reload(device, &mut scratch).unwrap();
    regions.worm.reload(device, &mut scratch).unwrap();
    regions.vault.reload(device, &mut scratch).unwrap();
    regions
}

#[test]
fn a_volume_on_a_block_device_inspects_clean_after_every_step() {
    every_step::<RamDevice<BS, BLOCKS>>();
}

#[test]
fn a_volume_on_nor_flash_inspects_clean_after_every_step() {
    every_step::<Flash>();
}

#[test]
fn a_power_cut_at_every_block_write_leaves_a_volume_that_inspects_clean() {
    let cuts = every_cut::<RamDevice<BS, BLOCKS>>();
    assert!(cuts > 40, "{cuts} cuts");
}

#[test]
fn a_power_cut_at_every_erase_and_program_leaves_a_volume_that_inspects_clean() {
    let cuts = every_cut::<Flash>();
    assert!(cuts > 80, "{cuts} cuts");
}

/// The main job: `dwvd demo` writes a volume through the storage layer — a ring, a WORM
/// log and a vault with a signed checkpoint of the log — and its inspection is clean.
#[test]
fn the_demo_writes_a_volume_that_inspects_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.dwvd");
    let output = dwvd().arg("demo").arg(&path).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.trim_end().ends_with("clean"), "{text}");
    let (report, status) = inspect(&std::fs::read(&path).unwrap());
    assert_eq!(status, 0);
    assert_eq!(report["container"]["block_size"], 4096);
    let kinds: Vec<(&str, &str)> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|region| {
            (
                region["kind"].as_str().unwrap(),
                region["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("STRE", "ok"), ("WORM", "ok"), ("CMVT", "ok")]);
    let regions = report["regions"].as_array().unwrap();
    assert_eq!(regions[0]["summary"]["write_head"], 17);
    assert_eq!(regions[1]["summary"]["write_log_count"], 12);
    assert_eq!(regions[2]["summary"]["passport_count"], 5);
    // The vault's checkpoint of the WORM log is matched to it and consistent.
    assert_eq!(
        regions[1]["summary"]["checkpoints"][0]["status"],
        "consistent"
    );
}

/// Without a container (512-byte blocks, too small for one), the same device is
/// recognised from its blocks: the copies' padding is part of their region, the older
/// copy of each pair is superseded, journal blocks being filled are recognised by their
/// entries. After every step of the workload the device inspects clean.
#[test]
fn a_device_without_a_container_inspects_clean_after_every_step() {
    const SMALL: usize = 512;
    let size = BlockSize::new(SMALL).unwrap();
    for flash in [false, true] {
        let mut ram = RamDevice::<SMALL, 40>::new();
        let mut nor =
            RamNorFlash::new(vec![0u8; SMALL * 40], vec![0u32; 40], size, SMALL, 4).unwrap();
        let mut scratch = vec![0u8; SMALL * 3];
        let mut ring =
            StoredRing::new(0, StreamingRing::new(size, 4, 2).unwrap()).with_journal_blocks(1);
        let mut worm = StoredWorm::new(
            7,
            WormRegion::<16>::new(size, 10, 0, Ticks::new(7)).unwrap(),
        )
        .with_journal_blocks(1);
        let mut vault = StoredVault::new(22, 3, Vault::<4>::new(size)).with_journal_blocks(2);
        macro_rules! on {
            ($dev:expr) => {{
                let dev = $dev;
                ring.format_in_place(dev, &mut scratch).unwrap();
                worm.format_in_place(dev, &mut scratch).unwrap();
                vault.format_in_place(dev, &mut scratch).unwrap();
                let mut steps: Vec<Vec<u8>> = Vec::new();
                for step in 0..12u8 {
                    match step % 4 {
                        0 => {
                            ring.append(dev, format!("r{step}").as_bytes(), &mut scratch)
                                .unwrap();
                        }
                        1 => {
                            worm.append(
                                dev,
                                format!("w{step}").as_bytes(),
                                Ticks::new(9),
                                &mut scratch,
                            )
                            .unwrap();
                        }
                        2 => vault.add(dev, passport(step), &mut scratch).unwrap(),
                        _ => {
                            ring.consume(dev, &mut scratch).unwrap();
                        }
                    }
                    let mut image = vec![0u8; SMALL * 40];
                    for block in 0..40u64 {
                        let at = block as usize * SMALL;
                        dev.read_block(block, &mut image[at..at + SMALL]).unwrap();
                    }
                    steps.push(image);
                }
                steps
            }};
        }
        let steps = if flash { on!(&mut nor) } else { on!(&mut ram) };
        let (mut superseded, mut journal) = (0, 0);
        for (step, image) in steps.iter().enumerate() {
            let (report, status) = inspect(image);
            assert_eq!(status, 0, "flash {flash} step {step}: {report}");
            assert_eq!(report["container"], Value::Null);
            for region in report["regions"].as_array().unwrap() {
                assert!(
                    region["status"] == "ok" || region["status"] == "superseded",
                    "flash {flash} step {step}: {region}"
                );
                superseded += usize::from(region["status"] == "superseded");
            }
            journal += report["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|block| block["state"] == "journal")
                .count();
        }
        // What the recognition is for was met: older copies, journal blocks being filled.
        assert!(
            superseded > 0 && journal > 0,
            "flash {flash}: {superseded} {journal}"
        );
    }
}
