//! Opening a ledger from a location string: what bindings and configuration files pass.

use super::ledger::{LedgerError, MemoryLedger, TokenLedger};

/// The location of an in-memory ledger for [`open_ledger`].
pub const MEMORY_LOCATION: &str = ":memory:";

/// Opens the token ledger at `location`:
///
/// - `:memory:`: a new, empty [`MemoryLedger`] (nothing survives the process);
/// - `postgres://…` or `postgresql://…` (the scheme in any case): a
///   [`PostgresLedger`](super::PostgresLedger), with the cargo feature `postgres`; it connects,
///   and creates or migrates the tables. Without the feature, [`LedgerError::Unsupported`];
/// - any other URL (`scheme://…`): [`LedgerError::Unsupported`], naming only the scheme (a
///   database URL may hold a password);
/// - anything else is a file path: [`SqliteLedger::open`](super::SqliteLedger::open), which
///   creates the file if it is missing (its directory must exist) and refuses a file that is
///   not a faceauth ledger. Without the `sqlite` feature, [`LedgerError::Unsupported`].
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
/// [`LedgerError::InvalidField`] for an empty location; [`LedgerError::Unsupported`]; those of
/// [`SqliteLedger::open_with`](super::SqliteLedger::open_with) for a path, of
/// [`PostgresLedger::open_with`](super::PostgresLedger::open_with) for a PostgreSQL URL. No
/// error holds a password given in the location.
pub fn open_ledger(location: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    if location.is_empty() {
        return Err(LedgerError::InvalidField { field: "location", problem: "must not be empty" });
    }
    if location == MEMORY_LOCATION {
        return Ok(Box::new(MemoryLedger::new()));
    }
    if is_postgres_location(location) {
        return open_postgres(location);
    }
    if let Some(scheme) = url_scheme(location) {
        return Err(LedgerError::Unsupported { store: format!("{}://", scheme.to_ascii_lowercase()) });
    }
    open_file(location)
}

/// Whether `location` names a PostgreSQL ledger for [`open_ledger`]: a `postgres://` or
/// `postgresql://` URL (the scheme in any case), whether or not this build has the store.
pub fn is_postgres_location(location: &str) -> bool {
    url_scheme(location).is_some_and(|scheme| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

#[cfg(feature = "postgres")]
fn open_postgres(location: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    Ok(Box::new(super::PostgresLedger::open(location)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(location: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    let scheme = url_scheme(location).unwrap_or("postgres");
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
fn open_file(path: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
    Ok(Box::new(super::SqliteLedger::open(path)?))
}

#[cfg(not(feature = "sqlite"))]
fn open_file(_path: &str) -> Result<Box<dyn TokenLedger + Send + Sync>, LedgerError> {
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
