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
    /// assert_eq!(stored.vault().count(), 0);
    /// # Ok::<(), dwvd_regions::storage::StorageError<dwvd_regions::storage::RamDeviceError>>(())
    /// ```
    #[must_use]
    pub const fn new(first_block: u64, blocks_per_copy: u64, vault: Vault<CAPACITY>) -> Self {
        StoredVault {
            committed: Committed::new(
                vault,
                Copies {
                    first_block,
                    blocks_per_copy,
                },
            ),
        }
    }

    /// Checks that a copy has at least one block and that both fit on `device`.
    fn check_layout<D: BlockDevice>(&self, device: &D) -> Result<(), StorageError<D::Error>> {
        let copies = self.committed.copies;
        if copies.blocks_per_copy == 0 {
            return Err(StorageError::Region(Error::InvalidArgument {
                argument: "blocks_per_copy",
                requirement: "a vault copy needs at least one block",
            }));
        }
        check_fits(
            device,
            copies.first_block,
            Self::blocks_needed(copies.blocks_per_copy),
        )
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
        let mut stored = Self::new(first_block, blocks_per_copy, vault);
        stored.format_in_place(device, scratch)?;
        Ok(stored)
    }

    /// [`format`](Self::format) for a value made by [`new`](Self::new): writes its vault
    /// as a new region, in place.
    pub fn format_in_place<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.check_layout(device)?;
        self.committed.format(device, scratch)
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
        let vault = Vault::new(device.block_size());
        let mut stored = Self::new(first_block, blocks_per_copy, vault);
        stored.reload(device, scratch)?;
        Ok(stored)
    }

    /// [`recover`](Self::recover) into this value, in place (each passport is filled where
    /// it lies): at start-up for a value made by [`new`](Self::new), or after a device
    /// error made it [`needs_recovery`](Self::needs_recovery). On an error the value is
    /// unspecified and refuses changes until a reload succeeds.
    pub fn reload<D: BlockDevice>(
        &mut self,
        device: &mut D,
        scratch: &mut [u8],
    ) -> Result<(), StorageError<D::Error>> {
        self.check_layout(device)?;
        self.committed.reload(device, scratch)
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
