//! Times as people read and write them: RFC 3339 (UTC) beside .NET ticks, and `now`.

use anyhow::{Context, bail};

/// Ticks in a second, a day.
const PER_SECOND: i64 = 10_000_000;
const PER_DAY: i64 = 86_400 * PER_SECOND;
/// Days from 0001-01-01 to 1970-01-01 (proleptic Gregorian).
const DAYS_TO_UNIX_EPOCH: i64 = 719_162;

/// The calendar date of `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era
        .saturating_sub(day_of_era / 1460)
        .saturating_add(day_of_era / 36_524)
        .saturating_sub(day_of_era / 146_096))
        / 365;
    let day_of_year = day_of_era.saturating_sub(
        365i64
            .saturating_mul(year_of_era)
            .saturating_add(year_of_era / 4)
            .saturating_sub(year_of_era / 100),
    );
    let month_index = (5i64.saturating_mul(day_of_year).saturating_add(2)) / 153;
    let day = day_of_year
        .saturating_sub((153i64.saturating_mul(month_index).saturating_add(2)) / 5)
        .saturating_add(1);
    let month = if month_index < 10 {
        month_index.saturating_add(3)
    } else {
        month_index.saturating_sub(9)
    };
    let year = year_of_era
        .saturating_add(era.saturating_mul(400))
        .saturating_add(i64::from(month <= 2));
    (year, month, day)
}

/// Days after 1970-01-01 of a calendar date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year.saturating_sub(i64::from(month <= 2));
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 {
        month.saturating_sub(3)
    } else {
        month.saturating_add(9)
    };
    let day_of_year = ((153i64.saturating_mul(shifted_month).saturating_add(2)) / 5)
        .saturating_add(day.saturating_sub(1));
    let day_of_era = year_of_era
        .saturating_mul(365)
        .saturating_add(year_of_era / 4)
        .saturating_sub(year_of_era / 100)
        .saturating_add(day_of_year);
    era.saturating_mul(146_097)
        .saturating_add(day_of_era)
        .saturating_sub(719_468)
}

/// `ticks` as an RFC 3339 UTC time (`2025-11-29T08:00:00Z`, fractions of a second when
/// there are any), or `None` before year 1.
pub fn rfc3339(ticks: i64) -> Option<String> {
    if ticks < 0 {
        return None;
    }
    let days = ticks / PER_DAY;
    let in_day = ticks % PER_DAY;
    let (year, month, day) = civil_from_days(days.saturating_sub(DAYS_TO_UNIX_EPOCH));
    let seconds = in_day / PER_SECOND;
    let fraction = in_day % PER_SECOND;
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    );
    if fraction != 0 {
        let digits = format!("{fraction:07}");
        text.push('.');
        text.push_str(digits.trim_end_matches('0'));
    }
    text.push('Z');
    Some(text)
}

/// `ticks` for a person: the calendar time, then the ticks.
pub fn ticks_text(ticks: i64) -> String {
    match rfc3339(ticks) {
        Some(time) => format!("{time} ({ticks} ticks)"),
        None => format!("{ticks} ticks (before year 1)"),
    }
}

/// A time given on the command line: `now`, or RFC 3339 (`2025-11-29T08:00:00Z`,
/// `2025-11-29T09:00:00.5+01:00`), as ticks.
pub fn parse(text: &str) -> anyhow::Result<i64> {
    if text == "now" {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?;
        let seconds = i64::try_from(since.as_secs())?;
        let ticks = seconds
            .checked_add(DAYS_TO_UNIX_EPOCH.saturating_mul(86_400))
            .and_then(|seconds| seconds.checked_mul(PER_SECOND))
            .and_then(|ticks| ticks.checked_add(i64::from(since.subsec_nanos() / 100)))
            .context("now does not fit in ticks")?;
        return Ok(ticks);
    }
    let bad = || anyhow::anyhow!("{text:?} is not an RFC 3339 time (2025-11-29T08:00:00Z) or now");
    let bytes = text.as_bytes();
    let number = |from: usize, to: usize| -> anyhow::Result<i64> {
        let digits = text.get(from..to).ok_or_else(bad)?;
        if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad());
        }
        digits.parse::<i64>().map_err(|_| bad())
    };
    let separator =
        |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|byte| allowed.contains(byte));
    if !(separator(4, b"-")
        && separator(7, b"-")
        && separator(10, b"Tt ")
        && separator(13, b":")
        && separator(16, b":"))
    {
        return Err(bad());
    }
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    let mut at = 19;
    let mut fraction = 0i64;
    if separator(at, b".") {
        let start = at.saturating_add(1);
        let end = text
            .get(start..)
            .and_then(|rest| rest.find(|character: char| !character.is_ascii_digit()))
            .map_or(text.len(), |offset| start.saturating_add(offset));
        let digits = text.get(start..end).ok_or_else(bad)?;
        if digits.is_empty() {
            return Err(bad());
        }
        let kept: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(7)
            .collect();
        fraction = kept.parse().map_err(|_| bad())?;
        at = end;
    }
    let offset_seconds = match text.get(at..) {
        Some("Z" | "z") => 0,
        Some(zone) if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) => {
            let hours = number(at.saturating_add(1), at.saturating_add(3))?;
            let minutes = number(at.saturating_add(4), at.saturating_add(6))?;
            if !separator(at.saturating_add(3), b":") || hours > 23 || minutes > 59 {
                return Err(bad());
            }
            let offset = hours
                .saturating_mul(3600)
                .saturating_add(minutes.saturating_mul(60));
            if zone.starts_with('-') {
                offset.saturating_neg()
            } else {
                offset
            }
        }
        _ => bail!("{text:?}: an RFC 3339 time ends with Z or an offset (+01:00)"),
    };
    let days = days_from_civil(year, month, day).saturating_add(DAYS_TO_UNIX_EPOCH);
    let seconds = days
        .saturating_mul(86_400)
        .saturating_add(hour.saturating_mul(3600))
        .saturating_add(minute.saturating_mul(60))
        .saturating_add(second)
        .saturating_sub(offset_seconds);
    seconds
        .checked_mul(PER_SECOND)
        .and_then(|ticks| ticks.checked_add(fraction))
        .filter(|ticks| *ticks >= 0)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_match_dotnet_ticks() {
        // .NET: new DateTime(1970, 1, 1).Ticks = 621355968000000000.
        assert_eq!(
            parse("1970-01-01T00:00:00Z").unwrap(),
            621_355_968_000_000_000
        );
        assert_eq!(
            rfc3339(621_355_968_000_000_000).unwrap(),
            "1970-01-01T00:00:00Z"
        );
        // 2025-11-29T08:00:00Z = Unix 1764403200.
        let ticks = 621_355_968_000_000_000 + 1_764_403_200 * PER_SECOND;
        assert_eq!(rfc3339(ticks).unwrap(), "2025-11-29T08:00:00Z");
        assert_eq!(parse("2025-11-29T09:00:00+01:00").unwrap(), ticks);
        assert_eq!(parse("2025-11-29T08:00:00.25Z").unwrap(), ticks + 2_500_000);
        assert_eq!(
            rfc3339(ticks + 2_500_000).unwrap(),
            "2025-11-29T08:00:00.25Z"
        );
        // Year 1 and a leap day.
        assert_eq!(rfc3339(0).unwrap(), "0001-01-01T00:00:00Z");
        let leap = parse("2024-02-29T12:00:00Z").unwrap();
        assert_eq!(rfc3339(leap).unwrap(), "2024-02-29T12:00:00Z");
        assert!(rfc3339(-1).is_none());
        for bad in [
            "2025-13-01T00:00:00Z",
            "2025-11-29",
            "yesterday",
            "2025-11-29T08:00:00",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("now").unwrap() > ticks);
    }
}
