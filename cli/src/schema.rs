//! The JSON schema of `parse` and `build`: the golden vectors' `expect` objects, with the
//! SPEC's field names, ids as hyphenated lowercase GUIDs and hashes and signatures as
//! lowercase hex.

use anyhow::{Context, anyhow};
use dwvd_regions::streaming::{StreamingHeader, StreamingView};
use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, VaultView, emit_parts as emit_vault,
};
use dwvd_regions::worm::{LoggedWrite, WormHeader, WormView, emit_parts as emit_worm, region_len};
use dwvd_regions::{BlockSize, Error, Ticks};
use p256::ecdsa::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zerocopy::little_endian::{I32, I64, U32};

use crate::{Failure, Kind};

/// The JSON Schema of the description of a region of `kind` (what `parse` prints and
/// `build` reads), generated from the types themselves, so it cannot drift from them.
pub fn json_schema(kind: Kind) -> serde_json::Value {
    let schema = match kind {
        Kind::Stre => schemars::schema_for!(StreamDescription),
        Kind::Worm => schemars::schema_for!(WormDescription),
        Kind::Cmvt => schemars::schema_for!(VaultDescription),
    };
    schema.to_value()
}

/// A STRE header block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamDescription {
    pub max_capacity_blocks: i64,
    pub allocated_blocks: i64,
    pub write_head: i64,
    pub read_tail: i64,
    pub entry_count: i64,
    pub growth_increment: i32,
    #[serde(default)]
    pub generation: u32,
}

/// A WORM region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WormDescription {
    pub high_water_mark: i64,
    pub total_capacity_blocks: i64,
    pub retention_period_ticks: i64,
    pub created_utc_ticks: i64,
    #[serde(default)]
    pub generation: u32,
    pub write_log: Vec<RecordDescription>,
}

/// One write-log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordDescription {
    pub block_index: i64,
    pub timestamp_utc_ticks: i64,
    pub data_length: i32,
    pub content_sha256: String,
}

/// A Compliance Vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultDescription {
    #[serde(default)]
    pub generation: u32,
    pub passports: Vec<PassportDescription>,
}

/// One passport. `signature` may be left out when building with a signing key;
/// `signature_valid` is printed only when a public key was given, and ignored on input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PassportDescription {
    pub passport_id: String,
    pub object_id: String,
    pub framework_id: u16,
    pub compliance_status: u16,
    pub issued_utc_ticks: i64,
    pub expires_utc_ticks: i64,
    pub last_verified_utc_ticks: i64,
    pub issuer_id: String,
    pub notes: String,
    /// The issuer's bytes in hex, present only when they are not UTF-8 (`issuer_id` then
    /// shows them with replacement characters): what `build` writes, so parse → build
    /// reproduces any image byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_hex: Option<String>,
    /// The notes' bytes in hex, present only when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
}

impl Parsed {
    /// Passports whose signature was checked and does not verify.
    pub fn invalid_signatures(&self) -> usize {
        match self {
            Parsed::Cmvt(vault) => vault
                .passports
                .iter()
                .filter(|passport| passport.signature_valid == Some(false))
                .count(),
            _ => 0,
        }
    }
}

/// A parsed region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Stre(StreamDescription),
    Worm(WormDescription),
    Cmvt(VaultDescription),
}

impl Parsed {
    /// The JSON object `parse` prints.
    pub fn to_json(&self) -> String {
        let value = match self {
            Parsed::Stre(description) => serde_json::to_value(description),
            Parsed::Worm(description) => serde_json::to_value(description),
            Parsed::Cmvt(description) => serde_json::to_value(description),
        };
        value.map(|value| value.to_string()).unwrap_or_default()
    }
}

/// Parses `region` as `kind` with the core's checked views.
pub fn parse(
    kind: Kind,
    region: &[u8],
    block_size: BlockSize,
    key: Option<&VerifyingKey>,
) -> Result<Parsed, Error> {
    Ok(match kind {
        Kind::Stre => Parsed::Stre(describe_stream(&StreamingView::new_checked(
            region, block_size,
        )?)),
        Kind::Worm => Parsed::Worm(describe_worm(&WormView::new_checked(region, block_size)?)),
        Kind::Cmvt => Parsed::Cmvt(describe_vault(
            &VaultView::new_checked(region, block_size)?,
            key,
        )),
    })
}

pub fn describe_stream(view: &StreamingView<'_>) -> StreamDescription {
    let header = view.header();
    StreamDescription {
        max_capacity_blocks: header.max_capacity_blocks.get(),
        allocated_blocks: header.allocated_blocks.get(),
        write_head: header.write_head.get(),
        read_tail: header.read_tail.get(),
        entry_count: header.entry_count.get(),
        growth_increment: header.growth_increment.get(),
        generation: view.generation(),
    }
}

pub fn describe_worm(view: &WormView<'_>) -> WormDescription {
    let header = view.header();
    WormDescription {
        high_water_mark: header.high_water_mark.get(),
        total_capacity_blocks: header.total_capacity_blocks.get(),
        retention_period_ticks: header.retention_period_ticks.get(),
        created_utc_ticks: header.created_utc_ticks.get(),
        generation: view.generation(),
        write_log: view
            .records()
            .map(|record| RecordDescription {
                block_index: record.block_index.get(),
                timestamp_utc_ticks: record.timestamp_utc_ticks.get(),
                data_length: record.data_length.get(),
                content_sha256: hex::encode(record.content_sha256),
            })
            .collect(),
    }
}

pub fn describe_vault(view: &VaultView<'_>, key: Option<&VerifyingKey>) -> VaultDescription {
    let verified = key.map(|key| crate::verify::verify_passports(view, key));
    VaultDescription {
        generation: view.generation(),
        passports: view
            .passports()
            .enumerate()
            .map(|(index, passport)| PassportDescription {
                passport_id: passport.passport_id().hyphenated().to_string(),
                object_id: passport.object_id().hyphenated().to_string(),
                framework_id: passport.framework().code(),
                compliance_status: passport.status().code(),
                issued_utc_ticks: passport.issued().get(),
                expires_utc_ticks: passport.expires().get(),
                last_verified_utc_ticks: passport.last_verified().get(),
                issuer_id: String::from_utf8_lossy(passport.issuer_bytes()).into_owned(),
                notes: String::from_utf8_lossy(passport.notes_bytes()).into_owned(),
                issuer_hex: hex_unless_utf8(passport.issuer_bytes()),
                notes_hex: hex_unless_utf8(passport.notes_bytes()),
                signature: Some(hex::encode(passport.signature())),
                signature_valid: verified
                    .as_ref()
                    .map(|verified| verified.get(index).copied().unwrap_or(false)),
            })
            .collect(),
    }
}

/// An owned passport (one about to be written) as its description, with its signature.
pub fn describe_passport(passport: &Passport) -> PassportDescription {
    PassportDescription {
        passport_id: passport.passport_id().hyphenated().to_string(),
        object_id: passport.object_id().hyphenated().to_string(),
        framework_id: passport.framework().code(),
        compliance_status: passport.status().code(),
        issued_utc_ticks: passport.issued().get(),
        expires_utc_ticks: passport.expires().get(),
        last_verified_utc_ticks: passport.last_verified().get(),
        issuer_id: String::from_utf8_lossy(passport.issuer_bytes()).into_owned(),
        notes: String::from_utf8_lossy(passport.notes_bytes()).into_owned(),
        issuer_hex: hex_unless_utf8(passport.issuer_bytes()),
        notes_hex: hex_unless_utf8(passport.notes_bytes()),
        signature: Some(hex::encode(passport.signature())),
        signature_valid: None,
    }
}

/// `bytes` in hex when they are not UTF-8 (a string would change them).
fn hex_unless_utf8(bytes: &[u8]) -> Option<String> {
    std::str::from_utf8(bytes)
        .is_err()
        .then(|| hex::encode(bytes))
}

/// A text field's bytes: its hex twin when given (exact bytes), else the string's.
fn field_bytes(text: &str, hex_twin: Option<&String>, name: &str) -> anyhow::Result<Vec<u8>> {
    match hex_twin {
        Some(hex_text) => hex::decode(hex_text).with_context(|| format!("{name}_hex is not hex")),
        None => Ok(text.as_bytes().to_vec()),
    }
}

/// Builds the image a description prescribes, and checks it parses.
pub fn build(
    kind: Kind,
    description: &[u8],
    block_size: BlockSize,
    key: Option<&SigningKey>,
) -> Result<Vec<u8>, Failure> {
    let image = match kind {
        Kind::Stre => build_stream(read_description(description)?, block_size)?,
        Kind::Worm => build_worm(read_description(description)?, block_size)?,
        Kind::Cmvt => build_vault(read_description(description)?, block_size, key)?,
    };
    // What was built must read back: the format's rules hold for every image `build`
    // writes.
    parse(kind, &image, block_size, None).map_err(Failure::Format)?;
    Ok(image)
}

fn read_description<T: serde::de::DeserializeOwned>(text: &[u8]) -> anyhow::Result<T> {
    serde_json::from_slice(text).context("the description does not match the schema `parse` prints")
}

fn build_stream(description: StreamDescription, block_size: BlockSize) -> Result<Vec<u8>, Failure> {
    let header = StreamingHeader {
        max_capacity_blocks: I64::new(description.max_capacity_blocks),
        allocated_blocks: I64::new(description.allocated_blocks),
        write_head: I64::new(description.write_head),
        read_tail: I64::new(description.read_tail),
        entry_count: I64::new(description.entry_count),
        growth_increment: I32::new(description.growth_increment),
    };
    // The image must be a ring this crate reads: every invariant of the header holds.
    header.validate().map_err(Failure::Format)?;
    let mut image = vec![0u8; block_size.get()];
    dwvd_regions::streaming::emit_parts(block_size, &header, description.generation, &mut image)
        .map_err(Failure::Format)?;
    Ok(image)
}

fn build_worm(description: WormDescription, block_size: BlockSize) -> Result<Vec<u8>, Failure> {
    let header = WormHeader {
        high_water_mark: I64::new(description.high_water_mark),
        total_capacity_blocks: I64::new(description.total_capacity_blocks),
        retention_period_ticks: I64::new(description.retention_period_ticks),
        created_utc_ticks: I64::new(description.created_utc_ticks),
        write_log_count: I32::new(0),
        reserved: U32::new(0),
    };
    let log = description
        .write_log
        .iter()
        .enumerate()
        .map(|(index, record)| -> anyhow::Result<LoggedWrite> {
            let context = || format!("write_log[{index}]");
            let sha: [u8; 32] = hex::decode(&record.content_sha256)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| anyhow!("content_sha256 is not 32 bytes of hex"))
                .with_context(context)?;
            Ok(LoggedWrite {
                block_index: u64::try_from(record.block_index)
                    .map_err(|_| anyhow!("block_index is negative"))
                    .with_context(context)?,
                timestamp: Ticks::new(record.timestamp_utc_ticks),
                data_length: u32::try_from(record.data_length)
                    .map_err(|_| anyhow!("data_length is negative"))
                    .with_context(context)?,
                content_sha256: sha,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let length = region_len(block_size, log.len() as u64)
        .ok_or_else(|| anyhow!("a log of {} records does not fit in memory", log.len()))?;
    let mut image = vec![0u8; length];
    emit_worm(
        block_size,
        &header,
        &log,
        description.generation,
        &mut image,
    )
    .map_err(Failure::Format)?;
    Ok(image)
}

fn build_vault(
    description: VaultDescription,
    block_size: BlockSize,
    key: Option<&SigningKey>,
) -> Result<Vec<u8>, Failure> {
    let mut passports = Vec::with_capacity(description.passports.len());
    for (index, entry) in description.passports.iter().enumerate() {
        let context = || format!("passports[{index}]");
        let id = |text: &str, name: &str| {
            Uuid::parse_str(text)
                .with_context(|| format!("{name} {text:?} is not a GUID"))
                .with_context(context)
        };
        let passport = Passport::new(
            id(&entry.passport_id, "passport_id")?,
            id(&entry.object_id, "object_id")?,
            Framework::from_code(entry.framework_id),
            ComplianceStatus::from_code(entry.compliance_status),
        )
        .with_issued(Ticks::new(entry.issued_utc_ticks))
        .with_expires(Ticks::new(entry.expires_utc_ticks))
        .with_last_verified(Ticks::new(entry.last_verified_utc_ticks))
        .with_issuer(
            &field_bytes(&entry.issuer_id, entry.issuer_hex.as_ref(), "issuer")
                .with_context(context)?,
        )
        .map_err(Failure::Format)?
        .with_notes(
            &field_bytes(&entry.notes, entry.notes_hex.as_ref(), "notes").with_context(context)?,
        )
        .map_err(Failure::Format)?;
        let passport = match (&entry.signature, key) {
            (Some(signature), _) => {
                let bytes: [u8; 64] = hex::decode(signature)
                    .ok()
                    .and_then(|bytes| bytes.try_into().ok())
                    .ok_or_else(|| anyhow!("signature is not 64 bytes of hex"))
                    .with_context(context)?;
                passport.with_signature(bytes)
            }
            (None, Some(key)) => passport.signed(key).map_err(Failure::Format)?,
            (None, None) => {
                return Err(anyhow!(
                    "passports[{index}] has no signature: give one, or --signing-key to sign it"
                )
                .into());
            }
        };
        passports.push(passport);
    }
    let length =
        dwvd_regions::vault::blocks_needed(block_size, &passports).saturating_mul(block_size.get());
    let mut image = vec![0u8; length];
    emit_vault(block_size, &passports, description.generation, &mut image)
        .map_err(Failure::Format)?;
    Ok(image)
}
