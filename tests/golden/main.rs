//! The golden vectors of the independent implementation (`tests/data/golden/`) and every
//! input a fuzz target ever failed on (`tests/data/regressions/`).
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

#[path = "../common/mod.rs"]
mod common;

mod cmvt;
mod fuzz_regressions;
#[cfg(feature = "serde")]
mod serde;
mod stre;
mod worm;
