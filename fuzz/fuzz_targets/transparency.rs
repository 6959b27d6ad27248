//! The Merkle tree, proofs and checkpoint notes from arbitrary bytes.
//!
//! Invariants, beyond "did not crash":
//! * the streaming builder and `root` agree at every size;
//! * every generated inclusion and consistency proof verifies against the log's roots;
//! * a proof made of arbitrary hashes, index and sizes verifies only if it is the genuine
//!   proof (anything else would be a SHA-256 second preimage);
//! * checkpoint notes parse only in their canonical text form: what parses prints back
//!   byte for byte.
#![no_main]
// A fuzz target checks invariants with assertions: a broken expectation must crash to
// be found, so the no-panic set of the shared lints does not apply to it.
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

use dwvd_regions::Ticks;
use dwvd_regions::transparency::{
    Checkpoint, ConsistencyProof, InclusionProof, TreeBuilder, leaf_hash, root,
};
use dwvd_regions::worm::WriteRecord;
use libfuzzer_sys::fuzz_target;
use zerocopy::FromBytes;

fuzz_target!(|data: &[u8]| {
    // Checkpoint notes: the whole input.
    if let Ok(checkpoint) = Checkpoint::from_notes(data, Ticks::new(0)) {
        assert_eq!(checkpoint.notes().as_bytes(), data);
    }

    let Some((&[a, b, c, d], rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    // Up to 64 records from the input, then hashes for a forged proof.
    let record_count = usize::from(a % 65).min(rest.len() / 52);
    let (record_bytes, tail) = rest.split_at(record_count * 52);
    let log: Vec<WriteRecord> = record_bytes
        .chunks_exact(52)
        .map(|bytes| WriteRecord::read_from_bytes(bytes).expect("52 bytes"))
        .collect();
    let n = log.len() as u64;

    let mut builder = TreeBuilder::new();
    let mut roots = vec![root(&log[..], 0).expect("size 0")];
    for record in &log {
        builder.push(record);
        roots.push(builder.root());
        assert_eq!(
            *roots.last().expect("pushed"),
            root(&log[..], builder.size()).expect("within the log")
        );
    }

    if n > 0 {
        let index = u64::from(b) % n;
        let proof = InclusionProof::generate(&log[..], index, n).expect("index < n");
        let leaf = leaf_hash(&log[index as usize]);
        assert_eq!(proof.verify(&leaf, &roots[n as usize]), Ok(()));
        let m = u64::from(c) % (n + 1);
        let consistency = ConsistencyProof::generate(&log[..], m, n).expect("m <= n");
        assert_eq!(
            consistency.verify(&roots[m as usize], &roots[n as usize]),
            Ok(())
        );

        // A forged inclusion proof for the same leaf, index and size.
        let hashes: Vec<[u8; 32]> = tail
            .chunks_exact(32)
            .take(usize::from(d % 70))
            .map(|chunk| chunk.try_into().expect("32 bytes"))
            .collect();
        if let Ok(forged) = InclusionProof::new(index, n, &hashes)
            && forged.verify(&leaf, &roots[n as usize]).is_ok()
        {
            assert_eq!(forged.hashes(), proof.hashes());
        }
        if let Ok(forged) = ConsistencyProof::new(m, n, &hashes)
            && forged
                .verify(&roots[m as usize], &roots[n as usize])
                .is_ok()
            && m > 0
            && m < n
        {
            assert_eq!(forged.hashes(), consistency.hashes());
        }
    }

    // Arbitrary sizes and indexes never panic.
    let wide = |byte: u8| u64::from(byte).wrapping_mul(0x0101_0101_0101_0101);
    let hashes: Vec<[u8; 32]> = tail
        .chunks_exact(32)
        .take(8)
        .map(|chunk| chunk.try_into().expect("32 bytes"))
        .collect();
    if let Ok(proof) = InclusionProof::new(wide(b), wide(c), &hashes) {
        let _ = proof.verify(&[a; 32], &[d; 32]);
    }
    if let Ok(proof) = ConsistencyProof::new(wide(c), wide(d), &hashes) {
        let _ = proof.verify(&[a; 32], &[b; 32]);
    }
});
