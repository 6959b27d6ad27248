//! STRE header parsing from arbitrary bytes and block sizes.
//!
//! Invariants, beyond "did not crash":
//! * a header that parses satisfies SPEC §2 and emits back byte for byte;
//! * operations on any accepted ring keep its invariants;
//! * a re-sealed block (so the checksum passes and the fields are reached) either parses
//!   under those rules or fails with `invalid_field`, never another category.
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
use dwvd_regions::streaming::{StreamingRing, WrapPolicy};
use dwvd_regions::{BlockSize, ErrorKind, Tag};
use dwvd_regions_fuzz::{Input, resealed};
use libfuzzer_sys::fuzz_target;

/// One ring operation, decoded from one input byte: the low two bits choose the
/// operation, the high six bits the record length (in steps of 1 KiB, so some are too
/// large for the block).
#[derive(Debug, Clone, Copy)]
enum Op {
    Append(usize),
    AppendOrReject(usize),
    Consume,
    Reset,
}

impl Op {
    fn decode(byte: u8) -> Self {
        let length = usize::from(byte >> 2).saturating_mul(1024);
        match byte & 3 {
            0 => Op::Append(length),
            1 => Op::AppendOrReject(length),
            2 => Op::Consume,
            _ => Op::Reset,
        }
    }
}

fn check_ring(ring: &mut StreamingRing, original: &[u8], ops: &[Op]) {
    let size = ring.block_size();
    let mut emitted = vec![0u8; size.get()];
    assert_eq!(ring.emit(&mut emitted), Ok(size.get()));
    assert_eq!(emitted, original, "a parsed header emits back unchanged");

    for op in ops {
        let before = ring.clone();
        match *op {
            Op::Append(length) | Op::AppendOrReject(length) => {
                let policy = if matches!(op, Op::Append(_)) {
                    WrapPolicy::OverwriteOldest
                } else {
                    WrapPolicy::Reject
                };
                let data = vec![0u8; length];
                match ring.append_with(&data, policy) {
                    Ok(appended) => {
                        assert_eq!(appended.position, before.write_head());
                        assert!(appended.physical_slot < ring.allocated_blocks());
                        assert_eq!(
                            ring.physical_slot(appended.position),
                            Ok(appended.physical_slot)
                        );
                        assert!(data.len() <= size.payload_len());
                    }
                    Err(error) => {
                        assert_eq!(ring, &before, "a failed append changes nothing");
                        assert!(matches!(
                            error.kind(),
                            ErrorKind::RecordTooLarge
                                | ErrorKind::Full
                                | ErrorKind::CounterOverflow
                        ));
                    }
                }
            }
            Op::Consume => {
                let consumed = ring.consume();
                assert_eq!(consumed.is_none(), before.is_empty());
            }
            Op::Reset => ring.reset(),
        }
        assert!(ring.allocated_blocks() <= ring.max_capacity_blocks());
        assert!(ring.entry_count() <= ring.allocated_blocks());
        assert!(ring.read_tail() <= ring.write_head());
        ring.emit(&mut emitted).expect("emit a valid ring");
        assert_eq!(StreamingRing::parse(&emitted, size).as_ref(), Ok(&*ring));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::decode(data) else {
        return;
    };
    let ops: Vec<Op> = input.operations.iter().copied().map(Op::decode).collect();
    let Ok(size) = BlockSize::new(input.block_size) else {
        assert!(!(512..=65536).contains(&input.block_size));
        return;
    };
    let region = if input.reseal {
        // One block, so the fields are reached through a valid checksum.
        let end = input.region.len().min(input.block_size);
        resealed(&input.region[..end], input.block_size, Tag::STRE)
    } else {
        input.region.to_vec()
    };
    match StreamingRing::parse(&region, size) {
        Ok(mut ring) => check_ring(&mut ring, &region[..input.block_size], &ops),
        Err(error) => {
            if input.reseal {
                assert_eq!(error.kind(), ErrorKind::InvalidField, "{error}");
            }
            assert!(!error.to_string().is_empty());
        }
    }
});
