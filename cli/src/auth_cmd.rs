//! `faceauth auth submit|get|list|image|delete`: the FaceAuth REST API.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use faceauth::api::{CallOptions, Cancel, Client, ListQuery, Submission, DEFAULT_BASE_URL};
use serde_json::json;

use crate::key::ApiKeyArgs;

#[derive(Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
    #[command(flatten)]
    client: ClientArgs,
}

/// Connection options shared by every `auth` command.
#[derive(Args)]
struct ClientArgs {
    #[command(flatten)]
    key: ApiKeyArgs,
    /// The REST base URL (the simulator's, in tests).
    #[arg(long, global = true, env = "FACEAUTH_BASE_URL", hide_env_values = true, default_value = DEFAULT_BASE_URL, value_name = "URL")]
    base_url: String,
    /// Seconds one attempt may take.
    #[arg(long, global = true, default_value_t = 60.0, value_name = "SECONDS")]
    timeout: f64,
    /// How many times a failed GET or DELETE is repeated.
    #[arg(long, global = true, default_value_t = 2)]
    max_retries: u32,
    /// A PEM bundle of the CAs to trust instead of the built-in roots (a TLS-inspecting
    /// gateway's).
    #[arg(
        long,
        global = true,
        env = "FACEAUTH_CA_FILE",
        hide_env_values = true,
        value_name = "FILE",
        conflicts_with = "platform_roots"
    )]
    ca_file: Option<PathBuf>,
    /// Trust the operating system's certificate store instead of the built-in roots.
    #[arg(long, global = true)]
    platform_roots: bool,
    /// The HTTP proxy (http://[user:password@]host:port); by default HTTPS_PROXY, HTTP_PROXY
    /// or ALL_PROXY, unless NO_PROXY names the host.
    #[arg(
        long,
        global = true,
        env = "FACEAUTH_PROXY",
        hide_env_values = true,
        value_name = "URL",
        conflicts_with = "no_proxy"
    )]
    proxy: Option<String>,
    /// Use no proxy, whatever the environment says.
    #[arg(long, global = true)]
    no_proxy: bool,
}

impl ClientArgs {
    fn client(&self) -> anyhow::Result<Client> {
        let key = self.key.key_string()?;
        let timeout = Duration::try_from_secs_f64(self.timeout)
            .map_err(|_| crate::exit::UsageError("--timeout must be a positive number".to_owned()))?;
        let mut builder = Client::builder(&key)
            .base_url(&self.base_url)
            .timeout(timeout)
            .max_retries(self.max_retries)
            .platform_roots(self.platform_roots)
            .proxy_from_env(!self.no_proxy)
            .binding("cli");
        if let Some(ca_file) = &self.ca_file {
            builder = builder.ca_file(ca_file);
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy);
        }
        Ok(builder.build()?)
    }
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Compare a selfie with an approved ID check submission (POST /faceauth); prints the result.
    Submit {
        /// The approved ID check submission id.
        #[arg(long)]
        submission_id: String,
        /// The selfie (JPEG or PNG; 960x720 recommended).
        #[arg(long, value_name = "FILE")]
        image: PathBuf,
        /// userId.
        #[arg(long)]
        user_id: Option<String>,
        /// cf1.
        #[arg(long)]
        cf1: Option<String>,
        /// cf2.
        #[arg(long)]
        cf2: Option<String>,
        /// cf3.
        #[arg(long)]
        cf3: Option<String>,
    },
    /// Print one result as JSON.
    Get {
        /// The auth id.
        auth_id: String,
    },
    /// Print every result as JSON lines, following pages to the end.
    List {
        /// First day, yyyy-mm-dd (with --end-date).
        #[arg(long, requires = "end_date")]
        start_date: Option<String>,
        /// Last day, yyyy-mm-dd (with --start-date).
        #[arg(long, requires = "start_date")]
        end_date: Option<String>,
        /// Rows per page, 1-2000.
        #[arg(long)]
        count: Option<u32>,
    },
    /// Save the selfie of a result to a file.
    Image {
        /// The auth id.
        auth_id: String,
        /// Where to write the image.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Erase the image and personal data of a result.
    Delete {
        /// The auth id.
        auth_id: String,
    },
}

/// Ctrl-C (SIGINT) cancels the call in flight, which then fails as `cancelled` (exit 130)
/// with the connection closed; a second Ctrl-C exits at once.
fn cancel_on_ctrl_c() -> anyhow::Result<Cancel> {
    let cancel = Cancel::new();
    let mut signals =
        signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT]).context("cannot handle SIGINT")?;
    let trigger = cancel.clone();
    std::thread::spawn(move || {
        let mut signals = signals.forever();
        if signals.next().is_some() {
            trigger.cancel();
        }
        if signals.next().is_some() {
            std::process::exit(i32::from(crate::exit::CANCELLED));
        }
    });
    Ok(cancel)
}

pub fn auth(args: AuthArgs) -> anyhow::Result<ExitCode> {
    let client = args.client.client()?;
    let options = CallOptions::new().cancel(&cancel_on_ctrl_c()?);
    let mut out = crate::output::stdout();
    match args.command {
        AuthCommand::Submit { submission_id, image, user_id, cf1, cf2, cf3 } => {
            let bytes = std::fs::read(&image).with_context(|| format!("cannot read {}", image.display()))?;
            let name = image.file_name().and_then(|n| n.to_str()).unwrap_or("face.jpg");
            let mut submission = Submission::new(&submission_id, &bytes).file_name(name);
            if let Some(value) = &user_id {
                submission = submission.user_id(value);
            }
            if let Some(value) = &cf1 {
                submission = submission.cf1(value);
            }
            if let Some(value) = &cf2 {
                submission = submission.cf2(value);
            }
            if let Some(value) = &cf3 {
                submission = submission.cf3(value);
            }
            let result = client.submit_with(&options, &submission)?;
            writeln!(out, "{}", result.to_json())?;
        }
        AuthCommand::Get { auth_id } => writeln!(out, "{}", client.get_with(&options, &auth_id)?.to_json())?,
        AuthCommand::List { start_date, end_date, count } => {
            let mut query = ListQuery::new();
            if let (Some(start), Some(end)) = (&start_date, &end_date) {
                query = query.dates(start, end);
            }
            if let Some(count) = count {
                query = query.count(count);
            }
            let mut records = client.list_with(&options, &query)?;
            for record in records.by_ref() {
                writeln!(out, "{}", record?.to_json())?;
            }
            if let Some(incomplete) = records.incomplete() {
                out.flush()?;
                crate::output::note(format_args!(
                    "faceauth: warning: the listing may be incomplete: {incomplete}"
                ));
            }
        }
        AuthCommand::Image { auth_id, output } => {
            let image = client.image_with(&options, &auth_id)?;
            std::fs::write(&output, &image.bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            let summary = json!({"file": output.display().to_string(), "bytes": image.bytes.len(), "content_type": image.content_type});
            writeln!(out, "{summary}")?;
        }
        AuthCommand::Delete { auth_id } => {
            client.delete_with(&options, &auth_id)?;
            writeln!(out, "{}", json!({"deleted": auth_id}))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
