//! `faceauth_url_builder` and `faceauth_url_inspect`: FaceAuth URLs, built and read back.

use std::borrow::Cow;
use std::ffi::c_char;

use faceauth::url::{AuthParams, UrlBuilder};

use crate::boundary::{free_handle, handle, handle_mut, into_handle, optional_text, out, text};
use crate::crypto::{faceauth_cipher, new_cipher};
use crate::error::{faceauth_error, Failure};
use crate::memory::{into_c_string, OutString};
use crate::status::faceauth_status;

/// Builds FaceAuth URLs for one project: its key, its `pid`, a base URL and a language (opaque).
///
/// Thread safety: faceauth_url_builder_build may be called on the same builder from any number
/// of threads at once. The setters (faceauth_url_builder_set_lang,
/// faceauth_url_builder_set_base_url) change the builder: call them before sharing it, never
/// while another thread uses it. Its key material is wiped when it is freed.
pub struct faceauth_url_builder {
    pub(crate) inner: UrlBuilder,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_url_builder>();
};

/// The encrypted fields of one URL (opaque): made by faceauth_auth_params_new with its `sid`,
/// the optional fields set by the faceauth_auth_params_set_* functions, freed by
/// faceauth_auth_params_free. A field added in a later version is a new setter (the ABI rule
/// at the top of this header).
///
/// Thread safety: faceauth_url_builder_build and faceauth_ledger_issue_url only read it, and
/// may do so from several threads at once; the setters change it: never while another thread
/// uses it.
#[derive(Debug)]
pub struct faceauth_auth_params {
    /// Core's parameters, owning their text: a build borrows them as they are.
    inner: AuthParams<'static>,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_auth_params>();
};

/// Makes the parameters of one URL for submission `sid` (the approved ID check submission id),
/// every other field absent. `sid` is copied; faceauth_url_builder_build checks it.
///
/// Ownership: on success `*out` receives new parameters, freed with faceauth_auth_params_free.
/// NULL handling: `sid` and `out` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `sid` is NULL or NUL-terminated; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_new(
    sid: *const c_char,
    out: *mut *mut faceauth_auth_params,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_new", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (sid, out) = unsafe { (text(sid, "sid")?, self::out(out, "out")?) };
        out.write(into_handle(faceauth_auth_params { inner: AuthParams::new(sid.to_owned()) }));
        Ok(())
    })
}

/// Sets `authUserId`: your id for the user.
///
/// `value_or_null`: the value (copied), replacing any set before, or NULL to make the field
/// absent again. faceauth_url_builder_build checks it (not empty, no control character).
///
/// On failure the parameters are unchanged.
/// NULL handling: `p` must not be NULL; `value_or_null` and `out_err` may be.
/// Thread safety: changes `p`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `p` is NULL or live parameters no other thread uses; `value_or_null` is NULL or
/// NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_set_user_id(
    p: *mut faceauth_auth_params,
    value_or_null: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_set_user_id", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { set_field(p, |p| &mut p.inner.user_id, value_or_null) }
    })
}

/// Sets `authCf1`: a free extra field.
///
/// `value_or_null`: the value (copied), replacing any set before, or NULL to make the field
/// absent again. faceauth_url_builder_build checks it (not empty, no control character).
///
/// On failure the parameters are unchanged.
/// NULL handling: `p` must not be NULL; `value_or_null` and `out_err` may be.
/// Thread safety: changes `p`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `p` is NULL or live parameters no other thread uses; `value_or_null` is NULL or
/// NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_set_cf1(
    p: *mut faceauth_auth_params,
    value_or_null: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_set_cf1", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { set_field(p, |p| &mut p.inner.cf1, value_or_null) }
    })
}

/// Sets `authCf2`: a free extra field.
///
/// `value_or_null`: the value (copied), replacing any set before, or NULL to make the field
/// absent again. faceauth_url_builder_build checks it (not empty, no control character).
///
/// On failure the parameters are unchanged.
/// NULL handling: `p` must not be NULL; `value_or_null` and `out_err` may be.
/// Thread safety: changes `p`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `p` is NULL or live parameters no other thread uses; `value_or_null` is NULL or
/// NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_set_cf2(
    p: *mut faceauth_auth_params,
    value_or_null: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_set_cf2", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { set_field(p, |p| &mut p.inner.cf2, value_or_null) }
    })
}

/// Sets `authCf3`: a free extra field.
///
/// `value_or_null`: the value (copied), replacing any set before, or NULL to make the field
/// absent again. faceauth_url_builder_build checks it (not empty, no control character).
///
/// On failure the parameters are unchanged.
/// NULL handling: `p` must not be NULL; `value_or_null` and `out_err` may be.
/// Thread safety: changes `p`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `p` is NULL or live parameters no other thread uses; `value_or_null` is NULL or
/// NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_set_cf3(
    p: *mut faceauth_auth_params,
    value_or_null: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_set_cf3", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { set_field(p, |p| &mut p.inner.cf3, value_or_null) }
    })
}

/// Sets `token`: a token id that makes the URL expire (faceauth_token_generate).
///
/// `value_or_null`: the value (copied), replacing any set before, or NULL to make the field
/// absent again. faceauth_url_builder_build checks it (not empty, no control character).
///
/// On failure the parameters are unchanged.
/// NULL handling: `p` must not be NULL; `value_or_null` and `out_err` may be.
/// Thread safety: changes `p`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `p` is NULL or live parameters no other thread uses; `value_or_null` is NULL or
/// NUL-terminated; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_set_token(
    p: *mut faceauth_auth_params,
    value_or_null: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_auth_params_set_token", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { set_field(p, |p| &mut p.inner.token, value_or_null) }
    })
}

/// Sets one optional field of `p` to a copy of `value_or_null` (NULL: absent).
///
/// # Safety
/// `p` is NULL or live parameters nothing else uses; `value_or_null` is NULL or NUL-terminated.
unsafe fn set_field(
    p: *mut faceauth_auth_params,
    field: fn(&mut faceauth_auth_params) -> &mut Option<Cow<'static, str>>,
    value_or_null: *const c_char,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let (p, value) = unsafe { (handle_mut(p, "p")?, optional_text(value_or_null, "value_or_null")?) };
    *field(p) = value.map(|value| Cow::Owned(value.to_owned()));
    Ok(())
}

/// Frees URL parameters. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `p` on every thread has returned.
///
/// # Safety
/// `p` is NULL or parameters from faceauth_auth_params_new, not freed before; do not use them
/// after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_params_free(p: *mut faceauth_auth_params) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises p is NULL or live parameters, freed only now.
        unsafe { free_handle(p) }
    })
}

/// Makes a URL builder for project `project_id`, pointing at https://form.argosidentity.com
/// without a language.
///
/// `scheme`: as faceauth_cipher_new ("ecb", "gcm", "cbc" or a variant id).
///
/// Ownership: on success `*out` receives a new builder, freed with faceauth_url_builder_free.
/// The strings are only borrowed.
/// NULL handling: `project_id`, `api_key`, `scheme` and `out` must not be NULL; `out_err` may be.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty project id, or one with a control character);
/// FACEAUTH_STATUS_INVALID_KEY; FACEAUTH_STATUS_UNKNOWN_VARIANT.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_builder_new(
    project_id: *const c_char,
    api_key: *const c_char,
    scheme: *const c_char,
    out: *mut *mut faceauth_url_builder,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_builder_new", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (project_id, api_key, scheme, out) = unsafe {
            (
                text(project_id, "project_id")?,
                text(api_key, "api_key")?,
                text(scheme, "scheme")?,
                self::out(out, "out")?,
            )
        };
        let cipher = new_cipher(api_key, scheme)?;
        let inner = UrlBuilder::with_cipher(project_id, cipher)?;
        out.write(into_handle(faceauth_url_builder { inner }));
        Ok(())
    })
}

/// Adds `&lang=<lang>` to every URL the builder makes (the hosted page's language, such as
/// "ko" or "en"), replacing any language set before.
///
/// On failure the builder is unchanged.
/// NULL handling: `b` and `lang` must not be NULL; `out_err` may be.
/// Thread safety: changes `b`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (not 1 to 35 letters, digits, '-' or '_').
///
/// # Safety
/// `b` is NULL or a live builder no other thread uses; `lang` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_builder_set_lang(
    b: *mut faceauth_url_builder,
    lang: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_builder_set_lang", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (b, lang) = unsafe { (handle_mut(b, "b")?, text(lang, "lang")?) };
        b.inner = b.inner.clone().lang(lang)?;
        Ok(())
    })
}

/// Points the builder's URLs at another host: a staging form, or the local simulator
/// (`faceauth mock`). A trailing '/' is dropped; a path is kept.
///
/// On failure the builder is unchanged.
/// NULL handling: `b` and `base_url` must not be NULL; `out_err` may be.
/// Thread safety: changes `b`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (not an absolute http:// or https:// URL with a host and no
/// query, fragment, white space or control character).
///
/// # Safety
/// `b` is NULL or a live builder no other thread uses; `base_url` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_builder_set_base_url(
    b: *mut faceauth_url_builder,
    base_url: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_builder_set_base_url", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (b, base_url) = unsafe { (handle_mut(b, "b")?, text(base_url, "base_url")?) };
        b.inner = b.inner.clone().base_url(base_url)?;
        Ok(())
    })
}

/// Builds the URL for one user: `<base>/face-auth?pid=<pid>&encrypted=<ciphertext>[&lang=…]`.
///
/// Ownership: on success `*out_url` receives a new string, freed with faceauth_string_free.
/// `p` and its strings are only borrowed.
/// NULL handling: `b`, `p` and `out_url` must not be NULL; `out_err` may be.
/// Thread safety: `b` may be shared (see faceauth_url_builder).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty sid, an empty field or a control character);
/// FACEAUTH_STATUS_INVALID_TOKEN; FACEAUTH_STATUS_RANDOM_SOURCE (CBC and GCM).
///
/// # Safety
/// `b` is NULL or a live builder; `p` is NULL or live parameters no other thread changes during
/// the call; `out_url` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_builder_build(
    b: *const faceauth_url_builder,
    p: *const faceauth_auth_params,
    out_url: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_builder_build", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (b, p, out_url) = unsafe { (handle(b, "b")?, handle(p, "p")?, out(out_url, "out_url")?) };
        // Built in place in the string handed over: no copy (a URL is about 200 bytes), no NUL
        // to look for and nothing secret to wipe (see OutString::finish_url).
        let mut url = OutString::with_capacity(512);
        b.inner.build_to(auth_params(p), url.text())?;
        out_url.write(url.finish_url());
        Ok(())
    })
}

/// Core's parameters held by `p` (core checks them when it builds the URL).
pub(crate) fn auth_params(p: &faceauth_auth_params) -> &AuthParams<'static> {
    &p.inner
}

/// Frees a builder, wiping its key material. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `b` on every thread has returned.
///
/// # Safety
/// `b` is NULL or a builder from faceauth_url_builder_new, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_builder_free(b: *mut faceauth_url_builder) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises b is NULL or a live builder, freed only now.
        unsafe { free_handle(b) }
    })
}

/// Takes a FaceAuth URL apart and decrypts its parameters with `c`: the inverse of
/// faceauth_url_builder_build.
///
/// `url` may be a whole URL or only its query string. `*out_json` receives the same JSON object
/// as `faceauth inspect` prints (compact, keys in this order):
/// `{"base_url": "https://…", "pid": "…", "lang": "ko" or null, "variant": "ecb-sha256",
/// "params": {"sid": "…", "authUserId": "…", "authCf1": …, "authCf2": …, "authCf3": …,
/// "token": "…"}, "unknown_fields": {…}, "percent_decoded": false, "spaces_as_plus": false,
/// "whitespace_removed": false}`, where `params` holds only the spec's fields present, in that
/// order, `unknown_fields` any other key of the payload with its value exactly as sent (big
/// numbers keep every digit), and the last three say how the ciphertext text was read.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `url`, `c` and `out_json` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_URL (no `pid` or `encrypted` parameter, or bad percent-encoding);
/// the decryption statuses of faceauth_cipher_decrypt (a wrong key: usually
/// FACEAUTH_STATUS_BAD_PADDING or FACEAUTH_STATUS_TAG_MISMATCH); a link made with another scheme
/// of the same key: FACEAUTH_STATUS_BAD_PADDING for an ECB or CBC `c`,
/// FACEAUTH_STATUS_TAG_MISMATCH for a GCM one, the message naming the scheme the link was made
/// with ("the link was made with gcm, not ecb"); FACEAUTH_STATUS_INVALID_PAYLOAD (it decrypts,
/// but not to a JSON object with a string `sid`).
///
/// # Safety
/// `url` is NULL or NUL-terminated; `c` is NULL or a live cipher; `out_json` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_inspect(
    url: *const c_char,
    c: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_inspect", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (url, c, out_json) = unsafe { (text(url, "url")?, handle(c, "c")?, out(out_json, "out_json")?) };
        let found = faceauth::url::inspect(url, &c.inner)?;
        let json = serde_json::to_string(&found.to_json(c.inner.variant().id())).map_err(|e| {
            Failure::new(faceauth_status::Internal, format!("cannot write the inspection JSON: {e}"))
        })?;
        out_json.write(into_c_string(json, "the inspection JSON")?);
        Ok(())
    })
}

/// Copies `text` with every credential in it replaced by `<redacted>`: the user-info of each
/// `scheme://user:password@host` URL, and the value of each `password=…` of a URL query or a
/// libpq `key=value` string. `text` may be a URL, a ledger location or a whole message. This is
/// the library's one redaction rule (faceauth::url::redact_credentials): use it to show a base
/// URL or a location in a log line or a `to_string`, rather than a rule of your own.
///
/// Ownership: on success `*out` receives a new string, freed with faceauth_string_free. `text`
/// is only borrowed.
/// NULL handling: `text` and `out` must not be NULL; `out_err` may be. Thread safety: any
/// thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `text` is NULL or NUL-terminated; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_url_redact_credentials(
    text: *const c_char,
    out: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_url_redact_credentials", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (text, out) = unsafe { (self::text(text, "text")?, self::out(out, "out")?) };
        let shown = faceauth::url::redact_credentials(text).into_owned();
        out.write(into_c_string(shown, "the redacted text")?);
        Ok(())
    })
}
