//! A block device over a file (feature `std`).

use std::format;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::device::BlockDevice;
use crate::block::BlockSize;

/// A [`BlockDevice`] over a file or raw disk opened by the caller: block `i` is bytes
/// `i × block_size ..` of the file. [`sync`](BlockDevice::sync) is `File::sync_data`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use dwvd_regions::storage::{FileDevice, StoredRing};
/// use dwvd_regions::streaming::StreamingRing;
/// use dwvd_regions::BlockSize;
///
/// let path = std::env::temp_dir().join(format!("dwvd-file-device-{}.img", std::process::id()));
/// let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
/// // Two header copies, a journal of 2 blocks and 4 slots: 8 blocks.
/// assert_eq!(StoredRing::blocks_needed(4), 8);
/// let mut device = FileDevice::new(file, BlockSize::MIN, 8)?; // sized to 8 blocks
/// let mut scratch = [0u8; 512];
/// let ring = StreamingRing::new(BlockSize::MIN, 4, 4)?;
/// let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch)?;
/// stored.append(&mut device, b"hello", &mut scratch)?;
/// assert_eq!(std::fs::metadata(&path)?.len(), 8 * 512);
/// # std::fs::remove_file(&path)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FileDevice {
    file: File,
    block_size: BlockSize,
    block_count: u64,
}

impl FileDevice {
    /// A device of `block_count` blocks over `file` (opened for reading and writing). A
    /// shorter file is extended with zeros; a longer one keeps its tail, unused.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `block_count` blocks do not fit in a `u64` of
    /// bytes; otherwise the error of reading the file's length or of extending it.
    pub fn new(file: File, block_size: BlockSize, block_count: u64) -> io::Result<Self> {
        let length = block_count
            .checked_mul(block_size.get() as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "device too large"))?;
        if file.metadata()?.len() < length {
            file.set_len(length)?;
        }
        Ok(Self {
            file,
            block_size,
            block_count,
        })
    }

    /// A device over the whole of `file`, whose length must be a multiple of the block
    /// size.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidData`] when the length is not a multiple of the block size;
    /// otherwise the error of reading the file's length.
    pub fn open(file: File, block_size: BlockSize) -> io::Result<Self> {
        let length = file.metadata()?.len();
        let size = block_size.get() as u64;
        if !length.is_multiple_of(size) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the file is {length} bytes, not a whole number of {size}-byte blocks"),
            ));
        }
        Ok(Self {
            file,
            block_size,
            block_count: length.checked_div(size).unwrap_or(0),
        })
    }

    /// The file back.
    pub fn into_inner(self) -> File {
        self.file
    }

    fn seek_to(&mut self, index: u64, length: usize) -> io::Result<()> {
        if length != self.block_size.get() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a buffer of {length} bytes was given for one {}-byte block",
                    self.block_size.get()
                ),
            ));
        }
        if index >= self.block_count {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "block {index} is past the end of the device ({} blocks)",
                    self.block_count
                ),
            ));
        }
        let offset = index
            .checked_mul(self.block_size.get() as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "offset overflows"))?;
        self.file.seek(SeekFrom::Start(offset)).map(|_| ())
    }
}

impl BlockDevice for FileDevice {
    type Error = io::Error;

    fn block_size(&self) -> BlockSize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        self.block_count
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> io::Result<()> {
        self.seek_to(index, buffer.len())?;
        self.file.read_exact(buffer)
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> io::Result<()> {
        self.seek_to(index, data.len())?;
        self.file.write_all(data)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}
