//! The golden images of tests/data/golden — made by an independent implementation of the
//! SPEC — checked on a Cortex-M4 (QEMU mps2-an386): each parses to the expected values,
//! emits back byte for byte, and the vault's ECDSA P-256 signatures verify with its
//! public key. (The footprint example is `regions`; this one carries 3 KiB of images.)
//!
//! RAM: each region is checked in its own `#[inline(never)]` function with a scratch
//! buffer exactly as long as its image, so the frames never coexist; the owned
//! `Vault<3>` (≈ 1.6 KiB) is gone before the signatures are verified, through the
//! borrowed `VaultView` over the same golden bytes (which the owned vault has just
//! emitted byte for byte), so the P-256 verify runs on top of a small frame.
//!
//! Every check prints PASS/FAIL over semihosting; the exit status is 0 only if all pass.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, print, print_stack_so_far};
use dwvd_regions::BlockSize;
use dwvd_regions::Region;
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{Vault, VaultView};
use dwvd_regions::worm::WormRegion;
use p256::ecdsa::VerifyingKey;

const SIZE: BlockSize = BlockSize::MIN;

static GOLDEN_STRE: &[u8; 512] =
    include_bytes!("../../../tests/data/golden/stre_bs512_max40_w137.bin");
static GOLDEN_WORM: &[u8; 1024] = include_bytes!("../../../tests/data/golden/worm_bs512_n9.bin");
static GOLDEN_CMVT: &[u8; 1536] = include_bytes!("../../../tests/data/golden/cmvt_bs512_three.bin");
/// cmvt_bs512_three.json's public_key_sec1.
const GOLDEN_KEY: [u8; 65] = dwvd_firmware::hex(
    "041e333a547789b9fe7b8e5d23814d118376ce808a2932d87d84834094378be18e32ce169c23c624a9bde4e4462768373ef0cf6fb7b4ad525c61dc5888ddf8db14",
);

#[entry]
fn main() -> ! {
    print("dwvd-regions golden images on a Cortex-M4 (QEMU mps2-an386)\n");
    golden_stre();
    print_stack_so_far("STRE");
    golden_worm();
    print_stack_so_far("WORM");
    golden_cmvt();
    print_stack_so_far("CMVT parse + emit");
    golden_cmvt_signatures();
    print_stack_so_far("CMVT verify");
    finish()
}

#[inline(never)]
fn golden_stre() {
    let ring = StreamingRing::parse(GOLDEN_STRE, SIZE);
    check(
        "golden STRE parses: write_head 137, read_tail 97, 40 of 40 allocated",
        ring.as_ref().is_ok_and(|ring| {
            ring.write_head() == 137
                && ring.read_tail() == 97
                && ring.allocated_blocks() == 40
                && ring.generation() == 2_179_419_893
        }),
    );
    let mut scratch = [0u8; GOLDEN_STRE.len()];
    check(
        "golden STRE emits back byte for byte",
        ring.is_ok_and(|ring| {
            ring.emit(&mut scratch)
                .is_ok_and(|n| n == scratch.len() && scratch == *GOLDEN_STRE)
        }),
    );
}

#[inline(never)]
fn golden_worm() {
    let worm = WormRegion::<16>::parse(GOLDEN_WORM, SIZE);
    check(
        "golden WORM parses: mark 9, 9 logged writes",
        worm.as_ref().is_ok_and(|worm| {
            worm.high_water_mark() == 9
                && worm.log().len() == 9
                && worm.generation() == 1_743_532_650
        }),
    );
    let mut scratch = [0u8; GOLDEN_WORM.len()];
    check(
        "golden WORM emits back byte for byte",
        worm.is_ok_and(|worm| {
            worm.emit(&mut scratch)
                .is_ok_and(|n| n == scratch.len() && scratch == *GOLDEN_WORM)
        }),
    );
}

/// The owned vault: parse and emit (its signatures are checked by
/// [`golden_cmvt_signatures`], after this frame is gone).
#[inline(never)]
fn golden_cmvt() {
    let vault = Vault::<3>::parse(GOLDEN_CMVT, SIZE);
    check(
        "golden CMVT parses: 3 passports",
        vault
            .as_ref()
            .is_ok_and(|vault| vault.count() == 3 && vault.generation() == 1_148_674_804),
    );
    let mut scratch = [0u8; GOLDEN_CMVT.len()];
    check(
        "golden CMVT emits back byte for byte",
        vault.is_ok_and(|vault| {
            vault
                .emit(&mut scratch)
                .is_ok_and(|n| n == scratch.len() && scratch == *GOLDEN_CMVT)
        }),
    );
}

/// The golden vault's three signatures, verified in place through the borrowed view
/// (the bytes the owned vault emitted back exactly).
#[inline(never)]
fn golden_cmvt_signatures() {
    let verified = match (
        VaultView::new_checked(GOLDEN_CMVT, SIZE),
        VerifyingKey::from_sec1_bytes(&GOLDEN_KEY),
    ) {
        (Ok(view), Ok(key)) => {
            view.passports().len() == 3
                && view
                    .passports()
                    .filter(|passport| passport.verify(&key).is_ok())
                    .count()
                    == 3
        }
        _ => false,
    };
    check("golden CMVT signatures verify (ECDSA P-256)", verified);
}
