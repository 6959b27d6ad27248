//! Property test of the owned WORM region against a model written here: random appends,
//! writes at indices below / at / above the mark, and emit + parse.

use dwvd_regions::worm::{LoggedWrite, WormRegion};
use dwvd_regions::{BlockSize, ErrorKind, Ticks};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const LOG: usize = 40;

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<u8>),
    /// Write at `mark + delta` (delta may be negative).
    WriteAt(i64, Vec<u8>),
    EmitParse,
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => proptest::collection::vec(any::<u8>(), 490..=500),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => data().prop_map(Op::Append),
        4 => (-5i64..=3, data()).prop_map(|(delta, bytes)| Op::WriteAt(delta, bytes)),
        1 => Just(Op::EmitParse),
    ]
}

/// The model: the mark, the capacity, and what each accepted write logged.
struct Model {
    capacity: u64,
    log: Vec<(u64, i64, usize, [u8; 32])>,
}

impl Model {
    fn mark(&self) -> u64 {
        self.log.len() as u64
    }

    /// The category the model expects for a write at `index`, or None if accepted.
    fn refuse(&self, index: u64, data: &[u8]) -> Option<ErrorKind> {
        if index < self.mark() {
            Some(ErrorKind::Immutable)
        } else if index > self.mark() {
            Some(ErrorKind::NonSequential)
        } else if data.len() > 496 {
            Some(ErrorKind::RecordTooLarge)
        } else if self.mark() == self.capacity || self.log.len() == LOG {
            Some(ErrorKind::Full)
        } else {
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn worm_region_matches_model(
        capacity in 1u64..50,
        generation: u32,
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let size = BlockSize::new(512).unwrap();
        let mut region = WormRegion::<LOG>::new(size, capacity, 0, Ticks::new(42)).unwrap();
        region.set_generation(generation);
        let mut model = Model { capacity, log: Vec::new() };
        let mut clock = 0i64;
        for op in ops {
            clock += 1;
            let (index, bytes) = match &op {
                Op::Append(bytes) => (model.mark(), bytes),
                Op::WriteAt(delta, bytes) => {
                    let index = model.mark() as i64 + delta;
                    if index < 0 { continue; }
                    (index as u64, bytes)
                }
                Op::EmitParse => {
                    let mut image = vec![0u8; region.buffer_len()];
                    region.emit(&mut image).unwrap();
                    let parsed = WormRegion::<LOG>::parse(&image, size).unwrap();
                    prop_assert_eq!(&parsed, &region);
                    continue;
                }
            };
            let before = region.clone();
            let result = match op {
                Op::Append(_) => region.append(bytes, Ticks::new(clock)),
                _ => region.write(index, bytes, Ticks::new(clock)),
            };
            match (model.refuse(index, bytes), result) {
                (None, Ok(written)) => {
                    prop_assert_eq!(written, index);
                    model.log.push((index, clock, bytes.len(), Sha256::digest(bytes).into()));
                }
                (Some(kind), Err(error)) => {
                    prop_assert_eq!(error.kind(), kind, "{}", error);
                    prop_assert_eq!(&region, &before, "a refused write changes nothing");
                }
                (expected, actual) => prop_assert!(false, "model {:?}, region {:?}", expected, actual),
            }
            // No write below the mark ever succeeds: the log only grows at the end, and
            // every logged record is the model's.
            prop_assert_eq!(region.high_water_mark(), model.mark());
            let expected: Vec<LoggedWrite> = model.log.iter().map(|&(block_index, ticks, length, sha)| LoggedWrite {
                block_index,
                timestamp: Ticks::new(ticks),
                data_length: length as u32,
                content_sha256: sha,
            }).collect();
            prop_assert_eq!(region.log(), &expected[..]);
            for block in 0..capacity + 2 {
                prop_assert_eq!(region.is_immutable(block), block < model.mark());
            }
            prop_assert_eq!(region.free_blocks(), capacity - model.mark());
        }
    }
}
