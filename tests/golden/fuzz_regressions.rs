//! Replays every input that ever made a fuzz target fail (kept, minimised, under
//! tests/data/regressions/<target>/), through the same parsers and the same invariants
//! the targets check: the view and the owned parse agree, and what parses emits a region
//! that parses to the same value.

use std::path::PathBuf;

use dwvd_regions::Region;
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{Vault, VaultView};
use dwvd_regions::worm::{WormRegion, WormView};
use dwvd_regions::{BlockSize, ErrorKind, Tag};

/// The fuzz targets' input layout: flags, a u16 size, five operation bytes, the region.
fn decode(data: &[u8]) -> Option<(bool, usize, Vec<u8>)> {
    let (prefix, region) = data.split_first_chunk::<8>()?;
    let value = usize::from(u16::from_le_bytes([prefix[1], prefix[2]]));
    let block_size = match (prefix[0] >> 1) & 3 {
        0 => 512,
        1 => 4096,
        2 if value == 0 => 65536,
        2 => value,
        _ => value * 2,
    };
    Some((prefix[0] & 1 == 1, block_size, region.to_vec()))
}

fn resealed(region: &[u8], block_size: usize, tag: Tag) -> Vec<u8> {
    let blocks = region.len().div_ceil(block_size).max(1);
    let mut out = region.to_vec();
    out.resize(blocks * block_size, 0);
    for block in out.chunks_exact_mut(block_size) {
        dwvd_regions::block::seal(block, tag, 1).unwrap();
    }
    out
}

fn replay(target: &str, data: &[u8]) {
    let Some((reseal, block_size, region)) = decode(data) else {
        return;
    };
    let Ok(size) = BlockSize::new(block_size) else {
        return;
    };
    match target {
        "stre_parse" => {
            let region = if reseal {
                resealed(
                    &region[..region.len().min(block_size)],
                    block_size,
                    Tag::STRE,
                )
            } else {
                region
            };
            if let Ok(ring) = StreamingRing::parse(&region, size) {
                let mut block = vec![0u8; block_size];
                ring.emit(&mut block).unwrap();
                assert_eq!(block, region[..block_size]);
            }
        }
        "worm_parse" => {
            let region = if reseal {
                resealed(&region, block_size, Tag::WORM)
            } else {
                region
            };
            match (
                WormView::new_checked(&region, size),
                WormRegion::<64>::parse(&region, size),
            ) {
                (Ok(_), Ok(owned)) => {
                    let mut image = vec![0u8; owned.buffer_len()];
                    owned.emit(&mut image).unwrap();
                    assert_eq!(WormRegion::<64>::parse(&image, size).unwrap(), owned);
                }
                (Ok(view), Err(error)) => {
                    assert!(
                        error.kind() == ErrorKind::CapacityExceeded
                            || view.check_log_sequence().is_err()
                    );
                }
                (Err(view_error), Err(owned_error)) => assert_eq!(view_error, owned_error),
                (Err(error), Ok(_)) => {
                    panic!("owned parse accepted what the view refused: {error}")
                }
            }
        }
        "cmvt_parse" => {
            let region = if reseal {
                resealed(&region, block_size, Tag::CMVT)
            } else {
                region
            };
            match (
                VaultView::new_checked(&region, size),
                Vault::<48>::parse(&region, size),
            ) {
                (Ok(_), Ok(owned)) => {
                    let mut image = vec![0u8; owned.buffer_len()];
                    owned.emit(&mut image).unwrap();
                    assert_eq!(Vault::<48>::parse(&image, size).unwrap(), owned);
                }
                (Ok(view), Err(error)) => {
                    let mut ids: Vec<_> = view.passports().map(|p| p.passport_id()).collect();
                    let count = ids.len();
                    ids.sort();
                    ids.dedup();
                    assert!(
                        error.kind() == ErrorKind::CapacityExceeded || ids.len() < count,
                        "{error}"
                    );
                }
                (Err(view_error), Err(owned_error)) => assert_eq!(view_error, owned_error),
                (Err(error), Ok(_)) => {
                    panic!("owned parse accepted what the view refused: {error}")
                }
            }
        }
        // The inspector lives in the dwvd crate: cli/tests/inspect.rs replays these.
        "inspect_walk" => {}
        // Operations, power cuts and recoveries against a model: the fuzz target itself
        // replays these (scripts/fuzz-seed puts them first in its corpus, and CI's fuzz
        // smoke runs it).
        "storage_model" => {}
        other => panic!("no replay for target {other}"),
    }
}

#[test]
fn every_kept_fuzz_failure_replays_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_str().unwrap().to_owned();
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            replay(&name, &std::fs::read(&input).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed >= 1, "the kept inputs are replayed");
}

/// The one cmvt_parse finding so far (the target, not the crate, was wrong): a vault whose
/// view reads two passports with one id. The owned parse must refuse it as a repeated id.
#[test]
fn the_repeated_passport_id_input_still_reads_as_a_repeat() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/regressions/cmvt_parse/duplicate-passport-id");
    let (reseal, block_size, region) = decode(&std::fs::read(path).unwrap()).unwrap();
    let region = if reseal {
        resealed(&region, block_size, Tag::CMVT)
    } else {
        region
    };
    let size = BlockSize::new(block_size).unwrap();
    let view = VaultView::new_checked(&region, size).unwrap();
    let mut ids: Vec<_> = view.passports().map(|p| p.passport_id()).collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert!(
        ids.len() < count,
        "{count} passports, {} distinct ids",
        ids.len()
    );
    let error = Vault::<48>::parse(&region, size).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidField);
    assert!(error.to_string().contains("unique"), "{error}");
}
