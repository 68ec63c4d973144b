//! Token ids, which make a FaceAuth link expire, and the ledger that tracks them.
//!
//! With the project's token-expiration option on, Argos expires a token id at its first use
//! (count-based) or a set time after it (time-based). An id is only single-use if it is unique,
//! so [`generate`] draws 128 bits from the OS random source. Ids follow ID check's rule, which
//! this SDK applies to every id it makes or accepts: 8–64 characters of `[A-Za-z0-9._-]`,
//! starting and ending with a letter or digit.
//!
//! A system that hands out links can track them in a [`TokenLedger`]:
//!
//! - [`TokenRule`] mirrors the project setting; [`TokenRule::evaluate`] says whether a token is
//!   unused, active or expired at a given moment.
//! - [`issue_url`] mints a token, records it and returns the URL, in one call.
//! - [`TokenLedger::apply_confirmed`] records webhooks confirmed with
//!   [`webhook::confirm`](crate::webhook::confirm) (Argos's facts, only for the token's own
//!   submission); [`TokenLedger::apply_webhook`] applies them as posted. Both match `faceAuth`
//!   and `token_expired` webhooks to their tokens; [`TokenLedger::status`] and [`TokenLedger::list`] tell each token's
//!   [`TokenState`]: unused, active (in use), completed or expired.
//! - Three stores: [`MemoryLedger`]; `SqliteLedger` (cargo feature `sqlite`, on by default),
//!   one file shared by threads and processes across restarts; and `PostgresLedger` (cargo
//!   feature `postgres`), one database shared by processes on many hosts.
//! - [`open_ledger`] opens any of them from a location string (`:memory:`, a file path, or a
//!   `postgres://` URL), as the bindings do.
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::time::{Duration, SystemTime};
//! use faceauth::crypto::{Key, Scheme};
//! use faceauth::token::{issue_url, MemoryLedger, TokenLedger, TokenRule, TokenState};
//! use faceauth::url::{AuthParams, UrlBuilder};
//! use faceauth::webhook;
//!
//! let links = UrlBuilder::new("project-id", &Key::derive("api-key")?, Scheme::Ecb)?;
//! let ledger = MemoryLedger::new();
//! let now = SystemTime::now();
//! let rule = TokenRule::Time(Duration::from_secs(86_400));
//! let link = issue_url(&links, &ledger, rule, &AuthParams::new("sub-1"), &BTreeMap::new(), now)?;
//!
//! let body = format!(r#"{{"webhook_trigger": "faceAuth", "data": {{"Submission_id": "sub-1",
//!     "Auth_Status": "approved", "Token_id": "{}", "Authentication_id": "fa-1"}}}}"#, link.token);
//! ledger.apply_webhook(&webhook::parse(body.as_bytes(), None)?, now)?;
//! let status = ledger.status(&link.token, now)?.expect("recorded");
//! assert!(matches!(status.state, TokenState::Completed { .. }));
//! # Ok::<(), faceauth::Error>(())
//! ```

/// A token row's columns in both stores' tables, as a macro so that their statements are
/// `concat!`ed once, at compile time, not formatted for every call. Defined before the stores'
/// modules, which use it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! token_columns {
    () => {
        "token_id, submission_id, rule, rule_ms, user_id, metadata, issued_ms, \
         first_used_ms, expired_ms, expired_condition, expired_service"
    };
}

mod id;
mod issue;
mod ledger;
mod open;
#[cfg(feature = "postgres")]
mod pgpass;
#[cfg(feature = "postgres")]
mod postgres;
mod rule;
#[cfg(feature = "sqlite")]
mod sqlite;
pub mod time;

pub use id::{generate, validate, TokenError, TokenGenerator, MAX_LEN, MIN_LEN, PREFIX};
pub use issue::{issue_url, IssuedLink, LinkIssuer};
pub use ledger::{
    records_anything, Durability, LedgerError, LinkResult, ListFilter, MemoryLedger, NewToken,
    ReportedExpiry, StateKind, TokenLedger, TokenRecord, TokenState, TokenStatus, WebhookOutcome,
    WebhookToApply,
};
pub use open::{
    is_postgres_location, open_ledger, open_ledger_with, shared_file_mode, LedgerLocation, OpenOptions,
    MEMORY_LOCATION,
};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresLedger, PostgresOptions};
pub use rule::{ExpiryReason, RuleState, TokenRule};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteLedger, SqliteOptions, SCHEMA_VERSION};
