//! ECDSA P-256 over SHA-256 with raw `r‖s` signatures: signing (deterministic, RFC 6979,
//! low-S) and verification (lenient by default: high-S accepted).

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::jacobian::{self, Affine};
use super::layout::SIGNATURE_LEN;
use super::scalar;
use crate::error::{Error, Reason, Result, SignatureFailure};

/// Which signatures verification accepts.
///
/// An ECDSA signature `(r, s)` has a twin `(r, n − s)` that verifies just as well. Some
/// signers (this crate, Bitcoin) always emit the low one; others (.NET, OpenSSL) do not
/// normalise. The SPEC requires accepting both, so the default is
/// [`AcceptHighS`](Self::AcceptHighS). Callers who must reject malleable twins — for
/// example because they use the signature bytes as an identifier — ask for
/// [`LowSOnly`](Self::LowSOnly). Under both policies `r` and `s` must be in `1..n`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignaturePolicy {
    /// Accept any valid signature, high-S included (the SPEC's requirement).
    #[default]
    AcceptHighS,
    /// Accept only signatures whose `s` is in the lower half of the group order.
    LowSOnly,
}

/// A P-256 public key from SEC1 bytes: 33 (compressed) or 65 (uncompressed).
///
/// # Errors
///
/// `invalid_public_key` for any other length or a point not on the curve.
pub fn verifying_key_from_sec1(bytes: &[u8]) -> Result<VerifyingKey> {
    VerifyingKey::from_sec1_bytes(bytes).map_err(|_| Error::nowhere(Reason::InvalidPublicKey))
}

/// Verifies a raw `r‖s` `signature` over the SHA-256 `digest` of a message.
///
/// # Errors
///
/// `bad_signature` ([`Reason::BadSignature`]) with the reason: `Malformed` (not 64 bytes,
/// or `r` or `s` is 0 or ≥ n), `Mismatch` (a wrong key or changed bytes), or `HighS` (a
/// signature that verifies but has a high `s`, only under [`SignaturePolicy::LowSOnly`]).
pub fn verify_digest(
    digest: &[u8; 32],
    signature: &[u8],
    key: &VerifyingKey,
    policy: SignaturePolicy,
) -> Result<()> {
    // A verifying key is never the identity, so it always has affine coordinates.
    match Affine::from_point(key.as_affine()) {
        Some(point) => verify_digest_at(&point, digest, signature, policy),
        None => Err(bad_signature(SignatureFailure::Mismatch)),
    }
}

/// [`verify_digest`] against a key already in the crate's coordinates: what a `p256` key
/// (converted at each call) and a [`CompiledVerifyingKey`](super::CompiledVerifyingKey)
/// (decoded once) both run. The failure travels as its one-byte reason and the error is
/// built once, at the end, so the verify path (firmware's deepest stack, beside the P-256
/// arithmetic) holds no error-sized temporaries.
pub(super) fn verify_digest_at(
    key: &Affine,
    digest: &[u8; 32],
    signature: &[u8],
    policy: SignaturePolicy,
) -> Result<()> {
    check_signature(signature, policy, |parsed| {
        verify_prehash(key, digest, parsed)
    })
    .map_err(bad_signature)
}

/// ECDSA's verification equation for a well-formed signature (`r` and `s` in `1..n`):
/// with `z` the digest reduced mod `n`, `u1 = z·s⁻¹` and `u2 = r·s⁻¹`, accepted when
/// `R = u1·G + u2·Q` is not the identity and `x(R) mod n == r` (SEC 1 §4.1.4; what
/// `ecdsa`'s `verify_prehashed` computes). Written here for two reasons, each measured on
/// a Cortex-M4 (firmware/README.md):
/// * the two products mod `n` are [`scalar::product`]'s, the compact form on 32-bit
///   targets (`ecdsa`'s link `p256`'s 2.7 KiB Barrett reduction into firmware for them);
/// * `R` is summed in one walk down the bits of both scalars (Shamir's trick) in the
///   comb's Jacobian coordinates ([`jacobian`]), and `x(R)` compared without an
///   inversion: 2.2× fewer instructions than `p256`'s `lincomb`, which multiplies `G`
///   and `Q` one after the other and inverts to compare.
///
/// The key `Q` is in the crate's coordinates: converted from a `p256` key at each verify,
/// or decoded once ([`CompiledVerifyingKey`](super::CompiledVerifyingKey)).
fn verify_prehash(
    key: &Affine,
    digest: &[u8; 32],
    parsed: &Signature,
) -> core::result::Result<(), SignatureFailure> {
    let (r, s) = parsed.split_scalars();
    let (u1, u2) = scalar::verification_scalars(digest, &r, &scalar::inverse(&s));
    let sum = jacobian::generator_and_point_multiple(&u1.to_bytes(), &u2.to_bytes(), key);
    // `x_is_mod_n` refuses the identity, which has no x.
    if sum.x_is_mod_n(&r.to_bytes()) {
        Ok(())
    } else {
        Err(SignatureFailure::Mismatch)
    }
}

/// What every backend does around its curve arithmetic, written once so they all refuse
/// the same signatures for the same reasons: the signature's form first (64 bytes, `r`
/// and `s` in `1..n`: `Malformed`), then `verify` (the backend's arithmetic, `Mismatch`
/// when it fails), then the policy (`HighS` for a high `s` under
/// [`SignaturePolicy::LowSOnly`]). Only a signature that verifies is reported as high-S:
/// a forgery is a mismatch.
pub(crate) fn check_signature(
    signature: &[u8],
    policy: SignaturePolicy,
    verify: impl FnOnce(&Signature) -> core::result::Result<(), SignatureFailure>,
) -> core::result::Result<(), SignatureFailure> {
    let parsed = signature_of(signature)?;
    check_parsed(&parsed, policy, verify)
}

/// A signature check's failure as the crate's error: what every backend returns.
pub(crate) fn bad_signature(failure: SignatureFailure) -> Error {
    Error::nowhere(Reason::BadSignature(failure))
}

/// [`check_signature`] after the form check, for a signature already parsed: `verify`,
/// then the policy.
pub(crate) fn check_parsed(
    parsed: &Signature,
    policy: SignaturePolicy,
    verify: impl FnOnce(&Signature) -> core::result::Result<(), SignatureFailure>,
) -> core::result::Result<(), SignatureFailure> {
    verify(parsed)?;
    if policy == SignaturePolicy::LowSOnly && parsed.normalize_s().is_some() {
        return Err(SignatureFailure::HighS);
    }
    Ok(())
}

/// Verifies a raw `r‖s` `signature` over `message` (hashed with SHA-256).
///
/// # Errors
///
/// As [`verify_digest`].
///
/// ```
/// use dwvd_regions::vault::{SignaturePolicy, sign_digest, verify_message};
/// use p256::ecdsa::SigningKey;
/// use sha2::{Digest, Sha256};
///
/// let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &key)?;
/// let public = key.verifying_key();
/// assert!(verify_message(b"hello", &signature, public, SignaturePolicy::default()).is_ok());
/// assert!(verify_message(b"hellO", &signature, public, SignaturePolicy::default()).is_err());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
pub fn verify_message(
    message: &[u8],
    signature: &[u8],
    key: &VerifyingKey,
    policy: SignaturePolicy,
) -> Result<()> {
    verify_digest(&Sha256::digest(message).into(), signature, key, policy)
}

/// Something that verifies a raw `r‖s` ECDSA P-256 / SHA-256 signature over a message:
/// the verification backend of [`PassportView::verify`](super::PassportView::verify).
///
/// Implemented by [`p256::ecdsa::VerifyingKey`] (pure Rust, `no_std`: the default, and what
/// firmware uses) and, with the `ring` feature, by
/// [`RingVerifyingKey`](super::RingVerifyingKey) (about five times faster on x86-64 and
/// AArch64, for inspectors that verify whole vaults) and by
/// [`PrecomputedVerifyingKey`](super::PrecomputedVerifyingKey),
/// [`CompiledCombVerifyingKey`](super::CompiledCombVerifyingKey) and
/// [`EncodedCombVerifyingKey`](super::EncodedCombVerifyingKey) (a key known in advance,
/// fixed-base tables in RAM or in flash, `no_std`) — those through their
/// [`DigestVerifier`] impl: every digest verifier is one. Every implementation gives the same
/// answers: any valid signature is accepted (high-S included unless the policy is
/// [`SignaturePolicy::LowSOnly`]), `r` or `s` equal to 0 or ≥ n is `Malformed`, and a
/// wrong key or changed bytes is `Mismatch`.
pub trait SignatureVerifier {
    /// Verifies `signature` (raw `r‖s`, 64 bytes) over `message` (hashed with SHA-256)
    /// under `policy`.
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`].
    fn verify_message(
        &self,
        message: &[u8],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()>;
}

/// Every [`DigestVerifier`] verifies a message by its SHA-256 digest: `p256`'s key and the
/// comb verifiers get [`SignatureVerifier`] from here, once.
impl<T: DigestVerifier + ?Sized> SignatureVerifier for T {
    fn verify_message(
        &self,
        message: &[u8],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        self.verify_digest(&Sha256::digest(message).into(), signature, policy)
    }
}

/// Something that verifies a raw `r‖s` ECDSA P-256 signature over a SHA-256 digest it is
/// given: what an owned [`Passport`](super::Passport) and [`Vault`](super::Vault) verify
/// with, since an owned passport's signed bytes are not one slice (its digest is hashed
/// from its fields).
///
/// Implemented by [`p256::ecdsa::VerifyingKey`] and the verifiers of a key known in
/// advance ([`PrecomputedVerifyingKey`](super::PrecomputedVerifyingKey),
/// [`CompiledCombVerifyingKey`](super::CompiledCombVerifyingKey),
/// [`EncodedCombVerifyingKey`](super::EncodedCombVerifyingKey)), so firmware that keeps a
/// stored vault verifies it with the comb as well. Not by `RingVerifyingKey`: `ring`
/// hashes the message itself and takes no digest. The answers are those of
/// [`SignatureVerifier`].
///
/// ```
/// use dwvd_regions::BlockSize;
/// use dwvd_regions::vault::{
///     ComplianceStatus, Framework, Passport, PrecomputedVerifyingKey, Vault,
/// };
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let passport = Passport::new(Uuid::from_u128(1), Uuid::from_u128(2), Framework::Sox, ComplianceStatus::Compliant)
///     .signed(&signing)?;
/// let mut vault = Vault::<4>::new(BlockSize::MIN);
/// vault.add(passport)?;
/// // The same vault, verified generically and by the comb of a key known in advance.
/// let comb: PrecomputedVerifyingKey = PrecomputedVerifyingKey::new(signing.verifying_key());
/// assert!(vault.verify_all(signing.verifying_key()).all(|(_, result)| result.is_ok()));
/// assert!(vault.verify_all(&comb).all(|(_, result)| result.is_ok()));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
pub trait DigestVerifier {
    /// Verifies `signature` (raw `r‖s`, 64 bytes) over the SHA-256 `digest` of a message
    /// under `policy`.
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`].
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()>;
}

impl DigestVerifier for VerifyingKey {
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        verify_digest(digest, signature, self, policy)
    }
}

/// Checks a raw `r‖s` signature's form before any curve arithmetic: 64 bytes, `r` and `s`
/// in `1..n` (`Malformed` otherwise).
pub(crate) fn signature_of(signature: &[u8]) -> core::result::Result<Signature, SignatureFailure> {
    if signature.len() != SIGNATURE_LEN {
        return Err(SignatureFailure::Malformed);
    }
    // from_slice checks 0 < r < n and 0 < s < n.
    Signature::from_slice(signature).map_err(|_| SignatureFailure::Malformed)
}

/// Signs the SHA-256 `digest` of a message: deterministic (RFC 6979, no RNG needed) and
/// always low-S. Returns raw `r‖s`.
///
/// # Errors
///
/// `invalid_argument` (argument `digest`) if the signer finds no valid signature, which
/// happens only when `r` or `s` would be 0: practically never.
pub fn sign_digest(digest: &[u8; 32], key: &SigningKey) -> Result<[u8; SIGNATURE_LEN]> {
    sign_digest_with(digest, key)
}

/// [`sign_digest`] with any signer of P-256 prehashes — RustCrypto's
/// [`PrehashSigner`], which a secure element's or an HSM's driver can implement so the
/// key never leaves it: the signer sees only the 32-byte digest. The signature is
/// normalised to low S.
///
/// # Errors
///
/// `invalid_argument` (field `digest`) when the signer refuses (its error is not kept:
/// it is the device's to report).
pub fn sign_digest_with<S: PrehashSigner<Signature> + ?Sized>(
    digest: &[u8; 32],
    signer: &S,
) -> Result<[u8; SIGNATURE_LEN]> {
    let signature: Signature = signer.sign_prehash(digest).map_err(|_| {
        Error::invalid_argument(
            "digest",
            text!("it must be a SHA-256 digest the key can sign"),
        )
    })?;
    let low = signature.normalize_s().unwrap_or(signature);
    let mut raw = [0u8; SIGNATURE_LEN];
    raw.copy_from_slice(&low.to_bytes());
    Ok(raw)
}
