use std::fmt;

use crate::{excerpt, ErrorKind};

/// What the server said when it refused a request: status, Argos's code and message, and the
/// raw body. It never holds the API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The HTTP status.
    pub status: u16,
    /// Argos's `errorCode`, when the body has one.
    pub code: Option<String>,
    /// Argos's `message`, when the body has one.
    pub message: Option<String>,
    /// The response body as received (lossy UTF-8, at most 64 KiB).
    pub body: String,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl ApiFailure {
    /// True when Argos says the record asked for does not exist.
    fn says_not_found(&self) -> bool {
        self.code.as_deref().is_some_and(|code| code.eq_ignore_ascii_case("NOT_FOUND"))
            || self.message.as_deref().is_some_and(|m| m.contains("Cannot find submission"))
    }
}

/// Why an API call failed. A rejected face is not an error: it is an
/// [`AuthResult`](super::AuthResult) with status `rejected`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// An argument was refused before sending (empty id, bad date, count out of range…).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// 400: missing or malformed parameters (an unknown record asked for by id is
    /// [`ApiError::NotFound`]).
    #[error("invalid request ({0})")]
    InvalidRequest(ApiFailure),
    /// 403 with an explicit deny: the caller's IP is not on the project's allow list.
    #[error("IP address not allowed ({0})")]
    IpNotAllowed(ApiFailure),
    /// 403 Forbidden: the API key is missing or wrong.
    #[error("authentication failed: check the FaceAuth project's API key ({0})")]
    Authentication(ApiFailure),
    /// 413: the request (usually the image) is too large.
    #[error("payload too large ({0})")]
    PayloadTooLarge(ApiFailure),
    /// 5xx: an Argos server or gateway error.
    #[error("server error ({0})")]
    Server(ApiFailure),
    /// Any other non-success status.
    #[error("unexpected response ({0})")]
    UnexpectedStatus(ApiFailure),
    /// No record with the id asked for: the API answered 400 with the error code `NOT_FOUND`
    /// (or "Cannot find submission"), or a success response held no such record.
    #[error("no FaceAuth result with auth id {:?}{}", excerpt(auth_id), failure.as_ref().map(|f| format!(" ({f})")).unwrap_or_default())]
    NotFound {
        /// The id asked for.
        auth_id: String,
        /// The server's refusal, when it answered with one (a 400 with `NOT_FOUND`).
        failure: Option<ApiFailure>,
    },
    /// The connect or overall request timeout passed.
    #[error("timed out: {reason}")]
    Timeout {
        /// Which stage timed out.
        reason: String,
    },
    /// The connection failed or broke (DNS, refused, reset, TLS).
    #[error("connection failed: {reason}")]
    Connection {
        /// The transport error.
        reason: String,
        /// True when the request provably never reached the server (DNS or connect failure),
        /// so even a POST may be sent again.
        never_sent: bool,
    },
    /// POST /faceauth was sent, then its answer was lost (a timeout or a broken connection):
    /// the selfie may have been recorded. Its kind is the cause's (timeout or connection).
    #[error(
        "the answer to the submission for {:?} was lost ({cause}): the selfie may have \
         been recorded; before submitting again, look for a result of this submission among those \
         of {date} UTC (`faceauth auth list --start-date {date} --end-date {date}`, or \
         GET /faceauth?startDate={date}&endDate={date})",
        excerpt(submission_id)
    )]
    AnswerLost {
        /// The submission id sent.
        submission_id: String,
        /// The UTC date (`yyyy-mm-dd`) when the answer was lost.
        date: String,
        /// The timeout or connection error.
        cause: Box<ApiError>,
    },
    /// The call's [`Cancel`](super::Cancel) handle was cancelled: the attempt in flight was
    /// aborted and no further attempt was made.
    #[error("the call was cancelled after {}", crate::error::counted(*attempts as usize, "attempt", "attempts"))]
    Cancelled {
        /// The attempts started before the cancellation (0 when it came first).
        attempts: u32,
    },
    /// The call's deadline ([`CallOptions::deadline`](super::CallOptions::deadline)) passed,
    /// retries and backoff included. Its kind is `api_timeout`.
    #[error(
        "the call's deadline passed after {}{}",
        crate::error::counted(*attempts as usize, "attempt", "attempts"),
        last.as_ref().map(|e| format!(" (the last: {e})")).unwrap_or_default()
    )]
    DeadlineExceeded {
        /// The attempts made (0 when the deadline had passed before the first).
        attempts: u32,
        /// The last attempt's failure, when one failed before the deadline.
        last: Option<Box<ApiError>>,
    },
    /// The server's TLS certificate is not trusted: its issuer is in none of the trusted roots
    /// (a TLS-inspecting gateway's own CA needs [`ClientBuilder::ca_file`](super::ClientBuilder::ca_file)),
    /// or it is expired, or for another name.
    #[error("the server's certificate is not trusted: {reason}")]
    TlsUntrusted {
        /// What the certificate check said.
        reason: String,
    },
    /// A success response whose body is not what the API documents.
    #[error("cannot decode the response (HTTP {status}): {reason}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// What did not decode.
        reason: String,
        /// The body as received (lossy UTF-8, at most 64 KiB).
        body: String,
    },
}

impl ApiError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            ApiError::InvalidRequest(_) => ErrorKind::ApiInvalidRequest,
            ApiError::IpNotAllowed(_) => ErrorKind::ApiIpNotAllowed,
            ApiError::Authentication(_) => ErrorKind::ApiAuthentication,
            ApiError::PayloadTooLarge(_) => ErrorKind::ApiPayloadTooLarge,
            ApiError::Server(_) => ErrorKind::ApiServer,
            ApiError::UnexpectedStatus(_) => ErrorKind::ApiUnexpectedStatus,
            ApiError::NotFound { .. } => ErrorKind::ApiNotFound,
            ApiError::Timeout { .. } => ErrorKind::ApiTimeout,
            ApiError::Connection { .. } => ErrorKind::ApiConnection,
            ApiError::Decode { .. } => ErrorKind::ApiDecode,
            ApiError::AnswerLost { cause, .. } => cause.kind(),
            ApiError::Cancelled { .. } => ErrorKind::Cancelled,
            ApiError::DeadlineExceeded { .. } => ErrorKind::ApiTimeout,
            ApiError::TlsUntrusted { .. } => ErrorKind::ApiTlsUntrusted,
        }
    }

    /// How many attempts the call made, for the errors that end a call early (a deadline, a
    /// cancellation).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            ApiError::Cancelled { attempts } | ApiError::DeadlineExceeded { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// The server's refusal, for the errors that carry one.
    pub fn failure(&self) -> Option<&ApiFailure> {
        match self {
            ApiError::InvalidRequest(f)
            | ApiError::IpNotAllowed(f)
            | ApiError::Authentication(f)
            | ApiError::PayloadTooLarge(f)
            | ApiError::Server(f)
            | ApiError::UnexpectedStatus(f) => Some(f),
            ApiError::NotFound { failure, .. } => failure.as_ref(),
            _ => None,
        }
    }

    /// The HTTP status, where a response arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Decode { status, .. } => Some(*status),
            _ => self.failure().map(|f| f.status),
        }
    }

    /// Argos's `errorCode`, where the body had one.
    pub fn code(&self) -> Option<&str> {
        self.failure().and_then(|f| f.code.as_deref())
    }

    /// The raw response body, where a response arrived.
    pub fn body(&self) -> Option<&str> {
        match self {
            ApiError::Decode { body, .. } => Some(body),
            _ => self.failure().map(|f| f.body.as_str()),
        }
    }

    /// This error as the answer to a call for `auth_id`: a 400 that says the record does not
    /// exist (Argos's `NOT_FOUND` code, or its "Cannot find submission" message) is
    /// [`ApiError::NotFound`]; anything else is unchanged.
    pub(crate) fn for_auth_id(self, auth_id: &str) -> ApiError {
        match self {
            ApiError::InvalidRequest(failure) if failure.says_not_found() => {
                ApiError::NotFound { auth_id: auth_id.to_owned(), failure: Some(failure) }
            }
            other => other,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> ApiError {
        ApiError::InvalidArgument { reason: reason.into() }
    }

    /// Classifies a non-success response.
    pub(crate) fn from_status(status: u16, body: String) -> ApiError {
        let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let field = |names: &[&str]| {
            names.iter().find_map(|name| json.as_ref()?.get(*name)?.as_str().map(str::to_owned))
        };
        let failure = ApiFailure {
            status,
            code: field(&["errorCode", "error_code"]),
            message: field(&["message", "Message", "error"]),
            body,
        };
        match status {
            400 => ApiError::InvalidRequest(failure),
            403 if failure.message.as_deref().is_some_and(|m| m.contains("explicit deny")) => {
                ApiError::IpNotAllowed(failure)
            }
            401 | 403 => ApiError::Authentication(failure),
            413 => ApiError::PayloadTooLarge(failure),
            500..=599 => ApiError::Server(failure),
            _ => ApiError::UnexpectedStatus(failure),
        }
    }

    /// True for the failures worth repeating an idempotent request for.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            ApiError::Server(f) => matches!(f.status, 500 | 502 | 503 | 504),
            ApiError::Connection { .. } | ApiError::Timeout { .. } => true,
            _ => false,
        }
    }
}
