//! One name for the token ledger in every command that takes one: `--ledger` (alias `--db`),
//! else `FACEAUTH_LEDGER`, else `FACEAUTH_TOKENS_DB` (the older name, kept as an alias).
//!
//! The environment is read here rather than by clap, so that the order is one function and
//! no location (which may hold a PostgreSQL password) ever shows in `--help`.

use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable that names the ledger when no option does.
pub const LEDGER_ENV: &str = "FACEAUTH_LEDGER";

/// The older name of [`LEDGER_ENV`], read when that is unset or empty.
pub const LEDGER_ENV_ALIAS: &str = "FACEAUTH_TOKENS_DB";

/// Where a ledger location came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `--ledger` or `--db`.
    Option,
    /// [`LEDGER_ENV`] or [`LEDGER_ENV_ALIAS`].
    Environment,
}

/// The ledger location: `given` (the option), else [`LEDGER_ENV`], else
/// [`LEDGER_ENV_ALIAS`]; an empty variable counts as unset.
pub fn resolve(given: Option<&PathBuf>) -> Option<(PathBuf, Source)> {
    if let Some(given) = given {
        return Some((given.clone(), Source::Option));
    }
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    from_env(LEDGER_ENV).or_else(|| from_env(LEDGER_ENV_ALIAS)).map(|path| (path, Source::Environment))
}

/// The location as UTF-8 text, for the commands that take it as a string.
pub fn text(path: PathBuf) -> anyhow::Result<String> {
    OsString::from(path).into_string().map_err(|_| {
        anyhow::Error::new(crate::exit::UsageError("the ledger location is not valid UTF-8".to_owned()))
    })
}
