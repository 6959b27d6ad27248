//! `dwvd inspect` on whole DWVD v2.0 volumes, built here byte by byte from SPEC §8 (not
//! with the core's container writer): the reference engine's creator layout for a
//! 2,048-block Compliance + Streaming volume, a damaged primary group, zero trailers, a
//! directory that does not verify, extents past the end and overlapping, and the verdict
//! on each.
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

use common::dwvd;
use dwvd_regions::Tag;
use dwvd_regions::block::seal;
use serde_json::Value;

const BS: usize = 4096;

/// A slot as SPEC §8 lays it out: tag, flags, start, count, used.
#[derive(Clone, Copy)]
struct Slot {
    tag: &'static [u8; 4],
    start: i64,
    count: i64,
}

fn tag(name: &[u8; 4]) -> Tag {
    Tag::from_ascii(*name)
}

/// The reference engine's creator layout for `n` blocks with the Compliance (bit 1) and
/// Streaming (bit 6) modules, in slot order (SPEC §8's table, computed here).
fn creator_layout(n: i64) -> Vec<Slot> {
    let mut slots = Vec::new();
    let mut next = 0i64;
    let mut place = |slots: &mut Vec<Slot>, tag: &'static [u8; 4], count: i64| {
        slots.push(Slot {
            tag,
            start: next,
            count,
        });
        next += count;
    };
    place(&mut slots, b"SUPB", 4);
    place(&mut slots, b"SUPB", 4);
    place(&mut slots, b"RMAP", 2);
    let payload_bits = ((BS - 16) * 8) as i64;
    place(
        &mut slots,
        b"BMAP",
        ((n + payload_bits - 1) / payload_bits).max(1),
    );
    place(&mut slots, b"INOD", (n / 256).max(1024));
    place(&mut slots, b"MWAL", ((n * 5 + 999) / 1000).max(64));
    place(&mut slots, b"DWAL", ((n + 99) / 100).max(128));
    place(&mut slots, b"CMVT", 64);
    place(&mut slots, b"DATA", 64); // the compliance module's audit log, tagged DATA
    place(&mut slots, b"STRE", (n / 100).max(128));
    let used: i64 = slots.iter().map(|slot| slot.count).sum();
    if n > used {
        slots.push(Slot {
            tag: b"DATA",
            start: used,
            count: n - used,
        });
    }
    slots
}

fn slot_table(slots: &[Slot]) -> Vec<u8> {
    let mut table = Vec::new();
    for slot in slots {
        table.extend_from_slice(&tag(slot.tag).to_u32().to_le_bytes());
        table.extend_from_slice(&1u32.to_le_bytes()); // active
        table.extend_from_slice(&slot.start.to_le_bytes());
        table.extend_from_slice(&slot.count.to_le_bytes());
        table.extend_from_slice(&0i64.to_le_bytes());
    }
    table
}

fn put(image: &mut [u8], block: usize, bytes: &[u8], tag_name: &[u8; 4]) {
    let at = block * BS;
    image[at..at + bytes.len()].copy_from_slice(bytes);
    seal(&mut image[at..at + BS], tag(tag_name), 1).unwrap();
}

/// A volume of `n` blocks written as SPEC §8 says the reference engine writes it.
fn engine_volume(n: i64, slots: &[Slot]) -> Vec<u8> {
    let mut image = vec![0u8; n as usize * BS];
    let mut superblock = vec![0u8; 0xF8];
    superblock[..16].copy_from_slice(&[
        0x44, 0x57, 0x56, 0x44, 2, 0, 1, 0, 0x64, 0x77, 0x3A, 0x2F, 0x2F, 0, 0, 0,
    ]);
    superblock[0x20..0x24].copy_from_slice(&((1u32 << 1) | (1 << 6)).to_le_bytes());
    superblock[0x34..0x38].copy_from_slice(&(BS as i32).to_le_bytes());
    superblock[0x38..0x40].copy_from_slice(&n.to_le_bytes());
    superblock[0x98..0x98 + 9].copy_from_slice(b"engine-vd");
    superblock[0xD8..0xE0].copy_from_slice(&639_000_000_000_000_000i64.to_le_bytes());
    let table = slot_table(slots);
    for group in [0, 4] {
        put(&mut image, group, &superblock, b"SUPB");
        put(&mut image, group + 1, &table, b"RMAP");
        put(&mut image, group + 2, &[], b"EXMD");
        put(&mut image, group + 3, &[], b"IANT");
    }
    put(&mut image, 8, &table, b"RMAP");
    let checksum = dwvd_regions::block::checksum(&image[8 * BS..9 * BS - 16]);
    let mut header = Vec::new();
    header.extend_from_slice(&1u16.to_le_bytes());
    header.extend_from_slice(&127u16.to_le_bytes());
    header.extend_from_slice(&(slots.len() as u16).to_le_bytes());
    header.extend_from_slice(&0u16.to_le_bytes());
    header.extend_from_slice(&checksum.to_le_bytes());
    put(&mut image, 9, &header, b"RMAP");
    // The first block of the bitmap, inode table and logs (small headers), and one
    // sealed empty block at each module region's start: an empty vault at CMVT.
    for slot in slots.iter().skip(3) {
        let start = slot.start as usize;
        if start >= n as usize {
            continue;
        }
        match slot.tag {
            b"BMAP" | b"INOD" | b"MWAL" | b"DWAL" => {
                put(&mut image, start, &[1, 0, 0, 0], slot.tag)
            }
            b"CMVT" => put(&mut image, start, &[], b"CMVT"), // passport_count 0
            b"DATA" if slot.count == 64 => put(&mut image, start, &[], b"DATA"),
            _ => {}
        }
    }
    image
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
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    (report, output.status.code().unwrap())
}

fn region<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|region| region["kind"] == kind)
        .unwrap_or_else(|| panic!("a {kind} region in {}", report["regions"]))
}

#[test]
fn the_engines_creator_layout_inspects_clean() {
    let slots = creator_layout(2048);
    let (report, status) = inspect(&engine_volume(2048, &slots));
    assert_eq!(status, 0, "{}", report["regions"]);
    assert_eq!(report["clean"], true);
    let container = &report["container"];
    assert_eq!(container["block_size"], 4096);
    assert_eq!(container["superblock"], "primary");
    let listed: Vec<(String, i64, i64)> = container["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| {
            assert_eq!(slot["active"], true);
            (
                slot["tag"].as_str().unwrap().to_string(),
                slot["start_block"].as_i64().unwrap(),
                slot["block_count"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, i64)> = slots
        .iter()
        .map(|slot| {
            (
                String::from_utf8(slot.tag.to_vec()).unwrap(),
                slot.start,
                slot.count,
            )
        })
        .collect();
    assert_eq!(listed, expected);
    // Every slot in slot order: 0, 1, 2, …
    for (index, slot) in container["slots"].as_array().unwrap().iter().enumerate() {
        assert_eq!(slot["slot"], index);
    }
    // The vault: one written block of its 64, an empty vault.
    let cmvt = slots.iter().find(|slot| slot.tag == b"CMVT").unwrap();
    let vault = region(&report, "CMVT");
    assert_eq!(vault["first_block"], cmvt.start);
    assert_eq!(vault["status"], "ok");
    assert_eq!(vault["summary"]["passport_count"], 0);
    // The STRE extent: reserved, never written.
    let stre = slots.iter().find(|slot| slot.tag == b"STRE").unwrap();
    let ring = region(&report, "STRE");
    assert_eq!(ring["first_block"], stre.start);
    assert_eq!(ring["status"], "blank");
    // No WORM slot: no WORM region.
    assert!(
        report["regions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|region| region["kind"] != "WORM")
    );
    // Written: 10 fixed blocks, 4 first blocks, the vault's and the audit log's.
    assert_eq!(report["blank_blocks"], 2048 - 16);
    assert_eq!(report["corrupt_blocks"], 0);
}

#[test]
fn a_damaged_primary_group_is_replaced_by_the_mirror() {
    let slots = creator_layout(2048);
    // A flipped byte in the superblock, then a trailer rewritten as zeros (SPEC §8).
    for damage in [0usize, 1] {
        let mut image = engine_volume(2048, &slots);
        match damage {
            0 => image[0x100] ^= 0x40,
            _ => image[2 * BS - 16..2 * BS].fill(0),
        }
        let (report, status) = inspect(&image);
        assert_eq!(status, 0, "damage {damage}: {report}");
        assert_eq!(report["container"]["superblock"], "mirror");
        let damaged_block = if damage == 0 { 0 } else { 1 };
        assert_eq!(report["blocks"][damaged_block]["state"], "superseded");
        assert_eq!(report["corrupt_blocks"], 0);
        assert_eq!(region(&report, "CMVT")["status"], "ok");
    }
    // The block-size field of the primary superblock damaged (not resealed): a size
    // read from a block whose checksum fails is not trusted over the mirror, which
    // verifies at 4096 — whatever size the damaged field names.
    for size in [
        512i32, 1024, 2048, 4097, 8192, 16384, 32768, 65536, 0, -4096,
    ] {
        let mut image = engine_volume(2048, &slots);
        image[0x34..0x38].copy_from_slice(&size.to_le_bytes());
        let (report, status) = inspect(&image);
        assert_eq!(
            status, 0,
            "block size field {size}: {}",
            report["container_error"]
        );
        assert_eq!(report["container"]["superblock"], "mirror", "{size}");
        assert_eq!(report["container"]["block_size"], 4096, "{size}");
        assert_eq!(report["blocks"][0]["state"], "superseded", "{size}");
        assert_eq!(region(&report, "CMVT")["status"], "ok", "{size}");
    }
    // Both groups damaged: no container reads; the blocks are corruption.
    let mut image = engine_volume(2048, &slots);
    image[0x100] ^= 0x40;
    image[4 * BS + 0x100] ^= 0x40;
    let (report, status) = inspect(&image);
    assert_eq!(status, 1);
    assert_eq!(report["container"], Value::Null);
    assert!(
        report["container_error"]
            .as_str()
            .unwrap()
            .contains("superblock group")
    );
    assert_eq!(report["corrupt_blocks"], 2);
}

#[test]
fn a_directory_that_does_not_verify_gives_way_to_the_group_table() {
    let slots = creator_layout(2048);
    let mut image = engine_volume(2048, &slots);
    image[8 * BS + 40] ^= 1; // a slot's byte in block 8
    let (report, status) = inspect(&image);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["container"]["slot_table"], "group_table");
    assert_eq!(report["blocks"][8]["state"], "superseded");
    assert_eq!(region(&report, "CMVT")["status"], "ok");
}

#[test]
fn extents_past_the_end_and_overlaps_are_reported_not_read() {
    let mut slots = creator_layout(2048);
    // The STRE extent moved past the image's end, a WORM slot overlapping the vault.
    for slot in &mut slots {
        if slot.tag == b"STRE" {
            slot.start = 2040;
            slot.count = 128;
        }
    }
    let cmvt = *slots.iter().find(|slot| slot.tag == b"CMVT").unwrap();
    slots.push(Slot {
        tag: b"WORM",
        start: cmvt.start + 10,
        count: 100,
    });
    let image = engine_volume(2048, &slots);
    let (report, status) = inspect(&image);
    assert_eq!(status, 0, "{report}");
    let notes: Vec<&str> = report["container"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|note| note.contains("runs past the end")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|note| note.contains("overlaps")),
        "{notes:?}"
    );
    // The STRE start lies inside the image (block 2040): blank, not formatted.
    assert_eq!(region(&report, "STRE")["status"], "blank");
    assert_eq!(region(&report, "WORM")["status"], "blank");
    // Truncated image: the slots still list; nothing is read past the end.
    let (report, status) = inspect(&image[..2000 * BS]);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["blocks"].as_array().unwrap().len(), 2000);
}

#[test]
fn the_human_report_names_the_group_and_lists_the_slots() {
    let slots = creator_layout(2048);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("volume.dwvd");
    std::fs::write(&path, engine_volume(2048, &slots)).unwrap();
    let output = dwvd().arg("inspect").arg(&path).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "DWVD v2.0 container \"engine-vd\": 2048 blocks of 4096 bytes; primary superblock group"
        ),
        "{text}"
    );
    assert!(text.contains("STRE"), "{text}");
    assert!(text.contains("not formatted"), "{text}");
    assert!(text.ends_with("clean\n"), "{text}");
}

/// The region of a type is the first active slot with its tag (SPEC §8). A later active
/// slot with the same tag is not read as that region — even when its extent holds
/// blocks of another kind, which as a region would be a wrong tag — and is noted.
#[test]
fn only_the_first_active_slot_of_a_type_is_its_region() {
    let mut slots = creator_layout(2048);
    let audit = *slots
        .iter()
        .find(|slot| slot.tag == b"DATA" && slot.count == 64)
        .unwrap();
    let stre = *slots.iter().find(|slot| slot.tag == b"STRE").unwrap();
    // A second STRE slot, over the audit log's written (DATA) block: read as a STRE
    // region, a wrong tag.
    slots.push(Slot {
        tag: b"STRE",
        start: audit.start,
        count: 1,
    });
    let (report, status) = inspect(&engine_volume(2048, &slots));
    assert_eq!(status, 0, "{}", report["regions"]);
    assert_eq!(report["clean"], true);
    let rings: Vec<&Value> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|region| region["kind"] == "STRE")
        .collect();
    assert_eq!(rings.len(), 1, "{rings:?}");
    assert_eq!(rings[0]["first_block"], stre.start);
    assert_eq!(region(&report, "CMVT")["status"], "ok");
    let second = slots.len() - 1;
    let notes = report["container"]["notes"].to_string();
    assert!(
        notes.contains(&format!("slot {second} (STRE): another active STRE slot")),
        "{notes}"
    );

    // A CMVT slot before the vault's, over another (empty) vault: that one is the
    // volume's vault, and the creator's vault slot is not read as a region.
    let mut slots = creator_layout(2048);
    let stre = *slots.iter().find(|slot| slot.tag == b"STRE").unwrap();
    let at = slots.iter().position(|slot| slot.tag == b"CMVT").unwrap();
    slots.insert(
        at,
        Slot {
            tag: b"CMVT",
            start: stre.start + 1,
            count: 4,
        },
    );
    let (report, status) = inspect(&engine_volume(2048, &slots));
    assert_eq!(status, 0, "{}", report["regions"]);
    let vaults: Vec<&Value> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|region| region["kind"] == "CMVT")
        .collect();
    assert_eq!(vaults.len(), 1, "{vaults:?}");
    assert_eq!(vaults[0]["first_block"], stre.start + 1);
    assert_eq!(vaults[0]["status"], "ok");
    let notes = report["container"]["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "slot {} (CMVT): another active CMVT slot; the volume's CMVT region is slot {at}'s",
            at + 1
        )),
        "{notes}"
    );
}

/// A volume whose vault slot another writer put right before its journal (`MWAL`) slot:
/// the layout of this crate's stored regions, but the slot holds a plain vault (the
/// golden 4-block one in a 6-block slot, which is no pair of 3-block checkpoint copies).
/// Recovery cannot read it as a stored region, so it is read as SPEC §8 reads any slot:
/// a valid vault, a clean volume, and a note saying why.
#[test]
fn a_plain_region_before_a_journal_slot_is_read_as_a_plain_region() {
    let mut slots = creator_layout(2048);
    slots.retain(|slot| slot.tag != b"CMVT");
    let journal = slots.iter().position(|slot| slot.tag == b"MWAL").unwrap();
    let vault_start = slots[journal].start;
    slots[journal].start += 6;
    slots[journal].count -= 6;
    slots.insert(
        journal,
        Slot {
            tag: b"CMVT",
            start: vault_start,
            count: 6,
        },
    );
    let mut image = engine_volume(2048, &slots);
    let golden = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/golden/cmvt_bs4096_many.bin"),
    )
    .unwrap();
    assert_eq!(golden.len(), 4 * BS);
    let at = vault_start as usize * BS;
    image[at..at + golden.len()].copy_from_slice(&golden);
    put(&mut image, vault_start as usize + 6, &[1, 0, 0, 0], b"MWAL");

    let (report, status) = inspect(&image);
    assert_eq!(status, 0, "{}", report["regions"]);
    assert_eq!(report["clean"], true);
    let vault = region(&report, "CMVT");
    assert_eq!(vault["first_block"], vault_start);
    assert_eq!(vault["status"], "ok", "{vault}");
    assert_eq!(vault["block_count"], 4, "{vault}");
    assert_eq!(vault["summary"]["passport_count"], 40, "{vault}");
    // The human report says why the slot was read plainly.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("volume.dwvd");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd().arg("inspect").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "a journal (MWAL) slot follows this slot, but it is not this crate's stored region"
        ),
        "{text}"
    );
}
