//! 256-bit integers as eight 32-bit words, least significant first: the form the crate's
//! 32-bit Montgomery arithmetic works in (the field of [`field`](super::field) and the
//! scalars of [`scalar`](super::scalar)), and the conversions from and to
//! `crypto-bigint`'s `U256` (whose words are 32 or 64 bits, by target).

// Indices below the arrays' constant lengths, divisions by a limb count (4 or 8), shifts
// below the words' widths: `const fn`s have no iterators.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]
// Used on 32-bit targets, tested on every target.
#![cfg_attr(target_pointer_width = "64", allow(dead_code))]

use p256::elliptic_curve::bigint::{U256, Word};

/// Words of a 256-bit integer.
pub(super) const WORDS: usize = 8;

/// A 256-bit integer, least significant word first.
pub(super) type Words = [u32; WORDS];

/// `U256`'s words (32 or 64 bits, by target) as 32-bit words.
pub(super) const fn to_words(value: &U256) -> Words {
    let limbs = value.as_words();
    let per_limb = WORDS / limbs.len();
    let mut words = [0; WORDS];
    let mut index = 0;
    while index < WORDS {
        // Widening (a word is 32 or 64 bits), then the 32 bits wanted.
        #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
        let limb = limbs[index / per_limb] as u64;
        words[index] = (limb >> (32 * (index % per_limb))) as u32;
        index += 1;
    }
    words
}

/// The inverse of [`to_words`].
pub(super) const fn from_words(words: &Words) -> U256 {
    let mut limbs = [0 as Word; U256::LIMBS];
    let per_limb = WORDS / U256::LIMBS;
    let mut index = 0;
    while index < WORDS {
        // Widening: a word is 32 or 64 bits.
        #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
        let word = words[index] as Word;
        limbs[index / per_limb] |= word << (32 * (index % per_limb));
        index += 1;
    }
    U256::from_words(limbs)
}

/// The integer 1.
pub(super) const ONE: Words = {
    let mut one = [0; WORDS];
    one[0] = 1;
    one
};

/// `sum += a·factor`, returning the word carried out of the top: one step of a
/// Montgomery multiplication (a word of one operand times the other). Each word is a
/// product plus two words, which fits in 64 bits: one `umaal` on the Cortex-M4.
#[allow(clippy::arithmetic_side_effects)] // below 2⁶⁴, as said
#[inline(always)]
pub(super) const fn add_product(sum: &mut Words, a: &Words, factor: u32) -> u32 {
    let mut carry = 0u32;
    let mut j = 0;
    while j < WORDS {
        let total = a[j] as u64 * factor as u64 + sum[j] as u64 + carry as u64;
        sum[j] = total as u32;
        carry = (total >> 32) as u32;
        j += 1;
    }
    carry
}

/// `value + top·2²⁵⁶`, known to be below `2·modulus`, reduced below `modulus`: the last
/// step of a Montgomery multiplication, and of an addition.
#[allow(clippy::arithmetic_side_effects)] // a word plus a borrow, below 2³³
pub(super) const fn subtract_once(value: &Words, top: u32, modulus: &Words) -> Words {
    let mut less = [0u32; WORDS];
    let mut borrow = 0u64;
    let mut j = 0;
    while j < WORDS {
        let total = (value[j] as u64).wrapping_sub(modulus[j] as u64 + borrow);
        less[j] = total as u32;
        borrow = total >> 63;
        j += 1;
    }
    // Below the modulus exactly when the subtraction borrowed past the top bits.
    if borrow > top as u64 { *value } else { less }
}

/// `modulus − 2`, the exponent that inverts by Fermat's little theorem, for a prime
/// whose lowest word is at least 2 (both of P-256's are).
pub(super) const fn minus_two(modulus: &Words) -> Words {
    let mut exponent = *modulus;
    exponent[0] = exponent[0].wrapping_sub(2);
    exponent
}

/// `base^exponent` by the exponent's 256 bits from the top, a squaring each and a
/// multiplication where the bit is set, over `multiply` (a Montgomery multiplication;
/// `one` is 1 in its form). The steps depend on the exponent only.
pub(super) fn power(
    base: &Words,
    exponent: &Words,
    one: Words,
    multiply: impl Fn(&Words, &Words) -> Words,
) -> Words {
    let mut power = one;
    for word in exponent.iter().rev() {
        for bit in (0..32).rev() {
            power = multiply(&power, &power);
            if (word >> bit) & 1 == 1 {
                power = multiply(&power, base);
            }
        }
    }
    power
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_least_significant_first() {
        let value =
            U256::from_be_hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        let words = to_words(&value);
        assert_eq!(words[0], 0x1d1e_1f20);
        assert_eq!(words[7], 0x0102_0304);
        assert_eq!(from_words(&words), value);
    }
}
