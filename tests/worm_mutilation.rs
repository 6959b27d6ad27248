//! Every truncation and every single-bit flip of every WORM golden image gives a typed
//! error, or — for a flip in the generation field of a one-block image — the same region
//! with that generation. Never a panic, never other content.

mod common;

use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, ErrorKind};

#[test]
fn truncations_and_bit_flips_never_pass_as_other_content() {
    let cases: Vec<_> = common::cases("worm")
        .into_iter()
        .filter(|case| case.expect().is_some())
        .collect();
    assert_eq!(cases.len(), 8);
    let (mut truncations, mut flips, mut generation_flips) = (0usize, 0usize, 0usize);
    for case in &cases {
        let bs = case.block_size();
        let size = BlockSize::new(bs).unwrap();
        let original = WormRegion::<512>::parse(&case.image, size).unwrap();
        let blocks = case.blocks();

        for length in 0..case.image.len() {
            let error = WormRegion::<512>::parse(&case.image[..length], size).unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::Truncated,
                "{} cut to {length}: {error}",
                case.name
            );
            truncations += 1;
        }

        let mut image = case.image.clone();
        for bit in 0..image.len() * 8 {
            let byte = bit / 8;
            let (block, offset) = (byte / bs, byte % bs);
            image[byte] ^= 1 << (bit % 8);
            let result = WormRegion::<512>::parse(&image, size);
            image[byte] ^= 1 << (bit % 8);
            flips += 1;
            let in_generation = (bs - 12..bs - 8).contains(&offset);
            let in_tag = (bs - 16..bs - 12).contains(&offset);
            match result {
                Ok(parsed) => {
                    assert!(
                        in_generation && blocks == 1,
                        "{} bit {bit} accepted",
                        case.name
                    );
                    let mut expected = original.clone();
                    expected.set_generation(
                        original.generation() ^ (1 << ((offset - (bs - 12)) * 8 + bit % 8)),
                    );
                    assert_eq!(parsed, expected, "{} bit {bit}", case.name);
                    generation_flips += 1;
                }
                Err(error) => {
                    let expected = if in_tag {
                        ErrorKind::WrongTag
                    } else if in_generation {
                        ErrorKind::TornWrite
                    } else {
                        ErrorKind::ChecksumMismatch
                    };
                    assert_eq!(error.kind(), expected, "{} bit {bit}: {error}", case.name);
                    assert_eq!(
                        error.block(),
                        Some(if in_generation && block == 0 {
                            1
                        } else {
                            block as u64
                        })
                    );
                }
            }
        }
    }
    let bytes: usize = cases.iter().map(|case| case.image.len()).sum();
    assert_eq!(bytes, 9 * 512 + 9 * 4096);
    assert_eq!(truncations, bytes);
    assert_eq!(flips, bytes * 8);
    assert_eq!(
        generation_flips,
        4 * 32,
        "one-block images: n0 and n8 at 512, n0 and n77 at 4096"
    );
}
