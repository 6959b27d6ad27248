//! A NOR flash in RAM that behaves like the real thing and counts its wear.

use core::fmt;

use super::device::{BlockDevice, FlashOperations};
use crate::block::BlockSize;

/// What a [`RamNorFlash`] refuses: a geometry that does not fit together, or an operation
/// that real NOR flash would not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RamNorFlashError {
    /// The geometry does not fit together: the erase size must divide the block size,
    /// the program size must divide the erase size, the bytes must be whole blocks, and
    /// there must be one erase counter per sector.
    Geometry {
        /// Bytes of flash given.
        bytes: usize,
        /// Erase counters given.
        counters: usize,
        /// The erase size asked for.
        erase_size: usize,
        /// The program size asked for.
        program_size: usize,
    },
    /// A block index past the end of the flash.
    OutOfRange {
        /// The block asked for.
        index: u64,
        /// Blocks the flash holds.
        block_count: u64,
    },
    /// A buffer that is not one block long, or a program that is not aligned to the
    /// program size or runs past its block.
    Misaligned {
        /// The block addressed.
        index: u64,
        /// The byte offset in the block.
        offset: usize,
        /// The length given.
        length: usize,
    },
    /// A program over bytes that are not erased: real flash cannot set a bit back to 1
    /// without an erase, so this would silently corrupt the data.
    NotErased {
        /// The block addressed.
        index: u64,
        /// The offset in the block of the first byte that is not erased.
        offset: usize,
    },
}

impl fmt::Display for RamNorFlashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Geometry {
                bytes,
                counters,
                erase_size,
                program_size,
            } => write!(
                f,
                "{bytes} bytes with {counters} erase counters, {erase_size}-byte sectors and {program_size}-byte programs do not make whole blocks of whole sectors"
            ),
            Self::OutOfRange { index, block_count } => write!(
                f,
                "block {index} is past the end of the flash ({block_count} blocks)"
            ),
            Self::Misaligned {
                index,
                offset,
                length,
            } => write!(
                f,
                "block {index}: {length} bytes at offset {offset} are not whole program units inside the block"
            ),
            Self::NotErased { index, offset } => write!(
                f,
                "block {index}: byte {offset} is programmed over without an erase"
            ),
        }
    }
}

impl core::error::Error for RamNorFlashError {}

/// NOR flash simulated in RAM: a [`BlockDevice`] with [`FlashOperations`] that erases
/// whole sectors to `0xFF`, programs only erased bytes in whole program units (refusing
/// anything else, as real flash would corrupt it), and counts every sector's erases and
/// every byte programmed.
///
/// For tests, simulators and sizing flash before shipping (`dwvd wear` runs its
/// workloads on it). The bytes and the erase counters are any buffers you give it —
/// arrays or `&mut` slices on firmware, `Vec`s in tests — so it allocates nothing. A
/// block write ([`write_block`](BlockDevice::write_block)) erases the block's sectors,
/// then programs the block, as [`NorFlashDevice`](super::NorFlashDevice) does on real
/// flash.
///
/// ```
/// use dwvd_regions::storage::{BlockDevice, RamNorFlash, RamNorFlashError};
/// use dwvd_regions::BlockSize;
///
/// // 8 blocks of 512 bytes, 512-byte sectors, 4-byte program unit.
/// let mut flash = RamNorFlash::new([0u8; 4096], [0u32; 8], BlockSize::MIN, 512, 4)?;
/// let flash_ops = flash.flash().expect("NOR flash programs in place");
/// flash_ops.program(2, 8, b"abcd")?;
/// assert_eq!(
///     flash_ops.program(2, 8, b"wxyz"),
///     Err(RamNorFlashError::NotErased { index: 2, offset: 8 }),
/// );
/// flash.write_block(2, &[7; 512])?; // erase, then program
/// assert_eq!(flash.erase_counts()[2], 1);
/// assert_eq!(flash.bytes_programmed(), 4 + 512);
/// # Ok::<(), RamNorFlashError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RamNorFlash<Bytes, Counters> {
    bytes: Bytes,
    erase_counts: Counters,
    block_size: BlockSize,
    erase_size: usize,
    program_size: usize,
    bytes_programmed: u64,
}

impl<Bytes, Counters> fmt::Debug for RamNorFlash<Bytes, Counters> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamNorFlash")
            .field("block_size", &self.block_size)
            .field("erase_size", &self.erase_size)
            .field("program_size", &self.program_size)
            .field("bytes_programmed", &self.bytes_programmed)
            .finish_non_exhaustive()
    }
}

impl<Bytes, Counters> RamNorFlash<Bytes, Counters>
where
    Bytes: AsRef<[u8]> + AsMut<[u8]>,
    Counters: AsRef<[u32]> + AsMut<[u32]>,
{
    /// A flash over `bytes`, erased (every byte set to `0xFF`) with its counters at zero:
    /// blocks of `block_size`, sectors of `erase_size` bytes (one counter each in
    /// `erase_counts`), programs in units of `program_size` bytes.
    ///
    /// # Errors
    ///
    /// [`RamNorFlashError::Geometry`] when the sizes do not nest or the buffers do not
    /// match them.
    pub fn new(
        mut bytes: Bytes,
        mut erase_counts: Counters,
        block_size: BlockSize,
        erase_size: usize,
        program_size: usize,
    ) -> Result<Self, RamNorFlashError> {
        let length = bytes.as_ref().len();
        let counters = erase_counts.as_ref().len();
        let nests = |outer: usize, inner: usize| inner != 0 && outer.is_multiple_of(inner);
        let fits = nests(block_size.get(), erase_size)
            && nests(erase_size, program_size)
            && length.is_multiple_of(block_size.get())
            && length.checked_div(erase_size) == Some(counters);
        if !fits {
            return Err(RamNorFlashError::Geometry {
                bytes: length,
                counters,
                erase_size,
                program_size,
            });
        }
        bytes.as_mut().fill(0xFF);
        erase_counts.as_mut().fill(0);
        Ok(Self {
            bytes,
            erase_counts,
            block_size,
            erase_size,
            program_size,
            bytes_programmed: 0,
        })
    }

    /// The flash's contents, block after block: an image the parsers and the `dwvd`
    /// inspector read.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// How many times each sector has been erased, in address order.
    pub fn erase_counts(&self) -> &[u32] {
        self.erase_counts.as_ref()
    }

    /// Sector erases so far, over the whole flash.
    pub fn erases(&self) -> u64 {
        self.erase_counts()
            .iter()
            .map(|count| u64::from(*count))
            .sum()
    }

    /// Bytes programmed so far (block writes count their whole block).
    pub const fn bytes_programmed(&self) -> u64 {
        self.bytes_programmed
    }

    /// The erase size: bytes per sector.
    pub const fn erase_size(&self) -> usize {
        self.erase_size
    }

    /// Sets every counter back to zero (to measure one workload after formatting).
    pub fn reset_counters(&mut self) {
        self.erase_counts.as_mut().fill(0);
        self.bytes_programmed = 0;
    }

    /// The bytes of block `index`, checked against the flash.
    fn block_range(&self, index: u64) -> Result<core::ops::Range<usize>, RamNorFlashError> {
        let size = self.block_size.get();
        let block_count = BlockDevice::block_count(self);
        let start = usize::try_from(index)
            .ok()
            .filter(|_| index < block_count)
            .and_then(|index| index.checked_mul(size))
            .ok_or(RamNorFlashError::OutOfRange { index, block_count })?;
        Ok(start..start.saturating_add(size))
    }

    fn program_bytes(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Result<(), RamNorFlashError> {
        let block = self.block_range(index)?;
        let misaligned = RamNorFlashError::Misaligned {
            index,
            offset,
            length: data.len(),
        };
        let unit = self.program_size;
        if !offset.is_multiple_of(unit) || !data.len().is_multiple_of(unit) {
            return Err(misaligned);
        }
        let start = block.start.saturating_add(offset);
        let target = offset
            .checked_add(data.len())
            .filter(|end| *end <= self.block_size.get())
            .and_then(|_| {
                self.bytes
                    .as_mut()
                    .get_mut(start..start.saturating_add(data.len()))
            })
            .ok_or(misaligned)?;
        if let Some(first) = target.iter().position(|byte| *byte != 0xFF) {
            return Err(RamNorFlashError::NotErased {
                index,
                offset: offset.saturating_add(first),
            });
        }
        target.copy_from_slice(data);
        self.bytes_programmed = self.bytes_programmed.saturating_add(data.len() as u64);
        Ok(())
    }

    fn erase(&mut self, index: u64) -> Result<(), RamNorFlashError> {
        let block = self.block_range(index)?;
        if let Some(bytes) = self.bytes.as_mut().get_mut(block.clone()) {
            bytes.fill(0xFF);
        }
        let first = block.start.checked_div(self.erase_size).unwrap_or(0);
        let sectors = self
            .block_size
            .get()
            .checked_div(self.erase_size)
            .unwrap_or(0);
        let end = first.saturating_add(sectors);
        for count in self
            .erase_counts
            .as_mut()
            .get_mut(first..end)
            .unwrap_or_default()
        {
            *count = count.saturating_add(1);
        }
        Ok(())
    }
}

impl<Bytes, Counters> BlockDevice for RamNorFlash<Bytes, Counters>
where
    Bytes: AsRef<[u8]> + AsMut<[u8]>,
    Counters: AsRef<[u32]> + AsMut<[u32]>,
{
    type Error = RamNorFlashError;

    fn block_size(&self) -> BlockSize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        let blocks = self
            .bytes
            .as_ref()
            .len()
            .checked_div(self.block_size.get())
            .unwrap_or(0);
        blocks as u64
    }

    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        let block = self.block_range(index)?;
        let misaligned = RamNorFlashError::Misaligned {
            index,
            offset: 0,
            length: buffer.len(),
        };
        if buffer.len() != block.len() {
            return Err(misaligned);
        }
        buffer.copy_from_slice(self.bytes.as_ref().get(block).ok_or(misaligned)?);
        Ok(())
    }

    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        if data.len() != self.block_size.get() {
            return Err(RamNorFlashError::Misaligned {
                index,
                offset: 0,
                length: data.len(),
            });
        }
        self.erase(index)?;
        self.program_bytes(index, 0, data)
    }

    fn flash(&mut self) -> Option<&mut dyn FlashOperations<Error = Self::Error>> {
        Some(self)
    }
}

impl<Bytes, Counters> FlashOperations for RamNorFlash<Bytes, Counters>
where
    Bytes: AsRef<[u8]> + AsMut<[u8]>,
    Counters: AsRef<[u32]> + AsMut<[u32]>,
{
    type Error = RamNorFlashError;

    fn program_size(&self) -> usize {
        self.program_size
    }

    fn erase_block(&mut self, index: u64) -> Result<(), Self::Error> {
        self.erase(index)
    }

    fn program(&mut self, index: u64, offset: usize, data: &[u8]) -> Result<(), Self::Error> {
        self.program_bytes(index, offset, data)
    }
}
