//! The walk's readers: the image read and verified in chunks by one reader thread per
//! core ("lanes"), handed to the walk in order.
//!
//! Profiled on 2 cores (1 GiB image from the page cache, `perf record`; see
//! `docs/benchmarks.md`): with one reader thread, it had 72 % of all samples (the
//! kernel's copy out of the page cache 30 %, XXH64 25 %) and set the pace, not the report
//! lines on the other thread.
//! Lane `k` of `n` reads chunks `k`, `k + n`, `k + 2n`, … at their offsets, verifies
//! them, and sends them on a channel of its own; the walk takes chunk `i` from lane
//! `i mod n`, so the blocks arrive in order whatever the lanes' speeds. Each lane has its own few buffers: memory stays bounded by
//! `lanes × BUFFERS_PER_LANE` chunks whatever the image's size.
//!
//! Every lane reads the one handle the walk was given, by positional reads
//! ([`ReadAt`]): none opens the image's path again, which by then may name another file
//! (replaced, renamed), so the blocks listed are all the one image's.

use std::sync::mpsc::{Receiver, SyncSender};

use anyhow::Context;

use crate::Failure;
use crate::image::{Chunk, Chunking, ReadAt};

/// The most reader threads, whatever the cores: a bound on threads and on memory
/// (`MAX_LANES × BUFFERS_PER_LANE` chunks). Measured on 2 cores only.
pub const MAX_LANES: usize = 4;
/// Chunk buffers per lane: one being filled, one being walked, one waiting.
pub const BUFFERS_PER_LANE: usize = 3;

/// How many lanes read an image of `chunks` chunks: one per core (up to [`MAX_LANES`]),
/// no more than there are chunks.
pub fn lane_count(chunks: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunks = usize::try_from(chunks).unwrap_or(usize::MAX);
    cores.min(MAX_LANES).min(chunks).max(1)
}

/// Lane `lane` of `lanes`: reads chunks `lane`, `lane + lanes`, … of the blocks
/// `chunking` says from `file` (shared by every lane, read at the chunks' offsets) into
/// chunks taken from `empty`, runs `check` on each block, and sends the chunks on `full`
/// in order (or the first error, then stops). Returns when its chunks are done, on an
/// error, or when the walk has gone.
pub fn read_lane<R: ReadAt + ?Sized, C>(
    file: &R,
    chunking: Chunking<'_>,
    lane: usize,
    lanes: usize,
    check: impl Fn(&[u8]) -> C,
    empty: &Receiver<Chunk<C>>,
    full: &SyncSender<Result<Chunk<C>, Failure>>,
) {
    let Chunking {
        name,
        size,
        blocks,
        chunk_blocks,
    } = chunking;
    let to_u64 = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
    let chunk_blocks_u64 = to_u64(chunk_blocks);
    let stride = chunk_blocks_u64.saturating_mul(to_u64(lanes));
    let mut first = chunk_blocks_u64.saturating_mul(to_u64(lane));
    while first < blocks {
        let Ok(mut chunk) = empty.recv() else {
            return;
        };
        let count = usize::try_from(blocks.saturating_sub(first))
            .map_or(chunk_blocks, |left| left.min(chunk_blocks));
        let last = first.saturating_add(to_u64(count));
        let bytes = chunk
            .buffer
            .get_mut(..count.saturating_mul(size))
            .unwrap_or_default();
        let read = file
            .read_exact_at(bytes, first.saturating_mul(to_u64(size)))
            .with_context(|| format!("cannot read blocks {first}..{last} of {name}"));
        let sent = match read {
            Ok(()) => {
                chunk.first = first;
                chunk.checked.clear();
                chunk.checked.extend(bytes.chunks_exact(size).map(&check));
                full.send(Ok(chunk))
            }
            Err(error) => {
                let _ = full.send(Err(Failure::from(error)));
                return;
            }
        };
        if sent.is_err() {
            return;
        }
        first = first.saturating_add(stride);
    }
}
