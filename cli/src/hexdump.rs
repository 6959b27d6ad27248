//! `inspect --hexdump BLOCK`: a block's bytes beside its decoded fields.

use std::io::Write;
use std::path::Path;

use dwvd_regions::Tag;
use dwvd_regions::block::{Block, TRAILER_LEN, Trailer};
use dwvd_regions::layout::Field;
use dwvd_regions::streaming::StreamingHeader;
use dwvd_regions::vault::VaultHeader;
use dwvd_regions::worm::WormHeader;

use anyhow::Context;

use crate::image::{self, read_block};
use crate::inspect::{block_size_of, given_size};

/// How a field's value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    Signed,
    Unsigned,
    Hex,
    Tag,
}

impl Show {
    /// Chosen from the field's name and length: the headers' counts and ticks are the
    /// format's signed integers; `reserved` (zero) and the trailer's generation are
    /// unsigned; the checksum and byte arrays are hex; the trailer's tag is a tag.
    fn of(field: &Field) -> Self {
        match (field.name, field.len) {
            ("tag", 4) => Show::Tag,
            ("checksum", _) => Show::Hex,
            ("generation" | "reserved", 4 | 8) => Show::Unsigned,
            (_, 4 | 8) => Show::Signed,
            _ => Show::Hex,
        }
    }
}

/// The length of the trailer field a projection points at (for `trailer_field!`).
const fn trailer_len_of<F>(_projection: fn(&Trailer) -> &F) -> usize {
    size_of::<F>()
}

/// The [`Field`] of one trailer field: offset from `offset_of!`, length from its type.
macro_rules! trailer_field {
    ($field:ident) => {
        Field {
            name: stringify!($field),
            offset: core::mem::offset_of!(Trailer, $field),
            len: trailer_len_of(|trailer: &Trailer| &trailer.$field),
        }
    };
}

/// The trailer's fields, offsets within the trailer (the last [`TRAILER_LEN`] bytes).
const TRAILER_FIELDS: &[Field] = &[
    trailer_field!(tag),
    trailer_field!(generation),
    trailer_field!(checksum),
];

/// A field placed in the block: its name as shown (`prefix` + the field's name), its
/// offset in the block, and how to show it.
struct Row {
    prefix: &'static str,
    field: Field,
    offset: usize,
    show: Show,
}

impl Row {
    /// `field` of a structure that starts at byte `base` of the block.
    fn new(prefix: &'static str, field: &Field, base: usize) -> Self {
        Row {
            prefix,
            field: *field,
            offset: base.saturating_add(field.offset),
            show: Show::of(field),
        }
    }

    /// The field's bytes in `block`, if the block holds them.
    fn bytes<'a>(&self, block: &'a [u8]) -> Option<&'a [u8]> {
        block.get(self.offset..self.offset.checked_add(self.field.len)?)
    }

    /// `name@offset=value`.
    fn annotation(&self, block: &[u8]) -> String {
        let value = self.bytes(block).map_or_else(
            || "(past the block)".to_string(),
            |raw| value(raw, self.show),
        );
        format!("{}{}@{}={value}", self.prefix, self.field.name, self.offset)
    }
}

/// The fields of a block of this tag: the region header's at the start (the core's
/// `FIELDS` tables), the trailer's at the end.
fn rows(tag: Tag, block_size: usize) -> Vec<Row> {
    let header: &[Field] = if tag == Tag::STRE {
        StreamingHeader::FIELDS
    } else if tag == Tag::WORM {
        WormHeader::FIELDS
    } else if tag == Tag::CMVT {
        VaultHeader::FIELDS
    } else {
        &[]
    };
    let trailer = block_size.saturating_sub(TRAILER_LEN);
    header
        .iter()
        .map(|field| Row::new("", field, 0))
        .chain(
            TRAILER_FIELDS
                .iter()
                .map(|field| Row::new("trailer.", field, trailer)),
        )
        .collect()
}

/// A field's little-endian bytes, shown as `show` says (bytes that are no integer as hex).
fn value(raw: &[u8], show: Show) -> String {
    if let Ok(eight) = <[u8; 8]>::try_from(raw) {
        match show {
            Show::Signed => return i64::from_le_bytes(eight).to_string(),
            Show::Unsigned => return u64::from_le_bytes(eight).to_string(),
            Show::Hex => return format!("{:#018x}", u64::from_le_bytes(eight)),
            Show::Tag => {}
        }
    }
    if let Ok(four) = <[u8; 4]>::try_from(raw) {
        match show {
            Show::Signed => return i32::from_le_bytes(four).to_string(),
            Show::Unsigned => return u32::from_le_bytes(four).to_string(),
            Show::Tag => return Tag::from_u32(u32::from_le_bytes(four)).to_string(),
            Show::Hex => {}
        }
    }
    hex::encode(raw)
}

/// Shows block `index` of the image at `path`, opened once: the block size (given, or
/// detected), its length and the block are all read from that one handle.
pub fn show(path: &Path, index: u64, given: Option<usize>) -> anyhow::Result<()> {
    // A size given is judged before the image is opened.
    let given = given.map(given_size).transpose()?;
    let opened = image::open(path)?;
    let block_size = match given {
        Some(size) => size,
        None => block_size_of(&opened, None)?.0,
    };
    let length = opened
        .length()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = read_block(&opened, path, length, index, block_size)?;
    let block = Block::new_checked(bytes.as_slice()).map_err(|error| anyhow::anyhow!("{error}"))?;
    let size = block_size.get();
    let rows = rows(block.tag(), size);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "block {index} of {}: {size} bytes, tag {}{}, generation {}, checksum {:#018x} ({})",
        path.display(),
        block.tag(),
        if block.tag().is_known() {
            ""
        } else {
            " (unknown)"
        },
        block.generation(),
        block.stored_checksum(),
        if block.checksum_ok() {
            "verifies".to_string()
        } else {
            format!(
                "MISMATCH: the payload hashes to {:#018x}",
                block.computed_checksum()
            )
        }
    )?;
    let mut previous: Option<&[u8]> = None;
    let mut skipped = false;
    for (offset, chunk) in (0usize..).step_by(16).zip(bytes.chunks(16)) {
        let line = offset..offset.saturating_add(16);
        let annotations: Vec<String> = rows
            .iter()
            .filter(|row| line.contains(&row.offset))
            .map(|row| row.annotation(&bytes))
            .collect();
        // Runs of identical lines without fields are folded, as hexdump -C does.
        if annotations.is_empty() && previous == Some(chunk) {
            if !skipped {
                writeln!(out, "*")?;
                skipped = true;
            }
            continue;
        }
        skipped = false;
        previous = Some(chunk);
        let hex: Vec<String> = chunk.iter().map(|byte| format!("{byte:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|byte| {
                if byte.is_ascii_graphic() || *byte == b' ' {
                    char::from(*byte)
                } else {
                    '.'
                }
            })
            .collect();
        writeln!(
            out,
            "{offset:08x}  {:<47}  |{ascii:<16}|  {}",
            hex.join(" "),
            annotations.join("  ")
        )?;
    }
    out.flush()?;
    Ok(())
}
