//! The ring's `serde` representation (feature `serde`): the header's fields with the
//! SPEC's names as plain integers, and the summary that adds the generation — the object
//! `dwvd parse stre` prints and `dwvd build stre` reads.

use serde::{Deserialize, Serialize};
use zerocopy::little_endian::{I32, I64};

use super::{StreamingHeader, StreamingRing, StreamingView};
use crate::region::Region;

/// What a Streaming Append region holds: its header's fields and its generation.
///
/// [`StreamingView::summary`] and [`StreamingRing::summary`] give it;
/// [`header`](Self::header) turns it back into the on-disk header. Unknown fields are
/// refused when reading (a typo must not silently become a default); a missing
/// `generation` reads as 0.
///
/// ```
/// use dwvd_regions::{BlockSize, Region, streaming::{StreamingRing, StreamingSummary}};
///
/// let mut ring = StreamingRing::new(BlockSize::new(512)?, 8, 2)?;
/// ring.append(b"reading")?;
/// let summary = ring.summary();
/// assert_eq!((summary.allocated_blocks, summary.entry_count), (2, 1));
/// assert_eq!(summary.header(), ring.header());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A Streaming Append region (STRE): its header's fields and its generation."
    )
)]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[serde(deny_unknown_fields)]
pub struct StreamingSummary {
    /// Most blocks the ring may grow to.
    pub max_capacity_blocks: i64,
    /// Blocks allocated so far.
    pub allocated_blocks: i64,
    /// Next absolute position to write.
    pub write_head: i64,
    /// Oldest absolute position still readable.
    pub read_tail: i64,
    /// Live entries.
    pub entry_count: i64,
    /// Blocks added per growth step.
    pub growth_increment: i32,
    /// The header block's generation (its trailer's).
    #[serde(default)]
    pub generation: u32,
}

impl StreamingSummary {
    /// The summary of `header` at `generation`.
    #[must_use]
    pub fn new(header: &StreamingHeader, generation: u32) -> Self {
        StreamingSummary {
            max_capacity_blocks: header.max_capacity_blocks.get(),
            allocated_blocks: header.allocated_blocks.get(),
            write_head: header.write_head.get(),
            read_tail: header.read_tail.get(),
            entry_count: header.entry_count.get(),
            growth_increment: header.growth_increment.get(),
            generation,
        }
    }

    /// The on-disk header with these fields (not checked: see
    /// [`StreamingHeader::validate`]).
    #[must_use]
    pub fn header(&self) -> StreamingHeader {
        StreamingHeader {
            max_capacity_blocks: I64::new(self.max_capacity_blocks),
            allocated_blocks: I64::new(self.allocated_blocks),
            write_head: I64::new(self.write_head),
            read_tail: I64::new(self.read_tail),
            entry_count: I64::new(self.entry_count),
            growth_increment: I32::new(self.growth_increment),
        }
    }
}

impl StreamingView<'_> {
    /// The header's fields and the generation, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> StreamingSummary {
        StreamingSummary::new(self.header(), self.generation())
    }
}

impl StreamingRing {
    /// The header this ring emits and its generation, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> StreamingSummary {
        StreamingSummary::new(&self.header(), self.generation())
    }
}

/// The header alone: the summary's fields without the generation.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFields {
    max_capacity_blocks: i64,
    allocated_blocks: i64,
    write_head: i64,
    read_tail: i64,
    entry_count: i64,
    growth_increment: i32,
}

impl Serialize for StreamingHeader {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let StreamingSummary {
            max_capacity_blocks,
            allocated_blocks,
            write_head,
            read_tail,
            entry_count,
            growth_increment,
            generation: _,
        } = StreamingSummary::new(self, 0);
        HeaderFields {
            max_capacity_blocks,
            allocated_blocks,
            write_head,
            read_tail,
            entry_count,
            growth_increment,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StreamingHeader {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let HeaderFields {
            max_capacity_blocks,
            allocated_blocks,
            write_head,
            read_tail,
            entry_count,
            growth_increment,
        } = HeaderFields::deserialize(deserializer)?;
        Ok(StreamingSummary {
            max_capacity_blocks,
            allocated_blocks,
            write_head,
            read_tail,
            entry_count,
            growth_increment,
            generation: 0,
        }
        .header())
    }
}
