//! Block size detection: the size given, or the one whose trailers verify.

use anyhow::anyhow;
use dwvd_regions::block::Block;
use dwvd_regions::{BlockSize, Tag};

use crate::image::{self, ReadAt};

/// How the block size was chosen.
#[derive(Debug, Clone, Copy)]
pub enum SizeSource {
    Given,
    /// The DWVD v2.0 superblock's.
    Container,
    Detected {
        verifying: usize,
        tried: usize,
    },
    Fallback,
}

/// How many bytes of the image detection looks at: eight blocks of the largest size.
const HEAD_BYTES: u64 = 8 * 65536;

/// Chooses the block size for `image` (the one handle the caller opened, read by
/// position): the one given, or the one whose trailers verify.
/// Powers of two are tried first, scored by how many of the first blocks verify; then
/// every other size from 512 to 65536 by its first block (or, when block 0 is damaged,
/// the next three) — only where that block ends in a known tag, so an image where nothing
/// verifies is not hashed 65,000 times over.
pub fn block_size_of<R: ReadAt + ?Sized>(
    image: &R,
    given: Option<usize>,
) -> anyhow::Result<(BlockSize, SizeSource)> {
    if let Some(size) = given {
        return Ok((given_size(size)?, SizeSource::Given));
    }
    let head = image::read_head(image, HEAD_BYTES)?;
    detect(&head)
}

/// The block size given as `--block-size`, if it is one.
pub fn given_size(size: usize) -> anyhow::Result<BlockSize> {
    BlockSize::new(size).map_err(|error| anyhow!("--block-size: {error}"))
}

/// The block size of an image that starts with `head`.
fn detect(head: &[u8]) -> anyhow::Result<(BlockSize, SizeSource)> {
    // Block `index` of blocks of `size` bytes, when `head` holds it whole.
    let block = |size: usize, index: usize| {
        let start = index.checked_mul(size)?;
        head.get(start..start.checked_add(size)?)
    };
    let verifies = |size: usize, index: usize| {
        block(size, index)
            .and_then(|bytes| Block::new_checked(bytes).ok())
            .is_some_and(|block| block.checksum_ok())
    };
    // Hashing every candidate size's blocks costs O(65536 × block) on an image where
    // nothing verifies (seconds on garbage, found by fuzzing); a block of a region this
    // tool decodes ends in a known tag, which costs four bytes to look at. So sizes that
    // are not powers of two are only hashed where the trailer holds a known tag.
    let known_tag = |size: usize, index: usize| {
        block(size, index)
            .and_then(|bytes| bytes.len().checked_sub(16).and_then(|at| bytes.get(at..)))
            .and_then(|trailer| trailer.get(..4))
            .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
            .is_some_and(|bytes| Tag::from(u32::from_le_bytes(bytes)).is_known())
    };
    let mut best: Option<(usize, usize)> = None;
    let mut tried = 0usize;
    for shift in 9..=16u32 {
        let size = 1usize
            .checked_shl(shift)
            .unwrap_or(BlockSize::DEFAULT.get());
        tried = tried.saturating_add(1);
        let score = (0..8).filter(|index| verifies(size, *index)).count();
        if score > 0 && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((size, score));
        }
    }
    // Other sizes by their first block, then — when block 0 is damaged — by the next few.
    for blocks in [0..1, 1..4] {
        if best.is_some() {
            break;
        }
        for size in 512..=65536usize {
            if size.is_power_of_two() {
                continue;
            }
            tried = tried.saturating_add(1);
            let score = blocks
                .clone()
                .filter(|index| known_tag(size, *index) && verifies(size, *index))
                .count();
            if score > 0 {
                best = Some((size, score));
                break;
            }
        }
    }
    match best {
        Some((size, verifying)) => Ok((
            BlockSize::new(size).map_err(|error| anyhow!("{error}"))?,
            SizeSource::Detected { verifying, tried },
        )),
        None => Ok((BlockSize::DEFAULT, SizeSource::Fallback)),
    }
}
