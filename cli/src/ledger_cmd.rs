//! `faceauth ledger`: the token ledger (SQLite or PostgreSQL) from the shell.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use faceauth::crypto::{Cipher, Variant};
use faceauth::token::time::{format_rfc3339, parse_duration, parse_rfc3339};
use faceauth::token::{Durability, LinkIssuer, ListFilter, StateKind, TokenLedger, TokenRule};
use faceauth::webhook::WebhookError;
use serde_json::{json, Value};

use crate::ledger_store::{Ledger, Location};
use crate::url_cmd::{LinkArgs, ParamArgs};

#[derive(Args)]
pub struct LedgerArgs {
    /// The ledger: an SQLite file path (created if missing by the commands that write), or a
    /// PostgreSQL database, postgres://USER@HOST:PORT/DB (tables created if missing; shared by
    /// every host; the password from PGPASSWORD or ~/.pgpass, or in the URL). Default:
    /// FACEAUTH_LEDGER, else FACEAUTH_TOKENS_DB, else $XDG_DATA_HOME/faceauth/tokens.db, else
    /// $HOME/.local/share/faceauth/tokens.db.
    #[arg(long, visible_alias = "db", global = true, value_name = "PATH|URL")]
    ledger: Option<PathBuf>,
    #[command(subcommand)]
    command: LedgerCommand,
}

/// The option of the commands that write to the ledger.
#[derive(Args)]
struct WriteArgs {
    /// full: every commit is on disk before the command goes on (SQLite synchronous=FULL,
    /// PostgreSQL synchronous_commit=on); normal: faster, and a power cut (SQLite) or a crash
    /// of the server (PostgreSQL), not a crash of this command, may lose the last commits.
    #[arg(long, default_value = "full", value_name = "MODE", value_parser = durability)]
    durability: Durability,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Mint tokens, record them, and print one JSON line per link: {"url", "token", "rule"}.
    Issue(Box<IssueArgs>),
    /// Print a token's state and record as JSON; exit 1 if it is not in the ledger. Reads
    /// only: never waits for a writer.
    Status {
        /// The token id.
        token: String,
    },
    /// Record that a token was used (opened) now, or at --at; print its state as JSON.
    MarkUsed {
        /// The token id.
        token: String,
        /// When it was used (RFC 3339); default now.
        #[arg(long, value_name = "TIME", value_parser = rfc3339)]
        at: Option<SystemTime>,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Print the tokens that match, one JSON line each, in order of issue. Reads only: never
    /// waits for a writer.
    List(ListArgs),
    /// Match a webhook body (file or stdin) to its token, record it, and print the outcome;
    /// exit 5 if it matched no token (an unknown token, or none in the event).
    ApplyWebhook(ApplyArgs),
    /// Delete every token issued longer ago than --older-than, whatever its state.
    Purge {
        /// Age, as a number and unit: 30d, 12h, 90m, 3600 (seconds).
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        older_than: Duration,
        #[command(flatten)]
        write: WriteArgs,
    },
}

#[derive(Args)]
struct IssueArgs {
    #[command(flatten)]
    link: LinkArgs,
    #[command(flatten)]
    params: ParamArgs,
    /// The project's token rule: count, or time:SECONDS (also time:24h, time:90m).
    #[arg(long, value_name = "RULE", value_parser = rule)]
    rule: TokenRule,
    /// Metadata kept in the ledger with each token (repeatable).
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = key_value)]
    meta: Vec<(String, String)>,
    /// How many links to issue, each with its own token and transaction.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Args)]
struct ListArgs {
    /// Only tokens in this state now: unused, active, completed or expired.
    #[arg(long, value_name = "STATE", value_parser = state)]
    state: Option<StateKind>,
    /// Only tokens for this submission id.
    #[arg(long, value_name = "SID")]
    submission: Option<String>,
    /// Only tokens issued at or after this time (RFC 3339, or a date).
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    since: Option<SystemTime>,
    /// Only tokens issued before this time (RFC 3339, or a date).
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    until: Option<SystemTime>,
    /// At most this many tokens.
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Args)]
struct ApplyArgs {
    /// A file holding the raw request body; stdin when absent or "-".
    file: Option<PathBuf>,
    /// The key of the ID check project's webhook encryption, for `{"data": "…"}` bodies. Prefer
    /// FACEAUTH_WEBHOOK_KEY: other users of this machine can read command lines.
    #[arg(long, env = "FACEAUTH_WEBHOOK_KEY", hide_env_values = true, value_name = "KEY")]
    webhook_key: Option<String>,
    /// Encryption scheme of encrypted bodies: ecb (default), gcm, cbc, or a variant id from
    /// `faceauth diagnose`.
    #[arg(long, default_value = "ecb", value_name = "SCHEME", value_parser = variant)]
    scheme: Variant,
    #[command(flatten)]
    write: WriteArgs,
}

impl Drop for ApplyArgs {
    fn drop(&mut self) {
        if let Some(key) = &mut self.webhook_key {
            zeroize::Zeroize::zeroize(key);
        }
    }
}

/// Parses `--rule` (shared with `batch`): a malformed rule is a usage error.
pub(crate) fn rule(text: &str) -> Result<TokenRule, String> {
    text.parse().map_err(|e: faceauth::token::LedgerError| e.to_string())
}

/// Parses `--durability` (shared with `batch`).
pub(crate) fn durability(text: &str) -> Result<Durability, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "full" => Ok(Durability::Full),
        "normal" => Ok(Durability::Normal),
        _ => Err("expected full or normal".to_owned()),
    }
}

fn variant(text: &str) -> Result<Variant, String> {
    text.parse().map_err(|e: faceauth::crypto::CryptoError| e.to_string())
}

fn state(text: &str) -> Result<StateKind, String> {
    text.parse().map_err(|e: faceauth::token::LedgerError| e.to_string())
}

fn rfc3339(text: &str) -> Result<SystemTime, String> {
    parse_rfc3339(text).ok_or_else(|| "expected an RFC 3339 time (2025-11-12T02:23:13Z) or a date".to_owned())
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| "expected a number and a unit: 30d, 12h, 90m, 45s, 500ms".to_owned())
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err("expected KEY=VALUE with a non-empty KEY".to_owned()),
    }
}

impl LedgerArgs {
    /// The ledger: --ledger, FACEAUTH_LEDGER or FACEAUTH_TOKENS_DB, or the default file in the
    /// user's data directory (whose directory is created when `create` is set).
    fn location(&self, create: bool) -> anyhow::Result<Location> {
        if let Some((given, _)) = crate::ledger_arg::resolve(self.ledger.as_ref()) {
            return crate::ledger_store::location(&given);
        }
        let data = match std::env::var_os("XDG_DATA_HOME").map(PathBuf::from) {
            // The XDG spec says to ignore relative paths.
            Some(dir) if dir.is_absolute() => dir,
            _ => match std::env::var_os("HOME") {
                Some(home) if !home.is_empty() => PathBuf::from(home).join(".local").join("share"),
                _ => {
                    return Err(crate::exit::UsageError(
                        "no --ledger given, FACEAUTH_LEDGER is not set, and neither XDG_DATA_HOME nor HOME is set"
                            .to_owned(),
                    )
                    .into())
                }
            },
        };
        let dir = data.join("faceauth");
        if create {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(Location::File(dir.join("tokens.db")))
    }

    /// The ledger, for writing (created if missing).
    fn open(&self, write: &WriteArgs) -> anyhow::Result<Ledger> {
        Ledger::open(&self.location(true)?, write.durability, false)
    }

    /// The ledger, for reading only: never created, migrated or locked against writers (a
    /// PostgreSQL ledger reads in READ ONLY transactions).
    fn open_read_only(&self) -> anyhow::Result<Ledger> {
        Ledger::open(&self.location(false)?, Durability::Full, true)
    }
}

pub fn ledger(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        LedgerCommand::Issue(issue_args) => issue(args.open(&issue_args.write)?.get(), issue_args),
        LedgerCommand::Status { token } => {
            let ledger = args.open_read_only()?;
            match ledger.get().status(token, SystemTime::now())? {
                Some(status) => print_line(&status.to_json()),
                None => bail!("token {} is not in the ledger {}", faceauth::excerpt(token), ledger.shown()),
            }
        }
        LedgerCommand::MarkUsed { token, at, write } => {
            let status = args.open(write)?.get().mark_used(token, at.unwrap_or_else(SystemTime::now))?;
            print_line(&status.to_json())
        }
        LedgerCommand::List(list_args) => list(args.open_read_only()?.get(), list_args),
        LedgerCommand::ApplyWebhook(apply_args) => {
            apply_webhook(args.open(&apply_args.write)?.get(), apply_args)
        }
        LedgerCommand::Purge { older_than, write } => {
            let opened = args.open(write)?;
            let ledger = opened.get();
            let now = SystemTime::now();
            let cutoff = now.checked_sub(*older_than).unwrap_or(UNIX_EPOCH);
            let purged = ledger.purge(cutoff)?;
            print_line(&json!({ "purged": purged, "issued_before": format_rfc3339(cutoff) }))
        }
    }
}

fn print_line(value: &Value) -> anyhow::Result<ExitCode> {
    let mut out = crate::output::stdout();
    writeln!(out, "{value}")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn issue(ledger: &dyn TokenLedger, args: &IssueArgs) -> anyhow::Result<ExitCode> {
    let builder = args.link.builder()?;
    let params = args.params.params();
    let metadata = args.meta.iter().cloned().collect();
    let mut issuer = LinkIssuer::new(&builder, ledger);
    let mut out = std::io::BufWriter::new(crate::output::stdout());
    for done in 0..args.count {
        // One transaction per link: a link is printed only once its token is recorded.
        let link = match issuer.issue(args.rule, &params, &metadata, SystemTime::now()) {
            Ok(link) => link,
            Err(err) => {
                out.flush().ok();
                let err = anyhow::Error::new(err);
                return Err(if done == 0 {
                    err
                } else {
                    err.context(format!("issued {}, then", crate::output::counted(done, "link", "links")))
                });
            }
        };
        writeln!(out, "{}", link.to_json()).context("cannot write the output")?;
    }
    out.flush().context("cannot write the output")?;
    Ok(ExitCode::SUCCESS)
}

fn list(ledger: &dyn TokenLedger, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let mut filter = ListFilter::new();
    if let Some(state) = args.state {
        filter = filter.state(state);
    }
    if let Some(submission) = &args.submission {
        filter = filter.submission(submission);
    }
    if let Some(since) = args.since {
        filter = filter.since(since);
    }
    if let Some(until) = args.until {
        filter = filter.until(until);
    }
    if let Some(limit) = args.limit {
        filter = filter.limit(limit);
    }
    let mut out = std::io::BufWriter::new(crate::output::stdout());
    for status in ledger.list(&filter, SystemTime::now())? {
        writeln!(out, "{}", status.to_json()).context("cannot write the output")?;
    }
    out.flush().context("cannot write the output")?;
    Ok(ExitCode::SUCCESS)
}

fn apply_webhook(ledger: &dyn TokenLedger, args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let variant = args.scheme;
    let cipher = match args.webhook_key.as_deref() {
        None | Some("") => None,
        Some(key) => Some(Cipher::from_key_string(key, variant)?),
    };
    let body = match &args.file {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        _ => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).context("cannot read stdin")?;
            body
        }
    };
    let event = match faceauth::webhook::parse(&body, cipher.as_ref()) {
        Ok(event) => event,
        Err(WebhookError::KeyRequired) => {
            bail!("the webhook is encrypted: pass --webhook-key or set FACEAUTH_WEBHOOK_KEY")
        }
        Err(err) => return Err(anyhow::Error::new(err).context("cannot parse the webhook")),
    };
    let outcome = ledger.apply_webhook(&event, SystemTime::now())?;
    let matched = outcome.matched();
    let line = outcome.to_json(&event);
    print_line(&line)?;
    Ok(if matched { ExitCode::SUCCESS } else { ExitCode::from(crate::exit::NO_MATCHING_TOKEN) })
}
