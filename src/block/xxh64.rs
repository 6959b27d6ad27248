//! XXH64 (seed 0), written for size: the checksum of every block's payload.
//!
//! 32-bit targets (firmware) use this loop; 64-bit hosts use `xxhash-rust`'s unrolled
//! implementation, which is faster and about 850 bytes larger on a Cortex-M. Both give
//! the same value for every input: the tests below compare them, and every golden
//! vector's trailer is checked with whichever the target uses.

const PRIME_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME_3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME_4: u64 = 0x85EB_CA77_C2B2_AE63;
const PRIME_5: u64 = 0x27D4_EB2F_1656_67C5;

/// One lane step. Out of line: a 64-bit multiply is a dozen instructions on a 32-bit
/// core, and the loop is for size.
#[inline(never)]
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
    let mut hash = if input.len() >= 32 {
        let mut lanes = [
            PRIME_1.wrapping_add(PRIME_2),
            PRIME_2,
            0,
            0u64.wrapping_sub(PRIME_1),
        ];
        for stripe in &mut stripes {
            for (lane, word) in lanes.iter_mut().zip(stripe.chunks_exact(8)) {
                *lane = round(*lane, read_u64(word));
            }
        }
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
    } else {
        PRIME_5
    };
    hash = hash.wrapping_add(input.len() as u64);

    let mut rest = stripes.remainder();
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
    }
}
