//! Edge cases of the owned ring: its error paths and the allocation measures.

use crate::common;

use dwvd_regions::Region;
use dwvd_regions::block::seal;
use dwvd_regions::streaming::{DEFAULT_GROWTH_INCREMENT, StreamingRing, WrapPolicy};
use dwvd_regions::{BlockSize, ErrorKind, Reason, Tag};

fn size() -> BlockSize {
    BlockSize::new(512).unwrap()
}

fn header_block(
    max: i64,
    allocated: i64,
    head: i64,
    tail: i64,
    count: i64,
    growth: i32,
) -> Vec<u8> {
    common::stre_header_block([max, allocated, head, tail, count], growth, 0)
}

#[test]
fn a_new_ring_is_empty_and_unallocated() {
    let ring = StreamingRing::new(size(), 100, DEFAULT_GROWTH_INCREMENT).unwrap();
    assert_eq!(DEFAULT_GROWTH_INCREMENT, 16);
    assert_eq!(ring.allocated_blocks(), 0);
    assert_eq!(ring.allocation_permille(), 0);
    assert_eq!(ring.allocation_ratio(), (0, 100));
    assert!(ring.is_empty());
    assert!(!ring.is_full());
    assert_eq!(ring.generation(), 0);
    assert_eq!(ring.buffer_len(), 512);
}

#[test]
fn constructor_rejects_values_outside_their_on_disk_range() {
    for (max, growth, argument) in [
        (0, 16, "max_capacity_blocks"),
        (i64::MAX as u64 + 1, 16, "max_capacity_blocks"),
        (10, 0, "growth_increment"),
        (10, i32::MAX as u32 + 1, "growth_increment"),
    ] {
        let error = StreamingRing::new(size(), max, growth).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert!(
            matches!(error.reason(), Reason::InvalidArgument { argument: a, .. } if *a == argument)
        );
    }
    assert!(StreamingRing::new(size(), i64::MAX as u64, i32::MAX as u32).is_ok());
}

#[test]
fn data_longer_than_the_payload_is_record_too_large_and_changes_nothing() {
    let mut ring = StreamingRing::new(size(), 4, 2).unwrap();
    assert!(ring.append(&[1u8; 496]).is_ok(), "a full payload fits");
    let before = ring.clone();
    let error = ring.append(&[1u8; 497]).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::RecordTooLarge {
            length: 497,
            capacity: 496
        }
    );
    assert!(error.location().is_nowhere());
    assert_eq!(error.kind().as_str(), "record_too_large");
    assert_eq!(ring, before);
}

#[test]
fn reject_policy_fails_only_when_fully_grown_and_full() {
    let mut ring = StreamingRing::new(size(), 3, 2).unwrap();
    for expected_slot in 0..3 {
        let appended = ring.append_with(b"x", WrapPolicy::Reject).unwrap();
        assert_eq!(appended.physical_slot, expected_slot);
        assert_eq!(appended.overwritten, None);
    }
    assert!(ring.is_full());
    let before = ring.clone();
    let error = ring.append_with(b"x", WrapPolicy::Reject).unwrap_err();
    assert!(
        matches!(
            error.reason(),
            Reason::Full {
                what: "streaming ring",
                capacity: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(ring, before);
    assert!(
        error.to_string().contains("consume"),
        "the message says what to do: {error}"
    );
    ring.consume();
    assert_eq!(
        ring.append_with(b"x", WrapPolicy::Reject)
            .unwrap()
            .physical_slot,
        0
    );
}

#[test]
fn consume_on_empty_is_a_no_op_and_reset_keeps_the_allocation() {
    let mut ring = StreamingRing::new(size(), 10, 4).unwrap();
    assert_eq!(ring.consume(), None);
    assert_eq!(ring, StreamingRing::new(size(), 10, 4).unwrap());
    for _ in 0..6 {
        ring.append(b"").unwrap();
    }
    assert_eq!(ring.allocated_blocks(), 8);
    ring.reset();
    assert_eq!(
        (ring.write_head(), ring.read_tail(), ring.entry_count()),
        (0, 0, 0)
    );
    assert_eq!(ring.allocated_blocks(), 8);
    assert_eq!(
        ring.physical_slot(0).unwrap_err().kind(),
        ErrorKind::NotWrittenYet
    );
    assert_eq!(ring.allocation_permille(), 800);
}

#[test]
fn the_write_head_cannot_pass_i64_max() {
    let max = i64::MAX;
    let block = header_block(4, 4, max, max - 4, 4, 1);
    let mut ring = StreamingRing::parse(&block, size()).unwrap();
    let before = ring.clone();
    let error = ring.append(b"x").unwrap_err();
    assert_eq!(*error.reason(), Reason::CounterOverflow);
    assert_eq!(error.location().field(), Some("write_head"));
    assert_eq!(error.kind().as_str(), "counter_overflow");
    assert_eq!(ring, before);
    // The last positions are still readable, at slot = position % 4.
    assert_eq!(
        ring.physical_slot(max as u64 - 1).unwrap(),
        (max as u64 - 1) % 4
    );
}

#[test]
fn a_ring_wrapped_below_its_maximum_is_pinned_until_emptied() {
    // A header the C# design writes (it grows on entry_count == allocated, so it wraps
    // below its maximum); allowed by SPEC §2's invariants, never written by this crate.
    let block = header_block(100, 4, 10, 6, 4, 16);
    let mut ring = StreamingRing::parse(&block, size()).unwrap();
    assert!(ring.is_pinned());
    assert!(
        ring.is_full(),
        "every allocated block is live and it cannot grow"
    );
    let error = ring.append_with(b"x", WrapPolicy::Reject).unwrap_err();
    assert!(
        matches!(
            error.reason(),
            Reason::Full {
                what: "streaming ring",
                capacity: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("cannot grow until it is emptied or reset"),
        "{error}"
    );

    // Overwriting keeps every live position on its slot: no growth.
    let appended = ring.append(b"x").unwrap();
    assert_eq!(
        (
            appended.position,
            appended.physical_slot,
            appended.overwritten
        ),
        (10, 2, Some(6))
    );
    assert_eq!(ring.allocated_blocks(), 4);
    for position in 7..=10 {
        assert_eq!(ring.physical_slot(position).unwrap(), position % 4);
    }

    // Emptied, it grows again on the next append, which moves nothing.
    while ring.consume().is_some() {}
    assert!(!ring.is_full());
    let appended = ring.append(b"x").unwrap();
    assert_eq!(ring.allocated_blocks(), 20);
    assert_eq!((appended.position, appended.physical_slot), (11, 11));
    assert!(!ring.is_pinned());
}

#[test]
fn a_ring_whose_head_reached_its_allocation_is_not_pinned_and_grows() {
    let mut ring = StreamingRing::new(size(), 10, 4).unwrap();
    for _ in 0..4 {
        ring.append(b"x").unwrap();
    }
    assert_eq!((ring.allocated_blocks(), ring.write_head()), (4, 4));
    assert!(
        !ring.is_pinned(),
        "head == allocation is where growth happens"
    );
    assert!(!ring.is_full());
    assert_eq!(ring.append(b"x").unwrap().physical_slot, 4);
    assert_eq!(ring.allocated_blocks(), 8);
}

#[cfg(feature = "std")]
#[test]
fn allocation_percent_is_allocated_over_max() {
    let mut ring = StreamingRing::new(size(), 8, 3).unwrap();
    assert_eq!(ring.allocation_percent(), 0.0);
    ring.append(b"x").unwrap();
    assert_eq!(ring.allocation_percent(), 37.5);
    for _ in 0..9 {
        ring.append(b"x").unwrap();
    }
    assert_eq!(ring.allocation_percent(), 100.0);
    assert_eq!(ring.allocation_permille(), 1000);
}

#[test]
fn a_fully_grown_ring_that_wrapped_is_full_but_not_pinned() {
    let mut ring = StreamingRing::new(size(), 3, 2).unwrap();
    for _ in 0..7 {
        ring.append(b"x").unwrap();
    }
    assert_eq!((ring.allocated_blocks(), ring.write_head()), (3, 7));
    assert!(
        !ring.is_pinned(),
        "fully grown: wrapping is the ring's normal life"
    );
    assert!(ring.is_full());
    ring.consume();
    assert!(!ring.is_full() && !ring.is_pinned());
}

#[test]
fn a_foreign_header_with_no_allocation_but_a_moved_head_grows_when_appended_to() {
    let block = header_block(10, 0, 7, 7, 0, 3);
    let mut ring = StreamingRing::parse(&block, size()).unwrap();
    assert!(!ring.is_full());
    let appended = ring.append(b"x").unwrap();
    assert_eq!(ring.allocated_blocks(), 3);
    assert_eq!((appended.position, appended.physical_slot), (7, 1));
    // Head 8 > 3 allocated: pinned until emptied.
    ring.append(b"x").unwrap();
    ring.append(b"x").unwrap();
    assert!(ring.is_pinned() && ring.is_full());
    assert_eq!(ring.append(b"x").unwrap().overwritten, Some(7));
    assert_eq!(ring.allocated_blocks(), 3);
    ring.reset();
    assert!(!ring.is_pinned());
    for expected_slot in 0..3 {
        assert_eq!(ring.append(b"x").unwrap().physical_slot, expected_slot);
    }
    assert_eq!(
        ring.append(b"x").unwrap().physical_slot,
        3,
        "grows at head == allocated"
    );
    assert_eq!(ring.allocated_blocks(), 6);
}

#[test]
fn generations_advance_and_wrap() {
    let mut ring = StreamingRing::new(size(), 4, 1).unwrap();
    assert_eq!(ring.advance_generation(), 1);
    ring.set_generation(u32::MAX);
    assert_eq!(ring.advance_generation(), 0);
    let mut block = [0u8; 512];
    ring.emit(&mut block).unwrap();
    assert_eq!(&block[500..504], &[0, 0, 0, 0]);
}

#[test]
fn each_broken_invariant_names_its_field() {
    for (block, field, value) in [
        (header_block(0, 0, 0, 0, 0, 16), "max_capacity_blocks", 0),
        (header_block(-5, 0, 0, 0, 0, 16), "max_capacity_blocks", -5),
        (header_block(10, 0, 0, 0, 0, 0), "growth_increment", 0),
        (header_block(10, 11, 0, 0, 0, 16), "allocated_blocks", 11),
        (header_block(10, -1, 0, 0, 0, 16), "allocated_blocks", -1),
        (header_block(10, 5, 6, 0, 6, 16), "entry_count", 6),
        (header_block(10, 5, 3, 0, -1, 16), "entry_count", -1),
        (header_block(10, 5, 3, 4, 0, 16), "read_tail", 4),
        (header_block(10, 5, -3, -4, 1, 16), "read_tail", -4),
        (header_block(10, 5, 3, 1, 1, 16), "entry_count", 1),
    ] {
        let error = StreamingRing::parse(&block, size()).unwrap_err();
        match error.reason() {
            Reason::InvalidField { value: v, .. } => {
                assert_eq!(error.block(), Some(0), "{error}");
                assert_eq!(
                    (error.location().field(), *v),
                    (Some(field), value),
                    "{error}"
                );
            }
            other => panic!("expected invalid_field on {field}, got {other:?}"),
        }
        let message = error.to_string();
        assert!(
            message.contains("block 0") && message.contains(field),
            "{message}"
        );
    }

    let mut block = header_block(10, 0, 0, 0, 0, 16);
    block[300] = 0xFF;
    seal(&mut block, Tag::STRE, 0).unwrap();
    let error = StreamingRing::parse(&block, size()).unwrap_err();
    assert!(matches!(
        error.reason(),
        Reason::InvalidField { value: 255, .. }
    ));
    assert_eq!(error.location().field(), Some("reserved"));
    assert_eq!(error.location().offset(), Some(300));
}
