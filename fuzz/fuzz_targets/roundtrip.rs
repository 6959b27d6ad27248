//! Structure-aware round trip: an arbitrary owned value (built through the crate's own
//! operations, so valid) → emit → parse == value, and the view reads the same content.
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
use dwvd_regions::RegionView;
use dwvd_regions::streaming::{StreamingRing, StreamingView};
use dwvd_regions::vault::{Vault, VaultView};
use dwvd_regions::worm::{WormRegion, WormView, region_len};
use libfuzzer_sys::fuzz_target;

// One value per fuzz input: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Arbitrary)]
enum Value {
    Ring(StreamingRing),
    Worm(WormRegion<40>),
    Vault(Vault<12>),
}

fuzz_target!(|value: Value| {
    match value {
        Value::Ring(ring) => {
            let size = ring.block_size();
            let mut image = vec![0u8; ring.buffer_len()];
            assert_eq!(ring.emit(&mut image), Ok(size.get()));
            assert_eq!(StreamingRing::parse(&image, size).as_ref(), Ok(&ring));
            let view = StreamingView::new_checked(&image, size).expect("emitted ring reads");
            assert_eq!(view.entry_count(), ring.entry_count());
            assert_eq!(view.generation(), ring.generation());
            assert!(ring.allocated_blocks() <= ring.max_capacity_blocks());
        }
        Value::Worm(region) => {
            let size = region.block_size();
            let mut image = vec![0u8; region.buffer_len()];
            assert_eq!(region.emit(&mut image), Ok(image.len()));
            assert_eq!(
                Some(image.len()),
                region_len(size, region.log().len() as u64)
            );
            assert_eq!(WormRegion::<40>::parse(&image, size).as_ref(), Ok(&region));
            let view = WormView::new_checked(&image, size).expect("emitted region reads");
            assert!(view.check_log_sequence().is_ok());
            assert!(view.logged_writes().eq(region.log().iter().copied()));
            assert_eq!(view.high_water_mark(), region.high_water_mark());
            let (_, extent) = WormView::new_checked_prefix(&image, size).expect("prefix reads");
            assert_eq!(extent, region.block_count());
        }
        Value::Vault(vault) => {
            let size = vault.block_size();
            let mut image = vec![0u8; vault.buffer_len()];
            assert_eq!(vault.emit(&mut image), Ok(image.len()));
            assert_eq!(Vault::<12>::parse(&image, size).as_ref(), Ok(&vault));
            let view = VaultView::new_checked(&image, size).expect("emitted vault reads");
            assert_eq!(view.passport_count(), vault.count());
            for (read, held) in view.passports().zip(vault.all()) {
                assert_eq!(read.to_passport().as_ref(), Ok(held));
                assert_eq!(read.as_bytes().len(), held.serialized_len());
            }
            assert_eq!(
                VaultView::implied_extent(&image, size),
                Some(vault.block_count())
            );
        }
    }
});
