//! 64-bit division without the soft divide on 32-bit targets.

/// `(n / d, n % d)`, or `None` when `d` is 0.
///
/// On 64-bit targets this is the CPU's divide. On 32-bit targets (Cortex-M) a `u64`
/// division would call compiler-builtins' soft divide, about half a KiB of flash; block
/// counts and ring positions are small in practice, so values that fit in 32 bits take the
/// native 32-bit divide, and larger ones a shift-and-subtract loop (64 steps, a few dozen
/// bytes of code).
#[must_use]
pub(crate) const fn div_rem_u64(n: u64, d: u64) -> Option<(u64, u64)> {
    if d == 0 {
        return None;
    }
    if n < d {
        return Some((0, n));
    }
    #[cfg(target_pointer_width = "64")]
    {
        // d != 0, so neither can fail; a ring append calls this on every entry, where
        // the loop below would cost ~20x the divide (measured in benches/ratios.rs).
        match (n.checked_div(d), n.checked_rem(d)) {
            (Some(quotient), Some(remainder)) => Some((quotient, remainder)),
            _ => None,
        }
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        if n <= u32::MAX as u64 && d <= u32::MAX as u64 {
            #[allow(clippy::cast_possible_truncation)] // both checked to fit just above
            let (n32, d32) = (n as u32, d as u32);
            return match (n32.checked_div(d32), n32.checked_rem(d32)) {
                (Some(quotient), Some(remainder)) => Some((quotient as u64, remainder as u64)),
                _ => None,
            };
        }
        shift_subtract_div_rem(n, d)
    }
}

/// `n % d`, or `None` when `d` is 0 ([`div_rem_u64`]).
#[must_use]
pub(crate) const fn rem_u64(n: u64, d: u64) -> Option<u64> {
    match div_rem_u64(n, d) {
        Some((_, remainder)) => Some(remainder),
        None => None,
    }
}

/// `(n / d, n % d)` for `d != 0` by binary long division: no divide instruction, so no
/// soft divide on 32-bit targets.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on every target
const fn shift_subtract_div_rem(n: u64, d: u64) -> Option<(u64, u64)> {
    if d == 0 {
        return None;
    }
    let mut quotient = 0u64;
    let mut remainder = 0u64;
    let mut rest = n;
    let mut steps = 0u32;
    while steps < 64 {
        steps = steps.wrapping_add(1);
        // The remainder stays below d; shifted, it may pass 2⁶⁴ only when d > 2⁶³, and
        // then it is at least d: subtracting d wraps back to the true remainder.
        let carry = remainder >> 63;
        remainder = (remainder << 1) | (rest >> 63);
        rest <<= 1;
        quotient <<= 1;
        if carry != 0 || remainder >= d {
            remainder = remainder.wrapping_sub(d);
            quotient |= 1;
        }
    }
    Some((quotient, remainder))
}

#[cfg(test)]
mod tests {
    use super::{div_rem_u64, shift_subtract_div_rem};

    #[test]
    fn matches_the_native_division() {
        let values = [
            0u64,
            1,
            2,
            3,
            7,
            9,
            52,
            1_000,
            u64::from(u32::MAX) - 1,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            (1 << 40) + 12_345,
            i64::MAX as u64,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &n in &values {
            assert_eq!(div_rem_u64(n, 0), None);
            assert_eq!(shift_subtract_div_rem(n, 0), None);
            for &d in values.iter().filter(|&&d| d != 0) {
                assert_eq!(div_rem_u64(n, d), Some((n / d, n % d)), "{n} / {d}");
                // The 32-bit targets' loop, checked on the host too.
                assert_eq!(
                    shift_subtract_div_rem(n, d),
                    Some((n / d, n % d)),
                    "{n} / {d}"
                );
            }
        }
    }
}
