//! A second signature-verification backend: `ring`'s P-256 (feature `ring`).
//!
//! `p256` is pure Rust and `no_std`, what firmware needs; on x86-64 and AArch64 `ring`'s
//! assembly field arithmetic verifies about five times faster, which matters to an
//! inspector verifying a vault of thousands of passports. Both backends answer the same
//! for every signature (tested over Wycheproof's P1363 set and the golden vaults): the
//! signature's form is checked by the crate itself before either backend runs, so a
//! malformed one is `Malformed` in both, and the low-S policy is applied the same way.

use p256::ecdsa::VerifyingKey;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

use super::signature::{SignaturePolicy, SignatureVerifier, bad_signature, check_signature};
use crate::error::{Result, SignatureFailure};

/// Length of an uncompressed SEC1 P-256 point: `0x04 ‖ x ‖ y`.
const UNCOMPRESSED_POINT_LEN: usize = 65;

/// A P-256 public key for `ring`'s verifier (feature `ring`): a [`SignatureVerifier`]
/// that gives the same answers as [`p256::ecdsa::VerifyingKey`], faster.
///
/// ```
/// use dwvd_regions::vault::{RingVerifyingKey, SignaturePolicy, SignatureVerifier, sign_digest};
/// use p256::ecdsa::SigningKey;
/// use sha2::{Digest, Sha256};
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &signing)?;
/// let key = RingVerifyingKey::new(signing.verifying_key());
/// assert!(key.verify_message(b"hello", &signature, SignaturePolicy::default()).is_ok());
/// assert!(key.verify_message(b"hellO", &signature, SignaturePolicy::default()).is_err());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingVerifyingKey {
    /// The key as `ring` takes it: an uncompressed SEC1 point.
    uncompressed: [u8; UNCOMPRESSED_POINT_LEN],
}

impl RingVerifyingKey {
    /// The same key as `key`, for `ring`. (A `VerifyingKey` is already a checked point,
    /// so this cannot fail; load SEC1 bytes with
    /// [`verifying_key_from_sec1`](super::verifying_key_from_sec1) first.)
    #[must_use]
    pub fn new(key: &VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        let mut uncompressed = [0u8; UNCOMPRESSED_POINT_LEN];
        // An uncompressed P-256 point is always 65 bytes; a shorter encoding (only the
        // identity, which a VerifyingKey never is) would leave zeros that ring refuses.
        let bytes = point.as_bytes();
        if let Some(prefix) = uncompressed.get_mut(..bytes.len()) {
            prefix.copy_from_slice(bytes);
        }
        Self { uncompressed }
    }

    /// The key as an uncompressed SEC1 point.
    #[must_use]
    pub fn as_uncompressed_sec1(&self) -> &[u8; UNCOMPRESSED_POINT_LEN] {
        &self.uncompressed
    }
}

impl From<&VerifyingKey> for RingVerifyingKey {
    fn from(key: &VerifyingKey) -> Self {
        Self::new(key)
    }
}

impl SignatureVerifier for RingVerifyingKey {
    fn verify_message(
        &self,
        message: &[u8],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        // The crate's own form and policy checks around ring's arithmetic, so every
        // backend refuses the same signatures for the same reason (ring's error says
        // nothing of why).
        check_signature(signature, policy, |_| {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.uncompressed)
                .verify(message, signature)
                .map_err(|_| SignatureFailure::Mismatch)
        })
        .map_err(bad_signature)
    }
}
