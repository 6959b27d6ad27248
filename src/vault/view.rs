//! The borrowed, checked view over a Compliance Vault, for inspectors.

use core::iter::FusedIterator;

use uuid::Uuid;
use zerocopy::FromBytes;
use zerocopy::little_endian::I32;

use super::layout::{
    ComplianceStatus, Framework, ISSUER, MAX_NOTES_LEN, NOTES, NOTES_LEN_FIELD, PASSPORT_HEAD_LEN,
    PassportHead, Placement, SIGNATURE_LEN, VaultHeader,
};
use super::passport::{Passport, utf8};
use super::signature::{SignaturePolicy, SignatureVerifier};
use crate::block::{BlockSize, RegionBlocks, Tag};
use crate::error::{BlockOrigin, Error, Location, Reason, Result, Unit};
use crate::layout::{FieldRef, field, require_zero};
use crate::region::RegionView;
use crate::ticks::Ticks;

/// A passport's parts after its fixed head: their place depends on the issuer's and the
/// notes' lengths (offset 0: an error's location says where).
const NOTES_LEN: FieldRef = FieldRef {
    name: &"notes_len",
    offset: 0,
};
const SIGNATURE: FieldRef = FieldRef {
    name: &"signature",
    offset: 0,
};

/// Reads the passport at or after `placement`, applying SPEC §4's reader rule: where
/// fewer than 132 payload bytes remain, or the passport id is nil, the rest of the block
/// is padding (and must be zero) and reading goes on at the next block. `Ok(None)` when
/// the blocks run out.
fn next_passport<'a>(
    blocks: &RegionBlocks<'a>,
    placement: &mut Placement,
) -> Result<Option<PassportView<'a>>> {
    loop {
        let Some(payload) = blocks.payload(placement.block()) else {
            return Ok(None);
        };
        let rest = payload.get(placement.offset()..).unwrap_or_default();
        if Placement::is_padding(rest) {
            check_padding(placement.block(), placement.offset(), rest)?;
            placement.next_block();
            continue;
        }
        let passport = PassportView::read(rest, *placement)?;
        placement.advance(passport.bytes.len());
        return Ok(Some(passport));
    }
}

fn check_padding(block: usize, offset: usize, bytes: &[u8]) -> Result<()> {
    require_zero(
        bytes,
        block,
        offset,
        crate::layout::PADDING.name,
        text!("padding between and after passports must be zero"),
    )
}

/// A checked, borrowed view over a Compliance Vault's blocks, for inspectors.
///
/// Building one verifies, in order: the buffer is a whole number of blocks; every block's
/// checksum, tag (`CMVT`) and generation (one for the region, else `torn_write`);
/// `passport_count ≥ 0` and reserved bytes zero; then every passport, read by SPEC §4's
/// rule — `issuer_len` in 0..=128, `notes_len` in 0..=256, no passport running past its
/// block's payload (`invalid_field`, naming block, offset and field) — and that the count
/// is reached before the blocks run out (`truncated` otherwise); finally, that all padding
/// (between passports and after the last) is zero. After that nothing can fail; passports
/// are read in place, with no bound on their number.
///
/// ```
/// use dwvd_regions::Region;
/// use dwvd_regions::BlockSize;
/// use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault, VaultView};
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let key = SigningKey::from_slice(&[1u8; 32]).unwrap();
/// let size = BlockSize::new(512)?;
/// let mut vault = Vault::<4>::new(size);
/// let passport = Passport::new(Uuid::from_u128(1), Uuid::from_u128(9), Framework::Hipaa, ComplianceStatus::Exempt);
/// vault.add(passport.signed(&key)?)?;
/// let mut image = vec![0u8; vault.buffer_len()];
/// vault.emit(&mut image)?;
///
/// let view = VaultView::new_checked(&image, size)?;
/// for passport in view.passports() {
///     assert_eq!(passport.framework(), Framework::Hipaa);
///     assert!(passport.verify(key.verifying_key()).is_ok());
/// }
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultView<'a> {
    blocks: RegionBlocks<'a>,
    count: usize,
    generation: u32,
}

impl<'a> VaultView<'a> {
    /// Checks `region` (one or more `block_size` blocks) and views it. See the type's
    /// documentation for what is checked, in which order.
    ///
    /// # Errors
    ///
    /// The first check that fails: `truncated` (not whole blocks, or fewer passports than
    /// `passport_count`), `checksum_mismatch`, `wrong_tag`, `torn_write`, or
    /// `invalid_field` (naming block, field and offset).
    pub fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<true>(region, block_size)
    }

    /// [`new_checked`](Self::new_checked), block checksums compared only when `CHECKSUM`.
    fn check<const CHECKSUM: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let (blocks, generation, header) =
            RegionBlocks::verified_header::<VaultHeader, CHECKSUM>(region, block_size, Tag::CMVT)?;
        header.validate()?;
        // Not negative: validate() checked it.
        let count = usize::try_from(header.passport_count.get()).unwrap_or(0);
        let mut placement = Placement::new();
        for found in 0..count {
            if next_passport(&blocks, &mut placement)?.is_none() {
                let field = field!(VaultHeader, passport_count);
                return Err(Error::new(
                    Reason::Truncated {
                        needed: u64::try_from(count).unwrap_or(u64::MAX),
                        available: u64::try_from(found).unwrap_or(u64::MAX),
                        unit: Unit::Passports,
                    },
                    Location::block_of(BlockOrigin::Region, 0).with_field(field.name, field.offset),
                ));
            }
        }
        // Everything after the last passport is padding.
        while let Some(payload) = blocks.payload(placement.block()) {
            check_padding(
                placement.block(),
                placement.offset(),
                payload.get(placement.offset()..).unwrap_or_default(),
            )?;
            placement.next_block();
        }
        Ok(VaultView {
            blocks,
            count,
            generation,
        })
    }

    /// The generation every block carries.
    #[must_use]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// The block size the region was read with.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.blocks.block_size()
    }

    /// Blocks in the region buffer.
    #[must_use]
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Passports in the vault (`passport_count`).
    #[must_use]
    pub const fn passport_count(&self) -> usize {
        self.count
    }

    /// The passports in order, read in place.
    #[must_use]
    pub fn passports(&self) -> Passports<'a> {
        Passports {
            blocks: self.blocks,
            placement: Placement::new(),
            remaining: self.count,
        }
    }

    /// The first passport with this id.
    #[must_use]
    pub fn find(&self, passport_id: Uuid) -> Option<PassportView<'a>> {
        self.passports()
            .find(|passport| passport.passport_id() == passport_id)
    }
}

impl<'a> RegionView<'a> for VaultView<'a> {
    const TAG: Tag = Tag::CMVT;

    fn checked<const CHECKSUMS: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<CHECKSUMS>(region, block_size)
    }

    /// Read *without* verifying anything: `Some(n)` when its `passport_count` passports
    /// end in block `n − 1` (or reading them stops at a malformed passport in that
    /// block), `None` when `image` ends first.
    fn implied_extent(image: &'a [u8], block_size: BlockSize) -> Option<usize> {
        let (blocks, header) = RegionBlocks::unverified_header::<VaultHeader>(image, block_size)?;
        let count = header.count().unwrap_or(0);
        let mut placement = Placement::new();
        for _ in 0..count {
            match next_passport(&blocks, &mut placement) {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(_) => break,
            }
        }
        Some(placement.block().saturating_add(1).min(blocks.len()))
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn block_size(&self) -> BlockSize {
        self.blocks.block_size()
    }

    fn block_count(&self) -> usize {
        self.blocks.len()
    }
}

/// Iterator over a [`VaultView`]'s passports, in place.
#[derive(Debug, Clone)]
pub struct Passports<'a> {
    blocks: RegionBlocks<'a>,
    placement: Placement,
    remaining: usize,
}

impl<'a> Iterator for Passports<'a> {
    type Item = PassportView<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        // The view checked every passport, so this neither fails nor runs out.
        let passport = next_passport(&self.blocks, &mut self.placement)
            .ok()
            .flatten()?;
        self.remaining = self.remaining.saturating_sub(1);
        Some(passport)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Passports<'_> {}
impl FusedIterator for Passports<'_> {}

/// One passport read in place from a vault's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassportView<'a> {
    bytes: &'a [u8],
    head: &'a PassportHead,
    issuer: &'a [u8],
    notes: &'a [u8],
    signature: &'a [u8; SIGNATURE_LEN],
    block: usize,
    offset: usize,
}

impl<'a> PassportView<'a> {
    /// Reads the passport at the start of `rest` (which begins at `at`), checking its
    /// lengths against their ranges and against the payload left.
    fn read(rest: &'a [u8], at: Placement) -> Result<Self> {
        let (block, start) = (at.block(), at.offset());
        let located = |error: Error| {
            error.placed(
                BlockOrigin::Region,
                u64::try_from(block).unwrap_or(u64::MAX),
                start,
            )
        };
        let field_error = |field: FieldRef, relative: usize, value: i64, requirement| {
            Error::invalid_field(
                block,
                field.name,
                start.saturating_add(relative),
                value,
                requirement,
            )
        };
        let runs_past = text!("the passport runs past the end of its block's payload");
        let (head, _) = PassportHead::ref_from_prefix(rest)
            .map_err(|_| field_error(field!(PassportHead, passport_id), 0, 0, runs_past))?;
        let issuer_len = head.issuer_len().map_err(located)?;
        let notes_len_at = PASSPORT_HEAD_LEN.saturating_add(issuer_len);
        let notes_at = notes_len_at.saturating_add(NOTES_LEN_FIELD);
        let notes_len_bytes = rest.get(notes_len_at..notes_at).ok_or_else(|| {
            let field = field!(PassportHead, issuer_len);
            field_error(
                field,
                field.offset,
                i64::from(head.issuer_len.get()),
                runs_past,
            )
        })?;
        let notes_value = I32::read_from_bytes(notes_len_bytes).map_or(-1, |value| value.get());
        let notes_len = usize::try_from(notes_value)
            .ok()
            .filter(|length| *length <= MAX_NOTES_LEN)
            .ok_or_else(|| {
                field_error(
                    NOTES_LEN,
                    notes_len_at,
                    i64::from(notes_value),
                    text!("it must be between 0 and 256"),
                )
            })?;
        let signature_at = notes_at.saturating_add(notes_len);
        let end = signature_at.saturating_add(SIGNATURE_LEN);
        let bytes = rest.get(..end).ok_or_else(|| {
            field_error(NOTES_LEN, notes_len_at, i64::from(notes_value), runs_past)
        })?;
        let issuer = bytes
            .get(PASSPORT_HEAD_LEN..notes_len_at)
            .unwrap_or_default();
        let notes = bytes.get(notes_at..signature_at).unwrap_or_default();
        let signature = bytes
            .get(signature_at..end)
            .and_then(|signature| <&[u8; SIGNATURE_LEN]>::try_from(signature).ok())
            .ok_or_else(|| field_error(SIGNATURE, signature_at, 0, runs_past))?;
        Ok(PassportView {
            bytes,
            head,
            issuer,
            notes,
            signature,
            block,
            offset: start,
        })
    }

    /// The passport's serialized bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Where it is: (block index in the region, byte offset in the block).
    #[must_use]
    pub const fn location(&self) -> (usize, usize) {
        (self.block, self.offset)
    }

    /// The fixed head, as stored.
    #[must_use]
    pub const fn head(&self) -> &'a PassportHead {
        self.head
    }

    /// The passport's id.
    #[must_use]
    pub fn passport_id(&self) -> Uuid {
        Uuid::from_bytes_le(self.head.passport_id)
    }

    /// The id of the data object assessed.
    #[must_use]
    pub fn object_id(&self) -> Uuid {
        Uuid::from_bytes_le(self.head.object_id)
    }

    /// The framework assessed against.
    #[must_use]
    pub fn framework(&self) -> Framework {
        Framework::from_code(self.head.framework_id.get())
    }

    /// The assessment's outcome.
    #[must_use]
    pub fn status(&self) -> ComplianceStatus {
        ComplianceStatus::from_code(self.head.compliance_status.get())
    }

    /// When the passport was issued.
    #[must_use]
    pub fn issued(&self) -> Ticks {
        Ticks::new(self.head.issued_utc_ticks.get())
    }

    /// When it expires, as stored (0 = never).
    #[must_use]
    pub fn expires(&self) -> Ticks {
        Ticks::new(self.head.expires_utc_ticks.get())
    }

    /// When the assessment was last verified.
    #[must_use]
    pub fn last_verified(&self) -> Ticks {
        Ticks::new(self.head.last_verified_utc_ticks.get())
    }

    /// The issuer's bytes.
    #[must_use]
    pub const fn issuer_bytes(&self) -> &'a [u8] {
        self.issuer
    }

    /// The issuer as text.
    ///
    /// # Errors
    ///
    /// `invalid_utf8` when the bytes are not UTF-8 ([`issuer_bytes`](Self::issuer_bytes)
    /// still gives them).
    pub fn issuer(&self) -> Result<&'a str> {
        utf8(&ISSUER, self.issuer)
    }

    /// The notes' bytes.
    #[must_use]
    pub const fn notes_bytes(&self) -> &'a [u8] {
        self.notes
    }

    /// The notes as text.
    ///
    /// # Errors
    ///
    /// `invalid_utf8` when the bytes are not UTF-8 ([`notes_bytes`](Self::notes_bytes)
    /// still gives them).
    pub fn notes(&self) -> Result<&'a str> {
        utf8(&NOTES, self.notes)
    }

    /// The signature, raw `r‖s`.
    #[must_use]
    pub const fn signature(&self) -> &'a [u8; SIGNATURE_LEN] {
        self.signature
    }

    /// The signed payload: the serialized passport without its final 64 bytes.
    #[must_use]
    pub fn signed_payload(&self) -> &'a [u8] {
        let length = self.bytes.len().saturating_sub(SIGNATURE_LEN);
        self.bytes.get(..length).unwrap_or_default()
    }

    /// The SHA-256 of the [signed payload](Self::signed_payload): the digest the signature
    /// is over, for verifying many at once
    /// ([`PrecomputedVerifyingKey::verify_digests`](super::PrecomputedVerifyingKey::verify_digests)).
    #[must_use]
    pub fn signed_digest(&self) -> [u8; 32] {
        crate::sha256::sha256(&[self.signed_payload()])
    }

    /// Verifies the signature with `key` under the default (lenient) policy. `key` is a
    /// [`p256::ecdsa::VerifyingKey`] or any other [`SignatureVerifier`] (with the `ring`
    /// feature, a [`RingVerifyingKey`](super::RingVerifyingKey)).
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`](super::verify_digest): `Malformed` or
    /// `Mismatch` (never `HighS` under this policy).
    pub fn verify<K: SignatureVerifier + ?Sized>(&self, key: &K) -> Result<()> {
        self.verify_with_policy(key, SignaturePolicy::default())
    }

    /// Verifies the signature with `key` under `policy`.
    ///
    /// # Errors
    ///
    /// `bad_signature`, as [`verify_digest`](super::verify_digest).
    pub fn verify_with_policy<K: SignatureVerifier + ?Sized>(
        &self,
        key: &K,
        policy: SignaturePolicy,
    ) -> Result<()> {
        key.verify_message(self.signed_payload(), self.signature, policy)
    }

    /// Reads a passport that is all of `bytes` (a journal entry's payload): its lengths
    /// checked as in a vault, and no byte left over.
    pub(crate) fn read_whole(bytes: &'a [u8]) -> Result<Self> {
        let view = Self::read(bytes, Placement::at(0, 0))?;
        if view.bytes.len() != bytes.len() {
            return Err(Error::invalid_argument(
                "passport",
                text!("a journaled passport must fill its entry's payload exactly"),
            ));
        }
        Ok(view)
    }

    /// The owned passport.
    ///
    /// # Errors
    ///
    /// `invalid_argument` for an issuer over 128 bytes or notes over 256, which a view
    /// never holds (it checked both lengths when it read the passport).
    pub fn to_passport(&self) -> Result<Passport> {
        Passport::from_parts(self.head, self.issuer, self.notes, self.signature)
    }

    /// Overwrites `passport` with this one, in place.
    pub(crate) fn copy_into(&self, passport: &mut Passport) -> Result<()> {
        passport.set_parts(self.head, self.issuer, self.notes, self.signature)
    }
}
