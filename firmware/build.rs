//! Puts memory.x and device.x where the linker finds them (cortex-m-rt's link.x includes
//! both), and generates the comb tables `verify_speed` keeps in flash: the multiples of
//! the generator and of its key, encoded by the core on the host
//! (`PrecomputedVerifyingKey::encode_tables`), which the binary `include_bytes!`s into
//! `static`s. Tables are trusted like code (a table of another key gives wrong answers),
//! so they are made here, from the key, with the image that uses them.
use std::{env, fs, io, path::Path, path::PathBuf};

use dwvd_regions::vault::{
    EncodedCombVerifyingKey, PrecomputedVerifyingKey, verifying_key_from_sec1,
};

/// The key of `verify_speed` (the primitives baseline's, made by OpenSSL), uncompressed
/// SEC1 in hex. `src/bin/verify_speed.rs` must hold the same text: checked below, and the
/// firmware's `EncodedCombVerifyingKey::new` refuses tables of another key at run time.
const VERIFY_SPEED_KEY: &str = "040217e617f0b6443928278f96999e69a23a4f2c152bdf6d6cdf66e5b80282d4ed194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794";

/// A failure is returned, not panicked on: cargo prints it and fails the build.
fn main() -> io::Result<()> {
    let out = PathBuf::from(
        env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("cargo sets OUT_DIR"))?,
    );
    fs::copy("memory.x", out.join("memory.x"))?;
    // cortex-m-rt's "device" feature includes device.x, where a device crate would name
    // its interrupt handlers; src/lib.rs's __INTERRUPTS points every vector at
    // DefaultHandler, so there is nothing to name.
    fs::write(
        out.join("device.x"),
        "/* no named interrupt handlers: see src/lib.rs */\n",
    )?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");

    let binary = "src/bin/verify_speed.rs";
    println!("cargo:rerun-if-changed={binary}");
    if !fs::read_to_string(binary)?.contains(VERIFY_SPEED_KEY) {
        return Err(io::Error::other(format!(
            "{binary} does not hold build.rs's VERIFY_SPEED_KEY: the comb tables would be \
             another key's"
        )));
    }
    let key = verifying_key_from_sec1(&unhex(VERIFY_SPEED_KEY)?).map_err(io::Error::other)?;
    write_tables::<16>(&key, &out.join("comb_tables_t4.bin"))?;
    write_tables::<32>(&key, &out.join("comb_tables_t5.bin"))?;
    Ok(())
}

/// `key`'s comb tables of `ENTRIES` entries, encoded, written to `path`.
fn write_tables<const ENTRIES: usize>(
    key: &dwvd_regions::p256::ecdsa::VerifyingKey,
    path: &Path,
) -> io::Result<()> {
    let mut tables = vec![0u8; EncodedCombVerifyingKey::<ENTRIES>::TABLE_BYTES];
    PrecomputedVerifyingKey::<ENTRIES>::new(key)
        .encode_tables(&mut tables)
        .map_err(io::Error::other)?;
    fs::write(path, tables)
}

/// Bytes from hex text.
fn unhex(text: &str) -> io::Result<Vec<u8>> {
    let digits = text
        .chars()
        .map(|digit| {
            digit
                .to_digit(16)
                .and_then(|value| u8::try_from(value).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| io::Error::other("not hex"))?;
    let (pairs, rest) = digits.as_chunks::<2>();
    if !rest.is_empty() {
        return Err(io::Error::other("an odd number of hex digits"));
    }
    Ok(pairs.iter().map(|[high, low]| high << 4 | low).collect())
}
