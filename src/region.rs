//! One shape for the three regions: the owned [`Region`] and the borrowed [`RegionView`].
//!
//! | | Streaming Append | WORM | Compliance Vault |
//! |---|---|---|---|
//! | [`RegionView`] (checked, borrowed, for inspectors) | [`StreamingView`](crate::streaming::StreamingView) | [`WormView`](crate::worm::WormView) | [`VaultView`](crate::vault::VaultView) |
//! | [`Region`] (owned, bounded, for firmware) | [`StreamingRing`](crate::streaming::StreamingRing) | [`WormRegion`](crate::worm::WormRegion) | [`Vault`](crate::vault::Vault) |
//! | stored on a device | [`StoredRing`](crate::storage::StoredRing) | [`StoredWorm`](crate::storage::StoredWorm) | [`StoredVault`](crate::storage::StoredVault) |
//!
//! The conversions have one name across the three: a view is checked with
//! [`RegionView::new_checked`] (or, at the start of a larger image,
//! [`RegionView::new_checked_prefix`]), an owned value is made from a view with
//! [`Region::from_view`] (or straight from bytes with [`Region::parse`]) and written back
//! with [`Region::emit`].
//!
//! ```
//! use dwvd_regions::{BlockSize, Region, RegionView, Ticks};
//! use dwvd_regions::worm::{WormRegion, WormView};
//!
//! /// Generic over the three: read a region and write it back, byte for byte.
//! fn round_trip<R: Region>(image: &[u8], block_size: BlockSize) -> dwvd_regions::Result<Vec<u8>> {
//!     let view = R::View::new_checked(image, block_size)?;
//!     let mut value = R::from_view(&view)?;
//!     value.advance_generation();
//!     let mut out = vec![0u8; value.buffer_len()];
//!     value.emit(&mut out)?;
//!     Ok(out)
//! }
//!
//! let size = BlockSize::MIN;
//! let mut region = WormRegion::<8>::new(size, 16, 0, Ticks::new(0))?;
//! region.append(b"entry", Ticks::new(1))?;
//! let mut image = vec![0u8; region.buffer_len()];
//! region.emit(&mut image)?;
//! let written = round_trip::<WormRegion<8>>(&image, size)?;
//! assert_eq!(WormView::new_checked(&written, size)?.generation(), 1);
//! # Ok::<(), dwvd_regions::Error>(())
//! ```

use crate::block::{BlockSize, Checksums, Tag};
use crate::error::Result;

/// A checked, borrowed view over a region's blocks (smoltcp's `new_checked` face): once
/// built, its accessors cannot fail, and it reads the blocks in place.
pub trait RegionView<'a>: Sized {
    /// The tag every block of the region carries.
    const TAG: Tag;

    /// Checks `region` — a whole, non-zero number of `block_size` blocks, all of them the
    /// region's — and views it.
    ///
    /// # Errors
    ///
    /// The first thing wrong, in the region's documented order: `truncated`,
    /// `checksum_mismatch`, `wrong_tag`, `torn_write`, `invalid_field` (naming block, field
    /// and offset).
    fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        Self::checked::<true>(region, block_size)
    }

    /// The view's checks, block checksums compared only when `CHECKSUMS`: what
    /// [`new_checked`](Self::new_checked) and [`new_checked_with`](Self::new_checked_with)
    /// run. A const parameter, so code that always verifies carries one version. Not
    /// part of the API: call those two.
    #[doc(hidden)]
    fn checked<const CHECKSUMS: bool>(region: &'a [u8], block_size: BlockSize) -> Result<Self>;

    /// [`new_checked`](Self::new_checked) for a caller that chooses whether the blocks'
    /// checksums are computed again ([`Checksums::AlreadyVerified`]: an inspector that
    /// hashed each block as it read it). Everything else is checked as there.
    ///
    /// # Errors
    ///
    /// As [`new_checked`](Self::new_checked) (without `checksum_mismatch` for
    /// `AlreadyVerified`).
    fn new_checked_with(
        region: &'a [u8],
        block_size: BlockSize,
        checksums: Checksums,
    ) -> Result<Self> {
        match checksums {
            Checksums::AlreadyVerified => Self::checked::<false>(region, block_size),
            Checksums::Verify => Self::checked::<true>(region, block_size),
        }
    }

    /// How many blocks the region at the start of `image` takes, as its own header
    /// implies, read *without* verifying anything; `None` when `image` ends first (or is
    /// not whole blocks). For inspectors that must size a region before checking it.
    fn implied_extent(image: &'a [u8], block_size: BlockSize) -> Option<usize>;

    /// Checks the region at the start of `image`, which may go on with other blocks: only
    /// the [`implied_extent`](Self::implied_extent) blocks are checked (all of `image`
    /// when it ends first, which reports the region as truncated). Returns the view and
    /// the number of blocks the region takes.
    ///
    /// # Errors
    ///
    /// As [`new_checked`](Self::new_checked) over those blocks.
    fn new_checked_prefix(image: &'a [u8], block_size: BlockSize) -> Result<(Self, usize)> {
        let (prefix, extent) = implied_prefix::<Self>(image, block_size);
        Ok((Self::new_checked(prefix, block_size)?, extent))
    }

    /// Checks the region that fills `image`, or whose blocks are followed only by blank
    /// blocks: a region read from an extent larger than it (SPEC §8: a region occupies
    /// the blocks its own header says it needs, not its extent; a blank block, all
    /// `0x00` or all `0xFF`, is never corruption). When every block after the
    /// [`implied_extent`](Self::implied_extent) is blank, only the region's blocks are
    /// checked; otherwise all of `image` is, as by [`new_checked`](Self::new_checked), so
    /// a written block after the region is checked as part of it.
    ///
    /// ```
    /// use dwvd_regions::vault::{Vault, VaultView};
    /// use dwvd_regions::{BlockSize, Region, RegionView};
    ///
    /// let size = BlockSize::new(512)?;
    /// // An empty vault (one block) at the start of a 4-block extent, the rest blank.
    /// let mut extent = [0u8; 4 * 512];
    /// Vault::<1>::new(size).emit(&mut extent)?;
    /// assert!(VaultView::new_checked(&extent, size).is_err()); // block 1 is no vault block
    /// assert_eq!(VaultView::new_checked_in_extent(&extent, size)?.block_count(), 1);
    /// extent[3 * 512] = 1; // a written block after the vault: checked as the vault's
    /// assert!(VaultView::new_checked_in_extent(&extent, size).is_err());
    /// # Ok::<(), dwvd_regions::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`new_checked`](Self::new_checked) over the blocks checked.
    fn new_checked_in_extent(image: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let (prefix, _) = implied_prefix::<Self>(image, block_size);
        let blank_after = image
            .get(prefix.len()..)
            .is_some_and(|tail| tail.chunks(block_size.get()).all(crate::block::is_blank));
        Self::new_checked(if blank_after { prefix } else { image }, block_size)
    }

    /// [`new_checked_prefix`](Self::new_checked_prefix), the checksums as `checksums`
    /// says ([`new_checked_with`](Self::new_checked_with)).
    ///
    /// # Errors
    ///
    /// As [`new_checked_with`](Self::new_checked_with) over the region's blocks.
    fn new_checked_prefix_with(
        image: &'a [u8],
        block_size: BlockSize,
        checksums: Checksums,
    ) -> Result<(Self, usize)> {
        let (prefix, extent) = implied_prefix::<Self>(image, block_size);
        Ok((
            Self::new_checked_with(prefix, block_size, checksums)?,
            extent,
        ))
    }

    /// The generation every block of the region carries.
    fn generation(&self) -> u32;

    /// The block size the region was read with.
    fn block_size(&self) -> BlockSize;

    /// Blocks in the viewed buffer.
    fn block_count(&self) -> usize;
}

/// The blocks of `image` its region's header implies, and their number (all of `image`
/// when it ends first; a buffer that is not whole blocks whole, so the check reports it).
fn implied_prefix<'a, V: RegionView<'a>>(
    image: &'a [u8],
    block_size: BlockSize,
) -> (&'a [u8], usize) {
    let size = block_size.get();
    let whole = image.len().checked_div(size).unwrap_or(0);
    let extent = V::implied_extent(image, block_size)
        .map_or(whole, |extent| extent.min(whole))
        .max(1);
    let prefix = match image.len().checked_rem(size) {
        Some(0) => image.get(..extent.saturating_mul(size)).unwrap_or(image),
        _ => image,
    };
    (prefix, extent)
}

/// The owned, bounded value of a region (smoltcp's `parse`/`emit` face), for firmware:
/// no allocator, every capacity a const generic.
///
/// Implemented by [`StreamingRing`](crate::streaming::StreamingRing),
/// [`WormRegion`](crate::worm::WormRegion) and [`Vault`](crate::vault::Vault); sealed (the
/// stored regions rely on what the three guarantee).
pub trait Region: sealed::Load + Sized {
    /// The tag every block of the region carries.
    const TAG: Tag;

    /// The region's checked view.
    type View<'a>: RegionView<'a>;

    /// The block size of the region.
    fn block_size(&self) -> BlockSize {
        self.sealing().block_size
    }

    /// The generation [`emit`](Self::emit) seals every block with.
    fn generation(&self) -> u32 {
        self.sealing().generation
    }

    /// Sets the generation the next [`emit`](Self::emit) writes.
    fn set_generation(&mut self, generation: u32) {
        self.sealing_mut().generation = generation;
    }

    /// Moves to the next generation (wrapping from `u32::MAX` to 0) and returns it: call
    /// it before persisting an update, so successive images carry increasing generations
    /// and a multi-block write cut part-way shows as torn.
    fn advance_generation(&mut self) -> u32 {
        let next = self.generation().wrapping_add(1);
        self.set_generation(next);
        next
    }

    /// Bytes [`emit`](Self::emit) writes: a whole number of blocks.
    fn buffer_len(&self) -> usize;

    /// Blocks [`emit`](Self::emit) writes.
    fn block_count(&self) -> usize {
        self.buffer_len()
            .checked_div(self.block_size().get())
            .unwrap_or(0)
    }

    /// Writes the region into the first [`buffer_len`](Self::buffer_len) bytes of
    /// `buffer`, every block sealed with the region's tag and
    /// [`generation`](Self::generation). Returns the bytes written.
    ///
    /// # Errors
    ///
    /// A short buffer is `buffer_too_small` (its message says how many blocks).
    fn emit(&self, buffer: &mut [u8]) -> Result<usize>;

    /// Fills this value, in place (no value-sized temporary: a vault or log is kilobytes,
    /// firmware stacks are small), from a checked view. On an error the value is
    /// unspecified.
    ///
    /// # Errors
    ///
    /// What the owned value needs beyond the view's checks
    /// ([`check_loadable`](Self::check_loadable)): room for every entry
    /// (`capacity_exceeded`) and, for a WORM log, agreement with the mark; for a vault,
    /// unique passport ids.
    fn load_from_view(&mut self, view: &Self::View<'_>) -> Result<()> {
        Self::check_loadable(view)?;
        self.__fill_unchecked(view)
    }

    /// [`load_from_view`](Self::load_from_view) without its checks, for a view that
    /// passed [`check_loadable`](Self::check_loadable). Not part of the API (hidden, and
    /// named so): the crate's stored regions check a copy first and fill the value only
    /// from the copy they keep. Called on a view that did not pass the checks, it leaves
    /// a value that breaks its own rules (a log that disagrees with its mark, entries
    /// past the capacity dropped): call `load_from_view`.
    #[doc(hidden)]
    fn __fill_unchecked(&mut self, view: &Self::View<'_>) -> Result<()>;

    /// Whether [`load_from_view`](Self::load_from_view) would succeed, without copying
    /// anything: recovery checks both metadata copies this way and loads only the one it
    /// keeps.
    ///
    /// # Errors
    ///
    /// As [`load_from_view`](Self::load_from_view).
    fn check_loadable(view: &Self::View<'_>) -> Result<()>;

    /// The owned value of a checked view.
    ///
    /// # Errors
    ///
    /// As [`load_from_view`](Self::load_from_view).
    fn from_view(view: &Self::View<'_>) -> Result<Self> {
        let mut value = Self::blank(view.block_size());
        value.load_from_view(view)?;
        Ok(value)
    }

    /// Checks `region` ([`RegionView::new_checked`]) and makes the owned value of it.
    ///
    /// # Errors
    ///
    /// As [`RegionView::new_checked`], then [`from_view`](Self::from_view).
    fn parse(region: &[u8], block_size: BlockSize) -> Result<Self> {
        Self::from_view(&Self::View::new_checked(region, block_size)?)
    }
}

pub(crate) mod sealed {
    use crate::block::BlockSize;
    use crate::error::Result;

    /// What every owned region keeps besides its content: its block size, and the
    /// generation its next `emit` seals every block with. One struct, so the three regions'
    /// generation methods are [`Region`](super::Region)'s, written once.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Sealing {
        pub(crate) block_size: BlockSize,
        pub(crate) generation: u32,
    }

    impl Sealing {
        /// `block_size`, generation 0.
        pub(crate) const fn new(block_size: BlockSize) -> Self {
            Sealing {
                block_size,
                generation: 0,
            }
        }
    }

    /// What the crate needs of a region and does not offer its users.
    pub trait Load {
        /// The block size and generation.
        fn sealing(&self) -> &Sealing;

        /// The block size and generation, to change.
        fn sealing_mut(&mut self) -> &mut Sealing;

        /// A value with nothing meaningful in it, to load into.
        fn blank(block_size: BlockSize) -> Self;

        /// Blocks one metadata copy takes on a device, when the type's capacity fixes it
        /// (a ring's header, a WORM log of `LOG_CAPACITY`); `None` when the caller chooses
        /// (a vault's copies).
        fn blocks_per_copy(block_size: BlockSize) -> Option<u64>;

        /// Device blocks after the metadata copies that the region's data takes (ring
        /// slots, WORM data blocks; none for a vault).
        fn data_blocks(&self) -> u64;

        /// Applies one journal entry that follows the loaded checkpoint (recovery).
        /// Regions whose operations are never journaled refuse every entry.
        fn replay_entry(&mut self, entry: &crate::storage::JournalEntry<'_>) -> Result<()> {
            let _ = entry;
            Err(crate::storage::journal_entry_error(text!(
                "its kind is not one this region journals"
            )))
        }

        /// Applies the operations whose data blocks are their own record (ring appends
        /// after the checkpoint): `slot` gives a data block's generation when it is a
        /// valid data block. The `n`-th such block carries `first_generation + n`.
        /// Returns how many were applied.
        fn replay_data_blocks(
            &mut self,
            first_generation: u32,
            slot: &mut dyn FnMut(u64) -> Option<u32>,
        ) -> u32 {
            let _ = (first_generation, slot);
            0
        }

        /// After the journal is replayed: settles what an operation cut mid-way leaves
        /// (a ring append cut while overwriting the oldest entry's slot). Returns whether
        /// it changed the value: that change is on no device yet.
        fn settle(&mut self, slot: &mut dyn FnMut(u64) -> Option<u32>) -> bool {
            let _ = slot;
            false
        }

        /// Whether formatting must make data block `index` blank, so that nothing left
        /// there from an earlier region passes for one of this region's writes.
        fn format_clears_data_block(&self, index: u64) -> bool {
            let _ = index;
            false
        }
    }
}
