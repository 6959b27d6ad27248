//! The block device trait and the RAM device.

use core::fmt;

use crate::block::BlockSize;

/// A device that reads and writes whole blocks by index: the only thing the stored
/// regions ([`StoredRing`](super::StoredRing), [`StoredWorm`](super::StoredWorm),
/// [`StoredVault`](super::StoredVault)) need from storage.
///
/// Implement it for your flash driver, SD card or disk image; the error type is yours and
/// reaches the caller unchanged inside [`StorageError::Device`](super::StorageError).
///
/// # What the stored regions assume
///
/// * A write either completes, or — on a power cut — leaves each byte of the block with
///   its old value or its new one. A mixed checkpoint block fails its XXH64 checksum and
///   recovery falls back to the other copy; a journal block rewritten with one more entry
///   keeps the entries it held, whose bytes are the same in the old and the new block.
///   **A device whose cut write can leave bytes that are neither** — a NOR driver that
///   erases the block first, some SD cards and eMMC whose controllers lose a whole block —
///   must offer [`flash`](Self::flash) (NOR: the journal then programs erased space and
///   never rewrites a block holding entries), or is not safe for the journal.
/// * Writes issued before [`sync`](Self::sync) returns `Ok` are durable, and are not
///   reordered past it. The stored regions call `sync` after the data and before the
///   metadata that points at it, and again after the metadata (the commit point).
/// * Blocks are independent: writing one never changes another (true of disks and of
///   NOR flash driven through [`NorFlashDevice`](super::NorFlashDevice), which erases
///   one sector per block).
///
/// # Example: a device over a `static` array
///
/// ```
/// use dwvd_regions::storage::{BlockDevice, RamDevice};
/// use dwvd_regions::BlockSize;
///
/// let mut device = RamDevice::<512, 8>::new();
/// assert_eq!(device.block_count(), 8);
/// device.write_block(3, &[0xAB; 512])?;
/// let mut block = [0u8; 512];
/// device.read_block(3, &mut block)?;
/// assert_eq!(block, [0xAB; 512]);
/// assert!(device.read_block(8, &mut block).is_err()); // past the end: an error, not a panic
/// # Ok::<(), dwvd_regions::storage::RamDeviceError>(())
/// ```
pub trait BlockDevice {
    /// What the device reports when a read, write or sync fails.
    type Error: fmt::Debug;

    /// The size of every block of the device.
    fn block_size(&self) -> BlockSize;

    /// How many blocks the device has; valid indices are `0..block_count()`.
    fn block_count(&self) -> u64;

    /// Reads block `index` into `buffer`, which is exactly one block long.
    ///
    /// # Errors
    ///
    /// The device's own error when the read fails (for a [`RamDevice`], an index past
    /// the end or a buffer that is not one block: [`RamDeviceError`]). The stored regions
    /// pass it on inside [`StorageError::Device`](super::StorageError::Device).
    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error>;

    /// Writes `data`, exactly one block long, to block `index`.
    ///
    /// # Errors
    ///
    /// The device's own error when the write fails, as for
    /// [`read_block`](Self::read_block).
    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error>;

    /// Makes every write issued so far durable (a write barrier). The default does
    /// nothing, which is right for devices whose writes are durable when they return.
    ///
    /// # Errors
    ///
    /// The device's own error when the writes cannot be made durable. The default never
    /// fails.
    fn sync(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// The device's in-place operations, if it is flash that can program erased bytes
    /// without erasing them again (NOR flash); `None` (the default) for a device that
    /// only writes whole blocks (a disk, an SD card, a file).
    ///
    /// The stored regions' journal uses them to append small entries to a block without
    /// an erase per entry (see [`FlashOperations`]). Without them it rewrites the
    /// journal block whole for each entry, which is safe under the write contract above:
    /// the bytes of the entries already in the block are the same in the old and the new
    /// block, so any mix of the two still holds them.
    fn flash(&mut self) -> Option<&mut dyn FlashOperations<Error = Self::Error>> {
        None
    }
}

/// In-place operations of flash that programs erased bytes (NOR): what a
/// [`BlockDevice`] offers through [`BlockDevice::flash`] when it has them.
///
/// # What the stored regions assume
///
/// * [`erase_block`](Self::erase_block) sets every byte of the block to `0xFF`;
///   [`program`](Self::program) writes bytes that are erased (`0xFF`) and is never asked
///   to program others (real NOR flash can only clear bits; the
///   [`RamNorFlash`](super::RamNorFlash) model refuses it, like a careful driver).
/// * A power cut during either leaves the bytes it was changing in any state; the bytes
///   outside them are untouched. Every journal entry carries its own XXH64, so a cut
///   entry reads as invalid and recovery ignores it.
/// * Both are durable when they return (or after [`BlockDevice::sync`]).
pub trait FlashOperations {
    /// The device's error, the same as its [`BlockDevice::Error`].
    type Error;

    /// The flash's program unit in bytes: the offset and length of every
    /// [`program`](Self::program) call are multiples of it. At least 1 and a divisor of
    /// the block size.
    fn program_size(&self) -> usize;

    /// Erases block `index`: every byte becomes `0xFF`.
    ///
    /// # Errors
    ///
    /// The device's own error when the erase fails.
    fn erase_block(&mut self, index: u64) -> Result<(), Self::Error>;

    /// Programs `data` at byte `offset` of block `index`, whose bytes there are erased.
    ///
    /// # Errors
    ///
    /// The device's own error when the program fails.
    fn program(&mut self, index: u64, offset: usize, data: &[u8]) -> Result<(), Self::Error>;
}

impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    type Error = D::Error;

    fn block_size(&self) -> BlockSize {
        (**self).block_size()
    }

    fn block_count(&self) -> u64 {
        (**self).block_count()
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        (**self).read_block(index, buffer)
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        (**self).write_block(index, data)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        (**self).sync()
    }

    fn flash(&mut self) -> Option<&mut dyn FlashOperations<Error = Self::Error>> {
        (**self).flash()
    }
}

/// What a [`RamDevice`] refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RamDeviceError {
    /// The block index is not below the device's block count.
    OutOfRange {
        /// The index asked for.
        index: u64,
        /// The device's block count.
        block_count: u64,
    },
    /// The buffer is not exactly one block long.
    WrongLength {
        /// The buffer's length.
        length: usize,
        /// The block size.
        block_size: usize,
    },
}

impl fmt::Display for RamDeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { index, block_count } => write!(
                f,
                "block {index} is past the end of the RAM device ({block_count} blocks)"
            ),
            Self::WrongLength { length, block_size } => write!(
                f,
                "a buffer of {length} bytes was given where one block ({block_size} bytes) is read or written"
            ),
        }
    }
}

impl core::error::Error for RamDeviceError {}

/// A block device in RAM: `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes, no allocation.
///
/// For tests, simulators and firmware that keeps a region in RAM (or copies a flash image
/// into RAM at boot). `BLOCK_SIZE` must be a valid [`BlockSize`] (512 ..= 65536); this is
/// checked at compile time when the device is created.
///
/// It lives wherever you put it: on the stack for small devices, in a `static` (with a
/// `Mutex` or `static_cell`) for larger ones — `new` is `const`.
#[derive(Clone, PartialEq, Eq)]
pub struct RamDevice<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> {
    blocks: [[u8; BLOCK_SIZE]; BLOCK_COUNT],
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> fmt::Debug
    for RamDevice<BLOCK_SIZE, BLOCK_COUNT>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamDevice")
            .field("block_size", &BLOCK_SIZE)
            .field("block_count", &BLOCK_COUNT)
            .finish_non_exhaustive()
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> Default
    for RamDevice<BLOCK_SIZE, BLOCK_COUNT>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> RamDevice<BLOCK_SIZE, BLOCK_COUNT> {
    // Unreachable at run time by construction: SIZE is a const item, evaluated by the
    // compiler (forced in `new`), so a bad BLOCK_SIZE is a build error, never a panic.
    #[allow(clippy::panic)]
    const SIZE: BlockSize = match BlockSize::new(BLOCK_SIZE) {
        Ok(size) => size,
        Err(_) => panic!("RamDevice: BLOCK_SIZE must be from 512 to 65536"),
    };

    /// A device whose blocks are all zero (so nothing on it is a valid region yet).
    #[must_use]
    pub const fn new() -> Self {
        // Evaluating SIZE here turns a bad BLOCK_SIZE into a compile error.
        let _ = Self::SIZE;
        Self {
            blocks: [[0; BLOCK_SIZE]; BLOCK_COUNT],
        }
    }

    /// The whole device as bytes, block after block: an image a parser or the `dwvd`
    /// inspector can read.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.blocks.as_flattened()
    }

    /// The whole device as writable bytes (to load an image, or to damage one in a test).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.blocks.as_flattened_mut()
    }

    fn block_mut(&mut self, index: u64) -> Result<&mut [u8; BLOCK_SIZE], RamDeviceError> {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.blocks.get_mut(index))
            .ok_or(RamDeviceError::OutOfRange {
                index,
                block_count: BLOCK_COUNT as u64,
            })
    }
}

fn check_length(length: usize, block_size: usize) -> Result<(), RamDeviceError> {
    if length == block_size {
        Ok(())
    } else {
        Err(RamDeviceError::WrongLength { length, block_size })
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> BlockDevice
    for RamDevice<BLOCK_SIZE, BLOCK_COUNT>
{
    type Error = RamDeviceError;

    fn block_size(&self) -> BlockSize {
        Self::SIZE
    }

    fn block_count(&self) -> u64 {
        BLOCK_COUNT as u64
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        check_length(buffer.len(), BLOCK_SIZE)?;
        buffer.copy_from_slice(self.block_mut(index)?);
        Ok(())
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        check_length(data.len(), BLOCK_SIZE)?;
        self.block_mut(index)?.copy_from_slice(data);
        Ok(())
    }
}
