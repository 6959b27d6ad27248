//! Where the tree's leaves come from: any write log with random access to its records.

use crate::worm::{LoggedWrite, WormRegion, WormView, WriteRecord};

/// A write log the tree can read: its record count and record `index` as stored (the
/// 52 bytes a leaf hashes).
///
/// Implemented by the borrowed [`WormView`] (records read in place, any number), the owned
/// [`WormRegion`], and slices of [`WriteRecord`]s or [`LoggedWrite`]s.
pub trait LogLeaves {
    /// Records in the log.
    fn record_count(&self) -> u64;

    /// Record `index` as stored, or `None` past the end.
    fn record(&self, index: u64) -> Option<WriteRecord>;
}

impl LogLeaves for WormView<'_> {
    fn record_count(&self) -> u64 {
        u64::try_from(self.write_log_count()).unwrap_or(u64::MAX)
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        WormView::record(self, usize::try_from(index).ok()?).copied()
    }
}

impl<const LOG_CAPACITY: usize> LogLeaves for WormRegion<LOG_CAPACITY> {
    fn record_count(&self) -> u64 {
        self.log().record_count()
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        LogLeaves::record(self.log(), index)
    }
}

impl LogLeaves for [LoggedWrite] {
    fn record_count(&self) -> u64 {
        u64::try_from(self.len()).unwrap_or(u64::MAX)
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        self.get(usize::try_from(index).ok()?)
            .map(LoggedWrite::to_record)
    }
}

impl LogLeaves for [WriteRecord] {
    fn record_count(&self) -> u64 {
        u64::try_from(self.len()).unwrap_or(u64::MAX)
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        self.get(usize::try_from(index).ok()?).copied()
    }
}

impl<T: LogLeaves + ?Sized> LogLeaves for &T {
    fn record_count(&self) -> u64 {
        (**self).record_count()
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        (**self).record(index)
    }
}
