//! The token ledger: one suite run against every store (in memory, SQLite, and PostgreSQL when
//! FACEAUTH_TEST_POSTGRES names a server, as `make test` does), the link issuer, and what only
//! SQLite or PostgreSQL has (reopening, schema versions, many threads on one store).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use faceauth::api::AuthStatus;
use faceauth::crypto::{Key, Scheme};
use faceauth::token::time::format_rfc3339;
use faceauth::token::{
    issue_url, ExpiryReason, LedgerError, LinkIssuer, ListFilter, MemoryLedger, NewToken, StateKind,
    TokenLedger, TokenRule, TokenState, TokenStatus, WebhookOutcome, WebhookToApply,
};
use faceauth::url::{inspect, AuthParams, UrlBuilder};
use faceauth::webhook::{self, Event, ExpiredCondition};
use faceauth::{Error, ErrorKind};

/// 2025-11-12T02:23:13.588Z, in milliseconds since the epoch.
const T0: i64 = 1_762_914_193_588;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn t(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
}

fn text_time(ms: i64) -> String {
    format_rfc3339(t(ms))
}

fn one_hour() -> TokenRule {
    TokenRule::Time(Duration::from_millis(HOUR as u64))
}

/// A `faceAuth` webhook (current shape) for `token`.
fn face_auth(token: &str, auth_id: &str, status: &str, created: Option<i64>) -> Event {
    let created = created.map_or("null".to_owned(), |ms| format!("\"{}\"", text_time(ms)));
    let body = format!(
        r#"{{"webhook_trigger": "faceAuth", "data": {{"Submission_id": "sub-1", "Auth_Status": "{status}",
            "Create_Time": {created}, "Token_id": "{token}", "Authentication_id": "{auth_id}"}}}}"#
    );
    webhook::parse(body.as_bytes(), None).expect("a valid faceAuth webhook")
}

/// A `token_expired` webhook for `token`: `count` carries `expired_at`, `time` carries
/// `expected_expired_at`.
fn token_expired(token: &str, condition: &str, at: i64, service: &str) -> Event {
    let field = if condition == "count" { "expired_at" } else { "expected_expired_at" };
    let body = format!(
        r#"{{"webhook_trigger": "token_expired", "token_id": "{token}", "expired_condition": "{condition}",
            "{field}": "{}", "service": "{service}"}}"#,
        text_time(at)
    );
    webhook::parse(body.as_bytes(), None).expect("a valid token_expired webhook")
}

fn status(ledger: &dyn TokenLedger, token: &str, now: i64) -> TokenStatus {
    ledger.status(token, t(now)).expect("status").expect("token recorded")
}

fn state(ledger: &dyn TokenLedger, token: &str, now: i64) -> TokenState {
    status(ledger, token, now).state
}

fn recorded(outcome: WebhookOutcome) -> TokenStatus {
    match outcome {
        WebhookOutcome::Recorded(status) => status,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "faceauth-ledger-{tag}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("creates a temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// A ledger under test, with whatever it needs kept alive (the SQLite file's directory, the
/// PostgreSQL schema).
struct Store {
    ledger: Box<dyn TokenLedger>,
    _dir: Option<TempDir>,
    #[cfg(feature = "postgres")]
    _schema: Option<pg::Schema>,
}

impl std::ops::Deref for Store {
    type Target = dyn TokenLedger;
    fn deref(&self) -> &(dyn TokenLedger + 'static) {
        &*self.ledger
    }
}

fn memory() -> Store {
    Store {
        ledger: Box::new(MemoryLedger::new()),
        _dir: None,
        #[cfg(feature = "postgres")]
        _schema: None,
    }
}

/// An SQLite store that syncs at checkpoints only: durability changes when data reaches the
/// disk, not what the ledger does, and thousands of syncs would make the run slow on a busy disk.
#[cfg(feature = "sqlite")]
fn sqlite() -> Store {
    use faceauth::token::{Durability, SqliteLedger, SqliteOptions};
    let dir = TempDir::new("suite");
    let options = SqliteOptions::new().durability(Durability::Normal);
    let ledger = SqliteLedger::open_with(dir.path().join("tokens.db"), &options).expect("opens");
    Store {
        ledger: Box::new(ledger),
        _dir: Some(dir),
        #[cfg(feature = "postgres")]
        _schema: None,
    }
}

/// A PostgreSQL store in a schema of its own (dropped at the end), on the server
/// FACEAUTH_TEST_POSTGRES names; `None`, with a message, when it is unset.
#[cfg(feature = "postgres")]
fn postgres() -> Option<Store> {
    use faceauth::token::{Durability, PostgresLedger, PostgresOptions};
    let schema = pg::Schema::new("suite")?;
    let options = PostgresOptions::new().durability(Durability::Normal);
    let ledger = PostgresLedger::open_with(&schema.location, &options).expect("opens");
    Some(Store { ledger: Box::new(ledger), _dir: None, _schema: Some(schema) })
}

/// Throwaway schemas on the test server.
#[cfg(feature = "postgres")]
mod pg {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// FACEAUTH_TEST_POSTGRES, or `None` after saying the test is skipped.
    pub fn server() -> Option<String> {
        match std::env::var("FACEAUTH_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                eprintln!(
                    "skipped: FACEAUTH_TEST_POSTGRES is not set (make test sets it: \
                     scripts/with-postgres.sh runs the tests against a throwaway server)"
                );
                None
            }
        }
    }

    /// A fresh schema, dropped with everything in it on drop; `location` is the server's URL
    /// with that schema as the search path.
    pub struct Schema {
        pub name: String,
        pub location: String,
        server: String,
    }

    impl Schema {
        pub fn new(tag: &str) -> Option<Schema> {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let server = server()?;
            let name = format!(
                "t_{tag}_{}_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            );
            let mut client = postgres::Client::connect(&server, postgres::NoTls).expect("connects");
            client.batch_execute(&format!("CREATE SCHEMA {name}")).expect("creates a schema");
            let separator = if server.contains('?') { '&' } else { '?' };
            let location = format!("{server}{separator}options=-c%20search_path%3D{name}");
            Some(Schema { name, location, server })
        }

        pub fn client(&self) -> postgres::Client {
            let mut client = postgres::Client::connect(&self.server, postgres::NoTls).expect("connects");
            client.batch_execute(&format!("SET search_path = {}", self.name)).expect("sets the path");
            client
        }
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
                client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)).ok();
            }
        }
    }
}

/// Runs each named suite function against a fresh store of each kind.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod memory_store {
            $( #[test] fn $name() { super::$name(&*super::memory()); } )*
        }
        #[cfg(feature = "sqlite")]
        mod sqlite_store {
            $( #[test] fn $name() { super::$name(&*super::sqlite()); } )*
        }
        #[cfg(feature = "postgres")]
        mod postgres_store {
            $( #[test] fn $name() {
                if let Some(store) = super::postgres() { super::$name(&*store); }
            } )*
        }
    };
}

suite!(
    issue_records_everything_given,
    a_duplicate_issue_is_refused_and_changes_nothing,
    issue_many_records_all_or_none,
    bad_input_is_refused_with_typed_errors,
    a_count_token_is_spent_by_its_first_use,
    a_time_token_is_active_until_its_duration_has_passed,
    webhooks_are_matched_to_their_tokens,
    token_expired_webhooks_set_the_expiry,
    duplicate_and_reordered_events_converge_for_a_time_token,
    duplicate_and_reordered_events_converge_for_a_count_token,
    list_filters_by_state_submission_and_time,
    purge_deletes_tokens_issued_before_the_cutoff,
    issue_url_records_the_token_it_puts_in_the_url,
    threads_issue_and_apply_webhooks_without_loss,
    confirmed_results_go_only_to_their_own_submission_and_user,
    apply_many_gives_what_one_by_one_gives,
);

/// A stand-in for Argos's `GET /faceauth?authId=…` on a free port, answering from `rows` (by
/// `auth_id`) or with Argos's 400 "Cannot find submission"; one connection per request. Its
/// thread ends with the test process.
fn argos(rows: Vec<serde_json::Value>) -> faceauth::api::Client {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the head: up to the blank line.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let id =
                line.split("authId=").nth(1).and_then(|rest| rest.split([' ', '&']).next()).unwrap_or("");
            let row = rows.iter().find(|row| row["auth_id"] == id);
            let (status, body) = match row {
                Some(row) => ("200 OK", serde_json::json!([{"faceAuth_projectId": "p1", "data": [row]}])),
                None => (
                    "400 Bad Request",
                    serde_json::json!({"errorCode": "NOT_FOUND",
                        "message": "Cannot find submission. Please check input data."}),
                ),
            };
            let body = body.to_string();
            let _ = write!(
                &stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    faceauth::api::Client::builder("argos-key-for-tests")
        .base_url(&url)
        .max_retries(0)
        .build()
        .expect("client")
}

/// A `faceAuth` webhook for `token` claiming `submission` (or none) and `status`.
fn claim(token: &str, auth_id: &str, submission: Option<&str>, status: &str) -> Event {
    let submission = submission.map_or("null".to_owned(), |s| format!("\"{s}\""));
    let body = format!(
        r#"{{"webhook_trigger": "faceAuth", "data": {{"Submission_id": {submission}, "Auth_Status": "{status}",
            "Token_id": "{token}", "Authentication_id": "{auth_id}"}}}}"#
    );
    webhook::parse(body.as_bytes(), None).expect("a valid faceAuth webhook")
}

fn confirmed_results_go_only_to_their_own_submission_and_user(ledger: &dyn TokenLedger) {
    let argos = argos(vec![
        serde_json::json!({"auth_id": "fa-own", "auth_status": "approved", "create_time": text_time(T0 + MINUTE),
            "kyc_submission_id": "sub-1", "result": {"face_similarity": 99.5}}),
        serde_json::json!({"auth_id": "fa-other", "auth_status": "approved", "create_time": text_time(T0),
            "kyc_submission_id": "sub-2"}),
        serde_json::json!({"auth_id": "fa-user2", "auth_status": "approved", "create_time": text_time(T0),
            "kyc_submission_id": "sub-1", "user_id": "user-2"}),
    ]);
    ledger
        .issue(&NewToken::new("tok_conf0001", "sub-1", TokenRule::Count).user_id("user-1"), t(T0))
        .expect("issues");
    let now = t(T0 + 10 * MINUTE);
    let before = status(ledger, "tok_conf0001", T0);

    // Unknown to Argos; another submission's, claimed as such or not; another user's.
    let unknown = webhook::confirm(&claim("tok_conf0001", "fa-forged", Some("sub-1"), "approved"), &argos);
    assert_eq!(unknown.map(|_| ()).map_err(|e| e.kind()), Err(ErrorKind::WebhookUnconfirmed));
    let lied = webhook::confirm(&claim("tok_conf0001", "fa-other", Some("sub-1"), "approved"), &argos);
    assert_eq!(lied.map(|_| ()).map_err(|e| e.kind()), Err(ErrorKind::WebhookMismatch));
    for (auth_id, why) in [("fa-other", "submission"), ("fa-user2", "user")] {
        let confirmed = webhook::confirm(&claim("tok_conf0001", auth_id, None, "approved"), &argos)
            .expect("Argos knows it");
        let outcome = ledger.apply_confirmed(&confirmed, now).expect("applies");
        assert!(
            matches!(&outcome, WebhookOutcome::Refused { token_id, reason }
                if token_id == "tok_conf0001" && reason.contains(why)),
            "{outcome:?}"
        );
        assert!(!outcome.matched());
    }
    assert_eq!(status(ledger, "tok_conf0001", T0), before, "a refusal changed the token");
    // In a batch, a refusal changes nothing either, and leaves the others of its batch be.
    ledger.issue(&NewToken::new("tok_conf0003", "sub-1", TokenRule::Count), t(T0)).expect("issues");
    let other =
        webhook::confirm(&claim("tok_conf0001", "fa-other", None, "approved"), &argos).expect("known");
    let posted = face_auth("tok_conf0003", "fa-3", "approved", Some(T0));
    let batch = [WebhookToApply::Confirmed(&other), WebhookToApply::Posted(&posted)];
    let outcomes = ledger.apply_many(&batch, now).expect("applies");
    assert!(matches!(&outcomes[0], WebhookOutcome::Refused { .. }), "{outcomes:?}");
    assert!(matches!(&outcomes[1], WebhookOutcome::Recorded(_)), "{outcomes:?}");
    assert_eq!(status(ledger, "tok_conf0001", T0), before, "a refusal in a batch changed the token");

    // Its own result: Argos's status and time, marked confirmed, whatever the body claimed.
    let confirmed = webhook::confirm(&claim("tok_conf0001", "fa-own", Some("sub-1"), "rejected"), &argos)
        .expect("confirms");
    assert_eq!(confirmed.basis(), webhook::Basis::Argos);
    assert_eq!(confirmed.score(), Some(99.5));
    let done = recorded(ledger.apply_confirmed(&confirmed, now).expect("applies"));
    let result = done.record.result().expect("a result").clone();
    assert_eq!(result.status, Some(AuthStatus::Approved));
    assert_eq!((result.created_at, result.confirmed), (Some(t(T0 + MINUTE)), true));
    assert_eq!(done.to_json()["result"]["confirmed"], true);
    // The same auth id applied as posted later does not replace the confirmed result.
    ledger
        .apply_webhook(&face_auth("tok_conf0001", "fa-own", "rejected", Some(T0 + 5 * MINUTE)), now)
        .expect("applies");
    assert_eq!(status(ledger, "tok_conf0001", T0).record.results, [result]);
    // Applied as posted, a result is marked so.
    ledger.issue(&NewToken::new("tok_conf0002", "sub-9", TokenRule::Count), t(T0)).expect("issues");
    let posted = recorded(
        ledger.apply_webhook(&face_auth("tok_conf0002", "fa-x", "approved", None), now).expect("applies"),
    );
    assert!(!posted.record.results[0].confirmed);
}

fn issue_records_everything_given(ledger: &dyn TokenLedger) {
    let token = NewToken::new("tok_abc12345", "sub-1", one_hour())
        .user_id("user-1")
        .meta("email", "me@example.com")
        .meta("campaign", "spring \"25\" ✓");
    let issued = t(T0) + Duration::from_micros(999);
    ledger.issue(&token, issued).expect("issues");
    let found = status(ledger, "tok_abc12345", T0 + 1);
    assert_eq!(found.state, TokenState::Unused);
    let record = found.record;
    assert_eq!((record.token_id.as_str(), record.submission_id.as_str()), ("tok_abc12345", "sub-1"));
    assert_eq!(record.rule, one_hour());
    assert_eq!(record.user_id.as_deref(), Some("user-1"));
    assert_eq!(record.metadata, token.metadata);
    assert_eq!(record.issued_at, t(T0), "times are kept to the millisecond");
    assert_eq!((record.first_used_at, record.results.len(), record.reported_expiry), (None, 0, None));

    ledger.issue(&NewToken::new("tok_plain123", "sub-2", TokenRule::Count), t(T0)).expect("issues");
    let plain = status(ledger, "tok_plain123", T0).record;
    assert_eq!((plain.user_id, plain.metadata.len(), plain.rule), (None, 0, TokenRule::Count));
}

fn a_duplicate_issue_is_refused_and_changes_nothing(ledger: &dyn TokenLedger) {
    ledger.issue(&NewToken::new("tok_abc12345", "sub-1", TokenRule::Count), t(T0)).expect("issues");
    let again = ledger.issue(&NewToken::new("tok_abc12345", "sub-2", one_hour()), t(T0 + 5));
    assert_eq!(again, Err(LedgerError::TokenExists { token_id: "tok_abc12345".into() }));
    assert_eq!(again.map_err(|e| Error::from(e).kind()), Err(ErrorKind::TokenExists));
    let record = status(ledger, "tok_abc12345", T0).record;
    assert_eq!(
        (record.submission_id.as_str(), record.rule, record.issued_at),
        ("sub-1", TokenRule::Count, t(T0))
    );
}

fn issue_many_records_all_or_none(ledger: &dyn TokenLedger) {
    let batch: Vec<NewToken> =
        (0..5).map(|i| NewToken::new(format!("tok_many{i:04}"), "sub-1", TokenRule::Count)).collect();
    ledger.issue_many(&batch, t(T0)).expect("issues");
    ledger.issue_many(&[], t(T0)).expect("nothing to do");
    let count = || ledger.list(&ListFilter::new(), t(T0)).expect("lists").len();
    assert_eq!(count(), 5);
    // A duplicate of a recorded token, within the batch, or a bad token: nothing recorded.
    let fresh = |i: usize| NewToken::new(format!("tok_more{i:04}"), "sub-1", TokenRule::Count);
    let with_old = [fresh(1), batch[3].clone(), fresh(2)];
    assert_eq!(
        ledger.issue_many(&with_old, t(T0)),
        Err(LedgerError::TokenExists { token_id: "tok_many0003".into() })
    );
    let twice = [fresh(1), fresh(2), fresh(1)];
    assert_eq!(
        ledger.issue_many(&twice, t(T0)),
        Err(LedgerError::TokenExists { token_id: "tok_more0001".into() })
    );
    let bad = [fresh(1), NewToken::new("tok_more0002", "", TokenRule::Count)];
    assert!(matches!(ledger.issue_many(&bad, t(T0)), Err(LedgerError::InvalidField { .. })));
    assert_eq!(count(), 5);
    assert_eq!(ledger.status("tok_more0001", t(T0)), Ok(None));
}

fn bad_input_is_refused_with_typed_errors(ledger: &dyn TokenLedger) {
    let kind = |result: Result<(), LedgerError>| result.map_err(|e| Error::from(e).kind());
    let issue = |token: NewToken| kind(ledger.issue(&token, t(T0)));
    assert_eq!(issue(NewToken::new("short", "sub-1", TokenRule::Count)), Err(ErrorKind::InvalidToken));
    assert_eq!(issue(NewToken::new("tok abc 123", "sub-1", TokenRule::Count)), Err(ErrorKind::InvalidToken));
    assert_eq!(issue(NewToken::new("", "sub-1", TokenRule::Count)), Err(ErrorKind::InvalidToken));
    assert_eq!(issue(NewToken::new("tok_abc12345", "", TokenRule::Count)), Err(ErrorKind::InvalidArgument));
    assert_eq!(
        issue(NewToken::new("tok_abc12345", "sub\n1", TokenRule::Count)),
        Err(ErrorKind::InvalidArgument)
    );
    assert_eq!(
        issue(NewToken::new("tok_abc12345", "sub-1", TokenRule::Count).user_id("")),
        Err(ErrorKind::InvalidArgument)
    );
    assert_eq!(
        issue(NewToken::new("tok_abc12345", "sub-1", TokenRule::Count).meta("", "x")),
        Err(ErrorKind::InvalidArgument)
    );
    assert!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").is_empty(), "nothing recorded");

    // Lookups: a malformed id is an error, an unknown one is absent (status) or an error (use).
    assert!(matches!(ledger.status("bad id", t(T0)), Err(LedgerError::InvalidToken(_))));
    assert_eq!(ledger.status("tok_unknown1", t(T0)), Ok(None));
    assert!(matches!(ledger.mark_used("x", t(T0)), Err(LedgerError::InvalidToken(_))));
    assert_eq!(
        ledger.mark_used("tok_unknown1", t(T0)).map_err(|e| Error::from(e).kind()),
        Err(ErrorKind::TokenUnknown)
    );
}

fn a_count_token_is_spent_by_its_first_use(ledger: &dyn TokenLedger) {
    ledger.issue(&NewToken::new("tok_count001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
    assert_eq!(state(ledger, "tok_count001", T0 + HOUR), TokenState::Unused);
    let spent = TokenState::Expired { reason: ExpiryReason::Count, at: t(T0 + MINUTE) };
    assert_eq!(ledger.mark_used("tok_count001", t(T0 + MINUTE)).expect("marks").state, spent);
    assert_eq!(state(ledger, "tok_count001", T0 + MINUTE), spent, "exactly at the first use");
    assert_eq!(state(ledger, "tok_count001", T0 + 100 * HOUR), spent);
    // A later use changes nothing; an earlier one (another clock) becomes the first use.
    ledger.mark_used("tok_count001", t(T0 + 2 * MINUTE)).expect("marks");
    assert_eq!(state(ledger, "tok_count001", T0 + HOUR), spent);
    ledger.mark_used("tok_count001", t(T0 + MINUTE - 7)).expect("marks");
    assert_eq!(
        state(ledger, "tok_count001", T0 + HOUR),
        TokenState::Expired { reason: ExpiryReason::Count, at: t(T0 + MINUTE - 7) }
    );
    // The session the use opened still ends in a result.
    let after = recorded(
        ledger
            .apply_webhook(
                &face_auth("tok_count001", "fa-1", "approved", Some(T0 + 3 * MINUTE)),
                t(T0 + 4 * MINUTE),
            )
            .expect("applies"),
    );
    let TokenState::Completed { result } = after.state else { panic!("not completed: {:?}", after.state) };
    assert_eq!(result.auth_id.as_deref(), Some("fa-1"));
    assert_eq!(result.status, Some(AuthStatus::Approved));
    assert_eq!(result.created_at, Some(t(T0 + 3 * MINUTE)));
    assert_eq!(after.record.first_used_at, Some(t(T0 + MINUTE - 7)));
}

fn a_time_token_is_active_until_its_duration_has_passed(ledger: &dyn TokenLedger) {
    ledger.issue(&NewToken::new("tok_time0001", "sub-1", one_hour()), t(T0)).expect("issues");
    let first = T0 + MINUTE;
    let until = t(first + HOUR);
    assert_eq!(
        ledger.mark_used("tok_time0001", t(first)).expect("marks").state,
        TokenState::Active { until }
    );
    assert_eq!(state(ledger, "tok_time0001", first), TokenState::Active { until }, "at first use");
    assert_eq!(state(ledger, "tok_time0001", first + HOUR - 1), TokenState::Active { until }, "1 ms before");
    let expired = TokenState::Expired { reason: ExpiryReason::Time, at: until };
    assert_eq!(state(ledger, "tok_time0001", first + HOUR), expired, "exactly at first use + duration");
    assert_eq!(state(ledger, "tok_time0001", first + HOUR + 1), expired, "after");
    // Reopening within the hour does not extend it.
    ledger.mark_used("tok_time0001", t(first + 30 * MINUTE)).expect("marks");
    assert_eq!(state(ledger, "tok_time0001", first + HOUR), expired);
}

fn webhooks_are_matched_to_their_tokens(ledger: &dyn TokenLedger) {
    ledger.issue(&NewToken::new("tok_hook0001", "sub-1", one_hour()), t(T0)).expect("issues");
    let now = t(T0 + 10 * MINUTE);
    // A result records the use (at Create_Time) and completes the token.
    let status = recorded(
        ledger
            .apply_webhook(&face_auth("tok_hook0001", "fa-1", "rejected", Some(T0 + 2 * MINUTE)), now)
            .expect("applies"),
    );
    assert_eq!(status.record.first_used_at, Some(t(T0 + 2 * MINUTE)));
    assert_eq!(status.state.kind(), StateKind::Completed);
    assert_eq!(
        status,
        self::status(ledger, "tok_hook0001", T0 + 10 * MINUTE),
        "the outcome is what is stored"
    );
    // A result without Create_Time counts as used when applied.
    ledger.issue(&NewToken::new("tok_hook0002", "sub-1", TokenRule::Count), t(T0)).expect("issues");
    let status = recorded(
        ledger.apply_webhook(&face_auth("tok_hook0002", "fa-2", "approved", None), now).expect("applies"),
    );
    assert_eq!((status.record.first_used_at, status.record.results[0].created_at), (Some(now), None));

    // Unknown tokens and events without one are reported, not errors.
    let outcome = ledger.apply_webhook(&face_auth("tok_nobody01", "fa-3", "approved", None), now);
    assert_eq!(outcome, Ok(WebhookOutcome::UnknownToken { token_id: "tok_nobody01".into() }));
    let outcome = ledger.apply_webhook(&face_auth("not a token!", "fa-3", "approved", None), now);
    assert_eq!(outcome, Ok(WebhookOutcome::UnknownToken { token_id: "not a token!".into() }));
    let no_token =
        br#"{"webhook_trigger": "faceAuth", "auth_id": "fa-4", "data": {"submission_id": "sub-1"}}"#;
    let event = webhook::parse(no_token, None).expect("parses");
    assert_eq!(ledger.apply_webhook(&event, now), Ok(WebhookOutcome::NoToken));
    let unknown = webhook::parse(br#"{"webhook_trigger": "kyc_done", "token_id": "tok_hook0001"}"#, None)
        .expect("parses");
    assert!(matches!(ledger.apply_webhook(&unknown, now), Ok(WebhookOutcome::Ignored { .. })));
    // ID check judges its own tokens: its token_expired does not touch ours.
    let id_check = token_expired("tok_hook0002", "count", T0, "idCheck");
    assert!(matches!(ledger.apply_webhook(&id_check, now), Ok(WebhookOutcome::Ignored { .. })));
    assert_eq!(self::status(ledger, "tok_hook0002", T0).record.reported_expiry, None);
}

/// A batch (one transaction in the stores) gives the outcomes and the records that applying
/// the same webhooks one by one gives, duplicates and a token changed twice in it included.
fn apply_many_gives_what_one_by_one_gives(ledger: &dyn TokenLedger) {
    let one_by_one = MemoryLedger::new();
    for store in [ledger, &one_by_one as &dyn TokenLedger] {
        store.issue(&NewToken::new("tok_many0001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
        store.issue(&NewToken::new("tok_many0002", "sub-1", one_hour()), t(T0)).expect("issues");
    }
    let now = t(T0 + 10 * MINUTE);
    let events = [
        face_auth("tok_many0001", "fa-1", "approved", Some(T0 + MINUTE)),
        face_auth("tok_nobody01", "fa-2", "approved", None),
        face_auth("tok_many0002", "fa-3", "rejected", Some(T0 + 2 * MINUTE)),
        token_expired("tok_many0001", "count", T0 + MINUTE, "faceAuth"),
        face_auth("tok_many0001", "fa-1", "approved", Some(T0 + MINUTE)),
        token_expired("tok_many0002", "count", T0, "idCheck"),
    ];
    let batch: Vec<WebhookToApply<'_>> = events.iter().map(WebhookToApply::Posted).collect();
    let together = ledger.apply_many(&batch, now).expect("applies");
    let apart: Vec<WebhookOutcome> =
        events.iter().map(|event| one_by_one.apply_webhook(event, now).expect("applies")).collect();
    assert_eq!(together, apart);
    for token in ["tok_many0001", "tok_many0002"] {
        assert_eq!(status(ledger, token, T0 + HOUR), status(&one_by_one, token, T0 + HOUR), "{token}");
    }
    assert_eq!(ledger.apply_many(&[], now), Ok(Vec::new()));
}

fn token_expired_webhooks_set_the_expiry(ledger: &dyn TokenLedger) {
    // count: the expiry is the first use.
    ledger.issue(&NewToken::new("tok_exp00001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
    let status = recorded(
        ledger
            .apply_webhook(
                &token_expired("tok_exp00001", "count", T0 + MINUTE, "faceAuth"),
                t(T0 + 2 * MINUTE),
            )
            .expect("applies"),
    );
    assert_eq!(status.record.first_used_at, Some(t(T0 + MINUTE)));
    assert_eq!(status.state, TokenState::Expired { reason: ExpiryReason::Count, at: t(T0 + MINUTE) });
    let reported = status.record.reported_expiry.expect("kept");
    assert_eq!((reported.at, reported.condition), (t(T0 + MINUTE), ExpiredCondition::Count));

    // time, announced ahead: active until then, expired from then, even never marked used.
    ledger.issue(&NewToken::new("tok_exp00002", "sub-1", one_hour()), t(T0)).expect("issues");
    let end = T0 + 50 * MINUTE;
    ledger.apply_webhook(&token_expired("tok_exp00002", "time", end, "faceAuth"), t(T0)).expect("applies");
    assert_eq!(state(ledger, "tok_exp00002", end - 1), TokenState::Active { until: t(end) });
    let reported = TokenState::Expired { reason: ExpiryReason::Reported(ExpiredCondition::Time), at: t(end) };
    assert_eq!(state(ledger, "tok_exp00002", end), reported);
    // A reported expiry earlier than the rule's end wins; the rule's end wins when earlier.
    ledger.mark_used("tok_exp00002", t(T0 + 5 * MINUTE)).expect("marks");
    assert_eq!(state(ledger, "tok_exp00002", end - 1), TokenState::Active { until: t(end) });
    assert_eq!(state(ledger, "tok_exp00002", end + 1), reported);
    ledger.mark_used("tok_exp00002", t(T0 - 30 * MINUTE)).expect("marks");
    assert_eq!(
        state(ledger, "tok_exp00002", end),
        TokenState::Expired { reason: ExpiryReason::Time, at: t(T0 + 30 * MINUTE) }
    );
}

/// Every order of `steps` (each applied to a fresh token) ends in the same record and state.
/// Tokens are named `tok_{tag}{n:05}`, `n` counting the orders.
fn assert_converges(
    ledger: &dyn TokenLedger,
    tag: &str,
    rule: TokenRule,
    steps: &[Step],
    expected: StateKind,
) {
    let mut orders = Vec::new();
    permutations(&mut (0..steps.len()).collect::<Vec<_>>(), 0, &mut orders);
    let now = T0 + 3 * HOUR;
    let mut first: Option<TokenStatus> = None;
    for (n, order) in orders.iter().enumerate() {
        let token = format!("tok_{tag}{n:05}");
        ledger.issue(&NewToken::new(&token, "sub-1", rule), t(T0)).expect("issues");
        for &i in order {
            match &steps[i] {
                Step::Use(at) => {
                    ledger.mark_used(&token, t(*at)).expect("marks");
                }
                Step::Hook(make) => {
                    recorded(ledger.apply_webhook(&make(&token), t(T0 + HOUR)).expect("applies"));
                }
            }
        }
        let mut last = status(ledger, &token, now);
        last.record.token_id.clear();
        match &first {
            None => {
                assert_eq!(last.state.kind(), expected, "{last:?}");
                first = Some(last);
            }
            Some(first) => assert_eq!(&last, first, "order {order:?} diverged"),
        }
    }
}

enum Step {
    Use(i64),
    Hook(Box<dyn Fn(&str) -> Event>),
}

fn permutations(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k == items.len() {
        out.push(items.clone());
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permutations(items, k + 1, out);
        items.swap(k, i);
    }
}

fn duplicate_and_reordered_events_converge_for_a_time_token(ledger: &dyn TokenLedger) {
    let steps = [
        Step::Use(T0 + MINUTE),
        Step::Hook(Box::new(|tok| face_auth(tok, "fa-2", "approved", Some(T0 + 9 * MINUTE)))),
        Step::Hook(Box::new(|tok| face_auth(tok, "fa-2", "approved", Some(T0 + 9 * MINUTE)))),
        Step::Hook(Box::new(|tok| face_auth(tok, "fa-1", "rejected", Some(T0 + 4 * MINUTE)))),
        Step::Hook(Box::new(|tok| token_expired(tok, "time", T0 + 61 * MINUTE, "faceAuth"))),
    ];
    assert_converges(ledger, "time", one_hour(), &steps, StateKind::Completed);
    let record = status(ledger, "tok_time00000", T0).record;
    let results: Vec<_> = record.results.iter().map(|r| r.auth_id.as_deref()).collect();
    assert_eq!(results, [Some("fa-1"), Some("fa-2")], "one per auth id, oldest first");
    assert_eq!(record.first_used_at, Some(t(T0 + MINUTE)));
    assert_eq!(record.reported_expiry.map(|e| e.at), Some(t(T0 + 61 * MINUTE)));
    let TokenState::Completed { result } = status(ledger, "tok_time00000", T0).state else {
        panic!("completed")
    };
    assert_eq!(result.auth_id.as_deref(), Some("fa-2"), "the latest result");
}

fn duplicate_and_reordered_events_converge_for_a_count_token(ledger: &dyn TokenLedger) {
    // token_expired before faceAuth, the same faceAuth twice, two expiry reports, a late use.
    let steps = [
        Step::Hook(Box::new(|tok| token_expired(tok, "count", T0 + 2 * MINUTE, "faceAuth"))),
        Step::Hook(Box::new(|tok| face_auth(tok, "fa-1", "approved", Some(T0 + 5 * MINUTE)))),
        Step::Hook(Box::new(|tok| face_auth(tok, "fa-1", "approved", Some(T0 + 5 * MINUTE)))),
        Step::Hook(Box::new(|tok| token_expired(tok, "count", T0 + 2 * MINUTE + 1, "faceAuth"))),
        Step::Use(T0 + 3 * MINUTE),
    ];
    assert_converges(ledger, "count", TokenRule::Count, &steps, StateKind::Completed);
    let record = status(ledger, "tok_count00007", T0).record;
    assert_eq!(record.first_used_at, Some(t(T0 + 2 * MINUTE)));
    assert_eq!(record.results.len(), 1);
    assert_eq!(record.reported_expiry.map(|e| e.at), Some(t(T0 + 2 * MINUTE)), "the earliest report");

    // Without a result: expired, whatever the order.
    let steps = [
        Step::Hook(Box::new(|tok| token_expired(tok, "count", T0 + 2 * MINUTE, "faceAuth"))),
        Step::Hook(Box::new(|tok| token_expired(tok, "count", T0 + 2 * MINUTE, "faceAuth"))),
        Step::Use(T0 + 2 * MINUTE + 500),
    ];
    assert_converges(ledger, "spent", TokenRule::Count, &steps, StateKind::Expired);
}

fn list_filters_by_state_submission_and_time(ledger: &dyn TokenLedger) {
    let issue = |id: &str, sid: &str, rule: TokenRule, at: i64| {
        ledger.issue(&NewToken::new(id, sid, rule), t(at)).expect("issues");
    };
    issue("tok_list0004", "sub-b", TokenRule::Count, T0 + 3); // unused
    issue("tok_list0001", "sub-a", TokenRule::Count, T0); // unused
    issue("tok_list0002", "sub-a", one_hour(), T0 + 1); // active
    issue("tok_list0003", "sub-b", TokenRule::Count, T0 + 2); // completed
    issue("tok_list0005", "sub-a", one_hour(), T0 + 3); // expired
    issue("tok_list0000", "sub-a", TokenRule::Count, T0 + 3); // spent: expired
    let now = T0 + 2 * HOUR;
    ledger.mark_used("tok_list0002", t(now - MINUTE)).expect("marks");
    ledger.apply_webhook(&face_auth("tok_list0003", "fa-1", "approved", None), t(T0 + 10)).expect("applies");
    ledger.mark_used("tok_list0005", t(T0 + 10)).expect("marks");
    ledger.mark_used("tok_list0000", t(T0 + 10)).expect("marks");

    let ids = |filter: ListFilter| -> Vec<String> {
        ledger.list(&filter, t(now)).expect("lists").into_iter().map(|s| s.record.token_id).collect()
    };
    // Issue order, then id.
    assert_eq!(
        ids(ListFilter::new()),
        ["tok_list0001", "tok_list0002", "tok_list0003", "tok_list0000", "tok_list0004", "tok_list0005"]
    );
    assert_eq!(ids(ListFilter::new().state(StateKind::Unused)), ["tok_list0001", "tok_list0004"]);
    assert_eq!(ids(ListFilter::new().state(StateKind::Active)), ["tok_list0002"]);
    assert_eq!(ids(ListFilter::new().state(StateKind::Completed)), ["tok_list0003"]);
    assert_eq!(ids(ListFilter::new().state(StateKind::Expired)), ["tok_list0000", "tok_list0005"]);
    assert_eq!(
        ids(ListFilter::new().submission("sub-a")),
        ["tok_list0001", "tok_list0002", "tok_list0000", "tok_list0005"]
    );
    assert_eq!(ids(ListFilter::new().submission("sub-b").state(StateKind::Unused)), ["tok_list0004"]);
    assert!(ids(ListFilter::new().submission("sub-z")).is_empty());
    // since is inclusive, until exclusive.
    assert_eq!(ids(ListFilter::new().since(t(T0 + 1)).until(t(T0 + 3))), ["tok_list0002", "tok_list0003"]);
    assert_eq!(ids(ListFilter::new().since(t(T0 + 3))).len(), 3);
    assert_eq!(ids(ListFilter::new().until(t(T0))).len(), 0);
    assert_eq!(ids(ListFilter::new().limit(2)), ["tok_list0001", "tok_list0002"]);
    assert_eq!(ids(ListFilter::new().state(StateKind::Expired).limit(1)), ["tok_list0000"]);
    // The state is at the `now` asked: 20 ms after T0, the time token used at T0 + 10 ms was
    // still active, and a use recorded with a later date counts already.
    let at_start = |state| -> Vec<String> {
        let found = ledger.list(&ListFilter::new().state(state), t(T0 + 20)).expect("lists");
        found.into_iter().map(|s| s.record.token_id).collect()
    };
    assert_eq!(at_start(StateKind::Active), ["tok_list0002", "tok_list0005"]);
    assert_eq!(at_start(StateKind::Expired), ["tok_list0000"]);
}

fn purge_deletes_tokens_issued_before_the_cutoff(ledger: &dyn TokenLedger) {
    for (i, at) in [T0, T0 + 1, T0 + 2, T0 + 3].into_iter().enumerate() {
        ledger
            .issue(&NewToken::new(format!("tok_purge{i:03}"), "sub-1", TokenRule::Count), t(at))
            .expect("issues");
    }
    ledger.apply_webhook(&face_auth("tok_purge000", "fa-1", "approved", None), t(T0)).expect("applies");
    assert_eq!(ledger.purge(t(T0 + 2)), Ok(2));
    assert_eq!(ledger.purge(t(T0 + 2)), Ok(0));
    let left: Vec<_> = ledger
        .list(&ListFilter::new(), t(T0))
        .expect("lists")
        .into_iter()
        .map(|s| s.record.token_id)
        .collect();
    assert_eq!(left, ["tok_purge002", "tok_purge003"]);
    let late = ledger.apply_webhook(&face_auth("tok_purge000", "fa-1", "approved", None), t(T0));
    assert_eq!(late, Ok(WebhookOutcome::UnknownToken { token_id: "tok_purge000".into() }));
    // A token issued again under a purged id starts clean.
    ledger.issue(&NewToken::new("tok_purge000", "sub-9", TokenRule::Count), t(T0 + 9)).expect("issues");
    assert_eq!(state(ledger, "tok_purge000", T0 + 9), TokenState::Unused);
}

fn builder() -> UrlBuilder {
    UrlBuilder::new("pid-1", &Key::derive("test-key").expect("key"), Scheme::Gcm).expect("builder")
}

fn issue_url_records_the_token_it_puts_in_the_url(ledger: &dyn TokenLedger) {
    let links = builder();
    let meta = BTreeMap::from([("batch".to_owned(), "7".to_owned())]);
    let params = AuthParams::new("sub-1").user_id("user-1").cf1("me@example.com");
    let link = issue_url(&links, ledger, one_hour(), &params, &meta, t(T0)).expect("issues");
    assert_eq!(link.rule, one_hour());
    let back = inspect(&link.url, links.cipher()).expect("inspects");
    assert_eq!(back.params.token.as_deref(), Some(link.token.as_str()));
    assert_eq!((&*back.params.sid, back.params.user_id.as_deref()), ("sub-1", Some("user-1")));
    let record = status(ledger, &link.token, T0).record;
    assert_eq!((record.submission_id.as_str(), record.user_id.as_deref()), ("sub-1", Some("user-1")));
    assert_eq!((record.rule, record.metadata), (one_hour(), meta.clone()));

    // Bad parameters record nothing; a caller's token is refused.
    let bad = issue_url(&links, ledger, TokenRule::Count, &AuthParams::new(""), &meta, t(T0));
    assert_eq!(bad.map_err(|e| e.kind()), Err(ErrorKind::InvalidArgument));
    let with_token = AuthParams::new("sub-1").token("tok_mine1234");
    let refused = issue_url(&links, ledger, TokenRule::Count, &with_token, &meta, t(T0));
    assert!(matches!(refused, Err(Error::Ledger(LedgerError::InvalidField { field: "token", .. }))));
    assert_eq!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").len(), 1);

    // Many through one issuer: all distinct, all recorded.
    let mut issuer = LinkIssuer::new(&links, ledger);
    let tokens: HashSet<String> = (0..50)
        .map(|_| issuer.issue(TokenRule::Count, &params, &meta, t(T0 + 1)).expect("issues").token)
        .collect();
    assert_eq!(tokens.len(), 50);
    assert_eq!(ledger.list(&ListFilter::new().since(t(T0 + 1)), t(T0)).expect("lists").len(), 50);
}

fn threads_issue_and_apply_webhooks_without_loss(ledger: &dyn TokenLedger) {
    const THREADS: usize = 4;
    const EACH: usize = 100;
    let links = builder();
    let issued = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                let mut issuer = LinkIssuer::new(&links, ledger);
                for i in 0..EACH {
                    let link = issuer
                        .issue(TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), t(T0))
                        .expect("issues");
                    if i % 2 == 0 {
                        let event = face_auth(&link.token, &format!("fa-{}", link.token), "approved", None);
                        recorded(ledger.apply_webhook(&event, t(T0 + 1)).expect("applies"));
                    }
                    issued.lock().expect("lock").push(link.token);
                }
            });
        }
    });
    let issued = issued.into_inner().expect("lock");
    let distinct: HashSet<&String> = issued.iter().collect();
    assert_eq!(distinct.len(), THREADS * EACH);
    let all = ledger.list(&ListFilter::new(), t(T0 + 2)).expect("lists");
    assert_eq!(all.len(), THREADS * EACH);
    let completed = all.iter().filter(|s| s.state.kind() == StateKind::Completed).count();
    assert_eq!(completed, THREADS * EACH / 2);
}

/// A ledger that fails as told, to check what issue_url hands out then.
struct Failing {
    inner: MemoryLedger,
    /// Errors to return from the next `issue` calls, in order.
    errors: Mutex<Vec<LedgerError>>,
    calls: AtomicUsize,
}

impl TokenLedger for Failing {
    fn issue(&self, token: &NewToken, now: SystemTime) -> Result<(), LedgerError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match self.errors.lock().expect("lock").pop() {
            Some(err) => Err(err),
            None => self.inner.issue(token, now),
        }
    }
    fn issue_many(&self, tokens: &[NewToken], now: SystemTime) -> Result<(), LedgerError> {
        self.inner.issue_many(tokens, now)
    }
    fn mark_used(&self, token_id: &str, at: SystemTime) -> Result<TokenStatus, LedgerError> {
        self.inner.mark_used(token_id, at)
    }
    fn apply_webhook(&self, event: &Event, now: SystemTime) -> Result<WebhookOutcome, LedgerError> {
        self.inner.apply_webhook(event, now)
    }
    fn apply_confirmed(
        &self,
        event: &webhook::ConfirmedEvent,
        now: SystemTime,
    ) -> Result<WebhookOutcome, LedgerError> {
        self.inner.apply_confirmed(event, now)
    }
    fn status(&self, token_id: &str, now: SystemTime) -> Result<Option<TokenStatus>, LedgerError> {
        self.inner.status(token_id, now)
    }
    fn list(&self, filter: &ListFilter, now: SystemTime) -> Result<Vec<TokenStatus>, LedgerError> {
        self.inner.list(filter, now)
    }
    fn purge(&self, older_than: SystemTime) -> Result<u64, LedgerError> {
        self.inner.purge(older_than)
    }
}

fn failing(errors: Vec<LedgerError>) -> Failing {
    Failing { inner: MemoryLedger::new(), errors: Mutex::new(errors), calls: AtomicUsize::new(0) }
}

#[test]
fn issue_url_hands_out_no_url_when_recording_fails() {
    let storage = LedgerError::Storage { action: "insert a token", reason: "disk I/O error".into() };
    let ledger = failing(vec![storage.clone()]);
    let result =
        issue_url(&builder(), &ledger, TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), t(T0));
    assert_eq!(result, Err(Error::Ledger(storage)));
    assert_eq!(result.map_err(|e| e.kind()), Err(ErrorKind::LedgerStorage));
    assert_eq!(ledger.calls.load(Ordering::Relaxed), 1, "a storage failure is not retried");
    assert!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").is_empty());
}

#[test]
fn issue_url_retries_a_duplicate_id_with_a_fresh_one() {
    let exists = || LedgerError::TokenExists { token_id: "tok_taken123".into() };
    let ledger = failing(vec![exists(), exists()]);
    let link =
        issue_url(&builder(), &ledger, TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), t(T0))
            .expect("the third id is recorded");
    assert_eq!(ledger.calls.load(Ordering::Relaxed), 3);
    assert!(ledger.status(&link.token, t(T0)).expect("status").is_some());
    // Three duplicates in a row: reported, no URL.
    let ledger = failing(vec![exists(), exists(), exists()]);
    let result =
        issue_url(&builder(), &ledger, TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), t(T0));
    assert_eq!(result.map_err(|e| e.kind()), Err(ErrorKind::TokenExists));
}

#[test]
fn status_json_names_the_state_and_its_details() {
    let ledger = MemoryLedger::new();
    ledger
        .issue(&NewToken::new("tok_json0001", "sub-1", TokenRule::Count).meta("k", "v"), t(T0))
        .expect("issues");
    let json = status(&ledger, "tok_json0001", T0).to_json();
    assert_eq!(json["state"], "unused");
    assert_eq!(json["rule"], "count");
    assert_eq!(json["metadata"]["k"], "v");
    assert_eq!(json["issued_at"], text_time(T0));
    ledger.mark_used("tok_json0001", t(T0 + 5)).expect("marks");
    let json = status(&ledger, "tok_json0001", T0 + 9).to_json();
    assert_eq!((json["state"].as_str(), json["reason"].as_str()), (Some("expired"), Some("count")));
    assert_eq!(json["expired_at"], text_time(T0 + 5));
    ledger
        .apply_webhook(&face_auth("tok_json0001", "fa-1", "approved", Some(T0 + 7)), t(T0 + 9))
        .expect("applies");
    let json = status(&ledger, "tok_json0001", T0 + 9).to_json();
    assert_eq!(json["state"], "completed");
    assert_eq!(json["result"]["auth_id"], "fa-1");
    assert_eq!(json["result"]["create_time"], text_time(T0 + 7));
    assert_eq!("in-use".parse::<StateKind>(), Ok(StateKind::Active));
    assert!(matches!("done".parse::<StateKind>(), Err(LedgerError::InvalidState { .. })));
}

#[cfg(feature = "sqlite")]
mod sqlite_only {
    use super::*;
    use faceauth::token::{Durability, SqliteLedger, SqliteOptions, SCHEMA_VERSION};

    #[test]
    fn reopening_keeps_everything() {
        let dir = TempDir::new("reopen");
        let path = dir.path().join("tokens.db");
        let before = {
            let ledger = SqliteLedger::open(&path).expect("opens");
            ledger
                .issue(
                    &NewToken::new("tok_keep0001", "sub-1", one_hour()).user_id("u-1").meta("a", "b"),
                    t(T0),
                )
                .expect("issues");
            ledger
                .issue(&NewToken::new("tok_keep0002", "sub-2", TokenRule::Count), t(T0 + 1))
                .expect("issues");
            ledger
                .issue(&NewToken::new("tok_keep0003", "sub-2", TokenRule::Count), t(T0 + 2))
                .expect("issues");
            ledger.mark_used("tok_keep0001", t(T0 + MINUTE)).expect("marks");
            ledger
                .apply_webhook(&face_auth("tok_keep0002", "fa-1", "approved", Some(T0 + 5)), t(T0 + 9))
                .expect("applies");
            ledger
                .apply_webhook(&face_auth("tok_keep0002", "fa-0", "weird-status", None), t(T0 + 9))
                .expect("applies");
            ledger
                .apply_webhook(&token_expired("tok_keep0003", "time", T0 + HOUR, "faceAuth"), t(T0 + 9))
                .expect("applies");
            ledger.list(&ListFilter::new(), t(T0 + 2 * MINUTE)).expect("lists")
        };
        let ledger = SqliteLedger::open(&path).expect("reopens");
        assert_eq!(ledger.list(&ListFilter::new(), t(T0 + 2 * MINUTE)).expect("lists"), before);
        assert_eq!(before.len(), 3);
        assert_eq!(
            before.iter().map(|s| s.state.kind()).collect::<Vec<_>>(),
            [StateKind::Active, StateKind::Completed, StateKind::Active]
        );
        // The same facts in memory give the same records.
        let memory = MemoryLedger::new();
        memory
            .issue(&NewToken::new("tok_keep0001", "sub-1", one_hour()).user_id("u-1").meta("a", "b"), t(T0))
            .expect("issues");
        memory.mark_used("tok_keep0001", t(T0 + MINUTE)).expect("marks");
        assert_eq!(status(&memory, "tok_keep0001", T0 + 2 * MINUTE), before[0]);
    }

    #[test]
    fn the_schema_is_versioned_and_the_file_marked() {
        let dir = TempDir::new("schema");
        let path = dir.path().join("tokens.db");
        let ledger = SqliteLedger::open(&path).expect("opens");
        assert_eq!(ledger.schema_version(), Ok(SCHEMA_VERSION));
        assert_eq!(ledger.path(), path);
        drop(ledger);
        let raw = rusqlite::Connection::open(&path).expect("opens");
        let pragma =
            |name: &str| raw.pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0));
        assert_eq!(pragma("user_version").ok(), Some(rusqlite::types::Value::Integer(SCHEMA_VERSION)));
        assert_eq!(pragma("application_id").ok(), Some(rusqlite::types::Value::Integer(0x4641_544C)));
        assert_eq!(pragma("journal_mode").ok(), Some(rusqlite::types::Value::Text("wal".into())));
        // Opening again migrates nothing and keeps the version.
        assert_eq!(SqliteLedger::open(&path).expect("reopens").schema_version(), Ok(SCHEMA_VERSION));
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = TempDir::new("newer");
        let path = dir.path().join("tokens.db");
        SqliteLedger::open(&path).expect("opens");
        let raw = rusqlite::Connection::open(&path).expect("opens");
        raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("sets");
        drop(raw);
        let err = SqliteLedger::open(&path).expect_err("refused");
        assert_eq!(err, LedgerError::SchemaTooNew { found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION });
        assert_eq!(Error::from(err).kind(), ErrorKind::LedgerSchema);
        let raw = rusqlite::Connection::open(&path).expect("opens");
        let version: i64 = raw.pragma_query_value(None, "user_version", |row| row.get(0)).expect("reads");
        assert_eq!(version, SCHEMA_VERSION + 1);
    }

    #[test]
    fn other_files_are_refused() {
        let dir = TempDir::new("foreign");
        let other = dir.path().join("other.db");
        rusqlite::Connection::open(&other)
            .expect("opens")
            .execute_batch("CREATE TABLE notes (x)")
            .expect("creates");
        let err = SqliteLedger::open(&other).expect_err("refused");
        assert!(matches!(err, LedgerError::NotALedger { .. }), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::LedgerSchema);

        let marked = dir.path().join("marked.db");
        rusqlite::Connection::open(&marked)
            .expect("opens")
            .pragma_update(None, "application_id", 7)
            .expect("sets");
        assert!(matches!(SqliteLedger::open(&marked), Err(LedgerError::NotALedger { .. })));

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "this is not a database, just some text that is long enough ".repeat(20))
            .expect("writes");
        assert!(matches!(SqliteLedger::open(&text), Err(LedgerError::NotALedger { .. })));

        let missing = dir.path().join("no-such-dir").join("tokens.db");
        let err = SqliteLedger::open(&missing).expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::LedgerStorage, "{err}");
    }

    #[test]
    fn eight_threads_issue_a_thousand_each_without_loss() {
        const THREADS: usize = 8;
        const EACH: usize = 1_000;
        let dir = TempDir::new("threads");
        // One transaction per issue, synced at checkpoints (see `sqlite()`).
        let options = SqliteOptions::new().durability(Durability::Normal);
        let ledger = SqliteLedger::open_with(dir.path().join("tokens.db"), &options).expect("opens");
        let links = builder();
        let issued = Mutex::new(Vec::with_capacity(THREADS * EACH));
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    let mut issuer = LinkIssuer::new(&links, &ledger);
                    let mut mine = Vec::with_capacity(EACH);
                    for _ in 0..EACH {
                        let now = SystemTime::now();
                        mine.push(
                            issuer
                                .issue(TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), now)
                                .expect("issues")
                                .token,
                        );
                    }
                    issued.lock().expect("lock").extend(mine);
                });
            }
        });
        let issued: HashSet<String> = issued.into_inner().expect("lock").into_iter().collect();
        assert_eq!(issued.len(), THREADS * EACH);
        let stored: HashSet<String> = ledger
            .list(&ListFilter::new(), SystemTime::now())
            .expect("lists")
            .into_iter()
            .map(|s| s.record.token_id)
            .collect();
        assert_eq!(stored, issued);
    }

    #[test]
    fn separate_connections_on_one_file_share_every_write() {
        // Three ledgers (three connections) lock each other out as three processes do: they
        // open a fresh file at once (one creates the schema), issue while the others apply
        // webhooks to those tokens, then apply every webhook again once all are issued.
        const EACH: usize = 300;
        let dir = TempDir::new("connections");
        let path = dir.path().join("tokens.db");
        let options =
            SqliteOptions::new().durability(Durability::Normal).busy_timeout(Duration::from_secs(10));
        let start = std::sync::Barrier::new(3);
        let ledgers: Vec<SqliteLedger> = std::thread::scope(|scope| {
            let opening: Vec<_> = (0..3)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteLedger::open_with(&path, &options).expect("opens")
                    })
                })
                .collect();
            opening.into_iter().map(|o| o.join().expect("opens")).collect()
        });
        let apply = |ledger: &SqliteLedger, n: usize, i: usize| {
            let other = format!("tok_c{}_{i:05}", (n + 1) % 3);
            ledger.apply_webhook(&face_auth(&other, "fa-1", "approved", None), t(T0))
        };
        // Phases end with the scope, so a failing worker fails the test instead of leaving the
        // others waiting.
        std::thread::scope(|scope| {
            for (n, ledger) in ledgers.iter().enumerate() {
                scope.spawn(move || {
                    for i in 0..EACH {
                        let token = format!("tok_c{n}_{i:05}");
                        ledger
                            .issue(&NewToken::new(&token, "sub-1", TokenRule::Count), t(T0))
                            .expect("issues");
                        assert!(matches!(
                            apply(ledger, n, i),
                            Ok(WebhookOutcome::Recorded(_) | WebhookOutcome::UnknownToken { .. })
                        ));
                    }
                });
            }
        });
        std::thread::scope(|scope| {
            for (n, ledger) in ledgers.iter().enumerate() {
                scope.spawn(move || {
                    for i in 0..EACH {
                        assert!(matches!(apply(ledger, n, i), Ok(WebhookOutcome::Recorded(_))));
                    }
                });
            }
        });
        let completed =
            ledgers[1].list(&ListFilter::new().state(StateKind::Completed), t(T0)).expect("lists");
        assert_eq!(completed.len(), 3 * EACH);
        assert!(completed.iter().all(|s| s.record.results.len() == 1));
        let all = ledgers[0].list(&ListFilter::new(), t(T0)).expect("lists");
        assert_eq!(all.len(), 3 * EACH);
        // A duplicate across connections is still refused.
        let again = ledgers[2].issue(&NewToken::new("tok_c0_00000", "sub-1", TokenRule::Count), t(T0));
        assert!(matches!(again, Err(LedgerError::TokenExists { .. })));
    }
}

#[cfg(feature = "sqlite")]
mod sqlite_identity {
    use super::*;
    use faceauth::token::{SqliteLedger, SCHEMA_VERSION};
    use rusqlite::Connection;

    /// A hash of the file's bytes, and which of its side files (`-wal`, `-shm`, `-journal`)
    /// exist.
    fn snapshot(path: &Path) -> (u64, Vec<&'static str>) {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::fs::read(path).expect("reads the file").hash(&mut hasher);
        let side = ["-wal", "-shm", "-journal"]
            .into_iter()
            .filter(|suffix| {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                Path::new(&name).exists()
            })
            .collect();
        (hasher.finish(), side)
    }

    /// The journal mode as the file's header records it (byte 18: 1 rollback, 2 WAL), read
    /// without SQLite, which would leave side files of its own.
    fn journal_mode(path: &Path) -> &'static str {
        match std::fs::read(path).expect("reads the file").get(18) {
            Some(2) => "wal",
            Some(1) => "delete",
            _ => "unknown",
        }
    }

    #[test]
    fn another_applications_database_is_refused_without_a_single_change() {
        let dir = TempDir::new("foreign-untouched");
        let unmarked = dir.path().join("app.db");
        Connection::open(&unmarked)
            .expect("opens")
            .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann');")
            .expect("creates");
        let marked = dir.path().join("marked.db");
        Connection::open(&marked)
            .expect("opens")
            .execute_batch("PRAGMA application_id = 7; CREATE TABLE notes (x); INSERT INTO notes VALUES (1);")
            .expect("creates");
        // One that uses WAL itself: its mode is its own too.
        let wal = dir.path().join("wal.db");
        Connection::open(&wal)
            .expect("opens")
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('bo');",
            )
            .expect("creates");
        for (path, mode) in [(&unmarked, "delete"), (&marked, "delete"), (&wal, "wal")] {
            let before = snapshot(path);
            assert_eq!(before.1, Vec::<&str>::new());
            assert_eq!(journal_mode(path), mode);
            for read_only in [false, true] {
                let opened =
                    if read_only { SqliteLedger::open_read_only(path) } else { SqliteLedger::open(path) };
                let err = opened.expect_err("refused");
                assert!(matches!(err, LedgerError::NotALedger { .. }), "{}: {err:?}", path.display());
                assert_eq!(snapshot(path), before, "{} changed (read-only: {read_only})", path.display());
                assert_eq!(journal_mode(path), mode, "{}", path.display());
                assert_eq!(snapshot(path), before, "{} changed (read-only: {read_only})", path.display());
            }
        }
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_unchanged_and_an_empty_one_is_set_up() {
        let dir = TempDir::new("not-sqlite");
        for (name, content) in [
            ("notes.txt", "plain text, long enough to look like a header ".repeat(30)),
            ("short", "SQLite".to_owned()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &content).expect("writes");
            for read_only in [false, true] {
                let opened =
                    if read_only { SqliteLedger::open_read_only(&path) } else { SqliteLedger::open(&path) };
                assert!(matches!(opened, Err(LedgerError::NotALedger { .. })), "{name}: {opened:?}");
                assert_eq!(std::fs::read_to_string(&path).expect("reads"), content, "{name} changed");
                assert_eq!(snapshot(&path).1, Vec::<&str>::new(), "{name}: side files");
            }
        }
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").expect("writes");
        let ledger = SqliteLedger::open(&empty).expect("an empty file is set up");
        assert_eq!(ledger.schema_version(), Ok(SCHEMA_VERSION));
    }

    #[test]
    fn a_read_only_open_of_nothing_says_so_and_creates_nothing() {
        let dir = TempDir::new("read-only-missing");
        let missing = dir.path().join("tokens.db");
        let err = SqliteLedger::open_read_only(&missing).expect_err("nothing to read");
        assert_eq!(err, LedgerError::NoLedger { path: missing.clone() });
        assert_eq!(err.to_string(), format!("no token ledger at {}", missing.display()));
        assert_eq!(Error::from(err).kind(), ErrorKind::LedgerStorage);
        assert!(!missing.exists(), "a read-only open created the file");
        assert_eq!(std::fs::read_dir(dir.path()).expect("lists").count(), 0, "it created a side file");

        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").expect("writes");
        assert!(matches!(SqliteLedger::open_read_only(&empty), Err(LedgerError::NoLedger { .. })));
        assert_eq!(std::fs::metadata(&empty).expect("stat").len(), 0);
    }

    #[test]
    fn a_read_only_open_refuses_a_schema_it_would_have_to_migrate() {
        let dir = TempDir::new("read-only-old");
        let path = dir.path().join("tokens.db");
        Connection::open(&path)
            .expect("opens")
            .pragma_update(None, "application_id", 0x4641_544C)
            .expect("marks");
        let before = snapshot(&path);
        let err = SqliteLedger::open_read_only(&path).expect_err("refused");
        assert_eq!(err, LedgerError::SchemaOutdated { found: 0, supported: SCHEMA_VERSION });
        assert_eq!(snapshot(&path), before);
        // A write open migrates it; then it reads.
        drop(SqliteLedger::open(&path).expect("migrates"));
        assert!(SqliteLedger::open_read_only(&path).expect("reads").is_read_only());
    }

    #[test]
    fn a_read_only_ledger_reads_while_another_connection_holds_the_write_lock() {
        let dir = TempDir::new("read-only-busy");
        let path = dir.path().join("tokens.db");
        let writer = SqliteLedger::open(&path).expect("opens");
        writer.issue(&NewToken::new("tok_committed1", "sub-1", TokenRule::Count), t(T0)).expect("issues");

        let raw = Connection::open(&path).expect("opens");
        raw.execute_batch(
            "BEGIN IMMEDIATE; INSERT INTO tokens (token_id, submission_id, rule, issued_ms) \
             VALUES ('tok_pending01', 'sub-2', 'count', 0);",
        )
        .expect("holds the write lock with an uncommitted insert");
        // Another writer cannot get in now...
        let blocked = SqliteLedger::open_with(
            &path,
            &faceauth::token::SqliteOptions::new().busy_timeout(Duration::from_millis(1)),
        )
        .and_then(|l| l.issue(&NewToken::new("tok_blocked01", "sub-3", TokenRule::Count), t(T0)));
        assert!(matches!(blocked, Err(LedgerError::Storage { .. })), "{blocked:?}");
        // ...but a reader opens and reads the committed state.
        let reader = SqliteLedger::open_read_only(&path).expect("opens while the writer holds the lock");
        assert!(reader.status("tok_committed1", t(T0)).expect("reads").is_some());
        assert!(reader.status("tok_pending01", t(T0)).expect("reads").is_none());
        let listed: Vec<String> = reader
            .list(&ListFilter::new(), t(T0))
            .expect("lists")
            .into_iter()
            .map(|s| s.record.token_id)
            .collect();
        assert_eq!(listed, ["tok_committed1"]);
        let write = reader.issue(&NewToken::new("tok_another1", "sub-1", TokenRule::Count), t(T0));
        assert!(matches!(write, Err(LedgerError::Storage { .. })), "{write:?}");
        assert!(matches!(reader.purge(t(T0 + 1)), Err(LedgerError::Storage { .. })));

        raw.execute_batch("COMMIT").expect("commits");
        assert!(reader.status("tok_pending01", t(T0)).expect("reads").is_some(), "sees the commit");
    }

    /// The version-1 schema, as the first release wrote it.
    const SCHEMA_V1: &str = r"
        CREATE TABLE tokens (
            token_id TEXT NOT NULL PRIMARY KEY, submission_id TEXT NOT NULL,
            rule TEXT NOT NULL CHECK (rule IN ('count', 'time')), rule_ms INTEGER NOT NULL DEFAULT 0,
            user_id TEXT, metadata TEXT NOT NULL DEFAULT '{}', issued_ms INTEGER NOT NULL,
            first_used_ms INTEGER, expired_ms INTEGER, expired_condition TEXT, expired_service TEXT
        ) WITHOUT ROWID;
        CREATE INDEX tokens_by_issue ON tokens (issued_ms);
        CREATE INDEX tokens_by_submission ON tokens (submission_id, issued_ms);
        CREATE TABLE results (
            token_id TEXT NOT NULL REFERENCES tokens (token_id) ON DELETE CASCADE,
            auth_key TEXT NOT NULL, auth_id TEXT, status TEXT, created_ms INTEGER,
            PRIMARY KEY (token_id, auth_key)
        ) WITHOUT ROWID;
        PRAGMA application_id = 1178686540;
        PRAGMA user_version = 1;";

    #[test]
    fn a_version_1_file_is_migrated_and_keeps_its_tokens() {
        let dir = TempDir::new("migrate-v1");
        let path = dir.path().join("tokens.db");
        let raw = Connection::open(&path).expect("opens");
        raw.execute_batch(SCHEMA_V1).expect("writes the old schema");
        raw.execute_batch(&format!(
            "INSERT INTO tokens (token_id, submission_id, rule, rule_ms, user_id, metadata, issued_ms) \
             VALUES ('tok_old00001', 'sub-1', 'time', 3600000, 'u-1', '{{\"a\":\"b\"}}', {T0}); \
             INSERT INTO results VALUES ('tok_old00001', 'fa-1', 'fa-1', 'approved', {T0});"
        ))
        .expect("writes a token");
        drop(raw);
        // A reader refuses to migrate; a writer migrates.
        assert_eq!(
            SqliteLedger::open_read_only(&path).expect_err("needs a migration"),
            LedgerError::SchemaOutdated { found: 1, supported: SCHEMA_VERSION }
        );
        let ledger = SqliteLedger::open(&path).expect("migrates");
        assert_eq!(ledger.schema_version(), Ok(SCHEMA_VERSION));
        let found = status(&ledger, "tok_old00001", T0);
        assert_eq!(found.record.rule, one_hour());
        assert_eq!(found.record.metadata.get("a").map(String::as_str), Some("b"));
        assert!(matches!(found.state, TokenState::Completed { .. }));
        assert!(!found.record.results[0].confirmed, "results from before schema 3 were applied as posted");
        let by_submission = ledger.list(&ListFilter::new().submission("sub-1"), t(T0)).expect("lists");
        assert_eq!(by_submission.len(), 1);
        drop(ledger);
        let raw = Connection::open(&path).expect("opens");
        let indexes: Vec<String> = raw
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
            .expect("reads");
        assert_eq!(indexes, Vec::<String>::new());
    }

    /// The ledger holds user ids, cf fields and results: the file, and the `-wal` and `-shm`
    /// files SQLite makes beside it, are 0600 whatever the umask (022 where tests run; the CLI
    /// tests check umask 000).
    #[cfg(unix)]
    #[test]
    fn a_new_ledger_and_its_wal_and_shm_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("private");
        let path = dir.path().join("tokens.db");
        let ledger = SqliteLedger::open(&path).expect("opens");
        ledger.issue(&NewToken::new("tok_private01", "sub-1", TokenRule::Count), t(T0)).expect("issues");
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let mode = std::fs::metadata(&name).expect("the file exists").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "tokens.db{suffix}");
        }
        assert_eq!(faceauth::token::shared_file_mode(&path), None);
    }

    /// A path is a file name, never an SQLite URI, and names a file: `""` (SQLite's private
    /// temporary database) and `:memory:` are refused.
    #[test]
    fn a_path_is_never_read_as_a_uri_or_as_no_file() {
        let name = format!("file:faceauth-uri-test-{}.db?mode=memory", std::process::id());
        {
            let ledger = SqliteLedger::open(&name).expect("opens");
            ledger.issue(&NewToken::new("tok_uri00001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
        }
        let kept = SqliteLedger::open_read_only(&name).map(|again| again.status("tok_uri00001", t(T0)));
        std::fs::remove_file(&name).expect("a file of that very name was written");
        for side in ["-wal", "-shm"] {
            std::fs::remove_file(format!("{name}{side}")).ok();
        }
        assert!(matches!(kept, Ok(Ok(Some(_)))), "{kept:?}");
        for path in ["", ":memory:"] {
            let Err(err) = SqliteLedger::open(path) else { panic!("{path:?} opened") };
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{path:?}");
            assert!(SqliteLedger::open_read_only(path).is_err(), "{path:?}");
        }
        assert!(!Path::new(":memory:").exists());
    }

    #[test]
    fn issue_new_records_the_new_and_skips_the_known() {
        let dir = TempDir::new("issue-new");
        let ledger = SqliteLedger::open(dir.path().join("tokens.db")).expect("opens");
        ledger.issue(&NewToken::new("tok_known001", "sub-0", TokenRule::Count), t(T0)).expect("issues");
        let batch: Vec<NewToken> = ["tok_fresh001", "tok_known001", "tok_fresh002", "tok_fresh001"]
            .iter()
            .map(|id| NewToken::new(*id, "sub-1", TokenRule::Count))
            .collect();
        assert_eq!(ledger.issue_new(&batch, t(T0 + 1)), Ok(vec![1, 3]));
        assert_eq!(status(&ledger, "tok_known001", T0).record.submission_id, "sub-0", "unchanged");
        assert_eq!(status(&ledger, "tok_fresh002", T0 + 1).record.submission_id, "sub-1");
        assert_eq!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").len(), 3);
        let bad = [
            NewToken::new("tok_fresh003", "sub-1", TokenRule::Count),
            NewToken::new("bad id", "s", TokenRule::Count),
        ];
        assert!(matches!(ledger.issue_new(&bad, t(T0)), Err(LedgerError::InvalidToken(_))));
        assert!(ledger.status("tok_fresh003", t(T0)).expect("reads").is_none(), "all or none on bad input");
    }
}

#[cfg(feature = "postgres")]
mod postgres_only {
    use super::*;
    use faceauth::token::{open_ledger, PostgresLedger, PostgresOptions};

    #[test]
    fn reopening_keeps_everything_and_open_ledger_takes_the_url() {
        let Some(schema) = pg::Schema::new("reopen") else { return };
        let before = {
            let ledger = open_ledger(&schema.location).expect("opens");
            ledger
                .issue(&NewToken::new("tok_keep0001", "sub-1", one_hour()).meta("a", "b"), t(T0))
                .expect("issues");
            ledger
                .apply_webhook(&face_auth("tok_keep0001", "fa-1", "approved", Some(T0 + 5)), t(T0 + 9))
                .expect("applies");
            ledger.list(&ListFilter::new(), t(T0 + MINUTE)).expect("lists")
        };
        let again = PostgresLedger::open(&schema.location).expect("reopens");
        assert_eq!(again.list(&ListFilter::new(), t(T0 + MINUTE)).expect("lists"), before);
        assert_eq!(again.schema_version(), Ok(PostgresLedger::SCHEMA_VERSION));
        assert!(!format!("{again:?}").contains(&password(&schema.location)), "{again:?}");
    }

    fn password(location: &str) -> String {
        let userinfo = location.split("://").nth(1).and_then(|rest| rest.split_once('@')).map(|(u, _)| u);
        userinfo.and_then(|u| u.split_once(':')).map(|(_, p)| p.to_owned()).unwrap_or_default()
    }

    #[test]
    fn a_read_only_open_creates_nothing_and_refuses_writes() {
        let Some(schema) = pg::Schema::new("reader") else { return };
        let err = PostgresLedger::open_read_only(&schema.location).expect_err("no ledger yet");
        assert!(matches!(err, LedgerError::NoLedger { .. }), "{err:?}");
        assert!(!err.to_string().contains(&password(&schema.location)), "{err}");
        let tables: i64 = schema
            .client()
            .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = $1", &[&schema.name])
            .expect("counts")
            .get(0);
        assert_eq!(tables, 0, "a read-only open created nothing");
        let writer = PostgresLedger::open(&schema.location).expect("opens");
        writer.issue(&NewToken::new("tok_read0001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
        let reader = PostgresLedger::open_read_only(&schema.location).expect("opens read-only");
        assert!(reader.is_read_only());
        assert_eq!(status(&reader, "tok_read0001", T0).state, TokenState::Unused);
        let denied = reader.issue(&NewToken::new("tok_read0002", "sub-1", TokenRule::Count), t(T0));
        assert!(matches!(denied, Err(LedgerError::Storage { .. })), "{denied:?}");
        assert!(matches!(reader.mark_used("tok_read0001", t(T0)), Err(LedgerError::Storage { .. })));
    }

    /// A version-1 database (before `faceauth_results.confirmed`) is migrated, and its results
    /// read as applied as posted.
    #[test]
    fn a_version_1_database_is_migrated_and_its_results_were_not_confirmed() {
        let Some(schema) = pg::Schema::new("v1") else { return };
        {
            let ledger = PostgresLedger::open(&schema.location).expect("opens");
            ledger.issue(&NewToken::new("tok_pgold001", "sub-1", TokenRule::Count), t(T0)).expect("issues");
            ledger
                .apply_webhook(&face_auth("tok_pgold001", "fa-1", "approved", Some(T0 + 5)), t(T0 + 9))
                .expect("applies");
        }
        schema
            .client()
            .batch_execute(
                "ALTER TABLE faceauth_results DROP COLUMN confirmed; \
                 UPDATE faceauth_ledger_schema SET version = 1;",
            )
            .expect("rewinds to version 1");
        let ledger = PostgresLedger::open(&schema.location).expect("migrates");
        assert_eq!(ledger.schema_version(), Ok(PostgresLedger::SCHEMA_VERSION));
        let found = status(&ledger, "tok_pgold001", T0 + 9);
        assert_eq!(found.record.results.len(), 1);
        assert!(!found.record.results[0].confirmed);
    }

    #[test]
    fn a_newer_schema_and_a_foreign_table_are_refused_untouched() {
        let Some(schema) = pg::Schema::new("newer") else { return };
        PostgresLedger::open(&schema.location).expect("opens");
        let newer = PostgresLedger::SCHEMA_VERSION + 1;
        schema.client().execute("UPDATE faceauth_ledger_schema SET version = $1", &[&newer]).expect("bumps");
        let err = PostgresLedger::open(&schema.location).expect_err("refuses a newer schema");
        assert_eq!(
            err,
            LedgerError::SchemaTooNew { found: newer, supported: PostgresLedger::SCHEMA_VERSION }
        );
        assert_eq!(err.kind(), ErrorKind::LedgerSchema);

        let Some(other) = pg::Schema::new("foreign") else { return };
        other.client().batch_execute("CREATE TABLE faceauth_tokens (id int)").expect("creates");
        let err = PostgresLedger::open(&other.location).expect_err("refuses a foreign table");
        assert_eq!(err.kind(), ErrorKind::LedgerSchema, "{err}");
    }

    #[test]
    fn sixteen_processes_worth_of_connections_open_a_fresh_database_at_once() {
        let Some(schema) = pg::Schema::new("race") else { return };
        let location = &schema.location;
        std::thread::scope(|scope| {
            let opens: Vec<_> = (0..16)
                .map(|i| {
                    scope.spawn(move || {
                        let ledger = PostgresLedger::open(location)?;
                        ledger
                            .issue(&NewToken::new(format!("tok_race{i:04}"), "sub", TokenRule::Count), t(T0))
                    })
                })
                .collect();
            for open in opens {
                assert_eq!(open.join().expect("joins"), Ok(()));
            }
        });
        let ledger = PostgresLedger::open(location).expect("opens");
        assert_eq!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").len(), 16);
    }

    #[test]
    fn issue_new_records_the_new_and_skips_the_known() {
        let Some(schema) = pg::Schema::new("issue_new") else { return };
        let ledger = PostgresLedger::open(&schema.location).expect("opens");
        ledger.issue(&NewToken::new("tok_known001", "sub-0", TokenRule::Count), t(T0)).expect("issues");
        let batch: Vec<NewToken> = ["tok_fresh001", "tok_known001", "tok_fresh002", "tok_fresh001"]
            .iter()
            .map(|id| NewToken::new(*id, "sub-1", TokenRule::Count))
            .collect();
        assert_eq!(ledger.issue_new(&batch, t(T0 + 1)), Ok(vec![1, 3]));
        assert_eq!(status(&ledger, "tok_known001", T0).record.submission_id, "sub-0", "unchanged");
        assert_eq!(ledger.list(&ListFilter::new(), t(T0)).expect("lists").len(), 3);
        let refused = ledger.issue_many(&batch[2..3], t(T0));
        assert_eq!(refused, Err(LedgerError::TokenExists { token_id: "tok_fresh002".to_owned() }));
    }

    /// Many tokens go through `COPY` into a temporary table, a few through one `INSERT …
    /// unnest`: the two record the same rows and skip the same ones (known ids, and repeats
    /// within the call, whose first is the one recorded), in calls that follow each other and
    /// after a call that failed and rolled back.
    #[test]
    fn copy_and_unnest_record_and_skip_the_same_tokens() {
        let batch: Vec<NewToken> = (0..600)
            .map(|i| {
                let id = match i {
                    // A repeat of an earlier id in the same call, with another submission.
                    100 | 450 => "tok_bulk0007".to_owned(),
                    // An id recorded before the call.
                    300 => "tok_known001".to_owned(),
                    _ => format!("tok_bulk{i:04}"),
                };
                let rule =
                    if i % 2 == 0 { TokenRule::Count } else { TokenRule::Time(Duration::from_secs(90)) };
                let token = NewToken::new(id, format!("sub-{i}"), rule);
                match i % 3 {
                    0 => token,
                    1 => token.user_id(format!("user-{i}")),
                    _ => token.user_id("u").meta("source", format!("row {i}")),
                }
            })
            .collect();
        let mut recorded = Vec::new();
        for (name, copy_from) in [("copy", 0), ("unnest", usize::MAX)] {
            let Some(schema) = pg::Schema::new(name) else { return };
            let options = PostgresOptions::new().copy_from(copy_from);
            let ledger = PostgresLedger::open_with(&schema.location, &options).expect("opens");
            ledger.issue(&NewToken::new("tok_known001", "sub-0", TokenRule::Count), t(T0)).expect("issues");
            // A call that fails (a known id) rolls back whole, its staging rows with it.
            let refused = ledger.issue_many(&batch[250..350], t(T0 + 1));
            assert_eq!(
                refused,
                Err(LedgerError::TokenExists { token_id: "tok_known001".to_owned() }),
                "{name}"
            );
            assert_eq!(ledger.issue_new(&batch[..300], t(T0 + 2)), Ok(vec![100]), "{name}");
            assert_eq!(ledger.issue_new(&batch[300..], t(T0 + 3)), Ok(vec![0, 150]), "{name}");
            assert_eq!(ledger.issue_new(&batch[..2], t(T0 + 4)), Ok(vec![0, 1]), "{name}: known now");
            let listed = ledger.list(&ListFilter::new(), t(T0 + 5)).expect("lists");
            assert_eq!(listed.len(), 600 - 3 + 1, "{name}");
            assert_eq!(status(&ledger, "tok_known001", T0 + 5).record.submission_id, "sub-0", "{name}");
            assert_eq!(status(&ledger, "tok_bulk0007", T0 + 5).record.submission_id, "sub-7", "{name}");
            recorded.push(listed.into_iter().map(|s| s.record).collect::<Vec<_>>());
        }
        if let [copied, inserted] = &recorded[..] {
            assert_eq!(copied, inserted, "COPY and unnest recorded different rows");
        }
    }

    #[test]
    fn an_unreachable_server_is_a_storage_error_without_the_password() {
        let options = PostgresOptions::new().connect_timeout(Duration::from_secs(2));
        let err = PostgresLedger::open_with("postgres://faceauth:pw-s3cret@127.0.0.1:1/x", &options)
            .expect_err("port 1 answered");
        assert_eq!(err.kind(), ErrorKind::LedgerStorage);
        assert!(!format!("{err} {err:?}").contains("pw-s3cret"));
        let Some(server) = pg::server() else { return };
        let wrong = server.replacen("://faceauth:", "://faceauth:wrong-s3cret", 1);
        let err = PostgresLedger::open(&wrong).expect_err("a wrong password logged in");
        assert_eq!(err.kind(), ErrorKind::LedgerStorage);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("wrong-s3cret") && !shown.contains(&password(&server)), "{shown}");
        assert!(shown.contains("password authentication failed"), "{shown}");
    }
}
