//! Passport verification for the tool, on every core (rayon), since an inspector verifies
//! whole vaults. Results come back in passport order. Every backend gives the same
//! answers (the core's `tests/regions/verify_backends.rs`: Wycheproof, the golden vaults
//! and random signatures through each); the tool picks the fastest for the vault's size:
//!
//! * from [`COMB_FROM`] passports, the core's `PrecomputedVerifyingKey` at 256-entry
//!   tables (`t = 8`, 32 KiB): built once per key (about 0.2 ms), then about 1.8×
//!   faster per verify than `ring`'s assembly on x86-64, and faster again in runs of 32
//!   that share one scalar inversion (`verify_digests`; docs/benchmarks.md);
//! * below that, `ring`'s P-256 (no tables to build).

use dwvd_regions::vault::{
    PassportView, PrecomputedVerifyingKey, RingVerifyingKey, SignaturePolicy, SignatureVerifier,
    VaultView,
};
use p256::ecdsa::VerifyingKey;
use rayon::prelude::*;

/// Below this many passports the work is not shared out: a thread hand-off costs more
/// than a verify saves.
const PARALLEL_FROM: usize = 4;

/// From this many passports the comb tables pay for their building (about ten verifies'
/// worth of time).
pub const COMB_FROM: usize = 32;

/// Whether each passport of `view` verifies with `key` (default policy), in order.
pub fn verify_passports(view: &VaultView<'_>, key: &VerifyingKey) -> Vec<bool> {
    let passports: Vec<PassportView<'_>> = view.passports().collect();
    if passports.len() >= COMB_FROM {
        // Built on this thread (about 56 KiB of stack with its scratch), kept on the heap
        // and shared by every worker.
        let comb: Box<PrecomputedVerifyingKey<256>> = Box::new(PrecomputedVerifyingKey::new(key));
        verify_in_runs(&passports, comb.as_ref())
    } else {
        verify_all(&passports, &RingVerifyingKey::new(key))
    }
}

/// Whether each of `passports` verifies with `key`, in order.
fn verify_all(passports: &[PassportView<'_>], key: &(impl SignatureVerifier + Sync)) -> Vec<bool> {
    if passports.len() < PARALLEL_FROM {
        return passports
            .iter()
            .map(|passport| passport.verify(key).is_ok())
            .collect();
    }
    passports
        .par_iter()
        .map(|passport| passport.verify(key).is_ok())
        .collect()
}

/// Whether each of `passports` verifies with `key`, in order: digests and verifies in
/// runs of the key's batch, each run on one worker.
fn verify_in_runs(passports: &[PassportView<'_>], key: &PrecomputedVerifyingKey<256>) -> Vec<bool> {
    passports
        .par_chunks(PrecomputedVerifyingKey::<256>::BATCH)
        .flat_map_iter(|run| {
            let digests: Vec<[u8; 32]> = run.iter().map(PassportView::signed_digest).collect();
            let signatures: Vec<&[u8]> = run
                .iter()
                .map(|passport| &passport.signature()[..])
                .collect();
            let mut results = vec![Ok(()); run.len()];
            let verified = key.verify_digests(
                &digests,
                &signatures,
                SignaturePolicy::default(),
                &mut results,
            );
            // The three lengths are equal by construction; were they not, nothing verifies.
            results
                .into_iter()
                .map(move |result| verified.is_ok() && result.is_ok())
        })
        .collect()
}
