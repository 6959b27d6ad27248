//! Regions on a block device, each operation atomic under a power cut.
//!
//! The region types elsewhere in the crate are values: they parse from and emit to
//! buffers. This module keeps them on storage through one small trait, [`BlockDevice`]
//! (read and write whole blocks by index), implemented by [`RamDevice`] (no_std,
//! const-generic), [`FileDevice`] (feature `std`) and [`NorFlashDevice`] (feature
//! `embedded-storage`, for firmware on real flash).
//!
//! | stored region | persists | operations |
//! |---|---|---|
//! | [`StoredRing`] | a Streaming Append ring and its data slots | append, consume, reset, read |
//! | [`StoredWorm`] | a WORM region: header, write log, data blocks | append, read (checked against the log) |
//! | [`StoredVault`] | a Compliance Vault | add, remove |
//!
//! # Commit order and recovery
//!
//! Every stored region keeps **two metadata copies** (A and B), each laid out exactly as
//! the region's blocks are in the format (SPEC §2–§4, no new block layout). The copy
//! holding the committed state is never written. An operation:
//!
//! 1. writes its new data block, if any, where the committed state does not look (a WORM
//!    block at the high-water mark; a ring slot that is not live), then syncs;
//! 2. writes the new metadata, every block sealed with the **next generation**, into the
//!    *other* copy, then syncs. This is the commit point.
//!
//! On start-up, `recover` reads both copies and keeps the valid one; of two valid ones,
//! the newer generation. A copy cut mid-write is invalid — a half-written block fails its
//! XXH64 checksum, and a multi-block copy whose blocks carry different generations is a
//! torn write (category `torn_write`) — so a cut at any block write leaves the state
//! from before the operation or after it. Generations are compared with RFC 1982
//! serial-number arithmetic ([`generation_is_newer`]), so the u32 counter may wrap: the
//! copy written after generation `u32::MAX` (generation 0) is newer, not older.
//!
//! One operation is committed in two steps: a ring append that overwrites the oldest
//! entry commits the consume of that entry before its slot is rewritten (see
//! [`StoredRing`]). A cut between leaves the oldest entry consumed and the new one not
//! appended.
//!
//! When an operation returns `Ok`, its state is durable. When it returns
//! [`StorageError::Device`], it may or may not be on the device: the value in memory keeps
//! the last state it committed and refuses further changes
//! ([`StorageError::NeedsRecovery`]) — going on could reuse a slot and a generation that
//! the device's newer copy counts — until `reload` (in place) or `recover` (a new value)
//! gives the value to continue with.
//!
//! `format` writes both copies whole (tail blocks padded and sealed), so nothing of an
//! older region at the same place survives in them. It is not atomic: an interrupted
//! format is run again. `recover` must be given the layout `format` was given (the first
//! block, and the vault's `blocks_per_copy` or the WORM's `LOG_CAPACITY`): they are not
//! stored on the device.
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
//! let mut formatted = RamDevice::<512, 12>::new();
//! let region = WormRegion::<16>::new(BlockSize::MIN, 8, 0, Ticks::new(0))?;
//! let mut worm = StoredWorm::format(&mut formatted, 0, region, &mut scratch)?;
//! worm.append(&mut formatted, b"first", Ticks::new(1), &mut scratch)?;
//!
//! for cut in 1..=2 { // an append writes two blocks: the data, then one metadata block
//!     let mut device = FaultyDevice::<_, 512>::new(
//!         formatted.clone(),
//!         Fault::PowerCut { nth_write: cut, torn: true },
//!     );
//!     let mut worm = worm.clone();
//!     assert!(worm.append(&mut device, b"second", Ticks::new(2), &mut scratch).is_err());
//!     let mut image = device.into_inner();
//!     // Recovery finds the state before the append: "first" is never lost.
//!     let recovered = StoredWorm::<16>::recover(&mut image, 0, &mut scratch)?;
//!     assert_eq!(recovered.region().high_water_mark(), 1);
//!     assert_eq!(recovered.read(&mut image, 0, &mut scratch)?, b"first");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod copies;
mod device;
mod error;
mod fault;
#[cfg(feature = "std")]
mod file;
#[cfg(feature = "embedded-storage")]
mod nor;
mod ring;
mod stored;
mod vault;
mod worm;

pub use copies::{MetadataCopy, generation_is_newer};
pub use device::{BlockDevice, RamDevice, RamDeviceError};
pub use error::{CopyFailure, DeviceOperation, StorageError};
pub use fault::{Fault, FaultError, FaultyDevice};
#[cfg(feature = "std")]
pub use file::FileDevice;
#[cfg(feature = "embedded-storage")]
pub use nor::{NorFlashConfigError, NorFlashDevice, NorFlashDeviceError};
pub use ring::StoredRing;
pub use stored::Stored;
pub use vault::StoredVault;
pub use worm::StoredWorm;
