//! A Compliance Vault persisted on a block device.

use uuid::Uuid;

use super::device::BlockDevice;
use super::error::StorageError;
use super::stored::{Stored, copy_bytes};
use crate::block::BlockSize;
use crate::vault::{Passport, Vault};

/// A [`Vault`] kept on a [`BlockDevice`] in a fixed number of blocks (a [`Stored`] vault),
/// every change atomic under a power cut.
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
/// assert_eq!(stored.region().count(), 1);
/// let verified = stored.region().verify_all(key.verifying_key()).filter(|(_, result)| result.is_ok());
/// assert_eq!(verified.count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type StoredVault<const CAPACITY: usize> = Stored<Vault<CAPACITY>>;

impl<const CAPACITY: usize> Stored<Vault<CAPACITY>> {
    /// Device blocks the region takes: two copies of `blocks_per_copy` blocks.
    #[must_use]
    pub const fn blocks_needed(blocks_per_copy: u64) -> u64 {
        blocks_per_copy.saturating_mul(2)
    }

    /// Scratch bytes every operation needs: one copy.
    #[must_use]
    pub const fn scratch_len(block_size: BlockSize, blocks_per_copy: u64) -> usize {
        copy_bytes(blocks_per_copy, block_size)
    }

    /// The vault region at `first_block`, copies of `blocks_per_copy` blocks, holding
    /// `vault` — not yet written or read: [`format_in_place`](Self::format_in_place)
    /// writes `vault` as a new region, [`reload`](Self::reload) replaces it with what the
    /// device holds, and until one of them succeeds the value refuses changes
    /// ([`StorageError::NeedsRecovery`]).
    ///
    /// A `const fn`, so firmware can keep the stored vault in a `static` and never move
    /// it — a vault of a few passports is kilobytes, and [`format`](Self::format) /
    /// [`recover`](Self::recover) return it by value:
    ///
    /// ```
    /// use dwvd_regions::BlockSize;
    /// use dwvd_regions::storage::{RamDevice, StoredVault};
    /// use dwvd_regions::vault::Vault;
    ///
    /// const STORED: StoredVault<2> = StoredVault::new(0, 2, Vault::new(BlockSize::MIN));
    ///
    /// let mut device = RamDevice::<512, 4>::new();
    /// let mut scratch = [0u8; 1024];
    /// let mut stored = STORED; // in firmware: a static_cell::ConstStaticCell
    /// stored.format_in_place(&mut device, &mut scratch)?;
    /// // After a reset: the same value, read back where it lies.
    /// stored.reload(&mut device, &mut scratch)?;
    /// assert_eq!(stored.region().count(), 0);
    /// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
    /// ```
    #[must_use]
    pub const fn new(first_block: u64, blocks_per_copy: u64, vault: Vault<CAPACITY>) -> Self {
        Self::with_copies(vault, first_block, blocks_per_copy)
    }

    /// Writes `vault` to a new region at `first_block` with room for `blocks_per_copy`
    /// blocks per copy (at least 1): copy B, then copy A with the next generation.
    /// Formatting is not atomic: if it is cut, format again.
    ///
    /// # Errors
    ///
    /// As [`format_in_place`](Self::format_in_place).
    pub fn format<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        vault: Vault<CAPACITY>,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::new(first_block, blocks_per_copy, vault).formatted(device, scratch)
    }

    /// Reads the vault back from `first_block` (copies of `blocks_per_copy` blocks): of
    /// the two copies, the valid one (checksums, one generation across its blocks, unique
    /// ids, at most `CAPACITY` passports), or of two valid ones the newer generation
    /// ([`reload`](Self::reload)). Signatures are not checked here: verify them with your
    /// key ([`Vault::verify_all`]).
    ///
    /// # Errors
    ///
    /// As [`reload`](Self::reload).
    pub fn recover<D: BlockDevice>(
        device: &mut D,
        first_block: u64,
        blocks_per_copy: u64,
        scratch: &mut [u8],
    ) -> Result<Self, StorageError<D::Error>> {
        Self::recover_at(device, first_block, blocks_per_copy, scratch)
    }

    /// Adds a signed passport ([`Vault::add`]) and commits.
    ///
    /// # Errors
    ///
    /// A refusal — a repeated or nil id, a full vault, or a vault that would no longer
    /// fit in `blocks_per_copy` blocks (`capacity_exceeded`) — writes nothing; after a
    /// device error the value [needs recovery](Self::needs_recovery).
    pub fn add<D: BlockDevice>(
        &mut self,
        device: &mut D,
        passport: Passport,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.check_current()?;
        // In place, no copy of the vault: a refusal changes nothing, a failure is undone.
        self.value_mut().add(passport)?;
        let result = self.commit(device, scratch, false);
        if result.is_err() {
            self.value_mut().undo_add();
        }
        self.note(&result);
        result
    }

    /// Removes the passport with this id and commits; `Ok(None)` (nothing written) when
    /// the vault holds no such passport.
    ///
    /// # Errors
    ///
    /// The device's error (the passport is then put back in the value, which [needs
    /// recovery](Self::needs_recovery)).
    pub fn remove<D: BlockDevice>(
        &mut self,
        device: &mut D,
        passport_id: Uuid,
        scratch: &mut [u8],
    ) -> Result<Option<Passport>, StorageError<D::Error>> {
        self.check_current()?;
        let Some((index, removed)) = self.value_mut().remove_at_id(passport_id) else {
            return Ok(None);
        };
        if let Err(error) = self.commit(device, scratch, false) {
            self.value_mut().undo_remove(index, removed);
            let result = Err(error);
            self.note(&result);
            return result;
        }
        Ok(Some(removed))
    }
}
