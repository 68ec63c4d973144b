//! `faceauth encrypt`, `decrypt` and `diagnose`.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use faceauth::crypto::Outcome;
use zeroize::Zeroizing;

use crate::key::{ApiKeyArgs, KeyArgs};

#[derive(Args)]
pub struct EncryptArgs {
    /// The plaintext; read from stdin when absent.
    text: Option<String>,
    /// Keep stdin exactly as read; by default one trailing newline is dropped.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    key: KeyArgs,
}

pub fn encrypt(args: EncryptArgs) -> anyhow::Result<ExitCode> {
    let cipher = args.key.cipher()?;
    let text = match args.text {
        Some(text) => text,
        None => {
            let stdin = read_stdin()?;
            if args.raw {
                stdin
            } else {
                drop_one_newline(stdin)
            }
        }
    };
    crate::output::line(cipher.encrypt(&text)?)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct DecryptArgs {
    /// The ciphertext; read from stdin when absent. Copied from a URL (%2B…), with '+' turned
    /// into spaces, or wrapped over lines is fine.
    ciphertext: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
}

pub fn decrypt(args: DecryptArgs) -> anyhow::Result<ExitCode> {
    let cipher = args.key.cipher()?;
    let input = ciphertext_arg(args.ciphertext)?;
    let plain = Zeroizing::new(cipher.decrypt(&input).context("cannot decrypt")?);
    let mut out = crate::output::stdout();
    out.write_all(plain.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct DiagnoseArgs {
    /// A ciphertext made by Argos's Encryption Tool (or read from stdin when absent).
    ciphertext: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// The key only: diagnose tries every scheme and variant, so it takes no --scheme.
    #[command(flatten)]
    key: ApiKeyArgs,
}

/// Exit code of `diagnose` when no variant decrypts the input.
const EXIT_NO_MATCH: u8 = crate::exit::NO_VARIANT;

pub fn diagnose(args: DiagnoseArgs) -> anyhow::Result<ExitCode> {
    let key = args.key.key_string()?;
    let input = ciphertext_arg(args.ciphertext)?;
    // Text that is no ciphertext at all is an input error (exit 1), not a report.
    let report = faceauth::crypto::diagnose(&input, &key).context("cannot diagnose the text")?;
    let best = report.best();
    let read = report.normalization;
    let mut out = crate::output::stdout();
    if args.json {
        let report = report.to_json();
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        if !read.is_empty() {
            writeln!(out, "text read as: {read}\n")?;
        }
        for (variant, outcome) in &report.results {
            let line = match outcome {
                Outcome::Decrypted { plaintext, is_json, authenticated } => {
                    let what = match (authenticated, is_json) {
                        (true, _) => "tag verified",
                        (false, true) => "JSON",
                        (false, false) => "text, not JSON",
                    };
                    format!("ok    {what}: {plaintext}")
                }
                Outcome::Failed(err) => format!("no    {err}"),
            };
            writeln!(out, "{:<20} {line}", variant.id())?;
        }
        match best {
            Some(variant) if variant.is_default() => {
                writeln!(out, "\nbest match: {variant} (a default; use --scheme {})", variant.scheme())?
            }
            Some(variant) => {
                writeln!(out, "\nbest match: {variant} (not a default; use --scheme {variant})")?
            }
            None => writeln!(
                out,
                "\nno variant decrypts this with this key: check the key, and that the text is whole"
            )?,
        }
    }
    Ok(if best.is_some() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NO_MATCH) })
}

/// The ciphertext from the argument or stdin, as given: the core reads it (surrounding
/// whitespace, escapes, spaces that stand for '+') and `diagnose` says what it did.
fn ciphertext_arg(arg: Option<String>) -> anyhow::Result<String> {
    let text = match arg {
        Some(text) => text,
        None => read_stdin()?,
    };
    if text.trim().is_empty() {
        bail!("no ciphertext given (pass it as an argument or on stdin)");
    }
    Ok(text)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read stdin as UTF-8 text")?;
    Ok(text)
}

fn drop_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}
