//! Every error category, produced through the public API, relocated as an inspector does
//! when it finds a region at block 40 of an image: region blocks become device blocks 40
//! on, data-range blocks and errors without a block stay as they are.

use dwvd_regions::block::{RegionBlocks, seal};
use dwvd_regions::streaming::{StreamingRing, StreamingView, WrapPolicy};
use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, SignaturePolicy, Vault, VaultView,
    verifying_key_from_sec1,
};
use dwvd_regions::worm::{WormRegion, WormView};
use dwvd_regions::{BlockOrigin, BlockSize, Error, ErrorKind, Region, Tag, Ticks};
use p256::ecdsa::SigningKey;
use uuid::Uuid;

const BASE: u64 = 40;
const SIZE: BlockSize = BlockSize::MIN;

/// (block, origin, field) an error names.
type Where = (Option<u64>, Option<BlockOrigin>, Option<&'static str>);

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn worm_image(records: usize) -> Vec<u8> {
    let mut region = WormRegion::<64>::new(SIZE, 64, 0, Ticks::new(0)).unwrap();
    for index in 0..records {
        region.append(&[index as u8], Ticks::new(1)).unwrap();
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    image
}

fn passport(id: u128) -> Passport {
    let key = SigningKey::from_slice(&[9; 32]).unwrap();
    Passport::new(
        Uuid::from_u128(id),
        Uuid::from_u128(7),
        Framework::Sox,
        ComplianceStatus::Compliant,
    )
    .signed(&key)
    .unwrap()
}

/// One error of every category, with where it is before relocation.
fn every_kind() -> Vec<(Error, Where)> {
    let region = Some(BlockOrigin::Region);
    let data = Some(BlockOrigin::DataRange);
    let mut errors: Vec<(Error, Where)> = Vec::new();

    // Block layer.
    let zero_block = [0u8; 512];
    errors.push((
        StreamingView::new_checked(&zero_block, SIZE).unwrap_err(),
        (Some(0), region, None),
    ));
    let mut worm_tagged = [0u8; 512];
    seal(&mut worm_tagged, Tag::WORM, 1).unwrap();
    errors.push((
        StreamingView::new_checked(&worm_tagged, SIZE).unwrap_err(),
        (Some(0), region, None),
    ));
    errors.push((BlockSize::new(100).unwrap_err(), (None, None, None)));

    // Truncated: a buffer of no whole block, a block past the end, a count the blocks
    // cannot hold (the bug this model fixed: that one names block 0's field).
    errors.push((
        StreamingView::new_checked(&zero_block[..500], SIZE).unwrap_err(),
        (None, None, None),
    ));
    let blocks = RegionBlocks::new(&worm_tagged, SIZE).unwrap();
    errors.push((
        blocks.open(3, Tag::WORM).unwrap_err(),
        (Some(3), region, None),
    ));
    errors.push((
        WormView::new_checked(&golden("bad_worm_count_overruns.bin"), SIZE).unwrap_err(),
        (Some(0), region, Some("write_log_count")),
    ));

    // Invalid fields: a header field in block 0, a record field in block 1.
    let mut stre = [0u8; 512];
    seal(&mut stre, Tag::STRE, 1).unwrap();
    errors.push((
        StreamingView::new_checked(&stre, SIZE).unwrap_err(),
        (Some(0), region, Some("max_capacity_blocks")),
    ));
    let mut worm = worm_image(9); // the ninth record opens block 1
    worm[512 + 16..512 + 20].copy_from_slice(&(-1i32).to_le_bytes()); // its data_length
    seal(&mut worm[512..1024], Tag::WORM, 0).unwrap();
    errors.push((
        WormView::new_checked(&worm, SIZE).unwrap_err(),
        (Some(1), region, Some("data_length")),
    ));

    // Torn write: block 1 of a two-block region carries another generation.
    let mut torn = worm_image(9);
    seal(&mut torn[512..1024], Tag::WORM, 5).unwrap();
    errors.push((
        WormView::new_checked(&torn, SIZE).unwrap_err(),
        (Some(1), region, None),
    ));

    // The ring's own refusals name no block.
    let mut ring = StreamingRing::new(SIZE, 1, 1).unwrap();
    errors.push((ring.append(&[0; 600]).unwrap_err(), (None, None, None)));
    ring.append(b"one").unwrap();
    errors.push((
        ring.append_with(b"two", WrapPolicy::Reject).unwrap_err(),
        (None, None, None),
    ));
    ring.append(b"three").unwrap();
    errors.push((ring.physical_slot(0).unwrap_err(), (None, None, None)));
    errors.push((ring.physical_slot(9).unwrap_err(), (None, None, None)));
    errors.push((ring.emit(&mut [0u8; 10]).unwrap_err(), (None, None, None)));
    errors.push((
        StreamingRing::new(SIZE, 0, 1).unwrap_err(),
        (None, None, None),
    ));
    let mut at_limit = StreamingRing::new(SIZE, 1, 1).unwrap();
    let mut header = at_limit.header();
    header.write_head.set(i64::MAX);
    header.read_tail.set(i64::MAX - 1);
    header.entry_count.set(1);
    header.allocated_blocks.set(1);
    let mut block = [0u8; 512];
    dwvd_regions::streaming::emit_parts(SIZE, &header, 1, &mut block).unwrap();
    at_limit = StreamingRing::parse(&block, SIZE).unwrap();
    errors.push((
        at_limit.append(b"x").unwrap_err(),
        (None, None, Some("write_head")),
    ));

    // WORM writes name the data block they were aimed at.
    let mut worm_region = WormRegion::<4>::new(SIZE, 8, 0, Ticks::new(0)).unwrap();
    worm_region.append(b"a", Ticks::new(0)).unwrap();
    errors.push((
        worm_region.write(0, b"b", Ticks::new(0)).unwrap_err(),
        (Some(0), data, None),
    ));
    errors.push((
        worm_region.write(5, b"b", Ticks::new(0)).unwrap_err(),
        (Some(5), data, None),
    ));
    let record = worm_region.log()[0];
    errors.push((
        record.verify_data(b"changed").unwrap_err(),
        (Some(0), data, None),
    ));
    errors.push((
        WormRegion::<1>::parse(&worm_image(2), SIZE).unwrap_err(),
        (None, None, None),
    ));

    // Vault: keys, signatures, text.
    errors.push((
        verifying_key_from_sec1(&[4; 3]).unwrap_err(),
        (None, None, None),
    ));
    let mut vault = Vault::<2>::new(SIZE);
    vault.add(passport(1)).unwrap();
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let view = VaultView::new_checked(&image, SIZE).unwrap();
    let other_key = SigningKey::from_slice(&[8; 32]).unwrap();
    errors.push((
        view.passports()
            .next()
            .unwrap()
            .verify_with_policy(other_key.verifying_key(), SignaturePolicy::LowSOnly)
            .unwrap_err(),
        (None, None, None),
    ));
    let not_utf8 = Passport::new(
        Uuid::from_u128(3),
        Uuid::from_u128(7),
        Framework::Sox,
        ComplianceStatus::Compliant,
    )
    .with_issuer(&[0xFF])
    .unwrap();
    errors.push((not_utf8.issuer().unwrap_err(), (None, None, Some("issuer"))));
    errors
}

#[test]
fn every_kind_is_relocated_by_its_origin() {
    let errors = every_kind();
    for kind in ErrorKind::ALL {
        assert!(
            errors.iter().any(|(error, _)| error.kind() == kind),
            "no error of kind {kind} in the table"
        );
    }
    for (error, (block, origin, field)) in errors {
        let location = *error.location();
        assert_eq!(
            (location.block(), location.origin(), location.field()),
            (block, origin, field),
            "{error}"
        );
        let moved = error.relocated(BASE);
        assert_eq!(moved.kind(), error.kind());
        assert_eq!(moved.reason(), error.reason());
        let expected = match origin {
            Some(BlockOrigin::Region) => (block.map(|b| b + BASE), Some(BlockOrigin::Device)),
            _ => (block, origin),
        };
        assert_eq!(
            (moved.location().block(), moved.location().origin()),
            expected,
            "{moved}"
        );
        assert_eq!(moved.location().field(), field);
        assert_eq!(moved.location().offset(), location.offset());
        // Display states the moved block once, from the location.
        if let Some(block) = expected.0 {
            let shown = moved.to_string();
            assert!(shown.contains(&format!("block {block}")), "{shown}");
            if origin == Some(BlockOrigin::Region) {
                assert!(
                    shown.starts_with(&format!("device block {block}")),
                    "{shown}"
                );
            }
        }
    }
}
