//! A Streaming Append ring growing from 0 %, wrapping around, and its header block
//! written to bytes and read back — printed step by step.
//!
//! Run with `cargo run --example demo`.

use dwvd_regions::block::Block;
use dwvd_regions::streaming::{StreamingRing, StreamingView, WrapPolicy};
use dwvd_regions::{BlockSize, Error};

fn show(ring: &StreamingRing) -> String {
    let (allocated, max) = ring.allocation_ratio();
    format!(
        "allocated {allocated:>2}/{max} ({:>5.1} %)  head {:>2}  tail {:>2}  entries {:>2}",
        f64::from(ring.allocation_permille()) / 10.0,
        ring.write_head(),
        ring.read_tail(),
        ring.entry_count(),
    )
}

fn main() -> Result<(), Error> {
    let block_size = BlockSize::new(512)?;
    let mut ring = StreamingRing::new(block_size, 12, 5)?;
    println!("A telemetry ring of at most 12 blocks of {block_size}, growing 5 blocks at a time.");
    println!("new ring:              {}", show(&ring));

    println!("\n-- appending 16 readings: the ring grows on demand, then wraps --");
    for reading in 0..16u32 {
        let record = format!("temperature={}", 20 + reading % 7);
        let appended = ring.append(record.as_bytes())?;
        let note = match appended.overwritten {
            Some(old) => format!("  (overwrote position {old})"),
            None => String::new(),
        };
        println!(
            "append #{:<2} -> slot {:>2}  {}{note}",
            appended.position,
            appended.physical_slot,
            show(&ring)
        );
    }

    println!("\n-- reading positions back --");
    for position in [0, 3, 4, 10, 15, 16] {
        match ring.physical_slot(position) {
            Ok(slot) => println!("position {position:>2}: live, in slot {slot}"),
            Err(error) => println!("position {position:>2}: {error}"),
        }
    }

    println!("\n-- consuming two entries, then a reject-policy append on a full ring --");
    println!("consumed {:?}, {:?}", ring.consume(), ring.consume());
    ring.append(b"fits again")?;
    ring.append(b"and again")?;
    println!("after two appends:     {}", show(&ring));
    match ring.append_with(b"one too many", WrapPolicy::Reject) {
        Ok(_) => println!("unexpected: the ring had room"),
        Err(error) => println!("reject policy: {} ({error})", error.kind()),
    }

    println!("\n-- persisting the header block (generation 7) and reading it back --");
    ring.set_generation(7);
    let mut block = vec![0u8; ring.buffer_len()];
    ring.emit(&mut block)?;
    let trailer = Block::new_checked(&block[..])?;
    println!(
        "block: {} bytes, tag {}, generation {}, checksum {:#018x} ({})",
        block.len(),
        trailer.tag(),
        trailer.generation(),
        trailer.stored_checksum(),
        if trailer.checksum_ok() {
            "verifies"
        } else {
            "CORRUPT"
        }
    );
    println!("first 48 bytes: {}", hex_line(&block[..48]));
    let view = StreamingView::new_checked(&block, block_size)?;
    println!(
        "view: max {} allocated {} head {} tail {} entries {} growth {}",
        view.max_capacity_blocks(),
        view.allocated_blocks(),
        view.write_head(),
        view.read_tail(),
        view.entry_count(),
        view.growth_increment()
    );
    let parsed = StreamingRing::parse(&block, block_size)?;
    println!("parsed ring equals the ring in memory: {}", parsed == ring);

    println!("\n-- a flipped bit is caught --");
    block[9] ^= 0x01;
    match StreamingRing::parse(&block, block_size) {
        Ok(_) => println!("unexpected: corrupt header accepted"),
        Err(error) => println!("{}: {error}", error.kind()),
    }
    Ok(())
}

fn hex_line(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
