//! `arbitrary::Arbitrary` for the owned types (feature `arbitrary`), for structure-aware
//! fuzzing. Values are built through the types' own constructors and operations, so every
//! value is one the crate can produce: emitting then parsing it must give it back.

use arbitrary::{Arbitrary, Result, Unstructured};
use uuid::Uuid;

use crate::Region;
use crate::block::BlockSize;
use crate::streaming::{StreamingRing, WrapPolicy};
use crate::ticks::Ticks;
use crate::vault::{ComplianceStatus, Framework, Passport, Vault};
use crate::worm::WormRegion;

/// Mostly small blocks (fast to fuzz), sometimes any size.
impl<'a> Arbitrary<'a> for BlockSize {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let size = match u.int_in_range(0u8..=7)? {
            0..=3 => 512,
            4 => 1024,
            5 => 4096,
            6 => u.int_in_range(512usize..=2048)?,
            _ => u.int_in_range(512usize..=65536)?,
        };
        Ok(BlockSize::new(size).unwrap_or(BlockSize::MIN))
    }
}

impl<'a> Arbitrary<'a> for Ticks {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Ticks::new(i64::arbitrary(u)?))
    }
}

/// A ring after up to 64 arbitrary appends, consumes and resets.
impl<'a> Arbitrary<'a> for StreamingRing {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let block_size = BlockSize::arbitrary(u)?;
        let max = if u.ratio(1u8, 8)? {
            u.int_in_range(1u64..=i64::MAX.unsigned_abs())?
        } else {
            u.int_in_range(1u64..=64)?
        };
        let growth = if u.ratio(1u8, 8)? {
            u.int_in_range(1u32..=i32::MAX.unsigned_abs())?
        } else {
            u.int_in_range(1u32..=20)?
        };
        let Ok(mut ring) = StreamingRing::new(block_size, max, growth) else {
            return Err(arbitrary::Error::IncorrectFormat);
        };
        for _ in 0..u.int_in_range(0u8..=64)? {
            match u.int_in_range(0u8..=5)? {
                0..=2 => {
                    let _ = ring.append(&[]);
                }
                3 => {
                    let _ = ring.append_with(&[], WrapPolicy::Reject);
                }
                4 => {
                    ring.consume();
                }
                _ => ring.reset(),
            }
        }
        ring.set_generation(u32::arbitrary(u)?);
        Ok(ring)
    }
}

/// A WORM region after arbitrary appends (up to its capacities).
impl<'a, const LOG_CAPACITY: usize> Arbitrary<'a> for WormRegion<LOG_CAPACITY> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let block_size = BlockSize::arbitrary(u)?;
        let total = if u.ratio(1u8, 8)? {
            u.int_in_range(1u64..=i64::MAX.unsigned_abs())?
        } else {
            u.int_in_range(1u64..=100)?
        };
        let retention = u.int_in_range(0i64..=i64::MAX)?;
        let Ok(mut region) = WormRegion::new(block_size, total, retention, Ticks::arbitrary(u)?)
        else {
            return Err(arbitrary::Error::IncorrectFormat);
        };
        let payload = block_size.payload_len();
        for _ in 0..u.int_in_range(0usize..=LOG_CAPACITY.saturating_add(2))? {
            let length = u.int_in_range(0usize..=payload.saturating_add(1))?;
            let data = u.bytes(length.min(u.len()))?;
            let _ = region.append(data, Ticks::arbitrary(u)?);
        }
        region.set_generation(u32::arbitrary(u)?);
        Ok(region)
    }
}

/// Any passport: non-nil id, any codes and times, issuer and notes within their bounds,
/// any signature bytes.
impl<'a> Arbitrary<'a> for Passport {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let id = u128::arbitrary(u)?.max(1);
        let issuer_len = u.int_in_range(0usize..=128)?;
        let issuer = u.bytes(issuer_len.min(u.len()))?;
        let notes_len = u.int_in_range(0usize..=256)?;
        let notes = u.bytes(notes_len.min(u.len()))?;
        let passport = Passport::new(
            Uuid::from_u128(id),
            Uuid::from_u128(u128::arbitrary(u)?),
            Framework::from_code(u16::arbitrary(u)?),
            ComplianceStatus::from_code(u16::arbitrary(u)?),
        )
        .with_issued(Ticks::arbitrary(u)?)
        .with_expires(Ticks::arbitrary(u)?)
        .with_last_verified(Ticks::arbitrary(u)?)
        .with_issuer(issuer)
        .and_then(|passport| passport.with_notes(notes))
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
        Ok(passport.with_signature(<[u8; 64]>::arbitrary(u)?))
    }
}

/// A vault after arbitrary adds (those it refuses are skipped).
impl<'a, const CAPACITY: usize> Arbitrary<'a> for Vault<CAPACITY> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut vault = Vault::new(BlockSize::arbitrary(u)?);
        for _ in 0..u.int_in_range(0usize..=CAPACITY)? {
            let _ = vault.add(Passport::arbitrary(u)?);
        }
        vault.set_generation(u32::arbitrary(u)?);
        Ok(vault)
    }
}
