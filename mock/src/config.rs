//! The simulator's configuration: a JSON seed file, or flags of `faceauth mock`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use faceauth::url::redact_credentials;
use serde::{Deserialize, Serialize};

/// Why a configuration could not be read or used.
///
/// Messages never carry key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The seed file could not be read.
    #[error("cannot read the seed file {path}: {source}")]
    Read {
        /// The file's path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The seed JSON does not describe a configuration.
    #[error("invalid seed JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A value is out of range or malformed.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field at fault, by its name in the seed file.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { field, reason: reason.into() }
    }
}

/// Everything the simulator is started with. Every field has a default, so `{}` is a valid
/// seed file; unknown fields are an error (they are usually typos).
#[derive(Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MockConfig {
    /// The address to listen on (`127.0.0.1`).
    pub host: String,
    /// The port to listen on; 0 picks a free one (the default).
    pub port: u16,
    /// The FaceAuth project's API key, expected in `x-api-key` (`mock-api-key`).
    pub api_key: String,
    /// The FaceAuth project id, the `pid` of hosted-page URLs (`mock-project`).
    pub project_id: String,
    /// The key that decrypts hosted-page URLs; `None` means [`api_key`](Self::api_key).
    pub url_key: Option<String>,
    /// The encryption of hosted-page URLs: `ecb` (default), `gcm`, `cbc` or a variant id.
    pub scheme: String,
    /// Caller IPs (or CIDR ranges) allowed on the REST API; `None` allows everyone.
    pub allowed_ips: Option<Vec<String>>,
    /// The largest request body accepted (5,000,000 bytes); larger ones get 413.
    pub max_body_bytes: usize,
    /// The project's token expiration rule; `None` turns token expiration off.
    pub token_rule: Option<TokenRule>,
    /// Where webhooks are sent; `None` sends none.
    pub webhook_url: Option<String>,
    /// When set, webhook bodies are `{"data": <AES-256-ECB ciphertext of the JSON>}` under this key.
    pub webhook_key: Option<String>,
    /// Which documented shape `faceAuth` webhooks take.
    pub webhook_shape: WebhookShape,
    /// Which documented shape `GET /faceauth` answers take.
    pub response_shape: ResponseShape,
    /// How `GET /faceauth/image` writes the base64 image.
    pub image_format: ImageFormat,
    /// The ID check submissions that exist.
    pub submissions: Vec<SeedSubmission>,
    /// FaceAuth results present from the start.
    pub results: Vec<SeedResult>,
    /// The start time of the mock clock (RFC 3339); `None` starts at the real time.
    pub now: Option<String>,
    /// Fault injection on the REST API.
    pub faults: FaultConfig,
    /// Connection limits and timeouts: the worker pool, idle and slow clients.
    pub limits: Limits,
    /// Log one line per request to stderr.
    pub verbose: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            host: "127.0.0.1".to_owned(),
            port: 0,
            api_key: "mock-api-key".to_owned(),
            project_id: "mock-project".to_owned(),
            url_key: None,
            scheme: "ecb".to_owned(),
            allowed_ips: None,
            max_body_bytes: 5_000_000,
            token_rule: None,
            webhook_url: None,
            webhook_key: None,
            webhook_shape: WebhookShape::Current,
            response_shape: ResponseShape::Nested,
            image_format: ImageFormat::Raw,
            submissions: Vec::new(),
            results: Vec::new(),
            now: None,
            faults: FaultConfig::default(),
            limits: Limits::default(),
            verbose: false,
        }
    }
}

/// Prints every field but the keys, which show as `<redacted>`.
impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |key: &Option<String>| key.as_ref().map(|_| "<redacted>");
        f.debug_struct("MockConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("api_key", &"<redacted>")
            .field("project_id", &self.project_id)
            .field("url_key", &redacted(&self.url_key))
            .field("scheme", &self.scheme)
            .field("allowed_ips", &self.allowed_ips)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("token_rule", &self.token_rule)
            .field("webhook_url", &self.webhook_url.as_deref().map(redact_credentials))
            .field("webhook_key", &redacted(&self.webhook_key))
            .field("webhook_shape", &self.webhook_shape)
            .field("response_shape", &self.response_shape)
            .field("image_format", &self.image_format)
            .field("submissions", &self.submissions)
            .field("results", &self.results)
            .field("now", &self.now)
            .field("faults", &self.faults)
            .field("limits", &self.limits)
            .field("verbose", &self.verbose)
            .finish()
    }
}

impl MockConfig {
    /// Reads a configuration from seed JSON.
    ///
    /// # Errors
    /// [`ConfigError::Json`] if the text is not a valid configuration.
    pub fn from_json(text: &str) -> Result<MockConfig, ConfigError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Reads a configuration from a seed file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] if the file cannot be read, [`ConfigError::Json`] if it is not a
    /// valid configuration.
    pub fn from_file(path: &Path) -> Result<MockConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        MockConfig::from_json(&text)
    }
}

/// The project's token expiration rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TokenRule {
    /// A token id expires at its first use.
    Count,
    /// A token id expires `seconds` after its first use.
    Time {
        /// Seconds from the first use to expiry.
        seconds: u64,
    },
}

impl TokenRule {
    /// Parses the command-line form: `count`, `time:SECONDS`, or `off` (`None`).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for anything else.
    pub fn parse_flag(text: &str) -> Result<Option<TokenRule>, ConfigError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        if text.eq_ignore_ascii_case("count") {
            return Ok(Some(TokenRule::Count));
        }
        if let Some(seconds) = text.strip_prefix("time:") {
            return seconds
                .parse()
                .map(|seconds| Some(TokenRule::Time { seconds }))
                .map_err(|_| ConfigError::invalid("token_rule", "time:SECONDS needs a whole number"));
        }
        Err(ConfigError::invalid("token_rule", "expected count, time:SECONDS or off"))
    }
}

/// Declares a config enum that reads and writes as lowercase names.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// The name used in seed files and on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = ConfigError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ConfigError::invalid(
                        $field,
                        format!("{text:?} is not one of {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

named_enum! {
    /// The three documented shapes of the `faceAuth` webhook (spec section 4).
    WebhookShape, "webhook_shape" {
        /// `data` holds `Auth_Status`, `Auth_User_id`, `Auth_cf1..3`, `reference` and `Authentication_id`.
        #[default]
        Current => "current",
        /// `Authentication_id` at the top level; `User_id`, `cf1..3` in `data`.
        Older => "older",
        /// `auth_id` at the top level; lowercase `submission_id`, `auth_status`… in `data`.
        Oldest => "oldest",
    }
}

named_enum! {
    /// The two documented shapes of `GET /faceauth` answers.
    ResponseShape, "response_shape" {
        /// `[{"faceAuth_projectId": …, "data": [rows], "nextPage_key"?: …}]`, rows with `result`.
        #[default]
        Nested => "nested",
        /// The older bare array of rows (an object with `data` and `nextPage_key` when paging).
        Flat => "flat",
    }
}

named_enum! {
    /// How `GET /faceauth/image` writes the image.
    ImageFormat, "image_format" {
        /// The bare base64 text (`text/plain`).
        #[default]
        Raw => "raw",
        /// The base64 text as a JSON string.
        Json => "json",
        /// A `data:<type>;base64,<b64>` URL as text.
        DataUrl => "data_url",
    }
}

/// An ID check submission known to the simulator.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubmission {
    /// The submission id.
    pub id: String,
    /// Its status; only `approved` submissions can be re-authenticated.
    #[serde(default = "approved")]
    pub status: String,
    /// The user id ID check holds for it.
    #[serde(default)]
    pub user_id: Option<String>,
}

fn approved() -> String {
    "approved".to_owned()
}

/// A FaceAuth result present from the start, with the fields of a stored record.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedResult {
    /// The auth id.
    pub auth_id: String,
    /// `approved`, `rejected` or any other status.
    #[serde(default = "approved")]
    pub auth_status: String,
    /// When the result was made (RFC 3339); `None` is the clock's start.
    #[serde(default)]
    pub create_time: Option<String>,
    /// The ID check submission it re-authenticated.
    #[serde(default)]
    pub kyc_submission_id: String,
    /// `api` (the default) or `form`.
    #[serde(default = "api")]
    pub submit_type: String,
    /// Whether the result was already deleted.
    #[serde(default)]
    pub delete_check: bool,
    /// The face similarity score (default 99.5 when approved, 41.2 otherwise).
    #[serde(default)]
    pub face_similarity: Option<f64>,
    /// Fail codes of a rejected result.
    #[serde(default)]
    pub fail_code: Vec<String>,
    /// Reject comments of a rejected result.
    #[serde(default, alias = "rejected_comment")]
    pub reject_comment: Vec<String>,
    /// The selfie, base64.
    #[serde(default)]
    pub image_base64: Option<String>,
    /// The selfie's content type (sniffed from its bytes when absent).
    #[serde(default)]
    pub image_content_type: Option<String>,
    /// The user id given with the request.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Free extra field cf1.
    #[serde(default)]
    pub cf1: Option<String>,
    /// Free extra field cf2.
    #[serde(default)]
    pub cf2: Option<String>,
    /// Free extra field cf3.
    #[serde(default)]
    pub cf3: Option<String>,
    /// The token id of the hosted-page URL, if any.
    #[serde(default)]
    pub token: Option<String>,
}

fn api() -> String {
    "api".to_owned()
}

/// Fault injection on the `/faceauth` REST endpoints.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Milliseconds added before every API request is processed.
    pub latency_ms: u64,
    /// Probability (0..=1) that a request answers 500 or 502 (alternating).
    pub error_rate: f64,
    /// Probability (0..=1) that a request's connection is closed without an answer.
    pub drop_rate: f64,
    /// Seed of the deterministic generator behind `error_rate` and `drop_rate`.
    pub seed: u64,
    /// The next this many API requests answer `fail_status`.
    pub fail_next: u32,
    /// The status of `fail_next` answers (502).
    pub fail_status: u16,
    /// The next this many API requests are dropped without an answer.
    pub drop_next: u32,
    /// The next this many API requests are processed, then dropped without an answer: the
    /// work is done but the client never hears of it (a lost response).
    pub lose_next: u32,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            latency_ms: 0,
            error_rate: 0.0,
            drop_rate: 0.0,
            seed: 0,
            fail_next: 0,
            fail_status: 502,
            drop_next: 0,
            lose_next: 0,
        }
    }
}

impl FaultConfig {
    /// Checks rates and status.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        check_rate("faults.error_rate", self.error_rate)?;
        check_rate("faults.drop_rate", self.drop_rate)?;
        check_status(self.fail_status)
    }
}

/// How the server treats connections: the threads of its runtime, and limits that keep idle,
/// slow or oversized clients from holding anything for long.
///
/// The server runs on hyper: every connection is a task, so a client that trickles its head or
/// its body holds no thread, only its connection, until a limit below closes it. In a seed
/// file: `"limits": {"workers": 4, …}`; every field has a default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Threads of the server's runtime, which read requests and answer them (16).
    pub workers: usize,
    /// Client connections open at once, idle ones included (256). A connection beyond it is
    /// answered `503 Service Unavailable` and closed at once.
    pub max_connections: usize,
    /// The most bytes a request line plus headers may take (65,536); larger heads get 431.
    /// The body limit is [`MockConfig::max_body_bytes`].
    pub max_header_bytes: usize,
    /// Milliseconds a connection may wait for its next request, fresh or between keep-alive
    /// requests, before it is closed (30,000). The whole head must arrive within the smaller of
    /// this and `request_timeout_ms`.
    pub idle_timeout_ms: u64,
    /// Milliseconds a request in progress may go without a byte from the client (5,000).
    pub read_timeout_ms: u64,
    /// Milliseconds from the start of a request to the last byte of its body (15,000): a client
    /// that trickles bytes is answered `408 Request Timeout` and closed when it passes, however
    /// steadily it sends.
    pub request_timeout_ms: u64,
    /// Milliseconds a write of an answer may wait on a client that reads nothing (10,000): past
    /// it, the connection is closed. A client that reads, however slowly, is not cut off.
    pub write_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            workers: 16,
            max_connections: 256,
            max_header_bytes: 64 * 1024,
            idle_timeout_ms: 30_000,
            read_timeout_ms: 5_000,
            request_timeout_ms: 15_000,
            write_timeout_ms: 10_000,
        }
    }
}

impl Limits {
    /// Checks that every limit is at least 1.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        let positive = |field: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::invalid(field, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        let count = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
        positive("limits.workers", count(self.workers))?;
        positive("limits.max_connections", count(self.max_connections))?;
        positive("limits.max_header_bytes", count(self.max_header_bytes))?;
        positive("limits.idle_timeout_ms", self.idle_timeout_ms)?;
        positive("limits.read_timeout_ms", self.read_timeout_ms)?;
        positive("limits.request_timeout_ms", self.request_timeout_ms)?;
        positive("limits.write_timeout_ms", self.write_timeout_ms)?;
        if self.workers > 1024 {
            return Err(ConfigError::invalid("limits.workers", "must be at most 1024"));
        }
        Ok(())
    }
}

pub(crate) fn check_rate(field: &'static str, rate: f64) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(ConfigError::invalid(field, "a probability must be between 0 and 1"))
    }
}

pub(crate) fn check_status(status: u16) -> Result<(), ConfigError> {
    if (400..=599).contains(&status) {
        Ok(())
    } else {
        Err(ConfigError::invalid("faults.fail_status", "must be an HTTP error status (400 to 599)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_seed_gives_the_defaults() {
        let config = MockConfig::from_json("{}").expect("config");
        assert_eq!(config.host, "127.0.0.1");
        assert_eq!(config.api_key, "mock-api-key");
        assert_eq!(config.max_body_bytes, 5_000_000);
        assert_eq!(config.faults.fail_status, 502);
        assert_eq!(config.response_shape, ResponseShape::Nested);
    }

    #[test]
    fn seed_fields_parse() {
        let config = MockConfig::from_json(
            r#"{"token_rule":{"kind":"time","seconds":60},"webhook_shape":"oldest",
                "image_format":"data_url","response_shape":"flat",
                "submissions":[{"id":"s1","status":"approved"}],
                "results":[{"auth_id":"fa_1","create_time":"2025-10-02T02:15:17.554Z"}],
                "faults":{"error_rate":0.5,"seed":7}}"#,
        )
        .expect("config");
        assert_eq!(config.token_rule, Some(TokenRule::Time { seconds: 60 }));
        assert_eq!(config.webhook_shape, WebhookShape::Oldest);
        assert_eq!(config.image_format, ImageFormat::DataUrl);
        assert_eq!(config.results[0].auth_status, "approved");
        assert!(MockConfig::from_json(r#"{"prot":1}"#).is_err());
        let limited =
            MockConfig::from_json(r#"{"limits":{"workers":2,"idle_timeout_ms":50}}"#).expect("config");
        assert_eq!((limited.limits.workers, limited.limits.idle_timeout_ms), (2, 50));
        assert_eq!(limited.limits.max_connections, Limits::default().max_connections);
        assert!(MockConfig::from_json(r#"{"limits":{"worker":2}}"#).is_err());
        assert!(Limits { workers: 0, ..Limits::default() }.check().is_err());
        assert!(Limits { request_timeout_ms: 0, ..Limits::default() }.check().is_err());
        assert!(Limits::default().check().is_ok());
        let secret = MockConfig {
            api_key: "s3cret-key".into(),
            url_key: Some("s3cret-url".into()),
            webhook_key: Some("s3cret-hook".into()),
            webhook_url: Some("https://hook-user:s3cret-pw@hooks.example/in".into()),
            ..config
        };
        let printed = format!("{secret:?}");
        assert!(!printed.contains("s3cret") && !printed.contains("hook-user"), "{printed}");
        assert!(printed.contains("https://<redacted>@hooks.example/in"), "{printed}");
    }

    #[test]
    fn flags_parse() {
        assert_eq!(TokenRule::parse_flag("count").expect("rule"), Some(TokenRule::Count));
        assert_eq!(TokenRule::parse_flag("time:30").expect("rule"), Some(TokenRule::Time { seconds: 30 }));
        assert_eq!(TokenRule::parse_flag("off").expect("rule"), None);
        assert!(TokenRule::parse_flag("time:x").is_err());
        assert_eq!("DATA_URL".parse::<ImageFormat>().expect("format"), ImageFormat::DataUrl);
        assert!("square".parse::<WebhookShape>().is_err());
    }
}
