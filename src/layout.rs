//! What the regions' on-disk layouts share: field tables derived from the `#[repr(C)]`
//! structs, on-disk counters, and zero-filled areas.

use crate::error::{Error, Result};

/// One field of an on-disk structure: its name as in the format, its byte offset in the
/// structure and its length, all derived from the `#[repr(C)]` struct itself
/// (`offset_of!`, `size_of`), never typed by hand.
///
/// Every header type has a `FIELDS` table, for tools that show a block's bytes beside
/// their meaning (`dwvd inspect --hexdump`):
///
/// ```
/// use dwvd_regions::streaming::StreamingHeader;
///
/// let names: Vec<_> = StreamingHeader::FIELDS.iter().map(|field| field.name).collect();
/// assert_eq!(names[..2], ["max_capacity_blocks", "allocated_blocks"]);
/// let growth = StreamingHeader::FIELDS[5];
/// assert_eq!((growth.name, growth.offset, growth.len), ("growth_increment", 40, 4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field's name, as the SPEC writes it.
    pub name: &'static str,
    /// Byte offset in the structure.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// A field as an error names it ([`field!`]): its name, as a reference to a `&str` in
/// static memory (so an error's location holds one pointer: 4 bytes on firmware), and its
/// offset in its structure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldRef {
    pub name: &'static &'static str,
    pub offset: usize,
}

/// Zero bytes between or after the records of a block.
pub(crate) static PADDING: FieldRef = FieldRef {
    name: &"padding",
    offset: 0,
};

/// The size of the field a projection `fn(&T) -> &F` points at (used by [`fields!`]).
#[doc(hidden)]
#[must_use]
pub const fn projected_len<T, F>(_projection: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// Whether `fields` tile a structure of `size` bytes: in order, without gaps or overlaps.
/// The field tables are checked with it at compile time.
#[must_use]
pub(crate) const fn tiles(fields: &[Field], size: usize) -> bool {
    let mut end = 0usize;
    let mut rest = fields;
    while let [field, tail @ ..] = rest {
        if field.offset != end {
            return false;
        }
        end = end.saturating_add(field.len);
        rest = tail;
    }
    end == size
}

/// `fields!(Type { a, b, c })`: the [`Field`] table of a `#[repr(C)]` struct, names from
/// the identifiers, offsets from `offset_of!`, lengths from the fields' types. Checked at
/// compile time to tile the struct.
macro_rules! fields {
    ($type:ty { $($field:ident),* $(,)? }) => {{
        const TABLE: &[$crate::layout::Field] = &[$(
            $crate::layout::Field {
                name: stringify!($field),
                offset: core::mem::offset_of!($type, $field),
                len: $crate::layout::projected_len(|value: &$type| &value.$field),
            }
        ),*];
        const _: () = assert!($crate::layout::tiles(TABLE, size_of::<$type>()));
        TABLE
    }};
}
pub(crate) use fields;

/// `field!(Type, name)`: the [`FieldRef`] of one member of a `#[repr(C)]` struct, for
/// error locations: its name and `offset_of!`.
macro_rules! field {
    ($type:ty, $field:ident) => {
        $crate::layout::FieldRef {
            name: &stringify!($field),
            offset: core::mem::offset_of!($type, $field),
        }
    };
}
pub(crate) use field;

/// The largest value an on-disk i64 counter holds.
pub(crate) const COUNTER_MAX: u64 = i64::MAX.unsigned_abs();

/// An i64 read from disk that was checked not to be negative (the fallback, 0, is then
/// unreachable).
#[must_use]
pub(crate) fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// An on-disk i32 count (`write_log_count`, `passport_count`), which must not be
/// negative: the count, or `invalid_field` naming `field` in block 0.
pub(crate) fn count(value: i32, field: FieldRef) -> Result<u64> {
    u64::try_from(value).map_err(|_| {
        Error::invalid_field(
            0,
            field.name,
            field.offset,
            i64::from(value),
            text!("it must not be negative"),
        )
    })
}

/// A counter as stored: values past `i64::MAX` (which owned values never hold) clamp.
#[must_use]
pub(crate) fn stored_counter(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Every byte of `bytes` must be zero; the first that is not is an
/// [`InvalidField`](crate::Reason::InvalidField) named `field`, at its offset (`bytes`
/// starts at `offset` of block `block`).
pub(crate) fn require_zero(
    bytes: &[u8],
    block: usize,
    offset: usize,
    field: &'static &'static str,
    requirement: &'static str,
) -> Result<()> {
    match bytes.iter().position(|byte| *byte != 0) {
        None => Ok(()),
        Some(position) => Err(Error::invalid_field(
            block,
            field,
            offset.saturating_add(position),
            i64::from(bytes.get(position).copied().unwrap_or(0)),
            requirement,
        )),
    }
}
