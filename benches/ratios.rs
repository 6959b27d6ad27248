//! The crate against the primitives it wraps, measured in the same run so that their
//! ratio means something on a noisy machine. Each group holds a `crate` and a `raw`
//! benchmark over the same bytes (or a `capacity_*` series for the ring);
//! `scripts/bench` runs them and prints the ratio table of the README.
//!
//! * `worm_view_4k`, `worm_view_64k` — a WORM image's checked view, every record read
//!   (`crate`), vs XXH64 over every block's payload (`raw`). Goal: ≥ 0.9× raw throughput.
//!   Breakdowns: the check alone (`crate_view_only`), and its floor — the crate's own
//!   XXH64 of every payload, nothing checked (`crate_hash_only`) — and the records read
//!   back from a view checked beforehand (`records_only`).
//! * `worm_append_4k` — `WormRegion::append` of 4 KiB (`crate`) vs SHA-256 of 4 KiB
//!   (`raw`). Goal: ≥ 0.9×.
//! * `vault_verify_{1,100,1000}` — every passport of a vault image verified through the
//!   view (`crate`, P-256) vs the same number of raw p256 verifies over the same signed
//!   bytes (`raw`). Goal: ≤ 5 % overhead.
//! * `precomputed_verify` — one P-256 verify against a key known in advance: `p256`'s
//!   generic verify (`raw`) vs `PrecomputedVerifyingKey`'s comb at t = 4, 5, 6, 8 teeth
//!   (`crate_t*`), the t = 8 key verifying all 16 in one `verify_digests` call
//!   (`crate_t8_batched`: one scalar inversion for all), `ring` for reference, and the
//!   cost of building the tables (`build_t*`, once per key). Goal (issue 19): ≥ 1.5×
//!   fewer operations than generic.
//! * `ring_append_consume` — an append and a consume on rings of 16, 4096 and 2^40 slots:
//!   the same cost whatever the capacity.
// A benchmark relaxes the workspace's no-panic lints (Cargo.toml): its fixtures are
// fixed and a failure should stop it loudly. The crate measured is held to them.
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

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dwvd_regions::Region;
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::transparency;
use dwvd_regions::vault::{
    ComplianceStatus, Framework, Passport, PrecomputedVerifyingKey, RingVerifyingKey,
    SignaturePolicy, SignatureVerifier, VaultView, sign_digest,
};
use dwvd_regions::worm::{WormRegion, WormView};
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

mod common;
use common::{
    MERKLE_RECORDS, bound_blocks, compress_1k, merkle_records, record_bytes, worm_image,
    worm_view_and_records, xxh64_of_every_payload,
};

fn worm_view(c: &mut Criterion) {
    for (name, size) in [("worm_view_4k", 4096), ("worm_view_64k", 65536)] {
        let block_size = BlockSize::new(size).expect("a valid block size");
        let image = worm_image(block_size);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(image.len() as u64));
        group.bench_function("crate", |b| {
            b.iter(|| worm_view_and_records(&image, block_size))
        });
        // The same check without reading the records back: what the iteration costs.
        group.bench_function("crate_view_only", |b| {
            b.iter(|| {
                WormView::new_checked(black_box(&image), block_size)
                    .expect("the image verifies")
                    .write_log_count()
            })
        });
        // The floor under the check (issue 19's profile of the 4 KiB row): the crate's
        // own XXH64 of every block's payload, nothing checked; and the records alone,
        // read from a view checked beforehand. No check of the image can cost less than
        // the first, and the row's read-back costs the second.
        group.bench_function("crate_hash_only", |b| {
            b.iter(|| {
                black_box(&image)
                    .chunks_exact(size)
                    .fold(0u64, |sum, block| {
                        sum ^ dwvd_regions::block::checksum(&block[..size - 16])
                    })
            })
        });
        let checked = WormView::new_checked(&image, block_size).expect("the image verifies");
        group.bench_function("records_only", |b| {
            b.iter(|| {
                black_box(&checked)
                    .records()
                    .fold(0i64, |sum, record| sum ^ record.block_index.get())
            })
        });
        group.bench_function("raw", |b| b.iter(|| xxh64_of_every_payload(&image, size)));
        group.finish();
    }
}

fn worm_append(c: &mut Criterion) {
    let data = vec![0x5Au8; 4096];
    // 8 KiB blocks, so that 4 KiB of data fits one block's payload (block size - 16).
    let block_size = BlockSize::new(8192).expect("a valid block size");
    let empty = WormRegion::<1>::new(block_size, 1, 0, Ticks::new(0)).expect("a region");
    let mut group = c.benchmark_group("worm_append_4k");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("crate", |b| {
        b.iter_batched_ref(
            || empty.clone(),
            |region| {
                region
                    .append(black_box(&data), Ticks::new(1))
                    .expect("room for one record")
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("raw", |b| b.iter(|| Sha256::digest(black_box(&data))));
    group.finish();
}

/// A vault image at 4 KiB blocks with `count` signed passports, and the key.
fn vault_image(count: usize, key: &SigningKey) -> Vec<u8> {
    let block_size = BlockSize::new(4096).expect("a valid block size");
    // The owned vault is bounded; the image is written block by block from passports
    // serialized by the crate (the same bytes Vault::emit writes), so any count fits.
    let mut vault = Box::new(dwvd_regions::vault::Vault::<1000>::new(block_size));
    for id in 0..count {
        let passport = Passport::new(
            uuid::Uuid::from_u128(id as u128 + 1),
            uuid::Uuid::from_u128(7),
            Framework::Gdpr,
            ComplianceStatus::Compliant,
        )
        .with_issued(Ticks::new(638_000_000_000_000_000))
        .with_issuer(b"dpo@example.com")
        .expect("a short issuer")
        .with_notes(b"benchmark passport")
        .expect("short notes")
        .signed(key)
        .expect("signed");
        vault.add(passport).expect("room");
    }
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).expect("the buffer fits");
    image
}

fn vault_verify(c: &mut Criterion) {
    let key = SigningKey::from_slice(&[0x42; 32]).expect("a valid scalar");
    let public = *key.verifying_key();
    let block_size = BlockSize::new(4096).expect("a valid block size");
    for count in [1usize, 100, 1000] {
        let image = vault_image(count, &key);
        let view = VaultView::new_checked(&image, block_size).expect("the image verifies");
        // The raw side: the same signed bytes and signatures, already extracted.
        let signed: Vec<(Vec<u8>, Signature)> = view
            .passports()
            .map(|passport| {
                (
                    passport.signed_payload().to_vec(),
                    Signature::from_slice(passport.signature()).expect("r‖s"),
                )
            })
            .collect();
        assert_eq!(signed.len(), count);
        let mut group = c.benchmark_group(format!("vault_verify_{count}"));
        group.throughput(Throughput::Elements(count as u64));
        if count == 1000 {
            group.sample_size(10);
        }
        group.bench_function("crate", |b| {
            b.iter(|| {
                let view = VaultView::new_checked(black_box(&image), block_size)
                    .expect("the image verifies");
                view.passports()
                    .filter(|passport| passport.verify(&public).is_ok())
                    .count()
            })
        });
        group.bench_function("raw", |b| {
            b.iter(|| {
                signed
                    .iter()
                    .filter(|(message, signature)| {
                        public.verify(black_box(message), signature).is_ok()
                    })
                    .count()
            })
        });
        // The `ring` backend the same way: through the crate's view, and raw.
        let ring_key = RingVerifyingKey::new(&public);
        let ring_public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            ring_key.as_uncompressed_sec1().to_vec(),
        );
        let raw_signatures: Vec<[u8; 64]> = signed
            .iter()
            .map(|(_, signature)| signature.to_bytes().into())
            .collect();
        group.bench_function("crate_ring", |b| {
            b.iter(|| {
                let view = VaultView::new_checked(black_box(&image), block_size)
                    .expect("the image verifies");
                view.passports()
                    .filter(|passport| passport.verify(&ring_key).is_ok())
                    .count()
            })
        });
        group.bench_function("raw_ring", |b| {
            b.iter(|| {
                signed
                    .iter()
                    .zip(&raw_signatures)
                    .filter(|((message, _), signature)| {
                        ring_public
                            .verify(black_box(message), &signature[..])
                            .is_ok()
                    })
                    .count()
            })
        });
        group.finish();
    }
}

/// One verify against one key, generic vs precomputed, over 16 signatures in turn (so no
/// single signature's branches are learnt).
fn precomputed_verify(c: &mut Criterion) {
    let signing = SigningKey::from_slice(&[0x42; 32]).expect("a valid scalar");
    let public = *signing.verifying_key();
    let signed: Vec<(Vec<u8>, [u8; 64])> = (0u8..16)
        .map(|index| {
            let message = vec![index; 200];
            let signature = sign_digest(&Sha256::digest(&message).into(), &signing).unwrap();
            (message, signature)
        })
        .collect();
    let mut group = c.benchmark_group("precomputed_verify");
    group.throughput(Throughput::Elements(signed.len() as u64));
    let policy = SignaturePolicy::default();
    let mut run = |name: &str, verifier: &dyn SignatureVerifier| {
        group.bench_function(name, |b| {
            b.iter(|| {
                signed
                    .iter()
                    .filter(|(message, signature)| {
                        verifier
                            .verify_message(black_box(message), signature, policy)
                            .is_ok()
                    })
                    .count()
            })
        });
    };
    // The crate's generic verify (one walk down both scalars in Jacobian coordinates).
    run("crate_generic", &public);
    run("crate_t4", &PrecomputedVerifyingKey::<16>::new(&public));
    run("crate_t5", &PrecomputedVerifyingKey::<32>::new(&public));
    run("crate_t6", &PrecomputedVerifyingKey::<64>::new(&public));
    run("crate_t8", &PrecomputedVerifyingKey::<256>::new(&public));
    run("ring", &RingVerifyingKey::new(&public));
    // The raw side: `p256`'s generic verify as published (the `ecdsa` crate's, over
    // `p256`'s `lincomb`), hashing the same messages, parsing the same signatures.
    group.bench_function("raw", |b| {
        b.iter(|| {
            signed
                .iter()
                .filter(|(message, signature)| {
                    Signature::from_slice(signature).is_ok_and(|signature| {
                        public.verify(black_box(message), &signature).is_ok()
                    })
                })
                .count()
        })
    });
    // The same 16 signatures in one `verify_digests` call: one scalar inversion for all.
    let batched = PrecomputedVerifyingKey::<256>::new(&public);
    let digests: Vec<[u8; 32]> = signed
        .iter()
        .map(|(message, _)| Sha256::digest(message).into())
        .collect();
    group.bench_function("crate_t8_batched", |b| {
        b.iter(|| {
            let signatures: Vec<&[u8]> =
                signed.iter().map(|(_, signature)| &signature[..]).collect();
            let mut results = vec![Ok(()); signed.len()];
            batched
                .verify_digests(black_box(&digests), &signatures, policy, &mut results)
                .unwrap();
            results.iter().filter(|result| result.is_ok()).count()
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("build_t4", |b| {
        b.iter(|| PrecomputedVerifyingKey::<16>::new(black_box(&public)))
    });
    group.bench_function("build_t6", |b| {
        b.iter(|| PrecomputedVerifyingKey::<64>::new(black_box(&public)))
    });
    group.bench_function("build_t8", |b| {
        b.iter(|| PrecomputedVerifyingKey::<256>::new(black_box(&public)))
    });
    group.finish();
}

fn ring_append_consume(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_append_consume");
    let entry = [0xA5u8; 64];
    for (name, capacity) in [
        ("capacity_16", 16u64),
        ("capacity_4096", 4096),
        ("capacity_2^40", 1 << 40),
    ] {
        let mut ring = StreamingRing::new(BlockSize::MIN, capacity, 16).expect("a valid ring");
        // Grown to min(capacity, 4096) allocated blocks, then half consumed: the 16 and
        // 4096 rings wrap (their slot is a remainder), the 2^40 one keeps growing 16 blocks
        // at a time; neither the empty nor the full path is taken.
        let filled = capacity.min(4096);
        for _ in 0..filled {
            ring.append(&entry).expect("room");
        }
        for _ in 0..filled / 2 {
            ring.consume();
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let appended = ring.append(black_box(&entry)).expect("room");
                let consumed = ring.consume();
                (appended.physical_slot, consumed)
            })
        });
    }
    group.finish();
}

fn merkle_root(c: &mut Criterion) {
    let records = merkle_records();
    let bytes = record_bytes(&records);
    let mut group = c.benchmark_group("merkle_root_1m");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("crate", |b| b.iter(|| common::merkle_root(&records)));
    // SHA-256 over the same 52 MB as one message.
    group.bench_function("raw", |b| b.iter(|| Sha256::digest(black_box(&bytes))));
    // The same SHA-256 calls the RFC's tree makes (n leaves, n − 1 nodes), done raw with
    // the Digest API: what the tree costs by construction. Bottom-up pairing that carries
    // an odd last node up builds RFC 6962's tree (checked below); the level buffer is
    // allocated once, outside the timing.
    let mut level = vec![[0u8; 32]; MERKLE_RECORDS];
    let raw_root = |level: &mut Vec<[u8; 32]>| {
        for (leaf, record) in level.iter_mut().zip(black_box(&bytes).chunks_exact(52)) {
            *leaf = Sha256::new()
                .chain_update([0])
                .chain_update(record)
                .finalize()
                .into();
        }
        let mut width = level.len();
        while width > 1 {
            for pair in 0..width / 2 {
                level[pair] = Sha256::new()
                    .chain_update([1])
                    .chain_update(level[2 * pair])
                    .chain_update(level[2 * pair + 1])
                    .finalize()
                    .into();
            }
            if width % 2 == 1 {
                level[width / 2] = level[width - 1];
            }
            width = width.div_ceil(2);
        }
        level[0]
    };
    assert_eq!(
        raw_root(&mut level),
        transparency::root(&records[..], MERKLE_RECORDS as u64).expect("the whole log")
    );
    group.bench_function("raw_same_calls", |b| b.iter(|| raw_root(&mut level)));

    // The RFC 6962 bound (common::compress_1k): scripts/bench prints `crate` as a
    // fraction of 3 × this time / 1000 × 1 M.
    let blocks = bound_blocks(&bytes);
    group.bench_function("compress_1k", |b| b.iter(|| compress_1k(&blocks)));

    // The same root on two threads from a WORM view of the log (64 KiB blocks), split as
    // `dwvd worm root` splits it (cli/src/worm.rs, `parallel_root`, with rayon): at RFC
    // 6962's split point, joined with node_hash. The image is also
    // written to target/merkle_1m_64k.img for scripts/bench's `dwvd worm root` row.
    let block_size = BlockSize::new(65536).expect("a valid block size");
    let image = common::merkle_image_64k(&records);
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::write(target.join("merkle_1m_64k.img"), &image).expect("the image is written");
    let view = WormView::new_checked(&image, block_size).expect("the image verifies");
    assert_eq!(
        two_thread_root(&view),
        transparency::root(&records[..], MERKLE_RECORDS as u64).unwrap()
    );
    group.bench_function("two_threads", |b| {
        b.iter(|| two_thread_root(black_box(&view)))
    });
    group.finish();
}

/// The whole log's root on two threads, as `dwvd worm root` computes it on two cores:
/// split at RFC 6962's split point (524,288 + 475,712 records here), the left side on a
/// spawned thread and the right on this one, joined with node_hash.
fn two_thread_root(view: &WormView<'_>) -> transparency::Hash {
    use transparency::{node_hash, split_point, subtree_root};
    fn range(view: &WormView<'_>, start: u64, end: u64, depth: u32) -> transparency::Hash {
        if depth == 0 || end - start < 4096 {
            return subtree_root(view, start, end).expect("in the log");
        }
        let middle = start + split_point(end - start);
        let (left, right) = std::thread::scope(|scope| {
            let left = scope.spawn(|| range(view, start, middle, depth - 1));
            let right = range(view, middle, end, depth - 1);
            (left.join().expect("the thread finishes"), right)
        });
        node_hash(&left, &right)
    }
    range(view, 0, view.write_log_count() as u64, 1)
}

criterion_group!(
    benches,
    merkle_root,
    worm_view,
    worm_append,
    vault_verify,
    precomputed_verify,
    ring_append_consume
);
criterion_main!(benches);
