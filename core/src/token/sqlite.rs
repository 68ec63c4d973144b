//! The SQLite token ledger: one file, shared by threads and processes, surviving restarts.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::types::Value as SqlValue;
use rusqlite::{
    params, params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior,
};

use super::ledger::{
    route, route_confirmed, Change, Durability, LedgerError, LinkResult, ListFilter, NewToken,
    ReportedExpiry, Route, StateKind, TokenLedger, TokenRecord, TokenStatus, Updated, WebhookOutcome,
    WebhookToApply,
};
use super::rule::TokenRule;
use super::time::{duration_ms, from_ms, to_ms};
use crate::api::AuthStatus;
use crate::webhook::{ConfirmedEvent, Event, ExpiredCondition, Service};

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a faceauth ledger: "FATL" (FaceAuth token ledger).
const APPLICATION_ID: i32 = 0x4641_544C;

/// Migration `i` takes the schema from version `i` to `i + 1`.
///
/// 2: no secondary indexes, only the table in token order. Submission ids are as random as
/// token ids, so every recorded token dirtied a random page of the by-submission index as
/// well as of the table, and the by-issue index was a second B-tree to update per token: most
/// of the cost of a bulk job. Listing, purging and filtering by submission or time now read
/// the table (and sort by issue), which costs those rare calls what it saved every issue.
///
/// 3: `results.confirmed`: 1 when the result was confirmed with Argos, 0 when it was applied
/// as posted (as every result recorded before this version was).
const MIGRATIONS: [&str; 3] = [
    r"
CREATE TABLE tokens (
    token_id          TEXT    NOT NULL PRIMARY KEY,
    submission_id     TEXT    NOT NULL,
    rule              TEXT    NOT NULL CHECK (rule IN ('count', 'time')),
    rule_ms           INTEGER NOT NULL DEFAULT 0,
    user_id           TEXT,
    metadata          TEXT    NOT NULL DEFAULT '{}',
    issued_ms         INTEGER NOT NULL,
    first_used_ms     INTEGER,
    expired_ms        INTEGER,
    expired_condition TEXT,
    expired_service   TEXT
) WITHOUT ROWID;
CREATE INDEX tokens_by_issue ON tokens (issued_ms);
CREATE INDEX tokens_by_submission ON tokens (submission_id, issued_ms);
CREATE TABLE results (
    token_id   TEXT NOT NULL REFERENCES tokens (token_id) ON DELETE CASCADE,
    auth_key   TEXT NOT NULL,
    auth_id    TEXT,
    status     TEXT,
    created_ms INTEGER,
    PRIMARY KEY (token_id, auth_key)
) WITHOUT ROWID;
",
    "DROP INDEX tokens_by_submission; DROP INDEX tokens_by_issue;",
    "ALTER TABLE results ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1));",
];

const TOKEN_COLUMNS: &str = token_columns!();

/// Options for [`SqliteLedger::open_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    busy_timeout: Duration,
    durability: Durability,
    read_only: bool,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions { busy_timeout: Duration::from_secs(5), durability: Durability::Full, read_only: false }
    }
}

impl SqliteOptions {
    /// The defaults: a 5 s busy timeout, [`Durability::Full`].
    pub fn new() -> SqliteOptions {
        SqliteOptions::default()
    }

    /// How long a call waits for another connection's lock before failing.
    pub fn busy_timeout(mut self, timeout: Duration) -> SqliteOptions {
        self.busy_timeout = timeout;
        self
    }

    /// How hard commits try to reach the disk.
    pub fn durability(mut self, durability: Durability) -> SqliteOptions {
        self.durability = durability;
        self
    }

    /// Opens the file read-only: see [`SqliteLedger::open_read_only`].
    pub fn read_only(mut self, read_only: bool) -> SqliteOptions {
        self.read_only = read_only;
        self
    }
}

/// What a path holds, judged by reading at most its first 100 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    /// Nothing there.
    Missing,
    /// A file of 0 bytes: SQLite treats it as an empty database.
    Empty,
    /// A file that starts with SQLite's header.
    Sqlite(Header),
    /// Anything else.
    Other,
}

/// What an SQLite file's header says. With WAL, newer values may sit in the `-wal` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    /// Bumped by every schema change: 0 if no table was ever created.
    schema_cookie: u32,
    user_version: u32,
    application_id: u32,
}

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Looks at `path` without changing it.
fn probe(path: &Path) -> Result<FileKind, LedgerError> {
    let io =
        |err: std::io::Error| LedgerError::Storage { action: "open the database", reason: err.to_string() };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(err) => return Err(io(err)),
    };
    let mut header = [0u8; 100];
    let mut filled = 0;
    while filled < header.len() {
        match std::io::Read::read(&mut file, &mut header[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(io(err)),
        }
    }
    let word = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    Ok(match filled {
        0 => FileKind::Empty,
        100 if header.starts_with(SQLITE_MAGIC) => FileKind::Sqlite(Header {
            schema_cookie: word(40),
            user_version: word(60),
            application_id: word(68),
        }),
        _ => FileKind::Other,
    })
}

/// Refuses a path that SQLite would not read as a file: an empty one (a private temporary
/// database) or `:memory:`. Both would keep nothing.
fn check_path(path: &Path) -> Result<(), LedgerError> {
    let name = path.as_os_str();
    if name.is_empty() {
        return Err(LedgerError::InvalidField { field: "location", problem: "must not be empty" });
    }
    if name == super::MEMORY_LOCATION {
        return Err(LedgerError::InvalidField {
            field: "location",
            problem: "\":memory:\" names no file (open_ledger(\":memory:\") gives an in-memory ledger)",
        });
    }
    Ok(())
}

/// `path` as SQLite must be given it to read it as a file name. The bundled SQLite reads a
/// name that starts with `file:` as a URI whatever the open flags (it is built with
/// `SQLITE_USE_URI`): `file:x.db?mode=memory` would keep nothing while every check looked at
/// a file. `./file:x.db?mode=memory` names the same file, and is no URI.
fn plain_name(path: &Path) -> std::borrow::Cow<'_, Path> {
    let bytes = path.as_os_str().as_encoded_bytes();
    if bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"file:") {
        std::borrow::Cow::Owned(Path::new(".").join(path))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// Creates the empty file at `path` with mode 0600, whatever the umask, before SQLite opens
/// it: a ledger holds user ids, cf fields and results. SQLite gives the `-wal` and `-shm`
/// files the mode of the database file. Another process creating it first is fine.
fn create_private(path: &Path) -> Result<(), LedgerError> {
    let io =
        |err: std::io::Error| LedgerError::Storage { action: "create the database", reason: err.to_string() };
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    match open.open(path) {
        Ok(file) => {
            // The umask may have taken bits from 0600 (077 takes none; 0277 would).
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
            drop(file);
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io(err)),
    }
}

/// The file's `-wal` companion.
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// What an SQLite file holds, as far as this ledger is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identity {
    /// Nothing at all: no application id, no schema version, no tables.
    Blank,
    /// A faceauth ledger at this schema version (at most [`SCHEMA_VERSION`]).
    Ledger(i64),
}

/// The application id, schema version and table count of an open database. Only reads: the
/// caller picks the transaction.
fn read_identity(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let read = |name: &str| conn.pragma_query_value(None, name, |row| row.get::<_, i64>(0));
    let application_id = read("application_id")?;
    let version = read("user_version")?;
    let objects = conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    Ok((application_id, version, objects))
}

/// Judges what [`read_identity`] read: refuses another application's database or a newer
/// schema.
fn identify((application_id, version, objects): (i64, i64, i64)) -> Result<Identity, LedgerError> {
    if application_id == 0 {
        if objects > 0 || version != 0 {
            return Err(LedgerError::NotALedger { reason: "the database holds other data".to_owned() });
        }
        return Ok(Identity::Blank);
    }
    if application_id != i64::from(APPLICATION_ID) {
        return Err(LedgerError::NotALedger {
            reason: format!(
                "the database belongs to another application (application_id {application_id:#x})"
            ),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(LedgerError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    Ok(Identity::Ledger(version))
}

/// Runs `step` until it stops answering "busy", for up to `timeout`. SQLite answers "busy" at
/// once, without calling the busy handler, in a few cases (another connection opening a fresh
/// file or switching it to WAL at the same moment), so this waits and retries itself.
fn retry_busy<T>(timeout: Duration, mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match step() {
            Err(err)
                if err.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && started.elapsed() < timeout =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// A [`TokenLedger`] in an SQLite file: one file, shared by threads and processes, surviving
/// restarts.
///
/// - **Concurrency.** One connection per `SqliteLedger`, behind a mutex: calls from many
///   threads take turns (SQLite runs one writer at a time anyway); share one per process (it
///   is `Send + Sync`; put it in an `Arc`). Several processes, or several `SqliteLedger`s, on
///   one file coordinate through SQLite's file locks: every write is one `BEGIN IMMEDIATE`
///   transaction, so what it reads no other writer changes before it commits, and a writer
///   that finds the file locked retries for up to the busy timeout (5 s by default) before
///   failing with [`LedgerError::Storage`]. The journal is WAL, so readers never block the
///   writer.
/// - **Durability.** [`Durability::Full`] (the default) syncs the log to disk at every commit:
///   an issued token survives a power cut. [`Durability::Normal`] syncs only at checkpoints:
///   many times faster; a crash of the process loses nothing, a power cut or OS crash may lose
///   the last commits (the file stays consistent).
/// - **Schema.** `PRAGMA user_version` holds the schema version ([`SCHEMA_VERSION`]) and
///   `PRAGMA application_id` marks the file as a faceauth ledger. Opening checks both, only
///   reading, before it changes anything (the journal mode included): a file from a newer SDK
///   ([`LedgerError::SchemaTooNew`]), another application's database or a file that is not
///   SQLite ([`LedgerError::NotALedger`]) is refused untouched. Then it applies the missing
///   migrations in one transaction.
/// - **Readers.** [`open_read_only`](Self::open_read_only) never writes, never creates the
///   file ([`LedgerError::NoLedger`]) and never takes the write lock: under WAL it reads the
///   last committed state while a writer works.
/// - **Storage.** One table, in token-id order, with no secondary index: recording a token
///   touches one B-tree, and ids that sort by time
///   ([`TokenGenerator::next_ordered_into`](super::TokenGenerator::next_ordered_into)) land
///   at its end. Listing and purging read the whole table. Times are integer milliseconds
///   since the Unix epoch; metadata is a JSON object; results sit in their own table, one row
///   per token and auth id.
pub struct SqliteLedger {
    conn: Mutex<Connection>,
    path: PathBuf,
    read_only: bool,
}

impl std::fmt::Debug for SqliteLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.to_string_lossy();
        f.debug_struct("SqliteLedger")
            .field("path", &crate::url::redact_credentials(&path))
            .finish_non_exhaustive()
    }
}

/// Maps an SQLite error to a ledger error, naming what the ledger was doing.
fn storage(action: &'static str) -> impl Fn(rusqlite::Error) -> LedgerError {
    move |err| match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_sqlite(),
        _ => LedgerError::Storage { action, reason: err.to_string() },
    }
}

/// The refusal of a file that is not SQLite.
fn not_sqlite() -> LedgerError {
    LedgerError::NotALedger { reason: "the file is not an SQLite database".to_owned() }
}

/// What a write on a ledger opened read-only fails with.
fn read_only_error() -> LedgerError {
    LedgerError::Storage { action: "begin a write", reason: "the ledger was opened read-only".to_owned() }
}

/// A stored value that this build cannot read back.
fn corrupt(reason: String) -> LedgerError {
    LedgerError::Storage { action: "read a token", reason }
}

impl SqliteLedger {
    /// Opens (creating if needed) the ledger at `path` with the default [`SqliteOptions`].
    ///
    /// # Errors
    /// As [`open_with`](Self::open_with).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteLedger, LedgerError> {
        SqliteLedger::open_with(path, &SqliteOptions::default())
    }

    /// Opens an existing ledger for reading only, with the default [`SqliteOptions`]: it never
    /// creates, migrates or changes the file, and never takes SQLite's write lock, so it reads
    /// (the last committed state) while another connection is writing. Every method that
    /// writes fails with [`LedgerError::Storage`].
    ///
    /// # Errors
    /// [`LedgerError::NoLedger`] if nothing is at `path` (or an empty file);
    /// [`LedgerError::SchemaOutdated`] if the file needs a migration first (open it for
    /// writing once); otherwise as [`open_with`](Self::open_with).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<SqliteLedger, LedgerError> {
        SqliteLedger::open_with(path, &SqliteOptions::default().read_only(true))
    }

    /// Opens (creating if needed) the ledger at `path`: checks, only reading, that the file is
    /// empty or a faceauth ledger this build can read; then sets WAL, the busy timeout and the
    /// durability, and migrates the schema to [`SCHEMA_VERSION`]. The directory must exist.
    /// A missing file is created with mode 0600, whatever the umask (SQLite gives its `-wal`
    /// and `-shm` files the same mode). `path` is a file name, never an SQLite URI.
    /// With [`SqliteOptions::read_only`], as [`open_read_only`](Self::open_read_only).
    ///
    /// # Errors
    /// [`LedgerError::InvalidField`] (`location`) for an empty path or `:memory:` (which name
    /// no file); [`LedgerError::SchemaTooNew`] for a file from a newer SDK;
    /// [`LedgerError::NotALedger`] for another application's database or a file that is not
    /// SQLite (both left untouched); [`LedgerError::Storage`] if the file cannot be opened or
    /// stays locked.
    pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<SqliteLedger, LedgerError> {
        let path = path.as_ref().to_owned();
        check_path(&path)?;
        if options.read_only {
            return SqliteLedger::open_reader(path, options);
        }
        let kind = probe(&path)?;
        if kind == FileKind::Other {
            return Err(not_sqlite());
        }
        if kind == FileKind::Missing {
            create_private(&path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(plain_name(&path), flags).map_err(storage("open the database"))?;
        conn.busy_timeout(options.busy_timeout).map_err(storage("set the busy timeout"))?;
        if let FileKind::Sqlite(_) = kind {
            // Another application's file is refused before anything in it changes, the
            // journal mode included.
            identify(
                retry_busy(options.busy_timeout, || read_identity(&conn))
                    .map_err(storage("read the schema"))?,
            )?;
        }
        use_wal(&conn, options.busy_timeout)?;
        let synchronous = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous).map_err(storage("set durability"))?;
        conn.pragma_update(None, "foreign_keys", true).map_err(storage("enable foreign keys"))?;
        migrate(&mut conn)?;
        Ok(SqliteLedger { conn: Mutex::new(conn), path, read_only: false })
    }

    /// [`open_read_only`](Self::open_read_only) with `options`' busy timeout.
    fn open_reader(path: PathBuf, options: &SqliteOptions) -> Result<SqliteLedger, LedgerError> {
        let header = match probe(&path)? {
            FileKind::Missing | FileKind::Empty => return Err(LedgerError::NoLedger { path }),
            FileKind::Other => return Err(not_sqlite()),
            FileKind::Sqlite(header) => header,
        };
        // A read-only connection to a WAL database leaves `-wal` and `-shm` files behind (it
        // may not remove them), so another application's file is refused from its header
        // when that can be told for sure: a foreign application id, or, with no `-wal` file
        // (so the header is up to date), tables or a version under no application id.
        let foreign =
            header.application_id != 0 && i64::from(header.application_id) != i64::from(APPLICATION_ID);
        let settled = !wal_path(&path).exists();
        if foreign || (settled && header.application_id == 0) {
            let identity = (
                i64::from(header.application_id),
                i64::from(header.user_version),
                i64::from(header.schema_cookie),
            );
            if let Identity::Blank = identify(identity)? {
                return Err(LedgerError::NoLedger { path });
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(plain_name(&path), flags).map_err(storage("open the database"))?;
        conn.busy_timeout(options.busy_timeout).map_err(storage("set the busy timeout"))?;
        let identity =
            retry_busy(options.busy_timeout, || read_identity(&conn)).map_err(storage("read the schema"))?;
        match identify(identity)? {
            Identity::Blank => return Err(LedgerError::NoLedger { path }),
            Identity::Ledger(found) if found < SCHEMA_VERSION => {
                return Err(LedgerError::SchemaOutdated { found, supported: SCHEMA_VERSION })
            }
            Identity::Ledger(_) => {}
        }
        Ok(SqliteLedger { conn: Mutex::new(conn), path, read_only: true })
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
        self.insert_all(tokens, now, true)
    }

    /// Records `tokens` in one write transaction. A token whose id is already recorded fails
    /// the lot (nothing is recorded), or with `skip_known` is skipped and its index returned.
    fn insert_all(
        &self,
        tokens: &[NewToken],
        now: SystemTime,
        skip_known: bool,
    ) -> Result<Vec<usize>, LedgerError> {
        tokens.iter().try_for_each(NewToken::validate)?;
        self.writable()?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage("begin a write"))?;
        let mut skipped = Vec::new();
        {
            let mut statement = tx.prepare_cached(INSERT_TOKEN).map_err(storage("insert a token"))?;
            for (i, token) in tokens.iter().enumerate() {
                match insert(&mut statement, token, now) {
                    Ok(()) => {}
                    // The failed statement is undone alone; the transaction goes on.
                    Err(LedgerError::TokenExists { .. }) if skip_known => skipped.push(i),
                    // Dropping the transaction rolls it back: all or none.
                    Err(err) => return Err(err),
                }
            }
        }
        tx.commit().map_err(storage("commit"))?;
        Ok(skipped)
    }

    /// The file this ledger lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version in the file (`PRAGMA user_version`).
    ///
    /// # Errors
    /// [`LedgerError::Storage`].
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        self.conn()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(storage("read the schema version"))
    }

    /// Whether this ledger was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn writable(&self) -> Result<(), LedgerError> {
        if self.read_only {
            Err(read_only_error())
        } else {
            Ok(())
        }
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held left at most an open transaction, which rusqlite
        // rolled back when it unwound: the connection is still sound.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Loads, checks, changes and stores one token in a write transaction.
    fn update(&self, token_id: &str, change: &Change) -> Result<Updated, LedgerError> {
        self.writable()?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage("begin a write"))?;
        let updated = update_in(&tx, token_id, change)?;
        if matches!(updated, Updated::Done(_)) {
            tx.commit().map_err(storage("commit"))?;
        }
        Ok(updated)
    }

    /// [`TokenLedger::apply_many`]: every webhook in one write transaction.
    fn apply_all(
        &self,
        webhooks: &[WebhookToApply<'_>],
        now: SystemTime,
    ) -> Result<Vec<WebhookOutcome>, LedgerError> {
        self.writable()?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage("begin a write"))?;
        let mut outcomes = Vec::with_capacity(webhooks.len());
        for webhook in webhooks {
            outcomes.push(match webhook.route(now) {
                Route::Skip(outcome) => outcome,
                Route::Apply { token_id, change } => {
                    update_in(&tx, &token_id, &change)?.outcome(token_id, now)
                }
            });
        }
        tx.commit().map_err(storage("commit"))?;
        Ok(outcomes)
    }

    fn apply_route(&self, route: Route, now: SystemTime) -> Result<WebhookOutcome, LedgerError> {
        match route {
            Route::Skip(outcome) => Ok(outcome),
            Route::Apply { token_id, change } => Ok(self.update(&token_id, &change)?.outcome(token_id, now)),
        }
    }
}

/// Load, check, merge and store one token's change inside `tx`.
fn update_in(
    tx: &rusqlite::Transaction<'_>,
    token_id: &str,
    change: &Change,
) -> Result<Updated, LedgerError> {
    let Some(mut record) = load(tx, token_id)? else { return Ok(Updated::Unknown) };
    if let Some(reason) = record.refusal(change) {
        return Ok(Updated::Refused(reason));
    }
    record.apply(change);
    store_facts(tx, &record)?;
    Ok(Updated::Done(record))
}

/// Switches the file to WAL, unless it is already (retrying "busy" itself, see
/// [`retry_busy`]).
fn use_wal(conn: &Connection, timeout: Duration) -> Result<(), LedgerError> {
    retry_busy(timeout, || {
        let mode = conn.pragma_query_value(None, "journal_mode", |row| row.get::<_, String>(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        }
        Ok(())
    })
    .map_err(storage("switch to WAL"))
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one write transaction, or refuses the file.
/// The identity is read again under the write lock: another process may have set the file up
/// since it was first read.
fn migrate(conn: &mut Connection) -> Result<(), LedgerError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(storage("begin the schema check"))?;
    let version = match identify(read_identity(&tx).map_err(storage("read the schema"))?)? {
        Identity::Blank => 0,
        Identity::Ledger(version) => version,
    };
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for migration in MIGRATIONS.iter().skip(usize::try_from(version).unwrap_or(0)) {
        tx.execute_batch(migration).map_err(storage("migrate the schema"))?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID).map_err(storage("mark the database"))?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(storage("set the schema version"))?;
    tx.commit().map_err(storage("commit the schema"))
}

/// The columns of one `tokens` row, as stored.
type TokenRow = (
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn token_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
    ))
}

/// A record from its `tokens` row and its results.
fn record_from(row: TokenRow, results: Vec<LinkResult>) -> Result<TokenRecord, LedgerError> {
    let (
        token_id,
        submission_id,
        rule,
        rule_ms,
        user_id,
        metadata,
        issued,
        first_used,
        expired,
        condition,
        service,
    ) = row;
    let rule = match rule.as_str() {
        "count" => TokenRule::Count,
        "time" => TokenRule::Time(Duration::from_millis(rule_ms.unsigned_abs())),
        other => return Err(corrupt(format!("unknown rule {other:?}"))),
    };
    let metadata = serde_json::from_str(&metadata)
        .map_err(|e| corrupt(format!("metadata is not a JSON object ({e})")))?;
    let reported_expiry = expired.map(|at| ReportedExpiry {
        at: from_ms(at),
        condition: ExpiredCondition::parse(condition.as_deref().unwrap_or("")),
        service: service.as_deref().map(Service::parse),
    });
    Ok(TokenRecord {
        token_id,
        submission_id,
        rule,
        user_id,
        metadata,
        issued_at: from_ms(issued),
        first_used_at: first_used.map(from_ms),
        results,
        reported_expiry,
    })
}

/// The results of one token, in the order [`TokenRecord::results`] keeps.
fn load_results(conn: &Connection, token_id: &str) -> Result<Vec<LinkResult>, LedgerError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT auth_id, status, created_ms, confirmed FROM results WHERE token_id = ?1 \
             ORDER BY created_ms, auth_key",
        )
        .map_err(storage("read results"))?;
    let rows = statement
        .query_map([token_id], |row| {
            Ok(LinkResult {
                auth_id: row.get(0)?,
                status: row.get::<_, Option<String>>(1)?.map(|s| AuthStatus::parse(&s)),
                created_at: row.get::<_, Option<i64>>(2)?.map(from_ms),
                confirmed: row.get(3)?,
            })
        })
        .map_err(storage("read results"))?;
    rows.collect::<Result<_, _>>().map_err(storage("read results"))
}

fn load(conn: &Connection, token_id: &str) -> Result<Option<TokenRecord>, LedgerError> {
    let row = conn
        .prepare_cached(concat!("SELECT ", token_columns!(), " FROM tokens WHERE token_id = ?1"))
        .and_then(|mut statement| statement.query_row([token_id], token_row).optional())
        .map_err(storage("read a token"))?;
    match row {
        None => Ok(None),
        Some(row) => record_from(row, load_results(conn, token_id)?).map(Some),
    }
}

/// Writes what [`TokenRecord::apply`] can change: the first use, the reported expiry, results.
fn store_facts(conn: &Connection, record: &TokenRecord) -> Result<(), LedgerError> {
    let expiry = record.reported_expiry.as_ref();
    conn.prepare_cached(
        "UPDATE tokens SET first_used_ms = ?2, expired_ms = ?3, expired_condition = ?4, \
         expired_service = ?5 WHERE token_id = ?1",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            record.token_id,
            record.first_used_at.map(to_ms),
            expiry.map(|e| to_ms(e.at)),
            expiry.map(|e| e.condition.as_str()),
            expiry.and_then(|e| e.service.as_ref()).map(Service::as_str),
        ])
    })
    .map_err(storage("update a token"))?;
    let mut statement = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO results (token_id, auth_key, auth_id, status, created_ms, confirmed) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(storage("store a result"))?;
    for result in &record.results {
        statement
            .execute(params![
                record.token_id,
                result.key(),
                result.auth_id,
                result.status.as_ref().map(AuthStatus::as_str),
                result.created_at.map(to_ms),
                result.confirmed,
            ])
            .map_err(storage("store a result"))?;
    }
    Ok(())
}

/// The statement [`insert`] runs: prepare it once per transaction.
const INSERT_TOKEN: &str = "INSERT INTO tokens (token_id, submission_id, rule, rule_ms, user_id, metadata, \
                            issued_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Inserts one new token, issued at `now` (borrowed: a batch of thousands is not cloned), with
/// `statement` prepared from [`INSERT_TOKEN`].
fn insert(
    statement: &mut rusqlite::Statement<'_>,
    token: &NewToken,
    now: SystemTime,
) -> Result<(), LedgerError> {
    let metadata = if token.metadata.is_empty() {
        std::borrow::Cow::Borrowed("{}")
    } else {
        serde_json::to_string(&token.metadata)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| LedgerError::Storage { action: "encode metadata", reason: e.to_string() })?
    };
    let rule_ms = match token.rule {
        TokenRule::Count => 0,
        TokenRule::Time(d) => duration_ms(d),
    };
    let inserted = statement.execute(params![
        token.token_id,
        token.submission_id,
        token.rule.kind(),
        rule_ms,
        token.user_id,
        metadata,
        to_ms(now),
    ]);
    match inserted {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Err(LedgerError::TokenExists { token_id: token.token_id.clone() })
        }
        Err(err) => Err(storage("insert a token")(err)),
    }
}

/// A `WHERE` clause (and its parameters) that admits a superset of `filter`'s tokens: the
/// state is narrowed in SQL only as far as it does not depend on `now`.
fn where_clause(filter: &ListFilter) -> (String, Vec<SqlValue>) {
    let mut terms: Vec<&str> = Vec::new();
    let mut values = Vec::new();
    if let Some(submission) = &filter.submission_id {
        terms.push("submission_id = ?");
        values.push(SqlValue::Text(submission.clone()));
    }
    if let Some(since) = filter.since {
        terms.push("issued_ms >= ?");
        values.push(SqlValue::Integer(to_ms(since)));
    }
    if let Some(until) = filter.until {
        terms.push("issued_ms < ?");
        values.push(SqlValue::Integer(to_ms(until)));
    }
    const HAS_RESULT: &str = "EXISTS (SELECT 1 FROM results r WHERE r.token_id = tokens.token_id)";
    match filter.state {
        None => {}
        Some(StateKind::Completed) => terms.push(HAS_RESULT),
        Some(StateKind::Unused) => terms.push(
            "first_used_ms IS NULL AND expired_ms IS NULL AND NOT EXISTS \
             (SELECT 1 FROM results r WHERE r.token_id = tokens.token_id)",
        ),
        Some(StateKind::Active | StateKind::Expired) => terms.push(
            "(first_used_ms IS NOT NULL OR expired_ms IS NOT NULL) AND NOT EXISTS \
             (SELECT 1 FROM results r WHERE r.token_id = tokens.token_id)",
        ),
    }
    if terms.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", terms.join(" AND ")), values)
    }
}

impl TokenLedger for SqliteLedger {
    fn issue(&self, token: &NewToken, now: SystemTime) -> Result<(), LedgerError> {
        self.issue_many(std::slice::from_ref(token), now)
    }

    fn issue_many(&self, tokens: &[NewToken], now: SystemTime) -> Result<(), LedgerError> {
        self.insert_all(tokens, now, false).map(drop)
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

    fn apply_webhook(&self, event: &Event, now: SystemTime) -> Result<WebhookOutcome, LedgerError> {
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
        let mut conn = self.conn();
        // One read transaction: the token and its results from the same snapshot.
        let tx = conn.transaction().map_err(storage("begin a read"))?;
        let record = load(&tx, token_id)?;
        tx.commit().map_err(storage("end a read"))?;
        Ok(record.map(|record| TokenStatus::at(record, now)))
    }

    fn list(&self, filter: &ListFilter, now: SystemTime) -> Result<Vec<TokenStatus>, LedgerError> {
        let (clause, values) = where_clause(filter);
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens{clause} ORDER BY issued_ms, token_id");
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(storage("begin a read"))?;
        let mut found = Vec::new();
        {
            let mut statement = tx.prepare(&sql).map_err(storage("list tokens"))?;
            let mut rows = statement.query(params_from_iter(values)).map_err(storage("list tokens"))?;
            while found.len() < limit {
                let Some(row) = rows.next().map_err(storage("list tokens"))? else { break };
                let row = token_row(row).map_err(storage("list tokens"))?;
                let results = load_results(&tx, &row.0)?;
                let status = TokenStatus::at(record_from(row, results)?, now);
                if filter.state.is_none_or(|state| status.state.kind() == state) {
                    found.push(status);
                }
            }
        }
        tx.commit().map_err(storage("end a read"))?;
        Ok(found)
    }

    fn purge(&self, older_than: SystemTime) -> Result<u64, LedgerError> {
        self.writable()?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage("begin a write"))?;
        // Results go with their tokens (ON DELETE CASCADE).
        let deleted = tx
            .execute("DELETE FROM tokens WHERE issued_ms < ?1", [to_ms(older_than)])
            .map_err(storage("purge tokens"))?;
        tx.commit().map_err(storage("commit"))?;
        Ok(deleted as u64)
    }
}
