//! Webhooks: the events Argos POSTs, parsed into JSON.

use std::ffi::c_char;

use crate::boundary::{handle, out, text};
use crate::crypto::faceauth_cipher;
use crate::error::faceauth_error;
use crate::memory::into_c_string;
use crate::status::faceauth_status;

/// Parses a webhook from its HTTP request body, decrypting it with `c_or_null` when the body is
/// the encrypted form `{"data": "<ciphertext>"}` (the ID check project's "webhook encryption").
///
/// `*out_json` receives the same normalised JSON as `faceauth webhook parse` prints: an object
/// whose "event" is "faceAuth", "token_expired" or "unknown", with the event's fields (null
/// when absent); an unknown event carries "trigger" and the whole "raw" JSON. No signature is
/// documented, so this does not prove the webhook came from Argos.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `body` and `out_json` must not be NULL; `c_or_null` may be NULL (no key: an
/// encrypted body then fails); `out_err` may be NULL.
/// Thread safety: any thread; `c_or_null` may be shared (see faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_WEBHOOK_MALFORMED (empty, not JSON, not an object, or a documented field of
/// the wrong type); FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED (encrypted and `c_or_null` is NULL);
/// FACEAUTH_STATUS_WEBHOOK_DECRYPT (it does not decrypt with `c_or_null`).
///
/// # Safety
/// `body` is NULL or NUL-terminated; `c_or_null` is NULL or a live cipher; `out_json` and
/// `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_webhook_parse(
    body: *const c_char,
    c_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_webhook_parse", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (body, out_json) = unsafe { (text(body, "body")?, out(out_json, "out_json")?) };
        let cipher = match c_or_null.is_null() {
            true => None,
            // SAFETY: not NULL, and the caller promises a live cipher.
            false => Some(&unsafe { handle(c_or_null, "c_or_null")? }.inner),
        };
        let event = faceauth::webhook::parse(body.as_bytes(), cipher)?;
        out_json.write(into_c_string(event.to_json().to_string(), "the event JSON")?);
        Ok(())
    })
}
