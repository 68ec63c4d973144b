//! The exception hierarchy and the one mapping from [`faceauth::Error`] to it.
//!
//! Every binding function turns a core error into a Python exception with [`to_py_err`]. The
//! class is chosen by [`ErrorKind`] alone ([`class_of`]), so the families mirror the C ABI's code
//! ranges: 1–99 generic, 100–199 [`CryptoError`], 200–299 [`TokenError`] (with [`LedgerError`]
//! under it), 300–399 [`ApiError`], 400–499 [`WebhookError`].
//!
//! Each instance carries `.kind` (the stable name, e.g. `"bad_padding"`) and `.code` (the C
//! status number); API errors add `.status`, `.error_code`, `.message` and `.body`. Messages are
//! the core's, which never hold the API key.

use faceauth::api::{ApiError as CoreApiError, ApiFailure};
use faceauth::ErrorKind;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

pyo3::create_exception!(
    faceauth,
    FaceAuthError,
    PyException,
    "Base of every FaceAuth error: `.kind` is the stable name, `.code` the C ABI number."
);
pyo3::create_exception!(
    faceauth,
    CryptoError,
    FaceAuthError,
    "A key, encryption or decryption error (codes 100-199)."
);
pyo3::create_exception!(
    faceauth,
    UrlError,
    FaceAuthError,
    "A text is not a FaceAuth URL, or its payload is not FaceAuth's."
);
pyo3::create_exception!(
    faceauth,
    TokenError,
    FaceAuthError,
    "A token id breaks the id rule (codes 200-299)."
);
pyo3::create_exception!(
    faceauth,
    LedgerError,
    TokenError,
    "The token ledger refused or failed (codes 201-299)."
);
pyo3::create_exception!(
    faceauth,
    WebhookError,
    FaceAuthError,
    "A webhook body that does not parse or decrypt (codes 400-499)."
);
pyo3::create_exception!(
    faceauth,
    ApiError,
    FaceAuthError,
    "The FaceAuth REST API failed (codes 300-399): `.status`, `.error_code`, `.message`, `.body`."
);
pyo3::create_exception!(
    faceauth,
    InvalidRequest,
    ApiError,
    "HTTP 400: missing or malformed parameters, or an unknown record."
);
pyo3::create_exception!(
    faceauth,
    IpNotAllowed,
    ApiError,
    "HTTP 403 with an explicit deny: the caller's IP is not allowed."
);
pyo3::create_exception!(
    faceauth,
    AuthenticationError,
    ApiError,
    "HTTP 403: the API key is missing or wrong."
);
pyo3::create_exception!(faceauth, PayloadTooLarge, ApiError, "HTTP 413: the request is too large.");
pyo3::create_exception!(faceauth, ServerError, ApiError, "HTTP 5xx: an Argos server or gateway error.");
pyo3::create_exception!(
    faceauth,
    NotFound,
    InvalidRequest,
    "The record asked for does not exist (Argos answers 400 NOT_FOUND); an `InvalidRequest` too."
);
pyo3::create_exception!(
    faceauth,
    TransportError,
    ApiError,
    "The request did not complete: a timeout or a connection failure."
);
pyo3::create_exception!(faceauth, Timeout, TransportError, "A connect or request timeout.");
pyo3::create_exception!(
    faceauth,
    ConnectionError,
    TransportError,
    "A connection failure (DNS, refused, reset, TLS). Not the builtin `ConnectionError`."
);

pyo3::create_exception!(
    faceauth,
    Cancelled,
    FaceAuthError,
    "The call was cancelled: the request in flight was aborted and no further attempt made."
);
pyo3::create_exception!(
    faceauth,
    TlsUntrusted,
    ConnectionError,
    "The server's TLS certificate is not trusted (give a TLS-inspecting gateway's CA as `ca_file`)."
);

/// `faceauth.InvalidArgument(FaceAuthError, ValueError)`: built at import time, since it has two
/// bases (`create_exception!` takes one).
static INVALID_ARGUMENT: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The exception classes, by name; each variant is one Python class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `FaceAuthError`, the base.
    FaceAuthError,
    /// `InvalidArgument(FaceAuthError, ValueError)`: an empty or malformed argument (code 1).
    InvalidArgument,
    /// `CryptoError`.
    CryptoError,
    /// `UrlError`.
    UrlError,
    /// `TokenError`.
    TokenError,
    /// `LedgerError(TokenError)`.
    LedgerError,
    /// `WebhookError`.
    WebhookError,
    /// `ApiError`.
    ApiError,
    /// `InvalidRequest(ApiError)`.
    InvalidRequest,
    /// `IpNotAllowed(ApiError)`.
    IpNotAllowed,
    /// `AuthenticationError(ApiError)`.
    AuthenticationError,
    /// `PayloadTooLarge(ApiError)`.
    PayloadTooLarge,
    /// `ServerError(ApiError)`.
    ServerError,
    /// `NotFound(InvalidRequest)`.
    NotFound,
    /// `TransportError(ApiError)`.
    TransportError,
    /// `Timeout(TransportError)`.
    Timeout,
    /// `ConnectionError(TransportError)`.
    ConnectionError,
    /// `Cancelled(FaceAuthError)`.
    Cancelled,
    /// `TlsUntrusted(ConnectionError)`.
    TlsUntrusted,
}

impl Class {
    /// The class it derives from within the package; `None` for the base.
    pub fn parent(self) -> Option<Class> {
        use Class::*;
        match self {
            FaceAuthError => None,
            TlsUntrusted => Some(ConnectionError),
            InvalidArgument | CryptoError | UrlError | TokenError | WebhookError | ApiError | Cancelled => {
                Some(FaceAuthError)
            }
            LedgerError => Some(TokenError),
            InvalidRequest | IpNotAllowed | AuthenticationError | PayloadTooLarge | ServerError
            | TransportError => Some(ApiError),
            NotFound => Some(InvalidRequest),
            Timeout | ConnectionError => Some(TransportError),
        }
    }

    /// True when `self` is `other` or derives from it.
    pub fn is_subclass_of(self, other: Class) -> bool {
        let mut at = Some(self);
        while let Some(class) = at {
            if class == other {
                return true;
            }
            at = class.parent();
        }
        false
    }

    /// The Python class object.
    pub fn type_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
        use pyo3::PyTypeInfo;
        Ok(match self {
            Class::FaceAuthError => FaceAuthError::type_object(py),
            Class::InvalidArgument => invalid_argument(py)?.clone(),
            Class::CryptoError => CryptoError::type_object(py),
            Class::UrlError => UrlError::type_object(py),
            Class::TokenError => TokenError::type_object(py),
            Class::LedgerError => LedgerError::type_object(py),
            Class::WebhookError => WebhookError::type_object(py),
            Class::ApiError => ApiError::type_object(py),
            Class::InvalidRequest => InvalidRequest::type_object(py),
            Class::IpNotAllowed => IpNotAllowed::type_object(py),
            Class::AuthenticationError => AuthenticationError::type_object(py),
            Class::PayloadTooLarge => PayloadTooLarge::type_object(py),
            Class::ServerError => ServerError::type_object(py),
            Class::NotFound => NotFound::type_object(py),
            Class::TransportError => TransportError::type_object(py),
            Class::Timeout => Timeout::type_object(py),
            Class::ConnectionError => ConnectionError::type_object(py),
            Class::Cancelled => Cancelled::type_object(py),
            Class::TlsUntrusted => TlsUntrusted::type_object(py),
        })
    }
}

/// The class for an error kind: the one mapping every binding uses. Kinds this build does not
/// know (core's `ErrorKind` is `#[non_exhaustive]`) fall back to the family of their code range,
/// then to `FaceAuthError`.
pub fn class_of(kind: ErrorKind) -> Class {
    match kind {
        ErrorKind::InvalidArgument => Class::InvalidArgument,
        ErrorKind::InvalidUrl | ErrorKind::InvalidPayload => Class::UrlError,
        ErrorKind::InvalidKey
        | ErrorKind::UnknownVariant
        | ErrorKind::EmptyCiphertext
        | ErrorKind::InvalidEncoding
        | ErrorKind::InvalidLength
        | ErrorKind::TooShort
        | ErrorKind::BadPadding
        | ErrorKind::TagMismatch
        | ErrorKind::NotUtf8
        | ErrorKind::InvalidIv
        | ErrorKind::RandomSource => Class::CryptoError,
        ErrorKind::InvalidToken => Class::TokenError,
        ErrorKind::TokenExists
        | ErrorKind::TokenUnknown
        | ErrorKind::LedgerStorage
        | ErrorKind::LedgerSchema
        | ErrorKind::LedgerUnsupported => Class::LedgerError,
        ErrorKind::ApiInvalidRequest => Class::InvalidRequest,
        ErrorKind::ApiIpNotAllowed => Class::IpNotAllowed,
        ErrorKind::ApiAuthentication => Class::AuthenticationError,
        ErrorKind::ApiPayloadTooLarge => Class::PayloadTooLarge,
        ErrorKind::ApiServer => Class::ServerError,
        ErrorKind::ApiNotFound => Class::NotFound,
        ErrorKind::ApiTimeout => Class::Timeout,
        ErrorKind::ApiConnection => Class::ConnectionError,
        ErrorKind::ApiTlsUntrusted => Class::TlsUntrusted,
        ErrorKind::Cancelled => Class::Cancelled,
        ErrorKind::ApiUnexpectedStatus | ErrorKind::ApiDecode => Class::ApiError,
        ErrorKind::WebhookMalformed
        | ErrorKind::WebhookKeyRequired
        | ErrorKind::WebhookDecrypt
        | ErrorKind::WebhookUnconfirmed
        | ErrorKind::WebhookMismatch
        | ErrorKind::WebhookUnverifiable => Class::WebhookError,
        other => family_of_code(other.code()),
    }
}

/// The family of a code range (the fallback for kinds added to core after this binding).
pub fn family_of_code(code: u16) -> Class {
    match code {
        100..=199 => Class::CryptoError,
        200..=299 => Class::TokenError,
        300..=399 => Class::ApiError,
        400..=499 => Class::WebhookError,
        _ => Class::FaceAuthError,
    }
}

/// The Python exception for a core error: the class of its kind, with `.kind`, `.code` and, for
/// API errors, `.status`, `.error_code`, `.message` and `.body` set.
pub fn to_py_err(err: impl Into<faceauth::Error>) -> PyErr {
    let err: faceauth::Error = err.into();
    Python::attach(|py| match build(py, &err, None) {
        Ok(e) => e,
        Err(e) => e,
    })
}

/// As [`to_py_err`], for an error in row `row` of a bulk call: the message starts with
/// `row N: ` and the exception has `.row = N`.
pub fn to_py_err_at_row(err: impl Into<faceauth::Error>, row: usize) -> PyErr {
    let err: faceauth::Error = err.into();
    Python::attach(|py| match build(py, &err, Some(row)) {
        Ok(e) => e,
        Err(e) => e,
    })
}

/// The error's message followed by its sources' (`invalid token: token id is 3 characters…`).
pub fn message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

fn build(py: Python<'_>, err: &faceauth::Error, row: Option<usize>) -> PyResult<PyErr> {
    let kind = err.kind();
    let class = class_of(kind).type_object(py)?;
    let text = match row {
        Some(row) => format!("row {row}: {}", message(err)),
        None => message(err),
    };
    let value = class.call1((text,))?;
    value.setattr("kind", kind.name())?;
    value.setattr("code", kind.code())?;
    if let Some(row) = row {
        value.setattr("row", row)?;
    }
    if let faceauth::Error::Api(api) = err {
        let (status, error_code, message, body) = api_fields(api);
        value.setattr("status", status)?;
        value.setattr("error_code", error_code)?;
        value.setattr("message", message)?;
        value.setattr("body", body)?;
    }
    Ok(PyErr::from_value(value))
}

/// `(status, error_code, message, body)` of an API error, where the server answered.
fn api_fields(err: &CoreApiError) -> (Option<u16>, Option<String>, Option<String>, Option<String>) {
    let failure = |f: &ApiFailure| (Some(f.status), f.code.clone(), f.message.clone(), Some(f.body.clone()));
    match err {
        CoreApiError::InvalidRequest(f)
        | CoreApiError::IpNotAllowed(f)
        | CoreApiError::Authentication(f)
        | CoreApiError::PayloadTooLarge(f)
        | CoreApiError::Server(f)
        | CoreApiError::UnexpectedStatus(f)
        | CoreApiError::NotFound { failure: Some(f), .. } => failure(f),
        CoreApiError::Decode { status, body, .. } => (Some(*status), None, None, Some(body.clone())),
        CoreApiError::AnswerLost { cause, .. } => api_fields(cause),
        _ => (None, None, None, None),
    }
}

/// A `ValueError`-compatible `InvalidArgument` for checks the binding makes itself (the core
/// makes the same checks with kind `invalid_argument`).
pub fn invalid_argument_err(py: Python<'_>, message: String) -> PyErr {
    let made = invalid_argument(py).and_then(|class| {
        let value = class.call1((message,))?;
        value.setattr("kind", ErrorKind::InvalidArgument.name())?;
        value.setattr("code", ErrorKind::InvalidArgument.code())?;
        Ok(PyErr::from_value(value))
    });
    match made {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn invalid_argument(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    use pyo3::PyTypeInfo;
    let class = INVALID_ARGUMENT.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let bases = PyTuple::new(py, [FaceAuthError::type_object(py), PyValueError::type_object(py)])?;
        let dict = PyDict::new(py);
        dict.set_item("__module__", "faceauth")?;
        dict.set_item("__doc__", "An empty or malformed argument (code 1); also a `ValueError`.")?;
        let made = PyType::type_object(py).call1(("InvalidArgument", bases, dict))?;
        Ok(made.cast_into::<PyType>()?.unbind())
    })?;
    Ok(class.bind(py))
}

/// Adds the classes to the module, with class-level defaults for `.kind`, `.code` and the API
/// fields (so an exception a user raises by hand has them too).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    const ALL: [Class; 19] = [
        Class::FaceAuthError,
        Class::InvalidArgument,
        Class::CryptoError,
        Class::UrlError,
        Class::TokenError,
        Class::LedgerError,
        Class::WebhookError,
        Class::ApiError,
        Class::InvalidRequest,
        Class::IpNotAllowed,
        Class::AuthenticationError,
        Class::PayloadTooLarge,
        Class::ServerError,
        Class::NotFound,
        Class::TransportError,
        Class::Timeout,
        Class::ConnectionError,
        Class::Cancelled,
        Class::TlsUntrusted,
    ];
    let base = Class::FaceAuthError.type_object(py)?;
    base.setattr("kind", "error")?;
    base.setattr("code", 0u16)?;
    base.setattr("row", py.None())?;
    let api = Class::ApiError.type_object(py)?;
    for field in ["status", "error_code", "message", "body"] {
        api.setattr(field, py.None())?;
    }
    for class in ALL {
        let object = class.type_object(py)?;
        let name = object.name()?;
        m.add(name, object)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind core has today (`ErrorKind` is non-exhaustive: a kind added there must be added
    /// here and to `class_of`).
    const KINDS: [ErrorKind; 37] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Cancelled,
        ErrorKind::InvalidUrl,
        ErrorKind::InvalidPayload,
        ErrorKind::InvalidKey,
        ErrorKind::UnknownVariant,
        ErrorKind::EmptyCiphertext,
        ErrorKind::InvalidEncoding,
        ErrorKind::InvalidLength,
        ErrorKind::TooShort,
        ErrorKind::BadPadding,
        ErrorKind::TagMismatch,
        ErrorKind::NotUtf8,
        ErrorKind::InvalidIv,
        ErrorKind::RandomSource,
        ErrorKind::InvalidToken,
        ErrorKind::TokenExists,
        ErrorKind::TokenUnknown,
        ErrorKind::LedgerStorage,
        ErrorKind::LedgerSchema,
        ErrorKind::ApiInvalidRequest,
        ErrorKind::ApiIpNotAllowed,
        ErrorKind::ApiAuthentication,
        ErrorKind::ApiPayloadTooLarge,
        ErrorKind::ApiServer,
        ErrorKind::ApiUnexpectedStatus,
        ErrorKind::ApiNotFound,
        ErrorKind::ApiTimeout,
        ErrorKind::ApiConnection,
        ErrorKind::ApiDecode,
        ErrorKind::ApiTlsUntrusted,
        ErrorKind::WebhookMalformed,
        ErrorKind::WebhookKeyRequired,
        ErrorKind::WebhookDecrypt,
        ErrorKind::WebhookUnconfirmed,
        ErrorKind::WebhookMismatch,
        ErrorKind::WebhookUnverifiable,
    ];

    #[test]
    fn every_kind_maps_to_the_family_of_its_code_range() {
        for kind in KINDS {
            let class = class_of(kind);
            let family = family_of_code(kind.code());
            assert!(
                class.is_subclass_of(family),
                "{} ({}) -> {class:?}, not under {family:?}",
                kind.name(),
                kind.code()
            );
            if family == Class::FaceAuthError {
                // The generic range: no area family.
                assert!(
                    matches!(class, Class::InvalidArgument | Class::UrlError | Class::Cancelled),
                    "{} -> {class:?}",
                    kind.name()
                );
            }
        }
    }

    #[test]
    fn a_kind_that_refines_another_is_a_subclass_of_its_class() {
        for kind in KINDS {
            if let Some(parent) = kind.parent() {
                assert!(
                    class_of(kind).is_subclass_of(class_of(parent)),
                    "{} under {}",
                    kind.name(),
                    parent.name()
                );
            }
        }
        assert!(Class::NotFound.is_subclass_of(Class::InvalidRequest));
    }

    #[test]
    fn the_families_are_the_issue_s() {
        assert_eq!(class_of(ErrorKind::BadPadding), Class::CryptoError);
        assert_eq!(class_of(ErrorKind::InvalidToken), Class::TokenError);
        assert!(class_of(ErrorKind::TokenUnknown).is_subclass_of(Class::TokenError));
        assert!(class_of(ErrorKind::ApiTimeout).is_subclass_of(Class::TransportError));
        assert!(class_of(ErrorKind::ApiConnection).is_subclass_of(Class::ApiError));
        assert!(!Class::CryptoError.is_subclass_of(Class::ApiError));
        assert_eq!(family_of_code(450), Class::WebhookError);
        assert_eq!(family_of_code(95), Class::FaceAuthError);
    }
}
