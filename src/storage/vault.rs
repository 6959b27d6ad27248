//! A Compliance Vault persisted on a block device.

use super::copies::{
    Copies, MetadataCopy, check_fits, check_not_poisoned, note_device_error, pad_copy, take_scratch,
};
use super::device::BlockDevice;
use super::error::StorageError;
use super::ring::check_block_size;
use crate::block::{BlockSize, Tag};
use crate::error::{Error, Result};
use crate::vault::{Passport, Vault, VaultView};
use uuid::Uuid;

/// A [`Vault`] kept on a [`BlockDevice`] in a fixed number of blocks, every change atomic
/// under a power cut.
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | `blocks_per_copy` | vault copy A (SPEC §4) |
/// | `blocks_per_copy` | vault copy B |
///
/// # Commit order
///
/// [`add`](Self::add) and [`remove`](Self::remove) write the whole vault, every block
/// sealed with the next generation, into the copy not holding the current state, then
/// sync: the commit point. A cut during it leaves a copy that fails its checksum or whose
/// blocks carry different generations, so [`recover`](Self::recover) keeps the other.
///
/// # Example
///
/// ```
/// use dwvd_regions::storage::{RamDevice, StoredVault};
/// use dwvd_regions::vault::{ComplianceStatus, Framework, Passport, Vault};
/// use dwvd_regions::{BlockSize, Ticks};
/// use p256::ecdsa::SigningKey;
/// use uuid::Uuid;
///
/// let key = SigningKey::from_slice(&[7; 32]).expect("a valid scalar");
/// let mut device = RamDevice::<512, 4>::new();
/// let mut scratch = [0u8; 512 * 2];
/// let mut stored = StoredVault::format(&mut device, 0, 2, Vault::<4>::new(BlockSize::MIN), &mut scratch)?;
///
/// let passport = Passport::new(Uuid::from_u128(1), Uuid::from_u128(42), Framework::Gdpr, ComplianceStatus::Compliant)
///     .with_issued(Ticks::new(638_000_000_000_000_000))
///     .with_issuer(b"dpo@example.com")?
///     .signed(&key)?;
/// stored.add(&mut device, passport, &mut scratch)?;
///
/// let stored = StoredVault::<4>::recover(&mut device, 0, 2, &mut scratch)?;
/// assert_eq!(stored.vault().count(), 1);
/// let verified = stored.vault().verify_all(key.verifying_key()).filter(|(_, result)| result.is_ok());
/// assert_eq!(verified.count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVault<const CAPACITY: usize> {
    vault: Vault<CAPACITY>,
    copies: Copies,
    current: MetadataCopy,
    needs_recovery: bool,
}

impl<const CAPACITY: usize> StoredVault<CAPACITY> {
    /// Device blocks the region takes: two copies of `blocks_per_copy` blocks.
    #[must_use]
    pub const fn blocks_needed(blocks_per_copy: u64) -> u64 {
        blocks_per_copy.saturating_mul(2)
    }

    /// Scratch bytes every operation needs: one copy.
    #[must_use]
    pub fn scratch_len(block_size: BlockSize, blocks_per_copy: u64) -> usize {
        usize::try_from(blocks_per_copy)
            .unwrap_or(usize::MAX)
            .saturating_mul(block_size.get())
    }

    fn copies(first_block: u64, blocks_per_copy: u64) -> Copies {
        Copies {
            first_block,
            blocks_per_copy,
        }
    }

    /// Writes `vault` to a new region at `first_block` with room for `blocks_per_copy`
    /// blocks per copy (at least 1): copy B, then copy A with the next generation.
    /// Formatting is not atomic: if it is cut, format again.
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        vault: Vault<CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        check_block_size(device, vault.block_size())?;
        if blocks_per_copy == 0 {
            return Err(StorageError::Region(Error::InvalidArgument {
                argument: "blocks_per_copy",
                requirement: "a vault copy needs at least one block",
            }));
        }
        check_fits(device, first_block, Self::blocks_needed(blocks_per_copy))?;
        let mut stored = StoredVault {
            vault,
            copies: Self::copies(first_block, blocks_per_copy),
            current: MetadataCopy::A,
            needs_recovery: false,
        };
        // Whole copies, tail blocks included, so nothing of an older region stays behind.
        let state = stored.vault.clone();
        stored.commit(device, state.clone(), scratch, true)?;
        stored.commit(device, state, scratch, true)?;
        Ok(stored)
    }

    /// Reads the vault back from `first_block` (copies of `blocks_per_copy` blocks): of
    /// the two copies, the valid one (checksums, one generation across its blocks, unique
    /// ids, at most `CAPACITY` passports), or of two valid ones the newer generation
    /// ([`generation_is_newer`](super::generation_is_newer)). Signatures are not checked
    /// here: verify them with your key ([`Vault::verify_all`]).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        let size = device.block_size();
        if blocks_per_copy == 0 {
            return Err(StorageError::Region(Error::InvalidArgument {
                argument: "blocks_per_copy",
                requirement: "a vault copy needs at least one block",
            }));
        }
        let copies = Self::copies(first_block, blocks_per_copy);
        check_fits(
            device,
            first_block,
            Self::blocks_needed(copies.blocks_per_copy),
        )?;
        let parse = |bytes: &[u8]| -> Result<Vault<CAPACITY>> {
            let (view, _) = VaultView::new_checked_prefix(bytes, size)?;
            Vault::from_view(&view)
        };
        let (current, _) = copies.choose(device, scratch, |bytes| {
            parse(bytes).map(|vault| vault.generation())
        })?;
        let vault = parse(copies.read(device, current, scratch)?)
            .map_err(|error| error.relocated(copies.start(current)))?;
        Ok(StoredVault {
            vault,
            copies,
            current,
            needs_recovery: false,
        })
    }

    /// The vault as last committed.
    #[must_use]
    pub const fn vault(&self) -> &Vault<CAPACITY> {
        &self.vault
    }

    /// Whether an operation failed on the device since this value was formatted or
    /// recovered: it then refuses changes ([`StorageError::NeedsRecovery`]) until
    /// [`recover`](Self::recover) gives a value that knows what the device holds.
    #[must_use]
    pub const fn needs_recovery(&self) -> bool {
        self.needs_recovery
    }

    /// The copy holding the committed state.
    #[must_use]
    pub const fn current_copy(&self) -> MetadataCopy {
        self.current
    }

    /// Adds a signed passport ([`Vault::add`]) and commits. A refusal — a repeated or nil
    /// id, a full vault, or a vault that would no longer fit in `blocks_per_copy` blocks
    /// ([`Error::CapacityExceeded`]) — writes nothing.
    pub fn add<D: BlockDevice>(
        &mut self,
        device: &mut D,
        passport: Passport,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        check_not_poisoned(self.needs_recovery, self.copies.first_block)?;
        let mut next = self.vault.clone();
        next.add(passport)?;
        let result = self.commit(device, next, scratch, false);
        note_device_error(&mut self.needs_recovery, result)
    }

    /// Removes the passport with this id and commits; `Ok(None)` (nothing written) when
    /// the vault holds no such passport.
    pub fn remove<D: BlockDevice>(
        &mut self,
        device: &mut D,
        passport_id: Uuid,
        scratch: &mut [u8],
    ) -> Result<Option<Passport>, StorageError<D::Error>> {
        check_not_poisoned(self.needs_recovery, self.copies.first_block)?;
        let mut next = self.vault.clone();
        let Some(removed) = next.remove(passport_id) else {
            return Ok(None);
        };
        let result = self.commit(device, next, scratch, false);
        note_device_error(&mut self.needs_recovery, result)?;
        Ok(Some(removed))
    }

    /// Writes `next` with the generation after the current one into the other copy (the
    /// whole copy, tail blocks padded, when `whole_copy`); on success it becomes the
    /// committed state.
    fn commit<D: BlockDevice>(
        &mut self,
        device: &mut D,
        mut next: Vault<CAPACITY>,
        scratch: &mut [u8],
        whole_copy: bool,
    ) -> Result<(), StorageError<D::Error>> {
        let blocks = next.block_count();
        let room = usize::try_from(self.copies.blocks_per_copy).unwrap_or(usize::MAX);
        if blocks > room {
            return Err(StorageError::Region(Error::CapacityExceeded {
                what: "vault blocks per copy",
                count: u64::try_from(blocks).unwrap_or(u64::MAX),
                capacity: room,
            }));
        }
        let generation = self.vault.generation().wrapping_add(1);
        next.set_generation(generation);
        let size = next.block_size().get();
        let mut length = next.emit(take_scratch::<D::Error>(scratch, next.buffer_len())?)?;
        if whole_copy {
            let copy_len = self.copies.copy_len(size);
            length = pad_copy(scratch, length, copy_len, size, Tag::CMVT, generation)?;
        }
        let bytes = take_scratch::<D::Error>(scratch, length)?;
        let target = self.current.other();
        self.copies.write(device, target, bytes)?;
        self.vault = next;
        self.current = target;
        Ok(())
    }
}
