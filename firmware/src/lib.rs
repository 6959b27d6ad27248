//! Support shared by the firmware binaries: checks printed over semihosting, the exit
//! status QEMU passes to the shell, panic and HardFault handlers, and peak-stack
//! measurement.
//!
//! The binaries are `regions` (all three regions on a RAM block device), `golden` (the
//! golden images parsed, emitted and verified) and `primitives` (only XXH64, SHA-256 and
//! one P-256 verify: the baseline the footprint is compared to); `verify_speed` (P-256
//! verify instructions, generic against the comb) and `verify_agree` (the 32-bit verify
//! against the `ecdsa` crate's) are measurements and checks, not examples.
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

/// The memory routines every binary links, small: on stable Rust the target's
/// `compiler_builtins` comes prebuilt for speed (unrolled `memcpy`, `memset` and their
/// `__aeabi_*` entry points: ≈ 1.7 KiB of flash), and only a `-Zbuild-std` build can
/// rebuild it at opt-level "z". Its definitions are weak, so these replace them: copies
/// by words when both pointers and the length are 4-byte aligned (field elements,
/// headers, blocks), by bytes otherwise; fills always by bytes. Volatile accesses: the compiler would otherwise see the loops
/// as a `memcpy` / `memset` and call the function from itself.
// unsafe_code: these are the C ABI's raw-pointer routines, called by compiler-generated
// code; nothing in the firmware calls them directly.
#[allow(unsafe_code)]
pub mod mem {
    /// `memcpy`: `n` bytes from `src` to `dst` (not overlapping).
    ///
    /// # Safety
    ///
    /// `src` readable and `dst` writable for `n` bytes, the two not overlapping.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller's contract.
        unsafe { copy(dst, src, n) }
    }

    /// `memset`: `n` bytes at `dst` set to `value`'s low byte.
    ///
    /// # Safety
    ///
    /// `dst` writable for `n` bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
        // SAFETY: the caller's contract.
        unsafe { set(dst, value, n) }
    }

    /// [`memcpy`]'s loop, under a name the compiler does not take for `memcpy` (a call
    /// to `memcpy` from an `__aeabi_*` entry point would become a call to that entry
    /// point itself).
    ///
    /// # Safety
    ///
    /// `src` readable and `dst` writable for `n` bytes, the two not overlapping.
    #[inline(never)]
    unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        let mut i = 0;
        if (dst as usize | src as usize | n) & 3 == 0 {
            while i < n {
                // SAFETY: the caller's contract; i < n and every pointer 4-aligned.
                unsafe {
                    dst.add(i)
                        .cast::<u32>()
                        .write_volatile(src.add(i).cast::<u32>().read_volatile());
                };
                i = i.wrapping_add(4); // i < n, an address range: no wrap
            }
        } else {
            while i < n {
                // SAFETY: the caller's contract; i < n.
                unsafe { dst.add(i).write_volatile(src.add(i).read_volatile()) };
                i = i.wrapping_add(1);
            }
        }
        dst
    }

    /// [`memset`]'s loop (see [`copy`]).
    ///
    /// # Safety
    ///
    /// `dst` writable for `n` bytes.
    #[inline(never)]
    unsafe fn set(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
        let mut i = 0;
        while i < n {
            // SAFETY: the caller's contract; i < n. (The low byte, as C's memset.)
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            unsafe {
                dst.add(i).write_volatile(value as u8)
            };
            i = i.wrapping_add(1);
        }
        dst
    }

    /// The ARM EABI's `memcpy` (and the aligned variants the compiler calls).
    ///
    /// # Safety
    ///
    /// As [`memcpy`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memcpy(dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { copy(dst, src, n) };
    }

    /// As [`__aeabi_memcpy`], both pointers 4-byte aligned.
    ///
    /// # Safety
    ///
    /// As [`memcpy`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memcpy4(dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { copy(dst, src, n) };
    }

    /// As [`__aeabi_memcpy`], both pointers 8-byte aligned.
    ///
    /// # Safety
    ///
    /// As [`memcpy`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memcpy8(dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { copy(dst, src, n) };
    }

    /// The ARM EABI's zeroing `memset` (note the argument order: no value).
    ///
    /// # Safety
    ///
    /// As [`memset`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memclr(dst: *mut u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { set(dst, 0, n) };
    }

    /// As [`__aeabi_memclr`], `dst` 4-byte aligned.
    ///
    /// # Safety
    ///
    /// As [`memset`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memclr4(dst: *mut u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { set(dst, 0, n) };
    }

    /// As [`__aeabi_memclr`], `dst` 8-byte aligned.
    ///
    /// # Safety
    ///
    /// As [`memset`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memclr8(dst: *mut u8, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { set(dst, 0, n) };
    }

    /// The ARM EABI's `memset` (its arguments in the EABI's order).
    ///
    /// # Safety
    ///
    /// As [`memset`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memset(dst: *mut u8, n: usize, value: i32) {
        // SAFETY: the caller's contract.
        unsafe { set(dst, value, n) };
    }

    /// As [`__aeabi_memset`], `dst` 4-byte aligned.
    ///
    /// # Safety
    ///
    /// As [`memset`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __aeabi_memset4(dst: *mut u8, n: usize, value: i32) {
        // SAFETY: the caller's contract.
        unsafe { set(dst, value, n) };
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
