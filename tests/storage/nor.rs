//! `NorFlashDevice` over a mock NOR flash that behaves like the real thing: erased bytes
//! read `0xFF`, a write only clears bits, and every access must be aligned and in bounds.
#![cfg(feature = "embedded-storage")]

use std::collections::BTreeMap;

use dwvd_regions::Region;
use dwvd_regions::storage::{
    BlockDevice, DeviceOperation, MetadataCopy, NorFlashConfigError, NorFlashDevice,
    NorFlashDeviceError, StorageError, StoredRing, StoredVault, StoredWorm,
};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// The mock flash
// ---------------------------------------------------------------------------------------

/// A flash operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Erase,
}

/// One call the flash received (recorded before it is checked, so refused calls show too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Read { offset: u32, len: usize },
    Write { offset: u32, len: usize },
    Erase { from: u32, to: u32 },
}

impl Call {
    const fn op(self) -> Op {
        match self {
            Call::Read { .. } => Op::Read,
            Call::Write { .. } => Op::Write,
            Call::Erase { .. } => Op::Erase,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MockError {
    NotAligned,
    OutOfBounds,
    /// The failure injected with [`MockFlash::fail_on`].
    Injected {
        op: Op,
        offset: u32,
    },
}

impl NorFlashError for MockError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            MockError::NotAligned => NorFlashErrorKind::NotAligned,
            MockError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            MockError::Injected { .. } => NorFlashErrorKind::Other,
        }
    }
}

/// A NOR flash in a `Vec`: reads in `READ`-byte units, programs in `WRITE`-byte units (a
/// program is `old & new`: it only clears bits) and erases `ERASE`-byte sectors to `0xFF`.
#[derive(Debug, Clone)]
struct MockFlash<const READ: usize, const WRITE: usize, const ERASE: usize> {
    bytes: Vec<u8>,
    /// What `capacity()` reports; normally `bytes.len()`. Larger only to test the u32
    /// limits of `NorFlashDevice::new` without allocating gigabytes: accesses past
    /// `bytes` are out of bounds.
    capacity: usize,
    calls: Vec<Call>,
    /// Fail the `n`-th (from 1) call of this operation, changing nothing.
    fail: Option<(Op, usize)>,
}

impl<const READ: usize, const WRITE: usize, const ERASE: usize> MockFlash<READ, WRITE, ERASE> {
    /// An erased flash of `capacity` bytes.
    fn new(capacity: usize) -> Self {
        Self {
            bytes: vec![0xFF; capacity],
            capacity,
            calls: Vec::new(),
            fail: None,
        }
    }

    /// A flash that claims `capacity` bytes and holds none.
    fn claiming(capacity: usize) -> Self {
        Self {
            bytes: Vec::new(),
            capacity,
            calls: Vec::new(),
            fail: None,
        }
    }

    fn fail_on(mut self, op: Op, nth: usize) -> Self {
        self.fail = Some((op, nth));
        self
    }

    fn count(&self, op: Op) -> usize {
        self.calls.iter().filter(|call| call.op() == op).count()
    }

    /// Records `call` and says whether it is the one to fail.
    fn record(&mut self, call: Call) -> bool {
        self.calls.push(call);
        self.fail == Some((call.op(), self.count(call.op())))
    }

    /// The byte range `offset .. offset + len` if it is in bounds and aligned to `unit`.
    fn span(
        &self,
        offset: u32,
        len: usize,
        unit: usize,
    ) -> Result<core::ops::Range<usize>, MockError> {
        let start = usize::try_from(offset).unwrap();
        let end = start.checked_add(len).ok_or(MockError::OutOfBounds)?;
        if end > self.capacity || end > self.bytes.len() {
            return Err(MockError::OutOfBounds);
        }
        if unit == 0 || !start.is_multiple_of(unit) || !len.is_multiple_of(unit) {
            return Err(MockError::NotAligned);
        }
        Ok(start..end)
    }
}

impl<const READ: usize, const WRITE: usize, const ERASE: usize> ErrorType
    for MockFlash<READ, WRITE, ERASE>
{
    type Error = MockError;
}

impl<const READ: usize, const WRITE: usize, const ERASE: usize> ReadNorFlash
    for MockFlash<READ, WRITE, ERASE>
{
    const READ_SIZE: usize = READ;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
        let fail = self.record(Call::Read {
            offset,
            len: bytes.len(),
        });
        let span = self.span(offset, bytes.len(), READ)?;
        if fail {
            return Err(MockError::Injected {
                op: Op::Read,
                offset,
            });
        }
        bytes.copy_from_slice(&self.bytes[span]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<const READ: usize, const WRITE: usize, const ERASE: usize> NorFlash
    for MockFlash<READ, WRITE, ERASE>
{
    const WRITE_SIZE: usize = WRITE;
    const ERASE_SIZE: usize = ERASE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        let fail = self.record(Call::Erase { from, to });
        let len = to.checked_sub(from).ok_or(MockError::OutOfBounds)?;
        let span = self.span(from, usize::try_from(len).unwrap(), ERASE)?;
        if fail {
            return Err(MockError::Injected {
                op: Op::Erase,
                offset: from,
            });
        }
        self.bytes[span].fill(0xFF);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        let fail = self.record(Call::Write {
            offset,
            len: bytes.len(),
        });
        let span = self.span(offset, bytes.len(), WRITE)?;
        if fail {
            return Err(MockError::Injected {
                op: Op::Write,
                offset,
            });
        }
        // NOR programming only pulls bits from 1 to 0.
        for (cell, &byte) in self.bytes[span].iter_mut().zip(bytes) {
            *cell &= byte;
        }
        Ok(())
    }
}

/// Sectors of 256 bytes, so every 512-byte block spans two.
type SmallSectors = MockFlash<4, 16, 256>;
/// Typical SPI NOR: byte reads, 256-byte pages, 4 KiB sectors.
type SpiNor = MockFlash<1, 256, 4096>;

const SIZE: BlockSize = BlockSize::MIN;
const BLOCK: usize = 512;

/// A block whose every byte differs from its neighbours' and from other blocks'.
fn pattern(seed: u8) -> Vec<u8> {
    (0..BLOCK)
        .map(|i| seed.wrapping_mul(37).wrapping_add((i % 251) as u8))
        .collect()
}

fn read(device: &mut impl BlockDevice, index: u64) -> Vec<u8> {
    let mut buffer = vec![0u8; device.block_size().get()];
    device.read_block(index, &mut buffer).unwrap();
    buffer
}

// ---------------------------------------------------------------------------------------
// The mock itself
// ---------------------------------------------------------------------------------------

/// The tests below rely on the mock catching a missing erase and a misaligned access.
#[test]
fn the_mock_flash_only_clears_bits_and_checks_alignment() {
    let mut flash = SmallSectors::new(1024);
    let mut buffer = [0u8; 16];
    flash.read(0, &mut buffer).unwrap();
    assert_eq!(buffer, [0xFF; 16], "starts erased");

    flash.write(16, &[0x0F; 16]).unwrap();
    flash.write(16, &[0xF3; 16]).unwrap();
    flash.read(16, &mut buffer).unwrap();
    assert_eq!(buffer, [0x03; 16], "a write without erase ANDs");
    flash.erase(0, 256).unwrap();
    flash.read(16, &mut buffer).unwrap();
    assert_eq!(buffer, [0xFF; 16]);

    assert_eq!(flash.write(8, &[0; 16]), Err(MockError::NotAligned));
    assert_eq!(flash.write(0, &[0; 8]), Err(MockError::NotAligned));
    assert_eq!(flash.read(2, &mut buffer), Err(MockError::NotAligned));
    assert_eq!(flash.erase(0, 128), Err(MockError::NotAligned));
    assert_eq!(flash.erase(256, 0), Err(MockError::OutOfBounds));
    assert_eq!(flash.erase(768, 1280), Err(MockError::OutOfBounds));
    assert_eq!(flash.read(1024, &mut buffer), Err(MockError::OutOfBounds));
    assert_eq!(
        MockError::Injected {
            op: Op::Read,
            offset: 0
        }
        .kind(),
        NorFlashErrorKind::Other
    );

    let mut flash = SmallSectors::new(1024).fail_on(Op::Write, 2);
    flash.write(0, &[0; 16]).unwrap();
    assert_eq!(
        flash.write(16, &[0; 16]),
        Err(MockError::Injected {
            op: Op::Write,
            offset: 16
        })
    );
    flash.read(16, &mut buffer).unwrap();
    assert_eq!(buffer, [0xFF; 16], "an injected failure changes nothing");
    flash.write(32, &[0; 16]).unwrap();
    assert_eq!(flash.count(Op::Write), 3);
    assert_eq!(flash.count(Op::Read), 1);
}

// ---------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------

#[test]
fn new_refuses_a_block_size_that_is_not_a_multiple_of_every_flash_unit() {
    // Each unit on its own: erase, write, read; and a unit of zero.
    let error = NorFlashDevice::new(MockFlash::<4, 16, 1024>::new(4096), SIZE, 0, 4).unwrap_err();
    assert_eq!(
        error,
        NorFlashConfigError::BlockSizeNotAligned {
            block_size: 512,
            erase_size: 1024,
            write_size: 16,
            read_size: 4,
        }
    );
    assert_eq!(
        error.to_string(),
        "block size 512 is not a multiple of the flash's erase (1024), write (16) and read (4) sizes"
    );
    assert!(core::error::Error::source(&error).is_none());
    let boxed: Box<dyn core::error::Error> = Box::new(error);
    assert!(boxed.to_string().starts_with("block size 512 "));

    assert_eq!(
        NorFlashDevice::new(MockFlash::<4, 3, 256>::new(4096), SIZE, 0, 4).unwrap_err(),
        NorFlashConfigError::BlockSizeNotAligned {
            block_size: 512,
            erase_size: 256,
            write_size: 3,
            read_size: 4,
        }
    );
    assert_eq!(
        NorFlashDevice::new(MockFlash::<3, 16, 256>::new(4096), SIZE, 0, 4).unwrap_err(),
        NorFlashConfigError::BlockSizeNotAligned {
            block_size: 512,
            erase_size: 256,
            write_size: 16,
            read_size: 3,
        }
    );
    assert!(matches!(
        NorFlashDevice::new(MockFlash::<4, 16, 0>::new(4096), SIZE, 0, 4),
        Err(NorFlashConfigError::BlockSizeNotAligned { erase_size: 0, .. })
    ));
    assert!(matches!(
        NorFlashDevice::new(MockFlash::<4, 0, 256>::new(4096), SIZE, 0, 4),
        Err(NorFlashConfigError::BlockSizeNotAligned { write_size: 0, .. })
    ));
    assert!(matches!(
        NorFlashDevice::new(MockFlash::<0, 16, 256>::new(4096), SIZE, 0, 4),
        Err(NorFlashConfigError::BlockSizeNotAligned { read_size: 0, .. })
    ));
    // 768-byte blocks on 512-byte sectors would share a sector between two blocks.
    let odd = BlockSize::new(768).unwrap();
    assert!(matches!(
        NorFlashDevice::new(MockFlash::<4, 16, 512>::new(4096), odd, 0, 2),
        Err(NorFlashConfigError::BlockSizeNotAligned {
            block_size: 768,
            erase_size: 512,
            ..
        })
    ));

    // Multiples are accepted: three 256-byte sectors, one sector, and units of one byte.
    let device = NorFlashDevice::new(SmallSectors::new(3 * 768), odd, 0, 3).unwrap();
    assert_eq!(device.block_size(), odd);
    assert_eq!(device.block_count(), 3);
    let device = NorFlashDevice::new(SpiNor::new(2 * 4096), BlockSize::DEFAULT, 0, 2).unwrap();
    assert_eq!(device.block_size(), BlockSize::DEFAULT);
    assert_eq!(device.block_count(), 2);
    let device = NorFlashDevice::new(MockFlash::<1, 1, 1>::new(BLOCK), SIZE, 0, 1).unwrap();
    assert_eq!(device.block_size(), SIZE);
    assert_eq!(device.block_count(), 1);
}

#[test]
fn new_refuses_blocks_that_do_not_fit_erase_aligned_in_the_flash() {
    // 4.5 blocks of capacity: a remainder is allowed, the blocks are counted by the caller.
    let capacity = 4 * BLOCK + 256;
    let flash = || SmallSectors::new(capacity);

    let device = NorFlashDevice::new(flash(), SIZE, 0, 4).unwrap();
    assert_eq!(device.block_count(), 4);
    assert_eq!(device.block_size(), SIZE);
    // Ending exactly at the end of the flash.
    let device = NorFlashDevice::new(flash(), SIZE, 256, 4).unwrap();
    assert_eq!(device.block_count(), 4);
    let device = NorFlashDevice::new(flash(), SIZE, 512, 3).unwrap();
    assert_eq!(device.block_count(), 3);

    // One block too many, from the start and from an offset.
    let error = NorFlashDevice::new(flash(), SIZE, 0, 5).unwrap_err();
    assert_eq!(
        error,
        NorFlashConfigError::OutOfFlash {
            base_offset: 0,
            block_count: 5,
            capacity,
        }
    );
    assert_eq!(
        error.to_string(),
        "5 blocks from offset 0 do not fit, erase-aligned, in a flash of 2304 bytes"
    );
    assert!(core::error::Error::source(&error).is_none());
    assert_eq!(
        NorFlashDevice::new(flash(), SIZE, 512, 4).unwrap_err(),
        NorFlashConfigError::OutOfFlash {
            base_offset: 512,
            block_count: 4,
            capacity,
        }
    );
    // A base that is not on a sector boundary, though the blocks would fit.
    assert_eq!(
        NorFlashDevice::new(flash(), SIZE, 128, 1).unwrap_err(),
        NorFlashConfigError::OutOfFlash {
            base_offset: 128,
            block_count: 1,
            capacity,
        }
    );
    assert!(NorFlashDevice::new(flash(), SIZE, 4, 1).is_err());
    // Past the end altogether, and counts whose byte length is enormous.
    assert!(NorFlashDevice::new(flash(), SIZE, 4096, 1).is_err());
    assert!(NorFlashDevice::new(flash(), SIZE, 0, u32::MAX).is_err());
    assert!(NorFlashDevice::new(flash(), SIZE, u32::MAX - 255, 1).is_err());
}

/// Flash offsets are u32: a device must end at or below 4 GiB, even on a larger flash.
#[test]
fn new_keeps_every_block_addressable_with_u32_offsets() {
    let Ok(capacity) = usize::try_from((1u64 << 32) + 4096) else {
        return; // a 32-bit host cannot describe such a flash
    };
    let blocks_below_4g: u32 = (1 << 23) - 1; // 512-byte blocks ending at 4 GiB − 512

    let mut device =
        NorFlashDevice::new(SmallSectors::claiming(capacity), SIZE, 0, blocks_below_4g).unwrap();
    assert_eq!(device.block_count(), u64::from(blocks_below_4g));
    // The last block is addressed at its true offset (the mock holds no bytes, so the
    // read fails there — after recording where it was sent).
    let last = u64::from(blocks_below_4g) - 1;
    let mut buffer = [0u8; BLOCK];
    assert_eq!(
        device.read_block(last, &mut buffer),
        Err(NorFlashDeviceError::Flash(MockError::OutOfBounds))
    );
    assert_eq!(
        device.into_inner().calls,
        [Call::Read {
            offset: u32::MAX - 1023,
            len: BLOCK
        }]
    );

    // Ending exactly at 4 GiB: the end offset is not a u32, although the flash is larger.
    assert_eq!(
        NorFlashDevice::new(SmallSectors::claiming(capacity), SIZE, 0, 1 << 23).unwrap_err(),
        NorFlashConfigError::OutOfFlash {
            base_offset: 0,
            block_count: 1 << 23,
            capacity,
        }
    );
    assert!(
        NorFlashDevice::new(SmallSectors::claiming(capacity), SIZE, 512, blocks_below_4g).is_err()
    );
    assert!(
        NorFlashDevice::new(SmallSectors::claiming(capacity), SIZE, 256, blocks_below_4g).is_ok()
    );
}

// ---------------------------------------------------------------------------------------
// Reads and writes
// ---------------------------------------------------------------------------------------

#[test]
fn each_block_is_its_own_flash_range_after_the_base_offset() {
    // Six blocks of flash; the device is blocks 1..5 of it. The flash outside the device
    // holds someone else's data.
    let mut flash = SmallSectors::new(6 * BLOCK);
    flash.bytes[..BLOCK].fill(0xA5);
    flash.bytes[5 * BLOCK..].fill(0x5A);
    let outside = flash.bytes.clone();

    let base = 512u32;
    let mut device = NorFlashDevice::new(&mut flash, SIZE, base, 4).unwrap();
    for index in 0..4u8 {
        device.write_block(index.into(), &pattern(index)).unwrap();
    }
    device.sync().unwrap();
    for index in 0..4u8 {
        assert_eq!(
            read(&mut device, index.into()),
            pattern(index),
            "block {index}"
        );
    }

    // One erase of exactly the block's two sectors, then one program of the whole block,
    // at base + index × 512; then the reads, in the same places.
    let mut expected = Vec::new();
    for index in 0..4u32 {
        let start = base + index * 512;
        expected.push(Call::Erase {
            from: start,
            to: start + 512,
        });
        expected.push(Call::Write {
            offset: start,
            len: BLOCK,
        });
    }
    for index in 0..4u32 {
        expected.push(Call::Read {
            offset: base + index * 512,
            len: BLOCK,
        });
    }
    assert_eq!(flash.calls, expected);

    // The bytes are where the calls said, and nothing outside the device changed.
    for index in 0..4usize {
        let start = 512 + index * BLOCK;
        assert_eq!(
            flash.bytes[start..start + BLOCK],
            pattern(index as u8),
            "block {index}"
        );
    }
    assert_eq!(flash.bytes[..BLOCK], outside[..BLOCK]);
    assert_eq!(flash.bytes[5 * BLOCK..], outside[5 * BLOCK..]);
}

#[test]
fn rewriting_a_block_erases_exactly_its_sectors_first() {
    let mut flash = SmallSectors::new(5 * BLOCK);
    fn device(flash: &mut SmallSectors) -> NorFlashDevice<&mut SmallSectors> {
        NorFlashDevice::new(flash, SIZE, 0, 5).unwrap()
    }
    // Low nibbles only: a program over them without an erase would lose every high bit.
    let old = |seed: u8| pattern(seed).iter().map(|b| b & 0x0F).collect::<Vec<_>>();
    let mut nor = device(&mut flash);
    for index in 0..5u8 {
        nor.write_block(index.into(), &old(index)).unwrap();
    }
    let mut image = flash.bytes.clone();

    for (round, index) in [(1u8, 2u64), (2, 2), (3, 0), (4, 4)] {
        let new: Vec<u8> = pattern(round + 10).iter().map(|b| b | 0xF0).collect();
        let calls_before = flash.calls.len();
        device(&mut flash).write_block(index, &new).unwrap();
        let start = u32::try_from(index).unwrap() * 512;
        assert_eq!(
            flash.calls[calls_before..],
            [
                Call::Erase {
                    from: start,
                    to: start + 512
                },
                Call::Write {
                    offset: start,
                    len: BLOCK
                }
            ],
            "round {round}"
        );
        let start = usize::try_from(start).unwrap();
        image[start..start + BLOCK].copy_from_slice(&new);
        assert_eq!(
            flash.bytes, image,
            "round {round}: only block {index} changed"
        );
        let mut nor = device(&mut flash);
        assert_eq!(read(&mut nor, index), new, "round {round}: the new data");
        for other in (0..5u64).filter(|&other| other != index) {
            let at = usize::try_from(other).unwrap() * BLOCK;
            assert_eq!(
                read(&mut nor, other),
                image[at..at + BLOCK],
                "round {round}: block {other} untouched"
            );
        }
    }
}

#[test]
fn blocks_past_the_device_and_wrong_lengths_are_errors_that_touch_no_flash() {
    // The flash has room past the device's four blocks, so only the device stops there.
    let mut flash = SmallSectors::new(8 * BLOCK);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 4).unwrap();
    let mut buffer = vec![0u8; BLOCK];
    let data = vec![0u8; BLOCK];
    for index in [4, 5, 1 << 32, (1 << 32) + 1, u64::MAX] {
        assert_eq!(
            device.read_block(index, &mut buffer),
            Err(NorFlashDeviceError::OutOfRange {
                index,
                block_count: 4
            }),
            "read {index}"
        );
        assert_eq!(
            device.write_block(index, &data),
            Err(NorFlashDeviceError::OutOfRange {
                index,
                block_count: 4
            }),
            "write {index}"
        );
    }
    assert_eq!(
        device.read_block(4, &mut buffer).unwrap_err().to_string(),
        "block 4 is outside the device's 4 blocks"
    );
    assert_eq!(
        device.write_block(1, &data[..7]).unwrap_err().to_string(),
        "a buffer of 7 bytes is not one 512-byte block"
    );
    // A buffer that is not one block, at a valid index, is refused.
    for length in [
        0,
        1,
        16,
        BLOCK - 16,
        BLOCK - 1,
        BLOCK + 1,
        BLOCK + 16,
        2 * BLOCK,
    ] {
        let mut buffer = vec![0u8; length];
        assert_eq!(
            device.read_block(3, &mut buffer),
            Err(NorFlashDeviceError::WrongLength {
                length,
                block_size: BLOCK
            }),
            "read of {length} bytes"
        );
        assert_eq!(
            device.write_block(0, &buffer),
            Err(NorFlashDeviceError::WrongLength {
                length,
                block_size: BLOCK
            }),
            "write of {length} bytes"
        );
    }
    assert_eq!(device.sync(), Ok(()));
    assert_eq!(flash.calls, [], "nothing reached the flash");
    assert!(flash.bytes.iter().all(|&b| b == 0xFF));

    // The last block is still in range.
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 4).unwrap();
    device.write_block(3, &pattern(3)).unwrap();
    assert_eq!(read(&mut device, 3), pattern(3));
}

#[test]
fn a_flash_failure_is_the_device_error_unchanged() {
    // The second erase fails: that block is not programmed.
    let mut flash = SmallSectors::new(4 * BLOCK).fail_on(Op::Erase, 2);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, 4).unwrap();
    device.write_block(0, &pattern(0)).unwrap();
    let error = device.write_block(2, &pattern(2)).unwrap_err();
    assert_eq!(
        error,
        NorFlashDeviceError::Flash(MockError::Injected {
            op: Op::Erase,
            offset: 1024
        })
    );
    assert_eq!(
        error.to_string(),
        "the NOR flash driver failed: Injected { op: Erase, offset: 1024 }"
    );
    assert!(core::error::Error::source(&error).is_none());
    assert_eq!(flash.count(Op::Erase), 2);
    assert_eq!(flash.count(Op::Write), 1, "no program after a failed erase");

    // The second program fails after its erase.
    let mut flash = SmallSectors::new(4 * BLOCK).fail_on(Op::Write, 2);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, 4).unwrap();
    device.write_block(3, &pattern(3)).unwrap();
    let error = device.write_block(1, &pattern(1)).unwrap_err();
    assert_eq!(
        error,
        NorFlashDeviceError::Flash(MockError::Injected {
            op: Op::Write,
            offset: 512
        })
    );
    let NorFlashDeviceError::Flash(inner) = error else {
        unreachable!()
    };
    assert_eq!(inner.kind(), NorFlashErrorKind::Other);
    assert_eq!(
        read(&mut device, 1),
        [0xFF; BLOCK],
        "erased, not programmed"
    );
    assert_eq!(read(&mut device, 3), pattern(3));

    // A read failure, at the block's offset.
    let mut flash = SmallSectors::new(4 * BLOCK).fail_on(Op::Read, 1);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 1024, 2).unwrap();
    let mut buffer = [0u8; BLOCK];
    assert_eq!(
        device.read_block(1, &mut buffer),
        Err(NorFlashDeviceError::Flash(MockError::Injected {
            op: Op::Read,
            offset: 1536
        }))
    );
    assert_eq!(read(&mut device, 1), [0xFF; BLOCK]);
}

// ---------------------------------------------------------------------------------------
// Stored regions on flash
// ---------------------------------------------------------------------------------------

/// How a stored region used the flash, from the calls it made.
#[derive(Debug, Default, PartialEq, Eq)]
struct FlashUse {
    /// Block writes (`write_block`: an erase of the block, then a program of all of it),
    /// per device block.
    block_writes: BTreeMap<u64, usize>,
    /// Erases not followed by a program of the whole block (a journal block taken, a
    /// block cleared by format), per device block.
    bare_erases: BTreeMap<u64, usize>,
    /// Programs of part of a block, in place (journal entries and seals): device block,
    /// byte offset in it, length.
    partial_programs: Vec<(u64, usize, usize)>,
}

/// Replays `calls` (all of them, from a freshly erased flash) and checks the rules of NOR
/// flash that the mock does not enforce (it ANDs a program into the old bytes, as real
/// flash does): every erase is of exactly one block of the device at `base`; no byte is
/// programmed twice without an erase between; a program stays inside one block; reads
/// are whole blocks. Returns what the calls from `from` on did.
fn flash_use(calls: &[Call], from: usize, base: u32, block_size: u32) -> FlashUse {
    let mut programmed: BTreeMap<u32, Call> = BTreeMap::new();
    let mut usage = FlashUse::default();
    let block_of = |offset: u32| {
        assert!(offset >= base, "below the device: {offset}");
        (
            u64::from((offset - base) / block_size),
            (offset - base) % block_size,
        )
    };
    for (i, call) in calls.iter().enumerate() {
        let counted = i >= from;
        match *call {
            Call::Erase { from: start, to } => {
                assert_eq!(to - start, block_size, "{call:?}: not one block");
                let (block, at) = block_of(start);
                assert_eq!(at, 0, "{call:?}: not at a block's start");
                programmed.retain(|offset, _| !(start..to).contains(offset));
                let whole_program_next = calls.get(i + 1)
                    == Some(&Call::Write {
                        offset: start,
                        len: block_size as usize,
                    });
                if counted {
                    let kind = if whole_program_next {
                        &mut usage.block_writes
                    } else {
                        &mut usage.bare_erases
                    };
                    *kind.entry(block).or_default() += 1;
                }
            }
            Call::Write { offset, len } => {
                let end = offset + u32::try_from(len).unwrap();
                if let Some((byte, earlier)) = programmed.range(offset..end).next() {
                    panic!(
                        "{call:?} programs byte {byte} again without an erase, after {earlier:?}"
                    );
                }
                for byte in offset..end {
                    programmed.insert(byte, *call);
                }
                let (block, at) = block_of(offset);
                assert_eq!(block_of(end - 1).0, block, "{call:?}: across blocks");
                let block_write = i > 0
                    && len == block_size as usize
                    && calls[i - 1]
                        == Call::Erase {
                            from: offset,
                            to: end,
                        };
                if counted && !block_write {
                    usage.partial_programs.push((block, at as usize, len));
                }
            }
            Call::Read { len, .. } => assert_eq!(len, block_size as usize, "{call:?}"),
        }
    }
    usage
}

/// Per-block counts, written out.
fn per_block(counts: &[(u64, usize)]) -> BTreeMap<u64, usize> {
    counts.iter().copied().collect()
}

#[test]
fn the_flash_use_check_catches_a_program_without_an_erase() {
    let block_write = [
        Call::Erase { from: 0, to: 512 },
        Call::Write {
            offset: 0,
            len: 512,
        },
    ];
    let usage = flash_use(&block_write, 0, 0, 512);
    assert_eq!(usage.block_writes, per_block(&[(0, 1)]));
    // Programs into erased space, in place, after a bare erase: allowed.
    let journal = [
        Call::Erase {
            from: 1024,
            to: 1536,
        },
        Call::Write {
            offset: 1024,
            len: 32,
        },
        Call::Write {
            offset: 1056,
            len: 32,
        },
    ];
    let usage = flash_use(&journal, 0, 512, 512);
    assert_eq!(usage.bare_erases, per_block(&[(1, 1)]));
    assert_eq!(usage.partial_programs, [(1, 0, 32), (1, 32, 32)]);
    // The same bytes again without an erase: refused.
    let twice = [journal[0], journal[1], journal[1]];
    assert!(std::panic::catch_unwind(|| flash_use(&twice, 0, 512, 512)).is_err());
    let overlapping = [
        block_write[0],
        block_write[1],
        Call::Write {
            offset: 496,
            len: 16,
        },
    ];
    assert!(std::panic::catch_unwind(|| flash_use(&overlapping, 0, 0, 512)).is_err());
    // Half a block erased, or a program across two blocks: refused.
    let half = [Call::Erase { from: 0, to: 256 }];
    assert!(std::panic::catch_unwind(|| flash_use(&half, 0, 0, 512)).is_err());
    let across = [Call::Write {
        offset: 496,
        len: 32,
    }];
    assert!(std::panic::catch_unwind(|| flash_use(&across, 0, 0, 512)).is_err());
}

#[test]
fn a_stored_ring_on_nor_flash_wraps_and_recovers() {
    // A ring of 4 slots after one block of other data: device blocks 0, 1 (header
    // copies), 2, 3 (journal), 4..8 (slots) at flash blocks 1..9.
    assert_eq!(StoredRing::blocks_needed(4), 8);
    let mut flash = SmallSectors::new(10 * BLOCK);
    flash.bytes[..BLOCK].fill(0x42);
    flash.bytes[9 * BLOCK..].fill(0x24);
    let outside = flash.bytes.clone();
    let mut scratch = [0u8; BLOCK];
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 8).unwrap();

    let ring = StreamingRing::new(SIZE, 4, 4).unwrap();
    let mut stored = StoredRing::format(&mut device, 0, ring, &mut scratch).unwrap();
    // Format: the journal and the 4 (empty) slots erased, then copy B, then copy A.
    let formatted = flash.calls.len();
    assert_eq!(
        flash_use(&flash.calls, 0, 512, 512),
        FlashUse {
            block_writes: per_block(&[(1, 1), (0, 1)]),
            bare_erases: per_block(&[(2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1)]),
            partial_programs: vec![],
        }
    );

    // Ten appends on four slots: every slot and both header copies are rewritten, which
    // only reads back right if each rewrite erased first.
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 8).unwrap();
    for entry in 0..10u8 {
        let appended = stored
            .append(&mut device, &[entry; 40], &mut scratch)
            .unwrap();
        assert_eq!(appended.position, u64::from(entry));
    }
    // Position p goes to slot p mod 4 (device block 4 + p mod 4): 3, 3, 2 and 2 writes.
    // Before the 5th and the 9th append (4 appends since the checkpoint) a header
    // checkpoint: into copy B (block 1), then copy A (block 0). Nothing else: an append
    // writes no header, no journal.
    let appended = flash.calls.len();
    assert_eq!(
        flash_use(&flash.calls, formatted, 512, 512),
        FlashUse {
            block_writes: per_block(&[(0, 1), (1, 1), (4, 3), (5, 3), (6, 2), (7, 2)]),
            ..FlashUse::default()
        }
    );
    // Checkpoints at generation 2 + 4 + 1 = 7, then 7 + 4 + 1 = 12.
    assert_eq!(stored.region().generation(), 12);
    assert_eq!(stored.current_copy(), MetadataCopy::A);

    // Two consumes: journal entries of 16 + 8 + 8 = 32 bytes (whole 16-byte program
    // units). The journal after the checkpoint of generation 12 starts at journal block
    // 12 mod 2 = 0, device block 2: taken (erased) by the first, then programmed in place.
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 8).unwrap();
    for position in [6, 7] {
        assert_eq!(
            stored.consume(&mut device, &mut scratch).unwrap(),
            Some(position)
        );
    }
    assert_eq!(
        flash_use(&flash.calls, appended, 512, 512),
        FlashUse {
            bare_erases: per_block(&[(2, 1)]),
            partial_programs: vec![(2, 0, 32), (2, 32, 32)],
            ..FlashUse::default()
        }
    );
    assert_eq!(flash.bytes[..BLOCK], outside[..BLOCK]);
    assert_eq!(flash.bytes[9 * BLOCK..], outside[9 * BLOCK..]);

    // After a reset: a new device value over the same flash.
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 512, 8).unwrap();
    let recovered = StoredRing::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(recovered, stored);
    assert_eq!(recovered.region().write_head(), 10);
    assert_eq!(recovered.region().read_tail(), 8);
    assert_eq!(recovered.region().entry_count(), 2);
    // 2 appends since the checkpoint (their slots) and 2 consumes (the journal).
    assert_eq!(recovered.operations_since_checkpoint(), 4);
    for position in 8..10u8 {
        let entry = recovered
            .read(&mut device, position.into(), &mut scratch)
            .unwrap();
        assert_eq!(entry[..40], [position; 40]);
        assert!(entry[40..].iter().all(|&b| b == 0), "zero padding");
    }
    assert!(
        recovered.read(&mut device, 7, &mut scratch).is_err(),
        "consumed"
    );
}

#[test]
fn a_stored_worm_on_nor_flash_appends_and_reads_back() {
    // WORM<8>: copies of 1 block (0, 1), a journal of 2 (2, 3), data blocks 4..8; the
    // device starts at flash block 2.
    let blocks = StoredWorm::<8>::blocks_needed(SIZE, 4);
    assert_eq!(blocks, 8);
    let blocks_u32 = u32::try_from(blocks).unwrap();
    let mut flash = SmallSectors::new((blocks as usize + 2) * BLOCK);
    let mut scratch = vec![0u8; StoredWorm::<8>::scratch_len(SIZE)];
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 1024, blocks_u32).unwrap();

    let region = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(1_000)).unwrap();
    let mut stored = StoredWorm::format(&mut device, 0, region, &mut scratch).unwrap();
    // Format: the journal erased, then copy B, then copy A (no data block is cleared).
    let formatted = flash.calls.len();
    assert_eq!(
        flash_use(&flash.calls, 0, 1024, 512),
        FlashUse {
            block_writes: per_block(&[(1, 1), (0, 1)]),
            bare_erases: per_block(&[(2, 1), (3, 1)]),
            partial_programs: vec![],
        }
    );
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 1024, blocks_u32).unwrap();
    let records: [&[u8]; 4] = [b"alpha", &[0xFF; 496], b"", b"delta"];
    for (index, record) in records.iter().enumerate() {
        let at = stored
            .append(
                &mut device,
                record,
                Ticks::new(2_000 + index as i64),
                &mut scratch,
            )
            .unwrap();
        assert_eq!(at, index as u64);
    }
    // Full.
    assert!(
        stored
            .append(&mut device, b"more", Ticks::new(9_000), &mut scratch)
            .is_err()
    );
    // Each append: its data block (device block 4 + index), then its journal entry of
    // 16 + 52 + 8 = 76 bytes, 80 in whole 16-byte program units. After the checkpoint of
    // generation 2 the journal starts at journal block 2 mod 2 = 0 (device block 2),
    // erased when the first entry takes it; the others are programmed after it in place.
    // No checkpoint: the journal has room for 2 × 6 entries.
    assert_eq!(
        flash_use(&flash.calls, formatted, 1024, 512),
        FlashUse {
            block_writes: per_block(&[(4, 1), (5, 1), (6, 1), (7, 1)]),
            bare_erases: per_block(&[(2, 1)]),
            partial_programs: vec![(2, 0, 80), (2, 80, 80), (2, 160, 80), (2, 240, 80)],
        }
    );
    assert_eq!(stored.current_copy(), MetadataCopy::A);
    assert_eq!(stored.operations_since_checkpoint(), 4);
    assert!(
        flash.bytes[..1024].iter().all(|&b| b == 0xFF),
        "before the device"
    );

    let mut device = NorFlashDevice::new(&mut flash, SIZE, 1024, blocks_u32).unwrap();
    let recovered = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(recovered, stored);
    assert_eq!(recovered.region().high_water_mark(), 4);
    for (index, record) in records.iter().enumerate() {
        assert_eq!(
            recovered
                .read(&mut device, index as u64, &mut scratch)
                .unwrap(),
            *record,
            "record {index}"
        );
    }
}

#[test]
fn a_stored_vault_on_4k_sectors_adds_removes_and_recovers() {
    // 4 KiB blocks, one sector each: copies of 2 blocks (0, 1 and 2, 3), a journal of 4
    // (4..8); the device starts at flash block 1, and flash block 9 follows it.
    let size = BlockSize::DEFAULT;
    assert_eq!(StoredVault::<4>::blocks_needed(2), 8);
    let mut flash = SpiNor::new(10 * 4096);
    let mut scratch = vec![0u8; StoredVault::<4>::scratch_len(size, 2)];
    let passport = |id: u128| {
        Passport::new(
            Uuid::from_u128(id),
            Uuid::from_u128(100 + id),
            Framework::Gdpr,
            ComplianceStatus::Compliant,
        )
        .with_notes(&[b'a' + id as u8; 200])
        .unwrap()
    };

    let mut device = NorFlashDevice::new(&mut flash, size, 4096, 8).unwrap();
    let mut stored =
        StoredVault::format(&mut device, 0, 2, Vault::<4>::new(size), &mut scratch).unwrap();
    // Format: the journal erased, then copy B whole, then copy A whole.
    let formatted = flash.calls.len();
    assert_eq!(
        flash_use(&flash.calls, 0, 4096, 4096),
        FlashUse {
            block_writes: per_block(&[(0, 1), (1, 1), (2, 1), (3, 1)]),
            bare_erases: per_block(&[(4, 1), (5, 1), (6, 1), (7, 1)]),
            partial_programs: vec![],
        }
    );
    let mut device = NorFlashDevice::new(&mut flash, size, 4096, 8).unwrap();
    for id in 1..=3 {
        stored.add(&mut device, passport(id), &mut scratch).unwrap();
    }
    let removed = stored
        .remove(&mut device, Uuid::from_u128(2), &mut scratch)
        .unwrap();
    assert_eq!(removed.map(|p| p.passport_id()), Some(Uuid::from_u128(2)));
    // One journal entry each, in 256-byte program units: an add holds the passport, 132 +
    // 200 bytes of notes = 332, so 16 + 332 + 8 = 356 bytes, 512 programmed; the remove
    // holds the 16-byte id: 16 + 16 + 8 = 40, 256 programmed. After the checkpoint of
    // generation 2 the journal starts at journal block 2 mod 4 = 2 (device block 6),
    // erased once when taken. No copy is rewritten.
    assert_eq!(
        flash_use(&flash.calls, formatted, 4096, 4096),
        FlashUse {
            block_writes: BTreeMap::new(),
            bare_erases: per_block(&[(6, 1)]),
            partial_programs: vec![(6, 0, 512), (6, 512, 512), (6, 1024, 512), (6, 1536, 256)],
        }
    );
    assert!(flash.bytes[..4096].iter().all(|&b| b == 0xFF));
    assert!(flash.bytes[9 * 4096..].iter().all(|&b| b == 0xFF));

    let mut device = NorFlashDevice::new(&mut flash, size, 4096, 8).unwrap();
    let recovered = StoredVault::<4>::recover(&mut device, 0, 2, &mut scratch).unwrap();
    assert_eq!(recovered.region(), stored.region());
    assert_eq!(recovered.region().count(), 2);
    for id in [1, 3] {
        assert_eq!(
            recovered.region().get(Uuid::from_u128(id)),
            Some(&passport(id)),
            "passport {id}"
        );
    }
    assert_eq!(recovered.region().get(Uuid::from_u128(2)), None);
}

/// A failure of each kind of flash call a stored region makes — a block write's program
/// or erase, a journal entry's program in place, a journal block's erase, a read — is the
/// device's error naming the call and the device block, and recovery finds the state
/// before the failed operation.
#[test]
fn a_flash_failure_in_a_stored_region_names_the_call_and_block_and_recovers() {
    // WORM<8> of 4 blocks: copies 0 and 1, journal 2 and 3, data blocks 4..8.
    let blocks = u32::try_from(StoredWorm::<8>::blocks_needed(SIZE, 4)).unwrap();
    assert_eq!(blocks, 8);
    let mut scratch = vec![0u8; StoredWorm::<8>::scratch_len(SIZE)];
    let region = WormRegion::<8>::new(SIZE, 4, 0, Ticks::new(0)).unwrap();

    let mut flash = SmallSectors::new(blocks as usize * BLOCK);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let mut stored = StoredWorm::format(&mut device, 0, region, &mut scratch).unwrap();
    // Format leaves copy A current at generation 2: the journal starts at journal block
    // 2 mod 2 = 0, device block 2; "kept"'s entry takes its first 80 bytes.
    stored
        .append(&mut device, b"kept", Ticks::new(1), &mut scratch)
        .unwrap();
    assert_eq!(stored.first_journal_block(), 2);
    assert_eq!(stored.current_copy(), MetadataCopy::A);

    // The next program fails: the data block of WORM block 1 (a block write: an erase,
    // then a program of the block).
    let writes = flash.count(Op::Write);
    flash.fail = Some((Op::Write, writes + 1));
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let error = stored
        .append(&mut device, b"lost", Ticks::new(2), &mut scratch)
        .unwrap_err();
    let data_block = stored.data_block(1);
    assert_eq!(data_block, 5);
    let offset = u32::try_from(data_block).unwrap() * 512;
    assert_eq!(
        error,
        StorageError::Device {
            operation: DeviceOperation::Write,
            block: data_block,
            error: NorFlashDeviceError::Flash(MockError::Injected {
                op: Op::Write,
                offset
            }),
        }
    );
    assert!(error.is_device_error());
    assert_eq!(
        error.to_string(),
        format!(
            "device write of block {data_block} failed: Flash(Injected {{ op: Write, offset: {offset} }}) (recover the region to learn whether the operation was committed)"
        )
    );
    assert!(core::error::Error::source(&error).is_none());
    assert!(stored.needs_recovery());

    // The journal entry's program fails: the data block is written (its program is the
    // 1st), then the entry is programmed in place after "kept"'s, at byte 80 of device
    // block 2 (the 2nd), with no erase before it.
    flash.fail = None;
    let writes = flash.count(Op::Write);
    flash.fail = Some((Op::Write, writes + 2));
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let mut stored = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(stored.region().high_water_mark(), 1);
    let erases = flash.count(Op::Erase);
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let error = stored
        .append(&mut device, b"lost", Ticks::new(2), &mut scratch)
        .unwrap_err();
    assert_eq!(
        error,
        StorageError::Device {
            operation: DeviceOperation::Program,
            block: 2,
            error: NorFlashDeviceError::Flash(MockError::Injected {
                op: Op::Write,
                offset: 2 * 512 + 80
            }),
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("device program of block 2 failed")
    );
    assert_eq!(
        flash.count(Op::Erase),
        erases + 1,
        "the data block's erase only"
    );

    // A checkpoint's erase fails: the copy it goes to, copy B (device block 1).
    flash.fail = None;
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let mut stored = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(stored.region().high_water_mark(), 1);
    let erases = flash.count(Op::Erase);
    flash.fail = Some((Op::Erase, erases + 1));
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let error = stored.checkpoint(&mut device, &mut scratch).unwrap_err();
    assert_eq!(
        error,
        StorageError::Device {
            operation: DeviceOperation::Write,
            block: 1,
            error: NorFlashDeviceError::Flash(MockError::Injected {
                op: Op::Erase,
                offset: 512
            }),
        }
    );
    assert!(stored.needs_recovery());

    // A journal block's erase fails. After a checkpoint into copy B (generation 3) the
    // journal starts at journal block 3 mod 2 = 1, device block 3: an append erases its
    // data block (the 1st erase), then takes that journal block (the 2nd).
    flash.fail = None;
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let mut stored = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap();
    stored.checkpoint(&mut device, &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::B);
    assert_eq!(stored.region().generation(), 3);
    let erases = flash.count(Op::Erase);
    flash.fail = Some((Op::Erase, erases + 2));
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let error = stored
        .append(&mut device, b"lost", Ticks::new(2), &mut scratch)
        .unwrap_err();
    assert_eq!(
        error,
        StorageError::Device {
            operation: DeviceOperation::Erase,
            block: 3,
            error: NorFlashDeviceError::Flash(MockError::Injected {
                op: Op::Erase,
                offset: 3 * 512
            }),
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("device erase of block 3 failed")
    );

    // A read failure while recovering is the device's error too.
    let reads = flash.count(Op::Read);
    flash.fail = Some((Op::Read, reads + 1));
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let error = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::Device {
                operation: DeviceOperation::Read,
                error: NorFlashDeviceError::Flash(MockError::Injected { op: Op::Read, .. }),
                ..
            }
        ),
        "{error:?}"
    );

    // With the flash working again, none of the appends that failed is there; "kept" is,
    // from the checkpoint in copy B.
    flash.fail = None;
    let mut device = NorFlashDevice::new(&mut flash, SIZE, 0, blocks).unwrap();
    let recovered = StoredWorm::<8>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(recovered.current_copy(), MetadataCopy::B);
    assert_eq!(recovered.operations_since_checkpoint(), 0);
    assert_eq!(recovered.region().high_water_mark(), 1);
    assert_eq!(
        recovered.read(&mut device, 0, &mut scratch).unwrap(),
        b"kept"
    );
    let mut recovered = recovered;
    assert_eq!(
        recovered
            .append(&mut device, b"again", Ticks::new(3), &mut scratch)
            .unwrap(),
        1
    );
    assert_eq!(
        recovered.read(&mut device, 1, &mut scratch).unwrap(),
        b"again"
    );
    // Over all the calls above, the failed ones counted as programmed too, no byte was
    // programmed twice without an erase between.
    flash_use(&flash.calls, 0, 0, 512);
}
