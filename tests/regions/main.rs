//! The block layer, ticks and errors, and the three regions — STRE ring, WORM region,
//! Compliance Vault — against expectations, models, traces and mutilation sweeps; the
//! vault's signatures and verification backends.
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

mod block_layer;
mod error_locations;
mod errors;
mod ticks;

mod stre_model;
mod stre_mutilation;
mod stre_ring;
mod stre_trace;

mod worm_model;
mod worm_mutilation;
mod worm_region;
mod worm_sweep;

mod signers;
mod vault_mutilation;
mod vault_region;
mod vault_signatures;
mod verify_backends; // feature `ring` (`#![cfg]` in the module)
