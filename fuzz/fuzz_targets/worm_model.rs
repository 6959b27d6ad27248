//! The WORM writer against a model, over arbitrary appends and writes at indices below,
//! at and above the mark: no write below the mark ever succeeds, the log always matches
//! the model's, and every state emits and parses back.
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

use arbitrary::Arbitrary;
use dwvd_regions::Region;
use dwvd_regions::worm::{LoggedWrite, WormRegion};
use dwvd_regions::{BlockSize, ErrorKind, Ticks};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

const LOG: usize = 24;

#[derive(Debug, Arbitrary)]
enum Op {
    Append(Vec<u8>, i64),
    WriteAt(i8, Vec<u8>, i64),
    EmitParse,
}

#[derive(Debug, Arbitrary)]
struct Input {
    capacity: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let size = BlockSize::new(512).expect("valid");
    let capacity = u64::from(input.capacity).max(1);
    let mut region = WormRegion::<LOG>::new(size, capacity, 0, Ticks::new(0)).expect("valid");
    let mut model: Vec<LoggedWrite> = Vec::new();
    for op in input.ops {
        let mark = model.len() as u64;
        let (index, data, ticks) = match op {
            Op::Append(data, ticks) => (Some(mark), data, ticks),
            Op::WriteAt(delta, data, ticks) => {
                (mark.checked_add_signed(i64::from(delta)), data, ticks)
            }
            Op::EmitParse => {
                let mut image = vec![0u8; region.buffer_len()];
                region.emit(&mut image).expect("emit");
                assert_eq!(WormRegion::<LOG>::parse(&image, size).as_ref(), Ok(&region));
                continue;
            }
        };
        let Some(index) = index else { continue };
        let before = region.clone();
        let result = region.write(index, &data, Ticks::new(ticks));
        let expected = if index < mark {
            Some(ErrorKind::Immutable)
        } else if index > mark {
            Some(ErrorKind::NonSequential)
        } else if data.len() > 496 {
            Some(ErrorKind::RecordTooLarge)
        } else if mark == capacity || model.len() == LOG {
            Some(ErrorKind::Full)
        } else {
            None
        };
        match (expected, result) {
            (None, Ok(written)) => {
                assert_eq!(written, index);
                model.push(LoggedWrite {
                    block_index: index,
                    timestamp: Ticks::new(ticks),
                    data_length: data.len() as u32,
                    content_sha256: Sha256::digest(&data).into(),
                });
            }
            (Some(kind), Err(error)) => {
                assert_eq!(error.kind(), kind, "{error}");
                assert_eq!(region, before, "a refused write changes nothing");
            }
            (expected, actual) => panic!("model {expected:?}, region {actual:?}"),
        }
        assert_eq!(region.log(), &model[..]);
        assert_eq!(region.high_water_mark(), model.len() as u64);
        assert!((0..region.high_water_mark()).all(|block| region.is_immutable(block)));
    }
});
