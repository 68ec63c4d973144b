//! HTTP handling, fault injection, the control endpoints and lifecycle.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use faceauth_mock::{FaultConfig, Limits, MockConfig, MockServer};
use serde_json::{json, Value};

fn get_request(extra: &str) -> String {
    format!("GET /faceauth?count=1 HTTP/1.1\r\nHost: mock\r\nx-api-key: {KEY}\r\n{extra}\r\n")
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = start(config());
    let mut conn = connect(&server);
    for _ in 0..3 {
        conn.get_mut().write_all(get_request("").as_bytes()).expect("write");
        let (status, headers, body) = read_response(&mut conn).expect("a response");
        assert_eq!(status, 200);
        assert!(headers.contains(&("connection".into(), "keep-alive".into())));
        assert!(serde_json::from_slice::<Value>(&body).is_ok());
    }
    // Two pipelined requests, the second asking to close.
    let both = format!("{}{}", get_request(""), get_request("Connection: close\r\n"));
    conn.get_mut().write_all(both.as_bytes()).expect("write");
    assert_eq!(read_response(&mut conn).map(|r| r.0), Some(200));
    let (status, headers, _) = read_response(&mut conn).expect("a response");
    assert_eq!(status, 200);
    assert!(headers.contains(&("connection".into(), "close".into())));
    assert!(closed(&mut conn));

    // A POST with a body, then a GET, on one connection.
    let mut conn = connect(&server);
    let body = multipart(&[("submissionId", SID)], Some((b"\x00\x01face\xff", "image/jpeg")));
    let mut request = format!(
        "POST /faceauth HTTP/1.1\r\nHost: mock\r\nx-api-key: {KEY}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        multipart_type(),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request.extend_from_slice(get_request("").as_bytes());
    conn.get_mut().write_all(&request).expect("write");
    assert_eq!(read_response(&mut conn).map(|r| r.0), Some(200));
    let (_, _, listed) = read_response(&mut conn).expect("a response");
    let listed: Value = serde_json::from_slice(&listed).expect("json");
    assert_eq!(listed[0]["data"].as_array().map(Vec::len), Some(1));
}

#[test]
fn malformed_requests_never_take_the_server_down() {
    let server = start(MockConfig { max_body_bytes: 1000, ..config() });
    let status = |bytes: &[u8]| raw(&server, bytes).map(|r| r.0);
    assert_eq!(status(b"garbage\r\n\r\n"), Some(400));
    assert_eq!(status(b"\x00\x01\x02\xff\xfe\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET /faceauth HTTP/9.9\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET /faceauth HTTP/1.1\r\nBad Header\r\n\r\n"), Some(400));
    let big = format!("GET /faceauth HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70_000));
    assert_eq!(status(big.as_bytes()), Some(431));
    let huge =
        format!("POST /faceauth HTTP/1.1\r\nx-api-key: {KEY}\r\nContent-Length: 99999999999999\r\n\r\n");
    let (code, _, body) = raw(&server, huge.as_bytes()).expect("a response");
    assert_eq!(
        (code, serde_json::from_slice::<Value>(&body).ok()),
        (413, Some(json!({"message": "Request Entity Too Large"})))
    );
    // A length no integer holds is not a length: hyper refuses the head as malformed.
    let overflow = "POST /_mock/clock HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n";
    assert_eq!(status(overflow.as_bytes()), Some(400));
    let chunked =
        format!("POST /faceauth HTTP/1.1\r\nx-api-key: {KEY}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_eq!(status(chunked.as_bytes()), Some(411));
    assert_eq!(status(b"GET /faceauth HTTP/1.1\r\nContent-Length: x\r\n\r\n"), Some(400));

    // Half a request, then the client goes away.
    let mut half = TcpStream::connect(server.addr()).expect("connect");
    half.write_all(b"POST /faceauth HTTP/1.1\r\nContent-Length: 10\r\nx-api-key: mock-api-key\r\n\r\nabc")
        .expect("write");
    drop(half);
    // A connection that sends nothing.
    drop(TcpStream::connect(server.addr()).expect("connect"));

    assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
    assert_eq!(control(&server, "GET", "requests", None)["received"]["GET /faceauth"], 1);
}

#[test]
fn expect_continue_is_honoured() {
    let server = start(config());
    let mut conn = connect(&server);
    let body = br#"{"advance_seconds": 1}"#;
    let head = format!(
        "POST /_mock/clock HTTP/1.1\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    conn.get_mut().write_all(head.as_bytes()).expect("write");
    assert_eq!(read_response(&mut conn).map(|r| r.0), Some(100));
    conn.get_mut().write_all(body).expect("write");
    assert_eq!(read_response(&mut conn).map(|r| r.0), Some(200));
}

#[test]
fn one_shot_faults_fail_then_drop_without_changing_state() {
    let server = start(config());
    let ok = control(&server, "POST", "faults", Some(json!({"fail_next": 2, "fail_status": 503})));
    assert_eq!(ok, json!({"ok": true}));
    for _ in 0..2 {
        let answer = submit(&server, SID, b"face");
        assert_eq!((answer.status, answer.json()), (503, json!({"message": "Service Unavailable"})));
    }
    control(&server, "POST", "faults", Some(json!({"fail_next": 1})));
    let answer = call(&server, "GET", "/faceauth", None);
    assert_eq!((answer.status, answer.json()), (503, json!({"message": "Service Unavailable"})));
    control(&server, "POST", "faults", Some(json!({"fail_next": 1, "fail_status": 502})));
    let answer = call(&server, "DELETE", "/faceauth?authId=x", None);
    assert_eq!((answer.status, answer.json()), (502, json!({"message": "Bad Gateway"})));

    control(&server, "POST", "faults", Some(json!({"drop_next": 1})));
    let body = multipart(&[("submissionId", SID)], Some((b"face", "image/jpeg")));
    let mut request = format!(
        "POST /faceauth HTTP/1.1\r\nx-api-key: {KEY}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        multipart_type(),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let mut conn = connect(&server);
    conn.get_mut().write_all(&request).expect("write");
    assert!(closed(&mut conn), "dropped without a byte");

    // None of the failed requests stored anything; then a POST goes through, once.
    let answer = call(&server, "GET", "/faceauth", None);
    assert_eq!(answer.json()[0]["data"], json!([]));
    assert_eq!(submit(&server, SID, b"face").status, 200);
    let counts = control(&server, "GET", "requests", None);
    assert_eq!(counts["received"]["POST /faceauth"], 4);
    assert_eq!(counts["processed"]["POST /faceauth"], 1);
    assert_eq!(counts["received"]["GET /faceauth"], 2);
    assert_eq!(counts["processed"]["GET /faceauth"], 1);
    assert_eq!(counts["received"]["DELETE /faceauth"], 1);
    assert!(counts["processed"].get("DELETE /faceauth").is_none());

    let refused = call_with(
        &server,
        "POST",
        "/_mock/faults",
        None,
        Some(("application/json", br#"{"error_rate": 2}"#)),
    );
    assert_eq!(refused.status, 400);
    let refused =
        call_with(&server, "POST", "/_mock/faults", None, Some(("application/json", br#"{"typo": 1}"#)));
    assert_eq!(refused.status, 400);
}

#[test]
fn random_faults_follow_the_rates() {
    let server = start(MockConfig {
        faults: FaultConfig { error_rate: 1.0, seed: 9, ..FaultConfig::default() },
        ..config()
    });
    let statuses: Vec<u16> = (0..4).map(|_| call(&server, "GET", "/faceauth", None).status).collect();
    assert_eq!(statuses, [500, 502, 500, 502]);
    let answer = call(&server, "GET", "/faceauth", None);
    assert_eq!(answer.json(), json!({"message": "Internal Server Error"}));
    // Control endpoints and the page are never faulted.
    control(&server, "POST", "faults", Some(json!({"error_rate": 0, "drop_rate": 1})));
    let mut conn = connect(&server);
    conn.get_mut().write_all(get_request("").as_bytes()).expect("write");
    assert!(closed(&mut conn));
    control(&server, "POST", "faults", Some(json!({"drop_rate": 0, "latency_ms": 150})));
    let started = Instant::now();
    assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn clock_controls_create_times() {
    let server = start(MockConfig { now: Some("2025-10-02T02:15:17.554Z".into()), ..config() });
    let now = control(&server, "GET", "clock", None)["now"].as_str().expect("now").to_owned();
    assert!(now.starts_with("2025-10-02T02:15:1"), "{now}");
    let set = control(&server, "POST", "clock", Some(json!({"now": "2030-01-01T00:00:00Z"})));
    assert!(set["now"].as_str().is_some_and(|t| t.starts_with("2030-01-01T00:00:0")));
    let moved = control(&server, "POST", "clock", Some(json!({"advance_seconds": 86400})));
    assert!(moved["now"].as_str().is_some_and(|t| t.starts_with("2030-01-02T00:00:0")));
    let created = submit(&server, SID, b"face").json();
    assert!(created["create_time"].as_str().is_some_and(|t| t.starts_with("2030-01-02T00:00:0")));
    let bad =
        call_with(&server, "POST", "/_mock/clock", None, Some(("application/json", br#"{"now": "soon"}"#)));
    assert_eq!(bad.status, 400);
}

#[test]
fn submissions_can_be_added_and_state_hides_keys() {
    let server = start(MockConfig {
        api_key: "very-secret-api-key".into(),
        webhook_key: Some("very-secret-hook-key".into()),
        webhook_url: Some("http://hook-user:very-secret-pw@127.0.0.1:9/hook".into()),
        ..config()
    });
    let post = |sid: &str| {
        let body = multipart(&[("submissionId", sid)], Some((b"face", "image/jpeg")));
        call_with(&server, "POST", "/faceauth", Some("very-secret-api-key"), Some((&multipart_type(), &body)))
            .status
    };
    assert_eq!(post("sub-new"), 400);
    control(&server, "POST", "submissions", Some(json!({"id": "sub-new", "status": "approved"})));
    assert_eq!(post("sub-new"), 200);

    let answer = call_with(&server, "GET", "/_mock/state", None, None);
    assert_eq!(answer.status, 200);
    assert!(!answer.body.contains("very-secret") && !answer.body.contains("hook-user"), "{}", answer.body);
    let state = answer.json();
    assert_eq!(state["config"]["webhook_url"], "http://<redacted>@127.0.0.1:9/hook");
    assert_eq!(state["results"].as_array().map(Vec::len), Some(1));
    assert!(state["submissions"].as_array().is_some_and(|s| s.iter().any(|s| s["id"] == "sub-new")));
    assert!(!format!("{server:?}").contains("very-secret"));
    assert_eq!(call_with(&server, "DELETE", "/_mock/state", None, None).status, 405);
    assert_eq!(call_with(&server, "GET", "/_mock/nothing", None, None).status, 404);
}

#[test]
fn shutdown_stops_listening() {
    let server = start(config());
    let addr = server.addr();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let mut idle = connect(&server);
    server.shutdown();
    assert!(closed(&mut idle), "open connections are closed");
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    assert!(MockServer::start(MockConfig { now: Some("not a time".into()), ..config() }).is_err());
    assert!(MockServer::start(MockConfig { allowed_ips: Some(vec!["nope".into()]), ..config() }).is_err());
}

/// Limits for the connection tests: a small pool, and the given changes.
fn limited(change: impl FnOnce(&mut Limits)) -> MockServer {
    let mut limits = Limits { workers: 2, ..Limits::default() };
    change(&mut limits);
    start(MockConfig { limits, ..config() })
}

/// Reads until the server ends the connection: true if it did (EOF or reset), false if the
/// read timed out first. What was read is returned too.
fn ended_by_server(conn: &mut TcpStream) -> (bool, Vec<u8>) {
    conn.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return (true, got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return (false, got),
            Err(_) => return (true, got),
        }
    }
}

/// Runs `f` on another thread and waits for it, failing the test if it hangs.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("{what} hung"))
}

#[test]
fn idle_connections_beyond_the_pool_do_not_block_requests() {
    let server = limited(|l| l.workers = 4);
    let idle: Vec<TcpStream> =
        (0..200).map(|_| TcpStream::connect(server.addr()).expect("connect")).collect();
    let answer = call(&server, "GET", "/faceauth", None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mut keep_alive = connect(&server);
    for _ in 0..3 {
        keep_alive.get_mut().write_all(get_request("").as_bytes()).expect("write");
        assert_eq!(read_response(&mut keep_alive).map(|r| r.0), Some(200));
    }
    // Shutdown still works with idle and kept-alive connections open, and closes them.
    within("shutdown", move || server.shutdown());
    for mut conn in idle.into_iter().take(5) {
        assert!(ended_by_server(&mut conn).0, "an idle connection is closed on shutdown");
    }
    assert!(closed(&mut keep_alive));
}

#[test]
fn connections_over_the_limit_are_answered_503() {
    let server = limited(|l| l.max_connections = 8);
    let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(server.addr()).expect("connect")).collect();
    // The ninth is refused at once, with an answer.
    let mut ninth = TcpStream::connect(server.addr()).expect("connect");
    let (ended, got) = ended_by_server(&mut ninth);
    assert!(ended, "the connection over the limit is closed");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
    // Once the idle ones go away, requests are served again.
    drop(idle);
    let request = get_request("Connection: close\r\n");
    let served = within("a request after the idle connections closed", move || loop {
        let Ok(mut conn) = TcpStream::connect(server.addr()) else { continue };
        if conn.write_all(request.as_bytes()).is_err() {
            continue;
        }
        let (_, got) = ended_by_server(&mut conn);
        if got.starts_with(b"HTTP/1.1 200 ") {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    });
    assert!(served);
}

/// Sends `first`, then one byte of `trickle` every 50 ms, until the server stops reading.
fn trickler(conn: &TcpStream, first: String, trickle: u8) -> thread::JoinHandle<()> {
    let mut writer = conn.try_clone().expect("clone");
    thread::spawn(move || {
        if writer.write_all(first.as_bytes()).is_err() {
            return;
        }
        for _ in 0..600 {
            thread::sleep(Duration::from_millis(50));
            if writer.write_all(&[trickle]).is_err() {
                return;
            }
        }
    })
}

#[test]
fn a_client_trickling_bytes_is_cut_off_at_the_request_deadline() {
    // Each read gets a byte well within the read timeout: only the whole-request deadline
    // stops these clients.
    let server = limited(|l| {
        l.request_timeout_ms = 500;
        l.read_timeout_ms = 20_000;
    });
    let slow_head = "GET /faceauth HTTP/1.1\r\nX-Slow: ".to_owned();
    let slow_body = "POST /_mock/clock HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"now\": \"".to_owned();
    for (first, byte) in [(slow_head, b'a'), (slow_body, b' ')] {
        let mut conn = TcpStream::connect(server.addr()).expect("connect");
        let writer = trickler(&conn, first.clone(), byte);
        // The server keeps serving others meanwhile.
        assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
        let (ended, got) = ended_by_server(&mut conn);
        assert!(ended, "{first:?}: the slow client is disconnected");
        let text = String::from_utf8_lossy(&got);
        assert!(text.is_empty() || text.starts_with("HTTP/1.1 408 "), "{text}");
        within("the trickling client", move || writer.join().is_ok());
        assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
    }
}

#[test]
fn clients_trickling_their_heads_hold_no_worker() {
    // One worker, and deadlines far beyond the test client's 10 s timeout: were a slow head to
    // hold the worker, the request below could not be served in time.
    let server = limited(|l| {
        l.workers = 1;
        l.request_timeout_ms = 60_000;
        l.read_timeout_ms = 60_000;
    });
    let slow: Vec<(TcpStream, thread::JoinHandle<()>)> = (0..3)
        .map(|_| {
            let conn = TcpStream::connect(server.addr()).expect("connect");
            let writer = trickler(&conn, "GET /faceauth HTTP/1.1\r\nX-Slow: ".to_owned(), b'a');
            (conn, writer)
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
    }
    // Heads ending in LF alone, or mixed, are complete heads too.
    for head in [
        "GET /faceauth HTTP/1.1\nx-api-key: mock-api-key\n\n",
        "GET /faceauth HTTP/1.1\nx-api-key: mock-api-key\n\r\n",
    ] {
        assert_eq!(raw(&server, head.as_bytes()).map(|r| r.0), Some(200), "{head:?}");
    }
    within("shutdown", move || server.shutdown());
    for (conn, writer) in slow {
        drop(conn);
        within("a trickling client", move || writer.join().is_ok());
    }
}

#[test]
fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let server = limited(|l| l.idle_timeout_ms = 300);
    let mut conn = connect(&server);
    conn.get_mut().write_all(get_request("").as_bytes()).expect("write");
    let (status, headers, _) = read_response(&mut conn).expect("a response");
    assert_eq!(status, 200);
    assert!(headers.contains(&("connection".into(), "keep-alive".into())));
    let (ended, got) = ended_by_server(conn.get_mut());
    assert!(ended && got.is_empty(), "the idle keep-alive connection is closed");
    // So is a connection that never sends a request.
    let mut silent = TcpStream::connect(server.addr()).expect("connect");
    assert!(ended_by_server(&mut silent).0, "a silent connection is closed");
    assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
}

#[test]
fn huge_or_zero_limits_are_handled() {
    let server = limited(|l| {
        l.idle_timeout_ms = u64::MAX;
        l.read_timeout_ms = u64::MAX;
        l.request_timeout_ms = u64::MAX;
        l.write_timeout_ms = u64::MAX;
        l.max_connections = usize::MAX;
    });
    let mut conn = connect(&server);
    for _ in 0..2 {
        conn.get_mut().write_all(get_request("").as_bytes()).expect("write");
        assert_eq!(read_response(&mut conn).map(|r| r.0), Some(200));
    }
    // A body too large is still answered and the connection closed, lingering or not.
    let huge = format!("POST /faceauth HTTP/1.1\r\nx-api-key: {KEY}\r\nContent-Length: 99999999999\r\n\r\n");
    assert_eq!(raw(&server, huge.as_bytes()).map(|r| r.0), Some(413));
    within("shutdown", move || server.shutdown());
    for change in [
        (|l: &mut Limits| l.workers = 0) as fn(&mut Limits),
        |l| l.max_connections = 0,
        |l| l.idle_timeout_ms = 0,
        |l| l.request_timeout_ms = 0,
        |l| l.max_header_bytes = 0,
    ] {
        let mut limits = Limits::default();
        change(&mut limits);
        let err = MockServer::start(MockConfig { limits, ..config() }).expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
}

/// A client that sends requests and never reads the answers: once the answers fill the
/// socket's buffers, a write waits, and after `write_timeout_ms` the server closes the
/// connection, which the client sees as a failed write (its own write would otherwise wait for
/// as long as the client lets it: 20 s here). The server goes on serving others.
#[test]
fn a_client_that_never_reads_is_closed_after_the_write_timeout() {
    let server = limited(|l| l.write_timeout_ms = 200);
    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    conn.set_write_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let requests = get_request("").repeat(256);
    let failed = within("a client that never reads", move || loop {
        if let Err(err) = conn.write_all(requests.as_bytes()) {
            return err.kind();
        }
    });
    assert!(
        !matches!(failed, ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "the server kept the connection open: the client's write waited ({failed:?})"
    );
    assert_eq!(call(&server, "GET", "/faceauth", None).status, 200);
}
