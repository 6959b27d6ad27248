//! `parse --format human`: the same content as the JSON, as tables.

use std::io::Write;

use comfy_table::Table;
use dwvd_regions::{BlockSize, Ticks};

use crate::schema::Parsed;

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.set_header(header.to_vec());
    table
}

/// A tick count with its calendar time, e.g. `2025-11-29T08:00:00Z (639000000000000000 ticks)`.
fn ticks(value: i64) -> String {
    crate::time::ticks_text(value)
}

/// Bytes that are text by convention, escaped for a terminal (invalid UTF-8 as U+FFFD).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

pub fn print(out: &mut impl Write, parsed: &Parsed, block_size: BlockSize) -> std::io::Result<()> {
    match parsed {
        Parsed::Stre(ring) => {
            writeln!(out, "Streaming Append region (STRE), {block_size} blocks")?;
            let mut fields = table(&["field", "value"]);
            // i64 × 1000 fits an i128; a maximum that is not positive shows 0.
            let permille = if ring.max_capacity_blocks > 0 {
                i128::from(ring.allocated_blocks)
                    .saturating_mul(1000)
                    .checked_div(i128::from(ring.max_capacity_blocks))
                    .unwrap_or(0)
            } else {
                0
            };
            for (name, value) in [
                ("max_capacity_blocks", ring.max_capacity_blocks.to_string()),
                (
                    "allocated_blocks",
                    format!(
                        "{} ({}.{} %)",
                        ring.allocated_blocks,
                        permille / 10,
                        permille % 10
                    ),
                ),
                ("write_head", ring.write_head.to_string()),
                ("read_tail", ring.read_tail.to_string()),
                ("entry_count", ring.entry_count.to_string()),
                ("growth_increment", ring.growth_increment.to_string()),
                ("generation", ring.generation.to_string()),
            ] {
                fields.add_row(vec![name.to_string(), value]);
            }
            writeln!(out, "{fields}")
        }
        Parsed::Worm(worm) => {
            writeln!(out, "WORM Immutable region, {block_size} blocks")?;
            let mut fields = table(&["field", "value"]);
            let retention = if worm.retention_period_ticks == 0 {
                "0 (retain forever)".to_string()
            } else {
                format!(
                    "{} ({} days)",
                    worm.retention_period_ticks,
                    worm.retention_period_ticks / (86_400 * Ticks::PER_SECOND)
                )
            };
            for (name, value) in [
                ("high_water_mark", worm.high_water_mark.to_string()),
                (
                    "total_capacity_blocks",
                    worm.total_capacity_blocks.to_string(),
                ),
                ("retention_period_ticks", retention),
                ("created_utc_ticks", ticks(worm.created_utc_ticks)),
                ("generation", worm.generation.to_string()),
                ("write_log", format!("{} records", worm.write_log.len())),
            ] {
                fields.add_row(vec![name.to_string(), value]);
            }
            writeln!(out, "{fields}")?;
            let mut log = table(&[
                "block_index",
                "timestamp_utc_ticks",
                "data_length",
                "content_sha256",
            ]);
            for record in &worm.write_log {
                log.add_row(vec![
                    record.block_index.to_string(),
                    ticks(record.timestamp.get()),
                    record.data_length.to_string(),
                    hex::encode(record.content_sha256),
                ]);
            }
            writeln!(out, "{log}")
        }
        Parsed::Cmvt(vault) => {
            writeln!(
                out,
                "Compliance Vault (CMVT), {block_size} blocks, generation {}, {} passports",
                vault.generation,
                vault.passports.len()
            )?;
            for checked in &vault.passports {
                let passport = &checked.passport;
                let mut fields = table(&["field", "value"]);
                let expires = if passport.expires().get() == 0 {
                    "0 (never)".to_string()
                } else {
                    ticks(passport.expires().get())
                };
                let mut rows = vec![
                    (
                        "passport_id",
                        passport.passport_id().hyphenated().to_string(),
                    ),
                    ("object_id", passport.object_id().hyphenated().to_string()),
                    (
                        "framework_id",
                        format!(
                            "{} ({})",
                            passport.framework().code(),
                            crate::framework_text(passport.framework())
                        ),
                    ),
                    (
                        "compliance_status",
                        format!("{} ({})", passport.status().code(), passport.status()),
                    ),
                    ("issued_utc_ticks", ticks(passport.issued().get())),
                    ("expires_utc_ticks", expires),
                    (
                        "last_verified_utc_ticks",
                        ticks(passport.last_verified().get()),
                    ),
                    // Escaped: an image's text must not drive the terminal.
                    ("issuer_id", text(passport.issuer_bytes())),
                    ("notes", text(passport.notes_bytes())),
                    ("signature", hex::encode(passport.signature())),
                ];
                if let Some(valid) = checked.signature_valid {
                    rows.push((
                        "signature_valid",
                        if valid { "yes" } else { "NO" }.to_string(),
                    ));
                }
                for (name, value) in rows {
                    fields.add_row(vec![name.to_string(), value]);
                }
                writeln!(out, "{fields}")?;
            }
            Ok(())
        }
    }
}
