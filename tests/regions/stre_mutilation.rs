//! Bad input: every truncation and every single-bit flip of every STRE golden block gives
//! a typed error, or — for a flip in the generation field, which the checksum does not
//! cover — the same header with that generation. Never a panic, never other content.

use crate::common;

use dwvd_regions::Region;
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::{BlockSize, ErrorKind};
use proptest::prelude::*;

#[test]
fn truncations_and_bit_flips_never_pass_as_other_content() {
    let cases: Vec<_> = common::cases("stre")
        .into_iter()
        .filter(|case| case.expect().is_some())
        .collect();
    assert_eq!(cases.len(), 6);
    let mut tried = common::Mutilations::default();
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        tried += common::mutilate(
            case,
            |image| StreamingRing::parse(image, size),
            |ring, generation| {
                let mut changed = ring.clone();
                changed.set_generation(generation);
                (changed, ring.generation())
            },
        );
    }
    let bytes = 3 * 512 + 3 * 4096;
    assert_eq!(
        tried,
        common::Mutilations {
            truncations: bytes,
            flips: 8 * bytes,
            generation_flips: 6 * 32
        }
    );
}

/// The SPEC §2 invariants, written out here independently of the crate, plus the two
/// this crate adds (non-negative positions).
fn satisfies_spec(fields: [i64; 5], growth: i32) -> bool {
    let [max, allocated, head, tail, count] = fields;
    max > 0
        && growth > 0
        && (0..=max).contains(&allocated)
        && (0..=allocated).contains(&count)
        && tail >= 0
        && tail <= head
        && head.checked_sub(tail) == Some(count)
}

/// Valid headers, reachable or not: max, allocated ≤ max, count ≤ allocated, any tail,
/// head = tail + count (so `head > allocated < max`, a pinned ring, is generated too).
fn valid_header() -> impl Strategy<Value = ([i64; 5], i32)> {
    (1i64..64, 0u32..=100, 0u32..=100, 0i64..200, 1i32..20).prop_map(
        |(max, allocated_percent, count_percent, tail, growth)| {
            let allocated = max * i64::from(allocated_percent) / 100;
            let count = allocated * i64::from(count_percent) / 100;
            ([max, allocated, tail + count, tail, count], growth)
        },
    )
}

fn extreme() -> impl Strategy<Value = i64> {
    prop_oneof![
        -3i64..70,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX - 1),
        any::<i64>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// A valid header parses, emits back byte for byte, and survives operations with its
    /// invariants intact; the same header with one field replaced parses exactly when the
    /// invariants still hold, and is `invalid_field` otherwise.
    #[test]
    fn resealed_headers_parse_exactly_when_valid(
        (fields, growth) in valid_header(),
        mutated_field in 0usize..6,
        replacement in extreme(),
        generation: u32,
        appends in 0usize..70,
    ) {
        let size = BlockSize::new(512).unwrap();
        let block = common::stre_header_block(fields, growth, generation);
        let mut ring = StreamingRing::parse(&block, size).unwrap();
        let mut emitted = vec![0u8; 512];
        ring.emit(&mut emitted).unwrap();
        prop_assert_eq!(&emitted, &block);
        for _ in 0..appends {
            let before = ring.clone();
            let appended = ring.append(b"x").unwrap();
            prop_assert!(appended.physical_slot < ring.allocated_blocks());
            prop_assert!(ring.entry_count() <= ring.allocated_blocks());
            prop_assert!(ring.allocated_blocks() <= ring.max_capacity_blocks());
            // Live positions never move to another slot.
            for position in ring.read_tail()..ring.write_head().min(before.write_head()) {
                prop_assert_eq!(ring.physical_slot(position), before.physical_slot(position));
            }
        }
        ring.consume();
        ring.emit(&mut emitted).unwrap();
        prop_assert_eq!(StreamingRing::parse(&emitted, size).unwrap(), ring);

        let (mut fields, mut growth) = (fields, growth);
        if mutated_field == 5 {
            growth = replacement as i32;
        } else {
            fields[mutated_field] = replacement;
        }
        let block = common::stre_header_block(fields, growth, generation);
        match StreamingRing::parse(&block, size) {
            Ok(ring) => {
                prop_assert!(satisfies_spec(fields, growth));
                ring.emit(&mut emitted).unwrap();
                prop_assert_eq!(&emitted, &block);
            }
            Err(error) => {
                prop_assert!(!satisfies_spec(fields, growth));
                prop_assert_eq!(error.kind(), ErrorKind::InvalidField, "{}", error);
            }
        }
    }

    /// Random bytes essentially never pass XXH64: this exercises the error paths (no
    /// panic on any length or block size), and the round trip should one ever parse.
    #[test]
    fn arbitrary_bytes_and_sizes_are_errors_not_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2100),
        block_size in prop_oneof![Just(512usize), Just(1024), Just(2048), 0usize..70000],
    ) {
        if let Ok(size) = BlockSize::new(block_size)
            && let Ok(ring) = StreamingRing::parse(&bytes, size)
        {
            let mut emitted = vec![0u8; block_size];
            ring.emit(&mut emitted).unwrap();
            prop_assert_eq!(&emitted[..], &bytes[..block_size]);
        }
    }
}
