//! `faceauth_client` and `faceauth_records`: the FaceAuth REST API (submit a selfie, read results,
//! page through them, fetch a selfie, erase a result).

use std::ffi::{c_char, CString};
use std::time::Duration;

use std::ffi::c_void;

use faceauth::api::{AuthRecord, AuthResult, Client, ListQuery, Records, Submission};
use zeroize::Zeroizing;

use crate::boundary::{free_handle, handle, handle_mut, into_handle, optional_text, out, text};
use crate::call::{faceauth_attempt, faceauth_attempt_fn, faceauth_call_options};
use crate::error::{faceauth_error, Failure};
use crate::memory::{faceauth_buf, into_c_string};
use crate::status::faceauth_status;

/// A blocking client for the FaceAuth REST API of one project (opaque): its API key, base URL,
/// timeouts and retry policy, and a pool of connections it reuses.
///
/// Thread safety: a faceauth_client is immutable after faceauth_client_new; any number of
/// threads may call faceauth_client_submit, faceauth_client_get, faceauth_client_list,
/// faceauth_client_image and faceauth_client_delete on the same client at once (make one and
/// share it). Free it once, after every other use. Its API key is wiped when it is freed, and
/// never appears in error messages.
///
/// Every call blocks until the API answers; each attempt is bounded by the timeouts of
/// faceauth_client_options. GET and DELETE are repeated (with jittered backoff) after a
/// connection error, a timeout or a 500/502/503/504; a submission (POST) only when it provably
/// never reached the server.
pub struct faceauth_client {
    pub(crate) inner: Client,
}

/// A listing of results (GET /faceauth) in progress: faceauth_records_next returns its rows one by
/// one and fetches the next page when one runs out (opaque).
///
/// Thread safety: one thread at a time (it may move between threads). It holds its own
/// reference to the client's connections: it may outlive the faceauth_client it came from.
pub struct faceauth_records {
    records: Records<'static>,
    /// Set when the listing has ended: why it may lack rows, or None when it is complete.
    incomplete: Option<CString>,
}

impl faceauth_records {
    /// The next row, or None at the end (then the reason rows may be missing is kept); for
    /// faceauth_records_next and faceauth_records_next_record.
    pub(crate) fn next_record(&mut self) -> Result<Option<AuthRecord>, Failure> {
        match self.records.next() {
            Some(record) => Ok(Some(record?)),
            None => {
                if self.incomplete.is_none() {
                    self.incomplete = self
                        .records
                        .incomplete()
                        .map(|reason| CString::new(reason.to_string()).unwrap_or_default());
                }
                Ok(None)
            }
        }
    }
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    const fn movable<T: Send>() {}
    shareable::<faceauth_client>();
    movable::<faceauth_records>();
};

/// Options for faceauth_client_new (opaque): made by faceauth_client_options_new with every
/// default, changed by the faceauth_client_options_set_* functions, freed by
/// faceauth_client_options_free. An option added in a later version is a new setter, so
/// programs built against this version keep working (the ABI rule at the top of this header).
///
/// Thread safety: one thread at a time (it may move between threads). faceauth_client_new only
/// reads it: one options object may make several clients, and may be freed right after.
#[derive(Default)]
pub struct faceauth_client_options {
    /// The REST base URL; None for Argos's.
    base_url: Option<String>,
    timeout_ms: Option<u32>,
    connect_timeout_ms: Option<u32>,
    max_retries: Option<u32>,
    /// An explicit proxy URL (may hold credentials: never shown).
    proxy: Option<Zeroizing<String>>,
    no_proxy: Option<String>,
    proxy_from_env: Option<bool>,
    ca_file: Option<String>,
    platform_roots: bool,
    user_agent_suffix: Option<String>,
    /// The attempt callback and its user data (an address C owns, only passed back).
    on_attempt: Option<(unsafe extern "C" fn(*const faceauth_attempt, *mut c_void), usize)>,
}

impl std::fmt::Debug for faceauth_client_options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("faceauth_client_options")
            .field("base_url", &self.base_url.as_deref().map(faceauth::url::redact_credentials))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("proxy", &self.proxy.as_deref().map(|p| faceauth::url::redact_credentials(p)))
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

const _: () = {
    const fn movable<T: Send>() {}
    movable::<faceauth_client_options>();
};

/// Makes client options with every default: Argos's base URL
/// ("https://rest-api.argosidentity.com/v3"), a 60000 ms timeout per attempt, a 10000 ms
/// connection timeout and 2 retries.
///
/// Ownership: on success `*out` receives new options, freed with faceauth_client_options_free.
/// NULL handling: `out` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_new(
    out: *mut *mut faceauth_client_options,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_new", out_err, {
        // SAFETY: the caller's contract above covers the pointer.
        let out = unsafe { self::out(out, "out")? };
        out.write(into_handle(faceauth_client_options::default()));
        Ok(())
    })
}

/// Sets the REST base URL, such as the simulator's "http://127.0.0.1:8700" (a trailing '/' is
/// dropped), replacing any set before. faceauth_client_new checks it (http:// or https://).
///
/// On failure the options are unchanged. `base_url` is copied.
/// NULL handling: `opts` and `base_url` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `base_url` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_base_url(
    opts: *mut faceauth_client_options,
    base_url: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_base_url", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (opts, base_url) = unsafe { (handle_mut(opts, "opts")?, text(base_url, "base_url")?) };
        opts.base_url = Some(base_url.to_owned());
        Ok(())
    })
}

/// Sets how many milliseconds one attempt may take, from connecting to the last byte (default
/// 60000). faceauth_client_new refuses 0 (FACEAUTH_STATUS_INVALID_ARGUMENT).
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_timeout_ms(
    opts: *mut faceauth_client_options,
    timeout_ms: u32,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_timeout_ms", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { handle_mut(opts, "opts")? }.timeout_ms = Some(timeout_ms);
        Ok(())
    })
}

/// Sets how many milliseconds to wait for a connection (default 10000, and never more than the
/// timeout). faceauth_client_new refuses 0 (FACEAUTH_STATUS_INVALID_ARGUMENT).
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_connect_timeout_ms(
    opts: *mut faceauth_client_options,
    connect_timeout_ms: u32,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_connect_timeout_ms", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { handle_mut(opts, "opts")? }.connect_timeout_ms = Some(connect_timeout_ms);
        Ok(())
    })
}

/// Sets how many times a failed request may be repeated (default 2; 0 for none).
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_max_retries(
    opts: *mut faceauth_client_options,
    max_retries: u32,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_max_retries", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { handle_mut(opts, "opts")? }.max_retries = Some(max_retries);
        Ok(())
    })
}

/// Sets an HTTP proxy (`http://[user:password@]host:port`), used whatever the environment
/// says. Requests go through it in a CONNECT tunnel: the proxy sees the API's host and port,
/// never the API key. faceauth_client_new checks it (FACEAUTH_STATUS_INVALID_ARGUMENT for a URL
/// that does not parse or a SOCKS proxy). `proxy_url` is copied (and wiped when the options
/// are freed: it may hold a password).
///
/// NULL handling: `opts` and `proxy_url` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `proxy_url` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_proxy(
    opts: *mut faceauth_client_options,
    proxy_url: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_proxy", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (opts, proxy) = unsafe { (handle_mut(opts, "opts")?, text(proxy_url, "proxy_url")?) };
        opts.proxy = Some(Zeroizing::new(proxy.to_owned()));
        Ok(())
    })
}

/// Sets the hosts reached without the proxy set by faceauth_client_options_set_proxy, as in
/// NO_PROXY: comma-separated names, each matching itself and its subdomains; "*" matches every
/// host. `hosts` is copied.
///
/// NULL handling: `opts` and `hosts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `hosts` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_no_proxy(
    opts: *mut faceauth_client_options,
    hosts: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_no_proxy", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (opts, hosts) = unsafe { (handle_mut(opts, "opts")?, text(hosts, "hosts")?) };
        opts.no_proxy = Some(hosts.to_owned());
        Ok(())
    })
}

/// Whether the client uses the proxy the environment names (default true): HTTPS_PROXY,
/// HTTP_PROXY or ALL_PROXY, upper or lower case, unless NO_PROXY names the API's host. false
/// turns proxies off, unless faceauth_client_options_set_proxy names one.
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_proxy_from_env(
    opts: *mut faceauth_client_options,
    on: bool,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_proxy_from_env", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { handle_mut(opts, "opts")? }.proxy_from_env = Some(on);
        Ok(())
    })
}

/// Trusts the certificates of a PEM bundle instead of the built-in roots (Mozilla's), as a
/// TLS-inspecting gateway needs. faceauth_client_new reads and checks the file
/// (FACEAUTH_STATUS_INVALID_ARGUMENT when it cannot be read, holds no certificate or one that
/// does not parse, or platform roots are on too). `path` is copied.
///
/// NULL handling: `opts` and `path` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `path` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_ca_file(
    opts: *mut faceauth_client_options,
    path: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_ca_file", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (opts, path) = unsafe { (handle_mut(opts, "opts")?, text(path, "path")?) };
        opts.ca_file = Some(path.to_owned());
        Ok(())
    })
}

/// Whether to trust the operating system's certificate store (and its verifier) instead of the
/// built-in roots (default false).
///
/// NULL handling: `opts` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_platform_roots(
    opts: *mut faceauth_client_options,
    on: bool,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_platform_roots", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { handle_mut(opts, "opts")? }.platform_roots = on;
        Ok(())
    })
}

/// Words sent after the user agent `faceauth-c/<version>`, such as "myapp/1.2" (printable
/// ASCII, at most 200 characters; faceauth_client_new refuses others with
/// FACEAUTH_STATUS_INVALID_ARGUMENT). `suffix` is copied.
///
/// NULL handling: `opts` and `suffix` must not be NULL; `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `suffix` is NULL or NUL-terminated;
/// `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_user_agent_suffix(
    opts: *mut faceauth_client_options,
    suffix: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_user_agent_suffix", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (opts, suffix) = unsafe { (handle_mut(opts, "opts")?, text(suffix, "suffix")?) };
        opts.user_agent_suffix = Some(suffix.to_owned());
        Ok(())
    })
}

/// Sets the attempt callback (NULL removes it): called once per HTTP attempt of every call of
/// the client, on the calling thread, with the attempt (read it with faceauth_attempt_*;
/// borrowed for the callback) and `user_data` (passed back as given, never read). It sees the
/// method, route template, HTTP status or error, attempt number, duration and Argos's request
/// id: never the key, the image or personal data. Several threads may call it at once when
/// they share the client: `user_data` must allow that.
///
/// NULL handling: `opts` must not be NULL; `callback_or_null`, `user_data` and `out_err` may be.
/// Thread safety: changes `opts`: never while another thread uses it.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER.
///
/// # Safety
/// `opts` is NULL or live options no other thread uses; `callback_or_null` is NULL or a
/// function that may be called as faceauth_attempt_fn says, with `user_data`, from any thread
/// calling the client, until the client is freed; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_set_on_attempt(
    opts: *mut faceauth_client_options,
    callback_or_null: faceauth_attempt_fn,
    user_data: *mut c_void,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_options_set_on_attempt", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let opts = unsafe { handle_mut(opts, "opts")? };
        opts.on_attempt = callback_or_null.map(|callback| (callback, user_data as usize));
        Ok(())
    })
}

/// Frees client options. NULL is allowed and does nothing. Clients made with them are not
/// affected.
///
/// # Safety
/// `opts` is NULL or options from faceauth_client_options_new, not freed before; do not use
/// them after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_options_free(opts: *mut faceauth_client_options) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises opts is NULL or live options, freed only now.
        unsafe { free_handle(opts) }
    })
}

/// Makes a client for a FaceAuth project's API key.
///
/// `opts_or_null`: options from faceauth_client_options_new, or NULL for every default; only
/// read (keep or free them after). The client proxies through
/// `HTTPS_PROXY`/`ALL_PROXY`/`HTTP_PROXY` when set (`NO_PROXY` is honoured). Nothing is sent
/// until a call.
///
/// Ownership: on success `*out` receives a new client, freed with faceauth_client_free. The key
/// and options are only borrowed (the client keeps a copy of the key, wiped when it is freed).
/// NULL handling: `api_key` and `out` must not be NULL; `opts_or_null` and `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty key, one with white space at either end or a
/// control character, a base URL that is not http:// or https://, or a timeout of 0).
///
/// # Safety
/// `api_key` is NULL or NUL-terminated; `opts_or_null` is NULL or live options no other thread
/// changes during the call; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_new(
    api_key: *const c_char,
    opts_or_null: *const faceauth_client_options,
    out: *mut *mut faceauth_client,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_new", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        let (api_key, opts, out) =
            unsafe { (text(api_key, "api_key")?, opts_or_null.as_ref(), self::out(out, "out")?) };
        let mut builder = Client::builder(api_key).binding("c");
        if let Some(opts) = opts {
            if let Some(base_url) = &opts.base_url {
                builder = builder.base_url(base_url);
            }
            if let Some(ms) = opts.timeout_ms {
                builder = builder.timeout(Duration::from_millis(ms.into()));
            }
            if let Some(ms) = opts.connect_timeout_ms {
                builder = builder.connect_timeout(Duration::from_millis(ms.into()));
            }
            if let Some(retries) = opts.max_retries {
                builder = builder.max_retries(retries);
            }
            if let Some(on) = opts.proxy_from_env {
                builder = builder.proxy_from_env(on);
            }
            if let Some(proxy) = &opts.proxy {
                builder = builder.proxy(proxy);
            }
            if let Some(hosts) = &opts.no_proxy {
                builder = builder.no_proxy(hosts);
            }
            if let Some(path) = &opts.ca_file {
                builder = builder.ca_file(path);
            }
            builder = builder.platform_roots(opts.platform_roots);
            if let Some(suffix) = &opts.user_agent_suffix {
                builder = builder.user_agent_suffix(suffix);
            }
            if let Some((callback, user_data)) = opts.on_attempt {
                builder = builder.on_attempt(crate::call::hook(callback, user_data));
            }
        }
        let client = builder.build()?;
        out.write(into_handle(faceauth_client { inner: client }));
        Ok(())
    })
}

/// Frees a client, wiping its API key. NULL is allowed and does nothing. Listings made from it
/// (faceauth_records) stay usable.
///
/// Thread safety: call it once, after every other use of `c` on every thread has returned.
///
/// # Safety
/// `c` is NULL or a client from faceauth_client_new, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_free(c: *mut faceauth_client) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises c is NULL or a live client, freed only now.
        unsafe { free_handle(c) }
    })
}

/// Compares a selfie with an approved ID check submission (POST /faceauth).
///
/// `image`: `image_len` bytes of a JPEG or PNG (its content type is read from its first bytes;
/// the file name sent is "face.jpg"). `user_id`, `cf1`, `cf2`, `cf3`: sent when not NULL.
///
/// A rejected face is not an error: `*out_json` receives the API's answer, whatever its
/// `auth_status` — the same JSON as `faceauth auth submit` prints, the response as received:
/// `{"authentication_id": "…", "auth_status": "approved" | "rejected", "create_time": "…",
/// "score": {…}, "fail_code": […], "rejected_comment": […]}` (the last two when rejected).
///
/// Not repeated once the request may have reached the server: Argos has no idempotency key. A
/// timeout or broken connection after sending fails with FACEAUTH_STATUS_API_TIMEOUT or
/// FACEAUTH_STATUS_API_CONNECTION, and its message says the selfie may have been recorded:
/// look for it with faceauth_client_list (that day's dates) before submitting again.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// The arguments are only borrowed.
/// NULL handling: `c`, `submission_id` and `out_json` must not be NULL, nor `image` unless
/// `image_len` is 0 (an empty image is refused anyway); `user_id`, `cf1`, `cf2`, `cf3` and
/// `out_err` may be NULL.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty submission id or image, a field holding the
/// multipart boundary); the API statuses, 300–309 (with the HTTP status on the error object
/// when a response arrived: FACEAUTH_STATUS_API_INVALID_REQUEST, 400, for a submission that is
/// unknown or not approved; FACEAUTH_STATUS_API_AUTHENTICATION, 403, for a wrong key; …).
///
/// # Safety
/// `c` is NULL or a live client; strings are NULL or NUL-terminated; `image` is NULL or
/// readable for `image_len` bytes; `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_submit(
    c: *const faceauth_client,
    submission_id: *const c_char,
    image: *const u8,
    image_len: usize,
    user_id: *const c_char,
    cf1: *const c_char,
    cf2: *const c_char,
    cf3: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_submit", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let out_json = unsafe { out(out_json, "out_json")? };
        // SAFETY: as above.
        let result = unsafe { submit(c, None, submission_id, image, image_len, [user_id, cf1, cf2, cf3])? };
        out_json.write(into_c_string(result.to_json().to_string(), "the result JSON")?);
        Ok(())
    })
}

/// faceauth_client_submit with call options: `call_opts_or_null` (NULL for none) may carry a cancel handle
/// (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole call
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_submit, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_submit; `call_opts_or_null` is NULL or live call options no other thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_submit_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    submission_id: *const c_char,
    image: *const u8,
    image_len: usize,
    user_id: *const c_char,
    cf1: *const c_char,
    cf2: *const c_char,
    cf3: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_submit_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let out_json = unsafe { out(out_json, "out_json")? };
        // SAFETY: as above; as_ref checks NULL.
        let result = unsafe {
            submit(c, call_opts_or_null.as_ref(), submission_id, image, image_len, [user_id, cf1, cf2, cf3])?
        };
        out_json.write(into_c_string(result.to_json().to_string(), "the result JSON")?);
        Ok(())
    })
}

/// The body of faceauth_client_submit, faceauth_client_submit_with and
/// faceauth_client_submit_result: checks the arguments, sends the submission (with the call
/// options, if any) and returns the API's answer. `fields`: user_id, cf1, cf2, cf3, each NULL
/// or sent.
///
/// # Safety
/// As faceauth_client_submit's.
pub(crate) unsafe fn submit(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    submission_id: *const c_char,
    image: *const u8,
    image_len: usize,
    fields: [*const c_char; 4],
) -> Result<AuthResult, Failure> {
    let [user_id, cf1, cf2, cf3] = fields;
    // SAFETY: forwarded from the caller.
    let (c, submission_id) = unsafe { (handle(c, "c")?, text(submission_id, "submission_id")?) };
    // SAFETY: as above.
    let (user_id, cf1, cf2, cf3) = unsafe {
        (
            optional_text(user_id, "user_id")?,
            optional_text(cf1, "cf1")?,
            optional_text(cf2, "cf2")?,
            optional_text(cf3, "cf3")?,
        )
    };
    let image: &[u8] = match (image.is_null(), image_len) {
        (_, 0) => &[],
        (true, _) => return Err(Failure::null("image")),
        // SAFETY: image is not NULL and the caller promises image_len readable bytes there,
        // left unchanged for the call.
        (false, len) => unsafe { std::slice::from_raw_parts(image, len) },
    };
    let mut submission = Submission::new(submission_id, image);
    if let Some(value) = user_id {
        submission = submission.user_id(value);
    }
    if let Some(value) = cf1 {
        submission = submission.cf1(value);
    }
    if let Some(value) = cf2 {
        submission = submission.cf2(value);
    }
    if let Some(value) = cf3 {
        submission = submission.cf3(value);
    }
    Ok(c.inner.submit_with(&faceauth_call_options::for_call(opts), &submission)?)
}

/// Reads one result (GET /faceauth?authId=…).
///
/// `*out_json` receives the same JSON as `faceauth auth get` prints: the row as the API sent
/// it (`auth_id`, `auth_status`, `create_time`, `submit_type`, `kyc_submission_id`,
/// `delete_check`, `policy`, `result`, …), with the project's `faceAuth_projectId`.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `c`, `auth_id` and `out_json` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty id, or one with a control character);
/// FACEAUTH_STATUS_API_NOT_FOUND (no such result: Argos's HTTP 400 NOT_FOUND, or a success
/// answer without that row); the other API statuses,
/// 300–309, with the HTTP status on the error object when a response arrived.
///
/// # Safety
/// `c` is NULL or a live client; `auth_id` is NULL or NUL-terminated; `out_json` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_get(
    c: *const faceauth_client,
    auth_id: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_get", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { get_call(c, None, auth_id, out_json) }
    })
}

/// faceauth_client_get with call options: `call_opts_or_null` (NULL for none) may carry a cancel handle
/// (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole call
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_get, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_get; `call_opts_or_null` is NULL or live call options no other thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_get_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    auth_id: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_get_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { get_call(c, call_opts_or_null.as_ref(), auth_id, out_json) }
    })
}

/// Starts a listing of results (GET /faceauth): every result, or those created from
/// `start_date` to `end_date` inclusive (both `yyyy-mm-dd`, UTC), newest first, in pages of
/// `count` rows (1 to 2000; 0 for the server's default, 2000).
///
/// Nothing is sent yet: faceauth_records_next fetches each page when it needs it, following the
/// API's `nextPage_key` (see faceauth_records_next and faceauth_records_incomplete).
///
/// Ownership: on success `*out` receives a new listing, freed with faceauth_records_free. It does
/// not borrow `c` (it may outlive it).
/// NULL handling: `c` and `out` must not be NULL; `start_date` and `end_date` are both NULL
/// (every date) or both not NULL; `out_err` may be NULL.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (one date without the other, a malformed or impossible
/// date, a start after the end, or a count over 2000).
///
/// # Safety
/// `c` is NULL or a live client; the dates are NULL or NUL-terminated; `out` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_list(
    c: *const faceauth_client,
    start_date: *const c_char,
    end_date: *const c_char,
    count: u32,
    out: *mut *mut faceauth_records,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_list", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { list_call(c, None, start_date, end_date, count, out) }
    })
}

/// faceauth_client_list with call options: `call_opts_or_null` (NULL for none) may carry a cancel handle
/// (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole call
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_list, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_list; `call_opts_or_null` is NULL or live call options no other thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_list_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    start_date: *const c_char,
    end_date: *const c_char,
    count: u32,
    out: *mut *mut faceauth_records,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_list_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { list_call(c, call_opts_or_null.as_ref(), start_date, end_date, count, out) }
    })
}

/// The next row of a listing, fetching the next page when the current one is used up.
///
/// On success, `*out_json_or_null_at_end` receives the next row, as a new string with the same
/// JSON as faceauth_client_get (and as each line of `faceauth auth list`), or NULL when the
/// listing has ended: the end is FACEAUTH_STATUS_OK with NULL. Once ended, every further call
/// gives the end again. After the end, ask faceauth_records_incomplete whether rows may be missing.
/// Each row comes once, and a listing always ends, even when the server's page keys loop.
///
/// A page that fails to load fails this call with its status (the row before it was the last);
/// the listing has then ended, and the next call gives the end.
///
/// Ownership: a row is a new string, freed with faceauth_string_free.
/// NULL handling: `it` and `out_json_or_null_at_end` must not be NULL; `out_err` may be.
/// Thread safety: `it` is used by one thread at a time.
///
/// Statuses: FACEAUTH_STATUS_OK (a row, or NULL at the end); FACEAUTH_STATUS_NULL_POINTER; the
/// API statuses, 300–309, with the HTTP status on the error object when a response arrived.
///
/// # Safety
/// `it` is NULL or a live listing no other thread uses; `out_json_or_null_at_end` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_records_next(
    it: *mut faceauth_records,
    out_json_or_null_at_end: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_records_next", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (it, out_json) =
            unsafe { (handle_mut(it, "it")?, out(out_json_or_null_at_end, "out_json_or_null_at_end")?) };
        match it.next_record()? {
            Some(record) => {
                let json = record.to_json().to_string();
                out_json.write(into_c_string(json, "the result JSON")?);
            }
            None => out_json.write(std::ptr::null_mut()),
        }
        Ok(())
    })
}

/// Once faceauth_records_next has given the end: why the listing may lack rows (a full page came
/// without `nextPage_key` and its rows gave no way to reach the rest: ask for bigger pages or
/// shorter date ranges; or the server named a page already fetched, or sent a page of rows
/// already returned, and the listing stopped instead of looping), or NULL when every row was
/// returned. NULL, too, before the end.
///
/// Ownership: borrowed from `it`, valid until faceauth_records_free(it); never free it.
/// NULL handling: a NULL `it` gives NULL. Thread safety: as faceauth_records. Never fails.
///
/// # Safety
/// `it` is NULL or a live listing no other thread is changing.
#[no_mangle]
pub unsafe extern "C" fn faceauth_records_incomplete(it: *const faceauth_records) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises it is NULL or a live listing.
        match unsafe { handle(it, "it") } {
            Ok(list) => list.incomplete.as_ref().map_or(std::ptr::null(), |reason| reason.as_ptr()),
            Err(_) => std::ptr::null(),
        }
    })
}

/// Frees a listing, ended or not. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `it` has returned.
///
/// # Safety
/// `it` is NULL or a listing from faceauth_client_list, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_records_free(it: *mut faceauth_records) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises it is NULL or a live listing, freed only now.
        unsafe { free_handle(it) }
    })
}

/// Fetches the selfie of a result (GET /faceauth/image?authId=…), decoded from the API's base64.
///
/// Ownership: on success `*out_data` is filled with the image's bytes, freed with
/// faceauth_buf_free (never empty), and `*out_content_type` receives a new string read from the
/// bytes ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/bmp" or
/// "application/octet-stream"), freed with faceauth_string_free. Both or neither are written.
/// NULL handling: `c`, `auth_id`, `out_data` and `out_content_type` must not be NULL; `out_err`
/// may be.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty id, or one with a control character);
/// FACEAUTH_STATUS_API_NOT_FOUND (HTTP 400 NOT_FOUND: an unknown id, or an erased image);
/// FACEAUTH_STATUS_API_DECODE (the body is not base64); the other API statuses, 300–309, with
/// the HTTP status on the error object when a response arrived.
///
/// # Safety
/// `c` is NULL or a live client; `auth_id` is NULL or NUL-terminated; `out_data`,
/// `out_content_type` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_image(
    c: *const faceauth_client,
    auth_id: *const c_char,
    out_data: *mut faceauth_buf,
    out_content_type: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_image", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { image_call(c, None, auth_id, out_data, out_content_type) }
    })
}

/// faceauth_client_image with call options: `call_opts_or_null` (NULL for none) may carry a cancel handle
/// (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole call
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_image, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_image; `call_opts_or_null` is NULL or live call options no other thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_image_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    auth_id: *const c_char,
    out_data: *mut faceauth_buf,
    out_content_type: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_image_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { image_call(c, call_opts_or_null.as_ref(), auth_id, out_data, out_content_type) }
    })
}

/// Erases the image and personal data of a result (DELETE /faceauth?authId=…).
///
/// If a lost answer made the library repeat the request and the repeat finds nothing to
/// erase, the first attempt did the work, and this returns FACEAUTH_STATUS_OK.
///
/// NULL handling: `c` and `auth_id` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty id, or one with a control character);
/// FACEAUTH_STATUS_API_NOT_FOUND (HTTP 400 NOT_FOUND: an unknown or already erased id);
/// FACEAUTH_STATUS_API_DECODE (a success status without Argos's `{"message": "success"}`); the
/// other API statuses, 300–309, with the HTTP status on the error object when a response
/// arrived.
///
/// # Safety
/// `c` is NULL or a live client; `auth_id` is NULL or NUL-terminated; `out_err` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_delete(
    c: *const faceauth_client,
    auth_id: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_delete", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { delete_call(c, None, auth_id) }
    })
}

/// faceauth_client_delete with call options: `call_opts_or_null` (NULL for none) may carry a cancel handle
/// (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole call
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_delete, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_delete; `call_opts_or_null` is NULL or live call options no other thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_delete_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    auth_id: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_delete_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { delete_call(c, call_opts_or_null.as_ref(), auth_id) }
    })
}

/// The body of faceauth_client_get and faceauth_client_get_with.
///
/// # Safety
/// As faceauth_client_get.
unsafe fn get_call(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    auth_id: *const c_char,
    out_json: *mut *mut c_char,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract (the export's) covers every pointer.
    let (c, auth_id, out_json) =
        unsafe { (handle(c, "c")?, text(auth_id, "auth_id")?, out(out_json, "out_json")?) };
    let record = c.inner.get_with(&faceauth_call_options::for_call(opts), auth_id)?;
    out_json.write(into_c_string(record.to_json().to_string(), "the result JSON")?);
    Ok(())
}

/// The body of faceauth_client_list and faceauth_client_list_with.
///
/// # Safety
/// As faceauth_client_list.
unsafe fn list_call(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    start_date: *const c_char,
    end_date: *const c_char,
    count: u32,
    out: *mut *mut faceauth_records,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract (the export's) covers every pointer.
    let (c, start_date, end_date, out) = unsafe {
        (
            handle(c, "c")?,
            optional_text(start_date, "start_date")?,
            optional_text(end_date, "end_date")?,
            self::out(out, "out")?,
        )
    };
    let mut query = ListQuery::new();
    match (start_date, end_date) {
        (Some(start), Some(end)) => query = query.dates(start, end),
        (None, None) => {}
        _ => {
            return Err(Failure::new(
                faceauth_status::InvalidArgument,
                "start_date and end_date go together: give both or neither".to_owned(),
            ))
        }
    }
    if count != 0 {
        query = query.count(count);
    }
    let records = c.inner.clone().into_list_with(&faceauth_call_options::for_call(opts), &query)?;
    out.write(into_handle(faceauth_records { records, incomplete: None }));
    Ok(())
}

/// The body of faceauth_client_image and faceauth_client_image_with.
///
/// # Safety
/// As faceauth_client_image.
unsafe fn image_call(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    auth_id: *const c_char,
    out_data: *mut faceauth_buf,
    out_content_type: *mut *mut c_char,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract (the export's) covers every pointer.
    let (c, auth_id, out_data, out_content_type) = unsafe {
        (
            handle(c, "c")?,
            text(auth_id, "auth_id")?,
            out(out_data, "out_data")?,
            out(out_content_type, "out_content_type")?,
        )
    };
    let image = c.inner.image_with(&faceauth_call_options::for_call(opts), auth_id)?;
    let content_type = into_c_string(image.content_type.to_owned(), "the content type")?;
    out_content_type.write(content_type);
    out_data.write(faceauth_buf::from_vec(image.bytes));
    Ok(())
}

/// The body of faceauth_client_delete and faceauth_client_delete_with.
///
/// # Safety
/// As faceauth_client_delete.
unsafe fn delete_call(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    auth_id: *const c_char,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract (the export's) covers every pointer.
    let (c, auth_id) = unsafe { (handle(c, "c")?, text(auth_id, "auth_id")?) };
    c.inner.delete_with(&faceauth_call_options::for_call(opts), auth_id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use super::*;
    use crate::memory::faceauth_string_free;

    /// A loopback server that answers every request with the same full page of two rows in the
    /// older flat shape (no `nextPage_key`), whatever the paging keys: a server that ignores
    /// them. Returns its base URL.
    fn server_ignoring_paging_keys() -> String {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0") else { panic!("cannot listen on loopback") };
        let Ok(addr) = listener.local_addr() else { panic!("no local address") };
        std::thread::spawn(move || {
            let body = r#"[{"auth_id":"r1","create_time":"2025-03-01T00:00:02.000Z"},{"auth_id":"r2","create_time":"2025-03-01T00:00:01.000Z"}]"#;
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = (&stream).write_all(answer.as_bytes());
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn a_listing_that_cannot_be_known_complete_says_why_after_its_end() {
        let url = CString::new(server_ignoring_paging_keys()).unwrap_or_default();
        let opts = faceauth_client_options {
            base_url: Some(url.to_string_lossy().into_owned()),
            max_retries: Some(0),
            ..faceauth_client_options::default()
        };
        let (mut client, mut list) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the strings are NUL-terminated, opts and the out-params are valid for the calls.
        unsafe {
            let status =
                faceauth_client_new(c"a-test-key".as_ptr(), &opts, &mut client, std::ptr::null_mut());
            assert_eq!(status, faceauth_status::Ok);
            let status = faceauth_client_list(
                client,
                std::ptr::null(),
                std::ptr::null(),
                2,
                &mut list,
                std::ptr::null_mut(),
            );
            assert_eq!(status, faceauth_status::Ok);
            faceauth_client_free(client);
        }
        let mut rows = Vec::new();
        loop {
            let mut row: *mut c_char = std::ptr::null_mut();
            // SAFETY: list is live and used by this thread only; row is writable.
            let status = unsafe { faceauth_records_next(list, &mut row, std::ptr::null_mut()) };
            assert_eq!(status, faceauth_status::Ok);
            if row.is_null() {
                break;
            }
            // SAFETY: row is a string from faceauth_records_next, freed once.
            unsafe {
                rows.push(CStr::from_ptr(row).to_string_lossy().into_owned());
                faceauth_string_free(row);
            }
            assert!(rows.len() <= 2, "the listing loops: {rows:?}");
        }
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].contains(r#""auth_id":"r1""#), "{rows:?}");
        // SAFETY: list is live; the reason is borrowed from it until it is freed.
        let reason = unsafe { faceauth_records_incomplete(list) };
        assert!(!reason.is_null(), "no reason given");
        // SAFETY: not NULL, and NUL-terminated by faceauth_records_incomplete's contract.
        let reason = unsafe { CStr::from_ptr(reason) }.to_string_lossy();
        assert!(
            reason.contains("without nextPage_key") && reason.contains("more rows may exist"),
            "{reason}"
        );
        // SAFETY: list came from faceauth_client_list and is freed once.
        unsafe { faceauth_records_free(list) };
    }
}
