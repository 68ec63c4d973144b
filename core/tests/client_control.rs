//! The client under control: cancellation from another thread, deadlines over retries, an
//! explicit proxy, private CAs, the user agent and the attempt hook, each against a small
//! server this file starts on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use faceauth::api::{Attempt, CallOptions, Cancel, Client, Outcome};
use faceauth::ErrorKind;

const KEY: &str = "test-api-key-never-shown";
/// How long a stalling server holds a request: far longer than any test waits.
const STALL: Duration = Duration::from_secs(30);
/// What "promptly" means here: an order of magnitude above the real figure, far below STALL.
const PROMPTLY: Duration = Duration::from_secs(2);

/// What the server does with the n-th request (0-based).
#[derive(Clone)]
enum Act {
    Answer { status: u16, body: &'static str },
    Stall,
}

/// What a server saw.
#[derive(Default)]
struct Seen {
    /// Request heads, in order.
    heads: Vec<String>,
    /// Connections accepted.
    connections: usize,
    /// When a stalled connection was closed by the client.
    stalled_closed: Option<Instant>,
}

struct Server {
    url: String,
    seen: Arc<Mutex<Seen>>,
}

/// Reads one request head (and its body, by Content-Length); None at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0usize);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(head)
}

fn answer(stream: &mut TcpStream, status: u16, body: &str, n: usize) {
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nx-amzn-requestid: req-{}\r\nContent-Length: {}\r\n\r\n{body}",
        n + 1,
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

/// A keep-alive HTTP server acting out `script` (its last act repeats), for `script`'s
/// requests and a few more, then gone with the test process.
fn serve(script: Vec<Act>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let shared = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(stream) = stream else { continue };
            shared.lock().expect("lock").connections += 1;
            let (seen, count, script) = (Arc::clone(&shared), Arc::clone(&count), script.clone());
            thread::spawn(move || {
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::new(stream);
                while let Some(head) = read_request(&mut reader) {
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    seen.lock().expect("lock").heads.push(head);
                    match script.get(n).or(script.last()).cloned() {
                        Some(Act::Answer { status, body }) => answer(&mut writer, status, body, n),
                        Some(Act::Stall) | None => {
                            // Wait for the client to give up: a read returns 0 (or fails) then.
                            let _ = writer.set_read_timeout(Some(STALL));
                            let mut byte = [0u8; 1];
                            let _ = reader.get_mut().read(&mut byte);
                            seen.lock().expect("lock").stalled_closed = Some(Instant::now());
                            return;
                        }
                    }
                }
            });
        }
    });
    Server { url, seen }
}

const SUCCESS: &str = r#"{"message": "success"}"#;

fn builder(url: &str) -> faceauth::api::ClientBuilder {
    Client::builder(KEY)
        .base_url(url)
        .proxy_from_env(false)
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .timeout(STALL * 2)
}

#[test]
fn a_cancel_from_another_thread_aborts_the_request_in_flight_and_the_client_goes_on() {
    let server = serve(vec![Act::Stall, Act::Answer { status: 200, body: SUCCESS }]);
    let client = builder(&server.url).max_retries(3).build().expect("client");
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        trigger.cancel();
    });
    let started = Instant::now();
    let err = client.delete_with(&CallOptions::new().cancel(&cancel), "auth-1").expect_err("cancelled");
    let returned = Instant::now();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert_eq!(err.attempts(), Some(1), "{err}");
    assert!(returned - started < PROMPTLY, "returned after {:?}", returned - started);
    // The server sees the connection closed, and no second request.
    let deadline = Instant::now() + PROMPTLY;
    while server.seen.lock().expect("lock").stalled_closed.is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    {
        let seen = server.seen.lock().expect("lock");
        assert!(seen.stalled_closed.is_some(), "the server never saw the connection closed");
        assert_eq!(seen.heads.len(), 1, "a request after the cancel");
    }
    // A cancelled handle stays cancelled: nothing is sent.
    let again =
        client.delete_with(&CallOptions::new().cancel(&cancel), "auth-1").expect_err("still cancelled");
    assert_eq!((again.kind(), again.attempts()), (ErrorKind::Cancelled, Some(0)));
    assert_eq!(server.seen.lock().expect("lock").heads.len(), 1);
    // The same client then succeeds, with a fresh handle or none.
    client.delete_with(&CallOptions::new().cancel(&Cancel::new()), "auth-2").expect("after a cancel");
    client.delete("auth-3").expect("plain call");
    assert_eq!(server.seen.lock().expect("lock").heads.len(), 3);
}

#[test]
fn a_cancel_wakes_the_backoff_and_stops_the_retries() {
    let server = serve(vec![Act::Answer { status: 503, body: "{}" }]);
    let client = builder(&server.url)
        .max_retries(5)
        .backoff(Duration::from_secs(20), Duration::from_secs(20))
        .build()
        .expect("client");
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        trigger.cancel();
    });
    let started = Instant::now();
    let err = client.get_with(&CallOptions::new().cancel(&cancel), "auth-1").expect_err("cancelled");
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(started.elapsed() < PROMPTLY, "returned after {:?}", started.elapsed());
    assert_eq!(server.seen.lock().expect("lock").heads.len(), 1);
}

#[test]
fn a_deadline_bounds_the_whole_call_and_names_the_attempts() {
    let server = serve(vec![Act::Answer { status: 503, body: "{}" }]);
    let client = builder(&server.url)
        .max_retries(100)
        .backoff(Duration::from_millis(100), Duration::from_millis(100))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client
        .get_with(&CallOptions::new().timeout(Duration::from_millis(700)), "auth-1")
        .expect_err("deadline");
    assert!(started.elapsed() < PROMPTLY, "returned after {:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::ApiTimeout, "{err}");
    let attempts = err.attempts().expect("attempts");
    assert!(attempts >= 2, "{err}");
    assert_eq!(server.seen.lock().expect("lock").heads.len(), attempts as usize);
    assert!(err.to_string().contains(&format!("after {attempts} attempts")), "{err}");

    // A deadline that passes while the server stalls ends the attempt too.
    let stalling = serve(vec![Act::Stall]);
    let client = builder(&stalling.url).build().expect("client");
    let started = Instant::now();
    let err = client
        .get_with(&CallOptions::new().timeout(Duration::from_millis(300)), "auth-1")
        .expect_err("deadline");
    assert!(started.elapsed() < PROMPTLY, "returned after {:?}", started.elapsed());
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::ApiTimeout, Some(1)), "{err}");
}

#[test]
fn the_hook_sees_each_attempt_with_its_status_and_route() {
    let server = serve(vec![
        Act::Answer { status: 503, body: "{}" },
        Act::Answer { status: 503, body: "{}" },
        Act::Answer { status: 200, body: SUCCESS },
    ]);
    type Seen = (String, &'static str, Option<u16>, u32, Option<String>);
    let attempts: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = Arc::clone(&attempts);
    let client = builder(&server.url)
        .on_attempt(move |a: &Attempt<'_>| {
            log.lock().expect("lock").push((
                a.method.to_owned(),
                a.route,
                a.outcome.status(),
                a.number,
                a.request_id.map(str::to_owned),
            ));
        })
        .build()
        .expect("client");
    client.delete("auth-1").expect("third attempt succeeds");
    let seen = attempts.lock().expect("lock").clone();
    let expected: Vec<Seen> = (1..=3)
        .map(|n| {
            let status = if n == 3 { 200 } else { 503 };
            ("DELETE".to_owned(), "/FaceAuth", Some(status), n, Some(format!("req-{n}")))
        })
        .collect();
    assert_eq!(seen, expected);

    // The image route, and a failure without a status.
    let kinds: Arc<Mutex<Vec<(&'static str, Outcome)>>> = Arc::default();
    let log = Arc::clone(&kinds);
    let refused = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", refused.local_addr().expect("addr"));
    drop(refused);
    let client = builder(&url)
        .max_retries(0)
        .on_attempt(move |a: &Attempt<'_>| log.lock().expect("lock").push((a.route, a.outcome)))
        .build()
        .expect("client");
    let _ = client.image("auth-1").expect_err("refused");
    assert_eq!(
        *kinds.lock().expect("lock"),
        vec![("/FaceAuth/Image", Outcome::Failed(ErrorKind::ApiConnection))]
    );
}

#[test]
fn a_panicking_hook_does_not_break_the_call() {
    let server =
        serve(vec![Act::Answer { status: 503, body: "{}" }, Act::Answer { status: 200, body: SUCCESS }]);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let client = builder(&server.url)
        .on_attempt(move |_: &Attempt<'_>| {
            counted.fetch_add(1, Ordering::SeqCst);
            panic!("a hook that panics");
        })
        .build()
        .expect("client");
    client.delete("auth-1").expect("the call goes on");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn every_request_carries_the_user_agent_of_its_language() {
    let server = serve(vec![Act::Answer { status: 200, body: SUCCESS }]);
    builder(&server.url).build().expect("client").delete("a").expect("delete");
    builder(&server.url)
        .binding("go")
        .user_agent_suffix("myapp/1.2")
        .build()
        .expect("client")
        .delete("b")
        .expect("delete");
    let heads = server.seen.lock().expect("lock").heads.clone();
    let agents: Vec<String> = heads
        .iter()
        .filter_map(|h| {
            h.lines().find_map(|l| l.strip_prefix("user-agent: ").or(l.strip_prefix("User-Agent: ")))
        })
        .map(str::to_owned)
        .collect();
    let version = faceauth::VERSION;
    assert_eq!(agents, vec![format!("faceauth-rust/{version}"), format!("faceauth-go/{version} myapp/1.2")]);
    for bad in ["bad\nsuffix", "é"] {
        let err = Client::builder(KEY).user_agent_suffix(bad).build().expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}

/// A CONNECT proxy on loopback that tunnels to its target and keeps every CONNECT head.
struct Proxy {
    url: String,
    connects: Arc<Mutex<Vec<String>>>,
}

fn proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let connects: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&connects);
    thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(stream) = stream else { continue };
            let log = Arc::clone(&log);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let Some(head) = read_request(&mut reader) else { return };
                log.lock().expect("lock").push(head.clone());
                let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let Ok(upstream) = TcpStream::connect(&target) else { return };
                let mut client_side = stream;
                let _ = client_side.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut up_read, mut up_write) = (upstream.try_clone().expect("clone"), upstream);
                let mut down = client_side.try_clone().expect("clone");
                thread::spawn(move || {
                    let _ = std::io::copy(&mut reader, &mut up_write);
                    let _ = up_write.shutdown(Shutdown::Write);
                });
                let _ = std::io::copy(&mut up_read, &mut down);
                let _ = down.shutdown(Shutdown::Write);
            });
        }
    });
    Proxy { url, connects }
}

#[test]
fn an_explicit_proxy_is_used_unless_no_proxy_names_the_host_and_never_sees_the_key() {
    let server = serve(vec![Act::Answer { status: 200, body: SUCCESS }]);
    let proxy = proxy();
    let through = builder(&server.url).proxy(&proxy.url).build().expect("client");
    through.delete("auth-1").expect("through the proxy");
    let connects = proxy.connects.lock().expect("lock").clone();
    assert_eq!(connects.len(), 1, "{connects:?}");
    let port = server.url.rsplit(':').next().expect("port");
    assert!(connects[0].starts_with(&format!("CONNECT 127.0.0.1:{port} ")), "{}", connects[0]);
    assert!(!connects[0].contains(KEY) && !connects[0].to_ascii_lowercase().contains("x-api-key"));
    // The key did reach the API host, inside the tunnel.
    assert!(server.seen.lock().expect("lock").heads[0].contains(KEY));

    let bypass =
        builder(&server.url).proxy(&proxy.url).no_proxy("example.com, 127.0.0.1").build().expect("client");
    bypass.delete("auth-2").expect("direct");
    assert_eq!(proxy.connects.lock().expect("lock").len(), 1);
    assert_eq!(server.seen.lock().expect("lock").heads.len(), 2);

    for bad in ["socks5://127.0.0.1:1080", "http://"] {
        let err = Client::builder(KEY).proxy(bad).build().expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}: {err}");
    }
}

/// A file under the temporary directory, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("faceauth-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A TLS server on loopback with a certificate from a CA made here; returns its URL and the
/// CA's PEM.
fn tls_server() -> (String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "faceauth test CA");
    let ca_pem = ca.self_signed(&ca_key).expect("CA").pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).expect("key der"),
        )
        .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    thread::spawn(move || {
        for stream in listener.incoming().take(10) {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                let tls = rustls::StreamOwned::new(connection, stream);
                let mut reader = BufReader::new(tls);
                while read_request_tls(&mut reader).is_some() {
                    let reply =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{SUCCESS}", SUCCESS.len());
                    if reader.get_mut().write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, ca_pem)
}

fn read_request_tls<R: Read>(reader: &mut BufReader<R>) -> Option<()> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            return Some(());
        }
    }
}

#[test]
fn a_private_ca_is_untrusted_without_its_bundle_and_trusted_with_it() {
    let (url, ca_pem) = tls_server();
    let err = builder(&url).max_retries(0).build().expect("client").delete("auth-1").expect_err("untrusted");
    assert_eq!(err.kind(), ErrorKind::ApiTlsUntrusted, "{err}");
    assert!(err.to_string().contains("not trusted"), "{err}");

    let bundle = TempFile::new("ca.pem", ca_pem.as_bytes());
    builder(&url).ca_file(&bundle.0).build().expect("client").delete("auth-1").expect("trusted");

    // A bad bundle is refused when the client is built, with a clear message.
    let missing = std::env::temp_dir().join("faceauth-no-such-ca.pem");
    let not_pem = TempFile::new("not-pem.txt", b"hello");
    let bad_cert = TempFile::new(
        "bad-cert.pem",
        b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    );
    for (path, words) in [
        (&missing, "cannot read the CA file"),
        (&not_pem.0, "holds no PEM certificate"),
        (&bad_cert.0, "not a valid X.509"),
    ] {
        let err = Client::builder(KEY).ca_file(path).build().expect_err("bad bundle");
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(err.to_string().contains(words), "{err}");
    }
    let err = Client::builder(KEY).ca_file(&bundle.0).platform_roots(true).build().expect_err("both");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn the_environment_s_proxy_is_used_by_default_unless_no_proxy_names_the_host() {
    // The only test here whose clients read the environment (the others turn it off), so
    // changing it cannot disturb them.
    let server = serve(vec![Act::Answer { status: 200, body: SUCCESS }]);
    let proxy = proxy();
    for name in ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"]
    {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    let client = Client::builder(KEY).base_url(&server.url).build().expect("client");
    client.delete("auth-1").expect("through the proxy");
    assert_eq!(proxy.connects.lock().expect("lock").len(), 1);
    assert!(!proxy.connects.lock().expect("lock")[0].contains(KEY));

    std::env::set_var("NO_PROXY", "localhost,127.0.0.1");
    let client = Client::builder(KEY).base_url(&server.url).build().expect("client");
    client.delete("auth-2").expect("direct");
    assert_eq!(proxy.connects.lock().expect("lock").len(), 1);

    std::env::remove_var("NO_PROXY");
    let off = Client::builder(KEY).base_url(&server.url).proxy_from_env(false).build().expect("client");
    off.delete("auth-3").expect("direct");
    assert_eq!(proxy.connects.lock().expect("lock").len(), 1);
    assert_eq!(server.seen.lock().expect("lock").heads.len(), 3);
    std::env::remove_var("HTTPS_PROXY");
}

#[test]
fn a_huge_argument_or_a_malformed_base_url_is_refused_before_sending_never_a_panic() {
    let server = serve(vec![Act::Answer { status: 200, body: SUCCESS }]);
    let client = builder(&server.url).build().expect("client");
    let huge = "x".repeat(1_000_000);
    for err in [client.get(&huge).expect_err("get"), client.delete(&huge).expect_err("delete")] {
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(err.to_string().len() < 300, "{err}");
    }
    assert!(server.seen.lock().expect("lock").heads.is_empty());
    let spaced = builder("http://127.0.0.1:1/a b").max_retries(0).build().expect("client");
    let err = spaced.get("auth-1").expect_err("bad URL");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}

#[test]
fn sequential_calls_reuse_one_connection_with_or_without_options() {
    let server = serve(vec![Act::Answer { status: 200, body: SUCCESS }]);
    let client = builder(&server.url).build().expect("client");
    let cancel = Cancel::new();
    for n in 0..6 {
        let options = match n % 3 {
            0 => CallOptions::new(),
            1 => CallOptions::new().cancel(&cancel),
            _ => CallOptions::new().timeout(Duration::from_secs(30)),
        };
        client.delete_with(&options, "auth-1").expect("delete");
    }
    let seen = server.seen.lock().expect("lock");
    assert_eq!((seen.heads.len(), seen.connections), (6, 1));
}
