//! The field P-256's coordinates live in (integers mod `p`), for the crate's point
//! arithmetic ([`jacobian`](super::jacobian)).
//!
//! On 64-bit targets this is `p256`'s own `FieldElement` (its public API with the
//! `expose-field` feature): Montgomery arithmetic written for 64-bit words and for `p`'s
//! shape. On 32-bit targets that code is the same 64-bit code split in two by the
//! compiler: 2.8 KiB of Cortex-M flash (the multiplication alone 2 KiB). There
//! [`FieldElement`] is [`words::FieldElement`]: Montgomery multiplication as one loop over
//! 32-bit words whose reduction, thanks to `p`'s shape, is four word additions (the
//! constants computed by `crypto-bigint`'s `impl_modulus!` at compile time), behind the
//! same method names, so the point formulas are written once. It saves 2.3 KiB of flash
//! for 8 % more instructions per verify on the Cortex-M4 (firmware/README.md, the fifth
//! round). `crypto-bigint`'s own `Residue` was measured first: as small, but its generic
//! loops made a verify 2.7× slower there.
//!
//! Both are tested against each other on every target (the tests below), and the 32-bit
//! build's whole verify against the `ecdsa` crate on the Cortex-M4 (firmware
//! `verify_agree`).

#[cfg(target_pointer_width = "64")]
pub(super) use p256::FieldElement;

#[cfg(not(target_pointer_width = "64"))]
pub(super) use words::FieldElement;

/// The field in 32-bit words, with `p256::FieldElement`'s method names.
pub(super) mod words {
    // Tested on every target; used on 32-bit ones.
    #![cfg_attr(target_pointer_width = "64", allow(dead_code))]
    // Word arithmetic on values below 2³² in u64 (a product plus two words fits), and
    // indices below the arrays' constant lengths: `const fn`s have no iterators.
    #![allow(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )]

    use p256::FieldBytes;
    use p256::elliptic_curve::bigint::modular::constant_mod::ResidueParams;
    use p256::elliptic_curve::bigint::{ArrayEncoding, U256};

    use super::super::words::{
        ONE, WORDS, add_product, from_words, minus_two, power, subtract_once, to_words,
    };
    use p256::elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeLess, CtOption};

    p256::elliptic_curve::bigint::impl_modulus!(
        Modulus,
        U256,
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
    );

    /// `p`.
    const P: [u32; WORDS] = to_words(&Modulus::MODULUS);

    /// `2⁵¹² mod p`: a multiplication by it takes an integer into Montgomery form.
    const R2: [u32; WORDS] = to_words(&Modulus::R2);

    /// `a·b·2⁻²⁵⁶ mod p` for `a < 2²⁵⁶`, `b < p` (Montgomery multiplication, the
    /// coarsely-integrated operand-scanning form): a word of `b` times `a` is added to
    /// the sum, then the multiple of `p` that clears the sum's lowest word, and the sum
    /// is shifted down a word. `p ≡ −1 mod 2³²`, so that multiple is the lowest word `m`
    /// times `p`, and `p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1`, so adding `m·p` and shifting
    /// is adding or subtracting `m` at four word positions: no multiplications. After
    /// each word the sum is below `a + p < 2²⁵⁷` (one bit above the words), and at the
    /// end below `a·b/2²⁵⁶ + p < 2p`; one subtraction brings it below `p`.
    const fn montgomery_product(a: &[u32; WORDS], b: &[u32; WORDS]) -> [u32; WORDS] {
        let mut sum = [0u32; WORDS];
        let mut top = 0u32; // the sum's bits from 2²⁵⁶ up (at most one)
        let mut i = 0;
        while i < WORDS {
            let carry = add_product(&mut sum, a, b[i]);
            // The sum's words 1‥8 (word 8, `high`, is below 2³³) plus m·(2²²⁴ − 2¹⁹² +
            // 2¹⁶⁰ + 2⁶⁴); its word 0 plus −m is 0. The additions first, in one carry
            // chain, then the subtraction at word 6 (the whole is not negative).
            let high = top as u64 + carry as u64;
            let m = sum[0] as u64;
            sum[0] = sum[1];
            sum[1] = sum[2];
            let total = sum[3] as u64 + m;
            sum[2] = total as u32;
            let total = sum[4] as u64 + (total >> 32);
            sum[3] = total as u32;
            let total = sum[5] as u64 + (total >> 32);
            sum[4] = total as u32;
            let total = sum[6] as u64 + m + (total >> 32);
            sum[5] = total as u32;
            let total = sum[7] as u64 + (total >> 32);
            let word_6 = total as u32;
            let total = high + m + (total >> 32);
            let word_7 = total as u32;
            let above = total >> 32;
            let total = (word_6 as u64).wrapping_sub(m);
            sum[6] = total as u32;
            let total = (word_7 as u64).wrapping_sub(total >> 63);
            sum[7] = total as u32;
            top = above.wrapping_sub(total >> 63) as u32; // 0 or 1
            i += 1;
        }
        subtract_once(&sum, top, &P)
    }

    /// An integer mod `p`, kept in Montgomery form (`a·2²⁵⁶ mod p`) below `p`, as 32-bit
    /// words from the least significant.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(in crate::vault) struct FieldElement([u32; WORDS]);

    impl core::fmt::Debug for FieldElement {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_tuple("FieldElement").finish_non_exhaustive()
        }
    }

    impl FieldElement {
        /// 0.
        pub(in crate::vault) const ZERO: Self = Self([0; WORDS]);
        /// 1.
        pub(in crate::vault) const ONE: Self = Self::from_u64(1);

        /// The integer `value`, below `p`.
        const fn from_integer(value: &U256) -> Self {
            Self(montgomery_product(&to_words(value), &R2))
        }

        /// `value` (below `p`, as every `u64` is).
        pub(in crate::vault) const fn from_u64(value: u64) -> Self {
            Self::from_integer(&U256::from_u64(value))
        }

        /// `value`, if it is below `p`.
        pub(in crate::vault) fn from_uint(value: U256) -> CtOption<Self> {
            let below_p = value.ct_lt(&Modulus::MODULUS);
            CtOption::new(Self::from_integer(&value), below_p)
        }

        /// The big-endian integer `bytes`, if it is below `p`.
        pub(in crate::vault) fn from_bytes(bytes: &FieldBytes) -> CtOption<Self> {
            Self::from_uint(U256::from_be_byte_array(*bytes))
        }

        /// The integer, below `p`.
        pub(in crate::vault) const fn to_canonical(self) -> U256 {
            from_words(&montgomery_product(&self.0, &ONE))
        }

        /// The integer, big-endian.
        pub(in crate::vault) fn to_bytes(self) -> FieldBytes {
            self.to_canonical().to_be_byte_array()
        }

        /// `self + other`.
        #[must_use]
        pub(in crate::vault) const fn add(&self, other: &Self) -> Self {
            let mut sum = [0u32; WORDS];
            let mut carry = 0u64;
            let mut j = 0;
            while j < WORDS {
                let total = self.0[j] as u64 + other.0[j] as u64 + carry;
                sum[j] = total as u32;
                carry = total >> 32;
                j += 1;
            }
            Self(subtract_once(&sum, carry as u32, &P))
        }

        /// `self − other`. (Its loops are written out, as in `add`,
        /// rather than shared word-addition helpers: returning their carry beside the
        /// words cost 52 B of flash and 25 % more instructions per verify on the
        /// Cortex-M4.)
        #[must_use]
        pub(in crate::vault) const fn sub(&self, other: &Self) -> Self {
            let mut difference = [0u32; WORDS];
            let mut borrow = 0u64;
            let mut j = 0;
            while j < WORDS {
                let total = (self.0[j] as u64).wrapping_sub(other.0[j] as u64 + borrow);
                difference[j] = total as u32;
                borrow = total >> 63;
                j += 1;
            }
            // Below zero: add p back (the carry out of the top word cancels the borrow).
            let addend = 0u32.wrapping_sub(borrow as u32); // all ones or zero
            let mut carry = 0u64;
            let mut j = 0;
            while j < WORDS {
                let total = difference[j] as u64 + (P[j] & addend) as u64 + carry;
                difference[j] = total as u32;
                carry = total >> 32;
                j += 1;
            }
            Self(difference)
        }

        /// `2·self`.
        #[must_use]
        pub(in crate::vault) const fn double(&self) -> Self {
            self.add(self)
        }

        /// `self · other`.
        #[must_use]
        pub(in crate::vault) const fn multiply(&self, other: &Self) -> Self {
            Self(montgomery_product(&self.0, &other.0))
        }

        /// `self²`.
        #[must_use]
        pub(in crate::vault) const fn square(&self) -> Self {
            self.multiply(self)
        }

        /// `1 / self`; none for 0. By Fermat's little theorem, `self^(p − 2)`: the
        /// exponent's 256 bits from the top, a squaring each and a multiplication where
        /// the bit is set (128 of them), about 0.4 M instructions on the Cortex-M4 where
        /// `crypto-bigint`'s constant-time inversion took about 3.5 M. The exponent is
        /// fixed, so the steps do not depend on `self` (the reductions' final
        /// subtraction is chosen by an `if`, which the field's users, verifiers over
        /// public inputs, do not need to be constant-time).
        pub(in crate::vault) fn invert(&self) -> CtOption<Self> {
            let power = power(&self.0, &minus_two(&P), Self::ONE.0, montgomery_product);
            CtOption::new(Self(power), !self.is_zero())
        }

        /// Whether this is 0.
        pub(in crate::vault) fn is_zero(&self) -> Choice {
            self.ct_eq(&Self::ZERO)
        }
    }

    impl ConstantTimeEq for FieldElement {
        fn ct_eq(&self, other: &Self) -> Choice {
            // Both kept below p in Montgomery form: equal forms, equal integers.
            self.0.ct_eq(&other.0)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::words::FieldElement as Words;
    use p256::FieldBytes;
    use p256::FieldElement as P256;
    use p256::elliptic_curve::bigint::{Encoding, U256};
    use p256::elliptic_curve::subtle::ConstantTimeEq;
    use proptest::prelude::*;

    /// `p`, written from SEC 2.
    const P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

    fn pair(bytes: [u8; 32]) -> Option<(Words, P256)> {
        let bytes = FieldBytes::from(bytes);
        let ours = Option::from(Words::from_bytes(&bytes));
        let theirs = Option::from(P256::from_bytes(&bytes));
        assert_eq!(ours.is_some(), theirs.is_some(), "the same values accepted");
        ours.zip(theirs)
    }

    fn same(ours: Words, theirs: P256) {
        assert_eq!(ours.to_bytes(), theirs.to_bytes());
        assert_eq!(ours.to_canonical(), theirs.to_canonical());
        assert_eq!(bool::from(ours.is_zero()), bool::from(theirs.is_zero()));
    }

    fn agree(a: [u8; 32], b: [u8; 32]) {
        let (Some((a, a_p256)), Some((b, b_p256))) = (pair(a), pair(b)) else {
            return;
        };
        same(a.add(&b), a_p256.add(&b_p256));
        same(a.sub(&b), a_p256.sub(&b_p256));
        same(b.sub(&a), b_p256.sub(&a_p256));
        same(a.double(), a_p256.double());
        same(a.multiply(&b), a_p256.multiply(&b_p256));
        same(a.square(), a_p256.square());
        let inverse: Option<Words> = a.invert().into();
        let inverse_p256: Option<P256> = a_p256.invert().into();
        assert_eq!(inverse.is_some(), inverse_p256.is_some());
        if let (Some(ours), Some(theirs)) = (inverse, inverse_p256) {
            same(ours, theirs);
            same(ours.multiply(&a), P256::ONE);
        }
        assert_eq!(bool::from(a.ct_eq(&b)), bool::from(a_p256.ct_eq(&b_p256)));
    }

    fn be(hex: &str) -> [u8; 32] {
        U256::from_be_hex(hex).to_be_bytes()
    }

    #[test]
    fn the_edges_agree_with_p256s_field() {
        let p = U256::from_be_hex(P);
        let edges = [
            U256::ZERO,
            U256::ONE,
            U256::from_u64(2),
            U256::from_u64(3),
            p.wrapping_sub(&U256::ONE),
            p.wrapping_sub(&U256::from_u64(2)),
            p.shr_vartime(1),
            U256::ONE.shl_vartime(255),
            U256::ONE.shl_vartime(224),
            U256::from_be_hex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            U256::from_u64(u64::MAX),
            // Not field elements: p itself, above it, and the largest 256-bit integer.
            p,
            p.wrapping_add(&U256::ONE),
            U256::MAX,
        ];
        for a in edges {
            for b in edges {
                agree(a.to_be_bytes(), b.to_be_bytes());
            }
        }
        // p and above are refused, p − 1 is taken.
        assert!(bool::from(
            Words::from_bytes(&FieldBytes::from(be(P))).is_none()
        ));
        assert!(bool::from(
            Words::from_uint(p.wrapping_sub(&U256::ONE)).is_some()
        ));
        // (p − 1)² = 1, 0 has no inverse, 1 / 2 · 2 = 1.
        let minus_one = Words::from_uint(p.wrapping_sub(&U256::ONE)).unwrap();
        assert_eq!(minus_one.square().to_canonical(), U256::ONE);
        assert!(bool::from(Words::ZERO.invert().is_none()));
        let two = Words::from_u64(2);
        assert_eq!(
            two.invert().unwrap().multiply(&two).to_canonical(),
            U256::ONE
        );
        // The constants, and from_u64 against from_uint.
        same(Words::ZERO, P256::ZERO);
        same(Words::ONE, P256::ONE);
        same(Words::from_u64(u64::MAX), P256::from_u64(u64::MAX));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn every_operation_agrees_with_p256s_field(
            a in any::<[u8; 32]>(),
            b in any::<[u8; 32]>(),
        ) {
            agree(a, b);
            // Values near p (most random ones are far below it): p's top word, then
            // random; and p's top 20 bytes, then random (above p only when those are
            // all 0xff).
            let mut near = a;
            near[..8].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
            agree(near, b);
            agree(b, near);
            let mut nearer = b;
            nearer[..20].copy_from_slice(&be(P)[..20]);
            agree(nearer, a);
            agree(near, nearer);
        }
    }
}
