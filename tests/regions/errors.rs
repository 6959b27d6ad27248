//! Where errors point and what they say, for the variants the golden vectors do not reach.

use dwvd_regions::vault::{MAX_PASSPORT_LEN, MAX_SIGNED_PAYLOAD_LEN, SIGNATURE_LEN, VaultView};
use dwvd_regions::worm::WormView;
use dwvd_regions::{BlockSize, Error, ErrorKind};

use crate::common;

#[test]
fn a_count_past_the_blocks_points_at_block_0() {
    // worm_bs512_n9 needs two blocks; give it one.
    let image = std::fs::read(common::data_dir().join("worm_bs512_n9.bin")).unwrap();
    let error = WormView::new_checked(&image[..512], BlockSize::MIN).unwrap_err();
    assert!(
        matches!(error, Error::CountExceedsBlocks { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Truncated);
    assert_eq!(error.block(), Some(0), "the count is a field of block 0");

    // cmvt_bs512_three holds three passports in three blocks; drop the last block.
    let image = std::fs::read(common::data_dir().join("cmvt_bs512_three.bin")).unwrap();
    let error = VaultView::new_checked(&image[..1024], BlockSize::MIN).unwrap_err();
    assert!(
        matches!(error, Error::PassportsExceedBlocks { .. }),
        "{error:?}"
    );
    assert_eq!(error.block(), Some(0));
}

#[test]
fn a_full_ring_says_whether_it_wrapped_below_its_maximum() {
    let at_maximum = Error::RingFull {
        allocated_blocks: 4,
        max_capacity_blocks: 4,
    }
    .to_string();
    assert!(
        at_maximum.contains("all 4 allocated blocks"),
        "{at_maximum}"
    );
    assert!(!at_maximum.contains("wrapped below"), "{at_maximum}");
    let pinned = Error::RingFull {
        allocated_blocks: 3,
        max_capacity_blocks: 4,
    }
    .to_string();
    assert!(
        pinned.contains("wrapped below its maximum of 4 blocks"),
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
