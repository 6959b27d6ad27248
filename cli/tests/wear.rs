//! `dwvd wear`: the JSON contract (keys, the lifetime formula) and the wear figures the
//! journaled storage promises (issue 16): the ring's most-erased sector is a data slot,
//! not a header copy; a WORM append costs the same at 4,000 records as at 200; a vault
//! add costs the same at 256 passports as at 16. The bounds are the issue's, computed
//! here from the workload's shape, not from the tool's output.
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
    clippy::cast_precision_loss,
    clippy::unreachable
)]

mod common;

use common::dwvd;
use serde_json::Value;

fn wear(args: &[&str]) -> Value {
    let output = dwvd()
        .arg("wear")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn figure(report: &Value, region: &str, key: &str) -> u64 {
    report[region][key]
        .as_u64()
        .unwrap_or_else(|| panic!("{region}.{key} is a count: {report}"))
}

fn per_operation(report: &Value, region: &str) -> f64 {
    figure(report, region, "erases") as f64 / figure(report, region, "operations") as f64
}

#[test]
fn the_json_report_keeps_its_contract() {
    let report = wear(&["--operations", "300", "--endurance", "1000"]);
    let keys = [
        "operations",
        "erases",
        "bytes_programmed",
        "max_erases_per_sector",
        "mean_erases_per_sector",
        "lifetime_operations",
    ];
    for region in ["ring", "worm", "vault"] {
        let object = report[region].as_object().unwrap();
        assert_eq!(object.len(), keys.len(), "{region}: {object:?}");
        for key in keys {
            assert!(object.contains_key(key), "{region}.{key}");
        }
        // lifetime = operations × endurance / max erases per sector, rounded down.
        let max = figure(&report, region, "max_erases_per_sector");
        assert!(max > 0, "{region}: the workload erases something");
        assert_eq!(
            figure(&report, region, "lifetime_operations"),
            figure(&report, region, "operations") * 1000 / max
        );
        assert!(report[region]["mean_erases_per_sector"].as_f64().unwrap() <= max as f64);
    }
    // N ring appends, min(N, 4096) WORM appends, min(N, 256) vault adds.
    assert_eq!(figure(&report, "ring", "operations"), 300);
    assert_eq!(figure(&report, "worm", "operations"), 300);
    assert_eq!(figure(&report, "vault", "operations"), 256);
    // Every ring append and WORM append programs at least its 4 KiB data block.
    assert!(figure(&report, "ring", "bytes_programmed") >= 300 * 4096);
    assert!(figure(&report, "worm", "bytes_programmed") >= 300 * 4096);
}

#[test]
fn no_sector_wears_faster_than_the_ring_slots() {
    let operations = 100_000u64;
    let report = wear(&["--operations", &operations.to_string()]);
    // 64 slots: each is rewritten once per 64 appends; the bound leaves the
    // header copies no more than as many erases again.
    let slot_erases = operations.div_ceil(64);
    let max = figure(&report, "ring", "max_erases_per_sector");
    assert!(max >= slot_erases, "every slot is rewritten: {max}");
    assert!(max <= 2 * slot_erases + 2, "{max} erases of one sector");
    // One erase per append for the slot; checkpoints add well under one more.
    assert!(per_operation(&report, "ring") < 1.1, "{report}");
}

#[test]
fn a_worm_append_costs_the_same_whatever_the_log_size() {
    let small = wear(&["--operations", "200"]);
    let large = wear(&["--operations", "4000"]);
    let (small, large) = (per_operation(&small, "worm"), per_operation(&large, "worm"));
    assert!(
        large <= 1.25 * small,
        "{large} erases per append at 4000, {small} at 200"
    );
    assert!(large <= 1.5, "{large} erases per append");
}

#[test]
fn a_vault_add_costs_the_same_whatever_the_vault_size() {
    let small = wear(&["--operations", "16"]);
    let large = wear(&["--operations", "256"]);
    let (small, large) = (
        per_operation(&small, "vault"),
        per_operation(&large, "vault"),
    );
    assert!(
        large <= 1.25 * small,
        "{large} erases per add at 256, {small} at 16"
    );
}

#[test]
fn on_a_block_device_every_operation_is_a_few_block_writes() {
    let report = wear(&["--operations", "4000", "--medium", "block"]);
    // Ring append: its slot, plus a header checkpoint now and then.
    assert!(per_operation(&report, "ring") < 1.1, "{report}");
    // WORM append: the data block and the journal block.
    assert!(per_operation(&report, "worm") < 2.1, "{report}");
    // Vault add: the journal block.
    assert!(per_operation(&report, "vault") < 1.1, "{report}");
}

#[test]
fn geometry_that_does_not_nest_is_a_usage_error() {
    for args in [
        ["--erase-size", "3000"],
        ["--erase-size", "8192"],
        ["--block-size", "100"],
        ["--endurance", "0"],
    ] {
        let output = dwvd().arg("wear").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn human_output_carries_the_same_figures() {
    let output = dwvd()
        .args(["wear", "--operations", "300"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let report = wear(&["--operations", "300"]);
    for region in ["ring", "worm", "vault"] {
        let line = text
            .lines()
            .find(|line| line.starts_with(region))
            .unwrap_or_else(|| panic!("a line for {region}: {text}"));
        for key in [
            "operations",
            "erases",
            "max_erases_per_sector",
            "lifetime_operations",
        ] {
            let value = figure(&report, region, key).to_string();
            assert!(
                line.split_whitespace().any(|word| word == value),
                "{region} {key} {value} in {line:?}"
            );
        }
    }
}
