//! Every truncation and every single-bit flip of every WORM golden image gives a typed
//! error, or — for a flip in the generation field of a one-block image — the same region
//! with that generation. Never a panic, never other content.

use crate::common;

use dwvd_regions::BlockSize;
use dwvd_regions::Region;
use dwvd_regions::worm::WormRegion;

#[test]
fn truncations_and_bit_flips_never_pass_as_other_content() {
    let cases: Vec<_> = common::cases("worm")
        .into_iter()
        .filter(|case| case.expect().is_some())
        .collect();
    assert_eq!(cases.len(), 8);
    let mut tried = common::Mutilations::default();
    for case in &cases {
        let size = BlockSize::new(case.block_size()).unwrap();
        tried += common::mutilate(
            case,
            |image| WormRegion::<512>::parse(image, size),
            |region, generation| {
                let mut changed = region.clone();
                changed.set_generation(generation);
                (changed, region.generation())
            },
        );
    }
    let bytes = 9 * 512 + 9 * 4096;
    // One-block images: n0 and n8 at 512, n0 and n77 at 4096.
    assert_eq!(
        tried,
        common::Mutilations {
            truncations: bytes,
            flips: 8 * bytes,
            generation_flips: 4 * 32
        }
    );
}
