//! Walking a region buffer block by block.

use zerocopy::{FromBytes, Immutable, KnownLayout};

use super::trailer::open_block_hashed;
use super::{BlockSize, OpenedBlock, Tag};
use crate::error::{BlockOrigin, Error, Location, Reason, Result, Unit};

/// A region buffer checked to be a whole, non-zero number of blocks, walked in place.
///
/// ```
/// use dwvd_regions::{BlockSize, ErrorKind, Tag, block::{RegionBlocks, seal}};
///
/// let size = BlockSize::new(512)?;
/// let mut region = [0u8; 1024];
/// for block in region.chunks_exact_mut(512) {
///     seal(block, Tag::WORM, 3)?;
/// }
/// let blocks = RegionBlocks::new(&region, size)?;
/// assert_eq!(blocks.len(), 2);
/// assert_eq!(blocks.open(1, Tag::WORM)?.index(), 1);
///
/// // A region that is not a whole number of blocks is truncated.
/// let err = RegionBlocks::new(&region[..1000], size).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Truncated);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionBlocks<'a> {
    region: &'a [u8],
    block_size: BlockSize,
}

impl<'a> RegionBlocks<'a> {
    /// Checks that `region` holds a whole, non-zero number of `block_size` blocks.
    ///
    /// # Errors
    ///
    /// `truncated` when it does not.
    pub fn new(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let size = block_size.get();
        if region.is_empty() || region.len().checked_rem(size) != Some(0) {
            return Err(Error::not_whole_blocks(region.len(), size));
        }
        Ok(RegionBlocks { region, block_size })
    }

    /// The block size.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    /// The number of blocks (at least 1).
    #[must_use]
    pub fn len(&self) -> usize {
        self.region
            .len()
            .checked_div(self.block_size.get())
            .unwrap_or(0)
    }

    /// Always false: a region has at least one block. (Here for API symmetry.)
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.is_empty()
    }

    /// The bytes of block `index`, trailer included, or `None` past the end.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&'a [u8]> {
        self.region.chunks_exact(self.block_size.get()).nth(index)
    }

    /// Every block's bytes, in order.
    pub fn iter(&self) -> core::slice::ChunksExact<'a, u8> {
        self.region.chunks_exact(self.block_size.get())
    }

    /// Opens block `index` ([`open`](super::open)).
    ///
    /// # Errors
    ///
    /// An index past the end is `truncated` (the region is shorter than required); a
    /// block that fails its checksum is `checksum_mismatch`, one of another type
    /// `wrong_tag`. Errors name block `index`.
    pub fn open(&self, index: usize, expected_tag: Tag) -> Result<OpenedBlock<'a>> {
        self.open_block::<true>(index, expected_tag)
    }

    /// [`open`](Self::open), the checksum compared only when `CHECKSUM`.
    pub(crate) fn open_block<const CHECKSUM: bool>(
        &self,
        index: usize,
        expected_tag: Tag,
    ) -> Result<OpenedBlock<'a>> {
        self.open_block_hashed::<CHECKSUM>(index, expected_tag, super::checksum)
    }

    /// [`open_block`](Self::open_block), the payload's checksum computed by `hash`
    /// (called only when `CHECKSUM`).
    fn open_block_hashed<const CHECKSUM: bool>(
        &self,
        index: usize,
        expected_tag: Tag,
        hash: impl FnOnce(&'a [u8]) -> u64,
    ) -> Result<OpenedBlock<'a>> {
        let index_u64 = u64::try_from(index).unwrap_or(u64::MAX);
        let block = self.get(index).ok_or_else(|| {
            Error::new(
                Reason::Truncated {
                    needed: index_u64.saturating_add(1),
                    available: u64::try_from(self.len()).unwrap_or(u64::MAX),
                    unit: Unit::Blocks,
                },
                Location::block_of(BlockOrigin::Region, index_u64),
            )
        })?;
        open_block_hashed::<CHECKSUM, _>(block, expected_tag, hash)
            .map(|opened| opened.at_index(index_u64))
            .map_err(|error| error.in_block(index_u64))
    }

    /// The payload (block without its trailer) of block `index`, unverified, or `None`
    /// past the end. Call after [`verify_all`](Self::verify_all).
    #[must_use]
    pub fn payload(&self, index: usize) -> Option<&'a [u8]> {
        self.get(index)
            .and_then(|block| block.get(..self.block_size.payload_len()))
    }

    /// Verifies every block in order — checksum, then tag, then that its generation is
    /// block 0's — and returns that common generation.
    ///
    /// # Errors
    ///
    /// The first failing block is reported: `checksum_mismatch`, `wrong_tag`, or
    /// `torn_write` (the blocks of one region carry different generations: a multi-block
    /// write was interrupted).
    pub fn verify_all(&self, expected_tag: Tag) -> Result<u32> {
        self.verify_all_hashing::<true>(expected_tag, |_, payload| super::checksum(payload))
    }

    /// [`verify_all`](Self::verify_all), each block's checksum computed by `hash` (given
    /// the block's index and payload; called for every block, before its checksum is
    /// compared, whether `CHECKSUM` or not, and its answer ignored when not): a region
    /// that also checks its payloads does so in the same pass over memory as the
    /// checksum (the WORM view, in the hash's own loop). `hash` must return XXH64 of the
    /// payload and otherwise only observe; errors are still those of `verify_all`, in
    /// its order.
    pub(crate) fn verify_all_hashing<const CHECKSUM: bool>(
        &self,
        expected_tag: Tag,
        mut hash: impl FnMut(usize, &'a [u8]) -> u64,
    ) -> Result<u32> {
        let mut generation = None;
        for index in 0..self.len() {
            let mut hash_once = |payload| hash(index, payload);
            if !CHECKSUM {
                // Observed all the same; the checksum is not compared.
                if let Some(payload) = self.payload(index) {
                    hash_once(payload);
                }
            }
            let opened = self.open_block_hashed::<CHECKSUM>(index, expected_tag, hash_once)?;
            match generation {
                None => generation = Some(opened.generation()),
                Some(expected) if expected != opened.generation() => {
                    return Err(Error::nowhere(Reason::TornWrite {
                        expected,
                        found: opened.generation(),
                    })
                    .in_block(opened.index()));
                }
                Some(_) => {}
            }
        }
        // A region has at least one block, so a generation was always found.
        generation.ok_or_else(|| Error::not_whole_blocks(self.region.len(), self.block_size.get()))
    }

    /// Checks `region` for a multi-block region of type `tag`: a whole number of blocks,
    /// every block verified ([`verify_all`](Self::verify_all)); then casts the region's
    /// header `H` over the start of block 0's payload. Returns the blocks, their common
    /// generation and the header.
    pub(crate) fn verified_header<H, const CHECKSUM: bool>(
        region: &'a [u8],
        block_size: BlockSize,
        tag: Tag,
    ) -> Result<(Self, u32, &'a H)>
    where
        H: FromBytes + KnownLayout + Immutable,
    {
        Self::verified_header_hashing::<H, CHECKSUM>(region, block_size, tag, |_, payload| {
            if CHECKSUM {
                super::checksum(payload)
            } else {
                0
            }
        })
    }

    /// [`verified_header`](Self::verified_header), with each block's checksum computed by
    /// `hash` as in [`verify_all_hashing`](Self::verify_all_hashing).
    pub(crate) fn verified_header_hashing<H, const CHECKSUM: bool>(
        region: &'a [u8],
        block_size: BlockSize,
        tag: Tag,
        hash: impl FnMut(usize, &'a [u8]) -> u64,
    ) -> Result<(Self, u32, &'a H)>
    where
        H: FromBytes + KnownLayout + Immutable,
    {
        let blocks = Self::new(region, block_size)?;
        let generation = blocks.verify_all_hashing::<CHECKSUM>(tag, hash)?;
        // Region headers are far smaller than the smallest payload (496 bytes), so the
        // cast cannot fail; the error is unreachable.
        let (header, _) = blocks
            .payload(0)
            .and_then(|payload| H::ref_from_prefix(payload).ok())
            .ok_or_else(|| Error::not_whole_blocks(region.len(), block_size.get()))?;
        Ok((blocks, generation, header))
    }

    /// Block 0's header `H`, read *without* verifying anything, for sizing a region before
    /// checking it; `None` when `image` is not whole blocks.
    pub(crate) fn unverified_header<H>(
        image: &'a [u8],
        block_size: BlockSize,
    ) -> Option<(Self, &'a H)>
    where
        H: FromBytes + KnownLayout + Immutable,
    {
        let blocks = Self::new(image, block_size).ok()?;
        let (header, _) = H::ref_from_prefix(blocks.payload(0)?).ok()?;
        Some((blocks, header))
    }

    /// Opens every block in order, each with [`RegionBlocks::open`].
    pub fn open_all(&self, expected_tag: Tag) -> impl Iterator<Item = Result<OpenedBlock<'a>>> {
        let blocks = *self;
        (0..self.len()).map(move |index| blocks.open(index, expected_tag))
    }
}

impl<'a> IntoIterator for RegionBlocks<'a> {
    type Item = &'a [u8];
    type IntoIter = core::slice::ChunksExact<'a, u8>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
