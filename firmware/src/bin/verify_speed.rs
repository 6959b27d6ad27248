//! Instructions per P-256 verify on the Cortex-M4 (issue 19): `p256`'s generic verify (as
//! published, and as the crate composes it) against the comb of a key known in advance
//! over tables of the generator's and the key's multiples, in its three forms:
//! `PrecomputedVerifyingKey` (the tables built once at start-up, in RAM),
//! `EncodedCombVerifyingKey` (the tables encoded at build time by build.rs, in flash, each
//! entry decoded when a verify uses it) and
//! `CompiledCombVerifyingKey` (the same bytes decoded into points while this binary is
//! compiled, in flash).
//!
//! Counting: run under QEMU with `-icount shift=0` (scripts/firmware does), so virtual
//! time advances 1 ns per instruction, and read the board's CMSDK APB timer 0 (25 MHz
//! in QEMU's mps2-an386: one tick per 40 instructions) around each operation. DWT's
//! CYCCNT is not emulated by QEMU. A calibration loop of a known instruction count checks
//! the conversion. Without `-icount` the numbers are host time, not instructions: the
//! binary still checks its results and prints them, marked by the calibration line.
//!
//! Kept out of the `regions` example: the t = 4 key is 2.3 KiB of RAM (or 1.9 KiB of
//! flash encoded), and `regions` has ≈ 0.8 KiB left of its 8 KiB RAM + stack budget.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, print, print_number};
use dwvd_regions::vault::{
    CompiledCombTables, CompiledCombVerifyingKey, CompiledVerifyingKey, DigestVerifier,
    EncodedCombVerifyingKey, PrecomputedVerifyingKey, SignaturePolicy, verify_digest,
};
use p256::EncodedPoint;
use p256::ecdsa::VerifyingKey;
use p256::elliptic_curve::sec1::FromEncodedPoint;
use sha2::{Digest, Sha256};

/// The primitives baseline's key and signature (made by OpenSSL). build.rs holds the same
/// key text (and checks this file does), to encode its comb tables.
const MESSAGE: &[u8] = b"dwvd-firmware primitives baseline";
const KEY: [u8; 65] = dwvd_firmware::hex(
    "040217e617f0b6443928278f96999e69a23a4f2c152bdf6d6cdf66e5b80282d4ed194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794",
);
const SIGNATURE: [u8; 64] = dwvd_firmware::hex(
    "68391978f32e812b81b2b7cd4dd7a6f16b49db9a9d177fa6c79c16a77864de2d8ae6339d5959d5d621849e05d690c3fdd39edc949d0c443cd03f244c62519c17",
);

/// `KEY`'s comb tables at t = 4 (16 entries), encoded by build.rs on the host: 1,920 bytes
/// of flash (.rodata), no RAM. The length is the type's: tables of another size fail the
/// build.
static TABLES_T4: [u8; EncodedCombVerifyingKey::<16>::TABLE_BYTES] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/comb_tables_t4.bin"));
/// At t = 5 (32 entries): 3,968 bytes of flash.
static TABLES_T5: [u8; EncodedCombVerifyingKey::<32>::TABLE_BYTES] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/comb_tables_t5.bin"));

/// The key alone, decoded by the compiler (`from_sec1_uncompressed` is a `const fn`): 64
/// bytes of flash, no tables.
static COMPILED_KEY: CompiledVerifyingKey = match CompiledVerifyingKey::from_sec1_uncompressed(&KEY)
{
    Ok(key) => key,
    Err(_) => panic!("the key is not a P-256 point"),
};
/// The t = 4 tables decoded into points by the compiler (`from_encoded` is a `const fn`,
/// evaluated for this `static`; tables that do not decode fail the build): 2,048 bytes
/// of flash, no RAM, nothing decoded at run time.
static COMPILED_T4: CompiledCombTables<16> = match CompiledCombTables::from_encoded(&TABLES_T4) {
    Ok(tables) => tables,
    Err(_) => panic!("the t = 4 comb tables do not decode"),
};
/// At t = 5: 4,096 bytes of flash.
static COMPILED_T5: CompiledCombTables<32> = match CompiledCombTables::from_encoded(&TABLES_T5) {
    Ok(tables) => tables,
    Err(_) => panic!("the t = 5 comb tables do not decode"),
};

/// CMSDK APB timer 0 of the mps2-an386 board: CTRL, VALUE (counts down), RELOAD.
const TIMER0_CTRL: usize = 0x4000_0000;
const TIMER0_VALUE: usize = 0x4000_0004;
const TIMER0_RELOAD: usize = 0x4000_0008;
/// Instructions per timer tick under `-icount shift=0`: 1 ns per instruction, 25 MHz.
const INSTRUCTIONS_PER_TICK: u32 = 40;
/// The calibration loop's iterations (4 instructions each in this build: see
/// `calibration_loop`).
const CALIBRATION_ITERATIONS: u32 = 1_000_000;

// unsafe_code: memory-mapped timer registers, written and read in place.
#[allow(unsafe_code)]
fn timer_start() {
    // SAFETY: the addresses are the CMSDK timer 0's registers on this board (QEMU
    // mps2-an386); nothing else uses the timer, and volatile accesses keep them in order.
    unsafe {
        core::ptr::write_volatile(TIMER0_CTRL as *mut u32, 0);
        core::ptr::write_volatile(TIMER0_RELOAD as *mut u32, u32::MAX);
        core::ptr::write_volatile(TIMER0_VALUE as *mut u32, u32::MAX);
        core::ptr::write_volatile(TIMER0_CTRL as *mut u32, 1);
    }
}

// unsafe_code: as `timer_start`.
#[allow(unsafe_code)]
fn timer_now() -> u32 {
    // SAFETY: as in `timer_start`: the timer's VALUE register, read.
    unsafe { core::ptr::read_volatile(TIMER0_VALUE as *const u32) }
}

/// Instructions `work` took (timer ticks × 40), and its result.
fn instructions<T>(work: impl FnOnce() -> T) -> (u32, T) {
    let start = timer_now();
    let result = work();
    let end = timer_now();
    (
        start
            .wrapping_sub(end)
            .saturating_mul(INSTRUCTIONS_PER_TICK),
        result,
    )
}

/// A loop of a known instruction count: 4 per iteration as compiled here (`cbz`, `nop`,
/// `adds`, `b.n`: `arm-none-eabi-objdump -d`), so 4,000,000 for a million iterations.
#[inline(never)]
fn calibration_loop(iterations: u32) {
    let mut left = iterations;
    while left != 0 {
        cortex_m::asm::nop();
        left = left.saturating_sub(1);
    }
}

/// `a / b` in hundredths (0 if `b` is 0).
fn ratio_x100(a: u32, b: u32) -> usize {
    let hundredths = u64::from(a).saturating_mul(100).checked_div(u64::from(b));
    usize::try_from(hundredths.unwrap_or(0)).unwrap_or(usize::MAX)
}

fn report(name: &str, count: u32) {
    print("  ");
    print(name);
    print(": ");
    print_number(count as usize);
    print(" instructions\n");
}

/// `  t=TEETH tables: BYTES bytes of PLACE; ratio generic / LABEL x100: RATIO`.
fn report_tables(teeth: &str, bytes: usize, place: &str, label: &str, ratio: usize) {
    print("  t=");
    print(teeth);
    print(" tables: ");
    print_number(bytes);
    print(" bytes of ");
    print(place);
    print("; ratio generic / ");
    print(label);
    print(" x100: ");
    print_number(ratio);
    print("\n");
}

#[entry]
fn main() -> ! {
    print("P-256 verify on the Cortex-M4 (QEMU mps2-an386, -icount shift=0)\n");
    timer_start();
    let (calibration, ()) = instructions(|| calibration_loop(CALIBRATION_ITERATIONS));
    report("calibration loop (4 x 1,000,000 expected)", calibration);

    let digest: [u8; 32] = Sha256::digest(MESSAGE).into();
    let mut tampered = SIGNATURE;
    if let Some(byte) = tampered.get_mut(10) {
        *byte ^= 1;
    }
    let Ok(key) = VerifyingKey::from_sec1_bytes(&KEY) else {
        check("the key loads", false);
        finish()
    };
    let policy = SignaturePolicy::default();

    // The baseline: `p256`'s verify as published (the `ecdsa` crate's `verify_prehashed`,
    // its products mod n by `p256`'s Barrett reduction).
    let (generic, published_ok) = instructions(|| {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        p256::ecdsa::Signature::from_slice(&SIGNATURE).is_ok_and(|parsed| {
            key.verify_prehash(core::hint::black_box(&digest), &parsed)
                .is_ok()
        })
    });
    report(
        "generic p256 verify (the ecdsa crate's verify_prehash)",
        generic,
    );
    // The crate's generic verify: the same equation and point arithmetic, its two
    // products mod n by Montgomery multiplication on 32-bit targets (2.5 KiB less flash).
    let (crate_generic, generic_ok) =
        instructions(|| verify_digest(core::hint::black_box(&digest), &SIGNATURE, &key, policy));
    report(
        "generic verify, the crate's (vault::verify_digest)",
        crate_generic,
    );
    // The same verify over the key the compiler decoded: no conversion of a `p256` key.
    let (compiled_generic, compiled_generic_ok) = instructions(|| {
        COMPILED_KEY.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy)
    });
    report(
        "generic verify over a CompiledVerifyingKey (the key decoded at build time)",
        compiled_generic,
    );

    let (build, comb) = instructions(|| PrecomputedVerifyingKey::<16>::new(&key));
    report("build the t=4 tables (once, at start-up)", build);
    let (fast, fast_ok) =
        instructions(|| comb.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy));
    report("precomputed verify, t=4 (tables in RAM)", fast);
    report_tables(
        "4",
        PrecomputedVerifyingKey::<16>::TABLE_BYTES,
        "RAM",
        "precomputed",
        ratio_x100(generic, fast),
    );

    let (build5, comb5) = instructions(|| PrecomputedVerifyingKey::<32>::new(&key));
    report("build the t=5 tables", build5);
    let (fast5, fast5_ok) =
        instructions(|| comb5.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy));
    report("precomputed verify, t=5 (tables in RAM)", fast5);
    report_tables(
        "5",
        PrecomputedVerifyingKey::<32>::TABLE_BYTES,
        "RAM",
        "precomputed",
        ratio_x100(generic, fast5),
    );

    // The tables in flash: checked once (every entry decoded, entry 1 the base), then
    // each entry a verify uses decoded again.
    let (check4, flash) = instructions(|| EncodedCombVerifyingKey::<16>::new(&key, &TABLES_T4));
    report("check the t=4 flash tables (once, at start-up)", check4);
    let Ok(flash) = flash else {
        check("the t=4 flash tables are the key's", false);
        finish()
    };
    let (flash4, flash4_ok) =
        instructions(|| flash.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy));
    report("precomputed verify, t=4 (tables in flash)", flash4);
    report_tables(
        "4",
        EncodedCombVerifyingKey::<16>::TABLE_BYTES,
        "flash",
        "flash",
        ratio_x100(generic, flash4),
    );

    let (check5, flash5) = instructions(|| EncodedCombVerifyingKey::<32>::new(&key, &TABLES_T5));
    report("check the t=5 flash tables", check5);
    let Ok(flash5) = flash5 else {
        check("the t=5 flash tables are the key's", false);
        finish()
    };
    let (flash5_count, flash5_ok) =
        instructions(|| flash5.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy));
    report("precomputed verify, t=5 (tables in flash)", flash5_count);
    report_tables(
        "5",
        EncodedCombVerifyingKey::<32>::TABLE_BYTES,
        "flash",
        "flash",
        ratio_x100(generic, flash5_count),
    );

    // The tables decoded by the compiler: the key's base checked once, then a verify
    // reads the points from flash as it would from RAM.
    let (check_compiled, compiled) =
        instructions(|| CompiledCombVerifyingKey::new(&key, &COMPILED_T4));
    report(
        "check the compiled t=4 tables (once, at start-up: the key's base)",
        check_compiled,
    );
    let Ok(compiled) = compiled else {
        check("the compiled t=4 tables are the key's", false);
        finish()
    };
    let (compiled4, compiled4_ok) =
        instructions(|| compiled.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy));
    report(
        "precomputed verify, t=4 (compiled tables in flash)",
        compiled4,
    );
    report_tables(
        "4",
        core::mem::size_of::<CompiledCombTables<16>>(),
        "flash",
        "compiled",
        ratio_x100(generic, compiled4),
    );
    let Ok(compiled5) = CompiledCombVerifyingKey::new(&key, &COMPILED_T5) else {
        check("the compiled t=5 tables are the key's", false);
        finish()
    };
    let (compiled5_count, compiled5_ok) = instructions(|| {
        compiled5.verify_digest(core::hint::black_box(&digest), &SIGNATURE, policy)
    });
    report(
        "precomputed verify, t=5 (compiled tables in flash)",
        compiled5_count,
    );
    report_tables(
        "5",
        core::mem::size_of::<CompiledCombTables<32>>(),
        "flash",
        "compiled",
        ratio_x100(generic, compiled5_count),
    );

    // What the flash tables add per entry a verify uses: decoding one uncompressed point
    // (a verify at t = 4 uses up to 128 table entries).
    let encoded = key.to_encoded_point(false);
    let (decode, decoded) = instructions(|| {
        let point = EncodedPoint::from_bytes(core::hint::black_box(encoded.as_bytes()));
        point.map(|point| bool::from(p256::AffinePoint::from_encoded_point(&point).is_some()))
    });
    report(
        "decode one uncompressed point (the flash tables' cost per entry used)",
        decode,
    );

    check(
        "generic verify accepts the OpenSSL signature",
        generic_ok.is_ok() && compiled_generic_ok.is_ok() && published_ok,
    );
    check("precomputed t=4 verify accepts it", fast_ok.is_ok());
    check("precomputed t=5 verify accepts it", fast5_ok.is_ok());
    check("flash t=4 verify accepts it", flash4_ok.is_ok());
    check("flash t=5 verify accepts it", flash5_ok.is_ok());
    check("compiled t=4 verify accepts it", compiled4_ok.is_ok());
    check("compiled t=5 verify accepts it", compiled5_ok.is_ok());
    check(
        "the compiled tables refuse a changed signature as generic does",
        verify_digest(&digest, &tampered, &key, policy)
            == compiled.verify_digest(&digest, &tampered, policy)
            && verify_digest(&digest, &tampered, &key, policy)
                == compiled5.verify_digest(&digest, &tampered, policy),
    );
    check(
        "both refuse a changed signature alike",
        verify_digest(&digest, &tampered, &key, policy)
            == comb.verify_digest(&digest, &tampered, policy)
            && comb.verify_digest(&digest, &tampered, policy).is_err(),
    );
    check(
        "the flash tables refuse a changed signature as generic does",
        verify_digest(&digest, &tampered, &key, policy)
            == flash.verify_digest(&digest, &tampered, policy)
            && verify_digest(&digest, &tampered, &key, policy)
                == flash5.verify_digest(&digest, &tampered, policy),
    );
    check("the point decodes", decoded == Ok(true));
    check(
        "the timer counts instructions (-icount shift=0: calibration within 4,000,000 +- 1 %)",
        (3_960_000..=4_040_000).contains(&calibration),
    );
    check(
        "the precomputed verify takes >= 1.5x fewer instructions than generic",
        generic.saturating_mul(2) >= fast.saturating_mul(3),
    );
    check(
        "the flash t=4 verify takes >= 1.5x fewer instructions than generic",
        generic.saturating_mul(2) >= flash4.saturating_mul(3),
    );
    check(
        "the compiled t=4 verify takes >= 1.5x fewer instructions than generic",
        generic.saturating_mul(2) >= compiled4.saturating_mul(3),
    );
    finish()
}
