//! `faceauth_error`: what a failed call reports, and the exports that read and free it.

use std::ffi::{c_char, CString};
use std::fmt::Display;

use crate::boundary::{free_handle, handle};
use crate::status::faceauth_status;

/// An error object: a status, a message and, for REST API failures, the HTTP status.
///
/// Made by a failing call in `*out_err`; the caller owns it and frees it with
/// faceauth_error_free. It is immutable, so it may be read from any thread.
pub struct faceauth_error {
    pub(crate) code: faceauth_status,
    pub(crate) message: CString,
    pub(crate) http_status: u16,
}

/// A failure inside an export, before it becomes a `faceauth_error`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: faceauth_status,
    message: String,
    http_status: u16,
}

impl Failure {
    /// A failure with this status and message (lowercase, no trailing period, no secrets).
    pub(crate) fn new(status: faceauth_status, message: String) -> Failure {
        Failure { status, message, http_status: 0 }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(name: &'static str) -> Failure {
        Failure::new(faceauth_status::NullPointer, format!("{name} is null"))
    }

    /// A core error: its kind's status, its message followed by any source it does not
    /// already quote, and the HTTP status of a REST API failure that has one.
    fn from_core<E: std::error::Error + HttpStatus + 'static>(
        kind: faceauth::ErrorKind,
        error: &E,
    ) -> Failure {
        let http_status = error.http_status().unwrap_or(0);
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure { status: kind.into(), message, http_status }
    }
}

/// The HTTP status a core error carries: only REST API failures where a response arrived
/// (`ApiError::http_status`: the refusal's status, or a success status whose body did not
/// decode) have one.
trait HttpStatus {
    fn http_status(&self) -> Option<u16> {
        None
    }
}

impl HttpStatus for faceauth::api::ApiError {
    fn http_status(&self) -> Option<u16> {
        faceauth::api::ApiError::http_status(self)
    }
}

impl HttpStatus for faceauth::Error {
    fn http_status(&self) -> Option<u16> {
        match self {
            faceauth::Error::Api(error) => error.http_status(),
            _ => None,
        }
    }
}

impl HttpStatus for faceauth::crypto::CryptoError {}
impl HttpStatus for faceauth::url::UrlError {}
impl HttpStatus for faceauth::token::TokenError {}
impl HttpStatus for faceauth::webhook::WebhookError {}
impl HttpStatus for faceauth::token::LedgerError {}

/// Every core error type converts the same way: its kind gives the status.
macro_rules! failure_from {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for Failure {
            fn from(error: $error) -> Failure {
                Failure::from_core(error.kind(), &error)
            }
        }
    )*};
}

failure_from!(
    faceauth::Error,
    faceauth::crypto::CryptoError,
    faceauth::url::UrlError,
    faceauth::token::TokenError,
    faceauth::webhook::WebhookError,
    faceauth::api::ApiError,
    faceauth::token::LedgerError,
);

impl From<Failure> for faceauth_error {
    fn from(failure: Failure) -> faceauth_error {
        let message = match CString::new(failure.message) {
            Ok(message) => message,
            Err(e) => {
                let text = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{fffd}");
                CString::new(text).unwrap_or_default()
            }
        };
        faceauth_error { code: failure.status, message, http_status: failure.http_status }
    }
}

impl Display for faceauth_error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message.to_string_lossy())
    }
}

/// The status of an error object: the same value the failing call returned.
///
/// NULL handling: a NULL `e` gives FACEAUTH_STATUS_NULL_POINTER. Thread safety: any thread.
///
/// # Safety
/// `e` is NULL or an error object from this library that was not freed.
#[no_mangle]
pub unsafe extern "C" fn faceauth_error_code(e: *const faceauth_error) -> faceauth_status {
    ffi_boundary!(infallible faceauth_status::Panic, {
        // SAFETY: the caller promises e is NULL or a live error object.
        match unsafe { handle(e, "e") } {
            Ok(error) => error.code,
            Err(_) => faceauth_status::NullPointer,
        }
    })
}

/// The message of an error object: lowercase, without a trailing period, never a key.
///
/// Ownership: borrowed from `e`, valid until faceauth_error_free(e); never free it.
/// NULL handling: a NULL `e` gives "" (a static empty string), never NULL.
/// Thread safety: any thread.
///
/// # Safety
/// `e` is NULL or an error object from this library that was not freed.
#[no_mangle]
pub unsafe extern "C" fn faceauth_error_message(e: *const faceauth_error) -> *const c_char {
    ffi_boundary!(infallible c"".as_ptr(), {
        // SAFETY: the caller promises e is NULL or a live error object.
        match unsafe { handle(e, "e") } {
            Ok(error) => error.message.as_ptr(),
            Err(_) => c"".as_ptr(),
        }
    })
}

/// The HTTP status of a REST API failure (such as 403), or 0 when the error has none.
///
/// A status is there whenever a response arrived: the API's refusals
/// (FACEAUTH_STATUS_API_INVALID_REQUEST to FACEAUTH_STATUS_API_UNEXPECTED_STATUS, such as 400,
/// 403, 413 or 5xx) and a success status whose body did not decode (FACEAUTH_STATUS_API_DECODE,
/// such as 200). It is 0 for timeouts and connection failures (including a submission whose
/// answer was lost), for arguments refused before sending, and for every error outside the
/// REST client.
///
/// NULL handling: a NULL `e` gives 0. Thread safety: any thread.
///
/// # Safety
/// `e` is NULL or an error object from this library that was not freed.
#[no_mangle]
pub unsafe extern "C" fn faceauth_error_http_status(e: *const faceauth_error) -> u16 {
    ffi_boundary!(infallible 0, {
        // SAFETY: the caller promises e is NULL or a live error object.
        unsafe { handle(e, "e") }.map_or(0, |error| error.http_status)
    })
}

/// Frees an error object. NULL is allowed and does nothing.
///
/// Thread safety: any thread, once no other thread uses `e`.
///
/// # Safety
/// `e` is NULL or an error object from this library, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_error_free(e: *mut faceauth_error) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises e is NULL or a live error object, freed only now.
        unsafe { free_handle(e) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_kind_and_message() {
        let failure = Failure::from(faceauth::crypto::CryptoError::BadPadding);
        assert_eq!(failure.status, faceauth_status::BadPadding);
        assert_eq!(failure.message, "bad padding after decryption (wrong key or wrong scheme?)");
        assert_eq!(failure.http_status, 0);
    }

    #[test]
    fn api_errors_carry_their_http_status() {
        let refused = || {
            faceauth::api::ApiError::Authentication(faceauth::api::ApiFailure {
                status: 403,
                code: None,
                message: Some("Forbidden".into()),
                body: r#"{"message":"Forbidden"}"#.into(),
            })
        };
        let failure = Failure::from(refused());
        assert_eq!((failure.status, failure.http_status), (faceauth_status::ApiAuthentication, 403));
        assert!(failure.message.contains("HTTP 403"), "{}", failure.message);
        let wrapped = Failure::from(faceauth::Error::from(refused()));
        assert_eq!((wrapped.status, wrapped.http_status), (faceauth_status::ApiAuthentication, 403));

        let decode =
            faceauth::api::ApiError::Decode { status: 200, reason: "not JSON".into(), body: String::new() };
        let failure = Failure::from(decode);
        assert_eq!((failure.status, failure.http_status), (faceauth_status::ApiDecode, 200));
        let timeout = faceauth::api::ApiError::Timeout { reason: "no answer".into() };
        assert_eq!(Failure::from(timeout).http_status, 0);
    }

    #[test]
    fn a_nul_in_a_message_does_not_lose_the_message() {
        let error = faceauth_error::from(Failure::new(faceauth_status::InvalidArgument, "a\0b".into()));
        assert_eq!(error.to_string(), "a\u{fffd}b");
    }
}
