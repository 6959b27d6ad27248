//! Where an error is: a block (counted in one of three ways), a field, a byte offset.

use core::fmt;

/// What a block number in a [`Location`] counts from. (The discriminants are 253..=255 so
/// that a location's "none" is a zero byte; they mean nothing else.)
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlockOrigin {
    /// A block of the region buffer that was parsed: block 0 is the region's first block.
    Region = 253,
    /// A data block, by its index in a region's data range (a WORM block index, a ring
    /// slot): where that range lies on a device is the caller's layout.
    DataRange = 254,
    /// A block of the whole device or image (after [`Error::relocated`](super::Error::relocated)
    /// moved a region-relative block by the region's first block).
    Device = 255,
}

/// Where an [`Error`](super::Error) is: which block (and counted from where), which field,
/// at which byte offset of the block. Every part is optional; an error about a caller's
/// argument has none.
///
/// ```
/// use dwvd_regions::{BlockOrigin, BlockSize, streaming::StreamingView};
///
/// let mut header = [0u8; 512];
/// dwvd_regions::block::seal(&mut header, dwvd_regions::Tag::STRE, 1)?;
/// // A sealed STRE block of zeros: max_capacity_blocks = 0 breaks an invariant.
/// let error = StreamingView::new_checked(&header, BlockSize::MIN).unwrap_err();
/// let location = error.location();
/// assert_eq!(location.block(), Some(0));
/// assert_eq!(location.origin(), Some(BlockOrigin::Region));
/// assert_eq!(location.field(), Some("max_capacity_blocks"));
/// assert_eq!(location.offset(), Some(0));
///
/// // Found at block 40 of an image: the error now names the image's block.
/// let moved = error.relocated(40);
/// assert_eq!(moved.location().block(), Some(40));
/// assert_eq!(moved.location().origin(), Some(BlockOrigin::Device));
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Location {
    block: u64,
    /// A pointer to the field's name in static memory (4 bytes on 32-bit targets).
    field: Option<&'static &'static str>,
    /// The offset plus one, 0 for none: offsets lie in a block's payload (below 65520),
    /// so 16 bits hold them. Small, because every `Result` of the crate carries a
    /// location: firmware moves them on each `?` (16 bytes in all on 32-bit targets).
    offset: u16,
    /// The origins' discriminants are 253..=255, so the niche rustc gives `None` is 0
    /// (today's layout: not a guarantee, and only speed depends on it): with the offset's
    /// 0, "nowhere" is all zero bytes, the cheapest value to write, and most errors have
    /// it.
    origin: Option<BlockOrigin>,
}

/// [`Location::offset`]'s "none".
const NO_OFFSET: u16 = 0;

impl Location {
    /// Nowhere in particular: an error about an argument or a whole value.
    pub const NOWHERE: Location = Location {
        block: 0,
        field: None,
        offset: NO_OFFSET,
        origin: None,
    };

    /// Block `index`, counted from `origin`.
    #[must_use]
    pub const fn block_of(origin: BlockOrigin, index: u64) -> Self {
        Location {
            block: index,
            origin: Some(origin),
            ..Self::NOWHERE
        }
    }

    /// The same location, naming the field `name` (as the format's layout and the header
    /// types' `FIELDS` tables write it) at byte `offset` of its block. The name is passed
    /// as a reference to a `&'static str` (`&"write_log_count"`), so the location holds
    /// one pointer.
    #[must_use]
    pub const fn with_field(mut self, field: &'static &'static str, offset: usize) -> Self {
        self.field = Some(field);
        self.offset = clamp_offset(offset);
        self
    }

    /// The same location, naming `field` without an offset: a value, not bytes in a
    /// block (a counter of an owned region, a passport's text).
    #[must_use]
    pub const fn with_value_field(mut self, field: &'static &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// The block's number, if the error is about one block.
    #[must_use]
    pub const fn block(&self) -> Option<u64> {
        match self.origin {
            Some(_) => Some(self.block),
            None => None,
        }
    }

    /// What [`block`](Self::block) counts from.
    #[must_use]
    pub const fn origin(&self) -> Option<BlockOrigin> {
        self.origin
    }

    /// The field's name as in the format's layout (e.g. `"write_log_count"`).
    #[must_use]
    pub const fn field(&self) -> Option<&'static str> {
        match self.field {
            Some(field) => Some(*field),
            None => None,
        }
    }

    /// The byte offset in the block (of the field, or of the first bad byte).
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match self.offset {
            NO_OFFSET => None,
            stored => Some(stored.saturating_sub(1) as usize),
        }
    }

    /// Whether nothing is named.
    #[must_use]
    pub const fn is_nowhere(&self) -> bool {
        self.origin.is_none() && self.field.is_none() && self.offset == NO_OFFSET
    }

    /// Moves a region-relative (or device) block `base` blocks on, making it a device
    /// block; data-range blocks and locations without a block are unchanged.
    #[cfg_attr(not(feature = "error-details"), allow(dead_code))]
    pub(crate) const fn relocate(&mut self, base: u64) {
        if let Some(BlockOrigin::Region | BlockOrigin::Device) = self.origin() {
            self.block = self.block.saturating_add(base);
            self.origin = Some(BlockOrigin::Device);
        }
    }

    /// Makes this about block `index`, counted from `origin` (offsets unchanged).
    #[cfg_attr(not(feature = "error-details"), allow(dead_code))]
    pub(crate) const fn set_block(&mut self, origin: BlockOrigin, index: u64) {
        self.block = index;
        self.origin = Some(origin);
    }

    /// Makes this a block of a region buffer: block `index`, with offsets moved by
    /// `offset_base` (a structure validated on its own reports offsets within itself).
    #[cfg_attr(not(feature = "error-details"), allow(dead_code))]
    pub(crate) const fn place_at(&mut self, origin: BlockOrigin, index: u64, offset_base: usize) {
        self.block = index;
        self.origin = Some(origin);
        if let Some(offset) = self.offset() {
            self.offset = clamp_offset(offset.saturating_add(offset_base));
        }
    }
}

/// An offset as stored: plus one. Offsets come from block payloads (below 65520), so
/// the clamp at `u16::MAX` (which would read back one less) is never reached.
const fn clamp_offset(offset: usize) -> u16 {
    const LARGEST: usize = u16::MAX as usize - 1;
    if offset > LARGEST {
        u16::MAX
    } else {
        // Checked just above: offset + 1 fits.
        #[allow(clippy::cast_possible_truncation)]
        let stored = (offset as u16).saturating_add(1);
        stored
    }
}

/// What the accessors say (the stored offset is one more than the offset).
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Location")
            .field("block", &self.block())
            .field("origin", &self.origin())
            .field("field", &self.field())
            .field("offset", &self.offset())
            .finish()
    }
}

/// `block 3`, `data block 3` or `device block 3`, then ` field NAME (offset N)`.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        if let Some(origin) = self.origin() {
            let prefix = match origin {
                BlockOrigin::Region => "",
                BlockOrigin::DataRange => "data ",
                BlockOrigin::Device => "device ",
            };
            write!(f, "{prefix}block {}", self.block)?;
            separator = " ";
        }
        if let Some(field) = self.field() {
            write!(f, "{separator}field {field}")?;
            separator = " ";
        }
        if let Some(offset) = self.offset() {
            write!(f, "{separator}(offset {offset})")?;
        }
        Ok(())
    }
}
