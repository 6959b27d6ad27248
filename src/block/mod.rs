//! The block layer shared by every region (SPEC §1).
//!
//! A region is a run of blocks of one [`BlockSize`]. Every block ends with a 16-byte
//! [`Trailer`] — the block's type [`Tag`], the region's generation, and the XXH64 (seed 0)
//! of the payload before it. [`seal`] writes a trailer, [`open`] checks one (checksum first,
//! then tag: two different errors), [`Block`] is a view that never fails for inspectors, and
//! [`RegionBlocks`] walks a region buffer block by block.

mod region;
mod size;
mod tag;
mod trailer;
pub(crate) mod xxh64;

pub use region::RegionBlocks;

/// Whether a view checks its blocks' checksums ([`RegionView::new_checked_with`](crate::RegionView::new_checked_with)).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Checksums {
    /// Compute every block's XXH64 and compare it with its trailer: the default, and what
    /// `new_checked` does.
    #[default]
    Verify,
    /// The caller has already verified every block's checksum (an inspector that hashed
    /// each block as it read it): they are not computed again. Everything else — tags,
    /// generations, every field — is checked as with `Verify`. Pass it only for bytes
    /// whose checksums you verified yourself.
    AlreadyVerified,
}
/// Whether `block` is blank (SPEC §1): every byte `0x00` (never written) or every byte
/// `0xFF` (erased NOR flash). A blank block has no valid trailer and is not corruption:
/// an inspector reports it as unused.
///
/// ```
/// use dwvd_regions::block::is_blank;
///
/// assert!(is_blank(&[0u8; 512]));
/// assert!(is_blank(&[0xFFu8; 512]));
/// let mut written = [0u8; 512];
/// written[7] = 1;
/// assert!(!is_blank(&written));
/// ```
#[must_use]
pub fn is_blank(block: &[u8]) -> bool {
    match block.first() {
        Some(&first @ (0x00 | 0xFF)) => block.iter().all(|byte| *byte == first),
        _ => false,
    }
}

pub use size::BlockSize;
pub use tag::Tag;
pub use trailer::{Block, OpenedBlock, TRAILER_LEN, Trailer, checksum, open, seal};
