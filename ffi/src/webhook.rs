//! Webhooks: the events Argos POSTs, parsed into JSON.

use std::ffi::c_char;

use crate::boundary::{handle, out, text};
use crate::call::faceauth_call_options;
use crate::client::faceauth_client;
use crate::crypto::faceauth_cipher;
use crate::error::{faceauth_error, Failure};
use crate::memory::into_c_string;
use crate::status::faceauth_status;

/// Parses a webhook from its HTTP request body, decrypting it with `c_or_null` when the body is
/// the encrypted form `{"data": "<ciphertext>"}` (the ID check project's "webhook encryption").
///
/// `*out_json` receives the same normalised JSON as `faceauth webhook parse` prints: an object
/// whose "event" is "faceAuth", "token_expired" or "unknown", with the event's fields (null
/// when absent); an unknown event carries "trigger" and the whole "raw" JSON. No signature is
/// documented, so this does not prove the webhook came from Argos: see
/// faceauth_client_confirm_webhook. `"encrypted"` says whether the body was the encrypted form.
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

/// The cipher behind `c_or_null`, if any.
///
/// # Safety
/// `c_or_null` is NULL or a live cipher.
pub(crate) unsafe fn optional_cipher<'a>(
    c_or_null: *const faceauth_cipher,
) -> Result<Option<&'a faceauth::crypto::Cipher>, Failure> {
    if c_or_null.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and the caller promises a live cipher.
    Ok(Some(&unsafe { handle(c_or_null, "c_or_null")? }.inner))
}

/// Parses a webhook request body (as faceauth_webhook_parse) and confirms it with Argos before
/// it is acted on: Argos signs no webhook, so a `faceAuth` result is fetched back by its
/// authentication id (GET /faceauth?authId=…, one call through `c`) and what Argos returned
/// counts, not what the body claimed. A `token_expired` event, which no API call can confirm,
/// is confirmed only when the body was encrypted (with GCM that proves the sender held the
/// key; ECB and CBC carry no tag).
///
/// `*out_json` receives the event's JSON (as faceauth_webhook_parse gives it) with Argos's
/// "status", "create_time" and "submission_id", plus "confirmed_by" ("argos" or "encrypted"),
/// "score" (Argos's face similarity, or null) and "record" (Argos's row, or null).
/// faceauth_ledger_apply_confirmed confirms and records in one call.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `c`, `body` and `out_json` must not be NULL; `cipher_or_null` may be NULL
/// (no webhook key: an encrypted body then fails); `out_err` may be NULL.
/// Thread safety: any thread; `c` and `cipher_or_null` may be shared. Blocks for one API call.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// the statuses of faceauth_webhook_parse; FACEAUTH_STATUS_WEBHOOK_UNCONFIRMED (Argos has no
/// result with that id); FACEAUTH_STATUS_WEBHOOK_MISMATCH (its result belongs to another
/// submission or user than the body names); FACEAUTH_STATUS_WEBHOOK_UNVERIFIABLE (a plain
/// token_expired body, a faceAuth event without an authentication id, another trigger, a result
/// Argos erased); the API statuses (300–309) when Argos cannot be asked: nothing is known then,
/// so answer the sender so that it retries (HTTP 503).
///
/// # Safety
/// `c` is NULL or a live client; `body` is NULL or NUL-terminated; `cipher_or_null` is NULL or
/// a live cipher; `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_confirm_webhook(
    c: *const faceauth_client,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_confirm_webhook", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { confirm_call(c, None, body, cipher_or_null, out_json) }
    })
}

/// faceauth_client_confirm_webhook with call options: `call_opts_or_null` (NULL for none) may
/// carry a cancel handle (FACEAUTH_STATUS_CANCELLED once it is triggered: the request in flight
/// has its connection shut down) and a deadline for the whole confirmation
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_confirm_webhook, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_confirm_webhook; `call_opts_or_null` is NULL or live call options no
/// other thread changes during the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_confirm_webhook_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_confirm_webhook_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { confirm_call(c, call_opts_or_null.as_ref(), body, cipher_or_null, out_json) }
    })
}

/// The body of faceauth_client_confirm_webhook and faceauth_client_confirm_webhook_with.
///
/// # Safety
/// As faceauth_client_confirm_webhook.
unsafe fn confirm_call(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract covers every pointer.
    let (c, body, out_json, cipher) = unsafe {
        (handle(c, "c")?, text(body, "body")?, out(out_json, "out_json")?, optional_cipher(cipher_or_null)?)
    };
    let event = faceauth::webhook::parse(body.as_bytes(), cipher)?;
    let confirmed =
        faceauth::webhook::confirm_with(&event, &c.inner, &faceauth_call_options::for_call(opts))?;
    out_json.write(into_c_string(confirmed.to_json().to_string(), "the confirmed event JSON")?);
    Ok(())
}
