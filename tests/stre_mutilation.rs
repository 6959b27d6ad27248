//! Bad input: every truncation and every single-bit flip of every STRE golden block gives
//! a typed error, or — for a flip in the generation field, which the checksum does not
//! cover — the same header with that generation. Never a panic, never other content.

mod common;

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
    let mut truncations = 0usize;
    let mut flips = 0usize;
    let mut generation_flips = 0usize;
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        let original = StreamingRing::parse(&case.image, size).unwrap();

        for length in 0..case.image.len() {
            let error = StreamingRing::parse(&case.image[..length], size).unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::Truncated,
                "{} cut to {length}",
                case.name
            );
            truncations += 1;
        }

        let bs = case.block_size();
        let generation_bits = (bs - 12) * 8..(bs - 8) * 8;
        let tag_bits = (bs - 16) * 8..(bs - 12) * 8;
        let mut image = case.image.clone();
        for bit in 0..image.len() * 8 {
            image[bit / 8] ^= 1 << (bit % 8);
            let result = StreamingRing::parse(&image, size);
            image[bit / 8] ^= 1 << (bit % 8);
            flips += 1;
            if generation_bits.contains(&bit) {
                let mut expected = original.clone();
                let offset = bit - generation_bits.start;
                expected.set_generation(original.generation() ^ (1 << offset));
                assert_eq!(result.as_ref(), Ok(&expected), "{} bit {bit}", case.name);
                generation_flips += 1;
            } else {
                let error = result.expect_err("a flip outside the generation is an error");
                let expected = if tag_bits.contains(&bit) {
                    ErrorKind::WrongTag
                } else {
                    ErrorKind::ChecksumMismatch
                };
                assert_eq!(error.kind(), expected, "{} bit {bit}: {error}", case.name);
            }
        }
    }
    assert_eq!(truncations, 3 * 512 + 3 * 4096);
    assert_eq!(flips, 8 * (3 * 512 + 3 * 4096));
    assert_eq!(generation_flips, 6 * 32);
}

/// A re-sealed block whose header fields are arbitrary: parse either fails with a typed
/// category, or succeeds and emits back exactly the same block.
fn resealed(fields: [i64; 5], growth: i32, generation: u32) -> Vec<u8> {
    let mut block = vec![0u8; 512];
    for (index, value) in fields.iter().enumerate() {
        block[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
    }
    block[40..44].copy_from_slice(&growth.to_le_bytes());
    dwvd_regions::block::seal(&mut block, dwvd_regions::Tag::STRE, generation).unwrap();
    block
}

fn small_or_extreme() -> impl Strategy<Value = i64> {
    prop_oneof![
        -3i64..70,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX - 1),
        any::<i64>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn any_resealed_header_is_valid_and_round_trips_or_is_invalid_field(
        fields in [small_or_extreme(), small_or_extreme(), small_or_extreme(), small_or_extreme(), small_or_extreme()],
        growth in prop_oneof![-2i32..20, any::<i32>()],
        generation: u32,
    ) {
        let block = resealed(fields, growth, generation);
        let size = BlockSize::new(512).unwrap();
        match StreamingRing::parse(&block, size) {
            Ok(mut ring) => {
                let [max, allocated, head, tail, count] = fields;
                // The SPEC's invariants hold for everything accepted.
                prop_assert!(max > 0 && growth > 0);
                prop_assert!(0 <= allocated && allocated <= max);
                prop_assert!(0 <= count && count <= allocated);
                prop_assert!(0 <= tail && tail <= head && head - tail == count);
                let mut emitted = vec![0u8; 512];
                ring.emit(&mut emitted).unwrap();
                prop_assert_eq!(&emitted, &block);
                // Operations on any accepted state keep its invariants and never panic.
                for _ in 0..3 {
                    if let Ok(appended) = ring.append(b"x") {
                        prop_assert!(appended.physical_slot < ring.allocated_blocks());
                        prop_assert!(ring.entry_count() <= ring.allocated_blocks());
                    }
                }
                ring.consume();
                ring.emit(&mut emitted).unwrap();
                prop_assert_eq!(StreamingRing::parse(&emitted, size).unwrap(), ring);
            }
            Err(error) => prop_assert_eq!(error.kind(), ErrorKind::InvalidField, "{}", error),
        }
    }

    #[test]
    fn arbitrary_bytes_and_sizes_never_panic(
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
