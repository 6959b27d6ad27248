//! The `serde` feature against the golden vectors: every success case's view and owned
//! value serialize to exactly the case's `expect` object (the independent
//! implementation's JSON), and reading that object back and emitting it reproduces the
//! `.bin` byte for byte. Beyond the vectors: texts that are not UTF-8 survive a JSON round
//! trip with their signature valid, a typo in a key is refused, firmware reads a summary
//! into `heapless` collections, and a binary format (postcard) round-trips too.

use dwvd_regions::streaming::{StreamingRing, StreamingSummary, StreamingView};
use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, Vault, VaultSummary, VaultView, emit_parts as emit_vault,
};
use dwvd_regions::worm::{LoggedWrite, WormRegion, WormSummary, WormView, emit_parts as emit_worm};
use dwvd_regions::{BlockSize, Region, Ticks};
use p256::ecdsa::SigningKey;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common;

/// The successful cases of `kind` with their block size and `expect` object.
fn successes(kind: &str) -> Vec<(common::GoldenCase, BlockSize, Value)> {
    let cases: Vec<_> = common::cases(kind)
        .into_iter()
        .filter_map(|case| {
            let expect = case.expect()?.clone();
            let size = BlockSize::new(case.block_size()).unwrap();
            Some((case, size, expect))
        })
        .collect();
    assert!(
        cases.len() >= 3,
        "{kind}: only {} success cases",
        cases.len()
    );
    cases
}

#[test]
fn stre_summaries_are_the_golden_json_and_emit_the_golden_bytes() {
    for (case, size, expect) in successes("stre") {
        let view = StreamingView::new_checked(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(view.summary()).unwrap(),
            expect,
            "{}",
            case.name
        );
        let ring = StreamingRing::parse(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(ring.summary()).unwrap(),
            expect,
            "{}",
            case.name
        );
        // The header alone: the same fields without the generation.
        let mut header_only = expect.clone();
        header_only.as_object_mut().unwrap().remove("generation");
        assert_eq!(serde_json::to_value(view.header()).unwrap(), header_only);

        let read: StreamingSummary = serde_json::from_value(expect).unwrap();
        let mut image = vec![0u8; case.image.len()];
        dwvd_regions::streaming::emit_parts(size, &read.header(), read.generation, &mut image)
            .unwrap();
        assert_eq!(image, case.image, "{}", case.name);
    }
}

#[test]
fn worm_summaries_are_the_golden_json_and_emit_the_golden_bytes() {
    for (case, size, expect) in successes("worm") {
        let view = WormView::new_checked(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(view.summary()).unwrap(),
            expect,
            "{}",
            case.name
        );
        let region = WormRegion::<1024>::parse(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(region.summary()).unwrap(),
            expect,
            "{}",
            case.name
        );
        // Records read in place and records owned serialize alike.
        for (record, logged) in view.records().zip(view.logged_writes()) {
            assert_eq!(
                serde_json::to_value(record).unwrap(),
                serde_json::to_value(logged).unwrap()
            );
        }

        let read: WormSummary<Vec<LoggedWrite>> = serde_json::from_value(expect).unwrap();
        assert_eq!(read.write_log.as_slice(), region.log(), "{}", case.name);
        assert_eq!(read.header(), *view.header(), "{}", case.name);
        let mut image = vec![0u8; case.image.len()];
        let written = emit_worm(
            size,
            &read.header(),
            &read.write_log,
            read.generation,
            &mut image,
        )
        .unwrap();
        assert_eq!(image[..written], case.image[..written], "{}", case.name);
        assert!(
            case.image[written..].iter().all(|&byte| byte == 0),
            "{}",
            case.name
        );
    }
}

#[test]
fn vault_summaries_are_the_golden_json_and_emit_the_golden_bytes() {
    for (case, size, expect) in successes("cmvt") {
        // The vectors add each passport's `signature_valid`, which the core does not
        // print (checking needs a key; `dwvd parse --public-key` adds it).
        let mut printed = expect.clone();
        for passport in printed["passports"].as_array_mut().unwrap() {
            passport.as_object_mut().unwrap().remove("signature_valid");
        }
        let view = VaultView::new_checked(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(view.summary()).unwrap(),
            printed,
            "{}",
            case.name
        );
        let vault = Vault::<64>::parse(&case.image, size).unwrap();
        assert_eq!(
            serde_json::to_value(vault.summary()).unwrap(),
            printed,
            "{}",
            case.name
        );

        // Read with `signature_valid` present: tolerated, ignored.
        let read: VaultSummary<Vec<Passport>> = serde_json::from_value(expect).unwrap();
        assert_eq!(read.passports.as_slice(), vault.all(), "{}", case.name);
        let mut image = vec![0u8; case.image.len()];
        let written = emit_vault(size, &read.passports, read.generation, &mut image).unwrap();
        assert_eq!(image[..written], case.image[..written], "{}", case.name);
        assert!(
            case.image[written..].iter().all(|&byte| byte == 0),
            "{}",
            case.name
        );
    }
}

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn passport(issuer: &[u8], notes: &[u8]) -> Passport {
    // Each text its own id, so a vault can hold several.
    let id = u128::from(issuer.first().copied().unwrap_or(0)) << 64
        | u128::from(notes.first().copied().unwrap_or(0)) << 72
        | 0x0123_4567_89ab_cdef;
    Passport::new(
        Uuid::from_u128(id),
        Uuid::from_u128(42),
        Framework::Sox,
        ComplianceStatus::Compliant,
    )
    .with_issued(Ticks::new(638_000_000_000_000_000))
    .with_issuer(issuer)
    .unwrap()
    .with_notes(notes)
    .unwrap()
    .signed(&key())
    .unwrap()
}

#[test]
fn texts_that_are_not_utf8_round_trip_exactly_and_stay_signed() {
    // 128 invalid bytes: the replacement text is 384 bytes, over the issuer's bound, so
    // only the hex twin can carry it back.
    let long_invalid = [0xff; 128];
    for (issuer, notes) in [
        (&b"\xffa\xc3"[..], &b"plain"[..]),
        (b"dpo@example.org", b"\xe2\x82 cut"),
        (&long_invalid[..], b""),
    ] {
        let original = passport(issuer, notes);
        let text = serde_json::to_value(&original).unwrap();
        assert_eq!(
            text["issuer_id"],
            String::from_utf8_lossy(issuer).as_ref(),
            "{issuer:?}"
        );
        assert_eq!(
            text.get("issuer_hex").is_some(),
            std::str::from_utf8(issuer).is_err()
        );
        assert_eq!(
            text.get("notes_hex").is_some(),
            std::str::from_utf8(notes).is_err()
        );
        if let Some(twin) = text.get("issuer_hex") {
            assert_eq!(twin, &Value::from(hex::encode(issuer)));
        }
        let read: Passport = serde_json::from_value(text).unwrap();
        assert_eq!(read, original);
        read.verify(key().verifying_key()).unwrap();
    }
}

#[test]
fn passport_json_is_what_the_spec_names_say() {
    let text = serde_json::to_value(passport(b"auditor", b"")).unwrap();
    let signature = text["signature"].as_str().unwrap().to_owned();
    assert_eq!(signature.len(), 128);
    assert_eq!(
        text,
        json!({
            "passport_id": "00000000-0000-0061-0123-456789abcdef",
            "object_id": "00000000-0000-0000-0000-00000000002a",
            "framework_id": 2,
            "compliance_status": 1,
            "issued_utc_ticks": 638_000_000_000_000_000_i64,
            "expires_utc_ticks": 0,
            "last_verified_utc_ticks": 0,
            "issuer_id": "auditor",
            "notes": "",
            "signature": signature,
        })
    );
}

#[test]
fn reading_refuses_unknown_keys_and_bad_values_and_defaults_the_generation() {
    let ring = json!({
        "max_capacity_blocks": 8, "allocated_blocks": 2, "write_head": 1, "read_tail": 0,
        "entry_count": 1, "growth_increment": 2
    });
    let read: StreamingSummary = serde_json::from_value(ring.clone()).unwrap();
    assert_eq!((read.generation, read.entry_count), (0, 1));
    let mut typo = ring;
    typo["genration"] = 3.into();
    let error = serde_json::from_value::<StreamingSummary>(typo).unwrap_err();
    assert!(error.to_string().contains("genration"), "{error}");

    let mut record = serde_json::to_value(LoggedWrite {
        block_index: 0,
        timestamp: Ticks::new(5),
        data_length: 3,
        content_sha256: [0xab; 32],
    })
    .unwrap();
    assert_eq!(record["content_sha256"], "ab".repeat(32));
    for (field, bad) in [
        ("content_sha256", json!("ab")),
        ("content_sha256", json!("zz".repeat(32))),
        ("block_index", json!(-1)),
        ("data_length", json!(-1)),
        // The on-disk width of data_length is 32 bits, signed.
        ("data_length", json!(i64::from(i32::MAX) + 1)),
    ] {
        let good = record[field].clone();
        record[field] = bad.clone();
        assert!(
            serde_json::from_value::<LoggedWrite>(record.clone()).is_err(),
            "{field} = {bad}"
        );
        record[field] = good;
    }

    // A value no region holds is an error when written, not a different number.
    for beyond in [
        LoggedWrite {
            block_index: u64::MAX,
            ..LoggedWrite::ZERO
        },
        LoggedWrite {
            data_length: u32::MAX,
            ..LoggedWrite::ZERO
        },
    ] {
        assert!(serde_json::to_value(beyond).is_err(), "{beyond:?}");
    }

    let mut unsigned = serde_json::to_value(passport(b"a", b"b")).unwrap();
    unsigned.as_object_mut().unwrap().remove("signature");
    let read: Passport = serde_json::from_value(unsigned.clone()).unwrap();
    assert!(!read.is_signed(), "no signature reads as unsigned");
    unsigned["issuer_id"] = "x".repeat(129).into();
    let error = serde_json::from_value::<Passport>(unsigned).unwrap_err();
    assert!(error.to_string().contains("issuer_id"), "{error}");
}

#[test]
fn firmware_reads_summaries_into_bounded_collections() {
    let mut vault = Vault::<2>::new(BlockSize::new(512).unwrap());
    vault.add(passport(b"one", b"")).unwrap();
    vault.add(passport(b"two", b"\xff")).unwrap();
    let text = serde_json::to_vec(&vault.summary()).unwrap();
    let read: VaultSummary<heapless::Vec<Passport, 2>> = serde_json::from_slice(&text).unwrap();
    assert_eq!(read.passports.as_slice(), vault.all());
    // One more passport than the collection holds is an error, not a panic.
    assert!(serde_json::from_slice::<VaultSummary<heapless::Vec<Passport, 1>>>(&text).is_err());
}

#[test]
fn a_binary_format_round_trips_without_hex() {
    let size = BlockSize::new(512).unwrap();
    let mut vault = Vault::<2>::new(size);
    vault.add(passport(b"\xffa", b"notes")).unwrap();
    let mut buffer = [0u8; 1024];
    let bytes = postcard::to_slice(&vault.summary(), &mut buffer).unwrap();
    // Binary: the signature is its 64 bytes, not 128 hex digits.
    assert!(bytes.len() < 64 + 128, "{} bytes", bytes.len());
    let read: VaultSummary<heapless::Vec<Passport, 2>> = postcard::from_bytes(bytes).unwrap();
    assert_eq!(read.passports.as_slice(), vault.all());

    let mut region = WormRegion::<4>::new(size, 8, 0, Ticks::new(1)).unwrap();
    region.append(b"data", Ticks::new(2)).unwrap();
    let mut buffer = [0u8; 256];
    let bytes = postcard::to_slice(&region.summary(), &mut buffer).unwrap();
    let read: WormSummary<heapless::Vec<LoggedWrite, 4>> = postcard::from_bytes(bytes).unwrap();
    assert_eq!(read.write_log.as_slice(), region.log());
    assert_eq!(read.header(), region.header());

    let ring = StreamingRing::new(size, 8, 2).unwrap();
    let bytes = postcard::to_slice(&ring.summary(), &mut buffer).unwrap();
    assert_eq!(
        postcard::from_bytes::<StreamingSummary>(bytes).unwrap(),
        ring.summary()
    );
}
