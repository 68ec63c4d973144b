//! `faceauth webhook serve`: the endpoint Argos posts webhooks to, keeping a token ledger current.
//!
//! - **Runtime.** axum on hyper 1 and a tokio runtime that lives in this command (the core has
//!   no threads and no runtime). Connections are tasks; the limits on heads, bodies, requests
//!   and connections are in [`http`]. Ledger calls run on ledger threads ([`ledger_pool`]: one
//!   per `--workers` for PostgreSQL, each with its own connection; one for SQLite and
//!   `:memory:`, which write one transaction at a time); confirmations with Argos, which block
//!   for an HTTP call, on tokio's blocking threads, `--workers` at a time.
//! - **Deadlines.** A call that no ledger thread has started within [`ledger_pool::QUEUE_DEADLINE`] is
//!   dropped (never made) and answered 503. A call that started is always waited for: it may
//!   commit, and 503 promises that nothing changed. The ledger bounds its own waits instead
//!   ([`LEDGER_WAIT`]: SQLite's busy timeout, PostgreSQL's lock, statement and connect
//!   timeouts), failing without a change, so an answer comes within about 4 s.
//! - **Authenticity.** Argos signs nothing, so each `faceAuth` result is confirmed with Argos
//!   before it is recorded ([`crate::confirm`]); `--unverified` applies webhooks as posted.
//!   `--allow-from` limits who may post ([`crate::allow`]).
//! - **Answers.** 200 only after the ledger committed, and only after the request's line is on
//!   stdout (flushed); 400 for a body that is not a valid webhook, 403 from outside
//!   `--allow-from`, 408 for a body that stalls or is too slow, 413 over `--max-body`, 431 for
//!   a head over 16 KiB, 422 for a webhook refused as unconfirmed, 503 when Argos cannot be
//!   asked or the ledger fails or is too slow (nothing changed), 404 for another path, 405 for
//!   another method. One exception: stdout fails after a commit (full disk, file size limit):
//!   503, and the server stops and exits 1. The sender's retry applies the same webhook again,
//!   which changes nothing more (a webhook applied twice converges), and prints its line.
//! - **Shutdown.** SIGTERM or SIGINT: no new connections are taken, requests in flight finish,
//!   and the command exits 0 within [`http::SHUTDOWN_DEADLINE`].

mod http;
mod ledger_pool;
mod metrics;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::Args;
use faceauth::api::DEFAULT_BASE_URL;
use faceauth::crypto::{check_key_text, Cipher, Variant};
use faceauth::token::{LedgerError, LedgerLocation, OpenOptions};
use faceauth::webhook::WebhookError;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::allow::{AllowList, Cidr};
use crate::confirm::Verification;
use crate::exit::UsageError;
use ledger_pool::{Applied, LedgerFile, LedgerPool, SharedLedger, Stopper};
use metrics::{LogFormat, Logged, Metrics};

/// How long the ledger itself waits for another connection's lock (SQLite's busy timeout;
/// PostgreSQL's `lock_timeout`, `statement_timeout` and connect timeout) before failing with
/// nothing changed. With [`ledger_pool::QUEUE_DEADLINE`], under the 5 s a retrying sender is promised.
pub const LEDGER_WAIT: Duration = Duration::from_millis(2500);

/// The options of `faceauth webhook serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on, HOST:PORT (port 0 picks a free one; the address bound is
    /// printed on stderr).
    #[arg(long, value_name = "HOST:PORT")]
    listen: String,
    /// The path webhooks are POSTed to.
    #[arg(long, default_value = "/webhook", value_name = "PATH")]
    path: String,
    /// The token ledger: an SQLite file path (created if missing), or a PostgreSQL database,
    /// postgres://USER@HOST:PORT/DB (the password from PGPASSWORD or ~/.pgpass, or in the
    /// URL). Default: FACEAUTH_LEDGER, else FACEAUTH_TOKENS_DB; one of them is required.
    #[arg(long, visible_alias = "db", value_name = "PATH|URL")]
    ledger: Option<std::path::PathBuf>,
    /// The key of the ID check project's webhook encryption, for `{"data": "…"}` bodies. Prefer
    /// FACEAUTH_WEBHOOK_KEY: other users of this machine can read command lines.
    #[arg(long, env = "FACEAUTH_WEBHOOK_KEY", hide_env_values = true, value_name = "KEY")]
    webhook_key: Option<String>,
    /// Encryption scheme of encrypted bodies: ecb (default), gcm, cbc, or a variant id from
    /// `faceauth diagnose`.
    #[arg(long, default_value = "ecb", value_name = "SCHEME", value_parser = crate::key::parse_variant)]
    scheme: Variant,
    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..))]
    max_body: u64,
    /// How many webhooks are confirmed with Argos at once, and, for a PostgreSQL ledger, how
    /// many connections commit at once (one ledger thread each).
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
    /// How many connections are served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 4096, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// The FaceAuth project's API key, to confirm each result with Argos (GET /faceauth).
    /// Required unless --unverified.
    #[command(flatten)]
    api_key: crate::key::ApiKeyArgs,
    /// The REST base URL results are confirmed against (the simulator's, in tests).
    #[arg(long, env = "FACEAUTH_BASE_URL", hide_env_values = true, default_value = DEFAULT_BASE_URL,
          value_name = "URL")]
    base_url: String,
    /// Apply webhooks as posted, without confirming them with Argos: anyone who can reach the
    /// server can then mark a token completed. For tests and closed networks.
    #[arg(long)]
    unverified: bool,
    /// Answer 403 to requests from outside these address blocks (comma-separated CIDR, such as
    /// 10.0.0.0/8,127.0.0.1).
    #[arg(long, value_name = "CIDR,…", value_delimiter = ',', value_parser = parse_cidr)]
    allow_from: Vec<Cidr>,
    /// Proxies whose X-Forwarded-For names the client for --allow-from (comma-separated
    /// addresses or CIDR); from anyone else the header is ignored.
    #[arg(long, value_name = "CIDR,…", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxy: Vec<Cidr>,
    /// How the one line per request on stderr is written: text, or json (one object a line).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    log_format: LogFormat,
}

/// `--allow-from` and `--trusted-proxy` values, checked while the command line is parsed.
fn parse_cidr(text: &str) -> Result<Cidr, String> {
    text.parse()
}

impl Drop for ServeArgs {
    fn drop(&mut self) {
        if let Some(key) = &mut self.webhook_key {
            zeroize::Zeroize::zeroize(key);
        }
    }
}

impl ServeArgs {
    /// The ledger's location: --ledger, FACEAUTH_LEDGER or FACEAUTH_TOKENS_DB.
    fn location(&self) -> anyhow::Result<String> {
        match crate::ledger_arg::resolve(self.ledger.as_ref()) {
            Some((path, _)) => crate::ledger_arg::text(path),
            None => Err(UsageError(
                "no ledger: pass --ledger or set FACEAUTH_LEDGER (a file path or postgres://…)".to_owned(),
            )
            .into()),
        }
    }

    /// The cipher for `--webhook-key` and `--scheme`, under the one key rule.
    fn cipher(&self) -> anyhow::Result<Option<Cipher>> {
        match self.webhook_key.as_deref() {
            None => Ok(None),
            Some(key) => {
                check_key_text(key)
                    .context("the webhook key from --webhook-key or FACEAUTH_WEBHOOK_KEY is not usable")?;
                Ok(Some(Cipher::from_key_string(key, self.scheme)?))
            }
        }
    }
}

/// What every request shares.
struct Shared {
    path: String,
    max_body: u64,
    cipher: Option<Cipher>,
    ledger: LedgerPool,
    verification: Verification,
    /// Confirmations with Argos under way at once: `--workers`.
    confirmations: Semaphore,
    allow: AllowList,
    /// Requests between their head and their answer.
    in_flight: AtomicUsize,
    metrics: Arc<Metrics>,
    log_format: LogFormat,
}

/// Runs `faceauth webhook serve` until SIGTERM or SIGINT.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.path.starts_with('/') || args.path == "/healthz" || args.path == "/metrics" {
        return Err(UsageError(format!(
            "--path must start with / and be neither /healthz nor /metrics: {:?}",
            faceauth::excerpt(&args.path)
        ))
        .into());
    }
    let cipher = args.cipher()?;
    let given = args.location()?;
    let verification = verification(&args)?;
    let workers = usize::from(args.workers);
    let (ledgers, location) = open_ledgers(&given, workers)?;
    let stopper = Stopper::new();
    let metrics = Arc::new(Metrics::new());
    let ledger = LedgerPool::start(ledgers, LedgerFile::at(&location), stopper.clone(), metrics.clone())?;

    let listener = std::net::TcpListener::bind(args.listen.as_str())
        .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
        .map_err(|err| anyhow!("cannot listen on {}: {err}", faceauth::excerpt(&args.listen)))?;
    let bound = listener.local_addr().context("cannot read the address listened on")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("serve")
        .max_blocking_threads(workers + 1)
        .build()
        .context("cannot start the server's runtime")?;
    let shared = Arc::new(Shared {
        path: args.path.clone(),
        max_body: args.max_body,
        cipher,
        ledger,
        verification,
        confirmations: Semaphore::new(workers),
        allow: AllowList::new(args.allow_from.clone(), args.trusted_proxy.clone()),
        in_flight: AtomicUsize::new(0),
        metrics,
        log_format: args.log_format,
    });
    let app = http::with_limits(Router::new().fallback(route).with_state(shared.clone()))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), admit_and_log));
    let max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let path = args.path.clone();
    let (metrics, log_format) = (shared.metrics.clone(), args.log_format);
    let refused = move |refusal: http::Refusal, err: &hyper::Error| {
        metrics.connection_error(refusal.name());
        // Idle keep-alive connections closing are routine: counted, not logged.
        if refusal != http::Refusal::Idle {
            crate::output::note(log_format.connection_line(
                refusal.name(),
                refusal.status(),
                &err.to_string(),
            ));
        }
    };
    let listening = || crate::output::note(format_args!("faceauth: listening on http://{bound}{path}"));
    let finished =
        runtime.block_on(http::run(listener, app, stopper.clone(), max_connections, listening, refused))?;
    if !finished {
        crate::output::note(format_args!(
            "faceauth: webhook serve: {} requests still in flight after {} s, abandoned",
            shared.in_flight.load(Ordering::Relaxed),
            http::SHUTDOWN_DEADLINE.as_secs_f32()
        ));
    }
    // Requests still running (past the deadline) are abandoned with the process.
    runtime.shutdown_background();
    if let Some(err) = stopper.failure() {
        return Err(anyhow::Error::new(err).context("cannot write the webhook lines to stdout"));
    }
    crate::output::note("faceauth: webhook serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Opens the ledger at `given` for the ledger threads. A ledger object holds one database
/// connection and makes one call at a time. PostgreSQL commits from several connections at
/// once, so each worker gets one; SQLite writes one transaction at a time whatever the
/// connections, and `:memory:` is one map, so they get one ledger and one thread: a call that
/// waits for it waits in the queue, where it can still be dropped.
fn open_ledgers(given: &str, workers: usize) -> anyhow::Result<(Vec<SharedLedger>, LedgerLocation)> {
    let location = crate::ledger_store::location(std::path::Path::new(given))?;
    if let Some(path) = location.path() {
        crate::ledger_store::warn_if_shared(path);
    }
    let options = OpenOptions::new().wait(LEDGER_WAIT);
    let open = || -> anyhow::Result<SharedLedger> {
        faceauth::token::open_ledger_with(given, &options)
            .map(Arc::from)
            .with_context(|| format!("cannot open the token ledger {}", location.shown()))
    };
    let count = if matches!(location, LedgerLocation::Postgres(_)) { workers } else { 1 };
    let ledgers = (0..count).map(|_| open()).collect::<anyhow::Result<_>>()?;
    Ok((ledgers, location))
}

/// Why a request was refused, kept on its response for the log line.
#[derive(Clone)]
struct Reason(String);

/// What became of a webhook posted to the path, kept on its response for the metrics and
/// the log line.
#[derive(Clone, Copy)]
struct Outcome(&'static str);

/// One answer: a status and a JSON body.
struct Answer {
    status: u16,
    body: Value,
    /// The body already serialized (a webhook's output line), instead of `body`.
    text: Option<String>,
    allow: Option<&'static str>,
    outcome: Option<&'static str>,
}

impl Answer {
    fn error(status: u16, message: impl Into<String>) -> Answer {
        Answer { status, body: json!({ "error": message.into() }), text: None, allow: None, outcome: None }
    }

    fn ok(body: Value) -> Answer {
        Answer { status: 200, body, text: None, allow: None, outcome: None }
    }
}

/// The outcome of a webhook refused with `status`.
fn refusal_outcome(status: u16) -> &'static str {
    match status {
        400 => "malformed",
        403 => "forbidden",
        408 => "timed_out",
        413 => "too_large",
        422 => "refused",
        503 => "unavailable",
        _ => "failed",
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut text = self.text.unwrap_or_else(|| self.body.to_string());
        text.push('\n');
        let mut response = Response::new(Body::from(text));
        *response.status_mut() = axum::http::StatusCode::from_u16(self.status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if self.status == 503 {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status >= 400 {
            let reason = self.body.get("error").and_then(Value::as_str).unwrap_or("").to_owned();
            response.extensions_mut().insert(Reason(reason));
        }
        if let Some(outcome) = self.outcome {
            response.extensions_mut().insert(Outcome(outcome));
        }
        response
    }
}

/// Counts a request in flight while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize) -> InFlight<'a> {
        count.fetch_add(1, Ordering::Relaxed);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Outermost: `--allow-from` (403 before anything else), the metrics, and one line on stderr
/// for each request.
async fn admit_and_log(
    State(context): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let _counted = InFlight::enter(&context.in_flight);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let webhook = path == context.path && method == Method::POST;
    let response = match admitted(&context, peer, request.headers()) {
        Err(refusal) => {
            discard_body(request).await;
            let outcome = webhook.then_some("forbidden");
            Answer { outcome, ..Answer::error(403, refusal) }.into_response()
        }
        Ok(()) => next.run(request).await,
    };
    let status = response.status().as_u16();
    let outcome = response.extensions().get::<Outcome>().map(|o| o.0).or_else(|| {
        // A 408 from the request deadline comes from tower-http, without an outcome.
        (webhook && status >= 400).then(|| refusal_outcome(status))
    });
    context.metrics.answered(status, outcome);
    let reason = response.extensions().get::<Reason>().map(|r| r.0.as_str());
    let line = context.log_format.line(&Logged {
        method: method.as_str(),
        path: &path,
        status,
        outcome,
        reason,
        latency: started.elapsed(),
    });
    crate::output::note(line);
    response
}

/// The webhook path and its method, `/healthz`, `/metrics`. The webhook path is compared as
/// given, not as an axum route pattern, so any path the operator picks means itself.
async fn route(State(context): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path();
    if path == context.path && request.method() == Method::POST {
        let mut answer = webhook(context, request).await;
        answer.outcome = answer.outcome.or(Some(refusal_outcome(answer.status)));
        return answer.into_response();
    }
    let response = if path == "/healthz" {
        match *request.method() {
            Method::GET | Method::HEAD => health(&context).await.into_response(),
            _ => Answer { allow: Some("GET, HEAD"), ..Answer::error(405, "use GET") }.into_response(),
        }
    } else if path == "/metrics" {
        match *request.method() {
            Method::GET | Method::HEAD => {
                let text = context.metrics.render(context.in_flight.load(Ordering::Relaxed));
                ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
            }
            _ => Answer { allow: Some("GET, HEAD"), ..Answer::error(405, "use GET") }.into_response(),
        }
    } else if path == context.path {
        Answer { allow: Some("POST"), ..Answer::error(405, "use POST") }.into_response()
    } else {
        Answer::error(404, "no such path").into_response()
    };
    discard_body(request).await;
    response
}

/// Reads and drops the body of a request answered without it (bounded as a refused body is),
/// so that the connection can carry the client's next request.
async fn discard_body(request: Request) {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_none_or(|length| length <= DRAIN_LIMIT) {
        let _ = tokio::time::timeout(http::BODY_DEADLINE, collect(request.into_body(), 0, DRAIN_LIMIT)).await;
    }
}

/// 200 when the ledger answers a primary-key read within the deadline, else 503. The body
/// names how webhooks are checked (`"webhooks": "argos"` or `"unverified"`).
async fn health(context: &Shared) -> Answer {
    let mut answer = match context.ledger.health().await {
        Some(Ok(())) => Answer::ok(json!({ "ledger": "ok" })),
        Some(Err(err)) => Answer::error(503, format!("the ledger failed: {err}")),
        None => Answer::error(503, "the ledger did not answer in time"),
    };
    if let Value::Object(fields) = &mut answer.body {
        fields.insert("webhooks".to_owned(), json!(context.verification.name()));
    }
    answer
}

/// How webhooks will be checked: confirmed with Argos (the API key is required), or, with
/// `--unverified`, applied as posted, which is announced on stderr.
fn verification(args: &ServeArgs) -> anyhow::Result<Verification> {
    if args.unverified {
        crate::output::note(
            "faceauth: webhook serve: --unverified: webhooks are applied as posted, without \
             confirmation with Argos; anyone who can reach this server can mark a token completed",
        );
        return Ok(Verification::Unverified);
    }
    if !args.api_key.given() {
        return Err(UsageError(
            "webhook serve confirms each webhook with Argos and needs the FaceAuth API key: set \
             FACEAUTH_API_KEY or pass --api-key-file (or pass --unverified to apply webhooks as \
             posted, for tests and closed networks)"
                .to_owned(),
        )
        .into());
    }
    let key = args.api_key.key_string()?;
    Verification::confirm_with(&key, &args.base_url)
}

/// `Err` (a 403) when `--allow-from` does not admit the request's client.
fn admitted(context: &Shared, peer: SocketAddr, headers: &HeaderMap) -> Result<(), &'static str> {
    if !context.allow.restricts() {
        return Ok(());
    }
    let forwarded: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().map(|value| value.to_str().unwrap_or("\u{fffd}")).collect();
    match context.allow.client(peer.ip(), &forwarded) {
        Ok(client) if context.allow.allows(client) => Ok(()),
        Ok(_) => Err("the client is not in --allow-from"),
        Err(_) => Err("X-Forwarded-For from a trusted proxy holds a malformed address"),
    }
}

/// How much of a refused body with a declared length is read (and dropped) before the 413, so
/// that the client, still sending, reads the answer rather than a reset connection; a longer
/// one is refused unread and its connection closed.
const DRAIN_LIMIT: u64 = 4 << 20;

/// How much of an oversized chunked body is read (and dropped) before the 413.
const CHUNKED_DRAIN_LIMIT: u64 = 64 << 20;

/// Reads the body within `--max-body` and the body's deadlines.
async fn read_body(max: u64, request: Request) -> Result<Vec<u8>, Answer> {
    let too_large = || {
        Answer::error(
            413,
            format!("the body is larger than {}", crate::output::counted(max, "byte", "bytes")),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let (keep, read_up_to) = match declared {
        // Refused unread: hyper closes the connection rather than read what was declared.
        Some(length) if length > DRAIN_LIMIT && length > max => return Err(too_large()),
        Some(length) if length > max => (0, length),
        Some(length) => (length, length),
        // Chunked bodies declare no length: they are counted as they are read.
        None => (max, max.saturating_add(CHUNKED_DRAIN_LIMIT)),
    };
    match tokio::time::timeout(http::BODY_DEADLINE, collect(request.into_body(), keep, read_up_to)).await {
        Err(_elapsed) => Err(Answer::error(408, "the body did not arrive in time")),
        Ok(Ok((body, total))) if total > max || declared.is_some_and(|length| length > max) => {
            drop(body);
            Err(too_large())
        }
        Ok(Ok((body, _))) => Ok(body),
        Ok(Err(err)) if caused_by::<tower_http::timeout::TimeoutError>(&*err) => {
            Err(Answer::error(408, "the body stalled"))
        }
        Ok(Err(err)) => Err(Answer::error(400, format!("cannot read the body: {err}"))),
    }
}

/// Reads `body`, keeping its first `keep` bytes, until its end or until more than `up_to`
/// bytes were read; the bytes kept, and how many were read.
async fn collect(mut body: Body, keep: u64, up_to: u64) -> Result<(Vec<u8>, u64), axum::BoxError> {
    let mut kept = Vec::with_capacity(usize::try_from(keep.min(64 * 1024)).unwrap_or(0));
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else { continue };
        total = total.saturating_add(data.len() as u64);
        if total <= keep {
            kept.extend_from_slice(&data);
        }
        if total > up_to {
            break;
        }
    }
    Ok((kept, total))
}

/// Whether `err` or one of its sources is an `E`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if err.is::<E>() {
            return true;
        }
        next = err.source();
    }
    false
}

async fn webhook(context: Arc<Shared>, request: Request) -> Answer {
    let body = match read_body(context.max_body, request).await {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let event = match faceauth::webhook::parse(&body, context.cipher.as_ref()) {
        Ok(event) => event,
        Err(WebhookError::KeyRequired) => {
            return Answer::error(400, "the webhook is encrypted and this server has no --webhook-key")
        }
        Err(err) => return Answer::error(400, err.to_string()),
    };
    let encrypted_only = context.cipher.is_some();
    let checked = if matches!(context.verification, Verification::Confirm(_)) {
        // One blocking API call: on a blocking thread, `--workers` at a time.
        let Ok(_permit) = context.confirmations.acquire().await else {
            return Answer::error(503, "the server is stopping");
        };
        let shared = context.clone();
        match tokio::task::spawn_blocking(move || shared.verification.check(event, encrypted_only)).await {
            Ok(checked) => checked,
            Err(_) => return Answer::error(503, "the confirmation did not finish"),
        }
    } else {
        context.verification.check(event, encrypted_only)
    };
    let apply = match checked {
        Ok(apply) => apply,
        Err(refusal) => return Answer::error(refusal.status, refusal.reason),
    };
    match context.ledger.apply(apply).await {
        None => Answer::error(503, "the ledger did not answer in time"),
        Some(Applied::Failed(err @ LedgerError::Storage { .. })) => {
            Answer::error(503, format!("the ledger failed: {err}"))
        }
        Some(Applied::Failed(err)) => Answer::error(500, format!("the ledger refused the webhook: {err}")),
        Some(Applied::Refused(reason)) => {
            Answer::error(crate::confirm::REFUSED, format!("refused: {reason}"))
        }
        Some(Applied::Unprinted) => Answer::error(503, "the receiver cannot write its output; it stops"),
        Some(Applied::Printed(line, outcome)) => {
            Answer { outcome: Some(outcome), text: Some(line), ..Answer::ok(Value::Null) }
        }
    }
}
