//! The Streaming Append ring against a plain model (a VecDeque of live positions and
//! the slot each was given), over arbitrary operation sequences: every live position
//! stays on the slot it was written to, no later write takes that slot, a refused append
//! changes nothing, and every state emits and parses back.
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

use std::collections::{HashMap, VecDeque};

use arbitrary::Arbitrary;
use dwvd_regions::BlockSize;
use dwvd_regions::Region;
use dwvd_regions::streaming::{StreamingRing, WrapPolicy};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    Append,
    AppendOrReject,
    Consume,
    Reset,
    EmitParse,
}

#[derive(Debug, Arbitrary)]
struct Input {
    max: u8,
    growth: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let max = u64::from(input.max).max(1);
    let growth = u64::from(input.growth % 24).max(1);
    let size = BlockSize::new(512).expect("valid");
    let mut ring = StreamingRing::new(size, max, growth as u32).expect("valid parameters");
    let (mut allocated, mut next) = (0u64, 0u64);
    let mut live: VecDeque<u64> = VecDeque::new();
    let mut slot_of: HashMap<u64, u64> = HashMap::new();
    let mut owner: HashMap<u64, u64> = HashMap::new();
    for op in input.ops {
        match op {
            Op::Append | Op::AppendOrReject => {
                let reject = matches!(op, Op::AppendOrReject);
                let before = ring.clone();
                // The model: grow when the head reaches the allocation; when every
                // allocated slot is live, the oldest goes (or nothing happens).
                let mut grown = allocated;
                if next == grown && grown < max {
                    grown += growth.min(max - grown);
                }
                let full = live.len() as u64 == grown;
                let policy = if reject {
                    WrapPolicy::Reject
                } else {
                    WrapPolicy::OverwriteOldest
                };
                match ring.append_with(&[0u8; 8], policy) {
                    Ok(appended) => {
                        assert!(!(full && reject));
                        allocated = grown;
                        let overwritten = if full { live.pop_front() } else { None };
                        assert_eq!(appended.overwritten, overwritten);
                        assert_eq!(appended.position, next);
                        let slot = next % allocated;
                        assert_eq!(appended.physical_slot, slot);
                        live.push_back(next);
                        slot_of.insert(next, slot);
                        owner.insert(slot, next);
                        next += 1;
                    }
                    Err(error) => {
                        assert!(full && reject, "{error}");
                        assert_eq!(ring, before);
                    }
                }
            }
            Op::Consume => assert_eq!(ring.consume(), live.pop_front()),
            Op::Reset => {
                ring.reset();
                live.clear();
                slot_of.clear();
                next = 0;
            }
            Op::EmitParse => {
                let mut block = vec![0u8; 512];
                ring.emit(&mut block).expect("emit");
                assert_eq!(StreamingRing::parse(&block, size).as_ref(), Ok(&ring));
            }
        }
        assert_eq!(ring.allocated_blocks(), allocated);
        assert_eq!(ring.entry_count(), live.len() as u64);
        assert_eq!(ring.write_head(), next);
        for position in &live {
            let slot = ring.physical_slot(*position).expect("live position reads");
            assert_eq!(Some(&slot), slot_of.get(position));
            assert_eq!(
                owner.get(&slot),
                Some(position),
                "no later write took the slot"
            );
        }
        if let Some(oldest) = live.front().copied().or(Some(next))
            && oldest > 0
        {
            assert!(ring.physical_slot(oldest - 1).is_err());
        }
        assert!(ring.physical_slot(next).is_err());
    }
});
