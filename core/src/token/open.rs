//! Opening a ledger from a location string: what bindings and configuration files pass.
//!
//! [`LedgerLocation::parse`] is the one reading of a location, for every surface (the CLI's
//! `--ledger`, `faceauth_ledger_open`, Python's `Ledger(…)`, Go's `OpenLedger`): a check that
//! asks "is this a file?" and the store that opens it can never read one location two ways.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ledger::{LedgerError, MemoryLedger, TokenLedger};

/// The location of an in-memory ledger for [`open_ledger`].
pub const MEMORY_LOCATION: &str = ":memory:";

/// Where a ledger lives, as [`LedgerLocation::parse`] reads a location.
///
/// `Debug` shows a PostgreSQL URL without its user and password.
#[derive(Clone, PartialEq, Eq)]
pub enum LedgerLocation {
    /// `:memory:`, spelled out: a new, empty ledger in this process.
    Memory,
    /// An SQLite file, read as a plain path (never as an SQLite `file:` URI).
    File(PathBuf),
    /// A PostgreSQL database: a `postgres://` or `postgresql://` URL (it may hold a password).
    Postgres(String),
}

impl std::fmt::Debug for LedgerLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerLocation::Memory => f.write_str("Memory"),
            LedgerLocation::File(path) => f.debug_tuple("File").field(path).finish(),
            LedgerLocation::Postgres(_) => f.debug_tuple("Postgres").field(&self.shown()).finish(),
        }
    }
}

impl LedgerLocation {
    /// Reads `location`:
    ///
    /// - `:memory:` (exactly): [`LedgerLocation::Memory`];
    /// - `postgres://…` or `postgresql://…` (the scheme in any case):
    ///   [`LedgerLocation::Postgres`], whether or not this build has the store;
    /// - any other URL (`scheme://…`): [`LedgerError::Unsupported`], naming only the scheme
    ///   (a database URL may hold a password);
    /// - `file:…` (in any case): refused, [`LedgerError::InvalidField`]. SQLite would read it
    ///   as a URI (`file:x.db?mode=memory` keeps nothing), every other check as a path: give
    ///   the file's path instead;
    /// - anything else, non-empty: a path, [`LedgerLocation::File`] (`tokens:v1.db` included).
    ///
    /// ```
    /// use faceauth::token::LedgerLocation;
    ///
    /// assert_eq!(LedgerLocation::parse(":memory:")?, LedgerLocation::Memory);
    /// assert!(matches!(LedgerLocation::parse("/var/lib/app/tokens.db")?, LedgerLocation::File(_)));
    /// assert!(LedgerLocation::parse("file:tokens.db?mode=memory").is_err());
    /// assert!(LedgerLocation::parse("").is_err());
    /// # Ok::<(), faceauth::token::LedgerError>(())
    /// ```
    ///
    /// # Errors
    /// [`LedgerError::InvalidField`] (`location`) for an empty location or a `file:` URI;
    /// [`LedgerError::Unsupported`] for another URL scheme.
    pub fn parse(location: impl AsRef<OsStr>) -> Result<LedgerLocation, LedgerError> {
        let location = location.as_ref();
        let bytes = location.as_encoded_bytes();
        if bytes.is_empty() {
            return Err(LedgerError::InvalidField { field: "location", problem: "must not be empty" });
        }
        if bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"file:") {
            return Err(LedgerError::InvalidField {
                field: "location",
                problem: "is an SQLite file: URI, which faceauth does not read: give the file's path",
            });
        }
        if bytes == MEMORY_LOCATION.as_bytes() {
            return Ok(LedgerLocation::Memory);
        }
        if let Some(text) = location.to_str() {
            if is_postgres_location(text) {
                return Ok(LedgerLocation::Postgres(text.to_owned()));
            }
            if let Some(scheme) = url_scheme(text) {
                return Err(LedgerError::Unsupported {
                    store: format!("{}://", scheme.to_ascii_lowercase()),
                });
            }
        }
        Ok(LedgerLocation::File(PathBuf::from(location)))
    }

    /// The file, for an SQLite location.
    pub fn path(&self) -> Option<&Path> {
        match self {
            LedgerLocation::File(path) => Some(path),
            LedgerLocation::Memory | LedgerLocation::Postgres(_) => None,
        }
    }

    /// The location for messages: a path as it is, a URL without its user and password.
    pub fn shown(&self) -> String {
        match self {
            LedgerLocation::Memory => MEMORY_LOCATION.to_owned(),
            LedgerLocation::File(path) => path.display().to_string(),
            LedgerLocation::Postgres(url) => crate::url::redact_credentials(url).into_owned(),
        }
    }
}

/// How [`open_ledger_with`] opens a ledger: how long one call may wait for the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    wait: Option<Duration>,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// The stores' defaults (SQLite: a 5 s busy timeout; PostgreSQL: the server's timeouts).
    pub fn new() -> OpenOptions {
        OpenOptions { wait: None }
    }

    /// The longest a call waits for a lock another connection holds, and (PostgreSQL) for
    /// one statement or for connecting, before it fails with [`LedgerError::Storage`] having
    /// changed nothing. A server that must answer within a deadline sets it below that.
    pub fn wait(mut self, wait: Duration) -> OpenOptions {
        self.wait = Some(wait);
        self
    }
}

/// Opens the token ledger at `location`, as [`LedgerLocation::parse`] reads it:
///
/// - `:memory:`: a new, empty [`MemoryLedger`] (nothing survives the process);
/// - `postgres://…` or `postgresql://…`: a [`PostgresLedger`](super::PostgresLedger), with
///   the cargo feature `postgres`; it connects, and creates or migrates the tables. Without
///   the feature, [`LedgerError::Unsupported`];
/// - a path: [`SqliteLedger::open`](super::SqliteLedger::open), which creates the file
///   (mode 0600) if it is missing (its directory must exist) and refuses a file that is not a
///   faceauth ledger. Without the `sqlite` feature, [`LedgerError::Unsupported`].
///
/// The ledger serves every thread ([`TokenLedger`] is `Send + Sync`).
///
/// ```
/// use std::time::SystemTime;
/// use faceauth::token::{open_ledger, ListFilter};
///
/// let ledger = open_ledger(":memory:")?;
/// assert!(ledger.list(&ListFilter::new(), SystemTime::now())?.is_empty());
/// assert!(open_ledger("redis://cache").is_err());
/// # Ok::<(), faceauth::token::LedgerError>(())
/// ```
///
/// # Errors
/// Those of [`LedgerLocation::parse`]; [`LedgerError::Unsupported`]; those of
/// [`SqliteLedger::open_with`](super::SqliteLedger::open_with) for a path, of
/// [`PostgresLedger::open_with`](super::PostgresLedger::open_with) for a PostgreSQL URL. No
/// error holds a password given in the location.
pub fn open_ledger(location: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    open_ledger_with(location, &OpenOptions::new())
}

/// [`open_ledger`] with `options`.
///
/// # Errors
/// As [`open_ledger`].
pub fn open_ledger_with(
    location: impl AsRef<OsStr>,
    options: &OpenOptions,
) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    match LedgerLocation::parse(location)? {
        LedgerLocation::Memory => Ok(Box::new(MemoryLedger::new())),
        LedgerLocation::Postgres(url) => open_postgres(&url, options),
        LedgerLocation::File(path) => open_file(&path, options),
    }
}

/// Whether `location` names a PostgreSQL ledger for [`open_ledger`]: a `postgres://` or
/// `postgresql://` URL (the scheme in any case), whether or not this build has the store.
pub fn is_postgres_location(location: &str) -> bool {
    url_scheme(location).is_some_and(|scheme| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

/// The permission bits of the file at `path` when its group or others may read or write it
/// (a ledger holds user ids, cf fields and results: it should be 0600); `None` for a private
/// file, a missing one, or where files have no Unix modes. Bindings and the CLI warn with it.
pub fn shared_file_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(feature = "postgres")]
fn open_postgres(
    url: &str,
    options: &OpenOptions,
) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    let mut postgres = super::PostgresOptions::new();
    if let Some(wait) = options.wait {
        postgres = postgres.connect_timeout(wait).statement_timeout(wait);
    }
    Ok(Box::new(super::PostgresLedger::open_with(url, &postgres)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(
    url: &str,
    _options: &OpenOptions,
) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    let scheme = url_scheme(url).unwrap_or("postgres");
    Err(LedgerError::Unsupported { store: format!("{}://", scheme.to_ascii_lowercase()) })
}

/// The scheme of `scheme://…` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn url_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

#[cfg(feature = "sqlite")]
fn open_file(path: &Path, options: &OpenOptions) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    let mut sqlite = super::SqliteOptions::new();
    if let Some(wait) = options.wait {
        sqlite = sqlite.busy_timeout(wait);
    }
    Ok(Box::new(super::SqliteLedger::open_with(path, &sqlite)?))
}

#[cfg(not(feature = "sqlite"))]
fn open_file(
    _path: &Path,
    _options: &OpenOptions,
) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    Err(LedgerError::Unsupported { store: "sqlite".to_owned() })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::token::{ListFilter, NewToken, TokenRule};
    use crate::ErrorKind;

    fn issue_one(ledger: &dyn TokenLedger, id: &str) {
        let token = NewToken::new(id, "sub-1", TokenRule::Count);
        assert_eq!(ledger.issue(&token, SystemTime::now()), Ok(()));
    }

    #[test]
    fn memory_locations_are_fresh_and_separate() {
        let (Ok(a), Ok(b)) = (open_ledger(":memory:"), open_ledger(":memory:")) else {
            panic!("cannot open :memory:")
        };
        issue_one(&*a, "tok_memory_1");
        assert!(matches!(a.status("tok_memory_1", SystemTime::now()), Ok(Some(_))));
        assert!(matches!(b.status("tok_memory_1", SystemTime::now()), Ok(None)));
    }

    #[test]
    fn urls_are_refused_by_scheme_without_their_credentials() {
        let mut refused = vec![("redis+tls://me:s3cret-pw@db.internal", "redis+tls://")];
        if cfg!(not(feature = "postgres")) {
            refused.push(("postgres://user:s3cret-pw@db.internal/tokens", "postgres://"));
            refused.push(("PostgreSQL://db/tokens", "postgresql://"));
        }
        for (location, store) in refused {
            let Err(err) = open_ledger(location) else { panic!("{location} opened") };
            assert_eq!(err, LedgerError::Unsupported { store: store.to_owned() });
            assert_eq!(err.kind(), ErrorKind::LedgerUnsupported);
            let message = err.to_string();
            assert!(message.contains("not supported in this build"), "{message}");
            assert!(!message.contains("s3cret") && !message.contains("db"), "{message}");
        }
    }

    #[test]
    fn postgres_locations_are_told_apart() {
        assert!(is_postgres_location("postgres://u:p@h/db"));
        assert!(is_postgres_location("PostgreSQL://h/db"));
        assert!(!is_postgres_location("postgres:/h/db"));
        assert!(!is_postgres_location("mysql://h/db"));
        assert!(!is_postgres_location("/var/lib/tokens.db"));
    }

    /// Nothing listens on port 1: the open fails at connect (feature on), or is refused as
    /// unsupported (feature off); the password is in neither message.
    #[test]
    fn a_postgres_location_that_fails_never_shows_its_password() {
        let Err(err) = open_ledger("postgresql://alice:s3cret-pw@127.0.0.1:1/tokens") else {
            panic!("port 1 answered")
        };
        let expected =
            if cfg!(feature = "postgres") { ErrorKind::LedgerStorage } else { ErrorKind::LedgerUnsupported };
        assert_eq!(err.kind(), expected, "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    /// SQLite would read these as URIs (`mode=memory` keeps nothing; `file:real.db` writes
    /// `real.db`), every other check as paths: refused, whatever the case.
    #[test]
    fn file_uris_are_refused_as_invalid_arguments() {
        for location in ["file:ledger.db?mode=memory", "file::memory:", "file:real.db", "FILE:x.db", "file:"]
        {
            let Err(err) = LedgerLocation::parse(location) else { panic!("{location} parsed") };
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{location}");
            assert!(err.to_string().contains("file: URI"), "{err}");
            let Err(err) = open_ledger(location) else { panic!("{location} opened") };
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{location}");
        }
        assert!(!std::path::Path::new("real.db").exists());
    }

    #[test]
    fn locations_are_read_one_way() {
        assert_eq!(LedgerLocation::parse(":memory:"), Ok(LedgerLocation::Memory));
        let file = |p: &str| Ok(LedgerLocation::File(PathBuf::from(p)));
        assert_eq!(LedgerLocation::parse("tokens.db"), file("tokens.db"));
        assert_eq!(LedgerLocation::parse("tokens:v1.db"), file("tokens:v1.db"));
        assert_eq!(LedgerLocation::parse("./file:x.db"), file("./file:x.db"));
        // Only `:memory:` spelled out is in memory.
        assert_eq!(LedgerLocation::parse(":memory"), file(":memory"));
        assert_eq!(LedgerLocation::parse(":MEMORY:"), file(":MEMORY:"));
        let Ok(postgres) = LedgerLocation::parse("postgres://alice:s3cret-pw@db/tokens") else {
            panic!("a postgres URL refused")
        };
        assert_eq!(postgres.path(), None);
        let shown = format!("{} {postgres:?}", postgres.shown());
        assert!(shown.contains("db/tokens") && !shown.contains("s3cret"), "{shown}");
        assert!(matches!(LedgerLocation::parse("redis://x"), Err(LedgerError::Unsupported { .. })));
        assert_eq!(LedgerLocation::parse("").map_err(|e| e.kind()), Err(ErrorKind::InvalidArgument));
    }

    #[cfg(unix)]
    #[test]
    fn shared_file_modes_are_told_apart() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("faceauth-open-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(std::fs::create_dir_all(&dir).is_ok());
        let path = dir.join("ledger.db");
        assert!(std::fs::write(&path, b"").is_ok());
        for (mode, shared) in [(0o600, None), (0o400, None), (0o644, Some(0o644)), (0o620, Some(0o620))] {
            assert!(std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).is_ok());
            assert_eq!(shared_file_mode(&path), shared, "{mode:o}");
        }
        assert_eq!(shared_file_mode(&dir.join("missing.db")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_empty_location_is_an_invalid_argument() {
        let Err(err) = open_ledger("") else { panic!("an empty location opened") };
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn a_path_opens_a_sqlite_ledger_that_persists() {
        let dir = std::env::temp_dir().join(format!("faceauth-open-ledger-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(std::fs::create_dir_all(&dir).is_ok());
        // A path that looks a little like a URL is still a path.
        let path = dir.join("tokens:v1.db");
        let Some(location) = path.to_str() else { panic!("a non-UTF-8 temp dir") };
        {
            let Ok(ledger) = open_ledger(location) else { panic!("cannot open {location}") };
            issue_one(&*ledger, "tok_file_1");
        }
        let Ok(again) = open_ledger(location) else { panic!("cannot reopen {location}") };
        let listed = again.list(&ListFilter::new(), SystemTime::now()).unwrap_or_default();
        assert_eq!(listed.len(), 1);

        // Not a ledger: refused, and left as it was.
        let other = dir.join("notes.txt");
        assert!(std::fs::write(&other, "not a database at all, just some text").is_ok());
        let Some(other_location) = other.to_str() else { panic!("a non-UTF-8 temp dir") };
        let Err(err) = open_ledger(other_location) else { panic!("a text file opened as a ledger") };
        assert_eq!(err.kind(), ErrorKind::LedgerSchema);
        assert_eq!(
            std::fs::read_to_string(&other).ok().as_deref(),
            Some("not a database at all, just some text")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
