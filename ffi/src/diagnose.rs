//! `faceauth_crypto_diagnose`: which encryption variant made a ciphertext.

use std::ffi::c_char;

use crate::boundary::{out, text};
use crate::error::{faceauth_error, Failure};
use crate::memory::into_c_string;
use crate::status::faceauth_status;

/// Tries every encryption variant the library knows on `ciphertext` with the API key
/// `api_key`, and reports which ones decrypt it to text (faceauth::crypto::diagnose). Use it
/// when a ciphertext from Argos's Encryption Tool or an old link will not decrypt: the report's
/// `best` is the scheme or variant id to give faceauth_cipher_new.
///
/// The text is read leniently (surrounding white space, `%2B` escapes, spaces that stand for
/// `+`, base64 wrapped over lines). `*out_json` receives the same JSON object as
/// `faceauth diagnose --json` prints (compact): `{"best": "gcm-nonce-ct-tag" or null,
/// "percent_decoded": false, "spaces_as_plus": false, "whitespace_removed": false,
/// "variants": [...]}`, one entry per variant in the spec's table order, either
/// `{"variant", "ok": true, "plaintext", "json", "authenticated"}` or
/// `{"variant", "ok": false, "error": a status name such as "bad_padding", "message"}`.
/// `best` prefers a verified GCM tag, then JSON, then any text. No match is not an error:
/// `best` is null (a wrong key, or a text cut short). A key that no variant accepts (empty, or
/// white space at either end) fails every variant with "invalid_key".
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free;
/// it holds the decrypted text, so treat it as the ciphertext's secret. The key is only
/// borrowed, and every copy of it the call makes is wiped.
/// NULL handling: `ciphertext`, `api_key` and `out_json` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_EMPTY_CIPHERTEXT (empty or only white space); FACEAUTH_STATUS_INVALID_ENCODING
/// (neither base64 nor hex: the message names the first character that fits neither, and what
/// the text looks like instead, such as JSON or a URL).
///
/// # Safety
/// `ciphertext` and `api_key` are NULL or NUL-terminated; `out_json` and `out_err` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_crypto_diagnose(
    ciphertext: *const c_char,
    api_key: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_crypto_diagnose", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (ciphertext, api_key, out_json) = unsafe {
            (text(ciphertext, "ciphertext")?, text(api_key, "api_key")?, out(out_json, "out_json")?)
        };
        let report = faceauth::crypto::diagnose(ciphertext, api_key)?;
        let json = serde_json::to_string(&report.to_json()).map_err(|e| {
            Failure::new(faceauth_status::Internal, format!("cannot write the diagnosis JSON: {e}"))
        })?;
        out_json.write(into_c_string(json, "the diagnosis JSON")?);
        Ok(())
    })
}
