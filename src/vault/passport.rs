//! The owned compliance passport, its serialized form and its signature.

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey};
use uuid::Uuid;
use zerocopy::IntoBytes;
use zerocopy::little_endian::{I32, I64, U16};

use super::layout::{
    ComplianceStatus, Framework, ISSUER, MAX_ISSUER_LEN, MAX_NOTES_LEN, MIN_PASSPORT_LEN, NOTES,
    PassportHead, SIGNATURE_LEN,
};
use super::signature::{DigestVerifier, SignaturePolicy, sign_digest, sign_digest_with};
use crate::error::{Error, Location, Reason, Result};
use crate::ticks::Ticks;

/// A compliance passport: the assessment of one data object against one framework,
/// signed with ECDSA P-256 (SPEC §4). Owned and bounded: the issuer holds at most 128
/// bytes and the notes at most 256, in `heapless` vectors.
///
/// Issuer and notes are bytes (UTF-8 by convention): [`issuer`](Self::issuer) and
/// [`notes`](Self::notes) give checked `&str` views, the `_bytes` accessors the bytes.
///
/// ```
/// use dwvd_regions::Ticks;
/// use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let key = SigningKey::from_slice(&[0x42; 32]).unwrap(); // a fixed seed: no RNG
/// let passport = Passport::new(
///     Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
///     Uuid::from_u128(42),
///     Framework::Gdpr,
///     ComplianceStatus::Compliant,
/// )
/// .with_issued(Ticks::from_unix_seconds(1_764_403_200).unwrap())
/// .with_issuer(b"dpo@example.org")?
/// .with_notes(b"annual review")?
/// .signed(&key)?;
/// assert!(passport.verify(key.verifying_key()).is_ok());
/// assert_eq!(passport.issuer()?, "dpo@example.org");
/// assert_eq!(passport.serialized_len(), 132 + 15 + 13);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    passport_id: Uuid,
    object_id: Uuid,
    framework: Framework,
    status: ComplianceStatus,
    issued: Ticks,
    expires: Ticks,
    last_verified: Ticks,
    issuer: heapless::Vec<u8, MAX_ISSUER_LEN>,
    notes: heapless::Vec<u8, MAX_NOTES_LEN>,
    signature: [u8; SIGNATURE_LEN],
}

impl Passport {
    /// A passport with these identities and assessment; times 0, no expiry, empty issuer
    /// and notes, and an all-zero (invalid) signature until [`signed`](Self::signed).
    #[must_use]
    pub const fn new(
        passport_id: Uuid,
        object_id: Uuid,
        framework: Framework,
        status: ComplianceStatus,
    ) -> Self {
        Passport {
            passport_id,
            object_id,
            framework,
            status,
            issued: Ticks::new(0),
            expires: Ticks::new(0),
            last_verified: Ticks::new(0),
            issuer: heapless::Vec::new(),
            notes: heapless::Vec::new(),
            signature: [0; SIGNATURE_LEN],
        }
    }

    /// With the issue time.
    #[must_use]
    pub const fn with_issued(mut self, issued: Ticks) -> Self {
        self.issued = issued;
        self
    }

    /// With the expiry time ([`Ticks::new(0)`](Ticks::new) = never).
    #[must_use]
    pub const fn with_expires(mut self, expires: Ticks) -> Self {
        self.expires = expires;
        self
    }

    /// With the time the assessment was last verified.
    #[must_use]
    pub const fn with_last_verified(mut self, last_verified: Ticks) -> Self {
        self.last_verified = last_verified;
        self
    }

    /// With the issuer's bytes.
    ///
    /// # Errors
    ///
    /// `invalid_argument` for more than 128 bytes.
    pub fn with_issuer(mut self, issuer: &[u8]) -> Result<Self> {
        self.issuer = heapless::Vec::from_slice(issuer).map_err(|_| ISSUER_TOO_LONG)?;
        Ok(self)
    }

    /// With the notes' bytes.
    ///
    /// # Errors
    ///
    /// `invalid_argument` for more than 256 bytes.
    pub fn with_notes(mut self, notes: &[u8]) -> Result<Self> {
        self.notes = heapless::Vec::from_slice(notes).map_err(|_| NOTES_TOO_LONG)?;
        Ok(self)
    }

    /// With a signature made elsewhere (raw `r‖s`).
    #[must_use]
    pub const fn with_signature(mut self, signature: [u8; SIGNATURE_LEN]) -> Self {
        self.signature = signature;
        self
    }

    /// Signed with `key`: deterministic (RFC 6979, no RNG), low-S. Signing the same
    /// passport twice gives the same bytes.
    ///
    /// # Errors
    ///
    /// As [`sign_digest`](super::sign_digest): practically never.
    pub fn signed(mut self, key: &SigningKey) -> Result<Self> {
        self.signature = sign_digest(&self.signed_payload_digest(), key)?;
        Ok(self)
    }

    /// Signed by `signer`, any [`PrehashSigner`] of P-256 signatures: a secure element
    /// or HSM whose driver implements RustCrypto's `signature` traits signs the
    /// passport's SHA-256 digest without the key ever reaching this code. Low-S, like
    /// [`signed`](Self::signed) (which is this with a [`SigningKey`]).
    ///
    /// ```
    /// use dwvd_regions::p256::ecdsa::{Signature, SigningKey};
    /// use dwvd_regions::p256::ecdsa::signature::{Error, hazmat::PrehashSigner};
    /// use dwvd_regions::vault::{ComplianceStatus, Framework, Passport};
    /// use uuid::Uuid;
    ///
    /// /// A stand-in for a secure element: it holds the key and signs digests.
    /// struct SecureElement(SigningKey);
    /// impl PrehashSigner<Signature> for SecureElement {
    ///     fn sign_prehash(&self, digest: &[u8]) -> Result<Signature, Error> {
    ///         self.0.sign_prehash(digest)
    ///     }
    /// }
    ///
    /// let key = SigningKey::from_slice(&[7; 32]).expect("a valid scalar");
    /// let passport = Passport::new(Uuid::from_u128(1), Uuid::from_u128(2), Framework::Sox, ComplianceStatus::Compliant);
    /// let by_element = passport.clone().signed_by(&SecureElement(key.clone()))?;
    /// assert_eq!(by_element, passport.signed(&key)?);
    /// assert!(by_element.verify(key.verifying_key()).is_ok());
    /// # Ok::<(), dwvd_regions::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_argument` (field `digest`) when the signer refuses.
    pub fn signed_by<S: PrehashSigner<Signature> + ?Sized>(mut self, signer: &S) -> Result<Self> {
        self.signature = sign_digest_with(&self.signed_payload_digest(), signer)?;
        Ok(self)
    }

    /// The passport's id (never nil in a vault: the nil id marks padding).
    #[must_use]
    pub const fn passport_id(&self) -> Uuid {
        self.passport_id
    }

    /// The id of the data object assessed.
    #[must_use]
    pub const fn object_id(&self) -> Uuid {
        self.object_id
    }

    /// The framework assessed against.
    #[must_use]
    pub const fn framework(&self) -> Framework {
        self.framework
    }

    /// The assessment's outcome.
    #[must_use]
    pub const fn status(&self) -> ComplianceStatus {
        self.status
    }

    /// When the passport was issued.
    #[must_use]
    pub const fn issued(&self) -> Ticks {
        self.issued
    }

    /// When the passport expires, as stored (0 = never).
    #[must_use]
    pub const fn expires(&self) -> Ticks {
        self.expires
    }

    /// When the passport expires, or `None` if it never does.
    #[must_use]
    pub const fn expiry(&self) -> Option<Ticks> {
        if self.expires.get() == 0 {
            None
        } else {
            Some(self.expires)
        }
    }

    /// When the assessment was last verified.
    #[must_use]
    pub const fn last_verified(&self) -> Ticks {
        self.last_verified
    }

    /// The issuer's bytes.
    #[must_use]
    pub fn issuer_bytes(&self) -> &[u8] {
        &self.issuer
    }

    /// The issuer as text.
    ///
    /// # Errors
    ///
    /// `invalid_utf8` when the bytes are not UTF-8 ([`issuer_bytes`](Self::issuer_bytes)
    /// still gives them).
    pub fn issuer(&self) -> Result<&str> {
        utf8(&ISSUER, &self.issuer)
    }

    /// The notes' bytes.
    #[must_use]
    pub fn notes_bytes(&self) -> &[u8] {
        &self.notes
    }

    /// The notes as text.
    ///
    /// # Errors
    ///
    /// `invalid_utf8` when the bytes are not UTF-8 ([`notes_bytes`](Self::notes_bytes)
    /// still gives them).
    pub fn notes(&self) -> Result<&str> {
        utf8(&NOTES, &self.notes)
    }

    /// The signature, raw `r‖s`.
    #[must_use]
    pub const fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// Whether the passport carries a signature: `false` for the all-zero bytes
    /// [`new`](Self::new) starts with (never a valid signature: `r` = 0 is out of range).
    #[must_use]
    pub fn is_signed(&self) -> bool {
        self.signature != [0; SIGNATURE_LEN]
    }

    /// Bytes on disk: `132 + issuer + notes`.
    #[must_use]
    pub fn serialized_len(&self) -> usize {
        MIN_PASSPORT_LEN
            .saturating_add(self.issuer.len())
            .saturating_add(self.notes.len())
    }

    fn head(&self) -> PassportHead {
        PassportHead {
            passport_id: self.passport_id.to_bytes_le(),
            object_id: self.object_id.to_bytes_le(),
            framework_id: U16::new(self.framework.code()),
            compliance_status: U16::new(self.status.code()),
            issued_utc_ticks: I64::new(self.issued.get()),
            expires_utc_ticks: I64::new(self.expires.get()),
            last_verified_utc_ticks: I64::new(self.last_verified.get()),
            // At most 128: bounded by the vector's capacity.
            issuer_len: I32::new(i32::try_from(self.issuer.len()).unwrap_or(i32::MAX)),
        }
    }

    fn notes_len_field(&self) -> I32 {
        I32::new(i32::try_from(self.notes.len()).unwrap_or(i32::MAX))
    }

    /// SHA-256 of the signed payload: the serialized passport without its signature.
    #[must_use]
    pub fn signed_payload_digest(&self) -> [u8; 32] {
        crate::sha256::sha256(&[
            self.head().as_bytes(),
            &self.issuer,
            self.notes_len_field().as_bytes(),
            &self.notes,
        ])
    }

    /// Writes the serialized passport (SPEC §4) at the start of `out`; returns its length.
    ///
    /// # Errors
    ///
    /// `record_too_large` when `out` is shorter than
    /// [`serialized_len`](Self::serialized_len).
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize> {
        let length = self.serialized_len();
        let capacity = out.len();
        let too_large = || Error::from(Reason::RecordTooLarge { length, capacity });
        let out = out.get_mut(..length).ok_or_else(too_large)?;
        let head = self.head();
        let notes_len = self.notes_len_field();
        let mut position = 0usize;
        for piece in [
            head.as_bytes(),
            &self.issuer,
            notes_len.as_bytes(),
            &self.notes,
            &self.signature,
        ] {
            let end = position.saturating_add(piece.len());
            out.get_mut(position..end)
                .ok_or_else(too_large)?
                .copy_from_slice(piece);
            position = end;
        }
        Ok(length)
    }

    /// Verifies the signature with `key` under the default (lenient, high-S accepted)
    /// [`SignaturePolicy`].
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`](super::verify_digest): `Malformed` or
    /// `Mismatch` (never `HighS` under this policy).
    pub fn verify<K: DigestVerifier + ?Sized>(&self, key: &K) -> Result<()> {
        self.verify_with_policy(key, SignaturePolicy::default())
    }

    /// Verifies the signature with `key` under `policy`: `p256`'s `VerifyingKey` or a
    /// verifier of a key known in advance ([`DigestVerifier`]).
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`](super::verify_digest).
    pub fn verify_with_policy<K: DigestVerifier + ?Sized>(
        &self,
        key: &K,
        policy: SignaturePolicy,
    ) -> Result<()> {
        key.verify_digest(&self.signed_payload_digest(), &self.signature, policy)
    }

    pub(crate) fn from_parts(
        head: &PassportHead,
        issuer: &[u8],
        notes: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<Self> {
        let mut passport = Passport::new(
            Uuid::nil(),
            Uuid::nil(),
            Framework::Gdpr,
            ComplianceStatus::Unknown,
        );
        passport.set_parts(head, issuer, notes, signature)?;
        Ok(passport)
    }

    /// Overwrites every field with the parts read from disk, in place (a vault being
    /// parsed fills its passports where they lie, rather than moving half-kilobyte
    /// values through builder calls on a small stack). On an error the passport is
    /// partly overwritten.
    pub(crate) fn set_parts(
        &mut self,
        head: &PassportHead,
        issuer: &[u8],
        notes: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<()> {
        self.passport_id = Uuid::from_bytes_le(head.passport_id);
        self.object_id = Uuid::from_bytes_le(head.object_id);
        self.framework = Framework::from_code(head.framework_id.get());
        self.status = ComplianceStatus::from_code(head.compliance_status.get());
        self.issued = Ticks::new(head.issued_utc_ticks.get());
        self.expires = Ticks::new(head.expires_utc_ticks.get());
        self.last_verified = Ticks::new(head.last_verified_utc_ticks.get());
        self.issuer.clear();
        self.issuer
            .extend_from_slice(issuer)
            .map_err(|_| ISSUER_TOO_LONG)?;
        self.notes.clear();
        self.notes
            .extend_from_slice(notes)
            .map_err(|_| NOTES_TOO_LONG)?;
        self.signature = *signature;
        Ok(())
    }
}

const ISSUER_TOO_LONG: Error =
    Error::invalid_argument("issuer", text!("it must be at most 128 bytes"));

const NOTES_TOO_LONG: Error =
    Error::invalid_argument("notes", text!("it must be at most 256 bytes"));

pub(crate) fn utf8<'a>(field: &'static &'static str, bytes: &'a [u8]) -> Result<&'a str> {
    core::str::from_utf8(bytes).map_err(|error| {
        Error::new(
            Reason::InvalidUtf8 {
                valid_up_to: error.valid_up_to(),
            },
            Location::NOWHERE.with_value_field(field),
        )
    })
}
