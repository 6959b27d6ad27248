//! The borrowed, checked view over a `STRE` header block, for inspectors.

use zerocopy::FromBytes;

use super::layout::{HEADER_LEN, StreamingHeader};
use crate::block::{BlockSize, Checksums, RegionBlocks, Tag};
use crate::error::{Error, Result};
use crate::layout::{non_negative, require_zero};
use crate::region::RegionView;

/// A checked, borrowed view over a `STRE` header block, for inspectors.
///
/// Building one verifies the block's checksum, then its tag, then every header invariant
/// ([`StreamingHeader::validate`]), then that the rest of the block is zero; after that
/// the accessors cannot fail. Nothing is copied.
///
/// ```
/// use dwvd_regions::{BlockSize, Region, RegionView, streaming::{StreamingRing, StreamingView}};
///
/// let size = BlockSize::new(512)?;
/// let mut block = [0u8; 512];
/// StreamingRing::new(size, 1000, 16)?.emit(&mut block)?;
/// let view = StreamingView::new_checked(&block, size)?;
/// assert_eq!(view.max_capacity_blocks(), 1000);
/// assert_eq!(view.allocated_blocks(), 0);
/// assert_eq!(StreamingRing::from_view(&view)?.max_capacity_blocks(), 1000);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamingView<'a> {
    header: &'a StreamingHeader,
    generation: u32,
    block_size: BlockSize,
}

impl<'a> StreamingView<'a> {
    /// Checks block 0 of `region` — the header block — and views it.
    ///
    /// The bytes between the header and the trailer must be zero, so that a header that
    /// parses is exactly the one [`StreamingRing::emit`](crate::Region::emit) writes back.
    ///
    /// `region` must be a whole, non-zero number of `block_size` blocks (blocks after the
    /// first are the ring's data blocks and are not read).
    ///
    /// # Errors
    ///
    /// `truncated`, `checksum_mismatch`, `wrong_tag`, `invalid_field` (naming the field).
    pub fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<true>(region, block_size)
    }

    /// [`new_checked`](Self::new_checked), block checksums compared only when `CHECKSUM`.
    fn check<const CHECKSUM: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let opened = RegionBlocks::new(region, block_size)?.open_block::<CHECKSUM>(0, Tag::STRE)?;
        // The payload is at least 496 bytes, so the 44-byte header always fits.
        let (header, reserved) = StreamingHeader::ref_from_prefix(opened.payload())
            .map_err(|_| Error::not_whole_blocks(region.len(), block_size.get()))?;
        header.validate()?;
        require_zero(
            reserved,
            0,
            HEADER_LEN,
            &"reserved",
            text!("the header block must be zero from offset 44 up to the trailer"),
        )?;
        Ok(StreamingView {
            header,
            generation: opened.generation(),
            block_size,
        })
    }

    /// The raw header, as stored.
    #[must_use]
    pub const fn header(&self) -> &'a StreamingHeader {
        self.header
    }

    /// The generation in the block's trailer.
    #[must_use]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// The block size the region was read with.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    /// Most blocks the ring may grow to (> 0).
    #[must_use]
    pub fn max_capacity_blocks(&self) -> u64 {
        non_negative(self.header.max_capacity_blocks.get())
    }

    /// Blocks allocated so far.
    #[must_use]
    pub fn allocated_blocks(&self) -> u64 {
        non_negative(self.header.allocated_blocks.get())
    }

    /// Next absolute position to write.
    #[must_use]
    pub fn write_head(&self) -> u64 {
        non_negative(self.header.write_head.get())
    }

    /// Oldest absolute position still readable.
    #[must_use]
    pub fn read_tail(&self) -> u64 {
        non_negative(self.header.read_tail.get())
    }

    /// Live entries.
    #[must_use]
    pub fn entry_count(&self) -> u64 {
        non_negative(self.header.entry_count.get())
    }

    /// Blocks added per growth step.
    #[must_use]
    pub fn growth_increment(&self) -> u32 {
        u32::try_from(self.header.growth_increment.get()).unwrap_or(0)
    }
}

impl<'a> RegionView<'a> for StreamingView<'a> {
    const TAG: Tag = Tag::STRE;

    fn checked<const CHECKSUMS: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::check::<CHECKSUMS>(region, block_size)
    }

    /// One block: the header (the ring's slots lie where the caller's layout puts them).
    fn implied_extent(image: &'a [u8], block_size: BlockSize) -> Option<usize> {
        (image.len() >= block_size.get()).then_some(1)
    }

    /// The header block: only block 0 is read.
    fn new_checked_prefix(image: &'a [u8], block_size: BlockSize) -> Result<(Self, usize)> {
        Ok((Self::new_checked(image, block_size)?, 1))
    }

    /// The header block: only block 0 is read.
    fn new_checked_prefix_with(
        image: &'a [u8],
        block_size: BlockSize,
        checksums: Checksums,
    ) -> Result<(Self, usize)> {
        Ok((Self::new_checked_with(image, block_size, checksums)?, 1))
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn block_size(&self) -> BlockSize {
        self.block_size
    }

    fn block_count(&self) -> usize {
        1
    }
}
