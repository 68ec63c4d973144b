//! `faceauth webhook parse` and `faceauth webhook serve` (in [`crate::serve`]).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use faceauth::crypto::{Cipher, Variant};
use faceauth::webhook::WebhookError;

#[derive(Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    command: WebhookCommand,
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Parse a webhook request body (decrypting it if needed) and print the event as JSON.
    Parse(ParseArgs),
    /// Receive webhooks over HTTP, apply each to a token ledger, and print one JSON line per
    /// webhook accepted (200): {"webhook": …, "ledger": …}. Runs until SIGTERM or SIGINT.
    Serve(crate::serve::ServeArgs),
}

#[derive(Args)]
struct ParseArgs {
    /// A file holding the raw request body; stdin when absent or "-".
    file: Option<PathBuf>,
    /// The key of the ID check project's webhook encryption, for `{"data": "…"}` bodies. Prefer
    /// FACEAUTH_WEBHOOK_KEY: other users of this machine can read command lines.
    #[arg(long, env = "FACEAUTH_WEBHOOK_KEY", hide_env_values = true, value_name = "KEY")]
    key: Option<String>,
    /// Encryption scheme of encrypted bodies: ecb (default), gcm, cbc, or a variant id from
    /// `faceauth diagnose`.
    #[arg(long, default_value = "ecb", value_name = "SCHEME", value_parser = crate::key::parse_variant)]
    scheme: Variant,
}

impl ParseArgs {
    /// The cipher for `--key` and `--scheme`, if a key was given.
    fn cipher(&self) -> anyhow::Result<Option<Cipher>> {
        let variant = self.scheme;
        match self.key.as_deref() {
            None | Some("") => Ok(None),
            Some(key) => Ok(Some(Cipher::from_key_string(key, variant)?)),
        }
    }

    /// The raw body, as bytes: invalid UTF-8 is reported by the parser, not here.
    fn body(&self) -> anyhow::Result<Vec<u8>> {
        match &self.file {
            Some(path) if path.as_os_str() != "-" => {
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
            }
            _ => {
                let mut body = Vec::new();
                std::io::stdin().read_to_end(&mut body).context("cannot read stdin")?;
                Ok(body)
            }
        }
    }
}

impl Drop for ParseArgs {
    fn drop(&mut self) {
        if let Some(key) = &mut self.key {
            zeroize::Zeroize::zeroize(key);
        }
    }
}

pub fn webhook(args: WebhookArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        WebhookCommand::Parse(args) => parse(&args),
        WebhookCommand::Serve(args) => crate::serve::serve(args),
    }
}

fn parse(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let cipher = args.cipher()?;
    let body = args.body()?;
    let event = match faceauth::webhook::parse(&body, cipher.as_ref()) {
        Ok(event) => event,
        Err(WebhookError::KeyRequired) => {
            bail!("the webhook is encrypted: pass --key or set FACEAUTH_WEBHOOK_KEY")
        }
        Err(err) => return Err(anyhow::Error::new(err).context("cannot parse the webhook")),
    };
    crate::output::line(serde_json::to_string_pretty(&event.to_json())?)?;
    Ok(ExitCode::SUCCESS)
}
