//! XXH64 (seed 0), written for size: the checksum of every block's payload.
//!
//! 32-bit targets (firmware) use this loop; 64-bit hosts use `xxhash-rust`'s unrolled
//! implementation, which is faster and about 850 bytes larger on a Cortex-M. Both give
//! the same value for every input: the tests below compare them, and every golden
//! vector's trailer is checked with whichever the target uses.
//!
//! On 64-bit hosts [`xxh64_alongside`] is a third: the same hash, with other work
//! interleaved between its stripes (the WORM view checks its records there: XXH64 keeps
//! the integer units busy with its multiply chains, and independent work fits beside it
//! nearly for free, where a second pass over the block costs its own time).

const PRIME_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME_3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME_4: u64 = 0x85EB_CA77_C2B2_AE63;
const PRIME_5: u64 = 0x27D4_EB2F_1656_67C5;

/// One lane step. Out of line on 32-bit targets: a 64-bit multiply is a dozen
/// instructions on a 32-bit core, and the loop is for size; inlined on 64-bit hosts, where
/// it is three instructions and [`xxh64_alongside`] is for speed.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
const fn round(accumulator: u64, lane: u64) -> u64 {
    accumulator
        .wrapping_add(lane.wrapping_mul(PRIME_2))
        .rotate_left(31)
        .wrapping_mul(PRIME_1)
}

/// The little-endian u64 at the start of `bytes` (which holds at least 8).
fn read_u64(bytes: &[u8]) -> u64 {
    bytes
        .first_chunk::<8>()
        .map_or(0, |word| u64::from_le_bytes(*word))
}

/// The little-endian u32 at the start of `bytes` (which holds at least 4).
fn read_u32(bytes: &[u8]) -> u64 {
    bytes
        .first_chunk::<4>()
        .map_or(0, |word| u64::from(u32::from_le_bytes(*word)))
}

/// XXH64 of `input` with seed 0, as the reference specifies it: 32-byte stripes over four
/// lanes, then 8-, 4- and 1-byte tails, then the avalanche.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
pub(crate) fn xxh64(input: &[u8]) -> u64 {
    let mut stripes = input.chunks_exact(32);
    let lanes = (input.len() >= 32).then(|| {
        let mut lanes = INITIAL_LANES;
        for stripe in &mut stripes {
            for (lane, word) in lanes.iter_mut().zip(stripe.chunks_exact(8)) {
                *lane = round(*lane, read_u64(word));
            }
        }
        lanes
    });
    finish(lanes, input.len(), stripes.remainder())
}

/// The four lanes before the first stripe (seed 0).
const INITIAL_LANES: [u64; 4] = [
    PRIME_1.wrapping_add(PRIME_2),
    PRIME_2,
    0,
    0u64.wrapping_sub(PRIME_1),
];

/// The end of XXH64: the lanes merged (`None` for an input shorter than one stripe), the
/// length added, the 8-, 4- and 1-byte tails, the avalanche.
fn finish(lanes: Option<[u64; 4]>, length: usize, mut rest: &[u8]) -> u64 {
    let mut hash = match lanes {
        Some(lanes) => {
            let mut hash = 0u64;
            for (lane, rotation) in lanes.iter().zip([1, 7, 12, 18]) {
                hash = hash.wrapping_add(lane.rotate_left(rotation));
            }
            for lane in lanes {
                hash = (hash ^ round(0, lane))
                    .wrapping_mul(PRIME_1)
                    .wrapping_add(PRIME_4);
            }
            hash
        }
        None => PRIME_5,
    };
    hash = hash.wrapping_add(length as u64);

    while let Some((word, tail)) = rest.split_at_checked(8) {
        hash = (hash ^ round(0, read_u64(word)))
            .rotate_left(27)
            .wrapping_mul(PRIME_1)
            .wrapping_add(PRIME_4);
        rest = tail;
    }
    if let Some((word, tail)) = rest.split_at_checked(4) {
        hash = (hash ^ read_u32(word).wrapping_mul(PRIME_1))
            .rotate_left(23)
            .wrapping_mul(PRIME_2)
            .wrapping_add(PRIME_3);
        rest = tail;
    }
    for byte in rest {
        hash = (hash ^ u64::from(*byte).wrapping_mul(PRIME_5))
            .rotate_left(11)
            .wrapping_mul(PRIME_1);
    }

    hash ^= hash >> 33;
    hash = hash.wrapping_mul(PRIME_2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(PRIME_3);
    hash ^ (hash >> 32)
}

/// Bytes [`xxh64_alongside`] hashes between two calls of its other work: 13 stripes,
/// which is also 8 WORM records (416 = lcm(32, 52)).
#[cfg(target_pointer_width = "64")]
pub(crate) const ALONGSIDE_CHUNK: usize = 416;

/// XXH64 of `input` with seed 0 (the same value as [`xxh64`] and `xxhash-rust`), calling
/// `alongside` once after each [`ALONGSIDE_CHUNK`] bytes hashed (`input.len() / 416`
/// times). Inlined with its caller's work, so the processor runs both in the same loop.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn xxh64_alongside(input: &[u8], mut alongside: impl FnMut()) -> u64 {
    /// One 32-byte stripe into the four lanes.
    #[inline(always)]
    fn stripe(lanes: &mut [u64; 4], stripe: &[u8; 32]) {
        let (words, _) = stripe.as_chunks::<8>();
        for (lane, word) in lanes.iter_mut().zip(words) {
            *lane = round(*lane, u64::from_le_bytes(*word));
        }
    }
    let mut lanes = INITIAL_LANES;
    let (chunks, rest) = input.as_chunks::<ALONGSIDE_CHUNK>();
    for chunk in chunks {
        let (stripes, _) = chunk.as_chunks::<32>();
        for bytes in stripes {
            stripe(&mut lanes, bytes);
        }
        alongside();
    }
    let (stripes, tail) = rest.as_chunks::<32>();
    for bytes in stripes {
        stripe(&mut lanes, bytes);
    }
    finish((input.len() >= 32).then_some(lanes), input.len(), tail)
}

#[cfg(test)]
mod tests {
    use super::xxh64;

    /// Against `xxhash-rust` (the implementation 64-bit hosts use) at every length that
    /// reaches a different tail or stripe count, on bytes that are not all alike.
    #[test]
    fn agrees_with_xxhash_rust_at_every_length() {
        let bytes: [u8; 1100] = core::array::from_fn(|index| {
            (index as u8)
                .wrapping_mul(31)
                .wrapping_add((index >> 8) as u8)
        });
        for length in 0..=bytes.len() {
            let input = &bytes[..length];
            assert_eq!(
                xxh64(input),
                xxhash_rust::xxh64::xxh64(input, 0),
                "length {length}"
            );
        }
    }

    /// The reference's own values for the empty input and one of "a".
    #[test]
    fn known_values() {
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a"), 0xD24E_C4F1_A98C_6E5B);
        #[cfg(target_pointer_width = "64")]
        {
            assert_eq!(super::xxh64_alongside(b"", || {}), 0xEF46_DB37_51D8_E999);
            assert_eq!(super::xxh64_alongside(b"a", || {}), 0xD24E_C4F1_A98C_6E5B);
        }
    }

    /// The interleaving hash against `xxhash-rust` at every length up to three of its
    /// chunks and on random inputs up to the largest payload, with the work beside it
    /// called once per whole chunk.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn alongside_agrees_with_xxhash_rust() {
        use super::{ALONGSIDE_CHUNK, xxh64_alongside};
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bytes: [u8; 65_520] = core::array::from_fn(|_| next() as u8);
        let check = |input: &[u8]| {
            let mut calls = 0;
            let hash = xxh64_alongside(input, || calls += 1);
            assert_eq!(
                hash,
                xxhash_rust::xxh64::xxh64(input, 0),
                "length {}",
                input.len()
            );
            assert_eq!(
                calls,
                input.len() / ALONGSIDE_CHUNK,
                "length {}",
                input.len()
            );
        };
        for length in 0..=3 * ALONGSIDE_CHUNK + 40 {
            check(&bytes[..length]);
        }
        for _ in 0..200 {
            let start = (next() % 1000) as usize;
            let length = (next() % (bytes.len() - start) as u64) as usize;
            check(&bytes[start..start + length]);
        }
        for size in [512, 4096, 65536] {
            check(&bytes[..size - 16]);
        }
    }
}
