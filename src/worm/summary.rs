//! The WORM region's `serde` representation (feature `serde`): the header's fields with
//! the SPEC's names, the write log as a list of records (each hash as hex in JSON), and
//! the summary that joins them — the object `dwvd parse worm` prints and `dwvd build worm`
//! reads.

use serde::{Deserialize, Serialize};
use zerocopy::little_endian::{I32, I64, U32};

use super::{LoggedWrite, Records, WormHeader, WormRegion, WormView, WriteRecord};
use crate::region::Region;
use crate::serde_support::{deserialize_array, serialize_bytes};

/// What a WORM region holds: its header's fields, its generation and its write log.
///
/// `Log` is whatever holds or yields the records: [`Records`] from
/// [`WormView::summary`] (serialized in place, nothing copied), `&[LoggedWrite]` from
/// [`WormRegion::summary`], or an owned list to read one into (a
/// `heapless::Vec<LoggedWrite, N>` in firmware, a `Vec` in a std tool). The header's
/// `write_log_count` is the log's length, so it is not a field of its own. Unknown fields
/// are refused when reading; a missing `generation` reads as 0.
///
/// ```
/// use dwvd_regions::{BlockSize, Ticks, worm::{LoggedWrite, WormRegion, WormSummary}};
///
/// let mut region = WormRegion::<4>::new(BlockSize::new(512)?, 16, 0, Ticks::new(7))?;
/// region.append(b"entry", Ticks::new(8))?;
/// let summary = region.summary();
/// assert_eq!(summary.high_water_mark, 1);
/// assert_eq!(summary.write_log[0].data_length, 5);
/// assert_eq!(summary.header(), region.header());
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A WORM Immutable region: its header's fields, its generation and its write log."
    )
)]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[serde(deny_unknown_fields)]
pub struct WormSummary<Log> {
    /// Blocks below this index are written and immutable.
    pub high_water_mark: i64,
    /// Blocks the region holds.
    pub total_capacity_blocks: i64,
    /// How long written blocks must be kept, in ticks; 0 = forever.
    pub retention_period_ticks: i64,
    /// When the region was created, in ticks.
    pub created_utc_ticks: i64,
    /// The header block's generation (its trailer's).
    #[serde(default)]
    pub generation: u32,
    /// The write log, oldest record first.
    pub write_log: Log,
}

impl<Log> WormSummary<Log> {
    /// The summary of `header` at `generation` with this log.
    #[must_use]
    pub fn new(header: &WormHeader, generation: u32, write_log: Log) -> Self {
        WormSummary {
            high_water_mark: header.high_water_mark.get(),
            total_capacity_blocks: header.total_capacity_blocks.get(),
            retention_period_ticks: header.retention_period_ticks.get(),
            created_utc_ticks: header.created_utc_ticks.get(),
            generation,
            write_log,
        }
    }
}

impl<Log: AsRef<[LoggedWrite]>> WormSummary<Log> {
    /// The on-disk header with these fields and `write_log_count` the log's length
    /// (`i32::MAX` for a longer log, which [`emit_parts`](super::emit_parts) refuses; not
    /// checked: [`WormView::new_checked`] judges the region [`emit_parts`](super::emit_parts)
    /// writes from it).
    #[must_use]
    pub fn header(&self) -> WormHeader {
        let count = self.write_log.as_ref().len();
        WormHeader {
            high_water_mark: I64::new(self.high_water_mark),
            total_capacity_blocks: I64::new(self.total_capacity_blocks),
            retention_period_ticks: I64::new(self.retention_period_ticks),
            created_utc_ticks: I64::new(self.created_utc_ticks),
            write_log_count: I32::new(i32::try_from(count).unwrap_or(i32::MAX)),
            reserved: U32::ZERO,
        }
    }
}

impl<'a> WormView<'a> {
    /// The header's fields, the generation and the records in place, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> WormSummary<Records<'a>> {
        WormSummary::new(self.header(), self.generation(), self.records())
    }
}

impl<const LOG_CAPACITY: usize> WormRegion<LOG_CAPACITY> {
    /// The header this region emits, its generation and its log, for serializing.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn summary(&self) -> WormSummary<&[LoggedWrite]> {
        WormSummary::new(&self.header(), self.generation(), self.log())
    }
}

/// The records of a view, as a list.
impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.clone())
    }
}

/// A record's fields at their on-disk widths, as [`WriteRecord`] and [`LoggedWrite`] both
/// serialize them.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "One write-log record; content_sha256 is 64 hex digits.")
)]
#[serde(deny_unknown_fields, rename = "LoggedWrite")]
struct RecordFields {
    #[cfg_attr(feature = "schemars", schemars(range(min = 0)))]
    block_index: i64,
    timestamp_utc_ticks: i64,
    #[cfg_attr(feature = "schemars", schemars(range(min = 0)))]
    data_length: i32,
    #[serde(
        serialize_with = "serialize_bytes",
        deserialize_with = "deserialize_array"
    )]
    #[cfg_attr(feature = "schemars", schemars(with = "alloc::string::String"))]
    content_sha256: [u8; 32],
}

impl From<&WriteRecord> for RecordFields {
    fn from(record: &WriteRecord) -> Self {
        RecordFields {
            block_index: record.block_index.get(),
            timestamp_utc_ticks: record.timestamp_utc_ticks.get(),
            data_length: record.data_length.get(),
            content_sha256: record.content_sha256,
        }
    }
}

impl From<RecordFields> for WriteRecord {
    fn from(fields: RecordFields) -> Self {
        WriteRecord {
            block_index: I64::new(fields.block_index),
            timestamp_utc_ticks: I64::new(fields.timestamp_utc_ticks),
            data_length: I32::new(fields.data_length),
            content_sha256: fields.content_sha256,
        }
    }
}

/// A record's schema: its fields', the hash as hex text.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for LoggedWrite {
    fn schema_name() -> alloc::borrow::Cow<'static, str> {
        RecordFields::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RecordFields::json_schema(generator)
    }
}

impl Serialize for WriteRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordFields::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WriteRecord {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RecordFields::deserialize(deserializer).map(WriteRecord::from)
    }
}

/// As the [`WriteRecord`] it is stored as; a value beyond the on-disk ranges (a
/// `block_index` over `i64::MAX`, a `data_length` over `i32::MAX`), which no region
/// holds, is an error rather than a different number.
impl Serialize for LoggedWrite {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.to_record();
        if record.to_logged_write() != Some(*self) {
            return Err(serde::ser::Error::custom(
                "the record's block_index or data_length is beyond its on-disk range",
            ));
        }
        RecordFields::from(&record).serialize(serializer)
    }
}

/// As a [`WriteRecord`], then [`WriteRecord::to_logged_write`]: a negative `block_index`
/// or `data_length` is an error.
impl<'de> Deserialize<'de> for LoggedWrite {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        WriteRecord::deserialize(deserializer)?
            .to_logged_write()
            .ok_or_else(|| serde::de::Error::custom("block_index or data_length is negative"))
    }
}

/// The header alone, all six fields.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFields {
    high_water_mark: i64,
    total_capacity_blocks: i64,
    retention_period_ticks: i64,
    created_utc_ticks: i64,
    write_log_count: i32,
    reserved: u32,
}

impl Serialize for WormHeader {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HeaderFields {
            high_water_mark: self.high_water_mark.get(),
            total_capacity_blocks: self.total_capacity_blocks.get(),
            retention_period_ticks: self.retention_period_ticks.get(),
            created_utc_ticks: self.created_utc_ticks.get(),
            write_log_count: self.write_log_count.get(),
            reserved: self.reserved.get(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WormHeader {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = HeaderFields::deserialize(deserializer)?;
        Ok(WormHeader {
            high_water_mark: I64::new(fields.high_water_mark),
            total_capacity_blocks: I64::new(fields.total_capacity_blocks),
            retention_period_ticks: I64::new(fields.retention_period_ticks),
            created_utc_ticks: I64::new(fields.created_utc_ticks),
            write_log_count: I32::new(fields.write_log_count),
            reserved: U32::new(fields.reserved),
        })
    }
}
