//! The Merkle tree over the WORM write log (RFC 6962 §2.1) against a plain recursive
//! reference written here from the RFC's definitions (MTH, PATH, PROOF/SUBPROOF), on
//! plain byte vectors and `sha2` directly; then properties of the proofs, and the signed
//! checkpoints.
// Tests relax the workspace's no-panic lints (Cargo.toml): a failed unwrap, index or
// assertion is how a test fails, and arithmetic and casts on small known values need no
// checking. The crate under test is held to them.
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

use dwvd_regions::Region;
use dwvd_regions::transparency::{
    CHECKPOINT_FRAMEWORK, Checkpoint, ConsistencyProof, EMPTY_ROOT, InclusionProof,
    TransparencyError, TreeBuilder, leaf_hash, root, subtree_root, worm_region_id,
};
use dwvd_regions::vault::{Vault, VaultView, verifying_key_from_sec1};
use dwvd_regions::worm::{LoggedWrite, WormRegion, WormView, WriteRecord};
use dwvd_regions::{BlockSize, Ticks};
use p256::ecdsa::SigningKey;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use zerocopy::{FromBytes, IntoBytes};

// ---- The reference: RFC 6962 §2.1, recursively, over byte strings ----

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The largest power of two smaller than n (n > 1).
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]).
fn mth(leaves: &[Vec<u8>]) -> [u8; 32] {
    match leaves.len() {
        0 => sha(&[]),
        1 => sha(&[&[0x00], &leaves[0]]),
        n => {
            let k = k_of(n);
            sha(&[&[0x01], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// PATH(m, D[n]).
fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_of(n);
    if m < k {
        let mut proof = path(m, &leaves[..k]);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = path(m - k, &leaves[k..]);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

/// SUBPROOF(m, D[n], b).
fn subproof(m: usize, leaves: &[Vec<u8>], b: bool) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], b);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

/// PROOF(m, D[n]) for 0 < m < n; empty otherwise.
fn consistency(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    if m == 0 || m >= leaves.len() {
        return Vec::new();
    }
    subproof(m, leaves, true)
}

// ---- Logs ----

/// `count` distinct records, as stored.
fn records(count: usize, salt: u8) -> Vec<WriteRecord> {
    (0..count)
        .map(|index| {
            LoggedWrite {
                block_index: index as u64,
                timestamp: Ticks::new(638_000_000_000_000_000 + index as i64),
                data_length: (index % 497) as u32,
                content_sha256: sha(&[&(index as u64).to_le_bytes(), &[salt]]),
            }
            .to_record()
        })
        .collect()
}

fn bytes_of(records: &[WriteRecord]) -> Vec<Vec<u8>> {
    records
        .iter()
        .map(|record| record.as_bytes().to_vec())
        .collect()
}

#[test]
fn the_empty_root_and_small_trees_match_the_rfc_definitions() {
    assert_eq!(EMPTY_ROOT, sha(&[]));
    let log = records(3, 0);
    let leaf: Vec<[u8; 32]> = log
        .iter()
        .map(|record| sha(&[&[0], record.as_bytes()]))
        .collect();
    assert_eq!(leaf_hash(&log[0]), leaf[0]);
    assert_eq!(root(&log[..], 0).unwrap(), sha(&[]));
    assert_eq!(root(&log[..], 1).unwrap(), leaf[0]);
    assert_eq!(root(&log[..], 2).unwrap(), sha(&[&[1], &leaf[0], &leaf[1]]));
    // Three leaves split 2 + 1.
    assert_eq!(
        root(&log[..], 3).unwrap(),
        sha(&[&[1], &sha(&[&[1], &leaf[0], &leaf[1]]), &leaf[2]])
    );
}

#[test]
fn roots_of_every_size_up_to_300_match_the_reference() {
    let log = records(300, 1);
    let bytes = bytes_of(&log);
    let mut builder = TreeBuilder::new();
    for n in 0..=300 {
        let expected = mth(&bytes[..n]);
        assert_eq!(root(&log[..], n as u64).unwrap(), expected, "root({n})");
        assert_eq!(builder.root(), expected, "streaming root after {n}");
        assert_eq!(builder.size(), n as u64);
        if n < 300 {
            builder.push(&log[n]);
        }
    }
    assert_eq!(
        root(&log[..], 301),
        Err(TransparencyError::TreeLargerThanLog {
            tree_size: 301,
            records: 300
        })
    );
}

/// Past 256 records the tree hashes perfect subtrees of 256 leaves level by level
/// (`TreeBuilder::push_records`): every size to 1100 and sizes around multiples of 256
/// up to 2600 match the reference, from a slice, a view (whose runs are its blocks' 78
/// records, not aligned with the batches), ranges that start anywhere, and a builder fed
/// runs of uneven lengths.
#[test]
fn batched_roots_match_the_reference_for_every_size_and_range() {
    let log = records(2600, 4);
    let bytes = bytes_of(&log);
    let size = BlockSize::new(4096).unwrap();
    let mut region = Box::new(WormRegion::<2600>::new(size, 2600, 0, Ticks::new(0)).unwrap());
    for index in 0..2600u32 {
        region
            .append(&index.to_le_bytes(), Ticks::new(i64::from(index)))
            .unwrap();
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    let stored: Vec<WriteRecord> = view.records().copied().collect();
    let stored_bytes = bytes_of(&stored);
    let sizes = (0..=1100).chain([
        1279, 1280, 1281, 1535, 1536, 1537, 2047, 2048, 2049, 2303, 2304, 2599, 2600,
    ]);
    for n in sizes {
        let expected = mth(&bytes[..n]);
        assert_eq!(root(&log[..], n as u64).unwrap(), expected, "root({n})");
        assert_eq!(
            root(&view, n as u64).unwrap(),
            mth(&stored_bytes[..n]),
            "view root({n})"
        );
    }
    for (start, end) in [
        (1, 257),
        (3, 1000),
        (255, 1024),
        (256, 768),
        (257, 2600),
        (500, 501),
        (700, 700),
        (78, 2418),
    ] {
        assert_eq!(
            subtree_root(&log[..], start as u64, end as u64).unwrap(),
            mth(&bytes[start..end]),
            "MTH(D[{start}:{end}])"
        );
        assert_eq!(
            subtree_root(&view, start as u64, end as u64).unwrap(),
            mth(&stored_bytes[start..end]),
            "view MTH(D[{start}:{end}])"
        );
    }
    let mut builder = TreeBuilder::new();
    let mut pushed = 0;
    for run in [1usize, 255, 256, 300, 512, 3, 700, 573] {
        builder.push_records(&log[pushed..pushed + run]);
        pushed += run;
        assert_eq!(builder.size(), pushed as u64);
        assert_eq!(builder.root(), mth(&bytes[..pushed]), "after {pushed}");
    }
}

#[test]
fn inclusion_proofs_match_the_reference_and_verify() {
    let log = records(130, 2);
    let bytes = bytes_of(&log);
    for n in 1..=130usize {
        let tree_root = mth(&bytes[..n]);
        for m in 0..n {
            let proof = InclusionProof::generate(&log[..], m as u64, n as u64).unwrap();
            assert_eq!(
                (proof.leaf_index(), proof.tree_size()),
                (m as u64, n as u64)
            );
            assert_eq!(proof.hashes(), path(m, &bytes[..n]), "PATH({m}, D[{n}])");
            assert_eq!(proof.verify(&leaf_hash(&log[m]), &tree_root), Ok(()));
        }
        assert!(matches!(
            InclusionProof::generate(&log[..], n as u64, n as u64),
            Err(TransparencyError::IndexOutOfTree { .. })
        ));
    }
}

#[test]
fn consistency_proofs_for_all_sizes_up_to_300_match_the_reference_and_verify() {
    let log = records(300, 3);
    let bytes = bytes_of(&log);
    let roots: Vec<[u8; 32]> = (0..=300).map(|n| mth(&bytes[..n])).collect();
    let mut checked = 0;
    for n in 0..=300usize {
        for m in 0..=n {
            let proof = ConsistencyProof::generate(&log[..], m as u64, n as u64).unwrap();
            assert_eq!(
                (proof.first_size(), proof.second_size()),
                (m as u64, n as u64)
            );
            // The reference for every pair up to 100, and every 7th beyond (the recursion
            // is slow); the proof verifies for every pair.
            if n <= 100 || (m * 7 + n) % 7 == 0 {
                assert_eq!(
                    proof.hashes(),
                    consistency(m, &bytes[..n]),
                    "PROOF({m}, D[{n}])"
                );
            }
            assert_eq!(proof.verify(&roots[m], &roots[n]), Ok(()), "{m} -> {n}");
            checked += 1;
        }
    }
    assert_eq!(checked, 301 * 302 / 2);
}

#[test]
fn a_log_whose_record_m_minus_1_was_altered_is_not_consistent() {
    let log = records(300, 4);
    let mut checked = 0;
    for m in 1..=300usize {
        let old_root = root(&log[..], m as u64).unwrap();
        let mut altered = log.clone();
        altered[m - 1].content_sha256[0] ^= 1;
        // The altered log's roots for every n, in one streaming pass.
        let mut tree = TreeBuilder::new();
        let mut new_roots = Vec::new();
        for record in &altered {
            tree.push(record);
            new_roots.push(tree.root());
        }
        for n in m..=300usize {
            let new_root = new_roots[n - 1];
            let proof = ConsistencyProof::generate(&altered[..], m as u64, n as u64).unwrap();
            assert!(
                proof.verify(&old_root, &new_root).is_err(),
                "altered record {} still consistent {m} -> {n}",
                m - 1
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 300 * 301 / 2);
}

#[test]
fn the_view_and_the_owned_region_give_the_same_tree() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<40>::new(size, 40, 0, Ticks::new(0)).unwrap();
    for index in 0..40u8 {
        region
            .append(&[index; 7], Ticks::new(i64::from(index)))
            .unwrap();
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    assert!(view.block_count() > 1, "records span blocks");
    let stored: Vec<WriteRecord> = view.records().copied().collect();
    for n in 0..=40u64 {
        let expected = mth(&bytes_of(&stored[..n as usize]));
        assert_eq!(root(&view, n).unwrap(), expected);
        assert_eq!(root(&region, n).unwrap(), expected);
        assert_eq!(root(region.log(), n).unwrap(), expected);
    }
    assert_eq!(view.record(40), None);
    assert_eq!(view.record(39), Some(&stored[39]));
}

/// A view of 64 KiB blocks (1,259 records in block 0, 1,260 in each later one) hands the
/// tree runs of hundreds of records, so its batches of 128 and 256 leaves come from
/// views too, and from runs that start and end inside a batch: roots at the sizes
/// around the batch and block edges and subtrees starting there, against the reference.
#[test]
fn roots_from_a_view_of_large_blocks_match_the_reference() {
    const COUNT: usize = 3000;
    let size = BlockSize::new(65536).unwrap();
    let mut region =
        Box::new(WormRegion::<COUNT>::new(size, COUNT as u64, 0, Ticks::new(0)).unwrap());
    for index in 0..COUNT {
        let data = [index as u8; 5];
        region
            .append(&data[..index % 5 + 1], Ticks::new(index as i64 * 7 + 3))
            .unwrap();
    }
    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    assert_eq!(view.block_count(), 3, "records span three blocks");
    let stored: Vec<WriteRecord> = view.records().copied().collect();
    let leaves = bytes_of(&stored);
    let edges = [
        1, 2, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 1258, 1259, 1260, 1261, 2047, 2048,
        2049, 2518, 2519, 2520, 2999, 3000,
    ];
    for n in edges {
        let expected = mth(&leaves[..n]);
        assert_eq!(root(&view, n as u64).unwrap(), expected, "root of {n}");
        assert_eq!(
            root(&stored[..], n as u64).unwrap(),
            expected,
            "slice root of {n}"
        );
    }
    for start in [1usize, 7, 9, 255, 257, 1000, 1259, 1261] {
        for length in [1usize, 9, 255, 256, 257, 513, 1500] {
            let end = (start + length).min(COUNT);
            assert_eq!(
                subtree_root(&view, start as u64, end as u64).unwrap(),
                mth(&leaves[start..end]),
                "subtree [{start}, {end})"
            );
        }
    }
}

fn flip(hash: &mut [u8; 32], bit: usize) {
    hash[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every inclusion proof verifies, and fails when any hash of it, the leaf, the root,
    /// the index or the size changes. A size is checked with that size's root, as a
    /// checkpoint signs them together: RFC 9162's algorithm binds the size only through
    /// the root (two sizes whose trees put the leaf on the same path compute the same
    /// root from the same hashes).
    #[test]
    fn inclusion_proofs_fail_when_anything_changes(
        n in 1usize..=300, seed in any::<u64>(), bit in 0usize..256, other in any::<u64>()
    ) {
        let longer_log = records(400, (seed % 251) as u8);
        let log = &longer_log[..n];
        let index = (seed % n as u64) as usize;
        let tree_root = root(log, n as u64).unwrap();
        let leaf = leaf_hash(&log[index]);
        let proof = InclusionProof::generate(log, index as u64, n as u64).unwrap();
        prop_assert_eq!(proof.verify(&leaf, &tree_root), Ok(()));

        for position in 0..proof.hashes().len() {
            let mut hashes = proof.hashes().to_vec();
            flip(&mut hashes[position], bit);
            let changed = InclusionProof::new(index as u64, n as u64, &hashes).unwrap();
            prop_assert!(changed.verify(&leaf, &tree_root).is_err());
        }
        let mut wrong = leaf;
        flip(&mut wrong, bit);
        prop_assert!(proof.verify(&wrong, &tree_root).is_err());
        let mut wrong = tree_root;
        flip(&mut wrong, bit);
        prop_assert!(proof.verify(&leaf, &wrong).is_err());

        let other_index = other % n as u64;
        if other_index != index as u64 {
            let moved = InclusionProof::new(other_index, n as u64, proof.hashes()).unwrap();
            prop_assert!(moved.verify(&leaf, &tree_root).is_err());
        }
        let other_size = 1 + other % 400;
        if other_size != n as u64 {
            let resized = InclusionProof::new(index as u64, other_size, proof.hashes()).unwrap();
            let other_root = root(&longer_log[..], other_size).unwrap();
            prop_assert!(resized.verify(&leaf, &other_root).is_err());
        }
        // A hash more or less.
        let mut longer = proof.hashes().to_vec();
        longer.push(tree_root);
        prop_assert!(InclusionProof::new(index as u64, n as u64, &longer).unwrap().verify(&leaf, &tree_root).is_err());
        if let Some((_, shorter)) = proof.hashes().split_last() {
            prop_assert!(InclusionProof::new(index as u64, n as u64, shorter).unwrap().verify(&leaf, &tree_root).is_err());
        }
    }

    /// Consistency proofs fail when any hash of them, either root or either size changes
    /// (a size checked with that size's root, as above).
    #[test]
    fn consistency_proofs_fail_when_anything_changes(
        n in 2usize..=300, seed in any::<u64>(), bit in 0usize..256, other in any::<u64>()
    ) {
        let longer_log = records(700, (seed % 251) as u8);
        let log = &longer_log[..n];
        let m = 1 + (seed % (n as u64 - 1)) as usize; // 1 ≤ m < n
        let (old_root, new_root) = (root(log, m as u64).unwrap(), root(log, n as u64).unwrap());
        let proof = ConsistencyProof::generate(log, m as u64, n as u64).unwrap();
        prop_assert_eq!(proof.verify(&old_root, &new_root), Ok(()));
        for position in 0..proof.hashes().len() {
            let mut hashes = proof.hashes().to_vec();
            flip(&mut hashes[position], bit);
            let changed = ConsistencyProof::new(m as u64, n as u64, &hashes).unwrap();
            prop_assert!(changed.verify(&old_root, &new_root).is_err());
        }
        let mut wrong = old_root;
        flip(&mut wrong, bit);
        prop_assert!(proof.verify(&wrong, &new_root).is_err());
        let mut wrong = new_root;
        flip(&mut wrong, bit);
        prop_assert!(proof.verify(&old_root, &wrong).is_err());
        let other_m = 1 + other % (n as u64 - 1);
        if other_m != m as u64 {
            let moved = ConsistencyProof::new(other_m, n as u64, proof.hashes()).unwrap();
            let other_root = root(&longer_log[..], other_m).unwrap();
            prop_assert!(moved.verify(&other_root, &new_root).is_err());
        }
        let other_n = m as u64 + 1 + other % 400;
        if other_n != n as u64 {
            let moved = ConsistencyProof::new(m as u64, other_n, proof.hashes()).unwrap();
            let other_root = root(&longer_log[..], other_n).unwrap();
            prop_assert!(moved.verify(&old_root, &other_root).is_err());
        }
    }
}

#[test]
fn degenerate_consistency_proofs() {
    let log = records(5, 9);
    let r = |n| root(&log[..], n).unwrap();
    // From the empty tree: empty proof, consistent with anything.
    let proof = ConsistencyProof::generate(&log[..], 0, 5).unwrap();
    assert!(proof.hashes().is_empty());
    assert_eq!(proof.verify(&EMPTY_ROOT, &r(5)), Ok(()));
    // Equal sizes: empty proof, roots must match.
    let proof = ConsistencyProof::generate(&log[..], 5, 5).unwrap();
    assert_eq!(proof.verify(&r(5), &r(5)), Ok(()));
    assert_eq!(
        proof.verify(&r(4), &r(5)),
        Err(TransparencyError::RootMismatch)
    );
    // A non-empty proof for equal sizes is refused.
    let bogus = ConsistencyProof::new(5, 5, &[r(1)]).unwrap();
    assert!(bogus.verify(&r(5), &r(5)).is_err());
    assert_eq!(
        ConsistencyProof::generate(&log[..], 4, 3),
        Err(TransparencyError::SizesOutOfOrder {
            first: 4,
            second: 3
        })
    );
    assert!(matches!(
        ConsistencyProof::new(1, 2, &[[0; 32]; 65]),
        Err(TransparencyError::ProofTooLong { hashes: 65 })
    ));
    assert_eq!(
        dwvd_regions::transparency::subtree_root(&log[..], 3, 2),
        Err(TransparencyError::SizesOutOfOrder {
            first: 3,
            second: 2
        })
    );
    assert_eq!(
        dwvd_regions::transparency::subtree_root(&log[..], 2, 2),
        Ok(EMPTY_ROOT)
    );
}

// ---- Checkpoints ----

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

#[test]
fn a_checkpoint_passport_has_the_documented_text_form_and_round_trips() {
    let log = records(12, 5);
    let checkpoint = Checkpoint::of_log(&log[..], 12, Ticks::new(638_000_000_000_000_123)).unwrap();
    let expected_notes = format!(
        "dwvd-checkpoint/1 size=12 root={}",
        hex::encode(mth(&bytes_of(&log)))
    );
    assert_eq!(checkpoint.notes().as_str(), expected_notes);
    let object = uuid::Uuid::from_u128(0x1234);
    let passport = checkpoint.to_passport(object, &key()).unwrap();
    assert_eq!(passport.object_id(), object);
    assert_eq!(passport.framework(), CHECKPOINT_FRAMEWORK);
    assert_eq!(passport.framework().code(), 0x0100);
    assert_eq!(passport.notes().unwrap(), expected_notes);
    assert_eq!(passport.issued(), checkpoint.ticks);
    assert!(!passport.passport_id().is_nil());
    assert_eq!(
        passport.passport_id(),
        checkpoint
            .to_passport(object, &key())
            .unwrap()
            .passport_id(),
        "the same checkpoint has the same id"
    );
    assert_eq!(Checkpoint::from_passport(&passport).unwrap(), checkpoint);

    // Existing readers parse a vault holding it, and the signature verifies.
    let size = BlockSize::new(512).unwrap();
    let mut vault = Vault::<2>::new(size);
    vault.add(passport.clone()).unwrap();
    let mut image = vec![0u8; vault.buffer_len()];
    vault.emit(&mut image).unwrap();
    let view = VaultView::new_checked(&image, size).unwrap();
    let stored = view.passports().next().unwrap();
    let public =
        verifying_key_from_sec1(key().verifying_key().to_encoded_point(false).as_bytes()).unwrap();
    assert_eq!(
        Checkpoint::verified_from_passport(&stored, &public).unwrap(),
        checkpoint
    );
    let other = SigningKey::from_slice(&[0x43; 32]).unwrap();
    assert!(matches!(
        Checkpoint::verified_from_passport(&stored, other.verifying_key()),
        Err(TransparencyError::Passport(_))
    ));
    assert_eq!(Vault::<2>::parse(&image, size).unwrap().all()[0], passport);

    // Checkpoint notes in a passport that is not shaped as a checkpoint's are refused.
    let notes = checkpoint.notes();
    let other_framework = dwvd_regions::vault::Passport::new(
        passport.passport_id(),
        object,
        dwvd_regions::vault::Framework::Gdpr,
        dwvd_regions::vault::ComplianceStatus::Compliant,
    )
    .with_notes(notes.as_bytes())
    .unwrap();
    assert_eq!(
        Checkpoint::from_passport(&other_framework),
        Err(TransparencyError::MalformedCheckpoint {
            part: "framework_id"
        })
    );
    let other_id = dwvd_regions::vault::Passport::new(
        uuid::Uuid::from_u128(99),
        object,
        CHECKPOINT_FRAMEWORK,
        dwvd_regions::vault::ComplianceStatus::Compliant,
    )
    .with_notes(notes.as_bytes())
    .unwrap();
    assert_eq!(
        Checkpoint::from_passport(&other_id),
        Err(TransparencyError::MalformedCheckpoint {
            part: "passport_id"
        })
    );
    // Moved to another object, the derived id no longer matches either.
    let moved = dwvd_regions::vault::Passport::new(
        passport.passport_id(),
        uuid::Uuid::from_u128(0x5678),
        CHECKPOINT_FRAMEWORK,
        dwvd_regions::vault::ComplianceStatus::Compliant,
    )
    .with_notes(notes.as_bytes())
    .unwrap();
    assert!(Checkpoint::from_passport(&moved).is_err());
}

#[test]
fn checkpoint_notes_are_read_strictly() {
    let root = "ab".repeat(32);
    let good = format!("dwvd-checkpoint/1 size=7 root={root}");
    let read = Checkpoint::from_notes(good.as_bytes(), Ticks::new(3)).unwrap();
    assert_eq!(
        (read.tree_size, read.root, read.ticks),
        (7, [0xab; 32], Ticks::new(3))
    );
    let malformed = |notes: String, part| {
        assert_eq!(
            Checkpoint::from_notes(notes.as_bytes(), Ticks::new(0)),
            Err(TransparencyError::MalformedCheckpoint { part }),
            "{notes}"
        );
    };
    malformed(format!("dwvd-checkpoint/1 size=07 root={root}"), "size");
    malformed(format!("dwvd-checkpoint/1 size= root={root}"), "size");
    malformed(
        format!("dwvd-checkpoint/1 size=18446744073709551616 root={root}"),
        "size",
    );
    malformed(format!("dwvd-checkpoint/1 size=-1 root={root}"), "size");
    malformed(format!("dwvd-checkpoint/1 root={root}"), "size");
    malformed(
        format!("dwvd-checkpoint/1 size=7 root={}", "AB".repeat(32)),
        "root",
    );
    malformed(
        format!("dwvd-checkpoint/1 size=7 root={}", &root[..63]),
        "root",
    );
    malformed(format!("dwvd-checkpoint/1 size=7  root={root}"), "root");
    malformed(
        format!("dwvd-checkpoint/1 size=7 root={root} "),
        "trailing text",
    );
    malformed(
        format!("dwvd-checkpoint/1 size=7 root={root}0"),
        "trailing text",
    );
    assert_eq!(
        Checkpoint::from_notes(b"GDPR assessment", Ticks::new(0)),
        Err(TransparencyError::NotACheckpoint)
    );
    let max = format!("dwvd-checkpoint/1 size={} root={root}", u64::MAX);
    assert_eq!(
        Checkpoint::from_notes(max.as_bytes(), Ticks::new(0))
            .unwrap()
            .tree_size,
        u64::MAX
    );
    // The text form round-trips at the largest size.
    let checkpoint = Checkpoint {
        tree_size: u64::MAX,
        root: [0xab; 32],
        ticks: Ticks::new(0),
    };
    assert_eq!(checkpoint.notes().as_str(), max);
}

#[test]
fn a_checkpoint_catches_truncation_and_rewrites_but_not_appends() {
    let size = BlockSize::new(512).unwrap();
    let mut region = WormRegion::<64>::new(size, 64, 0, Ticks::new(0)).unwrap();
    for index in 0..20u8 {
        region.append(&[index; 3], Ticks::new(1)).unwrap();
    }
    let checkpoint = Checkpoint::of_log(&region, region.high_water_mark(), Ticks::new(2)).unwrap();
    // Appends keep it valid.
    for index in 20..30u8 {
        region.append(&[index; 3], Ticks::new(3)).unwrap();
    }
    assert_eq!(checkpoint.check_log(&region), Ok(()));

    let mut image = vec![0u8; region.buffer_len()];
    region.emit(&mut image).unwrap();
    let view = WormView::new_checked(&image, size).unwrap();
    assert_eq!(checkpoint.check_log(&view), Ok(()));
    let mut stored: Vec<WriteRecord> = view.records().copied().collect();

    // Truncated below the checkpoint.
    assert_eq!(
        checkpoint.check_log(&stored[..19]),
        Err(TransparencyError::TreeLargerThanLog {
            tree_size: 20,
            records: 19
        })
    );
    // Any record below the checkpoint rewritten (even re-hashed consistently).
    for index in 0..20 {
        let mut rewritten = stored.clone();
        rewritten[index].timestamp_utc_ticks.set(99);
        assert_eq!(
            checkpoint.check_log(&rewritten[..]),
            Err(TransparencyError::RootMismatch),
            "record {index}"
        );
    }
    // A rewrite above it is not the checkpoint's business.
    stored[25].data_length.set(1);
    assert_eq!(checkpoint.check_log(&stored[..]), Ok(()));
    // The region id comes from the header fields fixed at format time.
    assert_eq!(
        worm_region_id(view.header()),
        worm_region_id(&region.header())
    );
    let other = WormRegion::<64>::new(size, 64, 0, Ticks::new(1)).unwrap();
    assert_ne!(
        worm_region_id(&other.header()),
        worm_region_id(&region.header())
    );
    // Records cast from bytes are leaves too.
    let record = WriteRecord::read_from_bytes(stored[0].as_bytes()).unwrap();
    assert_eq!(leaf_hash(&record), leaf_hash(&stored[0]));
}
