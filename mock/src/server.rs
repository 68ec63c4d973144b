//! The listener, one thread per connection, keep-alive, and routing.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use faceauth::crypto::{Cipher, Key, Scheme, Variant};

use crate::api::{self, Endpoint};
use crate::config::{ConfigError, MockConfig};
use crate::faults::{error_message, Decision};
use crate::http::{read_body, read_head, BodyLength, Head, HeadError, Response};
use crate::state::State;
use crate::{control, page};

/// How long a write to a client may block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// A lingering close waits this long for each read of the client's leftover input,
const LINGER_READ_TIMEOUT: Duration = Duration::from_secs(1);
/// this long at most in all,
const LINGER_TIME: Duration = Duration::from_secs(10);
/// and discards at most this many bytes.
const LINGER_BYTES: usize = 256 * 1024 * 1024;
/// The body limit of control and page requests, when `max_body_bytes` is smaller.
const CONTROL_BODY_LIMIT: usize = 1024 * 1024;
/// Webhook deliveries give up after this long.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// An allowed caller: one address, or a CIDR range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    fn parse(text: &str) -> Result<IpRange, ConfigError> {
        let bad =
            || ConfigError::invalid("allowed_ips", format!("{text:?} is not an IP address or CIDR range"));
        let (addr, prefix) = text.trim().split_once('/').map_or((text.trim(), None), |(a, p)| (a, Some(p)));
        let net = canonical(IpAddr::from_str(addr).map_err(|_| bad())?);
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpRange { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Everything the connection threads share.
pub(crate) struct Shared {
    pub config: MockConfig,
    /// Decrypts hosted-page URLs.
    pub url_cipher: Cipher,
    /// Encrypts webhook bodies, when the config has a webhook key.
    pub webhook_cipher: Option<Cipher>,
    allowed: Option<Vec<IpRange>>,
    state: Mutex<State>,
    pub agent: ureq::Agent,
    stopping: AtomicBool,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new(config: MockConfig) -> Result<Shared, ConfigError> {
        let variant =
            Variant::from_str(&config.scheme).map_err(|e| ConfigError::invalid("scheme", e.to_string()))?;
        let url_key = config.url_key.as_deref().unwrap_or(&config.api_key);
        let url_cipher = Cipher::from_key_string(url_key, variant)
            .map_err(|e| ConfigError::invalid("url_key", e.to_string()))?;
        let webhook_cipher = match &config.webhook_key {
            Some(key) => Some(Cipher::new(
                &Key::derive(key).map_err(|e| ConfigError::invalid("webhook_key", e.to_string()))?,
                Scheme::Ecb,
            )),
            None => None,
        };
        let allowed = match &config.allowed_ips {
            Some(list) => Some(list.iter().map(|ip| IpRange::parse(ip)).collect::<Result<Vec<_>, _>>()?),
            None => None,
        };
        if config.max_body_bytes == 0 {
            return Err(ConfigError::invalid("max_body_bytes", "must be at least 1"));
        }
        let state = State::new(&config)?;
        Ok(Shared {
            url_cipher,
            webhook_cipher,
            allowed,
            state: Mutex::new(state),
            agent: ureq::AgentBuilder::new().timeout(WEBHOOK_TIMEOUT).build(),
            stopping: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            config,
        })
    }

    /// The state, locked. Never held across I/O.
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn ip_allowed(&self, ip: IpAddr) -> bool {
        self.allowed.as_ref().is_none_or(|ranges| ranges.iter().any(|r| r.contains(ip)))
    }
}

/// A running FaceAuth simulator.
///
/// It serves the REST API (`/faceauth`, `/faceauth/image`), the hosted page (`/face-auth`) and
/// the test control endpoints (`/_mock/…`) over HTTP/1.1 on its own threads. Dropping it (or
/// [`shutdown`](Self::shutdown)) stops accepting and closes open connections.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl MockServer {
    /// Binds `config.host:config.port` (port 0 picks a free port) and starts serving.
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidInput`] if the configuration is unusable (bad scheme, seed,
    /// time, IP range…), or the error of binding the address.
    pub fn start(config: MockConfig) -> io::Result<MockServer> {
        let shared = Shared::new(config).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind((shared.config.host.as_str(), shared.config.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(shared);
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("faceauth-mock-accept".to_owned())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(MockServer { addr, shared, accept: Some(accept) })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the server, e.g. `http://127.0.0.1:8700`: the REST base and the hosted
    /// page's base at once.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, waits for the accept thread, and closes open connections.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else { return };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept thread with a connection of our own.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port())
            }
            _ => self.addr,
        };
        if TcpStream::connect_timeout(&wake, Duration::from_secs(2)).is_ok() {
            let _ = accept.join();
        }
        for (_, stream) in lock(&self.shared.connections).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                // Out of descriptors, or a connection reset before accept: try again shortly.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.connections).insert(id, clone);
        }
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new().name("faceauth-mock-conn".to_owned()).spawn(move || {
            serve_connection(&conn_shared, stream);
            lock(&conn_shared.connections).remove(&id);
        });
        if spawned.is_err() {
            if let Some(stream) = lock(&shared.connections).remove(&id) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// What to do after one request.
enum Outcome {
    Respond(Response),
    /// Close the connection without an answer.
    Drop,
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let Ok(peer) = stream.peer_addr() else { return };
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::with_capacity(16 * 1024, stream);
    loop {
        let (label, outcome) = match read_head(&mut reader) {
            Ok(head) => {
                let label = format!("{} {}", head.method, head.path);
                let started = Instant::now();
                let outcome = handle(shared, &mut reader, &head, peer.ip());
                let outcome = match outcome {
                    Outcome::Respond(mut response) => {
                        response.close |= head.wants_close();
                        Outcome::Respond(response)
                    }
                    Outcome::Drop => Outcome::Drop,
                };
                (format!("{label} ({} ms)", started.elapsed().as_millis()), outcome)
            }
            Err(HeadError::Closed) => return,
            Err(HeadError::Malformed(what)) => (
                format!("malformed request ({what})"),
                Outcome::Respond(Response::message(400, "Bad Request").closing()),
            ),
            Err(HeadError::TooLarge) => (
                "oversized request head".to_owned(),
                Outcome::Respond(Response::message(431, "Request Header Fields Too Large").closing()),
            ),
        };
        if shared.config.verbose {
            let result = match &outcome {
                Outcome::Respond(response) => response.status.to_string(),
                Outcome::Drop => "dropped".to_owned(),
            };
            eprintln!("faceauth-mock: {} {label} -> {result}", peer.ip());
        }
        match outcome {
            Outcome::Respond(response) => {
                if response.write_to(reader.get_ref()).is_err() {
                    let _ = reader.get_ref().shutdown(Shutdown::Both);
                    return;
                }
                if response.close {
                    linger(&mut reader);
                    return;
                }
            }
            Outcome::Drop => {
                let _ = reader.get_ref().shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// Closes after an answer while the client may still be sending (a body too large, say):
/// closing with unread data would reset the connection and could destroy the answer before the
/// client reads it, so the rest of the input is read and discarded for a while first.
fn linger(reader: &mut BufReader<TcpStream>) {
    let stream = reader.get_mut();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER_READ_TIMEOUT));
    let deadline = Instant::now() + LINGER_TIME;
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0usize;
    while Instant::now() < deadline && total < LINGER_BYTES {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    let _ = stream.shutdown(Shutdown::Read);
}

/// Where a path leads.
enum Route<'a> {
    Api(Endpoint),
    Page,
    Control(&'a str),
    NotFound,
}

fn route(path: &str) -> Route<'_> {
    // The REST base is `…/v3`; accept the API with or without it.
    let path = path.strip_prefix("/v3").filter(|rest| rest.starts_with('/')).unwrap_or(path);
    let trimmed = path.trim_end_matches('/');
    if trimmed.eq_ignore_ascii_case("/faceauth") {
        Route::Api(Endpoint::Results)
    } else if trimmed.eq_ignore_ascii_case("/faceauth/image") {
        Route::Api(Endpoint::Image)
    } else if trimmed == "/face-auth" {
        Route::Page
    } else if let Some(rest) = path.strip_prefix("/_mock/") {
        Route::Control(rest.trim_end_matches('/'))
    } else {
        Route::NotFound
    }
}

/// Reads the body a request announces; `None` if the connection failed mid-body.
fn body(reader: &mut BufReader<TcpStream>, head: &Head, len: usize) -> Option<Vec<u8>> {
    if len > 0 && head.expects_continue() {
        reader.get_ref().write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    read_body(reader, len).ok()
}

fn handle(shared: &Shared, reader: &mut BufReader<TcpStream>, head: &Head, peer: IpAddr) -> Outcome {
    let max = shared.config.max_body_bytes;
    let len = match head.body_length() {
        BodyLength::Length(len) => len,
        BodyLength::Unsupported => {
            return Outcome::Respond(Response::message(411, "Length Required").closing());
        }
        BodyLength::Invalid => return Outcome::Respond(Response::message(400, "Bad Request").closing()),
    };
    let too_large = || Outcome::Respond(Response::message(413, "Request Entity Too Large").closing());
    match route(&head.path) {
        Route::Api(endpoint) => {
            let key = format!("{} {}", head.method, endpoint.path());
            State::count(&mut shared.state().received, &key);
            let denial = if !shared.ip_allowed(peer) {
                Some("User is not authorized to access this resource with an explicit deny")
            } else if head.header("x-api-key") != Some(shared.config.api_key.as_str()) {
                Some("Forbidden")
            } else {
                None
            };
            if let Some(message) = denial {
                let response = Response::message(403, message);
                // Keep the connection only if the body can be read past without asking for it.
                if len > max || head.expects_continue() {
                    return Outcome::Respond(response.closing());
                }
                return match read_body(reader, len) {
                    Ok(_) => Outcome::Respond(response),
                    Err(_) => Outcome::Drop,
                };
            }
            if len > max {
                return too_large();
            }
            let Some(body) = body(reader, head, len) else { return Outcome::Drop };
            let latency = shared.state().faults.settings.latency_ms;
            if latency > 0 {
                thread::sleep(Duration::from_millis(latency));
            }
            let decision = shared.state().faults.decide();
            match decision {
                Decision::Drop => return Outcome::Drop,
                Decision::Fail(status) => {
                    return Outcome::Respond(Response::message(status, error_message(status)));
                }
                Decision::Pass => State::count(&mut shared.state().processed, &key),
                Decision::Lose => {
                    State::count(&mut shared.state().processed, &key);
                    api::handle(shared, head, endpoint, &body);
                    return Outcome::Drop;
                }
            }
            Outcome::Respond(api::handle(shared, head, endpoint, &body))
        }
        route => {
            // Control requests are never refused for a small test limit.
            if len > max.max(CONTROL_BODY_LIMIT) {
                return too_large();
            }
            let Some(body) = body(reader, head, len) else { return Outcome::Drop };
            Outcome::Respond(match route {
                Route::Page => page::handle(shared, head),
                Route::Control(what) => control::handle(shared, head, what, &body),
                Route::Api(_) | Route::NotFound => Response::message(404, "Not Found"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_ranges() {
        let one = IpRange::parse("10.1.2.3").expect("ip");
        assert!(one.contains("10.1.2.3".parse().expect("ip")));
        assert!(!one.contains("10.1.2.4".parse().expect("ip")));
        let net = IpRange::parse("127.0.0.0/8").expect("cidr");
        assert!(net.contains("127.9.9.9".parse().expect("ip")));
        assert!(net.contains("::ffff:127.0.0.1".parse().expect("ip")));
        assert!(IpRange::parse("::/0").expect("cidr").contains("::1".parse().expect("ip")));
        assert!(IpRange::parse("0.0.0.0/0").expect("cidr").contains("1.2.3.4".parse().expect("ip")));
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("localhost").is_err());
    }

    #[test]
    fn routes() {
        assert!(matches!(route("/faceauth"), Route::Api(Endpoint::Results)));
        assert!(matches!(route("/v3/faceauth/"), Route::Api(Endpoint::Results)));
        assert!(matches!(route("/FaceAuth/image"), Route::Api(Endpoint::Image)));
        assert!(matches!(route("/face-auth"), Route::Page));
        assert!(matches!(route("/_mock/clock"), Route::Control("clock")));
        assert!(matches!(route("/faceauthx"), Route::NotFound));
        assert!(matches!(route("/v3"), Route::NotFound));
    }
}
