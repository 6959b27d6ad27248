//! Comb tables for a key known in advance, from arbitrary bytes: the compiled form
//! (`CompiledCombTables::from_encoded`, the `const fn` a firmware evaluates while it is
//! compiled, run here at run time) and the encoded form (`EncodedCombVerifyingKey`).
//!
//! Input: a first byte choosing how the rest is used — XORed over a fixed key's genuine
//! t = 2 tables (mode even: so most inputs are tables with a few bytes changed, which
//! reach every entry's checks), or taken as the tables themselves (mode odd).
//!
//! Invariants, beyond "did not crash":
//! * the two forms accept exactly the same bytes for the key;
//! * over the genuine tables both verify a genuine signature and refuse a changed one,
//!   as `p256`'s generic verify does; over any accepted tables, both forms give the same
//!   answer.
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

use std::sync::OnceLock;

use dwvd_regions::vault::{
    CompiledCombTables, CompiledCombVerifyingKey, EncodedCombVerifyingKey, PrecomputedVerifyingKey,
    SignaturePolicy, sign_digest, verify_digest,
};
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Entries per table: t = 2, the smallest tables (384 bytes), so changes land in every
/// entry often.
const ENTRIES: usize = 4;

struct Fixture {
    key: VerifyingKey,
    tables: Vec<u8>,
    digest: [u8; 32],
    signature: [u8; 64],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let signing = SigningKey::from_slice(&[0x42; 32]).unwrap();
        let key = *signing.verifying_key();
        let mut tables = vec![0u8; CompiledCombTables::<ENTRIES>::TABLE_BYTES];
        PrecomputedVerifyingKey::<ENTRIES>::new(&key)
            .encode_tables(&mut tables)
            .unwrap();
        let digest: [u8; 32] = Sha256::digest(b"comb tables").into();
        let signature = sign_digest(&digest, &signing).unwrap();
        Fixture {
            key,
            tables,
            digest,
            signature,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let (mode, rest) = data
        .split_first()
        .map_or((0, data), |(mode, rest)| (*mode, rest));
    let bytes: Vec<u8> = if mode % 2 == 0 {
        let mut tables = fixture.tables.clone();
        for (byte, change) in tables.iter_mut().zip(rest) {
            *byte ^= change;
        }
        tables
    } else {
        rest.to_vec()
    };
    let key = &fixture.key;
    let compiled_tables = CompiledCombTables::<ENTRIES>::from_encoded(&bytes);
    let compiled = compiled_tables
        .as_ref()
        .ok()
        .and_then(|tables| CompiledCombVerifyingKey::new(key, tables).ok());
    let encoded = EncodedCombVerifyingKey::<ENTRIES>::new(key, &bytes).ok();
    assert_eq!(
        compiled.is_some(),
        encoded.is_some(),
        "the two forms disagree"
    );
    let (Some(compiled), Some(encoded)) = (compiled, encoded) else {
        return;
    };
    let policy = SignaturePolicy::default();
    let mut changed = fixture.signature;
    changed[7] ^= 1;
    for signature in [&fixture.signature, &changed] {
        let from_compiled = compiled.verify_digest(&fixture.digest, signature, policy);
        assert_eq!(
            from_compiled,
            encoded.verify_digest(&fixture.digest, signature, policy)
        );
        if bytes == fixture.tables {
            assert_eq!(
                from_compiled,
                verify_digest(&fixture.digest, signature, key, policy)
            );
        }
    }
});
