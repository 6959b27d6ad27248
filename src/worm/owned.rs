//! The owned, bounded WORM region, for firmware.

use zerocopy::IntoBytes;
use zerocopy::little_endian::{I32, I64, U32};

use super::layout::{LoggedWrite, WormHeader, blocks_needed, record_location};
use super::view::WormView;
use crate::block::{BlockSize, Tag, seal};
use crate::error::{BlockOrigin, Error, Location, Reason, Result};
use crate::layout::{COUNTER_MAX, field, stored_counter};
use crate::region::sealed::{self, Sealing};
use crate::region::{Region, RegionView};
use crate::sha256::sha256;
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
/// use dwvd_regions::{Region, BlockSize, ErrorKind, Ticks, worm::WormRegion};
///
/// let size = BlockSize::new(512)?;
/// let created = Ticks::from_unix_seconds(1_700_000_000).unwrap();
/// let mut region = WormRegion::<32>::new(size, 1000, 0, created)?;
///
/// assert_eq!(region.append(b"ledger entry 1", created)?, 0);
/// assert_eq!(region.write(1, b"ledger entry 2", created)?, 1);
/// let refused = region.write(0, b"rewrite history", created).unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::Immutable);
/// assert_eq!(
///     refused.to_string(),
///     "data block 0: immutable: the high-water mark is 2, and every block below it is written"
/// );
///
/// let mut image = vec![0u8; region.buffer_len()];
/// region.emit(&mut image)?;
/// assert_eq!(WormRegion::<32>::parse(&image, size)?, region);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WormRegion<const LOG_CAPACITY: usize> {
    sealing: Sealing,
    high_water_mark: u64,
    total_capacity_blocks: u64,
    retention_period_ticks: i64,
    created: Ticks,
    log: heapless::Vec<LoggedWrite, LOG_CAPACITY>,
}

impl<const LOG_CAPACITY: usize> WormRegion<LOG_CAPACITY> {
    /// A new, empty region (high-water mark 0, generation 0).
    ///
    /// `total_capacity_blocks` must be in `1..=i64::MAX`; `retention_period_ticks` is how
    /// long written blocks must be kept (0 means forever); `created` is the region's
    /// creation time (the crate has no clock).
    ///
    /// # Errors
    ///
    /// `invalid_argument` for a `total_capacity_blocks` outside `1..=i64::MAX`, a negative
    /// `retention_period_ticks`, or a `LOG_CAPACITY` above `i32::MAX` (the largest
    /// `write_log_count`).
    pub fn new(
        block_size: BlockSize,
        total_capacity_blocks: u64,
        retention_period_ticks: i64,
        created: Ticks,
    ) -> Result<Self> {
        if total_capacity_blocks == 0 || total_capacity_blocks > COUNTER_MAX {
            return Err(Error::invalid_argument(
                "total_capacity_blocks",
                text!("it must be between 1 and i64::MAX"),
            ));
        }
        if retention_period_ticks < 0 {
            return Err(Error::invalid_argument(
                "retention_period_ticks",
                text!("it must be 0 (retain forever) or a positive number of ticks"),
            ));
        }
        Self::check_log_capacity()?;
        Ok(WormRegion {
            sealing: Sealing::new(block_size),
            high_water_mark: 0,
            total_capacity_blocks,
            retention_period_ticks,
            created,
            log: heapless::Vec::new(),
        })
    }

    /// The on-disk count is an i32: a larger log could not be written.
    const fn check_log_capacity() -> Result<()> {
        if LOG_CAPACITY > i32::MAX as usize {
            return Err(Error::invalid_argument(
                "LOG_CAPACITY",
                text!("it must be at most i32::MAX, the largest write_log_count"),
            ));
        }
        Ok(())
    }

    /// The block size of the region.
    #[must_use]
    pub const fn block_size(&self) -> BlockSize {
        self.sealing.block_size
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

    /// Writes `data` at the high-water mark: logs its SHA-256, length and `timestamp`, and
    /// advances the mark by one. Returns the block index the caller stores the data in.
    ///
    /// # Errors
    ///
    /// `record_too_large` for data longer than a block's payload (`block_size − 16`);
    /// `full` when every block is written, or when the log holds `LOG_CAPACITY` records.
    /// On an error the region is unchanged.
    pub fn append(&mut self, data: &[u8], timestamp: Ticks) -> Result<u64> {
        let capacity = self.sealing.block_size.payload_len();
        let data_length = u32::try_from(data.len())
            .ok()
            .filter(|_| data.len() <= capacity)
            .ok_or(Error::nowhere(Reason::RecordTooLarge {
                length: data.len(),
                capacity,
            }))?;
        if self.high_water_mark >= self.total_capacity_blocks {
            return Err(Error::nowhere(Reason::Full {
                what: "WORM region",
                capacity: self.total_capacity_blocks,
                limit: self.total_capacity_blocks,
            }));
        }
        let block_index = self.high_water_mark;
        // The mark after this block must be representable (push_logged advances to it).
        block_index.checked_add(1).ok_or(Error::new(
            Reason::CounterOverflow,
            Location::NOWHERE.with_value_field(field!(WormHeader, high_water_mark).name),
        ))?;
        let record = LoggedWrite {
            block_index,
            timestamp,
            data_length,
            content_sha256: sha256(&[data]),
        };
        self.push_logged(record)?;
        Ok(block_index)
    }

    /// Logs `record` (for the block at the mark, already checked) and advances the mark
    /// past it: `full` when the log holds `LOG_CAPACITY` records.
    fn push_logged(&mut self, record: LoggedWrite) -> Result<()> {
        self.log.push(record).map_err(|_| {
            Error::nowhere(Reason::Full {
                what: "write log",
                capacity: LOG_CAPACITY as u64,
                limit: LOG_CAPACITY as u64,
            })
        })?;
        self.high_water_mark = self.high_water_mark.saturating_add(1);
        Ok(())
    }

    /// Takes back the last [`append`](Self::append) (for the stored region, whose commit
    /// failed after the value had changed).
    pub(crate) fn undo_append(&mut self) {
        if self.log.pop().is_some() {
            self.high_water_mark = self.high_water_mark.saturating_sub(1);
        }
    }

    /// Writes `data` at `block_index`, which must be the high-water mark (then this is
    /// [`append`](Self::append)).
    ///
    /// # Errors
    ///
    /// Below the mark is `immutable` ("data block N: immutable: the high-water mark is
    /// M, …"); above it, `non_sequential`; at it, as [`append`](Self::append). On an error
    /// the region is unchanged.
    pub fn write(&mut self, block_index: u64, data: &[u8], timestamp: Ticks) -> Result<u64> {
        let high_water_mark = self.high_water_mark;
        let at = Location::block_of(BlockOrigin::DataRange, block_index);
        if block_index < high_water_mark {
            return Err(Error::new(Reason::Immutable { high_water_mark }, at));
        }
        if block_index > high_water_mark {
            return Err(Error::new(
                Reason::NonSequentialWrite { high_water_mark },
                at,
            ));
        }
        self.append(data, timestamp)
    }

    /// The raw on-disk header of this state.
    #[must_use]
    pub fn header(&self) -> WormHeader {
        let counter = |value: u64| I64::new(stored_counter(value));
        WormHeader {
            high_water_mark: counter(self.high_water_mark),
            total_capacity_blocks: counter(self.total_capacity_blocks),
            retention_period_ticks: I64::new(self.retention_period_ticks),
            created_utc_ticks: I64::new(self.created.get()),
            write_log_count: I32::new(i32::try_from(self.log.len()).unwrap_or(i32::MAX)),
            reserved: U32::ZERO,
        }
    }
}

impl<const LOG_CAPACITY: usize> Region for WormRegion<LOG_CAPACITY> {
    const TAG: Tag = Tag::WORM;
    type View<'a> = WormView<'a>;

    /// [`blocks_needed`] for the log, times the block size.
    fn buffer_len(&self) -> usize {
        let count = u64::try_from(self.log.len()).unwrap_or(u64::MAX);
        blocks_needed(self.sealing.block_size, count)
            .and_then(|blocks| usize::try_from(blocks).ok())
            .unwrap_or(usize::MAX)
            .saturating_mul(self.sealing.block_size.get())
    }

    /// The header and the log's records in whole records per block, zeros after them,
    /// every block sealed with tag `WORM` and the generation ([`emit_parts`]).
    /// [`region_len`](super::region_len) sizes a buffer for a whole log capacity at
    /// compile time.
    fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        emit_parts(
            self.sealing.block_size,
            &self.header(),
            &self.log,
            self.sealing.generation,
            buffer,
        )
    }

    /// The log must also agree with the mark ([`WormView::check_log_sequence`]: record
    /// `i` logs block `i`, one per written block) — otherwise an append could be handed a
    /// block the log says is already written — and fit in `LOG_CAPACITY`
    /// (`capacity_exceeded`).
    fn __fill_unchecked(&mut self, view: &WormView<'_>) -> Result<()> {
        self.log.clear();
        // check_loadable found room for every record: no push fails.
        for record in view.logged_writes() {
            let _ = self.log.push(record);
        }
        self.sealing = Sealing {
            block_size: view.block_size(),
            generation: RegionView::generation(view),
        };
        self.high_water_mark = view.high_water_mark();
        self.total_capacity_blocks = view.total_capacity_blocks();
        self.retention_period_ticks = view.retention_period_ticks();
        self.created = view.created();
        Ok(())
    }

    fn check_loadable(view: &WormView<'_>) -> Result<()> {
        Self::check_log_capacity()?;
        view.check_log_sequence()?;
        if view.write_log_count() > LOG_CAPACITY {
            return Err(Self::exceeded(view));
        }
        Ok(())
    }
}

impl<const LOG_CAPACITY: usize> WormRegion<LOG_CAPACITY> {
    fn exceeded(view: &WormView<'_>) -> Error {
        Error::nowhere(Reason::CapacityExceeded {
            what: "write log",
            count: u64::try_from(view.write_log_count()).unwrap_or(u64::MAX),
            capacity: LOG_CAPACITY,
        })
    }
}

impl<const LOG_CAPACITY: usize> sealed::Load for WormRegion<LOG_CAPACITY> {
    fn sealing(&self) -> &Sealing {
        &self.sealing
    }

    fn sealing_mut(&mut self) -> &mut Sealing {
        &mut self.sealing
    }

    fn blank(block_size: BlockSize) -> Self {
        WormRegion {
            sealing: Sealing::new(block_size),
            high_water_mark: 0,
            total_capacity_blocks: 0,
            retention_period_ticks: 0,
            created: Ticks::new(0),
            log: heapless::Vec::new(),
        }
    }

    /// Room for the log when full.
    fn blocks_per_copy(block_size: BlockSize) -> Option<u64> {
        blocks_needed(block_size, LOG_CAPACITY as u64)
    }

    fn data_blocks(&self) -> u64 {
        self.total_capacity_blocks
    }

    /// An append: the payload is the write-log record, for the block at the mark.
    fn replay_entry(&mut self, entry: &crate::storage::JournalEntry<'_>) -> Result<()> {
        use crate::storage::{JournalEntryKind, journal_entry_error};
        if entry.kind() != JournalEntryKind::WormAppend {
            return Err(journal_entry_error(text!(
                "a WORM region's journal holds only appends"
            )));
        }
        let record = <super::WriteRecord as zerocopy::FromBytes>::read_from_bytes(entry.payload())
            .map_err(|_| journal_entry_error(text!("a WORM append holds one 52-byte record")))?;
        record.validate(self.sealing.block_size)?;
        let logged = record.to_logged_write().ok_or(journal_entry_error(text!(
            "a WORM append's record has a negative index or length"
        )))?;
        if logged.block_index != self.high_water_mark
            || self.high_water_mark >= self.total_capacity_blocks
        {
            return Err(journal_entry_error(text!(
                "a WORM append's record is for the block at the high-water mark"
            )));
        }
        self.push_logged(logged)
    }
}

/// Writes a WORM region of `header`'s fields and `log`, of any length, into the first
/// [`region_len`](super::region_len)`(block_size, log.len())` bytes of `buffer`: the
/// parts-level, unbounded counterpart of [`WormRegion`]'s [`emit`](Region::emit) (which
/// calls it), for tools that build images from descriptions. `write_log_count` is taken
/// from `log.len()`; the other header fields are written as given.
///
/// # Errors
///
/// A log of more than `i32::MAX` records is `invalid_argument`; a short buffer is
/// `buffer_too_small`.
pub fn emit_parts(
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
    let too_small = || Error::buffer_too_small(needed, available, size);
    let write_log_count = i32::try_from(log.len()).map_err(|_| {
        Error::invalid_argument(
            "log",
            text!("it must hold at most i32::MAX records, the largest write_log_count"),
        )
    })?;
    let region = buffer.get_mut(..needed).ok_or_else(too_small)?;
    region.fill(0);
    let mut header = *header;
    header.write_log_count = I32::new(write_log_count);
    // `region` is `region_len` bytes, from the same record geometry as below: the header
    // and every record fit, so these writes cannot fail (a failure would leave zeros,
    // never write elsewhere).
    let _ = header.write_to_prefix(region);
    for (index, record) in log.iter().enumerate() {
        let slot = record_location(block_size, index)
            .and_then(|(block, offset)| block.checked_mul(size)?.checked_add(offset))
            .and_then(|start| region.get_mut(start..));
        if let Some(slot) = slot {
            let _ = record.to_record().write_to_prefix(slot);
        }
    }
    for block in region.chunks_exact_mut(size) {
        seal(block, Tag::WORM, generation)?;
    }
    Ok(needed)
}
