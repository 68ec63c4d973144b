//! `faceauth_webhook_event`: a parsed webhook, typed (its trigger, result status, ids), beside
//! the JSON of faceauth_webhook_parse.

use std::ffi::{c_char, CString};

use faceauth::api::AuthStatus;
use faceauth::webhook::Event;

use crate::boundary::{free_handle, into_handle, out, text};
use crate::crypto::faceauth_cipher;
use crate::error::{faceauth_error, Failure};
use crate::record::{c_string, faceauth_auth_status, optional_c_string, ptr, read};
use crate::status::faceauth_status;
use crate::webhook::optional_cipher;

/// Which webhook a body was, as a C enum. The values are stable; FACEAUTH_EVENT_KIND_OTHER is
/// any other trigger (faceauth_webhook_event_trigger names it), or a NULL handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_event_kind {
    /// Another trigger (or one a later version knows), or no handle.
    Other = 0,
    /// `faceAuth`: a FaceAuth result reached its final status.
    FaceAuth = 1,
    /// `token_expired`: a token expired (or will).
    TokenExpired = 2,
}

/// A parsed webhook, typed (opaque): made by faceauth_webhook_parse_event, read with the
/// faceauth_webhook_event_* accessors, freed by faceauth_webhook_event_free. Nothing proves it
/// came from Argos (see faceauth_client_confirm_webhook). Strings from its accessors are
/// borrowed from it (valid until it is freed); a field the webhook did not carry is NULL.
/// Thread safety: immutable; any number of threads may read one at once.
pub struct faceauth_webhook_event {
    kind: faceauth_event_kind,
    status: faceauth_auth_status,
    status_str: Option<CString>,
    auth_id: Option<CString>,
    submission_id: Option<CString>,
    user_id: Option<CString>,
    token_id: Option<CString>,
    trigger: Option<CString>,
    encrypted: bool,
    json: CString,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_webhook_event>();
};

impl faceauth_webhook_event {
    fn new(event: &Event) -> Result<faceauth_webhook_event, Failure> {
        let (kind, status, auth_id, submission_id, user_id, token_id) = match event {
            Event::FaceAuth(e) => (
                faceauth_event_kind::FaceAuth,
                e.status.as_ref(),
                e.auth_id.as_deref(),
                e.submission_id.as_deref(),
                e.user_id.as_deref(),
                e.token_id.as_deref(),
            ),
            Event::TokenExpired(e) => {
                (faceauth_event_kind::TokenExpired, None, None, None, None, Some(e.token_id.as_str()))
            }
            _ => (faceauth_event_kind::Other, None, None, None, None, None),
        };
        Ok(faceauth_webhook_event {
            kind,
            status: status.map_or(faceauth_auth_status::Unknown, faceauth_auth_status::from),
            status_str: optional_c_string(status.map(AuthStatus::as_str), "the auth status")?,
            auth_id: optional_c_string(auth_id, "the authentication id")?,
            submission_id: optional_c_string(submission_id, "the submission id")?,
            user_id: optional_c_string(user_id, "the user id")?,
            token_id: optional_c_string(token_id, "the token id")?,
            trigger: optional_c_string(event.trigger(), "the trigger")?,
            encrypted: event.encrypted(),
            json: c_string(&event.to_json().to_string(), "the event JSON")?,
        })
    }
}

/// Parses a webhook body, as faceauth_webhook_parse (decrypting it with `c_or_null` when it is
/// the encrypted form), and returns it typed: `*out` receives a new faceauth_webhook_event (its
/// JSON, faceauth_webhook_event_json, is faceauth_webhook_parse's).
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_webhook_event_free.
/// NULL handling: `body` and `out` must not be NULL; `c_or_null` and `out_err` may be.
/// Thread safety: any thread; `c_or_null` may be shared (see faceauth_cipher).
///
/// Statuses: those of faceauth_webhook_parse; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field holds a
/// NUL byte).
///
/// # Safety
/// `body` is NULL or NUL-terminated; `c_or_null` is NULL or a live cipher; `out` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_parse_event(
    body: *const c_char,
    c_or_null: *const faceauth_cipher,
    out: *mut *mut faceauth_webhook_event,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_webhook_parse_event", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (body, out, cipher) =
            unsafe { (text(body, "body")?, self::out(out, "out")?, optional_cipher(c_or_null)?) };
        let event = faceauth::webhook::parse(body.as_bytes(), cipher)?;
        out.write(into_handle(faceauth_webhook_event::new(&event)?));
        Ok(())
    })
}

/// Frees a parsed webhook. NULL is allowed and does nothing.
///
/// # Safety
/// `e` is NULL or a handle from faceauth_webhook_parse_event, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_free(e: *mut faceauth_webhook_event) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises e is NULL or a live handle, freed only now.
        unsafe { free_handle(e) }
    })
}

/// Which webhook it is: FACEAUTH_EVENT_KIND_FACE_AUTH, _TOKEN_EXPIRED, or _OTHER (another
/// trigger, or a NULL `e`). Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_kind(
    e: *const faceauth_webhook_event,
) -> faceauth_event_kind {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible faceauth_event_kind::Other, { unsafe { read(e, faceauth_event_kind::Other, |e| e.kind) } })
}

/// A faceAuth event's result status: FACEAUTH_AUTH_STATUS_APPROVED or _REJECTED;
/// FACEAUTH_AUTH_STATUS_UNKNOWN for a status this version does not know (see
/// faceauth_webhook_event_status_str), none, another event, or a NULL `e`. As posted: confirm
/// it before acting on it. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_status(
    e: *const faceauth_webhook_event,
) -> faceauth_auth_status {
    ffi_boundary!(infallible faceauth_auth_status::Unknown, {
        // SAFETY: the caller promises e is NULL or live.
        unsafe { read(e, faceauth_auth_status::Unknown, |e| e.status) }
    })
}

/// A faceAuth event's status as sent (the known ones in lowercase), or NULL. Ownership:
/// borrowed from `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_status_str(
    e: *const faceauth_webhook_event,
) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| ptr(e.status_str.as_ref())) } })
}

/// A faceAuth event's authentication id, or NULL. Ownership: borrowed from `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_auth_id(e: *const faceauth_webhook_event) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| ptr(e.auth_id.as_ref())) } })
}

/// A faceAuth event's ID check submission id, or NULL. Ownership: borrowed from `e`. Never
/// fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_submission_id(
    e: *const faceauth_webhook_event,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises e is NULL or live.
        unsafe { read(e, std::ptr::null(), |e| ptr(e.submission_id.as_ref())) }
    })
}

/// A faceAuth event's user id, or NULL. Ownership: borrowed from `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_user_id(e: *const faceauth_webhook_event) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| ptr(e.user_id.as_ref())) } })
}

/// The token the event names (a faceAuth event's, when it carried one; a token_expired
/// event's), or NULL. Ownership: borrowed from `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_token_id(e: *const faceauth_webhook_event) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| ptr(e.token_id.as_ref())) } })
}

/// The `webhook_trigger` as sent, or NULL when the body had none. Ownership: borrowed from `e`.
/// Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_trigger(e: *const faceauth_webhook_event) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| ptr(e.trigger.as_ref())) } })
}

/// Whether the body was the encrypted form `{"data": …}`; false for a NULL `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_encrypted(e: *const faceauth_webhook_event) -> bool {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible false, { unsafe { read(e, false, |e| e.encrypted) } })
}

/// The event as JSON: the text faceauth_webhook_parse returns. Ownership: borrowed from `e`.
/// NULL for a NULL `e`. Never fails.
///
/// # Safety
/// `e` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_event_json(e: *const faceauth_webhook_event) -> *const c_char {
    // SAFETY: the caller promises e is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(e, std::ptr::null(), |e| e.json.as_ptr()) } })
}
