//! A Compliance Vault persisted on a block device.

use super::committed::Committed;
use super::copies::{Copies, MetadataCopy, check_fits};
use super::device::BlockDevice;
use super::error::StorageError;
use crate::block::BlockSize;
use crate::error::{Error, Result};
use crate::vault::{Passport, Vault};
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
    committed: Committed<Vault<CAPACITY>>,
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

    /// The two copies' places; a copy needs at least one block.
    fn copies<E>(first_block: u64, blocks_per_copy: u64) -> Result<Copies, StorageError<E>> {
        if blocks_per_copy == 0 {
            return Err(StorageError::Region(Error::InvalidArgument {
                argument: "blocks_per_copy",
                requirement: "a vault copy needs at least one block",
            }));
        }
        Ok(Copies {
            first_block,
            blocks_per_copy,
        })
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
        let copies = Self::copies(first_block, blocks_per_copy)?;
        check_fits(device, first_block, Self::blocks_needed(blocks_per_copy))?;
        let committed = Committed::format(device, copies, vault, scratch)?;
        Ok(StoredVault { committed })
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
        let copies = Self::copies(first_block, blocks_per_copy)?;
        let committed = Committed::recover(device, copies, scratch)?;
        Ok(StoredVault { committed })
    }

    /// The vault as last committed.
    #[must_use]
    pub const fn vault(&self) -> &Vault<CAPACITY> {
        &self.committed.value
    }

    /// Whether an operation failed on the device since this value was formatted or
    /// recovered: it then refuses changes ([`StorageError::NeedsRecovery`]) until
    /// [`recover`](Self::recover) gives a value that knows what the device holds.
    #[must_use]
    pub const fn needs_recovery(&self) -> bool {
        self.committed.needs_recovery
    }

    /// The copy holding the committed state.
    #[must_use]
    pub const fn current_copy(&self) -> MetadataCopy {
        self.committed.current
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
        self.committed.check_not_poisoned()?;
        // In place, no copy of the vault: a refusal changes nothing, a failure is undone.
        self.committed.value.add(passport)?;
        let result = self.committed.commit(device, scratch, false);
        if result.is_err() {
            self.committed.value.undo_add();
        }
        self.committed.note(result)
    }

    /// Removes the passport with this id and commits; `Ok(None)` (nothing written) when
    /// the vault holds no such passport.
    pub fn remove<D: BlockDevice>(
        &mut self,
        device: &mut D,
        passport_id: Uuid,
        scratch: &mut [u8],
    ) -> Result<Option<Passport>, StorageError<D::Error>> {
        self.committed.check_not_poisoned()?;
        let Some((index, removed)) = self.committed.value.remove_at_id(passport_id) else {
            return Ok(None);
        };
        let result = self.committed.commit(device, scratch, false);
        match self.committed.note(result) {
            Ok(()) => Ok(Some(removed)),
            Err(error) => {
                self.committed.value.undo_remove(index, removed);
                Err(error)
            }
        }
    }
}
