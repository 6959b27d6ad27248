//! Passports signed through RustCrypto's `PrehashSigner`: a secure element or HSM signs
//! the digest; the result is the same deterministic, low-S signature as with the key.

use dwvd_regions::ErrorKind;
use dwvd_regions::p256::ecdsa::signature::{Error, hazmat::PrehashSigner};
use dwvd_regions::p256::ecdsa::{Signature, SigningKey};
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
use std::cell::Cell;
use uuid::Uuid;

/// A device that holds a key, counts what it signs, and can be told to refuse.
struct Device {
    key: SigningKey,
    signed: Cell<u32>,
    refuse: bool,
}

impl PrehashSigner<Signature> for Device {
    fn sign_prehash(&self, digest: &[u8]) -> Result<Signature, Error> {
        if self.refuse {
            return Err(Error::new());
        }
        assert_eq!(digest.len(), 32, "the device sees only the SHA-256 digest");
        self.signed.set(self.signed.get() + 1);
        self.key.sign_prehash(digest)
    }
}

fn passport() -> Passport {
    Passport::new(
        Uuid::from_u128(5),
        Uuid::from_u128(6),
        Framework::Hipaa,
        ComplianceStatus::PendingReview,
    )
    .with_notes(b"signed on a device")
    .unwrap()
}

#[test]
fn a_device_signs_what_the_key_would() {
    let key = SigningKey::from_slice(&[0x21; 32]).unwrap();
    let device = Device {
        key: key.clone(),
        signed: Cell::new(0),
        refuse: false,
    };
    let by_device = passport().signed_by(&device).unwrap();
    assert_eq!(device.signed.get(), 1);
    assert_eq!(by_device, passport().signed(&key).unwrap());
    by_device.verify(key.verifying_key()).unwrap();
    // Low S, whatever the device returns.
    let s = &by_device.signature()[32..];
    let half_n =
        hex::decode("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8").unwrap();
    assert!(s <= &half_n[..]);
}

#[test]
fn a_refusing_device_is_an_error_not_a_signature() {
    let device = Device {
        key: SigningKey::from_slice(&[0x21; 32]).unwrap(),
        signed: Cell::new(0),
        refuse: true,
    };
    let error = passport().signed_by(&device).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
}
