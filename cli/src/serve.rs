//! `faceauth webhook serve`: the endpoint Argos posts webhooks to, keeping a token ledger current.
//!
//! - **Threads.** `tiny_http` accepts connections and reads request heads on its own threads;
//!   `--workers` threads (default 4) take requests from it, read and parse bodies and answer.
//!   Ledger calls run on ledger threads (one per worker, each with its own connection, for
//!   PostgreSQL; one for SQLite and `:memory:`, which write one transaction at a time), fed
//!   through a queue. The core has no threads: they all live here.
//! - **Deadlines.** A call that no ledger thread has started within [`QUEUE_DEADLINE`] is
//!   dropped (never made) and answered 503. A call that started is always waited for: it may
//!   commit, and 503 promises that nothing changed. The ledger bounds its own waits instead
//!   ([`LEDGER_WAIT`]: SQLite's busy timeout, PostgreSQL's lock, statement and connect
//!   timeouts), failing without a change, so an answer comes within about 4 s.
//! - **Authenticity.** Argos signs nothing, so each `faceAuth` result is confirmed with Argos
//!   before it is recorded ([`crate::confirm`]); `--unverified` applies webhooks as posted.
//!   `--allow-from` limits who may post ([`crate::allow`]).
//! - **Answers.** 200 only after the ledger committed, and only after the request's line is on
//!   stdout (flushed); 400 for a body that is not a valid webhook, 403 from outside
//!   `--allow-from`, 413 over `--max-body`, 422 for a webhook refused as unconfirmed, 503
//!   when Argos cannot be asked or the ledger fails or is too slow (nothing changed), 404 for
//!   another path, 405 for another method. One exception: stdout fails after a commit (full
//!   disk, file size limit): 503, and the server stops and exits 1. The sender's retry applies
//!   the same webhook again, which changes nothing more (a webhook applied twice converges),
//!   and prints its line.
//! - **Shutdown.** SIGTERM or SIGINT: workers stop taking requests, finish the ones they hold
//!   and those already queued, and the command exits 0 within [`SHUTDOWN_DEADLINE`].

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, Context};
use clap::Args;
use faceauth::api::DEFAULT_BASE_URL;
use faceauth::crypto::{check_key_text, Cipher, Variant};
use faceauth::token::{LedgerError, LedgerLocation, OpenOptions, TokenLedger};
use faceauth::webhook::WebhookError;
use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::allow::{AllowList, Cidr};
use crate::confirm::{Apply, Verification};
use crate::exit::UsageError;

/// How long a ledger call may wait in the queue: one not started by then is never made, and
/// the worker answers 503.
pub const QUEUE_DEADLINE: Duration = Duration::from_millis(1500);

/// How long the ledger itself waits for another connection's lock (SQLite's busy timeout;
/// PostgreSQL's `lock_timeout`, `statement_timeout` and connect timeout) before failing with
/// nothing changed. With [`QUEUE_DEADLINE`], under the 5 s a retrying sender is promised.
pub const LEDGER_WAIT: Duration = Duration::from_millis(2500);

/// How long shutdown waits for requests in flight before exiting anyway.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(4500);

/// How much of an oversized chunked body is read (and dropped) so that the connection can go
/// on; past it, the connection's next request is unreadable and tiny_http closes it.
const CHUNKED_DRAIN_LIMIT: u64 = 64 << 20;

/// How often an idle worker looks at the shutdown flag.
const POLL: Duration = Duration::from_millis(50);

/// The token id a health check looks up: a valid id no link carries (a primary-key read).
const HEALTH_PROBE_TOKEN: &str = "faceauth-healthz-probe";

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
    /// How many requests are handled at once (worker threads, and as many ledger threads).
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
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

/// A ledger that ledger threads share.
type SharedLedger = Arc<dyn TokenLedger + Send + Sync>;

/// A ledger call, run on a ledger thread.
type Job = Box<dyn FnOnce(Result<&dyn TokenLedger, LedgerError>) + Send>;

/// A queued call's fate, decided once: a ledger thread starts it, or its worker drops it.
const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const DROPPED: u8 = 2;

/// A call waiting in the queue, and who has decided its fate.
struct Queued {
    fate: Arc<AtomicU8>,
    job: Job,
}

/// The ledger threads: calls go in through a bounded queue; a call not started within
/// [`QUEUE_DEADLINE`] is dropped, a started one always answers.
struct LedgerPool {
    jobs: SyncSender<Queued>,
}

impl LedgerPool {
    /// Starts one thread per ledger in `ledgers`, taking calls from a queue with room for
    /// one call per worker.
    fn start(
        ledgers: Vec<SharedLedger>,
        file: Option<LedgerFile>,
        workers: usize,
    ) -> anyhow::Result<LedgerPool> {
        let file = Arc::new(file);
        let (jobs, queue) = mpsc::sync_channel::<Queued>(workers.max(1));
        let queue = Arc::new(Mutex::new(queue));
        for (n, ledger) in ledgers.into_iter().enumerate() {
            let (file, queue) = (file.clone(), queue.clone());
            thread::Builder::new()
                .name(format!("ledger-{n}"))
                .spawn(move || ledger_thread(&*ledger, file.as_ref().as_ref(), &queue))
                .context("cannot start a ledger thread")?;
        }
        Ok(LedgerPool { jobs })
    }

    /// Runs `call` on the ledger and returns its result; `None` when the call was never made
    /// (the queue full, or no ledger thread free within [`QUEUE_DEADLINE`]) or its thread
    /// died. A call that started is waited for to its end: it may commit.
    fn call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn TokenLedger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Option<Result<T, LedgerError>> {
        let fate = Arc::new(AtomicU8::new(QUEUED));
        let (answer, answered) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |ledger| {
            let _ = answer.send(ledger.and_then(call));
        });
        match self.jobs.try_send(Queued { fate: fate.clone(), job }) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => return None,
        }
        match answered.recv_timeout(QUEUE_DEADLINE) {
            Ok(result) => return Some(result),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if fate.compare_exchange(QUEUED, DROPPED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            // No ledger thread took it, and now none will: nothing changed.
            return None;
        }
        // Started: its outcome decides the answer, however long the ledger's own bounded
        // waits make it take.
        answered.recv().ok()
    }
}

fn ledger_thread(ledger: &dyn TokenLedger, file: Option<&LedgerFile>, queue: &Mutex<Receiver<Queued>>) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Queued { fate, job }) = next else { return };
        // A call its worker dropped (and answered 503 for) is not made: the sender retries.
        if fate.compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire).is_err() {
            continue;
        }
        match file.map(LedgerFile::check).unwrap_or(Ok(())) {
            Ok(()) => job(Ok(ledger)),
            Err(err) => job(Err(err)),
        }
    }
}

/// The file of an SQLite ledger, as it was when opened. SQLite goes on writing to a file that
/// was deleted (or whose directory was), and those writes are lost; every call checks first
/// that the path still names the file opened, and fails as storage does when it does not.
struct LedgerFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

impl LedgerFile {
    /// The file of `location`, if it is an SQLite one.
    fn at(location: &LedgerLocation) -> Option<LedgerFile> {
        let path = location.path()?.to_owned();
        let identity = crate::files::file_identity(&path)?;
        Some(LedgerFile { path, identity })
    }

    fn check(&self) -> Result<(), LedgerError> {
        if crate::files::file_identity(&self.path) == Some(self.identity) {
            Ok(())
        } else {
            Err(LedgerError::Storage {
                action: "find the ledger file",
                reason: "the file was removed or replaced since the server opened it".to_owned(),
            })
        }
    }
}

/// What every worker shares.
struct Shared {
    server: Server,
    path: String,
    max_body: u64,
    cipher: Option<Cipher>,
    ledger: LedgerPool,
    stop: Arc<AtomicBool>,
    /// Set when stdout cannot be written: the command stops and fails with it.
    failure: Mutex<Option<std::io::Error>>,
    verification: Verification,
    allow: AllowList,
}

/// Runs `faceauth webhook serve` until SIGTERM or SIGINT.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.path.starts_with('/') || args.path == "/healthz" {
        return Err(UsageError(format!(
            "--path must start with / and not be /healthz: {:?}",
            faceauth::excerpt(&args.path)
        ))
        .into());
    }
    let cipher = args.cipher()?;
    let given = args.location()?;
    let verification = verification(&args)?;
    let workers = usize::from(args.workers);
    let (ledgers, location) = open_ledgers(&given, workers)?;
    let ledger = LedgerPool::start(ledgers, LedgerFile::at(&location), workers)?;

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, stop.clone()).context("cannot handle SIGTERM and SIGINT")?;
    }
    let server = Server::http(args.listen.as_str())
        .map_err(|err| anyhow!("cannot listen on {}: {err}", faceauth::excerpt(&args.listen)))?;
    let bound = match server.server_addr().to_ip() {
        Some(addr) => addr,
        None => {
            return Err(anyhow!("cannot listen on {}: not an IP address", faceauth::excerpt(&args.listen)))
        }
    };
    let context = Arc::new(Shared {
        server,
        path: args.path.clone(),
        max_body: args.max_body,
        cipher,
        ledger,
        stop: stop.clone(),
        failure: Mutex::new(None),
        verification,
        allow: AllowList::new(args.allow_from.clone(), args.trusted_proxy.clone()),
    });
    let mut handles = Vec::with_capacity(workers);
    for n in 0..workers {
        let context = context.clone();
        let handle = thread::Builder::new()
            .name(format!("worker-{n}"))
            .spawn(move || worker(&context))
            .context("cannot start a worker thread")?;
        handles.push(handle);
    }
    crate::output::note(format_args!("faceauth: listening on http://{}{}", bound, args.path));

    while !stop.load(Ordering::Relaxed) {
        thread::sleep(POLL);
    }
    let deadline = Instant::now() + SHUTDOWN_DEADLINE;
    while handles.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let unfinished = handles.iter().filter(|h| !h.is_finished()).count();
    if unfinished > 0 {
        crate::output::note(format_args!(
            "faceauth: webhook serve: {unfinished} requests still in flight after {} s, abandoned",
            SHUTDOWN_DEADLINE.as_secs_f32()
        ));
    }
    let failure = context.failure.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(err) = failure {
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

/// Takes requests until shutdown, then the ones already queued.
fn worker(context: &Shared) {
    while !context.stop.load(Ordering::Relaxed) {
        match context.server.recv_timeout(POLL) {
            Ok(Some(request)) => handle(context, request),
            Ok(None) => {}
            Err(err) => crate::output::note(format_args!("faceauth: webhook serve: {err}")),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        match context.server.try_recv() {
            Ok(Some(request)) => handle(context, request),
            Ok(None) | Err(_) => return,
        }
    }
}

/// One answer: a status and a JSON body.
struct Answer {
    status: u16,
    body: Value,
    allow: Option<&'static str>,
}

impl Answer {
    fn error(status: u16, message: impl Into<String>) -> Answer {
        Answer { status, body: json!({ "error": message.into() }), allow: None }
    }
}

fn handle(context: &Shared, mut request: Request) {
    let method = request.method().clone();
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let answer = if let Err(refusal) = admitted(context, &request) {
        Answer::error(403, refusal)
    } else if path == "/healthz" {
        match method {
            Method::Get | Method::Head => health(context),
            _ => Answer { allow: Some("GET, HEAD"), ..Answer::error(405, "use GET") },
        }
    } else if path == context.path {
        match method {
            Method::Post => webhook(context, &mut request),
            _ => Answer { allow: Some("POST"), ..Answer::error(405, "use POST") },
        }
    } else {
        Answer::error(404, "no such path")
    };
    if answer.status >= 400 && (path != "/healthz" || answer.status == 403) {
        let reason = answer.body.get("error").and_then(Value::as_str).unwrap_or("");
        crate::output::note(format_args!(
            "faceauth: webhook serve: {method} {path}: {} {reason}",
            answer.status
        ));
    }
    respond(request, answer);
}

fn respond(request: Request, answer: Answer) {
    let mut text = answer.body.to_string();
    text.push('\n');
    let mut response = Response::from_string(text).with_status_code(answer.status);
    if let Ok(header) = Header::from_bytes("Content-Type", "application/json") {
        response.add_header(header);
    }
    if let Some(allow) = answer.allow {
        if let Ok(header) = Header::from_bytes("Allow", allow) {
            response.add_header(header);
        }
    }
    if answer.status == 503 {
        if let Ok(header) = Header::from_bytes("Retry-After", "1") {
            response.add_header(header);
        }
    }
    // The sender hung up: nothing to tell it.
    let _ = request.respond(response);
}

/// 200 when the ledger answers a primary-key read within the deadline, else 503. The body
/// names how webhooks are checked (`"webhooks": "argos"` or `"unverified"`).
fn health(context: &Shared) -> Answer {
    let mut answer = match context.ledger.call(|ledger| ledger.status(HEALTH_PROBE_TOKEN, SystemTime::now()))
    {
        Some(Ok(_)) => Answer { status: 200, body: json!({ "ledger": "ok" }), allow: None },
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
fn admitted(context: &Shared, request: &Request) -> Result<(), &'static str> {
    if !context.allow.restricts() {
        return Ok(());
    }
    let Some(peer) = request.remote_addr().map(std::net::SocketAddr::ip) else {
        return Err("the client address is unknown");
    };
    let forwarded: Vec<&str> = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("X-Forwarded-For"))
        .map(|h| h.value.as_str())
        .collect();
    match context.allow.client(peer, &forwarded) {
        Ok(client) if context.allow.allows(client) => Ok(()),
        Ok(_) => Err("the client is not in --allow-from"),
        Err(_) => Err("X-Forwarded-For from a trusted proxy holds a malformed address"),
    }
}

fn webhook(context: &Shared, request: &mut Request) -> Answer {
    let max = context.max_body;
    if request.body_length().is_some_and(|length| length as u64 > max) {
        return Answer::error(
            413,
            format!("the body is larger than {}", crate::output::counted(max, "byte", "bytes")),
        );
    }
    // Chunked bodies declare no length: they are counted as they are read.
    let capacity = request.body_length().unwrap_or(0).min(64 * 1024);
    let mut body = Vec::with_capacity(capacity);
    if let Err(err) = request.as_reader().take(max + 1).read_to_end(&mut body) {
        return Answer::error(400, format!("cannot read the body: {err}"));
    }
    if body.len() as u64 > max {
        // A chunked body: tiny_http does not skip what is left of it before the next request
        // on the connection, so the rest is read and dropped here, up to a bound.
        let _ = std::io::copy(&mut request.as_reader().take(CHUNKED_DRAIN_LIMIT), &mut std::io::sink());
        return Answer::error(
            413,
            format!("the body is larger than {}", crate::output::counted(max, "byte", "bytes")),
        );
    }
    let event = match faceauth::webhook::parse(&body, context.cipher.as_ref()) {
        Ok(event) => event,
        Err(WebhookError::KeyRequired) => {
            return Answer::error(400, "the webhook is encrypted and this server has no --webhook-key")
        }
        Err(err) => return Answer::error(400, err.to_string()),
    };
    let apply = match context.verification.check(event, context.cipher.is_some()) {
        Ok(apply) => apply,
        Err(refusal) => return Answer::error(refusal.status, refusal.reason),
    };
    let applied = context.ledger.call(move |ledger| {
        let now = SystemTime::now();
        let outcome = match &apply {
            Apply::AsPosted(event) => ledger.apply_webhook(event, now)?,
            Apply::Confirmed(confirmed) => ledger.apply_confirmed(confirmed, now)?,
        };
        Ok((apply, outcome))
    });
    let (apply, outcome) = match applied {
        None => return Answer::error(503, "the ledger did not answer in time"),
        Some(Err(err @ LedgerError::Storage { .. })) => {
            return Answer::error(503, format!("the ledger failed: {err}"))
        }
        Some(Err(err)) => return Answer::error(500, format!("the ledger refused the webhook: {err}")),
        Some(Ok(applied)) => applied,
    };
    if let faceauth::token::WebhookOutcome::Refused { reason, .. } = &outcome {
        return Answer::error(crate::confirm::REFUSED, format!("refused: {reason}"));
    }
    let event = match &apply {
        Apply::AsPosted(event) => event,
        Apply::Confirmed(confirmed) => confirmed.event(),
    };
    let line = json!({ "webhook": apply.to_json(), "ledger": outcome.to_json(event) });
    if let Err(err) = print_line(&line) {
        // The ledger has committed: the sender's retry (to a restarted server) applies the
        // same webhook again, which changes nothing more, and prints the line then.
        let answer = Answer::error(503, "the receiver cannot write its output; it stops");
        let mut failure = context.failure.lock().unwrap_or_else(PoisonError::into_inner);
        failure.get_or_insert(err);
        context.stop.store(true, Ordering::Relaxed);
        return answer;
    }
    Answer { status: 200, body: line, allow: None }
}

/// One line on stdout, flushed, written whole under the stdout lock.
fn print_line(line: &Value) -> std::io::Result<()> {
    let mut out = crate::output::stdout();
    writeln!(out, "{line}")?;
    out.flush()
}
