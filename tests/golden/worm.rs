//! Every WORM golden case parses (view and owned) to its `expect`, the emitted owned value
//! reproduces the `.bin` byte for byte, each logged SHA-256 is the SHA-256 of the case's
//! record data, and the bad cases give their categories.

use crate::common;

use dwvd_regions::Region;
use dwvd_regions::worm::{LoggedWrite, WormRegion, WormView};
use dwvd_regions::{BlockSize, Ticks};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CAPACITY: usize = 512;

fn expected_log(expect: &Value) -> Vec<LoggedWrite> {
    expect["write_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| LoggedWrite {
            block_index: record["block_index"].as_u64().unwrap(),
            timestamp: Ticks::new(record["timestamp_utc_ticks"].as_i64().unwrap()),
            data_length: record["data_length"].as_u64().unwrap() as u32,
            content_sha256: common::unhex(record["content_sha256"].as_str().unwrap())
                .try_into()
                .unwrap(),
        })
        .collect()
}

#[test]
fn every_worm_case_matches_its_expectation() {
    let cases = common::cases("worm");
    let (mut successes, mut failures) = (0, 0);
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        if let Some(category) = case.expect_error() {
            let error = WormView::new_checked(&case.image, size).unwrap_err();
            assert_eq!(error.kind().as_str(), category, "{}: {error}", case.name);
            let owned = WormRegion::<CAPACITY>::parse(&case.image, size).unwrap_err();
            assert_eq!(owned, error, "{}", case.name);
            failures += 1;
            continue;
        }
        let expect = case.expect().unwrap();
        let log = expected_log(expect);
        let view = WormView::new_checked(&case.image, size)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        assert_eq!(
            view.high_water_mark() as i64,
            case.expect_i64("high_water_mark")
        );
        assert_eq!(
            view.total_capacity_blocks() as i64,
            case.expect_i64("total_capacity_blocks")
        );
        assert_eq!(
            view.retention_period_ticks(),
            case.expect_i64("retention_period_ticks")
        );
        assert_eq!(view.created().get(), case.expect_i64("created_utc_ticks"));
        assert_eq!(i64::from(view.generation()), case.expect_i64("generation"));
        assert_eq!(view.write_log_count(), log.len());
        assert_eq!(view.block_count(), case.blocks());
        assert_eq!(
            view.logged_writes().collect::<Vec<_>>(),
            log,
            "{}: view log",
            case.name
        );
        assert!(view.check_log_sequence().is_ok(), "{}", case.name);

        // The logged hashes are SHA-256 of the data the independent writer wrote.
        let data: Vec<Vec<u8>> = case.meta["record_data_hex"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| common::unhex(item.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(data.len(), log.len(), "{}", case.name);
        for (record, bytes) in log.iter().zip(&data) {
            assert_eq!(
                record.content_sha256,
                <[u8; 32]>::from(Sha256::digest(bytes))
            );
            assert_eq!(record.data_length as usize, bytes.len());
            assert!(record.verify_data(bytes).is_ok());
        }

        let owned = WormRegion::<CAPACITY>::parse(&case.image, size).unwrap();
        assert_eq!(owned.log(), &log[..]);
        assert_eq!(owned.block_count(), case.blocks());
        let mut emitted = vec![0xA5u8; owned.buffer_len()];
        assert_eq!(owned.emit(&mut emitted).unwrap(), case.image.len());
        assert_eq!(
            emitted, case.image,
            "{}: emit reproduces the .bin",
            case.name
        );

        // Built from `expect` and the record data alone, through the public operations.
        let mut built = WormRegion::<CAPACITY>::new(
            size,
            case.expect_i64("total_capacity_blocks") as u64,
            case.expect_i64("retention_period_ticks"),
            Ticks::new(case.expect_i64("created_utc_ticks")),
        )
        .unwrap();
        for (record, bytes) in log.iter().zip(&data) {
            assert_eq!(
                built.append(bytes, record.timestamp).unwrap(),
                record.block_index
            );
        }
        built.set_generation(case.expect_i64("generation") as u32);
        assert_eq!(built, owned, "{}", case.name);
        let mut rebuilt = vec![0u8; built.buffer_len()];
        built.emit(&mut rebuilt).unwrap();
        assert_eq!(rebuilt, case.image, "{}: built from expect", case.name);
        successes += 1;
    }
    assert_eq!((successes, failures), (8, 3));
}

#[test]
fn bad_cases_say_what_and_where() {
    let cases = common::cases("worm");
    let message = |name: &str| {
        let case = cases.iter().find(|case| case.name == name).unwrap();
        WormView::new_checked(&case.image, BlockSize::new(case.block_size()).unwrap())
            .unwrap_err()
            .to_string()
    };
    assert!(message("bad_worm_bitflip").starts_with("block 0: checksum mismatch"));
    assert!(message("bad_worm_truncated").contains("300 bytes"));
    let overrun = message("bad_worm_count_overruns");
    assert!(
        overrun.contains("write_log_count") && overrun.contains("1000"),
        "{overrun}"
    );
}

#[test]
fn a_log_longer_than_the_owned_capacity_is_refused_but_the_view_reads_it() {
    let case = common::cases("worm")
        .into_iter()
        .find(|case| case.name == "worm_bs4096_n313")
        .unwrap();
    let size = BlockSize::new(4096).unwrap();
    let error = WormRegion::<312>::parse(&case.image, size).unwrap_err();
    assert_eq!(error.kind().as_str(), "capacity_exceeded");
    assert!(
        error.to_string().contains("313") && error.to_string().contains("312"),
        "{error}"
    );
    assert_eq!(
        WormView::new_checked(&case.image, size)
            .unwrap()
            .records()
            .len(),
        313
    );
    assert!(WormRegion::<313>::parse(&case.image, size).is_ok());
}
