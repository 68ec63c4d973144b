//! The `faceauth` command's exit codes: one table, so scripts can tell outcomes apart.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure not covered below (bad input, a file, the ledger, output that cannot be written) |
//! | 2 | usage: an unknown option, a missing or malformed argument |
//! | 3 | `batch` ran to the end, but some rows failed (each reported with its line) |
//! | 4 | `diagnose` found no variant that decrypts the text |
//! | 5 | `tokens apply-webhook`: the webhook matched no token in the ledger |
//! | 10 | API: authentication or permission (wrong API key, IP not on the allow list) |
//! | 11 | API: not found (no result with that auth id) |
//! | 12 | API: transport (connection failed, timed out) |
//! | 13 | API: Argos server error (5xx) |
//! | 14 | API: any other refusal (invalid request, payload too large, unexpected answer) |

use faceauth::ErrorKind;

/// A failure not covered by a more specific code.
pub const FAILURE: u8 = 1;
/// A usage error (the code clap uses too).
pub const USAGE: u8 = 2;
/// `batch` finished, but some rows failed.
pub const SOME_ROWS_FAILED: u8 = 3;
/// `diagnose` found no variant that decrypts the text.
pub const NO_VARIANT: u8 = 4;
/// `tokens apply-webhook`: the webhook matched no token.
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
        ErrorKind::ApiTimeout | ErrorKind::ApiConnection => API_TRANSPORT,
        ErrorKind::ApiServer => API_SERVER,
        ErrorKind::ApiInvalidRequest
        | ErrorKind::ApiPayloadTooLarge
        | ErrorKind::ApiUnexpectedStatus
        | ErrorKind::ApiDecode => API_OTHER,
        ErrorKind::UnknownVariant => USAGE,
        _ => FAILURE,
    }
}
