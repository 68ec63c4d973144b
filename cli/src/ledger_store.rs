//! A token ledger named by a location: a file path (SQLite) or a `postgres://` URL.

use std::path::Path;
use std::time::SystemTime;

use anyhow::Context;

use crate::exit::UsageError;
use faceauth::token::{
    Durability, LedgerError, NewToken, PostgresLedger, PostgresOptions, SqliteLedger, SqliteOptions,
    TokenLedger,
};

/// What `--ledger` (or `--db`), `FACEAUTH_LEDGER` and `FACEAUTH_TOKENS_DB` name, read by the core's one
/// location parser (a path, `:memory:` or a `postgres://` URL; a `file:` URI is refused).
pub use faceauth::token::LedgerLocation as Location;

/// Reads a ledger location given on the command line or in the environment.
///
/// # Errors
/// The core's refusal (an empty location, a `file:` URI, another URL scheme), as a usage
/// error.
pub fn location(given: &Path) -> anyhow::Result<Location> {
    Location::parse(given).map_err(|err| UsageError(format!("cannot open the token ledger: {err}")).into())
}

/// A warning on stderr when the ledger file can be read by group or others: it holds user
/// ids, cf fields and results.
pub fn warn_if_shared(path: &Path) {
    if let Some(mode) = faceauth::token::shared_file_mode(path) {
        crate::output::note(format_args!(
            "faceauth: warning: the token ledger {} is readable by others (mode {mode:03o}); chmod 600 it \
             and its -wal and -shm files",
            path.display()
        ));
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
        Ledger::open_tuned(location, durability, read_only, None)
    }

    /// As [`open`](Self::open); a PostgreSQL ledger copies issues of `copy_from` tokens or
    /// more (see `PostgresOptions::copy_from`; `None`: the default).
    pub fn open_tuned(
        location: &Location,
        durability: Durability,
        read_only: bool,
        copy_from: Option<usize>,
    ) -> anyhow::Result<Ledger> {
        let opened = match location {
            // Nothing would be left of it once the command ends.
            Location::Memory => return Err(UsageError(
                "cannot open the token ledger: :memory: keeps nothing once the command ends; give a file \
                     path or a postgres:// URL"
                    .to_owned(),
            )
            .into()),
            Location::File(path) => {
                warn_if_shared(path);
                let options = SqliteOptions::new().durability(durability).read_only(read_only);
                SqliteLedger::open_with(path, &options).map(Ledger::Sqlite)
            }
            Location::Postgres(url) => {
                let mut options = PostgresOptions::new().durability(durability).read_only(read_only);
                if let Some(tokens) = copy_from {
                    options = options.copy_from(tokens);
                }
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
