//! The token ledger: the interface, its types, the rules both stores share, and the
//! in-memory store.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::rule::{ExpiryReason, RuleState, TokenRule};
use super::time::{format_rfc3339, parse_rfc3339, to_ms, truncate};
use super::TokenError;
use crate::api::AuthStatus;
use crate::webhook::{Basis, ConfirmedEvent, Event, ExpiredCondition, Service};

/// Errors of the token ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A token with this id is already in the ledger.
    #[error("token {} is already in the ledger", crate::excerpt(token_id))]
    TokenExists {
        /// The id.
        token_id: String,
    },
    /// No token with this id is in the ledger.
    #[error("token {} is not in the ledger", crate::excerpt(token_id))]
    TokenUnknown {
        /// The id.
        token_id: String,
    },
    /// A token id breaks the id rule.
    #[error(transparent)]
    InvalidToken(#[from] TokenError),
    /// A field of a new token is empty or holds a control character.
    #[error("{field} {problem}")]
    InvalidField {
        /// The field: `submission_id`, `user_id` or `metadata`.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A token rule in text form is not `count` or `time:DURATION`.
    #[error("invalid token rule: {reason}")]
    InvalidRule {
        /// What was expected.
        reason: &'static str,
    },
    /// A state name is not `unused`, `active`, `completed` or `expired`.
    #[error("unknown token state {:?}: expected unused, active, completed or expired", crate::excerpt(name))]
    InvalidState {
        /// The name given.
        name: String,
    },
    /// The storage failed: I/O, a lock held too long, a full disk.
    #[error("token ledger storage failed ({action}): {reason}")]
    Storage {
        /// What the ledger was doing.
        action: &'static str,
        /// The storage engine's message.
        reason: String,
    },
    /// The database was written by a newer version of this SDK.
    #[error("token ledger schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file is not a token ledger (another application's database, or not a database).
    #[error("not a faceauth token ledger: {reason}")]
    NotALedger {
        /// Why.
        reason: String,
    },
    /// A read-only open found no ledger: the file does not exist, or holds nothing yet.
    #[error("no token ledger at {}", crate::excerpt(&path.to_string_lossy()).chars(4096))]
    NoLedger {
        /// The path looked at.
        path: std::path::PathBuf,
    },
    /// A read-only open found a ledger whose schema this build would migrate, which needs a
    /// write: open it for writing once.
    #[error(
        "token ledger schema version {found} is older than this build's ({supported}); open it for \
         writing once to migrate it"
    )]
    SchemaOutdated {
        /// The version in the database.
        found: i64,
        /// The version this build reads and writes.
        supported: i64,
    },
    /// A ledger location names a store this build does not include (such as `postgres://…`,
    /// or a file path in a build without the `sqlite` feature). Only the scheme is kept: a
    /// database URL may carry a password.
    #[error("token ledger store {} is not supported in this build", crate::excerpt(store))]
    Unsupported {
        /// The store asked for: a URL scheme such as `postgres://`, or `sqlite` for a file path.
        store: String,
    },
}

/// How hard a commit tries to reach the disk. SQLite: its `synchronous` setting in WAL mode;
/// PostgreSQL: the session's `synchronous_commit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Durability {
    /// Every commit is on disk before it returns (SQLite `synchronous=FULL`, PostgreSQL
    /// `synchronous_commit=on`).
    #[default]
    Full,
    /// Commits survive a crash of the process; a power cut or OS crash (SQLite), or a crash of
    /// the server (PostgreSQL), may lose the last ones (the store stays consistent). SQLite
    /// `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`.
    Normal,
}

/// A token to record: what [`TokenLedger::issue`] takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    /// The token id (validated with [`validate`](super::validate)).
    pub token_id: String,
    /// The ID check submission the link re-authenticates (`sid`).
    pub submission_id: String,
    /// The project's token rule.
    pub rule: TokenRule,
    /// Your id for the user, if any.
    pub user_id: Option<String>,
    /// Free metadata, kept as given.
    pub metadata: BTreeMap<String, String>,
}

impl NewToken {
    /// A token for `submission_id` under `rule`, with no user id or metadata.
    pub fn new(token_id: impl Into<String>, submission_id: impl Into<String>, rule: TokenRule) -> NewToken {
        NewToken {
            token_id: token_id.into(),
            submission_id: submission_id.into(),
            rule,
            user_id: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the user id.
    pub fn user_id(mut self, user_id: impl Into<String>) -> NewToken {
        self.user_id = Some(user_id.into());
        self
    }

    /// Adds one metadata entry (replacing an earlier one of the same key).
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> NewToken {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Checks the id rule, a non-empty submission id and user id without control characters,
    /// and non-empty metadata keys.
    ///
    /// # Errors
    /// [`LedgerError::InvalidToken`] or [`LedgerError::InvalidField`].
    pub fn validate(&self) -> Result<(), LedgerError> {
        super::validate(&self.token_id)?;
        check_text("submission_id", &self.submission_id)?;
        if let Some(user_id) = &self.user_id {
            check_text("user_id", user_id)?;
        }
        if self.metadata.keys().any(String::is_empty) {
            return Err(LedgerError::InvalidField { field: "metadata", problem: "keys must not be empty" });
        }
        Ok(())
    }

    /// The record of this token as issued at `now`: times rounded down to the millisecond and
    /// the rule to whole milliseconds, as every store keeps them.
    pub(crate) fn into_record(self, now: SystemTime) -> TokenRecord {
        TokenRecord {
            token_id: self.token_id,
            submission_id: self.submission_id,
            rule: normalize(self.rule),
            user_id: self.user_id,
            metadata: self.metadata,
            issued_at: truncate(now),
            first_used_at: None,
            results: Vec::new(),
            reported_expiry: None,
        }
    }
}

/// A time rule's duration in whole milliseconds, capped at `i64::MAX` ms, as stored.
pub(crate) fn normalize(rule: TokenRule) -> TokenRule {
    match rule {
        TokenRule::Count => TokenRule::Count,
        TokenRule::Time(d) => {
            TokenRule::Time(std::time::Duration::from_millis(super::time::duration_ms(d).unsigned_abs()))
        }
    }
}

fn check_text(field: &'static str, value: &str) -> Result<(), LedgerError> {
    if value.is_empty() {
        return Err(LedgerError::InvalidField { field, problem: "must not be empty" });
    }
    if value.chars().any(char::is_control) {
        return Err(LedgerError::InvalidField { field, problem: "must not hold control characters" });
    }
    Ok(())
}

/// One FaceAuth result matched to a token by a `faceAuth` webhook.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinkResult {
    /// The authentication id, if the webhook carried one.
    pub auth_id: Option<String>,
    /// The final status, if the webhook carried one.
    pub status: Option<AuthStatus>,
    /// When Argos made the result (`Create_Time`), if it carried a readable one.
    pub created_at: Option<SystemTime>,
    /// True when the result was confirmed with Argos
    /// ([`TokenLedger::apply_confirmed`]): status and time are Argos's. False when it was
    /// applied as posted ([`TokenLedger::apply_webhook`]): they are what the body claimed.
    pub confirmed: bool,
}

impl LinkResult {
    /// The key results are kept under: the auth id, or `""` without one.
    pub(crate) fn key(&self) -> &str {
        self.auth_id.as_deref().unwrap_or("")
    }

    /// Which of two results for the same auth id is kept: a confirmed one over one applied
    /// as posted, then the later `created_at`, then the greater status text.
    /// Order-independent by construction.
    fn rank(&self) -> (bool, Option<SystemTime>, &str) {
        (self.confirmed, self.created_at, self.status.as_ref().map_or("", AuthStatus::as_str))
    }

    /// `{"auth_id", "status", "create_time", "confirmed"}`, as `ledger status` prints it.
    pub fn to_json(&self) -> Value {
        json!({
            "auth_id": self.auth_id,
            "status": self.status.as_ref().map(AuthStatus::as_str),
            "create_time": self.created_at.map(format_rfc3339),
            "confirmed": self.confirmed,
        })
    }
}

/// An expiry reported by a `token_expired` webhook.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportedExpiry {
    /// When the token expires or expired: `expired_at` or `expected_expired_at`, or the time the
    /// webhook was applied when it carried neither in readable form.
    pub at: SystemTime,
    /// Argos's `expired_condition`.
    pub condition: ExpiredCondition,
    /// Argos's `service`, if sent.
    pub service: Option<Service>,
}

impl ReportedExpiry {
    /// Of two reports the earliest is kept; ties go to the smaller condition, then service text.
    fn rank(&self) -> (SystemTime, &str, &str) {
        (self.at, self.condition.as_str(), self.service.as_ref().map_or("", Service::as_str))
    }
}

/// Everything the ledger knows about one token. Times are kept to the millisecond.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token id.
    pub token_id: String,
    /// The ID check submission the link re-authenticates.
    pub submission_id: String,
    /// The token rule it was issued under.
    pub rule: TokenRule,
    /// Your id for the user, if given.
    pub user_id: Option<String>,
    /// Free metadata given at issue.
    pub metadata: BTreeMap<String, String>,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// Its first use: the earliest of [`TokenLedger::mark_used`] times, result times
    /// (`Create_Time`, or the time applied without one) and count-expiry times.
    pub first_used_at: Option<SystemTime>,
    /// Every result matched to it, one per auth id, oldest first (results without a time
    /// first, then by auth id).
    pub results: Vec<LinkResult>,
    /// The earliest expiry a `token_expired` webhook reported.
    pub reported_expiry: Option<ReportedExpiry>,
}

impl TokenRecord {
    /// The latest result, if any.
    pub fn result(&self) -> Option<&LinkResult> {
        self.results.last()
    }

    /// The token's state at `now`:
    ///
    /// 1. with a result: [`TokenState::Completed`], with the latest result (results are facts
    ///    whatever `now` is, and a result outranks any expiry);
    /// 2. else, if the rule ([`TokenRule::evaluate`]) or a reported expiry due by `now`
    ///    (`at <= now`) expires it: [`TokenState::Expired`] with the earlier of the two (the
    ///    rule's reason on a tie);
    /// 3. else, used (or reported to expire later): [`TokenState::Active`] until the earlier
    ///    of the rule's end and the reported expiry;
    /// 4. else [`TokenState::Unused`].
    pub fn state(&self, now: SystemTime) -> TokenState {
        if let Some(result) = self.result() {
            return TokenState::Completed { result: result.clone() };
        }
        let reported = self.reported_expiry.as_ref();
        let by_rule = self.rule.evaluate(self.first_used_at, now);
        let rule_expiry = match &by_rule {
            RuleState::Expired { reason, at } => Some((reason.clone(), *at)),
            _ => None,
        };
        let reported_expiry = reported
            .filter(|e| to_ms(e.at) <= to_ms(now))
            .map(|e| (ExpiryReason::Reported(e.condition.clone()), e.at));
        // The earlier expiry wins; the rule's on a tie.
        let expired = match (rule_expiry, reported_expiry) {
            (Some(rule), Some(webhook)) => Some(if webhook.1 < rule.1 { webhook } else { rule }),
            (rule, webhook) => rule.or(webhook),
        };
        if let Some((reason, at)) = expired {
            return TokenState::Expired { reason, at };
        }
        match by_rule {
            RuleState::Active { until } => {
                TokenState::Active { until: reported.map_or(until, |e| e.at.min(until)) }
            }
            _ => reported.map_or(TokenState::Unused, |e| TokenState::Active { until: e.at }),
        }
    }

    /// Why `change` may not go to this token: it carries a confirmed result whose submission
    /// (or user, when both name one) is not the token's.
    pub(crate) fn refusal(&self, change: &Change) -> Option<&'static str> {
        let owner = change.owner.as_ref()?;
        if owner.submission_id != self.submission_id {
            return Some("the result belongs to another submission than the token was issued for");
        }
        match (&owner.user_id, &self.user_id) {
            (Some(theirs), Some(ours)) if theirs != ours => {
                Some("the result belongs to another user than the token was issued for")
            }
            _ => None,
        }
    }

    /// Merges `change` in. Every step is commutative and idempotent.
    pub(crate) fn apply(&mut self, change: &Change) {
        if let Some(at) = change.used_at {
            let at = truncate(at);
            self.first_used_at = Some(self.first_used_at.map_or(at, |seen| seen.min(at)));
        }
        if let Some(result) = &change.result {
            let result = LinkResult { created_at: result.created_at.map(truncate), ..result.clone() };
            match self.results.iter_mut().find(|r| r.key() == result.key()) {
                Some(kept) if result.rank() > kept.rank() => *kept = result,
                Some(_) => {}
                None => self.results.push(result),
            }
            self.results.sort_by(|a, b| (a.created_at, a.key()).cmp(&(b.created_at, b.key())));
        }
        if let Some(expiry) = &change.expiry {
            let expiry = ReportedExpiry { at: truncate(expiry.at), ..expiry.clone() };
            match &self.reported_expiry {
                Some(kept) if kept.rank() <= expiry.rank() => {}
                _ => self.reported_expiry = Some(expiry),
            }
        }
    }
}

/// A token's state at some moment; see [`TokenRecord::state`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// Issued, never used.
    Unused,
    /// Used (opened), and still usable until `until` (exclusive). Only time rules, or a
    /// `token_expired` webhook announcing a later expiry, give this: a count token's first
    /// use spends it, so it is [`Expired`](Self::Expired) from then until a result arrives.
    Active {
        /// The first moment at which it is expired.
        until: SystemTime,
    },
    /// A FaceAuth result was matched to it.
    Completed {
        /// The latest result.
        result: LinkResult,
    },
    /// Expired without a result.
    Expired {
        /// By the rule (`Count`, `Time`) or by a `token_expired` webhook (`Reported`).
        reason: ExpiryReason,
        /// When.
        at: SystemTime,
    },
}

impl TokenState {
    /// The state without its details.
    pub fn kind(&self) -> StateKind {
        match self {
            TokenState::Unused => StateKind::Unused,
            TokenState::Active { .. } => StateKind::Active,
            TokenState::Completed { .. } => StateKind::Completed,
            TokenState::Expired { .. } => StateKind::Expired,
        }
    }
}

/// The four token states, without details: for filters and output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// [`TokenState::Unused`].
    Unused,
    /// [`TokenState::Active`].
    Active,
    /// [`TokenState::Completed`].
    Completed,
    /// [`TokenState::Expired`].
    Expired,
}

impl StateKind {
    /// Every state, in lifecycle order.
    pub const ALL: [StateKind; 4] =
        [StateKind::Unused, StateKind::Active, StateKind::Completed, StateKind::Expired];

    /// `unused`, `active`, `completed` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Unused => "unused",
            StateKind::Active => "active",
            StateKind::Completed => "completed",
            StateKind::Expired => "expired",
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StateKind {
    type Err = LedgerError;

    /// Reads a name as [`as_str`](Self::as_str) writes it (case-insensitive; `in-use` and
    /// `in_use` also mean `active`).
    fn from_str(name: &str) -> Result<StateKind, LedgerError> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "in-use" | "in_use" => Ok(StateKind::Active),
            _ => StateKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == lower)
                .ok_or_else(|| LedgerError::InvalidState { name: name.to_owned() }),
        }
    }
}

/// A token's record and its state at the moment asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenStatus {
    /// Everything known about the token.
    pub record: TokenRecord,
    /// Its state at the `now` of the call.
    pub state: TokenState,
}

impl TokenStatus {
    /// The record with its state at `now`.
    pub fn at(record: TokenRecord, now: SystemTime) -> TokenStatus {
        let state = record.state(now);
        TokenStatus { record, state }
    }

    /// A JSON view for printing: `token`, `state`, the state's details (`until`, `reason`,
    /// `condition`, `expired_at`, `result`: null when they do not apply), then the record.
    /// Times are RFC 3339 UTC with milliseconds.
    pub fn to_json(&self) -> Value {
        let r = &self.record;
        let (mut until, mut reason, mut condition, mut expired_at, mut result) =
            (None, None, None, None, Value::Null);
        match &self.state {
            TokenState::Unused => {}
            TokenState::Active { until: at } => until = Some(format_rfc3339(*at)),
            TokenState::Completed { result: latest } => result = latest.to_json(),
            TokenState::Expired { reason: why, at } => {
                reason = Some(why.as_str());
                if let ExpiryReason::Reported(c) = why {
                    condition = Some(c.as_str().to_owned());
                }
                expired_at = Some(format_rfc3339(*at));
            }
        }
        let metadata: Map<String, Value> =
            r.metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        json!({
            "token": r.token_id,
            "state": self.state.kind().as_str(),
            "until": until,
            "reason": reason,
            "condition": condition,
            "expired_at": expired_at,
            "result": result,
            "submission_id": r.submission_id,
            "rule": r.rule.to_string(),
            "user_id": r.user_id,
            "metadata": metadata,
            "issued_at": format_rfc3339(r.issued_at),
            "first_used_at": r.first_used_at.map(format_rfc3339),
            "results": r.results.iter().map(LinkResult::to_json).collect::<Vec<_>>(),
            "reported_expiry": r.reported_expiry.as_ref().map(|e| json!({
                "at": format_rfc3339(e.at),
                "condition": e.condition.as_str(),
                "service": e.service.as_ref().map(Service::as_str),
            })),
        })
    }
}

/// Which tokens [`TokenLedger::list`] returns. Every criterion set must hold; the default
/// matches every token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// Only tokens in this state at `now`.
    pub state: Option<StateKind>,
    /// Only tokens for this submission.
    pub submission_id: Option<String>,
    /// Only tokens issued at or after this time.
    pub since: Option<SystemTime>,
    /// Only tokens issued before this time.
    pub until: Option<SystemTime>,
    /// At most this many tokens.
    pub limit: Option<usize>,
}

impl ListFilter {
    /// A filter that matches every token.
    pub fn new() -> ListFilter {
        ListFilter::default()
    }

    /// Only tokens in `state`.
    pub fn state(mut self, state: StateKind) -> ListFilter {
        self.state = Some(state);
        self
    }

    /// Only tokens for `submission_id`.
    pub fn submission(mut self, submission_id: impl Into<String>) -> ListFilter {
        self.submission_id = Some(submission_id.into());
        self
    }

    /// Only tokens issued at or after `since`.
    pub fn since(mut self, since: SystemTime) -> ListFilter {
        self.since = Some(since);
        self
    }

    /// Only tokens issued before `until`.
    pub fn until(mut self, until: SystemTime) -> ListFilter {
        self.until = Some(until);
        self
    }

    /// At most `limit` tokens.
    pub fn limit(mut self, limit: usize) -> ListFilter {
        self.limit = Some(limit);
        self
    }

    /// Whether `record` matches every criterion but the state and limit.
    pub(crate) fn admits(&self, record: &TokenRecord) -> bool {
        let issued = to_ms(record.issued_at);
        self.submission_id.as_ref().is_none_or(|s| *s == record.submission_id)
            && self.since.is_none_or(|since| issued >= to_ms(since))
            && self.until.is_none_or(|until| issued < to_ms(until))
    }
}

/// What [`TokenLedger::apply_webhook`] did with an event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "one outcome per webhook; matching stays plain, as for webhook::Event"
)]
pub enum WebhookOutcome {
    /// The event was matched to a token and recorded; the token's status afterwards.
    Recorded(TokenStatus),
    /// The event names a token this ledger does not hold (or an id that breaks the id rule).
    UnknownToken {
        /// The id as sent.
        token_id: String,
    },
    /// A `faceAuth` event without `Token_id`: nothing to match it to.
    NoToken,
    /// A confirmed result for a token issued for another submission (or user): nothing
    /// changed.
    Refused {
        /// The id as sent.
        token_id: String,
        /// Why.
        reason: &'static str,
    },
    /// Not for this ledger: an unknown trigger, or a `token_expired` event from another service
    /// (ID check judges its tokens separately).
    Ignored {
        /// Why.
        reason: &'static str,
    },
}

impl WebhookOutcome {
    /// A JSON view for printing, as `faceauth ledger apply-webhook` prints it: `{"outcome":
    /// "recorded", "status": <TokenStatus::to_json>}`, `{"outcome": "unknown_token", "token":
    /// id}`, `{"outcome": "no_token", "event": <Event::to_json>}`, `{"outcome": "refused",
    /// "token": id, "reason": text}` or `{"outcome": "ignored", "reason": text, "trigger":
    /// name or null}`. `event` is the event applied.
    pub fn to_json(&self, event: &Event) -> Value {
        match self {
            WebhookOutcome::Recorded(status) => json!({ "outcome": "recorded", "status": status.to_json() }),
            WebhookOutcome::UnknownToken { token_id } => {
                json!({ "outcome": "unknown_token", "token": token_id })
            }
            WebhookOutcome::NoToken => json!({ "outcome": "no_token", "event": event.to_json() }),
            WebhookOutcome::Refused { token_id, reason } => {
                json!({ "outcome": "refused", "token": token_id, "reason": reason })
            }
            WebhookOutcome::Ignored { reason } => {
                json!({ "outcome": "ignored", "reason": reason, "trigger": event.trigger() })
            }
        }
    }

    /// Whether the event was handled: false when it names a token this ledger does not hold,
    /// or none, or one it may not go to (`UnknownToken`, `NoToken`, `Refused`).
    pub fn matched(&self) -> bool {
        !matches!(
            self,
            WebhookOutcome::UnknownToken { .. } | WebhookOutcome::NoToken | WebhookOutcome::Refused { .. }
        )
    }
}

/// What one webhook adds to a token's record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Change {
    pub(crate) used_at: Option<SystemTime>,
    pub(crate) result: Option<LinkResult>,
    pub(crate) expiry: Option<ReportedExpiry>,
    /// Who the token must have been issued for (a confirmed result); `None`: anyone.
    pub(crate) owner: Option<Owner>,
}

/// The submission, and user when Argos names one, a confirmed result belongs to.
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    submission_id: String,
    user_id: Option<String>,
}

/// One webhook for [`TokenLedger::apply_many`]: applied as posted, or as confirmed with Argos.
#[derive(Debug, Clone, Copy)]
pub enum WebhookToApply<'a> {
    /// As [`TokenLedger::apply_webhook`] applies it.
    Posted(&'a Event),
    /// As [`TokenLedger::apply_confirmed`] applies it.
    Confirmed(&'a ConfirmedEvent),
}

impl WebhookToApply<'_> {
    /// The change it makes, as the single calls route it.
    pub(crate) fn route(&self, now: SystemTime) -> Route {
        match self {
            WebhookToApply::Posted(event) => route(event, now),
            WebhookToApply::Confirmed(confirmed) => route_confirmed(confirmed, now),
        }
    }
}

/// What a store's load-check-merge-store of one token came to.
#[allow(clippy::large_enum_variant, reason = "one per call, returned at once; as WebhookOutcome")]
pub(crate) enum Updated {
    /// No such token.
    Unknown,
    /// The change may not go to this token ([`TokenRecord::refusal`]); nothing changed.
    Refused(&'static str),
    /// Merged and stored: the record afterwards.
    Done(TokenRecord),
}

impl Updated {
    /// The outcome of applying a webhook to `token_id`.
    pub(crate) fn outcome(self, token_id: String, now: SystemTime) -> WebhookOutcome {
        match self {
            Updated::Unknown => WebhookOutcome::UnknownToken { token_id },
            Updated::Refused(reason) => WebhookOutcome::Refused { token_id, reason },
            Updated::Done(record) => WebhookOutcome::Recorded(TokenStatus::at(record, now)),
        }
    }
}

/// Where a webhook goes: a change for one token, or an outcome without one.
pub(crate) enum Route {
    Apply { token_id: String, change: Change },
    Skip(WebhookOutcome),
}

/// Reads a webhook as a change to one token. `now` stands in for times the event lacks.
///
/// - `faceAuth` with `Token_id`: a result (auth id, status, `Create_Time`) and a use at
///   `Create_Time` (or `now`);
/// - `token_expired` from FaceAuth (or with no `service`): a reported expiry at `expired_at` /
///   `expected_expired_at` (or `now`); a `count` expiry is also a use at that time.
pub(crate) fn route(event: &Event, now: SystemTime) -> Route {
    let (token_id, change) = match event {
        Event::FaceAuth(e) => {
            let Some(token_id) = &e.token_id else { return Route::Skip(WebhookOutcome::NoToken) };
            let created_at = e.create_time.as_deref().and_then(parse_rfc3339);
            let result = LinkResult {
                auth_id: e.auth_id.clone(),
                status: e.status.clone(),
                created_at,
                confirmed: false,
            };
            (
                token_id,
                Change {
                    used_at: Some(created_at.unwrap_or(now)),
                    result: Some(result),
                    expiry: None,
                    owner: None,
                },
            )
        }
        Event::TokenExpired(e) => {
            if matches!(&e.service, Some(service) if *service != Service::FaceAuth) {
                return Route::Skip(WebhookOutcome::Ignored {
                    reason: "token_expired event from another service",
                });
            }
            let at = e.expires_at().and_then(parse_rfc3339).unwrap_or(now);
            let used_at = (e.condition == ExpiredCondition::Count).then_some(at);
            let expiry = ReportedExpiry { at, condition: e.condition.clone(), service: e.service.clone() };
            (&e.token_id, Change { used_at, result: None, expiry: Some(expiry), owner: None })
        }
        _ => return Route::Skip(WebhookOutcome::Ignored { reason: "not a faceAuth or token_expired event" }),
    };
    if super::validate(token_id).is_err() {
        return Route::Skip(WebhookOutcome::UnknownToken { token_id: token_id.clone() });
    }
    Route::Apply { token_id: token_id.clone(), change }
}

/// Whether a ledger could record anything from `event`: a `faceAuth` result with a valid
/// token id, or a `token_expired` event from FaceAuth (or without a `service`). Any other event
/// is answered `ignored`, `no_token` or `unknown_token` without a look at the store, so a
/// receiver need not confirm it.
pub fn records_anything(event: &Event) -> bool {
    matches!(route(event, SystemTime::UNIX_EPOCH), Route::Apply { .. })
}

/// [`route`] for a confirmed event: a result is marked confirmed (when Argos confirmed it)
/// and may go only to a token of its owner.
pub(crate) fn route_confirmed(confirmed: &ConfirmedEvent, now: SystemTime) -> Route {
    match route(confirmed.event(), now) {
        Route::Apply { token_id, mut change } => {
            if let Some(result) = &mut change.result {
                result.confirmed = confirmed.basis() == Basis::Argos;
            }
            change.owner = confirmed.owner().map(|(submission_id, user_id)| Owner {
                submission_id: submission_id.to_owned(),
                user_id: user_id.map(str::to_owned),
            });
            Route::Apply { token_id, change }
        }
        skip => skip,
    }
}

/// A store of issued tokens and what happened to them: [`MemoryLedger`], or
/// [`SqliteLedger`](super::SqliteLedger) (cargo feature `sqlite`).
///
/// A record only ever gains facts, and every merge is order-independent: the first use is the
/// earliest use seen; results are kept one per authentication id (for the same id, the later
/// `create_time` wins, then the greater status text); the reported expiry is the earliest one.
/// So webhooks that arrive twice or out of order converge to one record. The state is
/// computed from the record at the `now` asked ([`TokenRecord::state`]), never stored.
///
/// Every method takes the current time as a parameter (`now`, `at`), so tests control it;
/// pass `SystemTime::now()` otherwise. Times are kept to the millisecond. Implementations are
/// `Send + Sync`: one ledger serves every thread.
pub trait TokenLedger: Send + Sync {
    /// Records a freshly issued token, at `now`.
    ///
    /// # Errors
    /// [`LedgerError::TokenExists`] if the id is already recorded (nothing changes);
    /// [`LedgerError::InvalidToken`] or [`LedgerError::InvalidField`] for bad input
    /// ([`NewToken::validate`]); [`LedgerError::Storage`].
    fn issue(&self, token: &NewToken, now: SystemTime) -> Result<(), LedgerError>;

    /// Records many freshly issued tokens, at `now`, all or none: in one transaction, which
    /// is much faster than one per token when the store syncs to disk.
    ///
    /// # Errors
    /// As [`issue`](Self::issue), for the first token that fails (a duplicate may also be
    /// within `tokens`); nothing is recorded then.
    fn issue_many(&self, tokens: &[NewToken], now: SystemTime) -> Result<(), LedgerError>;

    /// Records a use of the token at `at` (the first use is the earliest recorded) and returns
    /// its status at `at`. For a count token this spends it: check [`status`](Self::status)
    /// first to decide whether to let a user through.
    ///
    /// # Errors
    /// [`LedgerError::TokenUnknown`], [`LedgerError::InvalidToken`], [`LedgerError::Storage`].
    fn mark_used(&self, token_id: &str, at: SystemTime) -> Result<TokenStatus, LedgerError>;

    /// Applies a parsed webhook (see [`webhook::parse`](crate::webhook::parse)): a `faceAuth`
    /// event with `Token_id` records a result and a use; a `token_expired` event from FaceAuth
    /// records the reported expiry. Applying an event twice, or events in any order, gives the
    /// same record. Unknown tokens are reported in the outcome, not as errors.
    ///
    /// Results are recorded as applied as posted ([`LinkResult::confirmed`] false): nothing
    /// proves a webhook came from Argos, so prefer [`apply_confirmed`](Self::apply_confirmed).
    ///
    /// # Errors
    /// [`LedgerError::Storage`] only.
    fn apply_webhook(&self, event: &Event, now: SystemTime) -> Result<WebhookOutcome, LedgerError>;

    /// Applies an event confirmed with [`webhook::confirm`](crate::webhook::confirm), as
    /// [`apply_webhook`](Self::apply_webhook) does, with two differences: a result is recorded
    /// as confirmed (status and time are Argos's), and only to a token issued for the
    /// submission Argos's record names (and its user, when both name one); otherwise nothing
    /// changes and the outcome is [`WebhookOutcome::Refused`]. The check and the write are one
    /// transaction.
    ///
    /// # Errors
    /// [`LedgerError::Storage`] only.
    fn apply_confirmed(&self, event: &ConfirmedEvent, now: SystemTime)
        -> Result<WebhookOutcome, LedgerError>;

    /// Applies several webhooks, in order, as [`apply_webhook`](Self::apply_webhook) and
    /// [`apply_confirmed`](Self::apply_confirmed) would one by one, and returns their outcomes
    /// in the same order. The stores apply them in one transaction: one commit (one sync to
    /// disk) for all, which is what lets a receiver keep up with many senders at full
    /// durability. A refused webhook changes nothing and does not stop the others.
    /// [`MemoryLedger`] applies them one by one (it has nothing to sync).
    ///
    /// # Errors
    /// [`LedgerError::Storage`]: then none of them is applied.
    fn apply_many(
        &self,
        webhooks: &[WebhookToApply<'_>],
        now: SystemTime,
    ) -> Result<Vec<WebhookOutcome>, LedgerError> {
        webhooks
            .iter()
            .map(|webhook| match webhook {
                WebhookToApply::Posted(event) => self.apply_webhook(event, now),
                WebhookToApply::Confirmed(confirmed) => self.apply_confirmed(confirmed, now),
            })
            .collect()
    }

    /// The token's record and state at `now`; `None` if it is not in the ledger.
    ///
    /// # Errors
    /// [`LedgerError::InvalidToken`], [`LedgerError::Storage`].
    fn status(&self, token_id: &str, now: SystemTime) -> Result<Option<TokenStatus>, LedgerError>;

    /// The tokens `filter` admits, with their state at `now`, in order of issue (then id).
    ///
    /// # Errors
    /// [`LedgerError::Storage`].
    fn list(&self, filter: &ListFilter, now: SystemTime) -> Result<Vec<TokenStatus>, LedgerError>;

    /// Deletes every token issued before `older_than`, whatever its state, with its results;
    /// returns how many tokens were deleted. Webhooks for them are then reported as unknown.
    ///
    /// # Errors
    /// [`LedgerError::Storage`].
    fn purge(&self, older_than: SystemTime) -> Result<u64, LedgerError>;
}

/// A ledger in this process's memory: for tests, and for services that keep no state across
/// restarts. One mutex guards the map; every call holds it briefly.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    tokens: Mutex<BTreeMap<String, TokenRecord>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, TokenRecord>> {
        // Nothing done under this lock panics, so a poisoned lock still guards a consistent map.
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn apply_route(&self, route: Route, now: SystemTime) -> WebhookOutcome {
        let (token_id, change) = match route {
            Route::Skip(outcome) => return outcome,
            Route::Apply { token_id, change } => (token_id, change),
        };
        let mut tokens = self.tokens();
        let updated = match tokens.get_mut(&token_id) {
            None => Updated::Unknown,
            Some(record) => match record.refusal(&change) {
                Some(reason) => Updated::Refused(reason),
                None => {
                    record.apply(&change);
                    Updated::Done(record.clone())
                }
            },
        };
        updated.outcome(token_id, now)
    }
}

impl TokenLedger for MemoryLedger {
    fn issue(&self, token: &NewToken, now: SystemTime) -> Result<(), LedgerError> {
        token.validate()?;
        let mut tokens = self.tokens();
        if tokens.contains_key(&token.token_id) {
            return Err(LedgerError::TokenExists { token_id: token.token_id.clone() });
        }
        tokens.insert(token.token_id.clone(), token.clone().into_record(now));
        Ok(())
    }

    fn issue_many(&self, batch: &[NewToken], now: SystemTime) -> Result<(), LedgerError> {
        batch.iter().try_for_each(NewToken::validate)?;
        let mut tokens = self.tokens();
        let mut fresh = std::collections::HashSet::with_capacity(batch.len());
        if let Some(taken) =
            batch.iter().find(|t| tokens.contains_key(&t.token_id) || !fresh.insert(t.token_id.as_str()))
        {
            return Err(LedgerError::TokenExists { token_id: taken.token_id.clone() });
        }
        for token in batch {
            tokens.insert(token.token_id.clone(), token.clone().into_record(now));
        }
        Ok(())
    }

    fn mark_used(&self, token_id: &str, at: SystemTime) -> Result<TokenStatus, LedgerError> {
        super::validate(token_id)?;
        let mut tokens = self.tokens();
        let record = tokens
            .get_mut(token_id)
            .ok_or_else(|| LedgerError::TokenUnknown { token_id: token_id.to_owned() })?;
        record.apply(&Change { used_at: Some(at), ..Change::default() });
        Ok(TokenStatus::at(record.clone(), at))
    }

    fn apply_webhook(&self, event: &Event, now: SystemTime) -> Result<WebhookOutcome, LedgerError> {
        Ok(self.apply_route(route(event, now), now))
    }

    fn apply_confirmed(
        &self,
        event: &ConfirmedEvent,
        now: SystemTime,
    ) -> Result<WebhookOutcome, LedgerError> {
        Ok(self.apply_route(route_confirmed(event, now), now))
    }

    fn status(&self, token_id: &str, now: SystemTime) -> Result<Option<TokenStatus>, LedgerError> {
        super::validate(token_id)?;
        Ok(self.tokens().get(token_id).map(|record| TokenStatus::at(record.clone(), now)))
    }

    fn list(&self, filter: &ListFilter, now: SystemTime) -> Result<Vec<TokenStatus>, LedgerError> {
        let mut found: Vec<&TokenRecord> = Vec::new();
        let tokens = self.tokens();
        found.extend(tokens.values().filter(|r| filter.admits(r)));
        found.sort_by(|a, b| (a.issued_at, &a.token_id).cmp(&(b.issued_at, &b.token_id)));
        Ok(found
            .into_iter()
            .map(|record| TokenStatus::at(record.clone(), now))
            .filter(|status| filter.state.is_none_or(|state| status.state.kind() == state))
            .take(filter.limit.unwrap_or(usize::MAX))
            .collect())
    }

    fn purge(&self, older_than: SystemTime) -> Result<u64, LedgerError> {
        let cutoff = to_ms(older_than);
        let mut tokens = self.tokens();
        let before = tokens.len();
        tokens.retain(|_, record| to_ms(record.issued_at) >= cutoff);
        Ok((before - tokens.len()) as u64)
    }
}
