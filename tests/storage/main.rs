//! Block devices and the stored regions: generation order, recovery, power cuts and I/O
//! errors, the file and NOR flash devices.
// Tests relax the workspace's no-panic lints (Cargo.toml): a failed unwrap, index or
// assertion is how a test fails, and arithmetic and casts on small known values need no
// checking. The crate under test is held to them.
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

mod asynch; // features `async` and `embedded-storage` (`#![cfg]` in the module)
mod devices;
mod faults;
mod file; // feature `std` (`#![cfg]` in the module)
mod journal;
mod nor; // feature `embedded-storage` (`#![cfg]` in the module) // the journal under cuts and I/O errors: program units, journal sizes, generation wrap
