//! The comb verifier of [`PrecomputedVerifyingKey`] over tables decoded while the
//! firmware is compiled: points in a `static` (flash), as fast as points in RAM and
//! taking none.

use p256::ecdsa::VerifyingKey;

use super::encoded_comb::{ENTRY_BYTES, EncodedCombVerifyingKey};
use super::jacobian::Affine;
use super::precomputed::{PrecomputedVerifyingKey, Table, verify_by_comb};
use super::signature::{DigestVerifier, SignaturePolicy};
use crate::error::{CombTablesFailure, Error, Location, Reason, Result};

/// A key's two comb tables as points, decoded from the bytes
/// [`PrecomputedVerifyingKey::encode_tables`] writes by a `const fn`
/// ([`from_encoded`](Self::from_encoded)): in a `static`, decoded while the firmware is
/// compiled, kept in flash, and used by [`CompiledCombVerifyingKey`] with no decoding
/// at run time.
///
/// [`EncodedCombVerifyingKey`] reads the same bytes at run time and decodes each entry a
/// verify adds (up to `2·⌈256 / t⌉`, about 120 at `t = 4`); these are decoded once, by the compiler, so a
/// verify costs what it costs over [`PrecomputedVerifyingKey`]'s tables in RAM
/// (firmware/README.md has the Cortex-M4's counts). They take
/// `2 · ENTRIES · 64` bytes of flash (2,048 at 16 entries: field elements in the crate's
/// internal Montgomery form, and entry 0 of each table, the identity, kept as a placeholder)
/// and no RAM.
///
/// ```
/// use dwvd_regions::vault::{
///     CompiledCombTables, CompiledCombVerifyingKey, PrecomputedVerifyingKey,
///     SignaturePolicy, SignatureVerifier, sign_digest,
/// };
/// use p256::ecdsa::SigningKey;
/// use sha2::{Digest, Sha256};
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let public = signing.verifying_key();
/// // At build time (the firmware's build.rs): the key's tables as bytes.
/// let mut encoded = [0u8; CompiledCombTables::<16>::TABLE_BYTES];
/// PrecomputedVerifyingKey::<16>::new(public).encode_tables(&mut encoded)?;
///
/// // In the firmware the bytes are decoded while it is compiled, into flash:
/// //   static TABLES: CompiledCombTables<16> =
/// //       match CompiledCombTables::from_encoded(include_bytes!(concat!(env!("OUT_DIR"), "/tables.bin"))) {
/// //           Ok(tables) => tables,
/// //           Err(_) => panic!("the comb tables do not decode"), // a build error
/// //       };
/// // (`from_encoded` is a `const fn`; here it runs at run time, with the same result.)
/// let tables = CompiledCombTables::<16>::from_encoded(&encoded).expect("tables that decode");
///
/// // On the device: check that the tables are the key's, then verify.
/// let key = CompiledCombVerifyingKey::new(public, &tables)?;
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &signing)?;
/// assert!(key.verify_message(b"hello", &signature, SignaturePolicy::default()).is_ok());
/// assert!(key.verify_message(b"hellO", &signature, SignaturePolicy::default()).is_err());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CompiledCombTables<const ENTRIES: usize = 16> {
    /// `generator[j] = Σ_{bit i of j} 2^(i·d)·G` (entry 0, the identity, a placeholder).
    generator: [Affine; ENTRIES],
    /// The same multiples of the key.
    public: [Affine; ENTRIES],
}

impl<const ENTRIES: usize> core::fmt::Debug for CompiledCombTables<ENTRIES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompiledCombTables")
            .field("teeth", &PrecomputedVerifyingKey::<ENTRIES>::TEETH)
            .finish_non_exhaustive()
    }
}

impl<const ENTRIES: usize> CompiledCombTables<ENTRIES> {
    /// Bytes of the encoded tables [`from_encoded`](Self::from_encoded) takes:
    /// [`EncodedCombVerifyingKey::TABLE_BYTES`] (1,920 at 16 entries).
    pub const TABLE_BYTES: usize = EncodedCombVerifyingKey::<ENTRIES>::TABLE_BYTES;

    /// The tables encoded in `tables` (as [`PrecomputedVerifyingKey::encode_tables`]
    /// writes them: the generator's entries 1 to `ENTRIES − 1`, then the key's, each
    /// `x‖y` big-endian), decoded: a `const fn`, for a `static` decoded while the
    /// firmware is compiled. Every entry is checked to be a point on the curve and
    /// entry 1 of the generator's table to be the generator; whether the key's table
    /// belongs to the key is checked by [`CompiledCombVerifyingKey::new`], which knows
    /// the key.
    ///
    /// # Errors
    ///
    /// [`CombTablesFailure::Length`] for `tables` not [`TABLE_BYTES`](Self::TABLE_BYTES)
    /// long, [`CombTablesFailure::NotOnCurve`] with the index of the first entry that is
    /// not a point on the curve (entry `k` of the generator's table as `k`, entry `k` of
    /// the key's as `ENTRIES + k`), [`CombTablesFailure::WrongBase`] when the generator's
    /// entry 1 is another point.
    ///
    /// Meant for a `static`: called at run time it builds the tables on the stack
    /// (`2 · ENTRIES · 64` bytes, and a copy returned).
    pub const fn from_encoded(tables: &[u8]) -> core::result::Result<Self, CombTablesFailure> {
        if tables.len() != Self::TABLE_BYTES {
            return Err(CombTablesFailure::Length {
                expected: Self::TABLE_BYTES,
                found: tables.len(),
            });
        }
        let mut generator = [Affine::PLACEHOLDER; ENTRIES];
        let mut public = [Affine::PLACEHOLDER; ENTRIES];
        let mut rest = tables;
        // Entry `index` of the two tables read one after the other: 1 to ENTRIES − 1,
        // then ENTRIES + 1 to 2·ENTRIES − 1 (the key's entry 0 is not stored either).
        let mut index = 1;
        while let Some((bytes, more)) = rest.split_first_chunk::<ENTRY_BYTES>() {
            let Some(point) = Affine::decode_const(bytes) else {
                return Err(CombTablesFailure::NotOnCurve { entry: index });
            };
            let (table, position) = if index < ENTRIES {
                (&mut generator, index)
            } else {
                (&mut public, index.saturating_sub(ENTRIES))
            };
            let Some((_, [slot, ..])) = table.split_at_mut_checked(position) else {
                // Never: the length was checked, so the entries fill both tables.
                return Err(CombTablesFailure::Length {
                    expected: Self::TABLE_BYTES,
                    found: tables.len(),
                });
            };
            *slot = point;
            index = if index.saturating_add(1) == ENTRIES {
                ENTRIES.saturating_add(1)
            } else {
                index.saturating_add(1)
            };
            rest = more;
        }
        match generator.split_first() {
            Some((_, [base, ..])) if Affine::same_point(base, &Affine::GENERATOR) => {
                Ok(Self { generator, public })
            }
            _ => Err(CombTablesFailure::WrongBase),
        }
    }
}

/// A P-256 public key with its comb tables decoded at compile time
/// ([`CompiledCombTables`], in flash): the same fixed-base comb and the same answers as
/// [`PrecomputedVerifyingKey`], in no RAM beyond the borrow.
///
/// **The tables are trusted like code**, as [`EncodedCombVerifyingKey`]'s: every entry
/// is a point on the curve and each table's base is checked, not every other entry
/// (that is building the tables); tables of valid points that do not belong to the key
/// give wrong answers. So they are generated at build time from the key, beside the
/// code that uses them. See [`CompiledCombTables`] for an example.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CompiledCombVerifyingKey<'t, const ENTRIES: usize = 16> {
    /// The key itself.
    key: VerifyingKey,
    /// Its tables.
    tables: &'t CompiledCombTables<ENTRIES>,
}

impl<const ENTRIES: usize> core::fmt::Debug for CompiledCombVerifyingKey<'_, ENTRIES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompiledCombVerifyingKey")
            .field("key", &self.key)
            .field("teeth", &PrecomputedVerifyingKey::<ENTRIES>::TEETH)
            .finish_non_exhaustive()
    }
}

impl<'t, const ENTRIES: usize> CompiledCombVerifyingKey<'t, ENTRIES> {
    /// The verifier of `key` over `tables`, after checking that entry 1 of the key's
    /// table is `key` (of the generator's, the generator: checked when they were
    /// decoded).
    ///
    /// # Errors
    ///
    /// `invalid_public_key` ([`Reason::InvalidCombTables`] with
    /// [`CombTablesFailure::WrongBase`], the location's field `key_table`): tables made
    /// for another key.
    pub fn new(key: &VerifyingKey, tables: &'t CompiledCombTables<ENTRIES>) -> Result<Self> {
        let base = Affine::from_point(key.as_affine());
        if tables.public.get(1) != base.as_ref() {
            let offset = ENTRIES.saturating_sub(1).saturating_mul(ENTRY_BYTES);
            return Err(Error::new(
                Reason::InvalidCombTables(CombTablesFailure::WrongBase),
                Location::NOWHERE.with_field(&"key_table", offset),
            ));
        }
        Ok(Self { key: *key, tables })
    }

    /// The key the tables belong to.
    #[must_use]
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Verifies a raw `r‖s` `signature` over the SHA-256 `digest` of a message: the same
    /// answers as [`verify_digest`](super::verify_digest) with the same key, and as
    /// [`PrecomputedVerifyingKey::verify_digest`].
    ///
    /// # Errors
    ///
    /// `bad_signature` ([`Reason::BadSignature`]): `Malformed` (not 64 bytes, or `r` or
    /// `s` is 0 or ≥ n), `Mismatch` (a wrong key or changed bytes), or `HighS` (a
    /// signature that verifies but has a high `s`, only under
    /// [`SignaturePolicy::LowSOnly`]).
    pub fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        verify_by_comb::<ENTRIES, _>(digest, signature, policy, |table, index| {
            match table {
                Table::Generator => &self.tables.generator,
                Table::Key => &self.tables.public,
            }
            .get(index)
        })
    }
}

impl<const ENTRIES: usize> DigestVerifier for CompiledCombVerifyingKey<'_, ENTRIES> {
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        CompiledCombVerifyingKey::verify_digest(self, digest, signature, policy)
    }
}
