//! The server: start and shutdown, one connection's requests, keep-alive, and routing.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use faceauth::crypto::{Cipher, Key, Scheme, Variant};
use zeroize::Zeroize;

use crate::api::{self, Endpoint};
use crate::config::{ConfigError, Limits, MockConfig};
use crate::faults::{error_message, Decision};
use crate::http::{is_timeout, read_body, read_head, BodyLength, Head, HeadError, Response};
use crate::pool::{lock, Conn, Pool, Threads};
use crate::state::State;
use crate::webhook::Deliveries;
use crate::{control, page};

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
    /// The webhook delivery thread.
    pub deliveries: Deliveries,
}

impl Shared {
    fn new(config: MockConfig, deliveries: Deliveries) -> Result<Shared, ConfigError> {
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
        config.limits.check()?;
        let state = State::new(&config)?;
        Ok(Shared { url_cipher, webhook_cipher, allowed, state: Mutex::new(state), deliveries, config })
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
/// the test control endpoints (`/_mock/…`) over HTTP/1.1 with a fixed pool of worker threads
/// (see [`Limits`](crate::Limits)). Dropping it (or [`shutdown`](Self::shutdown)) stops
/// accepting, closes open connections and stops its threads.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    pool: Arc<Pool>,
    threads: Threads,
    stopped: bool,
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
    /// time, IP range, limit…), or the error of binding the address or starting a thread.
    pub fn start(config: MockConfig) -> io::Result<MockServer> {
        let shared = Shared::new(config, Deliveries::start(None, WEBHOOK_TIMEOUT, false)?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind((shared.config.host.as_str(), shared.config.port))?;
        let addr = listener.local_addr()?;
        let config = &shared.config;
        let deliveries = Deliveries::start(config.webhook_url.as_deref(), WEBHOOK_TIMEOUT, config.verbose)?;
        let shared = Arc::new(Shared { deliveries, ..shared });
        let limits = shared.config.limits.clone();
        let serving = Arc::clone(&shared);
        let (pool, threads) = Pool::start(listener, limits, move |conn| serve_connection(&serving, conn))
            .inspect_err(|_| shared.deliveries.stop())?;
        Ok(MockServer { addr, shared, pool, threads, stopped: false })
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

    /// Stops accepting connections, closes open connections, and waits for the server's threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        self.threads.join_accept();
    }

    fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        self.pool.begin_stop();
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
            self.threads.join_accept();
        }
        self.pool.stop(&mut self.threads);
        self.shared.deliveries.stop();
        // The threads are joined, so this is the last owner: wipe the keys (an in-process
        // simulator's memory outlives it).
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            let config = &mut shared.config;
            config.api_key.zeroize();
            config.url_key.zeroize();
            config.webhook_key.zeroize();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What to do after one request.
enum Outcome {
    Respond(Response),
    /// Answer, then close at once without reading what the client still sends (it was too
    /// slow to finish its request).
    Cut(Response),
    /// Close the connection without an answer.
    Drop,
}

fn timed_out() -> Outcome {
    Outcome::Cut(Response::message(408, "Request Timeout").closing())
}

/// Serves one request of a connection (its head has arrived, or is arriving); gives the
/// connection back when it should be kept alive, `None` when it should be closed.
fn serve_connection(shared: &Shared, mut conn: Conn) -> Option<Conn> {
    let limits = &shared.config.limits;
    let peer = conn.peer;
    // The whole-request deadline runs from the request's first byte.
    let started = conn.started.take().unwrap_or_else(Instant::now);
    conn.reader.get_mut().deadline = started.checked_add(Duration::from_millis(limits.request_timeout_ms));
    let (label, outcome) = match read_head(&mut conn.reader, limits.max_header_bytes) {
        Ok(head) => {
            let label = format!("{} {}", head.method, head.path);
            let started = Instant::now();
            let outcome = handle(shared, &mut conn, &head, peer.ip());
            let outcome = match outcome {
                Outcome::Respond(mut response) => {
                    response.close |= head.wants_close();
                    Outcome::Respond(response)
                }
                other => other,
            };
            (format!("{label} ({} ms)", started.elapsed().as_millis()), outcome)
        }
        Err(HeadError::Closed) => return None,
        Err(HeadError::TimedOut) => ("request head timed out".to_owned(), timed_out()),
        Err(HeadError::Malformed(what)) => (
            format!("malformed request ({what})"),
            Outcome::Respond(Response::message(400, "Bad Request").closing()),
        ),
        Err(HeadError::TooLarge) => (
            "oversized request head".to_owned(),
            Outcome::Respond(Response::message(431, "Request Header Fields Too Large").closing()),
        ),
    };
    conn.reader.get_mut().deadline = None;
    if shared.config.verbose {
        let result = match &outcome {
            Outcome::Respond(response) | Outcome::Cut(response) => response.status.to_string(),
            Outcome::Drop => "dropped".to_owned(),
        };
        crate::log(format_args!("faceauth-mock: {} {label} -> {result}", peer.ip()));
    }
    match outcome {
        Outcome::Respond(response) => {
            if response.write_to(conn.stream()).is_err() {
                let _ = conn.stream().shutdown(Shutdown::Both);
                return None;
            }
            if response.close {
                linger(&mut conn, limits);
                return None;
            }
            // The connection waits for its next request without a worker (with any
            // pipelined bytes already received).
            Some(conn)
        }
        Outcome::Cut(response) => {
            let _ = response.write_to(conn.stream());
            let _ = conn.stream().shutdown(Shutdown::Both);
            None
        }
        Outcome::Drop => {
            let _ = conn.stream().shutdown(Shutdown::Both);
            None
        }
    }
}

/// Closes after an answer while the client may still be sending (a body too large, say):
/// closing with unread data would reset the connection and could destroy the answer before the
/// client reads it, so the rest of the input is read and discarded for a while first.
fn linger(conn: &mut Conn, limits: &Limits) {
    let _ = conn.stream().shutdown(Shutdown::Write);
    let sock = conn.reader.get_mut();
    sock.read_timeout = LINGER_READ_TIMEOUT;
    sock.deadline =
        Instant::now().checked_add(LINGER_TIME.min(Duration::from_millis(limits.request_timeout_ms)));
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0usize;
    while total < LINGER_BYTES {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    let _ = conn.stream().shutdown(Shutdown::Read);
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

/// Reads the body a request announces; on failure, what to do instead: 408 if the client was
/// too slow, a silent close if the connection failed mid-body.
fn body(conn: &mut Conn, head: &Head, len: usize) -> Result<Vec<u8>, Outcome> {
    if len > 0 && head.expects_continue() {
        conn.stream().write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| Outcome::Drop)?;
    }
    read_body(&mut conn.reader, len).map_err(|e| if is_timeout(&e) { timed_out() } else { Outcome::Drop })
}

fn handle(shared: &Shared, conn: &mut Conn, head: &Head, peer: IpAddr) -> Outcome {
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
                return match body(conn, head, len) {
                    Ok(_) => Outcome::Respond(response),
                    Err(outcome) => outcome,
                };
            }
            if len > max {
                return too_large();
            }
            let body = match body(conn, head, len) {
                Ok(body) => body,
                Err(outcome) => return outcome,
            };
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
            let body = match body(conn, head, len) {
                Ok(body) => body,
                Err(outcome) => return outcome,
            };
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
