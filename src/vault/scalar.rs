//! Products modulo the group order `n`, for the two or three a verification takes
//! (`u1 = z·s⁻¹`, `u2 = r·s⁻¹`; Montgomery's trick when many signatures share one
//! inversion).
//!
//! On 64-bit targets this is `p256`'s own `Scalar::multiply` (a wide product and a
//! Barrett reduction). On 32-bit targets that reduction is written out for 64-bit words
//! the compiler must split in two: 2.7 KiB of Cortex-M flash for the two products a
//! verification needs. There the product is two Montgomery multiplications with
//! `crypto-bigint`'s own loops (`Uint::mul_wide`, `modular::montgomery_reduction`, the
//! constants computed by its `impl_modulus!` at compile time): `a·b·R⁻¹`, then times
//! `R²`, which gives `a·b` in the ordinary form `p256`'s `Scalar` keeps.

use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::bigint::modular::constant_mod::ResidueParams;
use p256::elliptic_curve::bigint::modular::montgomery_reduction;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::scalar::FromUintUnchecked;
use p256::{FieldBytes, Scalar};

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

/// `a·b mod n` as two Montgomery multiplications (`R = 2²⁵⁶`): `t = a·b·R⁻¹`, then
/// `t·R²·R⁻¹ = a·b`. Each input to the reduction is below `n·R` (`a, b, t < n` and
/// `R² mod n < n`), as it requires, and its output is reduced below `n`.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
#[inline(never)]
fn product_in_montgomery_form(a: &Scalar, b: &Scalar) -> Scalar {
    let reduce =
        |wide: &(U256, U256)| montgomery_reduction(wide, &Order::MODULUS, Order::MOD_NEG_INV);
    let once = reduce(&U256::from(a).mul_wide(&U256::from(b)));
    Scalar::from_uint_unchecked(reduce(&once.mul_wide(&Order::R2)))
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
    }
}
