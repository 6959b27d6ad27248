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

    /// Hands records `start..end` to `visit` in order, as runs of consecutive records read
    /// in place where the log can (the tree hashes runs in batches: [`TreeBuilder::
    /// push_records`](super::TreeBuilder::push_records)). The default reads them one at a
    /// time through [`record`](Self::record).
    ///
    /// # Errors
    ///
    /// The index of the first record the log cannot give (the records before it were
    /// visited).
    fn for_each_run(
        &self,
        start: u64,
        end: u64,
        visit: &mut dyn FnMut(&[WriteRecord]),
    ) -> Result<(), u64> {
        for index in start..end {
            let record = self.record(index).ok_or(index)?;
            visit(core::slice::from_ref(&record));
        }
        Ok(())
    }
}

impl LogLeaves for WormView<'_> {
    fn record_count(&self) -> u64 {
        u64::try_from(self.write_log_count()).unwrap_or(u64::MAX)
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        WormView::record(self, usize::try_from(index).ok()?).copied()
    }

    /// Block by block, each block's records in place.
    fn for_each_run(
        &self,
        start: u64,
        end: u64,
        visit: &mut dyn FnMut(&[WriteRecord]),
    ) -> Result<(), u64> {
        let count = self.record_count();
        let mut first = 0u64;
        for block in self.record_slices() {
            let len = u64::try_from(block.len()).unwrap_or(u64::MAX);
            let last = first.saturating_add(len);
            let from = usize::try_from(start.saturating_sub(first)).unwrap_or(usize::MAX);
            let to = usize::try_from(end.min(last).saturating_sub(first)).unwrap_or(0);
            if let Some(run) = block.get(from..to).filter(|run| !run.is_empty()) {
                visit(run);
            }
            first = last;
            if first >= end {
                break;
            }
        }
        if end > count.min(first) {
            return Err(start.max(count.min(first)));
        }
        Ok(())
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

    fn for_each_run(
        &self,
        start: u64,
        end: u64,
        visit: &mut dyn FnMut(&[WriteRecord]),
    ) -> Result<(), u64> {
        let len = u64::try_from(self.len()).unwrap_or(u64::MAX);
        let from = usize::try_from(start.min(len)).unwrap_or(usize::MAX);
        let to = usize::try_from(end.min(len)).unwrap_or(usize::MAX);
        if let Some(run) = self.get(from..to).filter(|run| !run.is_empty()) {
            visit(run);
        }
        if end > len {
            return Err(start.max(len));
        }
        Ok(())
    }
}

impl<T: LogLeaves + ?Sized> LogLeaves for &T {
    fn record_count(&self) -> u64 {
        (**self).record_count()
    }

    fn record(&self, index: u64) -> Option<WriteRecord> {
        (**self).record(index)
    }

    fn for_each_run(
        &self,
        start: u64,
        end: u64,
        visit: &mut dyn FnMut(&[WriteRecord]),
    ) -> Result<(), u64> {
        (**self).for_each_run(start, end, visit)
    }
}
