//! Token ids: fresh ones, and the rule every id follows.

use std::ffi::c_char;

use crate::boundary::{out, text};
use crate::error::faceauth_error;
use crate::memory::into_c_string;
use crate::status::faceauth_status;

/// Makes a fresh token id ("tok_" and 26 base32 characters: 128 random bits from the OS), for
/// faceauth_auth_params_set_token.
///
/// Ownership: on success `*out` receives a new string, freed with faceauth_string_free.
/// NULL handling: `out` must not be NULL; `out_err` may be. Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_RANDOM_SOURCE.
///
/// # Safety
/// `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_generate(
    out: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_token_generate", out_err, {
        // SAFETY: the caller's contract above covers the pointer.
        let out = unsafe { self::out(out, "out")? };
        let token = faceauth::token::generate()?;
        out.write(into_c_string(token, "the token id")?);
        Ok(())
    })
}

/// Checks a token id against the rule: 8 to 64 characters of `[A-Za-z0-9._-]`, starting and
/// ending with a letter or digit. FACEAUTH_STATUS_OK means it is valid.
///
/// NULL handling: `token_id` must not be NULL; `out_err` may be. Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_TOKEN (the message says which rule it breaks).
///
/// # Safety
/// `token_id` is NULL or NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_token_validate(
    token_id: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_token_validate", out_err, {
        // SAFETY: the caller's contract above covers the pointer.
        let token_id = unsafe { text(token_id, "token_id")? };
        faceauth::token::validate(token_id)?;
        Ok(())
    })
}
