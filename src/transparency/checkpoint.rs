//! Signed checkpoints (tree size, root, time), stored as Compliance Vault passports.

use core::fmt::Write as _;

use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zerocopy::IntoBytes;

use super::error::TransparencyError;
use super::hash::Hash;
use super::leaves::LogLeaves;
use super::tree::root;
use crate::ticks::Ticks;
use crate::vault::{ComplianceStatus, Framework, Passport, PassportView, SignatureVerifier};
use crate::worm::WormHeader;

/// How a checkpoint's notes start: the text form's name and version.
pub const CHECKPOINT_NOTES_PREFIX: &str = "dwvd-checkpoint/1 ";

/// The framework code of a checkpoint passport: 0x0100, outside the SPEC's 0–8, so an
/// existing reader keeps it as an unknown framework (it round-trips) and never mistakes a
/// checkpoint for a compliance assessment.
pub const CHECKPOINT_FRAMEWORK: Framework = Framework::from_code(0x0100);

/// The issuer written into checkpoint passports.
pub const CHECKPOINT_ISSUER: &str = "dwvd-transparency";

/// Longest text form: prefix, `size=` and 20 digits, ` root=` and 64 hex digits.
const NOTES_CAPACITY: usize = 128;

/// A checkpoint of a WORM log: its tree size (the high-water mark when it was taken), the
/// Merkle root of that many records, and when it was taken.
///
/// It is stored without a new block layout, as a Compliance Vault passport signed with the
/// vault's P-256 key scheme (deterministic ECDSA, raw `r‖s`):
///
/// | passport field | value |
/// |---|---|
/// | `passport_id` | the first 16 bytes of SHA-256(`"dwvd-checkpoint/1"` ‖ object id ‖ size as u64 LE ‖ root), as a version-8 UUID: the same checkpoint always has the same id |
/// | `object_id` | the WORM region's id: [`worm_region_id`], or any id the caller keeps for it |
/// | `framework_id` | [`CHECKPOINT_FRAMEWORK`] (0x0100) |
/// | `compliance_status` | Compliant |
/// | `issued`, `last_verified` | the checkpoint's ticks; `expires` 0 |
/// | `issuer` | [`CHECKPOINT_ISSUER`] |
/// | `notes` | `dwvd-checkpoint/1 size=N root=HEX`: N in decimal without leading zeros, HEX the root in 64 lowercase hex digits, nothing after |
///
/// ```
/// use dwvd_regions::transparency::{Checkpoint, worm_region_id};
/// use dwvd_regions::worm::WormRegion;
/// use dwvd_regions::{BlockSize, Ticks};
/// use p256::ecdsa::SigningKey;
///
/// let mut log = WormRegion::<8>::new(BlockSize::MIN, 8, 0, Ticks::new(0))?;
/// log.append(b"entry", Ticks::new(5))?;
/// let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
///
/// let checkpoint = Checkpoint::of_log(&log, log.high_water_mark(), Ticks::new(9))?;
/// let passport = checkpoint.to_passport(worm_region_id(&log.header()), &key)?;
/// assert!(passport.notes()?.starts_with("dwvd-checkpoint/1 size=1 root="));
///
/// // Later: the log still holds what the checkpoint pinned.
/// let read = Checkpoint::from_passport(&passport)?;
/// assert_eq!(read, checkpoint);
/// log.append(b"more", Ticks::new(10))?;
/// assert!(read.check_log(&log).is_ok());
/// # Ok::<(), dwvd_regions::transparency::TransparencyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// Records the checkpoint covers: the high-water mark when it was taken.
    pub tree_size: u64,
    /// The Merkle tree hash of those records.
    pub root: Hash,
    /// When it was taken.
    pub ticks: Ticks,
}

impl Checkpoint {
    /// The checkpoint of the first `tree_size` records of `log`, taken at `ticks`.
    ///
    /// # Errors
    ///
    /// As [`root`](super::root): [`TransparencyError::TreeLargerThanLog`] when
    /// `tree_size` is beyond the log, [`TransparencyError::MissingRecord`] when the log
    /// cannot give a record it counts.
    pub fn of_log<L: LogLeaves + ?Sized>(
        log: &L,
        tree_size: u64,
        ticks: Ticks,
    ) -> Result<Self, TransparencyError> {
        Ok(Self {
            tree_size,
            root: root(log, tree_size)?,
            ticks,
        })
    }

    /// The notes' text form: `dwvd-checkpoint/1 size=N root=HEX`.
    #[must_use]
    pub fn notes(&self) -> heapless::String<NOTES_CAPACITY> {
        let mut text = heapless::String::new();
        // At most 18 + 5 + 20 + 6 + 64 = 113 bytes: always fits.
        let _ = write!(
            text,
            "{CHECKPOINT_NOTES_PREFIX}size={} root=",
            self.tree_size
        );
        for byte in self.root {
            let _ = write!(text, "{byte:02x}");
        }
        text
    }

    /// The checkpoint's passport for the log `object_id` names, signed with `key`.
    ///
    /// # Errors
    ///
    /// [`TransparencyError::Passport`] if signing fails, as in
    /// [`sign_digest`](crate::vault::sign_digest): practically never. The issuer and the
    /// notes always fit.
    pub fn to_passport(
        &self,
        object_id: Uuid,
        key: &SigningKey,
    ) -> Result<Passport, TransparencyError> {
        let notes = self.notes();
        Ok(Passport::new(
            self.passport_id(object_id),
            object_id,
            CHECKPOINT_FRAMEWORK,
            ComplianceStatus::Compliant,
        )
        .with_issued(self.ticks)
        .with_last_verified(self.ticks)
        .with_issuer(CHECKPOINT_ISSUER.as_bytes())?
        .with_notes(notes.as_bytes())?
        .signed(key)?)
    }

    /// The id of this checkpoint's passport for `object_id` (never nil: version 8).
    #[must_use]
    pub fn passport_id(&self, object_id: Uuid) -> Uuid {
        let digest = Sha256::new()
            .chain_update(b"dwvd-checkpoint/1")
            .chain_update(object_id.as_bytes())
            .chain_update(self.tree_size.to_le_bytes())
            .chain_update(self.root)
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// Reads a checkpoint from a passport's notes and issue time (no signature check:
    /// see [`verified_from_passport`](Self::verified_from_passport)).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::NotACheckpoint`] when the notes do not start with
    /// [`CHECKPOINT_NOTES_PREFIX`]; [`TransparencyError::MalformedCheckpoint`] naming the
    /// `size`, the `root` or `trailing text` when the rest breaks the text form.
    pub fn from_notes(notes: &[u8], ticks: Ticks) -> Result<Self, TransparencyError> {
        let text = notes
            .strip_prefix(CHECKPOINT_NOTES_PREFIX.as_bytes())
            .ok_or(TransparencyError::NotACheckpoint)?;
        let text = text
            .strip_prefix(b"size=")
            .ok_or(TransparencyError::MalformedCheckpoint { part: "size" })?;
        let digits = text.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let (size_text, rest) = text.split_at_checked(digits).unwrap_or((&[], text));
        let tree_size = parse_decimal(size_text)
            .ok_or(TransparencyError::MalformedCheckpoint { part: "size" })?;
        let hex = rest
            .strip_prefix(b" root=")
            .ok_or(TransparencyError::MalformedCheckpoint { part: "root" })?;
        let (hex, trailing) = hex
            .split_at_checked(64)
            .ok_or(TransparencyError::MalformedCheckpoint { part: "root" })?;
        if !trailing.is_empty() {
            return Err(TransparencyError::MalformedCheckpoint {
                part: "trailing text",
            });
        }
        let mut root = [0u8; 32];
        for (byte, pair) in root.iter_mut().zip(hex.chunks_exact(2)) {
            let (high, low) = match pair {
                [high, low] => (lower_hex_digit(*high), lower_hex_digit(*low)),
                _ => (None, None),
            };
            *byte = match (high, low) {
                (Some(high), Some(low)) => (high << 4) | low,
                _ => return Err(TransparencyError::MalformedCheckpoint { part: "root" }),
            };
        }
        Ok(Self {
            tree_size,
            root,
            ticks,
        })
    }

    /// Reads the checkpoint an owned passport holds (no signature check): its notes, and
    /// that the passport is shaped as a checkpoint's — framework [`CHECKPOINT_FRAMEWORK`]
    /// and the passport id [`passport_id`](Self::passport_id) derives.
    ///
    /// # Errors
    ///
    /// As [`from_notes`](Self::from_notes) for the notes; then
    /// [`TransparencyError::MalformedCheckpoint`] naming `framework_id` or `passport_id`
    /// when the passport is not shaped as a checkpoint's.
    pub fn from_passport(passport: &Passport) -> Result<Self, TransparencyError> {
        Self::from_passport_fields(
            passport.notes_bytes(),
            passport.issued(),
            passport.framework(),
            passport.passport_id(),
            passport.object_id(),
        )
    }

    /// Reads the checkpoint a passport view holds (no signature check), as
    /// [`from_passport`](Self::from_passport).
    ///
    /// # Errors
    ///
    /// As [`from_passport`](Self::from_passport).
    pub fn from_passport_view(passport: &PassportView<'_>) -> Result<Self, TransparencyError> {
        Self::from_passport_fields(
            passport.notes_bytes(),
            passport.issued(),
            passport.framework(),
            passport.passport_id(),
            passport.object_id(),
        )
    }

    /// The checkpoint in a passport's notes, if the passport is shaped as a checkpoint's:
    /// the checkpoint framework and the derived id (notes copied into another passport
    /// are not a checkpoint).
    fn from_passport_fields(
        notes: &[u8],
        issued: Ticks,
        framework: Framework,
        passport_id: Uuid,
        object_id: Uuid,
    ) -> Result<Self, TransparencyError> {
        let checkpoint = Self::from_notes(notes, issued)?;
        if framework != CHECKPOINT_FRAMEWORK {
            return Err(TransparencyError::MalformedCheckpoint {
                part: "framework_id",
            });
        }
        if passport_id != checkpoint.passport_id(object_id) {
            return Err(TransparencyError::MalformedCheckpoint {
                part: "passport_id",
            });
        }
        Ok(checkpoint)
    }

    /// Verifies the passport's signature with `key` (any [`SignatureVerifier`]), then
    /// reads its checkpoint.
    ///
    /// # Errors
    ///
    /// [`TransparencyError::Passport`] holding `bad_signature` when the signature does
    /// not verify; then as [`from_passport_view`](Self::from_passport_view).
    pub fn verified_from_passport<K: SignatureVerifier + ?Sized>(
        passport: &PassportView<'_>,
        key: &K,
    ) -> Result<Self, TransparencyError> {
        passport.verify(key)?;
        Self::from_passport_view(passport)
    }

    /// Checks that `log` still holds what this checkpoint pinned: at least
    /// [`tree_size`](Self::tree_size) records, whose tree has this root.
    ///
    /// # Errors
    ///
    /// [`TransparencyError::TreeLargerThanLog`] when the log was truncated below the
    /// checkpoint; [`TransparencyError::RootMismatch`] when one of its first records was
    /// changed (or the whole log rebuilt); [`TransparencyError::MissingRecord`] when the
    /// log cannot give a record it counts.
    pub fn check_log<L: LogLeaves + ?Sized>(&self, log: &L) -> Result<(), TransparencyError> {
        if root(log, self.tree_size)? == self.root {
            Ok(())
        } else {
            Err(TransparencyError::RootMismatch)
        }
    }
}

/// A decimal `u64` without a sign, leading zeros (other than `0` itself) or overflow.
fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || (text.len() > 1 && text.first() == Some(&b'0')) {
        return None;
    }
    text.iter().try_fold(0u64, |value, digit| {
        value
            .checked_mul(10)?
            .checked_add(u64::from(digit.checked_sub(b'0')?))
    })
}

/// A lowercase hex digit's value (the text form is lowercase only, so it has one spelling).
fn lower_hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => digit.checked_sub(b'0'),
        b'a'..=b'f' => digit
            .checked_sub(b'a')
            .and_then(|value| value.checked_add(10)),
        _ => None,
    }
}

/// An id for a WORM region, from the header fields fixed when it was formatted
/// (`total_capacity_blocks`, `retention_period_ticks`, `created_utc_ticks`): the first 16
/// bytes of SHA-256(`"dwvd-worm-region/1"` ‖ those 24 bytes as stored), as a version-8 UUID.
/// `dwvd` uses it as the `object_id` of checkpoints, so an inspector finds a region's
/// checkpoints; callers with their own ids for regions may use those instead.
#[must_use]
pub fn worm_region_id(header: &WormHeader) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"dwvd-worm-region/1")
        .chain_update(header.total_capacity_blocks.as_bytes())
        .chain_update(header.retention_period_ticks.as_bytes())
        .chain_update(header.created_utc_ticks.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
