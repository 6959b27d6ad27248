//! All three regions on a Cortex-M4 (QEMU mps2-an386), no heap, no clock, no RNG:
//!
//! 1. golden images from an independent implementation parse, emit back byte for byte,
//!    and the vault's ECDSA P-256 signatures verify with its public key;
//! 2. a ring, a WORM log and that vault live on a RAM block device through the stored
//!    regions (A/B metadata copies), are recovered as after a reset, and read back.
//!
//! Every check prints PASS/FAIL over semihosting; the exit status is 0 only if all pass.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dwvd_firmware::{check, finish, print};
use dwvd_regions::storage::{RamDevice, StoredRing, StoredVault, StoredWorm};
use dwvd_regions::streaming::StreamingRing;
use dwvd_regions::vault::Vault;
use dwvd_regions::worm::WormRegion;
use dwvd_regions::{BlockSize, ErrorKind, Ticks};
use p256::ecdsa::VerifyingKey;
use static_cell::StaticCell;

const SIZE: BlockSize = BlockSize::MIN;

// Golden images (tests/data/golden), made by another implementation of the SPEC.
static GOLDEN_STRE: &[u8] = include_bytes!("../../../tests/data/golden/stre_bs512_max40_w137.bin");
static GOLDEN_WORM: &[u8] = include_bytes!("../../../tests/data/golden/worm_bs512_n9.bin");
static GOLDEN_CMVT: &[u8] = include_bytes!("../../../tests/data/golden/cmvt_bs512_three.bin");
/// cmvt_bs512_three.json's public_key_sec1.
const GOLDEN_KEY: [u8; 65] = dwvd_firmware::hex(
    "041e333a547789b9fe7b8e5d23814d118376ce808a2932d87d84834094378be18e32ce169c23c624a9bde4e4462768373ef0cf6fb7b4ad525c61dc5888ddf8db14",
);

/// The block device: 16 blocks of 512 bytes in .bss (it stands for flash, so the
/// footprint report counts it apart from the firmware's own RAM).
type Device = RamDevice<512, 16>;
static DEVICE: StaticCell<Device> = StaticCell::new();
const RING_AT: u64 = 0; // 2 header copies + 3 slots
const WORM_AT: u64 = 5; // 2 copies of 1 block + 3 data blocks
const VAULT_AT: u64 = 10; // 2 copies of 3 blocks

#[entry]
fn main() -> ! {
    print("dwvd-regions firmware example (Cortex-M4, QEMU mps2-an386)\n");
    let device = DEVICE.init_with(Device::new);
    let mut scratch = [0u8; 3 * 512];
    golden_images(&mut scratch);
    dwvd_firmware::print_stack_so_far("golden images");
    stored_ring(device, &mut scratch);
    dwvd_firmware::print_stack_so_far("stored ring");
    stored_worm(device, &mut scratch);
    dwvd_firmware::print_stack_so_far("stored WORM");
    stored_vault(device, &mut scratch);
    dwvd_firmware::print_stack_so_far("stored vault");
    finish()
}

#[inline(never)]
fn golden_images(scratch: &mut [u8]) {
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
    check(
        "golden STRE emits back byte for byte",
        ring.is_ok_and(|ring| {
            ring.emit(scratch)
                .is_ok_and(|n| scratch[..n] == *GOLDEN_STRE)
        }),
    );

    let worm = WormRegion::<16>::parse(GOLDEN_WORM, SIZE);
    check(
        "golden WORM parses: mark 9, 9 logged writes",
        worm.as_ref().is_ok_and(|worm| {
            worm.high_water_mark() == 9
                && worm.log().len() == 9
                && worm.generation() == 1_743_532_650
        }),
    );
    check(
        "golden WORM emits back byte for byte",
        worm.is_ok_and(|worm| {
            worm.emit(scratch)
                .is_ok_and(|n| scratch[..n] == *GOLDEN_WORM)
        }),
    );

    let key = VerifyingKey::from_sec1_bytes(&GOLDEN_KEY);
    let vault = Vault::<3>::parse(GOLDEN_CMVT, SIZE);
    check(
        "golden CMVT parses: 3 passports",
        vault
            .as_ref()
            .is_ok_and(|vault| vault.count() == 3 && vault.generation() == 1_148_674_804),
    );
    check(
        "golden CMVT signatures verify (ECDSA P-256)",
        match (&vault, &key) {
            (Ok(vault), Ok(key)) => {
                vault
                    .verify_all(key)
                    .filter(|(_, result)| result.is_ok())
                    .count()
                    == 3
            }
            _ => false,
        },
    );
    check(
        "golden CMVT emits back byte for byte",
        vault.is_ok_and(|vault| {
            vault
                .emit(scratch)
                .is_ok_and(|n| scratch[..n] == *GOLDEN_CMVT)
        }),
    );
}

#[inline(never)]
fn stored_ring(device: &mut Device, scratch: &mut [u8]) {
    let outcome = (|| {
        let ring = StreamingRing::new(SIZE, 3, 1)?;
        let mut stored = StoredRing::format(device, RING_AT, ring, scratch)?;
        for reading in 0..5u8 {
            stored.append(device, &[b't', b'=', b'0' + reading], scratch)?;
        }
        // As after a reset: read the ring back from the device.
        let stored = StoredRing::recover(device, RING_AT, scratch)?;
        let ring = stored.ring().clone();
        let newest = stored.read(device, 4, scratch)?.starts_with(b"t=4");
        let overwritten = stored.read(device, 1, scratch).is_err_and(|error| {
            error.region_error().map(|e| e.kind()) == Some(ErrorKind::Overwritten)
        });
        Ok::<_, dwvd_regions::storage::StorageError<_>>((ring, newest, overwritten))
    })();
    check(
        "ring: 5 appends into 3 slots wrap; recovered with entries 2..5",
        outcome.as_ref().is_ok_and(|(ring, _, _)| {
            ring.read_tail() == 2 && ring.write_head() == 5 && ring.allocated_blocks() == 3
        }),
    );
    check(
        "ring: newest entry reads back, overwritten one is refused",
        outcome.is_ok_and(|(_, newest, overwritten)| newest && overwritten),
    );
}

#[inline(never)]
fn stored_worm(device: &mut Device, scratch: &mut [u8]) {
    let outcome = (|| {
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
        let immutable = stored
            .region()
            .clone()
            .write(0, b"rewrite", Ticks::new(0))
            .is_err_and(|error| error.kind() == ErrorKind::Immutable);
        let stored = StoredWorm::<4>::recover(device, WORM_AT, scratch)?;
        let first = stored.read(device, 0, scratch)? == b"firmware v1.2 installed";
        let second = stored.read(device, 1, scratch)? == b"config hash 9f2c";
        Ok::<_, dwvd_regions::storage::StorageError<_>>((
            stored.region().high_water_mark(),
            immutable,
            first && second,
        ))
    })();
    check(
        "WORM: 2 appends recovered, mark 2",
        outcome.as_ref().is_ok_and(|(mark, _, _)| *mark == 2),
    );
    check(
        "WORM: a write below the mark is refused as immutable",
        outcome.as_ref().is_ok_and(|(_, immutable, _)| *immutable),
    );
    check(
        "WORM: data reads back and matches its logged SHA-256",
        outcome.is_ok_and(|(_, _, read)| read),
    );
}

#[inline(never)]
fn stored_vault(device: &mut Device, scratch: &mut [u8]) {
    let Ok(key) = VerifyingKey::from_sec1_bytes(&GOLDEN_KEY) else {
        check("vault: the golden public key decodes", false);
        return;
    };
    let outcome = (|| {
        let vault = Vault::<3>::parse(GOLDEN_CMVT, SIZE)?;
        StoredVault::format(device, VAULT_AT, 3, vault.clone(), scratch)?;
        let stored = StoredVault::<3>::recover(device, VAULT_AT, 3, scratch)?;
        let same = stored.vault().all() == vault.all();
        let verified = stored
            .vault()
            .verify_all(&key)
            .filter(|(_, result)| result.is_ok())
            .count()
            == 3;
        Ok::<_, dwvd_regions::storage::StorageError<_>>((same, verified))
    })();
    check(
        "vault: stored and recovered with the same passports",
        outcome.as_ref().is_ok_and(|(same, _)| *same),
    );
    check(
        "vault: recovered passports verify",
        outcome.is_ok_and(|(_, verified)| verified),
    );
}
