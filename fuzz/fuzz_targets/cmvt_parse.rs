//! Compliance Vault parsing from arbitrary bytes and block sizes.
//!
//! Invariants, beyond "did not crash":
//! * the view and the owned parse agree (same error, or the same passports);
//! * a vault that parses emits a vault that reads back the same, byte for byte when the
//!   input was laid out canonically (its first `block_count` blocks);
//! * every passport read in place lies inside its block's payload, never has a nil id,
//!   and its signed payload is its bytes without the last 64;
//! * verification with a fixed key never panics, and a passport re-signed with that key
//!   verifies.
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

use dwvd_regions::Region;
use dwvd_regions::vault::{Vault, VaultView};
use dwvd_regions::{BlockSize, ErrorKind, Tag};
use dwvd_regions_fuzz::{Input, resealed};
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::SigningKey;

const CAPACITY: usize = 48;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::decode(data) else {
        return;
    };
    let Ok(size) = BlockSize::new(input.block_size) else {
        return;
    };
    let region = if input.reseal {
        resealed(input.region, input.block_size, Tag::CMVT)
    } else {
        input.region.to_vec()
    };
    let view = VaultView::new_checked(&region, size);
    let owned = Vault::<CAPACITY>::parse(&region, size);
    let (view, owned) = match (view, owned) {
        (Err(view_error), Err(owned_error)) => {
            assert_eq!(view_error, owned_error);
            if input.reseal {
                assert!(
                    matches!(
                        view_error.kind(),
                        ErrorKind::InvalidField | ErrorKind::Truncated
                    ),
                    "{view_error}"
                );
            }
            return;
        }
        (Ok(view), Err(owned_error)) => {
            // Only two reasons: more passports than the capacity, or an id that repeats.
            if owned_error.kind() == ErrorKind::CapacityExceeded {
                assert!(view.passport_count() > CAPACITY);
            } else {
                assert_eq!(owned_error.kind(), ErrorKind::InvalidField, "{owned_error}");
                let mut ids: Vec<_> = view.passports().map(|p| p.passport_id()).collect();
                let count = ids.len();
                ids.sort();
                ids.dedup();
                assert!(ids.len() < count, "{owned_error}");
            }
            assert_eq!(view.passports().count(), view.passport_count());
            return;
        }
        (Err(error), Ok(_)) => panic!("owned parse accepted what the view refused: {error}"),
        (Ok(view), Ok(owned)) => (view, owned),
    };

    assert_eq!(view.passports().count(), owned.count());
    let key = SigningKey::from_slice(&[0x5A; 32]).expect("fixed key");
    for (passport, copy) in view.passports().zip(owned.all()) {
        let (block, offset) = passport.location();
        assert!(block < view.block_count());
        assert!(offset + passport.as_bytes().len() <= input.block_size - 16);
        assert!(!passport.passport_id().is_nil());
        assert_eq!(
            passport.signed_payload().len() + 64,
            passport.as_bytes().len()
        );
        assert_eq!(passport.to_passport().as_ref(), Ok(copy));
        let _ = passport.verify(key.verifying_key());
        let _ = passport.issuer();
        let _ = passport.notes();
    }
    if let Some(first) = owned.all().first() {
        let resigned = first.clone().signed(&key).expect("signing never fails");
        assert!(resigned.verify(key.verifying_key()).is_ok());
    }

    // Emit is canonical: it reads back as the same vault, and byte for byte as the input
    // when the input was laid out canonically too (every passport as early as it fits).
    let mut emitted = vec![0u8; owned.buffer_len()];
    owned.emit(&mut emitted).expect("emit a parsed vault");
    let reread = VaultView::new_checked(&emitted, size).expect("emitted vault reads");
    assert_eq!(Vault::<CAPACITY>::from_view(&reread).as_ref(), Ok(&owned));
    let canonical = reread
        .passports()
        .map(|p| p.location())
        .eq(view.passports().map(|p| p.location()));
    if canonical {
        assert_eq!(emitted, region[..emitted.len()]);
    }
});
