//! The `faceauth` command's exit codes: one table, so scripts can tell outcomes apart, and one
//! error format, `faceauth: error: …` on one stderr line.
//!
//! The line between 2 and 1: 2 when the command line (or the environment standing in for
//! it) is wrong and the command did nothing; 1 when a well-formed command failed on what it
//! was given to work on or with.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure: input the command works on is invalid (a ciphertext, a URL, a webhook body, a CSV), a file, the ledger, output that cannot be written |
//! | 2 | usage: an unknown option, a missing or malformed argument or option value, options that do not go together, no API key or an unusable one (from any source), an unsupported ledger location |
//! | 3 | `batch` ran to the end, but some rows failed (each reported with its line) |
//! | 4 | `diagnose` found no variant that decrypts the text |
//! | 5 | `ledger apply-webhook`: the webhook matched no token in the ledger |
//! | 10 | API: authentication or permission (wrong API key, IP not on the allow list) |
//! | 11 | API: not found (no result with that auth id) |
//! | 12 | API: transport (connection failed, timed out) |
//! | 13 | API: Argos server error (5xx) |
//! | 14 | API: any other refusal (invalid request, payload too large, unexpected answer) |
//! | 130 | `auth`: cancelled by Ctrl-C (SIGINT) while a request was in flight |

use faceauth::ErrorKind;

/// A failure not covered by a more specific code.
pub const FAILURE: u8 = 1;
/// A usage error (the code clap uses too).
pub const USAGE: u8 = 2;
/// `batch` finished, but some rows failed.
pub const SOME_ROWS_FAILED: u8 = 3;
/// `diagnose` found no variant that decrypts the text.
pub const NO_VARIANT: u8 = 4;
/// `ledger apply-webhook`: the webhook matched no token.
pub const NO_MATCHING_TOKEN: u8 = 5;
/// API: authentication or permission.
pub const API_AUTH: u8 = 10;
/// API: not found.
pub const API_NOT_FOUND: u8 = 11;
/// API: connection failure or timeout.
pub const API_TRANSPORT: u8 = 12;
/// API: a 5xx from Argos.
pub const API_SERVER: u8 = 13;
/// API: any other refusal or undecodable answer.
pub const API_OTHER: u8 = 14;
/// Cancelled by Ctrl-C (128 + SIGINT, as shells report a process SIGINT ended).
pub const CANCELLED: u8 = 130;

/// A usage error found after parsing (a malformed option value, options that do not go
/// together): the command exits [`USAGE`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error kind of the core.
pub fn for_kind(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::ApiAuthentication | ErrorKind::ApiIpNotAllowed => API_AUTH,
        ErrorKind::ApiNotFound => API_NOT_FOUND,
        ErrorKind::ApiTimeout | ErrorKind::ApiConnection | ErrorKind::ApiTlsUntrusted => API_TRANSPORT,
        ErrorKind::ApiServer => API_SERVER,
        ErrorKind::Cancelled => CANCELLED,
        ErrorKind::ApiInvalidRequest
        | ErrorKind::ApiPayloadTooLarge
        | ErrorKind::ApiUnexpectedStatus
        | ErrorKind::ApiDecode => API_OTHER,
        ErrorKind::InvalidArgument
        | ErrorKind::InvalidKey
        | ErrorKind::UnknownVariant
        | ErrorKind::InvalidToken
        | ErrorKind::LedgerUnsupported => USAGE,
        _ => FAILURE,
    }
}

/// The longest error line clap's message makes: an option value can be huge, or a key.
const LINE_MAX: usize = 300;

/// A clap parse error as one line, without the `error:` prefix: clap's message with its
/// indented lines and tips joined, a value that failed validation left out (it may be a key
/// typed in the wrong place), then which `--help` to read.
pub fn one_line(err: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = err.render().to_string();
    let (message, rest) = text.split_once("\n\nUsage:").unwrap_or((text.as_str(), ""));
    let mut line = match (err.kind(), err.get(ContextKind::InvalidArg)) {
        // clap's text is the whole help here.
        (ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand, _) => "a subcommand is missing".to_owned(),
        (ErrorKind::ValueValidation, Some(ContextValue::String(arg))) => {
            let why = std::error::Error::source(err).map(ToString::to_string).unwrap_or_default();
            format!("invalid value for '{arg}': {why}")
        }
        _ => join_lines(message),
    };
    if line.chars().count() > LINE_MAX {
        line = line.chars().take(LINE_MAX).collect::<String>() + "…";
    }
    let command: Vec<&str> = rest
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .take_while(|word| !word.starts_with(['[', '<', '-']))
        .collect();
    if !command.is_empty() {
        line.push_str(&format!("; see '{} --help'", command.join(" ")));
    }
    line
}

/// clap's message lines as one: `error: ` dropped, a list under a line ending in `:` joined
/// with commas, tips after `;`.
fn join_lines(message: &str) -> String {
    let mut line = String::new();
    for part in message.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if part.starts_with("For more information") {
            continue;
        }
        if line.is_empty() {
            line.push_str(part.strip_prefix("error: ").unwrap_or(part));
        } else if part.starts_with("tip:") {
            line.push_str("; ");
            line.push_str(part);
        } else if line.ends_with(':') {
            line.push(' ');
            line.push_str(part);
        } else {
            line.push_str(", ");
            line.push_str(part);
        }
    }
    line
}
