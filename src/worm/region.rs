//! The owned, bounded WORM region, for firmware.

use zerocopy::IntoBytes;
use zerocopy::little_endian::{I32, I64, U32};

use super::data::sha256;
use super::layout::{LoggedWrite, WormHeader, blocks_needed, record_location};
use super::view::WormView;
use crate::block::{BlockSize, Tag, seal};
use crate::error::{Error, Result};
use crate::ticks::Ticks;

/// The owned state of a WORM region, for firmware: header fields plus a write log of at
/// most `LOG_CAPACITY` records, in a `heapless::Vec` (no allocator).
///
/// Blocks are written in order at the *high-water mark*; every block below it is
/// immutable. Each write is logged with its time and the SHA-256 of its data. The region
/// tracks metadata: the caller stores each write's data in the data block whose index
/// [`append`](Self::append) returns (see [`seal_data_block`](super::seal_data_block)).
///
/// ```
/// use dwvd_regions::{BlockSize, ErrorKind, Ticks, worm::WormRegion};
///
/// let size = BlockSize::new(512)?;
/// let created = Ticks::from_unix_seconds(1_700_000_000).unwrap();
/// let mut region = WormRegion::<32>::new(size, 1000, 0, created)?;
///
/// assert_eq!(region.append(b"ledger entry 1", created)?, 0);
/// assert_eq!(region.write(1, b"ledger entry 2", created)?, 1);
/// let refused = region.write(0, b"rewrite history", created).unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::Immutable);
/// assert_eq!(refused.to_string(), "block 0 is immutable: the high-water mark is 2");
///
/// let mut image = vec![0u8; region.buffer_len()];
/// region.emit(&mut image)?;
/// assert_eq!(WormRegion::<32>::parse(&image, size)?, region);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WormRegion<const LOG_CAPACITY: usize> {
    block_size: BlockSize,
    high_water_mark: u64,
    total_capacity_blocks: u64,
    retention_period_ticks: i64,
    created: Ticks,
    generation: u32,
    log: heapless::Vec<LoggedWrite, LOG_CAPACITY>,
}

/// The largest value an on-disk i64 counter holds.
const COUNTER_MAX: u64 = i64::MAX.unsigned_abs();

impl<const LOG_CAPACITY: usize> WormRegion<LOG_CAPACITY> {
    /// A new, empty region (high-water mark 0, generation 0).
    ///
    /// `total_capacity_blocks` must be in `1..=i64::MAX`; `retention_period_ticks` is how
    /// long written blocks must be kept (0 means forever; negative is
    /// [`Error::InvalidArgument`]); `created` is the region's creation time (the crate has
    /// no clock).
    pub fn new(
        block_size: BlockSize,
        total_capacity_blocks: u64,
        retention_period_ticks: i64,
        created: Ticks,
    ) -> Result<Self> {
        if total_capacity_blocks == 0 || total_capacity_blocks > COUNTER_MAX {
            return Err(Error::InvalidArgument {
                argument: "total_capacity_blocks",
                requirement: "it must be between 1 and i64::MAX",
            });
        }
        if retention_period_ticks < 0 {
            return Err(Error::InvalidArgument {
                argument: "retention_period_ticks",
                requirement: "it must be 0 (retain forever) or a positive number of ticks",
            });
        }
        Self::check_log_capacity()?;
        Ok(WormRegion {
            block_size,
            high_water_mark: 0,
            total_capacity_blocks,
            retention_period_ticks,
            created,
            generation: 0,
            log: heapless::Vec::new(),
        })
    }

    /// The on-disk count is an i32: a larger log could not be written.
    const fn check_log_capacity() -> Result<()> {
        if LOG_CAPACITY > i32::MAX as usize {
            return Err(Error::InvalidArgument {
                argument: "LOG_CAPACITY",
                requirement: "it must be at most i32::MAX, the largest write_log_count",
            });
        }
        Ok(())
    }

    /// Checks `region` ([`WormView::new_checked`]) and copies it into an owned value
    /// (see [`from_view`](Self::from_view) for the further checks).
    ///
    /// The region buffer may hold more blocks than the log needs (space reserved for the
    /// log to grow; their payloads must be zero). [`emit`](Self::emit) writes only the
    /// [`block_count`](Self::block_count) blocks the log needs, so parse → emit
    /// reproduces the buffer's first `block_count()` blocks byte for byte.
    pub fn parse(region: &[u8], block_size: BlockSize) -> Result<Self> {
        Self::from_view(&WormView::new_checked(region, block_size)?)
    }

    /// The owned value of a checked view, for a firmware that will append to it, so the
    /// log must also agree with the mark ([`WormView::check_log_sequence`]: record `i`
    /// logs block `i`, one per written block) — otherwise an append could be handed a
    /// block the log says is already written. A log longer than `LOG_CAPACITY` is
    /// [`Error::CapacityExceeded`].
    pub fn from_view(view: &WormView<'_>) -> Result<Self> {
        let mut region = Self::placeholder(view.block_size());
        region.load_from_view(view)?;
        Ok(region)
    }

    /// An empty value with nothing meaningful in it, to [`load_from_view`](Self::load_from_view) into.
    pub(crate) const fn placeholder(block_size: BlockSize) -> Self {
        WormRegion {
            block_size,
            high_water_mark: 0,
            total_capacity_blocks: 0,
            retention_period_ticks: 0,
            created: Ticks::new(0),
            generation: 0,
            log: heapless::Vec::new(),
        }
    }

    /// [`from_view`](Self::from_view) into this value, in place (no log-sized temporary
    /// on the stack). On an error the value is unspecified.
    pub(crate) fn load_from_view(&mut self, view: &WormView<'_>) -> Result<()> {
        Self::check_log_capacity()?;
        view.check_log_sequence()?;
        let count = view.write_log_count();
        let exceeded = || Error::CapacityExceeded {
            what: "write log",
            count: u64::try_from(count).unwrap_or(u64::MAX),
            capacity: LOG_CAPACITY,
        };
        if count > LOG_CAPACITY {
            return Err(exceeded());
        }
        self.log.clear();
        for record in view.logged_writes() {
            self.log.push(record).map_err(|_| exceeded())?;
        }
        self.block_size = view.block_size();
        self.high_water_mark = view.high_water_mark();
        self.total_capacity_blocks = view.total_capacity_blocks();
        self.retention_period_ticks = view.retention_period_ticks();
        self.created = view.created();
        self.generation = view.generation();
        Ok(())
    }

    /// The block size of the region.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.block_size
    }

    /// The next block to be written; every block below it is immutable.
    #[must_use]
    pub const fn high_water_mark(&self) -> u64 {
        self.high_water_mark
    }

    /// Blocks the region holds.
    #[must_use]
    pub const fn total_capacity_blocks(&self) -> u64 {
        self.total_capacity_blocks
    }

    /// Retention period in ticks (0 means forever).
    #[must_use]
    pub const fn retention_period_ticks(&self) -> i64 {
        self.retention_period_ticks
    }

    /// When the region was created.
    #[must_use]
    pub const fn created(&self) -> Ticks {
        self.created
    }

    /// Blocks written: the high-water mark.
    #[must_use]
    pub const fn used_blocks(&self) -> u64 {
        self.high_water_mark
    }

    /// Blocks still writable: `total_capacity_blocks − high_water_mark`.
    #[must_use]
    pub const fn free_blocks(&self) -> u64 {
        self.total_capacity_blocks
            .saturating_sub(self.high_water_mark)
    }

    /// Whether block `index` is written and so can never be written again.
    #[must_use]
    pub const fn is_immutable(&self, index: u64) -> bool {
        index < self.high_water_mark
    }

    /// The write log, oldest first.
    #[must_use]
    pub fn log(&self) -> &[LoggedWrite] {
        &self.log
    }

    /// The log's capacity, `LOG_CAPACITY`.
    #[must_use]
    pub const fn log_capacity(&self) -> usize {
        LOG_CAPACITY
    }

    /// The first time written blocks may be reclaimed: `created + retention_period`, or
    /// `None` when they must be kept forever (a period of 0, or a sum past the range of
    /// ticks).
    #[must_use]
    pub const fn reclaimable_from(&self) -> Option<Ticks> {
        if self.retention_period_ticks <= 0 {
            return None;
        }
        self.created.checked_add(self.retention_period_ticks)
    }

    /// Whether written blocks may be reclaimed at `now` (SPEC §3): only when the period is
    /// greater than 0 and `now ≥ created + period`.
    #[must_use]
    pub const fn is_reclaimable(&self, now: Ticks) -> bool {
        match self.reclaimable_from() {
            Some(from) => now.get() >= from.get(),
            None => false,
        }
    }

    /// The generation written into every block's trailer by [`emit`](Self::emit).
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

    /// Writes `data` at the high-water mark: logs its SHA-256, length and `timestamp`, and
    /// advances the mark by one. Returns the block index the caller stores the data in.
    ///
    /// Errors (the region is unchanged): [`Error::RecordTooLarge`] for data longer than a
    /// block's payload (`block_size − 16`), [`Error::WormRegionFull`] when every block is
    /// written, [`Error::LogFull`] when the log holds `LOG_CAPACITY` records.
    pub fn append(&mut self, data: &[u8], timestamp: Ticks) -> Result<u64> {
        let capacity = self.block_size.payload_len();
        let data_length = u32::try_from(data.len())
            .ok()
            .filter(|_| data.len() <= capacity)
            .ok_or(Error::RecordTooLarge {
                length: data.len(),
                capacity,
            })?;
        if self.high_water_mark >= self.total_capacity_blocks {
            return Err(Error::WormRegionFull {
                total_capacity_blocks: self.total_capacity_blocks,
            });
        }
        let block_index = self.high_water_mark;
        let next_mark = block_index.checked_add(1).ok_or(Error::CounterOverflow {
            field: "high_water_mark",
        })?;
        let record = LoggedWrite {
            block_index,
            timestamp,
            data_length,
            content_sha256: sha256(&[data]),
        };
        self.log.push(record).map_err(|_| Error::LogFull {
            what: "write log",
            capacity: LOG_CAPACITY,
        })?;
        self.high_water_mark = next_mark;
        Ok(block_index)
    }

    /// Takes back the last [`append`](Self::append) (for the stored region, whose commit
    /// failed after the value had changed).
    pub(crate) fn undo_append(&mut self) {
        if self.log.pop().is_some() {
            self.high_water_mark = self.high_water_mark.saturating_sub(1);
        }
    }

    /// Writes `data` at `block_index`, which must be the high-water mark (then this is
    /// [`append`](Self::append)). Below the mark is [`Error::Immutable`] ("block N is
    /// immutable: the high-water mark is M"); above it, [`Error::NonSequentialWrite`].
    pub fn write(&mut self, block_index: u64, data: &[u8], timestamp: Ticks) -> Result<u64> {
        if block_index < self.high_water_mark {
            return Err(Error::Immutable {
                block_index,
                high_water_mark: self.high_water_mark,
            });
        }
        if block_index > self.high_water_mark {
            return Err(Error::NonSequentialWrite {
                block_index,
                high_water_mark: self.high_water_mark,
            });
        }
        self.append(data, timestamp)
    }

    /// Blocks [`emit`](Self::emit) writes: [`blocks_needed`] for the log.
    #[must_use]
    pub fn block_count(&self) -> usize {
        let count = u64::try_from(self.log.len()).unwrap_or(u64::MAX);
        blocks_needed(self.block_size, count)
            .and_then(|blocks| usize::try_from(blocks).ok())
            .unwrap_or(usize::MAX)
    }

    /// Bytes [`emit`](Self::emit) writes: `block_count() × block_size`.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.block_count().saturating_mul(self.block_size.get())
    }

    /// The raw on-disk header of this state.
    #[must_use]
    pub fn header(&self) -> WormHeader {
        let counter = |value: u64| I64::new(i64::try_from(value).unwrap_or(i64::MAX));
        WormHeader {
            high_water_mark: counter(self.high_water_mark),
            total_capacity_blocks: counter(self.total_capacity_blocks),
            retention_period_ticks: I64::new(self.retention_period_ticks),
            created_utc_ticks: I64::new(self.created.get()),
            write_log_count: I32::new(i32::try_from(self.log.len()).unwrap_or(i32::MAX)),
            reserved: U32::ZERO,
        }
    }

    /// Writes the region into the first [`buffer_len`](Self::buffer_len) bytes of
    /// `buffer`: the header and the log's records in whole records per block, zeros after
    /// them, every block sealed with tag `WORM` and [`generation`](Self::generation).
    /// Returns the bytes written; a short buffer is [`Error::BufferTooSmall`] (the message
    /// says how many blocks are needed). [`region_len`](super::region_len) sizes a buffer
    /// for a whole log capacity at compile time.
    ///
    /// `emit` does not change the generation: call
    /// [`advance_generation`](Self::advance_generation) before persisting an update, so
    /// a multi-block write interrupted part-way shows as a torn write.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        emit_region(
            self.block_size,
            &self.header(),
            &self.log,
            self.generation,
            buffer,
        )
    }
}

/// Writes a WORM region of `header`'s fields and `log`, of any length, into the first
/// [`region_len`](super::region_len)`(block_size, log.len())` bytes of `buffer`: the
/// unbounded counterpart of [`WormRegion::emit`] (which calls it), for tools that build
/// images from descriptions. `write_log_count` is taken from `log.len()`; the other header
/// fields are written as given.
pub fn emit_region(
    block_size: BlockSize,
    header: &WormHeader,
    log: &[LoggedWrite],
    generation: u32,
    buffer: &mut [u8],
) -> Result<usize> {
    let size = block_size.get();
    let count = u64::try_from(log.len()).unwrap_or(u64::MAX);
    let needed = super::region_len(block_size, count).unwrap_or(usize::MAX);
    let available = buffer.len();
    let too_small = || Error::BufferTooSmall {
        needed,
        available,
        block_size,
    };
    let write_log_count = i32::try_from(log.len()).map_err(|_| Error::InvalidArgument {
        argument: "log",
        requirement: "it must hold at most i32::MAX records, the largest write_log_count",
    })?;
    let region = buffer.get_mut(..needed).ok_or_else(too_small)?;
    region.fill(0);
    let mut header = *header;
    header.write_log_count = I32::new(write_log_count);
    header.write_to_prefix(region).map_err(|_| too_small())?;
    for (index, record) in log.iter().enumerate() {
        let (block, offset) = record_location(block_size, index).ok_or_else(too_small)?;
        let start = block
            .checked_mul(size)
            .and_then(|start| start.checked_add(offset))
            .ok_or_else(too_small)?;
        let slot = region.get_mut(start..).ok_or_else(too_small)?;
        record
            .to_record()
            .write_to_prefix(slot)
            .map_err(|_| too_small())?;
    }
    for block in region.chunks_exact_mut(size) {
        seal(block, Tag::WORM, generation)?;
    }
    Ok(needed)
}
