//! Streaming Append region (tag `STRE`, SPEC §2): a ring of blocks that starts at 0 %
//! allocated, grows on demand, and wraps around overwriting its oldest entries.
//!
//! The region's state lives in one header block ([`StreamingHeader`]); the data blocks
//! live in the region's block range and are addressed by the *physical slot* an append
//! returns. Positions are absolute counters that only grow (until [`StreamingRing::reset`]),
//! so a reader can tell an overwritten position from a live one.
//!
//! Two faces, as in smoltcp's `wire` modules:
//! * [`StreamingView`] — a borrowed, checked view over a header block, for inspectors.
//! * [`StreamingRing`] — the owned ring state, for firmware: append, consume, reset,
//!   position look-up, [`emit`](StreamingRing::emit) and [`parse`](StreamingRing::parse).
//!
//! ```
//! use dwvd_regions::{BlockSize, streaming::StreamingRing};
//!
//! let size = BlockSize::new(512)?;
//! let mut ring = StreamingRing::new(size, 4, 2)?; // at most 4 blocks, grow 2 at a time
//! assert_eq!(ring.allocated_blocks(), 0); // starts at 0 % allocated
//!
//! for record in [&b"a"[..], b"b", b"c", b"d", b"e"] {
//!     let appended = ring.append(record)?;
//!     println!("position {} -> slot {}", appended.position, appended.physical_slot);
//! }
//! // Five appends into four blocks: position 0 was overwritten by position 4.
//! assert_eq!(ring.allocated_blocks(), 4);
//! assert_eq!(ring.read_tail(), 1);
//! assert_eq!(ring.physical_slot(4)?, 0);
//! assert!(ring.physical_slot(0).is_err());
//!
//! // Persist the header and read it back.
//! let mut block = [0u8; 512];
//! ring.emit(&mut block)?;
//! assert_eq!(StreamingRing::parse(&block, size)?, ring);
//! # Ok::<(), dwvd_regions::Error>(())
//! ```

use core::mem::offset_of;

use zerocopy::little_endian::{I32, I64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::block::{BlockSize, RegionBlocks, Tag, seal};
use crate::error::{Error, Result};
use crate::worm::div_rem_u64;

/// The growth increment a ring uses unless told otherwise (SPEC §2).
pub const DEFAULT_GROWTH_INCREMENT: u32 = 16;

/// The on-disk header at the start of the `STRE` block (SPEC §2), 44 bytes, zero up to
/// the trailer.
///
/// This is the raw layout, cast straight over the block; [`StreamingView`] checks its
/// invariants before handing it out.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct StreamingHeader {
    /// Most blocks the ring may grow to (> 0).
    pub max_capacity_blocks: I64,
    /// Blocks allocated so far (0 ≤ allocated ≤ max).
    pub allocated_blocks: I64,
    /// Next absolute position to write.
    pub write_head: I64,
    /// Oldest absolute position still readable.
    pub read_tail: I64,
    /// Live entries: `write_head − read_tail`, at most `allocated_blocks`.
    pub entry_count: I64,
    /// Blocks added per growth step (> 0).
    pub growth_increment: I32,
}

/// Size of [`StreamingHeader`] in bytes.
pub const HEADER_LEN: usize = 44;
const _: () = assert!(size_of::<StreamingHeader>() == HEADER_LEN);

impl StreamingHeader {
    /// Checks every invariant of SPEC §2, reporting the first broken one as
    /// [`Error::InvalidField`] in block 0.
    ///
    /// Beyond the SPEC's list, positions must not be negative (`read_tail ≥ 0`): a
    /// negative absolute counter has no physical slot.
    pub fn validate(&self) -> Result<()> {
        let max = self.max_capacity_blocks.get();
        let allocated = self.allocated_blocks.get();
        let write_head = self.write_head.get();
        let read_tail = self.read_tail.get();
        let entry_count = self.entry_count.get();
        let growth = self.growth_increment.get();

        let invalid = |field, offset, value, requirement| {
            Err(Error::InvalidField {
                block: 0,
                field,
                offset,
                value,
                requirement,
            })
        };
        if max <= 0 {
            return invalid(
                "max_capacity_blocks",
                offset_of!(Self, max_capacity_blocks),
                max,
                "it must be greater than 0",
            );
        }
        if growth <= 0 {
            return invalid(
                "growth_increment",
                offset_of!(Self, growth_increment),
                i64::from(growth),
                "it must be greater than 0",
            );
        }
        if !(0..=max).contains(&allocated) {
            return invalid(
                "allocated_blocks",
                offset_of!(Self, allocated_blocks),
                allocated,
                "it must be between 0 and max_capacity_blocks",
            );
        }
        if !(0..=allocated).contains(&entry_count) {
            return invalid(
                "entry_count",
                offset_of!(Self, entry_count),
                entry_count,
                "it must be between 0 and allocated_blocks",
            );
        }
        if read_tail < 0 {
            return invalid(
                "read_tail",
                offset_of!(Self, read_tail),
                read_tail,
                "it must not be negative",
            );
        }
        if read_tail > write_head {
            return invalid(
                "read_tail",
                offset_of!(Self, read_tail),
                read_tail,
                "it must not be greater than write_head",
            );
        }
        // Both are non-negative here, so the difference cannot overflow.
        if write_head.checked_sub(read_tail) != Some(entry_count) {
            return invalid(
                "entry_count",
                offset_of!(Self, entry_count),
                entry_count,
                "it must equal write_head - read_tail",
            );
        }
        Ok(())
    }
}

/// A checked, borrowed view over a `STRE` header block, for inspectors.
///
/// Building one verifies the block's checksum, then its tag, then every header invariant;
/// after that the accessors cannot fail. Nothing is copied.
///
/// ```
/// use dwvd_regions::{BlockSize, streaming::{StreamingRing, StreamingView}};
///
/// let size = BlockSize::new(512)?;
/// let mut block = [0u8; 512];
/// StreamingRing::new(size, 1000, 16)?.emit(&mut block)?;
/// let view = StreamingView::new_checked(&block, size)?;
/// assert_eq!(view.max_capacity_blocks(), 1000);
/// assert_eq!(view.allocated_blocks(), 0);
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
    /// parses is exactly the one [`StreamingRing::emit`] writes back.
    ///
    /// `region` must be a whole, non-zero number of `block_size` blocks (blocks after the
    /// first are the ring's data blocks and are not read). Errors: `truncated`,
    /// `checksum_mismatch`, `wrong_tag`, `invalid_field` (naming the field).
    pub fn new_checked(region: &'a [u8], block_size: BlockSize) -> Result<Self> {
        let opened = RegionBlocks::new(region, block_size)?.open(0, Tag::STRE)?;
        // The payload is at least 496 bytes, so the 44-byte header always fits.
        let (header, reserved) =
            StreamingHeader::ref_from_prefix(opened.payload()).map_err(|_| {
                Error::RegionNotWholeBlocks {
                    length: region.len(),
                    block_size,
                }
            })?;
        header.validate()?;
        if let Some((index, &byte)) = reserved.iter().enumerate().find(|(_, byte)| **byte != 0) {
            return Err(Error::InvalidField {
                block: 0,
                field: "reserved",
                offset: HEADER_LEN.saturating_add(index),
                value: i64::from(byte),
                requirement: "the header block must be zero from offset 44 up to the trailer",
            });
        }
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

    /// The owned ring this header describes.
    #[must_use]
    pub fn to_ring(&self) -> StreamingRing {
        // The header was validated when the view was built.
        StreamingRing::from_valid_header(self.block_size, self.header, self.generation)
    }
}

/// Values checked non-negative by [`StreamingHeader::validate`]; the fallback is unreachable.
fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// What an append does when every allocated slot holds a live entry and the ring can
/// grow no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WrapPolicy {
    /// Overwrite the oldest entry (the read tail advances by one): ring-buffer behaviour
    /// for logs and telemetry.
    #[default]
    OverwriteOldest,
    /// Refuse the append with [`Error::RingFull`] (category `full`): for callers that must
    /// never lose data.
    Reject,
}

/// Where an append went. (`#[non_exhaustive]`: fields may be added; build one only
/// through [`StreamingRing::append`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Appended {
    /// The absolute position of the new entry.
    pub position: u64,
    /// The block of the ring's data range that holds it: `position % allocated_blocks`
    /// (SPEC: `physical_index`).
    #[doc(alias = "physical_index")]
    pub physical_slot: u64,
    /// The position that was overwritten to make room, if the ring was full.
    pub overwritten: Option<u64>,
}

/// The owned state of a Streaming Append ring, for firmware.
///
/// The ring tracks where entries go; the caller writes each entry's data to the data
/// block at [`Appended::physical_slot`] and persists the header with
/// [`emit`](StreamingRing::emit). Positions and counters stay within `0..=i64::MAX`, the
/// on-disk range; the entry count is derived (`write_head − read_tail`).
///
/// Growth and wrap rules (SPEC §2): when `write_head == allocated_blocks` and the ring is
/// below its maximum, it grows by `min(growth_increment, max − allocated)` before the
/// write; once every allocated slot is live and it cannot grow, the append overwrites the
/// oldest entry ([`WrapPolicy::OverwriteOldest`], the default) or is refused
/// ([`WrapPolicy::Reject`]). Growth happens only while the head has not wrapped, so the
/// physical slot of a live position never changes.
///
/// # Slots and data blocks
///
/// A physical slot (SPEC: `physical_index`) is an index into the ring's data range,
/// `0..allocated_blocks`. Where that range lies in the image is the caller's layout (for
/// example the blocks after the header block); the header does not record it, and
/// [`parse`](Self::parse) reads only the header block.
///
/// # Generations
///
/// [`emit`](Self::emit) seals the header with [`generation`](Self::generation). Call
/// [`advance_generation`](Self::advance_generation) before each persisted update so
/// successive header blocks carry increasing (wrapping) generations.
///
/// # Pinned rings
///
/// SPEC §2's invariants also admit headers this crate never writes: `write_head >
/// allocated_blocks` while `allocated_blocks < max_capacity_blocks`, as left by a writer
/// that grows by other rules (the original C# design grows when `entry_count ==
/// allocated_blocks`, so its rings wrap below their maximum). Growing such a ring would
/// move live entries to other slots, so it stays *pinned* at its allocation — full when
/// every allocated block is live, overwriting or rejecting like a fully grown ring — until
/// it is emptied (it then grows on the next append, which moves nothing) or
/// [`reset`](Self::reset). [`is_pinned`](Self::is_pinned) tells.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamingRing {
    block_size: BlockSize,
    max_capacity_blocks: u64,
    allocated_blocks: u64,
    write_head: u64,
    read_tail: u64,
    growth_increment: u32,
    generation: u32,
}

/// The largest value an on-disk i64 counter holds.
const COUNTER_MAX: u64 = i64::MAX.unsigned_abs();

impl StreamingRing {
    /// An empty value with nothing meaningful in it, to parse into.
    pub(crate) const fn placeholder(block_size: BlockSize) -> Self {
        StreamingRing {
            block_size,
            max_capacity_blocks: 0,
            allocated_blocks: 0,
            write_head: 0,
            read_tail: 0,
            growth_increment: 0,
            generation: 0,
        }
    }

    /// A new, empty ring at 0 % allocated, generation 0.
    ///
    /// `max_capacity_blocks` must be in `1..=i64::MAX` and `growth_increment` in
    /// `1..=i32::MAX` (their on-disk ranges); otherwise [`Error::InvalidArgument`].
    pub fn new(
        block_size: BlockSize,
        max_capacity_blocks: u64,
        growth_increment: u32,
    ) -> Result<Self> {
        if max_capacity_blocks == 0 || max_capacity_blocks > COUNTER_MAX {
            return Err(Error::InvalidArgument {
                argument: "max_capacity_blocks",
                requirement: "it must be between 1 and i64::MAX",
            });
        }
        if growth_increment == 0 || i32::try_from(growth_increment).is_err() {
            return Err(Error::InvalidArgument {
                argument: "growth_increment",
                requirement: "it must be between 1 and i32::MAX",
            });
        }
        Ok(StreamingRing {
            block_size,
            max_capacity_blocks,
            allocated_blocks: 0,
            write_head: 0,
            read_tail: 0,
            growth_increment,
            generation: 0,
        })
    }

    /// The ring a header describes, if it satisfies every invariant
    /// ([`StreamingHeader::validate`]); for tools that build images from descriptions.
    pub fn from_header(
        block_size: BlockSize,
        header: &StreamingHeader,
        generation: u32,
    ) -> Result<Self> {
        header.validate()?;
        Ok(Self::from_valid_header(block_size, header, generation))
    }

    /// The ring of a header that passed [`StreamingHeader::validate`] (so every value is
    /// in range and the fallbacks are unreachable).
    fn from_valid_header(block_size: BlockSize, header: &StreamingHeader, generation: u32) -> Self {
        let counter = |value: i64| u64::try_from(value).unwrap_or(0);
        StreamingRing {
            block_size,
            max_capacity_blocks: counter(header.max_capacity_blocks.get()),
            allocated_blocks: counter(header.allocated_blocks.get()),
            write_head: counter(header.write_head.get()),
            read_tail: counter(header.read_tail.get()),
            growth_increment: u32::try_from(header.growth_increment.get()).unwrap_or(0),
            generation,
        }
    }

    /// Parses the header block at the start of `region` ([`StreamingView::new_checked`]).
    pub fn parse(region: &[u8], block_size: BlockSize) -> Result<Self> {
        StreamingView::new_checked(region, block_size).map(|view| view.to_ring())
    }

    /// The block size of the region.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    /// Most blocks the ring may grow to.
    #[must_use]
    pub const fn max_capacity_blocks(&self) -> u64 {
        self.max_capacity_blocks
    }

    /// Blocks allocated so far.
    #[must_use]
    pub const fn allocated_blocks(&self) -> u64 {
        self.allocated_blocks
    }

    /// Next absolute position to write.
    #[must_use]
    pub const fn write_head(&self) -> u64 {
        self.write_head
    }

    /// Oldest absolute position still readable.
    #[must_use]
    pub const fn read_tail(&self) -> u64 {
        self.read_tail
    }

    /// Live entries: `write_head − read_tail`.
    #[must_use]
    pub const fn entry_count(&self) -> u64 {
        // read_tail <= write_head is kept by every operation.
        self.write_head.saturating_sub(self.read_tail)
    }

    /// Blocks added per growth step.
    #[must_use]
    pub const fn growth_increment(&self) -> u32 {
        self.growth_increment
    }

    /// The generation written into the header block's trailer by [`emit`](Self::emit).
    #[must_use]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// Sets the generation the next [`emit`](Self::emit) writes.
    pub fn set_generation(&mut self, generation: u32) {
        self.generation = generation;
    }

    /// Moves to the next generation (wrapping from `u32::MAX` to 0) and returns it.
    pub fn advance_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        self.generation
    }

    /// Whether no entry is live.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.entry_count() == 0
    }

    /// Whether every slot the next append could use holds a live entry: the next append
    /// overwrites the oldest (or, with [`WrapPolicy::Reject`], is refused).
    ///
    /// For a ring built by this crate that means fully grown and every block live. A
    /// [pinned](StreamingRing#pinned-rings) ring is full at its current allocation.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.entry_count() >= self.allocation_for_next_append()
    }

    /// Whether the ring has wrapped below its maximum (`write_head > allocated_blocks <
    /// max_capacity_blocks`) and so cannot grow until it is emptied or reset — see
    /// [pinned rings](StreamingRing#pinned-rings).
    #[must_use]
    pub const fn is_pinned(&self) -> bool {
        self.allocated_blocks < self.max_capacity_blocks && self.write_head > self.allocated_blocks
    }

    /// The allocation the next append writes into: the current one, grown first when
    /// the head has reached it (SPEC §2) or when a pinned ring holds no live entry.
    fn allocation_for_next_append(&self) -> u64 {
        let allocated = self.allocated_blocks;
        // An empty ring also grows from past its allocation: it moves no live entry.
        let grows = if self.is_empty() {
            self.write_head >= allocated
        } else {
            self.write_head == allocated
        };
        if !grows {
            return allocated;
        }
        // No room (fully grown) makes this a step of 0.
        let room = self.max_capacity_blocks.saturating_sub(allocated);
        allocated.saturating_add(u64::from(self.growth_increment).min(room))
    }

    /// Allocation as `(allocated_blocks, max_capacity_blocks)`: exact, no floats.
    #[must_use]
    pub const fn allocation_ratio(&self) -> (u64, u64) {
        (self.allocated_blocks, self.max_capacity_blocks)
    }

    /// Allocation in permille (0..=1000), rounded down. No floats: fit for firmware.
    #[must_use]
    pub fn allocation_permille(&self) -> u16 {
        let scaled = u128::from(self.allocated_blocks).saturating_mul(1000);
        let permille = scaled
            .checked_div(u128::from(self.max_capacity_blocks))
            .unwrap_or(0);
        u16::try_from(permille).unwrap_or(1000)
    }

    /// Allocation in percent, as a float (std only; firmware uses
    /// [`allocation_permille`](Self::allocation_permille)).
    #[cfg(feature = "std")]
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn allocation_percent(&self) -> f64 {
        self.allocated_blocks as f64 * 100.0 / self.max_capacity_blocks as f64
    }

    /// Appends one entry, overwriting the oldest when the ring is full
    /// ([`WrapPolicy::OverwriteOldest`]).
    ///
    /// `data` is the entry the caller will write to the returned physical slot; it must
    /// fit in one block's payload (`block_size − 16` bytes), else
    /// [`Error::RecordTooLarge`].
    pub fn append(&mut self, data: &[u8]) -> Result<Appended> {
        self.append_with(data, WrapPolicy::OverwriteOldest)
    }

    /// Appends one entry with the given [`WrapPolicy`]. On error the ring is unchanged.
    pub fn append_with(&mut self, data: &[u8], policy: WrapPolicy) -> Result<Appended> {
        let capacity = self.block_size.payload_len();
        if data.len() > capacity {
            return Err(Error::RecordTooLarge {
                length: data.len(),
                capacity,
            });
        }
        let position = self.write_head;
        let next_head = position
            .checked_add(1)
            .filter(|head| *head <= COUNTER_MAX)
            .ok_or(Error::CounterOverflow {
                field: "write_head",
            })?;

        let allocated = self.allocation_for_next_append();
        let mut read_tail = self.read_tail;
        let mut overwritten = None;
        if self.entry_count() >= allocated {
            match policy {
                WrapPolicy::Reject => {
                    return Err(Error::RingFull {
                        allocated_blocks: allocated,
                        max_capacity_blocks: self.max_capacity_blocks,
                    });
                }
                WrapPolicy::OverwriteOldest => {
                    overwritten = Some(read_tail);
                    // read_tail < write_head here (entry_count >= allocated >= 1).
                    read_tail = read_tail.saturating_add(1);
                }
            }
        }
        // allocated >= 1 here: max >= 1 and a ring at 0 always grows.
        let physical_slot = rem_u64(position, allocated).ok_or(Error::InvalidField {
            block: 0,
            field: "allocated_blocks",
            offset: offset_of!(StreamingHeader, allocated_blocks),
            value: 0,
            requirement: "it must be greater than 0 before a slot can be chosen",
        })?;

        self.allocated_blocks = allocated;
        self.read_tail = read_tail;
        self.write_head = next_head;
        Ok(Appended {
            position,
            physical_slot,
            overwritten,
        })
    }

    /// Advances the read tail past the oldest entry and returns its position; `None`
    /// (and no change) when the ring is empty.
    pub fn consume(&mut self) -> Option<u64> {
        if self.is_empty() {
            return None;
        }
        let consumed = self.read_tail;
        self.read_tail = consumed.saturating_add(1);
        Some(consumed)
    }

    /// Forgets every entry: zeroes `write_head`, `read_tail` (and so the entry count) and
    /// keeps the allocation.
    pub fn reset(&mut self) {
        self.write_head = 0;
        self.read_tail = 0;
    }

    /// Whether `position` is live: `read_tail ≤ position < write_head`.
    #[must_use]
    pub const fn is_readable(&self, position: u64) -> bool {
        self.read_tail <= position && position < self.write_head
    }

    /// The physical slot (SPEC: `physical_index`) holding the live `position`, or [`Error::Overwritten`] (older than
    /// the read tail) / [`Error::NotWrittenYet`] (at or past the write head).
    #[doc(alias = "physical_index")]
    pub fn physical_slot(&self, position: u64) -> Result<u64> {
        if position < self.read_tail {
            return Err(Error::Overwritten {
                position,
                read_tail: self.read_tail,
            });
        }
        if position >= self.write_head {
            return Err(Error::NotWrittenYet {
                position,
                write_head: self.write_head,
            });
        }
        // A live position implies an entry, so allocated_blocks >= 1.
        rem_u64(position, self.allocated_blocks).ok_or(Error::NotWrittenYet {
            position,
            write_head: self.write_head,
        })
    }

    /// Bytes [`emit`](Self::emit) writes: one block.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        self.block_size.get()
    }

    /// The raw on-disk header of this state.
    #[must_use]
    pub fn header(&self) -> StreamingHeader {
        let counter = |value: u64| I64::new(i64::try_from(value).unwrap_or(i64::MAX));
        StreamingHeader {
            max_capacity_blocks: counter(self.max_capacity_blocks),
            allocated_blocks: counter(self.allocated_blocks),
            write_head: counter(self.write_head),
            read_tail: counter(self.read_tail),
            entry_count: counter(self.entry_count()),
            growth_increment: I32::new(i32::try_from(self.growth_increment).unwrap_or(i32::MAX)),
        }
    }

    /// Writes the header block into the first [`buffer_len`](Self::buffer_len) bytes of
    /// `buffer`: the header, zeros up to the trailer, and the trailer sealed with tag
    /// `STRE` and [`generation`](Self::generation). Returns the bytes written.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        let size = self.block_size.get();
        let available = buffer.len();
        let too_small = || Error::BufferTooSmall {
            needed: size,
            available,
            block_size: self.block_size,
        };
        let block = buffer.get_mut(..size).ok_or_else(too_small)?;
        block.fill(0);
        self.header()
            .write_to_prefix(block)
            .map_err(|_| too_small())?;
        seal(block, Tag::STRE, self.generation)?;
        Ok(size)
    }
}

/// `n % d` (`None` for 0) without pulling in a soft 64-bit divide ([`div_rem_u64`]).
fn rem_u64(n: u64, d: u64) -> Option<u64> {
    div_rem_u64(n, d).map(|(_, remainder)| remainder)
}
