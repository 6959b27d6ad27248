//! `dwvd parse` and `dwvd build` over every golden case: parse prints exactly the case's
//! `expect` (compared as JSON values), error cases print their category and exit 1, and
//! build of every `expect` reproduces the `.bin` byte for byte.
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

fn parse_output(case: &common::Case, with_key: bool) -> (Value, i32) {
    let mut command = dwvd();
    command
        .args(["parse", case.kind()])
        .arg(&case.bin)
        .args(["--block-size", &case.block_size()]);
    if with_key {
        command.args([
            "--public-key",
            case.meta["public_key_sec1"].as_str().unwrap(),
        ]);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("{}: {error}: {stdout:?}", case.name));
    (value, output.status.code().unwrap())
}

#[test]
fn parse_prints_each_expect_exactly() {
    let mut checked = 0;
    for case in cases() {
        let is_vault = case.kind() == "cmvt";
        let (value, status) = parse_output(
            &case,
            is_vault && case.meta.get("public_key_sec1").is_some(),
        );
        if let Some(category) = case.meta.get("expect_error").and_then(Value::as_str) {
            assert_eq!(status, 1, "{}", case.name);
            assert_eq!(value["error"], category, "{}", case.name);
            assert!(
                value["message"]
                    .as_str()
                    .is_some_and(|message| !message.is_empty())
            );
            assert_eq!(
                value.as_object().unwrap().len(),
                2,
                "only error and message"
            );
        } else {
            assert_eq!(status, 0, "{}", case.name);
            assert_eq!(value, case.meta["expect"], "{}", case.name);
        }
        checked += 1;
    }
    assert_eq!(checked, 28);
}

#[test]
fn without_a_key_passports_have_no_signature_valid() {
    for case in cases().iter().filter(|case| {
        case.kind() == "cmvt" && case.meta.get("expect").is_some_and(|e| !e.is_null())
    }) {
        let (value, status) = parse_output(case, false);
        assert_eq!(status, 0);
        let mut expect = case.meta["expect"].clone();
        for passport in expect["passports"].as_array_mut().unwrap() {
            passport.as_object_mut().unwrap().remove("signature_valid");
        }
        assert_eq!(value, expect, "{}", case.name);
    }
}

#[test]
fn build_reproduces_every_golden_image() {
    let dir = tempfile::tempdir().unwrap();
    let mut built = 0;
    for case in cases() {
        let Some(expect) = case.meta.get("expect").filter(|expect| !expect.is_null()) else {
            continue;
        };
        let description = dir.path().join(format!("{}.json", case.name));
        std::fs::write(&description, serde_json::to_vec_pretty(expect).unwrap()).unwrap();
        let output = dir.path().join(format!("{}.bin", case.name));
        dwvd()
            .args(["build", case.kind()])
            .arg(&description)
            .args(["--block-size", &case.block_size(), "-o"])
            .arg(&output)
            .assert()
            .success();
        assert_eq!(
            std::fs::read(&output).unwrap(),
            case.image(),
            "{}",
            case.name
        );
        built += 1;
    }
    assert_eq!(built, 22);
}

#[test]
fn build_signs_passports_without_a_signature_when_given_a_key() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "cmvt_bs512_three")
        .unwrap();
    let mut description = case.meta["expect"].clone();
    for passport in description["passports"].as_array_mut().unwrap() {
        let passport = passport.as_object_mut().unwrap();
        passport.remove("signature");
        passport.remove("signature_valid");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unsigned.json");
    std::fs::write(&path, description.to_string()).unwrap();
    let image = dir.path().join("signed.bin");
    // Without a key: an error, and nothing written.
    dwvd()
        .args(["build", "cmvt"])
        .arg(&path)
        .args(["--block-size", "512", "-o"])
        .arg(&image)
        .assert()
        .code(2);
    assert!(!image.exists());
    // With one: deterministic signatures that verify with its public key.
    let secret = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
    for attempt in 0..2 {
        dwvd()
            .args(["build", "cmvt"])
            .arg(&path)
            .args(["--block-size", "512", "--signing-key", secret, "-o"])
            .arg(dir.path().join(format!("signed{attempt}.bin")))
            .assert()
            .success();
    }
    let first = std::fs::read(dir.path().join("signed0.bin")).unwrap();
    assert_eq!(
        first,
        std::fs::read(dir.path().join("signed1.bin")).unwrap(),
        "deterministic"
    );
    // RFC 6979 A.2.5's P-256 key: its public key, uncompressed.
    let public = "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
    let output = dwvd()
        .args(["parse", "cmvt"])
        .arg(dir.path().join("signed0.bin"))
        .args(["--block-size", "512", "--public-key", public])
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let passports = value["passports"].as_array().unwrap();
    assert_eq!(passports.len(), 3);
    assert!(
        passports
            .iter()
            .all(|passport| passport["signature_valid"] == true)
    );
}

#[test]
fn usage_and_format_errors_have_their_exit_codes() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "stre_bs512_max64_w23")
        .unwrap();
    // Missing file, bad arguments: 2, message on stderr, nothing on stdout.
    dwvd()
        .args(["parse", "stre", "/no/such/file", "--block-size", "512"])
        .assert()
        .code(2)
        .stdout("");
    dwvd()
        .args(["parse", "nope"])
        .arg(&case.bin)
        .args(["--block-size", "512"])
        .assert()
        .code(2);
    dwvd()
        .args(["parse", "stre"])
        .arg(&case.bin)
        .assert()
        .code(2);
    dwvd()
        .args(["parse", "cmvt"])
        .arg(&case.bin)
        .args(["--block-size", "512", "--public-key", "zz"])
        .assert()
        .code(2);
    // A block size outside 512..=65536 is a usage error (2); parse's JSON output still
    // carries its error object.
    let output = dwvd()
        .args(["parse", "stre"])
        .arg(&case.bin)
        .args(["--block-size", "100"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["error"], "invalid_block_size");
    // Format errors: 1 with a JSON error.
    let output = dwvd()
        .args(["parse", "worm"])
        .arg(&case.bin)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["error"], "wrong_tag");
    // --offset and --blocks pick a region out of a larger file.
    let dir = tempfile::tempdir().unwrap();
    let mut image = vec![0xEEu8; 1000];
    image.extend(case.image());
    image.extend([0xEEu8; 512]);
    let path = dir.path().join("embedded.img");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd()
        .args(["parse", "stre"])
        .arg(&path)
        .args(["--block-size", "512", "--offset", "1000", "--blocks", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value, case.meta["expect"]);
}

#[test]
fn human_format_shows_the_same_content_as_tables() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "worm_bs512_n9")
        .unwrap();
    let output = dwvd()
        .args(["parse", "worm"])
        .arg(&case.bin)
        .args(["--block-size", "512", "--format", "human"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for record in case.meta["expect"]["write_log"].as_array().unwrap() {
        assert!(
            text.contains(record["content_sha256"].as_str().unwrap()),
            "{text}"
        );
    }
    assert!(
        text.contains("high_water_mark") && text.contains("| 9"),
        "{text}"
    );
}

/// Writes `image` to a file and opens it; then, before anything is read, either removes
/// the path or renames 64 KiB of 0xFF (no block of any kind) over it. Returns the
/// handle and the path (kept alive by the returned directory).
#[cfg(unix)]
fn opened_then_replaced(
    image: &[u8],
    replaced: bool,
) -> (dwvd::image::Opened, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.bin");
    std::fs::write(&path, image).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    if replaced {
        let other = dir.path().join("other.bin");
        std::fs::write(&other, vec![0xFF; 65_536]).unwrap();
        std::fs::rename(&other, &path).unwrap();
    } else {
        std::fs::remove_file(&path).unwrap();
    }
    (dwvd::image::Opened::File(file), path, dir)
}

/// `parse` reads only the handle it opened: a golden image whose path is removed, or
/// renamed over by another file, after it was opened still parses to its `expect` —
/// including a WORM region sized from its header (no `--blocks`), whose header, length
/// and blocks are all read through that handle. (Opening the path again for any of them
/// reads the other file, or nothing.)
#[cfg(unix)]
#[test]
fn parse_reads_only_the_handle_it_opened() {
    let mut checked = 0;
    for case in cases() {
        let Some(expect) = case.meta.get("expect").filter(|expect| !expect.is_null()) else {
            continue;
        };
        let kind = match case.kind() {
            "stre" => dwvd::Kind::Stre,
            "worm" => dwvd::Kind::Worm,
            "cmvt" => dwvd::Kind::Cmvt,
            other => panic!("{}: kind {other}", case.name),
        };
        let block_size =
            dwvd_regions::BlockSize::new(case.meta["block_size"].as_u64().unwrap() as usize)
                .unwrap();
        let key = case
            .meta
            .get("public_key_sec1")
            .and_then(Value::as_str)
            .map(|text| dwvd::image::public_key(text).unwrap());
        for replaced in [false, true] {
            let (opened, path, _dir) = opened_then_replaced(&case.image(), replaced);
            let place = dwvd::schema::RegionPlace {
                image: &opened,
                name: &path,
                offset: 0,
                blocks: None,
            };
            let parsed = dwvd::schema::parse_opened(kind, place, block_size, key.as_ref())
                .unwrap_or_else(|failure| {
                    panic!("{} (replaced: {replaced}): {failure:?}", case.name)
                });
            let value: Value = serde_json::from_str(&parsed.to_json()).unwrap();
            assert_eq!(&value, expect, "{} (replaced: {replaced})", case.name);
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} parses");
}

/// A golden region followed by blank blocks (all 0x00, then all 0xFF: a larger extent
/// never written, or erased flash) parses to its `expect`, as SPEC §8 reads a region in
/// an extent: it occupies the blocks its own header needs, and a blank block is never
/// corruption. A written block after a vault is still checked as the vault's: an error.
#[test]
fn a_region_followed_by_blank_blocks_parses_to_its_expect() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for case in cases() {
        let Some(expect) = case.meta.get("expect").filter(|expect| !expect.is_null()) else {
            continue;
        };
        let size = case.meta["block_size"].as_u64().unwrap() as usize;
        let mut image = case.image();
        image.extend(std::iter::repeat_n(0x00, 2 * size));
        image.extend(std::iter::repeat_n(0xFF, size));
        let path = dir.path().join(format!("{}.bin", case.name));
        std::fs::write(&path, &image).unwrap();
        let output = dwvd()
            .args(["parse", case.kind()])
            .arg(&path)
            .args(["--block-size", &case.block_size()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}: {output:?}", case.name);
        let mut value: Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut expect = expect.clone();
        if case.kind() == "cmvt" {
            // Without a key, no passport says whether its signature is valid.
            for passports in [&mut value, &mut expect] {
                for passport in passports["passports"].as_array_mut().unwrap() {
                    passport.as_object_mut().unwrap().remove("signature_valid");
                }
            }
            // A written (non-blank) block after the vault is checked as the vault's.
            let last = image.len() - size;
            image[last] = 0x01;
            std::fs::write(&path, &image).unwrap();
            let status = dwvd()
                .args(["parse", "cmvt"])
                .arg(&path)
                .args(["--block-size", &case.block_size()])
                .output()
                .unwrap()
                .status;
            assert_eq!(status.code(), Some(1), "{}", case.name);
        }
        assert_eq!(value, expect, "{}", case.name);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases");
}

/// SPEC §1: a blank block (all 0x00, never written; all 0xFF, erased NOR flash) is not
/// corruption. `parse` of a region that is blank, or whose later block is, still fails
/// with the kind the golden vectors use for a block without a valid checksum
/// (`checksum_mismatch`, exit 1), but its message says the block is blank, not corrupt;
/// a block with one bit changed is still called corrupt.
#[test]
fn parse_calls_a_blank_block_blank_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let run = |kind: &str, image: &[u8], block_size: &str| -> (Value, i32) {
        let path = dir.path().join("region.img");
        std::fs::write(&path, image).unwrap();
        let output = dwvd()
            .args(["parse", kind])
            .arg(&path)
            .args(["--block-size", block_size])
            .output()
            .unwrap();
        let value = serde_json::from_slice(&output.stdout).unwrap();
        (value, output.status.code().unwrap())
    };
    for (fill, what) in [
        (0x00u8, "all 0x00: never written"),
        (0xFF, "all 0xFF: erased flash"),
    ] {
        for kind in ["stre", "worm", "cmvt"] {
            let (value, code) = run(kind, &[fill; 1024], "512");
            assert_eq!(code, 1, "{kind} {fill:#x}: {value}");
            assert_eq!(value["error"], "checksum_mismatch", "{kind} {fill:#x}");
            let message = value["message"].as_str().unwrap();
            assert!(
                message.starts_with("block 0: blank (") && message.contains(what),
                "{kind} {fill:#x}: {message}"
            );
            assert!(!message.contains("corrupt"), "{message}");
        }
    }
    // A multi-block region whose second block was never written (a torn copy), and the
    // same block with one bit changed instead.
    let case = cases()
        .into_iter()
        .find(|case| case.name == "cmvt_bs512_three")
        .unwrap();
    let image = case.image();
    assert!(image.len() >= 3 * 512, "the case has at least three blocks");
    let mut blank = image.clone();
    blank[512..1024].fill(0);
    let (value, code) = run("cmvt", &blank, "512");
    assert_eq!(
        (code, value["error"].as_str()),
        (1, Some("checksum_mismatch"))
    );
    let message = value["message"].as_str().unwrap();
    assert!(message.starts_with("block 1: blank (all 0x00"), "{message}");
    let mut flipped = image.clone();
    flipped[600] ^= 0x01;
    let (value, code) = run("cmvt", &flipped, "512");
    assert_eq!(
        (code, value["error"].as_str()),
        (1, Some("checksum_mismatch"))
    );
    let message = value["message"].as_str().unwrap();
    assert!(
        message.starts_with("block 1: checksum mismatch") && message.contains("corrupt"),
        "{message}"
    );
}
