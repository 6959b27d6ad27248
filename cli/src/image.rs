//! Reading regions from image files, and keys from hex arguments.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, bail};
use dwvd_regions::BlockSize;
use p256::ecdsa::{SigningKey, VerifyingKey};

/// The region at `offset` of the file: `blocks` blocks, or everything to the end of the
/// file. A file shorter than asked gives a shorter buffer, which the parser reports as
/// truncated.
pub fn read_region(
    path: &Path,
    offset: u64,
    blocks: Option<u64>,
    block_size: BlockSize,
) -> anyhow::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot open image {}", path.display()))?;
    file.seek(SeekFrom::Start(offset))
        .with_context(|| format!("cannot seek to byte {offset} of {}", path.display()))?;
    let mut region = Vec::new();
    match blocks {
        Some(blocks) => {
            let Some(length) = blocks.checked_mul(block_size.get() as u64) else {
                bail!(
                    "--blocks {blocks} of {} bytes is more than a file can hold",
                    block_size.get()
                );
            };
            file.take(length).read_to_end(&mut region)
        }
        None => file.read_to_end(&mut region),
    }
    .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(region)
}

/// A P-256 public key from SEC1 hex (compressed or uncompressed).
pub fn public_key(text: &str) -> anyhow::Result<VerifyingKey> {
    let bytes = hex::decode(text.trim()).context("--public-key is not hex")?;
    dwvd_regions::vault::verifying_key_from_sec1(&bytes)
        .context("--public-key is not a SEC1-encoded P-256 public key")
}

/// A P-256 private key from 32 bytes of hex.
pub fn signing_key(text: &str) -> anyhow::Result<SigningKey> {
    let bytes = hex::decode(text.trim()).context("--signing-key is not hex")?;
    SigningKey::from_slice(&bytes).map_err(|_| {
        anyhow::anyhow!("--signing-key is not a P-256 private key (32 bytes, 0 < key < n)")
    })
}

/// The error for a file holding fewer than the `--blocks` asked for: the region is
/// truncated.
pub fn short_region(
    read: usize,
    blocks: u64,
    block_size: BlockSize,
) -> Option<dwvd_regions::Error> {
    let whole = (read / block_size.get()) as u64;
    (whole < blocks).then(|| dwvd_regions::Error::BlockOutOfRange {
        index: blocks - 1,
        blocks: whole,
    })
}
