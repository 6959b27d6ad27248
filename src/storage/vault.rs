//! A Compliance Vault persisted on a block device.

use uuid::Uuid;

use super::device::BlockDevice;
use super::error::StorageError;
use super::journal::JournalEntryKind;
use super::maybe_async::maybe_async;
use super::stored::{self, Stored, copy_bytes};
use crate::block::BlockSize;
use crate::vault::{Passport, Vault};

/// A [`Vault`] kept on a [`BlockDevice`] in a fixed number of blocks (a [`Stored`] vault),
/// every change atomic under a power cut.
///
/// # Layout (device blocks, from `first_block`)
///
/// | blocks | what |
/// |---|---|
/// | `blocks_per_copy` | checkpoint copy A (SPEC §4) |
/// | `blocks_per_copy` | checkpoint copy B |
/// | `J` | the journal (tag `MWAL`): adds and removes since the checkpoint; `J` = [`default_journal_blocks`](Self::default_journal_blocks) unless [`with_journal_blocks`](Self::with_journal_blocks) says otherwise |
///
/// # What a change writes
///
/// [`add`](Self::add) writes one journal entry holding the passport's bytes, and
/// [`remove`](Self::remove) one holding its id, then syncs: the commit point. The vault
/// is not rewritten, so the cost does not grow with it. When the journal is full (or a
/// passport is too large for a journal block), the change is committed by a checkpoint
/// instead: the whole vault, every block sealed with the next generation, into the copy
/// not holding the current one. A cut entry fails its checksum and is ignored; a cut
/// checkpoint leaves a copy that fails its checksum or whose blocks carry different
/// generations, so [`recover`](Self::recover) keeps the other and replays the journal
/// on it.
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
/// // Two copies of 2 blocks and a journal of 4: 8 blocks.
/// assert_eq!(StoredVault::<4>::blocks_needed(2), 8);
/// let mut device = RamDevice::<512, 8>::new();
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
    /// Journal blocks by default for copies of `blocks_per_copy` blocks: two copies'
    /// worth (at least 2), so a checkpoint, which costs up to one copy, comes at most
    /// once per that many blocks of entries.
    #[must_use]
    pub const fn default_journal_blocks(blocks_per_copy: u64) -> u64 {
        let blocks = blocks_per_copy.saturating_mul(2);
        if blocks < 2 { 2 } else { blocks }
    }

    /// Device blocks the region takes with the default journal: two copies of
    /// `blocks_per_copy` blocks and the journal.
    #[must_use]
    pub const fn blocks_needed(blocks_per_copy: u64) -> u64 {
        blocks_per_copy
            .saturating_mul(2)
            .saturating_add(Self::default_journal_blocks(blocks_per_copy))
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
    /// let mut device = RamDevice::<512, 8>::new(); // StoredVault::<2>::blocks_needed(2)
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
        let journal = Self::default_journal_blocks(blocks_per_copy);
        Self::with_layout(vault, first_block, blocks_per_copy, journal)
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
        stored::blocking::StoredIo::formatted(
            Self::new(first_block, blocks_per_copy, vault),
            device,
            scratch,
        )
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
        <Self as blocking::VaultIo>::recover_on(device, first_block, blocks_per_copy, scratch)
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
        blocking::VaultIo::add_on(self, device, passport, scratch)
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
        blocking::VaultIo::remove_on(self, device, passport_id, scratch)
    }
}

maybe_async! {
    use { stored::{StoredIo as _} };

    /// The vault's operations on the device.
    impl<const CAPACITY: usize> VaultIo for Stored<Vault<CAPACITY>> {
        /// [`recover`](Stored::recover).
        async fn recover_on<D: Device>(
            device: &mut D,
            first_block: u64,
            blocks_per_copy: u64,
            scratch: &mut [u8],
        ) -> Result<Self, StorageError<D::Error>> {
            let journal = Self::default_journal_blocks(blocks_per_copy);
            io!(Self::recover_at(device, first_block, blocks_per_copy, journal, scratch))
        }

        /// [`add`](Stored::add).
        async fn add_on<D: Device>(
            &mut self,
            device: &mut D,
            passport: Passport,
            scratch: &mut [u8],
        ) -> Result<(), StorageError<D::Error>> {
            self.check_current()?;
            // In place, no copy of the vault: a refusal changes nothing, a failure is
            // undone.
            self.value_mut().add(passport)?;
            if let Err(error) = self.check_fits_copy() {
                self.value_mut().undo_add();
                return Err(error);
            }
            let result = match self.region().all().last() {
                Some(added) => {
                    let added = added.clone();
                    io!(self.record(
                        device,
                        JournalEntryKind::VaultAdd,
                        added.serialized_len(),
                        &mut |payload| added.write_to(payload).map(|_| ()),
                        scratch,
                    ))
                }
                None => io!(self.commit(device, scratch)),
            };
            if result.is_err() {
                self.value_mut().undo_add();
            }
            self.note(&result);
            result
        }

        /// [`remove`](Stored::remove).
        async fn remove_on<D: Device>(
            &mut self,
            device: &mut D,
            passport_id: Uuid,
            scratch: &mut [u8],
        ) -> Result<Option<Passport>, StorageError<D::Error>> {
            self.check_current()?;
            let Some((index, removed)) = self.value_mut().remove_at_id(passport_id) else {
                return Ok(None);
            };
            let id = passport_id.to_bytes_le();
            let result = io!(self.record(
                device,
                JournalEntryKind::VaultRemove,
                id.len(),
                &mut |payload| {
                    payload.copy_from_slice(&id);
                    Ok(())
                },
                scratch,
            ));
            if let Err(error) = result {
                self.value_mut().undo_remove(index, removed);
                let result = Err(error);
                self.note(&result);
                return result;
            }
            Ok(Some(removed))
        }
    }
}
