//! Block devices and the stored regions: generation order, recovery, power cuts and I/O
//! errors, the file and NOR flash devices.

mod devices;
mod faults;
mod file; // feature `std` (`#![cfg]` in the module)
mod nor; // feature `embedded-storage` (`#![cfg]` in the module)
