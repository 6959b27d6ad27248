//! What `ratios` (criterion) and `alternating` (rounds) both measure: the fixtures and
//! the measured operations of issue 19's goal rows, written once so that both benches
//! time the same code.

use std::hint::black_box;

use dwvd_regions::transparency;
use dwvd_regions::worm::{self, LoggedWrite, WormRegion, WormView, WriteRecord};
use dwvd_regions::{BlockSize, Region, Ticks};
use zerocopy::IntoBytes;

/// Records in the benchmarked WORM image: 53 blocks at 4 KiB, 4 at 64 KiB.
pub const WORM_RECORDS: usize = 4096;

/// A WORM image of [`WORM_RECORDS`] records, each logging 8 bytes.
pub fn worm_image(block_size: BlockSize) -> Vec<u8> {
    let mut region = Box::new(
        WormRegion::<WORM_RECORDS>::new(block_size, WORM_RECORDS as u64, 0, Ticks::new(0))
            .expect("a valid region"),
    );
    for record in 0..WORM_RECORDS {
        let data = (record as u64).to_le_bytes();
        region
            .append(&data, Ticks::new(record as i64))
            .expect("room for every record");
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).expect("the buffer fits");
    image
}

/// The WORM row's `crate` side: the checked view of `image`, every record read back.
pub fn worm_view_and_records(image: &[u8], block_size: BlockSize) -> i64 {
    let view = WormView::new_checked(black_box(image), block_size).expect("the image verifies");
    view.records()
        .fold(0i64, |sum, record| sum ^ record.block_index.get())
}

/// The WORM row's `raw` side: XXH64 (`xxhash-rust`) of every block's payload.
pub fn xxh64_of_every_payload(image: &[u8], block_size: usize) -> u64 {
    black_box(image)
        .chunks_exact(block_size)
        .fold(0u64, |sum, block| {
            sum ^ xxhash_rust::xxh64::xxh64(&block[..block_size - 16], 0)
        })
}

/// Records in the Merkle benchmark's log.
pub const MERKLE_RECORDS: usize = 1_000_000;

/// The Merkle benchmark's log: record `i` logs block `i`.
pub fn merkle_records() -> Vec<WriteRecord> {
    (0..MERKLE_RECORDS)
        .map(|index| {
            LoggedWrite {
                block_index: index as u64,
                timestamp: Ticks::new(index as i64),
                data_length: 4080,
                content_sha256: [index as u8; 32],
            }
            .to_record()
        })
        .collect()
}

/// The records' bytes as stored, one after the other.
pub fn record_bytes(records: &[WriteRecord]) -> Vec<u8> {
    records.iter().flat_map(|r| r.as_bytes().to_vec()).collect()
}

/// The Merkle row's `crate` side: the root of the whole log on one core.
pub fn merkle_root(records: &[WriteRecord]) -> transparency::Hash {
    transparency::root(black_box(records), records.len() as u64).expect("the whole log")
}

/// A WORM region of `records` in 64 KiB blocks: what `dwvd worm root` reads in
/// `scripts/bench`.
pub fn merkle_image_64k(records: &[WriteRecord]) -> Vec<u8> {
    let block_size = BlockSize::new(65536).expect("a valid block size");
    let log: Vec<LoggedWrite> = records
        .iter()
        .map(|record| record.to_logged_write().expect("a valid record"))
        .collect();
    let count = log.len() as u64;
    let header = WormRegion::<1>::new(block_size, count, 0, Ticks::new(0))
        .expect("a valid region")
        .header();
    let mut image = vec![0u8; worm::region_len(block_size, count).expect("a region's size")];
    worm::emit_parts(block_size, &header, &log, 1, &mut image).expect("the buffer fits");
    image
}

/// The first 1000 64-byte blocks of `bytes`: the bound's independent messages.
pub fn bound_blocks(bytes: &[u8]) -> Vec<[u8; 64]> {
    bytes
        .chunks_exact(64)
        .take(1000)
        .map(|block| block.try_into().unwrap())
        .collect()
}

/// The Merkle row's bound: 1000 raw `compress256` calls, each on its own 64-byte block
/// from the initial state (independent, as the tree's leaves and a level's nodes are:
/// the processor overlaps them). 3 compressions per record (a leaf's one, a node's two)
/// × this time / 1000 × the records is what the tree costs at raw compression speed.
pub fn compress_1k(blocks: &[[u8; 64]]) -> u32 {
    let mut any = 0u32;
    for block in black_box(blocks) {
        let mut state = SHA256_INITIAL_STATE;
        sha2::compress256(&mut state, &[(*block).into()]);
        any ^= state[0];
    }
    any
}

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const SHA256_INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
