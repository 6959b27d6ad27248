//! Property test of the ring against a plain model written here: a VecDeque of live
//! positions and a map from slot to the position last written there.

use std::collections::{HashMap, VecDeque};

use dwvd_regions::Region;
use dwvd_regions::streaming::{StreamingRing, WrapPolicy};
use dwvd_regions::{BlockSize, ErrorKind};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Append,
    AppendOrReject,
    Consume,
    Reset,
    EmitParse,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Append),
        2 => Just(Op::AppendOrReject),
        3 => Just(Op::Consume),
        1 => Just(Op::Reset),
        1 => Just(Op::EmitParse),
    ]
}

/// The model: how many blocks are allocated, the live positions in order, which position
/// each slot last received, and the slot each live position was given.
struct Model {
    max: u64,
    growth: u64,
    allocated: u64,
    next_position: u64,
    live: VecDeque<u64>,
    slot_owner: HashMap<u64, u64>,
    slot_of: HashMap<u64, u64>,
}

impl Model {
    /// SPEC §2 in the plainest terms: grow when the head reaches the allocation; when all
    /// allocated slots are live, the oldest goes (or, rejecting, nothing happens).
    fn append(&mut self, reject: bool) -> Option<(u64, Option<u64>)> {
        let mut allocated = self.allocated;
        if self.next_position == allocated && allocated < self.max {
            allocated += self.growth.min(self.max - allocated);
        }
        let mut overwritten = None;
        if self.live.len() as u64 == allocated {
            if reject {
                return None;
            }
            overwritten = self.live.pop_front();
        }
        self.allocated = allocated;
        let position = self.next_position;
        self.next_position += 1;
        self.live.push_back(position);
        Some((position, overwritten))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ring_matches_model(
        max in 1u64..48,
        growth in 1u32..20,
        ops in proptest::collection::vec(op(), 0..300),
    ) {
        let size = BlockSize::new(512).unwrap();
        let mut ring = StreamingRing::new(size, max, growth).unwrap();
        let mut model = Model {
            max,
            growth: u64::from(growth),
            allocated: 0,
            next_position: 0,
            live: VecDeque::new(),
            slot_owner: HashMap::new(),
            slot_of: HashMap::new(),
        };
        for op in ops {
            match op {
                Op::Append | Op::AppendOrReject => {
                    let reject = matches!(op, Op::AppendOrReject);
                    let policy = if reject { WrapPolicy::Reject } else { WrapPolicy::OverwriteOldest };
                    let before = ring.clone();
                    let result = ring.append_with(&[0u8; 496], policy);
                    match (model.append(reject), result) {
                        (Some((position, overwritten)), Ok(appended)) => {
                            prop_assert_eq!(appended.position, position);
                            prop_assert_eq!(appended.overwritten, overwritten);
                            // The model's own slot: position modulo its own allocation.
                            let slot = position % model.allocated;
                            prop_assert_eq!(appended.physical_slot, slot);
                            model.slot_owner.insert(slot, position);
                            model.slot_of.insert(position, slot);
                        }
                        (None, Err(error)) => {
                            prop_assert_eq!(error.kind(), ErrorKind::Full);
                            prop_assert_eq!(&ring, &before, "a refused append changes nothing");
                        }
                        (expected, actual) => prop_assert!(false, "model {:?} vs ring {:?}", expected, actual),
                    }
                }
                Op::Consume => {
                    let expected = model.live.pop_front();
                    prop_assert_eq!(ring.consume(), expected);
                }
                Op::Reset => {
                    ring.reset();
                    model.live.clear();
                    model.next_position = 0;
                    model.slot_of.clear();
                }
                Op::EmitParse => {
                    let mut block = [0u8; 512];
                    ring.emit(&mut block).unwrap();
                    prop_assert_eq!(&StreamingRing::parse(&block, size).unwrap(), &ring);
                }
            }

            prop_assert_eq!(ring.allocated_blocks(), model.allocated);
            prop_assert!(ring.allocated_blocks() <= max);
            prop_assert_eq!(ring.entry_count(), model.live.len() as u64);
            prop_assert_eq!(ring.write_head(), model.next_position);
            prop_assert_eq!(ring.is_empty(), model.live.is_empty());
            prop_assert_eq!(
                ring.is_full(),
                model.allocated == max && model.live.len() as u64 == max
            );
            // Every live position maps to the slot it was written to, and no later write
            // was handed that slot.
            for &position in &model.live {
                prop_assert!(ring.is_readable(position));
                let slot = ring.physical_slot(position).unwrap();
                prop_assert_eq!(Some(&slot), model.slot_of.get(&position));
                prop_assert_eq!(model.slot_owner.get(&slot), Some(&position));
            }
            // Every earlier position that is no longer live is reported as overwritten.
            let oldest_live = model.live.front().copied().unwrap_or(model.next_position);
            for position in 0..oldest_live {
                prop_assert_eq!(ring.physical_slot(position).unwrap_err().kind(), ErrorKind::Overwritten);
                prop_assert!(!ring.is_readable(position));
            }
            prop_assert_eq!(
                ring.physical_slot(model.next_position).unwrap_err().kind(),
                ErrorKind::NotWrittenYet
            );
            prop_assert!(!ring.is_readable(model.next_position));
        }
    }
}
