//! Every truncation and single-bit flip of every CMVT golden image gives a typed error,
//! or — for a flip in the generation field of a one-block image — the same vault with
//! that generation. And a flipped bit in a passport's fields or signature, in a block
//! whose checksum is then re-sealed, fails verification (or, for a length field, parsing).

use crate::common;

use dwvd_regions::Region;
use dwvd_regions::block::seal;
use dwvd_regions::vault::{Vault, VaultView, verifying_key_from_sec1};
use dwvd_regions::{BlockSize, Tag};

#[test]
fn truncations_and_bit_flips_never_pass_as_other_content() {
    let cases: Vec<_> = common::cases("cmvt")
        .into_iter()
        .filter(|case| case.expect().is_some())
        .collect();
    assert_eq!(cases.len(), 8);
    let mut tried = common::Mutilations::default();
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        tried += common::mutilate(
            case,
            |image| Vault::<64>::parse(image, size),
            |vault, generation| {
                let mut changed = vault.clone();
                changed.set_generation(generation);
                (changed, vault.generation())
            },
        );
    }
    let bytes = 8 * 4096 + 44 * 512;
    // One-block images: bs4096 empty and three, bs512 empty.
    assert_eq!(
        tried,
        common::Mutilations {
            truncations: bytes,
            flips: 8 * bytes,
            generation_flips: 3 * 32
        }
    );
}

/// Field boundaries of a passport with these lengths: (name, start, end).
fn fields(issuer: usize, notes: usize) -> Vec<(&'static str, usize, usize)> {
    let notes_len = 64 + issuer;
    vec![
        ("passport_id", 0, 16),
        ("object_id", 16, 32),
        ("framework_id", 32, 34),
        ("compliance_status", 34, 36),
        ("issued_utc_ticks", 36, 44),
        ("expires_utc_ticks", 44, 52),
        ("last_verified_utc_ticks", 52, 60),
        ("issuer_len", 60, 64),
        ("issuer", 64, 64 + issuer),
        ("notes_len", notes_len, notes_len + 4),
        ("notes", notes_len + 4, notes_len + 4 + notes),
        ("signature_r", notes_len + 4 + notes, notes_len + 36 + notes),
        (
            "signature_s",
            notes_len + 36 + notes,
            notes_len + 68 + notes,
        ),
    ]
}

#[test]
fn resealed_flips_in_passport_fields_fail_verification() {
    let mut checked = 0usize;
    for case in common::cases("cmvt")
        .into_iter()
        .filter(|case| case.expect().is_some())
    {
        let bs = case.block_size();
        let size = BlockSize::new(bs).unwrap();
        let key = verifying_key_from_sec1(&common::unhex(
            case.meta["public_key_sec1"].as_str().unwrap(),
        ))
        .unwrap();
        let view = VaultView::new_checked(&case.image, size).unwrap();
        let valid_before: Vec<bool> = view.passports().map(|p| p.verify(&key).is_ok()).collect();
        for (index, passport) in view.passports().enumerate() {
            if !valid_before[index] {
                continue; // the tampered passport of a `many` case already fails
            }
            let (block, offset) = passport.location();
            let (issuer, notes) = (passport.issuer_bytes().len(), passport.notes_bytes().len());
            for (name, start, end) in fields(issuer, notes) {
                if start == end {
                    continue;
                }
                // One bit at the start and one at the end of each field.
                for bit in [start * 8, end * 8 - 1] {
                    let mut image = case.image.clone();
                    let at = block * bs + offset + bit / 8;
                    image[at] ^= 1 << (bit % 8);
                    seal(
                        &mut image[block * bs..(block + 1) * bs],
                        Tag::CMVT,
                        view.generation(),
                    )
                    .unwrap();
                    checked += 1;
                    let Ok(mutated) = VaultView::new_checked(&image, size) else {
                        // Only a length or an id can make the region unreadable.
                        assert!(
                            matches!(name, "issuer_len" | "notes_len" | "passport_id"),
                            "{} {name}",
                            case.name
                        );
                        continue;
                    };
                    // The flipped passport fails; its neighbours are untouched (a changed
                    // length may shift what follows, so they are checked only otherwise).
                    let mutated: Vec<_> = mutated.passports().collect();
                    if let Some(flipped) = mutated.get(index) {
                        assert!(
                            flipped.verify(&key).is_err(),
                            "{} passport {index} {name} bit {bit} still verifies",
                            case.name
                        );
                    }
                    if !matches!(name, "issuer_len" | "notes_len") {
                        assert_eq!(mutated.len(), valid_before.len());
                        for other in [index.wrapping_sub(1), index + 1] {
                            if let Some(neighbour) = mutated.get(other) {
                                assert_eq!(
                                    neighbour.verify(&key).is_ok(),
                                    valid_before[other],
                                    "{} passport {other}",
                                    case.name
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 2000, "{checked} re-sealed flips checked");
}
