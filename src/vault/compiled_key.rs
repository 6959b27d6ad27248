//! A P-256 public key decoded and checked by a `const fn`: for firmware that knows its
//! key when it is built, verifying without tables and without `p256`'s key decoding.

use super::jacobian::{AFFINE_BYTES, Affine};
use super::signature::{DigestVerifier, SignaturePolicy, verify_digest_at};
use crate::error::{Error, Reason, Result};

/// A P-256 public key as a point of the crate's own arithmetic, made from its uncompressed
/// SEC1 bytes by a `const fn` ([`from_sec1_uncompressed`](Self::from_sec1_uncompressed)):
/// in a `static`, the key is decoded and checked while the firmware is compiled (a key
/// that is not a point of the curve fails the build) and kept in flash, 64 bytes.
///
/// It verifies as the crate's generic verify does (the one walk down both scalars that
/// [`verify_digest`](super::verify_digest) takes for a `p256` key: the same answer for
/// every signature) and needs no table, so it is the form for a key known at build time
/// where the 2 KiB of [`CompiledCombVerifyingKey`](super::CompiledCombVerifyingKey)'s
/// tables do not fit. Firmware that verifies only through it links neither `p256`'s SEC1
/// key decoding (compressed points included) nor the conversion of its key to the
/// crate's coordinates at each verify: 2,108 B less flash in the `regions` example, and
/// about 9,500 fewer instructions a verify on a Cortex-M4 (firmware/README.md).
///
/// ```
/// use dwvd_regions::vault::{CompiledVerifyingKey, SignaturePolicy, SignatureVerifier, sign_digest};
/// use p256::ecdsa::SigningKey;
/// use p256::elliptic_curve::sec1::ToEncodedPoint;
/// use sha2::{Digest, Sha256};
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let sec1: [u8; 65] = signing.verifying_key().to_encoded_point(false).as_bytes().try_into().unwrap();
///
/// // In firmware the key is decoded while it is compiled, into flash:
/// //   static KEY: CompiledVerifyingKey =
/// //       match CompiledVerifyingKey::from_sec1_uncompressed(&KEY_BYTES) {
/// //           Ok(key) => key,
/// //           Err(_) => panic!("the key is not a P-256 point"), // a build error
/// //       };
/// // (`from_sec1_uncompressed` is a `const fn`; here it runs at run time, alike.)
/// let key = CompiledVerifyingKey::from_sec1_uncompressed(&sec1)?;
/// assert_eq!(key.to_sec1_uncompressed(), sec1);
///
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &signing)?;
/// assert!(key.verify_message(b"hello", &signature, SignaturePolicy::default()).is_ok());
/// assert!(key.verify_message(b"hellO", &signature, SignaturePolicy::default()).is_err());
///
/// // Not a point of the curve: refused (in a `static`, the build fails).
/// let mut off_curve = sec1;
/// off_curve[64] ^= 1;
/// let error = CompiledVerifyingKey::from_sec1_uncompressed(&off_curve).unwrap_err();
/// assert_eq!(error.kind(), dwvd_regions::ErrorKind::InvalidPublicKey);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CompiledVerifyingKey {
    point: Affine,
}

impl core::fmt::Debug for CompiledVerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompiledVerifyingKey")
            .finish_non_exhaustive()
    }
}

impl CompiledVerifyingKey {
    /// Bytes of an uncompressed SEC1 public key: `0x04`, then `x` and `y`, 32 bytes each,
    /// big-endian.
    pub const SEC1_UNCOMPRESSED_BYTES: usize = 1 + AFFINE_BYTES;

    /// The key whose uncompressed SEC1 encoding is `bytes` (`0x04 ‖ x ‖ y`), checked as
    /// `p256` checks a key: both coordinates below the field's modulus and the point on
    /// the curve (P-256 has no other subgroup to rule out). A `const fn`: in a `static`,
    /// evaluated while the firmware is compiled.
    ///
    /// # Errors
    ///
    /// `invalid_public_key` ([`Reason::InvalidPublicKey`]) when the first byte is not
    /// `0x04` (a compressed key, which a `const fn` cannot decompress: decode it with
    /// [`verifying_key_from_sec1`](super::verifying_key_from_sec1) and encode it
    /// uncompressed), a coordinate is not below the modulus, or the point is not on the
    /// curve.
    pub const fn from_sec1_uncompressed(
        bytes: &[u8; Self::SEC1_UNCOMPRESSED_BYTES],
    ) -> Result<Self> {
        let invalid = Error::nowhere(Reason::InvalidPublicKey);
        let Some((&0x04, coordinates)) = bytes.split_first() else {
            return Err(invalid);
        };
        let Some(coordinates) = coordinates.first_chunk::<AFFINE_BYTES>() else {
            return Err(invalid);
        };
        match Affine::decode_const(coordinates) {
            Some(point) => Ok(Self { point }),
            None => Err(invalid),
        }
    }

    /// The key's uncompressed SEC1 encoding: what
    /// [`from_sec1_uncompressed`](Self::from_sec1_uncompressed) reads.
    #[must_use]
    pub fn to_sec1_uncompressed(&self) -> [u8; Self::SEC1_UNCOMPRESSED_BYTES] {
        let mut bytes = [0u8; Self::SEC1_UNCOMPRESSED_BYTES];
        if let Some((tag, coordinates)) = bytes.split_first_mut() {
            *tag = 0x04;
            coordinates.copy_from_slice(&self.point.encode());
        }
        bytes
    }
}

impl DigestVerifier for CompiledVerifyingKey {
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        verify_digest_at(&self.point, digest, signature, policy)
    }
}
