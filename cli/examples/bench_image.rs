//! Writes the image `scripts/bench` inspects: the given region images (4 KiB blocks), then
//! sealed 4 KiB `DATA` blocks up to the given size, so `dwvd inspect` has regions to
//! decode and a gibibyte of blocks to verify.
//!
//!     cargo run --release -p dwvd --example bench_image -- OUT MIB [REGION.bin ...]
// An example relaxes the workspace's no-panic lints (Cargo.toml) to stay short: its
// inputs are fixed, and a failure should stop it loudly. The library is held to them.
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

use std::io::Write;

fn main() -> anyhow::Result<()> {
    let mut arguments = std::env::args().skip(1);
    let usage = "usage: bench_image OUT MIB [REGION.bin ...]";
    let out = arguments.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let mebibytes: u64 = arguments
        .next()
        .ok_or_else(|| anyhow::anyhow!(usage))?
        .parse()?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut written = 0u64;
    for region in arguments {
        let bytes = std::fs::read(&region)?;
        anyhow::ensure!(bytes.len() % 4096 == 0, "{region}: not 4 KiB blocks");
        file.write_all(&bytes)?;
        written += bytes.len() as u64;
    }
    let mut chunk = vec![0u8; 1 << 20];
    for (index, block) in chunk.chunks_exact_mut(4096).enumerate() {
        block[..8].copy_from_slice(&(index as u64).to_le_bytes());
        dwvd_regions::block::seal(block, dwvd_regions::Tag::DATA, 1)?;
    }
    let target = mebibytes << 20;
    while written < target {
        let take = chunk.len().min(usize::try_from(target - written)?);
        file.write_all(&chunk[..take - take % 4096])?;
        written += (take - take % 4096) as u64;
        if take < 4096 {
            break;
        }
    }
    file.flush()?;
    Ok(())
}
