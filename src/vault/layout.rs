//! On-disk layout of the Compliance Vault (SPEC §4): the block-0 header, the fixed head
//! of a passport, frameworks and statuses.

use core::fmt;
use core::mem::offset_of;

use zerocopy::little_endian::{I32, I64, U16};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The header at the start of block 0: the passport count and 12 reserved zero bytes.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct VaultHeader {
    /// Passports in the vault.
    pub passport_count: I32,
    /// Zero.
    pub reserved: [u8; 12],
}

/// Size of [`VaultHeader`]: passports start at this offset in block 0.
pub const VAULT_HEADER_LEN: usize = 16;
const _: () = assert!(size_of::<VaultHeader>() == VAULT_HEADER_LEN);

/// The fixed first 64 bytes of a passport; the issuer, notes length, notes and signature
/// follow.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct PassportHead {
    /// GUID in Microsoft byte order (`uuid::Uuid::from_bytes_le`).
    pub passport_id: [u8; 16],
    /// GUID of the data object assessed, Microsoft byte order.
    pub object_id: [u8; 16],
    /// [`Framework`] code.
    pub framework_id: U16,
    /// [`ComplianceStatus`] code.
    pub compliance_status: U16,
    /// When the passport was issued, in ticks.
    pub issued_utc_ticks: I64,
    /// When it expires, in ticks; 0 = never.
    pub expires_utc_ticks: I64,
    /// When the assessment was last verified, in ticks.
    pub last_verified_utc_ticks: I64,
    /// Bytes of issuer that follow (0..=128).
    pub issuer_len: I32,
}

/// Size of [`PassportHead`].
pub const PASSPORT_HEAD_LEN: usize = 64;
const _: () = assert!(size_of::<PassportHead>() == PASSPORT_HEAD_LEN);

/// Size of the notes-length field after the issuer.
pub const NOTES_LEN_FIELD: usize = 4;
/// Size of the signature that ends every passport: raw `r‖s`, 32 + 32 bytes.
pub const SIGNATURE_LEN: usize = 64;
/// The smallest passport (empty issuer and notes): 132 bytes.
pub const MIN_PASSPORT_LEN: usize = PASSPORT_HEAD_LEN + NOTES_LEN_FIELD + SIGNATURE_LEN;
/// Most issuer bytes.
pub const MAX_ISSUER_LEN: usize = 128;
/// Most notes bytes.
pub const MAX_NOTES_LEN: usize = 256;
/// The largest passport: 516 bytes (larger than a 512-byte block's payload).
pub const MAX_PASSPORT_LEN: usize = MIN_PASSPORT_LEN + MAX_ISSUER_LEN + MAX_NOTES_LEN;
/// The largest signed payload: a passport without its signature.
pub const MAX_SIGNED_PAYLOAD_LEN: usize = MAX_PASSPORT_LEN - SIGNATURE_LEN;
const _: () = assert!(MIN_PASSPORT_LEN == 132 && MAX_PASSPORT_LEN == 516);

pub(crate) mod field {
    use super::{PassportHead, VaultHeader, offset_of};

    pub const PASSPORT_COUNT: usize = offset_of!(VaultHeader, passport_count);
    pub const RESERVED: usize = offset_of!(VaultHeader, reserved);
    pub const ISSUER_LEN: usize = offset_of!(PassportHead, issuer_len);
}

macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $code:literal => $text:literal),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
            /// A code this crate does not know, kept as it is so it round-trips.
            /// [`from_code`](Self::from_code) never builds it for a known code.
            Other(u16),
        }

        impl $name {
            /// The value for `code`; unknown codes become [`Other`](Self::Other).
            #[must_use]
            pub const fn from_code(code: u16) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Other(other),
                }
            }

            /// The on-disk code.
            #[must_use]
            pub const fn code(self) -> u16 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(code) => code,
                }
            }

            /// The name as the SPEC writes it, or `None` for an unknown code.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($text),)*
                    Self::Other(_) => None,
                }
            }
        }

        impl From<u16> for $name {
            fn from(code: u16) -> Self {
                Self::from_code(code)
            }
        }

        impl From<$name> for u16 {
            fn from(value: $name) -> u16 {
                value.code()
            }
        }

        /// The SPEC's name, or `unknown (N)` for another code.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "unknown ({})", self.code()),
                }
            }
        }
    };
}

coded_enum! {
    /// The compliance framework a passport assesses (`framework_id`).
    Framework {
        /// EU General Data Protection Regulation.
        Gdpr = 0 => "GDPR",
        /// US Health Insurance Portability and Accountability Act.
        Hipaa = 1 => "HIPAA",
        /// Sarbanes-Oxley Act.
        Sox = 2 => "SOX",
        /// Payment Card Industry Data Security Standard.
        PciDss = 3 => "PCI-DSS",
        /// Service Organization Control 2.
        Soc2 = 4 => "SOC2",
        /// ISO/IEC 27001.
        Iso27001 = 5 => "ISO27001",
        /// California Consumer Privacy Act.
        Ccpa = 6 => "CCPA",
        /// Federal Information Security Management Act.
        Fisma = 7 => "FISMA",
        /// Federal Risk and Authorization Management Program.
        FedRamp = 8 => "FedRAMP",
    }
}

coded_enum! {
    /// The outcome of an assessment (`compliance_status`).
    ComplianceStatus {
        /// Not assessed.
        Unknown = 0 => "Unknown",
        /// Compliant.
        Compliant = 1 => "Compliant",
        /// Not compliant.
        NonCompliant = 2 => "NonCompliant",
        /// Exempt from the framework.
        Exempt = 3 => "Exempt",
        /// Assessment pending review.
        PendingReview = 4 => "PendingReview",
    }
}
