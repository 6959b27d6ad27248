//! Passport verification for the tool: `ring`'s P-256 backend (about 4x faster than
//! `p256` here, same answers — see the core's `tests/verify_backends.rs`) on every core
//! (rayon), since an inspector verifies whole vaults. Results come back in passport order.
//!
//! Not the core's `PrecomputedVerifyingKey`: even at 256-entry tables (36 KiB) its comb
//! only draws level with `ring` per verify on x86-64 (65 µs vs 63 µs, benches/ratios.rs
//! `precomputed_verify`), and its tables take 5.6 ms to build per key (docs/benchmarks.md).

use dwvd_regions::vault::{PassportView, RingVerifyingKey, VaultView};
use p256::ecdsa::VerifyingKey;
use rayon::prelude::*;

/// Below this many passports the work is not shared out: a thread hand-off costs more
/// than a verify saves.
const PARALLEL_FROM: usize = 4;

/// Whether each passport of `view` verifies with `key` (default policy), in order.
pub fn verify_passports(view: &VaultView<'_>, key: &VerifyingKey) -> Vec<bool> {
    let key = RingVerifyingKey::new(key);
    let passports: Vec<PassportView<'_>> = view.passports().collect();
    if passports.len() < PARALLEL_FROM {
        return passports
            .iter()
            .map(|passport| passport.verify(&key).is_ok())
            .collect();
    }
    passports
        .par_iter()
        .map(|passport| passport.verify(&key).is_ok())
        .collect()
}
