//! The shared block layer: block sizes, tags, the trailer, and the region walker.

use dwvd_regions::block::{self, Block, RegionBlocks};
use dwvd_regions::{BlockSize, Error, ErrorKind, Reason, Tag};

#[test]
fn block_size_holds_exactly_512_to_65536() {
    for bad in [0usize, 1, 511, 65537, usize::MAX] {
        let error = BlockSize::new(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidBlockSize);
        assert_eq!(error.kind().as_str(), "invalid_block_size");
        assert!(error.to_string().contains(&bad.to_string()), "{error}");
    }
    for good in [512usize, 513, 4096, 65535, 65536] {
        let size = BlockSize::new(good).unwrap();
        assert_eq!(size.get(), good);
        assert_eq!(size.payload_len(), good - 16);
        assert_eq!(BlockSize::try_from(good).unwrap(), size);
    }
    assert_eq!(BlockSize::default().get(), 4096);
}

#[test]
fn the_forty_known_tags_match_the_spec_list() {
    // Written out independently from SPEC §1 (its order).
    let spec = "SUPB RMAP POLV ENCR BMAP INOD TAGI MWAL MTRK BTRE SNAP REPL RAID COMP INTE \
                STRE XREF WORM CODE DWAL DATA FREE CMVT ALOG CMAL CLOG DICT ANON MLOG ERCV \
                RCVR EXTN EXMD IANT COLR ZMAP WALS ZNSM OPJR TRLR";
    let names: Vec<&str> = spec.split_whitespace().collect();
    assert_eq!(names.len(), 40);
    assert_eq!(Tag::KNOWN.len(), 40);
    for (tag, name) in Tag::KNOWN.iter().zip(&names) {
        assert_eq!(tag.to_string(), *name);
        assert!(tag.is_known());
        let bytes = name.as_bytes();
        let packed = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        assert_eq!(tag.to_u32(), packed);
    }
    let mut unique = Tag::KNOWN.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40);
    assert_eq!(Tag::STRE.to_u32(), 0x5354_5245);
    assert_eq!(Tag::WORM, Tag::from_ascii(*b"WORM"));
    assert_eq!(Tag::CMVT.to_u32().to_le_bytes(), *b"TVMC");
}

#[test]
fn unknown_tags_are_kept_and_shown() {
    for value in [0u32, 0x5A5A_5A5A, 0xFFFF_FFFF, 0x4142_0043] {
        let tag = Tag::from_u32(value);
        assert_eq!(tag.to_u32(), value);
        assert!(!tag.is_known(), "{tag} is not one of the 30");
    }
    assert_eq!(Tag::from_u32(0x5A5A_5A5A).to_string(), "ZZZZ");
    assert!(!Tag::from_u32(0x5A5A_5A5A).is_known());
    assert_eq!(Tag::from_u32(0).to_string(), "\\x00\\x00\\x00\\x00");
    assert_eq!(format!("{:?}", Tag::DATA), "Tag(\"DATA\")");

    // A block with an unknown tag still seals, reads and opens under that tag.
    let odd = Tag::from_ascii(*b"Q?!z");
    let mut bytes = vec![0u8; 512];
    block::seal(&mut bytes, odd, 9).unwrap();
    assert_eq!(Block::new_checked(&bytes[..]).unwrap().tag(), odd);
    assert_eq!(block::open(&bytes, odd).unwrap().generation(), 9);
}

#[test]
fn checksum_is_xxh64_seed_0() {
    // Published XXH64 reference values (seed 0).
    assert_eq!(block::checksum(b""), 0xEF46_DB37_51D8_E999);
    assert_eq!(block::checksum(b"abc"), 0x44BC_2CF5_AD77_0999);
}

#[test]
fn sealed_trailer_has_the_spec_layout() {
    let mut bytes = vec![0x11u8; 1024];
    block::seal(&mut bytes, Tag::STRE, 0x0102_0304).unwrap();
    assert_eq!(&bytes[1008..1012], b"ERTS");
    assert_eq!(&bytes[1012..1016], &[4, 3, 2, 1]);
    let expected = block::checksum(&bytes[..1008]).to_le_bytes();
    assert_eq!(&bytes[1016..1024], &expected);
}

#[test]
fn corrupt_and_wrong_type_are_different_errors_checksum_first() {
    let mut bytes = vec![0u8; 512];
    bytes[..4].copy_from_slice(b"data");
    block::seal(&mut bytes, Tag::WORM, 1).unwrap();

    let wrong = block::open(&bytes, Tag::STRE).unwrap_err();
    assert_eq!(
        *wrong.reason(),
        Reason::WrongTag {
            expected: Tag::STRE,
            found: Tag::WORM
        }
    );
    assert_eq!(wrong.block(), Some(0));

    bytes[2] ^= 0x80;
    let corrupt = block::open(&bytes, Tag::STRE).unwrap_err();
    assert_eq!(
        corrupt.kind(),
        ErrorKind::ChecksumMismatch,
        "checksum is checked before the tag"
    );
    assert!(corrupt.to_string().contains("block 0"), "{corrupt}");

    let short = block::open(&bytes[..500], Tag::WORM).unwrap_err();
    assert_eq!(short.kind(), ErrorKind::InvalidBlockSize);
    assert_eq!(
        block::seal(&mut bytes[..100], Tag::WORM, 0)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidBlockSize
    );
}

#[test]
fn region_walker_checks_whole_blocks_and_names_the_failing_index() {
    let size = BlockSize::new(512).unwrap();
    let mut region = vec![0u8; 512 * 3];
    for (index, chunk) in region.chunks_exact_mut(512).enumerate() {
        chunk[0] = index as u8;
        block::seal(chunk, Tag::CMVT, 5).unwrap();
    }
    let blocks = RegionBlocks::new(&region, size).unwrap();
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks.iter().count(), 3);
    assert_eq!(blocks.get(2).unwrap()[0], 2);
    assert!(blocks.get(3).is_none());
    let opened: Vec<_> = blocks.open_all(Tag::CMVT).map(Result::unwrap).collect();
    assert_eq!(
        opened.iter().map(|b| b.index()).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(
        opened
            .iter()
            .all(|b| b.generation() == 5 && b.payload().len() == 496)
    );

    region[512 * 2 + 7] ^= 1;
    let blocks = RegionBlocks::new(&region, size).unwrap();
    let error = blocks.open(2, Tag::CMVT).unwrap_err();
    assert_eq!(error.block(), Some(2));
    assert!(error.to_string().starts_with("block 2:"), "{error}");
    let wrong = blocks.open(1, Tag::WORM).unwrap_err();
    assert_eq!(wrong.block(), Some(1));
    assert_eq!(
        blocks.open(3, Tag::CMVT).unwrap_err().kind(),
        ErrorKind::Truncated
    );

    for length in [0usize, 1, 511, 513, 1535] {
        let error = RegionBlocks::new(&region[..length], size).unwrap_err();
        assert_eq!(error.kind().as_str(), "truncated");
        assert!(error.to_string().contains(&length.to_string()), "{error}");
    }
}

#[test]
fn block_view_reads_trailers_that_do_not_verify() {
    let mut bytes = vec![0u8; 2048];
    let mut view = Block::new_checked(&mut bytes[..]).unwrap();
    view.payload_mut().fill(7);
    view.seal(Tag::ALOG, 42);
    assert_eq!(view.block_size().get(), 2048);
    assert!(view.checksum_ok());
    bytes[0] = 0;
    let view = Block::new_checked(&bytes[..]).unwrap();
    assert!(!view.checksum_ok());
    assert_eq!(view.tag(), Tag::ALOG);
    assert_eq!(view.generation(), 42);
    assert_ne!(view.stored_checksum(), view.computed_checksum());
    assert_eq!(view.payload().len(), 2032);
    assert!(Block::new_checked(&bytes[..1000]).is_ok());
    assert!(Block::new_checked(&bytes[..100]).is_err());
}

#[test]
fn error_kinds_have_stable_names() {
    let names = [
        (ErrorKind::ChecksumMismatch, "checksum_mismatch"),
        (ErrorKind::WrongTag, "wrong_tag"),
        (ErrorKind::Truncated, "truncated"),
        (ErrorKind::InvalidField, "invalid_field"),
        (ErrorKind::InvalidBlockSize, "invalid_block_size"),
        (ErrorKind::RecordTooLarge, "record_too_large"),
        (ErrorKind::Full, "full"),
        (ErrorKind::Overwritten, "overwritten"),
        (ErrorKind::NotWrittenYet, "not_written_yet"),
        (ErrorKind::BufferTooSmall, "buffer_too_small"),
        (ErrorKind::InvalidArgument, "invalid_argument"),
        (ErrorKind::CounterOverflow, "counter_overflow"),
    ];
    for (kind, name) in names {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }
    let error: &dyn core::error::Error = &Error::from(Reason::RecordTooLarge {
        length: 600,
        capacity: 496,
    });
    assert_eq!(
        error.to_string(),
        "record of 600 bytes is too large: a block holds at most 496 bytes"
    );
}

#[test]
fn conversions_and_display_of_the_small_types() {
    let size = BlockSize::new(2048).unwrap();
    assert_eq!(usize::from(size), 2048);
    assert_eq!(size.to_string(), "2048 bytes");
    assert_eq!(u32::from(Tag::WORM), 0x574F_524D);
    assert_eq!(Tag::from(0x574F_524Du32), Tag::WORM);
    let ticks = dwvd_regions::Ticks::from(639_000_000_000_000_000i64);
    assert_eq!(i64::from(ticks), 639_000_000_000_000_000);
    assert_eq!(ticks.get(), 639_000_000_000_000_000);
    let region = [0u8; 1024];
    let blocks = RegionBlocks::new(&region, BlockSize::new(512).unwrap()).unwrap();
    assert!(!blocks.is_empty(), "a region has at least one block");
    assert_eq!(blocks.into_iter().count(), 2);
}

/// A caller that verified the checksums itself (an inspector hashing blocks as it reads
/// them) can skip them: a changed byte then passes, but every other check still holds —
/// a wrong tag, a torn write, a broken field.
#[test]
fn already_verified_checksums_are_not_computed_again_and_nothing_else_is_skipped() {
    use dwvd_regions::RegionView;
    use dwvd_regions::block::Checksums;
    use dwvd_regions::streaming::{StreamingRing, StreamingView};
    use dwvd_regions::worm::{WormRegion, WormView};

    let size = BlockSize::MIN;
    let mut ring_block = [0u8; 512];
    dwvd_regions::Region::emit(&StreamingRing::new(size, 8, 2).unwrap(), &mut ring_block).unwrap();
    let mut changed = ring_block;
    changed[100] ^= 1; // in the reserved area after the header: checksum and field break
    assert_eq!(
        StreamingView::new_checked(&changed, size)
            .unwrap_err()
            .kind(),
        ErrorKind::ChecksumMismatch
    );
    let trusted = StreamingView::new_checked_with(&changed, size, Checksums::AlreadyVerified);
    assert_eq!(trusted.unwrap_err().kind(), ErrorKind::InvalidField);
    assert!(StreamingView::new_checked_with(&ring_block, size, Checksums::AlreadyVerified).is_ok());

    // A WORM region of two blocks: a flipped record byte passes the skipped checksum and
    // the view reads the changed value; a changed tag or generation does not pass.
    let mut region = WormRegion::<16>::new(size, 16, 0, dwvd_regions::Ticks::new(0)).unwrap();
    for index in 0..9u8 {
        region
            .append(&[index], dwvd_regions::Ticks::new(1))
            .unwrap();
    }
    let mut image = vec![0u8; dwvd_regions::Region::buffer_len(&region)];
    dwvd_regions::Region::emit(&region, &mut image).unwrap();
    let mut flipped = image.clone();
    flipped[512 + 20] ^= 1; // a byte of the ninth record's content_sha256
    assert_eq!(
        WormView::new_checked(&flipped, size).unwrap_err().kind(),
        ErrorKind::ChecksumMismatch
    );
    let (view, extent) =
        WormView::new_checked_prefix_with(&flipped, size, Checksums::AlreadyVerified).unwrap();
    assert_eq!((view.write_log_count(), extent), (9, 2));
    let mut retagged = image.clone();
    block::seal(&mut retagged[512..], Tag::STRE, 0).unwrap();
    assert_eq!(
        WormView::new_checked_with(&retagged, size, Checksums::AlreadyVerified)
            .unwrap_err()
            .kind(),
        ErrorKind::WrongTag
    );
    let mut torn = image;
    block::seal(&mut torn[512..], Tag::WORM, 7).unwrap();
    assert_eq!(
        WormView::new_checked_with(&torn, size, Checksums::AlreadyVerified)
            .unwrap_err()
            .kind(),
        ErrorKind::TornWrite
    );
}
