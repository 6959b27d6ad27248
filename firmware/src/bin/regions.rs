//! All three regions on a Cortex-M4 (QEMU mps2-an386), no heap, no clock, no RNG — the
//! example the README's footprint table measures:
//!
//! * a streaming ring, a WORM log and a compliance vault kept on a RAM block device
//!   through the stored regions (A/B metadata copies, every change committed: emit);
//! * each recovered from the device as after a reset (parse) and read back;
//! * the vault holds two passports signed by an independent implementation (taken from
//!   the golden image tests/data/golden/cmvt_bs512_three.bin), and their ECDSA P-256
//!   signatures verify after recovery (verify).
//!
//! Every check prints PASS/FAIL over semihosting; the exit status is 0 only if all pass.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, print, print_stack_so_far};
use dwvd_regions::storage::{RamDevice, StorageError, StoredRing, StoredVault, StoredWorm};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::{CompiledVerifyingKey, Vault, VaultView};
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, ErrorKind, Ticks};
use static_cell::{ConstStaticCell, StaticCell};

const SIZE: BlockSize = BlockSize::MIN;

/// The golden vault (made by another implementation of the SPEC): its first two passports
/// are the ones this firmware stores.
static GOLDEN_CMVT: &[u8] = include_bytes!("../../../tests/data/golden/cmvt_bs512_three.bin");
/// cmvt_bs512_three.json's public_key_sec1, the key the device knows when it is built:
/// decoded and checked while the firmware is compiled (a key that is not a point of the
/// curve fails the build), a point in flash.
static GOLDEN_KEY: CompiledVerifyingKey = match CompiledVerifyingKey::from_sec1_uncompressed(
    &dwvd_firmware::hex(
        "041e333a547789b9fe7b8e5d23814d118376ce808a2932d87d84834094378be18e32ce169c23c624a9bde4e4462768373ef0cf6fb7b4ad525c61dc5888ddf8db14",
    ),
) {
    Ok(key) => key,
    Err(_) => panic!("the golden public key is not a P-256 point"),
};

/// The block device: 22 blocks of 512 bytes in .bss, built there (const), not on the
/// stack. It stands for flash, so the footprint report counts it apart from the
/// firmware's own RAM.
type Device = RamDevice<512, 22>;
static DEVICE: ConstStaticCell<Device> = ConstStaticCell::new(Device::new());
const RING_AT: u64 = 0; // 2 header copies + a journal of 2 blocks + 3 slots
const WORM_AT: u64 = 7; // 2 checkpoint copies of 1 block + a journal of 2 + 3 data blocks
const VAULT_AT: u64 = 14; // 2 copies of 2 blocks + a journal of 4
const VAULT_BLOCKS_PER_COPY: u64 = 2;
/// The stored vault lives in .bss for the firmware's lifetime (1 KiB: two passports of up
/// to 516 bytes), made in place and never moved through the stack.
static VAULT: StaticCell<StoredVault<2>> = StaticCell::new();
/// One vault copy: the most any operation needs.
const SCRATCH_LEN: usize = 2 * 512;

type Outcome<T> = Result<T, StorageError<dwvd_regions::storage::RamDeviceError>>;

#[entry]
fn main() -> ! {
    print("dwvd-regions firmware example (Cortex-M4, QEMU mps2-an386)\n");
    let device = DEVICE.take();
    let mut scratch = [0u8; SCRATCH_LEN];
    stored_ring(device, &mut scratch);
    print_stack_so_far("stored ring");
    stored_worm(device, &mut scratch);
    print_stack_so_far("stored WORM");
    stored_vault(device, &mut scratch);
    print_stack_so_far("stored vault");
    finish()
}

#[inline(never)]
fn stored_ring(device: &mut Device, scratch: &mut [u8]) {
    let outcome = (|| -> Outcome<_> {
        let ring = StreamingRing::new(SIZE, 3, 1)?;
        let mut stored = StoredRing::format(device, RING_AT, ring, scratch)?;
        for digit in b'0'..=b'5' {
            stored.append(device, &[b't', b'=', digit], scratch)?;
        }
        // A consume is a journal entry; the appends are their own record.
        stored.consume(device, scratch)?;
        // As after a reset: read the ring back from the device.
        let stored = StoredRing::recover(device, RING_AT, scratch)?;
        let ring = stored.region();
        let wrapped = ring.read_tail() == 4 && ring.write_head() == 6;
        let newest = stored.read(device, 4, scratch)?.starts_with(b"t=4");
        let overwritten = stored.read(device, 1, scratch).is_err_and(|error| {
            error.region_error().map(|e| e.kind()) == Some(ErrorKind::Overwritten)
        });
        Ok((wrapped, newest && overwritten))
    })();
    check(
        "ring: 6 appends into 3 slots wrap, 1 consume; recovered with entries 4..6",
        matches!(outcome, Ok((true, _))),
    );
    check(
        "ring: newest entry reads back, overwritten one is refused",
        matches!(outcome, Ok((_, true))),
    );
}

#[inline(never)]
fn stored_worm(device: &mut Device, scratch: &mut [u8]) {
    let outcome = (|| -> Outcome<_> {
        let region = WormRegion::<4>::new(SIZE, 3, 0, Ticks::new(639_000_000_000_000_000))?;
        let mut stored = StoredWorm::format(device, WORM_AT, region, scratch)?;
        stored.append(
            device,
            b"firmware v1.2 installed",
            Ticks::new(639_000_000_100_000_000),
            scratch,
        )?;
        stored.append(
            device,
            b"config hash 9f2c",
            Ticks::new(639_000_000_200_000_000),
            scratch,
        )?;
        let stored = StoredWorm::<4>::recover(device, WORM_AT, scratch)?;
        let mark = stored.region().high_water_mark() == 2;
        let first = stored.read(device, 0, scratch)? == b"firmware v1.2 installed";
        let second = stored.read(device, 1, scratch)? == b"config hash 9f2c";
        Ok((mark, first && second))
    })();
    check(
        "WORM: 2 appends recovered, mark 2",
        matches!(outcome, Ok((true, _))),
    );
    check(
        "WORM: data reads back and matches its logged SHA-256",
        matches!(outcome, Ok((_, true))),
    );
}

#[inline(never)]
fn stored_vault(device: &mut Device, scratch: &mut [u8]) {
    let stored =
        VAULT.init_with(|| StoredVault::new(VAULT_AT, VAULT_BLOCKS_PER_COPY, Vault::new(SIZE)));
    check(
        "vault: formatted",
        stored.format_in_place(device, scratch).is_ok(),
    );
    check(
        "vault: 2 golden passports stored, a 3rd refused (copy full)",
        matches!(add_golden_passports(stored, device, scratch), Ok(true)),
    );
    // As after a reset, in place: the value is read back from the device.
    let reloaded = stored.reload(device, scratch);
    check(
        "vault: reloaded with the same 2 passports",
        reloaded.is_ok() && same_as_golden(stored.region()),
    );
    check(
        "vault: reloaded passports verify (ECDSA P-256)",
        verified(stored.region()) == 2,
    );
}

/// Adds the golden vault's passports: two fit in a copy of two blocks, the third is
/// refused and nothing is written.
#[inline(never)]
fn add_golden_passports(
    stored: &mut StoredVault<2>,
    device: &mut Device,
    scratch: &mut [u8],
) -> Outcome<bool> {
    let golden = VaultView::new_checked(GOLDEN_CMVT, SIZE)?;
    let mut passports = golden.passports();
    for passport in passports.by_ref().take(2) {
        stored.add(device, passport.to_passport()?, scratch)?;
    }
    let Some(third) = passports.next() else {
        return Ok(false);
    };
    Ok(stored
        .add(device, third.to_passport()?, scratch)
        .is_err_and(|error| error.region_error().is_some()))
}

/// Whether `vault` holds the golden vault's first two passports.
fn same_as_golden(vault: &Vault<2>) -> bool {
    VaultView::new_checked(GOLDEN_CMVT, SIZE).is_ok_and(|golden| {
        vault.count() == 2
            && golden
                .passports()
                .zip(vault.all())
                .all(|(view, owned)| view.passport_id() == owned.passport_id())
    })
}

/// How many of `vault`'s signatures verify with the golden public key.
#[inline(never)]
fn verified(vault: &Vault<2>) -> usize {
    vault
        .verify_all(&GOLDEN_KEY)
        .filter(|(_, result)| result.is_ok())
        .count()
}
