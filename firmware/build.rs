//! Puts memory.x and device.x where the linker finds them (cortex-m-rt's link.x includes
//! both).
use std::{env, fs, io, path::PathBuf};

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
    Ok(())
}
