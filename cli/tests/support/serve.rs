//! `faceauth webhook serve --unverified` as a child process, for the tests of how it stands up
//! to clients and what it tells its operators.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

/// Generous bounds against hangs.
const PATIENCE: Duration = Duration::from_secs(30);

/// `faceauth webhook serve --unverified` on a free port; killed on drop.
pub struct Serve {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    pub stderr: Arc<Mutex<String>>,
}

impl Serve {
    pub fn start(ledger: &str) -> Serve {
        Serve::start_with(ledger, &[])
    }

    /// With `extra` arguments.
    pub fn start_with(ledger: &str, extra: &[&str]) -> Serve {
        let mut child = Command::cargo_bin("faceauth")
            .expect("binary built")
            .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", ledger, "--unverified"])
            .args(extra)
            .env_remove("FACEAUTH_API_KEY")
            .env_remove("FACEAUTH_WEBHOOK_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut address = None;
        for line in lines.by_ref() {
            let line = line.expect("reads stderr");
            stderr.lock().expect("lock").push_str(&format!("{line}\n"));
            if let Some(url) = line.strip_prefix("faceauth: listening on http://") {
                address = url.split('/').next().map(str::to_owned);
                break;
            }
        }
        let address = address.unwrap_or_else(|| panic!("no address line: {}", stderr.lock().expect("lock")));
        let seen = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                seen.lock().expect("lock").push_str(&format!("{line}\n"));
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || for _ in BufReader::new(stdout).lines().map_while(Result::ok) {});
        Serve { child, address, stderr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The server's resident memory, from /proc, in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).expect("connects");
        stream.set_read_timeout(Some(PATIENCE)).ok();
        stream
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Serve {
    /// stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// stderr once it holds `needle`, or when PATIENCE is out.
    pub fn wait_stderr(&self, needle: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let stderr = self.stderr();
            if stderr.contains(needle) || start.elapsed() > PATIENCE {
                return stderr;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
