//! Where errors point and what they say, for the variants the golden vectors do not reach.

use dwvd_regions::streaming::{StreamingRing, WrapPolicy};
use dwvd_regions::vault::{MAX_PASSPORT_LEN, MAX_SIGNED_PAYLOAD_LEN, SIGNATURE_LEN, VaultView};
use dwvd_regions::worm::WormView;
use dwvd_regions::{BlockOrigin, BlockSize, ErrorKind, Reason, Unit};

use crate::common;

#[test]
fn a_count_past_the_blocks_points_at_block_0() {
    // worm_bs512_n9 needs two blocks; give it one.
    let image = std::fs::read(common::data_dir().join("worm_bs512_n9.bin")).unwrap();
    let error = WormView::new_checked(&image[..512], BlockSize::MIN).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::Truncated {
            needed: 9,
            available: 8,
            unit: Unit::Records
        }
    );
    assert_eq!(error.kind(), ErrorKind::Truncated);
    assert_eq!(error.block(), Some(0), "the count is a field of block 0");
    assert_eq!(error.location().field(), Some("write_log_count"));
    assert_eq!(error.location().offset(), Some(32));
    assert_eq!(
        error.to_string(),
        "block 0 field write_log_count (offset 32): truncated region: 9 records needed, but the region holds 8"
    );
    // Found at block 2 of an image, it names block 2 (it said "block 0" before).
    let moved = error.relocated(2);
    assert_eq!(moved.block(), Some(2));
    assert_eq!(moved.location().origin(), Some(BlockOrigin::Device));
    assert!(
        moved
            .to_string()
            .starts_with("device block 2 field write_log_count")
    );

    // cmvt_bs512_three holds three passports in three blocks; drop the last block.
    let image = std::fs::read(common::data_dir().join("cmvt_bs512_three.bin")).unwrap();
    let error = VaultView::new_checked(&image[..1024], BlockSize::MIN).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::Truncated {
            needed: 3,
            available: 2,
            unit: Unit::Passports
        }
    );
    assert_eq!(error.block(), Some(0));
    assert_eq!(error.location().field(), Some("passport_count"));
    assert_eq!(error.relocated(7).block(), Some(7));
}

#[test]
fn a_full_ring_says_whether_it_wrapped_below_its_maximum() {
    let size = BlockSize::MIN;
    let mut full = StreamingRing::new(size, 4, 4).unwrap();
    for _ in 0..4 {
        full.append(b"entry").unwrap();
    }
    let error = full.append_with(b"more", WrapPolicy::Reject).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::Full {
            what: "streaming ring",
            capacity: 4,
            limit: 4
        }
    );
    let at_maximum = error.to_string();
    assert!(
        at_maximum.starts_with("streaming ring is full at 4; nothing was added"),
        "{at_maximum}"
    );
    assert!(at_maximum.contains("consume"), "{at_maximum}");
    assert!(!at_maximum.contains("wrapped"), "{at_maximum}");

    // A ring written by other rules: 3 of 4 blocks allocated, the head wrapped past them.
    let mut header = StreamingRing::new(size, 4, 1).unwrap().header();
    header.allocated_blocks.set(3);
    header.write_head.set(5);
    header.read_tail.set(2);
    header.entry_count.set(3);
    let mut block = [0u8; 512];
    dwvd_regions::streaming::emit_parts(size, &header, 1, &mut block).unwrap();
    let mut pinned_ring = <StreamingRing as dwvd_regions::Region>::parse(&block, size).unwrap();
    assert!(pinned_ring.is_pinned());
    let error = pinned_ring
        .append_with(b"more", WrapPolicy::Reject)
        .unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::Full {
            what: "streaming ring",
            capacity: 3,
            limit: 4
        }
    );
    let pinned = error.to_string();
    assert!(
        pinned.starts_with("streaming ring is full at 3, below its limit of 4")
            && pinned.contains("cannot grow until it is emptied or reset"),
        "{pinned}"
    );
}

#[test]
fn passport_size_limits_match_the_spec() {
    // SPEC §4: 132 + issuer (≤ 128) + notes (≤ 256); the signed payload is all but the
    // 64-byte signature.
    assert_eq!(MAX_PASSPORT_LEN, 132 + 128 + 256);
    assert_eq!(SIGNATURE_LEN, 64);
    assert_eq!(MAX_SIGNED_PAYLOAD_LEN, 68 + 128 + 256);
}
