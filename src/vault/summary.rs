//! The vault's `serde` representation (feature `serde`): each passport with the SPEC's
//! field names (ids as GUID text, framework and status as their codes, the signature as
//! hex in JSON), and the summary that lists them with the vault's generation — the object
//! `dwvd parse cmvt` prints and `dwvd build cmvt` reads.
//!
//! Issuer and notes are bytes on disk, UTF-8 by convention. Each is written as text;
//! when its bytes are not UTF-8 the text has replacement characters, and `issuer_hex` /
//! `notes_hex` carry the exact bytes, which reading prefers. So a passport read back from
//! what it wrote has the same bytes, and its signature still verifies.

use serde::de::{Deserializer, Error as _};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::layout::{MAX_ISSUER_LEN, MAX_NOTES_LEN, SIGNATURE_LEN};
use super::{
    ComplianceStatus, Framework, Passport, PassportView, Passports, Vault, VaultHeader, VaultView,
};
use crate::Ticks;
use crate::region::Region;
use crate::serde_support::{
    ByteString, HexBytes, LossyText, Text, deserialize_array, is_utf8, serialize_bytes,
    text_or_twin,
};

/// What a Compliance Vault holds: its generation and its passports.
///
/// `Passports` is whatever holds or yields them: [`Passports`] from
/// [`VaultView::summary`] (serialized in place), `&[Passport]` from
/// [`Vault::summary`], or an owned list to read one into (a `heapless::Vec<Passport, N>`
/// in firmware, a `Vec` in a std tool). Unknown fields are refused when reading; a missing
/// `generation` reads as 0.
///
/// A passport reads without `signature` as unsigned (all-zero, what [`Passport::new`]
/// gives: [`Passport::is_signed`] is false), to be [`signed`](Passport::signed) before
/// it is written; an unsigned passport writes its zeros, so a tool that must tell "left
/// out" from "given as zeros" looks at the document's keys; a
/// `signature_valid` field (what an inspector adds after checking it) is accepted and
/// ignored.
///
/// ```
/// use dwvd_regions::{BlockSize, Ticks, vault::{ComplianceStatus, Framework, Passport, Vault}};
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let key = SigningKey::from_slice(&[7; 32]).unwrap();
/// let mut vault = Vault::<2>::new(BlockSize::new(512)?);
/// vault.add(
///     Passport::new(Uuid::from_u128(1), Uuid::from_u128(2), Framework::Hipaa,
///                   ComplianceStatus::Compliant)
///         .with_issuer(b"auditor")?
///         .signed(&key)?,
/// )?;
/// let summary = vault.summary();
/// assert_eq!(summary.passports.len(), 1);
/// assert_eq!(summary.passports[0].issuer()?, "auditor");
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A Compliance Vault (CMVT): its generation and its passports.")
)]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[serde(deny_unknown_fields)]
pub struct VaultSummary<Passports> {
    /// The vault's generation (its blocks' trailers').
    #[serde(default)]
    pub generation: u32,
    /// The passports, in the vault's order.
    pub passports: Passports,
}

impl<'a> VaultView<'a> {
    /// The generation and the passports in place, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> VaultSummary<Passports<'a>> {
        VaultSummary {
            generation: self.generation(),
            passports: self.passports(),
        }
    }
}

impl<const CAPACITY: usize> Vault<CAPACITY> {
    /// The generation and the passports, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> VaultSummary<&[Passport]> {
        VaultSummary {
            generation: self.generation(),
            passports: self.all(),
        }
    }
}

/// The passports of a view, as a list.
impl Serialize for Passports<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.clone())
    }
}

/// The SPEC's field names; each text's exact bytes beside it when it is not UTF-8.
impl Serialize for Passport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A text's exact bytes beside it when it is not UTF-8.
        let human = serializer.is_human_readable();
        let issuer_twin = (!is_utf8(self.issuer_bytes())).then_some(());
        let notes_twin = (!is_utf8(self.notes_bytes())).then_some(());
        // JSON: the ten fields, and each twin when there is one. A binary format: all
        // thirteen fields of what reading takes, in its order (the twins and the
        // inspector's `signature_valid` as `None` when absent).
        let fields = if human {
            10usize
                .saturating_add(usize::from(issuer_twin.is_some()))
                .saturating_add(usize::from(notes_twin.is_some()))
        } else {
            13
        };
        let mut out = serializer.serialize_struct("Passport", fields)?;
        out.serialize_field("passport_id", &self.passport_id())?;
        out.serialize_field("object_id", &self.object_id())?;
        out.serialize_field("framework_id", &self.framework())?;
        out.serialize_field("compliance_status", &self.status())?;
        out.serialize_field("issued_utc_ticks", &self.issued())?;
        out.serialize_field("expires_utc_ticks", &self.expires())?;
        out.serialize_field("last_verified_utc_ticks", &self.last_verified())?;
        out.serialize_field("issuer_id", &LossyText(self.issuer_bytes()))?;
        out.serialize_field("notes", &LossyText(self.notes_bytes()))?;
        for (name, bytes, twin) in [
            ("issuer_hex", self.issuer_bytes(), issuer_twin),
            ("notes_hex", self.notes_bytes(), notes_twin),
        ] {
            match (twin, human) {
                (Some(()), _) => out.serialize_field(name, &Some(HexBytes(bytes)))?,
                (None, false) => out.serialize_field(name, &None::<HexBytes<'_>>)?,
                (None, true) => out.skip_field(name)?,
            }
        }
        // `Some`: reading takes an optional signature (JSON writes `Some(x)` as `x`).
        out.serialize_field("signature", &Some(HexBytes(self.signature())))?;
        if human {
            out.skip_field("signature_valid")?;
        } else {
            out.serialize_field("signature_valid", &None::<bool>)?;
        }
        out.end()
    }
}

/// Serializes as the [`Passport`] it holds (copied out: a view's texts are checked to
/// fit one, so the copy does not fail).
impl Serialize for PassportView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_passport()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// A passport as read: the serialized fields, `issuer_hex`, `notes_hex` and `signature`
/// optional, and an inspector's `signature_valid` tolerated.
#[derive(Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "One compliance passport. issuer_hex and notes_hex give the exact bytes when they are not UTF-8; without signature the passport is unsigned."
    )
)]
#[serde(deny_unknown_fields, rename = "Passport")]
struct PassportInput {
    #[cfg_attr(feature = "schemars", schemars(with = "alloc::string::String"))]
    passport_id: Uuid,
    #[cfg_attr(feature = "schemars", schemars(with = "alloc::string::String"))]
    object_id: Uuid,
    #[cfg_attr(feature = "schemars", schemars(with = "u16"))]
    framework_id: Framework,
    #[cfg_attr(feature = "schemars", schemars(with = "u16"))]
    compliance_status: ComplianceStatus,
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    issued_utc_ticks: Ticks,
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    expires_utc_ticks: Ticks,
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    last_verified_utc_ticks: Ticks,
    #[cfg_attr(feature = "schemars", schemars(with = "alloc::string::String"))]
    issuer_id: Text<MAX_ISSUER_LEN>,
    #[cfg_attr(feature = "schemars", schemars(with = "alloc::string::String"))]
    notes: Text<MAX_NOTES_LEN>,
    /// The issuer's exact bytes in hex, present when they are not UTF-8.
    #[serde(default)]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<alloc::string::String>"))]
    issuer_hex: Option<ByteString<MAX_ISSUER_LEN>>,
    /// The notes' exact bytes in hex, present when they are not UTF-8.
    #[serde(default)]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<alloc::string::String>"))]
    notes_hex: Option<ByteString<MAX_NOTES_LEN>>,
    /// Raw `r‖s` in hex; left out, the passport is unsigned (all zeros).
    #[serde(default)]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<alloc::string::String>"))]
    signature: Option<ByteString<SIGNATURE_LEN>>,
    /// Whether the signature verified, as an inspector reports it; ignored when read.
    #[serde(default, rename = "signature_valid")]
    _signature_valid: Option<bool>,
}

/// A passport's schema: what reading one accepts.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Passport {
    fn schema_name() -> alloc::borrow::Cow<'static, str> {
        PassportInput::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        PassportInput::json_schema(generator)
    }
}

/// Reads what [`Serialize`] writes, byte for byte. An issuer over 128 bytes, notes over
/// 256 or a signature that is not 64 bytes is an error naming the field.
impl<'de> Deserialize<'de> for Passport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let input = PassportInput::deserialize(deserializer)?;
        let issuer = text_or_twin::<D::Error, MAX_ISSUER_LEN>(
            "issuer_id",
            input.issuer_id,
            input.issuer_hex,
        )?;
        let notes = text_or_twin::<D::Error, MAX_NOTES_LEN>("notes", input.notes, input.notes_hex)?;
        let signature = match input.signature {
            None => [0; SIGNATURE_LEN],
            Some(ByteString(bytes)) => bytes.as_slice().try_into().map_err(|_| {
                D::Error::custom(format_args!(
                    "signature is {} bytes, not {SIGNATURE_LEN}",
                    bytes.len()
                ))
            })?,
        };
        // The lengths were bounded as they were read, so neither `with_` fails.
        Passport::new(
            input.passport_id,
            input.object_id,
            input.framework_id,
            input.compliance_status,
        )
        .with_issued(input.issued_utc_ticks)
        .with_expires(input.expires_utc_ticks)
        .with_last_verified(input.last_verified_utc_ticks)
        .with_issuer(&issuer)
        .and_then(|passport| passport.with_notes(&notes))
        .map(|passport| passport.with_signature(signature))
        .map_err(D::Error::custom)
    }
}

/// The header alone: the count and the reserved bytes (hex in JSON).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFields {
    passport_count: i32,
    #[serde(
        serialize_with = "serialize_bytes",
        deserialize_with = "deserialize_array"
    )]
    reserved: [u8; 12],
}

impl Serialize for VaultHeader {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HeaderFields {
            passport_count: self.passport_count.get(),
            reserved: self.reserved,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VaultHeader {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = HeaderFields::deserialize(deserializer)?;
        Ok(VaultHeader {
            passport_count: zerocopy::little_endian::I32::new(fields.passport_count),
            reserved: fields.reserved,
        })
    }
}
