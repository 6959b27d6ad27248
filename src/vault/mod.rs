//! Compliance Vault region (tag `CMVT`, SPEC §4): compliance passports — the assessment
//! of a data object against a framework (GDPR, HIPAA, SOX, PCI-DSS, SOC2, ISO27001, CCPA,
//! FISMA, FedRAMP) — signed with ECDSA P-256 and verifiable with a public key the region
//! never stores.
//!
//! Block 0 starts with a 16-byte [`VaultHeader`] (the passport count); passports follow
//! and continue at offset 0 of later blocks, never split: one that does not fit in the
//! rest of a block starts the next, and the rest is zero. A reader treats fewer than 132
//! remaining bytes, or a nil passport id, as padding — so the nil id is reserved.
//!
//! Two faces, as in smoltcp's `wire` modules (see [`crate::region`]):
//! * [`VaultView`] — a checked, borrowed view whose [`PassportView`]s read in place, with
//!   no bound on their number, for inspectors;
//! * [`Vault`] — the owned vault of at most `CAPACITY` [`Passport`]s (`heapless`), for
//!   firmware: add, remove, queries, emit and parse.
//!
//! # Signatures
//!
//! A passport's signature is ECDSA P-256 over SHA-256 of the passport's serialized bytes
//! without their final 64 (the signature itself), stored as raw `r‖s`. Signing is
//! deterministic (RFC 6979: no RNG on firmware) and always produces low-S. Verification
//! takes a caller's [`p256::ecdsa::VerifyingKey`] (or SEC1 bytes, compressed or not, via
//! [`verifying_key_from_sec1`]) and follows a [`SignaturePolicy`]: by default any valid
//! signature is accepted, high-S included, as the SPEC requires (other signers, such as
//! .NET and OpenSSL, do not normalise `s`); `r` or `s` equal to 0 or ≥ n is always
//! rejected; [`SignaturePolicy::LowSOnly`] refuses high-S too.
//!
//! Verification backends are [`SignatureVerifier`]s: `p256`'s `VerifyingKey` (pure Rust,
//! `no_std`, the default) and, with the `ring` feature, `RingVerifyingKey` (`ring`'s
//! assembly P-256, about 5x faster on x86-64, for std tools verifying whole vaults), and
//! [`PrecomputedVerifyingKey`] (a key known in advance, with precomputed tables of its and
//! the generator's multiples: 5x fewer instructions than `p256`'s generic verify on a
//! Cortex-M4, faster than `ring` on x86-64 at 256 entries, no_std), [`CompiledCombVerifyingKey`] (the same tables generated
//! at build time and decoded into points while the firmware is compiled: in flash, as
//! fast as in RAM) and [`EncodedCombVerifyingKey`] (the same tables as bytes, decoded
//! entry by entry at each verify: for tables kept apart from the code, which must then
//! be protected as the code is, by the image's signature or a digest in it), and
//! [`CompiledVerifyingKey`] (a key known at build time, decoded and checked while the
//! firmware is compiled: no tables, verified as `p256`'s key is).
//! All give the same answer for every signature.

mod compiled_comb;
mod compiled_key;
mod encoded_comb;
mod field;
mod jacobian;
mod layout;
mod owned;
mod passport;
mod precomputed;
#[cfg(feature = "ring")]
mod ring_backend;
mod scalar;
mod signature;
#[cfg(feature = "serde")]
mod summary;
mod view;
mod words;

pub use compiled_comb::{CompiledCombTables, CompiledCombVerifyingKey};
pub use compiled_key::CompiledVerifyingKey;
pub use encoded_comb::EncodedCombVerifyingKey;
pub use layout::{
    ComplianceStatus, Framework, MAX_ISSUER_LEN, MAX_NOTES_LEN, MAX_PASSPORT_LEN,
    MAX_SIGNED_PAYLOAD_LEN, MIN_PASSPORT_LEN, PassportHead, SIGNATURE_LEN, VAULT_HEADER_LEN,
    VaultHeader,
};
pub use owned::{Vault, blocks_needed, emit_parts};
pub use passport::Passport;
pub use precomputed::PrecomputedVerifyingKey;
#[cfg(feature = "ring")]
pub use ring_backend::RingVerifyingKey;
pub use signature::{
    DigestVerifier, SignaturePolicy, SignatureVerifier, sign_digest, sign_digest_with,
    verify_digest, verify_message, verifying_key_from_sec1,
};
#[cfg(feature = "serde")]
pub use summary::VaultSummary;
pub use view::{PassportView, Passports, VaultView};
