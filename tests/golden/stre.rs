//! Every STRE golden case parses to its `expect` (view and owned ring), emitting that
//! value reproduces the `.bin` byte for byte, and error cases give their category.

use crate::common;

use dwvd_regions::BlockSize;
use dwvd_regions::Region;
use dwvd_regions::streaming::{StreamingRing, StreamingView};

#[test]
fn every_stre_case_matches_its_expectation() {
    let cases = common::cases("stre");
    assert!(
        cases.len() >= 7,
        "expected the STRE golden cases, found {}",
        cases.len()
    );
    let mut successes = 0;
    let mut failures = 0;
    for case in &cases {
        let size = BlockSize::new(case.block_size()).expect("golden block size is valid");
        assert_eq!(
            case.image.len(),
            case.block_size() * case.blocks(),
            "{}",
            case.name
        );

        if let Some(category) = case.expect_error() {
            let view_error = StreamingView::new_checked(&case.image, size).unwrap_err();
            assert_eq!(
                view_error.kind().as_str(),
                category,
                "{}: {view_error}",
                case.name
            );
            let ring_error = StreamingRing::parse(&case.image, size).unwrap_err();
            assert_eq!(ring_error, view_error, "{}", case.name);
            failures += 1;
            continue;
        }

        let view = StreamingView::new_checked(&case.image, size)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        let ring = StreamingRing::parse(&case.image, size).expect("parses");
        let field = |name: &str| case.expect_i64(name);
        for (name, from_view, from_ring) in [
            (
                "max_capacity_blocks",
                view.max_capacity_blocks(),
                ring.max_capacity_blocks(),
            ),
            (
                "allocated_blocks",
                view.allocated_blocks(),
                ring.allocated_blocks(),
            ),
            ("write_head", view.write_head(), ring.write_head()),
            ("read_tail", view.read_tail(), ring.read_tail()),
            ("entry_count", view.entry_count(), ring.entry_count()),
            (
                "growth_increment",
                u64::from(view.growth_increment()),
                u64::from(ring.growth_increment()),
            ),
            (
                "generation",
                u64::from(view.generation()),
                u64::from(ring.generation()),
            ),
        ] {
            assert_eq!(from_view as i64, field(name), "{}: view {name}", case.name);
            assert_eq!(from_ring as i64, field(name), "{}: ring {name}", case.name);
        }

        // Emitting the value built from `expect` alone reproduces the image.
        let mut rebuilt = StreamingRing::new(
            size,
            field("max_capacity_blocks") as u64,
            field("growth_increment") as u32,
        )
        .expect("valid parameters");
        assert_eq!(rebuilt.allocated_blocks(), 0, "a new ring starts at 0 %");
        // Drive the fresh ring to the expected state through its public operations:
        // append up to write_head, then consume up to read_tail.
        while rebuilt.write_head() < field("write_head") as u64 {
            rebuilt.append(b"").expect("append");
        }
        while rebuilt.read_tail() < field("read_tail") as u64 {
            rebuilt.consume().expect("not empty");
        }
        rebuilt.set_generation(field("generation") as u32);
        assert_eq!(
            rebuilt, ring,
            "{}: driven ring equals parsed ring",
            case.name
        );
        let mut block = vec![0xA5u8; case.block_size()];
        ring.emit(&mut block).expect("emit");
        assert_eq!(block, case.image, "{}: emit reproduces the .bin", case.name);
        successes += 1;
    }
    assert!(
        successes >= 6 && failures >= 1,
        "{successes} ok, {failures} error cases"
    );
}

#[test]
fn bad_worm_as_stre_is_a_wrong_tag_naming_both_tags() {
    let case = common::cases("stre")
        .into_iter()
        .find(|case| case.name == "bad_worm_as_stre")
        .expect("case present");
    let error = StreamingRing::parse(&case.image, BlockSize::new(512).unwrap()).unwrap_err();
    assert_eq!(error.kind().as_str(), "wrong_tag");
    let message = error.to_string();
    assert!(
        message.contains("block 0") && message.contains("STRE") && message.contains("WORM"),
        "{message}"
    );
}

#[test]
fn emit_refuses_a_short_buffer_and_fills_only_one_block() {
    let size = BlockSize::new(512).unwrap();
    let ring = StreamingRing::new(size, 10, 2).unwrap();
    let mut short = [0u8; 511];
    let error = ring.emit(&mut short).unwrap_err();
    assert_eq!(error.kind().as_str(), "buffer_too_small");
    let mut long = [0xEEu8; 600];
    assert_eq!(ring.emit(&mut long).unwrap(), 512);
    assert!(
        long[512..].iter().all(|&byte| byte == 0xEE),
        "bytes past the block untouched"
    );
}
