//! A token ledger named by a location: a file path (SQLite) or a `postgres://` URL.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use faceauth::token::{
    is_postgres_location, Durability, LedgerError, NewToken, PostgresLedger, PostgresOptions, SqliteLedger,
    SqliteOptions, TokenLedger,
};

/// What `--ledger` (or `--db`), `FACEAUTH_LEDGER` and `FACEAUTH_TOKENS_DB` name.
pub enum Location {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL database: `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl Location {
    /// A URL whose scheme is `postgres` or `postgresql` names PostgreSQL; anything else is a
    /// file path.
    pub fn of(given: &Path) -> Location {
        match given.to_str() {
            Some(text) if is_postgres_location(text) => Location::Postgres(text.to_owned()),
            _ => Location::File(given.to_owned()),
        }
    }

    /// The location for messages: a path as it is, a URL without its user and password.
    pub fn shown(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => faceauth::url::redact_credentials(url).into_owned(),
        }
    }

    /// The file, for the checks that only files need.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

/// An open ledger of either store.
pub enum Ledger {
    /// SQLite.
    Sqlite(SqliteLedger),
    /// PostgreSQL.
    Postgres(Box<PostgresLedger>),
}

impl Ledger {
    /// Opens (creating if needed; reading only with `read_only`) the ledger at `location`.
    pub fn open(location: &Location, durability: Durability, read_only: bool) -> anyhow::Result<Ledger> {
        let opened = match location {
            Location::File(path) => {
                let options = SqliteOptions::new().durability(durability).read_only(read_only);
                SqliteLedger::open_with(path, &options).map(Ledger::Sqlite)
            }
            Location::Postgres(url) => {
                let options = PostgresOptions::new().durability(durability).read_only(read_only);
                PostgresLedger::open_with(url, &options).map(|ledger| {
                    for warning in ledger.warnings() {
                        crate::output::note(format_args!("faceauth: warning: {warning}"));
                    }
                    Ledger::Postgres(Box::new(ledger))
                })
            }
        };
        opened.map_err(|err| match err {
            // The error names the location already.
            LedgerError::NoLedger { .. } => anyhow::Error::new(err),
            err => {
                anyhow::Error::new(err).context(format!("cannot open the token ledger {}", location.shown()))
            }
        })
    }

    /// The ledger as the trait.
    pub fn get(&self) -> &dyn TokenLedger {
        match self {
            Ledger::Sqlite(ledger) => ledger,
            Ledger::Postgres(ledger) => &**ledger,
        }
    }

    /// Records `tokens` in one transaction, skipping (and returning the indices of) those
    /// already recorded.
    pub fn issue_new(&self, tokens: &[NewToken], now: SystemTime) -> anyhow::Result<Vec<usize>> {
        match self {
            Ledger::Sqlite(ledger) => ledger.issue_new(tokens, now),
            Ledger::Postgres(ledger) => ledger.issue_new(tokens, now),
        }
        .context("cannot record the tokens in the ledger; their URLs were not written")
    }

    /// Where the ledger is, for messages (a URL without its credentials).
    pub fn shown(&self) -> String {
        match self {
            Ledger::Sqlite(ledger) => ledger.path().display().to_string(),
            Ledger::Postgres(ledger) => ledger.location().to_owned(),
        }
    }
}
