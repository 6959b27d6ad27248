//! # dwvd-regions
//!
//! Reads and writes three regions of the DWVD v2.0 block format without an allocator:
//! `#![no_std]`, no `alloc`, no `unsafe`, and no panic on any input.
//!
//! "SPEC §N" in these docs means section N of `docs/format.md` in the repository.
//!
//! * [`streaming`] — the **Streaming Append** region (`STRE`): a ring of blocks that starts
//!   at 0 % allocated, grows on demand and wraps around overwriting its oldest entries.
//! * [`worm`] — the **WORM Immutable** region (`WORM`): append-only blocks behind a
//!   high-water mark, each write logged with its SHA-256.
//! * [`vault`] — the **Compliance Vault** region (`CMVT`): compliance passports signed
//!   with ECDSA P-256 and verifiable with a public key.
//! * [`transparency`] — a verifiable WORM log: an RFC 6962 Merkle tree over the write
//!   log, inclusion and consistency proofs, and signed checkpoints kept as passports.
//!
//! Every region sits on the shared [`block`] layer: a [`BlockSize`] (512..=65536), block
//! type [`Tag`]s, and the 16-byte trailer (tag, generation, XXH64 of the payload) that
//! every block ends with. Times on disk are .NET [`Ticks`]; the crate has no clock, so
//! every time is a parameter.
//!
//! Each region has two faces, after smoltcp's `wire` modules, and the three share one
//! shape ([`region`]): a borrowed **view** ([`RegionView`]: `new_checked`) that checks a
//! region buffer and reads it in place (for inspectors that trust nothing), and an owned,
//! bounded **value** ([`Region`]: `parse`, `from_view`, `emit`) for firmware. Bring
//! [`Region`] into scope to call them. [`storage`] keeps a value on a block device, every
//! operation atomic under a power cut, through one generic [`storage::Stored`].
//!
//! ```
//! use dwvd_regions::{Region, BlockSize, streaming::StreamingRing};
//!
//! let size = BlockSize::new(4096)?;
//! let mut ring = StreamingRing::new(size, 1000, 16)?;
//! let appended = ring.append(b"sensor reading")?;
//! assert_eq!((appended.position, appended.physical_slot), (0, 0));
//! assert_eq!(ring.allocation_permille(), 16); // 16 of 1000 blocks
//!
//! let mut header_block = [0u8; 4096];
//! ring.emit(&mut header_block)?;
//! assert_eq!(StreamingRing::parse(&header_block, size)?, ring);
//! # Ok::<(), dwvd_regions::Error>(())
//! ```
//!
//! Errors are one [`Error`]: what went wrong ([`Reason`], whose [`kind`](Error::kind)
//! gives the stable category names of the format's test vectors: `checksum_mismatch`,
//! `wrong_tag`, `truncated`, …) and where ([`Location`]: block, field, byte offset, moved
//! to an image's block by [`Error::relocated`]); `Display` prints the location, then the
//! reason.
//!
//! ## Features
//!
//! * `error-details` (default) — where an [`Error`] is and with which values (its
//!   [`Reason`] and [`Location`]). Without it an error is its [`ErrorKind`] alone, one
//!   byte, so every `Result` of the crate fits in registers: firmware that reports errors
//!   by kind turns it off (`default-features = false`) and saves about 6 KiB of flash
//!   (the same checks fail with the same kinds; [`Reason::Unrecorded`] stands for the
//!   rest).
//! * `error-texts` (default; needs `error-details`) — the rules of `invalid_field` and
//!   `invalid_argument` errors in words ("it must be greater than 0"), about 1 KiB of
//!   flash.
//! * `std` — conversions between [`Ticks`] and `std::time::SystemTime`, and a float
//!   allocation percentage. Off by default; the core never needs it.
//! * `arbitrary` — `arbitrary::Arbitrary` for the owned types, built through their own
//!   operations (so always valid), for structure-aware fuzzing.
//! * `embedded-storage` — `storage::NorFlashDevice` over `embedded-storage`'s NOR flash.
//! * `ring` — `vault::RingVerifyingKey`, `ring`'s assembly P-256 for std tools.
//! * `serde` — `Serialize`/`Deserialize` on the headers, the value types and the region
//!   summaries (`streaming::StreamingSummary`, `worm::WormSummary`,
//!   `vault::VaultSummary`): the JSON the `dwvd` tool prints and reads. no_std, no alloc.
//! * `schemars` — the JSON Schema of those summaries, for std tools.
//!
//! Size-optimised firmware can also turn on `sha2`'s `force-soft-compact` feature in its
//! own `Cargo.toml` (Cargo unifies features, so this crate's hashing follows): SHA-256's
//! rounds become a loop, about 1.6 KiB less flash on a Cortex-M4 for a slower hash. It is
//! not a feature of this crate because `--all-features` on a host would then slow every
//! SHA-256 and turn off its hardware acceleration.
#![no_std]
#![forbid(unsafe_code)]
// docs.rs builds with `--cfg docsrs`: each item behind a feature shows which.
#![cfg_attr(docsrs, feature(doc_cfg))]
// A few docs link to items that exist only with a feature (`FileDevice` with `std`,
// `NorFlashDevice` with `embedded-storage`, `RingVerifyingKey` with `ring`). Those links
// resolve in the build that has every feature — docs.rs's, and CI's, which denies every
// rustdoc warning — and `cargo doc` with fewer features shows them as plain text instead
// of warning about them.
#![cfg_attr(
    not(all(feature = "std", feature = "embedded-storage", feature = "ring")),
    allow(rustdoc::broken_intra_doc_links)
)]
// The rest of the lints are the workspace's ([workspace.lints] in Cargo.toml). This one
// is the core's alone: it promises to build without std, which the CLI does not.
#![deny(clippy::std_instead_of_core)]
// Every fallible public function says how it fails, in a `# Errors` section.
#![deny(clippy::missing_errors_doc)]
// Unit tests (#[cfg(test)] modules) may unwrap, expect, index and panic (clippy.toml);
// beyond that they cast small known lengths to the on-disk widths.
#![cfg_attr(
    test,
    allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)
)]

#[cfg(feature = "std")]
extern crate std;
// schemars builds schemas on the heap; only std tools turn its feature on.
#[cfg(feature = "schemars")]
extern crate alloc;

/// An error's words — what a field or an argument must satisfy — kept with the default
/// `error-texts` feature and left out (as "") without it, so firmware that reports errors
/// by kind and location carries no sentences. Defined before the modules: they all use it.
macro_rules! text {
    ($words:literal) => {
        if cfg!(feature = "error-texts") {
            $words
        } else {
            ""
        }
    };
}

#[cfg(feature = "arbitrary")]
mod arbitrary;
pub mod block;
pub mod container;
mod division;
mod error;
pub mod layout;
pub mod region;
#[cfg(feature = "serde")]
mod serde_support;
mod sha256;
pub mod storage;
pub mod streaming;
mod ticks;
pub mod transparency;
pub mod vault;
pub mod worm;

pub use block::{BlockSize, Tag};
pub use error::{
    BlockOrigin, CombTablesFailure, ContentMismatchReason, Error, ErrorKind, Location, Reason,
    Result, SignatureFailure, Unit,
};
pub use region::{Region, RegionView};
pub use ticks::Ticks;

// The crates whose types appear in this crate's API, so users name the same versions:
// `p256` (signing and verifying keys), `uuid` (passport and object ids), `heapless` (the
// owned regions' bounded collections).
pub use heapless;
pub use p256;
pub use uuid;

// Compiles and runs the examples of the README and of the docs as doctests, so they
// cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
#[cfg(doctest)]
#[doc = include_str!("../docs/storage.md")]
struct StorageDocDoctests;
#[cfg(doctest)]
#[doc = include_str!("../docs/design.md")]
struct DesignDocDoctests;
