//! WORM Immutable region (tag `WORM`, SPEC §3): append-only blocks behind a high-water
//! mark, every write logged with its time, length and SHA-256.
//!
//! Block 0 starts with a 40-byte [`WormHeader`]; 52-byte [`WriteRecord`]s follow it and
//! continue in later blocks, whole records only — block 0 holds
//! [`records_in_first_block`], every later block [`records_per_later_block`]. Every block
//! is sealed with tag `WORM` and the region's generation.
//!
//! Two faces, as in smoltcp's `wire` modules (see [`crate::region`]):
//! * [`WormView`] — a checked, borrowed view that iterates the log in place, unbounded,
//!   for inspectors;
//! * [`WormRegion`] — the owned region with a bounded log (`heapless`), for firmware:
//!   append, write-at-index (below the mark is refused), retention, emit and parse.
//!
//! The data itself lives in data blocks the caller stores at the index each append
//! returns; [`seal_data_block`], [`LoggedWrite::verify_data_block`] and [`audit`] check
//! them against the log.
//!
//! *Deviation from the C# design:* the blocks a log needs are counted in whole records
//! per block ([`blocks_needed`]); the C# `RequiredBlocks` counts bytes and under-counts.

mod data;
mod layout;
mod owned;
#[cfg(feature = "serde")]
mod summary;
#[cfg(target_pointer_width = "64")]
mod sweep;
mod view;

pub use data::{Audit, AuditError, audit, seal_data_block};
pub use layout::{
    HEADER_LEN, LoggedWrite, RECORD_LEN, WormHeader, WriteRecord, blocks_needed,
    records_in_first_block, records_per_later_block, region_len,
};
pub use owned::{WormRegion, emit_parts};
#[cfg(feature = "serde")]
pub use summary::WormSummary;
pub use view::{Records, WormView};
