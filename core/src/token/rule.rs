//! Token rules: when a used token expires, mirroring the FaceAuth project's token-expiration
//! setting.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use super::ledger::LedgerError;
use super::time::{duration_ms, format_duration, from_ms, parse_duration, to_ms};
use crate::webhook::ExpiredCondition;

/// When a token expires, as the FaceAuth project's token-expiration option sets it.
///
/// Times are kept to the millisecond: a duration's sub-millisecond part is ignored.
///
/// As text (`Display` and `FromStr`): `count`, or `time:` and a duration as
/// [`parse_duration`](super::time::parse_duration) reads it (`time:86400`, `time:24h`);
/// whole seconds print as a bare number of seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenRule {
    /// Count-based: the token expires at its first use.
    Count,
    /// Time-based: the token expires this long after its first use.
    Time(Duration),
}

/// What a [`TokenRule`] says about a token at some moment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleState {
    /// Never used.
    Unused,
    /// Used, and the rule still allows use until `until` (exclusive). Only time rules give
    /// this: a count rule's first use spends the token.
    Active {
        /// The first moment at which the token is expired.
        until: SystemTime,
    },
    /// The rule has expired the token.
    Expired {
        /// [`ExpiryReason::Count`] or [`ExpiryReason::Time`].
        reason: ExpiryReason,
        /// When: the first use (count), or the first use plus the duration (time).
        at: SystemTime,
    },
}

/// Why a token expired.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExpiryReason {
    /// The count rule: the first use spent it.
    Count,
    /// The time rule: its duration since the first use has passed.
    Time,
    /// A `token_expired` webhook reported it, with Argos's `expired_condition`.
    Reported(ExpiredCondition),
}

impl ExpiryReason {
    /// A stable lowercase name: `count`, `time` or `reported`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExpiryReason::Count => "count",
            ExpiryReason::Time => "time",
            ExpiryReason::Reported(_) => "reported",
        }
    }
}

impl fmt::Display for ExpiryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpiryReason::Reported(condition) => write!(f, "reported ({condition})"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl TokenRule {
    /// The rule's state for a token first used at `first_use` (or never), at `now`.
    ///
    /// - never used: [`RuleState::Unused`];
    /// - [`Count`](Self::Count): from the first use on, [`RuleState::Expired`] with reason
    ///   [`ExpiryReason::Count`] at the first use;
    /// - [`Time(d)`](Self::Time): [`RuleState::Active`] while `now < first_use + d`, with `until =
    ///   first_use + d`; from exactly `first_use + d` on, [`RuleState::Expired`] with reason
    ///   [`ExpiryReason::Time`] at `first_use + d`. `Time(0)` expires at the first use.
    ///
    /// A recorded use counts even when `now` is earlier (another clock wrote it). Times are
    /// compared in whole milliseconds, rounded down; `first_use + d` saturates far in the future.
    pub fn evaluate(&self, first_use: Option<SystemTime>, now: SystemTime) -> RuleState {
        let Some(first_use) = first_use else { return RuleState::Unused };
        let first_ms = to_ms(first_use);
        match self {
            TokenRule::Count => RuleState::Expired { reason: ExpiryReason::Count, at: from_ms(first_ms) },
            TokenRule::Time(duration) => {
                let end = first_ms.saturating_add(duration_ms(*duration));
                if to_ms(now) < end {
                    RuleState::Active { until: from_ms(end) }
                } else {
                    RuleState::Expired { reason: ExpiryReason::Time, at: from_ms(end) }
                }
            }
        }
    }

    /// `count` or `time`.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenRule::Count => "count",
            TokenRule::Time(_) => "time",
        }
    }
}

impl fmt::Display for TokenRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRule::Count => f.write_str("count"),
            TokenRule::Time(duration) => write!(f, "time:{}", format_duration(*duration)),
        }
    }
}

impl FromStr for TokenRule {
    type Err = LedgerError;

    /// Reads `count` or `time:DURATION` (case-insensitive names).
    fn from_str(text: &str) -> Result<TokenRule, LedgerError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("count") {
            return Ok(TokenRule::Count);
        }
        let invalid = || LedgerError::InvalidRule {
            reason: "expected count or time:DURATION (seconds, or a number with ms, s, m, h, d or w)",
        };
        let (name, duration) = text.split_once(':').ok_or_else(invalid)?;
        if !name.eq_ignore_ascii_case("time") {
            return Err(invalid());
        }
        parse_duration(duration).map(TokenRule::Time).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(ms: i64) -> SystemTime {
        from_ms(ms)
    }

    const FIRST: i64 = 1_762_914_193_588;
    const DAY: i64 = 86_400_000;

    #[test]
    fn an_unused_token_is_unused_under_either_rule() {
        for rule in [TokenRule::Count, TokenRule::Time(Duration::from_secs(60))] {
            assert_eq!(rule.evaluate(None, at(FIRST)), RuleState::Unused);
            assert_eq!(rule.evaluate(None, UNIX_EPOCH), RuleState::Unused);
        }
    }

    #[test]
    fn count_expires_exactly_at_the_first_use() {
        let expired = RuleState::Expired { reason: ExpiryReason::Count, at: at(FIRST) };
        let rule = TokenRule::Count;
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST)), expired);
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST + 1)), expired);
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST + 365 * DAY)), expired);
        // A use recorded by a clock ahead of ours still counts.
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST - 1)), expired);
    }

    #[test]
    fn time_is_active_until_the_last_millisecond_and_expired_from_the_end() {
        let rule = TokenRule::Time(Duration::from_secs(86_400));
        let end = FIRST + DAY;
        let active = RuleState::Active { until: at(end) };
        let expired = RuleState::Expired { reason: ExpiryReason::Time, at: at(end) };
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST)), active, "at first use");
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(end - 1)), active, "1 ms before the end");
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(end)), expired, "exactly at the end");
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(end + 1)), expired, "1 ms after");
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(end + 30 * DAY)), expired, "long after");
        assert_eq!(rule.evaluate(Some(at(FIRST)), at(FIRST - 5)), active, "a clock behind ours");
    }

    #[test]
    fn time_compares_whole_milliseconds() {
        // Sub-millisecond parts of the use, the duration and now are all rounded down.
        let rule = TokenRule::Time(Duration::from_micros(10_999));
        let first = at(FIRST) + Duration::from_micros(700);
        let until = at(FIRST + 10);
        assert_eq!(
            rule.evaluate(Some(first), at(FIRST + 9) + Duration::from_micros(999)),
            RuleState::Active { until }
        );
        assert_eq!(
            rule.evaluate(Some(first), at(FIRST + 10)),
            RuleState::Expired { reason: ExpiryReason::Time, at: until }
        );
    }

    #[test]
    fn zero_and_huge_durations_are_defined() {
        let zero = TokenRule::Time(Duration::ZERO);
        assert_eq!(
            zero.evaluate(Some(at(FIRST)), at(FIRST)),
            RuleState::Expired { reason: ExpiryReason::Time, at: at(FIRST) }
        );
        let huge = TokenRule::Time(Duration::MAX);
        assert_eq!(
            huge.evaluate(Some(at(FIRST)), at(FIRST + 1000 * 365 * DAY)),
            RuleState::Active { until: at(i64::MAX) }
        );
    }

    #[test]
    fn rules_read_and_print_as_text() {
        assert_eq!("count".parse::<TokenRule>(), Ok(TokenRule::Count));
        assert_eq!("COUNT".parse::<TokenRule>(), Ok(TokenRule::Count));
        assert_eq!("time:86400".parse::<TokenRule>(), Ok(TokenRule::Time(Duration::from_secs(86_400))));
        assert_eq!("time:24h".parse::<TokenRule>(), Ok(TokenRule::Time(Duration::from_secs(86_400))));
        assert_eq!("Time:250ms".parse::<TokenRule>(), Ok(TokenRule::Time(Duration::from_millis(250))));
        for bad in ["", "time", "time:", "time:-1", "time:1y", "counts", "size:5", "count:1"] {
            assert!(matches!(bad.parse::<TokenRule>(), Err(LedgerError::InvalidRule { .. })), "{bad:?}");
        }
        for rule in [
            TokenRule::Count,
            TokenRule::Time(Duration::from_secs(3600)),
            TokenRule::Time(Duration::from_millis(1)),
        ] {
            assert_eq!(rule.to_string().parse::<TokenRule>(), Ok(rule));
        }
        assert_eq!(TokenRule::Time(Duration::from_secs(86_400)).to_string(), "time:86400");
    }
}
