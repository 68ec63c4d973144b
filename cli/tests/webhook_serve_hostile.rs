//! `faceauth webhook serve` under hostile clients: bodies that stall, a huge header, heads sent
//! a byte at a time, a flood of idle connections. Under all of them at once a real webhook
//! still gets its 200 and `/healthz` answers; the stalled and slow ones are cut off by the
//! server's limits. Latency and the server's memory are printed (`--nocapture`), not asserted.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::serve::Serve;
use support::TempDir;

mod support;

/// Generous bounds against hangs, never timing assertions.
const PATIENCE: Duration = Duration::from_secs(30);

/// How long a real request may wait for its answer under the attack before the test fails:
/// generous (the server's own limits are 5 s of body stall and 10 s for a head), so that only
/// a server that froze fails it.
const ANSWER_BOUND: Duration = Duration::from_secs(5);

/// An agent that gives up after [`ANSWER_BOUND`].
fn agent() -> ureq::Agent {
    support::http_agent(Some(ANSWER_BOUND))
}

/// A real webhook and a health check, answered under whatever else is going on: the statuses
/// and how long each took.
fn real_requests(serve: &Serve, token: &str) -> ((u16, Duration), (u16, Duration)) {
    let agent = agent();
    let body = json!({"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub-1",
        "Auth_Status": "approved", "Token_id": token, "Authentication_id": "fa-1"}})
    .to_string();
    let start = Instant::now();
    let webhook = match support::http_text(agent.post(&serve.url("/webhook")).send(&body)) {
        Ok((status, _)) => status,
        Err(err) => panic!("the webhook got no answer: {err}\n{}", serve.stderr.lock().expect("lock")),
    };
    let webhook_took = start.elapsed();
    let start = Instant::now();
    let health = match support::http_text(agent.get(&serve.url("/healthz")).call()) {
        Ok((status, _)) => status,
        Err(err) => panic!("/healthz got no answer: {err}"),
    };
    ((webhook, webhook_took), (health, start.elapsed()))
}

/// Reads what the server sends until it closes (or PATIENCE runs out): the first line.
fn status_line(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&seen);
    text.lines().next().unwrap_or("").to_owned()
}

/// True once the server has closed `stream` (a read sees the end, or a reset).
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset => return true,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Connections that send a head declaring 500,000 bytes, ten of them, and then nothing.
fn stalled_bodies(serve: &Serve, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|_| {
            let mut stream = serve.connect();
            write!(stream, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n{{\"webhook_")
                .expect("head");
            stream
        })
        .collect()
}

/// More stalled bodies than the old server had workers (4): each is answered 408 once it has
/// sent nothing for a while, its connection closed, and meanwhile a webhook and `/healthz` are
/// answered as usual.
#[test]
fn stalled_bodies_get_408_and_hold_up_nobody() {
    let dir = TempDir::new("hostile-stall");
    let db = dir.db();
    let token = support::issue_one(&db);
    let serve = Serve::start(&db);
    let mut stalled = stalled_bodies(&serve, 20);
    std::thread::sleep(Duration::from_millis(200));
    let ((webhook, webhook_took), (health, health_took)) = real_requests(&serve, &token);
    assert_eq!(webhook, 200, "{}", serve.stderr.lock().expect("lock"));
    assert_eq!(health, 200);
    eprintln!("hostile: 20 stalled bodies: webhook {webhook_took:?}, /healthz {health_took:?}");
    for stream in &mut stalled {
        assert_eq!(status_line(stream), "HTTP/1.1 408 Request Timeout");
        assert!(closed_by_server(stream), "a stalled body's connection stayed open");
    }
    // The log line is read from the server's stderr by another thread: wait for it.
    let stderr = serve.wait_stderr("POST /webhook: 408 the body stalled");
    assert!(stderr.contains("POST /webhook: 408 the body stalled"), "{stderr}");
}

/// A header line of up to 300 MB: the server answers 431 once the head passes its limit and
/// closes the connection, so the sender cannot push the 300 MB, and the server's memory does
/// not grow with it.
#[test]
fn a_huge_header_gets_431_and_memory_stays_bounded() {
    let dir = TempDir::new("hostile-header");
    let serve = Serve::start(&dir.db());
    let before = serve.rss_kib();

    // A whole head just over the limit: 431.
    let mut stream = serve.connect();
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(20 * 1024))
        .expect("head");
    assert_eq!(status_line(&mut stream), "HTTP/1.1 431 Request Header Fields Too Large");
    drop(stream);

    // One header line that would be 300 MB: the server stops reading long before.
    let mut stream = serve.connect();
    stream.set_write_timeout(Some(PATIENCE)).ok();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ").expect("head");
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent: u64 = 0;
    while sent < 300_000_000 {
        match stream.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(_) => break,
        }
    }
    assert!(sent < 64 << 20, "the server read {sent} bytes of one header line");
    let during = serve.rss_kib();
    let health = status_of(agent().get(&serve.url("/healthz")).call());
    assert_eq!(health, 200, "the server after a huge header");
    eprintln!("hostile: 300 MB header line: refused after {sent} bytes sent; RSS {before:?} KiB before, {during:?} KiB after");
}

fn status_of(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> u16 {
    match support::http_text(result) {
        Ok((status, _)) => status,
        Err(err) => panic!("no answer: {err}"),
    }
}

/// Everything at once: 1,000 idle connections, 200 heads sent a byte at a time, 20 stalled
/// bodies. A webhook gets its 200 and `/healthz` answers; the server closes the idle and slow
/// connections once their head deadline passes.
#[test]
fn an_idle_flood_slow_heads_and_stalled_bodies_at_once_hold_up_nobody() {
    let dir = TempDir::new("hostile-flood");
    let db = dir.db();
    let token = support::issue_one(&db);
    let serve = Serve::start(&db);
    let before = serve.rss_kib();

    let mut idle: Vec<TcpStream> = (0..1000).map(|_| serve.connect()).collect();
    let slow: Vec<TcpStream> = (0..200).map(|_| serve.connect()).collect();
    let _stalled = stalled_bodies(&serve, 20);
    // One thread sends each slow head a byte in turn, a header line that never ends, until
    // told to stop; it counts the connections the server has closed.
    let stop = Arc::new(AtomicBool::new(false));
    let dribbler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let head = b"POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            let mut open: Vec<(TcpStream, usize)> = slow.into_iter().map(|s| (s, 0)).collect();
            let mut closed = 0;
            let start = Instant::now();
            while !stop.load(Ordering::Relaxed) && !open.is_empty() && start.elapsed() < PATIENCE {
                open.retain_mut(|(stream, at)| {
                    let byte = head.get(*at).copied().unwrap_or(b'a');
                    *at += 1;
                    let kept = stream.write_all(&[byte]).is_ok();
                    closed += usize::from(!kept);
                    kept
                });
                std::thread::sleep(Duration::from_millis(20));
            }
            closed
        })
    };
    std::thread::sleep(Duration::from_millis(500));

    let ((webhook, webhook_took), (health, health_took)) = real_requests(&serve, &token);
    let during = serve.rss_kib();
    assert_eq!(webhook, 200, "{}", serve.stderr.lock().expect("lock"));
    assert_eq!(health, 200);
    eprintln!(
        "hostile: 1000 idle + 200 slow heads + 20 stalled bodies: webhook {webhook_took:?}, /healthz \
         {health_took:?}; RSS {before:?} KiB before, {during:?} KiB under the attack"
    );

    // The head deadline closes idle connections and slow heads.
    for stream in idle.iter_mut().take(10) {
        assert!(closed_by_server(stream), "an idle connection stayed open");
    }
    let closed = dribbler.join().expect("the dribbler");
    stop.store(true, Ordering::Relaxed);
    assert_eq!(closed, 200, "slow heads the server did not close");
}
