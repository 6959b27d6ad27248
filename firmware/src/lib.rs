//! Support shared by the firmware binaries: checks printed over semihosting, the exit
//! status QEMU passes to the shell, panic and HardFault handlers, and peak-stack
//! measurement.
//!
//! The binaries are `regions` (all three regions on a RAM block device), `golden` (the
//! golden images parsed, emitted and verified) and `primitives` (only XXH64, SHA-256 and
//! one P-256 verify: the baseline the footprint is compared to).
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_semihosting::{debug, hio};

static FAILURES: AtomicU32 = AtomicU32::new(0);

/// The interrupt vectors of the board: QEMU's mps2-an386 gives its NVIC 32 external
/// interrupts (as the AN386 FPGA image has), all left to `DefaultHandler` since the
/// firmware enables none. cortex-m-rt without its "device" feature would put 240 there
/// (for any Cortex-M), 832 bytes more of flash; a board's device crate (PAC) provides this
/// table in a real product.
// unsafe_code (denied in the workspace): the linker must find the table by this name in
// this section; nothing calls through it but the hardware.
#[allow(unsafe_code)]
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
#[used]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] =
    [DefaultHandler as unsafe extern "C" fn(); 32];

// unsafe_code: the handler is a symbol of cortex-m-rt's linker script, only named here.
#[allow(unsafe_code)]
unsafe extern "C" {
    /// cortex-m-rt's default exception and interrupt handler (link.x provides it).
    fn DefaultHandler();
}

/// Writes `text` to the host's stdout (semihosting). Plain bytes, no `core::fmt`: the
/// formatting machinery would dominate the baseline's flash.
pub fn print(text: &str) {
    print_bytes(text.as_bytes());
}

fn print_bytes(bytes: &[u8]) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(bytes);
    }
}

/// Writes `number` in decimal (ASCII digits written as bytes: going through `&str` would
/// inline a UTF-8 check of ≈ 360 bytes).
pub fn print_number(mut number: usize) {
    let mut digits = [0u8; 20]; // any u64
    let mut start = digits.len();
    for (index, digit) in digits.iter_mut().enumerate().rev() {
        *digit = b'0'.saturating_add(u8::try_from(number % 10).unwrap_or(0));
        start = index;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    print_bytes(digits.get(start..).unwrap_or_default());
}

/// Prints `PASS name` or `FAIL name` and counts failures.
pub fn check(name: &str, ok: bool) {
    if !ok {
        FAILURES.fetch_add(1, Ordering::Relaxed);
    }
    print(if ok { "PASS " } else { "FAIL " });
    print(name);
    print("\n");
}

/// Prints the peak stack reached so far, after `phase` (the peak only grows, so the
/// phase that raised it shows).
pub fn print_stack_so_far(phase: &str) {
    print("  stack after ");
    print(phase);
    print(": ");
    print_number(peak_stack_bytes());
    print(" bytes\n");
}

/// Prints the peak stack and exits QEMU: status 0 when every check passed, 1 otherwise.
pub fn finish() -> ! {
    print("peak stack: ");
    print_number(peak_stack_bytes());
    print(" bytes\n");
    let failures = FAILURES.load(Ordering::Relaxed);
    if failures == 0 {
        print("all checks passed\n");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        print_number(failures as usize);
        print(" checks failed\n");
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints `PANIC` and exits with a failure. It reads nothing of the `PanicInfo`: not the
/// message (formatting it would keep `core::fmt` in flash) and not the location either,
/// so the file names and `Location`s of the panic sites left in the linked crates
/// (`expect`s and asserts in the P-256 stack, slice copies' length checks) are not kept:
/// 1.3 KiB of flash in the panic=abort build. A debugger's backtrace says where.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    print("PANIC\n");
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// A fault exits with a failure instead of looping until the runner's timeout. It is also
/// where a panic lands in the `panic = "immediate-abort"` build (scripts/firmware's
/// second build): there a panic is a bare `udf` instruction, never the handler above.
// unsafe_code: cortex-m-rt requires the HardFault handler to be an `unsafe fn`.
#[allow(unsafe_code)]
#[cortex_m_rt::exception]
unsafe fn HardFault(_frame: &cortex_m_rt::ExceptionFrame) -> ! {
    print("HARD FAULT\n");
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// The deepest the stack has reached: cortex-m-rt's `paint-stack` fills
/// `_stack_end .. _stack_start` with `0xCCCC_CCCC` at reset; the lowest word no longer
/// holding it marks the peak.
// unsafe_code: the stack's bounds are linker symbols and its words are read in place (see
// the SAFETY comment); nothing else in the firmware is unsafe.
#[allow(unsafe_code)]
pub fn peak_stack_bytes() -> usize {
    unsafe extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }
    let top = (&raw const _stack_start) as usize;
    let mut address = (&raw const _stack_end) as usize;
    while address < top {
        // SAFETY: every word between _stack_end and _stack_start is RAM owned by the
        // stack (cortex-m-rt's linker script); reading it races nothing (one core, no
        // interrupts enabled) and a volatile read keeps the compiler from assuming values.
        let word = unsafe { core::ptr::read_volatile(address as *const u32) };
        if word != cortex_m_rt::STACK_PAINT_VALUE {
            break;
        }
        let Some(next) = address.checked_add(4) else {
            break;
        };
        address = next;
    }
    top.saturating_sub(address)
}

/// Bytes from hex at compile time (for keys and signatures written in the source).
// The no-panic lints: it is evaluated in `const` items only (the binaries' keys and
// signatures), where a malformed literal fails the build, never the firmware; the indexing
// stays within the asserted length and the digit arithmetic within the matched ranges.
#[allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
pub const fn hex<const N: usize>(text: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let bytes = text.as_bytes();
    assert!(bytes.len() == 2 * N, "hex text of the wrong length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = nibble(bytes[2 * i]) << 4 | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}
