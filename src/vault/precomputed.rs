//! A verifier for one public key known in advance: fixed-base (comb) arithmetic on both
//! scalars of an ECDSA verification, over tables of the generator's and the key's
//! multiples built once.
//!
//! ECDSA verification computes `R = u1·G + u2·Q` and checks `x(R) mod n == r`. `p256`'s
//! generic path computes each product with its own constant-time 4-bit window: about 2 ×
//! 256 doublings and 2 × 64 additions per verify, plus a 16-point table of `Q` built
//! every time. A device that verifies against one key can do better: with the Lim–Lee
//! comb of `t` teeth, the multiples `Σ bᵢ·2^(i·d)·P` (`d = ⌈256 / t⌉`, every choice of
//! bits `bᵢ`) of `G` and of `Q` are computed once, as affine points, and a verify is then
//! `d` doublings and at most `2·d` mixed additions (a running sum plus a table entry):
//! 64 doublings and 128 additions for `t = 4`, against about 512 and 128.
//!
//! The field arithmetic is the generic path's (`field`: `p256`'s own on 64-bit targets,
//! the crate's 32-bit Montgomery code on 32-bit ones); the point formulas on top of it
//! are Jacobian ones suited to a comb (`jacobian`: cheaper than `p256`'s complete
//! formulas, and no inversion at the end). The module is safe Rust like the rest of the crate.
//!
//! The tables have three forms, which share the walk ([`comb_sum`]) and the verification
//! around it ([`verify_by_comb`]): points in RAM, built at run time
//! ([`PrecomputedVerifyingKey`]); points in flash, built with the firmware and decoded
//! by the compiler (`CompiledCombVerifyingKey`, in `compiled_comb`); and bytes, decoded
//! entry by entry at each verify (`EncodedCombVerifyingKey`, in `encoded_comb`).

use core::borrow::Borrow;

use p256::ecdsa::{Signature, VerifyingKey};
use p256::{AffinePoint, FieldBytes, NonZeroScalar, Scalar};

use super::encoded_comb::{ENTRY_BYTES, check_length};
use super::jacobian::{Affine, Jacobian, normalize_all};
use super::scalar;
use super::signature::{
    DigestVerifier, SignaturePolicy, bad_signature, check_parsed, check_signature, signature_of,
};
use crate::error::{CombTablesFailure, Error, Reason, Result, SignatureFailure};

/// Bits of a P-256 scalar.
const SCALAR_BITS: u32 = 256;

/// The most teeth a comb may have (a table of 2^8 = 256 points per base).
const MAX_TEETH: u32 = 8;

/// Signatures [`PrecomputedVerifyingKey::verify_digests`] inverts together.
const BATCH: usize = 32;

/// A P-256 public key with its multiples precomputed: a [`SignatureVerifier`](super::SignatureVerifier) that gives
/// the same answers as [`p256::ecdsa::VerifyingKey`] in fewer operations, for a device or
/// a tool that verifies many signatures against one key it knows in advance.
///
/// `ENTRIES` is the size of each of its two tables (one for the generator `G`, one for
/// the key `Q`): `2^t` for a comb of `t` teeth, a power of two from 4 to 256 (`t` = 2 to
/// 8; anything else fails to compile). A verify costs `⌈256 / t⌉` point doublings and at
/// most twice as many mixed additions; the key occupies
/// [`TABLE_BYTES`](Self::TABLE_BYTES) bytes for its tables (entry 0 of each, the identity,
/// is stored to keep the indexing plain; 64 bytes an entry on every target). The default,
/// 16 entries (`t = 4`: 64 doublings; 2,048 bytes of tables), suits firmware: 5× fewer
/// instructions per verify than the generic path on a Cortex-M4 (docs/benchmarks.md). 64
/// entries (`t = 6`, 8 KiB) or 256 (`t = 8`, 32 KiB) suit a std tool verifying a whole
/// vault; at 256 a verify is about 1.8× faster than `ring`'s assembly on x86-64, more in
/// runs ([`verify_digests`](Self::verify_digests)).
///
/// Building one (the `t` teeth `2^(i·d)·G` and `·Q` by doublings, then `2·(2^t − t)`
/// mixed additions; each table's teeth and then its entries normalised with one field
/// inversion each) costs about half a
/// generic verify at 16 entries and 1.2 at 256 on x86-64 (0.2 ms; docs/benchmarks.md).
/// Build it once per key and keep it. Firmware that cannot spare the RAM, or the build at
/// start-up, keeps the tables in flash instead: [`encode_tables`](Self::encode_tables)
/// at build time, then [`CompiledCombTables`](super::CompiledCombTables) (decoded into
/// points while the firmware is compiled: as fast as this) and
/// [`CompiledCombVerifyingKey`](super::CompiledCombVerifyingKey) on the device, or
/// [`EncodedCombVerifyingKey`](super::EncodedCombVerifyingKey) over the bytes (each entry
/// decoded when used: slower; bytes kept apart from the code must be protected as the
/// code is, since tables of valid points that are not the key's accept forgeries).
///
/// **Variable time.** Verification takes the table entries and skips the additions the
/// scalars select, so its timing depends on the signature, the digest and the key. All
/// three are public in signature verification (no secret is involved), so this leaks
/// nothing; do not reuse this arithmetic with secret scalars (signing keeps `p256`'s
/// constant-time path).
///
/// The signature's form (64 bytes, `r` and `s` in `1..n`) and the low-S policy are
/// checked by the same code as every other backend's, so all of them refuse the same
/// signatures for the same reasons.
///
/// ```
/// use dwvd_regions::vault::{
///     PrecomputedVerifyingKey, SignaturePolicy, SignatureVerifier, sign_digest,
/// };
/// use p256::ecdsa::SigningKey;
/// use sha2::{Digest, Sha256};
///
/// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
/// let signature = sign_digest(&Sha256::digest(b"hello").into(), &signing)?;
/// // Once per key (at boot, or when the tool loads the key): 16-entry tables, t = 4.
/// let key: PrecomputedVerifyingKey = PrecomputedVerifyingKey::new(signing.verifying_key());
/// assert_eq!(PrecomputedVerifyingKey::<16>::TEETH, 4);
/// assert!(key.verify_message(b"hello", &signature, SignaturePolicy::default()).is_ok());
/// assert!(key.verify_message(b"hellO", &signature, SignaturePolicy::default()).is_err());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Clone)]
pub struct PrecomputedVerifyingKey<const ENTRIES: usize = 16> {
    /// The key itself.
    key: VerifyingKey,
    /// `generator[j] = Σ_{bit i of j} 2^(i·d)·G` (entry 0, the identity, a placeholder).
    generator: [Affine; ENTRIES],
    /// `public[j] = Σ_{bit i of j} 2^(i·d)·Q`.
    public: [Affine; ENTRIES],
    /// Whether both tables were built. Always, for a valid key: no entry can be the
    /// identity (each is a sum of distinct powers of two times a point of order `n`, and
    /// every such sum is below `n`). Were one ever not, every verify fails closed.
    complete: bool,
}

impl<const ENTRIES: usize> core::fmt::Debug for PrecomputedVerifyingKey<ENTRIES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrecomputedVerifyingKey")
            .field("key", &self.key)
            .field("teeth", &Self::TEETH)
            .finish_non_exhaustive()
    }
}

impl<const ENTRIES: usize> PartialEq for PrecomputedVerifyingKey<ENTRIES> {
    /// Keys are equal when they are the same point (the tables follow from it).
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<const ENTRIES: usize> Eq for PrecomputedVerifyingKey<ENTRIES> {}

impl<const ENTRIES: usize> PrecomputedVerifyingKey<ENTRIES> {
    /// The comb's number of teeth `t` (`ENTRIES = 2^t`). Evaluating it checks `ENTRIES`:
    /// a size that is not a power of two from 4 to 256 fails the build.
    pub const TEETH: u32 = {
        assert!(
            ENTRIES.is_power_of_two() && ENTRIES >= 4 && ENTRIES.trailing_zeros() <= MAX_TEETH,
            "ENTRIES must be 2^t with t from 2 to 8"
        );
        ENTRIES.trailing_zeros()
    };

    /// Signatures [`verify_digests`](Self::verify_digests) inverts together: 32.
    pub const BATCH: usize = BATCH;

    /// The comb's spacing `d = ⌈256 / t⌉`: the doublings per verify.
    pub const SPACING: u32 = SCALAR_BITS.div_ceil(Self::TEETH);

    /// Bytes of the two tables (`2 · ENTRIES` affine points) inside the key.
    pub const TABLE_BYTES: usize = {
        let Some(points) = ENTRIES.checked_mul(2) else {
            panic!("table size overflows")
        };
        let Some(bytes) = points.checked_mul(size_of::<Affine>()) else {
            panic!("table size overflows")
        };
        bytes
    };

    /// Precomputes the tables of `key` and of the generator. (A `VerifyingKey` is already
    /// a checked point, so this cannot fail; load SEC1 bytes with
    /// [`verifying_key_from_sec1`](super::verifying_key_from_sec1) first.)
    #[must_use]
    pub fn new(key: &VerifyingKey) -> Self {
        let mut generator = [Affine::PLACEHOLDER; ENTRIES];
        let mut public = [Affine::PLACEHOLDER; ENTRIES];
        let complete = [
            (&AffinePoint::GENERATOR, &mut generator),
            (key.as_affine(), &mut public),
        ]
        .into_iter()
        .all(|(base, table)| {
            Affine::from_point(base)
                .is_some_and(|base| comb_table(&base, Self::TEETH, Self::SPACING, table))
        });
        Self {
            key: *key,
            generator,
            public,
            complete,
        }
    }

    /// The key the tables were built from.
    #[must_use]
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The tables as bytes, for
    /// [`CompiledCombTables::from_encoded`](super::CompiledCombTables::from_encoded) and
    /// [`EncodedCombVerifyingKey`](super::EncodedCombVerifyingKey) (tables kept in
    /// flash), written to `tables`, which must be
    /// [`EncodedCombVerifyingKey::<ENTRIES>::TABLE_BYTES`](super::EncodedCombVerifyingKey::TABLE_BYTES)
    /// long: the generator's table, then the key's; in each, entries 1 to `ENTRIES − 1`
    /// (entry 0, the identity, is not stored) as the 64 bytes `x‖y` of their affine
    /// coordinates, big-endian (SEC1's uncompressed encoding without its `04` tag). Run
    /// it where the firmware is built (its `build.rs`), not on the device.
    ///
    /// # Errors
    ///
    /// `invalid_public_key` ([`Reason::InvalidCombTables`] with
    /// [`CombTablesFailure::Length`](crate::CombTablesFailure::Length)) when `tables` is
    /// not `TABLE_BYTES` long; nothing is written then.
    pub fn encode_tables(&self, tables: &mut [u8]) -> Result<()> {
        check_length::<ENTRIES>(tables.len())?;
        if !self.complete {
            // Never for a valid key (see `complete`); no tables to give then.
            return Err(Error::nowhere(Reason::InvalidCombTables(
                CombTablesFailure::NotOnCurve { entry: 0 },
            )));
        }
        let (chunks, _) = tables.as_chunks_mut::<ENTRY_BYTES>();
        let points = self
            .generator
            .iter()
            .skip(1)
            .chain(self.public.iter().skip(1));
        for (bytes, point) in chunks.iter_mut().zip(points) {
            *bytes = point.encode();
        }
        Ok(())
    }

    /// Verifies a raw `r‖s` `signature` over the SHA-256 `digest` of a message: the same
    /// answers as [`verify_digest`](super::verify_digest) with the same key.
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

    /// Verifies many signatures at once: `results[i]` becomes what
    /// [`verify_digest`](Self::verify_digest)`(&digests[i], signatures[i], policy)`
    /// returns, the same answer. The `s` of the well-formed signatures in each run of
    /// [`BATCH`](Self::BATCH) are inverted together (Montgomery's trick: one scalar
    /// inversion for the run and three multiplications each, instead of an inversion
    /// each), which takes about a fifth off each verify on x86-64 (docs/benchmarks.md):
    /// for a tool that verifies a whole vault.
    ///
    /// # Errors
    ///
    /// `invalid_argument` (argument `signatures`) when `signatures` or `results` is not
    /// as long as `digests`; nothing is verified then. Each signature's own outcome is
    /// in `results`.
    ///
    /// ```
    /// use dwvd_regions::vault::{PrecomputedVerifyingKey, SignaturePolicy, sign_digest};
    /// use p256::ecdsa::SigningKey;
    /// use sha2::{Digest, Sha256};
    ///
    /// let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
    /// let digests: Vec<[u8; 32]> =
    ///     (0u8..40).map(|i| Sha256::digest([i]).into()).collect();
    /// let mut signatures: Vec<[u8; 64]> =
    ///     digests.iter().map(|digest| sign_digest(digest, &signing)).collect::<Result<_, _>>()?;
    /// signatures[3][10] ^= 1; // one changed signature
    /// let borrowed: Vec<&[u8]> = signatures.iter().map(|signature| &signature[..]).collect();
    ///
    /// let key: PrecomputedVerifyingKey<64> = PrecomputedVerifyingKey::new(signing.verifying_key());
    /// let mut results = vec![Ok(()); digests.len()];
    /// key.verify_digests(&digests, &borrowed, SignaturePolicy::default(), &mut results)?;
    /// assert!(results[3].is_err());
    /// assert_eq!(results.iter().filter(|result| result.is_ok()).count(), 39);
    /// # Ok::<(), dwvd_regions::Error>(())
    /// ```
    pub fn verify_digests(
        &self,
        digests: &[[u8; 32]],
        signatures: &[&[u8]],
        policy: SignaturePolicy,
        results: &mut [Result<()>],
    ) -> Result<()> {
        if signatures.len() != digests.len() || results.len() != digests.len() {
            return Err(Error::invalid_argument(
                "signatures",
                text!("there must be one signature and one result per digest"),
            ));
        }
        for ((digests, signatures), results) in digests
            .chunks(BATCH)
            .zip(signatures.chunks(BATCH))
            .zip(results.chunks_mut(BATCH))
        {
            self.verify_run(digests, signatures, policy, results);
        }
        Ok(())
    }

    /// [`verify_digests`](Self::verify_digests) for a run of at most [`BATCH`] signatures.
    fn verify_run(
        &self,
        digests: &[[u8; 32]],
        signatures: &[&[u8]],
        policy: SignaturePolicy,
        results: &mut [Result<()>],
    ) {
        let mut parsed: [Option<Signature>; BATCH] = core::array::from_fn(|_| None);
        // before[i]: the product of the well-formed signatures' s before signature i.
        let mut before = [Scalar::ONE; BATCH];
        let mut product = Scalar::ONE;
        for ((signature, result), (parsed, before)) in signatures
            .iter()
            .zip(results.iter_mut())
            .zip(parsed.iter_mut().zip(before.iter_mut()))
        {
            match signature_of(signature) {
                Ok(signature) => {
                    *before = product;
                    product = scalar::product(&product, &signature.s());
                    *parsed = Some(signature);
                }
                Err(failure) => *result = Err(bad_signature(failure)),
            }
        }
        // Every s is in 1..n and n is prime, so the product has an inverse (were it ever
        // not, the run fails closed).
        let mut inverse: Option<Scalar> =
            Option::<NonZeroScalar>::from(NonZeroScalar::new(product))
                .map(|product| scalar::inverse(&product));
        let entry = |table, index| self.entry(table, index);
        for (((digest, result), parsed), before) in digests
            .iter()
            .zip(results.iter_mut())
            .zip(parsed.iter())
            .zip(before.iter())
            .rev()
        {
            let Some(parsed) = parsed else { continue };
            let outcome = match inverse {
                Some(all) => {
                    // all = 1 / (s_0 … s_i): times s_0 … s_(i−1) is 1 / s_i.
                    let s_inverse = scalar::product(&all, before);
                    inverse = Some(scalar::product(&all, &parsed.s()));
                    check_parsed(parsed, policy, |parsed| {
                        comb_check::<ENTRIES, _>(digest, parsed, &s_inverse, &entry)
                    })
                }
                None => Err(SignatureFailure::Mismatch),
            };
            *result = outcome.map_err(bad_signature);
        }
    }

    /// Entry `index` of `table`; none from tables that were not built (see `complete`).
    fn entry(&self, table: Table, index: usize) -> Option<&Affine> {
        if !self.complete {
            return None;
        }
        match table {
            Table::Generator => &self.generator,
            Table::Key => &self.public,
        }
        .get(index)
    }
}

impl<const ENTRIES: usize> From<&VerifyingKey> for PrecomputedVerifyingKey<ENTRIES> {
    fn from(key: &VerifyingKey) -> Self {
        Self::new(key)
    }
}

impl<const ENTRIES: usize> DigestVerifier for PrecomputedVerifyingKey<ENTRIES> {
    fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        policy: SignaturePolicy,
    ) -> Result<()> {
        PrecomputedVerifyingKey::verify_digest(self, digest, signature, policy)
    }
}

/// Which of a key's two comb tables: the generator's (`u1·G`) or the key's (`u2·Q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    /// Multiples of the generator `G`.
    Generator,
    /// Multiples of the key `Q`.
    Key,
}

/// ECDSA verification by the comb, for both forms of the tables (points in RAM,
/// [`PrecomputedVerifyingKey`]; bytes in flash,
/// [`EncodedCombVerifyingKey`](super::EncodedCombVerifyingKey)): with `u1 = z/s` and
/// `u2 = r/s`, `R = u1·G + u2·Q` by [`comb_sum`] over the table entries that `entry`
/// gives, accepted when `x(R) mod n == r`. The signature's form and the policy are
/// [`check_signature`]'s, as for every backend. An entry that `entry` does not give (a
/// table entry that does not decode) fails closed: `Mismatch`.
pub(super) fn verify_by_comb<const ENTRIES: usize, Entry: Borrow<Affine>>(
    digest: &[u8; 32],
    signature: &[u8],
    policy: SignaturePolicy,
    entry: impl Fn(Table, usize) -> Option<Entry>,
) -> Result<()> {
    check_signature(signature, policy, |parsed| {
        let s_inverse = scalar::inverse(&parsed.s());
        comb_check::<ENTRIES, _>(digest, parsed, &s_inverse, &entry)
    })
    .map_err(bad_signature)
}

/// The comb's check of a well-formed signature whose `s⁻¹` is known: with `u1 = z/s` and
/// `u2 = r/s`, `R = u1·G + u2·Q` by [`comb_sum`], accepted when `x(R) mod n == r`.
fn comb_check<const ENTRIES: usize, Entry: Borrow<Affine>>(
    digest: &[u8; 32],
    parsed: &Signature,
    s_inverse: &Scalar,
    entry: &impl Fn(Table, usize) -> Option<Entry>,
) -> core::result::Result<(), SignatureFailure> {
    let (r, _) = parsed.split_scalars();
    let (u1, u2) = scalar::verification_scalars(digest, &r, s_inverse);
    let point = comb_sum(
        &u1.to_bytes(),
        &u2.to_bytes(),
        PrecomputedVerifyingKey::<ENTRIES>::TEETH,
        PrecomputedVerifyingKey::<ENTRIES>::SPACING,
        entry,
    )
    .ok_or(SignatureFailure::Mismatch)?;
    if point.x_is_mod_n(&r.to_bytes()) {
        Ok(())
    } else {
        Err(SignatureFailure::Mismatch)
    }
}

/// The comb walk: `u1·G + u2·Q` for big-endian scalars, column by column from the top
/// (one doubling each): column `c` of a scalar (its bits `c`, `c + d`, `c + 2d`, …) is the
/// index of the entry of its table to add; index 0, the identity, adds nothing. `entry`
/// gives entry `index` (1 to `2^teeth − 1`) of a table, borrowed (points in RAM) or owned
/// (decoded); `None` from it ends the walk with `None`.
fn comb_sum<Entry: Borrow<Affine>>(
    u1: &FieldBytes,
    u2: &FieldBytes,
    teeth: u32,
    spacing: u32,
    entry: impl Fn(Table, usize) -> Option<Entry>,
) -> Option<Jacobian> {
    let mut sum = Jacobian::IDENTITY;
    for column in (0..spacing).rev() {
        sum = sum.double();
        for (table, scalar) in [(Table::Generator, u1), (Table::Key, u2)] {
            let index = comb_index(scalar, column, teeth, spacing);
            // Index 0 is the identity: nothing to add (variable time, public inputs).
            if index != 0 {
                sum = sum.add_affine(entry(table, index)?.borrow());
            }
        }
    }
    Some(sum)
}

/// Fills `table` with the comb table of `base`: entry `j` is `Σ_{bit i of j}
/// 2^(i·spacing)·base` (entry 0, the identity, left a placeholder), as affine points. The
/// teeth `2^(i·spacing)·base` are doubled up in Jacobian coordinates and normalised
/// together, the entries summed from them and normalised together: two field inversions
/// per table. False if a tooth or an entry is the identity (never, for a point of order
/// `n`: see `complete`).
fn comb_table<const ENTRIES: usize>(
    base: &Affine,
    teeth: u32,
    spacing: u32,
    table: &mut [Affine; ENTRIES],
) -> bool {
    const MOST: usize = MAX_TEETH as usize;
    let Some(teeth) = usize::try_from(teeth).ok().filter(|&teeth| teeth <= MOST) else {
        return false;
    };
    let mut tooth_points = [Jacobian::IDENTITY; MOST];
    let mut tooth = Jacobian::from_affine(base);
    for (i, point) in tooth_points.iter_mut().take(teeth).enumerate() {
        if i > 0 {
            for _ in 0..spacing {
                tooth = tooth.double();
            }
        }
        *point = tooth;
    }
    let mut tooth_affine = [Affine::PLACEHOLDER; MOST];
    let (Some(tooth_points), Some(tooth_affine)) =
        (tooth_points.get(..teeth), tooth_affine.get_mut(..teeth))
    else {
        return false;
    };
    if !normalize_all(tooth_points, tooth_affine) {
        return false;
    }
    let mut sums = [Jacobian::IDENTITY; ENTRIES];
    for (i, tooth) in tooth_affine.iter().enumerate() {
        // Entries 2^i .. 2^(i+1) are entries 0 .. 2^i plus this tooth.
        let half = 1usize.checked_shl(u32::try_from(i).unwrap_or(u32::MAX));
        let (low, high) = sums.split_at_mut(half.unwrap_or(ENTRIES).min(ENTRIES));
        for (entry, below) in high.iter_mut().zip(low.iter()) {
            *entry = below.add_affine(tooth);
        }
    }
    match (sums.get(1..), table.get_mut(1..)) {
        (Some(sums), Some(entries)) => normalize_all(sums, entries),
        _ => false,
    }
}

/// The table index for column `column`: bit `i` is the scalar's bit `i·spacing + column`
/// (0 past bit 255). `scalar` is big-endian.
fn comb_index(scalar: &FieldBytes, column: u32, teeth: u32, spacing: u32) -> usize {
    let mut index = 0usize;
    for i in 0..teeth {
        let bit = i
            .checked_mul(spacing)
            .and_then(|offset| offset.checked_add(column))
            .filter(|&bit| bit < SCALAR_BITS)
            .and_then(|bit| {
                let from_end = usize::try_from(bit / 8).ok()?;
                let byte = scalar.len().checked_sub(1)?.checked_sub(from_end)?;
                Some((scalar.get(byte)? >> (bit % 8)) & 1)
            })
            .unwrap_or(0);
        index |= usize::from(bit).wrapping_shl(i);
    }
    index
}
