//! The server: start and shutdown, connections on hyper under the limits of [`Limits`], and
//! routing.
//!
//! The simulator owns a tokio runtime whose `limits.workers` threads serve every connection
//! (connections are tasks: idle and slow clients hold no thread). hyper reads request heads
//! (`max_header_bytes`, 431 past it; a head must arrive within the smaller of
//! `idle_timeout_ms` and `request_timeout_ms`, idle keep-alive time included); a body that
//! sends nothing for `read_timeout_ms`, or is not whole `request_timeout_ms` after the head, is
//! answered 408 and its connection closed. A write of an answer that the client leaves unread
//! for `write_timeout_ms` closes the connection ([`WriteDeadline`]). A connection over
//! `max_connections` is answered 503 and closed at once.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header;
use faceauth::crypto::{Cipher, Key, Scheme, Variant};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use zeroize::Zeroize;

use crate::api::{self, Endpoint};
use crate::config::{ConfigError, MockConfig};
use crate::faults::{error_message, Decision};
use crate::http::{lock, Head, Response};
use crate::state::State;
use crate::webhook::Deliveries;
use crate::write_deadline::WriteDeadline;
use crate::{control, page};

/// Durations are capped at this (a year): hyper adds its timeouts to the clock, and a limit of
/// `u64::MAX` ms would overflow it.
const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long shutdown waits for the accept loop to let go of the listener.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// The answer to a connection over `max_connections`, written before any request is read.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
Content-Length: 35\r\nConnection: close\r\n\r\n{\"message\": \"Service Unavailable\"}";
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
    /// Connections open now.
    open: AtomicUsize,
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
        Ok(Shared {
            url_cipher,
            webhook_cipher,
            allowed,
            state: Mutex::new(state),
            deliveries,
            config,
            open: AtomicUsize::new(0),
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
/// the test control endpoints (`/_mock/…`) over HTTP/1.1 (hyper, on a tokio runtime of its own
/// with `limits.workers` threads; see [`Limits`](crate::Limits)). Dropping it (or
/// [`shutdown`](Self::shutdown)) stops accepting, closes open connections and stops its threads.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: watch::Sender<bool>,
    /// Ends when the accept loop has let go of the listener.
    accepting: Option<std::sync::mpsc::Receiver<()>>,
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
        let listener = std::net::TcpListener::bind((shared.config.host.as_str(), shared.config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let config = &shared.config;
        let deliveries = Deliveries::start(config.webhook_url.as_deref(), WEBHOOK_TIMEOUT, config.verbose)?;
        let shared = Arc::new(Shared { deliveries, ..shared });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(shared.config.limits.workers)
            .thread_name("faceauth-mock")
            .enable_all()
            .build()
            .inspect_err(|_| shared.deliveries.stop())?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).inspect_err(|_| shared.deliveries.stop())?
        };
        let stop = watch::Sender::new(false);
        let (accepted, accepting) = std::sync::mpsc::channel();
        runtime.spawn(accept(listener, shared.clone(), stop.subscribe(), accepted));
        Ok(MockServer {
            addr,
            shared,
            runtime: Some(runtime),
            stop,
            accepting: Some(accepting),
            stopped: false,
        })
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
        if let Some(accepting) = self.accepting.take() {
            // The accept loop never ends unless stopped: this waits for the process's end.
            let _ = accepting.recv();
        }
    }

    fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        self.stop.send_replace(true);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.recv_timeout(STOP_WAIT);
        }
        if let Some(runtime) = self.runtime.take() {
            // Dropping the connections' tasks closes their sockets. Inside another runtime a
            // blocking wait is not allowed; the tasks are dropped there without waiting.
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            } else {
                runtime.shutdown_timeout(STOP_WAIT);
            }
        }
        self.shared.deliveries.stop();
        // The tasks are gone, so this is the last owner: wipe the keys (an in-process
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

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms).min(LONGEST)
}

/// Takes connections until told to stop; then drops the listener and says so.
async fn accept(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    accepted: std::sync::mpsc::Sender<()>,
) {
    let limits = &shared.config.limits;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(millis(limits.idle_timeout_ms.min(limits.request_timeout_ms)))
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.saturating_add(1).clamp(8192, 64 << 20));
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before it was taken.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let open = Open::enter(&shared);
        if open.count > limits.max_connections {
            tokio::spawn(refuse(stream, open));
            continue;
        }
        let serving = shared.clone();
        let service = hyper::service::service_fn(move |request| {
            let shared = serving.clone();
            async move { serve_request(&shared, peer, request).await }
        });
        let stream = WriteDeadline::new(stream, millis(limits.write_timeout_ms));
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                // Shutdown closes open connections, mid-request or not.
                () = stopped(&mut stop) => {}
            }
            drop(open);
        });
    }
    // Connections the kernel completed but the loop had not taken yet are closed too (with
    // a FIN, as the others: dropping the listener would reset them).
    while let Ok(Ok((stream, _))) = tokio::time::timeout(Duration::from_millis(1), listener.accept()).await {
        drop(stream);
    }
    drop(listener);
    let _ = accepted.send(());
}

/// Resolves once the server is told to stop.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Counts an open connection while it lives.
struct Open {
    shared: Arc<Shared>,
    /// The count with this one.
    count: usize,
}

impl Open {
    fn enter(shared: &Arc<Shared>) -> Open {
        let count = shared.open.fetch_add(1, Ordering::AcqRel).saturating_add(1);
        Open { shared: shared.clone(), count }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection over `max_connections`: 503 and closed, without reading a request.
async fn refuse(mut stream: tokio::net::TcpStream, open: Open) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(OVER_CAPACITY)).await;
    let _ = stream.shutdown().await;
    drop(open);
}

/// A request answered with nothing: hyper closes the connection without a byte.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the connection was dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// What to do with one request.
enum Outcome {
    Respond(Response),
    /// Close the connection without an answer.
    Drop,
}

fn timed_out() -> Outcome {
    Outcome::Respond(Response::message(408, "Request Timeout").closing())
}

/// Serves one request: its answer, or `Err` to close the connection without one.
async fn serve_request(
    shared: &Shared,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let head = Head::of(&parts);
    let started = Instant::now();
    let outcome = match handle(shared, &head, body, peer.ip()).await {
        Outcome::Respond(mut response) => {
            response.close |= head.wants_close;
            Outcome::Respond(response)
        }
        Outcome::Drop => Outcome::Drop,
    };
    if shared.config.verbose {
        let result = match &outcome {
            Outcome::Respond(response) => response.status.to_string(),
            Outcome::Drop => "dropped".to_owned(),
        };
        crate::log(format_args!(
            "faceauth-mock: {} {} {} ({} ms) -> {result}",
            peer.ip(),
            head.method,
            head.path,
            started.elapsed().as_millis()
        ));
    }
    match outcome {
        Outcome::Respond(response) => Ok(response.into_http()),
        Outcome::Drop => Err(Dropped),
    }
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

/// Reads the body a request announces within the limits; on failure, what to do instead: 408
/// if the client was too slow, a silent close if the connection failed mid-body.
async fn body(shared: &Shared, body: Incoming) -> Result<Vec<u8>, Outcome> {
    let limits = &shared.config.limits;
    let stalling = tower_http::timeout::TimeoutBody::new(millis(limits.read_timeout_ms), body);
    match tokio::time::timeout(millis(limits.request_timeout_ms), stalling.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        Ok(Err(err)) if err.is::<tower_http::timeout::TimeoutError>() => Err(timed_out()),
        Ok(Err(_)) => Err(Outcome::Drop),
        Err(_elapsed) => Err(timed_out()),
    }
}

async fn handle(shared: &Shared, head: &Head, incoming: Incoming, peer: IpAddr) -> Outcome {
    let max = shared.config.max_body_bytes;
    if head.header("transfer-encoding").is_some() {
        return Outcome::Respond(Response::message(411, "Length Required").closing());
    }
    // hyper has checked the length: absent is none.
    let len = head
        .header(header::CONTENT_LENGTH.as_str())
        .and_then(|value| value.parse::<u64>().ok())
        .map_or(0, |len| usize::try_from(len).unwrap_or(usize::MAX));
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
                let expects_continue = head.header("expect").is_some();
                if len > max || expects_continue {
                    return Outcome::Respond(response.closing());
                }
                return match body(shared, incoming).await {
                    Ok(_) => Outcome::Respond(response),
                    Err(outcome) => outcome,
                };
            }
            if len > max {
                return too_large();
            }
            let body = match body(shared, incoming).await {
                Ok(body) => body,
                Err(outcome) => return outcome,
            };
            let latency = shared.state().faults.settings.latency_ms;
            if latency > 0 {
                tokio::time::sleep(millis(latency)).await;
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
                    api::handle(shared, head, endpoint, body).await;
                    return Outcome::Drop;
                }
            }
            Outcome::Respond(api::handle(shared, head, endpoint, body).await)
        }
        route => {
            // Control requests are never refused for a small test limit.
            if len > max.max(CONTROL_BODY_LIMIT) {
                return too_large();
            }
            let body = match body(shared, incoming).await {
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
