//! The `serde` representation read from arbitrary bytes: JSON (what `dwvd build` reads)
//! and postcard (a binary format firmware might use), into the summaries with `Vec`s and
//! with bounded `heapless` vectors.
//!
//! Invariants, beyond "did not crash":
//! * whatever reads also writes (serializing a value that was read never fails);
//! * what it writes reads back as the same value (passports' texts byte for byte, through
//!   their hex twins when they are not UTF-8).
//!
//! The first byte picks the type and the format; the rest is the document. The seeds are
//! the golden vectors' `expect` objects (scripts/fuzz-seed).
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

use std::fmt::Debug;

use dwvd_regions::heapless;
use dwvd_regions::streaming::StreamingSummary;
use dwvd_regions::vault::{Passport, VaultSummary};
use dwvd_regions::worm::{LoggedWrite, WormSummary};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, document)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => json::<StreamingSummary>(document),
        1 => json::<WormSummary<Vec<LoggedWrite>>>(document),
        2 => json::<VaultSummary<Vec<Passport>>>(document),
        3 => postcard::<StreamingSummary>(document),
        4 => postcard::<WormSummary<heapless::Vec<LoggedWrite, 8>>>(document),
        _ => postcard::<VaultSummary<heapless::Vec<Passport, 4>>>(document),
    }
});

fn json<T: DeserializeOwned + Serialize + PartialEq + Debug>(document: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(document) else {
        return;
    };
    let written = serde_json::to_vec(&value).expect("what reads also writes");
    let again: T = serde_json::from_slice(&written).expect("what it writes reads back");
    assert_eq!(again, value);
}

fn postcard<T: DeserializeOwned + Serialize + PartialEq + Debug>(document: &[u8]) {
    let Ok(value) = postcard::from_bytes::<T>(document) else {
        return;
    };
    let mut buffer = vec![0u8; 1 << 16];
    let written = postcard::to_slice(&value, &mut buffer).expect("what reads also writes");
    let again: T = postcard::from_bytes(written).expect("what it writes reads back");
    assert_eq!(again, value);
}
