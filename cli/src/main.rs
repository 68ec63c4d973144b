//! `faceauth`: FaceAuth URLs, encryption, diagnosis and token ids from the shell.

mod allow;
mod auth_cmd;
mod batch;
mod confirm;
mod crypto_cmd;
mod exit;
mod files;
mod key;
mod ledger_arg;
mod ledger_cmd;
mod ledger_store;
mod mock_cmd;
mod output;
mod serve;
mod token_cmd;
mod url_cmd;
mod webhook_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "faceauth", version, about = "Argos Identity FaceAuth: links, encryption and token ids")]
#[command(
    after_help = "The API key comes from --api-key, --api-key-file or FACEAUTH_API_KEY; it is never printed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the FaceAuth URL for one user.
    Url(url_cmd::UrlArgs),
    /// Print the decrypted parameters of a FaceAuth URL as JSON.
    Inspect(url_cmd::InspectArgs),
    /// Encrypt plaintext (an argument, or stdin) and print the ciphertext.
    Encrypt(crypto_cmd::EncryptArgs),
    /// Decrypt ciphertext (an argument, or stdin) and print the plaintext.
    Decrypt(crypto_cmd::DecryptArgs),
    /// Try every known encryption variant on a ciphertext and report which one decrypts it.
    Diagnose(crypto_cmd::DiagnoseArgs),
    /// Token ids: generate new ones, or validate ids against the id rule.
    Token(token_cmd::TokenArgs),
    /// Build a FaceAuth URL for every row of a CSV file, streaming.
    Batch(batch::BatchArgs),
    /// The FaceAuth REST API: submit a selfie, read, list, fetch the image, delete.
    Auth(auth_cmd::AuthArgs),
    /// Parse a webhook body and print the event as JSON, or receive webhooks over HTTP.
    Webhook(webhook_cmd::WebhookArgs),
    /// Run the local FaceAuth simulator (REST API, hosted page, token rules, webhooks, faults).
    Mock(mock_cmd::MockArgs),
    /// The token ledger: issue links with recorded tokens, apply webhooks, query states.
    #[command(alias = "tokens")] // its name before 0.1.0, kept for scripts
    Ledger(ledger_cmd::LedgerArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage(&err),
    };
    catch_file_size_signal();
    let result = match cli.command {
        Command::Url(args) => url_cmd::url(args),
        Command::Inspect(args) => url_cmd::inspect(args),
        Command::Encrypt(args) => crypto_cmd::encrypt(args),
        Command::Decrypt(args) => crypto_cmd::decrypt(args),
        Command::Diagnose(args) => crypto_cmd::diagnose(args),
        Command::Token(args) => token_cmd::token(args),
        Command::Batch(args) => batch::batch(args),
        Command::Auth(args) => auth_cmd::auth(args),
        Command::Webhook(args) => webhook_cmd::webhook(args),
        Command::Mock(args) => mock_cmd::mock(args),
        Command::Ledger(args) => ledger_cmd::ledger(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}

/// A write past the file size limit (`ulimit -f`) raises SIGXFSZ, which kills the process
/// with no message. Caught, the write fails with EFBIG instead and goes through the ordinary
/// error path: a message and exit 1, or 503 from `webhook serve`.
fn catch_file_size_signal() {
    #[cfg(unix)]
    {
        let caught = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Err(err) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, caught) {
            output::note(format_args!("faceauth: warning: cannot handle SIGXFSZ: {err}"));
        }
    }
}

/// Reports `err` on one stderr line and picks its exit code (see [`exit`]). Output that the
/// reader stopped reading (`… | head -1`) ends the command quietly.
fn fail(err: &anyhow::Error) -> ExitCode {
    let mut code = exit::FAILURE;
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
        if cause.is::<exit::UsageError>() {
            code = exit::USAGE;
            break;
        }
        if let Some(kind) = error_kind(cause) {
            code = exit::for_kind(kind);
            break;
        }
    }
    output::note(format_args!("faceauth: error: {err:#}"));
    ExitCode::from(code)
}

/// `--help` and `--version` print as clap prints them; any other parse error is a usage error
/// on one stderr line, as every other error is, naming the subcommand's `--help`.
fn usage(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return match err.print() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(exit::FAILURE),
        };
    }
    output::note(format_args!("faceauth: error: {}", exit::one_line(err)));
    ExitCode::from(exit::USAGE)
}

/// The core's error kind of `cause`, whichever area's error type it is.
fn error_kind(cause: &(dyn std::error::Error + 'static)) -> Option<faceauth::ErrorKind> {
    use faceauth::{api::ApiError, crypto::CryptoError, token::LedgerError, token::TokenError};
    use faceauth::{url::UrlError, webhook::WebhookError};
    if let Some(e) = cause.downcast_ref::<faceauth::Error>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<ApiError>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<CryptoError>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<UrlError>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<TokenError>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<LedgerError>() {
        return Some(e.kind());
    }
    cause.downcast_ref::<WebhookError>().map(WebhookError::kind)
}
