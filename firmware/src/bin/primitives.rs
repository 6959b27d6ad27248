//! The baseline for the footprint report: only the primitives the crate wraps — XXH64
//! over a block, SHA-256 of a payload, and one ECDSA P-256 verify (raw r‖s; key and
//! signature made by OpenSSL) — in the same build profile as `regions`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, hex};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

const MESSAGE: &[u8] = b"dwvd-firmware primitives baseline";
const KEY: [u8; 65] = hex(
    "040217e617f0b6443928278f96999e69a23a4f2c152bdf6d6cdf66e5b80282d4ed194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794",
);
const SIGNATURE: [u8; 64] = hex(
    "68391978f32e812b81b2b7cd4dd7a6f16b49db9a9d177fa6c79c16a77864de2d8ae6339d5959d5d621849e05d690c3fdd39edc949d0c443cd03f244c62519c17",
);

#[entry]
fn main() -> ! {
    let block = [0xA5u8; 512];
    let checksum = xxhash_rust::xxh64::xxh64(core::hint::black_box(&block[..496]), 0);
    check("XXH64 of a block payload is computed", checksum != 0);
    let digest: [u8; 32] = Sha256::digest(core::hint::black_box(MESSAGE)).into();
    check(
        "SHA-256 of the message is computed",
        digest[0] != digest[1] || digest[2] != 0,
    );
    let verified = match (
        VerifyingKey::from_sec1_bytes(&KEY),
        Signature::from_slice(&SIGNATURE),
    ) {
        (Ok(key), Ok(signature)) => key
            .verify(core::hint::black_box(MESSAGE), &signature)
            .is_ok(),
        _ => false,
    };
    check("one ECDSA P-256 verify (OpenSSL signature)", verified);
    finish()
}
