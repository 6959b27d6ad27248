//! Regions on a block device, each operation atomic under a power cut, at a cost per
//! operation that does not grow with the region.
//!
//! The region types elsewhere in the crate are values: they parse from and emit to
//! buffers. This module keeps them on storage through one small trait, [`BlockDevice`]
//! (read and write whole blocks by index, and — for NOR flash — erase and program in
//! place through [`FlashOperations`]), implemented by [`RamDevice`] (no_std,
//! const-generic), [`RamNorFlash`] (NOR flash simulated in RAM, counting wear),
//! [`FileDevice`] (feature `std`) and [`NorFlashDevice`] (feature `embedded-storage`,
//! for firmware on real flash).
//!
//! With feature `async`, the same operations run on an `AsyncBlockDevice` (embassy
//! firmware; `AsyncNorFlashDevice` over `embedded-storage-async`'s NOR flash) through
//! `…_async` methods. The storage logic is written once and compiled twice: as plain
//! functions over [`BlockDevice`] for the blocking methods (no futures: firmware that
//! does not use async pays nothing for it), and as `async fn`s for the async ones. Both
//! make the same device calls in the same order, so both write the same bytes.
//!
//! | stored region | persists | operations | an operation writes |
//! |---|---|---|---|
//! | [`StoredRing`] | a Streaming Append ring and its data slots | append, consume, reset, read | append: its slot; consume: a journal entry |
//! | [`StoredWorm`] | a WORM region: header, write log, data blocks | append, read (checked against the log) | the data block and a journal entry |
//! | [`StoredVault`] | a Compliance Vault | add, remove | a journal entry |
//!
//! # Checkpoints, journal and recovery
//!
//! Every stored region keeps **two checkpoint copies** (A and B), each laid out exactly
//! as the region's blocks are in the format (SPEC §2–§4: the plain parsers read them),
//! then a **journal** (tag `MWAL`) of small entries, each with its own XXH64, then its
//! data blocks. `docs/storage-layout.md` in the repository specifies every byte.
//!
//! An operation writes its data block, if any, where the committed state does not look
//! (a WORM block at the high-water mark; a ring slot that is not live), then its
//! **record**, then syncs — the commit point. The record is one journal entry (a WORM
//! append's log record, a vault's passport or removed id, a ring consume), or, for a
//! ring append, the data block itself: it is sealed with the generation after the
//! checkpoint's plus the appends since, which orders it. On NOR flash a journal entry is
//! programmed into erased space (no erase); on a block device the journal block is
//! rewritten with the entry added (the entries already there are the same bytes in the
//! old and the new block, so a cut write keeps them).
//!
//! A **checkpoint** writes the whole state into the copy *not* holding the current one,
//! every block sealed with a newer generation, and empties the journal. It happens when
//! the journal is full, before a ring append would reuse a slot written since the last
//! one, for a ring reset, and when you call [`Stored::checkpoint`]. The journal is sized
//! so that a checkpoint (at most one copy) comes once per many operations: the cost per
//! operation is bounded by a constant, not by the size of the log or vault.
//!
//! On start-up, `recover` reads both copies and keeps the valid one; of two valid ones,
//! the newer generation. A copy cut mid-write is invalid — a half-written block fails its
//! XXH64 checksum, and a multi-block copy whose blocks carry different generations is a
//! torn write (category `torn_write`). Then it replays what followed that checkpoint:
//! the ring's data blocks with the next generations, and the journal's valid entries for
//! that checkpoint, in sequence. A cut entry fails its checksum and ends the replay of
//! its block (the writer goes on in the next journal block, where the sequence
//! continues). So a cut at any write leaves the state from before the operation or after
//! it. Recovery
//! reads at most `2 × copy blocks + journal blocks` blocks, plus a ring's slots.
//! Generations are compared with RFC 1982 serial-number arithmetic
//! ([`generation_is_newer`]), so the u32 counter may wrap.
//!
//! One operation can stop half-way: a ring append that overwrites the oldest entry
//! destroys that entry's block as it writes, so a cut during it leaves the oldest entry
//! consumed and the new one not appended (see [`StoredRing`]).
//!
//! When an operation returns `Ok`, its state is durable. When it returns
//! [`StorageError::Device`], it may or may not be on the device: the value in memory keeps
//! the last state it committed and refuses further changes
//! ([`StorageError::NeedsRecovery`]) — going on could reuse a slot, a journal offset or a
//! generation that the device counts — until `reload` (in place) or `recover` (a new
//! value) gives the value to continue with.
//!
//! `format` clears the journal (and a ring's slots that hold no live entry) and writes
//! both copies whole (tail blocks padded and sealed), so nothing of an older region at
//! the same place survives. It is not atomic: an interrupted format is run again.
//! `recover` must be given the layout `format` was given (the first block, the vault's
//! `blocks_per_copy`, the WORM's `LOG_CAPACITY`, a journal size other than the default):
//! they are not stored on the device.
//!
//! # Wear
//!
//! On NOR flash a ring append erases one sector (its slot) and the header copies take
//! one erase per `allocated_blocks` appends, alternating; a WORM append erases its data
//! block and shares a journal block's erase with about 50 others; a vault add erases
//! nothing but a journal block per filling. The journal starts each checkpoint's entries
//! on the next journal block, so its blocks wear evenly. `dwvd wear` measures a workload
//! on [`RamNorFlash`] and reports erases per sector and the operations the flash lasts.
//!
//! # Values in place (small stacks)
//!
//! Changes are made to the value in place and undone if the commit fails, and recovery
//! loads each copy in place, so no operation copies the owned value: a `Vault<N>` is
//! about N × 0.5 KiB, a WORM log `LOG_CAPACITY` × 52 bytes. `format` and `recover`
//! return the value, which moves it; firmware that must not can make it with the
//! `const fn new` (in a `static`, e.g. through `static_cell`) and call
//! `format_in_place` or `reload` on it where it lies. A value made by `new` refuses
//! changes until one of them succeeds. The QEMU example in `firmware/` keeps its vault so
//! and peaks at about 6 KiB of stack with a P-256 verify (see the README).
//!
//! A read error during `recover` is returned as the device's error, even when the other
//! copy reads fine: the unreadable copy may be the newer one, and falling back would
//! silently drop its operations (and the next commit would overwrite it). Retry, or
//! repair the device; an inspector can still read either copy with the region views.
//!
//! # Example: a power cut at every block write
//!
//! ```
//! use dwvd_regions::storage::{Fault, FaultyDevice, RamDevice, StoredWorm};
//! use dwvd_regions::worm::WormRegion;
//! use dwvd_regions::{BlockSize, Ticks};
//!
//! let mut scratch = [0u8; 1024];
//! // Two copies of 2 blocks, a journal of 4 and 8 data blocks: 16 blocks.
//! assert_eq!(StoredWorm::<16>::blocks_needed(BlockSize::MIN, 8), 16);
//! let mut formatted = RamDevice::<512, 16>::new();
//! let region = WormRegion::<16>::new(BlockSize::MIN, 8, 0, Ticks::new(0))?;
//! let mut worm = StoredWorm::format(&mut formatted, 0, region, &mut scratch)?;
//! worm.append(&mut formatted, b"first", Ticks::new(1), &mut scratch)?;
//!
//! // On a block device an append writes two blocks: its data block, then the journal
//! // block that takes its entry (16-byte header, 52-byte log record, 8-byte checksum:
//! // 80 bytes aligned), the commit point.
//! for cut in 1..=2 {
//!     let mut device = FaultyDevice::<_, 512>::new(
//!         formatted.clone(),
//!         Fault::PowerCut { nth_write: cut, torn: true },
//!     );
//!     let mut worm = worm.clone();
//!     assert!(worm.append(&mut device, b"second", Ticks::new(2), &mut scratch).is_err());
//!     let mut image = device.into_inner();
//!     let recovered = StoredWorm::<16>::recover(&mut image, 0, &mut scratch)?;
//!     // "first" is never lost.
//!     assert_eq!(recovered.read(&mut image, 0, &mut scratch)?, b"first");
//!     if cut == 1 {
//!         // Cut in the data block: there is no entry for it, so no append.
//!         assert_eq!(recovered.region().high_water_mark(), 1);
//!     } else {
//!         // Cut in the journal block: the new entry (bytes 80..160) lies in the half
//!         // that landed, so the append is committed, its data block synced before.
//!         assert_eq!(recovered.region().high_water_mark(), 2);
//!         assert_eq!(recovered.read(&mut image, 1, &mut scratch)?, b"second");
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "async")]
mod asynch;
mod copies;
mod device;
mod error;
mod fault;
#[cfg(feature = "std")]
mod file;
mod journal;
mod maybe_async;
#[cfg(any(feature = "embedded-storage", feature = "async"))]
mod nor;
#[cfg(feature = "async")]
mod nor_async;
mod nor_model;
mod ring;
mod stored;
#[cfg(feature = "async")]
mod stored_async;
mod vault;
mod volume;
mod worm;

#[cfg(feature = "async")]
pub use asynch::AsyncBlockDevice;
pub use copies::{MetadataCopy, generation_is_newer};
pub use device::{BlockDevice, FlashOperations, RamDevice, RamDeviceError};
pub use error::{CopyFailure, DeviceOperation, StorageError};
pub use fault::{Fault, FaultError, FaultyDevice};
#[cfg(feature = "std")]
pub use file::FileDevice;
pub(crate) use journal::entry_error as journal_entry_error;
pub use journal::{
    ENTRY_ALIGNMENT, ENTRY_CHECKSUM_LEN, ENTRY_HEADER_LEN, JournalEntry, JournalEntryHeader,
    JournalEntryKind, JournalSlot, read_entry,
};
#[cfg(feature = "embedded-storage")]
pub use nor::NorFlashDevice;
#[cfg(any(feature = "embedded-storage", feature = "async"))]
pub use nor::{NorFlashConfigError, NorFlashDeviceError};
#[cfg(feature = "async")]
pub use nor_async::AsyncNorFlashDevice;
pub use nor_model::{RamNorFlash, RamNorFlashError};
pub use ring::StoredRing;
pub use stored::Stored;
pub use vault::StoredVault;
pub use volume::{VOLUME_FIRST_BLOCK, format_container};
pub use worm::StoredWorm;
