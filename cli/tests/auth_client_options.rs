//! `faceauth auth …` client options: Ctrl-C cancels the request in flight, and a CA file is
//! checked before anything is sent.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

const KEY: &str = "cli-test-key-never-shown";
/// Far longer than the test waits: only a cancel ends the request sooner.
const STALL: Duration = Duration::from_secs(30);
const PATIENCE: Duration = Duration::from_secs(10);

fn faceauth(base_url: &str, args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("faceauth").expect("binary");
    command
        .args(args)
        .env("FACEAUTH_API_KEY", KEY)
        .env("FACEAUTH_BASE_URL", base_url)
        .env_remove("FACEAUTH_CA_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits for the child at most `PATIENCE`, killing it after that.
fn finish(mut child: Child) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() && started.elapsed() < PATIENCE {
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    child.wait_with_output().expect("output")
}

#[derive(Default)]
struct Seen {
    requests: usize,
    closed: bool,
}

/// A server that reads each request head and never answers; it notes when the client closes.
fn stalling_server() -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming().take(5) {
            let Ok(stream) = stream else { continue };
            let seen = Arc::clone(&shared);
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(STALL));
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                seen.lock().expect("lock").requests += 1;
                let mut byte = [0u8; 1];
                let _ = reader.get_mut().read(&mut byte);
                seen.lock().expect("lock").closed = true;
            });
        }
    });
    (url, seen)
}

#[test]
fn ctrl_c_cancels_the_request_in_flight_and_exits_130() {
    let (url, seen) = stalling_server();
    let child = faceauth(&url, &["auth", "get", "auth-1", "--timeout", "60"]).spawn().expect("spawn");
    let started = Instant::now();
    while seen.lock().expect("lock").requests == 0 && started.elapsed() < PATIENCE {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen.lock().expect("lock").requests, 1, "the request never arrived");
    let interrupted = Instant::now();
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let output = finish(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(interrupted.elapsed() < PATIENCE);
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(!stderr.contains(KEY));
    let deadline = Instant::now() + PATIENCE;
    while !seen.lock().expect("lock").closed && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let seen = seen.lock().expect("lock");
    assert!(seen.closed, "the connection was not closed");
    assert_eq!(seen.requests, 1, "a request after the cancel");
}

#[test]
fn a_ca_file_that_cannot_be_used_is_a_usage_error_before_sending() {
    let (url, seen) = stalling_server();
    let missing = std::env::temp_dir().join("faceauth-cli-no-such-ca.pem");
    let by_option = faceauth(&url, &["auth", "get", "a", "--ca-file", &missing.to_string_lossy()])
        .output()
        .expect("runs");
    let by_env =
        faceauth(&url, &["auth", "get", "a"]).env("FACEAUTH_CA_FILE", &missing).output().expect("runs");
    for output in [by_option, by_env] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot read the CA file"), "{stderr}");
    }
    let both = faceauth(&url, &["auth", "get", "a", "--ca-file", "x.pem", "--platform-roots"])
        .output()
        .expect("runs");
    assert_eq!(both.status.code(), Some(2));
    let proxy =
        faceauth(&url, &["auth", "get", "a", "--proxy", "socks5://127.0.0.1:1"]).output().expect("runs");
    assert_eq!(proxy.status.code(), Some(2), "{}", String::from_utf8_lossy(&proxy.stderr));
    assert_eq!(seen.lock().expect("lock").requests, 0);
}
