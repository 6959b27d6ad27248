//! The WORM view's record checks against a reference written here from SPEC §3: every
//! record's `block_index ≥ 0` and `0 ≤ data_length ≤ bs − 16`, every byte after the last
//! record zero. Images at three block sizes, with record counts that end inside, at and
//! past the 416-byte chunks the 64-bit view checks beside the hash; every record slot
//! (or, at 64 KiB, a spread of them) given each bad value and each harmless one, the
//! blocks resealed, and the view's answer (error block, field and offset) compared.

use dwvd_regions::block::seal;
use dwvd_regions::worm::{
    HEADER_LEN, RECORD_LEN, WormRegion, WormView, records_in_first_block, records_per_later_block,
};
use dwvd_regions::{BlockSize, ErrorKind, Region, Tag, Ticks};

fn image(block_size: BlockSize, records: u64) -> Vec<u8> {
    let mut region =
        Box::new(WormRegion::<3000>::new(block_size, records.max(1), 0, Ticks::new(5)).unwrap());
    for record in 0..records {
        region
            .append(&record.to_le_bytes(), Ticks::new(record as i64))
            .unwrap();
    }
    region.set_generation(9);
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    image
}

/// (block, offset in the block) of record `index`.
fn slot(block_size: BlockSize, index: usize) -> (usize, usize) {
    let first = records_in_first_block(block_size);
    let later = records_per_later_block(block_size);
    if index < first {
        (0, HEADER_LEN + index * RECORD_LEN)
    } else {
        let rest = index - first;
        (1 + rest / later, (rest % later) * RECORD_LEN)
    }
}

fn reseal(image: &mut [u8], block_size: BlockSize) {
    for block in image.chunks_exact_mut(block_size.get()) {
        seal(block, Tag::WORM, 9).unwrap();
    }
}

/// The first bad record field or padding byte, by the SPEC, as (block, offset).
fn reference(image: &[u8], block_size: BlockSize, count: usize) -> Option<(u64, usize)> {
    let payload = block_size.payload_len();
    let blocks = image.len() / block_size.get();
    let mut index = 0;
    for block in 0..blocks {
        let bytes = &image[block * block_size.get()..][..payload];
        let mut end = if block == 0 { HEADER_LEN } else { 0 };
        while index < count && slot(block_size, index).0 == block {
            let offset = slot(block_size, index).1;
            let record = &bytes[offset..offset + RECORD_LEN];
            let block_index = i64::from_le_bytes(record[0..8].try_into().unwrap());
            let length = i32::from_le_bytes(record[16..20].try_into().unwrap());
            if block_index < 0 {
                return Some((block as u64, offset));
            }
            if length < 0 || length as usize > payload {
                return Some((block as u64, offset + 16));
            }
            end = offset + RECORD_LEN;
            index += 1;
        }
        if let Some(at) = bytes[end..].iter().position(|byte| *byte != 0) {
            return Some((block as u64, end + at));
        }
    }
    None
}

fn agree(image: &[u8], block_size: BlockSize, count: usize, what: &str) {
    let expected = reference(image, block_size, count);
    match (WormView::new_checked(image, block_size), expected) {
        (Ok(_), None) => {}
        (Err(error), Some((block, offset))) => {
            assert_eq!(error.kind(), ErrorKind::InvalidField, "{what}: {error}");
            assert_eq!(error.block(), Some(block), "{what}: {error}");
            assert_eq!(error.location().offset(), Some(offset), "{what}: {error}");
        }
        (answer, expected) => panic!(
            "{what}: view {:?}, reference {expected:?}",
            answer.map(|view| view.write_log_count())
        ),
    }
}

#[test]
fn the_view_finds_every_bad_record_and_padding_byte_the_spec_names() {
    for (size, counts) in [
        (512usize, &[0usize, 1, 8, 9, 16, 17, 26, 40][..]),
        (4096, &[0, 7, 8, 77, 78, 155, 156, 300]),
        (65536, &[1, 1259, 1260, 2600]),
    ] {
        let block_size = BlockSize::new(size).unwrap();
        let payload = block_size.payload_len() as i32;
        for &count in counts {
            let clean = image(block_size, count as u64);
            agree(&clean, block_size, count, "clean image");
            let step = if size == 65536 { 97 } else { 1 };
            for index in (0..count).step_by(step).chain(count.checked_sub(1)) {
                let (block, offset) = slot(block_size, index);
                let at = block * size + offset;
                let fields: [(usize, &[u8]); 12] = [
                    (0, &(-1i64).to_le_bytes()),
                    (0, &i64::MIN.to_le_bytes()),
                    (0, &i64::MAX.to_le_bytes()),
                    (16, &(payload + 1).to_le_bytes()),
                    (16, &payload.to_le_bytes()),
                    (16, &(-1i32).to_le_bytes()),
                    (16, &i32::MIN.to_le_bytes()),
                    (16, &0x0001_0000i32.to_le_bytes()),
                    (16, &0i32.to_le_bytes()),
                    (8, &(-1i64).to_le_bytes()),
                    (20, &[0xFF; 32]),
                    (48, &[0x80, 0xFF, 0xFF, 0xFF]),
                ];
                for (field, value) in fields {
                    let mut mutated = clean.clone();
                    mutated[at + field..at + field + value.len()].copy_from_slice(value);
                    reseal(&mut mutated, block_size);
                    agree(
                        &mutated,
                        block_size,
                        count,
                        &format!(
                            "bs {size}, {count} records, record {index}, +{field} = {value:x?}"
                        ),
                    );
                }
            }
            // One non-zero byte at every padding offset (a spread of them at 64 KiB).
            let blocks = clean.len() / size;
            let last = count.checked_sub(1).map(|index| slot(block_size, index));
            for block in 0..blocks {
                let start = match last {
                    Some((last_block, offset)) if last_block == block => offset + RECORD_LEN,
                    Some((last_block, _)) if last_block > block => {
                        if block == 0 {
                            HEADER_LEN + records_in_first_block(block_size) * RECORD_LEN
                        } else {
                            records_per_later_block(block_size) * RECORD_LEN
                        }
                    }
                    _ if block == 0 => HEADER_LEN,
                    _ => 0,
                };
                let padding_step = if size == 65536 { 131 } else { 1 };
                for offset in (start..block_size.payload_len()).step_by(padding_step) {
                    let mut mutated = clean.clone();
                    mutated[block * size + offset] = 0x01;
                    reseal(&mut mutated, block_size);
                    agree(
                        &mutated,
                        block_size,
                        count,
                        &format!("bs {size}, {count} records, padding byte {block}:{offset}"),
                    );
                }
            }
        }
    }
}
