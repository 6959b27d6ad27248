//! The command line's conventions (issue 18), each through the built binary: secrets
//! kept off the command line, `--strict` signature checks.
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

const KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

/// An unsigned vault description of one passport.
const UNSIGNED: &str = r#"{"generation": 1, "passports": [{
    "passport_id": "00000000-0000-0000-0000-000000000001",
    "object_id": "00000000-0000-0000-0000-000000000002",
    "framework_id": 0, "compliance_status": 1,
    "issued_utc_ticks": 0, "expires_utc_ticks": 0, "last_verified_utc_ticks": 0,
    "issuer_id": "dpo", "notes": ""}]}"#;

fn build_with(args: &[&str], env: Option<&str>) -> (Vec<u8>, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("vault.json");
    std::fs::write(&description, UNSIGNED).unwrap();
    let output_path = dir.path().join("vault.bin");
    let mut command = dwvd();
    command
        .arg("build")
        .arg("cmvt")
        .arg(&description)
        .args(["--block-size", "512", "-o"])
        .arg(&output_path)
        .args(args)
        .env_remove("DWVD_SIGNING_KEY");
    if let Some(key) = env {
        command.env("DWVD_SIGNING_KEY", key);
    }
    let output = command.output().unwrap();
    let image = std::fs::read(&output_path).unwrap_or_default();
    (image, output)
}

#[test]
fn the_signing_key_comes_from_a_file_or_the_environment_as_from_the_flag() {
    let (from_flag, output) = build_with(&["--signing-key", KEY], None);
    assert!(output.status.success(), "{output:?}");
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.hex");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let (from_file, output) = build_with(&["--signing-key-file", key_file.to_str().unwrap()], None);
    assert!(output.status.success(), "{output:?}");
    let (from_env, output) = build_with(&[], Some(KEY));
    assert!(output.status.success(), "{output:?}");
    // RFC 6979: the same key signs the same bytes.
    assert_eq!(from_file, from_flag);
    assert_eq!(from_env, from_flag);
    // The key's value is not shown in --help, even when set in the environment.
    let help = dwvd()
        .args(["build", "--help"])
        .env("DWVD_SIGNING_KEY", KEY)
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("DWVD_SIGNING_KEY"), "{help}");
    assert!(!help.contains(KEY), "{help}");
    // A file that is not a key, and both sources at once, are usage errors.
    std::fs::write(&key_file, "not hex").unwrap();
    let (_, output) = build_with(&["--signing-key-file", key_file.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("key.hex"));
    let (_, output) = build_with(
        &[
            "--signing-key-file",
            key_file.to_str().unwrap(),
            "--signing-key",
            KEY,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn strict_makes_an_invalid_signature_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path().join("demo.img");
    assert!(
        dwvd()
            .arg("demo")
            .arg(&volume)
            .output()
            .unwrap()
            .status
            .success()
    );
    // The demo's public key (its fixed seed 0x5E…): passport 3 was altered after signing.
    let demo = dwvd().arg("demo").arg(&volume).output().unwrap();
    let text = String::from_utf8(demo.stdout).unwrap();
    let key = text
        .split("--public-key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let inspect = |strict: bool| {
        let mut command = dwvd();
        command
            .arg("inspect")
            .arg(&volume)
            .args(["--public-key", &key]);
        if strict {
            command.arg("--strict");
        }
        command.output().unwrap()
    };
    assert_eq!(inspect(false).status.code(), Some(0));
    let strict = inspect(true);
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stdout).contains("1 INVALID"));
    // Without a key there is nothing to be strict about: a usage error.
    let output = dwvd()
        .arg("inspect")
        .arg(&volume)
        .arg("--strict")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn parse_strict_fails_on_the_altered_golden_passport() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/golden");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cmvt_bs512_many.json")).unwrap()).unwrap();
    let key = meta["public_key_sec1"].as_str().unwrap();
    let parse = |strict: bool| {
        let mut command = dwvd();
        command
            .args(["parse", "cmvt"])
            .arg(dir.join("cmvt_bs512_many.bin"))
            .args(["--block-size", "512", "--public-key", key]);
        if strict {
            command.arg("--strict");
        }
        command.output().unwrap()
    };
    assert_eq!(parse(false).status.code(), Some(0));
    let strict = parse(true);
    assert_eq!(strict.status.code(), Some(1));
    // The report is printed all the same.
    let report: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert!(
        report["passports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|passport| passport["signature_valid"] == false)
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = dwvd().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for word in [
            "dwvd",
            "inspect",
            "wear",
            "verify-proof",
            "--signing-key-file",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let output = dwvd().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));

    let man = String::from_utf8(dwvd().arg("man").output().unwrap().stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH dwvd 1"),
        "{man}"
    );
    for word in [
        "inspect",
        "demo",
        "wear",
        "Exit status",
        "a usage or I/O error",
    ] {
        assert!(man.contains(word), "the man page lacks {word}");
    }
    // --help carries the same exit statuses.
    let help = String::from_utf8(dwvd().arg("--help").output().unwrap().stdout).unwrap();
    assert!(help.contains("Exit status:") && help.contains("2  a usage or I/O error"));
}

fn golden(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/golden")
        .join(name)
}

#[test]
fn errors_go_to_stderr_and_json_only_where_json_was_asked_for() {
    let stre = golden("stre_bs512_max64_w23.bin");
    // A format error with human output: the message on stderr, nothing on stdout.
    let output = dwvd()
        .args(["parse", "worm"])
        .arg(&stre)
        .args(["--block-size", "512", "--format", "human"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("wrong block type"));
    // With JSON output (parse's default) the object is on stdout, the message on stderr.
    let output = dwvd()
        .args(["parse", "worm"])
        .arg(&stre)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["error"], "wrong_tag");
    assert!(!output.stderr.is_empty());
    // build writes no JSON: an invalid description is a message on stderr.
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("bad.json");
    std::fs::write(&description, r#"{"max_capacity_blocks": 0, "allocated_blocks": 0, "write_head": 0, "read_tail": 0, "entry_count": 0, "growth_increment": 1}"#).unwrap();
    let output = dwvd()
        .args(["build", "stre"])
        .arg(&description)
        .args(["--block-size", "512", "-o"])
        .arg(dir.path().join("out.bin"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(!output.stderr.is_empty());
}

#[test]
fn usage_errors_exit_2_in_every_subcommand() {
    let stre = golden("stre_bs512_max64_w23.bin");
    let worm = golden("worm_bs512_n9.bin");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.img");
    std::fs::write(&empty, b"").unwrap();
    let description = dir.path().join("d.json");
    std::fs::write(&description, "{}").unwrap();
    let out = dir.path().join("out.bin");
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        // A block size outside 512..=65536.
        vec![
            "parse".into(),
            "stre".into(),
            stre.clone().into(),
            "--block-size".into(),
            "100".into(),
        ],
        vec![
            "build".into(),
            "stre".into(),
            description.clone().into(),
            "--block-size".into(),
            "100".into(),
            "-o".into(),
            out.clone().into(),
        ],
        vec![
            "inspect".into(),
            stre.clone().into(),
            "--block-size".into(),
            "100".into(),
        ],
        vec![
            "worm".into(),
            "root".into(),
            worm.clone().into(),
            "--block-size".into(),
            "100".into(),
        ],
        // A missing file.
        vec![
            "parse".into(),
            "stre".into(),
            "/no/such/file".into(),
            "--block-size".into(),
            "512".into(),
        ],
        vec![
            "build".into(),
            "stre".into(),
            "/no/such/file".into(),
            "--block-size".into(),
            "512".into(),
            "-o".into(),
            out.clone().into(),
        ],
        vec!["inspect".into(), "/no/such/file".into()],
        vec![
            "worm".into(),
            "root".into(),
            "/no/such/file".into(),
            "--block-size".into(),
            "512".into(),
        ],
        // An empty file and a directory where an image is expected.
        vec!["inspect".into(), empty.clone().into()],
        vec!["inspect".into(), dir.path().into()],
        vec![
            "parse".into(),
            "stre".into(),
            dir.path().into(),
            "--block-size".into(),
            "512".into(),
        ],
    ];
    for args in cases {
        let output = dwvd().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn worm_root_gives_no_advice_to_read_more_than_the_file_holds() {
    // A WORM header claiming i32::MAX records, in a file of 2,050 blocks: the count is
    // the region's problem (a format error, exit 1), not a reason to give --blocks
    // 238609295.
    let mut first = vec![0u8; 512];
    first[8..16].copy_from_slice(&100i64.to_le_bytes()); // total_capacity_blocks
    first[32..36].copy_from_slice(&i32::MAX.to_le_bytes()); // write_log_count
    dwvd_regions::block::seal(&mut first, dwvd_regions::Tag::WORM, 1).unwrap();
    let mut image = first;
    image.resize(512 * 2050, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims.img");
    std::fs::write(&path, &image).unwrap();
    let output = dwvd()
        .args(["worm", "root"])
        .arg(&path)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let messages = String::from_utf8_lossy(&output.stderr);
    assert!(!messages.contains("--blocks"), "{messages}");
    // The parser names what is wrong: the log's second block is not there (zeros).
    assert!(messages.contains("block 1"), "{messages}");
}

#[test]
fn inputs_come_from_stdin_pipes_and_fifos_and_output_goes_to_stdout() {
    let stre = golden("stre_bs512_max64_w23.bin");
    let image = std::fs::read(&stre).unwrap();
    // parse and inspect read `-` as standard input.
    let from_file = dwvd()
        .args(["parse", "stre"])
        .arg(&stre)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    let from_stdin = dwvd()
        .args(["parse", "stre", "-", "--block-size", "512"])
        .write_stdin(image.clone())
        .output()
        .unwrap();
    assert!(from_stdin.status.success(), "{from_stdin:?}");
    assert_eq!(from_stdin.stdout, from_file.stdout);
    let inspected = dwvd()
        .args(["inspect", "-", "--json"])
        .write_stdin(image.clone())
        .output()
        .unwrap();
    assert!(inspected.status.success(), "{inspected:?}");
    let report: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(report["regions"][0]["kind"], "STRE");

    // A FIFO is read once (inspect reads its input more than once: from memory).
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let writer = {
        let fifo = fifo.clone();
        let image = image.clone();
        std::thread::spawn(move || std::fs::write(fifo, image).unwrap())
    };
    let inspected = dwvd()
        .arg("inspect")
        .arg(&fifo)
        .arg("--json")
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    writer.join().unwrap();
    assert!(inspected.status.success(), "{inspected:?}");

    // build -o - writes the image to standard output; the description may come from stdin.
    let description = from_file.stdout.clone();
    let built = dwvd()
        .args(["build", "stre", "-", "--block-size", "512", "-o", "-"])
        .write_stdin(description)
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    assert_eq!(built.stdout, image);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.img");
    // Enough blocks that the report outgrows the pipe's buffer.
    let mut image = Vec::new();
    for index in 0..20_000u64 {
        let mut block = vec![0u8; 512];
        block[..8].copy_from_slice(&index.to_le_bytes());
        dwvd_regions::block::seal(&mut block, dwvd_regions::Tag::DATA, 1).unwrap();
        image.extend_from_slice(&block);
    }
    std::fs::write(&path, &image).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("dwvd");
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' inspect '{}' | head -n 1",
            binary.display(),
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
}

#[test]
fn the_demo_refuses_a_symlink_or_a_directory_before_printing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.img");
    let link = dir.path().join("link.img");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for path in [link.as_path(), dir.path()] {
        let output = dwvd().arg("demo").arg(path).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{path:?}");
        assert!(output.stdout.is_empty(), "{output:?}");
        assert!(!output.stderr.is_empty());
    }
    assert!(!target.exists(), "nothing was written through the link");
}

#[test]
fn every_subcommand_takes_format_human_or_json_and_json_is_an_alias() {
    let worm = golden("worm_bs512_n9.bin");
    let stre = golden("stre_bs512_max64_w23.bin");
    let dir = tempfile::tempdir().unwrap();
    let worm_text = worm.to_str().unwrap().to_string();
    let stre_text = stre.to_str().unwrap().to_string();
    let demo = dir.path().join("demo.img").to_str().unwrap().to_string();
    // Commands whose JSON output is one document on stdout.
    let commands: Vec<Vec<String>> = vec![
        vec![
            "parse".into(),
            "stre".into(),
            stre_text.clone(),
            "--block-size".into(),
            "512".into(),
        ],
        vec!["inspect".into(), stre_text.clone()],
        vec!["demo".into(), demo],
        vec!["wear".into(), "--operations".into(), "50".into()],
        vec![
            "worm".into(),
            "root".into(),
            worm_text.clone(),
            "--block-size".into(),
            "512".into(),
        ],
        vec![
            "worm".into(),
            "prove".into(),
            worm_text.clone(),
            "--block-size".into(),
            "512".into(),
            "--record".into(),
            "3".into(),
        ],
    ];
    for args in &commands {
        let run = |extra: &[&str]| dwvd().args(args).args(extra).output().unwrap();
        let json = run(&["--format", "json"]);
        assert!(json.status.success(), "{args:?}: {json:?}");
        let document: serde_json::Value = serde_json::from_slice(&json.stdout)
            .unwrap_or_else(|error| panic!("{args:?}: {error}"));
        assert!(document.is_object(), "{args:?}");
        let alias = run(&["--json"]);
        let alias: serde_json::Value = serde_json::from_slice(&alias.stdout).unwrap();
        if args[0] != "demo" && args[0] != "wear" {
            assert_eq!(alias, document, "{args:?}: --json is --format json");
        }
        let human = run(&["--format", "human"]);
        assert!(human.status.success(), "{args:?}: {human:?}");
        assert!(
            serde_json::from_slice::<serde_json::Value>(&human.stdout).is_err(),
            "{args:?}: human output is text"
        );
        // Both at once is a usage error.
        assert_eq!(
            run(&["--json", "--format", "human"]).status.code(),
            Some(2),
            "{args:?}"
        );
    }
    // verify-proof: a verdict line, or {"valid", "detail"}.
    let proof = dir.path().join("proof.json");
    let printed = dwvd()
        .args(["worm", "prove"])
        .arg(&worm)
        .args(["--block-size", "512", "--record", "3"])
        .output()
        .unwrap();
    std::fs::write(&proof, &printed.stdout).unwrap();
    let verdict = dwvd()
        .args(["worm", "verify-proof"])
        .arg(&proof)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&verdict.stdout).starts_with("valid"));
    let verdict = dwvd()
        .args(["worm", "verify-proof"])
        .arg(&proof)
        .arg("--json")
        .output()
        .unwrap();
    let verdict: serde_json::Value = serde_json::from_slice(&verdict.stdout).unwrap();
    assert_eq!(verdict["valid"], true);
}

#[test]
fn flags_that_do_not_apply_are_usage_errors() {
    let stre = golden("stre_bs512_max64_w23.bin");
    let worm = golden("worm_bs512_n9.bin");
    let key = "03ae2f585e24b77570e31c91082e3c73f4035f1fe4b297444b1a1b94699668e90f";
    for args in [
        vec![
            "inspect".to_string(),
            stre.to_str().unwrap().into(),
            "--hexdump".into(),
            "0".into(),
            "--json".into(),
        ],
        vec![
            "parse".into(),
            "stre".into(),
            stre.to_str().unwrap().into(),
            "--block-size".into(),
            "512".into(),
            "--public-key".into(),
            key.into(),
        ],
        vec![
            "worm".into(),
            "checkpoint".into(),
            worm.to_str().unwrap().into(),
            "--block-size".into(),
            "512".into(),
            "--signing-key".into(),
            KEY.into(),
            "--ticks".into(),
            "1".into(),
            "--format".into(),
            "human".into(),
        ],
    ] {
        let output = dwvd().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn human_output_reads_as_text_people_write() {
    // Calendar dates beside ticks; singular and plural; no category said twice.
    let worm = golden("worm_bs512_n9.bin");
    let output = dwvd()
        .arg("inspect")
        .arg(&worm)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("created 2025-11-29T08:00:00Z (639000000000000000 ticks)"),
        "{text}"
    );
    assert!(text.contains("; 1 region, 0 with problems"), "{text}");
    let bad = golden("bad_worm_count_overruns.bin");
    let output = dwvd()
        .arg("inspect")
        .arg(&bad)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains("truncated: truncated"), "{text}");
    // Tags that are not printable show as hex, aligned.
    let mut block = vec![0u8; 512];
    block[0] = 1;
    dwvd_regions::block::seal(&mut block, dwvd_regions::Tag::from_u32(0x0001_FF7F), 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.img");
    std::fs::write(&path, &block).unwrap();
    let output = dwvd()
        .arg("inspect")
        .arg(&path)
        .args(["--block-size", "512", "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["blocks"][0]["tag"], "0x0001FF7F");
    // The tool's own checkpoints are named so, not "unknown (256)".
    let demo = dir.path().join("demo.img");
    let output = dwvd().arg("demo").arg(&demo).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("dwvd checkpoint 1"), "{text}");
    assert!(!text.contains("unknown (256)"), "{text}");
}

#[test]
fn checkpoint_times_are_rfc3339_or_now() {
    let worm = golden("worm_bs512_n9.bin");
    let checkpoint = |time: &[&str]| {
        let output = dwvd()
            .args(["worm", "checkpoint"])
            .arg(&worm)
            .args(["--block-size", "512", "--signing-key", KEY])
            .args(time)
            .output()
            .unwrap();
        assert!(output.status.success(), "{time:?}: {output:?}");
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let by_ticks = checkpoint(&["--ticks", "639000000000000000"]);
    let by_time = checkpoint(&["--time", "2025-11-29T08:00:00Z"]);
    assert_eq!(by_ticks, by_time);
    let now = checkpoint(&["--time", "now"]);
    let issued = now["passports"][0]["issued_utc_ticks"].as_i64().unwrap();
    assert!(issued > 639_000_000_000_000_000, "{now}");
    let output = dwvd()
        .args(["worm", "checkpoint"])
        .arg(&worm)
        .args([
            "--block-size",
            "512",
            "--signing-key",
            KEY,
            "--time",
            "yesterday",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn parse_then_build_is_lossless_and_descriptions_are_checked() {
    use dwvd_regions::Region;
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
    // A passport whose issuer and notes are not UTF-8, signed over those exact bytes.
    let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let passport = Passport::new(
        uuid::Uuid::from_u128(1),
        uuid::Uuid::from_u128(2),
        Framework::Gdpr,
        ComplianceStatus::Compliant,
    )
    .with_issuer(&[0xFF, b'a', 0xC3])
    .unwrap()
    .with_notes(&[0x80, 0x81, b'z'])
    .unwrap()
    .signed(&key)
    .unwrap();
    let mut vault = Vault::<2>::new(dwvd_regions::BlockSize::MIN);
    vault.add(passport).unwrap();
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.bin");
    std::fs::write(&path, &image).unwrap();
    let parsed = dwvd()
        .args(["parse", "cmvt"])
        .arg(&path)
        .args(["--block-size", "512"])
        .output()
        .unwrap();
    assert!(parsed.status.success());
    let description: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(description["passports"][0]["issuer_hex"], "ff61c3");
    let described = dir.path().join("vault.json");
    std::fs::write(&described, &parsed.stdout).unwrap();
    let rebuilt = dwvd()
        .args(["build", "cmvt"])
        .arg(&described)
        .args(["--block-size", "512", "-o", "-"])
        .output()
        .unwrap();
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    assert_eq!(rebuilt.stdout, image, "byte for byte, signature included");

    // A key the schema does not have is refused, not silently ignored.
    let mut typo = description.clone();
    typo["genration"] = serde_json::json!(7);
    std::fs::write(&described, typo.to_string()).unwrap();
    let refused = dwvd()
        .args(["build", "cmvt"])
        .arg(&described)
        .args(["--block-size", "512", "-o", "-"])
        .output()
        .unwrap();
    assert_ne!(refused.status.code(), Some(0));
    assert!(refused.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("genration"),
        "{refused:?}"
    );
}

/// The keys an object schema allows and requires, following a `$ref` into `$defs`.
fn object_keys(
    schema: &serde_json::Value,
    node: &serde_json::Value,
) -> (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
) {
    let node = match node["$ref"].as_str() {
        Some(reference) => &schema["$defs"][reference.trim_start_matches("#/$defs/")],
        None => node,
    };
    let allowed = node["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let required = node["required"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|key| key.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (allowed, required)
}

#[test]
fn the_published_schema_matches_what_parse_prints() {
    for (kind, case, list) in [
        ("stre", "stre_bs512_max64_w23", None),
        ("worm", "worm_bs512_n9", Some("write_log")),
        ("cmvt", "cmvt_bs512_three", Some("passports")),
    ] {
        let schema: serde_json::Value =
            serde_json::from_slice(&dwvd().args(["schema", kind]).output().unwrap().stdout)
                .unwrap();
        assert_eq!(
            schema["additionalProperties"], false,
            "{kind}: unknown keys refused"
        );
        let parsed: serde_json::Value = serde_json::from_slice(
            &dwvd()
                .args(["parse", kind])
                .arg(golden(&format!("{case}.bin")))
                .args(["--block-size", "512"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let check = |node: &serde_json::Value, object: &serde_json::Value, what: &str| {
            let (allowed, required) = object_keys(&schema, node);
            let keys: std::collections::BTreeSet<String> =
                object.as_object().unwrap().keys().cloned().collect();
            assert!(keys.is_subset(&allowed), "{what}: {keys:?} ⊄ {allowed:?}");
            assert!(required.is_subset(&keys), "{what}: {required:?} ⊄ {keys:?}");
        };
        check(&schema, &parsed, kind);
        if let Some(list) = list {
            let items = &schema["properties"][list]["items"];
            for item in parsed[list].as_array().unwrap() {
                check(items, item, &format!("{kind}.{list}[]"));
            }
        }
    }
    // Every JSON report of the tool says which layout it follows.
    let report: serde_json::Value = serde_json::from_slice(
        &dwvd()
            .arg("inspect")
            .arg(golden("stre_bs512_max64_w23.bin"))
            .arg("--json")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(report["schema_version"], 1);
    let root: serde_json::Value = serde_json::from_slice(
        &dwvd()
            .args(["worm", "root"])
            .arg(golden("worm_bs512_n9.bin"))
            .args(["--block-size", "512"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(root["schema_version"], 1);
}

#[test]
fn parse_and_worm_root_size_a_worm_region_the_same_way() {
    // A WORM region with other blocks after it, at an offset: both read the blocks its
    // header's count needs, and agree.
    let region = std::fs::read(golden("worm_bs512_n9.bin")).unwrap();
    let stre = std::fs::read(golden("stre_bs512_max64_w23.bin")).unwrap();
    let mut image = stre.clone();
    image.extend_from_slice(&region);
    image.extend_from_slice(&stre);
    image.extend_from_slice(&stre);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("embedded.img");
    std::fs::write(&path, &image).unwrap();
    let offset = stre.len().to_string();
    let parsed = dwvd()
        .args(["parse", "worm"])
        .arg(&path)
        .args(["--block-size", "512", "--offset", &offset])
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{parsed:?}");
    let parsed: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
    let alone: serde_json::Value = serde_json::from_slice(
        &dwvd()
            .args(["parse", "worm"])
            .arg(golden("worm_bs512_n9.bin"))
            .args(["--block-size", "512"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(parsed, alone, "the blocks after the region are not read");
    let root = dwvd()
        .args(["worm", "root"])
        .arg(&path)
        .args(["--block-size", "512", "--offset", &offset])
        .output()
        .unwrap();
    let root: serde_json::Value = serde_json::from_slice(&root.stdout).unwrap();
    assert_eq!(
        root["records"],
        parsed["write_log"].as_array().unwrap().len()
    );
}

#[test]
fn an_unsigned_passport_round_trips_and_only_a_missing_signature_is_signed() {
    use dwvd_regions::Region;
    use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
    // An image holding a passport that was never signed (all-zero signature).
    let unsigned = Passport::new(
        uuid::Uuid::from_u128(5),
        uuid::Uuid::from_u128(6),
        Framework::Hipaa,
        ComplianceStatus::Unknown,
    );
    assert!(!unsigned.is_signed());
    let mut vault = Vault::<1>::new(dwvd_regions::BlockSize::MIN);
    vault.add(unsigned.clone()).unwrap();
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.bin");
    std::fs::write(&path, &image).unwrap();
    let parsed = dwvd()
        .args(["parse", "cmvt", "--block-size", "512"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{parsed:?}");
    let mut description: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(description["passports"][0]["signature"], "0".repeat(128));
    let described = dir.path().join("vault.json");
    let build = |description: &serde_json::Value, key: bool| {
        std::fs::write(&described, description.to_string()).unwrap();
        let mut command = dwvd();
        command
            .args(["build", "cmvt", "--block-size", "512", "-o", "-"])
            .arg(&described);
        if key {
            command.args(["--signing-key", &"07".repeat(32)]);
        }
        command.output().unwrap()
    };
    // The zeros were given: written as given, with or without a key.
    for key in [false, true] {
        let rebuilt = build(&description, key);
        assert!(rebuilt.status.success(), "{rebuilt:?}");
        assert_eq!(rebuilt.stdout, image, "key given: {key}");
    }
    // Left out: signed with the key, refused without one.
    description["passports"][0]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let refused = build(&description, false);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let signed = build(&description, true);
    assert!(signed.status.success(), "{signed:?}");
    let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let view =
        dwvd_regions::vault::VaultView::new_checked(&signed.stdout, dwvd_regions::BlockSize::MIN)
            .unwrap();
    let passport = view.passports().next().unwrap();
    passport.verify(key.verifying_key()).unwrap();
}
