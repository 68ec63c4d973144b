//! Times and durations as the token ledger reads and writes them.
//!
//! The ledger keeps times to the millisecond (integer milliseconds since the Unix epoch in
//! SQLite), prints them as RFC 3339 UTC with milliseconds, as Argos does
//! (`2025-11-12T02:23:13.588Z`), and reads durations such as `30d` or `12h`. The calendar
//! arithmetic is Howard Hinnant's days-from-civil algorithm; no time zone database is needed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds since the Unix epoch, rounded down, saturating at the `i64` range.
pub fn to_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_millis()).unwrap_or(i64::MAX);
            // Round down (towards the past), as for times after the epoch.
            let partial = i64::from(before.subsec_nanos() % 1_000_000 != 0);
            whole.saturating_add(partial).saturating_neg()
        }
    }
}

/// The time `ms` milliseconds after (or before, when negative) the Unix epoch. Times the
/// platform cannot represent come out as the epoch.
pub fn from_ms(ms: i64) -> SystemTime {
    let span = Duration::from_millis(ms.unsigned_abs());
    let time = if ms >= 0 { UNIX_EPOCH.checked_add(span) } else { UNIX_EPOCH.checked_sub(span) };
    time.unwrap_or(UNIX_EPOCH)
}

/// `time` rounded down to the millisecond: what the ledger stores.
pub(crate) fn truncate(time: SystemTime) -> SystemTime {
    from_ms(to_ms(time))
}

/// A duration in whole milliseconds, saturating at `i64::MAX`.
pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats a time as RFC 3339 UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`, rounded down
/// to the millisecond.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use faceauth::token::time::format_rfc3339;
///
/// let t = UNIX_EPOCH + Duration::from_millis(1_762_914_193_588);
/// assert_eq!(format_rfc3339(t), "2025-11-12T02:23:13.588Z");
/// ```
pub fn format_rfc3339(time: SystemTime) -> String {
    let ms = to_ms(time);
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (secs, millis) = (in_day / 1000, in_day % 1000);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A fixed number of ASCII digits at `text[at..]`.
fn digits(text: &[u8], at: usize, len: usize) -> Option<i64> {
    let part = text.get(at..at.checked_add(len)?)?;
    part.iter().try_fold(0i64, |n, &b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))
}

/// Reads `YYYY-MM-DD` at the start of `text` as a day number.
fn date(text: &[u8]) -> Option<i64> {
    let (y, m, d) = (digits(text, 0, 4)?, digits(text, 5, 2)?, digits(text, 8, 2)?);
    if text.get(4) != Some(&b'-') || text.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds (kept to the
/// millisecond, rounded down), then `Z` or an offset `±HH:MM`. `t` or a space may stand for
/// `T`, and `z` for `Z`. A bare date `YYYY-MM-DD` is read as midnight UTC. Leap seconds (`:60`)
/// are read as the first millisecond of the next minute. Anything else is `None`.
///
/// ```
/// use faceauth::token::time::{format_rfc3339, parse_rfc3339};
///
/// let t = parse_rfc3339("2025-11-12T11:23:13.588+09:00").expect("valid");
/// assert_eq!(format_rfc3339(t), "2025-11-12T02:23:13.588Z");
/// assert_eq!(parse_rfc3339("2025-02-30T00:00:00Z"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    let day = date(b)?;
    if b.len() == 10 {
        return Some(from_ms(day.checked_mul(MS_PER_DAY)?));
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        let len = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Pad or cut to three digits: ".5" is 500 ms, ".123456" is 123 ms.
        millis = (0..3).fold(0, |n, i| n * 10 + if i < len { i64::from(b[start + i] - b'0') } else { 0 });
        at = start + len;
    }
    let offset_minutes = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let (oh, om) = (digits(rest, 0, 2)?, digits(rest, 3, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = oh * 60 + om;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let seconds = ((hour * 60 + minute - offset_minutes) * 60) + second;
    let ms = day.checked_mul(MS_PER_DAY)?.checked_add(seconds * 1000 + millis)?;
    Some(from_ms(ms))
}

/// Parses a duration: a whole number followed by a unit, `ms`, `s`, `m`, `h`, `d` or `w`
/// (milliseconds, seconds, minutes, hours, days, weeks); a bare number is seconds. Surrounding
/// spaces are ignored. `None` for anything else, or a value too large to represent.
///
/// ```
/// use std::time::Duration;
/// use faceauth::token::time::parse_duration;
///
/// assert_eq!(parse_duration("30d"), Some(Duration::from_secs(30 * 86_400)));
/// assert_eq!(parse_duration("86400"), Some(Duration::from_secs(86_400)));
/// assert_eq!(parse_duration("1.5h"), None);
/// ```
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return None;
    }
    let value: u64 = number.parse().ok()?;
    let ms_per_unit: u64 = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return None,
    };
    Some(Duration::from_millis(value.checked_mul(ms_per_unit)?))
}

/// Formats a duration as [`parse_duration`] reads it: whole seconds as a bare number of
/// seconds, anything else in milliseconds (`"86400"`, `"1500ms"`).
pub(crate) fn format_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_trip_either_side_of_the_epoch() {
        for ms in [0, 1, -1, 999, -999, 1_762_914_193_588, -62_135_596_800_000, i64::MAX / 2] {
            assert_eq!(to_ms(from_ms(ms)), ms, "{ms}");
        }
        // Sub-millisecond parts round down, towards the past.
        assert_eq!(to_ms(UNIX_EPOCH + Duration::from_micros(1_999)), 1);
        assert_eq!(to_ms(UNIX_EPOCH - Duration::from_micros(1_001)), -2);
        assert_eq!(to_ms(UNIX_EPOCH - Duration::from_micros(1_000)), -1);
    }

    #[test]
    fn formats_and_parses_argos_times() {
        let t = parse_rfc3339("2025-11-12T02:23:13.588Z").expect("valid");
        assert_eq!(to_ms(t), 1_762_914_193_588);
        assert_eq!(format_rfc3339(t), "2025-11-12T02:23:13.588Z");
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(from_ms(-1)), "1969-12-31T23:59:59.999Z");
        assert_eq!(to_ms(parse_rfc3339("2024-02-29").expect("leap day")), 1_709_164_800_000);
        assert_eq!(parse_rfc3339("2025-01-01T00:00:00-00:30").map(to_ms), Some(1_735_691_400_000));
        assert_eq!(parse_rfc3339("2025-01-01 00:00:00.5z").map(to_ms), Some(1_735_689_600_500));
        assert_eq!(parse_rfc3339("2025-01-01T00:00:00.123987Z").map(to_ms), Some(1_735_689_600_123));
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z").map(to_ms), Some(1_483_228_800_000));
        // Every day of a 400-year cycle survives a round trip.
        for day in (-146_097..146_097).step_by(7) {
            let t = from_ms(day * MS_PER_DAY + 45_296_789);
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t), "{}", format_rfc3339(t));
        }
    }

    #[test]
    fn refuses_what_is_not_rfc3339() {
        for bad in [
            "",
            "2025",
            "2025-13-01",
            "2023-02-29",
            "2025-00-10",
            "2025-01-32",
            "2025-01-01T",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:60:00Z",
            "2025-01-01T00:00:61Z",
            "2025-01-01T00:00:00",
            "2025-01-01T00:00:00.Z",
            "2025-01-01T00:00:00+0900",
            "2025-01-01T00:00:00+24:00",
            "2025-01-01T00:00:00Zjunk",
            "2025-01-01X00:00:00Z",
            "２０２５-01-01",
            "+2025-01-01",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration(" 90 "), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2w"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "h", "-5s", "5 s", "5y", "1e3", "99999999999999999999d", "18446744073709551615d"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
        assert_eq!(format_duration(Duration::from_secs(86_400)), "86400");
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1500ms");
    }
}
