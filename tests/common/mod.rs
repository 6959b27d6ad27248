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

/// What [`mutilate`] tried.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Mutilations {
    pub truncations: usize,
    pub flips: usize,
    pub generation_flips: usize,
}

impl std::ops::AddAssign for Mutilations {
    fn add_assign(&mut self, other: Self) {
        self.truncations += other.truncations;
        self.flips += other.flips;
        self.generation_flips += other.generation_flips;
    }
}

/// Every truncation of `case`'s image and every single-bit flip of it, through `parse`:
/// a truncation is `truncated`; a flip in a trailer's tag is `wrong_tag`; a flip in a
/// generation is, for a one-block image, the original value with that generation
/// (`with_generation`) and otherwise `torn_write` naming the first block that differs;
/// any other flip is `checksum_mismatch` naming its block. Never a panic, never `Ok`
/// with other content.
pub fn mutilate<T, P, G>(case: &GoldenCase, parse: P, with_generation: G) -> Mutilations
where
    T: PartialEq + std::fmt::Debug,
    P: Fn(&[u8]) -> Result<T, dwvd_regions::Error>,
    G: Fn(&T, u32) -> (T, u32),
{
    use dwvd_regions::ErrorKind;
    let bs = case.block_size();
    let original = parse(&case.image).unwrap_or_else(|error| panic!("{}: {error}", case.name));
    let mut tried = Mutilations::default();
    for length in 0..case.image.len() {
        let error = parse(&case.image[..length]).expect_err("a truncated image is an error");
        assert_eq!(
            error.kind(),
            ErrorKind::Truncated,
            "{} cut to {length}: {error}",
            case.name
        );
        tried.truncations += 1;
    }
    let mut image = case.image.clone();
    for bit in 0..image.len() * 8 {
        let byte = bit / 8;
        let (block, offset) = (byte / bs, byte % bs);
        image[byte] ^= 1 << (bit % 8);
        let result = parse(&image);
        image[byte] ^= 1 << (bit % 8);
        tried.flips += 1;
        let in_tag = (bs - 16..bs - 12).contains(&offset);
        let in_generation = (bs - 12..bs - 8).contains(&offset);
        match result {
            Ok(parsed) => {
                assert!(
                    in_generation && case.blocks() == 1,
                    "{} bit {bit} accepted",
                    case.name
                );
                let (_, generation) = with_generation(&original, 0);
                let flipped = generation ^ (1 << ((offset - (bs - 12)) * 8 + bit % 8));
                assert_eq!(
                    parsed,
                    with_generation(&original, flipped).0,
                    "{} bit {bit}",
                    case.name
                );
                tried.generation_flips += 1;
            }
            Err(error) => {
                let expected = if in_tag {
                    ErrorKind::WrongTag
                } else if in_generation {
                    ErrorKind::TornWrite
                } else {
                    ErrorKind::ChecksumMismatch
                };
                assert_eq!(error.kind(), expected, "{} bit {bit}: {error}", case.name);
                // A changed generation in block 0 makes block 1 the first that differs.
                let named = if in_generation && block == 0 {
                    1
                } else {
                    block as u64
                };
                assert_eq!(
                    error.block(),
                    Some(named),
                    "{} bit {bit}: {error}",
                    case.name
                );
            }
        }
    }
    tried
}
