//! All rings of `stre_trace.json` (an operation trace produced by an independent
//! implementation) reproduce every returned position, physical slot and state.

use dwvd_regions::BlockSize;
use dwvd_regions::streaming::StreamingRing;
use serde_json::Value;

fn state_of(ring: &StreamingRing) -> [(&'static str, u64); 6] {
    [
        ("max_capacity_blocks", ring.max_capacity_blocks()),
        ("allocated_blocks", ring.allocated_blocks()),
        ("write_head", ring.write_head()),
        ("read_tail", ring.read_tail()),
        ("entry_count", ring.entry_count()),
        ("growth_increment", u64::from(ring.growth_increment())),
    ]
}

#[test]
fn every_trace_step_is_reproduced() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden/stre_trace.json"
    );
    let trace: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let rings = trace["rings"].as_array().unwrap();
    assert_eq!(rings.len(), 6);
    let mut steps_checked = 0;
    for (ring_index, spec) in rings.iter().enumerate() {
        let max = spec["max_capacity_blocks"].as_u64().unwrap();
        let growth = spec["growth_increment"].as_u64().unwrap() as u32;
        let mut ring = StreamingRing::new(BlockSize::DEFAULT, max, growth).unwrap();
        for (step_index, step) in spec["steps"].as_array().unwrap().iter().enumerate() {
            let context = format!("ring {ring_index} step {step_index} ({step})");
            match step["op"].as_str().unwrap() {
                "append" => {
                    let appended = ring.append(b"entry").unwrap();
                    assert_eq!(
                        appended.position,
                        step["position"].as_u64().unwrap(),
                        "{context}"
                    );
                    assert_eq!(
                        appended.physical_slot,
                        step["physical_index"].as_u64().unwrap(),
                        "{context}"
                    );
                    assert_eq!(
                        ring.physical_slot(appended.position).unwrap(),
                        appended.physical_slot
                    );
                }
                "consume" => {
                    ring.consume();
                }
                "reset" => ring.reset(),
                other => panic!("unknown op {other} in {context}"),
            }
            for (field, actual) in state_of(&ring) {
                assert_eq!(
                    actual,
                    step["state"][field].as_u64().unwrap(),
                    "{field} at {context}"
                );
            }
            steps_checked += 1;
        }
    }
    assert_eq!(steps_checked, 6 * 400);
}
