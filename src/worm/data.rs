//! Data blocks of a WORM region, and auditing them against the write log.
//!
//! The SPEC leaves the data blocks' format to the implementation. This crate's
//! convention: a data block holds the written bytes at the start of its payload, zeros
//! after them, and a trailer with tag `DATA` and the region's generation. The write log
//! records the length and SHA-256, so an auditor can tell that data was changed after it
//! was written — even when the changer re-sealed the block's checksum.

use super::layout::LoggedWrite;
use crate::block::{self, Tag};
use crate::error::{BlockOrigin, ContentMismatchReason, Error, Location, Reason, Result};
use crate::sha256::sha256;

/// Writes `data` into `block` (exactly one block) as a WORM data block: data, zeros, and
/// a trailer with tag `DATA` and `generation`.
///
/// # Errors
///
/// `invalid_block_size` when the length of `block` is not a valid
/// [`BlockSize`](crate::BlockSize); `record_too_large` for data longer than the payload.
/// On an error `block` is unchanged.
pub fn seal_data_block(block: &mut [u8], data: &[u8], generation: u32) -> Result<()> {
    let mut view = block::Block::new_checked(block)?;
    let payload = view.payload_mut();
    let capacity = payload.len();
    let (head, tail) = payload
        .split_at_mut_checked(data.len())
        .ok_or(Error::nowhere(Reason::RecordTooLarge {
            length: data.len(),
            capacity,
        }))?;
    head.copy_from_slice(data);
    tail.fill(0);
    view.seal(Tag::DATA, generation);
    Ok(())
}

impl LoggedWrite {
    /// A [`Reason::ContentMismatch`] about this record's data block.
    const fn mismatch(&self, reason: ContentMismatchReason) -> Error {
        Error::new(
            Reason::ContentMismatch(reason),
            Location::block_of(BlockOrigin::DataRange, self.block_index),
        )
    }

    /// Checks data read back against this record: its length, then its SHA-256.
    ///
    /// # Errors
    ///
    /// `content_mismatch` naming the block index, for a length or a SHA-256 that differs
    /// from the record's.
    pub fn verify_data(&self, data: &[u8]) -> Result<()> {
        let found = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if found != u64::from(self.data_length) {
            return Err(self.mismatch(ContentMismatchReason::Length {
                logged: u64::from(self.data_length),
                found,
            }));
        }
        if sha256(&[data]) != self.content_sha256 {
            return Err(self.mismatch(ContentMismatchReason::Sha256));
        }
        Ok(())
    }

    /// Checks a whole data block read back (see [`seal_data_block`]): its checksum and
    /// tag, the logged SHA-256 over its first `data_length` bytes, and zeros after them.
    ///
    /// The block's generation is not checked: each data block keeps the generation
    /// current when it was written.
    ///
    /// # Errors
    ///
    /// As [`block::open`]: `invalid_block_size` (when `block` is not one block),
    /// `checksum_mismatch`, `wrong_tag`; then `content_mismatch` for a logged length past
    /// the payload, a SHA-256 that differs, or a non-zero byte after the data. Every error
    /// names the data block by its index in the WORM region's data range (this record's
    /// `block_index`).
    pub fn verify_data_block(&self, block: &[u8]) -> Result<()> {
        let opened = block::open(block, Tag::DATA)
            .map_err(|error| error.placed(BlockOrigin::DataRange, self.block_index, 0))?;
        let payload = opened.payload();
        let length = usize::try_from(self.data_length).unwrap_or(usize::MAX);
        let Some((data, rest)) = payload.split_at_checked(length) else {
            return Err(self.mismatch(ContentMismatchReason::Length {
                logged: u64::from(self.data_length),
                found: u64::try_from(payload.len()).unwrap_or(u64::MAX),
            }));
        };
        self.verify_data(data)?;
        if let Some(position) = rest.iter().position(|byte| *byte != 0) {
            return Err(self.mismatch(ContentMismatchReason::TrailingBytes {
                offset: length.saturating_add(position),
            }));
        }
        Ok(())
    }
}

/// Why one record failed an [`audit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditError<E> {
    /// The block reader failed.
    Read(E),
    /// The block was read but does not match the log (corrupt, wrong type, or changed).
    Data(Error),
}

impl<E: core::fmt::Display> core::fmt::Display for AuditError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Read(error) => write!(f, "reading the data block failed: {error}"),
            Self::Data(error) => error.fmt(f),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for AuditError<E> {}

/// Audits data blocks against their write-log records, one record at a time, without
/// allocating: `read_block(block_index, scratch)` fills `scratch` (one block) with data
/// block `block_index`, and each record is checked with
/// [`LoggedWrite::verify_data_block`].
///
/// ```
/// use dwvd_regions::{BlockSize, Ticks, worm::{WormRegion, audit, seal_data_block}};
///
/// let size = BlockSize::new(512)?;
/// let mut region = WormRegion::<8>::new(size, 8, 0, Ticks::new(0))?;
/// let mut disk = vec![[0u8; 512]; 8];
/// for text in [&b"alpha"[..], b"beta", b"gamma"] {
///     let index = region.append(text, Ticks::new(0))? as usize;
///     seal_data_block(&mut disk[index], text, 1)?;
/// }
/// disk[1][0] = b'B'; // changed after it was written...
/// dwvd_regions::block::seal(&mut disk[1], dwvd_regions::Tag::DATA, 1)?; // ...and re-sealed
///
/// let mut scratch = [0u8; 512];
/// let read = |index: u64, buffer: &mut [u8]| -> Result<(), &'static str> {
///     buffer.copy_from_slice(disk.get(index as usize).ok_or("no such block")?);
///     Ok(())
/// };
/// let failures: Vec<u64> = audit(region.log().iter().copied(), &mut scratch, read)
///     .filter(|(_, outcome)| outcome.is_err())
///     .map(|(record, _)| record.block_index)
///     .collect();
/// assert_eq!(failures, [1]);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
pub fn audit<'s, I, F, E>(
    records: I,
    scratch: &'s mut [u8],
    read_block: F,
) -> Audit<'s, I::IntoIter, F>
where
    I: IntoIterator<Item = LoggedWrite>,
    F: FnMut(u64, &mut [u8]) -> core::result::Result<(), E>,
{
    Audit {
        records: records.into_iter(),
        scratch,
        read_block,
    }
}

/// The iterator [`audit`] returns: each record with the outcome of its check.
#[derive(Debug)]
pub struct Audit<'s, I, F> {
    records: I,
    scratch: &'s mut [u8],
    read_block: F,
}

impl<I, F, E> Iterator for Audit<'_, I, F>
where
    I: Iterator<Item = LoggedWrite>,
    F: FnMut(u64, &mut [u8]) -> core::result::Result<(), E>,
{
    type Item = (LoggedWrite, core::result::Result<(), AuditError<E>>);

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        let outcome = (self.read_block)(record.block_index, self.scratch)
            .map_err(AuditError::Read)
            .and_then(|()| {
                record
                    .verify_data_block(self.scratch)
                    .map_err(AuditError::Data)
            });
        Some((record, outcome))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}
