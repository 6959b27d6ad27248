//! The owned, bounded Compliance Vault, for firmware.

use uuid::Uuid;
use zerocopy::IntoBytes;
use zerocopy::little_endian::I32;

use super::layout::{ComplianceStatus, Framework, PassportHead, Placement, VaultHeader};
use super::passport::Passport;
use super::signature::{DigestVerifier, SignaturePolicy};
use super::view::VaultView;
use crate::block::{BlockSize, Tag, seal};
use crate::error::{Error, Reason, Result};
use crate::layout::field;
use crate::region::sealed::{self, Sealing};
use crate::region::{Region, RegionView};

/// The owned Compliance Vault: at most `CAPACITY` passports in a `heapless::Vec`, for
/// firmware. Keys are never stored in the vault: signing and verification take them as
/// arguments. Passport ids are unique in a vault.
///
/// Size: a [`Passport`] reserves room for the longest issuer and notes (about 560 bytes),
/// so a `Vault<N>` takes about `N × 560` bytes; on a small stack, keep it in a `static`
/// (e.g. behind a mutex cell) rather than in a local, since [`parse`](Self::parse)
/// returns it by value.
///
/// ```
/// use dwvd_regions::Region;
/// use dwvd_regions::BlockSize;
/// use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let key = SigningKey::from_slice(&[3u8; 32]).unwrap();
/// let object = Uuid::from_u128(0xDA7A);
/// let mut vault = Vault::<8>::new(BlockSize::new(4096)?);
/// for (id, framework) in [(1, Framework::Gdpr), (2, Framework::Sox)] {
///     let passport = Passport::new(Uuid::from_u128(id), object, framework, ComplianceStatus::Compliant);
///     vault.add(passport.signed(&key)?)?;
/// }
/// assert_eq!(vault.by_object(object).count(), 2);
/// assert_eq!(vault.by_framework(Framework::Sox).count(), 1);
/// let verified = vault.verify_all(key.verifying_key()).filter(|(_, result)| result.is_ok());
/// assert_eq!(verified.count(), 2);
///
/// let mut image = vec![0u8; vault.buffer_len()];
/// vault.emit(&mut image)?;
/// assert_eq!(Vault::<8>::parse(&image, vault.block_size())?, vault);
/// # Ok::<(), dwvd_regions::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vault<const CAPACITY: usize> {
    sealing: Sealing,
    passports: heapless::Vec<Passport, CAPACITY>,
}

/// What [`Vault::from_view`] pushes before filling it in place. A function, not a
/// `const`: a constant passport is a half-KiB image in flash (its empty issuer, notes and
/// signature included), copied by every push; built at run time, it is a few stores.
fn blank_passport() -> Passport {
    Passport::new(
        Uuid::nil(),
        Uuid::nil(),
        Framework::Gdpr,
        ComplianceStatus::Unknown,
    )
}

impl<const CAPACITY: usize> Vault<CAPACITY> {
    /// An empty vault, generation 0.
    #[must_use]
    pub const fn new(block_size: BlockSize) -> Self {
        Vault {
            sealing: Sealing::new(block_size),
            passports: heapless::Vec::new(),
        }
    }

    /// Adds a passport at the end.
    ///
    /// # Errors
    ///
    /// A nil passport id is `invalid_argument` (the nil id marks padding on disk), and so
    /// is an id the vault already holds; a passport larger than one block's payload
    /// (possible at 512-byte blocks: up to 516 bytes) is `record_too_large`; a vault
    /// holding `CAPACITY` passports is `full`. On an error the vault is unchanged.
    pub fn add(&mut self, passport: Passport) -> Result<()> {
        check_addable(self.sealing.block_size, &passport)?;
        if self.get(passport.passport_id()).is_some() {
            return Err(Error::invalid_argument(
                "passport_id",
                text!("it must be unique: the vault already holds a passport with this id"),
            ));
        }
        self.passports.push(passport).map_err(|_| {
            Error::nowhere(Reason::Full {
                what: "vault",
                capacity: CAPACITY as u64,
                limit: CAPACITY as u64,
            })
        })
    }

    /// Removes every passport.
    pub fn clear(&mut self) {
        self.passports.clear();
    }

    /// Removes and returns the passport with this id.
    pub fn remove(&mut self, passport_id: Uuid) -> Option<Passport> {
        self.remove_at_id(passport_id).map(|(_, passport)| passport)
    }

    /// Removes the passport with this id; returns where it was, and it.
    pub(crate) fn remove_at_id(&mut self, passport_id: Uuid) -> Option<(usize, Passport)> {
        let index = self
            .passports
            .iter()
            .position(|passport| passport.passport_id() == passport_id)?;
        // Moved to the end by swaps, then popped: `heapless::Vec::remove` shifts the rest
        // with an overlapping copy, which on Cortex-M keeps compiler-builtins' `memmove`
        // (≈ 1.5 KiB of flash in a stable build) for this one call.
        let tail = self.passports.get_mut(index..).unwrap_or_default();
        for next in 1..tail.len() {
            if let Some([earlier, later]) = tail.get_mut(next.saturating_sub(1)..=next) {
                core::mem::swap(earlier, later);
            }
        }
        Some((index, self.passports.pop()?))
    }

    /// Takes back the last [`add`](Self::add) (for the stored vault, whose commit failed
    /// after the value had changed).
    pub(crate) fn undo_add(&mut self) {
        self.passports.pop();
    }

    /// Puts a passport taken by [`remove_at_id`](Self::remove_at_id) back where it was.
    pub(crate) fn undo_remove(&mut self, index: usize, passport: Passport) {
        // Cannot fail: the place was freed by the removal this undoes. Pushed, then
        // swapped back into place (no `memmove`, as in `remove_at_id`).
        if self.passports.push(passport).is_err() {
            return;
        }
        let tail = self.passports.get_mut(index..).unwrap_or_default();
        for next in (1..tail.len()).rev() {
            if let Some([earlier, later]) = tail.get_mut(next.saturating_sub(1)..=next) {
                core::mem::swap(earlier, later);
            }
        }
    }

    /// The passport with this id.
    #[must_use]
    pub fn get(&self, passport_id: Uuid) -> Option<&Passport> {
        self.passports
            .iter()
            .find(|passport| passport.passport_id() == passport_id)
    }

    /// The passports assessing this data object.
    pub fn by_object(&self, object_id: Uuid) -> impl Iterator<Item = &Passport> {
        self.passports
            .iter()
            .filter(move |passport| passport.object_id() == object_id)
    }

    /// The passports for this framework.
    pub fn by_framework(&self, framework: Framework) -> impl Iterator<Item = &Passport> {
        self.passports
            .iter()
            .filter(move |passport| passport.framework() == framework)
    }

    /// Every passport, in order.
    #[must_use]
    pub fn all(&self) -> &[Passport] {
        &self.passports
    }

    /// How many passports the vault holds.
    #[must_use]
    pub fn count(&self) -> usize {
        self.passports.len()
    }

    /// Verifies every passport with `key` (default, lenient policy): `p256`'s
    /// `VerifyingKey`, or a verifier of a key known in advance ([`DigestVerifier`]).
    pub fn verify_all<'a, K: DigestVerifier + ?Sized>(
        &'a self,
        key: &'a K,
    ) -> impl Iterator<Item = (&'a Passport, Result<()>)> + 'a {
        self.verify_all_with_policy(key, SignaturePolicy::default())
    }

    /// Verifies every passport with `key` under `policy`.
    pub fn verify_all_with_policy<'a, K: DigestVerifier + ?Sized>(
        &'a self,
        key: &'a K,
        policy: SignaturePolicy,
    ) -> impl Iterator<Item = (&'a Passport, Result<()>)> + 'a {
        self.passports
            .iter()
            .map(move |passport| (passport, passport.verify_with_policy(key, policy)))
    }
}

impl<const CAPACITY: usize> Region for Vault<CAPACITY> {
    const TAG: Tag = Tag::CMVT;
    type View<'a> = VaultView<'a>;

    /// Passports placed whole, in order ([`blocks_needed`]), times the block size.
    fn buffer_len(&self) -> usize {
        let size = self.sealing.block_size;
        blocks_needed(size, &self.passports).saturating_mul(size.get())
    }

    /// Writes the vault ([`emit_parts`]).
    ///
    /// Placement is canonical (each passport as early as it fits), so a vault read from
    /// an image laid out otherwise, or with spare zero blocks, emits more compactly. When
    /// a vault shrinks (after [`remove`](Vault::remove)) on a fixed-size region, zero and
    /// re-seal the blocks it no longer uses, or readers of the whole region will find
    /// stale blocks.
    fn emit(&self, buffer: &mut [u8]) -> Result<usize> {
        // Every passport was checked when added or read; CAPACITY passports fit an i32
        // count whenever the vault fits in memory.
        let count = i32::try_from(self.passports.len()).unwrap_or(i32::MAX);
        write_passports(
            self.sealing.block_size,
            &self.passports,
            count,
            self.sealing.generation,
            buffer,
        )
    }

    /// Each passport is filled where it lies: a vault of a few passports is kilobytes,
    /// and firmware stacks are small. A passport id that repeats is `invalid_field` (the
    /// view itself shows such a vault as it is); more than `CAPACITY` passports is
    /// `capacity_exceeded`.
    fn __fill_unchecked(&mut self, view: &VaultView<'_>) -> Result<()> {
        self.sealing = Sealing {
            block_size: view.block_size(),
            generation: RegionView::generation(view),
        };
        self.passports.clear();
        // check_loadable found room for every passport: no push fails.
        for passport in view.passports() {
            let _ = self.passports.push(blank_passport());
            if let Some(slot) = self.passports.last_mut() {
                passport.copy_into(slot)?;
            }
        }
        Ok(())
    }

    fn check_loadable(view: &VaultView<'_>) -> Result<()> {
        if view.passport_count() > CAPACITY {
            return Err(Self::exceeded(view));
        }
        // Pairwise over the view (no copy): vaults are small, and this runs on the two
        // copies of a stored vault at recovery.
        for (index, passport) in view.passports().enumerate() {
            let id = passport.head().passport_id;
            if view
                .passports()
                .take(index)
                .any(|earlier| earlier.head().passport_id == id)
            {
                let (block, offset) = passport.location();
                return Err(Error::invalid_field(
                    block,
                    field!(PassportHead, passport_id).name,
                    offset,
                    0,
                    text!("passport ids must be unique in a vault (this one repeats)"),
                ));
            }
        }
        Ok(())
    }
}

impl<const CAPACITY: usize> Vault<CAPACITY> {
    fn exceeded(view: &VaultView<'_>) -> Error {
        Error::nowhere(Reason::CapacityExceeded {
            what: "vault",
            count: u64::try_from(view.passport_count()).unwrap_or(u64::MAX),
            capacity: CAPACITY,
        })
    }
}

impl<const CAPACITY: usize> sealed::Load for Vault<CAPACITY> {
    fn sealing(&self) -> &Sealing {
        &self.sealing
    }

    fn sealing_mut(&mut self) -> &mut Sealing {
        &mut self.sealing
    }

    fn blank(block_size: BlockSize) -> Self {
        Vault::new(block_size)
    }

    /// Chosen when formatting: a vault's copies are sized by the caller.
    fn blocks_per_copy(_block_size: BlockSize) -> Option<u64> {
        None
    }

    fn data_blocks(&self) -> u64 {
        0
    }

    /// An add (the passport's bytes) or a remove (its id).
    fn replay_entry(&mut self, entry: &crate::storage::JournalEntry<'_>) -> Result<()> {
        use crate::storage::{JournalEntryKind, journal_entry_error};
        match entry.kind() {
            JournalEntryKind::VaultAdd => {
                let passport = super::PassportView::read_whole(entry.payload())?.to_passport()?;
                self.add(passport)
            }
            JournalEntryKind::VaultRemove => {
                let id = entry
                    .payload()
                    .first_chunk::<16>()
                    .filter(|_| entry.payload().len() == 16)
                    .ok_or(journal_entry_error(text!(
                        "a vault remove holds a 16-byte passport id"
                    )))?;
                self.remove(Uuid::from_bytes_le(*id))
                    .map(|_| ())
                    .ok_or(journal_entry_error(text!(
                        "a vault remove names a passport the vault holds"
                    )))
            }
            _ => Err(journal_entry_error(text!(
                "a vault's journal holds only adds and removes"
            ))),
        }
    }
}

/// Blocks a vault of `passports` takes: passports placed whole, in order, starting at
/// offset 16 of block 0.
#[must_use]
pub fn blocks_needed(block_size: BlockSize, passports: &[Passport]) -> usize {
    let mut placement = Placement::new();
    for passport in passports {
        placement.place(passport.serialized_len(), block_size);
    }
    placement.blocks()
}

/// Writes a vault of `passports`, any number of them, into the first
/// [`blocks_needed`]` × block_size` bytes of `buffer`: the count, the passports (one that
/// does not fit in the rest of a block starts the next), zeros elsewhere, every block
/// sealed with tag `CMVT` and `generation`. The parts-level, unbounded counterpart of
/// [`Vault`]'s [`emit`](Region::emit) (which calls it), for tools that build images from
/// descriptions.
///
/// # Errors
///
/// A nil passport id (`invalid_argument`) or a passport larger than a payload
/// (`record_too_large`) is refused, as by [`Vault::add`]; a short buffer is
/// `buffer_too_small`.
pub fn emit_parts(
    block_size: BlockSize,
    passports: &[Passport],
    generation: u32,
    buffer: &mut [u8],
) -> Result<usize> {
    for passport in passports {
        check_addable(block_size, passport)?;
    }
    let passport_count = i32::try_from(passports.len()).map_err(|_| {
        Error::invalid_argument(
            "passports",
            text!("there must be at most i32::MAX, the largest passport_count"),
        )
    })?;
    write_passports(block_size, passports, passport_count, generation, buffer)
}

/// [`emit_parts`] for passports known to be addable (an owned vault's: [`Vault::add`]
/// checked them, or they were read from blocks) and `passport_count` of them.
fn write_passports(
    block_size: BlockSize,
    passports: &[Passport],
    passport_count: i32,
    generation: u32,
    buffer: &mut [u8],
) -> Result<usize> {
    let size = block_size.get();
    let needed = blocks_needed(block_size, passports).saturating_mul(size);
    let available = buffer.len();
    let too_small = || Error::buffer_too_small(needed, available, size);
    let region = buffer.get_mut(..needed).ok_or_else(too_small)?;
    region.fill(0);
    let header = VaultHeader {
        passport_count: I32::new(passport_count),
        reserved: [0; 12],
    };
    // `region` is whole blocks (at least one) laid out by the same placement as below:
    // the header and every passport fit, so these writes cannot fail (a failure would
    // leave zeros, never write elsewhere).
    let _ = header.write_to_prefix(region);
    let mut placement = Placement::new();
    for passport in passports {
        let (block, offset) = placement.place(passport.serialized_len(), block_size);
        let slot = block
            .checked_mul(size)
            .and_then(|start| start.checked_add(offset))
            .and_then(|start| region.get_mut(start..))
            .unwrap_or_default();
        passport.write_to(slot)?;
    }
    for block in region.chunks_exact_mut(size) {
        seal(block, Tag::CMVT, generation)?;
    }
    Ok(needed)
}

/// What [`Vault::add`] and [`emit_parts`] refuse: a nil id (it marks padding) and a
/// passport larger than one block's payload.
fn check_addable(block_size: BlockSize, passport: &Passport) -> Result<()> {
    if passport.passport_id().is_nil() {
        return Err(Error::invalid_argument(
            "passport_id",
            text!("it must not be nil: the nil id marks padding in the vault's blocks"),
        ));
    }
    let capacity = block_size.payload_len();
    if passport.serialized_len() > capacity {
        return Err(Error::nowhere(Reason::RecordTooLarge {
            length: passport.serialized_len(),
            capacity,
        }));
    }
    Ok(())
}
