//! The metadata journal (tag `MWAL`): small, individually checksummed entries appended
//! after a checkpoint, so that an operation writes one entry instead of a whole metadata
//! copy. The layout is specified in `docs/storage-layout.md`.

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::copies::{device_error, take_scratch};
use super::error::{DeviceOperation, StorageError};
use super::maybe_async::maybe_async;
use crate::block::{self, Tag, checksum};
use crate::error::{Error, Result};

/// The header of a journal entry: 16 bytes at the entry's start. The payload follows,
/// then zeros up to the last 8 bytes, which hold the XXH64 (seed 0) of everything before
/// them.
#[repr(C)]
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
pub struct JournalEntryHeader {
    /// Bytes of the whole entry (header, payload, padding, checksum): a multiple of 8
    /// (and of the flash's program unit), at least 24.
    pub length: U16,
    /// What the entry records ([`JournalEntryKind`]).
    pub kind: u8,
    /// Zero.
    pub reserved: u8,
    /// The generation of the checkpoint this entry follows: an entry counts only on top
    /// of the metadata copy with exactly this generation.
    pub checkpoint_generation: U32,
    /// The entry's place after that checkpoint: 1, 2, 3, …
    pub sequence: U32,
    /// Bytes of payload after the header.
    pub payload_length: U16,
    /// Zero.
    pub reserved_tail: [u8; 2],
}

/// Bytes of a [`JournalEntryHeader`].
pub const ENTRY_HEADER_LEN: usize = 16;
/// Bytes of an entry's checksum (XXH64, little-endian), at its end.
pub const ENTRY_CHECKSUM_LEN: usize = 8;
/// Entries start at multiples of 8 bytes (and of the flash's program unit).
pub const ENTRY_ALIGNMENT: usize = 8;

const _: () = assert!(size_of::<JournalEntryHeader>() == ENTRY_HEADER_LEN);

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JournalEntryKind {
    /// A ring consume: the payload is the new `read_tail` (u64).
    RingConsume,
    /// A WORM append: the payload is the 52-byte write-log record (SPEC §3).
    WormAppend,
    /// A vault add: the payload is the passport's bytes (SPEC §4).
    VaultAdd,
    /// A vault remove: the payload is the 16-byte passport id (Microsoft byte order).
    VaultRemove,
}

impl JournalEntryKind {
    /// The kind's code in [`JournalEntryHeader::kind`].
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::RingConsume => 1,
            Self::WormAppend => 2,
            Self::VaultAdd => 3,
            Self::VaultRemove => 4,
        }
    }

    /// The kind with this code, if any.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::RingConsume),
            2 => Some(Self::WormAppend),
            3 => Some(Self::VaultAdd),
            4 => Some(Self::VaultRemove),
            _ => None,
        }
    }
}

/// One valid journal entry, read in place from a journal block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalEntry<'a> {
    header: &'a JournalEntryHeader,
    kind: JournalEntryKind,
    payload: &'a [u8],
    offset: usize,
}

impl<'a> JournalEntry<'a> {
    /// What the entry records.
    #[must_use]
    pub const fn kind(&self) -> JournalEntryKind {
        self.kind
    }

    /// The generation of the checkpoint it follows.
    #[must_use]
    pub fn checkpoint_generation(&self) -> u32 {
        self.header.checkpoint_generation.get()
    }

    /// Its place after that checkpoint, from 1.
    #[must_use]
    pub fn sequence(&self) -> u32 {
        self.header.sequence.get()
    }

    /// The payload.
    #[must_use]
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Its byte offset in the block.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Bytes the entry takes, padding and checksum included: the next entry starts this
    /// far after this one.
    #[must_use]
    pub fn length(&self) -> usize {
        usize::from(self.header.length.get())
    }
}

/// What lies at an offset of a journal block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalSlot<'a> {
    /// A valid entry.
    Entry(JournalEntry<'a>),
    /// Nothing written: the header's bytes are all `0x00` or all `0xFF` (or no room is
    /// left for a header before the trailer).
    Blank,
    /// Bytes that are not a valid entry: a cut write, or damage.
    Invalid,
}

/// Reads what lies at `offset` of `block` (a whole journal block): entries live in the
/// payload, `block[.. block.len() − 16]`.
#[must_use]
pub fn read_entry(block: &[u8], offset: usize) -> JournalSlot<'_> {
    let area = block.len().saturating_sub(block::TRAILER_LEN);
    let Some(rest) = block.get(offset..area) else {
        return JournalSlot::Blank;
    };
    let Ok((header, _)) = JournalEntryHeader::ref_from_prefix(rest) else {
        return JournalSlot::Blank;
    };
    let head = header.as_bytes();
    if head.iter().all(|byte| *byte == 0) || head.iter().all(|byte| *byte == 0xFF) {
        return JournalSlot::Blank;
    }
    let length = usize::from(header.length.get());
    let payload_length = usize::from(header.payload_length.get());
    let minimum = ENTRY_HEADER_LEN
        .saturating_add(payload_length)
        .saturating_add(ENTRY_CHECKSUM_LEN);
    let (Some(bytes), Some(kind)) = (rest.get(..length), JournalEntryKind::from_code(header.kind))
    else {
        return JournalSlot::Invalid;
    };
    if length < minimum
        || !length.is_multiple_of(ENTRY_ALIGNMENT)
        || !offset.is_multiple_of(ENTRY_ALIGNMENT)
        || header.reserved != 0
        || header.reserved_tail != [0; 2]
    {
        return JournalSlot::Invalid;
    }
    let (covered, stored) = bytes.split_at(length.saturating_sub(ENTRY_CHECKSUM_LEN));
    let stored = stored
        .first_chunk::<8>()
        .map(|word| u64::from_le_bytes(*word));
    if stored != Some(checksum(covered)) {
        return JournalSlot::Invalid;
    }
    let payload = covered
        .get(ENTRY_HEADER_LEN..ENTRY_HEADER_LEN.saturating_add(payload_length))
        .unwrap_or_default();
    JournalSlot::Entry(JournalEntry {
        header,
        kind,
        payload,
        offset,
    })
}

/// Where a stored region's journal lies and where its next entry goes: the in-memory
/// side of the journal (what [`replay`](blocking::JournalIo::replay) rebuilds after a
/// restart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Journal {
    /// Journal blocks (at least 1).
    pub blocks: u64,
    /// The sequence number of the next entry.
    pub next_sequence: u32,
    /// Journal blocks taken since the checkpoint, from the checkpoint's first block.
    pub used: u64,
    /// Where the next entry goes in the last block taken, while it has room and its
    /// remaining bytes are known to be blank.
    pub open: Option<usize>,
}

/// What [`Journal::append`](blocking::JournalIo::append) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Appended {
    /// The entry is on the device.
    Written,
    /// Nothing was written: the journal has no room (or the entry is larger than a
    /// journal block), so the operation must be committed by a checkpoint.
    NeedsCheckpoint,
}

/// `value` rounded up to a multiple of `unit`.
fn round_up(value: usize, unit: usize) -> Option<usize> {
    value.div_ceil(unit.max(1)).checked_mul(unit.max(1))
}

/// The alignment of entries: 8, and the program unit on flash.
fn entry_unit(program: Option<usize>) -> usize {
    match program {
        Some(unit) if unit.is_multiple_of(ENTRY_ALIGNMENT) => unit,
        Some(unit) if ENTRY_ALIGNMENT.is_multiple_of(unit) => ENTRY_ALIGNMENT,
        Some(unit) => unit.saturating_mul(ENTRY_ALIGNMENT),
        None => ENTRY_ALIGNMENT,
    }
}

/// Bytes at the end of a journal block kept for its seal: the trailer, widened to whole
/// program units on flash.
fn seal_len(program: Option<usize>) -> usize {
    round_up(block::TRAILER_LEN, program.unwrap_or(1)).unwrap_or(block::TRAILER_LEN)
}

/// The byte a blank block holds: `0xFF` on erased flash, `0x00` on a block device.
fn blank_byte(program: Option<usize>) -> u8 {
    if program.is_some() { 0xFF } else { 0 }
}

impl Journal {
    /// An empty journal of `blocks` blocks.
    pub const fn new(blocks: u64) -> Self {
        Self {
            blocks,
            next_sequence: 1,
            used: 0,
            open: None,
        }
    }

    /// Empties the journal after a checkpoint: the entries on the device follow an older
    /// checkpoint now, and will be ignored.
    pub fn restart(&mut self) {
        *self = Self::new(self.blocks);
    }

    /// The journal block (0-based) the `n`-th block taken after the checkpoint of
    /// `generation` is: the checkpoint's first block is `generation mod blocks`, so
    /// successive checkpoints start on successive blocks and wear them evenly.
    fn block_after(&self, generation: u32, n: u64) -> u64 {
        // `rem_u64`: a `u64` remainder would call the soft divide on 32-bit targets.
        u64::from(generation)
            .checked_add(n)
            .and_then(|index| crate::division::rem_u64(index, self.blocks))
            .unwrap_or(0)
    }
}

/// An entry that passed its checksum but cannot be applied: the journal is damaged.
pub(crate) fn entry_error(requirement: &'static str) -> Error {
    Error::invalid_field(0, &"journal entry", 0, 0, requirement)
}

maybe_async! {
    use { copies::{sync, write_block} };

    /// The device's program unit, when it programs in place.
    fn program_unit<D: Device>(device: &mut D) -> Option<usize> {
        device.program_size().map(|unit| unit.max(1))
    }

    /// Makes a device block blank: erased on flash, zeros on a block device.
    pub(crate) async fn clear_block<D: Device>(
        device: &mut D,
        index: u64,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        if let Some(erased) = io!(device.erase_block(index)) {
            return erased.map_err(|error| device_error(DeviceOperation::Erase, index, error));
        }
        let block = take_scratch::<D::Error>(scratch, device.block_size().get())?;
        block.fill(0);
        io!(write_block(device, index, block))
    }

    /// The device access of the [`Journal`].
    impl JournalIo for Journal {
        /// Appends one entry of `kind` following the checkpoint of `generation`, its
        /// payload of `payload_length` bytes written by `fill`, then syncs. `first_block`
        /// is the device block of journal block 0; `scratch` takes one block.
        #[allow(clippy::too_many_arguments)]
        async fn append<D: Device>(
            &mut self,
            device: &mut D,
            first_block: u64,
            generation: u32,
            kind: JournalEntryKind,
            payload_length: usize,
            fill: &mut dyn FnMut(&mut [u8]) -> Result<()>,
            scratch: &mut [u8],
        ) -> Result<Appended, StorageError<D::Error>> {
            let size = device.block_size().get();
            let program = program_unit(device);
            let area = size.saturating_sub(seal_len(program));
            let length = ENTRY_HEADER_LEN
                .checked_add(payload_length)
                .and_then(|length| length.checked_add(ENTRY_CHECKSUM_LEN))
                .and_then(|length| round_up(length, entry_unit(program)));
            let (Some(length), Ok(payload_length_field)) =
                (length, u16::try_from(payload_length))
            else {
                return Ok(Appended::NeedsCheckpoint);
            };
            let Ok(length_field) = u16::try_from(length) else {
                return Ok(Appended::NeedsCheckpoint);
            };
            if length > area {
                return Ok(Appended::NeedsCheckpoint);
            }
            let block = take_scratch::<D::Error>(scratch, size)?;
            let current = |journal: &Self| {
                first_block.saturating_add(
                    journal.block_after(generation, journal.used.saturating_sub(1)),
                )
            };

            // Where the entry goes: after the last entry, or at the start of a new block.
            let offset = match self.open {
                Some(offset) if offset.saturating_add(length) <= area => offset,
                open => {
                    if open.is_some() {
                        io!(seal(device, current(self), generation, program, block))?;
                        self.open = None;
                    }
                    if self.used >= self.blocks {
                        return Ok(Appended::NeedsCheckpoint);
                    }
                    self.used = self.used.saturating_add(1);
                    let index = current(self);
                    if let Some(erased) = io!(device.erase_block(index)) {
                        erased
                            .map_err(|error| device_error(DeviceOperation::Erase, index, error))?;
                    }
                    self.open = Some(0);
                    0
                }
            };
            let index = current(self);
            let flash = program.is_some();
            if !flash {
                if offset == 0 {
                    // A block taken now: the entry, then zeros.
                    block.fill(0);
                } else {
                    io!(device.read_block(index, block))
                        .map_err(|error| device_error(DeviceOperation::Read, index, error))?;
                }
            }
            // On flash the entry is built at the front of the scratch and programmed; on a
            // block device it is built in place and the block written whole.
            let at = if flash { 0 } else { offset };
            let entry =
                block
                    .get_mut(at..at.saturating_add(length))
                    .ok_or(StorageError::ScratchTooSmall {
                        needed: length,
                        available: size,
                    })?;
            entry.fill(0);
            let header = JournalEntryHeader {
                length: U16::new(length_field),
                kind: kind.code(),
                reserved: 0,
                checkpoint_generation: U32::new(generation),
                sequence: U32::new(self.next_sequence),
                payload_length: U16::new(payload_length_field),
                reserved_tail: [0; 2],
            };
            let (head, rest) = entry.split_at_mut(ENTRY_HEADER_LEN);
            head.copy_from_slice(header.as_bytes());
            fill(rest.get_mut(..payload_length).unwrap_or_default())?;
            let (covered, sum) = entry.split_at_mut(length.saturating_sub(ENTRY_CHECKSUM_LEN));
            sum.copy_from_slice(&checksum(covered).to_le_bytes());
            let programmed = if flash {
                io!(device.program(index, offset, block.get(..length).unwrap_or_default()))
            } else {
                None
            };
            match programmed {
                Some(result) => {
                    result.map_err(|error| device_error(DeviceOperation::Program, index, error))?;
                }
                None => io!(write_block(device, index, block))?,
            }
            io!(sync(device, index))?;
            self.open = Some(offset.saturating_add(length));
            self.next_sequence = self.next_sequence.wrapping_add(1);
            Ok(Appended::Written)
        }

        /// Rebuilds the journal's state from the device after the checkpoint of
        /// `generation` was loaded, handing every entry that follows it, in order, to
        /// `apply`: the blocks from the checkpoint's first one on, each read from its
        /// start while its entries continue the sequence (1, 2, …), until a block whose
        /// first entry does not. Reads at most `blocks` blocks.
        async fn replay<D: Device>(
            &mut self,
            device: &mut D,
            first_block: u64,
            generation: u32,
            scratch: &mut [u8],
            apply: &mut dyn FnMut(&JournalEntry<'_>) -> Result<()>,
        ) -> Result<(), StorageError<D::Error>> {
            self.restart();
            let size = device.block_size().get();
            let program = program_unit(device);
            let blank = blank_byte(program);
            let block = take_scratch::<D::Error>(scratch, size)?;
            for taken in 0..self.blocks {
                let index = first_block.saturating_add(self.block_after(generation, taken));
                io!(device.read_block(index, block))
                    .map_err(|error| device_error(DeviceOperation::Read, index, error))?;
                let mut offset = 0;
                let mut continued = false;
                while let JournalSlot::Entry(entry) = read_entry(block, offset) {
                    if entry.checkpoint_generation() != generation
                        || entry.sequence() != self.next_sequence
                    {
                        break;
                    }
                    apply(&entry).map_err(|error| {
                        error.placed(crate::error::BlockOrigin::Device, index, offset)
                    })?;
                    self.next_sequence = self.next_sequence.wrapping_add(1);
                    offset = offset.saturating_add(entry.length());
                    continued = true;
                }
                if !continued {
                    break;
                }
                self.used = taken.saturating_add(1);
                let rest = block.get(offset..).unwrap_or_default();
                let fits = offset < size.saturating_sub(seal_len(program));
                self.open = (fits && rest.iter().all(|byte| *byte == blank)).then_some(offset);
            }
            Ok(())
        }
    }

    /// Seals a full journal block: its trailer (tag `MWAL`, the checkpoint's generation,
    /// the XXH64 of its payload) says no entry will be added. On flash only the trailer's
    /// program units are programmed (the bytes before the trailer in them are erased).
    async fn seal<D: Device>(
        device: &mut D,
        index: u64,
        generation: u32,
        program: Option<usize>,
        block: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        io!(device.read_block(index, block))
            .map_err(|error| device_error(DeviceOperation::Read, index, error))?;
        block::seal(block, Tag::MWAL, generation).map_err(StorageError::Region)?;
        let from = block.len().saturating_sub(seal_len(program));
        let programmed = if program.is_some() {
            io!(device.program(index, from, block.get(from..).unwrap_or_default()))
        } else {
            None
        };
        match programmed {
            Some(result) => {
                result.map_err(|error| device_error(DeviceOperation::Program, index, error))
            }
            None => io!(write_block(device, index, block)),
        }
    }
}
