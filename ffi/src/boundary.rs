//! The panic boundary every export runs in, and the typed checks of pointer arguments.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::error::{faceauth_error, Failure};
use crate::status::faceauth_status;

/// Wraps the body of every export in `catch_unwind`, so no panic unwinds into C.
///
/// - `ffi_boundary!("name", out_err, { … })`: a fallible export. The body returns
///   `Result<(), Failure>`; the export returns `FACEAUTH_STATUS_OK`, or the failure's status
///   with an error object in `*out_err` (when `out_err` is not NULL). A panic becomes
///   `FACEAUTH_STATUS_PANIC` with an error object naming the export.
/// - `ffi_boundary!(infallible default, { … })`: an export that cannot fail (a getter, a
///   `_free`); a panic makes it return `default`.
macro_rules! ffi_boundary {
    ($name:literal, $out_err:ident, $body:block) => {
        $crate::boundary::run($name, $out_err, || -> ::std::result::Result<(), $crate::error::Failure> {
            $body
        })
    };
    (infallible $default:expr, $body:block) => {
        ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)).unwrap_or_else(|_| $default)
    };
}

/// Runs a fallible export's body; see [`ffi_boundary!`].
pub(crate) fn run(
    name: &'static str,
    out_err: *mut *mut faceauth_error,
    body: impl FnOnce() -> Result<(), Failure>,
) -> faceauth_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return faceauth_status::Ok,
        Ok(Err(failure)) => failure,
        Err(_payload) => Failure::new(
            faceauth_status::Panic,
            format!("internal error: a panic was caught in {name} (a bug in libfaceauth)"),
        ),
    };
    let status = failure.status;
    if !out_err.is_null() {
        let error = Box::into_raw(Box::new(faceauth_error::from(failure)));
        // SAFETY: out_err is not NULL, and every export documents that a non-NULL out_err
        // points to storage for one `faceauth_error *`, writable for the call.
        unsafe { out_err.write(error) };
    }
    status
}

/// Borrows a handle argument, refusing NULL.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that stays valid, and is not mutated, for `'a`.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Failure> {
    // SAFETY: the caller promises ptr is NULL or valid for reads for 'a; as_ref checks NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// Borrows a handle argument mutably, refusing NULL.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing else uses for `'a`.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller promises ptr is NULL or valid and unaliased for 'a; as_mut checks NULL.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// Borrows a required string argument: not NULL, NUL-terminated, UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
#[inline]
pub(crate) unsafe fn text<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: ptr is not NULL, and the caller promises a NUL-terminated string valid for 'a.
    let text = unsafe { CStr::from_ptr(ptr) };
    // Most arguments (ids, names, schemes, JSON) are ASCII: an inlined check, before the full
    // UTF-8 validation (a call that costs more than the short strings it checks).
    if text.to_bytes().is_ascii() {
        // SAFETY: ASCII is UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(text.to_bytes()) });
    }
    text.to_str().map_err(|e| {
        Failure::new(
            faceauth_status::InvalidUtf8,
            format!("{name} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })
}

/// Borrows an optional string argument: NULL is `None`, anything else as [`text`].
///
/// # Safety
/// As [`text`].
#[inline]
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { text(ptr, name) }.map(Some)
}

/// A checked, non-NULL out-param, written once on success.
pub(crate) struct Out<T>(NonNull<T>);

/// Checks an out-param before any work is done, so a NULL one fails without side effects.
///
/// # Safety
/// `ptr` is NULL or valid for writing one `T` for the rest of the call.
pub(crate) unsafe fn out<T>(ptr: *mut T, name: &'static str) -> Result<Out<T>, Failure> {
    NonNull::new(ptr).map(Out).ok_or_else(|| Failure::null(name))
}

impl<T> Out<T> {
    /// Writes the result (without reading or dropping what the slot held).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `out` checked the pointer is not NULL, and its caller promised it is valid
        // for writing one T for the rest of the call.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Moves a value to the heap and hands C the pointer (freed by the matching `_free`).
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back a handle made by [`into_handle`] and drops it; NULL does nothing.
///
/// # Safety
/// `ptr` is NULL or came from `into_handle::<T>` and was not freed since.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: the caller promises ptr came from Box::into_raw in into_handle and is freed
        // only now.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(out_err: *mut *mut faceauth_error) -> faceauth_status {
        ffi_boundary!("faceauth_test_panics", out_err, {
            if out_err.is_null() || !out_err.is_null() {
                panic!("payload-with-a-secret");
            }
            Ok(())
        })
    }

    #[test]
    fn a_panic_becomes_the_panic_status_with_an_error_object() {
        let mut error: *mut faceauth_error = std::ptr::null_mut();
        assert_eq!(failing(&mut error), faceauth_status::Panic);
        // SAFETY: run stored a pointer from Box::into_raw, or left NULL (then as_ref is None).
        let object = unsafe { error.as_ref() };
        let Some(object) = object else { panic!("no error object") };
        assert_eq!(object.code, faceauth_status::Panic);
        let message = object.message.to_string_lossy();
        assert!(message.contains("faceauth_test_panics"), "{message}");
        assert!(!message.contains("payload-with-a-secret"), "panic payloads are not copied: {message}");
        // SAFETY: the pointer came from run and is freed once.
        unsafe { free_handle(error) };
        // NULL out_err: the status alone.
        assert_eq!(failing(std::ptr::null_mut()), faceauth_status::Panic);
    }

    #[test]
    fn a_panic_in_an_infallible_export_returns_its_default() {
        let value: i32 = ffi_boundary!(infallible - 1, {
            if std::hint::black_box(true) {
                panic!("a bug");
            }
            1
        });
        assert_eq!(value, -1);
    }
}
