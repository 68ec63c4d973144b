//! The PostgreSQL token ledger: one database shared by every process on every host.

use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use postgres::types::{ToSql, Type};
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Transaction};
use zeroize::Zeroizing;

use super::ledger::{
    route, route_confirmed, Change, Durability, LedgerError, LinkResult, ListFilter, NewToken,
    ReportedExpiry, Route, StateKind, TokenLedger, TokenRecord, TokenStatus, Updated, WebhookOutcome,
    WebhookToApply,
};
use super::rule::TokenRule;
use super::time::{duration_ms, from_ms, to_ms};
use crate::api::AuthStatus;
use crate::webhook::{ConfirmedEvent, ExpiredCondition, Service};

/// The key of the advisory lock held while the schema is checked and migrated: "FATL"
/// (FaceAuth token ledger), as SQLite's application id.
const SCHEMA_LOCK: i64 = 0x4641_544C;

/// Migration `i` takes the schema from version `i` to `i + 1`. Every step runs in one
/// transaction begun with [`SCHEMA_LOCK`] held, and DDL is transactional in PostgreSQL: a migration
/// is applied whole or not at all.
///
/// The tables are prefixed `faceauth_` (they may share a database, and a schema, with the
/// application's own); ids sort bytewise (`COLLATE "C"`), as the other stores sort them.
///
/// 2: `faceauth_results.confirmed`: true when the result was confirmed with Argos, false when
/// it was applied as posted (as every result recorded before this version was).
const MIGRATIONS: [&str; 2] = [
    r#"
CREATE TABLE faceauth_ledger_schema (
    version bigint NOT NULL
);
INSERT INTO faceauth_ledger_schema (version) VALUES (0);
CREATE TABLE faceauth_tokens (
    token_id          text COLLATE "C" NOT NULL PRIMARY KEY,
    submission_id     text   NOT NULL,
    rule              text   NOT NULL CHECK (rule IN ('count', 'time')),
    rule_ms           bigint NOT NULL DEFAULT 0,
    user_id           text,
    metadata          text   NOT NULL DEFAULT '{}',
    issued_ms         bigint NOT NULL,
    first_used_ms     bigint,
    expired_ms        bigint,
    expired_condition text,
    expired_service   text
);
CREATE TABLE faceauth_results (
    token_id   text COLLATE "C" NOT NULL REFERENCES faceauth_tokens (token_id) ON DELETE CASCADE,
    auth_key   text COLLATE "C" NOT NULL,
    auth_id    text,
    status     text,
    created_ms bigint,
    PRIMARY KEY (token_id, auth_key)
);
"#,
    "ALTER TABLE faceauth_results ADD COLUMN confirmed boolean NOT NULL DEFAULT false;",
];

const TOKEN_COLUMNS: &str = token_columns!();

/// Options for [`PostgresLedger::open_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    connect_timeout: Duration,
    statement_timeout: Option<Duration>,
    durability: Durability,
    read_only: bool,
    copy_from: usize,
}

/// Tokens from which one issue call goes through `COPY` rather than one `INSERT … unnest`.
const COPY_FROM: usize = 256;

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions {
            connect_timeout: Duration::from_secs(5),
            statement_timeout: None,
            durability: Durability::Full,
            read_only: false,
            copy_from: COPY_FROM,
        }
    }
}

impl PostgresOptions {
    /// The defaults: a 5 s connect timeout, [`Durability::Full`], read-write.
    pub fn new() -> PostgresOptions {
        PostgresOptions::default()
    }

    /// How long connecting (or reconnecting) may take before a call fails.
    pub fn connect_timeout(mut self, timeout: Duration) -> PostgresOptions {
        self.connect_timeout = timeout;
        self
    }

    /// The session's `statement_timeout` and `lock_timeout`: a statement that runs, or waits
    /// for a lock, longer fails and its transaction changes nothing. Default: the server's.
    pub fn statement_timeout(mut self, timeout: Duration) -> PostgresOptions {
        self.statement_timeout = Some(timeout);
        self
    }

    /// [`Durability::Full`]: `synchronous_commit = on`, every commit is flushed to the
    /// server's disk before it returns. [`Durability::Normal`]: `synchronous_commit = off`, a
    /// crash of the server (not of this process) may lose the last commits of a fraction of a
    /// second; the database stays consistent.
    pub fn durability(mut self, durability: Durability) -> PostgresOptions {
        self.durability = durability;
        self
    }

    /// Opens read-only: see [`PostgresLedger::open_read_only`].
    pub fn read_only(mut self, read_only: bool) -> PostgresOptions {
        self.read_only = read_only;
        self
    }

    /// How many tokens an [`issue_many`](TokenLedger::issue_many) or
    /// [`issue_new`](PostgresLedger::issue_new) call must hold to be sent with `COPY … FROM
    /// STDIN (FORMAT binary)`: straight into the table, or, when an id is already recorded,
    /// into a temporary table and inserted from there; fewer go in one `INSERT … SELECT FROM
    /// unnest(…)`. Every path records the same rows; `COPY` costs a round trip or two more and
    /// the server much less per row. Default 256; `usize::MAX` never copies.
    pub fn copy_from(mut self, tokens: usize) -> PostgresOptions {
        self.copy_from = tokens;
        self
    }
}

/// A [`TokenLedger`] in a PostgreSQL database, shared by every process on every host that
/// opens it. Open it with a location in the `postgres` crate's URL form,
/// `postgres://user:password@host:port/database` (or `postgresql://…`; options such as
/// `?sslmode=disable&options=-c%20search_path%3Dledger` as libpq takes them; TLS is not built
/// in, so only `sslmode=disable` or `prefer` connect).
///
/// - **Concurrency.** One connection per `PostgresLedger`, behind a mutex: share one per
///   process. Across processes and hosts, every change to a token is one transaction that
///   first takes the token's row lock (`SELECT … FOR UPDATE` in `update`):
///   a second writer of the same token waits for the first to commit, then reads what it
///   wrote, so merging webhooks never loses an update. New tokens go in with `INSERT … ON
///   CONFLICT (token_id) DO NOTHING`, which waits for a concurrent insert of the same id and
///   then reports it as taken: an id is recorded once.
/// - **Failures.** A server that cannot be reached, restarts or drops the connection fails
///   the call with [`LedgerError::Storage`] (kind `ledger_storage`) and drops the connection;
///   the next call connects again. A call that finds its kept connection dead before it has
///   sent anything (at `BEGIN`) reconnects and runs once more at once. A call that fails
///   before its `COMMIT` is answered changed nothing (PostgreSQL rolls the transaction
///   back); one whose `COMMIT` got no answer may or may not have committed.
/// - **Schema.** `faceauth_ledger_schema` holds the version ([`SCHEMA_VERSION`](Self::SCHEMA_VERSION));
///   opening reads it, refuses a newer one ([`LedgerError::SchemaTooNew`]) and applies the
///   missing migrations in one transaction, begun while holding an advisory lock
///   (`pg_advisory_lock`), so processes that open a fresh database at once do not race on
///   `CREATE TABLE`. A database with a `faceauth_tokens` table but no version is refused
///   untouched ([`LedgerError::NotALedger`]).
/// - **Readers.** [`open_read_only`](Self::open_read_only) never creates or migrates
///   anything, and reads in `READ ONLY` `REPEATABLE READ` transactions (a token and its
///   results from one snapshot); every write fails with [`LedgerError::Storage`].
/// - **Threads.** The `postgres` crate drives each connection on a tokio current-thread
///   runtime on the calling thread: this ledger starts no thread of its own (tokio resolves a
///   host name, not an IP address, on a blocking-pool thread of that runtime).
/// - **Password.** When the location has none, it comes from where libpq looks, so that it
///   need not be in a location that command lines show: `PGPASSWORD`, else the first matching
///   line of the password file (`PGPASSFILE`, else `~/.pgpass`; lines
///   `host:port:database:username:password`, `*` for any value, `\:` and `\\` escapes). A
///   password file that group or others can read (mode beyond 0600) is ignored, as libpq
///   ignores it, with a notice in [`warnings`](Self::warnings) and in the error of a refused
///   login. This crate's copies of the password are wiped on drop (the driver's `Config`
///   keeps its own, unwiped, for reconnecting).
/// - **Secrets.** The password is never in an error, a log line or `Debug`: locations are
///   shown through [`redact_credentials`](crate::url::redact_credentials).
pub struct PostgresLedger {
    client: Mutex<Option<Client>>,
    config: Config,
    /// The location with its user-info redacted: for `Debug` and errors.
    shown: String,
    /// The password, to scrub from server and driver messages; wiped on drop.
    password: Option<Zeroizing<String>>,
    /// Where a password the location does not hold came from (`PGPASSWORD`, a file's path).
    password_source: Option<String>,
    /// Notices about skipped password sources (see [`warnings`](Self::warnings)).
    warnings: Vec<String>,
    durability: Durability,
    read_only: bool,
    /// Issue calls of this many tokens or more go through `COPY`.
    copy_from: usize,
}

impl std::fmt::Debug for PostgresLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLedger")
            .field("location", &self.shown)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// Whether a transaction reads or writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// What a write on a ledger opened read-only fails with.
fn read_only_error() -> LedgerError {
    LedgerError::Storage { action: "begin a write", reason: "the ledger was opened read-only".to_owned() }
}

/// A stored value that this build cannot read back.
fn corrupt(reason: String) -> LedgerError {
    LedgerError::Storage { action: "read a token", reason }
}

impl PostgresLedger {
    /// The schema version this build writes and reads.
    pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens (creating the tables if needed) the ledger at `location` with the default
    /// [`PostgresOptions`].
    ///
    /// # Errors
    /// As [`open_with`](Self::open_with).
    pub fn open(location: &str) -> Result<PostgresLedger, LedgerError> {
        PostgresLedger::open_with(location, &PostgresOptions::default())
    }

    /// Opens an existing ledger for reading only: never creates or migrates the tables.
    ///
    /// # Errors
    /// [`LedgerError::NoLedger`] if the database holds no ledger; [`LedgerError::SchemaOutdated`]
    /// if it needs a migration first; otherwise as [`open_with`](Self::open_with).
    pub fn open_read_only(location: &str) -> Result<PostgresLedger, LedgerError> {
        PostgresLedger::open_with(location, &PostgresOptions::default().read_only(true))
    }

    /// Connects to `location` (a `postgres://` or `postgresql://` URL), checks the schema and,
    /// unless read-only, migrates it to [`SCHEMA_VERSION`](Self::SCHEMA_VERSION).
    ///
    /// # Errors
    /// [`LedgerError::InvalidField`] (`location`) for a URL the `postgres` crate cannot read;
    /// [`LedgerError::Storage`] if the server cannot be reached or refuses the login;
    /// [`LedgerError::SchemaTooNew`], [`LedgerError::NotALedger`].
    pub fn open_with(location: &str, options: &PostgresOptions) -> Result<PostgresLedger, LedgerError> {
        let shown = crate::url::redact_credentials(location).into_owned();
        let mut config = Config::from_str(location).map_err(|_| LedgerError::InvalidField {
            field: "location",
            problem: "is not a PostgreSQL URL",
        })?;
        config.connect_timeout(options.connect_timeout);
        if let Some(timeout) = options.statement_timeout {
            let ms = timeout.as_millis().max(1);
            let ours = format!("-c statement_timeout={ms} -c lock_timeout={ms}");
            let startup = match config.get_options() {
                Some(given) => format!("{given} {ours}"),
                None => ours,
            };
            config.options(&startup);
        }
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("faceauth");
        }
        let found = super::pgpass::fill_password(&mut config, &|name| std::env::var_os(name));
        let password = config.get_password().map(|p| Zeroizing::new(String::from_utf8_lossy(p).into_owned()));
        let warnings: Vec<String> = found.notice.into_iter().collect();
        let ledger = PostgresLedger {
            client: Mutex::new(None),
            config,
            shown,
            password,
            password_source: found.source,
            warnings,
            durability: options.durability,
            read_only: options.read_only,
            copy_from: options.copy_from,
        };
        let opened = if options.read_only { ledger.check_reader() } else { ledger.migrate() };
        match opened {
            Ok(()) => Ok(ledger),
            Err(err) => Err(ledger.explain(err)),
        }
    }

    /// A failure to open, with what the caller needs to fix a refused login: where the
    /// password came from, or why the password file was skipped.
    fn explain(&self, err: LedgerError) -> LedgerError {
        let LedgerError::Storage { action, reason } = err else { return err };
        let mut reason = reason;
        if let Some(source) = &self.password_source {
            reason.push_str(&format!(" (password from {source})"));
        }
        for warning in &self.warnings {
            reason.push_str(&format!(" ({warning})"));
        }
        LedgerError::Storage { action, reason }
    }

    /// Notices about the password's sources, for the caller to show (libpq prints them on
    /// stderr; a library does not): a password file that group or others can read, or that is
    /// not a plain file, was ignored.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The location, with any password redacted.
    pub fn location(&self) -> &str {
        &self.shown
    }

    /// Whether this ledger was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version in the database.
    ///
    /// # Errors
    /// [`LedgerError::Storage`]; [`LedgerError::NoLedger`] if there is none.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        let shown = self.shown.clone();
        self.run(Mode::Read, |tx| {
            read_version(tx)?.ok_or_else(|| LedgerError::NoLedger { path: shown.clone().into() })
        })
    }

    /// Maps a driver error to [`LedgerError::Storage`], with the password scrubbed.
    fn storage(&self, action: &'static str) -> impl Fn(postgres::Error) -> LedgerError + '_ {
        move |err| LedgerError::Storage { action, reason: self.scrub(&describe(&err)) }
    }

    fn scrub(&self, message: &str) -> String {
        match &self.password {
            Some(password) if !password.is_empty() => message.replace(password.as_str(), "<redacted>"),
            _ => message.to_owned(),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Client>> {
        // A panic while the lock was held left at most a transaction, rolled back when its
        // guard dropped, or a dead connection that the next error drops.
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> Result<Client, LedgerError> {
        let mut client = self.config.connect(NoTls).map_err(self.storage("connect to the server"))?;
        let synchronous = match self.durability {
            Durability::Full => "on",
            Durability::Normal => "off",
        };
        let read_only = if self.read_only { "on" } else { "off" };
        client
            .batch_execute(&format!(
                "SET synchronous_commit = {synchronous}; SET default_transaction_read_only = {read_only}"
            ))
            .map_err(self.storage("set up the session"))?;
        Ok(client)
    }

    /// Runs `body` in one transaction and commits it, on the kept connection (connecting
    /// first if there is none). A storage error drops the connection, so the next call
    /// connects again; a kept connection found dead at `BEGIN`, before anything was sent, is
    /// replaced and the call run once more.
    fn run<T>(
        &self,
        mode: Mode,
        mut body: impl FnMut(&mut Transaction<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut slot = self.slot();
        let mut retried = false;
        loop {
            let fresh = slot.is_none();
            let client = match slot.as_mut() {
                Some(client) => client,
                None => slot.insert(self.connect()?),
            };
            let outcome = {
                let begun = match mode {
                    Mode::Write => client.transaction(),
                    Mode::Read => client
                        .build_transaction()
                        .isolation_level(IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start(),
                };
                match begun {
                    Err(err) => Err((self.storage("begin a transaction")(err), true)),
                    Ok(mut tx) => match body(&mut tx) {
                        Ok(value) => {
                            tx.commit().map(|()| value).map_err(|e| (self.storage("commit")(e), false))
                        }
                        // Dropping the transaction rolls it back.
                        Err(err) => Err((err, false)),
                    },
                }
            };
            match outcome {
                Ok(value) => return Ok(value),
                Err((err, at_begin)) => {
                    if matches!(err, LedgerError::Storage { .. }) {
                        *slot = None;
                        if at_begin && !fresh && !retried {
                            retried = true;
                            continue;
                        }
                    }
                    return Err(err);
                }
            }
        }
    }

    /// Reads the schema version with no lock; then, unless current, takes the advisory lock
    /// (session-scoped, `pg_advisory_lock`), and in a transaction begun only once it is held
    /// reads the version again and migrates. Beginning after the lock matters: a transaction
    /// sees the tables another session created only if it began after that session
    /// committed (its catalog lookups may otherwise miss them, and `CREATE TABLE` then fails
    /// with "already exists").
    fn migrate(&self) -> Result<(), LedgerError> {
        if self.run(Mode::Read, read_version)? == Some(Self::SCHEMA_VERSION) {
            return Ok(());
        }
        let mut slot = self.slot();
        let client = match slot.as_mut() {
            Some(client) => client,
            None => slot.insert(self.connect()?),
        };
        let migrated = client
            .execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])
            .map_err(self.storage("lock the schema"))
            .and_then(|_| self.migrate_locked(client));
        let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK]);
        if migrated.is_err() || unlocked.is_err() {
            // Closing the connection releases the lock in any case.
            *slot = None;
        }
        migrated
    }

    /// The migration itself, in one transaction, with [`SCHEMA_LOCK`] held.
    fn migrate_locked(&self, client: &mut Client) -> Result<(), LedgerError> {
        let mut tx = client.transaction().map_err(self.storage("begin the schema check"))?;
        let version = read_version(&mut tx)?.unwrap_or(0);
        if version > Self::SCHEMA_VERSION {
            return Err(LedgerError::SchemaTooNew { found: version, supported: Self::SCHEMA_VERSION });
        }
        if version == Self::SCHEMA_VERSION {
            return tx.commit().map_err(self.storage("commit the schema"));
        }
        for migration in MIGRATIONS.iter().skip(usize::try_from(version).unwrap_or(0)) {
            tx.batch_execute(migration).map_err(self.storage("migrate the schema"))?;
        }
        tx.execute("UPDATE faceauth_ledger_schema SET version = $1", &[&Self::SCHEMA_VERSION])
            .map_err(self.storage("set the schema version"))?;
        tx.commit().map_err(self.storage("commit the schema"))
    }

    fn check_reader(&self) -> Result<(), LedgerError> {
        match self.run(Mode::Read, read_version)? {
            None => Err(LedgerError::NoLedger { path: self.shown.clone().into() }),
            Some(found) if found < Self::SCHEMA_VERSION => {
                Err(LedgerError::SchemaOutdated { found, supported: Self::SCHEMA_VERSION })
            }
            Some(_) => Ok(()),
        }
    }

    fn writable(&self) -> Result<(), LedgerError> {
        if self.read_only {
            Err(read_only_error())
        } else {
            Ok(())
        }
    }

    /// Loads, changes and stores one token in one transaction; `None` if it is unknown.
    ///
    /// No lost update: `SELECT … FOR UPDATE` takes the token's row lock before anything is
    /// read, so of two transactions changing one token (from any process on any host) the
    /// second waits until the first commits and then reads its row and results (each
    /// statement of a `READ COMMITTED` transaction sees what committed before it). The merge
    /// is [`TokenRecord::apply`], as in every store.
    fn update(&self, token_id: &str, change: &Change) -> Result<Updated, LedgerError> {
        self.writable()?;
        self.run(Mode::Write, |tx| self.update_in(tx, token_id, change))
    }

    /// Load (locked), check, merge and store one token's change inside `tx`.
    fn update_in(
        &self,
        tx: &mut Transaction<'_>,
        token_id: &str,
        change: &Change,
    ) -> Result<Updated, LedgerError> {
        let Some(mut record) = self.load(tx, token_id, true)? else {
            return Ok(Updated::Unknown);
        };
        if let Some(reason) = record.refusal(change) {
            return Ok(Updated::Refused(reason));
        }
        record.apply(change);
        self.store_facts(tx, &record)?;
        Ok(Updated::Done(record))
    }

    /// [`TokenLedger::apply_many`]: every webhook in one write transaction, in a fixed number
    /// of statements whatever their count (one round trip per statement, not several per
    /// webhook): their tokens are read and locked at once (in id order, so that two batches
    /// sharing tokens cannot deadlock), merged in memory in the order given (as applying them
    /// one after another would), and each changed token is written once.
    fn apply_all(
        &self,
        webhooks: &[WebhookToApply<'_>],
        now: SystemTime,
    ) -> Result<Vec<WebhookOutcome>, LedgerError> {
        self.writable()?;
        let routes: Vec<Route> = webhooks.iter().map(|webhook| webhook.route(now)).collect();
        let mut ids: Vec<&str> = routes
            .iter()
            .filter_map(|route| match route {
                Route::Apply { token_id, .. } => Some(token_id.as_str()),
                Route::Skip(_) => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.run(Mode::Write, |tx| {
            let mut records = self.load_locked(tx, &ids)?;
            let mut changed = vec![false; ids.len()];
            let mut outcomes = Vec::with_capacity(routes.len());
            for route in &routes {
                let (token_id, change) = match route {
                    Route::Skip(outcome) => {
                        outcomes.push(outcome.clone());
                        continue;
                    }
                    Route::Apply { token_id, change } => (token_id, change),
                };
                let at = ids.binary_search(&token_id.as_str()).ok();
                let updated = match at.and_then(|at| records[at].as_mut().map(|record| (at, record))) {
                    None => Updated::Unknown,
                    Some((at, record)) => match record.refusal(change) {
                        Some(reason) => Updated::Refused(reason),
                        None => {
                            record.apply(change);
                            changed[at] = true;
                            Updated::Done(record.clone())
                        }
                    },
                };
                outcomes.push(updated.outcome(token_id.clone(), now));
            }
            let dirty: Vec<&TokenRecord> = records
                .iter()
                .zip(&changed)
                .filter(|(_, changed)| **changed)
                .filter_map(|(r, _)| r.as_ref())
                .collect();
            self.store_all(tx, &dirty)?;
            Ok(outcomes)
        })
    }

    /// The records of `ids` (sorted, distinct), each `None` when no such token, read with their
    /// results and locked (`FOR UPDATE`, in id order) in two statements.
    fn load_locked(
        &self,
        tx: &mut Transaction<'_>,
        ids: &[&str],
    ) -> Result<Vec<Option<TokenRecord>>, LedgerError> {
        let mut records: Vec<Option<TokenRecord>> = vec![None; ids.len()];
        if ids.is_empty() {
            return Ok(records);
        }
        // Typed queries: one round trip each (no separate prepare). The results are read by a
        // second statement, once the locks are held, so that they include what a writer this
        // one waited for committed.
        let rows = tx
            .query_typed(
                concat!(
                    "SELECT ",
                    token_columns!(),
                    " FROM faceauth_tokens WHERE token_id = ANY($1) ORDER BY token_id FOR UPDATE"
                ),
                &[(&ids, Type::TEXT_ARRAY)],
            )
            .map_err(self.storage("read tokens"))?;
        let results = tx
            .query_typed(
                "SELECT token_id, auth_id, status, created_ms, confirmed FROM faceauth_results \
                 WHERE token_id = ANY($1) ORDER BY token_id, created_ms NULLS FIRST, auth_key",
                &[(&ids, Type::TEXT_ARRAY)],
            )
            .map_err(self.storage("read results"))?;
        let mut by_token: Vec<Vec<LinkResult>> = vec![Vec::new(); ids.len()];
        for row in &results {
            let token_id: &str = row.try_get(0).map_err(self.storage("read results"))?;
            let Ok(at) = ids.binary_search(&token_id) else { continue };
            by_token[at].push(self.link_result(row, 1)?);
        }
        for row in &rows {
            let token_id: &str = row.try_get(0).map_err(self.storage("read tokens"))?;
            let Ok(at) = ids.binary_search(&token_id) else { continue };
            records[at] = Some(record_from(row, std::mem::take(&mut by_token[at]))?);
        }
        Ok(records)
    }

    /// [`store_facts`](Self::store_facts) for many records at once, in one statement: an
    /// `UPDATE` of the tokens and an upsert of their results, from arrays (`unnest`).
    fn store_all(&self, tx: &mut Transaction<'_>, records: &[&TokenRecord]) -> Result<(), LedgerError> {
        if records.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = records.iter().map(|r| r.token_id.as_str()).collect();
        let first_used: Vec<Option<i64>> = records.iter().map(|r| r.first_used_at.map(to_ms)).collect();
        let expired: Vec<Option<i64>> =
            records.iter().map(|r| r.reported_expiry.as_ref().map(|e| to_ms(e.at))).collect();
        let conditions: Vec<Option<&str>> =
            records.iter().map(|r| r.reported_expiry.as_ref().map(|e| e.condition.as_str())).collect();
        let services: Vec<Option<&str>> = records
            .iter()
            .map(|r| r.reported_expiry.as_ref().and_then(|e| e.service.as_ref()).map(Service::as_str))
            .collect();
        let results: Vec<(&str, &LinkResult)> = records
            .iter()
            .flat_map(|r| r.results.iter().map(move |result| (r.token_id.as_str(), result)))
            .collect();
        let tokens: Vec<&str> = results.iter().map(|(token, _)| *token).collect();
        let keys: Vec<&str> = results.iter().map(|(_, result)| result.key()).collect();
        let auth_ids: Vec<Option<&str>> =
            results.iter().map(|(_, result)| result.auth_id.as_deref()).collect();
        let statuses: Vec<Option<&str>> =
            results.iter().map(|(_, result)| result.status.as_ref().map(AuthStatus::as_str)).collect();
        let created: Vec<Option<i64>> =
            results.iter().map(|(_, result)| result.created_at.map(to_ms)).collect();
        let confirmed: Vec<bool> = results.iter().map(|(_, result)| result.confirmed).collect();
        // One statement, one round trip: the tokens' update and the results' upsert.
        tx.execute_typed(
            "WITH updated AS (UPDATE faceauth_tokens t SET first_used_ms = v.first_used_ms, \
             expired_ms = v.expired_ms, expired_condition = v.expired_condition, \
             expired_service = v.expired_service \
             FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[]) \
             AS v (token_id, first_used_ms, expired_ms, expired_condition, expired_service) \
             WHERE t.token_id = v.token_id RETURNING t.token_id) \
             INSERT INTO faceauth_results (token_id, auth_key, auth_id, status, created_ms, confirmed) \
             SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::bool[]) \
             ON CONFLICT (token_id, auth_key) DO UPDATE SET auth_id = EXCLUDED.auth_id, \
             status = EXCLUDED.status, created_ms = EXCLUDED.created_ms, confirmed = EXCLUDED.confirmed",
            &[
                (&ids, Type::TEXT_ARRAY),
                (&first_used, Type::INT8_ARRAY),
                (&expired, Type::INT8_ARRAY),
                (&conditions, Type::TEXT_ARRAY),
                (&services, Type::TEXT_ARRAY),
                (&tokens, Type::TEXT_ARRAY),
                (&keys, Type::TEXT_ARRAY),
                (&auth_ids, Type::TEXT_ARRAY),
                (&statuses, Type::TEXT_ARRAY),
                (&created, Type::INT8_ARRAY),
                (&confirmed, Type::BOOL_ARRAY),
            ],
        )
        .map_err(self.storage("store tokens"))?;
        Ok(())
    }

    fn apply_route(&self, route: Route, now: SystemTime) -> Result<WebhookOutcome, LedgerError> {
        match route {
            Route::Skip(outcome) => Ok(outcome),
            Route::Apply { token_id, change } => Ok(self.update(&token_id, &change)?.outcome(token_id, now)),
        }
    }

    /// The token `token_id` and its results; `lock` takes its row lock (`FOR UPDATE`) first.
    fn load(
        &self,
        tx: &mut Transaction<'_>,
        token_id: &str,
        lock: bool,
    ) -> Result<Option<TokenRecord>, LedgerError> {
        const SELECT: &str =
            concat!("SELECT ", token_columns!(), " FROM faceauth_tokens WHERE token_id = $1");
        const LOCKED: &str =
            concat!("SELECT ", token_columns!(), " FROM faceauth_tokens WHERE token_id = $1 FOR UPDATE");
        let row = tx
            .query_opt(if lock { LOCKED } else { SELECT }, &[&token_id])
            .map_err(self.storage("read a token"))?;
        match row {
            None => Ok(None),
            Some(row) => {
                let results = self.load_results(tx, token_id)?;
                record_from(&row, results).map(Some)
            }
        }
    }

    fn load_results(&self, tx: &mut Transaction<'_>, token_id: &str) -> Result<Vec<LinkResult>, LedgerError> {
        let rows = tx
            .query(
                "SELECT auth_id, status, created_ms, confirmed FROM faceauth_results WHERE token_id = $1 \
                 ORDER BY created_ms NULLS FIRST, auth_key",
                &[&token_id],
            )
            .map_err(self.storage("read results"))?;
        rows.iter().map(|row| self.link_result(row, 0)).collect()
    }

    /// A result from `row`'s columns `auth_id, status, created_ms, confirmed`, from `first` on.
    fn link_result(&self, row: &Row, first: usize) -> Result<LinkResult, LedgerError> {
        Ok(LinkResult {
            auth_id: row.try_get(first).map_err(self.storage("read results"))?,
            status: row
                .try_get::<_, Option<String>>(first + 1)
                .map_err(self.storage("read results"))?
                .map(|s| AuthStatus::parse(&s)),
            created_at: row
                .try_get::<_, Option<i64>>(first + 2)
                .map_err(self.storage("read results"))?
                .map(from_ms),
            confirmed: row.try_get(first + 3).map_err(self.storage("read results"))?,
        })
    }

    /// Writes what [`TokenRecord::apply`] can change: the first use, the reported expiry,
    /// results (one row per auth key, replaced by the merged one).
    fn store_facts(&self, tx: &mut Transaction<'_>, record: &TokenRecord) -> Result<(), LedgerError> {
        let expiry = record.reported_expiry.as_ref();
        tx.execute(
            "UPDATE faceauth_tokens SET first_used_ms = $2, expired_ms = $3, expired_condition = $4, \
             expired_service = $5 WHERE token_id = $1",
            &[
                &record.token_id,
                &record.first_used_at.map(to_ms),
                &expiry.map(|e| to_ms(e.at)),
                &expiry.map(|e| e.condition.as_str()),
                &expiry.and_then(|e| e.service.as_ref()).map(Service::as_str),
            ],
        )
        .map_err(self.storage("update a token"))?;
        for result in &record.results {
            tx.execute(
                "INSERT INTO faceauth_results (token_id, auth_key, auth_id, status, created_ms, confirmed) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_id, auth_key) DO UPDATE SET \
                 auth_id = EXCLUDED.auth_id, status = EXCLUDED.status, created_ms = EXCLUDED.created_ms, \
                 confirmed = EXCLUDED.confirmed",
                &[
                    &record.token_id,
                    &result.key(),
                    &result.auth_id,
                    &result.status.as_ref().map(AuthStatus::as_str),
                    &result.created_at.map(to_ms),
                    &result.confirmed,
                ],
            )
            .map_err(self.storage("store a result"))?;
        }
        Ok(())
    }

    /// Inserts `tokens` within `tx`; returns the indices of those not inserted because their
    /// id was taken (already recorded, or earlier in `tokens`), in order. Many tokens go
    /// through [`copy_all`](Self::copy_all), a few through [`insert_unnest`](Self::insert_unnest).
    fn insert_all(
        &self,
        tx: &mut Transaction<'_>,
        tokens: &[NewToken],
        now: SystemTime,
    ) -> Result<Vec<usize>, LedgerError> {
        if tokens.len() >= self.copy_from {
            self.copy_all(tx, tokens, now)
        } else {
            self.insert_unnest(tx, tokens, now)
        }
    }

    /// Sends `tokens` with `COPY … FROM STDIN (FORMAT binary)`. First straight into
    /// `faceauth_tokens`, inside a savepoint: the server then writes the rows a page at a time
    /// (no `ON CONFLICT` speculative insertion, no second copy of each row). An id already
    /// recorded fails that `COPY` as a whole (unique violation): the savepoint is rolled back
    /// and the tokens go through [`copy_staged`](Self::copy_staged), which skips and reports
    /// such ids. Of two equal ids in `tokens` only the first is sent: the later ones are
    /// skipped here, as the one-statement insert skips them.
    fn copy_all(
        &self,
        tx: &mut Transaction<'_>,
        tokens: &[NewToken],
        now: SystemTime,
    ) -> Result<Vec<usize>, LedgerError> {
        let mut seen = std::collections::HashSet::with_capacity(tokens.len());
        let mut skipped = Vec::new();
        let fresh: Vec<(usize, &NewToken)> = tokens
            .iter()
            .enumerate()
            .filter(|(i, token)| {
                let first = seen.insert(token.token_id.as_str());
                if !first {
                    skipped.push(*i);
                }
                first
            })
            .collect();
        let issued = to_ms(now);
        let data = copy_data(&fresh, |_, data| copy_field(data, Some(&issued.to_be_bytes())), false)?;
        let mut savepoint = tx.savepoint("faceauth_copy").map_err(self.storage("copy tokens"))?;
        match self.copy_in(
            &mut savepoint,
            "COPY faceauth_tokens (token_id, submission_id, rule, rule_ms, user_id, metadata, issued_ms) \
             FROM STDIN (FORMAT binary)",
            &data,
        ) {
            Ok(()) => {
                savepoint.commit().map_err(self.storage("copy tokens"))?;
                return Ok(skipped);
            }
            Err(err) if err.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                savepoint.rollback().map_err(self.storage("copy tokens"))?;
            }
            Err(err) => return Err(self.storage("copy tokens")(err)),
        }
        skipped.extend(self.copy_staged(tx, &fresh, now)?);
        skipped.sort_unstable();
        Ok(skipped)
    }

    /// Sends `data`, binary `COPY` rows, with the `COPY … FROM STDIN` statement `statement`.
    fn copy_in(&self, tx: &mut Transaction<'_>, statement: &str, data: &[u8]) -> Result<(), postgres::Error> {
        let mut writer = tx.copy_in(statement)?;
        if let Err(err) = std::io::Write::write_all(&mut writer, data) {
            // The writer wraps the client's error (the server's answer among them) in an
            // `io::Error`; anything else, `finish` reports as the server saw it.
            if let Some(err) = err.into_inner().and_then(|inner| inner.downcast::<postgres::Error>().ok()) {
                return Err(*err);
            }
        }
        writer.finish().map(|_| ())
    }

    /// Sends `fresh` (index in the call, token) into a temporary table of this session (emptied
    /// at every commit), then inserts them from there in one `INSERT … SELECT … ON CONFLICT
    /// (token_id) DO NOTHING`, which answers with the rows it skipped only; returns their
    /// indices.
    fn copy_staged(
        &self,
        tx: &mut Transaction<'_>,
        fresh: &[(usize, &NewToken)],
        now: SystemTime,
    ) -> Result<Vec<usize>, LedgerError> {
        let data = copy_data(
            fresh,
            |i, data| {
                let ord = i32::try_from(i).map_err(|_| LedgerError::Storage {
                    action: "copy tokens",
                    reason: "too many tokens".to_owned(),
                })?;
                copy_field(data, Some(&ord.to_be_bytes()))
            },
            true,
        )?;
        // Created in the transaction if this session has none yet, so it is there whatever
        // became of earlier transactions (a rollback drops a table it created).
        tx.batch_execute(
            "CREATE TEMP TABLE IF NOT EXISTS faceauth_issue_staging (ord int4 NOT NULL, token_id text COLLATE \
             \"C\" NOT NULL, submission_id text NOT NULL, rule text NOT NULL, rule_ms bigint NOT NULL, user_id \
             text, metadata text NOT NULL) ON COMMIT DELETE ROWS",
        )
        .map_err(self.storage("create the staging table"))?;
        self.copy_in(tx, "COPY faceauth_issue_staging FROM STDIN (FORMAT binary)", &data)
            .map_err(self.storage("copy tokens"))?;
        let taken = tx
            .query(
                "WITH inserted AS (INSERT INTO faceauth_tokens (token_id, submission_id, rule, rule_ms, user_id, \
                 metadata, issued_ms) SELECT token_id, submission_id, rule, rule_ms, user_id, metadata, $1 FROM \
                 faceauth_issue_staging ON CONFLICT (token_id) DO NOTHING RETURNING token_id) SELECT s.ord FROM \
                 faceauth_issue_staging s WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.token_id = \
                 s.token_id)",
                &[&to_ms(now)],
            )
            .map_err(self.storage("insert tokens"))?;
        let mut skipped = Vec::with_capacity(taken.len());
        for row in &taken {
            let ord: i32 = row.try_get(0).map_err(self.storage("insert tokens"))?;
            skipped.push(usize::try_from(ord).unwrap_or(usize::MAX));
        }
        // The table empties itself at the commit (each call is its own transaction).
        Ok(skipped)
    }

    /// Inserts `tokens` in one statement (`INSERT … SELECT FROM unnest(…) ON CONFLICT DO
    /// NOTHING RETURNING token_id`) within `tx`; returns what [`insert_all`](Self::insert_all) does.
    fn insert_unnest(
        &self,
        tx: &mut Transaction<'_>,
        tokens: &[NewToken],
        now: SystemTime,
    ) -> Result<Vec<usize>, LedgerError> {
        let mut ids = Vec::with_capacity(tokens.len());
        let mut submissions = Vec::with_capacity(tokens.len());
        let mut rules = Vec::with_capacity(tokens.len());
        let mut rule_ms = Vec::with_capacity(tokens.len());
        let mut users = Vec::with_capacity(tokens.len());
        let mut metadata = Vec::with_capacity(tokens.len());
        for token in tokens {
            ids.push(token.token_id.as_str());
            submissions.push(token.submission_id.as_str());
            rules.push(token.rule.kind());
            rule_ms.push(match token.rule {
                TokenRule::Count => 0,
                TokenRule::Time(d) => duration_ms(d),
            });
            users.push(token.user_id.as_deref());
            metadata.push(if token.metadata.is_empty() {
                "{}".to_owned()
            } else {
                serde_json::to_string(&token.metadata)
                    .map_err(|e| LedgerError::Storage { action: "encode metadata", reason: e.to_string() })?
            });
        }
        let issued = to_ms(now);
        let params: [&(dyn ToSql + Sync); 7] =
            [&ids, &submissions, &rules, &rule_ms, &users, &metadata, &issued];
        let inserted = tx
            .query(
                "INSERT INTO faceauth_tokens (token_id, submission_id, rule, rule_ms, user_id, metadata, \
                 issued_ms) SELECT t.*, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], \
                 $5::text[], $6::text[]) AS t ON CONFLICT (token_id) DO NOTHING RETURNING token_id",
                &params,
            )
            .map_err(self.storage("insert tokens"))?;
        let mut fresh = std::collections::HashSet::with_capacity(inserted.len());
        for row in &inserted {
            fresh.insert(row.try_get::<_, String>(0).map_err(self.storage("insert tokens"))?);
        }
        // Rows go in in array order: of two equal ids in `tokens`, the first is the one inserted.
        Ok(tokens.iter().enumerate().filter(|(_, t)| !fresh.remove(&t.token_id)).map(|(i, _)| i).collect())
    }

    /// Records `tokens` in one transaction, as [`issue_many`](TokenLedger::issue_many) does,
    /// except that a token whose id is already recorded (or comes earlier in `tokens`) is
    /// skipped instead of failing the lot: returns the indices of the skipped tokens, in order.
    /// For bulk jobs that take ids from their input and report each refused one.
    ///
    /// # Errors
    /// [`LedgerError::InvalidToken`] or [`LedgerError::InvalidField`] for a token that fails
    /// [`NewToken::validate`], [`LedgerError::Storage`]; nothing is recorded then.
    pub fn issue_new(&self, tokens: &[NewToken], now: SystemTime) -> Result<Vec<usize>, LedgerError> {
        tokens.iter().try_for_each(NewToken::validate)?;
        self.writable()?;
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        self.run(Mode::Write, |tx| self.insert_all(tx, tokens, now))
    }
}

/// The binary `COPY` signature, flags and header extension length.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The binary `COPY` data of `tokens` (index in the call, token): per row seven fields, the
/// token's six columns with `extra`'s field before them (`extra_first`) or after them.
fn copy_data(
    tokens: &[(usize, &NewToken)],
    extra: impl Fn(usize, &mut Vec<u8>) -> Result<(), LedgerError>,
    extra_first: bool,
) -> Result<Vec<u8>, LedgerError> {
    let mut data = Vec::with_capacity(COPY_HEADER.len() + 2 + tokens.len() * 160);
    data.extend_from_slice(COPY_HEADER);
    for &(i, token) in tokens {
        let rule_ms: i64 = match token.rule {
            TokenRule::Count => 0,
            TokenRule::Time(d) => duration_ms(d),
        };
        data.extend_from_slice(&7i16.to_be_bytes());
        if extra_first {
            extra(i, &mut data)?;
        }
        copy_field(&mut data, Some(token.token_id.as_bytes()))?;
        copy_field(&mut data, Some(token.submission_id.as_bytes()))?;
        copy_field(&mut data, Some(token.rule.kind().as_bytes()))?;
        copy_field(&mut data, Some(&rule_ms.to_be_bytes()))?;
        copy_field(&mut data, token.user_id.as_deref().map(str::as_bytes))?;
        if token.metadata.is_empty() {
            copy_field(&mut data, Some(b"{}"))?;
        } else {
            let metadata = serde_json::to_string(&token.metadata)
                .map_err(|e| LedgerError::Storage { action: "encode metadata", reason: e.to_string() })?;
            copy_field(&mut data, Some(metadata.as_bytes()))?;
        }
        if !extra_first {
            extra(i, &mut data)?;
        }
    }
    data.extend_from_slice(&(-1i16).to_be_bytes());
    Ok(data)
}

/// Appends one field in binary `COPY` form: its length, then its bytes (`-1` for NULL).
fn copy_field(data: &mut Vec<u8>, value: Option<&[u8]>) -> Result<(), LedgerError> {
    match value {
        None => data.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(bytes) => {
            let len = i32::try_from(bytes.len()).map_err(|_| LedgerError::InvalidField {
                field: "token",
                problem: "holds a field over 2 GiB",
            })?;
            data.extend_from_slice(&len.to_be_bytes());
            data.extend_from_slice(bytes);
        }
    }
    Ok(())
}

/// The version in `faceauth_ledger_schema`; `None` if the database holds no ledger.
fn read_version(tx: &mut Transaction<'_>) -> Result<Option<i64>, LedgerError> {
    let storage =
        |err: postgres::Error| LedgerError::Storage { action: "read the schema", reason: describe(&err) };
    let row = tx
        .query_one(
            "SELECT to_regclass('faceauth_ledger_schema') IS NOT NULL, to_regclass('faceauth_tokens') IS NOT NULL",
            &[],
        )
        .map_err(storage)?;
    let (versioned, tokens): (bool, bool) =
        (row.try_get(0).map_err(storage)?, row.try_get(1).map_err(storage)?);
    if !versioned {
        if tokens {
            return Err(LedgerError::NotALedger {
                reason: "the database has a faceauth_tokens table but no faceauth_ledger_schema".to_owned(),
            });
        }
        return Ok(None);
    }
    let version = tx.query_opt("SELECT max(version) FROM faceauth_ledger_schema", &[]).map_err(storage)?;
    Ok(Some(version.and_then(|row| row.try_get::<_, Option<i64>>(0).ok().flatten()).unwrap_or(0)))
}

/// The driver's message: the server's own (`ERROR: …`) for a database error, else the
/// driver's (connection refused, closed, timed out). Neither holds the password (the
/// `postgres` crate never echoes it), and [`PostgresLedger::scrub`] makes sure.
fn describe(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        None => {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !message.contains(&text) {
                    message = format!("{message}: {text}");
                }
                source = cause.source();
            }
            message
        }
    }
}

/// A record from its `faceauth_tokens` row and its results.
fn record_from(row: &Row, results: Vec<LinkResult>) -> Result<TokenRecord, LedgerError> {
    let get = |err: postgres::Error| corrupt(describe(&err));
    let rule: String = row.try_get(2).map_err(get)?;
    let rule_ms: i64 = row.try_get(3).map_err(get)?;
    let rule = match rule.as_str() {
        "count" => TokenRule::Count,
        "time" => TokenRule::Time(Duration::from_millis(rule_ms.unsigned_abs())),
        other => return Err(corrupt(format!("unknown rule {other:?}"))),
    };
    let metadata: String = row.try_get(5).map_err(get)?;
    let metadata = serde_json::from_str(&metadata)
        .map_err(|e| corrupt(format!("metadata is not a JSON object ({e})")))?;
    let expired: Option<i64> = row.try_get(8).map_err(get)?;
    let condition: Option<String> = row.try_get(9).map_err(get)?;
    let service: Option<String> = row.try_get(10).map_err(get)?;
    let reported_expiry = expired.map(|at| ReportedExpiry {
        at: from_ms(at),
        condition: ExpiredCondition::parse(condition.as_deref().unwrap_or("")),
        service: service.as_deref().map(Service::parse),
    });
    Ok(TokenRecord {
        token_id: row.try_get(0).map_err(get)?,
        submission_id: row.try_get(1).map_err(get)?,
        rule,
        user_id: row.try_get(4).map_err(get)?,
        metadata,
        issued_at: from_ms(row.try_get(6).map_err(get)?),
        first_used_at: row.try_get::<_, Option<i64>>(7).map_err(get)?.map(from_ms),
        results,
        reported_expiry,
    })
}

/// A `WHERE` clause (and its parameters) that admits a superset of `filter`'s tokens: the
/// state is narrowed in SQL only as far as it does not depend on `now`.
fn where_clause(filter: &ListFilter) -> (String, Vec<Box<dyn ToSql + Sync>>) {
    let mut terms: Vec<String> = Vec::new();
    let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    if let Some(submission) = &filter.submission_id {
        values.push(Box::new(submission.clone()));
        terms.push(format!("submission_id = ${}", values.len()));
    }
    if let Some(since) = filter.since {
        values.push(Box::new(to_ms(since)));
        terms.push(format!("issued_ms >= ${}", values.len()));
    }
    if let Some(until) = filter.until {
        values.push(Box::new(to_ms(until)));
        terms.push(format!("issued_ms < ${}", values.len()));
    }
    const HAS_RESULT: &str = "EXISTS (SELECT 1 FROM faceauth_results r WHERE r.token_id = t.token_id)";
    match filter.state {
        None => {}
        Some(StateKind::Completed) => terms.push(HAS_RESULT.to_owned()),
        Some(StateKind::Unused) => {
            terms.push(format!("first_used_ms IS NULL AND expired_ms IS NULL AND NOT {HAS_RESULT}"))
        }
        Some(StateKind::Active | StateKind::Expired) => {
            terms.push(format!("(first_used_ms IS NOT NULL OR expired_ms IS NOT NULL) AND NOT {HAS_RESULT}"))
        }
    }
    if terms.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", terms.join(" AND ")), values)
    }
}

impl TokenLedger for PostgresLedger {
    fn issue(&self, token: &NewToken, now: SystemTime) -> Result<(), LedgerError> {
        self.issue_many(std::slice::from_ref(token), now)
    }

    fn issue_many(&self, tokens: &[NewToken], now: SystemTime) -> Result<(), LedgerError> {
        tokens.iter().try_for_each(NewToken::validate)?;
        self.writable()?;
        if tokens.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| match self.insert_all(tx, tokens, now)?.first() {
            // The error drops the transaction, which rolls it back: all or none.
            Some(&taken) => Err(LedgerError::TokenExists { token_id: tokens[taken].token_id.clone() }),
            None => Ok(()),
        })
    }

    fn mark_used(&self, token_id: &str, at: SystemTime) -> Result<TokenStatus, LedgerError> {
        super::validate(token_id)?;
        let change = Change { used_at: Some(at), ..Change::default() };
        match self.update(token_id, &change)? {
            Updated::Done(record) => Ok(TokenStatus::at(record, at)),
            // A use carries no owner, so it is never refused.
            Updated::Unknown | Updated::Refused(_) => {
                Err(LedgerError::TokenUnknown { token_id: token_id.to_owned() })
            }
        }
    }

    fn apply_webhook(
        &self,
        event: &crate::webhook::Event,
        now: SystemTime,
    ) -> Result<WebhookOutcome, LedgerError> {
        self.apply_route(route(event, now), now)
    }

    fn apply_confirmed(
        &self,
        event: &ConfirmedEvent,
        now: SystemTime,
    ) -> Result<WebhookOutcome, LedgerError> {
        self.apply_route(route_confirmed(event, now), now)
    }

    fn apply_many(
        &self,
        webhooks: &[WebhookToApply<'_>],
        now: SystemTime,
    ) -> Result<Vec<WebhookOutcome>, LedgerError> {
        self.apply_all(webhooks, now)
    }

    fn status(&self, token_id: &str, now: SystemTime) -> Result<Option<TokenStatus>, LedgerError> {
        super::validate(token_id)?;
        let record = self.run(Mode::Read, |tx| self.load(tx, token_id, false))?;
        Ok(record.map(|record| TokenStatus::at(record, now)))
    }

    fn list(&self, filter: &ListFilter, now: SystemTime) -> Result<Vec<TokenStatus>, LedgerError> {
        let (clause, values) = where_clause(filter);
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM faceauth_tokens t{clause} ORDER BY issued_ms, token_id");
        let limit = filter.limit.unwrap_or(usize::MAX);
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        self.run(Mode::Read, |tx| {
            let rows = tx.query(&sql, &params).map_err(self.storage("list tokens"))?;
            let mut found = Vec::new();
            for row in &rows {
                if found.len() >= limit {
                    break;
                }
                let token_id: String = row.try_get(0).map_err(self.storage("list tokens"))?;
                let results = self.load_results(tx, &token_id)?;
                let status = TokenStatus::at(record_from(row, results)?, now);
                if filter.state.is_none_or(|state| status.state.kind() == state) {
                    found.push(status);
                }
            }
            Ok(found)
        })
    }

    fn purge(&self, older_than: SystemTime) -> Result<u64, LedgerError> {
        self.writable()?;
        // Results go with their tokens (ON DELETE CASCADE).
        self.run(Mode::Write, |tx| {
            tx.execute("DELETE FROM faceauth_tokens WHERE issued_ms < $1", &[&to_ms(older_than)])
                .map_err(self.storage("purge tokens"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_never_show_the_password() {
        // Nothing listens on port 1: the open fails at connect.
        let location = "postgres://alice:s3cret-pw@127.0.0.1:1/tokens";
        let options = PostgresOptions::new().connect_timeout(Duration::from_secs(2));
        let Err(err) = PostgresLedger::open_with(location, &options) else { panic!("port 1 answered") };
        assert!(matches!(err, LedgerError::Storage { .. }), "{err:?}");
        assert_eq!(err.kind(), crate::ErrorKind::LedgerStorage);
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        let Err(err) = PostgresLedger::open("postgres://alice:s3cret-pw@127.0.0.1:notaport/tokens") else {
            panic!("a bad port parsed")
        };
        assert!(!format!("{err} {err:?}").contains("s3cret"));
    }
}
