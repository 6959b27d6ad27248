//! `inspect --hexdump BLOCK`: a block's bytes beside its decoded fields.

use std::io::Write;
use std::path::Path;

use dwvd_regions::Tag;
use dwvd_regions::block::Block;

use crate::image::read_block;
use crate::inspect::block_size_for;

/// A field: name, offset, size, and how to show its value.
struct Field {
    name: &'static str,
    offset: usize,
    size: usize,
    show: Show,
}

#[derive(Clone, Copy)]
enum Show {
    Signed,
    Unsigned,
    Hex,
    Tag,
}

const fn field(name: &'static str, offset: usize, size: usize, show: Show) -> Field {
    Field {
        name,
        offset,
        size,
        show,
    }
}

/// The fields of a block of this tag (the region header at the start, the trailer).
fn fields(tag: Tag, block_size: usize) -> Vec<Field> {
    let mut fields = if tag == Tag::STRE {
        vec![
            field("max_capacity_blocks", 0, 8, Show::Signed),
            field("allocated_blocks", 8, 8, Show::Signed),
            field("write_head", 16, 8, Show::Signed),
            field("read_tail", 24, 8, Show::Signed),
            field("entry_count", 32, 8, Show::Signed),
            field("growth_increment", 40, 4, Show::Signed),
        ]
    } else if tag == Tag::WORM {
        vec![
            field("high_water_mark", 0, 8, Show::Signed),
            field("total_capacity_blocks", 8, 8, Show::Signed),
            field("retention_period_ticks", 16, 8, Show::Signed),
            field("created_utc_ticks", 24, 8, Show::Signed),
            field("write_log_count", 32, 4, Show::Signed),
            field("reserved", 36, 4, Show::Unsigned),
        ]
    } else if tag == Tag::CMVT {
        vec![
            field("passport_count", 0, 4, Show::Signed),
            field("reserved", 4, 12, Show::Hex),
        ]
    } else {
        Vec::new()
    };
    fields.extend([
        field("trailer.tag", block_size - 16, 4, Show::Tag),
        field("trailer.generation", block_size - 12, 4, Show::Unsigned),
        field("trailer.checksum", block_size - 8, 8, Show::Hex),
    ]);
    fields
}

fn value(bytes: &[u8], field: &Field) -> String {
    let raw = &bytes[field.offset..field.offset + field.size];
    let mut little = [0u8; 8];
    if field.size <= 8 {
        little[..field.size].copy_from_slice(raw);
    }
    let unsigned = u64::from_le_bytes(little);
    match field.show {
        Show::Signed if field.size == 8 => (unsigned as i64).to_string(),
        Show::Signed => (unsigned as u32 as i32).to_string(),
        Show::Unsigned => unsigned.to_string(),
        Show::Hex if field.size == 8 => format!("{unsigned:#018x}"),
        Show::Hex => hex::encode(raw),
        Show::Tag => Tag::from_u32(unsigned as u32).to_string(),
    }
}

pub fn show(path: &Path, index: u64, given: Option<usize>) -> anyhow::Result<()> {
    let (block_size, _) = block_size_for(path, given)?;
    let bytes = read_block(path, index, block_size)?;
    let block = Block::new_checked(&bytes[..]).map_err(|error| anyhow::anyhow!("{error}"))?;
    let size = block_size.get();
    let fields = fields(block.tag(), size);
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
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let offset = line * 16;
        let annotations: Vec<String> = fields
            .iter()
            .filter(|field| (offset..offset + 16).contains(&field.offset))
            .map(|field| format!("{}@{}={}", field.name, field.offset, value(&bytes, field)))
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
                    *byte as char
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
