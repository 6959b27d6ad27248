//! The golden vectors of the independent implementation (`tests/data/golden/`) and every
//! input a fuzz target ever failed on (`tests/data/regressions/`).

#[path = "../common/mod.rs"]
mod common;

mod cmvt;
mod fuzz_regressions;
mod stre;
mod worm;
