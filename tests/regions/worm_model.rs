//! Property test of the owned WORM region against a model written here: random appends,
//! writes at indices below / at / above the mark, and emit + parse.

use dwvd_regions::Region;
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
        1 => proptest::collection::vec(any::<u8>(), 680..=690),
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
    fn refuse(&self, index: u64, data: &[u8], payload: usize) -> Option<ErrorKind> {
        if index < self.mark() {
            Some(ErrorKind::Immutable)
        } else if index > self.mark() {
            Some(ErrorKind::NonSequential)
        } else if data.len() > payload {
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
        block_size in prop_oneof![Just(512usize), Just(700), Just(4096)],
        capacity in 1u64..50,
        generation: u32,
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let size = BlockSize::new(block_size).unwrap();
        let payload = block_size - 16;
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
                    // The bytes hold the model's records where SPEC §3 puts them.
                    let first = (block_size - 56) / 52;
                    let later = (block_size - 16) / 52;
                    prop_assert_eq!(i32::from_le_bytes(image[32..36].try_into().unwrap()), model.log.len() as i32);
                    for (i, (index, ticks, length, sha)) in model.log.iter().enumerate() {
                        let at = if i < first { 40 + 52 * i } else { block_size * (1 + (i - first) / later) + 52 * ((i - first) % later) };
                        prop_assert_eq!(u64::from_le_bytes(image[at..at + 8].try_into().unwrap()), *index);
                        prop_assert_eq!(i64::from_le_bytes(image[at + 8..at + 16].try_into().unwrap()), *ticks);
                        prop_assert_eq!(i32::from_le_bytes(image[at + 16..at + 20].try_into().unwrap()) as usize, *length);
                        prop_assert_eq!(&image[at + 20..at + 52], &sha[..]);
                    }
                    continue;
                }
            };
            let before = region.clone();
            let result = match op {
                Op::Append(_) => region.append(bytes, Ticks::new(clock)),
                _ => region.write(index, bytes, Ticks::new(clock)),
            };
            match (model.refuse(index, bytes, payload), result) {
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
