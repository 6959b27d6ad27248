//! The owned WORM region's operations, its block counts, retention, data audit and torn
//! writes, against expectations written out here.

use dwvd_regions::Region;
use dwvd_regions::block::seal;
use dwvd_regions::worm::{
    AuditError, WormRegion, WormView, audit, blocks_needed, records_in_first_block,
    records_per_later_block, seal_data_block,
};
use dwvd_regions::{
    BlockOrigin, BlockSize, ContentMismatchReason, Error, ErrorKind, Location, Reason, Tag, Ticks,
};
use sha2::{Digest, Sha256};

/// SPEC §3's formula, written independently of the crate.
fn spec_blocks(block_size: u64, count: u64) -> u64 {
    let first = (block_size - 16 - 40) / 52;
    let later = (block_size - 16) / 52;
    if count <= first {
        1
    } else {
        1 + (count - first).div_ceil(later)
    }
}

#[test]
fn records_per_block_and_blocks_needed_follow_the_spec() {
    let bs512 = BlockSize::new(512).unwrap();
    let bs4096 = BlockSize::new(4096).unwrap();
    assert_eq!(
        (
            records_in_first_block(bs512),
            records_per_later_block(bs512)
        ),
        (8, 9)
    );
    assert_eq!(
        (
            records_in_first_block(bs4096),
            records_per_later_block(bs4096)
        ),
        (77, 78)
    );
    // Exactly-full block 0, one more, many blocks.
    for (size, count, blocks) in [
        (bs512, 8, 1),
        (bs512, 9, 2),
        (bs512, 17, 2),
        (bs512, 18, 3),
        (bs512, 37, 5),
        (bs4096, 77, 1),
        (bs4096, 78, 2),
        (bs4096, 155, 2),
        (bs4096, 156, 3),
        (bs4096, 313, 5),
    ] {
        assert_eq!(blocks_needed(size, count), Some(blocks), "{size} {count}");
    }
    for bytes in [512u64, 513, 600, 1000, 1024, 4095, 4096, 8192, 65535, 65536] {
        let size = BlockSize::new(bytes as usize).unwrap();
        for count in (0..2000).chain([i32::MAX as u64, u64::MAX / 2]) {
            assert_eq!(
                blocks_needed(size, count),
                Some(spec_blocks(bytes, count)),
                "{bytes} {count}"
            );
        }
    }
    assert_eq!(
        blocks_needed(bs512, u64::MAX),
        Some(1 + (u64::MAX - 8).div_ceil(9))
    );
    // Bytes for a log past what memory can address: None, not a wrapped length.
    assert_eq!(dwvd_regions::worm::region_len(bs512, u64::MAX), None);
    assert_eq!(dwvd_regions::worm::region_len(bs512, 37), Some(5 * 512));
}

#[test]
fn emitted_regions_have_the_spec_block_count_and_layout() {
    for bytes in [512usize, 1000, 4096] {
        let size = BlockSize::new(bytes).unwrap();
        let mut region = WormRegion::<200>::new(size, 500, 0, Ticks::new(5)).unwrap();
        for count in 0..200u64 {
            let blocks = spec_blocks(bytes as u64, count) as usize;
            assert_eq!(region.block_count(), blocks);
            let mut image = vec![0u8; region.buffer_len()];
            region.emit(&mut image).unwrap();
            assert_eq!(image.len(), blocks * bytes);
            // Record i sits where the SPEC puts it, starting with its block index.
            let first = (bytes - 56) / 52;
            let later = (bytes - 16) / 52;
            for i in 0..count as usize {
                let (block, offset) = if i < first {
                    (0, 40 + 52 * i)
                } else {
                    (1 + (i - first) / later, 52 * ((i - first) % later))
                };
                let at = block * bytes + offset;
                assert_eq!(
                    i64::from_le_bytes(image[at..at + 8].try_into().unwrap()),
                    i as i64
                );
            }
            for block in image.chunks_exact(bytes) {
                assert_eq!(&block[bytes - 16..bytes - 12], b"MROW");
            }
            region
                .append(&[count as u8; 3], Ticks::new(count as i64))
                .unwrap();
        }
    }
}

#[test]
fn writes_below_the_mark_are_immutable_above_it_non_sequential() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<8>::new(size, 4, 0, Ticks::new(0)).unwrap();
    assert_eq!(region.write(0, b"a", Ticks::new(1)).unwrap(), 0);
    assert_eq!(region.append(b"b", Ticks::new(2)).unwrap(), 1);
    let before = region.clone();
    let below = region.write(0, b"x", Ticks::new(3)).unwrap_err();
    assert_eq!(*below.reason(), Reason::Immutable { high_water_mark: 2 });
    assert_eq!(below.block(), Some(0));
    assert_eq!(below.location().origin(), Some(BlockOrigin::DataRange));
    assert_eq!(
        below.to_string(),
        "data block 0: immutable: the high-water mark is 2, and every block below it is written"
    );
    let above = region.write(5, b"x", Ticks::new(3)).unwrap_err();
    assert_eq!(above.kind(), ErrorKind::NonSequential);
    assert!(
        above.to_string().contains("block 5") && above.to_string().contains('2'),
        "{above}"
    );
    assert_eq!(region, before);
    assert!(region.is_immutable(0) && region.is_immutable(1) && !region.is_immutable(2));
    assert_eq!((region.used_blocks(), region.free_blocks()), (2, 2));
}

#[test]
fn full_region_and_full_log_are_different_full_errors() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<8>::new(size, 2, 0, Ticks::new(0)).unwrap();
    region.append(b"", Ticks::new(0)).unwrap();
    region.append(b"", Ticks::new(0)).unwrap();
    let full = region.append(b"", Ticks::new(0)).unwrap_err();
    assert!(
        matches!(
            full.reason(),
            Reason::Full {
                what: "WORM region",
                capacity: 2,
                ..
            }
        ),
        "{full:?}"
    );
    assert_eq!(full.kind(), ErrorKind::Full);
    assert!(full.to_string().contains("WORM region is full"), "{full}");
    assert_eq!(region.write(2, b"", Ticks::new(0)).unwrap_err(), full);

    let mut small_log = WormRegion::<2>::new(size, 100, 0, Ticks::new(0)).unwrap();
    small_log.append(b"", Ticks::new(0)).unwrap();
    small_log.append(b"", Ticks::new(0)).unwrap();
    let before = small_log.clone();
    let log_full = small_log.append(b"", Ticks::new(0)).unwrap_err();
    assert!(
        matches!(
            log_full.reason(),
            Reason::Full {
                what: "write log",
                capacity: 2,
                ..
            }
        ),
        "{log_full:?}"
    );
    assert_eq!(log_full.kind(), ErrorKind::Full);
    assert!(
        log_full.to_string().contains("write log is full"),
        "{log_full}"
    );
    assert_eq!(
        small_log, before,
        "the mark does not move when the log is full"
    );
}

#[test]
fn data_longer_than_a_payload_is_record_too_large() {
    let size = BlockSize::new(1024).unwrap();
    let mut region = WormRegion::<4>::new(size, 10, 0, Ticks::new(0)).unwrap();
    assert!(region.append(&[7u8; 1008], Ticks::new(0)).is_ok());
    let error = region.append(&[7u8; 1009], Ticks::new(0)).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::RecordTooLarge {
            length: 1009,
            capacity: 1008
        }
    );
    assert_eq!(region.high_water_mark(), 1);
    assert_eq!(
        region.log()[0].content_sha256,
        <[u8; 32]>::from(Sha256::digest([7u8; 1008]))
    );
}

#[test]
fn retention_is_never_for_zero_and_checked_otherwise() {
    let size = BlockSize::new(512).unwrap();
    let created = Ticks::new(1_000);
    let forever = WormRegion::<1>::new(size, 1, 0, created).unwrap();
    assert_eq!(forever.reclaimable_from(), None);
    assert!(!forever.is_reclaimable(Ticks::MAX));

    let kept = WormRegion::<1>::new(size, 1, 500, created).unwrap();
    assert_eq!(kept.reclaimable_from(), Some(Ticks::new(1_500)));
    assert!(!kept.is_reclaimable(Ticks::new(1_499)));
    assert!(kept.is_reclaimable(Ticks::new(1_500)));
    assert!(kept.is_reclaimable(Ticks::new(9_999)));

    let overflowing = WormRegion::<1>::new(size, 1, i64::MAX, Ticks::new(i64::MAX - 10)).unwrap();
    assert_eq!(overflowing.reclaimable_from(), None);
    assert!(!overflowing.is_reclaimable(Ticks::MAX));
}

#[test]
fn constructor_and_emit_refuse_bad_arguments() {
    let size = BlockSize::new(512).unwrap();
    for total in [0, i64::MAX as u64 + 1] {
        let error = WormRegion::<1>::new(size, total, 0, Ticks::new(0)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    }
    let mut region = WormRegion::<20>::new(size, 100, 0, Ticks::new(0)).unwrap();
    for _ in 0..9 {
        region.append(b"x", Ticks::new(0)).unwrap();
    }
    let mut one_block = vec![0u8; 512];
    let error = region.emit(&mut one_block).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::BufferTooSmall {
            needed: 1024,
            available: 512,
            block_size: size.get()
        }
    );
    assert_eq!(
        error.to_string(),
        "output buffer too small: 2 blocks of 512 bytes (1024 bytes) needed, 512 bytes given"
    );
    let error = WormRegion::<1>::new(size, 10, -1, Ticks::new(0)).unwrap_err();
    assert!(matches!(
        error.reason(),
        Reason::InvalidArgument {
            argument: "retention_period_ticks",
            ..
        }
    ));
}

#[test]
fn audit_tells_changed_data_from_intact_data() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<8>::new(size, 8, 0, Ticks::new(0)).unwrap();
    let mut disk = vec![vec![0u8; 512]; 8];
    let texts: [&[u8]; 4] = [b"alpha", b"beta", b"gamma", b"delta"];
    for text in texts {
        let index = region.append(text, Ticks::new(0)).unwrap() as usize;
        seal_data_block(&mut disk[index], text, 3).unwrap();
    }
    // 1: changed and re-sealed; 2: a byte appended past the length, re-sealed;
    // 3: corrupt (not re-sealed).
    disk[1][0] = b'B';
    seal(&mut disk[1], Tag::DATA, 3).unwrap();
    disk[2][5] = b'!';
    seal(&mut disk[2], Tag::DATA, 3).unwrap();
    disk[3][0] ^= 1;

    let mut scratch = vec![0u8; 512];
    let outcomes: Vec<_> = audit(
        region.log().iter().copied(),
        &mut scratch,
        |index, buffer: &mut [u8]| {
            buffer.copy_from_slice(&disk[index as usize]);
            Ok::<(), ()>(())
        },
    )
    .map(|(record, outcome)| (record.block_index, outcome))
    .collect();
    assert_eq!(outcomes[0], (0, Ok(())));
    assert_eq!(
        outcomes[1].1,
        Err(AuditError::Data(Error::new(
            Reason::ContentMismatch(ContentMismatchReason::Sha256),
            Location::block_of(BlockOrigin::DataRange, 1)
        )))
    );
    assert_eq!(
        outcomes[2].1,
        Err(AuditError::Data(Error::new(
            Reason::ContentMismatch(ContentMismatchReason::TrailingBytes { offset: 5 }),
            Location::block_of(BlockOrigin::DataRange, 2)
        )))
    );
    match &outcomes[3].1 {
        Err(AuditError::Data(error)) => {
            assert_eq!(error.kind(), ErrorKind::ChecksumMismatch);
            assert_eq!(error.block(), Some(3), "names the data block");
        }
        other => panic!("{other:?}"),
    }
    // Read failures are reported as such.
    let failing: Vec<_> = audit(
        region.log().iter().copied(),
        &mut scratch,
        |_, _: &mut [u8]| Err("disk gone"),
    )
    .map(|(_, outcome)| outcome)
    .collect();
    assert_eq!(failing.len(), region.log().len());
    assert!(
        failing
            .iter()
            .all(|outcome| *outcome == Err(AuditError::Read("disk gone")))
    );
    assert_eq!(
        failing[0].as_ref().unwrap_err().to_string(),
        "reading the data block failed: disk gone"
    );
    let data_error = Error::new(
        Reason::ContentMismatch(ContentMismatchReason::Sha256),
        Location::block_of(BlockOrigin::DataRange, 1),
    );
    assert_eq!(
        AuditError::<&str>::Data(data_error).to_string(),
        data_error.to_string()
    );
    // The audit knows how many records are left.
    let mut walk = audit(
        region.log().iter().copied(),
        &mut scratch,
        |_, _: &mut [u8]| Err("disk gone"),
    );
    let total = region.log().len();
    assert_eq!(walk.size_hint(), (total, Some(total)));
    walk.next();
    assert_eq!(walk.size_hint(), (total - 1, Some(total - 1)));

    let record = region.log()[0];
    let error = record.verify_data(b"alph").unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::ContentMismatch(ContentMismatchReason::Length {
            logged: 5,
            found: 4
        })
    );
    assert_eq!(error.block(), Some(0));
    assert_eq!(error.location().origin(), Some(BlockOrigin::DataRange));
    assert!(record.verify_data(b"alpha").is_ok());
    assert_eq!(
        seal_data_block(&mut disk[0], &[0u8; 497], 1)
            .unwrap_err()
            .kind(),
        ErrorKind::RecordTooLarge
    );
}

#[test]
fn blocks_with_different_generations_are_a_torn_write() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<32>::new(size, 100, 0, Ticks::new(0)).unwrap();
    for _ in 0..20 {
        region.append(b"x", Ticks::new(0)).unwrap();
    }
    region.set_generation(7);
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    assert_eq!(image.len(), 3 * 512);
    // Block 2 as a previous generation left it (re-sealed with generation 6).
    seal(&mut image[1024..1536], Tag::WORM, 6).unwrap();
    let error = WormView::new_checked(&image, size).unwrap_err();
    assert_eq!(
        *error.reason(),
        Reason::TornWrite {
            expected: 7,
            found: 6
        }
    );
    assert_eq!(error.block(), Some(2));
    assert_eq!(error.kind().as_str(), "torn_write");
    assert_eq!(WormRegion::<32>::parse(&image, size).unwrap_err(), error);
}

#[test]
fn check_log_sequence_flags_a_log_that_disagrees_with_the_mark() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<4>::new(size, 10, 0, Ticks::new(0)).unwrap();
    for _ in 0..3 {
        region.append(b"x", Ticks::new(0)).unwrap();
    }
    let mut image = vec![0u8; 512];
    region.emit(&mut image).unwrap();
    assert!(
        WormView::new_checked(&image, size)
            .unwrap()
            .check_log_sequence()
            .is_ok()
    );

    // Record 1 claims block 5, re-sealed: structurally fine, but not the sequence.
    image[40 + 52] = 5;
    seal(&mut image, Tag::WORM, 0).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    let error = view.check_log_sequence().unwrap_err();
    assert_eq!(
        invalid_field(&error),
        Some((Some(0), "block_index", Some(92), 5))
    );
    // The mark says 4 but the log holds 3 records.
    image[0] = 4;
    image[40 + 52] = 1;
    seal(&mut image, Tag::WORM, 0).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    assert!(matches!(
        invalid_field(&view.check_log_sequence().unwrap_err()),
        Some((_, "write_log_count", _, _))
    ));
}

#[test]
fn each_broken_field_is_named() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<4>::new(size, 10, 0, Ticks::new(0)).unwrap();
    region.append(b"abc", Ticks::new(0)).unwrap();
    let mut image = vec![0u8; 512];
    region.emit(&mut image).unwrap();
    let broken = |offset: usize, bytes: &[u8]| {
        let mut copy = image.clone();
        copy[offset..offset + bytes.len()].copy_from_slice(bytes);
        seal(&mut copy, Tag::WORM, 0).unwrap();
        WormView::new_checked(&copy, size).unwrap_err()
    };
    for (offset, bytes, field, kind) in [
        (
            32,
            &(-1i32).to_le_bytes()[..],
            "write_log_count",
            ErrorKind::InvalidField,
        ),
        (
            8,
            &0i64.to_le_bytes()[..],
            "total_capacity_blocks",
            ErrorKind::InvalidField,
        ),
        (
            0,
            &11i64.to_le_bytes()[..],
            "high_water_mark",
            ErrorKind::InvalidField,
        ),
        (
            0,
            &(-1i64).to_le_bytes()[..],
            "high_water_mark",
            ErrorKind::InvalidField,
        ),
        (
            36,
            &1u32.to_le_bytes()[..],
            "reserved",
            ErrorKind::InvalidField,
        ),
        (
            40,
            &(-2i64).to_le_bytes()[..],
            "block_index",
            ErrorKind::InvalidField,
        ),
        (
            56,
            &497i32.to_le_bytes()[..],
            "data_length",
            ErrorKind::InvalidField,
        ),
        (
            56,
            &(-1i32).to_le_bytes()[..],
            "data_length",
            ErrorKind::InvalidField,
        ),
        (92, &[1u8][..], "padding", ErrorKind::InvalidField),
        (
            32,
            &9i32.to_le_bytes()[..],
            "write_log_count",
            ErrorKind::Truncated,
        ),
    ] {
        let error = broken(offset, bytes);
        assert_eq!(error.kind(), kind, "{field}: {error}");
        assert!(error.to_string().contains(field), "{error}");
    }
}

#[test]
fn the_owned_parse_refuses_a_log_that_disagrees_with_the_mark() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<8>::new(size, 10, 0, Ticks::new(0)).unwrap();
    for _ in 0..3 {
        region.append(b"x", Ticks::new(0)).unwrap();
    }
    let mut image = vec![0u8; 512];
    region.emit(&mut image).unwrap();

    // The mark rolled back to 0 behind a valid checksum: an append would be handed
    // block 0 again, which the log says is written. The view shows it; the owned parse,
    // which firmware appends to, refuses it.
    let mut rolled_back = image.clone();
    rolled_back[..8].copy_from_slice(&0i64.to_le_bytes());
    seal(&mut rolled_back, Tag::WORM, 0).unwrap();
    let view = WormView::new_checked(&rolled_back, size).unwrap();
    assert_eq!(view.high_water_mark(), 0);
    let error = WormRegion::<8>::parse(&rolled_back, size).unwrap_err();
    assert!(
        matches!(invalid_field(&error), Some((_, "write_log_count", _, 3))),
        "{error}"
    );

    // A record naming a block past the region's capacity.
    let mut far = image.clone();
    far[40 + 104..40 + 112].copy_from_slice(&200i64.to_le_bytes());
    seal(&mut far, Tag::WORM, 0).unwrap();
    let error = WormRegion::<8>::parse(&far, size).unwrap_err();
    assert!(
        matches!(invalid_field(&error), Some((_, "block_index", _, 200))),
        "{error}"
    );
}

#[test]
fn reserved_log_blocks_after_the_log_are_accepted_and_emit_writes_the_needed_ones() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<8>::new(size, 10, 0, Ticks::new(0)).unwrap();
    region.append(b"x", Ticks::new(0)).unwrap();
    let mut image = vec![0u8; 3 * 512];
    region.emit(&mut image).unwrap();
    for block in image[512..].chunks_exact_mut(512) {
        seal(block, Tag::WORM, 0).unwrap();
    }
    let parsed = WormRegion::<8>::parse(&image, size).unwrap();
    assert_eq!(parsed, region);
    let mut emitted = vec![0u8; parsed.buffer_len()];
    assert_eq!(parsed.emit(&mut emitted).unwrap(), 512);
    assert_eq!(emitted, image[..512]);
    // A reserved block with anything in it is not padding.
    image[600] = 1;
    seal(&mut image[512..1024], Tag::WORM, 0).unwrap();
    let error = WormView::new_checked(&image, size).unwrap_err();
    assert!(
        matches!(
            invalid_field(&error),
            Some((Some(1), "padding", Some(88), _))
        ),
        "{error}"
    );
}

#[test]
fn generations_advance_wrap_and_are_sealed_into_every_block() {
    let mut region = WormRegion::<32>::new(BlockSize::MIN, 40, 0, Ticks::new(0)).unwrap();
    assert_eq!(region.advance_generation(), 1);
    region.set_generation(u32::MAX);
    assert_eq!(region.advance_generation(), 0);
    assert_eq!(region.generation(), 0);
    region.set_generation(7);
    assert_eq!(region.advance_generation(), 8);
    for n in 0..12u8 {
        region.append(&[n], Ticks::new(n.into())).unwrap();
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    assert_eq!(image.len(), 2 * 512, "12 records take two blocks");
    for block in image.chunks(512) {
        assert_eq!(&block[500..504], &8u32.to_le_bytes());
    }
}

#[test]
fn accessors_return_what_the_region_was_made_with() {
    let region = WormRegion::<24>::new(BlockSize::MIN, 40, 12_345, Ticks::new(77)).unwrap();
    assert_eq!(region.retention_period_ticks(), 12_345);
    assert_eq!(region.log_capacity(), 24);
    assert_eq!(region.total_capacity_blocks(), 40);
    assert_eq!(region.created(), Ticks::new(77));
}

/// `records()` read one at a time (`next`), all at once (`fold`, which the view runs block
/// by block over slices), and from the middle (`nth` then `fold`) give the same records, in
/// the SPEC's order, across block boundaries — read straight from the image's bytes here.
#[test]
fn records_read_alike_one_by_one_and_folded_across_blocks() {
    for bytes in [512usize, 1000, 4096] {
        let size = BlockSize::new(bytes).unwrap();
        let mut region = WormRegion::<120>::new(size, 500, 0, Ticks::new(5)).unwrap();
        for count in 0..120usize {
            let mut image = vec![0u8; region.buffer_len()];
            region.emit(&mut image).unwrap();
            let view = WormView::new_checked(&image, size).unwrap();
            let first = (bytes - 56) / 52;
            let later = (bytes - 16) / 52;
            // Block indexes from the bytes, where the SPEC puts record i.
            let expected: Vec<i64> = (0..count)
                .map(|i| {
                    let (block, offset) = if i < first {
                        (0, 40 + 52 * i)
                    } else {
                        (1 + (i - first) / later, 52 * ((i - first) % later))
                    };
                    let at = block * bytes + offset;
                    i64::from_le_bytes(image[at..at + 8].try_into().unwrap())
                })
                .collect();
            assert_eq!(expected, (0..count as i64).collect::<Vec<_>>());
            let mut one_by_one = Vec::new();
            // A `for` loop calls `next` one record at a time.
            for record in view.records() {
                one_by_one.push(record.block_index.get());
            }
            assert_eq!(one_by_one, expected, "next, bs {bytes}, {count} records");
            let folded = view.records().fold(Vec::new(), |mut all, record| {
                all.push(record.block_index.get());
                all
            });
            assert_eq!(folded, expected, "fold, bs {bytes}, {count} records");
            for skip in [0, 1, first.saturating_sub(1), first, first + later, count] {
                let mut records = view.records();
                let head = if skip == 0 {
                    None
                } else {
                    records.nth(skip - 1)
                };
                assert_eq!(
                    head.map(|record| record.block_index.get()),
                    skip.checked_sub(1).and_then(|i| expected.get(i).copied())
                );
                assert_eq!(records.len(), count.saturating_sub(skip));
                let rest: Vec<i64> = records.fold(Vec::new(), |mut all, record| {
                    all.push(record.block_index.get());
                    all
                });
                assert_eq!(rest, expected[skip.min(count)..], "skip {skip}");
            }
            region
                .append(&[count as u8; 3], Ticks::new(count as i64))
                .unwrap();
        }
    }
}

/// An `invalid_field` error as (block, field, offset, value), for compact assertions.
fn invalid_field(error: &Error) -> Option<(Option<u64>, &'static str, Option<usize>, i64)> {
    match error.reason() {
        Reason::InvalidField { value, .. } => Some((
            error.block(),
            error.location().field()?,
            error.location().offset(),
            *value,
        )),
        _ => None,
    }
}
