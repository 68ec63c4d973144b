use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::time::Duration;

use zeroize::Zeroizing;

use super::list::{ListQuery, Records};
use super::model::{decode_image, parse_page, AuthRecord, AuthResult, Image, PageKey};
use super::submit::Submission;
use super::ApiError;
use crate::url::redact_credentials;

/// Argos's REST base URL.
pub const DEFAULT_BASE_URL: &str = "https://rest-api.argosidentity.com/v3";

/// Response bodies kept in errors are cut to this many bytes.
const BODY_IN_ERRORS: usize = 64 * 1024;
/// The largest JSON response read (a page of 2,000 rows is well under this).
const MAX_JSON: u64 = 32 * 1024 * 1024;
/// The largest image response read (base64 text).
const MAX_IMAGE: u64 = 64 * 1024 * 1024;
/// The image endpoint, under `{base}/faceauth`.
const IMAGE_PATH: &str = "/image";

/// Options for a [`Client`]. Every option has a sane default.
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Zeroizing<String>,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    binding: String,
    proxy_from_env: bool,
}

impl ClientBuilder {
    /// The REST base URL (default [`DEFAULT_BASE_URL`]); the simulator's URL in tests.
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.base_url = base_url.trim_end_matches('/').to_owned();
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The overall time one attempt may take, connect to last byte (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a failed request may be repeated (default 2). GET and DELETE are repeated
    /// after connection errors, timeouts and 500/502/503/504; POST only when it provably never
    /// left (DNS or connect failure).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The backoff between retries: the n-th waits a random time between half and all of
    /// `base × 2ⁿ`, at most `cap` (defaults 250 ms and 4 s).
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// The binding named in the user agent, `faceauth/<version> (<binding>)` (default `rust`).
    pub fn binding(mut self, binding: &str) -> Self {
        self.binding = binding.to_owned();
        self
    }

    /// Whether to use the proxy named by `HTTPS_PROXY`/`ALL_PROXY`/`HTTP_PROXY` (default on;
    /// `NO_PROXY` is honoured).
    pub fn proxy_from_env(mut self, on: bool) -> Self {
        self.proxy_from_env = on;
        self
    }

    /// Makes the client.
    ///
    /// # Errors
    /// [`ApiError::InvalidArgument`] for an empty API key, one that begins or ends with white
    /// space or holds a control character, a base URL that is not http(s), or a zero timeout.
    pub fn build(self) -> Result<Client, ApiError> {
        // The one key rule of the SDK: no surrounding white space, whatever the source.
        if let Err(err) = crate::crypto::check_key_text(&self.api_key) {
            return Err(ApiError::invalid(format!("the API key is not usable: {err}")));
        }
        if self.api_key.chars().any(|c| c.is_control()) {
            return Err(ApiError::invalid("the API key contains a control character"));
        }
        let lower = self.base_url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(ApiError::invalid("the base URL must start with https:// or http://"));
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(ApiError::invalid("timeouts must be longer than zero"));
        }
        let user_agent = format!("faceauth/{} ({})", crate::VERSION, self.binding);
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(&user_agent)
            .try_proxy_from_env(self.proxy_from_env)
            .max_idle_connections_per_host(16)
            // Argos's API does not redirect, and a followed redirect would carry the API key
            // to wherever it points: a 3xx is an unexpected status.
            .redirects(0)
            .build();
        Ok(Client {
            agent,
            api_key: self.api_key,
            host: host_label(&self.base_url),
            endpoint: format!("{}/faceauth", self.base_url),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout.min(self.timeout),
            max_retries: self.max_retries,
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
            user_agent,
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &format_args!("<redacted>"))
            .field("base_url", &redact_credentials(&self.base_url))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// A blocking client for the FaceAuth REST API.
///
/// It is `Send + Sync` and reuses connections: make one and share it. It holds no global state.
/// The API key is wiped on drop and never appears in `Debug` output or errors.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    api_key: Zeroizing<String>,
    /// The base URL's `host[:port]`, without credentials: what messages name.
    host: String,
    /// `{base}/faceauth`.
    endpoint: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    user_agent: String,
}

/// How a request is repeated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// GET and DELETE: after connection errors, timeouts and 500/502/503/504.
    Idempotent,
    /// POST: only when the request provably never reached the server.
    NeverSentOnly,
}

/// A failed request, with how many retryable failures came before the last.
struct Failed {
    err: ApiError,
    retried: u32,
    /// The request provably never reached the server (DNS or connect failure).
    never_sent: bool,
}

impl From<Failed> for ApiError {
    fn from(failed: Failed) -> ApiError {
        failed.err
    }
}

/// A success response.
struct Reply {
    status: u16,
    body: String,
}

impl Client {
    /// A client with the default options for this API key.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn new(api_key: &str) -> Result<Client, ApiError> {
        Client::builder(api_key).build()
    }

    /// Options for a client with this API key.
    pub fn builder(api_key: &str) -> ClientBuilder {
        ClientBuilder {
            api_key: Zeroizing::new(api_key.to_owned()),
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_retries: 2,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(4),
            binding: "rust".to_owned(),
            proxy_from_env: true,
        }
    }

    /// The user agent sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// POST /faceauth: compares a selfie with the approved submission's. A rejected face is an
    /// `Ok` result with status `rejected`, its fail codes and comments.
    ///
    /// Not repeated after the request may have reached the server: Argos documents no
    /// idempotency key, so a repeat could record a second result.
    ///
    /// # Errors
    /// [`ApiError`]: invalid arguments before sending, then the server's or transport's error.
    /// A timeout or broken connection after the request was sent is
    /// [`ApiError::AnswerLost`]: the selfie may have been recorded.
    pub fn submit(&self, submission: &Submission<'_>) -> Result<AuthResult, ApiError> {
        let (content_type, body) = submission.to_multipart()?;
        let reply = match self.execute("POST", "", &[], Some((&content_type, &body)), Retry::NeverSentOnly) {
            Ok(reply) => reply,
            Err(Failed {
                err: cause @ (ApiError::Timeout { .. } | ApiError::Connection { .. }),
                never_sent: false,
                ..
            }) => {
                let today = crate::token::time::format_rfc3339(std::time::SystemTime::now());
                return Err(ApiError::AnswerLost {
                    submission_id: submission.submission_id().to_owned(),
                    date: today.get(..10).unwrap_or_default().to_owned(),
                    cause: Box::new(cause),
                });
            }
            Err(failed) => return Err(failed.err),
        };
        let json = decode_json(&reply)?;
        AuthResult::from_json(json).map_err(|reason| decode_error(&reply, reason))
    }

    /// GET /faceauth?authId=…: one result.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] when no such record exists (Argos's 400 `NOT_FOUND`, or an
    /// answer without it); otherwise as [`Client::submit`].
    pub fn get(&self, auth_id: &str) -> Result<AuthRecord, ApiError> {
        check_id(auth_id)?;
        let reply = self
            .execute("GET", "", &[("authId", auth_id)], None, Retry::Idempotent)
            .map_err(|failed| failed.err.for_auth_id(auth_id))?;
        let (rows, _) = parse_page(&decode_json(&reply)?).map_err(|reason| decode_error(&reply, reason))?;
        rows.into_iter()
            .find(|row| row.auth_id == auth_id)
            .ok_or_else(|| ApiError::NotFound { auth_id: auth_id.to_owned(), failure: None })
    }

    /// GET /faceauth with dates and count: every result, following `nextPage_key` from page to
    /// page as the iterator is consumed (a full page without one pages on from its last row:
    /// see [`Records`], and [`Records::incomplete`] once it ends).
    ///
    /// # Errors
    /// [`ApiError::InvalidArgument`] at once for a bad query; later pages' errors come from the
    /// iterator, which then ends.
    pub fn list(&self, query: &ListQuery) -> Result<Records<'_>, ApiError> {
        query.validate()?;
        Ok(Records::new(Cow::Borrowed(self), query.clone()))
    }

    /// As [`Client::list`], but the listing owns the client (a clone shares its connections),
    /// so it borrows nothing.
    ///
    /// # Errors
    /// As [`Client::list`].
    pub fn into_list(self, query: &ListQuery) -> Result<Records<'static>, ApiError> {
        query.validate()?;
        Ok(Records::new(Cow::Owned(self), query.clone()))
    }

    /// One page of a listing, starting after `after`.
    pub(crate) fn list_page(
        &self,
        query: &ListQuery,
        after: Option<&PageKey>,
    ) -> Result<(Vec<AuthRecord>, Option<PageKey>), ApiError> {
        let count = query.count.map(|c| c.to_string());
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let (Some(start), Some(end)) = (&query.start_date, &query.end_date) {
            params.extend([("startDate", start.as_str()), ("endDate", end.as_str())]);
        }
        if let Some(count) = &count {
            params.push(("count", count));
        }
        if let Some(key) = after {
            params.extend([("nextKey_id", key.auth_id.as_str()), ("nextKey_date", key.create_time.as_str())]);
        }
        let reply = self.execute("GET", "", &params, None, Retry::Idempotent)?;
        parse_page(&decode_json(&reply)?).map_err(|reason| decode_error(&reply, reason))
    }

    /// GET /faceauth/image?authId=…: the selfie, decoded from base64 (raw text, a JSON string
    /// or a `data:` URL), with a content type sniffed from its bytes.
    ///
    /// # Errors
    /// As [`Client::get`]; [`ApiError::Decode`] when the body is not base64.
    pub fn image(&self, auth_id: &str) -> Result<Image, ApiError> {
        check_id(auth_id)?;
        let reply = self
            .execute("GET", IMAGE_PATH, &[("authId", auth_id)], None, Retry::Idempotent)
            .map_err(|failed| failed.err.for_auth_id(auth_id))?;
        if looks_like_html(&reply.body) {
            return Err(decode_error(&reply, HTML_PAGE));
        }
        decode_image(&reply.body).map_err(|reason| decode_error(&reply, reason))
    }

    /// DELETE /faceauth?authId=…: erases the image and personal data of a result.
    ///
    /// Success is Argos's `{"message": "success"}`. If an earlier attempt's response was lost
    /// and the repeat answers "Cannot find submission", the first attempt did the work, and
    /// this returns `Ok`.
    ///
    /// # Errors
    /// As [`Client::get`]; [`ApiError::Decode`] for a success status with any other body.
    pub fn delete(&self, auth_id: &str) -> Result<(), ApiError> {
        check_id(auth_id)?;
        match self.execute("DELETE", "", &[("authId", auth_id)], None, Retry::Idempotent) {
            Ok(reply) => {
                let json = decode_json(&reply)?;
                let success = json
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("success"));
                if success {
                    Ok(())
                } else {
                    Err(decode_error(&reply, "not the documented {\"message\": \"success\"}"))
                }
            }
            Err(Failed { err: ApiError::InvalidRequest(failure), retried, .. })
                if retried > 0
                    && failure.message.as_deref().is_some_and(|m| m.contains("Cannot find submission")) =>
            {
                Ok(())
            }
            Err(failed) => Err(failed.err.for_auth_id(auth_id)),
        }
    }

    /// Sends one request, repeating it as `retry` allows. Errors carry the number of retried
    /// attempts before them.
    fn execute(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
        retry: Retry,
    ) -> Result<Reply, Failed> {
        let url = format!("{}{path}", self.endpoint);
        let limit = if path == IMAGE_PATH { MAX_IMAGE } else { MAX_JSON };
        let mut retried = 0;
        loop {
            let mut request = self.agent.request(method, &url).set("x-api-key", &self.api_key);
            for (name, value) in query {
                request = request.query(name, value);
            }
            let outcome = match body {
                Some((content_type, bytes)) => request.set("Content-Type", content_type).send_bytes(bytes),
                None => request.call(),
            };
            // Redirects are not followed, so a 3xx arrives here as a response.
            let result: Result<Reply, (ApiError, bool)> = match outcome {
                Ok(response) if (200..300).contains(&response.status()) => self
                    .read_body(response, limit)
                    .map(|(status, body)| Reply { status, body })
                    .map_err(|err| (err, false)),
                Ok(response) | Err(ureq::Error::Status(_, response)) => {
                    let status = response.status();
                    let body = self.read_body(response, limit).map(|(_, body)| body).unwrap_or_default();
                    Err((ApiError::from_status(status, truncate(body)), false))
                }
                Err(ureq::Error::Transport(transport)) => Err(self.transport_error(&transport)),
            };
            let (err, never_sent) = match result {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let repeatable = match retry {
                Retry::Idempotent => err.is_retryable(),
                Retry::NeverSentOnly => {
                    never_sent && matches!(err, ApiError::Connection { .. } | ApiError::Timeout { .. })
                }
            };
            if !repeatable || retried >= self.max_retries {
                return Err(Failed { err, retried, never_sent });
            }
            std::thread::sleep(self.backoff(retried));
            retried += 1;
        }
    }

    /// Equal jitter: a random wait between half and all of `base × 2ⁿ`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_base.saturating_mul(1 << attempt.min(16)).min(self.backoff_cap);
        let mut random = [0u8; 4];
        let fraction = match getrandom::fill(&mut random) {
            Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        ceiling.mul_f64(0.5 + 0.5 * fraction)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &redact_credentials(&self.endpoint))
            .field("api_key", &format_args!("<redacted>"))
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Reads a response body, at most `limit` bytes.
    fn read_body(&self, response: ureq::Response, limit: u64) -> Result<(u16, String), ApiError> {
        let status = response.status();
        let mut bytes = Vec::new();
        response.into_reader().take(limit + 1).read_to_end(&mut bytes).map_err(|e| self.read_error(&e))?;
        if bytes.len() as u64 > limit {
            return Err(ApiError::Decode {
                status,
                reason: format!("the response is larger than {limit} bytes"),
                body: String::new(),
            });
        }
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// An error while reading a response body: the request arrived.
    fn read_error(&self, err: &std::io::Error) -> ApiError {
        let host = &self.host;
        match innermost_io(err).kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ApiError::Timeout {
                reason: format!("no complete answer from {host} within {:?}", self.timeout),
            },
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionAborted => {
                ApiError::Connection {
                    reason: format!("{host} closed the connection before the answer was complete"),
                    never_sent: false,
                }
            }
            std::io::ErrorKind::ConnectionReset => ApiError::Connection {
                reason: format!("{host} reset the connection while answering"),
                never_sent: false,
            },
            _ => ApiError::Connection {
                reason: format!("the connection to {host} broke while reading the answer ({})", detail(err)),
                never_sent: false,
            },
        }
    }

    /// One sentence for a transport error, naming the host (never the URL, which may hold
    /// credentials), and whether the request provably never reached the server.
    fn transport_error(&self, transport: &ureq::Transport) -> (ApiError, bool) {
        use ureq::ErrorKind as Kind;
        let host = &self.host;
        let io_kind = io_source(transport).map(|io| innermost_io(io).kind());
        // Failures before a byte of the request left: resolving, connecting, the proxy's
        // handshake, TLS.
        let connecting = matches!(
            transport.kind(),
            Kind::Dns
                | Kind::ConnectionFailed
                | Kind::ProxyConnect
                | Kind::ProxyUnauthorized
                | Kind::InvalidProxyUrl
        );
        let connection = |reason: String| ApiError::Connection { reason, never_sent: connecting };
        let err = match (transport.kind(), io_kind) {
            (_, Some(std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)) if connecting => {
                ApiError::Timeout {
                    reason: format!("could not connect to {host} within {:?}", self.connect_timeout),
                }
            }
            (_, Some(std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)) => {
                ApiError::Timeout { reason: format!("no answer from {host} within {:?}", self.timeout) }
            }
            (Kind::InvalidUrl | Kind::UnknownScheme, _) => {
                return (ApiError::invalid("the base URL is not a valid http(s) URL"), true)
            }
            (Kind::Dns, _) => connection(format!("cannot resolve {host} ({})", transport_detail(transport))),
            (Kind::ConnectionFailed, Some(std::io::ErrorKind::ConnectionRefused)) => {
                connection(format!("{host} refused the connection"))
            }
            (Kind::ConnectionFailed, _) => {
                connection(format!("cannot connect to {host} ({})", transport_detail(transport)))
            }
            (Kind::ProxyConnect | Kind::ProxyUnauthorized | Kind::InvalidProxyUrl, _) => {
                connection(format!("the proxy failed ({})", transport_detail(transport)))
            }
            (_, Some(std::io::ErrorKind::ConnectionReset)) => {
                connection(format!("{host} reset the connection"))
            }
            (_, Some(std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionAborted)) => {
                connection(format!("{host} closed the connection without answering"))
            }
            (_, Some(std::io::ErrorKind::BrokenPipe)) => {
                connection(format!("{host} closed the connection while the request was being sent"))
            }
            (Kind::BadStatus | Kind::BadHeader, _) => {
                connection(format!("{host} sent a malformed answer ({})", transport_detail(transport)))
            }
            _ => connection(format!("the connection to {host} failed ({})", transport_detail(transport))),
        };
        (err, connecting)
    }
}

/// The `host[:port]` of a base URL, without any `user:password@`, cut to a sane length (a DNS
/// name has at most 253 characters).
fn host_label(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    crate::excerpt(host).chars(300).to_string()
}

fn check_id(auth_id: &str) -> Result<(), ApiError> {
    if auth_id.trim().is_empty() {
        return Err(ApiError::invalid("the auth id is empty"));
    }
    if auth_id.chars().any(char::is_control) {
        return Err(ApiError::invalid("the auth id contains a control character"));
    }
    Ok(())
}

/// The reason given for a success status whose body is an HTML page.
const HTML_PAGE: &str = "an HTML page, not an answer of the API";

/// True for a body that is an HTML page (a proxy's, a portal's, a login form).
fn looks_like_html(body: &str) -> bool {
    body.trim_start().starts_with('<')
}

fn decode_json(reply: &Reply) -> Result<serde_json::Value, ApiError> {
    if looks_like_html(&reply.body) {
        return Err(decode_error(reply, HTML_PAGE));
    }
    serde_json::from_str(&reply.body).map_err(|e| decode_error(reply, format!("not JSON ({e})")))
}

fn decode_error(reply: &Reply, reason: impl Into<String>) -> ApiError {
    ApiError::Decode { status: reply.status, reason: reason.into(), body: truncate(reply.body.clone()) }
}

fn truncate(mut body: String) -> String {
    if body.len() > BODY_IN_ERRORS {
        let mut end = BODY_IN_ERRORS;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
    }
    body
}

/// The I/O error a transport error wraps, if any.
fn io_source(transport: &ureq::Transport) -> Option<&std::io::Error> {
    use std::error::Error as _;
    transport.source().and_then(|s| s.downcast_ref::<std::io::Error>())
}

/// The deepest I/O error under `err` (ureq wraps I/O errors in its own, inside I/O errors).
fn innermost_io(err: &std::io::Error) -> &std::io::Error {
    use std::error::Error as _;
    let mut deepest = err;
    let mut next = err.source();
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            deepest = io;
        }
        next = cause.source();
    }
    deepest
}

/// The words of the deepest cause of `err`, with any URL's credentials redacted.
fn detail(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    redact_text(&deepest.to_string())
}

/// The words of a transport error's deepest cause, or its own message.
fn transport_detail(transport: &ureq::Transport) -> String {
    use std::error::Error as _;
    match transport.source() {
        Some(source) => detail(source),
        None => redact_text(transport.message().unwrap_or("no detail")),
    }
}

/// `text` with the credentials of every URL in it redacted.
fn redact_text(text: &str) -> String {
    redact_credentials(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_host_without_credentials() {
        for (base, host) in [
            ("https://rest-api.argosidentity.com/v3", "rest-api.argosidentity.com"),
            ("http://user:s3cret@127.0.0.1:8080/v3", "127.0.0.1:8080"),
            ("http://a:p@ss@h.example?x=1", "h.example"),
            ("http://[::1]:9000", "[::1]:9000"),
        ] {
            assert_eq!(host_label(base), host, "{base}");
        }
        assert_eq!(
            redact_text("proxy http://u:pw@proxy:3128 said no to https://h/x"),
            "proxy http://<redacted>@proxy:3128 said no to https://h/x"
        );
    }

    #[test]
    fn a_padded_api_key_is_refused_like_every_other_key() {
        for padded in ["key\n", "key\r\n", "key ", " key", "\tkey", "", "  "] {
            let err = Client::new(padded).err().map(|e| e.kind());
            assert_eq!(err, Some(crate::ErrorKind::InvalidArgument), "{padded:?}");
        }
        let err = Client::new("key\u{7}inside").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("control character"), "{err}");
        assert!(Client::new("a-valid-key").is_ok());
    }
}
