//! Timestamps as .NET ticks (SPEC §5), with checked conversions to and from Unix time.

use core::fmt;

/// A point in time as .NET ticks: 100-nanosecond units since 0001-01-01T00:00:00Z,
/// the unit of every `*_ticks` field on disk.
///
/// The crate has no clock: firmware passes the time it has (an RTC, a host-provided
/// time) as `Ticks`. Conversions to and from Unix time are checked and never panic.
///
/// ```
/// use dwvd_regions::Ticks;
///
/// assert_eq!(Ticks::UNIX_EPOCH.get(), 621_355_968_000_000_000);
/// let t = Ticks::from_unix_seconds(1_700_000_000).unwrap();
/// assert_eq!(t.to_unix_seconds(), 1_700_000_000);
/// assert_eq!(t.to_unix_nanos(), 1_700_000_000_000_000_000);
/// // Far outside the range of i64 ticks: None, not a panic.
/// assert_eq!(Ticks::from_unix_seconds(i64::MAX), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Ticks(i64);

impl Ticks {
    /// Ticks in one second.
    pub const PER_SECOND: i64 = 10_000_000;
    /// Nanoseconds in one tick.
    pub const NANOS_PER_TICK: i64 = 100;
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Ticks = Ticks(621_355_968_000_000_000);
    /// Unix epoch in whole seconds since 0001-01-01.
    const UNIX_EPOCH_SECONDS: i64 = 62_135_596_800;
    /// The earliest representable time.
    pub const MIN: Ticks = Ticks(i64::MIN);
    /// The latest representable time.
    pub const MAX: Ticks = Ticks(i64::MAX);

    /// The time `ticks` 100-ns units after 0001-01-01T00:00:00Z.
    #[must_use]
    pub const fn new(ticks: i64) -> Self {
        Ticks(ticks)
    }

    /// The raw tick count, as stored on disk.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The time `seconds` after the Unix epoch, or `None` if it is out of range.
    #[must_use]
    pub const fn from_unix_seconds(seconds: i64) -> Option<Self> {
        match seconds.checked_mul(Self::PER_SECOND) {
            Some(since_epoch) => match since_epoch.checked_add(Self::UNIX_EPOCH.0) {
                Some(ticks) => Some(Ticks(ticks)),
                None => None,
            },
            None => None,
        }
    }

    /// The time `nanoseconds` after the Unix epoch, rounded down to a whole tick, or
    /// `None` if it is out of range.
    #[must_use]
    pub fn from_unix_nanos(nanoseconds: i128) -> Option<Self> {
        let since_epoch = nanoseconds.div_euclid(i128::from(Self::NANOS_PER_TICK));
        let ticks = since_epoch.checked_add(i128::from(Self::UNIX_EPOCH.0))?;
        i64::try_from(ticks).ok().map(Ticks)
    }

    /// Whole seconds since the Unix epoch, rounded down (towards the past).
    #[must_use]
    pub const fn to_unix_seconds(self) -> i64 {
        // |ticks / 10^7| < 9.3 * 10^11, so the subtraction cannot overflow.
        self.0
            .div_euclid(Self::PER_SECOND)
            .saturating_sub(Self::UNIX_EPOCH_SECONDS)
    }

    /// The nanoseconds past [`to_unix_seconds`](Ticks::to_unix_seconds), in 0..1e9.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        let ticks_in_second = self.0.rem_euclid(Self::PER_SECOND);
        // 0 <= ticks_in_second < 10^7, so the product is < 10^9 and fits in u32.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let nanos = ticks_in_second.saturating_mul(Self::NANOS_PER_TICK) as u32;
        nanos
    }

    /// Nanoseconds since the Unix epoch. Every tick value fits in i128: this never fails.
    #[must_use]
    pub const fn to_unix_nanos(self) -> i128 {
        // i64 range times 100 is far inside i128.
        (self.0 as i128)
            .saturating_sub(Self::UNIX_EPOCH.0 as i128)
            .saturating_mul(Self::NANOS_PER_TICK as i128)
    }

    /// `self + ticks`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, ticks: i64) -> Option<Self> {
        match self.0.checked_add(ticks) {
            Some(sum) => Some(Ticks(sum)),
            None => None,
        }
    }

    /// `self - ticks`, or `None` on overflow.
    #[must_use]
    pub const fn checked_sub(self, ticks: i64) -> Option<Self> {
        match self.0.checked_sub(ticks) {
            Some(difference) => Some(Ticks(difference)),
            None => None,
        }
    }

    /// The current time from the system clock, or `None` if it cannot be represented.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn now() -> Option<Self> {
        Self::try_from(std::time::SystemTime::now()).ok()
    }
}

impl From<i64> for Ticks {
    fn from(ticks: i64) -> Self {
        Ticks(ticks)
    }
}

impl From<Ticks> for i64 {
    fn from(ticks: Ticks) -> i64 {
        ticks.0
    }
}

/// Shown as the raw tick count followed by the exact Unix time in seconds, e.g.
/// `639000000000000000 ticks (unix 1764403200.0000000)` or, one tick before the epoch,
/// `621355967999999999 ticks (unix -0.0000001)`.
impl fmt::Display for Ticks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // i64 minus the epoch fits in i128 with room to spare.
        let since_epoch = i128::from(self.0).saturating_sub(i128::from(Self::UNIX_EPOCH.0));
        let magnitude = since_epoch.unsigned_abs();
        let per_second = Self::PER_SECOND.unsigned_abs();
        write!(
            f,
            "{} ticks (unix {}{}.{:07})",
            self.0,
            if since_epoch < 0 { "-" } else { "" },
            magnitude.checked_div(u128::from(per_second)).unwrap_or(0),
            magnitude.checked_rem(u128::from(per_second)).unwrap_or(0)
        )
    }
}

#[cfg(feature = "std")]
impl TryFrom<std::time::SystemTime> for Ticks {
    type Error = crate::Error;

    /// The tick of `time`, rounded down; out of range is `invalid_argument`.
    fn try_from(time: std::time::SystemTime) -> Result<Self, crate::Error> {
        let out_of_range = crate::Error::invalid_argument(
            "time",
            text!("must lie between years 1 and 29228 (the range of i64 ticks)"),
        );
        let nanos = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).ok(),
            Err(before) => i128::try_from(before.duration().as_nanos())
                .ok()
                .and_then(i128::checked_neg),
        };
        nanos.and_then(Self::from_unix_nanos).ok_or(out_of_range)
    }
}

#[cfg(feature = "std")]
impl TryFrom<Ticks> for std::time::SystemTime {
    type Error = crate::Error;

    /// The `SystemTime` of `ticks`, if the platform can represent it.
    fn try_from(ticks: Ticks) -> Result<Self, crate::Error> {
        let nanos = ticks.to_unix_nanos();
        let magnitude = core::time::Duration::from_nanos_u128(nanos.unsigned_abs());
        let time = if nanos >= 0 {
            std::time::UNIX_EPOCH.checked_add(magnitude)
        } else {
            std::time::UNIX_EPOCH.checked_sub(magnitude)
        };
        time.ok_or(crate::Error::invalid_argument(
            "ticks",
            text!("must be representable as this platform's SystemTime"),
        ))
    }
}
