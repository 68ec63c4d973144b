//! `faceauth webhook serve`: the simulator's webhooks into a ledger, confirmed with it, many
//! senders at once, every refusal (forged and unconfirmable webhooks among them), an unavailable
//! ledger or Argos, `--allow-from`, and a graceful stop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use faceauth::crypto::{Cipher, Variant};
use serde_json::{json, Value};
use support::{Mock, TempDir, API_KEY, PROJECT};

mod support;

const WEBHOOK_KEY: &str = "id-check-webhook-key-31c9";

/// Generous bounds against hangs, never timing assertions.
const PATIENCE: Duration = Duration::from_secs(30);

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    cmd.env_remove("FACEAUTH_TOKENS_DB")
        .env_remove("FACEAUTH_LEDGER")
        .env_remove("FACEAUTH_WEBHOOK_KEY")
        .env_remove("FACEAUTH_API_KEY");
    cmd
}

/// `faceauth webhook serve` on a free port; its stdout lines are collected; killed on drop.
struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(ledger: &str, extra: &[&str], webhook_key: Option<&str>) -> Serve {
        Serve::start_at("127.0.0.1:0", ledger, extra, webhook_key)
    }

    /// `webhook serve` confirming with the simulator at `argos` (`--base-url`; its API key goes
    /// in FACEAUTH_API_KEY).
    fn confirming(argos: &str, ledger: &str, extra: &[&str], webhook_key: Option<&str>) -> Serve {
        Serve::confirming_at("127.0.0.1:0", argos, ledger, extra, webhook_key)
    }

    fn confirming_at(
        listen: &str,
        argos: &str,
        ledger: &str,
        extra: &[&str],
        webhook_key: Option<&str>,
    ) -> Serve {
        let mut args = vec!["--base-url", argos];
        args.extend_from_slice(extra);
        Serve::start_at(listen, ledger, &args, webhook_key)
    }

    fn start_at(listen: &str, ledger: &str, extra: &[&str], webhook_key: Option<&str>) -> Serve {
        let mut cmd = faceauth();
        cmd.args(["webhook", "serve", "--listen", listen, "--ledger", ledger]).args(extra);
        if extra.contains(&"--base-url") {
            cmd.env("FACEAUTH_API_KEY", API_KEY);
        }
        if let Some(key) = webhook_key {
            cmd.env("FACEAUTH_WEBHOOK_KEY", key);
        }
        Serve::launch(cmd, Stdio::piped())
    }

    /// Serve as `wrapper` (a command such as `prlimit …`, ending in its arguments) runs it,
    /// with its stdout going to `stdout`.
    fn start_under(wrapper: &[&str], ledger: &str, stdout: Stdio) -> Serve {
        let mut cmd = Command::new(wrapper[0]);
        cmd.args(&wrapper[1..])
            .arg(assert_cmd::cargo::cargo_bin("faceauth"))
            .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", ledger, "--unverified"])
            .env_remove("FACEAUTH_TOKENS_DB")
            .env_remove("FACEAUTH_WEBHOOK_KEY");
        Serve::launch(cmd, stdout)
    }

    fn launch(mut cmd: Command, stdout: Stdio) -> Serve {
        let mut child =
            cmd.stdin(Stdio::null()).stdout(stdout).stderr(Stdio::piped()).spawn().expect("serve starts");
        let mut stderr_lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut base = None;
        let stderr = Arc::new(Mutex::new(String::new()));
        for line in stderr_lines.by_ref() {
            let line = line.expect("reads stderr");
            stderr.lock().expect("lock").push_str(&format!("{line}\n"));
            if let Some(url) = line.strip_prefix("faceauth: listening on ") {
                let url = url.trim();
                let end = url.find("://").map(|i| i + 3).expect("a URL");
                let path_at = url[end..].find('/').map(|i| i + end).unwrap_or(url.len());
                base = Some(url[..path_at].to_owned());
                break;
            }
        }
        let base = base.unwrap_or_else(|| panic!("no address line: {}", stderr.lock().expect("lock")));
        let seen = stderr.clone();
        std::thread::spawn(move || {
            for line in stderr_lines.map_while(Result::ok) {
                seen.lock().expect("lock").push_str(&format!("{line}\n"));
            }
        });
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = lines.clone();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    out.lock().expect("lock").push(line);
                }
            });
        }
        Serve { child, base, lines, stderr }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The stdout lines so far, parsed.
    fn lines(&self) -> Vec<Value> {
        let lines = self.lines.lock().expect("lock").clone();
        lines.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    /// Waits (within PATIENCE) until at least `n` lines arrived; returns them.
    fn wait_lines(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let lines = self.lines();
            if lines.len() >= n || start.elapsed() > PATIENCE {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// stderr once it holds every one of `needles` (a thread reads it), or when PATIENCE is
    /// out.
    fn wait_stderr(&self, needles: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let stderr = self.stderr();
            if needles.iter().all(|n| stderr.contains(n)) || start.elapsed() > PATIENCE {
                return stderr;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM; the exit status, within PATIENCE.
    fn terminate(&mut self) -> std::process::ExitStatus {
        signal(&self.child, "TERM");
        wait_exit(&mut self.child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn signal(child: &Child, name: &str) {
    let status =
        Command::new("kill").args([format!("-{name}"), child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        assert!(start.elapsed() < PATIENCE, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// POSTs `body`; the status and the body of the answer.
fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> (u16, String) {
    answer(agent.post(url).send(body))
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    support::http_text(result).unwrap_or_else(|err| panic!("{err}"))
}

fn agent() -> ureq::Agent {
    support::http_agent(Some(PATIENCE))
}

/// `faceauth ledger …` with `--db`; its stdout lines, parsed. Fails the test on failure.
fn tokens(db: &str, args: &[&str]) -> Vec<Value> {
    let output = faceauth().args(["ledger", "--db", db]).args(args).output().expect("runs");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

/// Issues `count` count-rule links for submission `sid`; their tokens.
fn issue(db: &str, sid: &str, count: usize, base_url: &str) -> Vec<(String, String)> {
    let count = count.to_string();
    tokens(
        db,
        &[
            "issue",
            "--pid",
            PROJECT,
            "--sid",
            sid,
            "--rule",
            "count",
            "--count",
            &count,
            "--base-url",
            base_url,
            "--api-key",
            API_KEY,
            "--durability",
            "normal",
        ],
    )
    .iter()
    .map(|link| {
        (link["url"].as_str().expect("url").to_owned(), link["token"].as_str().expect("token").to_owned())
    })
    .collect()
}

/// Every token's record, in order: the ledger's dump.
fn dump(db: &str) -> Vec<Value> {
    tokens(db, &["list"])
}

fn face_auth_body(token: &str, auth_id: &str, status: &str, create_time: &str) -> String {
    json!({"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub-1", "Auth_Status": status,
        "Create_Time": create_time, "Token_id": token, "Authentication_id": auth_id}})
    .to_string()
}

fn expired_body(token: &str) -> String {
    json!({"webhook_trigger": "token_expired", "token_id": token, "expired_condition": "count",
        "service": "faceAuth", "expired_at": "2025-11-12T03:00:00Z"})
    .to_string()
}

/// A port that was free a moment ago: for a server the simulator must know before it starts,
/// while the server must know the simulator's URL.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("address").port()
}

/// Opens a link on the simulator (the user takes a selfie); the auth id of the result.
fn open_link(url: &str) -> String {
    let (status, page) = answer(support::http_agent(None).get(url).call());
    assert_eq!(status, 200, "{page}");
    let page: Value = serde_json::from_str(&page).expect("JSON");
    page["auth_id"].as_str().expect("an auth id").to_owned()
}

/// The hosted-page flow against `ledger`: a link issued into the ledger, opened on the
/// simulator, whose encrypted webhooks `webhook serve` confirms with the simulator and
/// applies; a token_expired webhook is applied only sealed.
fn hosted_page_flow(ledger: &str) {
    let port = free_port();
    let hook_url = format!("http://127.0.0.1:{port}/webhook");
    let mock =
        Mock::start(&["--token-rule", "count", "--webhook-url", &hook_url, "--webhook-key", WEBHOOK_KEY]);
    mock.add_submission("sub-1");
    let mut serve =
        Serve::confirming_at(&format!("127.0.0.1:{port}"), &mock.url, ledger, &[], Some(WEBHOOK_KEY));
    let links = issue(ledger, "sub-1", 2, &mock.url);

    let (url, token) = &links[0];
    let auth_id = open_link(url);
    let lines = serve.wait_lines(2);
    assert_eq!(lines.len(), 2, "{lines:?}\n{}", serve.stderr());
    let triggers: Vec<&str> = lines.iter().filter_map(|l| l["webhook"]["event"].as_str()).collect();
    assert_eq!(triggers, ["faceAuth", "token_expired"], "{lines:?}");
    for line in &lines {
        assert_eq!(line["ledger"]["outcome"], "recorded", "{line}");
        assert_eq!(line["ledger"]["status"]["token"], token.as_str(), "{line}");
    }
    assert_eq!(lines[0]["webhook"]["confirmed_by"], "argos", "{}", lines[0]);
    assert_eq!(lines[0]["webhook"]["record"]["auth_id"], auth_id.as_str());
    assert_eq!(lines[1]["webhook"]["confirmed_by"], "encrypted", "{}", lines[1]);
    let status = &tokens(ledger, &["status", token])[0];
    assert_eq!(status["state"], "completed", "{status}");
    assert_eq!(status["result"]["auth_id"], auth_id.as_str(), "{status}");
    assert_eq!(status["result"]["status"], "approved", "{status}");
    assert_eq!(status["result"]["confirmed"], true, "{status}");
    assert_eq!(status["reported_expiry"]["condition"], "count", "{status}");

    // The second link, never opened: a token_expired webhook in clear is refused (this
    // server has a webhook key), as is any plain body; sealed, it expires the token.
    let (_, other) = &links[1];
    let before = tokens(ledger, &["status", other]);
    for plain in [expired_body(other), face_auth_body(other, &auth_id, "approved", "2025-11-12T02:00:00Z")] {
        let (code, body) = post(&agent(), &hook_url, plain.as_bytes());
        assert_eq!(code, 422, "{body}");
    }
    assert_eq!(tokens(ledger, &["status", other]), before, "a plain body changed the ledger");
    let log = serve.wait_stderr(&["422 a plain body"]);
    assert!(log.contains("422 a plain body"), "{log}");
    let sealer = Cipher::from_key_string(WEBHOOK_KEY, "ecb".parse().expect("ecb")).expect("cipher");
    let sealed = json!({ "data": sealer.encrypt(&expired_body(other)).expect("encrypts") }).to_string();
    let (code, body) = post(&agent(), &hook_url, sealed.as_bytes());
    assert_eq!(code, 200, "{body}");
    assert_eq!(tokens(ledger, &["status", other])[0]["state"], "expired");
    assert_eq!(serve.wait_lines(3).len(), 3);
    let all = serve.stderr();
    assert!(!all.contains(WEBHOOK_KEY), "the key leaked: {all}");
    assert_eq!(serve.terminate().code(), Some(0), "{}", serve.stderr());
}

#[test]
fn the_simulator_delivers_its_webhooks_into_a_sqlite_ledger() {
    let dir = TempDir::new("serve-flow");
    hosted_page_flow(&dir.db());
}

/// Tests that use the PostgreSQL server share it; the stop-and-start test stops it, so it runs
/// alone.
static POSTGRES: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// A fresh schema on the server FACEAUTH_TEST_POSTGRES names (`make test` starts one with
/// scripts/with-postgres.sh), dropped on drop; `location` has it as the search path. `None`
/// (the test is skipped, saying so) when the variable is unset.
struct PgSchema {
    name: String,
    location: String,
    server: String,
}

impl PgSchema {
    fn new(tag: &str) -> Option<PgSchema> {
        let server = match std::env::var("FACEAUTH_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                eprintln!("skipped: FACEAUTH_TEST_POSTGRES is not set (scripts/with-postgres.sh sets it)");
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("serve_{tag}_{}_{nanos}", std::process::id());
        let mut client = postgres::Client::connect(&server, postgres::NoTls).expect("connects");
        client.batch_execute(&format!("CREATE SCHEMA {name}")).expect("creates a schema");
        let location = format!("{server}?options=-c%20search_path%3D{name}");
        Some(PgSchema { name, location, server })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
            client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)).ok();
        }
    }
}

/// The same flow into PostgreSQL.
#[test]
fn the_simulator_delivers_its_webhooks_into_a_postgres_ledger() {
    let _shared = POSTGRES.read().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = PgSchema::new("flow") else { return };
    hosted_page_flow(&schema.location);
}

fn pg_ctl(action: &str) {
    let script = std::env::var("FACEAUTH_TEST_PG_CTL").expect("FACEAUTH_TEST_PG_CTL is set");
    let status = Command::new(script).arg(action).status().expect("runs pg_ctl");
    assert!(status.success(), "pg_ctl {action} failed");
}

/// The PostgreSQL server stops and starts again under `webhook serve`: 503 (health and
/// webhooks) while it is down, 200 once it is back, and the retried webhook is recorded.
#[test]
fn a_postgres_server_stopped_and_started_under_serve() {
    let _alone = POSTGRES.write().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = PgSchema::new("outage") else { return };
    if std::env::var_os("FACEAUTH_TEST_PG_CTL").is_none() {
        eprintln!("skipped: FACEAUTH_TEST_PG_CTL is not set (scripts/with-postgres.sh sets it)");
        return;
    }
    let location = schema.location.as_str();
    let serve = Serve::start(location, &["--unverified"], None);
    let links = issue(location, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let agent = agent();
    let body = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200);

    pg_ctl("stop");
    let down = (
        answer(agent.get(&serve.url("/healthz")).call()),
        post(&agent, &serve.url("/webhook"), body.as_bytes()),
    );
    pg_ctl("start");
    assert_eq!(down.0 .0, 503, "{}", down.0 .1);
    assert_eq!(down.1 .0, 503, "{}", down.1 .1);
    assert!(serve.lines().is_empty(), "a 503 printed a line");

    // Back: each ledger connection reconnects on its next call (a first one may still meet
    // its old connection and answer 503), so the sender retries, as Argos does.
    let start = Instant::now();
    while answer(agent.get(&serve.url("/healthz")).call()).0 != 200 {
        assert!(start.elapsed() < PATIENCE, "healthz never came back");
        std::thread::sleep(Duration::from_millis(100));
    }
    loop {
        let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{text}");
        assert!(start.elapsed() < PATIENCE, "the webhook was never accepted: {text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(serve.wait_lines(1).len(), 1);
    assert_eq!(tokens(location, &["status", token])[0]["state"], "completed");
}

#[test]
fn many_senders_at_once_apply_each_webhook_once_in_effect() {
    const TOKENS: usize = 100;
    const CONNECTIONS: usize = 16;
    const WEBHOOKS: usize = 2_000;
    let dir = TempDir::new("serve-load");
    let db = dir.db();
    let links = issue(&db, "sub-1", TOKENS, "http://127.0.0.1:9");
    // Hand-written bodies, applied as posted: the ledger under load, not confirmation.
    let serve = Serve::start(&db, &["--workers", "8", "--unverified"], None);
    let url = serve.url("/webhook");

    // Per token: four results (two auth ids, each sent approved and, later, rejected) and an
    // expiry, each sent four times: 20 bodies per token, 2,000 in all.
    let mut bodies = Vec::new();
    for (_, token) in &links {
        for _ in 0..4 {
            bodies.push(face_auth_body(token, &format!("fa-{token}-1"), "approved", "2025-11-12T02:00:00Z"));
            bodies.push(face_auth_body(token, &format!("fa-{token}-1"), "rejected", "2025-11-12T02:30:00Z"));
            bodies.push(face_auth_body(token, &format!("fa-{token}-2"), "approved", "2025-11-12T02:10:00Z"));
            bodies.push(face_auth_body(token, &format!("fa-{token}-2"), "approved", "2025-11-12T02:10:00Z"));
            bodies.push(expired_body(token));
        }
    }
    assert_eq!(bodies.len(), WEBHOOKS);
    let bodies = Arc::new(bodies);
    let senders: Vec<_> = (0..CONNECTIONS)
        .map(|n| {
            let (bodies, url) = (bodies.clone(), url.clone());
            std::thread::spawn(move || {
                // One agent per sender: one keep-alive connection each.
                let agent: ureq::Agent =
                    support::http_config(Some(PATIENCE)).max_idle_connections_per_host(1).build().into();
                let mut ok = 0;
                for body in bodies.iter().skip(n).step_by(CONNECTIONS) {
                    let (status, text) = post(&agent, &url, body.as_bytes());
                    assert_eq!(status, 200, "{text}");
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    let ok: usize = senders.into_iter().map(|s| s.join().expect("sender")).sum();
    assert_eq!(ok, WEBHOOKS);
    let lines = serve.wait_lines(WEBHOOKS);
    assert_eq!(lines.len(), WEBHOOKS, "one line per 200");
    assert!(lines.iter().all(|l| l["ledger"]["outcome"] == "recorded"));

    for status in dump(&db) {
        let token = status["token"].as_str().expect("token");
        assert_eq!(status["state"], "completed", "{status}");
        let results = status["results"].as_array().expect("results");
        assert_eq!(results.len(), 2, "{status}");
        assert_eq!(results[0]["auth_id"], format!("fa-{token}-2"));
        assert_eq!(results[1]["auth_id"], format!("fa-{token}-1"));
        assert_eq!(results[1]["status"], "rejected", "the later result wins: {status}");
        assert_eq!(status["reported_expiry"]["condition"], "count");
    }
}

#[test]
fn bad_requests_are_refused_and_change_nothing() {
    let dir = TempDir::new("serve-bad");
    let db = dir.db();
    let links = issue(&db, "sub-1", 2, "http://127.0.0.1:9");
    let token = &links[0].1;
    // --unverified: the refusals of bodies, whatever their authenticity (forged and
    // unconfirmable webhooks have their own tests below).
    let serve = Serve::start(&db, &["--max-body", "4096", "--unverified"], Some(WEBHOOK_KEY));
    let url = serve.url("/webhook");
    let agent = agent();
    let before = dump(&db);

    let good = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");
    let scheme: Variant = "ecb".parse().expect("ecb");
    let wrong_key = Cipher::from_key_string("another-projects-webhook-key-0001", scheme).expect("cipher");
    let sealed_wrong = json!({ "data": wrong_key.encrypt(&good).expect("encrypts") }).to_string();
    let mut bad_utf8 = good.clone().into_bytes();
    bad_utf8[20] = 0xff;
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"not json at all".to_vec()),
        ("empty", Vec::new()),
        ("wrong types", br#"{"webhook_trigger": "faceAuth", "data": "sub-1"}"#.to_vec()),
        ("trigger not a string", br#"{"webhook_trigger": 7}"#.to_vec()),
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("bad UTF-8", bad_utf8),
        ("bad base64", br#"{"data": "%%% not base64 %%%"}"#.to_vec()),
        ("wrong key", sealed_wrong.into_bytes()),
        (
            "token_expired without token_id",
            br#"{"webhook_trigger": "token_expired", "service": "faceAuth"}"#.to_vec(),
        ),
    ];
    for (what, body) in &bad {
        let (status, text) = post(&agent, &url, body);
        assert_eq!(status, 400, "{what}: {text}");
    }

    // Over --max-body: with a Content-Length, and chunked (no length: counted as read).
    let big = vec![b' '; 10_000];
    assert_eq!(post(&agent, &url, &big).0, 413);
    let mut reader = std::io::Cursor::new(big.clone());
    let chunked = agent.post(&url).send(ureq::SendBody::from_reader(&mut reader));
    assert_eq!(answer(chunked).0, 413);
    // A declared length far over the limit is answered before the body is sent; one larger
    // than any memory too, and the server lives on. hyper cannot hold a length of 2^64 - 1
    // (its largest is 2^64 - 3) and refuses that head itself, as too large: 431.
    for (declared, refusal) in [
        ("50000000", b"HTTP/1.1 413"),
        ("100000000000000", b"HTTP/1.1 413"),
        ("18446744073709551615", b"HTTP/1.1 431"),
    ] {
        let mut stream = TcpStream::connect(serve.base.trim_start_matches("http://")).expect("connects");
        stream.set_read_timeout(Some(PATIENCE)).ok();
        write!(stream, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n{{")
            .expect("writes");
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).expect("an answer before the body");
        assert_eq!(&head, refusal, "Content-Length: {declared}");
        drop(stream);
        assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200, "alive after {declared}");
    }

    // Another path, another method; the health check.
    assert_eq!(post(&agent, &serve.url("/other"), good.as_bytes()).0, 404);
    assert_eq!(answer(agent.get(&url).call()).0, 405);
    assert_eq!(answer(agent.put(&url).send(good.as_bytes())).0, 405);
    assert_eq!(answer(agent.post(&serve.url("/healthz")).send(&b""[..])).0, 405);
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200);

    assert_eq!(dump(&db), before, "a refused request changed the ledger");
    assert!(serve.lines().is_empty(), "a refused request printed a line: {:?}", serve.lines());

    // Still 200 and a line: another service's expiry, an unknown trigger, an unknown token,
    // a faceAuth result without a token; and a sealed body with the right key.
    let right_key = Cipher::from_key_string(WEBHOOK_KEY, scheme).expect("cipher");
    let accepted = [
        (
            json!({"webhook_trigger": "token_expired", "token_id": token, "expired_condition": "count",
                "service": "idCheck"})
            .to_string(),
            "ignored",
        ),
        (json!({"webhook_trigger": "kyc_done", "x": 1}).to_string(), "ignored"),
        (
            face_auth_body("tok_nobodyhasthisone1", "fa-9", "approved", "2025-11-12T02:00:00Z"),
            "unknown_token",
        ),
        (
            json!({"webhook_trigger": "faceAuth", "auth_id": "fa-8", "data": {"submission_id": "s"}})
                .to_string(),
            "no_token",
        ),
        (json!({ "data": right_key.encrypt(&good).expect("encrypts") }).to_string(), "recorded"),
    ];
    for (body, outcome) in &accepted {
        let (status, text) = post(&agent, &url, body.as_bytes());
        assert_eq!(status, 200, "{body}: {text}");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["ledger"]["outcome"], *outcome, "{text}");
    }
    let lines = serve.wait_lines(accepted.len());
    assert_eq!(lines.len(), accepted.len());
    let outcomes: Vec<&str> = lines.iter().filter_map(|l| l["ledger"]["outcome"].as_str()).collect();
    assert_eq!(outcomes, accepted.iter().map(|(_, o)| *o).collect::<Vec<_>>());
    assert_eq!(tokens(&db, &["status", token])[0]["state"], "completed");
    let all = serve.stderr();
    assert!(!all.contains(WEBHOOK_KEY), "the key leaked: {all}");
}

#[test]
fn an_unavailable_ledger_is_503_and_recovers() {
    let dir = TempDir::new("serve-down");
    let ledger_dir = dir.join("ledger");
    std::fs::create_dir_all(&ledger_dir).expect("mkdir");
    let db = ledger_dir.join("tokens.db").to_str().expect("utf-8").to_owned();
    let links = issue(&db, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let serve = Serve::start(&db, &["--unverified"], None);
    let agent = agent();
    let body = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200);
    let before = dump(&db);

    // The directory goes away (moved aside): the server must not write into a file nobody
    // will find again.
    let aside = dir.join("moved");
    std::fs::rename(&ledger_dir, &aside).expect("moves the directory");
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 503);
    let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 503, "{text}");
    std::fs::rename(&aside, &ledger_dir).expect("moves it back");
    assert_eq!(dump(&db), before, "a 503 changed the ledger");
    assert!(serve.lines().is_empty());

    // Back: the sender's retry succeeds.
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200);
    let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(serve.wait_lines(1).len(), 1);
    assert_eq!(tokens(&db, &["status", token])[0]["state"], "completed");
}

#[test]
fn sigterm_lets_a_slow_request_finish_then_exits_0() {
    let dir = TempDir::new("serve-term");
    let db = dir.db();
    let links = issue(&db, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let mut serve = Serve::start(&db, &["--unverified"], None);
    // Over 1 KiB, so the server hands the request to a worker before the body is complete.
    let body =
        json!({"webhook_trigger": "faceAuth", "pad": "x".repeat(4000), "data": {"Submission_id": "sub-1",
        "Auth_Status": "approved", "Token_id": token, "Authentication_id": "fa-1"}})
        .to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = TcpStream::connect(serve.base.trim_start_matches("http://")).expect("connects");
    stream.set_read_timeout(Some(PATIENCE)).ok();
    write!(stream, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len())
        .expect("head");
    stream.write_all(first).expect("first half");
    stream.flush().ok();
    std::thread::sleep(Duration::from_millis(300));
    signal(&serve.child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(rest).expect("the rest");
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).expect("an answer");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let status = wait_exit(&mut serve.child);
    assert_eq!(status.code(), Some(0), "{}", serve.stderr());
    assert_eq!(serve.wait_lines(1).len(), 1);
    assert_eq!(tokens(&db, &["status", token])[0]["state"], "completed");

    // Idle: SIGINT stops it as well.
    let mut idle = Serve::start(&db, &["--unverified"], None);
    signal(&idle.child, "INT");
    assert_eq!(wait_exit(&mut idle.child).code(), Some(0));
}

/// `GET /healthz`: status and body.
fn health(serve: &Serve) -> (u16, Value) {
    let (status, text) = answer(agent().get(&serve.url("/healthz")).call());
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn without_an_api_key_serve_refuses_to_start_unless_unverified() {
    let dir = TempDir::new("serve-nokey");
    let output = faceauth()
        .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", &dir.db()])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FACEAUTH_API_KEY") && stderr.contains("--unverified"), "{stderr}");
    assert!(!dir.join("tokens.db").exists(), "it opened the ledger before refusing");
}

#[test]
fn unverified_applies_webhooks_as_posted_and_says_so() {
    let dir = TempDir::new("serve-unverified");
    let db = dir.db();
    let links = issue(&db, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let serve = Serve::start(&db, &["--unverified"], None);
    assert!(serve.stderr().contains("--unverified: webhooks are applied as posted"), "{}", serve.stderr());
    assert_eq!(health(&serve), (200, json!({"ledger": "ok", "webhooks": "unverified"})));
    // Today's behaviour: a forged body completes the token, recorded as not confirmed.
    let forged = face_auth_body(token, "fa_forged", "approved", "2025-11-12T02:00:00Z");
    let (status, text) = post(&agent(), &serve.url("/webhook"), forged.as_bytes());
    assert_eq!(status, 200, "{text}");
    let status = &tokens(&db, &["status", token])[0];
    assert_eq!(status["state"], "completed", "{status}");
    assert_eq!(status["result"]["auth_id"], "fa_forged", "{status}");
    assert_eq!(status["result"]["confirmed"], false, "{status}");
}

#[test]
fn forged_webhooks_change_nothing_and_are_logged() {
    let dir = TempDir::new("serve-forged");
    let db = dir.db();
    let mock = Mock::start(&[]);
    mock.add_submission("sub-1");
    mock.add_submission("sub-2");
    let links = issue(&db, "sub-1", 1, &mock.url);
    let token = &links[0].1;
    // A real result of another submission, as a forger could get by taking a selfie of their own.
    let theirs = issue(&db, "sub-2", 1, &mock.url);
    let real_other = open_link(&theirs[0].0);
    let serve = Serve::confirming(&mock.url, &db, &[], None);
    assert_eq!(health(&serve), (200, json!({"ledger": "ok", "webhooks": "argos"})));
    let before = dump(&db);
    let url = serve.url("/webhook");

    // The issue's reproduction: a plain body written by hand, for an issued token.
    let forged = face_auth_body(token, "fa_forged", "approved", "2025-11-12T02:00:00Z");
    let (status, text) = post(&agent(), &url, forged.as_bytes());
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("not confirmed"), "{text}");
    // A real auth id of another submission, claimed for this one, for its own, or neither.
    let claims = [
        json!({"webhook_trigger": "faceAuth", "data": {"Authentication_id": real_other, "Submission_id": "sub-1",
            "Auth_Status": "approved", "Token_id": token}}),
        json!({"webhook_trigger": "faceAuth", "data": {"Authentication_id": real_other, "Submission_id": "sub-2",
            "Auth_Status": "approved", "Token_id": token}}),
        json!({"webhook_trigger": "faceAuth", "Authentication_id": real_other,
            "data": {"Auth_Status": "approved", "Token_id": token}}),
    ];
    for claim in &claims {
        let (status, text) = post(&agent(), &url, claim.to_string().as_bytes());
        assert_eq!(status, 422, "{claim}: {text}");
        assert!(text.contains("another submission"), "{text}");
    }
    assert_eq!(dump(&db), before, "a forged webhook changed the ledger");
    assert!(serve.lines().is_empty(), "a refusal printed a line: {:?}", serve.lines());
    let start = Instant::now();
    let mut log = serve.stderr();
    while log.matches("POST /webhook: 422 refused").count() < 4 && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(20));
        log = serve.stderr();
    }
    assert_eq!(log.matches("POST /webhook: 422 refused").count(), 4, "{log}");
    assert!(log.contains("\"fa_forged\""), "{log}");
}

#[test]
fn the_simulators_plain_deliveries_are_recorded_with_argos_facts() {
    let dir = TempDir::new("serve-plain");
    let db = dir.db();
    let port = free_port();
    let hook_url = format!("http://127.0.0.1:{port}/webhook");
    let mock = Mock::start(&["--token-rule", "count", "--webhook-url", &hook_url]);
    mock.add_submission("sub-1");
    let serve = Serve::confirming_at(&format!("127.0.0.1:{port}"), &mock.url, &db, &[], None);
    let links = issue(&db, "sub-1", 1, &mock.url);
    let (url, token) = &links[0];
    let auth_id = open_link(&format!("{url}&mock_result=rejected"));

    // The faceAuth result is confirmed and recorded; the plain token_expired, which nothing
    // can confirm, is refused.
    let lines = serve.wait_lines(1);
    assert_eq!(lines.len(), 1, "{}", serve.stderr());
    assert_eq!(lines[0]["webhook"]["confirmed_by"], "argos", "{}", lines[0]);
    let log = serve.wait_stderr(&["422 refused: the webhook cannot be confirmed"]);
    assert!(log.contains("token_expired event is trusted only from an encrypted body"), "{log}");
    let status = &tokens(&db, &["status", token])[0];
    assert_eq!(status["state"], "completed", "{status}");
    assert_eq!(
        (&status["result"]["status"], &status["result"]["confirmed"]),
        (&json!("rejected"), &json!(true))
    );

    // The simulator's own body with its status and time rewritten: Argos's facts are recorded.
    let sent = mock.control_get("/_mock/webhooks");
    let mut tampered = sent[0].clone();
    assert_eq!(tampered["data"]["Authentication_id"], auth_id.as_str(), "{tampered}");
    let argos_time = tampered["data"]["Create_Time"].clone();
    tampered["data"]["Auth_Status"] = json!("approved");
    tampered["data"]["Create_Time"] = json!("2030-01-01T00:00:00Z");
    let (code, text) = post(&agent(), &serve.url("/webhook"), tampered.to_string().as_bytes());
    assert_eq!(code, 200, "{text}");
    let status = &tokens(&db, &["status", token])[0];
    let results = status["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{status}");
    assert_eq!(results[0]["status"], "rejected", "{status}");
    let recorded = faceauth::token::time::parse_rfc3339(results[0]["create_time"].as_str().expect("a time"));
    assert_eq!(recorded, faceauth::token::time::parse_rfc3339(argos_time.as_str().expect("a time")));
}

#[test]
fn argos_out_of_reach_is_503_and_the_retry_is_recorded_once() {
    let dir = TempDir::new("serve-argos-down");
    let db = dir.db();
    let mock = Mock::start(&[]);
    mock.add_submission("sub-1");
    let links = issue(&db, "sub-1", 1, &mock.url);
    let (url, token) = &links[0];
    let auth_id = open_link(url);
    // The body the simulator would have posted (it has no webhook URL here), exactly as sent.
    let (_, body) = answer(support::http_agent(None).get(&format!("{}/_mock/last-webhook", mock.url)).call());
    assert!(body.contains(&auth_id), "{body}");
    let serve = Serve::confirming(&mock.url, &db, &[], None);
    let before = dump(&db);

    // Argos drops the confirmation's connection: 503, so the sender retries; nothing changed.
    mock.control("/_mock/faults", json!({"drop_next": 1}));
    let (status, text) = post(&agent(), &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("cannot confirm the webhook with Argos"), "{text}");
    assert_eq!(dump(&db), before, "a 503 changed the ledger");
    assert!(serve.lines().is_empty());
    // Reachable again: the retry is recorded, and a repeat of it changes nothing more.
    for _ in 0..2 {
        let (status, text) = post(&agent(), &serve.url("/webhook"), body.as_bytes());
        assert_eq!(status, 200, "{text}");
    }
    let status = &tokens(&db, &["status", token])[0];
    assert_eq!(status["results"].as_array().map(Vec::len), Some(1), "{status}");
    assert_eq!(status["result"]["confirmed"], true, "{status}");

    // Nothing listens at all: 503 as well.
    let down = Serve::confirming("http://127.0.0.1:9", &db, &[], None);
    let (status, text) = post(&agent(), &down.url("/webhook"), body.as_bytes());
    assert_eq!(status, 503, "{text}");
}

#[test]
fn allow_from_refuses_other_clients_and_believes_only_trusted_proxies() {
    let dir = TempDir::new("serve-allow");
    let db = dir.db();
    let kyc = json!({"webhook_trigger": "kyc_done"}).to_string();
    let send = |serve: &Serve, forwarded: Option<&str>| {
        let mut request = agent().post(&serve.url("/webhook"));
        if let Some(value) = forwarded {
            request = request.header("X-Forwarded-For", value);
        }
        answer(request.send(kyc.as_bytes())).0
    };
    let outside = Serve::start(&db, &["--unverified", "--allow-from", "10.0.0.0/8,192.168.0.0/16"], None);
    assert_eq!(send(&outside, None), 403, "127.0.0.1 is not in 10.0.0.0/8");
    assert_eq!(send(&outside, Some("10.1.2.3")), 403, "a header from an untrusted peer proves nothing");
    assert_eq!(health(&outside).0, 403);
    assert!(outside.wait_stderr(&["403 the client is not in --allow-from"]).contains("403"));

    let proxied = Serve::start(
        &db,
        &["--unverified", "--allow-from", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1"],
        None,
    );
    assert_eq!(send(&proxied, Some("10.1.2.3")), 200);
    assert_eq!(send(&proxied, Some("10.9.9.9, 203.0.113.7")), 403, "the hop the proxy saw decides");
    assert_eq!(send(&proxied, Some("not an address")), 403);
    assert_eq!(send(&proxied, None), 403, "the proxy itself is not in 10.0.0.0/8");

    let bad = faceauth()
        .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", &db, "--unverified"])
        .args(["--allow-from", "10.0.0.0/33"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// Another connection holds SQLite's write lock past every deadline of the server: the
/// webhook is answered 503 only once the ledger gave up (its busy timeout is under the
/// server's deadline), so nothing commits after the 503, even when the lock is released at
/// once; the sender's retry then commits once, and a second retry changes nothing more.
#[test]
fn a_locked_sqlite_ledger_is_503_with_nothing_committed_and_the_retry_commits_once() {
    let dir = TempDir::new("serve-locked");
    let db = dir.db();
    let links = issue(&db, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let serve = Serve::start(&db, &["--unverified"], None);
    let agent = agent();
    let before = dump(&db);
    let body = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");

    let holder = rusqlite::Connection::open(&db).expect("opens the ledger");
    holder.execute_batch("BEGIN IMMEDIATE").expect("takes the write lock");
    let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
    // Released the moment the 503 arrives: a call the server had abandoned would commit now.
    holder.execute_batch("ROLLBACK").expect("releases the lock");
    drop(holder);
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("locked"), "{text}");
    // The health check runs on the same ledger thread, after anything still queued.
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200);
    assert_eq!(dump(&db), before, "a 503 changed the ledger");
    assert!(serve.lines().is_empty(), "{:?}", serve.lines());

    let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 200, "{text}");
    let after = dump(&db);
    let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(dump(&db), after, "a retry changed the ledger again");
    let lines = serve.wait_lines(2);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["ledger"], lines[1]["ledger"], "one effect, reported twice");
    let status = &tokens(&db, &["status", token])[0];
    assert_eq!(status["state"], "completed", "{status}");
    assert_eq!(status["results"].as_array().map(Vec::len), Some(1), "{status}");
}

/// stdout fails after the ledger committed (here /dev/full): 503, and the server stops with
/// exit 1 and says why. The sender's retry, to a server with a working stdout, applies the
/// same webhook again: the same ledger, and the line printed then.
#[test]
fn stdout_that_fails_after_a_commit_stops_the_server_and_the_retry_changes_nothing_more() {
    let dir = TempDir::new("serve-full");
    let db = dir.db();
    let links = issue(&db, "sub-1", 1, "http://127.0.0.1:9");
    let token = &links[0].1;
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("opens /dev/full");
    let mut serve = Serve::start_under(&["env"], &db, Stdio::from(full));
    let body = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");
    let (status, text) = post(&agent(), &serve.url("/webhook"), body.as_bytes());
    assert_eq!(status, 503, "{text}");
    assert_eq!(wait_exit(&mut serve.child).code(), Some(1), "{}", serve.stderr());
    let stderr = serve.wait_stderr(&["cannot write the webhook lines to stdout"]);
    assert!(stderr.contains("cannot write the webhook lines to stdout"), "{stderr}");
    let committed = dump(&db);

    let again = Serve::start(&db, &["--unverified"], None);
    let (status, text) = post(&agent(), &again.url("/webhook"), body.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(dump(&db), committed, "the retry made a second, different change");
    assert_eq!(again.wait_lines(1)[0]["ledger"]["status"]["state"], "completed");
}

/// A file size limit (`ulimit -f`) makes writes fail with EFBIG instead of killing the
/// server with SIGXFSZ: a stdout that reaches it stops the server with exit 1 and a message.
#[test]
fn a_file_size_limit_on_stdout_stops_the_server_with_a_message() {
    let dir = TempDir::new("serve-fsize-out");
    let out = std::fs::File::create(dir.join("webhooks.jsonl")).expect("creates the output");
    let mut serve = Serve::start_under(&["prlimit", "--fsize=2048", "--"], ":memory:", Stdio::from(out));
    let agent = agent();
    let mut refused = None;
    for n in 0..100 {
        let body = face_auth_body(&format!("tok_fsize{n:04}"), "fa-1", "approved", "2025-11-12T02:00:00Z");
        let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
        if status != 200 {
            refused = Some((status, text));
            break;
        }
    }
    let Some((status, text)) = refused else { panic!("2 KiB held 100 lines") };
    assert_eq!(status, 503, "{text}");
    let code = wait_exit(&mut serve.child);
    assert_eq!(code.code(), Some(1), "{code:?}: {}", serve.stderr());
    let stderr = serve.wait_stderr(&["cannot write the webhook lines to stdout", "too large"]);
    assert!(
        stderr.contains("cannot write the webhook lines to stdout") && stderr.contains("too large"),
        "{stderr}"
    );
}

/// The ledger's file reaching the file size limit is a storage failure like any other: 503
/// with the reason on stderr, nothing recorded for that webhook, and the server goes on.
#[test]
fn a_file_size_limit_on_the_ledger_is_503_and_the_server_goes_on() {
    let dir = TempDir::new("serve-fsize-ledger");
    let db = dir.db();
    let links = issue(&db, "sub-1", 100, "http://127.0.0.1:9");
    let serve = Serve::start_under(&["prlimit", "--fsize=98304", "--"], &db, Stdio::piped());
    let agent = agent();
    let mut refused = None;
    for (_, token) in &links {
        let body = face_auth_body(token, "fa-1", "approved", "2025-11-12T02:00:00Z");
        let (status, text) = post(&agent, &serve.url("/webhook"), body.as_bytes());
        if status != 200 {
            refused = Some((token, status, text));
            break;
        }
    }
    let Some((token, status, text)) = refused else { panic!("96 KiB held 100 commits") };
    assert_eq!(status, 503, "{text}");
    assert_eq!(answer(agent.get(&serve.url("/healthz")).call()).0, 200, "{}", serve.stderr());
    let stderr = serve.wait_stderr(&["503 the ledger failed"]);
    assert!(stderr.contains("503 the ledger failed"), "{stderr}");
    assert_eq!(tokens(&db, &["status", token])[0]["state"], "unused");
}

/// Whatever the umask (000 here), a ledger the server creates, and its `-wal` and `-shm`
/// files, are 0600; an existing one that others can read gets a warning.
#[cfg(unix)]
#[test]
fn a_new_ledger_is_private_and_a_shared_one_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("serve-mode");
    let db = dir.db();
    let mut serve = Serve::start_under(&["sh", "-c", "umask 000; exec \"$0\" \"$@\""], &db, Stdio::piped());
    let body = face_auth_body("tok_mode00001", "fa-1", "approved", "2025-11-12T02:00:00Z");
    assert_eq!(post(&agent(), &serve.url("/webhook"), body.as_bytes()).0, 200);
    for suffix in ["", "-wal", "-shm"] {
        let mode = std::fs::metadata(format!("{db}{suffix}")).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "tokens.db{suffix}");
    }
    assert_eq!(serve.terminate().code(), Some(0));
    assert!(!serve.stderr().contains("warning"), "{}", serve.stderr());

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut shared = Serve::start(&db, &["--unverified"], None);
    assert_eq!(shared.terminate().code(), Some(0));
    let stderr = shared.stderr();
    assert!(stderr.contains("warning: the token ledger") && stderr.contains("mode 644"), "{stderr}");
}

/// SQLite `file:` URIs are refused before anything opens: `file::memory:` would have kept
/// nothing while answering 200.
#[test]
fn a_file_uri_ledger_is_refused() {
    for location in ["file::memory:", "file:ledger.db?mode=memory", ""] {
        let output = faceauth()
            .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", location, "--unverified"])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{location}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // clap itself refuses an empty value, as for every --ledger.
        let refused = if location.is_empty() { "--ledger" } else { "cannot open the token ledger" };
        assert!(stderr.contains(refused), "{stderr}");
    }
}
