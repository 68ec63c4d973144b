//! Typed results of the token ledger: `faceauth_token_status` (a token's state and record),
//! `faceauth_token_status_list` (a listing) and `faceauth_webhook_outcome` (what applying a
//! webhook did), with accessors for what a program branches on, beside the JSON.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;
use std::time::SystemTime;

use faceauth::token::time::to_ms;
use faceauth::token::{ListFilter, TokenState, TokenStatus, WebhookOutcome};
use serde_json::Value;

use crate::boundary::{free_handle, handle, into_handle, optional_text, out, text};
use crate::call::faceauth_call_options;
use crate::client::faceauth_client;
use crate::crypto::faceauth_cipher;
use crate::error::{faceauth_error, Failure};
use crate::ledger::{apply_confirmed, apply_webhook, faceauth_ledger, issue, list_filter};
use crate::record::{
    c_string, faceauth_auth_status, lazy_json, optional_c_string, ptr, read, write_optional,
};
use crate::status::faceauth_status;
use crate::url::{faceauth_auth_params, faceauth_url_builder};
use crate::webhook::optional_cipher;

/// The state of a token now, as a C enum. The values are stable; FACEAUTH_TOKEN_STATE_UNKNOWN
/// is only for a NULL handle and for states a later version may add, so a `switch` over it
/// needs a `default`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_token_state {
    /// No handle, or a state this version does not know.
    Unknown = 0,
    /// Issued, never used: let the user in.
    Unused = 1,
    /// Used, and usable until faceauth_token_status_until (a time rule).
    Active = 2,
    /// A FaceAuth result was matched to it: see faceauth_token_status_result_*.
    Completed = 3,
    /// Expired without a result: see faceauth_token_status_expired_at and _expiry_reason.
    Expired = 4,
}

/// What applying a webhook to a ledger did, as a C enum. The values are stable; a later version
/// may add outcomes, so a `switch` over it needs a `default`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_outcome_kind {
    /// No handle, or an outcome this version does not know.
    Unknown = 0,
    /// Matched to a token and recorded: faceauth_webhook_outcome_status is its status after.
    Recorded = 1,
    /// It names a token this ledger does not hold (faceauth_webhook_outcome_token_id).
    UnknownToken = 2,
    /// A `faceAuth` event without a token: nothing to match it to.
    NoToken = 3,
    /// A confirmed result for a token of another submission or user: nothing changed
    /// (faceauth_webhook_outcome_reason says why).
    Refused = 4,
    /// Not for this ledger: another trigger, or another service's `token_expired`.
    Ignored = 5,
}

/// A token's state now and its record, typed (opaque): made by faceauth_ledger_get_status and
/// faceauth_ledger_mark_used_status, borrowed from a faceauth_token_status_list or a
/// faceauth_webhook_outcome, read with the faceauth_token_status_* accessors.
///
/// Strings from its accessors are borrowed from it: valid until the handle (or the list or
/// outcome it came from) is freed, never freed by the caller. Times are milliseconds since the
/// Unix epoch (UTC). Thread safety: immutable; any number of threads may read one at once. A
/// NULL handle gives each accessor's "absent" value (NULL, false, 0 or UNKNOWN).
pub struct faceauth_token_status {
    status: TokenStatus,
    token_id: CString,
    submission_id: CString,
    user_id: Option<CString>,
    rule: CString,
    expiry_reason: Option<CString>,
    result_auth_id: Option<CString>,
    json: OnceLock<CString>,
}

impl faceauth_token_status {
    pub(crate) fn new(status: TokenStatus) -> Result<faceauth_token_status, Failure> {
        let record = &status.record;
        let (expiry_reason, result_auth_id) = match &status.state {
            TokenState::Expired { reason, .. } => {
                (Some(c_string(reason.as_str(), "the expiry reason")?), None)
            }
            TokenState::Completed { result } => {
                (None, optional_c_string(result.auth_id.as_deref(), "the result's auth id")?)
            }
            _ => (None, None),
        };
        Ok(faceauth_token_status {
            token_id: c_string(&record.token_id, "the token id")?,
            submission_id: c_string(&record.submission_id, "the submission id")?,
            user_id: optional_c_string(record.user_id.as_deref(), "the user id")?,
            rule: c_string(&record.rule.to_string(), "the rule")?,
            expiry_reason,
            result_auth_id,
            json: OnceLock::new(),
            status,
        })
    }
}

/// The tokens a ledger listing found, typed (opaque): made by faceauth_ledger_list_statuses,
/// read with faceauth_token_status_list_len and faceauth_token_status_list_get, freed by
/// faceauth_token_status_list_free. Thread safety: immutable; any number of threads may read
/// one at once.
pub struct faceauth_token_status_list {
    statuses: Vec<faceauth_token_status>,
    json: OnceLock<CString>,
}

/// What applying a webhook did, typed (opaque): made by faceauth_ledger_apply_webhook_outcome
/// and faceauth_ledger_apply_confirmed_outcome, read with the faceauth_webhook_outcome_*
/// accessors, freed by faceauth_webhook_outcome_free. Thread safety: immutable; any number of
/// threads may read one at once.
pub struct faceauth_webhook_outcome {
    kind: faceauth_outcome_kind,
    token_id: Option<CString>,
    reason: Option<CString>,
    status: Option<faceauth_token_status>,
    json: CString,
}

impl faceauth_webhook_outcome {
    fn new(outcome: WebhookOutcome, json: &Value) -> Result<faceauth_webhook_outcome, Failure> {
        use faceauth_outcome_kind as Kind;
        let (kind, token_id, reason, status) = match outcome {
            WebhookOutcome::Recorded(status) => {
                let token_id = c_string(&status.record.token_id, "the token id")?;
                (Kind::Recorded, Some(token_id), None, Some(faceauth_token_status::new(status)?))
            }
            WebhookOutcome::UnknownToken { token_id } => {
                (Kind::UnknownToken, Some(c_string(&token_id, "the token id")?), None, None)
            }
            WebhookOutcome::NoToken => (Kind::NoToken, None, None, None),
            WebhookOutcome::Refused { token_id, reason } => (
                Kind::Refused,
                Some(c_string(&token_id, "the token id")?),
                Some(c_string(reason, "the reason")?),
                None,
            ),
            WebhookOutcome::Ignored { reason } => {
                (Kind::Ignored, None, Some(c_string(reason, "the reason")?), None)
            }
            _ => (Kind::Unknown, None, None, None),
        };
        // serde_json escapes a NUL in a string as \u0000, so the text never holds one.
        let json = CString::new(json.to_string()).unwrap_or_default();
        Ok(faceauth_webhook_outcome { kind, token_id, reason, status, json })
    }
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_token_status>();
    shareable::<faceauth_token_status_list>();
    shareable::<faceauth_webhook_outcome>();
};

/// The status of one token now, as faceauth_ledger_status, typed: `*out` receives a new
/// faceauth_token_status (its JSON, faceauth_token_status_json, is faceauth_ledger_status's).
/// A token the ledger does not hold fails with FACEAUTH_STATUS_TOKEN_UNKNOWN.
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_token_status_free.
/// NULL handling: `l`, `token_id` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: those of faceauth_ledger_status; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field holds a
/// NUL byte).
///
/// # Safety
/// `l` is NULL or a live ledger; `token_id` is NULL or NUL-terminated; `out` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_get_status(
    l: *const faceauth_ledger,
    token_id: *const c_char,
    out: *mut *mut faceauth_token_status,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_get_status", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, token_id, out) =
            unsafe { (handle(l, "l")?, text(token_id, "token_id")?, self::out(out, "out")?) };
        let status = l.inner.status(token_id, SystemTime::now())?.ok_or_else(|| {
            Failure::from(faceauth::token::LedgerError::TokenUnknown { token_id: token_id.to_owned() })
        })?;
        out.write(into_handle(faceauth_token_status::new(status)?));
        Ok(())
    })
}

/// Records that a token was used now, as faceauth_ledger_mark_used, and returns its status
/// afterwards typed: `*out` receives a new faceauth_token_status.
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_token_status_free.
/// NULL handling: `l`, `token_id` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: those of faceauth_ledger_mark_used; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field holds
/// a NUL byte; the use is recorded).
///
/// # Safety
/// `l` is NULL or a live ledger; `token_id` is NULL or NUL-terminated; `out` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_mark_used_status(
    l: *const faceauth_ledger,
    token_id: *const c_char,
    out: *mut *mut faceauth_token_status,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_mark_used_status", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, token_id, out) =
            unsafe { (handle(l, "l")?, text(token_id, "token_id")?, self::out(out, "out")?) };
        let status = l.inner.mark_used(token_id, SystemTime::now())?;
        out.write(into_handle(faceauth_token_status::new(status)?));
        Ok(())
    })
}

/// Lists tokens with their status now, as faceauth_ledger_list (the same filter), typed:
/// `*out` receives a new faceauth_token_status_list (its JSON,
/// faceauth_token_status_list_json, is faceauth_ledger_list's array).
///
/// Ownership: on success `*out` receives a new handle, freed with
/// faceauth_token_status_list_free.
/// NULL handling: `l` and `out` must not be NULL; `filter_json_or_null` and `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: those of faceauth_ledger_list; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field holds a NUL
/// byte).
///
/// # Safety
/// `l` is NULL or a live ledger; `filter_json_or_null` is NULL or NUL-terminated; `out` and
/// `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_list_statuses(
    l: *const faceauth_ledger,
    filter_json_or_null: *const c_char,
    out: *mut *mut faceauth_token_status_list,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_list_statuses", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, filter, out) = unsafe {
            (
                handle(l, "l")?,
                optional_text(filter_json_or_null, "filter_json_or_null")?,
                self::out(out, "out")?,
            )
        };
        let filter = match filter {
            Some(json) => list_filter(json)?,
            None => ListFilter::new(),
        };
        let statuses = (l.inner.list(&filter, SystemTime::now())?.into_iter())
            .map(faceauth_token_status::new)
            .collect::<Result<Vec<_>, _>>()?;
        out.write(into_handle(faceauth_token_status_list { statuses, json: OnceLock::new() }));
        Ok(())
    })
}

/// Applies a webhook body to the ledger, as faceauth_ledger_apply_webhook, and returns what it
/// did typed: `*out` receives a new faceauth_webhook_outcome (its JSON,
/// faceauth_webhook_outcome_json, is faceauth_ledger_apply_webhook's). Results are recorded as
/// posted: prefer faceauth_ledger_apply_confirmed_outcome.
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_webhook_outcome_free.
/// NULL handling: `l`, `body` and `out` must not be NULL; `c_or_null` and `out_err` may be.
/// Thread safety: `l` and `c_or_null` may be shared.
///
/// Statuses: those of faceauth_ledger_apply_webhook; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field
/// holds a NUL byte; the webhook is applied).
///
/// # Safety
/// `l` is NULL or a live ledger; `body` is NULL or NUL-terminated; `c_or_null` is NULL or a
/// live cipher; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_webhook_outcome(
    l: *const faceauth_ledger,
    body: *const c_char,
    c_or_null: *const faceauth_cipher,
    out: *mut *mut faceauth_webhook_outcome,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_webhook_outcome", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, body, out, cipher) = unsafe {
            (handle(l, "l")?, text(body, "body")?, self::out(out, "out")?, optional_cipher(c_or_null)?)
        };
        let (outcome, json) = apply_webhook(l, body, cipher)?;
        out.write(into_handle(faceauth_webhook_outcome::new(outcome, &json)?));
        Ok(())
    })
}

/// Confirms a webhook body with Argos and records it, as faceauth_ledger_apply_confirmed, and
/// returns what it did typed: `*out` receives a new faceauth_webhook_outcome (its JSON is
/// faceauth_ledger_apply_confirmed's).
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_webhook_outcome_free.
/// NULL handling: `l`, `c`, `body` and `out` must not be NULL; `cipher_or_null` and `out_err`
/// may be.
/// Thread safety: `l`, `c` and `cipher_or_null` may be shared. Blocks for one API call, then
/// the ledger write.
///
/// Statuses: those of faceauth_ledger_apply_confirmed; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field
/// holds a NUL byte; the webhook is applied).
///
/// # Safety
/// `l` is NULL or a live ledger; `c` is NULL or a live client; `body` is NULL or
/// NUL-terminated; `cipher_or_null` is NULL or a live cipher; `out` and `out_err` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_confirmed_outcome(
    l: *const faceauth_ledger,
    c: *const faceauth_client,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out: *mut *mut faceauth_webhook_outcome,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_confirmed_outcome", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, c, body, out, cipher) = unsafe {
            (
                handle(l, "l")?,
                handle(c, "c")?,
                text(body, "body")?,
                self::out(out, "out")?,
                optional_cipher(cipher_or_null)?,
            )
        };
        let (outcome, json) = apply_confirmed(l, c, None, body, cipher)?;
        out.write(into_handle(faceauth_webhook_outcome::new(outcome, &json)?));
        Ok(())
    })
}

/// faceauth_ledger_apply_confirmed_outcome with call options for its API call:
/// `call_opts_or_null` (NULL for none) may carry a cancel handle (FACEAUTH_STATUS_CANCELLED once
/// it is triggered: the request in flight has its connection shut down) and a deadline for the
/// confirmation (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). The ledger
/// is unchanged after either. Everything else is as faceauth_ledger_apply_confirmed_outcome,
/// whose documentation this follows.
///
/// # Safety
/// As faceauth_ledger_apply_confirmed_outcome; `call_opts_or_null` is NULL or live call
/// options no other thread changes during the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_confirmed_outcome_with(
    l: *const faceauth_ledger,
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out: *mut *mut faceauth_webhook_outcome,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_confirmed_outcome_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        let (l, c, opts, body, out, cipher) = unsafe {
            (
                handle(l, "l")?,
                handle(c, "c")?,
                call_opts_or_null.as_ref(),
                text(body, "body")?,
                self::out(out, "out")?,
                optional_cipher(cipher_or_null)?,
            )
        };
        let (outcome, json) = apply_confirmed(l, c, opts, body, cipher)?;
        out.write(into_handle(faceauth_webhook_outcome::new(outcome, &json)?));
        Ok(())
    })
}

/// Frees a token status from faceauth_ledger_get_status or faceauth_ledger_mark_used_status
/// (never one borrowed from a list or an outcome). NULL is allowed and does nothing.
///
/// # Safety
/// `s` is NULL or a handle from those calls, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_free(s: *mut faceauth_token_status) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises s is NULL or a live handle, freed only now.
        unsafe { free_handle(s) }
    })
}

/// Frees a token status list and the statuses borrowed from it. NULL is allowed and does
/// nothing.
///
/// # Safety
/// `list` is NULL or a handle from faceauth_ledger_list_statuses, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_list_free(list: *mut faceauth_token_status_list) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises list is NULL or a live handle, freed only now.
        unsafe { free_handle(list) }
    })
}

/// Frees a webhook outcome and the status borrowed from it. NULL is allowed and does nothing.
///
/// # Safety
/// `o` is NULL or a handle from faceauth_ledger_apply_webhook_outcome or
/// faceauth_ledger_apply_confirmed_outcome, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_free(o: *mut faceauth_webhook_outcome) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises o is NULL or a live handle, freed only now.
        unsafe { free_handle(o) }
    })
}

/// The state now: FACEAUTH_TOKEN_STATE_UNUSED, _ACTIVE, _COMPLETED or _EXPIRED;
/// FACEAUTH_TOKEN_STATE_UNKNOWN for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_state(
    s: *const faceauth_token_status,
) -> faceauth_token_state {
    ffi_boundary!(infallible faceauth_token_state::Unknown, {
        // SAFETY: the caller promises s is NULL or live.
        unsafe {
            read(s, faceauth_token_state::Unknown, |s| match s.status.state {
                TokenState::Unused => faceauth_token_state::Unused,
                TokenState::Active { .. } => faceauth_token_state::Active,
                TokenState::Completed { .. } => faceauth_token_state::Completed,
                TokenState::Expired { .. } => faceauth_token_state::Expired,
            })
        }
    })
}

/// The token id. Ownership: borrowed from `s`. NULL for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_token_id(s: *const faceauth_token_status) -> *const c_char {
    // SAFETY: the caller promises s is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(s, std::ptr::null(), |s| s.token_id.as_ptr()) } })
}

/// The ID check submission the token was issued for. Ownership: borrowed from `s`. NULL for a
/// NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_submission_id(
    s: *const faceauth_token_status,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises s is NULL or live.
        unsafe { read(s, std::ptr::null(), |s| s.submission_id.as_ptr()) }
    })
}

/// The user id given at issue, or NULL when none was. Ownership: borrowed from `s`. NULL for a
/// NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_user_id(s: *const faceauth_token_status) -> *const c_char {
    // SAFETY: the caller promises s is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(s, std::ptr::null(), |s| ptr(s.user_id.as_ref())) } })
}

/// The token rule it was issued under: "count" or "time:SECONDS". Ownership: borrowed from
/// `s`. NULL for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_rule(s: *const faceauth_token_status) -> *const c_char {
    // SAFETY: the caller promises s is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(s, std::ptr::null(), |s| s.rule.as_ptr()) } })
}

/// When it was issued, in milliseconds since the Unix epoch; 0 for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_issued_at_ms(s: *const faceauth_token_status) -> i64 {
    // SAFETY: the caller promises s is NULL or live.
    ffi_boundary!(infallible 0, { unsafe { read(s, 0, |s| to_ms(s.status.record.issued_at)) } })
}

/// Its first use, in milliseconds since the Unix epoch: true and `*out_ms` written when it was
/// used; false, `*out_ms` untouched, when it never was, or when `s` or `out_ms` is NULL. Never
/// fails.
///
/// # Safety
/// `s` is NULL or a live token status; `out_ms` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_first_used_at_ms(
    s: *const faceauth_token_status,
    out_ms: *mut i64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises s is NULL or live, out_ms NULL or writable.
        unsafe { write_optional(read(s, None, |s| s.status.record.first_used_at.map(to_ms)), out_ms) }
    })
}

/// For an ACTIVE token: the first moment it is expired, in milliseconds since the Unix epoch
/// (true, `*out_ms` written). False, `*out_ms` untouched, in any other state, or when `s` or
/// `out_ms` is NULL. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status; `out_ms` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_until_ms(
    s: *const faceauth_token_status,
    out_ms: *mut i64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises s is NULL or live, out_ms NULL or writable.
        unsafe {
            let until = read(s, None, |s| match s.status.state {
                TokenState::Active { until } => Some(to_ms(until)),
                _ => None,
            });
            write_optional(until, out_ms)
        }
    })
}

/// For an EXPIRED token: when it expired, in milliseconds since the Unix epoch (true, `*out_ms`
/// written). False, `*out_ms` untouched, in any other state, or when `s` or `out_ms` is NULL.
/// Never fails.
///
/// # Safety
/// `s` is NULL or a live token status; `out_ms` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_expired_at_ms(
    s: *const faceauth_token_status,
    out_ms: *mut i64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises s is NULL or live, out_ms NULL or writable.
        unsafe {
            let at = read(s, None, |s| match s.status.state {
                TokenState::Expired { at, .. } => Some(to_ms(at)),
                _ => None,
            });
            write_optional(at, out_ms)
        }
    })
}

/// For an EXPIRED token: why, "count" (its one use spent it), "time" (its time ran out) or
/// "reported" (a `token_expired` webhook said so); NULL in any other state or for a NULL `s`.
/// Ownership: borrowed from `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_expiry_reason(
    s: *const faceauth_token_status,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises s is NULL or live.
        unsafe { read(s, std::ptr::null(), |s| ptr(s.expiry_reason.as_ref())) }
    })
}

/// For a COMPLETED token: the auth id of its latest result, or NULL when the webhook carried
/// none; NULL in any other state or for a NULL `s`. Ownership: borrowed from `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_result_auth_id(
    s: *const faceauth_token_status,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises s is NULL or live.
        unsafe { read(s, std::ptr::null(), |s| ptr(s.result_auth_id.as_ref())) }
    })
}

/// For a COMPLETED token: the status of its latest result (FACEAUTH_AUTH_STATUS_APPROVED,
/// _REJECTED, or _UNKNOWN for a status this version does not know). FACEAUTH_AUTH_STATUS_UNKNOWN
/// in any other state, when the webhook carried no status, or for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_result_status(
    s: *const faceauth_token_status,
) -> faceauth_auth_status {
    ffi_boundary!(infallible faceauth_auth_status::Unknown, {
        // SAFETY: the caller promises s is NULL or live.
        unsafe {
            read(s, faceauth_auth_status::Unknown, |s| match &s.status.state {
                TokenState::Completed { result } => {
                    result.status.as_ref().map_or(faceauth_auth_status::Unknown, faceauth_auth_status::from)
                }
                _ => faceauth_auth_status::Unknown,
            })
        }
    })
}

/// For a COMPLETED token: whether its latest result was confirmed with Argos
/// (faceauth_ledger_apply_confirmed) rather than recorded as posted. False in any other state
/// or for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_result_confirmed(s: *const faceauth_token_status) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises s is NULL or live.
        unsafe {
            read(s, false, |s| matches!(&s.status.state, TokenState::Completed { result } if result.confirmed))
        }
    })
}

/// The status as JSON: the text faceauth_ledger_status returns.
///
/// Ownership: borrowed from `s` (made on the first call). NULL for a NULL `s`. Never fails.
///
/// # Safety
/// `s` is NULL or a live token status.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_json(s: *const faceauth_token_status) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises s is NULL or live.
        unsafe { read(s, std::ptr::null(), |s| lazy_json(&s.json, || s.status.to_json())) }
    })
}

/// How many tokens the list holds; 0 for a NULL `list`. Never fails.
///
/// # Safety
/// `list` is NULL or a live list.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_list_len(list: *const faceauth_token_status_list) -> usize {
    // SAFETY: the caller promises list is NULL or live.
    ffi_boundary!(infallible 0, { unsafe { read(list, 0, |list| list.statuses.len()) } })
}

/// Token number `i` (from 0, in order of issue), or NULL for an `i` out of range or a NULL
/// `list`. Ownership: borrowed from `list`, valid until faceauth_token_status_list_free(list);
/// never free it. Never fails.
///
/// # Safety
/// `list` is NULL or a live list.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_list_get(
    list: *const faceauth_token_status_list,
    i: usize,
) -> *const faceauth_token_status {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises list is NULL or live.
        unsafe { read(list, std::ptr::null(), |list| list.statuses.get(i).map_or(std::ptr::null(), |s| s as *const _)) }
    })
}

/// The list as JSON: the array faceauth_ledger_list returns.
///
/// Ownership: borrowed from `list` (made on the first call). NULL for a NULL `list`. Never
/// fails.
///
/// # Safety
/// `list` is NULL or a live list.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_status_list_json(
    list: *const faceauth_token_status_list,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises list is NULL or live.
        unsafe {
            read(list, std::ptr::null(), |list| {
                lazy_json(&list.json, || Value::Array(list.statuses.iter().map(|s| s.status.to_json()).collect()))
            })
        }
    })
}

/// What was done: FACEAUTH_OUTCOME_KIND_RECORDED, _UNKNOWN_TOKEN, _NO_TOKEN, _REFUSED or
/// _IGNORED; _UNKNOWN for a NULL `o`. Never fails.
///
/// # Safety
/// `o` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_kind(
    o: *const faceauth_webhook_outcome,
) -> faceauth_outcome_kind {
    ffi_boundary!(infallible faceauth_outcome_kind::Unknown, {
        // SAFETY: the caller promises o is NULL or live.
        unsafe { read(o, faceauth_outcome_kind::Unknown, |o| o.kind) }
    })
}

/// The token the webhook named (RECORDED, UNKNOWN_TOKEN, REFUSED), as sent; NULL for the other
/// outcomes or a NULL `o`. Ownership: borrowed from `o`. Never fails.
///
/// # Safety
/// `o` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_token_id(
    o: *const faceauth_webhook_outcome,
) -> *const c_char {
    // SAFETY: the caller promises o is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(o, std::ptr::null(), |o| ptr(o.token_id.as_ref())) } })
}

/// Why nothing was recorded (REFUSED, IGNORED); NULL for the other outcomes or a NULL `o`.
/// Ownership: borrowed from `o`. Never fails.
///
/// # Safety
/// `o` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_reason(
    o: *const faceauth_webhook_outcome,
) -> *const c_char {
    // SAFETY: the caller promises o is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(o, std::ptr::null(), |o| ptr(o.reason.as_ref())) } })
}

/// For RECORDED: the token's status after the webhook; NULL for the other outcomes or a NULL
/// `o`. Ownership: borrowed from `o`, valid until faceauth_webhook_outcome_free(o); never free
/// it. Never fails.
///
/// # Safety
/// `o` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_status(
    o: *const faceauth_webhook_outcome,
) -> *const faceauth_token_status {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises o is NULL or live.
        unsafe { read(o, std::ptr::null(), |o| o.status.as_ref().map_or(std::ptr::null(), |s| s as *const _)) }
    })
}

/// The outcome as JSON: the text faceauth_ledger_apply_webhook (or _apply_confirmed) returns.
///
/// Ownership: borrowed from `o`. NULL for a NULL `o`. Never fails.
///
/// # Safety
/// `o` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_outcome_json(o: *const faceauth_webhook_outcome) -> *const c_char {
    // SAFETY: the caller promises o is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(o, std::ptr::null(), |o| o.json.as_ptr()) } })
}

/// A link issued by faceauth_ledger_issue_link (opaque): its URL, its token and its rule, read
/// with the faceauth_issued_link_* accessors, freed by faceauth_issued_link_free. Strings from
/// its accessors are borrowed from it (valid until it is freed). Thread safety: immutable; any
/// number of threads may read one at once.
pub struct faceauth_issued_link {
    url: CString,
    token_id: CString,
    rule: CString,
    json: CString,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_issued_link>();
};

/// Issues a link, as faceauth_ledger_issue_url (the same arguments and rules: the token is
/// minted and recorded first, then the URL is built), and returns it typed: `*out` receives a
/// new faceauth_issued_link (its URL, token and rule by accessor; its JSON,
/// faceauth_issued_link_json, is faceauth_ledger_issue_url's).
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_issued_link_free.
/// NULL handling: `l`, `b`, `rule`, `p` and `out` must not be NULL; `meta_json_or_null` and
/// `out_err` may be.
/// Thread safety: `l` and `b` may be shared (see faceauth_ledger, faceauth_url_builder).
///
/// Statuses: those of faceauth_ledger_issue_url.
///
/// # Safety
/// `l` is NULL or a live ledger; `b` is NULL or a live builder; `rule` and `meta_json_or_null`
/// are NULL or NUL-terminated; `p` is NULL or live parameters no other thread changes during the
/// call; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_issue_link(
    l: *const faceauth_ledger,
    b: *const faceauth_url_builder,
    rule: *const c_char,
    p: *const faceauth_auth_params,
    meta_json_or_null: *const c_char,
    out: *mut *mut faceauth_issued_link,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_issue_link", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, b, rule, p, meta, out) = unsafe {
            (
                handle(l, "l")?,
                handle(b, "b")?,
                text(rule, "rule")?,
                handle(p, "p")?,
                optional_text(meta_json_or_null, "meta_json_or_null")?,
                self::out(out, "out")?,
            )
        };
        let link = issue(l, b, rule, p, meta)?;
        out.write(into_handle(faceauth_issued_link {
            url: c_string(&link.url, "the URL")?,
            token_id: c_string(&link.token, "the token id")?,
            rule: c_string(&link.rule.to_string(), "the rule")?,
            json: c_string(&link.to_json().to_string(), "the link JSON")?,
        }));
        Ok(())
    })
}

/// The URL to hand the user. Ownership: borrowed from `link`. NULL for a NULL `link`. Never
/// fails.
///
/// # Safety
/// `link` is NULL or a live issued link.
#[no_mangle]
pub unsafe extern "C" fn faceauth_issued_link_url(link: *const faceauth_issued_link) -> *const c_char {
    // SAFETY: the caller promises link is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(link, std::ptr::null(), |l| l.url.as_ptr()) } })
}

/// The token minted for it ("tok_…"), as faceauth_ledger_get_status takes it. Ownership:
/// borrowed from `link`. NULL for a NULL `link`. Never fails.
///
/// # Safety
/// `link` is NULL or a live issued link.
#[no_mangle]
pub unsafe extern "C" fn faceauth_issued_link_token_id(link: *const faceauth_issued_link) -> *const c_char {
    // SAFETY: the caller promises link is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(link, std::ptr::null(), |l| l.token_id.as_ptr()) } })
}

/// The rule it was recorded under: "count" or "time:SECONDS". Ownership: borrowed from `link`.
/// NULL for a NULL `link`. Never fails.
///
/// # Safety
/// `link` is NULL or a live issued link.
#[no_mangle]
pub unsafe extern "C" fn faceauth_issued_link_rule(link: *const faceauth_issued_link) -> *const c_char {
    // SAFETY: the caller promises link is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(link, std::ptr::null(), |l| l.rule.as_ptr()) } })
}

/// The link as JSON: the text faceauth_ledger_issue_url returns. Ownership: borrowed from
/// `link`. NULL for a NULL `link`. Never fails.
///
/// # Safety
/// `link` is NULL or a live issued link.
#[no_mangle]
pub unsafe extern "C" fn faceauth_issued_link_json(link: *const faceauth_issued_link) -> *const c_char {
    // SAFETY: the caller promises link is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(link, std::ptr::null(), |l| l.json.as_ptr()) } })
}

/// Frees an issued link. NULL is allowed and does nothing.
///
/// # Safety
/// `link` is NULL or a handle from faceauth_ledger_issue_link, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_issued_link_free(link: *mut faceauth_issued_link) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises link is NULL or a live handle, freed only now.
        unsafe { free_handle(link) }
    })
}
