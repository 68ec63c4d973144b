use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::attempt::{self, Attempt, Hook, HookName, Outcome};
use super::cancel::{CallOptions, Calls};
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
/// The longest request URL sent: far above any real query, far below what servers refuse.
const MAX_URL: usize = 8 * 1024;
/// The image endpoint, under `{base}/faceauth`.
const IMAGE_PATH: &str = "/image";
/// The route templates the attempt hook reports.
const ROUTE: &str = "/FaceAuth";
const IMAGE_ROUTE: &str = "/FaceAuth/Image";
/// The headers Argos's gateway names a request by, first found wins.
const REQUEST_ID_HEADERS: [&str; 2] = ["x-amzn-requestid", "x-request-id"];

/// Which proxy the client uses.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ProxyChoice {
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (and lowercase), unless `NO_PROXY` names the host.
    FromEnv,
    /// This proxy URL.
    Url(String),
    /// None.
    Off,
}

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
    user_agent_suffix: Option<String>,
    proxy: ProxyChoice,
    no_proxy: Option<String>,
    ca_file: Option<PathBuf>,
    platform_roots: bool,
    on_attempt: Option<Hook>,
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

    /// The language named in the user agent, `faceauth-<binding>/<version>` (default `rust`;
    /// the bindings set `python`, `go`, `c`, `cli`).
    pub fn binding(mut self, binding: &str) -> Self {
        self.binding = binding.to_owned();
        self
    }

    /// Words added after the user agent, such as `myapp/1.2` (printable ASCII).
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        self.user_agent_suffix = Some(suffix.to_owned());
        self
    }

    /// Whether to use the proxy the environment names (default on): `HTTPS_PROXY`,
    /// `HTTP_PROXY` or `ALL_PROXY`, upper or lower case, unless `NO_PROXY` names the API's
    /// host. `false` turns proxies off, unless [`ClientBuilder::proxy`] names one.
    pub fn proxy_from_env(mut self, on: bool) -> Self {
        if !matches!(self.proxy, ProxyChoice::Url(_)) {
            self.proxy = if on { ProxyChoice::FromEnv } else { ProxyChoice::Off };
        }
        self
    }

    /// This HTTP proxy (`http://[user:password@]host:port`), whatever the environment says.
    /// Requests go through it in a CONNECT tunnel: the proxy sees the API's host and port,
    /// never the API key, which is sent only inside the tunnel.
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = ProxyChoice::Url(url.to_owned());
        self
    }

    /// Hosts reached without the proxy set with [`ClientBuilder::proxy`], as in `NO_PROXY`:
    /// comma-separated names, each matching itself and its subdomains; `*` matches every host.
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        self.no_proxy = Some(hosts.to_owned());
        self
    }

    /// Trust the certificates of this PEM bundle instead of the built-in roots (Mozilla's),
    /// as a TLS-inspecting gateway needs. The file is read and checked by
    /// [`ClientBuilder::build`].
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca_file = Some(path.as_ref().to_owned());
        self
    }

    /// Trust the operating system's certificate store (and its verifier) instead of the
    /// built-in roots (default off).
    pub fn platform_roots(mut self, on: bool) -> Self {
        self.platform_roots = on;
        self
    }

    /// A hook called once per HTTP attempt, on the calling thread, with what a log line, a
    /// metric or a tracing span needs (see [`Attempt`]): never the key, the image or personal
    /// data. A panic in the hook is caught and does not break the call. Keep it quick: the
    /// call waits for it.
    pub fn on_attempt(mut self, hook: impl Fn(&Attempt<'_>) + Send + Sync + 'static) -> Self {
        self.on_attempt = Some(Arc::new(hook));
        self
    }

    /// Makes the client.
    ///
    /// # Errors
    /// [`ApiError::InvalidArgument`] for an empty API key, one that begins or ends with white
    /// space or holds a control character, a base URL that is not http(s), a zero timeout, a
    /// proxy URL that does not parse, a user agent suffix that is not printable ASCII, a CA
    /// file that cannot be read or holds no valid certificate, or a CA file together with
    /// platform roots.
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
        let user_agent = self.user_agent()?;
        let host = host_label(&self.base_url);
        let proxy = self.proxy_for(&host)?;
        let tls = self.tls()?;
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .user_agent(user_agent.as_str())
            .proxy(proxy)
            .tls_config(tls)
            .max_idle_connections(16)
            .max_idle_connections_per_host(16)
            // Argos's API does not redirect, and a followed redirect would carry the API key
            // to wherever it points: a 3xx is an unexpected status.
            .max_redirects(0)
            .http_status_as_error(false)
            .build();
        let calls = Arc::new(Calls::default());
        let agent = ureq::Agent::with_parts(
            config,
            super::transport::connector(Arc::clone(&calls)),
            super::transport::CachingResolver::default(),
        );
        Ok(Client {
            agent,
            calls,
            on_attempt: self.on_attempt,
            api_key: self.api_key,
            host,
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

impl ClientBuilder {
    /// `faceauth-<binding>/<version>`, then the suffix.
    fn user_agent(&self) -> Result<String, ApiError> {
        let printable = |text: &str| text.chars().all(|c| c.is_ascii_graphic() || c == ' ');
        if self.binding.is_empty() || !self.binding.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ApiError::invalid("the binding name must be ASCII letters, digits or '-'"));
        }
        let mut agent = format!("faceauth-{}/{}", self.binding, crate::VERSION);
        if let Some(suffix) = self.user_agent_suffix.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if !printable(suffix) || suffix.len() > 200 {
                return Err(ApiError::invalid(format!(
                    "the user agent suffix {:?} is not printable ASCII of at most 200 characters",
                    crate::excerpt(suffix)
                )));
            }
            agent.push(' ');
            agent.push_str(suffix);
        }
        Ok(agent)
    }

    /// The proxy for the API's host, if any (the client talks to that one host only, so the
    /// `no_proxy` list is decided once).
    fn proxy_for(&self, host: &str) -> Result<Option<ureq::Proxy>, ApiError> {
        match &self.proxy {
            ProxyChoice::Off => Ok(None),
            // A SOCKS proxy in the environment is not one this client speaks: go direct, as
            // a client without SOCKS support does.
            ProxyChoice::FromEnv => Ok(ureq::Proxy::try_from_env().filter(|proxy| {
                matches!(proxy.protocol(), ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https)
            })),
            ProxyChoice::Url(url) => {
                let proxy = ureq::Proxy::new(url).map_err(|_| {
                    ApiError::invalid(format!(
                        "the proxy URL {:?} is not a valid http:// proxy URL",
                        crate::excerpt(&redact_credentials(url))
                    ))
                })?;
                if !matches!(proxy.protocol(), ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https) {
                    return Err(ApiError::invalid("the proxy must be an http:// proxy (no SOCKS)"));
                }
                let bypass = self.no_proxy.as_deref().is_some_and(|list| no_proxy_matches(list, host));
                Ok(if bypass { None } else { Some(proxy) })
            }
        }
    }

    /// The TLS settings: the built-in roots, a CA file's, or the platform's.
    fn tls(&self) -> Result<ureq::tls::TlsConfig, ApiError> {
        use ureq::tls::{RootCerts, TlsConfig};
        let roots = match (&self.ca_file, self.platform_roots) {
            (Some(_), true) => {
                return Err(ApiError::invalid("a CA file and the platform's roots cannot both be used"))
            }
            (Some(path), false) => RootCerts::new_with_certs(&read_ca_file(path)?),
            (None, true) => RootCerts::PlatformVerifier,
            (None, false) => RootCerts::WebPki,
        };
        Ok(TlsConfig::builder().root_certs(roots).build())
    }
}

/// The certificates of a PEM bundle, each checked to parse as a trust anchor.
fn read_ca_file(path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>, ApiError> {
    let shown = crate::excerpt(&path.to_string_lossy()).chars(4096).to_string();
    let pem = std::fs::read(path)
        .map_err(|e| ApiError::invalid(format!("cannot read the CA file {shown}: {}", detail(&e))))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(_) => return Err(ApiError::invalid(format!("the CA file {shown} is not valid PEM"))),
        }
    }
    if certs.is_empty() {
        return Err(ApiError::invalid(format!("the CA file {shown} holds no PEM certificate")));
    }
    let mut store = rustls::RootCertStore::empty();
    for (n, cert) in certs.iter().enumerate() {
        let der = rustls::pki_types::CertificateDer::from(cert.der().to_vec());
        if store.add(der).is_err() {
            return Err(ApiError::invalid(format!(
                "certificate {} of the CA file {shown} is not a valid X.509 certificate",
                n + 1
            )));
        }
    }
    Ok(certs)
}

/// True when a `NO_PROXY`-style list names `host` (`host[:port]`): an entry matches itself
/// and its subdomains, with or without a leading dot; `*` matches every host.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    }
    .to_ascii_lowercase();
    list.split(',').map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase()).any(|entry| {
        entry == "*" || (!entry.is_empty() && (name == entry || name.ends_with(&format!(".{entry}"))))
    })
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &format_args!("<redacted>"))
            .field("base_url", &redact_credentials(&self.base_url))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field(
                "proxy",
                &match &self.proxy {
                    ProxyChoice::Url(url) => redact_credentials(url).into_owned(),
                    other => format!("{other:?}"),
                },
            )
            .field("ca_file", &self.ca_file)
            .field("on_attempt", &HookName(&self.on_attempt))
            .finish_non_exhaustive()
    }
}

/// A blocking client for the FaceAuth REST API.
///
/// It is `Send + Sync` and reuses connections: make one and share it. It holds no global state.
/// The API key is wiped on drop and never appears in `Debug` output or errors.
///
/// Every call has a form taking [`CallOptions`] (`get_with`, `submit_with`, …): a
/// [`Cancel`](super::Cancel) handle another thread may trigger, and a deadline for the whole
/// call. The plain forms use none.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// The calls in flight with a cancel handle, for the connections to find (see `transport`).
    calls: Arc<Calls>,
    on_attempt: Option<Hook>,
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
            user_agent_suffix: None,
            proxy: ProxyChoice::FromEnv,
            no_proxy: None,
            ca_file: None,
            platform_roots: false,
            on_attempt: None,
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
        self.submit_with(&CallOptions::default(), submission)
    }

    /// [`Client::submit`] with per-call options. A cancelled or timed-out submission whose
    /// request had left may have been recorded, as with [`ApiError::AnswerLost`].
    ///
    /// # Errors
    /// As [`Client::submit`]; [`ApiError::Cancelled`] and [`ApiError::DeadlineExceeded`].
    pub fn submit_with(
        &self,
        options: &CallOptions,
        submission: &Submission<'_>,
    ) -> Result<AuthResult, ApiError> {
        let (content_type, body) = submission.to_multipart()?;
        let reply = match self.execute(
            options,
            "POST",
            "",
            &[],
            Some((&content_type, &body)),
            Retry::NeverSentOnly,
        ) {
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
        self.get_with(&CallOptions::default(), auth_id)
    }

    /// [`Client::get`] with per-call options.
    ///
    /// # Errors
    /// As [`Client::get`]; [`ApiError::Cancelled`] and [`ApiError::DeadlineExceeded`].
    pub fn get_with(&self, options: &CallOptions, auth_id: &str) -> Result<AuthRecord, ApiError> {
        check_id(auth_id)?;
        let reply = self
            .execute(options, "GET", "", &[("authId", auth_id)], None, Retry::Idempotent)
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
        self.list_with(&CallOptions::default(), query)
    }

    /// [`Client::list`] with options that apply to every page's request: a cancellation ends
    /// the listing with [`ApiError::Cancelled`], and the deadline bounds the whole listing.
    ///
    /// # Errors
    /// As [`Client::list`].
    pub fn list_with(&self, options: &CallOptions, query: &ListQuery) -> Result<Records<'_>, ApiError> {
        query.validate()?;
        Ok(Records::new(Cow::Borrowed(self), query.clone(), options.clone()))
    }

    /// As [`Client::list`], but the listing owns the client (a clone shares its connections),
    /// so it borrows nothing.
    ///
    /// # Errors
    /// As [`Client::list`].
    pub fn into_list(self, query: &ListQuery) -> Result<Records<'static>, ApiError> {
        self.into_list_with(&CallOptions::default(), query)
    }

    /// [`Client::into_list`] with options, as [`Client::list_with`].
    ///
    /// # Errors
    /// As [`Client::list`].
    pub fn into_list_with(
        self,
        options: &CallOptions,
        query: &ListQuery,
    ) -> Result<Records<'static>, ApiError> {
        query.validate()?;
        Ok(Records::new(Cow::Owned(self), query.clone(), options.clone()))
    }

    /// One page of a listing, starting after `after`.
    pub(crate) fn list_page(
        &self,
        options: &CallOptions,
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
        let reply = self.execute(options, "GET", "", &params, None, Retry::Idempotent)?;
        parse_page(&decode_json(&reply)?).map_err(|reason| decode_error(&reply, reason))
    }

    /// GET /faceauth/image?authId=…: the selfie, decoded from base64 (raw text, a JSON string
    /// or a `data:` URL), with a content type sniffed from its bytes.
    ///
    /// # Errors
    /// As [`Client::get`]; [`ApiError::Decode`] when the body is not base64.
    pub fn image(&self, auth_id: &str) -> Result<Image, ApiError> {
        self.image_with(&CallOptions::default(), auth_id)
    }

    /// [`Client::image`] with per-call options.
    ///
    /// # Errors
    /// As [`Client::image`]; [`ApiError::Cancelled`] and [`ApiError::DeadlineExceeded`].
    pub fn image_with(&self, options: &CallOptions, auth_id: &str) -> Result<Image, ApiError> {
        check_id(auth_id)?;
        let reply = self
            .execute(options, "GET", IMAGE_PATH, &[("authId", auth_id)], None, Retry::Idempotent)
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
        self.delete_with(&CallOptions::default(), auth_id)
    }

    /// [`Client::delete`] with per-call options.
    ///
    /// # Errors
    /// As [`Client::delete`]; [`ApiError::Cancelled`] and [`ApiError::DeadlineExceeded`].
    pub fn delete_with(&self, options: &CallOptions, auth_id: &str) -> Result<(), ApiError> {
        check_id(auth_id)?;
        match self.execute(options, "DELETE", "", &[("authId", auth_id)], None, Retry::Idempotent) {
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

    /// Sends one request, repeating it as `retry` allows, within the options' deadline and
    /// until their cancel handle is cancelled. Errors carry the number of retried attempts
    /// before them.
    fn execute(
        &self,
        options: &CallOptions,
        method: &'static str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
        retry: Retry,
    ) -> Result<Reply, Failed> {
        let url = self.url(path, query).map_err(|err| Failed { err, retried: 0, never_sent: true })?;
        let (limit, route) = if path == IMAGE_PATH { (MAX_IMAGE, IMAGE_ROUTE) } else { (MAX_JSON, ROUTE) };
        let cancel = options.cancel_handle();
        // Lets the connection in use find this call's handle (see `transport`).
        let _call = cancel.map(|cancel| self.calls.enter(cancel));
        let cancelled = || cancel.is_some_and(super::Cancel::is_cancelled);
        let deadline = options.deadline_instant();
        let mut retried = 0;
        let mut attempts = 0;
        let mut last: Option<ApiError> = None;
        let end = |err: ApiError, retried: u32| Err(Failed { err, retried, never_sent: false });
        loop {
            if cancelled() {
                return end(ApiError::Cancelled { attempts }, retried);
            }
            let remaining = match deadline {
                None => None,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => {
                        return end(
                            ApiError::DeadlineExceeded { attempts, last: last.map(Box::new) },
                            retried,
                        )
                    }
                },
            };
            attempts += 1;
            let started = Instant::now();
            let (mut result, request_id) = self.attempt(method, &url, body, limit, remaining);
            let duration = started.elapsed();
            if result.is_err() && cancelled() {
                // Whatever the aborted attempt reported, it was the cancellation.
                result = Err((ApiError::Cancelled { attempts }, false));
            } else if let (Err((ApiError::Timeout { .. }, _)), Some(deadline)) = (&result, deadline) {
                // ureq's clock started a moment after ours: allow for that.
                if Instant::now() + Duration::from_millis(20) >= deadline {
                    if let Err((timeout, _)) = result {
                        result = Err((
                            ApiError::DeadlineExceeded { attempts, last: Some(Box::new(timeout)) },
                            false,
                        ));
                    }
                }
            }
            if let Some(hook) = &self.on_attempt {
                let outcome = match &result {
                    Ok(reply) => Outcome::Status(reply.status),
                    Err((err, _)) => err.http_status().map_or(Outcome::Failed(err.kind()), Outcome::Status),
                };
                let report = Attempt {
                    method,
                    route,
                    outcome,
                    number: attempts,
                    duration,
                    request_id: request_id.as_deref(),
                };
                attempt::report(hook, &report);
            }
            let (err, never_sent) = match result {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            if matches!(err, ApiError::Cancelled { .. } | ApiError::DeadlineExceeded { .. }) {
                return end(err, retried);
            }
            let repeatable = match retry {
                Retry::Idempotent => err.is_retryable(),
                Retry::NeverSentOnly => {
                    never_sent && matches!(err, ApiError::Connection { .. } | ApiError::Timeout { .. })
                }
            };
            if !repeatable || retried >= self.max_retries {
                return Err(Failed { err, retried, never_sent });
            }
            let wait = self.backoff(retried);
            if deadline.is_some_and(|deadline| Instant::now() + wait >= deadline) {
                // The retry could not start in time: say so now rather than sleep through it.
                return end(ApiError::DeadlineExceeded { attempts, last: Some(Box::new(err)) }, retried);
            }
            match cancel {
                Some(cancel) => {
                    if !cancel.sleep(wait) {
                        return end(ApiError::Cancelled { attempts }, retried);
                    }
                }
                None => std::thread::sleep(wait),
            }
            last = Some(err);
            retried += 1;
        }
    }

    /// One HTTP attempt: the reply or the error (with whether the request provably never left),
    /// and Argos's request id when an answer named one.
    fn attempt(
        &self,
        method: &'static str,
        url: &str,
        body: Option<(&str, &[u8])>,
        limit: u64,
        remaining: Option<Duration>,
    ) -> (Result<Reply, (ApiError, bool)>, Option<String>) {
        let outcome = match (method, body) {
            ("POST", Some((content_type, bytes))) => {
                self.prepare(self.agent.post(url), remaining).header("Content-Type", content_type).send(bytes)
            }
            ("DELETE", _) => self.prepare(self.agent.delete(url), remaining).call(),
            _ => self.prepare(self.agent.get(url), remaining).call(),
        };
        let response = match outcome {
            Ok(response) => response,
            Err(err) => return (Err(self.transport_error(&err)), None),
        };
        let status = response.status().as_u16();
        let request_id = REQUEST_ID_HEADERS
            .iter()
            .find_map(|name| response.headers().get(*name)?.to_str().ok())
            .filter(|id| id.len() <= 200)
            .map(str::to_owned);
        // Redirects are not followed, so a 3xx arrives here as a response.
        let result = if (200..300).contains(&status) {
            self.read_body(response.into_body(), status, limit)
                .map(|body| Reply { status, body })
                .map_err(|err| (err, false))
        } else {
            let body = self.read_body(response.into_body(), status, limit).unwrap_or_default();
            Err((ApiError::from_status(status, truncate(body)), false))
        };
        (result, request_id)
    }

    /// `{endpoint}{path}?query`, its values percent-encoded here (ureq's own query builder
    /// panics on a URL longer than the `http` crate takes), at most [`MAX_URL`] bytes.
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<String, ApiError> {
        use percent_encoding::utf8_percent_encode;
        let mut url = format!("{}{path}", self.endpoint);
        for (n, (name, value)) in query.iter().enumerate() {
            url.push(if n == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(name, crate::url::QUERY_VALUE));
            url.push('=');
            url.extend(utf8_percent_encode(value, crate::url::QUERY_VALUE));
        }
        if url.len() > MAX_URL {
            return Err(ApiError::invalid(format!(
                "the request's URL would be {} bytes, over the {MAX_URL} sent at most: an argument is too long",
                url.len()
            )));
        }
        Ok(url)
    }

    /// The key and, under a deadline, this attempt's shorter timeouts.
    fn prepare<B>(
        &self,
        mut request: ureq::RequestBuilder<B>,
        remaining: Option<Duration>,
    ) -> ureq::RequestBuilder<B> {
        request = request.header("x-api-key", self.api_key.as_str());
        match remaining {
            Some(left) if left < self.timeout => request
                .config()
                .timeout_global(Some(left))
                .timeout_connect(Some(self.connect_timeout.min(left)))
                .build(),
            _ => request,
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
    fn read_body(&self, body: ureq::Body, status: u16, limit: u64) -> Result<String, ApiError> {
        let mut bytes = Vec::new();
        body.into_reader().take(limit + 1).read_to_end(&mut bytes).map_err(|e| self.read_error(e))?;
        if bytes.len() as u64 > limit {
            return Err(ApiError::Decode {
                status,
                reason: format!("the response is larger than {limit} bytes"),
                body: String::new(),
            });
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// An error while reading a response body: the request arrived.
    fn read_error(&self, err: std::io::Error) -> ApiError {
        let host = &self.host;
        let err = ureq::Error::from(err);
        let io = match &err {
            ureq::Error::Timeout(_) => {
                return ApiError::Timeout {
                    reason: format!("no complete answer from {host} within {:?}", self.timeout),
                }
            }
            ureq::Error::Io(io) => innermost_io(io),
            other => {
                return ApiError::Connection {
                    reason: format!("the answer from {host} is malformed ({})", detail(other)),
                    never_sent: false,
                }
            }
        };
        match io.kind() {
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
                reason: format!("the connection to {host} broke while reading the answer ({})", detail(io)),
                never_sent: false,
            },
        }
    }

    /// One sentence for a transport error, naming the host (never the URL, which may hold
    /// credentials), and whether the request provably never reached the server.
    fn transport_error(&self, err: &ureq::Error) -> (ApiError, bool) {
        use std::io::ErrorKind as Io;
        use ureq::Error as E;
        let host = &self.host;
        if let Some(reason) = untrusted_certificate(err) {
            return (ApiError::TlsUntrusted { reason }, true);
        }
        let io_kind = match err {
            E::Io(io) => Some(innermost_io(io).kind()),
            _ => None,
        };
        let connection =
            |reason: String, never_sent: bool| (ApiError::Connection { reason, never_sent }, never_sent);
        match (err, io_kind) {
            (E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect), _) => (
                ApiError::Timeout {
                    reason: format!("could not connect to {host} within {:?}", self.connect_timeout),
                },
                true,
            ),
            (E::Timeout(_), _) | (_, Some(Io::TimedOut | Io::WouldBlock)) => (
                ApiError::Timeout { reason: format!("no answer from {host} within {:?}", self.timeout) },
                false,
            ),
            (E::BadUri(_) | E::Http(_), _) => {
                (ApiError::invalid("the base URL is not a valid http(s) URL"), true)
            }
            (E::HostNotFound, _) => connection(format!("cannot resolve {host}"), true),
            (E::Io(io), Some(Io::NotFound | Io::Other)) if io.to_string().contains("resolve") => {
                connection(format!("cannot resolve {host} ({})", detail(io)), true)
            }
            (_, Some(Io::ConnectionRefused)) => connection(format!("{host} refused the connection"), true),
            (E::ConnectionFailed, _) => connection(format!("cannot connect to {host}"), true),
            (E::ConnectProxyFailed(_) | E::InvalidProxyUrl, _) => {
                connection(format!("the proxy failed ({})", detail(err)), true)
            }
            (E::Tls(_) | E::Rustls(_) | E::Pem(_), _) => {
                connection(format!("the TLS handshake with {host} failed ({})", detail(err)), true)
            }
            (_, Some(Io::ConnectionReset)) => connection(format!("{host} reset the connection"), false),
            (_, Some(Io::UnexpectedEof | Io::ConnectionAborted)) => {
                connection(format!("{host} closed the connection without answering"), false)
            }
            (_, Some(Io::BrokenPipe)) => {
                connection(format!("{host} closed the connection while the request was being sent"), false)
            }
            (E::Protocol(_) | E::LargeResponseHeader(..), _) => {
                connection(format!("{host} sent a malformed answer ({})", detail(err)), false)
            }
            _ => connection(format!("the connection to {host} failed ({})", detail(err)), false),
        }
    }
}

/// The certificate check's words, when `err` is a server certificate that is not trusted.
fn untrusted_certificate(err: &ureq::Error) -> Option<String> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = next {
        if let Some(rustls::Error::InvalidCertificate(why)) = cause.downcast_ref::<rustls::Error>() {
            return Some(redact_text(&format!("{why:?}")));
        }
        if let Some(ureq::Error::Rustls(rustls::Error::InvalidCertificate(why))) =
            cause.downcast_ref::<ureq::Error>()
        {
            return Some(redact_text(&format!("{why:?}")));
        }
        // An I/O error's `source` skips the error it wraps: look at that one first.
        let io = match cause.downcast_ref::<ureq::Error>() {
            Some(ureq::Error::Io(io)) => Some(io),
            _ => cause.downcast_ref::<std::io::Error>(),
        };
        let wrapped =
            io.and_then(std::io::Error::get_ref).map(|inner| inner as &(dyn std::error::Error + 'static));
        next = wrapped.or_else(|| cause.source());
    }
    None
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
    fn no_proxy_lists_match_a_host_and_its_subdomains() {
        for (list, host, matches) in [
            ("example.com", "api.example.com", true),
            (".example.com", "example.com:443", true),
            ("example.com", "notexample.com", false),
            ("localhost, 127.0.0.1", "127.0.0.1:8700", true),
            ("*", "rest-api.argosidentity.com", true),
            ("", "rest-api.argosidentity.com", false),
            ("::1", "[::1]:9000", true),
            ("EXAMPLE.com", "Api.Example.COM", true),
        ] {
            assert_eq!(no_proxy_matches(list, host), matches, "{list:?} {host:?}");
        }
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
