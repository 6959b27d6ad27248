//! Issue 19's goal ratios timed in alternating rounds: each round times the crate's side
//! and then the raw side (the order flips every round) back to back, so both see the
//! machine in the same state. On a virtual machine whose speed changes while a run goes
//! on (a shared host: on the Intel machine of docs/benchmarks.md the same 1,000
//! compressions took 38 µs in one minute and 47 µs in the next), criterion's groups,
//! which time each side for seconds one after the other, can put the two sides of a
//! ratio in different states: the Merkle row read 0.73 and 0.96 of its bound in two runs
//! of the same build. The median over rounds of each round's own ratio does not depend
//! on when the state changed.
//!
//! ```sh
//! DWVD_ROUNDS=21 cargo bench --bench alternating   # scripts/bench does this
//! cargo bench --bench alternating -- --test          # one short round: it works
//! ```
//!
//! Prints a line per row and writes them to `target/alternating.json`, from which
//! `scripts/bench` takes the ratios of these goal rows (the WORM view at 4 KiB and
//! 64 KiB, the Merkle root against its bound); criterion's means of the same operations
//! (`benches/ratios.rs`, through `common`) stay as its breakdown rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{
    bound_blocks, compress_1k, merkle_records, record_bytes, worm_image, worm_view_and_records,
    xxh64_of_every_payload,
};
use dwvd_regions::BlockSize;

/// One row: the crate's side and the raw side, `raw_scale` times the raw side's measured
/// operation (the Merkle bound is 3 compressions per record, timed 1000 at a time).
struct Row {
    name: &'static str,
    crate_side: Box<dyn FnMut()>,
    raw_side: Box<dyn FnMut()>,
    raw_scale: f64,
}

/// Seconds per call of `operation`, over as many calls as fill `at_least` (one at least).
fn time_per_call(operation: &mut dyn FnMut(), at_least: Duration) -> f64 {
    let began = Instant::now();
    let mut calls = 0u32;
    loop {
        operation();
        calls += 1;
        let elapsed = began.elapsed();
        if elapsed >= at_least {
            return elapsed.as_secs_f64() / f64::from(calls);
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

fn main() {
    let quick = std::env::args().any(|argument| argument == "--test");
    let rounds: usize = if quick {
        1
    } else {
        std::env::var("DWVD_ROUNDS")
            .ok()
            .and_then(|rounds| rounds.parse().ok())
            .unwrap_or(21)
    };
    let side_time = if quick {
        Duration::from_millis(1)
    } else {
        Duration::from_millis(150)
    };

    let mut rows = Vec::new();
    for (name, size) in [("worm_view_4k", 4096usize), ("worm_view_64k", 65536usize)] {
        let block_size = BlockSize::new(size).expect("a valid block size");
        // One image, read by both sides.
        let image = std::rc::Rc::new(worm_image(block_size));
        let raw_image = std::rc::Rc::clone(&image);
        rows.push(Row {
            name,
            crate_side: Box::new(move || {
                black_box(worm_view_and_records(&image, block_size));
            }),
            raw_side: Box::new(move || {
                black_box(xxh64_of_every_payload(&raw_image, size));
            }),
            raw_scale: 1.0,
        });
    }
    let records = merkle_records();
    let bytes = record_bytes(&records);
    let blocks = bound_blocks(&bytes);
    let record_count = records.len() as f64;
    rows.push(Row {
        name: "merkle_vs_bound",
        crate_side: Box::new(move || {
            black_box(common::merkle_root(&records));
        }),
        raw_side: Box::new(move || {
            black_box(compress_1k(&blocks));
        }),
        raw_scale: 3.0 * record_count / 1000.0,
    });

    let mut lines = Vec::new();
    for row in &mut rows {
        // One untimed call of each: the caches, and the pages of the fixtures.
        (row.crate_side)();
        (row.raw_side)();
        let mut crate_times = Vec::with_capacity(rounds);
        let mut raw_times = Vec::with_capacity(rounds);
        let mut ratios = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let (crate_time, raw_time) = if round % 2 == 0 {
                let crate_time = time_per_call(&mut row.crate_side, side_time);
                (crate_time, time_per_call(&mut row.raw_side, side_time))
            } else {
                let raw_time = time_per_call(&mut row.raw_side, side_time);
                (time_per_call(&mut row.crate_side, side_time), raw_time)
            };
            let raw_time = raw_time * row.raw_scale;
            crate_times.push(crate_time);
            raw_times.push(raw_time);
            ratios.push(raw_time / crate_time);
        }
        let (crate_median, raw_median) = (median(&mut crate_times), median(&mut raw_times));
        let ratio = median(&mut ratios);
        let (low, high) = (ratios[0], ratios[ratios.len() - 1]);
        eprintln!(
            "{}: crate {:.3} ms, raw {:.3} ms, raw/crate {ratio:.3} (median of {rounds} rounds; {low:.3} to {high:.3})",
            row.name,
            crate_median * 1e3,
            raw_median * 1e3,
        );
        lines.push(format!(
            "  \"{}\": {{\"crate_ns\": {:.1}, \"raw_ns\": {:.1}, \"ratio\": {ratio:.4}, \"lowest\": {low:.4}, \"highest\": {high:.4}, \"rounds\": {rounds}}}",
            row.name,
            crate_median * 1e9,
            raw_median * 1e9,
        ));
    }
    if !quick {
        let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::write(
            target.join("alternating.json"),
            format!("{{\n{}\n}}\n", lines.join(",\n")),
        )
        .expect("the results are written");
    }
}
