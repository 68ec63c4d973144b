//! Times as Argos writes them: RFC 3339 UTC with milliseconds (`2025-10-02T02:15:17.554Z`).
//!
//! The simulator keeps times as milliseconds since the Unix epoch (`i64`); the calendar work is
//! the core's (`faceauth::token::time`), so both sides read and write times the same way.

use std::time::SystemTime;

use faceauth::token::time::{self as core_time, from_ms, to_ms};

const MS_PER_DAY: i64 = 86_400_000;

/// The real time, in milliseconds since the epoch.
pub(crate) fn real_now_ms() -> i64 {
    to_ms(SystemTime::now())
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn format_rfc3339(ms: i64) -> String {
    core_time::format_rfc3339(from_ms(ms))
}

/// The UTC day number of a time.
pub(crate) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY)
}

/// Parses `YYYY-MM-DD` (and nothing else) to a day number.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    if text.len() != 10 {
        return None;
    }
    core_time::parse_rfc3339(text).map(|t| day_of(to_ms(t)))
}

/// Parses an RFC 3339 time (`T`, `t` or a space between date and time; fraction optional;
/// `Z` or `±HH:MM`; surrounding spaces ignored) to milliseconds.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    core_time::parse_rfc3339(text.trim()).map(to_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_argos_times() {
        let ms = parse_rfc3339(" 2025-10-02T02:15:17.554Z ").expect("valid");
        assert_eq!(format_rfc3339(ms), "2025-10-02T02:15:17.554Z");
        assert_eq!(parse_date("2025-10-02"), Some(day_of(ms)));
        assert_eq!(parse_date("2025-10-02T00:00:00Z"), None);
        assert_eq!(parse_date("2025-02-30"), None);
    }
}
