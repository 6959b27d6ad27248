//! Image I/O: opening, seeking and reading image files — whole regions (`parse`,
//! `worm`); and, for `inspect`, every read of the one handle it opens, by position
//! ([`ReadAt`]): its length, the head block-size detection looks at, single blocks
//! (`--hexdump`), the chunks its reader threads read (`inspect::lanes`), a stored region,
//! a WORM log read again. Also the keys given as hex.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, anyhow, bail};
use dwvd_regions::BlockSize;
use p256::ecdsa::{SigningKey, VerifyingKey};

/// An opened input: a file, or the bytes of a stream (standard input given as `-`, a
/// pipe, a FIFO), read once and kept, since a stream can be read only once and
/// `inspect` reads its input more than once.
#[derive(Debug)]
pub enum Opened {
    File(File),
    Memory(Cursor<Arc<[u8]>>),
}

impl Read for Opened {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Opened::File(file) => file.read(buffer),
            Opened::Memory(bytes) => bytes.read(buffer),
        }
    }
}

impl Seek for Opened {
    fn seek(&mut self, position: SeekFrom) -> std::io::Result<u64> {
        match self {
            Opened::File(file) => file.seek(position),
            Opened::Memory(bytes) => bytes.seek(position),
        }
    }
}

/// Positional reads through one shared handle: `inspect` reads the image it opened once,
/// and only that — detection, the walk's reader threads (each at its own offsets, none
/// moving a cursor another uses), stored regions, a log read again. (Opening the path
/// again, for a thread or a later read, could open another file, replaced or renamed:
/// the report would mix two images.)
pub trait ReadAt {
    /// Reads into `buffer` from byte `offset` of the input; returns how many bytes were
    /// read, 0 at (or past) the end, as [`Read::read`].
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<usize>;

    /// Fills `buffer` from byte `offset` of the input; an input that ends first is an
    /// error (`UnexpectedEof`), as [`Read::read_exact`]'s.
    fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()>;

    /// Whether several threads may read at once. Where a file has no positional reads
    /// (not unix), a read is a seek and a read of the handle's one cursor: one reader only.
    fn concurrent(&self) -> bool {
        true
    }
}

impl ReadAt for File {
    #[cfg(unix)]
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buffer, offset)
    }

    #[cfg(not(unix))]
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let mut file = self;
        file.seek(SeekFrom::Start(offset))?;
        file.read(buffer)
    }

    #[cfg(unix)]
    fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buffer, offset)
    }

    #[cfg(not(unix))]
    fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        let mut file = self;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buffer)
    }

    fn concurrent(&self) -> bool {
        cfg!(unix)
    }
}

impl<T: AsRef<[u8]>> ReadAt for Cursor<T> {
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
        cursor_from(self, offset).read(buffer)
    }

    fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        cursor_from(self, offset).read_exact(buffer)
    }
}

/// The bytes of `cursor` from `offset` (none past the end), whatever its position.
fn cursor_from<T: AsRef<[u8]>>(cursor: &Cursor<T>, offset: u64) -> &[u8] {
    let bytes = cursor.get_ref().as_ref();
    usize::try_from(offset)
        .ok()
        .and_then(|offset| bytes.get(offset..))
        .unwrap_or_default()
}

impl ReadAt for Opened {
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
        match self {
            Opened::File(file) => file.read_at(buffer, offset),
            Opened::Memory(bytes) => bytes.read_at(buffer, offset),
        }
    }

    fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        match self {
            Opened::File(file) => file.read_exact_at(buffer, offset),
            Opened::Memory(bytes) => bytes.read_exact_at(buffer, offset),
        }
    }

    fn concurrent(&self) -> bool {
        match self {
            Opened::File(file) => file.concurrent(),
            Opened::Memory(bytes) => bytes.concurrent(),
        }
    }
}

impl Opened {
    /// The input's length in bytes: the open file's (its handle's metadata, not the
    /// path's, which may name another file by now), or the stream's bytes read.
    pub fn length(&self) -> std::io::Result<u64> {
        match self {
            Opened::File(file) => Ok(file.metadata()?.len()),
            Opened::Memory(bytes) => Ok(u64::try_from(bytes.get_ref().len()).unwrap_or(u64::MAX)),
        }
    }
}

/// Whether `path` names a stream rather than a file: `-` (standard input), a pipe, a
/// FIFO, a character device.
pub fn is_stream(path: &Path) -> bool {
    path.as_os_str() == "-"
        || std::fs::metadata(path).is_ok_and(|metadata| !metadata.is_file() && !metadata.is_dir())
}

/// The streams read so far, by name: each is read once.
fn streams() -> &'static Mutex<HashMap<PathBuf, Arc<[u8]>>> {
    static STREAMS: OnceLock<Mutex<HashMap<PathBuf, Arc<[u8]>>>> = OnceLock::new();
    STREAMS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The whole content of the stream `path`, read once.
fn stream_bytes(path: &Path) -> anyhow::Result<Arc<[u8]>> {
    let mut streams = streams()
        .lock()
        .map_err(|_| anyhow!("the input cache is unusable"))?;
    if let Some(bytes) = streams.get(path) {
        return Ok(Arc::clone(bytes));
    }
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        File::open(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    let bytes: Arc<[u8]> = bytes.into();
    streams.insert(path.to_path_buf(), Arc::clone(&bytes));
    Ok(bytes)
}

/// Opens the input at `path` (`-` for standard input).
pub fn open(path: &Path) -> anyhow::Result<Opened> {
    if is_stream(path) {
        return Ok(Opened::Memory(Cursor::new(stream_bytes(path)?)));
    }
    File::open(path)
        .map(Opened::File)
        .with_context(|| format!("cannot open image {}", path.display()))
}

/// The whole input at `path` (`-` for standard input): a description, a proof.
pub fn read_all(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// Writes `bytes` to `path`, or to standard output for `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        return Ok(());
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// The region at `offset` of the opened input `image` (named `name` in messages):
/// `blocks` blocks, or everything to the end of the input. An input shorter than asked
/// gives a shorter buffer, which the parser reports as truncated. Only the handle is
/// read: `name` is never opened again (it may name another file by now).
///
/// The buffer is sized once from the file's length and filled by positional reads, a
/// share per core ([`read_in_parallel`]): reading a large region into a growing buffer
/// on one thread (first-touch page faults, the kernel's copy, reallocations) cost
/// `dwvd worm root` more than half as much as hashing its Merkle tree on both cores.
pub fn read_region(
    image: &Opened,
    name: &Path,
    offset: u64,
    blocks: Option<u64>,
    block_size: BlockSize,
) -> anyhow::Result<RegionBuffer> {
    read_region_checking(image, name, offset, blocks, block_size, |_| true)
        .map(|(region, _)| region)
}

/// [`read_region`], with `check` run on every whole block as soon as its share of the
/// region is read, on the thread that read it (while it is in that core's cache); the
/// `bool` says whether `check` held for every whole block.
///
/// The region's extent comes from the open handle's length (a stream's: the bytes read).
/// A file that reports a wrong length (some `/proc` files say 0) reads as that length;
/// one that shrinks while it is read is an error naming the bytes that were missing.
pub fn read_region_checking(
    image: &Opened,
    name: &Path,
    offset: u64,
    blocks: Option<u64>,
    block_size: BlockSize,
    check: impl Fn(&[u8]) -> bool + Sync,
) -> anyhow::Result<(RegionBuffer, bool)> {
    let available = image
        .length()
        .with_context(|| format!("cannot read {}", name.display()))?
        .saturating_sub(offset);
    let wanted = match blocks {
        Some(blocks) => {
            let Some(length) = blocks.checked_mul(block_bytes(block_size)) else {
                bail!(
                    "--blocks {blocks} of {} bytes is more than a file can hold",
                    block_size.get()
                );
            };
            length.min(available)
        }
        None => available,
    };
    let length = usize::try_from(wanted)
        .map_err(|_| anyhow!("the region's {wanted} bytes do not fit in memory"))?;
    let mut region = RegionBuffer::zeroed(length)?;
    let checked = read_in_parallel(image, &mut region, offset, block_size.get(), check)
        .with_context(|| format!("cannot read {}", name.display()))?;
    Ok((region, checked))
}

/// Shares smaller than this are not worth a thread.
const PARALLEL_SHARE_MIN: usize = 4 << 20;
/// The most reader threads, whatever the cores.
const PARALLEL_READERS_MAX: usize = 4;
/// Each reader reads its share in pieces of about this many bytes (whole blocks), each
/// checked right after it is read.
const PARALLEL_PIECE: usize = 1 << 20;

/// Fills `buffer` from byte `offset` of `image`: one contiguous share of whole
/// `block_len`-byte blocks per core (up to [`PARALLEL_READERS_MAX`], none under
/// [`PARALLEL_SHARE_MIN`]), each read by its own thread at its own offsets through the
/// one handle, so the first-touch page faults and the kernel's copies are spread over
/// the cores; each piece read is then given to `check`, block by block. Returns whether
/// `check` held for every whole block. An input that ends first is an error naming the
/// bytes that could not be read.
pub fn read_in_parallel(
    image: &(impl ReadAt + Sync + ?Sized),
    buffer: &mut [u8],
    offset: u64,
    block_len: usize,
    check: impl Fn(&[u8]) -> bool + Sync,
) -> std::io::Result<bool> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let readers = if image.concurrent() {
        cores
            .min(PARALLEL_READERS_MAX)
            .min(buffer.len() / PARALLEL_SHARE_MIN)
    } else {
        1
    };
    read_in_shares(image, buffer, offset, block_len, readers, check)
}

/// [`read_in_parallel`] with `readers` shares (at least one): the first read on this
/// thread, each other on a thread of its own.
fn read_in_shares(
    image: &(impl ReadAt + Sync + ?Sized),
    buffer: &mut [u8],
    offset: u64,
    block_len: usize,
    readers: usize,
    check: impl Fn(&[u8]) -> bool + Sync,
) -> std::io::Result<bool> {
    let block_len = block_len.max(1);
    // Whole blocks in every share and piece but the last.
    let share = buffer
        .len()
        .div_ceil(readers.max(1))
        .div_ceil(block_len)
        .saturating_mul(block_len)
        .max(block_len);
    let piece = PARALLEL_PIECE
        .checked_div(block_len)
        .unwrap_or(1)
        .max(1)
        .saturating_mul(block_len);
    let to_u64 = |length: usize| u64::try_from(length).unwrap_or(u64::MAX);
    let read_share = |part: &mut [u8], at: u64| -> std::io::Result<bool> {
        let mut all = true;
        let mut piece_at = at;
        for bytes in part.chunks_mut(piece) {
            let end = piece_at.saturating_add(to_u64(bytes.len()));
            image.read_exact_at(bytes, piece_at).map_err(|error| {
                std::io::Error::new(error.kind(), format!("bytes {piece_at}..{end}: {error}"))
            })?;
            piece_at = end;
            // After a block fails, the rest of the share is only read: the caller
            // checks the region again for its first error anyway.
            all = all && bytes.chunks_exact(block_len).all(&check);
        }
        Ok(all)
    };
    let mut parts = buffer.chunks_mut(share);
    let Some(first) = parts.next() else {
        return Ok(true);
    };
    std::thread::scope(|scope| {
        let mut others = Vec::new();
        let mut at = offset.saturating_add(to_u64(first.len()));
        for part in parts {
            let part_at = at;
            at = at.saturating_add(to_u64(part.len()));
            let read_share = &read_share;
            others.push(
                std::thread::Builder::new()
                    .name("region reader".into())
                    .spawn_scoped(scope, move || read_share(part, part_at))?,
            );
        }
        let first = read_share(first, offset)?;
        others.into_iter().try_fold(first, |all, reader| {
            let checked = reader
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a reader thread panicked")))?;
            Ok(all & checked)
        })
    })
}

#[cfg(test)]
// Tests may index, unwrap and do arithmetic and casts on small known values.
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Every share count, with block sizes that do and do not divide the length, at two
    /// offsets: the buffer is the source's bytes from the offset, and `check` sees
    /// exactly the whole blocks, each once, at their places.
    #[test]
    fn shares_and_pieces_read_every_byte_and_check_every_whole_block_once() {
        let source: Vec<u8> = (0..(3 * PARALLEL_PIECE + 12345))
            .map(|index| (index % 251) as u8)
            .collect();
        let image = Cursor::new(source.as_slice());
        for block_len in [3usize, 512, 1000, 65536] {
            for offset in [0usize, 7] {
                for readers in 1..=4 {
                    let what = format!("block {block_len}, offset {offset}, {readers} readers");
                    let length = source.len() - offset;
                    let mut buffer = vec![0u8; length];
                    let base = buffer.as_ptr() as usize;
                    let seen: Vec<AtomicU32> =
                        (0..length / block_len).map(|_| AtomicU32::new(0)).collect();
                    let all = read_in_shares(
                        &image,
                        &mut buffer,
                        offset as u64,
                        block_len,
                        readers,
                        |block| {
                            let at = block.as_ptr() as usize - base;
                            assert_eq!((at % block_len, block.len()), (0, block_len));
                            seen[at / block_len].fetch_add(1, Ordering::Relaxed);
                            true
                        },
                    )
                    .unwrap();
                    assert!(all, "{what}");
                    assert!(buffer == source[offset..], "{what}");
                    assert!(
                        seen.iter().all(|count| count.load(Ordering::Relaxed) == 1),
                        "{what}"
                    );
                }
            }
        }
    }

    /// One block failing `check`, in any share, makes the answer false; an input shorter
    /// than the buffer is an error naming the bytes not read.
    #[test]
    fn a_failed_check_in_any_share_and_a_short_input_are_reported() {
        let source = vec![0x5au8; 3 * PARALLEL_PIECE];
        let image = Cursor::new(source.as_slice());
        for bad in [0usize, 1_000_000, source.len() - 512] {
            let mut buffer = vec![0u8; source.len()];
            let base = buffer.as_ptr() as usize;
            let all = read_in_shares(&image, &mut buffer, 0, 512, 3, |block| {
                block.as_ptr() as usize - base != bad / 512 * 512
            })
            .unwrap();
            assert!(!all, "block at {bad}");
        }
        let mut longer = vec![0u8; source.len() + 100];
        let error = read_in_shares(&image, &mut longer, 0, 512, 2, |_| true).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().starts_with("bytes "), "{error}");
    }
}

/// Regions this large are read into memory mapped for them, with huge pages asked for.
#[cfg(target_os = "linux")]
const MAPPED_REGION_MIN: usize = 8 << 20;

/// A region's bytes in memory: on the heap, or (from [`MAPPED_REGION_MIN`] bytes, on
/// Linux) in an anonymous mapping that asks the kernel for transparent huge pages, so
/// that filling it takes a few hundred page faults instead of one per 4 KiB page (a
/// 52 MB WORM log: about 650 instead of 12,700, and `dwvd worm root` 63 → 52 ms).
#[derive(Debug)]
pub enum RegionBuffer {
    /// A small region, or where no mapping could be made.
    Heap(Vec<u8>),
    /// A large region (Linux).
    #[cfg(target_os = "linux")]
    Mapped(memmap2::MmapMut),
}

impl RegionBuffer {
    /// `length` zero bytes.
    fn zeroed(length: usize) -> anyhow::Result<Self> {
        #[cfg(target_os = "linux")]
        if length >= MAPPED_REGION_MIN
            && let Ok(mapped) = memmap2::MmapMut::map_anon(length)
        {
            // Advice only: without huge pages the mapping works as well, more slowly.
            let _ = mapped.advise(memmap2::Advice::HugePage);
            return Ok(Self::Mapped(mapped));
        }
        Ok(Self::Heap(vec![0u8; length]))
    }
}

impl std::ops::Deref for RegionBuffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Heap(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Self::Mapped(bytes) => bytes,
        }
    }
}

impl std::ops::DerefMut for RegionBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Self::Heap(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Self::Mapped(bytes) => bytes,
        }
    }
}

/// Reads block `index` of `image` (`length` bytes, shown as `path`; for `--hexdump`).
pub fn read_block(
    image: &(impl ReadAt + ?Sized),
    path: &Path,
    length: u64,
    index: u64,
    block_size: BlockSize,
) -> anyhow::Result<Vec<u8>> {
    let size = block_bytes(block_size);
    let Some(start) = index
        .checked_mul(size)
        .filter(|start| start.checked_add(size).is_some_and(|end| end <= length))
    else {
        bail!(
            "block {index} is past the end of {} ({} whole blocks)",
            path.display(),
            length.checked_div(size).unwrap_or(0)
        );
    };
    let mut block = vec![0u8; block_size.get()];
    image.read_exact_at(&mut block, start)?;
    Ok(block)
}

/// The first `limit` bytes of `image` (fewer when it is shorter).
pub fn read_head(image: &(impl ReadAt + ?Sized), limit: u64) -> anyhow::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let offset = u64::try_from(head.len()).unwrap_or(u64::MAX);
        let left = usize::try_from(limit.saturating_sub(offset)).unwrap_or(usize::MAX);
        let wanted = left.min(chunk.len());
        let Some(buffer) = chunk.get_mut(..wanted).filter(|buffer| !buffer.is_empty()) else {
            break;
        };
        match image.read_at(buffer, offset) {
            Ok(0) => break,
            Ok(read) => head.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error).context("cannot read the image"),
        }
    }
    Ok(head)
}

/// Blocks `from..from + count` of `image`, whole.
pub fn read_blocks(
    image: &(impl ReadAt + ?Sized),
    block_size: BlockSize,
    from: u64,
    count: u64,
) -> anyhow::Result<Vec<u8>> {
    let size = block_bytes(block_size);
    let start = from
        .checked_mul(size)
        .ok_or_else(|| anyhow!("block {from} is past any image"))?;
    let length = count
        .checked_mul(size)
        .and_then(|length| usize::try_from(length).ok())
        .ok_or_else(|| anyhow!("{count} blocks do not fit in memory"))?;
    let mut bytes = vec![0u8; length];
    image.read_exact_at(&mut bytes, start)?;
    Ok(bytes)
}

/// A block size in bytes, as a file offset.
fn block_bytes(block_size: BlockSize) -> u64 {
    u64::try_from(block_size.get()).unwrap_or(u64::MAX)
}

/// A chunk of whole blocks read from an image: the first block's index, the buffer
/// (possibly longer than the chunk), and what the reader's `check` said of each block.
#[derive(Debug)]
pub struct Chunk<C> {
    /// The index of the chunk's first block.
    pub first: u64,
    /// The chunk's bytes: `checked.len()` blocks from its start.
    pub buffer: Vec<u8>,
    /// One result of `check` per block.
    pub checked: Vec<C>,
}

/// What a pipeline's reader reads: `blocks` blocks of `size` bytes from `file`, `name`d
/// so in errors, in chunks of `chunk_blocks` blocks.
#[derive(Debug, Clone, Copy)]
pub struct Chunking<'a> {
    pub name: &'a str,
    pub size: usize,
    pub blocks: u64,
    pub chunk_blocks: usize,
}

/// A P-256 public key from SEC1 hex (compressed or uncompressed).
pub fn public_key(text: &str) -> anyhow::Result<VerifyingKey> {
    let bytes = hex::decode(text.trim()).context("--public-key is not hex")?;
    dwvd_regions::vault::verifying_key_from_sec1(&bytes)
        .context("--public-key is not a SEC1-encoded P-256 public key")
}

/// A P-256 private key from 32 bytes of hex.
/// Where a P-256 private key comes from: a file or the environment keep it out of the
/// process list and the shell's history; `--signing-key HEX` is for tests and demos.
#[derive(Debug, Clone, clap::Args)]
pub struct SigningKeyArgs {
    /// A file holding the P-256 private key as hex (surrounding whitespace ignored).
    #[arg(long, value_name = "PATH", conflicts_with = "signing_key")]
    pub signing_key_file: Option<std::path::PathBuf>,
    /// The P-256 private key (32-byte scalar) as hex. Visible to other users in the
    /// process list: prefer --signing-key-file or the DWVD_SIGNING_KEY variable.
    #[arg(
        long,
        value_name = "HEX",
        env = "DWVD_SIGNING_KEY",
        hide_env_values = true
    )]
    pub signing_key: Option<String>,
}

impl SigningKeyArgs {
    /// The key given, if any.
    pub fn key(&self) -> anyhow::Result<Option<SigningKey>> {
        if let Some(path) = &self.signing_key_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the signing key file {}", path.display()))?;
            return signing_key(&text)
                .with_context(|| format!("in {}", path.display()))
                .map(Some);
        }
        self.signing_key.as_deref().map(signing_key).transpose()
    }
}

pub fn signing_key(text: &str) -> anyhow::Result<SigningKey> {
    let bytes = hex::decode(text.trim()).context("--signing-key is not hex")?;
    SigningKey::from_slice(&bytes).map_err(|_| {
        anyhow::anyhow!("--signing-key is not a P-256 private key (32 bytes, 0 < key < n)")
    })
}

/// The error for a file holding fewer than the `--blocks` asked for: the region is
/// truncated.
pub fn short_region(
    read: usize,
    blocks: u64,
    block_size: BlockSize,
) -> Option<dwvd_regions::Error> {
    let whole = u64::try_from(read.checked_div(block_size.get()).unwrap_or(0)).unwrap_or(u64::MAX);
    (whole < blocks).then(|| {
        dwvd_regions::Error::new(
            dwvd_regions::Reason::Truncated {
                needed: blocks,
                available: whole,
                unit: dwvd_regions::Unit::Blocks,
            },
            dwvd_regions::Location::NOWHERE,
        )
    })
}
