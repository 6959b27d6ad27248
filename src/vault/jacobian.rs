//! P-256 points for every verifier of the crate: affine table entries, and an
//! accumulator in Jacobian coordinates, over the field arithmetic of
//! [`field`](super::field) (`p256`'s own on 64-bit targets, the crate's 32-bit Montgomery
//! code on 32-bit ones). No field arithmetic is written here, only the textbook point
//! formulas on top of it. The comb
//! verifiers add table entries to the accumulator; the generic verify walks both
//! scalars at once, adding `G` and the key ([`generator_and_point_multiple`]).
//!
//! Why not `p256::ProjectivePoint`: its complete formulas cost about 12 field
//! multiplications a doubling and 11 a mixed addition, and it hides its coordinates, so
//! every verify ends with a field inversion to compare `x(R)` with `r`. Both verifiers
//! add only affine points (table entries, or `G` and the key) to one running sum, so the
//! cheaper incomplete formulas fit them: a doubling in 8 multiplications or squarings, a
//! mixed addition in 11, with the two cases they do not cover (the point added equal to
//! the sum, or to its negation) tested for and handled. And the sum's coordinates are at
//! hand, so the final check is `X == r·Z²` with no inversion. Tables are normalised to
//! affine with one inversion for many points at once (Montgomery's trick).
//!
//! The formulas are the Explicit-Formulas Database's `dbl-2001-b` (for `a = −3`) and
//! `madd-2004-hmv`.

use p256::elliptic_curve::bigint::{Encoding, Limb, Word};
use p256::elliptic_curve::subtle::ConstantTimeEq;
use p256::{FieldBytes, U256};

use super::field::FieldElement;

use super::scalar::ORDER;

/// The curve's constant `b` (`y² = x³ − 3x + b`), as an integer.
const EQUATION_B: U256 =
    U256::from_be_hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

/// Bytes of an encoded affine point: `x‖y`, 32 bytes each, big-endian.
pub(super) const AFFINE_BYTES: usize = 64;

/// `x³ − 3x + b`, the curve equation's right side (`y²` for a point on the curve).
const fn curve_right_side(x: &FieldElement) -> FieldElement {
    /// `b` as a field element, computed at compile time.
    const B: FieldElement = element_const(&EQUATION_B);
    x.square()
        .sub(&FieldElement::from_u64(3))
        .multiply(x)
        .add(&B)
}

/// The field element of the big-endian `bytes`, in `const` arithmetic; `None` unless
/// they are below the field's modulus.
const fn coordinate_const(bytes: &[u8]) -> Option<FieldElement> {
    if bytes.len() != AFFINE_BYTES / 2 {
        return None;
    }
    let value = U256::from_be_slice(bytes);
    let element = element_const(&value);
    // Reduced mod p on the way in: the same integer back only if it was below p.
    if same_integer(&element.to_canonical(), &value) {
        Some(element)
    } else {
        None
    }
}

/// `value` mod p as a field element, in `const` arithmetic: its words from the most
/// significant, each step `element · 2^w + word` (`w` the word's bits).
const fn element_const(value: &U256) -> FieldElement {
    let half = FieldElement::from_u64(1 << (Limb::BITS / 2));
    let radix = half.multiply(&half);
    let mut element = FieldElement::ZERO;
    let mut rest: &[Word] = value.as_words();
    while let Some((word, more_significant)) = rest.split_last() {
        // A word is 32 or 64 bits: widening.
        #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
        let word = *word as u64;
        element = element.multiply(&radix).add(&FieldElement::from_u64(word));
        rest = more_significant;
    }
    element
}

/// Whether two integers are equal, in `const` code.
const fn same_integer(left: &U256, right: &U256) -> bool {
    let (mut left, mut right): (&[Word], &[Word]) = (left.as_words(), right.as_words());
    while let (Some((a, left_rest)), Some((b, right_rest))) =
        (left.split_first(), right.split_first())
    {
        if *a != *b {
            return false;
        }
        left = left_rest;
        right = right_rest;
    }
    true
}

// The `const` decoding checked while the crate is compiled, for every target it is
// compiled for (the field code differs with the word size: 32-bit targets evaluate it
// over 32-bit words), against SEC 2's values: `G`'s coordinates, `G` refused with one
// bit of y changed, and the modulus `p` refused as a coordinate where `p − 1` is read.
// Evaluated by the compiler only: an index out of range or a failed assertion fails the
// build.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]
const _: () = {
    /// Bytes from hex digits, in `const` code.
    const fn bytes<const N: usize>(hex: &str) -> [u8; N] {
        const fn digit(byte: u8) -> u8 {
            match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                _ => panic!("not a lower-case hex digit"),
            }
        }
        let hex = hex.as_bytes();
        assert!(hex.len() == 2 * N);
        let mut out = [0; N];
        let mut index = 0;
        while index < N {
            out[index] = digit(hex[2 * index]) << 4 | digit(hex[2 * index + 1]);
            index += 1;
        }
        out
    }
    const G: [u8; AFFINE_BYTES] = bytes(concat!(
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    ));
    const MODULUS: [u8; 32] =
        bytes("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    const MODULUS_MINUS_ONE: [u8; 32] =
        bytes("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe");
    match Affine::decode_const(&G) {
        Some(point) => assert!(Affine::same_point(&point, &Affine::GENERATOR)),
        None => panic!("G does not decode"),
    }
    let mut changed = G;
    changed[AFFINE_BYTES - 1] ^= 1;
    assert!(Affine::decode_const(&changed).is_none());
    assert!(coordinate_const(&MODULUS).is_none());
    assert!(coordinate_const(&MODULUS_MINUS_ONE).is_some());
};

/// A point of P-256 other than the identity, by its affine coordinates: a comb table
/// entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Affine {
    x: FieldElement,
    y: FieldElement,
}

impl core::fmt::Debug for Affine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Affine").finish_non_exhaustive()
    }
}

impl Affine {
    /// A placeholder (`(0, 0)`, not on the curve) for the table slot of the identity,
    /// which a walk never reads.
    pub(super) const PLACEHOLDER: Self = Self {
        x: FieldElement::ZERO,
        y: FieldElement::ZERO,
    };

    /// The generator `G`, its coordinates computed at compile time.
    pub(super) const GENERATOR: Self = Self {
        x: element_const(&U256::from_be_hex(
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        )),
        y: element_const(&U256::from_be_hex(
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        )),
    };

    /// Whether `a` and `b` are the same point, in `const` code.
    pub(super) const fn same_point(a: &Self, b: &Self) -> bool {
        same_integer(&a.x.to_canonical(), &b.x.to_canonical())
            && same_integer(&a.y.to_canonical(), &b.y.to_canonical())
    }

    /// `p256`'s affine point in these coordinates; `None` for the identity.
    pub(super) fn from_point(point: &p256::AffinePoint) -> Option<Self> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let encoded = point.to_encoded_point(false);
        Some(Self {
            x: Option::from(FieldElement::from_bytes(encoded.x()?))?,
            y: Option::from(FieldElement::from_bytes(encoded.y()?))?,
        })
    }

    /// The point encoded as `x‖y` (see [`AFFINE_BYTES`]), if both coordinates are below
    /// the field's modulus and it is on the curve.
    pub(super) fn decode(bytes: &[u8; AFFINE_BYTES]) -> Option<Self> {
        let (x, y) = bytes.split_at(AFFINE_BYTES / 2);
        let coordinate = |bytes: &[u8]| {
            let bytes = <[u8; AFFINE_BYTES / 2]>::try_from(bytes).ok()?;
            Option::<FieldElement>::from(FieldElement::from_bytes(&FieldBytes::from(bytes)))
        };
        let point = Self {
            x: coordinate(x)?,
            y: coordinate(y)?,
        };
        point.is_on_curve().then_some(point)
    }

    /// [`decode`](Self::decode) in `const` arithmetic, so that a table of points can be
    /// decoded while the program is compiled ([`CompiledCombTables`]): the same
    /// encoding and the same checks (each coordinate below the field's modulus, the
    /// point on the curve). At run time [`decode`](Self::decode) is cheaper: this one
    /// builds each coordinate from its words with multiplications, where `p256`'s
    /// `from_bytes` needs one.
    ///
    /// [`CompiledCombTables`]: super::CompiledCombTables
    pub(super) const fn decode_const(bytes: &[u8; AFFINE_BYTES]) -> Option<Self> {
        let Some((x, y)) = bytes.split_first_chunk::<{ AFFINE_BYTES / 2 }>() else {
            return None;
        };
        let (Some(x), Some(y)) = (coordinate_const(x), coordinate_const(y)) else {
            return None;
        };
        if same_integer(
            &y.square().to_canonical(),
            &curve_right_side(&x).to_canonical(),
        ) {
            Some(Self { x, y })
        } else {
            None
        }
    }

    /// `x‖y`, big-endian: what [`decode`](Self::decode) reads.
    pub(super) fn encode(&self) -> [u8; AFFINE_BYTES] {
        let mut bytes = [0u8; AFFINE_BYTES];
        let (x, y) = bytes.split_at_mut(AFFINE_BYTES / 2);
        x.copy_from_slice(&self.x.to_bytes());
        y.copy_from_slice(&self.y.to_bytes());
        bytes
    }

    /// Whether `y² = x³ − 3x + b`.
    fn is_on_curve(&self) -> bool {
        bool::from(self.y.square().ct_eq(&curve_right_side(&self.x)))
    }
}

/// A point of P-256 in Jacobian coordinates: `(X/Z², Y/Z³)`, the identity when `Z = 0`.
#[derive(Clone, Copy)]
pub(super) struct Jacobian {
    x: FieldElement,
    y: FieldElement,
    z: FieldElement,
}

impl core::fmt::Debug for Jacobian {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Jacobian")
            .field("identity", &self.is_identity())
            .finish_non_exhaustive()
    }
}

impl Jacobian {
    /// The identity (the point at infinity).
    pub(super) const IDENTITY: Self = Self {
        x: FieldElement::ONE,
        y: FieldElement::ONE,
        z: FieldElement::ZERO,
    };

    /// `point` with `Z = 1`.
    pub(super) const fn from_affine(point: &Affine) -> Self {
        Self {
            x: point.x,
            y: point.y,
            z: FieldElement::ONE,
        }
    }

    /// Whether this is the identity.
    pub(super) fn is_identity(&self) -> bool {
        bool::from(self.z.is_zero())
    }

    /// `2·self` (`dbl-2001-b`, `a = −3`: 4 multiplications, 4 squarings here). It has no
    /// exception on P-256: no point has order 2, and the identity (`Z = 0`) doubles to
    /// `Z = 0`.
    #[must_use]
    pub(super) fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.multiply(&gamma);
        let alpha = self.x.sub(&delta).multiply(&self.x.add(&delta));
        let alpha = alpha.double().add(&alpha);
        let beta_4 = beta.double().double();
        let x = alpha.square().sub(&beta_4.double());
        // 2·Y·Z, which the EFD writes (Y + Z)² − γ − δ: one multiplication here costs less
        // than a squaring, an addition and two subtractions (measured over p256's field).
        let z = self.y.multiply(&self.z).double();
        let gamma_squared_8 = gamma.square().double().double().double();
        let y = alpha.multiply(&beta_4.sub(&x)).sub(&gamma_squared_8);
        Self { x, y, z }
    }

    /// `self + point` (`madd-2004-hmv`: 8 multiplications, 3 squarings, and fewer
    /// additions than `madd-2007-bl`, which the field makes count), with the cases the
    /// formula does not cover taken apart: `self` the identity (the sum is `point`),
    /// `self == point` (a doubling) and `self == −point` (the identity).
    #[must_use]
    pub(super) fn add_affine(&self, point: &Affine) -> Self {
        if self.is_identity() {
            return Self::from_affine(point);
        }
        let z1z1 = self.z.square();
        let u2 = point.x.multiply(&z1z1);
        let s2 = point.y.multiply(&self.z.multiply(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if bool::from(h.is_zero()) {
            // The same x: the same point, or its negation.
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let hhh = h.multiply(&hh);
        let v = self.x.multiply(&hh);
        let x = r.square().sub(&hhh).sub(&v.double());
        let y = r.multiply(&v.sub(&x)).sub(&self.y.multiply(&hhh));
        let z = self.z.multiply(&h);
        Self { x, y, z }
    }

    /// Whether the affine x-coordinate of this point, reduced mod `n`, is `r` (ECDSA's
    /// final check), without an inversion: `x(R) = X/Z²` lies in `[0, p)` and `p < 2n`,
    /// so `x(R) mod n == r` exactly when `X == r·Z²` or, if `r + n < p`, `X == (r + n)·Z²`.
    /// `r` is a scalar's big-endian bytes (`0 < r < n`). The identity has no x: false.
    pub(super) fn x_is_mod_n(&self, r: &FieldBytes) -> bool {
        if self.is_identity() {
            return false;
        }
        let z_squared = self.z.square();
        let matches = |candidate: U256| {
            Option::<FieldElement>::from(FieldElement::from_uint(candidate))
                .is_some_and(|candidate| bool::from(candidate.multiply(&z_squared).ct_eq(&self.x)))
        };
        let r = U256::from_be_bytes((*r).into());
        let (r_plus_n, carry) = r.adc(&ORDER, Limb::ZERO);
        matches(r) || (carry == Limb::ZERO && matches(r_plus_n))
    }
}

/// `a·G + b·Q`, for scalars given as big-endian bytes (`a`, `b` < 2²⁵⁶), by Shamir's
/// trick: one walk down the bits of both, doubling the sum at each bit and adding `G`
/// and `Q` where their bit is set — 256 doublings and, for random scalars, 256 mixed
/// additions, where two separate multiplications (what `p256`'s `lincomb` does) take twice
/// the doublings. ECDSA's verification sum (`a = u1`, `b = u2`); the identity when it
/// cancels. Variable time: a verification's inputs are public.
pub(super) fn generator_and_point_multiple(a: &FieldBytes, b: &FieldBytes, q: &Affine) -> Jacobian {
    let mut sum = Jacobian::IDENTITY;
    for (a_byte, b_byte) in a.iter().zip(b.iter()) {
        let mut bit = 0x80u8;
        while bit != 0 {
            sum = sum.double();
            if a_byte & bit != 0 {
                sum = sum.add_affine(&Affine::GENERATOR);
            }
            if b_byte & bit != 0 {
                sum = sum.add_affine(q);
            }
            bit >>= 1;
        }
    }
    sum
}

/// Writes the affine forms of `points` to `affine` (the same length), with one field
/// inversion for all of them (Montgomery's trick: 3 multiplications a point besides).
/// False, with `affine` unspecified, if one of them is the identity (or the lengths
/// differ).
pub(super) fn normalize_all(points: &[Jacobian], affine: &mut [Affine]) -> bool {
    if points.len() != affine.len() {
        return false;
    }
    // affine[k].x holds the product of the Zs before point k.
    let mut product = FieldElement::ONE;
    for (point, out) in points.iter().zip(affine.iter_mut()) {
        out.x = product;
        product = product.multiply(&point.z);
    }
    // Zero if any Z is zero: then there is no inverse.
    let Some(mut inverse) = Option::<FieldElement>::from(product.invert()) else {
        return false;
    };
    for (point, out) in points.iter().zip(affine.iter_mut()).rev() {
        // inverse = 1 / (Z_0 … Z_k); times Z_0 … Z_(k−1) is 1 / Z_k.
        let z_inverse = inverse.multiply(&out.x);
        inverse = inverse.multiply(&point.z);
        let z_inverse_squared = z_inverse.square();
        out.x = point.x.multiply(&z_inverse_squared);
        out.y = point.y.multiply(&z_inverse_squared.multiply(&z_inverse));
    }
    true
}

#[cfg(test)]
// The references are `p256`'s group operations (`*`, `-`), not integer arithmetic.
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    // The crate is no_std without its `std` feature; its unit tests may still use it.
    extern crate std;

    use super::*;
    use p256::{AffinePoint, ProjectivePoint, Scalar};
    use std::vec::Vec;

    /// `k·G` by `p256`'s own arithmetic, in these coordinates.
    fn multiple(k: u64) -> Affine {
        let point = (ProjectivePoint::GENERATOR * Scalar::from(k)).to_affine();
        Affine::from_point(&point).unwrap_or(Affine::PLACEHOLDER)
    }

    fn to_affine(point: &Jacobian) -> Option<Affine> {
        let mut out = [Affine::PLACEHOLDER];
        normalize_all(core::slice::from_ref(point), &mut out).then_some(out[0])
    }

    #[test]
    fn doubling_and_adding_agree_with_p256() {
        let g = Jacobian::from_affine(&multiple(1));
        assert_eq!(to_affine(&g.double()), Some(multiple(2)));
        assert_eq!(
            to_affine(&g.double().add_affine(&multiple(1))),
            Some(multiple(3))
        );
        let mut sum = Jacobian::IDENTITY;
        for k in 1..=40u64 {
            sum = sum.add_affine(&multiple(k));
        }
        // 1 + 2 + … + 40 = 820
        assert_eq!(to_affine(&sum), Some(multiple(820)));
    }

    #[test]
    fn the_exceptional_additions_are_handled() {
        let five = Jacobian::from_affine(&multiple(5)).double(); // 10·G, Z ≠ 1
        // The same point: a doubling.
        assert_eq!(
            to_affine(&five.add_affine(&multiple(10))),
            Some(multiple(20))
        );
        // Its negation: the identity.
        let minus_ten = (ProjectivePoint::GENERATOR * -Scalar::from(10u64)).to_affine();
        let minus_ten = Affine::from_point(&minus_ten).unwrap_or(Affine::PLACEHOLDER);
        assert!(five.add_affine(&minus_ten).is_identity());
        // The identity plus a point, and doubled.
        assert_eq!(
            to_affine(&Jacobian::IDENTITY.add_affine(&multiple(7))),
            Some(multiple(7))
        );
        assert!(Jacobian::IDENTITY.double().is_identity());
        assert_eq!(to_affine(&Jacobian::IDENTITY), None);
    }

    #[test]
    fn normalizing_many_at_once_agrees_with_one_at_a_time() {
        let mut points = [Jacobian::IDENTITY; 6];
        let mut running = Jacobian::from_affine(&multiple(3));
        for point in &mut points {
            running = running.double();
            *point = running;
        }
        let mut affine = [Affine::PLACEHOLDER; 6];
        assert!(normalize_all(&points, &mut affine));
        for (k, point) in affine.iter().enumerate() {
            assert_eq!(*point, multiple(3 << (k + 1)));
        }
        points[4] = Jacobian::IDENTITY;
        assert!(!normalize_all(&points, &mut affine));
        assert!(!normalize_all(&points, &mut affine[..5]));
    }

    #[test]
    fn points_encode_as_sec1_coordinates_and_decode_checked() {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = multiple(12_345);
        let bytes = point.encode();
        let sec1 = (ProjectivePoint::GENERATOR * Scalar::from(12_345u64))
            .to_affine()
            .to_encoded_point(false);
        assert_eq!(&bytes[..], &sec1.as_bytes()[1..]);
        assert_eq!(Affine::decode(&bytes), Some(point));
        let mut off_curve = bytes;
        off_curve[63] ^= 1;
        assert_eq!(Affine::decode(&off_curve), None);
        // A coordinate ≥ p.
        assert_eq!(Affine::decode(&[0xFF; AFFINE_BYTES]), None);
        assert_eq!(Affine::from_point(&AffinePoint::IDENTITY), None);
    }

    /// The `const` decoder gives what the run-time one gives: the same points, and
    /// `None` for a point off the curve, a coordinate ≥ p (p itself, p + 5, all ones)
    /// and zeros.
    #[test]
    fn decoding_in_const_arithmetic_agrees_with_decoding_at_run_time() {
        let mut inputs: Vec<[u8; AFFINE_BYTES]> = (1..40u64)
            .map(|k| multiple(k.wrapping_mul(0x9E37_79B9_7F4A_7C15)).encode())
            .collect();
        let valid = inputs.len();
        let mut off_curve = inputs[0];
        off_curve[63] ^= 1;
        inputs.push(off_curve);
        // p, from its definition (SEC 2): 2^256 − 2^224 + 2^192 + 2^96 − 1.
        let modulus_integer =
            U256::from_be_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        let modulus: [u8; 32] = modulus_integer.to_be_bytes();
        let modulus_plus_5: [u8; 32] = modulus_integer
            .wrapping_add(&U256::from_u8(5))
            .to_be_bytes();
        for x in [modulus, modulus_plus_5, [0xFF; 32], [0; 32]] {
            let mut bytes = inputs[1];
            bytes[..32].copy_from_slice(&x);
            inputs.push(bytes);
            let mut bytes = inputs[1];
            bytes[32..].copy_from_slice(&x);
            inputs.push(bytes);
        }
        for (index, bytes) in inputs.iter().enumerate() {
            let decoded = Affine::decode_const(bytes);
            assert_eq!(decoded, Affine::decode(bytes), "input {index}");
            assert_eq!(decoded.is_some(), index < valid, "input {index}");
        }
        // A coordinate p + 5 would be the residue 5 if it were reduced on the way in.
        assert_eq!(
            coordinate_const(&modulus_plus_5),
            None,
            "p + 5 is refused, not reduced"
        );
        assert_eq!(coordinate_const(&[0; 31]), None, "a coordinate is 32 bytes");
    }

    #[test]
    fn the_const_generator_is_g() {
        let generator = Affine::from_point(&AffinePoint::GENERATOR).unwrap();
        assert_eq!(Affine::GENERATOR, generator);
        assert!(Affine::same_point(&Affine::GENERATOR, &generator));
        assert!(!Affine::same_point(&Affine::GENERATOR, &multiple(2)));
        // Same x, other y: −G.
        let negated = Affine::from_point(&(-ProjectivePoint::GENERATOR).to_affine()).unwrap();
        assert!(!Affine::same_point(&Affine::GENERATOR, &negated));
    }

    #[test]
    fn x_mod_n_is_compared_without_inverting() {
        // x(k·G) for some k, compared through a Z ≠ 1.
        let point = Jacobian::from_affine(&multiple(21)).double(); // 42·G
        let x = (ProjectivePoint::GENERATOR * Scalar::from(42u64)).to_affine();
        let x_bytes = p256::elliptic_curve::point::AffineCoordinates::x(&x);
        // x < n here (x mod n = x) unless x is in [n, p), which a test point is not.
        assert!(point.x_is_mod_n(&x_bytes));
        let mut other = x_bytes;
        other[31] ^= 1;
        assert!(!point.x_is_mod_n(&other));
        assert!(!Jacobian::IDENTITY.x_is_mod_n(&x_bytes));
    }

    /// A point whose x lies in `[n, p)`: its x mod n is `x − n`, which `x_is_mod_n` finds
    /// through its `r + n` comparison, through `Z ≠ 1` too; `x − n + 1` is refused.
    #[test]
    fn x_mod_n_takes_the_r_plus_n_branch_for_an_x_above_the_order() {
        let mut found = None;
        for k in 1u64..200 {
            let (x_int, _) = ORDER.adc(&U256::from_u64(k), Limb::ZERO);
            let x = Option::<FieldElement>::from(FieldElement::from_uint(x_int)).unwrap();
            // The square root by p256's field (the crate's 32-bit field has none).
            let right_side = p256::FieldElement::from_bytes(&curve_right_side(&x).to_bytes());
            let root = Option::<p256::FieldElement>::from(right_side.and_then(|y2| y2.sqrt()));
            if let Some(y) = root {
                let y = Option::<FieldElement>::from(FieldElement::from_bytes(&y.to_bytes()));
                found = Some((k, Affine { x, y: y.unwrap() }));
                break;
            }
        }
        let (k, point) = found.expect("half of all x have a point");
        assert!(point.is_on_curve());
        let r = |value: u64| {
            let mut bytes = FieldBytes::default();
            bytes[24..].copy_from_slice(&value.to_be_bytes());
            bytes
        };
        // Z = 1.
        assert!(Jacobian::from_affine(&point).x_is_mod_n(&r(k)));
        assert!(!Jacobian::from_affine(&point).x_is_mod_n(&r(k + 1)));
        // Z ≠ 1: the point as the double of its half.
        let encoded = point.encode();
        let mut sec1 = [0x04u8; 65];
        sec1[1..].copy_from_slice(&encoded);
        let p256_point = p256::PublicKey::from_sec1_bytes(&sec1)
            .unwrap()
            .to_projective();
        let half = (p256_point * Scalar::from(2u64).invert().unwrap()).to_affine();
        let doubled = Jacobian::from_affine(&Affine::from_point(&half).unwrap()).double();
        assert!(!bool::from(doubled.z.ct_eq(&FieldElement::ONE)));
        assert!(doubled.x_is_mod_n(&r(k)));
        assert!(!doubled.x_is_mod_n(&r(k + 1)));
    }

    /// Shamir's walk against `p256`'s own `a·G + b·Q` (two multiplications and an
    /// addition): scalars with leading zero bytes, zero, one, n − 1, a walk whose sum
    /// passes through `Q == G`'s doublings, and sums that cancel to the identity.
    #[test]
    fn the_joint_walk_agrees_with_p256() {
        let reference = |a: &Scalar, b: &Scalar, q: &ProjectivePoint| {
            let sum = (ProjectivePoint::GENERATOR * a + q * b).to_affine();
            Affine::from_point(&sum)
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Scalar::from(state) * Scalar::from(state.rotate_left(29)) + Scalar::from(state >> 3)
        };
        let minus_one = -Scalar::ONE;
        // 24 leading zero bytes: the walk doubles the identity first.
        let small = Scalar::from(0x0123_4567_89ab_cdefu64);
        let keys = [
            ProjectivePoint::GENERATOR,
            ProjectivePoint::GENERATOR * Scalar::from(7u64),
            ProjectivePoint::GENERATOR * next(),
            ProjectivePoint::GENERATOR * minus_one,
        ];
        let mut scalars = Vec::from([Scalar::ZERO, Scalar::ONE, minus_one, small]);
        scalars.extend((0..6).map(|_| next()));
        let mut checked = 0;
        for q in &keys {
            let q_affine = Affine::from_point(&q.to_affine()).unwrap();
            for a in &scalars {
                for b in &scalars {
                    let walked =
                        generator_and_point_multiple(&a.to_bytes(), &b.to_bytes(), &q_affine);
                    assert_eq!(
                        to_affine(&walked),
                        reference(a, b, q),
                        "a = {a:?}, b = {b:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 4 * 10 * 10);
        // Sums that cancel: a·G + b·G with b = −a, and a·G + (−a)·G through Q = −G.
        let a = next();
        let g = Affine::GENERATOR;
        assert!(generator_and_point_multiple(&a.to_bytes(), &(-a).to_bytes(), &g).is_identity());
        let minus_g = Affine::from_point(&(-ProjectivePoint::GENERATOR).to_affine()).unwrap();
        assert!(generator_and_point_multiple(&a.to_bytes(), &a.to_bytes(), &minus_g).is_identity());
        assert!(
            generator_and_point_multiple(&Scalar::ZERO.to_bytes(), &Scalar::ZERO.to_bytes(), &g)
                .is_identity()
        );
    }
}
