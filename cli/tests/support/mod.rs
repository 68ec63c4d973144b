//! Test support: the simulator as a separate process, and a webhook receiver.

#![allow(dead_code)]

pub mod serve;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

pub const API_KEY: &str = "test-api-key-7f3a91c2";
pub const PROJECT: &str = "proj-1";

/// The tests' HTTP client configuration: gives up after `timeout` (none: no limit), reads no
/// proxy from the environment, and makes every status an answer (ureq 3 makes 4xx and 5xx
/// errors by default).
pub fn http_config(timeout: Option<Duration>) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    ureq::Agent::config_builder().timeout_global(timeout).proxy(None).http_status_as_error(false)
}

/// An agent of [`http_config`].
pub fn http_agent(timeout: Option<Duration>) -> ureq::Agent {
    http_config(timeout).build().into()
}

/// The status and the body (as text; empty if unreadable) of an answer, or the transport
/// error.
pub fn http_text(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, String), ureq::Error> {
    let mut response = result?;
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Ok((response.status().as_u16(), text))
}

/// `method url` with an optional JSON body: the answer's JSON. A transport error, a status of
/// 400 or more, or a body that is not JSON fails the test.
pub fn http_json(method: &str, url: &str, body: Option<Value>) -> Value {
    let request = ureq::http::Request::builder().method(method).uri(url);
    let agent = http_agent(None);
    let result = match body {
        Some(body) => agent.run(
            request.header("content-type", "application/json").body(body.to_string()).expect("a request"),
        ),
        // POST without a body sends an empty one (Content-Length: 0), as ureq 2 did.
        None if matches!(method, "POST" | "PUT" | "PATCH") => {
            agent.run(request.body(Vec::new()).expect("a request"))
        }
        None => agent.run(request.body(()).expect("a request")),
    };
    let (status, text) = http_text(result).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    assert!(status < 400, "{method} {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"))
}

/// `faceauth mock` running on a free port; killed on drop.
pub struct Mock {
    child: Child,
    pub url: String,
}

impl Mock {
    /// Starts the simulator with `--port 0 --api-key API_KEY --project-id PROJECT` and `args`.
    pub fn start(args: &[&str]) -> Mock {
        let mut child = Command::cargo_bin("faceauth")
            .expect("binary built")
            .args(["mock", "--port", "0", "--api-key", API_KEY, "--project-id", PROJECT])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mock starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("reads the address line");
        let url = line.trim().strip_prefix("listening on ").expect("an address line").to_owned();
        Mock { child, url }
    }

    /// Starts the simulator with a seed file written from `config` (JSON).
    pub fn with_seed(config: &Value, args: &[&str]) -> Mock {
        let path = std::env::temp_dir().join(format!(
            "faceauth-seed-{}-{}.json",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::write(&path, config.to_string()).expect("writes seed");
        let path_text = path.to_str().expect("utf-8 temp path").to_owned();
        let mut all = vec!["--seed", path_text.as_str()];
        all.extend_from_slice(args);
        let mock = Mock::start(&all);
        std::fs::remove_file(&path).ok();
        mock
    }

    /// A client for this simulator with fast retries.
    pub fn client(&self) -> faceauth::api::Client {
        self.client_builder().build().expect("client")
    }

    pub fn client_builder(&self) -> faceauth::api::ClientBuilder {
        faceauth::api::Client::builder(API_KEY)
            .base_url(&self.url)
            .backoff(Duration::from_millis(5), Duration::from_millis(20))
            .timeout(Duration::from_secs(10))
    }

    /// GET a control endpoint.
    pub fn control_get(&self, path: &str) -> Value {
        http_json("GET", &format!("{}{path}", self.url), None)
    }

    /// POST JSON to a control endpoint.
    pub fn control(&self, path: &str, body: Value) -> Value {
        http_json("POST", &format!("{}{path}", self.url), Some(body))
    }

    /// How many requests for `route` (e.g. "POST /faceauth") arrived, and how many were processed.
    pub fn counts(&self, route: &str) -> (u64, u64) {
        let counts = self.control_get("/_mock/requests");
        let get = |which: &str| counts[which][route].as_u64().unwrap_or(0);
        (get("received"), get("processed"))
    }

    /// Adds an approved submission.
    pub fn add_submission(&self, id: &str) {
        self.control("/_mock/submissions", serde_json::json!({"id": id, "status": "approved"}));
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The simulator's webhook inbox, with the waits these tests use.
pub struct Receiver(faceauth_mock::WebhookInbox);

impl Receiver {
    pub fn start() -> Receiver {
        Receiver(faceauth_mock::WebhookInbox::start().expect("inbox"))
    }

    pub fn url(&self) -> &str {
        self.0.url()
    }

    /// The next body received, within 10 s.
    pub fn next(&self) -> Vec<u8> {
        self.0.next(Duration::from_secs(10)).expect("a webhook arrives")
    }

    /// True if no further body arrives within `wait`.
    pub fn quiet_for(&self, wait: Duration) -> bool {
        self.0.next(wait).is_none()
    }
}

/// A server that answers every request with `status` and `body`, verbatim.
pub fn canned_server(status: &str, content_type: &str, body: &'static str) -> String {
    Scripted::start(vec![Answer::reply(status, content_type, body)]).url
}

/// One scripted answer of a [`Scripted`] server.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A response: status line text (`200 OK`), extra headers, body.
    Reply { status: String, headers: Vec<(String, String)>, body: String },
    /// Read the request, then say nothing until the client gives up and closes (at most 10 s).
    Stall,
    /// Read the request, then close the connection without answering.
    Hangup,
}

impl Answer {
    pub fn reply(status: &str, content_type: &str, body: &str) -> Answer {
        Answer::Reply {
            status: status.to_owned(),
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.to_owned(),
        }
    }

    /// `200 OK` with a JSON body.
    pub fn json(body: &Value) -> Answer {
        Answer::reply("200 OK", "application/json", &body.to_string())
    }

    /// A redirect to `location`.
    pub fn redirect(status: &str, location: &str) -> Answer {
        Answer::Reply {
            status: status.to_owned(),
            headers: vec![("Location".to_owned(), location.to_owned())],
            body: String::new(),
        }
    }
}

/// A loopback HTTP server that gives its answers in order, one per connection (the last one
/// repeats), and records each request's head and body.
pub struct Scripted {
    pub url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Scripted {
    pub fn start(answers: Vec<Answer>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let Some(answer) = answers.get(n).or(answers.last()).cloned() else { return };
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &answer, &seen));
            }
        });
        Scripted { url, requests }
    }

    /// Each request received so far: the head (request line and headers) and body, as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.requests().len()
    }
}

fn serve(mut stream: std::net::TcpStream, answer: &Answer, seen: &std::sync::Mutex<Vec<String>>) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    // The head, then as many body bytes as Content-Length names.
    let complete = |request: &[u8]| -> bool {
        let text = String::from_utf8_lossy(request);
        let Some(head_end) = text.find("\r\n\r\n") else { return false };
        let length = text[..head_end]
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        request.len() >= head_end + 4 + length
    };
    while !complete(&request) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    if request.is_empty() {
        return;
    }
    if let Ok(mut seen) = seen.lock() {
        seen.push(String::from_utf8_lossy(&request).into_owned());
    }
    match answer {
        Answer::Reply { status, headers, body } => {
            let mut reply = format!("HTTP/1.1 {status}\r\n");
            for (name, value) in headers {
                reply.push_str(&format!("{name}: {value}\r\n"));
            }
            reply.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()));
            let _ = stream.write_all(reply.as_bytes());
        }
        Answer::Stall => {
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        }
        Answer::Hangup => {}
    }
}

/// A fresh directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "faceauth-cli-{tag}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("creates a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The token ledger file inside the directory, as an argument.
    pub fn db(&self) -> String {
        self.0.join("tokens.db").to_str().expect("a UTF-8 temp path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Issues one count-rule link for submission `sub-1` into the SQLite ledger `db`; its token.
pub fn issue_one(db: &str) -> String {
    let output = Command::cargo_bin("faceauth")
        .expect("binary built")
        .args(["tokens", "--db", db, "issue", "--pid", PROJECT, "--sid", "sub-1"])
        .args(["--rule", "count", "--count", "1", "--base-url", "http://127.0.0.1:9"])
        .args(["--api-key", API_KEY, "--durability", "normal"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let link: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    link["token"].as_str().expect("a token id").to_owned()
}

/// Runs `cmd` with `stdin` fed through a pipe and stdout and stderr captured. A command that
/// refuses its arguments exits without reading, so a closed stdin pipe is not an error.
pub fn run_piped(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns");
    child.stdin.take().expect("stdin").write_all(stdin).ok();
    child.wait_with_output().expect("runs")
}

/// (token, sid) of every complete output row of a `batch` that minted tokens (a row cut short
/// by a kill is left out).
pub fn written_tokens(output: &str) -> Vec<(String, String)> {
    let complete = &output[..output.rfind('\n').map_or(0, |i| i + 1)];
    let mut reader = csv::Reader::from_reader(complete.as_bytes());
    let token = reader.headers().expect("header").iter().position(|h| h == "token").expect("a token column");
    reader.records().map(|r| r.expect("row")).map(|r| (r[token].to_owned(), r[0].to_owned())).collect()
}

/// Rows in the input of [`batch_killed_mid_run`].
pub const KILLED_BATCH_ROWS: usize = 400_000;

/// Runs `cmd` (a `faceauth` command with its key set) as `batch --new-tokens --ledger LEDGER` over
/// [`KILLED_BATCH_ROWS`] generated rows in `dir`, kills it with SIGKILL once a few ledger chunks
/// are out, and returns the (token, sid) of every row it had written.
pub fn batch_killed_mid_run(mut cmd: Command, dir: &TempDir, ledger: &str) -> Vec<(String, String)> {
    let (input, out) = (dir.join("in.csv"), dir.join("out.csv"));
    let mut text = String::with_capacity(KILLED_BATCH_ROWS * 16);
    text.push_str("sid\n");
    for i in 0..KILLED_BATCH_ROWS {
        text.push_str(&format!("sub-{i}\n"));
    }
    std::fs::write(&input, text).expect("writes input");

    let mut child = cmd
        .args(["batch", "--pid", "p", "--new-tokens", "--ledger", ledger])
        .args(["--input", input.to_str().expect("path"), "--output", out.to_str().expect("path")])
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    // Wait until a few ledger chunks are out, then kill -9.
    let started = std::time::Instant::now();
    while std::fs::metadata(&out).map_or(0, |m| m.len()) < 600_000 {
        assert!(started.elapsed() < Duration::from_secs(120), "the batch wrote too little");
        assert!(child.try_wait().expect("polls").is_none(), "the batch finished before the kill");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    let rows = written_tokens(&std::fs::read_to_string(&out).expect("output"));
    assert!(
        rows.len() > 1000 && rows.len() < KILLED_BATCH_ROWS,
        "killed mid-run: {} rows written",
        rows.len()
    );
    rows
}
