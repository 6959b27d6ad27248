//! Products and the inverse modulo the group order `n`, for what a verification takes
//! (`s⁻¹`, then `u1 = z·s⁻¹` and `u2 = r·s⁻¹`; Montgomery's trick when many signatures
//! share one inversion).
//!
//! On 64-bit targets these are `p256`'s own `Scalar::multiply` (a wide product and a
//! Barrett reduction) and `invert_vartime`. On 32-bit targets that code is written for
//! 64-bit words the compiler must split in two: 2.7 KiB of Cortex-M flash for the two
//! products, and 1.39 M instructions for the inversion (28 % of a comb verify). There a
//! product is two Montgomery multiplications over 32-bit words ([`montgomery_product`],
//! the constants computed by `crypto-bigint`'s `impl_modulus!` at compile time):
//! `a·b·R⁻¹`, then times `R²`, which gives `a·b` in the ordinary form `p256`'s `Scalar`
//! keeps; and the inverse is `s^(n − 2)` by the same multiplication (Fermat).

use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::bigint::modular::constant_mod::ResidueParams;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::scalar::FromUintUnchecked;
use p256::{FieldBytes, NonZeroScalar, Scalar};

use super::words::{
    ONE, WORDS, Words, add_product, from_words, minus_two, power, subtract_once, to_words,
};

p256::elliptic_curve::bigint::impl_modulus!(
    Order,
    U256,
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
);

/// The group order `n`, as an integer (the one `impl_modulus!` above was given).
pub(super) const ORDER: U256 = Order::MODULUS;

/// ECDSA verification's two scalars, `u1 = z·s⁻¹` and `u2 = r·s⁻¹`, with `z` the
/// 32-byte `digest` reduced mod `n`: what every verifier (generic and comb) combines the
/// generator and the key with.
pub(super) fn verification_scalars(
    digest: &[u8; 32],
    r: &Scalar,
    s_inverse: &Scalar,
) -> (Scalar, Scalar) {
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
    (product(&z, s_inverse), product(r, s_inverse))
}

/// `a·b mod n`.
#[cfg(target_pointer_width = "64")]
pub(super) fn product(a: &Scalar, b: &Scalar) -> Scalar {
    a.multiply(b)
}

/// `a·b mod n`.
#[cfg(not(target_pointer_width = "64"))]
pub(super) fn product(a: &Scalar, b: &Scalar) -> Scalar {
    product_in_montgomery_form(a, b)
}

/// `1/s mod n`.
#[cfg(target_pointer_width = "64")]
pub(super) fn inverse(s: &NonZeroScalar) -> Scalar {
    use p256::elliptic_curve::ops::Invert;
    *s.invert_vartime()
}

/// `1/s mod n`.
#[cfg(not(target_pointer_width = "64"))]
pub(super) fn inverse(s: &NonZeroScalar) -> Scalar {
    inverse_by_exponent(s)
}

/// `n`.
const N: Words = to_words(&Order::MODULUS);

/// `−n⁻¹ mod 2³²`: the low word of `crypto-bigint`'s `−n⁻¹` modulo its word (2³² or
/// 2⁶⁴), which is the same number reduced.
#[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)] // u64 or u32, by target
const N_NEGATIVE_INVERSE: u32 = Order::MOD_NEG_INV.0 as u32;

/// `2⁵¹² mod n`: a multiplication by it takes an integer into Montgomery form.
const R2: Words = to_words(&Order::R2);

/// `2²⁵⁶ mod n`: 1 in Montgomery form.
const MONTGOMERY_ONE: Words = to_words(&Order::R);

/// `a·b·2⁻²⁵⁶ mod n` for `a < 2²⁵⁶`, `b < n` (Montgomery multiplication, the
/// coarsely-integrated operand-scanning form, as in the field's): a word of `b` times
/// `a` is added to the sum, then the multiple `m·n` that clears its lowest word
/// (`m = sum₀·(−n⁻¹) mod 2³²`), and the sum is shifted down a word. After each word the
/// sum is below `a + n < 2²⁵⁷`, at the end below `a·b/2²⁵⁶ + n < 2n`; one subtraction
/// brings it below `n`. Each step is a product plus two words, one `umaal` on the
/// Cortex-M4.
// Word arithmetic on values below 2³² in u64 (a product plus two words fits), indices
// below the arrays' constant lengths.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
fn montgomery_product(a: &Words, b: &Words) -> Words {
    let mut sum = [0u32; WORDS];
    let mut top = 0u32; // the sum's bits from 2²⁵⁶ up (at most one)
    for &factor in b {
        let carry = add_product(&mut sum, a, factor);
        let high = u64::from(top) + u64::from(carry);
        let clearing = u64::from(sum[0].wrapping_mul(N_NEGATIVE_INVERSE));
        let mut carry = ((clearing * u64::from(N[0]) + u64::from(sum[0])) >> 32) as u32;
        for j in 1..WORDS {
            let total = clearing * u64::from(N[j]) + u64::from(sum[j]) + u64::from(carry);
            sum[j - 1] = total as u32;
            carry = (total >> 32) as u32;
        }
        let total = high + u64::from(carry);
        sum[WORDS - 1] = total as u32;
        top = (total >> 32) as u32;
    }
    subtract_once(&sum, top, &N)
}

/// `a·b mod n` as two Montgomery multiplications (`R = 2²⁵⁶`): `t = a·b·R⁻¹`, then
/// `t·R²·R⁻¹ = a·b`.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
#[inline(never)]
fn product_in_montgomery_form(a: &Scalar, b: &Scalar) -> Scalar {
    let once = montgomery_product(&to_words(&U256::from(a)), &to_words(&U256::from(b)));
    Scalar::from_uint_unchecked(from_words(&montgomery_product(&once, &R2)))
}

/// `1/s mod n` as `s^(n − 2)` (Fermat's little theorem; `n` is prime) in Montgomery form:
/// the exponent's 256 bits from the top, a squaring each and a multiplication where the
/// bit is set. 427 Montgomery multiplications (256 squarings, 169 set bits, 2 for the
/// conversions), where `p256`'s `invert_vartime`
/// (Stein's binary algorithm in 64-bit words) costs 1.39 M instructions on the Cortex-M4.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
fn inverse_by_exponent(s: &Scalar) -> Scalar {
    let base = montgomery_product(&to_words(&U256::from(s)), &R2);
    let power = power(&base, &minus_two(&N), MONTGOMERY_ONE, montgomery_product);
    Scalar::from_uint_unchecked(from_words(&montgomery_product(&power, &ONE)))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )]

    use super::*;
    use p256::elliptic_curve::PrimeField;
    use proptest::prelude::*;

    /// A scalar from big-endian bytes below `n`.
    fn scalar(hex: &str) -> Scalar {
        let bytes: [u8; 32] = hex_to_bytes(hex);
        Option::from(Scalar::from_repr(bytes.into())).expect("below n")
    }

    fn hex_to_bytes(hex: &str) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        bytes
    }

    /// `n − 1`, written from SEC 2's order.
    const N_MINUS_1: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550";

    #[test]
    fn products_at_the_edges_follow_arithmetic_modulo_n() {
        let minus_one = scalar(N_MINUS_1);
        // (n − 1)² = 1 (mod n); (n − 1)·x = −x; 0·x = 0; 1·x = x.
        assert_eq!(
            product_in_montgomery_form(&minus_one, &minus_one),
            Scalar::ONE
        );
        let x = scalar("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_eq!(product_in_montgomery_form(&minus_one, &x), -x);
        assert_eq!(product_in_montgomery_form(&x, &minus_one), -x);
        assert_eq!(product_in_montgomery_form(&x, &Scalar::ZERO), Scalar::ZERO);
        assert_eq!(product_in_montgomery_form(&Scalar::ZERO, &x), Scalar::ZERO);
        assert_eq!(product_in_montgomery_form(&x, &Scalar::ONE), x);
        // 2^128 · 2^128 = 2^256 = 2^256 − n (mod n), n's two's complement in 256 bits:
        // 0x00000000ffffffff00000000000000004319055258e8617b0c46353d039cdaaf.
        let two_128 = scalar("0000000000000000000000000000000100000000000000000000000000000000");
        assert_eq!(
            product_in_montgomery_form(&two_128, &two_128),
            scalar("00000000ffffffff00000000000000004319055258e8617b0c46353d039cdaaf")
        );
        assert_eq!(
            product(&two_128, &two_128),
            product_in_montgomery_form(&two_128, &two_128)
        );
        // The largest inputs, and products that land on n − 1 and on 1.
        let minus_two = scalar("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f");
        assert_eq!(
            product_in_montgomery_form(&minus_two, &minus_one),
            Scalar::from(2u64)
        );
        assert_eq!(
            product_in_montgomery_form(&minus_two, &minus_two),
            Scalar::from(4u64)
        );
        assert_eq!(
            product_in_montgomery_form(&minus_one, &Scalar::ONE),
            minus_one
        );
        let x_inverse = Option::<Scalar>::from(x.invert()).unwrap();
        assert_eq!(product_in_montgomery_form(&x, &x_inverse), Scalar::ONE);
        assert_eq!(product_in_montgomery_form(&x, &-x_inverse), minus_one);
        // (n + 1) / 2 is 1/2: times 2 it is 1; squared, times 4, 1.
        let half = scalar("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9");
        assert_eq!(
            product_in_montgomery_form(&half, &Scalar::from(2u64)),
            Scalar::ONE
        );
        let quarter = product_in_montgomery_form(&half, &half);
        assert_eq!(
            product_in_montgomery_form(&quarter, &Scalar::from(4u64)),
            Scalar::ONE
        );
    }

    #[test]
    fn inverses_at_the_edges_follow_arithmetic_modulo_n() {
        let minus_one = scalar(N_MINUS_1);
        // 1 and n − 1 are their own inverses; 1/2 is (n + 1)/2; 1/(n − 2) = −1/2.
        assert_eq!(inverse_by_exponent(&Scalar::ONE), Scalar::ONE);
        assert_eq!(inverse_by_exponent(&minus_one), minus_one);
        let half = scalar("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9");
        assert_eq!(inverse_by_exponent(&Scalar::from(2u64)), half);
        let minus_two = scalar("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f");
        assert_eq!(inverse_by_exponent(&minus_two), -half);
        // The largest word patterns: 2^255 (below n) and n − 2^32.
        for hex in [
            "8000000000000000000000000000000000000000000000000000000000000000",
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac1fc632551",
        ] {
            let x = scalar(hex);
            assert_eq!(product(&inverse_by_exponent(&x), &x), Scalar::ONE, "{hex}");
        }
        let nonzero = Option::from(NonZeroScalar::new(Scalar::from(7u64))).unwrap();
        assert_eq!(
            product(&inverse(&nonzero), &Scalar::from(7u64)),
            Scalar::ONE
        );
    }

    #[test]
    fn the_order_is_p256s() {
        use p256::elliptic_curve::Curve;
        assert_eq!(ORDER, p256::NistP256::ORDER);
    }

    proptest! {
        #[test]
        fn montgomery_form_agrees_with_p256s_product(
            a in any::<[u8; 32]>(),
            b in any::<[u8; 32]>(),
        ) {
            let a = <Scalar as Reduce<U256>>::reduce_bytes(&a.into());
            let b = <Scalar as Reduce<U256>>::reduce_bytes(&b.into());
            prop_assert_eq!(product_in_montgomery_form(&a, &b), a * b);
            prop_assert_eq!(product(&a, &b), a * b);
        }

        #[test]
        fn the_inverse_by_exponent_is_p256s(a in any::<[u8; 32]>()) {
            let a = <Scalar as Reduce<U256>>::reduce_bytes(&a.into());
            let expected = Option::<Scalar>::from(a.invert()).unwrap_or(Scalar::ZERO);
            // 0 has no inverse; the exponent gives 0^(n − 2) = 0.
            prop_assert_eq!(inverse_by_exponent(&a), expected);
        }
    }
}
