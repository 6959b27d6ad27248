//! The owned Streaming Append ring, for firmware.

use zerocopy::IntoBytes;
use zerocopy::little_endian::{I32, I64};

use super::layout::StreamingHeader;
use super::view::StreamingView;
use crate::block::{BlockSize, Tag, seal};
use crate::division::rem_u64;
use crate::error::{Error, Location, Reason, Result};
use crate::layout::{COUNTER_MAX, field, non_negative, stored_counter};
use crate::region::Region;
use crate::region::sealed::{self, Sealing};

/// What an append does when every allocated slot holds a live entry and the ring can
/// grow no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WrapPolicy {
    /// Overwrite the oldest entry (the read tail advances by one): ring-buffer behaviour
    /// for logs and telemetry.
    #[default]
    OverwriteOldest,
    /// Refuse the append with `full` (category `full`): for callers that must
    /// never lose data.
    Reject,
}

/// Where an append went. (`#[non_exhaustive]`: fields may be added; build one only
/// through [`StreamingRing::append`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
    sealing: Sealing,
    max_capacity_blocks: u64,
    allocated_blocks: u64,
    write_head: u64,
    read_tail: u64,
    growth_increment: u32,
}

impl StreamingRing {
    /// A new, empty ring at 0 % allocated, generation 0.
    ///
    /// # Errors
    ///
    /// `invalid_argument` unless `max_capacity_blocks` is in `1..=i64::MAX` and
    /// `growth_increment` in `1..=i32::MAX` (their on-disk ranges).
    pub fn new(
        block_size: BlockSize,
        max_capacity_blocks: u64,
        growth_increment: u32,
    ) -> Result<Self> {
        if max_capacity_blocks == 0 || max_capacity_blocks > COUNTER_MAX {
            return Err(Error::invalid_argument(
                "max_capacity_blocks",
                text!("it must be between 1 and i64::MAX"),
            ));
        }
        if growth_increment == 0 || i32::try_from(growth_increment).is_err() {
            return Err(Error::invalid_argument(
                "growth_increment",
                text!("it must be between 1 and i32::MAX"),
            ));
        }
        Ok(StreamingRing {
            sealing: Sealing::new(block_size),
            max_capacity_blocks,
            allocated_blocks: 0,
            write_head: 0,
            read_tail: 0,
            growth_increment,
        })
    }

    /// The ring of a header that passed [`StreamingHeader::validate`] (so every value is
    /// in range and the fallbacks are unreachable).
    fn load_valid_header(
        &mut self,
        block_size: BlockSize,
        header: &StreamingHeader,
        generation: u32,
    ) {
        *self = StreamingRing {
            sealing: Sealing {
                block_size,
                generation,
            },
            max_capacity_blocks: non_negative(header.max_capacity_blocks.get()),
            allocated_blocks: non_negative(header.allocated_blocks.get()),
            write_head: non_negative(header.write_head.get()),
            read_tail: non_negative(header.read_tail.get()),
            growth_increment: u32::try_from(header.growth_increment.get()).unwrap_or(0),
        };
    }

    /// The block size of the region.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.sealing.block_size
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
    /// fit in one block's payload (`block_size − 16` bytes).
    ///
    /// # Errors
    ///
    /// As [`append_with`](Self::append_with), never `full`.
    pub fn append(&mut self, data: &[u8]) -> Result<Appended> {
        self.append_with(data, WrapPolicy::OverwriteOldest)
    }

    /// Appends one entry with the given [`WrapPolicy`].
    ///
    /// # Errors
    ///
    /// `record_too_large` when `data` does not fit in one block's payload;
    /// `counter_overflow` when the write head would pass `i64::MAX`; `full` when the ring
    /// is full and `policy` is [`WrapPolicy::Reject`]. On an error the ring is unchanged.
    pub fn append_with(&mut self, data: &[u8], policy: WrapPolicy) -> Result<Appended> {
        let capacity = self.sealing.block_size.payload_len();
        if data.len() > capacity {
            return Err(Error::nowhere(Reason::RecordTooLarge {
                length: data.len(),
                capacity,
            }));
        }
        let position = self.write_head;
        let next_head = position
            .checked_add(1)
            .filter(|head| *head <= COUNTER_MAX)
            .ok_or(Error::new(
                Reason::CounterOverflow,
                Location::NOWHERE.with_value_field(field!(StreamingHeader, write_head).name),
            ))?;

        let allocated = self.allocation_for_next_append();
        let mut read_tail = self.read_tail;
        let mut overwritten = None;
        if self.entry_count() >= allocated {
            match policy {
                WrapPolicy::Reject => {
                    return Err(Error::nowhere(Reason::Full {
                        what: "streaming ring",
                        capacity: allocated,
                        limit: self.max_capacity_blocks,
                    }));
                }
                WrapPolicy::OverwriteOldest => {
                    overwritten = Some(read_tail);
                    // read_tail < write_head here (entry_count >= allocated >= 1).
                    read_tail = read_tail.saturating_add(1);
                }
            }
        }
        // allocated >= 1 here: max >= 1 and a ring at 0 always grows.
        let physical_slot = rem_u64(position, allocated).ok_or_else(|| {
            let field = field!(StreamingHeader, allocated_blocks);
            Error::invalid_field(
                0,
                field.name,
                field.offset,
                0,
                text!("it must be greater than 0 before a slot can be chosen"),
            )
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

    /// The physical slot (SPEC: `physical_index`) holding the live `position`.
    ///
    /// # Errors
    ///
    /// `overwritten` when `position` is older than the read tail; `not_written_yet` when it
    /// is at or past the write head.
    #[doc(alias = "physical_index")]
    pub fn physical_slot(&self, position: u64) -> Result<u64> {
        if position < self.read_tail {
            return Err(Error::nowhere(Reason::Overwritten {
                position,
                read_tail: self.read_tail,
            }));
        }
        if position >= self.write_head {
            return Err(self.not_written_yet(position));
        }
        // A live position implies an entry, so allocated_blocks >= 1.
        rem_u64(position, self.allocated_blocks).ok_or_else(|| self.not_written_yet(position))
    }

    const fn not_written_yet(&self, position: u64) -> Error {
        Error::nowhere(Reason::NotWrittenYet {
            position,
            write_head: self.write_head,
        })
    }

    /// The raw on-disk header of this state.
    #[must_use]
    pub fn header(&self) -> StreamingHeader {
        let counter = |value: u64| I64::new(stored_counter(value));
        StreamingHeader {
            max_capacity_blocks: counter(self.max_capacity_blocks),
            allocated_blocks: counter(self.allocated_blocks),
            write_head: counter(self.write_head),
            read_tail: counter(self.read_tail),
            entry_count: counter(self.entry_count()),
            growth_increment: I32::new(i32::try_from(self.growth_increment).unwrap_or(i32::MAX)),
        }
    }
}

impl Region for StreamingRing {
    const TAG: Tag = Tag::STRE;
    type View<'a> = StreamingView<'a>;

    /// One block.
    fn buffer_len(&self) -> usize {
        self.sealing.block_size.get()
    }

    /// Writes the header block: the header, zeros up to the trailer, and the trailer
    /// sealed with tag `STRE` and the generation.
    fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        emit_parts(
            self.sealing.block_size,
            &self.header(),
            self.sealing.generation,
            buffer,
        )
    }

    fn __fill_unchecked(&mut self, view: &StreamingView<'_>) -> Result<()> {
        self.load_valid_header(view.block_size(), view.header(), view.generation());
        Ok(())
    }

    /// Every valid header is a ring.
    fn check_loadable(_view: &StreamingView<'_>) -> Result<()> {
        Ok(())
    }
}

impl sealed::Load for StreamingRing {
    fn sealing(&self) -> &Sealing {
        &self.sealing
    }

    fn sealing_mut(&mut self) -> &mut Sealing {
        &mut self.sealing
    }

    fn blank(block_size: BlockSize) -> Self {
        StreamingRing {
            sealing: Sealing::new(block_size),
            max_capacity_blocks: 0,
            allocated_blocks: 0,
            write_head: 0,
            read_tail: 0,
            growth_increment: 0,
        }
    }

    fn blocks_per_copy(_block_size: BlockSize) -> Option<u64> {
        Some(1)
    }

    fn data_blocks(&self) -> u64 {
        self.max_capacity_blocks
    }

    /// A consume: the payload is the new read tail (u64). Consumes are applied after the
    /// appends the data blocks record, and only move the tail forward, so their order
    /// among the appends does not matter.
    fn replay_entry(&mut self, entry: &crate::storage::JournalEntry<'_>) -> Result<()> {
        let target = match (entry.kind(), entry.payload().first_chunk::<8>()) {
            (crate::storage::JournalEntryKind::RingConsume, Some(bytes))
                if entry.payload().len() == 8 =>
            {
                u64::from_le_bytes(*bytes)
            }
            _ => {
                return Err(crate::storage::journal_entry_error(text!(
                    "a ring's journal holds only consumes of 8 bytes"
                )));
            }
        };
        if target > self.write_head {
            return Err(crate::storage::journal_entry_error(text!(
                "a consume cannot pass the write head"
            )));
        }
        self.read_tail = self.read_tail.max(target);
        Ok(())
    }

    /// Follows the appends after the checkpoint: each next append's slot must hold a
    /// data block sealed with the next generation.
    fn replay_data_blocks(
        &mut self,
        first_generation: u32,
        slot: &mut dyn FnMut(u64) -> Option<u32>,
    ) -> u32 {
        let mut applied: u32 = 0;
        // At most one append per slot follows a checkpoint (the stored ring
        // checkpoints before one would reuse a slot).
        for _ in 0..=self.max_capacity_blocks {
            let mut next = self.clone();
            let Ok(appended) = next.append_with(&[], WrapPolicy::OverwriteOldest) else {
                break;
            };
            if slot(appended.physical_slot) != Some(first_generation.wrapping_add(applied)) {
                break;
            }
            *self = next;
            applied = applied.wrapping_add(1);
        }
        applied
    }

    /// An append cut while overwriting the oldest entry's slot leaves that slot without
    /// a valid block: the oldest entry is gone, so it is consumed.
    fn settle(&mut self, slot: &mut dyn FnMut(u64) -> Option<u32>) -> bool {
        let next_overwrites = matches!(
            self.clone().append_with(&[], WrapPolicy::Reject),
            Err(error) if error.kind() == crate::error::ErrorKind::Full
        );
        if next_overwrites
            && let Ok(oldest) = self.physical_slot(self.read_tail)
            && slot(oldest).is_none()
        {
            return self.consume().is_some();
        }
        false
    }

    /// Every slot that holds no live entry: an older region's block there could carry a
    /// generation this ring's appends will reach.
    fn format_clears_data_block(&self, index: u64) -> bool {
        // Live slots run from the oldest entry's, round the ring, for entry_count slots.
        let allocated = self.allocated_blocks;
        let live = index < allocated
            && rem_u64(self.read_tail, allocated)
                .map(|oldest| {
                    if index >= oldest {
                        index.saturating_sub(oldest)
                    } else {
                        allocated.saturating_sub(oldest).saturating_add(index)
                    }
                })
                .is_some_and(|distance| distance < self.entry_count());
        !live
    }
}

/// Writes a header block of `header`'s fields, as given, into the first block of
/// `buffer`: the header, zeros up to the trailer, the trailer sealed with tag `STRE` and
/// `generation`. The parts-level counterpart of [`StreamingRing`]'s
/// [`emit`](Region::emit) (which calls it), for tools that build images from descriptions
/// — [`StreamingHeader::validate`] first, unless an invalid header is what you want.
///
/// # Errors
///
/// A buffer shorter than one block is `buffer_too_small`.
pub fn emit_parts(
    block_size: BlockSize,
    header: &StreamingHeader,
    generation: u32,
    buffer: &mut [u8],
) -> Result<usize> {
    let size = block_size.get();
    let available = buffer.len();
    let block = buffer
        .get_mut(..size)
        .ok_or_else(|| Error::buffer_too_small(size, available, size))?;
    block.fill(0);
    // A block is at least 512 bytes: the 44-byte header always fits.
    let _ = header.write_to_prefix(block);
    seal(block, Tag::STRE, generation)?;
    Ok(size)
}
