//! WORM region parsing from arbitrary bytes and block sizes.
//!
//! Invariants, beyond "did not crash":
//! * the view and the owned parse agree (same error, or same content);
//! * a region that parses emits back byte for byte (its first `block_count` blocks);
//! * the view's records are exactly the owned log, and lie within the blocks given;
//! * appends on a parsed region never write below the mark, and it round-trips again.
#![no_main]
// A fuzz target checks invariants with assertions: a broken expectation must crash to
// be found, so the no-panic set of the shared lints does not apply to it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::unreachable
)]

use dwvd_regions::Region;
use dwvd_regions::worm::{WormRegion, WormView, blocks_needed};
use dwvd_regions::{BlockSize, ErrorKind, Tag, Ticks};
use dwvd_regions_fuzz::{Input, resealed};
use libfuzzer_sys::fuzz_target;

const LOG: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::decode(data) else {
        return;
    };
    let Ok(size) = BlockSize::new(input.block_size) else {
        return;
    };
    let region = if input.reseal {
        resealed(input.region, input.block_size, Tag::WORM)
    } else {
        input.region.to_vec()
    };
    let view = WormView::new_checked(&region, size);
    let owned = WormRegion::<LOG>::parse(&region, size);
    let view = match (view, owned) {
        (Err(view_error), Err(owned_error)) => {
            assert_eq!(view_error, owned_error);
            if input.reseal {
                assert!(
                    matches!(
                        view_error.kind(),
                        ErrorKind::InvalidField | ErrorKind::Truncated
                    ),
                    "{view_error}"
                );
            }
            return;
        }
        (Ok(view), Err(owned_error)) => {
            // Only two reasons: the log disagrees with the mark, or exceeds the capacity.
            match view.check_log_sequence() {
                Err(sequence_error) => assert_eq!(owned_error, sequence_error),
                Ok(()) => {
                    assert_eq!(owned_error.kind(), ErrorKind::CapacityExceeded);
                    assert!(view.write_log_count() > LOG);
                }
            }
            assert_eq!(view.records().count(), view.write_log_count());
            return;
        }
        (Err(error), Ok(_)) => panic!("owned parse accepted what the view refused: {error}"),
        (Ok(view), Ok(owned)) => (view, owned),
    };
    let (view, mut owned) = view;
    assert_eq!(view.logged_writes().collect::<Vec<_>>(), owned.log());
    let needed = blocks_needed(size, view.write_log_count() as u64).unwrap();
    assert!(needed as usize <= view.block_count());
    assert_eq!(owned.block_count(), needed as usize);
    // The owned parse succeeded, so the log agrees with the mark.
    assert!(view.check_log_sequence().is_ok());
    assert_eq!(view.write_log_count() as u64, owned.high_water_mark());

    let mut emitted = vec![0u8; owned.buffer_len()];
    owned.emit(&mut emitted).unwrap();
    assert_eq!(emitted, region[..emitted.len()]);

    for operation in input.operations {
        let mark = owned.high_water_mark();
        let target = mark
            .saturating_add(u64::from(operation % 3))
            .saturating_sub(1);
        let before = owned.clone();
        match owned.write(target, &[operation; 7], Ticks::new(i64::from(operation))) {
            Ok(index) => {
                assert_eq!((index, target), (mark, mark));
                assert_eq!(owned.high_water_mark(), mark + 1);
                // No block is ever handed out twice.
                assert_eq!(
                    owned
                        .log()
                        .iter()
                        .filter(|record| record.block_index == index)
                        .count(),
                    1
                );
            }
            Err(error) => {
                assert_eq!(owned, before);
                if target < mark {
                    assert_eq!(error.kind(), ErrorKind::Immutable);
                }
            }
        }
    }
    let mut emitted = vec![0u8; owned.buffer_len()];
    owned.emit(&mut emitted).unwrap();
    assert_eq!(WormRegion::<LOG>::parse(&emitted, size).unwrap(), owned);
});
