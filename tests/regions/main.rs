//! The block layer, ticks and errors, and the three regions — STRE ring, WORM region,
//! Compliance Vault — against expectations, models, traces and mutilation sweeps; the
//! vault's signatures and verification backends.

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

mod vault_mutilation;
mod vault_region;
mod vault_signatures;
mod verify_backends; // feature `ring` (`#![cfg]` in the module)
