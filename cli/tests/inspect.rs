//! `dwvd inspect` over images made of golden regions: every block listed, every region
//! found and decoded, corruption and torn writes reported without stopping, fsck-like
//! exit status; a 1 GiB image inspected in bounded memory; and a whole run — length,
//! detection, every block, stored regions, logs read again — reading the one handle it
//! opened, not the path opened again.
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

use common::{cases, dwvd};
use serde_json::Value;

fn image_of(names: &[&str]) -> Vec<u8> {
    let all = cases();
    names
        .iter()
        .flat_map(|name| all.iter().find(|case| case.name == *name).unwrap().image())
        .collect()
}

fn inspect_json(image: &[u8], extra: &[&str]) -> (Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.bin");
    std::fs::write(&path, image).unwrap();
    let output = dwvd()
        .arg("inspect")
        .arg(&path)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)));
    (report, output.status.code().unwrap())
}

/// (kind, first block, block count, status) of each region.
/// `dwvd inspect PATH --json` under a 256 MiB address-space limit (`ulimit -v`): an
/// inspector that read the image whole, or a run of regions at once, would fail.
fn inspect_json_under_256_mib(path: &std::path::Path) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin("dwvd");
    let script = format!(
        "ulimit -v 262144 && exec '{}' inspect '{}' --json",
        binary.display(),
        path.display()
    );
    std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap()
}

fn regions(report: &Value) -> Vec<(String, u64, u64, String)> {
    report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|region| {
            (
                region["kind"].as_str().unwrap().to_owned(),
                region["first_block"].as_u64().unwrap(),
                region["block_count"].as_u64().unwrap(),
                region["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn region(kind: &str, first: u64, count: u64, status: &str) -> (String, u64, u64, String) {
    (kind.to_owned(), first, count, status.to_owned())
}

const MIXED: [&str; 8] = [
    "stre_bs512_max64_w23",  // block 0
    "worm_bs512_n8",         // 1
    "worm_bs512_n9",         // 2-3 (right after another WORM region)
    "cmvt_bs512_three",      // 4-6
    "cmvt_bs512_gap",        // 7-8 (right after another vault)
    "worm_bs512_n37",        // 9-13
    "stre_bs512_max40_w137", // 14
    "stre_bs512_max1000_w0", // 15
];

#[test]
fn a_concatenation_of_golden_images_is_listed_and_decoded_region_by_region() {
    let (report, status) = inspect_json(&image_of(&MIXED), &[]);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["block_size"], 512);
    assert!(
        report["block_size_source"]
            .as_str()
            .unwrap()
            .contains("detected")
    );
    let blocks = report["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 16);
    let tags: Vec<&str> = blocks
        .iter()
        .map(|block| block["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "STRE", "WORM", "WORM", "WORM", "CMVT", "CMVT", "CMVT", "CMVT", "CMVT", "WORM", "WORM",
            "WORM", "WORM", "WORM", "STRE", "STRE"
        ]
    );
    assert!(
        blocks
            .iter()
            .enumerate()
            .all(|(index, block)| block["index"] == index && block["checksum_ok"] == true)
    );
    assert_eq!(
        regions(&report),
        [
            region("STRE", 0, 1, "ok"),
            region("WORM", 1, 1, "ok"),
            region("WORM", 2, 2, "ok"),
            region("CMVT", 4, 3, "ok"),
            region("CMVT", 7, 2, "ok"),
            region("WORM", 9, 5, "ok"),
            region("STRE", 14, 1, "ok"),
            region("STRE", 15, 1, "ok"),
        ]
    );
    // Summaries carry the decoded values.
    let all = cases();
    let expect =
        |name: &str| all.iter().find(|case| case.name == name).unwrap().meta["expect"].clone();
    assert_eq!(
        report["regions"][0]["summary"]["write_head"],
        expect("stre_bs512_max64_w23")["write_head"]
    );
    assert_eq!(report["regions"][5]["summary"]["write_log_count"], 37);
    assert_eq!(
        report["regions"][5]["summary"]["high_water_mark"],
        expect("worm_bs512_n37")["high_water_mark"]
    );
    assert_eq!(report["regions"][3]["summary"]["passport_count"], 3);
    assert_eq!(report["clean"], true);
}

#[test]
fn a_corrupt_block_in_the_middle_is_reported_and_the_walk_goes_on() {
    let mut image = image_of(&MIXED);
    image[10 * 512 + 100] ^= 0x20; // block 10: inside the 5-block WORM region at 9
    let (report, status) = inspect_json(&image, &["--block-size", "512"]);
    assert_eq!(status, 1, "fsck-like: corruption found");
    let blocks = report["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 16, "every block is listed");
    for block in blocks {
        assert_eq!(block["checksum_ok"], block["index"] != 10, "{block}");
    }
    assert_eq!(blocks[10]["tag"], "WORM", "the tag is still read");
    let found = regions(&report);
    assert_eq!(found[5], region("WORM", 9, 5, "checksum_mismatch"));
    assert!(
        report["regions"][5]["error"]
            .as_str()
            .unwrap()
            .starts_with("device block 10:")
    );
    // The regions after it are still decoded.
    assert_eq!(found[6], region("STRE", 14, 1, "ok"));
    assert_eq!(found[7], region("STRE", 15, 1, "ok"));
    assert_eq!(report["corrupt_blocks"], 1);
    assert_eq!(report["clean"], false);

    // The human report lists the same, and names the bad block.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.img");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd().arg("inspect").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    // Block lines are indented and start with the index.
    let listed = text
        .lines()
        .filter(|line| {
            line.starts_with(' ')
                && line
                    .split_whitespace()
                    .next()
                    .is_some_and(|word| word.parse::<u64>().is_ok())
        })
        .count();
    assert_eq!(listed, 16, "{text}");
    assert!(text.contains("MISMATCH"), "{text}");
    assert!(text.contains("CORRUPTION FOUND"), "{text}");
}

#[test]
fn a_torn_region_and_unknown_tags_are_reported() {
    let mut image = image_of(&["worm_bs512_n9", "stre_bs512_max64_w23"]);
    // Block 1 of the WORM region rewritten under another generation: a torn write.
    let generation = u32::from_le_bytes(image[512 + 500..512 + 504].try_into().unwrap());
    dwvd_regions::block::seal(
        &mut image[512..1024],
        dwvd_regions::Tag::WORM,
        generation.wrapping_add(1),
    )
    .unwrap();
    // And a block of a kind the format does not know.
    let mut odd = vec![0u8; 512];
    dwvd_regions::block::seal(&mut odd, dwvd_regions::Tag::from_ascii(*b"ZZZ?"), 7).unwrap();
    image.extend(odd);
    let (report, status) = inspect_json(&image, &[]);
    assert_eq!(status, 1);
    assert_eq!(regions(&report)[0], region("WORM", 0, 2, "torn_write"));
    assert!(
        report["regions"][0]["error"]
            .as_str()
            .unwrap()
            .contains("block 1")
    );
    assert_eq!(regions(&report)[1], region("STRE", 2, 1, "ok"));
    assert_eq!(report["blocks"][3]["tag"], "ZZZ?");
    assert_eq!(report["blocks"][3]["known_tag"], false);
    assert_eq!(report["blocks"][3]["checksum_ok"], true);
}

#[test]
fn signatures_are_checked_with_a_public_key() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "cmvt_bs512_many")
        .unwrap();
    let key = case.meta["public_key_sec1"].as_str().unwrap().to_owned();
    let (report, status) = inspect_json(&case.image(), &["--public-key", &key]);
    assert_eq!(
        status, 0,
        "an invalid signature is reported, not corruption"
    );
    let summary = &report["regions"][0]["summary"];
    assert_eq!(summary["passport_count"], 39);
    assert_eq!(summary["signatures_valid"], 38);
    assert_eq!(summary["signatures_invalid"], 1);
    let tampered: Vec<&Value> = case.meta["expect"]["passports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|passport| passport["signature_valid"] == false)
        .map(|passport| &passport["passport_id"])
        .collect();
    assert_eq!(
        summary["invalid_passports"],
        Value::from(tampered.into_iter().cloned().collect::<Vec<_>>())
    );
}

#[test]
fn hexdump_shows_a_block_beside_its_fields() {
    let image = image_of(&MIXED);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.bin");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd()
        .arg("inspect")
        .arg(&path)
        .args(["--hexdump", "9"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("block 9 of"), "{text}");
    assert!(
        text.contains("tag WORM") && text.contains("verifies"),
        "{text}"
    );
    assert!(text.contains("high_water_mark@0=37"), "{text}");
    assert!(text.contains("write_log_count@32=37"), "{text}");
    assert!(text.contains("trailer.tag@496=WORM"), "{text}");
    dwvd()
        .arg("inspect")
        .arg(&path)
        .args(["--hexdump", "16"])
        .assert()
        .code(2);
}

#[test]
fn usage_errors_exit_2() {
    dwvd().args(["inspect", "/no/such/image"]).assert().code(2);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.img");
    std::fs::write(&empty, b"").unwrap();
    dwvd().arg("inspect").arg(&empty).assert().code(2);
    dwvd()
        .arg("inspect")
        .arg(&empty)
        .args(["--block-size", "12"])
        .assert()
        .code(2);
}

/// 1 GiB of valid blocks, inspected under a 256 MiB address-space limit: the image is
/// streamed, never read whole. Under a pseudo-terminal (`script`), a progress bar shows.
#[test]
fn a_one_gibibyte_image_is_inspected_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.img");
    let mut chunk = vec![0u8; 1 << 20];
    for (index, block) in chunk.chunks_exact_mut(4096).enumerate() {
        block[..8].copy_from_slice(&(index as u64).to_le_bytes());
        dwvd_regions::block::seal(block, dwvd_regions::Tag::DATA, 1).unwrap();
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for _ in 0..1024 {
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1 << 30);

    let output = inspect_json_under_256_mib(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The report is streamed too: check its ends without holding a parsed copy.
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("\"block_size\":4096"));
    assert!(text.contains("{\"index\":262143,"));
    assert!(
        text.trim_end()
            .ends_with("\"corrupt_blocks\":0,\"region_problems\":0,\"clean\":true}")
    );

    // On a terminal the progress bar is drawn on standard error.
    let binary = assert_cmd::cargo::cargo_bin("dwvd");
    let command = format!(
        "'{}' inspect '{}' > /dev/null",
        binary.display(),
        path.display()
    );
    if let Ok(output) = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
    {
        let terminal = String::from_utf8_lossy(&output.stdout);
        assert!(
            terminal.contains("inspecting"),
            "progress on a terminal: {terminal:?}"
        );
    }
}

#[test]
fn a_corrupt_vault_does_not_swallow_the_next_one() {
    let mut image = image_of(&MIXED);
    image[5 * 512 + 40] ^= 1; // block 5: the second block of the vault at 4-6
    let (report, status) = inspect_json(&image, &["--block-size", "512"]);
    assert_eq!(status, 1);
    let found = regions(&report);
    assert_eq!(found[3], region("CMVT", 4, 3, "checksum_mismatch"));
    assert_eq!(
        found[4],
        region("CMVT", 7, 2, "ok"),
        "the next vault is still found"
    );
    assert_eq!(found.len(), 8);
}

#[test]
fn a_changed_tag_inside_a_region_does_not_swallow_what_follows() {
    let mut image = image_of(&MIXED);
    // Block 10 (inside the WORM region at 9-13) gets another tag; the checksum does not
    // cover the tag, so the block still verifies.
    image[10 * 512 + 496..10 * 512 + 500].copy_from_slice(b"XXXX");
    let (report, status) = inspect_json(&image, &["--block-size", "512"]);
    assert_eq!(status, 1);
    assert_eq!(report["blocks"][10]["tag"], "XXXX");
    assert_eq!(report["blocks"][10]["checksum_ok"], true);
    let found = regions(&report);
    assert_eq!(found[5], region("WORM", 9, 1, "truncated"), "{found:?}");
    // The WORM blocks left after the odd one are reported, and the STRE regions after
    // them are still found.
    assert!(
        found
            .iter()
            .any(|(kind, first, _, status)| kind == "WORM" && *first == 11 && status != "ok")
    );
    assert_eq!(found[found.len() - 2], region("STRE", 14, 1, "ok"));
    assert_eq!(found[found.len() - 1], region("STRE", 15, 1, "ok"));
}

/// About 40 MiB of golden regions repeated back to back, inspected under the same
/// 256 MiB address-space limit: each region is read on its own, never a whole run.
#[test]
fn many_regions_back_to_back_are_each_found_in_bounded_memory() {
    use std::io::Write;
    let unit = image_of(&["worm_bs512_n37", "cmvt_bs512_three", "stre_bs512_max64_w23"]);
    let repeats = (40 << 20) / unit.len();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regions.img");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for _ in 0..repeats {
        file.write_all(&unit).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let output = inspect_json_under_256_mib(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = report["regions"].as_array().unwrap();
    assert_eq!(found.len(), 3 * repeats);
    assert!(found.iter().all(|region| region["status"] == "ok"));
    assert_eq!(report["clean"], true);
}

/// Inputs the `inspect_walk` fuzz target found, replayed with its invariants:
/// `slow-block-size-detection` made block-size detection hash every candidate size of an
/// image where nothing verifies (14 s under the fuzzer's sanitizers; detection now skips
/// sizes whose trailer holds no known tag); `thread-exit-leak-report` made LeakSanitizer
/// report the reader thread's thread-local storage, freed after the scoped join (a small
/// image is now read without a thread).
#[test]
fn kept_inspect_walk_inputs_give_consistent_reports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/regressions/inspect_walk");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        // The fuzz input: 8 bytes of options (here: no reseal, size detected), then the image.
        let image = &data[8..];
        let (report, status) = inspect_json(image, &[]);
        let block_size = report["block_size"].as_u64().unwrap() as usize;
        let blocks = report["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), image.len() / block_size);
        for (index, block) in blocks.iter().enumerate() {
            assert_eq!(block["index"], index);
        }
        assert_eq!(report["clean"], false);
        assert_eq!(status, 1);
        replayed += 1;
    }
    assert!(replayed >= 1);
}

/// A region found at block 2 of an image names the image's block 2 in its error, in the
/// JSON report and in the human text (the count is a field of the region's first block).
#[test]
fn an_error_names_the_image_block_not_the_region_block() {
    let image = image_of(&[
        "stre_bs512_max64_w23",
        "stre_bs512_max64_w23",
        "bad_worm_count_overruns",
    ]);
    let (report, status) = inspect_json(&image, &[]);
    assert_eq!(status, 1);
    assert_eq!(regions(&report)[2], region("WORM", 2, 1, "truncated"));
    let error = report["regions"][2]["error"].as_str().unwrap();
    assert!(
        error.starts_with("device block 2 field write_log_count (offset 32): truncated region"),
        "{error}"
    );
    assert!(error.contains("1000 records needed"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.img");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd().arg("inspect").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|line| line.contains("blocks 2-2 WORM"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("device block 2 field write_log_count"),
        "{line}"
    );
    assert!(!line.contains("block 0"), "{line}");
}

/// Blank space — never written (0x00) or erased flash (0xFF) — after and between regions
/// is unused, counted, never corruption, and block-size detection looks past it.
#[test]
fn blank_and_erased_blocks_are_unused_not_corruption() {
    let regions = image_of(&["stre_bs512_max64_w23", "worm_bs512_n37"]);
    let blocks = regions.len() / 512;
    for fill in [0x00u8, 0xFF] {
        let mut image = vec![fill; 512 * 3]; // blank space first: detection looks past it
        image.extend_from_slice(&regions);
        image.extend(std::iter::repeat_n(fill, 512 * 4));
        let (report, status) = inspect_json(&image, &[]);
        assert_eq!(status, 0, "fill {fill:#x}: {report}");
        assert_eq!(report["clean"], true);
        assert_eq!(report["block_size"], 512);
        assert_eq!(report["blank_blocks"], 7);
        assert_eq!(report["corrupt_blocks"], 0);
        let states: Vec<&str> = report["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|block| block["state"].as_str().unwrap())
            .collect();
        let mut expected = vec!["blank"; 3];
        expected.extend(std::iter::repeat_n("ok", blocks));
        expected.extend(["blank"; 4]);
        assert_eq!(states, expected, "fill {fill:#x}");
        assert_eq!(report["regions"].as_array().unwrap().len(), 2);
    }
    // A block that is almost blank is not: one byte written makes it a corrupt block.
    let mut image = regions.clone();
    let mut damaged = vec![0u8; 512];
    damaged[100] = 1;
    image.extend_from_slice(&damaged);
    let (report, status) = inspect_json(&image, &["--block-size", "512"]);
    assert_eq!(status, 1);
    assert_eq!(report["corrupt_blocks"], 1);
    assert_eq!(report["blocks"][blocks]["state"], "corrupt");
}

/// An image of several 1 MiB chunks, read by one reader thread per core (chunk `i` by
/// lane `i mod lanes`): the blocks are listed in order, a region that spans two chunks
/// (two lanes) is decoded whole, a corrupt block in a later chunk is found, and every
/// human block line is the `{index:>10}  {tag:<17}  {generation:>10}  {state}` of its
/// JSON entry — also where a line's tag, generation or state differs from the line
/// before (the text after the index is reused only while they are the same).
#[test]
fn a_multi_chunk_image_is_listed_in_order_and_every_line_says_its_block() {
    const SIZE: usize = 512;
    const CHUNK: usize = (1 << 20) / SIZE; // blocks per chunk
    let sealed = |tag: dwvd_regions::Tag, generation: u32, fill: u8| {
        let mut block = vec![fill; SIZE];
        dwvd_regions::block::seal(&mut block, tag, generation).unwrap();
        block
    };
    let mut image = Vec::new();
    let mut push = |block: Vec<u8>| image.extend(block);
    // Chunk 0: DATA blocks whose generation changes every 300 blocks, an unknown
    // printable tag, an unprintable one (wider than its column) and blank blocks.
    for index in 0..CHUNK - 2 {
        match index {
            700 => push(sealed(dwvd_regions::Tag::from_ascii(*b"ZZZ?"), 7, 1)),
            701 => push(sealed(dwvd_regions::Tag::from(0x0102_0304), 7, 1)),
            900..=905 => push(vec![0u8; SIZE]),
            906 => push(vec![0xFFu8; SIZE]),
            _ => push(sealed(dwvd_regions::Tag::DATA, (index / 300) as u32, 2)),
        }
    }
    // A 5-block WORM region across the boundary of chunks 0 and 1.
    let worm_at = CHUNK - 2;
    push(image_of(&["worm_bs512_n37"]));
    // Then DATA blocks to 4½ chunks, one of them corrupt in chunk 3.
    let blocks = 4 * CHUNK + CHUNK / 2;
    let corrupt = 3 * CHUNK + 5;
    for index in worm_at + 5..blocks {
        let mut block = sealed(dwvd_regions::Tag::DATA, 9, 3);
        if index == corrupt {
            block[17] ^= 0x40;
        }
        push(block);
    }
    assert_eq!(image.len(), blocks * SIZE);

    let (report, status) = inspect_json(&image, &["--block-size", "512"]);
    assert_eq!(status, 1);
    let listed = report["blocks"].as_array().unwrap();
    assert_eq!(listed.len(), blocks);
    for (index, block) in listed.iter().enumerate() {
        assert_eq!(block["index"], index);
        let expected = match index {
            900..=906 => "blank",
            _ if index == corrupt => "corrupt",
            _ => "ok",
        };
        assert_eq!(block["state"], expected, "{block}");
    }
    assert_eq!(
        regions(&report),
        vec![region("WORM", worm_at as u64, 5, "ok")]
    );
    assert_eq!(report["corrupt_blocks"], 1);
    assert_eq!(report["blank_blocks"], 7);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chunks.img");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd()
        .arg("inspect")
        .arg(&path)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines().skip_while(|line| !line.contains("checksum"));
    assert_eq!(
        lines.next(),
        Some("     block  tag                generation  checksum")
    );
    for (block, line) in listed.iter().zip(lines) {
        let index = block["index"].as_u64().unwrap();
        let expected = match block["state"].as_str().unwrap() {
            "blank" => format!("{index:>10}  {:<17}  {:>10}  blank (unused)", "-", "-"),
            state => {
                let tag = block["tag"].as_str().unwrap();
                let tag = if block["known_tag"] == true {
                    tag.to_owned()
                } else {
                    format!("{tag} (unknown)")
                };
                let status = if state == "ok" {
                    "ok"
                } else {
                    "MISMATCH (corrupt)"
                };
                let generation = block["generation"].as_u64().unwrap();
                format!("{index:>10}  {tag:<17}  {generation:>10}  {status}")
            }
        };
        assert_eq!(line, expected);
    }
    assert!(text.contains("    701  0x01020304 (unknown)           7  ok\n"));
    assert!(text.contains(&format!(
        "{} blocks (7 blank), 1 with a checksum mismatch; 1 region, 0 with problems: CORRUPTION FOUND",
        blocks
    )));
}

/// The block lines a walk hands on: (index, generation, state).
#[derive(Default)]
struct Lines(Vec<(u64, u32, dwvd::inspect::BlockState)>);

impl dwvd::inspect::Sink for Lines {
    fn start(&mut self, _: &dwvd::inspect::Start<'_>) -> std::io::Result<()> {
        Ok(())
    }
    fn block(&mut self, line: &dwvd::inspect::BlockLine) -> std::io::Result<()> {
        self.0.push((line.index, line.generation, line.state));
        Ok(())
    }
    fn finish(&mut self, _: &dwvd::inspect::Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// 3 chunks of 512-byte DATA blocks (read by two lanes or more wherever there are two
/// cores or more), each block's generation `base + its index`.
fn three_chunks(base: u32) -> Vec<u8> {
    const SIZE: usize = 512;
    let blocks = 3 * (1 << 20) / SIZE;
    let mut image = vec![0u8; blocks * SIZE];
    for (index, block) in image.chunks_exact_mut(SIZE).enumerate() {
        dwvd_regions::block::seal(block, dwvd_regions::Tag::DATA, base + index as u32).unwrap();
    }
    image
}

/// Walks the already open `file` (of `length` bytes) in 512-byte blocks.
fn walk_lines(file: &std::fs::File, length: u64) -> Result<Lines, dwvd::Failure> {
    let start = dwvd::inspect::Start {
        name: "image",
        length,
        block_size: dwvd_regions::BlockSize::new(512).unwrap(),
        source: dwvd::inspect::SizeSource::Given,
        whole_blocks: length / 512,
        trailing: length % 512,
        container: None,
        container_error: None,
    };
    let mut lines = Lines::default();
    let progress = indicatif::ProgressBar::hidden();
    dwvd::inspect::walk(file, &start, None, &progress, &mut lines)?;
    Ok(lines)
}

/// The lines of every block of `three_chunks(base)`: each OK, with its generation.
fn lines_of_three_chunks(base: u32) -> Vec<(u64, u32, dwvd::inspect::BlockState)> {
    (0..3 * (1 << 20) / 512)
        .map(|index| (index, base + index as u32, dwvd::inspect::BlockState::Ok))
        .collect()
}

/// An image replaced (renamed over) after it was opened: every lane reads the handle the
/// walk was given, not the path opened again (which now names the other image), so every
/// block listed is the first image's. (Reader threads that each opened the path again
/// read chunk 1 from the replacement: a report mixing two images.)
#[cfg(unix)]
#[test]
fn an_image_replaced_after_it_was_opened_is_walked_whole_from_its_handle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.img");
    let image = three_chunks(0);
    std::fs::write(&path, &image).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let replacement = dir.path().join("replacement.img");
    std::fs::write(&replacement, three_chunks(1_000_000)).unwrap();
    std::fs::rename(&replacement, &path).unwrap();

    let lines = walk_lines(&file, image.len() as u64).unwrap();
    assert!(
        lines.0 == lines_of_three_chunks(0),
        "blocks of the replacement listed"
    );
}

/// An image whose path was removed after it was opened: its handle still reads (on
/// unix), and the walk reads nothing through the path (opening it again would fail).
#[cfg(unix)]
#[test]
fn an_image_unlinked_after_it_was_opened_is_walked_from_its_handle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.img");
    let image = three_chunks(7);
    std::fs::write(&path, &image).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    let lines = walk_lines(&file, image.len() as u64).unwrap();
    assert!(lines.0 == lines_of_three_chunks(7));
}

/// The reports (JSON and text) and verdict of a whole `inspect` run over `opened`, with
/// `block_size` given or detected.
#[cfg(unix)]
fn inspect_run(
    opened: &dwvd::image::Opened,
    block_size: Option<usize>,
) -> (Vec<u8>, Vec<u8>, bool) {
    let mut reports = [Vec::new(), Vec::new()];
    let mut verdicts = [false; 2];
    for (json, (report, verdict)) in [true, false]
        .into_iter()
        .zip(reports.iter_mut().zip(verdicts.iter_mut()))
    {
        let options = dwvd::inspect::Options {
            block_size,
            json,
            key: None,
            strict: false,
        };
        *verdict = dwvd::inspect::inspect_opened("image", opened, &options, report)
            .unwrap_or_else(|failure| panic!("{failure:?}"));
    }
    assert_eq!(verdicts[0], verdicts[1]);
    let [json, text] = reports;
    (json, text, verdicts[0])
}

/// `image` written to a file, opened, then its path unlinked — or renamed over by another
/// image — before the run: a whole `inspect` run over that handle (length, detection,
/// container, stored regions, the walk, logs read again) gives the report of `image`
/// itself, read from memory. Returns that report, as JSON and as text.
#[cfg(unix)]
fn inspected_from_its_handle_alone(image: &[u8], block_size: Option<usize>) -> (Value, String) {
    let memory = dwvd::image::Opened::Memory(std::io::Cursor::new(image.into()));
    let expected = inspect_run(&memory, block_size);
    for replaced in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.img");
        std::fs::write(&path, image).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        if replaced {
            // Another image where the path was: a run reading the path reads it.
            let replacement = dir.path().join("replacement.img");
            std::fs::write(&replacement, three_chunks(1_000_000)).unwrap();
            std::fs::rename(&replacement, &path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        let got = inspect_run(&dwvd::image::Opened::File(file), block_size);
        assert_eq!(got.2, expected.2, "verdict (replaced: {replaced})");
        for (got, expected) in [(&got.0, &expected.0), (&got.1, &expected.1)] {
            assert!(
                got == expected,
                "replaced: {replaced}: the report is not the image's own:\n{}",
                String::from_utf8_lossy(got)
            );
        }
    }
    (
        serde_json::from_slice(&expected.0).unwrap(),
        String::from_utf8(expected.1).unwrap(),
    )
}

/// A whole run reads one handle: an image whose path was unlinked or replaced after it
/// was opened is still inspected whole — its length from the handle, its block size
/// detected (or given) from it, every block walked from it. (A run that opened the path
/// again for its length, detection or walk failed, or judged the replacement.)
#[cfg(unix)]
#[test]
fn a_whole_run_reads_the_image_it_opened_not_its_path_again() {
    let mut image = image_of(&["stre_bs512_max64_w23", "worm_bs512_n37", "cmvt_bs512_three"]);
    // More than one chunk, a corrupt block in the middle and trailing bytes.
    while image.len() < 3 << 20 {
        image.extend_from_within(..image.len().min(1 << 20));
    }
    image[(1 << 20) + 700] ^= 1;
    image.extend_from_slice(&[7; 100]);
    for block_size in [None, Some(512)] {
        let (report, _) = inspected_from_its_handle_alone(&image, block_size);
        assert_eq!(report["block_size"], 512);
        assert_eq!(report["corrupt_blocks"], 1);
        assert_eq!(report["trailing_bytes"], 100);
    }
}

/// A DWVD v2.0 volume with this crate's stored regions (`dwvd demo`'s): the container
/// read, each stored region recovered and the checkpoint checked, all from the one
/// handle, though the path was unlinked or replaced after it was opened. (Stored regions
/// were read by opening the path again: the run failed, or recovered the replacement.)
#[cfg(unix)]
#[test]
fn a_volume_opened_before_its_path_went_has_its_stored_regions_read_from_its_handle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.dwvd");
    let output = dwvd().arg("demo").arg(&path).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let (report, text) = inspected_from_its_handle_alone(&std::fs::read(&path).unwrap(), None);
    assert_eq!(report["container"]["block_size"], 4096);
    let statuses: Vec<_> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|region| (region["kind"].clone(), region["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [("STRE", "ok"), ("WORM", "ok"), ("CMVT", "ok")]
            .map(|(kind, status)| (Value::from(kind), Value::from(status)))
    );
    assert_eq!(
        text.matches("stored region: checkpoint in copy").count(),
        3,
        "{text}"
    );
    assert_eq!(
        report["regions"][1]["summary"]["checkpoints"][0]["status"],
        "consistent"
    );
}

/// Two WORM logs whose records together are over the inspector's budget for logs kept
/// (32 MiB), then a vault holding a checkpoint of the second: its log is read again
/// after the walk for the cross-check — from the handle, though the path was unlinked or
/// replaced after it was opened. (It was read by opening the path again: an I/O error
/// made the log a problem, or the replacement was checked.)
#[cfg(unix)]
#[test]
fn a_worm_log_read_again_for_its_checkpoint_is_read_from_the_handle() {
    use dwvd_regions::transparency::{Checkpoint, worm_region_id};
    use dwvd_regions::worm::{LoggedWrite, WormSummary, emit_parts, region_len};

    let size = dwvd_regions::BlockSize::new(4096).unwrap();
    let records = 330_000u64;
    let key = p256::ecdsa::SigningKey::from_slice(&[0x5E; 32]).unwrap();
    let mut image = Vec::new();
    let mut second = None;
    for created in [639_000_000_000_000_000i64, 639_000_000_100_000_000] {
        let log: Vec<LoggedWrite> = (0..records)
            .map(|index| LoggedWrite {
                block_index: index,
                timestamp: dwvd_regions::Ticks::new(created + index as i64),
                data_length: 10,
                content_sha256: [index as u8; 32],
            })
            .collect();
        let summary = WormSummary {
            high_water_mark: records as i64,
            total_capacity_blocks: records as i64,
            retention_period_ticks: 0,
            created_utc_ticks: created,
            generation: 1,
            write_log: log,
        };
        let mut region = vec![0u8; region_len(size, records).unwrap()];
        emit_parts(size, &summary.header(), &summary.write_log, 1, &mut region).unwrap();
        image.extend_from_slice(&region);
        second = Some(summary);
    }
    let second = second.unwrap();
    let checkpoint = Checkpoint::of_log(
        &second.write_log[..],
        40,
        dwvd_regions::Ticks::new(639_000_000_400_000_000),
    )
    .unwrap()
    .to_passport(worm_region_id(&second.header()), &key)
    .unwrap();
    let passports = [checkpoint];
    let mut vault = vec![0u8; dwvd_regions::vault::blocks_needed(size, &passports) * 4096];
    dwvd_regions::vault::emit_parts(size, &passports, 1, &mut vault).unwrap();
    image.extend_from_slice(&vault);
    assert!(2 * records as usize * dwvd_regions::worm::RECORD_LEN > 32 << 20);

    let (report, _) = inspected_from_its_handle_alone(&image, Some(4096));
    assert_eq!(report["clean"], true, "{}", report["regions"]);
    let worm = &report["regions"][1];
    assert_eq!(worm["kind"], "WORM");
    assert_eq!(worm["summary"]["checkpoints"][0]["status"], "consistent");
    assert_eq!(worm["summary"]["checkpoints"][0]["tree_size"], 40);
}
