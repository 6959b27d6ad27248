//! The crate's P-256 verification on a 32-bit target agrees with the `ecdsa` crate's.
//!
//! On 32-bit targets the crate computes a verify's products mod n (`u1 = z·s⁻¹`,
//! `u2 = r·s⁻¹`) as Montgomery multiplications with `crypto-bigint`'s loops, where 64-bit
//! hosts, which run the test suite, use `p256`'s own product: this binary runs that
//! 32-bit code against the reference. Keys, digests and signatures are made here, from a
//! fixed seed: for each key a genuine signature, its high-S twin, the signature with one
//! bit changed and the signature over a changed digest. Each is verified by the `ecdsa`
//! crate (`p256`'s `VerifyingKey::verify_prehash`, the reference), by the crate's generic
//! verify (`vault::verify_digest`), by the same verify over the key decoded by the crate
//! (`CompiledVerifyingKey`, whose `const fn` runs here at run time) and by its comb
//! (`PrecomputedVerifyingKey`, t = 4), under both signature policies; every answer must be the reference's (for the low-S
//! policy: the reference's, and `s` at most n/2). Not timed; `scripts/firmware` runs it.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, print, print_number};
use dwvd_regions::vault::{
    CompiledVerifyingKey, DigestVerifier, PrecomputedVerifyingKey, SignaturePolicy, verify_digest,
};
use p256::Scalar;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

/// Keys tried (each with four signatures, two policies, four verifiers).
const KEYS: usize = 12;

/// n / 2 for P-256, big-endian: an `s` above it is high.
const HALF_ORDER: [u8; 32] =
    dwvd_firmware::hex("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");

/// xorshift64*: a fixed sequence of test inputs, not randomness for keys in use.
struct Inputs(u64);

impl Inputs {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        out
    }
}

/// The answers of the four verifiers for one signature under one policy, and the
/// reference's: (reference, [generic, compiled key, comb]).
fn answers(
    key: &VerifyingKey,
    compiled: &CompiledVerifyingKey,
    comb: &PrecomputedVerifyingKey<16>,
    digest: &[u8; 32],
    signature: &[u8; 64],
    policy: SignaturePolicy,
) -> (bool, [bool; 3]) {
    let high = signature.get(32..).is_some_and(|s| s > &HALF_ORDER[..]);
    let reference = Signature::from_slice(signature)
        .is_ok_and(|parsed| key.verify_prehash(digest, &parsed).is_ok())
        && !(high && policy == SignaturePolicy::LowSOnly);
    let generic = verify_digest(digest, signature, key, policy).is_ok();
    let by_compiled = compiled.verify_digest(digest, signature, policy).is_ok();
    let by_comb = comb.verify_digest(digest, signature, policy).is_ok();
    (reference, [generic, by_compiled, by_comb])
}

#[entry]
fn main() -> ! {
    print("the crate's P-256 verify against the ecdsa crate's, on the Cortex-M4\n");
    let mut inputs = Inputs(0x6477_7664_2d72_6567); // "dwvd-reg"
    let (mut compared, mut disagreements, mut accepted, mut keys) =
        (0usize, 0usize, 0usize, 0usize);
    while keys < KEYS {
        let Ok(signing) = SigningKey::from_slice(&inputs.bytes32()) else {
            continue;
        };
        keys = keys.saturating_add(1);
        let key = *signing.verifying_key();
        let comb = PrecomputedVerifyingKey::<16>::new(&key);
        let compiled = <[u8; 65]>::try_from(key.to_encoded_point(false).as_bytes())
            .ok()
            .and_then(|bytes| CompiledVerifyingKey::from_sec1_uncompressed(&bytes).ok());
        let Some(compiled) = compiled else {
            check("the crate decodes the key's SEC1 bytes", false);
            continue;
        };
        let digest = inputs.bytes32();
        let Ok(signature) = PrehashSigner::<Signature>::sign_prehash(&signing, &digest) else {
            check("the key signs", false);
            continue;
        };
        let (r, s) = signature.split_scalars();
        let Ok(twin) = Signature::from_scalars(r.to_bytes(), Scalar::ZERO.sub(&s).to_bytes())
        else {
            check("the high-S twin is a signature", false);
            continue;
        };
        let genuine: [u8; 64] = signature.to_bytes().into();
        let high_s: [u8; 64] = twin.to_bytes().into();
        let place = inputs.next_u64();
        let mut changed = genuine;
        let bit = 1u8 << (place % 8);
        if let Some(byte) = changed.get_mut(usize::try_from((place >> 8) % 64).unwrap_or(0)) {
            *byte ^= bit;
        }
        let mut other_digest = digest;
        if let Some(byte) = other_digest.get_mut(usize::try_from((place >> 16) % 32).unwrap_or(0)) {
            *byte ^= bit;
        }
        for (digest, signature) in [
            (&digest, &genuine),
            (&digest, &high_s),
            (&digest, &changed),
            (&other_digest, &genuine),
        ] {
            for policy in [SignaturePolicy::AcceptHighS, SignaturePolicy::LowSOnly] {
                let (reference, crate_answers) =
                    answers(&key, &compiled, &comb, digest, signature, policy);
                compared = compared.saturating_add(1);
                if reference {
                    accepted = accepted.saturating_add(1);
                }
                if crate_answers.iter().any(|answer| *answer != reference) {
                    disagreements = disagreements.saturating_add(1);
                }
            }
        }
    }
    print("  compared: ");
    print_number(compared);
    print(", accepted by the ecdsa crate: ");
    print_number(accepted);
    print(", disagreements: ");
    print_number(disagreements);
    print("\n");
    check(
        "generic, compiled-key and comb verify answer as the ecdsa crate does, every signature and policy",
        disagreements == 0 && compared == KEYS.saturating_mul(8),
    );
    // The genuine signature and its twin: one has a low s, the other a high one. Both
    // pass the lenient policy, the low one the strict policy too: 3 of the 8 per key.
    check(
        "the ecdsa crate accepts the genuine signatures and the high-S twins",
        accepted == KEYS.saturating_mul(3),
    );
    finish()
}
