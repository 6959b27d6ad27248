//! The 16-byte universal block trailer: tag, generation, XXH64 of the payload.

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{BlockSize, Tag};
use crate::error::{BlockOrigin, Error, Location, Reason, Result};

/// Length of the trailer at the end of every block, in bytes.
pub const TRAILER_LEN: usize = 16;

/// The universal block trailer (SPEC §1), the last 16 bytes of every block.
///
/// | offset | size | field |
/// |---|---|---|
/// | bs-16 | 4 | block type tag |
/// | bs-12 | 4 | generation |
/// | bs-8  | 8 | XXH64 (seed 0) of `block[0 .. bs-16]` |
///
/// The checksum covers the payload only: the tag and the generation are not covered.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct Trailer {
    /// Block type tag ([`Tag::to_u32`]).
    pub tag: U32,
    /// Generation of the region the block belongs to.
    pub generation: U32,
    /// XXH64, seed 0, of the payload.
    pub checksum: U64,
}

const _: () = assert!(size_of::<Trailer>() == TRAILER_LEN);

/// The trailer checksum of `payload`: XXH64 with seed 0.
///
/// On 64-bit hosts `xxhash-rust`'s unrolled XXH64; on 32-bit targets (firmware) a compact
/// loop that gives the same values in about a quarter of the flash.
#[must_use]
pub fn checksum(payload: &[u8]) -> u64 {
    #[cfg(target_pointer_width = "64")]
    {
        xxhash_rust::xxh64::xxh64(payload, 0)
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        super::xxh64::xxh64(payload)
    }
}

/// Splits a block into payload and trailer. Blocks given here are at least
/// [`BlockSize::MIN`] long, so the fallback (an empty payload and a zero trailer) is
/// unreachable; it exists so that no path can panic.
fn split(block: &[u8]) -> (&[u8], &Trailer) {
    static ZERO: Trailer = Trailer {
        tag: U32::ZERO,
        generation: U32::ZERO,
        checksum: U64::ZERO,
    };
    Trailer::ref_from_suffix(block).unwrap_or((&[], &ZERO))
}

/// Writes the trailer of `block`: `tag`, `generation` and the XXH64 of the payload.
///
/// `block` must be exactly one block (its length a valid [`BlockSize`]); fill the payload
/// first, then seal.
///
/// # Errors
///
/// `invalid_block_size` when the length of `block` is not a valid [`BlockSize`].
///
/// ```
/// use dwvd_regions::{Tag, block};
///
/// let mut data = [0u8; 512];
/// data[..5].copy_from_slice(b"hello");
/// block::seal(&mut data, Tag::DATA, 7)?;
/// let opened = block::open(&data, Tag::DATA)?;
/// assert_eq!(opened.generation(), 7);
/// assert_eq!(&opened.payload()[..5], b"hello");
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
pub fn seal(block: &mut [u8], tag: Tag, generation: u32) -> Result<()> {
    Block::new_checked(block)?.seal(tag, generation);
    Ok(())
}

/// Checks one block: first its checksum, then its tag.
///
/// `block` must be exactly one block.
///
/// # Errors
///
/// `invalid_block_size` when the length of `block` is not a valid [`BlockSize`];
/// `checksum_mismatch` when the block is corrupt; `wrong_tag` when it is a sound block of
/// another type. Errors name block 0 (use
/// [`RegionBlocks::open`](super::RegionBlocks::open) to have them name the real index).
pub fn open(block: &[u8], expected_tag: Tag) -> Result<OpenedBlock<'_>> {
    open_block::<true>(block, expected_tag)
}

/// [`open`], with the checksum compared only when `CHECKSUM` (a caller that verified it
/// as it read the block passes `false`: [`Checksums::AlreadyVerified`](super::Checksums)).
/// A const parameter, so firmware, which always verifies, carries one version.
pub(crate) fn open_block<const CHECKSUM: bool>(
    block: &[u8],
    expected_tag: Tag,
) -> Result<OpenedBlock<'_>> {
    open_block_hashed::<CHECKSUM, _>(block, expected_tag, checksum)
}

/// [`open_block`], the payload's checksum computed by `hash` (which must return its
/// XXH64; called only when `CHECKSUM`).
pub(crate) fn open_block_hashed<'a, const CHECKSUM: bool, H: FnOnce(&'a [u8]) -> u64>(
    block: &'a [u8],
    expected_tag: Tag,
    hash: H,
) -> Result<OpenedBlock<'a>> {
    BlockSize::new(block.len())?;
    let (payload, trailer) = split(block);
    if CHECKSUM {
        let computed = hash(payload);
        let stored = trailer.checksum.get();
        if computed != stored {
            return Err(Error::new(
                Reason::ChecksumMismatch { stored, computed },
                Location::block_of(BlockOrigin::Region, 0),
            ));
        }
    }
    let found = Tag::from_u32(trailer.tag.get());
    if found != expected_tag {
        return Err(Error::new(
            Reason::WrongTag {
                expected: expected_tag,
                found,
            },
            Location::block_of(BlockOrigin::Region, 0),
        ));
    }
    Ok(OpenedBlock {
        index: 0,
        generation: trailer.generation.get(),
        payload,
    })
}

/// A block whose checksum and tag were verified by [`open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedBlock<'a> {
    index: u64,
    generation: u32,
    payload: &'a [u8],
}

impl<'a> OpenedBlock<'a> {
    /// Index of the block in its region buffer (0 for a block opened on its own).
    #[must_use]
    pub const fn index(&self) -> u64 {
        self.index
    }

    /// The generation stored in the trailer.
    #[must_use]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// The verified payload: the block without its trailer.
    #[must_use]
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    pub(crate) const fn at_index(mut self, index: u64) -> Self {
        self.index = index;
        self
    }
}

/// A view over one block that never fails once built, for inspectors that must show a
/// block's trailer whether or not it verifies.
///
/// ```
/// use dwvd_regions::{Tag, block::Block};
///
/// let mut bytes = [0u8; 512];
/// let mut block = Block::new_checked(&mut bytes[..])?;
/// block.payload_mut()[0] = 0xAA;
/// block.seal(Tag::FREE, 1);
/// assert!(block.checksum_ok());
/// assert_eq!(block.tag(), Tag::FREE);
///
/// bytes[1] ^= 1; // corrupt the payload
/// let block = Block::new_checked(&bytes[..])?;
/// assert!(!block.checksum_ok());
/// assert_eq!(block.tag(), Tag::FREE); // the trailer still reads
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<T> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Block<T> {
    /// Wraps `buffer`, which must be exactly one block (its length a valid [`BlockSize`]).
    ///
    /// # Errors
    ///
    /// `invalid_block_size` when it is not.
    pub fn new_checked(buffer: T) -> Result<Self> {
        BlockSize::new(buffer.as_ref().len())?;
        Ok(Block { buffer })
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The block's size.
    #[must_use]
    pub fn block_size(&self) -> BlockSize {
        // Checked in `new_checked`; the fallback is unreachable.
        BlockSize::new(self.buffer.as_ref().len()).unwrap_or(BlockSize::MIN)
    }

    /// The payload: everything before the trailer.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        split(self.buffer.as_ref()).0
    }

    /// The trailer as stored.
    #[must_use]
    pub fn trailer(&self) -> &Trailer {
        split(self.buffer.as_ref()).1
    }

    /// The block type tag stored in the trailer.
    #[must_use]
    pub fn tag(&self) -> Tag {
        Tag::from_u32(self.trailer().tag.get())
    }

    /// The generation stored in the trailer.
    #[must_use]
    pub fn generation(&self) -> u32 {
        self.trailer().generation.get()
    }

    /// The checksum stored in the trailer.
    #[must_use]
    pub fn stored_checksum(&self) -> u64 {
        self.trailer().checksum.get()
    }

    /// The checksum of the payload as it is now.
    #[must_use]
    pub fn computed_checksum(&self) -> u64 {
        checksum(self.payload())
    }

    /// Whether the stored checksum matches the payload.
    #[must_use]
    pub fn checksum_ok(&self) -> bool {
        self.stored_checksum() == self.computed_checksum()
    }

    /// Verifies checksum then tag, as [`open`].
    ///
    /// # Errors
    ///
    /// `checksum_mismatch`, then `wrong_tag`, as [`open`] (the length was checked by
    /// [`new_checked`](Self::new_checked)).
    pub fn open(&self, expected_tag: Tag) -> Result<OpenedBlock<'_>> {
        open(self.buffer.as_ref(), expected_tag)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Block<T> {
    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let buffer = self.buffer.as_mut();
        let payload_len = buffer.len().saturating_sub(TRAILER_LEN);
        buffer.get_mut(..payload_len).unwrap_or_default()
    }

    /// Writes the trailer: `tag`, `generation` and the checksum of the current payload.
    pub fn seal(&mut self, tag: Tag, generation: u32) {
        let buffer = self.buffer.as_mut();
        let payload_len = buffer.len().saturating_sub(TRAILER_LEN);
        // Unreachable `else`: the length was checked at construction.
        let Some((payload, trailer)) = buffer.split_at_mut_checked(payload_len) else {
            return;
        };
        let sealed = Trailer {
            tag: U32::new(tag.to_u32()),
            generation: U32::new(generation),
            checksum: U64::new(checksum(payload)),
        };
        // The trailer slot is exactly TRAILER_LEN bytes (length checked at construction).
        let _ = sealed.write_to(trailer);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Block<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::{TRAILER_LEN, Trailer, checksum};
    use crate::block::Tag;
    use zerocopy::{FromBytes, IntoBytes};

    /// The trailer of the golden `stre_bs512_max64_w23.bin`'s only block, field by field
    /// at SPEC §1's offsets: the tag's characters reversed on disk (little-endian), the
    /// generation, and the XXH64 of the 496 bytes before them; built back, the same bytes.
    #[test]
    fn deconstructs_and_constructs_a_golden_trailer() {
        let image = include_bytes!("../../tests/data/golden/stre_bs512_max64_w23.bin");
        let (payload, raw) = image.split_at(512 - TRAILER_LEN);
        assert_eq!(&raw[..4], b"ERTS");
        let trailer = Trailer::ref_from_bytes(raw).unwrap();
        assert_eq!(Tag::from_u32(trailer.tag.get()), Tag::STRE);
        assert_eq!(
            trailer.generation.get(),
            u32::from_le_bytes(raw[4..8].try_into().unwrap())
        );
        assert_eq!(trailer.checksum.get(), checksum(payload));
        assert_eq!(
            trailer.checksum.get(),
            u64::from_le_bytes(raw[8..].try_into().unwrap())
        );
        assert_eq!(trailer.as_bytes(), raw);
    }
}
