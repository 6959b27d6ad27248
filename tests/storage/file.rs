//! `FileDevice` (feature `std`): a region kept in a file, reopened, and read by the
//! inspector's parser.
#![cfg(feature = "std")]

use dwvd_regions::Region;
use dwvd_regions::storage::{BlockDevice, FileDevice, MetadataCopy, StoredWorm};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, Ticks};

const SIZE: BlockSize = BlockSize::MIN;

#[test]
fn file_device_keeps_regions_in_a_file() {
    let path = std::env::temp_dir().join(format!("dwvd-storage-test-{}.img", std::process::id()));
    let open = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .unwrap()
    };
    let _ = std::fs::remove_file(&path);
    let mut scratch = [0u8; 1024];
    // WORM<16> of 8 blocks: 2 copies of 2 blocks + a journal of 4 + 8 data blocks.
    assert_eq!(StoredWorm::<16>::blocks_needed(SIZE, 8), 16);
    {
        let mut device = FileDevice::new(open(), SIZE, 16).unwrap();
        let worm = WormRegion::<16>::new(SIZE, 8, 0, Ticks::new(0)).unwrap();
        let mut stored = StoredWorm::format(&mut device, 0, worm, &mut scratch).unwrap();
        stored
            .append(&mut device, b"on disk", Ticks::new(3), &mut scratch)
            .unwrap();
        let mut block = [0u8; 512];
        assert!(device.read_block(16, &mut block).is_err());
        assert!(device.write_block(0, &block[..10]).is_err());
    }
    // Reopened: the same bytes, and the inspector's parser agrees.
    let mut device = FileDevice::open(open(), SIZE).unwrap();
    assert_eq!(device.block_count(), 16);
    let mut stored = StoredWorm::<16>::recover(&mut device, 0, &mut scratch).unwrap();
    assert_eq!(
        stored.read(&mut device, 0, &mut scratch).unwrap(),
        b"on disk"
    );
    assert_eq!(stored.region().high_water_mark(), 1);
    // The append is in the journal: the checkpoint, copy A (format's last write, blocks
    // 0..2), is the empty region the parser reads.
    assert_eq!(stored.current_copy(), MetadataCopy::A);
    assert_eq!(stored.operations_since_checkpoint(), 1);
    let bytes = std::fs::read(&path).unwrap();
    let parsed = WormRegion::<16>::parse(&bytes[..512], SIZE).unwrap();
    assert_eq!(parsed.high_water_mark(), 0);
    assert_eq!(parsed.generation(), stored.region().generation());
    // A checkpoint writes the state to copy B (blocks 2..4): the parser reads it there.
    stored.checkpoint(&mut device, &mut scratch).unwrap();
    assert_eq!(stored.current_copy(), MetadataCopy::B);
    let bytes = std::fs::read(&path).unwrap();
    let parsed = WormRegion::<16>::parse(&bytes[2 * 512..3 * 512], SIZE).unwrap();
    assert_eq!(&parsed, stored.region());
    assert_eq!(parsed.high_water_mark(), 1);

    std::fs::write(&path, [0u8; 700]).unwrap();
    assert!(FileDevice::open(open(), SIZE).is_err(), "not whole blocks");
    std::fs::remove_file(&path).unwrap();
}
