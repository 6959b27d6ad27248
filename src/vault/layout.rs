//! On-disk layout of the Compliance Vault (SPEC §4): the block-0 header, the fixed head
//! of a passport, where passports are placed (one rule for writer and reader),
//! frameworks and statuses.

use core::fmt;

use zerocopy::little_endian::{I32, I64, U16};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::block::BlockSize;
use crate::error::{Error, Result};
use crate::layout::{Field, count, field, fields, require_zero};

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

/// The names of a passport's texts, for errors about them (an error keeps a pointer to
/// the name).
pub(crate) static ISSUER: &str = "issuer";
/// See [`ISSUER`].
pub(crate) static NOTES: &str = "notes";
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

impl VaultHeader {
    /// The header's fields, in order, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(VaultHeader {
        passport_count,
        reserved,
    });

    /// `passport_count` as a count, or `invalid_field` when it is negative.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `passport_count` in block 0.
    pub fn count(&self) -> Result<usize> {
        let count = count(self.passport_count.get(), field!(Self, passport_count))?;
        // An i32 that is not negative fits a usize on every supported target.
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// Checks the header (SPEC §4): `passport_count ≥ 0` and the 12 reserved bytes zero.
    ///
    /// # Errors
    ///
    /// `invalid_field` in block 0, naming the field (for `reserved`, the first non-zero
    /// byte's offset).
    pub fn validate(&self) -> Result<()> {
        self.count()?;
        let field = field!(Self, reserved);
        require_zero(
            &self.reserved,
            0,
            field.offset,
            field.name,
            text!("the 12 bytes after passport_count must be zero"),
        )
    }
}

impl PassportHead {
    /// The head's fields, in order, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(PassportHead {
        passport_id,
        object_id,
        framework_id,
        compliance_status,
        issued_utc_ticks,
        expires_utc_ticks,
        last_verified_utc_ticks,
        issuer_len,
    });

    /// `issuer_len` as a length in `0..=128`, or `invalid_field` (block 0, offset within
    /// the head: a reader moves it to where the passport lies).
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `issuer_len`.
    pub fn issuer_len(&self) -> Result<usize> {
        let value = self.issuer_len.get();
        usize::try_from(value)
            .ok()
            .filter(|length| *length <= MAX_ISSUER_LEN)
            .ok_or_else(|| {
                let field = field!(Self, issuer_len);
                Error::invalid_field(
                    0,
                    field.name,
                    field.offset,
                    i64::from(value),
                    text!("it must be between 0 and 128"),
                )
            })
    }

    /// Checks the head on its own: `issuer_len` in `0..=128` (the notes length follows
    /// the issuer, outside the head). Frameworks and statuses may hold any code.
    ///
    /// # Errors
    ///
    /// As [`issuer_len`](Self::issuer_len).
    pub fn validate(&self) -> Result<()> {
        self.issuer_len().map(|_| ())
    }
}

/// Where passports lie (SPEC §4), for the writer and the reader alike: from offset 16 of
/// block 0, in order, never split across blocks — a passport that does not fit in the
/// rest of a block's payload starts the next block, and the rest is padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    block: usize,
    offset: usize,
}

impl Placement {
    /// At `offset` of block `block`.
    pub(crate) const fn at(block: usize, offset: usize) -> Self {
        Placement { block, offset }
    }

    /// Before the first passport: block 0, just after the header.
    pub(crate) const fn new() -> Self {
        Placement {
            block: 0,
            offset: VAULT_HEADER_LEN,
        }
    }

    /// The current block.
    pub(crate) const fn block(&self) -> usize {
        self.block
    }

    /// The current byte offset in the block.
    pub(crate) const fn offset(&self) -> usize {
        self.offset
    }

    /// Whether the `rest` of a block's payload, from here, is padding for a reader: fewer
    /// than the smallest passport's bytes, or a nil passport id (the reader then skips to
    /// the next block).
    pub(crate) fn is_padding(rest: &[u8]) -> bool {
        rest.len() < MIN_PASSPORT_LEN
            || rest
                .get(..16)
                .is_some_and(|id| id.iter().all(|byte| *byte == 0))
    }

    /// Moves to the start of the next block: the rest of this one is padding.
    pub(crate) const fn next_block(&mut self) {
        self.block = self.block.saturating_add(1);
        self.offset = 0;
    }

    /// Moves past a passport of `size` bytes at the current place.
    pub(crate) const fn advance(&mut self, size: usize) {
        self.offset = self.offset.saturating_add(size);
    }

    /// Where the writer puts the next passport of `size` bytes (at most a payload): here
    /// if it fits in the rest of the block's payload, else at the start of the next
    /// block.
    pub(crate) const fn place(&mut self, size: usize, block_size: BlockSize) -> (usize, usize) {
        if self.offset.saturating_add(size) > block_size.payload_len() {
            self.next_block();
        }
        let at = (self.block, self.offset);
        self.advance(size);
        at
    }

    /// Blocks used so far.
    pub(crate) const fn blocks(&self) -> usize {
        self.block.saturating_add(1)
    }
}

macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $code:literal => $text:literal),* $(,)? }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(from = "u16", into = "u16")
        )]
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

#[cfg(test)]
mod tests {
    use super::{PassportHead, Placement, VAULT_HEADER_LEN, VaultHeader};
    use crate::block::BlockSize;
    use zerocopy::{FromBytes, IntoBytes};

    /// Block 0 of the golden `cmvt_bs512_three.bin`: the count at offset 0, 12 reserved
    /// zero bytes, then the first passport's fixed head from offset 16 (SPEC §4), each
    /// field where the table says; the head written back is the same bytes.
    #[test]
    fn deconstructs_and_constructs_a_golden_block() {
        let image = include_bytes!("../../tests/data/golden/cmvt_bs512_three.bin");
        let header_spec = [("passport_count", 0, 4), ("reserved", 4, 12)];
        for (field, (name, offset, len)) in VaultHeader::FIELDS.iter().zip(header_spec) {
            assert_eq!((field.name, field.offset, field.len), (name, offset, len));
        }
        let head_spec = [
            ("passport_id", 0, 16),
            ("object_id", 16, 16),
            ("framework_id", 32, 2),
            ("compliance_status", 34, 2),
            ("issued_utc_ticks", 36, 8),
            ("expires_utc_ticks", 44, 8),
            ("last_verified_utc_ticks", 52, 8),
            ("issuer_len", 60, 4),
        ];
        for (field, (name, offset, len)) in PassportHead::FIELDS.iter().zip(head_spec) {
            assert_eq!((field.name, field.offset, field.len), (name, offset, len));
        }
        let (header, _) = VaultHeader::ref_from_prefix(&image[..]).unwrap();
        header.validate().unwrap();
        assert_eq!(header.count().unwrap(), 3);
        assert_eq!(header.as_bytes(), &image[..VAULT_HEADER_LEN]);

        // The first passport starts right after the header, as the placement rule says.
        let mut placement = Placement::new();
        let (block, offset) = placement.place(200, BlockSize::MIN);
        assert_eq!((block, offset), (0, VAULT_HEADER_LEN));
        let (head, _) = PassportHead::ref_from_prefix(&image[offset..]).unwrap();
        head.validate().unwrap();
        assert!(head.issuer_len().unwrap() <= 128);
        assert_ne!(head.passport_id, [0; 16], "a nil id would be padding");
        assert_eq!(head.as_bytes(), &image[offset..offset + 64]);
        // A passport that does not fit in the rest of block 0 starts block 1.
        let (block, offset) = placement.place(400, BlockSize::MIN);
        assert_eq!((block, offset), (1, 0));
    }
}
