//! Streaming Append region (tag `STRE`, SPEC §2): a ring of blocks that starts at 0 %
//! allocated, grows on demand, and wraps around overwriting its oldest entries.
//!
//! The region's state lives in one header block ([`StreamingHeader`]); the data blocks
//! live in the region's block range and are addressed by the *physical slot* an append
//! returns. Positions are absolute counters that only grow (until [`StreamingRing::reset`]),
//! so a reader can tell an overwritten position from a live one.
//!
//! Two faces, as in smoltcp's `wire` modules (see [`crate::region`]):
//! * [`StreamingView`] — a borrowed, checked view over a header block, for inspectors.
//! * [`StreamingRing`] — the owned ring state, for firmware: append, consume, reset,
//!   position look-up, [`emit`](crate::Region::emit) and [`parse`](crate::Region::parse).
//!
//! ```
//! use dwvd_regions::{BlockSize, Region, streaming::StreamingRing};
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

mod layout;
mod owned;
#[cfg(feature = "serde")]
mod summary;
mod view;

pub use layout::{DEFAULT_GROWTH_INCREMENT, HEADER_LEN, StreamingHeader};
pub use owned::{Appended, StreamingRing, WrapPolicy, emit_parts};
#[cfg(feature = "serde")]
pub use summary::StreamingSummary;
pub use view::StreamingView;
