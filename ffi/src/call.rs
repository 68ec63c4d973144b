//! `faceauth_cancel`, `faceauth_call_options` and `faceauth_attempt`: cancelling a call from
//! another thread, a deadline per call, and what the attempt callback is shown.

use std::ffi::{c_char, c_void, CStr, CString};
use std::time::Duration;

use faceauth::api::{Attempt, CallOptions, Cancel, Outcome};

use crate::boundary::{free_handle, handle, handle_mut, into_handle, out};
use crate::error::faceauth_error;
use crate::status::faceauth_status;

/// A cancel handle (opaque): faceauth_cancel_trigger, from any thread, aborts every call given
/// call options that carry it: the request in flight has its connection shut down (a blocked
/// read returns at once), a backoff wait ends, no further attempt is made, and the call fails
/// with FACEAUTH_STATUS_CANCELLED. Once triggered it stays triggered: a call given it later
/// fails at once, sending nothing; make a new handle for new work.
///
/// Thread safety: any number of threads may use it at once (trigger it from a signal-handling
/// thread, a UI thread, a watchdog). Free it once, after every other use; call options that
/// carry it keep their own reference, so it may be freed before them.
pub struct faceauth_cancel {
    inner: Cancel,
}

/// The options of one call (opaque): a cancel handle and a deadline. Made by
/// faceauth_call_options_new (neither), changed by faceauth_call_options_set_*, freed by
/// faceauth_call_options_free; given to the `_with` calls (faceauth_client_get_with, …), where
/// NULL means no options.
///
/// Thread safety: one thread at a time changes it; calls only read it, so several threads may
/// pass the same options to calls at once (each call counts its deadline from its own start).
#[derive(Default)]
pub struct faceauth_call_options {
    cancel: Option<Cancel>,
    deadline: Option<Duration>,
}

impl faceauth_call_options {
    /// The options for a call starting now.
    pub(crate) fn for_call(this: Option<&faceauth_call_options>) -> CallOptions {
        let mut options = CallOptions::new();
        if let Some(this) = this {
            if let Some(cancel) = &this.cancel {
                options = options.cancel(cancel);
            }
            if let Some(deadline) = this.deadline {
                options = options.timeout(deadline);
            }
        }
        options
    }
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_cancel>();
    shareable::<faceauth_call_options>();
};

/// Makes a cancel handle, not triggered.
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_cancel_free.
/// NULL handling: `out` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cancel_new(
    out: *mut *mut faceauth_cancel,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cancel_new", out_err, {
        // SAFETY: the caller's contract above covers the pointer.
        let out = unsafe { self::out(out, "out")? };
        out.write(into_handle(faceauth_cancel { inner: Cancel::new() }));
        Ok(())
    })
}

/// Triggers a cancel handle: every call using it, now or later, fails with
/// FACEAUTH_STATUS_CANCELLED (see faceauth_cancel). Returns at once, without waiting for the
/// calls to end. Triggering again does nothing more. NULL is allowed and does nothing.
///
/// Thread safety: any thread, any time while `cancel` is live (not from a signal handler
/// itself: it takes a lock; trigger it from a thread that waits for the signal).
///
/// # Safety
/// `cancel` is NULL or a live handle from faceauth_cancel_new.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cancel_trigger(cancel: *const faceauth_cancel) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises cancel is NULL or live.
        if let Ok(cancel) = unsafe { handle(cancel, "cancel") } {
            cancel.inner.cancel();
        }
    })
}

/// True once faceauth_cancel_trigger was called on this handle; false for NULL.
///
/// Thread safety: any thread. Never fails.
///
/// # Safety
/// `cancel` is NULL or a live handle from faceauth_cancel_new.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cancel_is_triggered(cancel: *const faceauth_cancel) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises cancel is NULL or live.
        unsafe { handle(cancel, "cancel") }.is_ok_and(|cancel| cancel.inner.is_cancelled())
    })
}

/// Frees a cancel handle. NULL is allowed and does nothing. Call options that carry it keep
/// working (they hold their own reference).
///
/// Thread safety: call it once, after every other use of `cancel` on every thread has returned.
///
/// # Safety
/// `cancel` is NULL or a handle from faceauth_cancel_new, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cancel_free(cancel: *mut faceauth_cancel) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises cancel is NULL or live, freed only now.
        unsafe { free_handle(cancel) }
    })
}

/// Makes call options with neither a cancel handle nor a deadline.
///
/// Ownership: on success `*out` receives new options, freed with faceauth_call_options_free.
/// NULL handling: `out` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_call_options_new(
    out: *mut *mut faceauth_call_options,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_call_options_new", out_err, {
        // SAFETY: the caller's contract above covers the pointer.
        let out = unsafe { self::out(out, "out")? };
        out.write(into_handle(faceauth_call_options::default()));
        Ok(())
    })
}

/// Sets the cancel handle of calls made with these options (NULL removes it). The options keep
/// their own reference: `cancel` may be freed before them.
///
/// NULL handling: `opts` must not be NULL; `cancel_or_null` and `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `cancel_or_null` is NULL or a live
/// handle; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_call_options_set_cancel(
    opts: *mut faceauth_call_options,
    cancel_or_null: *const faceauth_cancel,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_call_options_set_cancel", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        let (opts, cancel) = unsafe { (handle_mut(opts, "opts")?, cancel_or_null.as_ref()) };
        opts.cancel = cancel.map(|cancel| cancel.inner.clone());
        Ok(())
    })
}

/// Sets the deadline of calls made with these options: each call, every attempt and backoff
/// wait included, must end within `deadline_ms` milliseconds of its start, or it fails with
/// FACEAUTH_STATUS_API_TIMEOUT and a message saying how many attempts were made. 0 removes
/// the deadline. A listing counts from faceauth_client_list_with and bounds all its pages.
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_call_options_set_deadline_ms(
    opts: *mut faceauth_call_options,
    deadline_ms: u64,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_call_options_set_deadline_ms", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let opts = unsafe { handle_mut(opts, "opts")? };
        opts.deadline = (deadline_ms > 0).then(|| Duration::from_millis(deadline_ms));
        Ok(())
    })
}

/// Frees call options. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every call using them has returned.
///
/// # Safety
/// `opts` is NULL or options from faceauth_call_options_new, not freed before; do not use
/// them after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_call_options_free(opts: *mut faceauth_call_options) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises opts is NULL or live, freed only now.
        unsafe { free_handle(opts) }
    })
}

/// One HTTP attempt, as the attempt callback (faceauth_client_options_set_on_attempt) is shown
/// it (opaque): read with faceauth_attempt_method, _route, _http_status, _error, _number,
/// _duration_us and _request_id. It holds no key, image, query value or personal data.
///
/// Lifetime: borrowed for the callback's duration only; never free it or keep it.
pub struct faceauth_attempt {
    method: &'static CStr,
    route: &'static CStr,
    http_status: u16,
    error: faceauth_status,
    number: u32,
    duration_us: u64,
    request_id: Option<CString>,
}

/// The attempt callback: called once per HTTP attempt, on the thread that made the call, with
/// the attempt (borrowed for the call) and the user data given with it. It must not throw a
/// C++ exception or longjmp out, and must not free the client; keep it quick (the call waits).
pub type faceauth_attempt_fn =
    Option<unsafe extern "C" fn(attempt: *const faceauth_attempt, user_data: *mut c_void)>;

/// Static C strings for the methods and routes core reports.
fn static_c(text: &str) -> &'static CStr {
    match text {
        "GET" => c"GET",
        "POST" => c"POST",
        "DELETE" => c"DELETE",
        "/FaceAuth" => c"/FaceAuth",
        "/FaceAuth/Image" => c"/FaceAuth/Image",
        _ => c"?",
    }
}

/// The hook core calls, as a C callback with its user data (an address C owns: it is only
/// passed back, never read).
pub(crate) fn hook(
    callback: unsafe extern "C" fn(*const faceauth_attempt, *mut c_void),
    user_data: usize,
) -> impl Fn(&Attempt<'_>) + Send + Sync + 'static {
    move |attempt: &Attempt<'_>| {
        let (http_status, error) = match attempt.outcome {
            Outcome::Status(status) => (status, faceauth_status::Ok),
            Outcome::Failed(kind) => (0, faceauth_status::from(kind)),
            _ => (0, faceauth_status::Internal),
        };
        let report = faceauth_attempt {
            method: static_c(attempt.method),
            route: static_c(attempt.route),
            http_status,
            error,
            number: attempt.number,
            duration_us: u64::try_from(attempt.duration.as_micros()).unwrap_or(u64::MAX),
            request_id: attempt.request_id.and_then(|id| CString::new(id).ok()),
        };
        // SAFETY: the caller of faceauth_client_options_set_on_attempt promised a callback
        // that may be called with a borrowed attempt and its user data from any calling thread.
        unsafe { callback(&report, user_data as *mut c_void) };
    }
}

/// The attempt's method: "GET", "POST" or "DELETE" (static; never free it). NULL for a NULL
/// attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_method(attempt: *const faceauth_attempt) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.method.as_ptr(),
            Err(_) => std::ptr::null(),
        }
    })
}

/// The route template: "/FaceAuth" or "/FaceAuth/Image" (static; never free it), never a query
/// value: what a span or metric is named by. NULL for a NULL attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_route(attempt: *const faceauth_attempt) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.route.as_ptr(),
            Err(_) => std::ptr::null(),
        }
    })
}

/// The HTTP status of the answer, or 0 when none arrived (see faceauth_attempt_error) or for a
/// NULL attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_http_status(attempt: *const faceauth_attempt) -> u16 {
    ffi_boundary!(infallible 0, {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.http_status,
            Err(_) => 0,
        }
    })
}

/// FACEAUTH_STATUS_OK when an answer arrived (whatever its HTTP status), else why none did:
/// FACEAUTH_STATUS_API_TIMEOUT, _API_CONNECTION, _API_TLS_UNTRUSTED, _CANCELLED, …;
/// FACEAUTH_STATUS_NULL_POINTER for a NULL attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_error(attempt: *const faceauth_attempt) -> faceauth_status {
    ffi_boundary!(infallible faceauth_status::NullPointer, {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.error,
            Err(_) => faceauth_status::NullPointer,
        }
    })
}

/// 1 for a call's first attempt, 2 for its first retry, and so on; 0 for a NULL attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_number(attempt: *const faceauth_attempt) -> u32 {
    ffi_boundary!(infallible 0, {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.number,
            Err(_) => 0,
        }
    })
}

/// How long the attempt took, in microseconds, from sending to the end of the answer; 0 for a
/// NULL attempt.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_duration_us(attempt: *const faceauth_attempt) -> u64 {
    ffi_boundary!(infallible 0, {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.duration_us,
            Err(_) => 0,
        }
    })
}

/// Argos's request id (the x-amzn-requestid or x-request-id header), or NULL when the answer
/// had none (or for a NULL attempt). Borrowed for the callback's duration; never free it.
///
/// Thread safety: the callback's thread. Never fails.
///
/// # Safety
/// `attempt` is NULL or the attempt passed to the running callback.
#[no_mangle]
pub unsafe extern "C" fn faceauth_attempt_request_id(attempt: *const faceauth_attempt) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises attempt is NULL or the callback's attempt.
        match unsafe { handle(attempt, "attempt") } {
            Ok(a) => a.request_id.as_ref().map_or(std::ptr::null(), |id| id.as_ptr()),
            Err(_) => std::ptr::null(),
        }
    })
}
