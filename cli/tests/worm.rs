//! `dwvd worm` (roots, inclusion and consistency proofs, signed checkpoints) and
//! `inspect`'s cross-check of WORM logs against checkpoints, on logs built with
//! `dwvd build worm`. Roots are checked against RFC 6962 computed here with `sha2` from
//! the record bytes, not with the core's tree.
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

use std::path::{Path, PathBuf};

use common::dwvd;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BLOCK: &str = "512";
/// The demo's signing key (also in scripts/checkpoint-demo).
const SIGNING_KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";
const TICKS: &str = "639000000400000000";

/// A WORM description of `n` records (record i logs block i).
fn log(n: usize) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|index| {
            json!({
                "block_index": index,
                "timestamp_utc_ticks": 639_000_000_000_000_000i64 + index as i64 * 10_000_000,
                "data_length": 10 + index,
                "content_sha256": hex(&Sha256::digest(format!("entry {index}"))),
            })
        })
        .collect();
    json!({
        "high_water_mark": n,
        "total_capacity_blocks": 1000,
        "retention_period_ticks": 0,
        "created_utc_ticks": 639_000_000_000_000_000i64,
        "generation": 1,
        "write_log": records,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The 52 bytes of record `index` of a description, as stored (SPEC §3).
fn record_bytes(description: &Value, index: usize) -> Vec<u8> {
    let record = &description["write_log"][index];
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&record["block_index"].as_i64().unwrap().to_le_bytes());
    bytes.extend_from_slice(
        &record["timestamp_utc_ticks"]
            .as_i64()
            .unwrap()
            .to_le_bytes(),
    );
    bytes.extend_from_slice(&(record["data_length"].as_i64().unwrap() as i32).to_le_bytes());
    let sha = record["content_sha256"].as_str().unwrap();
    bytes.extend(
        (0..64)
            .step_by(2)
            .map(|at| u8::from_str_radix(&sha[at..at + 2], 16).unwrap()),
    );
    assert_eq!(bytes.len(), 52);
    bytes
}

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// RFC 6962 MTH over the first `n` records.
fn mth(description: &Value, start: usize, end: usize) -> [u8; 32] {
    match end - start {
        0 => sha(&[]),
        1 => sha(&[&[0], &record_bytes(description, start)]),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            sha(&[
                &[1],
                &mth(description, start, start + k),
                &mth(description, start + k, end),
            ])
        }
    }
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn write_json(&self, name: &str, value: &Value) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path
    }
    /// `dwvd build KIND` of `description` into `name`.
    fn build(&self, kind: &str, name: &str, description: &Value) -> PathBuf {
        let input = self.write_json(&format!("{name}.json"), description);
        let output = self.path(name);
        dwvd()
            .args(["build", kind])
            .arg(&input)
            .args(["--block-size", BLOCK, "-o"])
            .arg(&output)
            .assert()
            .success();
        output
    }
    fn concat(&self, name: &str, parts: &[&Path]) -> PathBuf {
        let bytes: Vec<u8> = parts
            .iter()
            .flat_map(|part| std::fs::read(part).unwrap())
            .collect();
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// Runs `dwvd worm ARGS IMAGE --block-size 512` and parses its JSON.
fn worm_json(command: &str, image: &Path, extra: &[&str]) -> Value {
    let output = dwvd()
        .args(["worm", command])
        .arg(image)
        .args(["--block-size", BLOCK])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `dwvd worm verify-proof` of `proof` (written to a file): exit status and stdout.
fn verify(dir: &Dir, proof: &Value, extra: &[&str]) -> (i32, String) {
    let path = dir.write_json("proof.json", proof);
    let output = dwvd()
        .args(["worm", "verify-proof"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap(), stdout)
}

fn public_key() -> String {
    let bytes: Vec<u8> = (0..32).map(|_| 7u8).collect();
    let key = p256::ecdsa::SigningKey::from_slice(&bytes).unwrap();
    hex(key.verifying_key().to_encoded_point(false).as_bytes())
}

fn other_public_key() -> String {
    let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    hex(key.verifying_key().to_encoded_point(false).as_bytes())
}

#[test]
fn roots_are_rfc_6962_over_the_stored_records() {
    let dir = Dir::new();
    for n in [0, 1, 2, 3, 5, 8, 13, 40] {
        let description = log(n);
        let image = dir.build("worm", &format!("w{n}.img"), &description);
        let whole = worm_json("root", &image, &[]);
        assert_eq!(whole["records"], n);
        assert_eq!(whole["tree_size"], n);
        assert_eq!(whole["root"], hex(&mth(&description, 0, n)), "n = {n}");
        if n > 2 {
            let part = worm_json("root", &image, &["--tree-size", "3"]);
            assert_eq!(part["root"], hex(&mth(&description, 0, 3)));
        }
    }
}

#[test]
fn inclusion_proofs_round_trip() {
    let dir = Dir::new();
    let description = log(40);
    let image = dir.build("worm", "w40.img", &description);
    for (index, size) in [
        (0, 40),
        (7, 40),
        (31, 40),
        (32, 40),
        (39, 40),
        (0, 1),
        (5, 6),
        (12, 13),
        (16, 17),
    ] {
        let index_text = index.to_string();
        let size_text = size.to_string();
        let mut args = vec!["--record", &index_text];
        if size != 40 {
            args.extend(["--tree-size", &size_text]);
        }
        let proof = worm_json("prove", &image, &args);
        assert_eq!(proof["tree_size"], size);
        assert_eq!(proof["leaf_index"], index);
        let record = record_bytes(&description, index);
        assert_eq!(proof["record"], hex(&record));
        assert_eq!(proof["leaf_hash"], hex(&sha(&[&[0], &record])));
        assert_eq!(proof["root"], hex(&mth(&description, 0, size)));
        let (status, verdict) = verify(&dir, &proof, &[]);
        assert_eq!(status, 0, "{index}/{size}: {verdict}");
        assert!(verdict.starts_with("valid: "), "{verdict}");
        // The record alone, or the leaf hash alone, is enough.
        let mut without_record = proof.clone();
        without_record.as_object_mut().unwrap().remove("record");
        assert_eq!(verify(&dir, &without_record, &[]).0, 0);
        let mut without_leaf = proof.clone();
        without_leaf.as_object_mut().unwrap().remove("leaf_hash");
        assert_eq!(verify(&dir, &without_leaf, &[]).0, 0);
    }
    // From standard input, too.
    let proof = worm_json("prove", &image, &["--record", "9"]);
    dwvd()
        .args(["worm", "verify-proof", "-"])
        .write_stdin(proof.to_string())
        .assert()
        .success()
        .stdout(predicates::str::starts_with(
            "valid: record 9 is in the tree with root ",
        ))
        .stdout(predicates::str::contains(
            "tree size 40 as the proof states",
        ));
}

#[test]
fn tampered_inclusion_proofs_are_rejected() {
    let dir = Dir::new();
    let description = log(40);
    let image = dir.build("worm", "w40.img", &description);
    let proof = worm_json("prove", &image, &["--record", "7"]);
    let flip = |text: &str| {
        let mut chars: Vec<char> = text.chars().collect();
        chars[10] = if chars[10] == '0' { '1' } else { '0' };
        chars.into_iter().collect::<String>()
    };
    let mut tampered = Vec::new();
    let mut hash = proof.clone();
    hash["inclusion"][2] = flip(hash["inclusion"][2].as_str().unwrap()).into();
    tampered.push(("a path hash", hash));
    let mut index = proof.clone();
    index["leaf_index"] = 6.into();
    tampered.push(("the index", index));
    let mut root = proof.clone();
    root["root"] = flip(root["root"].as_str().unwrap()).into();
    tampered.push(("the root", root));
    let mut record = proof.clone();
    record["record"] = flip(record["record"].as_str().unwrap()).into();
    tampered.push(("the record", record));
    let mut both = proof.clone();
    both["record"] = flip(both["record"].as_str().unwrap()).into();
    both.as_object_mut().unwrap().remove("leaf_hash");
    tampered.push(("the record without its leaf hash", both));
    let mut short = proof.clone();
    short["inclusion"].as_array_mut().unwrap().pop();
    tampered.push(("a missing hash", short));
    let mut long = proof.clone();
    long["inclusion"]
        .as_array_mut()
        .unwrap()
        .push(proof["root"].clone());
    tampered.push(("an extra hash", long));
    for (what, proof) in tampered {
        let (status, verdict) = verify(&dir, &proof, &[]);
        assert_eq!(status, 1, "{what}: {verdict}");
        assert!(verdict.starts_with("INVALID: "), "{what}: {verdict}");
    }
    // A trusted root replaces the proof's: the right one verifies, another does not.
    let right = hex(&mth(&description, 0, 40));
    assert_eq!(verify(&dir, &proof, &["--root", &right]).0, 0);
    let wrong = hex(&mth(&description, 0, 39));
    let (status, verdict) = verify(&dir, &proof, &["--root", &wrong]);
    assert_eq!(status, 1);
    assert!(
        verdict.contains("does not lead to the expected root"),
        "{verdict}"
    );
    // Not a proof, or not hex: usage errors.
    assert_eq!(verify(&dir, &json!({"tree_size": 1}), &[]).0, 2);
    let mut not_hex = proof.clone();
    not_hex["root"] = "zz".into();
    assert_eq!(verify(&dir, &not_hex, &[]).0, 2);
    assert_eq!(verify(&dir, &proof, &["--root", "abc"]).0, 2);
    assert_eq!(verify(&dir, &proof, &["--first-root", &right]).0, 2);
}

#[test]
fn consistency_proofs_round_trip() {
    let dir = Dir::new();
    let description = log(40);
    let image = dir.build("worm", "w40.img", &description);
    for (first, second) in [
        (1, 40),
        (13, 37),
        (16, 40),
        (32, 40),
        (39, 40),
        (40, 40),
        (0, 40),
        (3, 7),
    ] {
        let first_text = first.to_string();
        let second_text = second.to_string();
        let proof = worm_json(
            "prove",
            &image,
            &["--from", &first_text, "--tree-size", &second_text],
        );
        assert_eq!(proof["first_size"], first);
        assert_eq!(proof["second_size"], second);
        assert_eq!(proof["first_root"], hex(&mth(&description, 0, first)));
        assert_eq!(proof["second_root"], hex(&mth(&description, 0, second)));
        let (status, verdict) = verify(&dir, &proof, &[]);
        assert_eq!(status, 0, "{first}→{second}: {verdict}");
        assert!(verdict.starts_with("valid: the tree of"), "{verdict}");
    }
    // The older root of a rewritten log is not a prefix of this one.
    let proof = worm_json("prove", &image, &["--consistency-from", "13"]);
    let mut rewritten = description.clone();
    rewritten["write_log"][5]["data_length"] = 99.into();
    let other_root = hex(&mth(&rewritten, 0, 13));
    let (status, verdict) = verify(&dir, &proof, &["--first-root", &other_root]);
    assert_eq!(status, 1, "{verdict}");
    let mut hash = proof.clone();
    hash["consistency"][0] = proof["second_root"].clone();
    assert_eq!(verify(&dir, &hash, &[]).0, 1);
    let mut sizes = proof.clone();
    sizes["first_size"] = 12.into();
    assert_eq!(verify(&dir, &sizes, &[]).0, 1);
    // Usage: neither or both of --record and --from; a size past the log.
    dwvd()
        .args(["worm", "prove"])
        .arg(&image)
        .args(["--block-size", BLOCK])
        .assert()
        .code(2);
    dwvd()
        .args(["worm", "prove"])
        .arg(&image)
        .args(["--block-size", BLOCK, "--record", "1", "--from", "2"])
        .assert()
        .code(2);
    dwvd()
        .args(["worm", "prove"])
        .arg(&image)
        .args(["--block-size", BLOCK, "--record", "1", "--tree-size", "41"])
        .assert()
        .code(2);
}

/// `dwvd worm checkpoint` of `image`: the vault description.
fn checkpoint(image: &Path, extra: &[&str]) -> Value {
    worm_json(
        "checkpoint",
        image,
        &[&["--signing-key", SIGNING_KEY, "--ticks", TICKS], extra].concat(),
    )
}

fn inspect(image: &Path, extra: &[&str]) -> (Value, String, i32) {
    let json_output = dwvd()
        .arg("inspect")
        .arg(image)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    let text_output = dwvd()
        .arg("inspect")
        .arg(image)
        .args(extra)
        .output()
        .unwrap();
    let status = json_output.status.code().unwrap();
    assert_eq!(text_output.status.code().unwrap(), status);
    (
        serde_json::from_slice(&json_output.stdout).unwrap(),
        String::from_utf8(text_output.stdout).unwrap(),
        status,
    )
}

fn worm_region(report: &Value) -> &Value {
    report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|region| region["kind"] == "WORM")
        .unwrap()
}

#[test]
fn a_checkpoint_pins_the_log_for_inspect() {
    let dir = Dir::new();
    let description = log(40);
    let image = dir.build("worm", "w40.img", &description);
    let vault_description = checkpoint(&image, &[]);
    let passport = &vault_description["passports"][0];
    let root = hex(&mth(&description, 0, 40));
    assert_eq!(
        passport["notes"],
        format!("dwvd-checkpoint/1 size=40 root={root}")
    );
    assert_eq!(passport["framework_id"], 256);
    assert_eq!(passport["issued_utc_ticks"], 639_000_000_400_000_000i64);
    assert_eq!(
        passport["object_id"],
        worm_json("root", &image, &[])["object_id"]
    );
    assert_eq!(passport["signature"].as_str().unwrap().len(), 128);
    // Built as it is: the signature is kept, and verifies.
    let vault = dir.build("cmvt", "vault.img", &vault_description);
    let key = public_key();
    dwvd()
        .args(["parse", "cmvt"])
        .arg(&vault)
        .args(["--block-size", BLOCK, "--public-key", &key])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"signature_valid\":true"));

    // Clean: the log is what the checkpoint pinned.
    let combined = dir.concat("combined.img", &[&image, &vault]);
    let (report, text, status) = inspect(&combined, &["--public-key", &key]);
    assert_eq!(status, 0, "{text}");
    let checks = &worm_region(&report)["summary"]["checkpoints"];
    assert_eq!(checks.as_array().unwrap().len(), 1);
    assert_eq!(checks[0]["status"], "consistent");
    assert_eq!(checks[0]["signature"], "valid");
    assert_eq!(checks[0]["tree_size"], 40);
    assert_eq!(checks[0]["root"], root);
    assert!(
        text.contains(
            "consistent — the first 40 of the log's 40 records hash to its root; signature valid"
        ),
        "{text}"
    );
    // The vault may come first.
    let reversed = dir.concat("reversed.img", &[&vault, &image]);
    let (report, _, status) = inspect(&reversed, &["--public-key", &key]);
    assert_eq!(status, 0);
    assert_eq!(
        worm_region(&report)["summary"]["checkpoints"][0]["status"],
        "consistent"
    );
    // Without a key: checked against the log, signature not checked.
    let (report, text, status) = inspect(&combined, &[]);
    assert_eq!(status, 0);
    assert_eq!(
        worm_region(&report)["summary"]["checkpoints"][0]["signature"],
        "not checked"
    );
    assert!(text.contains("signature not checked"), "{text}");

    // Appended: still consistent.
    let longer = dir.build("worm", "w52.img", &log(52));
    let appended = dir.concat("appended.img", &[&longer, &vault]);
    let (report, text, status) = inspect(&appended, &["--public-key", &key]);
    assert_eq!(status, 0, "{text}");
    assert_eq!(
        worm_region(&report)["summary"]["checkpoints"][0]["status"],
        "consistent"
    );
    assert!(
        text.contains("the first 40 of the log's 52 records hash to its root"),
        "{text}"
    );

    // Truncated: fewer records than the checkpoint pinned.
    let mut shorter = log(40);
    shorter["write_log"].as_array_mut().unwrap().truncate(30);
    shorter["high_water_mark"] = 30.into();
    let shorter = dir.build("worm", "w30.img", &shorter);
    let truncated = dir.concat("truncated.img", &[&shorter, &vault]);
    let (report, text, status) = inspect(&truncated, &["--public-key", &key]);
    assert_eq!(status, 1, "{text}");
    let region = worm_region(&report);
    assert_eq!(region["status"], "truncated_below_checkpoint");
    assert_eq!(region["summary"]["checkpoints"][0]["status"], "truncated");
    assert_eq!(region["summary"]["checkpoints"][0]["log_records"], 30);
    assert_eq!(report["region_problems"], 1);
    assert!(
        text.contains("TRUNCATED — the log holds 30 records, fewer than the 40"),
        "{text}"
    );

    // Rewritten: one record changed, rebuilt with the same count.
    let mut changed = log(40);
    changed["write_log"][5]["data_length"] = 99.into();
    let changed_root = hex(&mth(&changed, 0, 40));
    let changed = dir.build("worm", "w40r.img", &changed);
    let rewritten = dir.concat("rewritten.img", &[&changed, &vault]);
    let (report, text, status) = inspect(&rewritten, &["--public-key", &key]);
    assert_eq!(status, 1, "{text}");
    let region = worm_region(&report);
    assert_eq!(region["status"], "rewritten_since_checkpoint");
    assert_eq!(region["summary"]["checkpoints"][0]["status"], "rewritten");
    assert_eq!(
        region["summary"]["checkpoints"][0]["log_root"],
        changed_root
    );
    assert!(text.contains("REWRITTEN"), "{text}");

    // Another key: the checkpoint's signature fails, which is a problem.
    let (report, text, status) = inspect(&combined, &["--public-key", &other_public_key()]);
    assert_eq!(status, 1, "{text}");
    let region = worm_region(&report);
    assert_eq!(region["status"], "checkpoint_signature_invalid");
    assert_eq!(
        region["summary"]["checkpoints"][0]["status"],
        "signature_invalid"
    );
    assert_eq!(region["summary"]["checkpoints"][0]["signature"], "invalid");
    assert!(text.contains("signature INVALID"), "{text}");

    // Without a key, a truncation or rewrite is still a problem, its signature unchecked.
    for (image, problem) in [
        (&truncated, "truncated_below_checkpoint"),
        (&rewritten, "rewritten_since_checkpoint"),
    ] {
        let (report, text, status) = inspect(image, &[]);
        assert_eq!(status, 1, "{text}");
        assert_eq!(worm_region(&report)["status"], problem);
        assert_eq!(
            worm_region(&report)["summary"]["checkpoints"][0]["signature"],
            "not checked"
        );
        assert!(text.contains("signature not checked"), "{text}");
    }
}

#[test]
fn a_forged_checkpoint_says_nothing_about_the_log() {
    let dir = Dir::new();
    let image = dir.build("worm", "w40.img", &log(40));
    let vault = dir.build("cmvt", "vault.img", &checkpoint(&image, &[]));
    let other_key = other_public_key();
    // Truncated and rewritten logs: under another key the checkpoint is only a bad
    // signature, not evidence about the log.
    let mut shorter = log(40);
    shorter["write_log"].as_array_mut().unwrap().truncate(30);
    shorter["high_water_mark"] = 30.into();
    let shorter = dir.build("worm", "w30.img", &shorter);
    let mut changed = log(40);
    changed["write_log"][5]["data_length"] = 99.into();
    let changed = dir.build("worm", "w40r.img", &changed);
    for log_image in [&shorter, &changed] {
        let disk = dir.concat("disk.img", &[log_image, &vault]);
        let (report, text, status) = inspect(&disk, &["--public-key", &other_key]);
        assert_eq!(status, 1, "{text}");
        let region = worm_region(&report);
        assert_eq!(region["status"], "checkpoint_signature_invalid");
        let check = &region["summary"]["checkpoints"][0];
        assert_eq!(check["status"], "signature_invalid");
        assert!(check.get("log_records").is_none());
        assert!(check.get("log_root").is_none());
        assert!(!text.contains("TRUNCATED"), "{text}");
        assert!(!text.contains("REWRITTEN"), "{text}");
        assert_eq!(report["region_problems"], 1);
    }
}

#[test]
fn a_checkpoint_whose_region_is_gone_is_a_problem_with_a_key() {
    let dir = Dir::new();
    let image = dir.build("worm", "w40.img", &log(40));
    let vault = dir.build("cmvt", "vault.img", &checkpoint(&image, &[]));
    let key = public_key();
    // The log cut to 30 records and re-sealed with another creation time (its id changes,
    // so the checkpoint names no region of the image any more).
    let mut moved = log(40);
    moved["write_log"].as_array_mut().unwrap().truncate(30);
    moved["high_water_mark"] = 30.into();
    moved["created_utc_ticks"] = 639_000_000_000_000_001i64.into();
    let moved = dir.build("worm", "moved.img", &moved);
    let disk = dir.concat("disk.img", &[&moved, &vault]);
    let (report, text, status) = inspect(&disk, &["--public-key", &key]);
    assert_eq!(status, 1, "{text}");
    assert_eq!(report["clean"], false);
    assert_eq!(report["unmatched_checkpoint_problems"], 1);
    let unmatched = &report["unmatched_checkpoints"][0];
    assert_eq!(unmatched["problem"], true);
    assert_eq!(unmatched["signature"], "valid");
    assert_eq!(unmatched["tree_size"], 40);
    assert!(
        text.contains("matches no WORM region in this image"),
        "{text}"
    );
    assert!(text.contains("CORRUPTION FOUND"), "{text}");
    // The vault alone, too.
    let (report, text, status) = inspect(&vault, &["--public-key", &key]);
    assert_eq!(status, 1, "{text}");
    assert_eq!(report["unmatched_checkpoints"][0]["problem"], true);
    // Without a key it is listed, not an error; under another key, a forgery: no error.
    let (report, text, status) = inspect(&disk, &[]);
    assert_eq!(status, 0, "{text}");
    assert_eq!(report["unmatched_checkpoints"][0]["problem"], false);
    assert!(text.contains("signature not checked"), "{text}");
    let (report, text, status) = inspect(&disk, &["--public-key", &other_public_key()]);
    assert_eq!(status, 0, "{text}");
    assert_eq!(report["unmatched_checkpoints"][0]["problem"], false);
}

#[test]
fn regions_sharing_an_id_each_take_their_own_checkpoint() {
    let dir = Dir::new();
    let key = public_key();
    // Two logs with the same header fields (so the same id), different records.
    let first = dir.build("worm", "first.img", &log(40));
    let mut other = log(40);
    other["write_log"][5]["data_length"] = 99.into();
    let second = dir.build("worm", "second.img", &other);
    assert_eq!(
        worm_json("root", &first, &[])["object_id"],
        worm_json("root", &second, &[])["object_id"]
    );
    let vault = dir.build("cmvt", "vault.img", &checkpoint(&first, &[]));
    let statuses = |report: &Value| -> Vec<Value> {
        report["regions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|region| region["kind"] == "WORM")
            .map(|region| region["summary"]["checkpoints"][0]["status"].clone())
            .collect()
    };
    // The checkpoint is the first log's: consistent there, another region's for the second.
    for (order, expected) in [
        ([&first, &second], ["consistent", "other_region"]),
        ([&second, &first], ["other_region", "consistent"]),
    ] {
        let disk = dir.concat("disk.img", &[order[0], order[1], &vault]);
        let (report, text, status) = inspect(&disk, &["--public-key", &key]);
        assert_eq!(status, 0, "{text}");
        assert_eq!(statuses(&report), expected);
        assert!(
            text.contains("checkpoint of another region with the same id"),
            "{text}"
        );
    }
    // A third log with that id, rewritten, next to the second: the checkpoint matches
    // neither, so both are problems and the id is called ambiguous.
    let mut third = log(40);
    third["write_log"][7]["data_length"] = 77.into();
    let third = dir.build("worm", "third.img", &third);
    let disk = dir.concat("disk.img", &[&second, &third, &vault]);
    let (report, text, status) = inspect(&disk, &["--public-key", &key]);
    assert_eq!(status, 1, "{text}");
    assert_eq!(statuses(&report), ["rewritten", "rewritten"]);
    assert_eq!(report["region_problems"], 2);
    assert!(text.contains("the id is ambiguous"), "{text}");
}

#[test]
fn checkpoints_for_other_logs_are_listed_not_errors() {
    let dir = Dir::new();
    let image = dir.build("worm", "w8.img", &log(8));
    let vault = dir.build("cmvt", "vault.img", &checkpoint(&image, &[]));
    // The vault alone: its checkpoint names no WORM region here.
    let (report, text, status) = inspect(&vault, &[]);
    assert_eq!(status, 0, "{text}");
    let unmatched = report["unmatched_checkpoints"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["tree_size"], 8);
    assert!(
        text.contains("checkpoints for no WORM region in this image"),
        "{text}"
    );
    assert!(text.contains("not an error"), "{text}");
    // A checkpoint under another object id is not matched to the log.
    let other = checkpoint(
        &image,
        &["--object-id", "11111111-2222-3333-4444-555555555555"],
    );
    assert_eq!(
        other["passports"][0]["object_id"],
        "11111111-2222-3333-4444-555555555555"
    );
    let other_vault = dir.build("cmvt", "other.img", &other);
    let combined = dir.concat("combined.img", &[&image, &other_vault]);
    let (report, _, status) = inspect(&combined, &[]);
    assert_eq!(status, 0);
    assert!(worm_region(&report)["summary"].get("checkpoints").is_none());
    assert_eq!(report["unmatched_checkpoints"].as_array().unwrap().len(), 1);
}

#[test]
fn checkpoints_append_to_a_vault_description() {
    let dir = Dir::new();
    let small = dir.build("worm", "w8.img", &log(8));
    let large = dir.build("worm", "w20.img", &log(20));
    let first = dir.write_json("first.json", &checkpoint(&small, &[]));
    let first_text = first.to_str().unwrap();
    let both = checkpoint(&large, &["--append-to", first_text]);
    let passports = both["passports"].as_array().unwrap();
    assert_eq!(passports.len(), 2);
    assert!(passports[0]["notes"].as_str().unwrap().contains("size=8 "));
    assert!(passports[1]["notes"].as_str().unwrap().contains("size=20 "));
    // The same checkpoint again replaces itself.
    let again = checkpoint(&small, &["--append-to", first_text]);
    assert_eq!(again["passports"].as_array().unwrap().len(), 1);
    // Both checkpoints (sizes 8 and 20 of one region) against the 20-record log.
    let vault = dir.build("cmvt", "vault.img", &both);
    let combined = dir.concat("combined.img", &[&large, &vault]);
    let (report, text, status) = inspect(&combined, &["--public-key", &public_key()]);
    assert_eq!(status, 0, "{text}");
    let checks = worm_region(&report)["summary"]["checkpoints"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|check| check["status"] == "consistent"));
}

#[test]
fn the_demo_script_uses_this_key_pair() {
    let script = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/checkpoint-demo"),
    )
    .unwrap();
    assert!(script.contains(SIGNING_KEY));
    assert!(
        script.contains(&public_key()),
        "public key {}",
        public_key()
    );
}

#[test]
fn worm_commands_read_only_the_region_before_other_blocks() {
    let dir = Dir::new();
    let description = log(40);
    let image = dir.build("worm", "w40.img", &description);
    let vault = dir.build(
        "cmvt",
        "vault.img",
        &checkpoint(&image, &["--tree-size", "40"]),
    );
    // The log, its vault, then 48 MiB of other blocks (more than a region is read up to).
    let filler = dir.path("filler.img");
    std::fs::write(&filler, vec![0x5au8; 48 << 20]).unwrap();
    let disk = dir.concat("disk.img", &[&image, &vault, &filler]);
    let whole = worm_json("root", &disk, &[]);
    assert_eq!(whole["records"], 40);
    assert_eq!(whole["root"], hex(&mth(&description, 0, 40)));
    let proof = worm_json("prove", &disk, &["--record", "39"]);
    assert_eq!(proof["record"], hex(&record_bytes(&description, 39)));
    assert_eq!(verify(&dir, &proof, &[]).0, 0);
    let consistency = worm_json("prove", &disk, &["--from", "13"]);
    assert_eq!(consistency["first_root"], hex(&mth(&description, 0, 13)));
    assert_eq!(
        checkpoint(&disk, &[])["passports"][0]["notes"],
        format!(
            "dwvd-checkpoint/1 size=40 root={}",
            hex(&mth(&description, 0, 40))
        )
    );
    // At an offset, too (the region after 3 blocks of something else).
    let offset_disk = dir.concat("offset.img", &[&vault, &image, &filler]);
    let vault_bytes = std::fs::metadata(&vault).unwrap().len().to_string();
    let at_offset = worm_json("root", &offset_disk, &["--offset", &vault_bytes]);
    assert_eq!(at_offset["root"], whole["root"]);
    // A damaged first block is still a format error, not a read of the whole file.
    let mut damaged = std::fs::read(&disk).unwrap();
    damaged[20] ^= 0xff;
    let damaged_path = dir.path("damaged.img");
    std::fs::write(&damaged_path, damaged).unwrap();
    dwvd()
        .args(["worm", "root"])
        .arg(&damaged_path)
        .args(["--block-size", BLOCK])
        .assert()
        .code(1);
}

/// A log large enough (10.7 MB) to be read by several threads, each checksumming its own
/// share: the root is still RFC 6962's over every record, and a damaged block anywhere —
/// in the first share or a later one — is the view's own error, naming that block.
#[test]
fn a_large_log_read_on_every_core_gives_the_same_root_and_errors() {
    let dir = Dir::new();
    let n = 200_000;
    let mut description = log(n);
    description["total_capacity_blocks"] = json!(n);
    for (index, record) in description["write_log"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        record["data_length"] = json!(10 + index % 400);
    }
    let image = dir.build("worm", "large.img", &description);
    let bytes = std::fs::read(&image).unwrap();
    assert!(bytes.len() > 10 << 20, "larger than two 4 MiB shares");
    let whole = worm_json("root", &image, &[]);
    assert_eq!(whole["records"], n);
    assert_eq!(whole["root"], hex(&mth(&description, 0, n)));
    let blocks = bytes.len() / 512;
    for block in [1, blocks / 2 + 7, blocks - 1] {
        let mut damaged = bytes.clone();
        damaged[block * 512 + 100] ^= 0x01;
        let path = dir.path(&format!("damaged-{block}.img"));
        std::fs::write(&path, damaged).unwrap();
        let output = dwvd()
            .args(["worm", "root"])
            .arg(&path)
            .args(["--block-size", BLOCK, "--format", "json"])
            .output()
            .unwrap();
        assert!(!output.status.success(), "block {block}: {output:?}");
        let error: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            error["error"], "checksum_mismatch",
            "block {block}: {error}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("block {block}: checksum mismatch")),
            "block {block}: {message}"
        );
    }
}

/// Every `worm` subcommand reads its region through the one handle it opened: a log whose
/// path is removed, or renamed over by another log, after it was opened gives the root of
/// the log that was opened — sized from that log's header, not the replacement's.
#[cfg(unix)]
#[test]
fn a_worm_region_is_read_whole_from_the_handle_it_opened() {
    let dir = Dir::new();
    let description = log(37);
    let image = dir.build("worm", "opened.img", &description);
    // The replacement: a longer log, whose header asks for more blocks.
    let other = dir.build("worm", "other.img", &log(300));
    for replaced in [false, true] {
        let path = dir.path(&format!("region-{replaced}.img"));
        std::fs::copy(&image, &path).unwrap();
        let opened = dwvd::image::Opened::File(std::fs::File::open(&path).unwrap());
        if replaced {
            let copy = dir.path("replacement.img");
            std::fs::copy(&other, &copy).unwrap();
            std::fs::rename(&copy, &path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        let args = dwvd::worm::RegionArgs {
            image: path.clone(),
            block_size: BLOCK.parse().unwrap(),
            offset: 0,
            blocks: None,
        };
        let block_size = dwvd_regions::BlockSize::new(512).unwrap();
        let region = dwvd::worm::LoadedRegion::read_opened(&opened, &args, block_size)
            .unwrap_or_else(|failure| panic!("replaced: {replaced}: {failure:?}"));
        let document = dwvd::worm::root_document(&region, None).unwrap();
        assert_eq!(document.records, 37, "replaced: {replaced}");
        assert_eq!(
            document.root,
            hex(&mth(&description, 0, 37)),
            "replaced: {replaced}"
        );
    }
}
