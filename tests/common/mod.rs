//! Loading the golden vectors copied from ../shared/vectors/golden into tests/data/golden.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// One golden case: `NAME.json` and its `NAME.bin`.
pub struct GoldenCase {
    pub name: String,
    pub meta: Value,
    pub image: Vec<u8>,
}

impl GoldenCase {
    pub fn block_size(&self) -> usize {
        self.meta["block_size"].as_u64().expect("block_size") as usize
    }

    pub fn blocks(&self) -> usize {
        self.meta["blocks"].as_u64().expect("blocks") as usize
    }

    /// The `expect` object, or None for an error case.
    pub fn expect(&self) -> Option<&Value> {
        self.meta.get("expect").filter(|value| !value.is_null())
    }

    pub fn expect_error(&self) -> Option<&str> {
        self.meta.get("expect_error").and_then(Value::as_str)
    }

    pub fn expect_i64(&self, field: &str) -> i64 {
        self.expect().expect("a success case")[field]
            .as_i64()
            .unwrap_or_else(|| panic!("{}: expect.{field} is an integer", self.name))
    }
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden")
}

/// Every golden case of `kind` ("stre", "worm", "cmvt"), sorted by name.
pub fn cases(kind: &str) -> Vec<GoldenCase> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(data_dir()).expect("tests/data/golden exists") {
        let path = entry.expect("directory entry").path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let meta: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read json")).expect("json");
        if meta.get("kind").and_then(Value::as_str) != Some(kind) {
            continue;
        }
        let image = std::fs::read(path.with_extension("bin")).expect("case has a .bin");
        cases.push(GoldenCase {
            name: stem.to_owned(),
            meta,
            image,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// A sealed 512-byte STRE block holding these header fields, written at the SPEC §2
/// offsets independently of the crate's header type:
/// `[max_capacity_blocks, allocated_blocks, write_head, read_tail, entry_count]`.
pub fn stre_header_block(fields: [i64; 5], growth_increment: i32, generation: u32) -> Vec<u8> {
    let mut block = vec![0u8; 512];
    for (index, value) in fields.iter().enumerate() {
        block[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
    }
    block[40..44].copy_from_slice(&growth_increment.to_le_bytes());
    dwvd_regions::block::seal(&mut block, dwvd_regions::Tag::STRE, generation).unwrap();
    block
}

/// Decodes a hex string from a vector.
pub fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex in a golden vector")
}
