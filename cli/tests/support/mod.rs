//! Test support: the simulator as a separate process, and a webhook receiver.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

pub const API_KEY: &str = "test-api-key-7f3a91c2";
pub const PROJECT: &str = "proj-1";

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
        ureq::get(&format!("{}{path}", self.url)).call().expect("control GET").into_json().expect("JSON")
    }

    /// POST JSON to a control endpoint.
    pub fn control(&self, path: &str, body: Value) -> Value {
        ureq::post(&format!("{}{path}", self.url))
            .send_json(body)
            .expect("control POST")
            .into_json()
            .expect("JSON")
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
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    url
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
