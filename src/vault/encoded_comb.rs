//! The comb verifier of [`PrecomputedVerifyingKey`] over its tables kept as bytes (in a
//! firmware image's flash) instead of as points in RAM: the same walk, each entry it
//! adds decoded from its 64 bytes when it is used.

use p256::AffinePoint;
use p256::ecdsa::VerifyingKey;

use super::jacobian::{AFFINE_BYTES, Affine};
use super::precomputed::{PrecomputedVerifyingKey, Table, verify_by_comb};
use super::signature::{DigestVerifier, SignaturePolicy};
use crate::error::{CombTablesFailure, Error, Location, Reason, Result};

/// Bytes of one encoded table entry: the affine coordinates `x‖y`, 32 bytes each,
/// big-endian.
pub(super) const ENTRY_BYTES: usize = AFFINE_BYTES;

/// A P-256 public key with its comb tables kept as bytes — in a firmware image's flash,
/// generated at build time — and verified against by the same fixed-base comb as
/// [`PrecomputedVerifyingKey`], with the same answers, in no RAM beyond the borrow.
///
/// The bytes are what [`PrecomputedVerifyingKey::encode_tables`] writes:
/// [`TABLE_BYTES`](Self::TABLE_BYTES) of them, the generator's table then the key's, each
/// holding entries 1 to `ENTRIES − 1` (entry 0, the identity, is not stored) as the 64
/// bytes `x‖y` of the point's affine coordinates, big-endian. At 16 entries (`t = 4`,
/// the default) that is 1,920 bytes of flash; 32 entries, 3,968.
///
/// Each entry a verify adds (up to `2·⌈256 / t⌉`, about 120 at `t = 4`) is decoded
/// when used into field elements, and checked to be on the curve: slower than
/// the points in RAM, still far fewer
/// instructions than the generic verify (firmware/README.md gives the Cortex-M4's
/// counts).
///
/// **The tables are trusted like code.** [`new`](Self::new) refuses bytes of the wrong
/// length, any entry that is not a point on the curve, and tables whose base (entry 1)
/// is not the generator or the key given; it cannot afford to check every other entry
/// (that is building the tables). Tables of valid points that do not belong to the key
/// give wrong answers — they could accept forged signatures. So they belong in the
/// firmware image beside the code that uses them, generated at build time from the key
/// (`PrecomputedVerifyingKey::new(&key).encode_tables(…)` in a `build.rs`, the bytes
/// `include_bytes!`d into a `static`), never read from storage an attacker can write.
///
/// Variable time, as [`PrecomputedVerifyingKey`]: verification's inputs are public.
///
/// ```
/// use dwvd_regions::vault::{
///     EncodedCombVerifyingKey, PrecomputedVerifyingKey, SignaturePolicy, SignatureVerifier,
///     sign_digest,
/// };
/// use dwvd_regions::{CombTablesFailure, Reason};
/// use p256::ecdsa::SigningKey;
/// use sha2::{Digest, Sha256};
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let public = signing.verifying_key();
///
/// // At build time, on the host (the firmware's build.rs): the key's tables as bytes.
/// let mut tables = [0u8; EncodedCombVerifyingKey::<16>::TABLE_BYTES];
/// PrecomputedVerifyingKey::<16>::new(public).encode_tables(&mut tables)?;
/// assert_eq!(tables.len(), 1920);
/// // The firmware then holds them in flash:
/// //   static TABLES: [u8; EncodedCombVerifyingKey::<16>::TABLE_BYTES] =
/// //       *include_bytes!(concat!(env!("OUT_DIR"), "/tables.bin"));
///
/// // On the device: check the tables once, then verify.
/// let key = EncodedCombVerifyingKey::<16>::new(public, &tables)?;
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &signing)?;
/// assert!(key.verify_message(b"hello", &signature, SignaturePolicy::default()).is_ok());
/// assert!(key.verify_message(b"hellO", &signature, SignaturePolicy::default()).is_err());
///
/// // Changed bytes are refused, naming the table and the entry.
/// let mut changed = tables;
/// changed[100] ^= 1; // entry 2 of the generator's table
/// let error = EncodedCombVerifyingKey::<16>::new(public, &changed).unwrap_err();
/// assert_eq!(
///     *error.reason(),
///     Reason::InvalidCombTables(CombTablesFailure::NotOnCurve { entry: 2 })
/// );
/// assert_eq!(error.location().field(), Some("generator_table"));
/// assert_eq!(error.location().offset(), Some(64));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncodedCombVerifyingKey<'t, const ENTRIES: usize = 16> {
    /// The key itself.
    key: VerifyingKey,
    /// Entries 1 to `ENTRIES − 1` of the generator's table.
    generator: &'t [[u8; ENTRY_BYTES]],
    /// Entries 1 to `ENTRIES − 1` of the key's table.
    public: &'t [[u8; ENTRY_BYTES]],
}

impl<const ENTRIES: usize> core::fmt::Debug for EncodedCombVerifyingKey<'_, ENTRIES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncodedCombVerifyingKey")
            .field("key", &self.key)
            .field("teeth", &Self::TEETH)
            .finish_non_exhaustive()
    }
}

impl<'t, const ENTRIES: usize> EncodedCombVerifyingKey<'t, ENTRIES> {
    /// The comb's number of teeth `t` (`ENTRIES = 2^t`, from 2 to 8), as
    /// [`PrecomputedVerifyingKey::TEETH`]: any other `ENTRIES` fails the build.
    pub const TEETH: u32 = PrecomputedVerifyingKey::<ENTRIES>::TEETH;

    /// The comb's spacing `d = ⌈256 / t⌉`: the doublings per verify.
    pub const SPACING: u32 = PrecomputedVerifyingKey::<ENTRIES>::SPACING;

    /// Bytes of one entry: the affine coordinates `x‖y`, 32 bytes each, big-endian.
    pub const ENTRY_BYTES: usize = ENTRY_BYTES;

    /// Bytes of the two encoded tables, `2 · (ENTRIES − 1) · 64`: what
    /// [`new`](Self::new) takes and the firmware keeps in flash (1,920 at 16 entries).
    pub const TABLE_BYTES: usize = {
        let Some(entries) = ENTRIES.checked_sub(1) else {
            panic!("ENTRIES must be 2^t with t from 2 to 8")
        };
        let Some(points) = entries.checked_mul(2) else {
            panic!("table size overflows")
        };
        let Some(bytes) = points.checked_mul(ENTRY_BYTES) else {
            panic!("table size overflows")
        };
        // Checks ENTRIES (a power of two from 4 to 256).
        let _teeth = Self::TEETH;
        bytes
    };

    /// The verifier of `key` over its encoded `tables` (as
    /// [`PrecomputedVerifyingKey::encode_tables`] writes them), after checking them:
    /// their length, that every entry decodes to a point on the curve, and that entry 1
    /// of each table is its base (the generator, and `key`). It decodes each entry once:
    /// `2 · (ENTRIES − 1)` decodes, under 2 % of one generic verify at 16 entries.
    ///
    /// # Errors
    ///
    /// `invalid_public_key` ([`Reason::InvalidCombTables`]), with the failure:
    /// [`Length`](CombTablesFailure::Length) for `tables` not
    /// [`TABLE_BYTES`](Self::TABLE_BYTES) long;
    /// [`NotOnCurve`](CombTablesFailure::NotOnCurve) with the entry's index for an entry
    /// that is not a point on the curve; [`WrongBase`](CombTablesFailure::WrongBase) when
    /// entry 1 is another point (tables of another key). The location names the table
    /// (field `generator_table` or `key_table`) and the entry's byte offset in `tables`.
    pub fn new(key: &VerifyingKey, tables: &'t [u8]) -> Result<Self> {
        check_length::<ENTRIES>(tables.len())?;
        let (chunks, _) = tables.as_chunks::<ENTRY_BYTES>();
        // ENTRIES − 1 entries each (the length is checked).
        let (generator, public) = chunks
            .split_at_checked(ENTRIES.saturating_sub(1))
            .ok_or_else(|| length_error(Self::TABLE_BYTES, tables.len()))?;
        let verifier = Self {
            key: *key,
            generator,
            public,
        };
        for (table, base) in [
            (
                Table::Generator,
                Affine::from_point(&AffinePoint::GENERATOR),
            ),
            (Table::Key, Affine::from_point(key.as_affine())),
        ] {
            for index in 1..ENTRIES {
                let failure = |failure| verifier.entry_error(table, index, failure);
                let point = verifier
                    .entry(table, index)
                    .ok_or_else(|| failure(CombTablesFailure::NotOnCurve { entry: index }))?;
                if index == 1 && Some(point) != base {
                    return Err(failure(CombTablesFailure::WrongBase));
                }
            }
        }
        Ok(verifier)
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
            self.entry(table, index)
        })
    }

    /// Entry `index` (1 to `ENTRIES − 1`) of `table`, decoded; `None` if it is not a
    /// point on the curve (never, once [`new`](Self::new) has checked the tables).
    fn entry(&self, table: Table, index: usize) -> Option<Affine> {
        let entries = match table {
            Table::Generator => self.generator,
            Table::Key => self.public,
        };
        // Every stored entry is a point other than the identity, which has no
        // coordinates: were one the identity it would be written as zeros, which are
        // not on the curve, so the tables would be refused.
        Affine::decode(entries.get(index.checked_sub(1)?)?)
    }

    /// A [`Reason::InvalidCombTables`] about entry `index` of `table`: the table as the
    /// field, the entry's byte offset in the tables as the offset.
    fn entry_error(&self, table: Table, index: usize, failure: CombTablesFailure) -> Error {
        let (field, before) = match table {
            Table::Generator => (&"generator_table", 0),
            Table::Key => (&"key_table", self.generator.len()),
        };
        let offset = index
            .checked_sub(1)
            .and_then(|entry| entry.checked_add(before))
            .and_then(|entry| entry.checked_mul(ENTRY_BYTES))
            .unwrap_or(usize::MAX);
        Error::new(
            Reason::InvalidCombTables(failure),
            Location::NOWHERE.with_field(field, offset),
        )
    }
}

impl<const ENTRIES: usize> DigestVerifier for EncodedCombVerifyingKey<'_, ENTRIES> {
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        EncodedCombVerifyingKey::verify_digest(self, digest, signature, policy)
    }
}

/// Whether `length` bytes are tables of `ENTRIES`
/// ([`EncodedCombVerifyingKey::TABLE_BYTES`]): a [`CombTablesFailure::Length`] if not.
pub(super) fn check_length<const ENTRIES: usize>(length: usize) -> Result<()> {
    let expected = EncodedCombVerifyingKey::<ENTRIES>::TABLE_BYTES;
    if length == expected {
        Ok(())
    } else {
        Err(length_error(expected, length))
    }
}

/// Tables of `found` bytes where `expected` are needed.
fn length_error(expected: usize, found: usize) -> Error {
    Error::nowhere(Reason::InvalidCombTables(CombTablesFailure::Length {
        expected,
        found,
    }))
}
