//! The owned vault's operations, placement, and the reader rule, against expectations
//! written out here.

use dwvd_regions::Region;
use dwvd_regions::block::seal;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault, VaultView};
use dwvd_regions::{BlockSize, ErrorKind, Reason, Tag, Ticks, Unit};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x11; 32]).unwrap()
}

fn passport(id: u128, object: u128, framework: Framework, issuer: usize, notes: usize) -> Passport {
    Passport::new(
        Uuid::from_u128(id),
        Uuid::from_u128(object),
        framework,
        ComplianceStatus::Compliant,
    )
    .with_issuer(&vec![b'i'; issuer])
    .unwrap()
    .with_notes(&vec![b'n'; notes])
    .unwrap()
    .signed(&key())
    .unwrap()
}

#[test]
fn add_refuses_nil_ids_oversized_passports_and_a_full_vault() {
    let size = BlockSize::new(512).unwrap();
    let mut vault = Vault::<2>::new(size);
    let nil = Passport::new(
        Uuid::nil(),
        Uuid::from_u128(1),
        Framework::Sox,
        ComplianceStatus::Unknown,
    );
    let error = vault.add(nil).unwrap_err();
    assert!(
        matches!(
            error.reason(),
            Reason::InvalidArgument {
                argument: "passport_id",
                ..
            }
        ),
        "{error}"
    );
    // 132 + 128 + 256 = 516 > 496: larger than any 512-byte block's payload.
    let error = vault
        .add(passport(1, 1, Framework::Sox, 128, 256))
        .unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::RecordTooLarge {
            length: 516,
            capacity: 496
        }
    );
    // Exactly a payload fits (in a block of its own).
    vault.add(passport(2, 1, Framework::Sox, 128, 236)).unwrap();
    vault.add(passport(3, 1, Framework::Sox, 0, 0)).unwrap();
    let error = vault.add(passport(4, 1, Framework::Sox, 0, 0)).unwrap_err();
    assert!(
        matches!(
            error.reason(),
            Reason::Full {
                what: "vault",
                capacity: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Full);
    assert_eq!(vault.count(), 2);
    assert!(
        Vault::<1>::new(BlockSize::new(4096).unwrap())
            .add(passport(5, 1, Framework::Sox, 128, 256))
            .is_ok()
    );
    let long = Passport::new(
        Uuid::from_u128(9),
        Uuid::nil(),
        Framework::Gdpr,
        ComplianceStatus::Unknown,
    );
    assert_eq!(
        long.clone().with_issuer(&[0; 129]).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        long.with_notes(&[0; 257]).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn queries_find_by_id_object_and_framework_and_remove_takes_one() {
    let mut vault = Vault::<8>::new(BlockSize::new(4096).unwrap());
    vault.add(passport(1, 100, Framework::Gdpr, 3, 3)).unwrap();
    vault.add(passport(2, 100, Framework::Hipaa, 3, 3)).unwrap();
    vault.add(passport(3, 200, Framework::Gdpr, 3, 3)).unwrap();
    assert_eq!(
        vault.get(Uuid::from_u128(2)).unwrap().framework(),
        Framework::Hipaa
    );
    assert!(vault.get(Uuid::from_u128(9)).is_none());
    let ids = |iter: &mut dyn Iterator<Item = &Passport>| {
        iter.map(|p| p.passport_id().as_u128()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&mut vault.by_object(Uuid::from_u128(100))), [1, 2]);
    assert_eq!(ids(&mut vault.by_framework(Framework::Gdpr)), [1, 3]);
    assert_eq!(
        ids(&mut vault.by_framework(Framework::Other(77))),
        Vec::<u128>::new()
    );
    assert_eq!(
        vault
            .remove(Uuid::from_u128(1))
            .unwrap()
            .passport_id()
            .as_u128(),
        1
    );
    assert!(vault.remove(Uuid::from_u128(1)).is_none());
    assert_eq!(ids(&mut vault.all().iter()), [2, 3]);
    assert_eq!(vault.count(), 2);
}

/// SPEC §4's placement, written out here: start at 16 in block 0; a passport that does
/// not fit in the rest of the payload starts the next block at offset 0.
fn spec_placement(block_size: usize, sizes: &[usize]) -> (Vec<(usize, usize)>, usize) {
    let payload = block_size - 16;
    let (mut block, mut offset) = (0, 16);
    let mut places = Vec::new();
    for &size in sizes {
        if offset + size > payload {
            block += 1;
            offset = 0;
        }
        places.push((block, offset));
        offset += size;
    }
    (places, block + 1)
}

#[test]
fn passports_are_placed_whole_and_the_view_reads_them_where_the_spec_puts_them() {
    for bytes in [512usize, 700, 4096] {
        let size = BlockSize::new(bytes).unwrap();
        let mut vault = Vault::<40>::new(size);
        let mut sizes = Vec::new();
        for index in 0..40u128 {
            let (issuer, notes) = ((index as usize * 37) % 129, (index as usize * 71) % 200);
            let p = passport(
                index + 1,
                index % 3,
                Framework::from_code(index as u16 % 11),
                issuer,
                notes,
            );
            if p.serialized_len() > bytes - 16 {
                continue;
            }
            sizes.push(p.serialized_len());
            vault.add(p).unwrap();
        }
        let (places, blocks) = spec_placement(bytes, &sizes);
        assert_eq!(vault.block_count(), blocks, "{bytes}");
        let mut image = vec![0u8; vault.buffer_len()];
        vault.emit(&mut image).unwrap();
        let view = VaultView::new_checked(&image, size).unwrap();
        let found: Vec<_> = view.passports().map(|p| p.location()).collect();
        assert_eq!(found, places, "{bytes}");
        for (passport, (block, offset)) in view.passports().zip(&places) {
            let at = block * bytes + offset;
            assert_eq!(
                &image[at..at + passport.as_bytes().len()],
                passport.as_bytes()
            );
            assert!(passport.verify(key().verifying_key()).is_ok());
        }
        assert_eq!(Vault::<40>::parse(&image, size).unwrap(), vault);
        assert!(matches!(
            Vault::<3>::parse(&image, size).map_err(|error| *error.reason()),
            Err(Reason::CapacityExceeded { what: "vault", .. })
        ));
    }
}

#[test]
fn reader_rule_padding_and_lying_lengths() {
    let size = BlockSize::new(512).unwrap();
    let mut vault = Vault::<4>::new(size);
    vault.add(passport(1, 1, Framework::Gdpr, 10, 10)).unwrap();
    let mut image = vec![0u8; 512];
    vault.emit(&mut image).unwrap();
    let reseal = |image: &mut Vec<u8>| seal(&mut image[..512], Tag::CMVT, 0).unwrap();

    // A count past what the blocks hold: truncated.
    let mut more = image.clone();
    more[0] = 2;
    reseal(&mut more);
    let error = VaultView::new_checked(&more, size).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::Truncated {
            needed: 2,
            available: 1,
            unit: Unit::Passports
        }
    );
    assert_eq!(error.location().field(), Some("passport_count"));
    assert_eq!(error.kind(), ErrorKind::Truncated);

    // Lengths out of range or running past the payload: invalid_field naming the field.
    for (offset, value, field) in [
        (16 + 60, 129i32, "issuer_len"),
        (16 + 60, -1, "issuer_len"),
        (16 + 74, 257, "notes_len"),
        (16 + 74, -7, "notes_len"),
    ] {
        let mut broken = image.clone();
        broken[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        reseal(&mut broken);
        let error = VaultView::new_checked(&broken, size).unwrap_err();
        match error.reason() {
            Reason::InvalidField { value: v, .. } => {
                let location = error.location();
                assert_eq!(location.block(), Some(0));
                assert_eq!(
                    (location.field(), location.offset(), *v),
                    (Some(field), Some(offset), i64::from(value))
                );
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    // A passport of 132 + 128 + 200 = 460 bytes at offset 16 ends at 476; saying 256
    // notes makes it end at 532, past the 496-byte payload.
    let mut large = Vault::<1>::new(size);
    large
        .add(passport(7, 1, Framework::Gdpr, 128, 200))
        .unwrap();
    let mut past = vec![0u8; 512];
    large.emit(&mut past).unwrap();
    let notes_len_at = 16 + 64 + 128;
    past[notes_len_at..notes_len_at + 4].copy_from_slice(&256i32.to_le_bytes());
    reseal(&mut past);
    let error = VaultView::new_checked(&past, size).unwrap_err();
    assert!(
        matches!(error.reason(), Reason::InvalidField { value: 256, .. })
            && error.location().field() == Some("notes_len")
            && error.location().offset() == Some(208),
        "{error}"
    );
    assert!(error.to_string().contains("runs past"), "{error}");

    // Non-zero bytes where the reader rule says padding.
    let mut junk = image.clone();
    junk[400] = 1;
    reseal(&mut junk);
    let error = VaultView::new_checked(&junk, size).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidField);
    assert_eq!(
        (error.location().field(), error.location().offset()),
        (Some("padding"), Some(400))
    );
    let mut reserved = image.clone();
    reserved[9] = 1;
    reseal(&mut reserved);
    let error = VaultView::new_checked(&reserved, size).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidField);
    assert_eq!(
        (error.location().field(), error.location().offset()),
        (Some("reserved"), Some(9))
    );
}

#[test]
fn utf8_is_checked_by_the_accessor_not_by_parsing() {
    let size = BlockSize::new(512).unwrap();
    let bad = Passport::new(
        Uuid::from_u128(1),
        Uuid::from_u128(2),
        Framework::Ccpa,
        ComplianceStatus::Exempt,
    )
    .with_issuer(b"ok")
    .unwrap()
    .with_notes(&[b'a', 0xFF, b'b'])
    .unwrap();
    let mut vault = Vault::<1>::new(size);
    vault.add(bad).unwrap();
    let mut image = vec![0u8; 512];
    vault.emit(&mut image).unwrap();
    let view = VaultView::new_checked(&image, size).unwrap();
    let passport = view.passports().next().unwrap();
    assert_eq!(passport.issuer().unwrap(), "ok");
    let error = passport.notes().unwrap_err();
    assert_eq!(*error.reason(), Reason::InvalidUtf8 { valid_up_to: 1 });
    assert_eq!(error.location().field(), Some("notes"));
    assert_eq!(passport.notes_bytes(), &[b'a', 0xFF, b'b']);
}

#[test]
fn unknown_framework_and_status_codes_round_trip() {
    assert_eq!(Framework::from_code(8), Framework::FedRamp);
    assert_eq!(Framework::from_code(9), Framework::Other(9));
    assert_eq!(Framework::Other(9).to_string(), "unknown (9)");
    assert_eq!(Framework::PciDss.to_string(), "PCI-DSS");
    assert_eq!(
        ComplianceStatus::from_code(4),
        ComplianceStatus::PendingReview
    );
    assert_eq!(ComplianceStatus::from_code(0xFFFF).code(), 0xFFFF);
    let size = BlockSize::new(512).unwrap();
    let mut vault = Vault::<1>::new(size);
    vault
        .add(Passport::new(
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Framework::from_code(300),
            ComplianceStatus::from_code(77),
        ))
        .unwrap();
    let mut image = vec![0u8; 512];
    vault.emit(&mut image).unwrap();
    assert_eq!(&image[16 + 32..16 + 36], &[44, 1, 77, 0]);
    let parsed = Vault::<1>::parse(&image, size).unwrap();
    assert_eq!(parsed.all()[0].framework(), Framework::Other(300));
    assert_eq!(parsed, vault);
}

#[test]
fn guids_are_stored_in_microsoft_byte_order() {
    let size = BlockSize::new(512).unwrap();
    let id = Uuid::parse_str("00112233-4455-6677-8899-aabbccddeeff").unwrap();
    let mut vault = Vault::<1>::new(size);
    vault
        .add(Passport::new(
            id,
            id,
            Framework::Gdpr,
            ComplianceStatus::Unknown,
        ))
        .unwrap();
    let mut image = vec![0u8; 512];
    vault.emit(&mut image).unwrap();
    // First three fields little-endian, the last eight bytes as written.
    let expected = hex::decode("33221100554477668899aabbccddeeff").unwrap();
    assert_eq!(&image[16..32], &expected[..]);
    assert_eq!(&image[32..48], &expected[..]);
    let _ = Ticks::new(0);
}

#[test]
fn placement_boundaries_at_512_byte_blocks() {
    let size = BlockSize::new(512).unwrap();
    // (issuer, notes) pairs and where SPEC §4 puts them. Block 0 has 480 bytes for
    // passports (16..496), later blocks 496.
    type Lengths = &'static [(usize, usize)];
    type Places = &'static [(usize, usize)];
    let cases: [(Lengths, Places); 4] = [
        // 348 + 132 = 480: block 0 filled exactly.
        (&[(128, 88), (0, 0)], &[(0, 16), (0, 364)]),
        // 349 + 132: 131 bytes left, too few for any passport.
        (&[(128, 89), (0, 0)], &[(0, 16), (1, 0)]),
        // 348 then 200: 132 zero bytes left, read as padding (nil id).
        (&[(128, 88), (34, 34)], &[(0, 16), (1, 0)]),
        // 496 bytes: a whole later payload, never block 0.
        (&[(128, 236)], &[(1, 0)]),
    ];
    for (lengths, places) in cases {
        let mut vault = Vault::<4>::new(size);
        for (index, (issuer, notes)) in lengths.iter().enumerate() {
            vault
                .add(passport(
                    index as u128 + 1,
                    1,
                    Framework::Soc2,
                    *issuer,
                    *notes,
                ))
                .unwrap();
        }
        let sizes: Vec<usize> = vault.all().iter().map(Passport::serialized_len).collect();
        assert_eq!(
            spec_placement(512, &sizes).0,
            places.to_vec(),
            "the test's own placement"
        );
        let mut image = vec![0u8; vault.buffer_len()];
        vault.emit(&mut image).unwrap();
        let view = VaultView::new_checked(&image, size).unwrap();
        let found: Vec<_> = view.passports().map(|p| p.location()).collect();
        assert_eq!(found, places.to_vec(), "{lengths:?}");
        assert!(
            view.passports()
                .all(|p| p.verify(key().verifying_key()).is_ok())
        );
        assert_eq!(Vault::<4>::parse(&image, size).unwrap(), vault);
    }
}

#[test]
fn a_vault_laid_out_with_a_larger_gap_reads_and_emits_canonically() {
    // Count 1, the passport in block 1 although it would fit in block 0: the reader rule
    // reads block 0's zeros as padding.
    let size = BlockSize::new(512).unwrap();
    let mut canonical = Vault::<2>::new(size);
    canonical
        .add(passport(5, 1, Framework::Fisma, 4, 4))
        .unwrap();
    let mut one_block = vec![0u8; 512];
    canonical.emit(&mut one_block).unwrap();
    let length = canonical.all()[0].serialized_len();
    let mut gapped = vec![0u8; 1024];
    gapped[0] = 1;
    gapped[512..512 + length].copy_from_slice(&one_block[16..16 + length]);
    for block in gapped.chunks_exact_mut(512) {
        seal(block, Tag::CMVT, 0).unwrap();
    }
    let view = VaultView::new_checked(&gapped, size).unwrap();
    assert_eq!(view.passports().next().unwrap().location(), (1, 0));
    let parsed = Vault::<2>::parse(&gapped, size).unwrap();
    assert_eq!(parsed, canonical);
    let mut emitted = vec![0u8; parsed.buffer_len()];
    parsed.emit(&mut emitted).unwrap();
    assert_eq!(emitted, one_block, "emit is canonical and more compact");
}

#[test]
fn passport_ids_are_unique_in_an_owned_vault() {
    let size = BlockSize::new(4096).unwrap();
    let mut vault = Vault::<4>::new(size);
    vault.add(passport(1, 1, Framework::Gdpr, 0, 0)).unwrap();
    let error = vault.add(passport(1, 2, Framework::Sox, 0, 0)).unwrap_err();
    assert!(
        matches!(
            error.reason(),
            Reason::InvalidArgument {
                argument: "passport_id",
                ..
            }
        ),
        "{error}"
    );
    // An image repeating an id: the view shows it, the owned parse refuses it.
    let twice = [
        passport(1, 1, Framework::Gdpr, 0, 0),
        passport(1, 1, Framework::Gdpr, 0, 0),
    ];
    let mut image = vec![0u8; 4096];
    dwvd_regions::vault::emit_parts(size, &twice, 0, &mut image).unwrap();
    assert_eq!(
        VaultView::new_checked(&image, size)
            .unwrap()
            .passports()
            .count(),
        2
    );
    let error = Vault::<4>::parse(&image, size).unwrap_err();
    assert!(
        error.kind() == ErrorKind::InvalidField
            && error.block() == Some(0)
            && error.location().field() == Some("passport_id")
            && error.location().offset() == Some(148),
        "{error}"
    );
    vault.clear();
    assert_eq!(vault.count(), 0);
}

#[test]
fn generations_advance_wrap_and_are_sealed_into_every_block() {
    let mut vault = Vault::<4>::new(BlockSize::MIN);
    assert_eq!(vault.advance_generation(), 1);
    assert_eq!(vault.generation(), 1);
    vault.set_generation(u32::MAX);
    assert_eq!(vault.advance_generation(), 0);
    vault.set_generation(0x0102_0304);
    assert_eq!(vault.advance_generation(), 0x0102_0305);
    vault.add(passport(1, 2, Framework::Gdpr, 10, 0)).unwrap();
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    for block in image.chunks(512) {
        assert_eq!(&block[500..504], &0x0102_0305u32.to_le_bytes());
    }
}

#[test]
fn verify_all_reports_every_passport_once() {
    use dwvd_regions::vault::SignaturePolicy;
    let mut vault = Vault::<4>::new(BlockSize::DEFAULT);
    for id in 1..=3 {
        vault.add(passport(id, 9, Framework::Soc2, 5, 5)).unwrap();
    }
    let right = key();
    let results: Vec<_> = vault.verify_all(right.verifying_key()).collect();
    assert_eq!(results.len(), 3);
    for ((passport, result), expected) in results.iter().zip(vault.all()) {
        assert_eq!(*passport, expected);
        assert!(result.is_ok());
    }
    let wrong = SigningKey::from_slice(&[0x24; 32]).unwrap();
    let results: Vec<_> = vault
        .verify_all_with_policy(wrong.verifying_key(), SignaturePolicy::LowSOnly)
        .collect();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|(_, result)| {
        result
            .as_ref()
            .is_err_and(|error| error.kind() == ErrorKind::BadSignature)
    }));
}

#[test]
fn the_passport_iterator_knows_how_many_are_left() {
    let mut vault = Vault::<4>::new(BlockSize::MIN);
    for id in 1..=3 {
        vault
            .add(passport(id, 9, Framework::Ccpa, 20, 100))
            .unwrap();
    }
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let view = VaultView::new_checked(&image, BlockSize::MIN).unwrap();
    let mut passports = view.passports();
    assert_eq!(passports.size_hint(), (3, Some(3)));
    assert_eq!(passports.len(), 3);
    passports.next();
    assert_eq!(passports.size_hint(), (2, Some(2)));
    assert_eq!(passports.by_ref().count(), 2);
    assert_eq!(passports.size_hint(), (0, Some(0)));
}

#[test]
fn the_view_finds_a_passport_by_id() {
    let mut vault = Vault::<4>::new(BlockSize::MIN);
    for id in 1..=3 {
        vault
            .add(passport(id, 40 + id, Framework::Gdpr, 10, 10))
            .unwrap();
    }
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let view = VaultView::new_checked(&image, BlockSize::MIN).unwrap();
    let found = view.find(Uuid::from_u128(2)).unwrap();
    assert_eq!(found.passport_id(), Uuid::from_u128(2));
    assert_eq!(found.object_id(), Uuid::from_u128(42));
    assert!(view.find(Uuid::from_u128(9)).is_none());
}
