//! `faceauth_cipher`: AES-256 encryption and decryption with a project's API key.

use std::ffi::c_char;

use faceauth::crypto::{Cipher, Variant};

use crate::boundary::{free_handle, handle, into_handle, out, text};
use crate::error::{faceauth_error, Failure};
use crate::memory::{faceauth_buf, into_c_string};
use crate::status::faceauth_status;

/// An encryptor/decryptor for one API key and one encryption variant (opaque).
///
/// Thread safety: a faceauth_cipher is immutable after faceauth_cipher_new; any number of
/// threads may call faceauth_cipher_encrypt, faceauth_cipher_decrypt (and use it in
/// faceauth_url_inspect or faceauth_webhook_parse) on the same cipher at once. Free it once, after
/// every other use. Its key material is wiped when it is freed.
pub struct faceauth_cipher {
    pub(crate) inner: Cipher,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_cipher>();
};

/// Makes the cipher from an API key and a scheme name.
///
/// `scheme`: "ecb" (Argos's default), "gcm", "cbc" (legacy), or a variant id that `faceauth
/// diagnose` reports, such as "ecb-sha256-hex" (case-insensitive). The key is used as Argos
/// uses it (SHA-256 of the key string, or what the variant says); the string is only borrowed.
///
/// Ownership: on success `*out` receives a new cipher, freed with faceauth_cipher_free.
/// NULL handling: `api_key`, `scheme` and `out` must not be NULL; `out_err` may be.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_KEY (empty, too short for the variant, or white space at either
/// end); FACEAUTH_STATUS_UNKNOWN_VARIANT.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_new(
    api_key: *const c_char,
    scheme: *const c_char,
    out: *mut *mut faceauth_cipher,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cipher_new", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (api_key, scheme, out) =
            unsafe { (text(api_key, "api_key")?, text(scheme, "scheme")?, self::out(out, "out")?) };
        let cipher = new_cipher(api_key, scheme)?;
        out.write(into_handle(faceauth_cipher { inner: cipher }));
        Ok(())
    })
}

/// The cipher for an API key and a scheme name or variant id (shared with the URL builder).
pub(crate) fn new_cipher(api_key: &str, scheme: &str) -> Result<Cipher, Failure> {
    let variant: Variant = scheme.parse()?;
    Ok(Cipher::from_key_string(api_key, variant)?)
}

/// Encrypts UTF-8 text; the ciphertext is text too (base64, or what the variant says).
///
/// CBC and GCM draw a fresh IV or nonce from the OS for every call, so two calls differ.
///
/// Ownership: on success `*out` receives a new string, freed with faceauth_string_free.
/// NULL handling: `c`, `plaintext` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_RANDOM_SOURCE.
///
/// # Safety
/// `c` is NULL or a live cipher; strings are NULL or NUL-terminated; `out` and `out_err` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_encrypt(
    c: *const faceauth_cipher,
    plaintext: *const c_char,
    out: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cipher_encrypt", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (c, plaintext, out) =
            unsafe { (handle(c, "c")?, text(plaintext, "plaintext")?, self::out(out, "out")?) };
        let ciphertext = c.inner.encrypt(plaintext)?;
        out.write(into_c_string(ciphertext, "the ciphertext")?);
        Ok(())
    })
}

/// Encrypts `len` bytes at `data` (which may be NULL when `len` is 0); otherwise as
/// faceauth_cipher_encrypt.
///
/// Ownership: on success `*out` receives a new string, freed with faceauth_string_free.
/// NULL handling: `c` and `out` must not be NULL, nor `data` unless `len` is 0.
/// Thread safety: `c` may be shared (see faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_RANDOM_SOURCE.
///
/// # Safety
/// `c` is NULL or a live cipher; `data` is NULL or readable for `len` bytes; `out` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_encrypt_bytes(
    c: *const faceauth_cipher,
    data: *const u8,
    len: usize,
    out: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cipher_encrypt_bytes", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (c, out) = unsafe { (handle(c, "c")?, self::out(out, "out")?) };
        let bytes: &[u8] = match (data.is_null(), len) {
            (_, 0) => &[],
            (true, _) => return Err(Failure::null("data")),
            // SAFETY: data is not NULL and the caller promises len readable bytes there, left
            // unchanged for the call.
            (false, len) => unsafe { std::slice::from_raw_parts(data, len) },
        };
        let ciphertext = c.inner.encrypt_bytes(bytes)?;
        out.write(into_c_string(ciphertext, "the ciphertext")?);
        Ok(())
    })
}

/// Decrypts ciphertext text into UTF-8 text.
///
/// Ownership: on success `*out` receives a new string, freed with faceauth_string_free (which
/// wipes it).
/// NULL handling: `c`, `ciphertext` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_EMPTY_CIPHERTEXT; FACEAUTH_STATUS_INVALID_ENCODING;
/// FACEAUTH_STATUS_INVALID_LENGTH; FACEAUTH_STATUS_TOO_SHORT; FACEAUTH_STATUS_BAD_PADDING and
/// FACEAUTH_STATUS_TAG_MISMATCH (usually the wrong key or scheme); FACEAUTH_STATUS_NOT_UTF8;
/// FACEAUTH_STATUS_NUL_IN_OUTPUT (the plaintext holds a NUL byte: use
/// faceauth_cipher_decrypt_bytes).
///
/// # Safety
/// `c` is NULL or a live cipher; strings are NULL or NUL-terminated; `out` and `out_err` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_decrypt(
    c: *const faceauth_cipher,
    ciphertext: *const c_char,
    out: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cipher_decrypt", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (c, ciphertext, out) =
            unsafe { (handle(c, "c")?, text(ciphertext, "ciphertext")?, self::out(out, "out")?) };
        let plaintext = c.inner.decrypt(ciphertext)?;
        out.write(into_c_string(plaintext, "the plaintext")?);
        Ok(())
    })
}

/// Decrypts ciphertext text into bytes, without the UTF-8 check (binary payloads, or text
/// that holds NUL bytes).
///
/// Ownership: on success `*out` is filled with new bytes, freed with faceauth_buf_free (which
/// wipes them); an empty plaintext gives `data` NULL and `len` 0.
/// NULL handling: `c`, `ciphertext` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_cipher).
///
/// Statuses: as faceauth_cipher_decrypt, except FACEAUTH_STATUS_NOT_UTF8 and
/// FACEAUTH_STATUS_NUL_IN_OUTPUT.
///
/// # Safety
/// `c` is NULL or a live cipher; strings are NULL or NUL-terminated; `out` and `out_err` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_decrypt_bytes(
    c: *const faceauth_cipher,
    ciphertext: *const c_char,
    out: *mut faceauth_buf,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_cipher_decrypt_bytes", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (c, ciphertext, out) =
            unsafe { (handle(c, "c")?, text(ciphertext, "ciphertext")?, self::out(out, "out")?) };
        let plaintext = c.inner.decrypt_bytes(ciphertext)?;
        out.write(faceauth_buf::from_vec(plaintext));
        Ok(())
    })
}

/// Frees a cipher, wiping its key material. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `c` on every thread has returned.
///
/// # Safety
/// `c` is NULL or a cipher from faceauth_cipher_new, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_cipher_free(c: *mut faceauth_cipher) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises c is NULL or a live cipher, freed only now.
        unsafe { free_handle(c) }
    })
}
