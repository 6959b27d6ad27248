//! The inspector's whole-image walk over arbitrary images (half the time with every block
//! re-sealed under a region tag chosen by the input, so regions are reached and decoded).
//!
//! Invariants, beyond "did not crash": the JSON report parses; every whole block is
//! listed once, in order; regions are in order, do not overlap and lie inside the image;
//! `clean` is exactly "no corrupt block (a bad checksum that is not blank space or a
//! superseded copy), no region problem, no trailing bytes"; blank blocks are exactly the
//! all-0x00 and all-0xFF ones.
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

use std::io::Cursor;

use dwvd::inspect::{Options, inspect_source};
use dwvd_regions::container::{RegionSlot, VolumeHead, emit_head};
use dwvd_regions::{BlockSize, Tag, Ticks};
use dwvd_regions_fuzz::Input;
use libfuzzer_sys::fuzz_target;

const TAGS: [Tag; 4] = [Tag::STRE, Tag::WORM, Tag::CMVT, Tag::DATA];

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::decode(data) else {
        return;
    };
    if !(512..=65536).contains(&input.block_size) {
        return;
    }
    let size = input.block_size;
    let mut image = input.region.to_vec();
    if input.reseal {
        let whole = image.len() / size;
        for (index, block) in image.chunks_exact_mut(size).take(whole).enumerate() {
            let tag = TAGS[usize::from(input.operations[index % 5]) % 4];
            dwvd_regions::block::seal(block, tag, u32::from(input.operations[0]))
                .expect("one block");
        }
    }
    // A quarter of the time: the blocks follow a DWVD v2.0 container's head (4 KiB
    // blocks) whose slots the input chooses, some shaped as this crate's stored regions.
    if input.operations[2] % 4 == 0 && size == 4096 {
        image = with_container(&image, input.operations[3]);
    }
    if image.is_empty() {
        return;
    }
    // The block size is given, or (sometimes) detected from the trailers.
    let given = if input.operations[1] % 4 == 0 {
        None
    } else {
        Some(size)
    };
    let options = Options {
        block_size: given,
        json: true,
        key: None,
        strict: false,
    };
    let mut out = Vec::new();
    let source = Cursor::new(image.as_slice());
    let clean = match inspect_source("fuzz", image.len() as u64, &source, &options, &mut out) {
        Ok(clean) => clean,
        Err(failure) => panic!("inspect failed on an in-memory image: {failure:?}"),
    };
    let report: serde_json::Value = serde_json::from_slice(&out).expect("the report is JSON");
    let block_size = report["block_size"].as_u64().expect("block size") as usize;
    let blocks = report["blocks"].as_array().expect("blocks");
    assert_eq!(blocks.len(), image.len() / block_size);
    for (index, block) in blocks.iter().enumerate() {
        assert_eq!(block["index"], index);
        // Blank exactly when every byte is 0x00 or every byte is 0xFF (SPEC §1).
        let bytes = &image[index * block_size..(index + 1) * block_size];
        let blank = bytes.iter().all(|byte| *byte == 0) || bytes.iter().all(|byte| *byte == 0xFF);
        assert_eq!(block["state"] == "blank", blank, "block {index}");
        if blank {
            assert_eq!(block["checksum_ok"], false, "block {index}");
        }
    }
    let mut next_free = 0u64;
    for region in report["regions"].as_array().expect("regions") {
        let first = region["first_block"].as_u64().expect("first");
        let count = region["block_count"].as_u64().expect("count");
        assert!(first >= next_free && count >= 1, "{region}");
        next_free = first + count;
        assert!(next_free <= blocks.len() as u64, "{region}");
    }
    let any_bad = blocks.iter().any(|block| block["state"] == "corrupt");
    let problems = report["region_problems"].as_u64().expect("problems");
    let trailing = report["trailing_bytes"].as_u64().expect("trailing");
    assert_eq!(clean, !any_bad && problems == 0 && trailing == 0);
    assert_eq!(report["clean"], clean);
});

/// A container's head before `blocks`, with slots read from the first bytes of `blocks`:
/// five bytes a slot (kind, start, count, active, stored-region shape), up to `slots % 8`
/// of them.
fn with_container(blocks: &[u8], slots: u8) -> Vec<u8> {
    const KINDS: [Tag; 8] = [
        Tag::STRE,
        Tag::WORM,
        Tag::CMVT,
        Tag::MWAL,
        Tag::DATA,
        Tag::SUPB,
        Tag::INOD,
        Tag::from_ascii(*b"ZZZZ"),
    ];
    let mut table = Vec::new();
    for spec in blocks.chunks_exact(5).take(usize::from(slots % 8)) {
        let tag = KINDS[usize::from(spec[0] % 8)];
        let start = 10 + u64::from(spec[1] % 64);
        let count = u64::from(spec[2] % 16);
        let mut slot = RegionSlot::active(tag, start, count, count);
        if spec[3] % 5 == 0 {
            slot.flags.set(0);
        }
        table.push(slot);
        if spec[4] % 3 == 0 {
            // A stored region: copies, then a journal, then data, each where the last ends.
            let copies = 2 * (1 + count % 3);
            let journal = 1 + u64::from(spec[4] % 4);
            table.pop();
            table.push(RegionSlot::active(tag, start, copies, copies));
            table.push(RegionSlot::active(
                Tag::MWAL,
                start + copies,
                journal,
                journal,
            ));
            table.push(RegionSlot::active(
                Tag::DATA,
                start + copies + journal,
                count,
                count,
            ));
        }
    }
    table.truncate(127);
    let size = BlockSize::new(4096).expect("valid");
    let blocks_after = blocks.len() / 4096;
    let head = VolumeHead::new(size, 10 + blocks_after as u64, &table, Ticks::new(0));
    let mut image = vec![0u8; 10 * 4096];
    emit_head(&mut image, &head).expect("ten blocks");
    image.extend_from_slice(blocks);
    image
}
