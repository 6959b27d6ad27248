//! Input decoding shared by the fuzz targets.
//!
//! Layout (see `scripts/fuzz-seed`): byte 0 = flags (bit 0: re-seal every block so the
//! checksums pass and the fields are reached; bits 1-2: where the block size comes
//! from), bytes 1-2 = a little-endian u16 for the size, bytes 3-7 = five operation bytes
//! for the target to interpret, the rest = the region.

/// Bytes before the region.
pub const PREFIX: usize = 8;

/// A decoded fuzz input.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Re-seal the region's blocks before parsing.
    pub reseal: bool,
    /// The block size to parse with; may be invalid (outside 512..=65536).
    pub block_size: usize,
    /// Five operation bytes.
    pub operations: [u8; 5],
    /// The region bytes.
    pub region: &'a [u8],
}

impl<'a> Input<'a> {
    /// Splits `data`, or `None` if it is shorter than the prefix.
    pub fn decode(data: &'a [u8]) -> Option<Self> {
        let (prefix, region) = data.split_first_chunk::<PREFIX>()?;
        let size_value = u16::from_le_bytes([prefix[1], prefix[2]]);
        let block_size = match (prefix[0] >> 1) & 3 {
            0 => 512,
            1 => 4096,
            2 if size_value == 0 => 65536,
            2 => usize::from(size_value),
            _ => usize::from(size_value).saturating_mul(2),
        };
        let mut operations = [0u8; 5];
        operations.copy_from_slice(&prefix[3..]);
        Some(Input {
            reseal: prefix[0] & 1 == 1,
            block_size,
            operations,
            region,
        })
    }
}

/// `region` padded with zeros to a whole, non-zero number of blocks, each sealed with
/// `tag` and generation 1.
///
/// # Panics
///
/// If sealing a whole block fails: a finding, reported as the crash it is.
// expect_used: this is harness code, where a broken expectation must crash to be found.
#[allow(clippy::expect_used)]
pub fn resealed(region: &[u8], block_size: usize, tag: dwvd_regions::Tag) -> Vec<u8> {
    let blocks = region.len().div_ceil(block_size).max(1);
    let mut out = region.to_vec();
    out.resize(blocks.saturating_mul(block_size), 0);
    for block in out.chunks_exact_mut(block_size) {
        dwvd_regions::block::seal(block, tag, 1).expect("whole block");
    }
    out
}
