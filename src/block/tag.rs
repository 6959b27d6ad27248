//! Block type tags: four ASCII characters packed into a u32.

use core::fmt;

/// A block type tag (SPEC §1): four ASCII characters packed big-endian into a u32, first
/// character in the most significant byte, stored little-endian like every other integer.
///
/// The 40 tags of SPEC §1 are associated constants ([`Tag::KNOWN`] lists them): format
/// v2.0's original 30 and ten the reference engine added since.
/// Any other value is kept as it is and displayed, never rejected: an inspector shows
/// unknown tags rather than refusing the block.
///
/// ```
/// use dwvd_regions::Tag;
///
/// assert_eq!(Tag::STRE.to_u32(), 0x5354_5245);
/// assert_eq!(Tag::from_ascii(*b"STRE"), Tag::STRE);
/// assert_eq!(Tag::STRE.to_string(), "STRE");
/// // On disk (little-endian) the characters appear reversed.
/// assert_eq!(Tag::STRE.to_u32().to_le_bytes(), *b"ERTS");
/// // Unknown tags round-trip and show their bytes.
/// let odd = Tag::from_u32(0x4142_0043);
/// assert!(!odd.is_known());
/// assert_eq!(odd.to_string(), "AB\\x00C");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Tag(u32);

/// The four bytes of a four-letter tag name (evaluated at compile time only).
const fn four_characters(name: &str) -> [u8; 4] {
    match name.as_bytes() {
        [a, b, c, d] => [*a, *b, *c, *d],
        _ => [0; 4],
    }
}

macro_rules! known_tags {
    ($($name:ident: $doc:literal),* $(,)?) => {
        impl Tag {
            $(
                #[doc = $doc]
                pub const $name: Tag = Tag::from_ascii(four_characters(stringify!($name)));
            )*

            /// Every tag the format defines, in SPEC order.
            pub const KNOWN: [Tag; 40] = [$(Tag::$name),*];
        }
    };
}

known_tags! {
    SUPB: "Superblock.",
    RMAP: "Region map (pointer table and region directory).",
    POLV: "Policy vault.",
    ENCR: "Encryption header.",
    BMAP: "Allocation bitmap.",
    INOD: "Inode table.",
    TAGI: "Tag index.",
    MWAL: "Metadata write-ahead log (the stored regions' journal blocks).",
    MTRK: "Metadata tracking.",
    BTRE: "B-tree node.",
    SNAP: "Snapshot table.",
    REPL: "Replication state.",
    RAID: "RAID metadata.",
    COMP: "Compression dictionary / metadata.",
    INTE: "Integrity tree.",
    STRE: "Streaming Append region header.",
    XREF: "Cross-reference table.",
    WORM: "WORM Immutable region.",
    CODE: "Code / executable block.",
    DWAL: "Data write-ahead log.",
    DATA: "Data block.",
    FREE: "Free block.",
    CMVT: "Compliance Vault region.",
    ALOG: "Audit log.",
    CMAL: "Compliance audit log (added by the reference engine).",
    CLOG: "Change log.",
    DICT: "Dictionary.",
    ANON: "Anonymization table.",
    MLOG: "Metrics log.",
    ERCV: "Error recovery.",
    RCVR: "Recovery (added by the reference engine).",
    EXTN: "Extension block.",
    EXMD: "Extended metadata: block 2 of a superblock group (added by the reference engine).",
    IANT: "Integrity anchor: block 3 of a superblock group (added by the reference engine).",
    COLR: "Added by the reference engine.",
    ZMAP: "Added by the reference engine.",
    WALS: "Added by the reference engine.",
    ZNSM: "Added by the reference engine.",
    OPJR: "Added by the reference engine.",
    TRLR: "Added by the reference engine.",
}
impl Tag {
    /// The tag stored as `value` (the u32 read little-endian from the trailer).
    #[must_use]
    pub const fn from_u32(value: u32) -> Self {
        Tag(value)
    }

    /// The tag's u32 value, as stored (little-endian) in the trailer.
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        self.0
    }

    /// The tag made of four characters, first character most significant.
    #[must_use]
    pub const fn from_ascii(characters: [u8; 4]) -> Self {
        Tag(u32::from_be_bytes(characters))
    }

    /// The tag's four characters (bytes), first character first.
    #[must_use]
    pub const fn to_ascii(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// Whether this is one of the 40 tags of SPEC §1.
    #[must_use]
    pub fn is_known(self) -> bool {
        Self::KNOWN.contains(&self)
    }
}

impl From<u32> for Tag {
    fn from(value: u32) -> Self {
        Tag(value)
    }
}

impl From<Tag> for u32 {
    fn from(tag: Tag) -> u32 {
        tag.0
    }
}

/// The four characters; bytes that are not printable ASCII are escaped (`\x00`).
impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.to_ascii() {
            write!(f, "{}", core::ascii::escape_default(byte))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag(\"{self}\")")
    }
}
