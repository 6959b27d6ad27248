//! Every CMVT golden case: the view and the owned parse give the `expect` values, each
//! passport's `signature_valid` matches verification with the case's public key (high-S
//! signatures valid, the tampered passport of each `many` case invalid), emit reproduces
//! the `.bin` byte for byte, and the bad cases give `invalid_field`.

use crate::common;

use dwvd_regions::Region;
use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, SignaturePolicy, Vault, VaultView,
    verifying_key_from_sec1,
};
use dwvd_regions::{BlockSize, SignatureFailure, Ticks};
use serde_json::Value;
use uuid::Uuid;

const CAPACITY: usize = 64;
/// n / 2 for P-256: an s above it is "high".
const HALF_ORDER: &str = "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8";

/// A passport built from the JSON alone (ids parsed from their hyphenated text).
fn expected_passport(json: &Value) -> Passport {
    let id = |key: &str| Uuid::parse_str(json[key].as_str().unwrap()).unwrap();
    let ticks = |key: &str| Ticks::new(json[key].as_i64().unwrap());
    let signature: [u8; 64] = common::unhex(json["signature"].as_str().unwrap())
        .try_into()
        .unwrap();
    Passport::new(
        id("passport_id"),
        id("object_id"),
        Framework::from_code(json["framework_id"].as_u64().unwrap() as u16),
        ComplianceStatus::from_code(json["compliance_status"].as_u64().unwrap() as u16),
    )
    .with_issued(ticks("issued_utc_ticks"))
    .with_expires(ticks("expires_utc_ticks"))
    .with_last_verified(ticks("last_verified_utc_ticks"))
    .with_issuer(json["issuer_id"].as_str().unwrap().as_bytes())
    .unwrap()
    .with_notes(json["notes"].as_str().unwrap().as_bytes())
    .unwrap()
    .with_signature(signature)
}

#[test]
fn every_cmvt_case_matches_its_expectation() {
    let cases = common::cases("cmvt");
    let (mut successes, mut failures, mut high_s, mut invalid_signatures) = (0, 0, 0, 0);
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        if let Some(category) = case.expect_error() {
            let error = VaultView::new_checked(&case.image, size).unwrap_err();
            assert_eq!(error.kind().as_str(), category, "{}: {error}", case.name);
            let (field, offset) = match case.name.as_str() {
                "bad_cmvt_issuer_len" => ("issuer_len", 16 + 60),
                "bad_cmvt_negative_count" => ("passport_count", 0),
                other => panic!("unexpected bad case {other}"),
            };
            assert!(
                matches!(error.reason(), dwvd_regions::Reason::InvalidField { .. })
                    && error.block() == Some(0)
                    && error.location().field() == Some(field)
                    && error.location().offset() == Some(offset),
                "{}: {error}",
                case.name
            );
            assert_eq!(
                Vault::<CAPACITY>::parse(&case.image, size).unwrap_err(),
                error
            );
            failures += 1;
            continue;
        }
        let expect = case.expect().unwrap();
        let key = verifying_key_from_sec1(&common::unhex(
            case.meta["public_key_sec1"].as_str().unwrap(),
        ))
        .unwrap();
        let passports = expect["passports"].as_array().unwrap();
        let view = VaultView::new_checked(&case.image, size)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        assert_eq!(view.passport_count(), passports.len());
        assert_eq!(i64::from(view.generation()), case.expect_i64("generation"));
        assert_eq!(view.block_count(), case.blocks());
        let vault = Vault::<CAPACITY>::parse(&case.image, size).unwrap();
        assert_eq!(vault.count(), passports.len());

        for ((json, view), owned) in passports.iter().zip(view.passports()).zip(vault.all()) {
            let context = format!("{} passport {}", case.name, json["passport_id"]);
            // Ids as hyphenated lowercase text, strings, ticks, signature hex.
            assert_eq!(
                view.passport_id().to_string(),
                json["passport_id"].as_str().unwrap(),
                "{context}"
            );
            assert_eq!(
                view.object_id().to_string(),
                json["object_id"].as_str().unwrap(),
                "{context}"
            );
            assert_eq!(
                u64::from(view.framework().code()),
                json["framework_id"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(view.status().code()),
                json["compliance_status"].as_u64().unwrap()
            );
            assert_eq!(
                view.issued().get(),
                json["issued_utc_ticks"].as_i64().unwrap()
            );
            assert_eq!(
                view.expires().get(),
                json["expires_utc_ticks"].as_i64().unwrap()
            );
            assert_eq!(
                view.last_verified().get(),
                json["last_verified_utc_ticks"].as_i64().unwrap()
            );
            assert_eq!(
                view.issuer().unwrap(),
                json["issuer_id"].as_str().unwrap(),
                "{context}"
            );
            assert_eq!(
                view.notes().unwrap(),
                json["notes"].as_str().unwrap(),
                "{context}"
            );
            assert_eq!(
                hex::encode(view.signature()),
                json["signature"].as_str().unwrap()
            );
            assert_eq!(owned, &expected_passport(json), "{context}");
            // The owned passport's accessors read the same fields.
            assert_eq!(owned.issuer().unwrap(), json["issuer_id"].as_str().unwrap());
            assert_eq!(owned.notes().unwrap(), json["notes"].as_str().unwrap());
            let expires = json["expires_utc_ticks"].as_i64().unwrap();
            assert_eq!(
                owned.expiry().map(|ticks| ticks.get()),
                (expires != 0).then_some(expires),
                "{context}: expiry"
            );
            assert_eq!(view.to_passport().unwrap(), *owned);
            assert_eq!(view.signed_payload().len(), view.as_bytes().len() - 64);

            let valid = json["signature_valid"].as_bool().unwrap();
            assert_eq!(
                view.verify(&key).is_ok(),
                valid,
                "{context}: view verification"
            );
            assert_eq!(
                owned.verify(&key).is_ok(),
                valid,
                "{context}: owned verification"
            );
            if !valid {
                invalid_signatures += 1;
                assert_eq!(
                    *owned.verify(&key).unwrap_err().reason(),
                    dwvd_regions::Reason::BadSignature(SignatureFailure::Mismatch)
                );
            }
            let s_hex = &json["signature"].as_str().unwrap()[64..];
            if s_hex > HALF_ORDER {
                high_s += 1;
                if valid {
                    // Lenient by default; the strict policy refuses the same signature.
                    assert_eq!(
                        *owned
                            .verify_with_policy(&key, SignaturePolicy::LowSOnly)
                            .unwrap_err()
                            .reason(),
                        dwvd_regions::Reason::BadSignature(SignatureFailure::HighS)
                    );
                }
            }
        }

        let mut emitted = vec![0xA5u8; vault.buffer_len()];
        assert_eq!(
            vault.emit(&mut emitted).unwrap(),
            case.image.len(),
            "{}",
            case.name
        );
        assert_eq!(
            emitted, case.image,
            "{}: emit reproduces the .bin",
            case.name
        );

        // Rebuilt from `expect` alone through the public operations.
        let mut rebuilt = Vault::<CAPACITY>::new(size);
        for json in passports {
            rebuilt.add(expected_passport(json)).unwrap();
        }
        rebuilt.set_generation(case.expect_i64("generation") as u32);
        assert_eq!(rebuilt, vault, "{}", case.name);
        successes += 1;
    }
    assert_eq!((successes, failures), (8, 2));
    assert!(high_s > 0, "the vectors include high-S signatures");
    assert_eq!(invalid_signatures, 2, "one tampered passport per many case");
}

#[test]
fn the_public_key_also_loads_compressed() {
    let case = common::cases("cmvt")
        .into_iter()
        .find(|case| case.name == "cmvt_bs512_three")
        .unwrap();
    let uncompressed = common::unhex(case.meta["public_key_sec1"].as_str().unwrap());
    assert_eq!(uncompressed.len(), 65);
    // Compress by hand: 0x02 or 0x03 by the parity of y, then x.
    let mut compressed = vec![if uncompressed[64] & 1 == 0 {
        0x02
    } else {
        0x03
    }];
    compressed.extend_from_slice(&uncompressed[1..33]);
    let key = verifying_key_from_sec1(&compressed).unwrap();
    let vault = Vault::<4>::parse(&case.image, BlockSize::new(512).unwrap()).unwrap();
    assert_eq!(vault.count(), 3);
    assert_eq!(
        vault
            .verify_all(&key)
            .filter(|(_, result)| result.is_ok())
            .count(),
        3
    );
    // The wrong parity is another point: every signature fails.
    compressed[0] ^= 1;
    let other = verifying_key_from_sec1(&compressed).unwrap();
    assert!(vault.verify_all(&other).all(|(_, result)| result.is_err()));
    for bad in [&[][..], &[4u8; 65][..], &compressed[..32], &[0u8; 33][..]] {
        assert_eq!(
            verifying_key_from_sec1(bad).unwrap_err().kind().as_str(),
            "invalid_public_key"
        );
    }
}
