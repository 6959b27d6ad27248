//! Ticks: .NET ticks with checked conversions to and from Unix time.

use dwvd_regions::Ticks;
use proptest::prelude::*;

/// `new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks` in .NET.
const Y2K_TICKS: i64 = 630_822_816_000_000_000;
const Y2K_UNIX: i64 = 946_684_800;

#[test]
fn known_instants() {
    assert_eq!(Ticks::UNIX_EPOCH.get(), 621_355_968_000_000_000);
    assert_eq!(Ticks::UNIX_EPOCH.to_unix_seconds(), 0);
    assert_eq!(Ticks::UNIX_EPOCH.to_unix_nanos(), 0);
    assert_eq!(
        Ticks::from_unix_seconds(Y2K_UNIX),
        Some(Ticks::new(Y2K_TICKS))
    );
    assert_eq!(Ticks::new(Y2K_TICKS).to_unix_seconds(), Y2K_UNIX);
    // 0001-01-01 is 62 135 596 800 s before the Unix epoch.
    assert_eq!(Ticks::new(0).to_unix_seconds(), -62_135_596_800);
    // The golden vectors' timestamps: 639000000000000000 ticks.
    let golden = Ticks::new(639_000_000_000_000_000);
    assert_eq!(golden.to_unix_seconds(), 1_764_403_200);
    assert_eq!(golden.subsec_nanos(), 0);
}

#[test]
fn conversions_round_down_towards_the_past() {
    let just_before_epoch = Ticks::new(Ticks::UNIX_EPOCH.get() - 1);
    assert_eq!(just_before_epoch.to_unix_seconds(), -1);
    assert_eq!(just_before_epoch.subsec_nanos(), 999_999_900);
    assert_eq!(just_before_epoch.to_unix_nanos(), -100);
    assert_eq!(
        Ticks::from_unix_nanos(150),
        Ticks::UNIX_EPOCH.checked_add(1)
    );
    assert_eq!(
        Ticks::from_unix_nanos(-50),
        Ticks::UNIX_EPOCH.checked_sub(1)
    );
    assert_eq!(
        Ticks::from_unix_nanos(-100),
        Ticks::UNIX_EPOCH.checked_sub(1)
    );
}

#[test]
fn display_shows_exact_unix_seconds_on_both_sides_of_the_epoch() {
    assert_eq!(
        Ticks::new(639_000_000_000_000_000).to_string(),
        "639000000000000000 ticks (unix 1764403200.0000000)"
    );
    let before = Ticks::UNIX_EPOCH.checked_sub(1).unwrap();
    assert_eq!(
        before.to_string(),
        "621355967999999999 ticks (unix -0.0000001)"
    );
    let later = Ticks::UNIX_EPOCH.checked_add(15_000_001).unwrap();
    assert_eq!(
        later.to_string(),
        "621355968015000001 ticks (unix 1.5000001)"
    );
    assert!(
        Ticks::MIN
            .to_string()
            .starts_with("-9223372036854775808 ticks (unix -")
    );
}

#[test]
fn out_of_range_is_none_not_a_panic() {
    assert_eq!(Ticks::from_unix_seconds(i64::MAX), None);
    assert_eq!(Ticks::from_unix_seconds(i64::MIN), None);
    assert_eq!(Ticks::from_unix_nanos(i128::MAX), None);
    assert_eq!(Ticks::from_unix_nanos(i128::MIN), None);
    assert_eq!(Ticks::MAX.checked_add(1), None);
    assert_eq!(Ticks::MIN.checked_sub(1), None);
    let expected_min = (i128::from(i64::MIN) - i128::from(Ticks::UNIX_EPOCH.get())) * 100;
    assert_eq!(Ticks::MIN.to_unix_nanos(), expected_min);
    assert_eq!(
        Ticks::MIN.to_unix_seconds(),
        i64::MIN.div_euclid(10_000_000) - 62_135_596_800
    );
    assert_eq!(
        Ticks::MAX.to_unix_seconds(),
        i64::MAX / 10_000_000 - 62_135_596_800
    );
}

#[cfg(feature = "std")]
#[test]
fn system_time_round_trip() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let time = UNIX_EPOCH + Duration::new(Y2K_UNIX as u64, 1234500);
    let ticks = Ticks::try_from(time).unwrap();
    assert_eq!(ticks.get(), Y2K_TICKS + 12345);
    assert_eq!(SystemTime::try_from(ticks).unwrap(), time);
    let before = UNIX_EPOCH - Duration::from_secs(86_400);
    assert_eq!(Ticks::try_from(before).unwrap().to_unix_seconds(), -86_400);
    // The clock reads a time after this code was written, within a second of SystemTime.
    let now = Ticks::now().unwrap();
    assert!(now > Ticks::from_unix_seconds(1_764_000_000).unwrap());
    let system = Ticks::try_from(SystemTime::now()).unwrap();
    assert!((system.get() - now.get()).abs() < Ticks::PER_SECOND);
}

proptest! {
    #[test]
    fn every_tick_survives_nanoseconds_and_seconds(ticks: i64) {
        let t = Ticks::new(ticks);
        prop_assert_eq!(Ticks::from_unix_nanos(t.to_unix_nanos()), Some(t));
        let rebuilt = i128::from(t.to_unix_seconds()) * 10_000_000
            + i128::from(t.subsec_nanos() / 100)
            + i128::from(Ticks::UNIX_EPOCH.get());
        prop_assert_eq!(rebuilt, i128::from(ticks));
        prop_assert!(t.subsec_nanos() < 1_000_000_000);
    }

    #[test]
    fn unix_seconds_in_range_round_trip(seconds in -62_135_596_800i64..=860_000_000_000) {
        let t = Ticks::from_unix_seconds(seconds).unwrap();
        prop_assert_eq!(t.to_unix_seconds(), seconds);
        prop_assert_eq!(t.subsec_nanos(), 0);
    }
}
