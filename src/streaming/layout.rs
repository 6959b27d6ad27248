//! On-disk layout of the Streaming Append header block (SPEC §2).

use zerocopy::little_endian::{I32, I64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::{Error, Result};
use crate::layout::{Field, field, fields};

/// The growth increment a ring uses unless told otherwise (SPEC §2).
pub const DEFAULT_GROWTH_INCREMENT: u32 = 16;

/// The on-disk header at the start of the `STRE` block (SPEC §2), 44 bytes, zero up to
/// the trailer.
///
/// This is the raw layout, cast straight over the block;
/// [`StreamingView`](super::StreamingView) checks its invariants before handing it out.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct StreamingHeader {
    /// Most blocks the ring may grow to (> 0).
    pub max_capacity_blocks: I64,
    /// Blocks allocated so far (0 ≤ allocated ≤ max).
    pub allocated_blocks: I64,
    /// Next absolute position to write.
    pub write_head: I64,
    /// Oldest absolute position still readable.
    pub read_tail: I64,
    /// Live entries: `write_head − read_tail`, at most `allocated_blocks`.
    pub entry_count: I64,
    /// Blocks added per growth step (> 0).
    pub growth_increment: I32,
}

/// Size of [`StreamingHeader`] in bytes.
pub const HEADER_LEN: usize = 44;
const _: () = assert!(size_of::<StreamingHeader>() == HEADER_LEN);

impl StreamingHeader {
    /// The header's fields, in order, derived from the struct.
    pub const FIELDS: &'static [Field] = fields!(StreamingHeader {
        max_capacity_blocks,
        allocated_blocks,
        write_head,
        read_tail,
        entry_count,
        growth_increment,
    });

    /// Checks every invariant of SPEC §2, reporting the first broken one as an
    /// `invalid_field` in block 0, at the field's offset.
    ///
    /// Beyond the SPEC's list, positions must not be negative (`read_tail ≥ 0`): a
    /// negative absolute counter has no physical slot.
    ///
    /// # Errors
    ///
    /// `invalid_field`, naming the field.
    pub fn validate(&self) -> Result<()> {
        let max = self.max_capacity_blocks.get();
        let allocated = self.allocated_blocks.get();
        let write_head = self.write_head.get();
        let read_tail = self.read_tail.get();
        let entry_count = self.entry_count.get();
        let growth = self.growth_increment.get();

        let invalid = |field: crate::layout::FieldRef, value, requirement| {
            Err(Error::invalid_field(
                0,
                field.name,
                field.offset,
                value,
                requirement,
            ))
        };
        if max <= 0 {
            return invalid(
                field!(Self, max_capacity_blocks),
                max,
                text!("it must be greater than 0"),
            );
        }
        if growth <= 0 {
            return invalid(
                field!(Self, growth_increment),
                i64::from(growth),
                text!("it must be greater than 0"),
            );
        }
        if !(0..=max).contains(&allocated) {
            return invalid(
                field!(Self, allocated_blocks),
                allocated,
                text!("it must be between 0 and max_capacity_blocks"),
            );
        }
        if !(0..=allocated).contains(&entry_count) {
            return invalid(
                field!(Self, entry_count),
                entry_count,
                text!("it must be between 0 and allocated_blocks"),
            );
        }
        if read_tail < 0 {
            return invalid(
                field!(Self, read_tail),
                read_tail,
                text!("it must not be negative"),
            );
        }
        if read_tail > write_head {
            return invalid(
                field!(Self, read_tail),
                read_tail,
                text!("it must not be greater than write_head"),
            );
        }
        // Both are non-negative here, so the difference cannot overflow.
        if write_head.checked_sub(read_tail) != Some(entry_count) {
            return invalid(
                field!(Self, entry_count),
                entry_count,
                text!("it must equal write_head - read_tail"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{HEADER_LEN, StreamingHeader};
    use zerocopy::FromBytes;

    /// Block 0 of the golden `stre_bs512_max64_w23.bin`, field by field at the offsets
    /// SPEC §2 gives (max 64, allocated 25, head 23, tail 7, 16 entries, growth 5).
    #[test]
    fn deconstructs_and_constructs_a_golden_header() {
        let image = include_bytes!("../../tests/data/golden/stre_bs512_max64_w23.bin");
        let spec_offsets = [
            (0, 8, 64i64),
            (8, 8, 25),
            (16, 8, 23),
            (24, 8, 7),
            (32, 8, 16),
            (40, 4, 5),
        ];
        for (field, (offset, len, value)) in StreamingHeader::FIELDS.iter().zip(spec_offsets) {
            assert_eq!((field.offset, field.len), (offset, len), "{}", field.name);
            let mut bytes = [0u8; 8];
            bytes[..len].copy_from_slice(&image[offset..offset + len]);
            assert_eq!(i64::from_le_bytes(bytes), value, "{}", field.name);
        }
        let (header, _) = StreamingHeader::read_from_prefix(&image[..]).unwrap();
        header.validate().unwrap();
        let mut rebuilt = [0u8; HEADER_LEN];
        zerocopy::IntoBytes::write_to(&header, &mut rebuilt[..]).unwrap();
        assert_eq!(rebuilt[..], image[..HEADER_LEN]);
    }
}
