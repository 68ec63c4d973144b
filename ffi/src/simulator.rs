//! `faceauth_simulator`: the FaceAuth simulator (`faceauth_mock::MockServer`) in the caller's
//! process, for C, C++ and Go tests that need no `faceauth` command.
//!
//! The server and its threads live in the mock crate; this module starts it from a JSON
//! configuration and drives it through its `/_mock/` control endpoints, as Python's
//! `faceauth.testing.Simulator` does.

use std::ffi::{c_char, CString};
use std::sync::{Mutex, PoisonError};

use faceauth_mock::{client, MockConfig, MockServer, TokenRule};
use serde_json::{json, Value};
use zeroize::Zeroize;

use crate::boundary::{free_handle, handle, into_handle, optional_text, out, text, Out};
use crate::error::{faceauth_error, Failure};
use crate::memory::into_c_string;
use crate::status::faceauth_status;

/// A FaceAuth simulator running in this process on a loopback port: the REST API, the hosted
/// page and the webhooks, with a mock clock and fault injection (see faceauth_simulator_start).
///
/// Made by faceauth_simulator_start, freed by faceauth_simulator_free. Thread-safe: every
/// function may be called from any thread, concurrently, on one simulator (the server serves
/// each request on its own worker threads); only faceauth_simulator_free needs every other
/// call on it to have returned.
pub struct faceauth_simulator {
    /// The server and the agent that talks to it; `None` once stopped.
    running: Mutex<Option<Running>>,
    /// `http://127.0.0.1:PORT`, kept after a stop so the borrowed string stays valid.
    base_url: CString,
}

/// A running server, and the HTTP agent of the control requests.
struct Running {
    server: MockServer,
    agent: ureq::Agent,
}

impl faceauth_simulator {
    /// The agent of the running server, or the error of a stopped one.
    fn agent(&self) -> Result<ureq::Agent, Failure> {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.as_ref().map(|r| r.agent.clone()).ok_or_else(|| {
            Failure::new(faceauth_status::InvalidArgument, "the simulator is stopped".to_owned())
        })
    }

    fn base(&self) -> &str {
        self.base_url.to_str().unwrap_or_default()
    }

    /// Stops the server and joins its threads; nothing if already stopped.
    fn stop(&self) {
        let taken = self.running.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(running) = taken {
            running.server.shutdown();
        }
    }

    /// A request to the simulator: its status and body.
    fn send(&self, method: &str, url: &str, body: Option<&Value>) -> Result<(u16, Vec<u8>), Failure> {
        client::send(&self.agent()?, method, url, body).map_err(|e| unanswered(&e))
    }

    /// A control request under `/_mock/`; a refusal is FACEAUTH_STATUS_INVALID_ARGUMENT with
    /// the simulator's words.
    fn control(&self, method: &str, what: &str, body: Option<&Value>) -> Result<Value, Failure> {
        let url = format!("{}/_mock/{what}", self.base());
        let (status, bytes) = self.send(method, &url, body)?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == 200 {
            return Ok(value);
        }
        let reason = value.get("error").and_then(Value::as_str).unwrap_or("refused");
        Err(Failure::new(faceauth_status::InvalidArgument, format!("the simulator refused {what}: {reason}")))
    }
}

/// A control or page request that got no answer.
fn unanswered(error: &dyn std::fmt::Display) -> Failure {
    Failure::new(faceauth_status::ApiConnection, format!("the simulator did not answer: {error}"))
}

fn invalid(message: String) -> Failure {
    Failure::new(faceauth_status::InvalidArgument, message)
}

/// Wipes every string in a JSON value (the configuration's keys among them).
fn wipe_value(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_value),
        Value::Object(map) => map.values_mut().for_each(wipe_value),
        _ => {}
    }
}

/// The configuration from its JSON: the fields of a `faceauth mock --seed` file, where
/// `token_rule` may also be Python's string form (`"count"`, `"time:SECONDS"`, `"off"`) and a
/// submission a bare id. The SDK's key rule applies to every key; no message quotes a key.
fn parse_config(text: &str) -> Result<MockConfig, Failure> {
    let text = if text.trim().is_empty() { "{}" } else { text };
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("invalid simulator configuration: {e}")))?;
    let result = config_from_value(&mut value);
    wipe_value(&mut value);
    result
}

fn config_from_value(value: &mut Value) -> Result<MockConfig, Failure> {
    let Some(object) = value.as_object_mut() else {
        return Err(invalid("invalid simulator configuration: expected a JSON object".to_owned()));
    };
    if let Some(Value::String(rule)) = object.get("token_rule") {
        let rule = TokenRule::parse_flag(rule)
            .map_err(|e| invalid(format!("invalid simulator configuration: {e}")))?;
        let rule = serde_json::to_value(rule).map_err(|e| invalid(format!("invalid token_rule: {e}")))?;
        object.insert("token_rule".to_owned(), rule);
    }
    if let Some(Value::Array(submissions)) = object.get_mut("submissions") {
        for submission in submissions.iter_mut() {
            if let Value::String(id) = submission {
                *submission = json!({ "id": std::mem::take(id) });
            }
        }
    }
    // Moves the strings (keys included) into the configuration rather than copying them.
    let config: MockConfig = serde_json::from_value(value.take())
        .map_err(|e| invalid(format!("invalid simulator configuration: {e}")))?;
    let keys = [
        ("api_key", Some(&config.api_key)),
        ("url_key", config.url_key.as_ref()),
        ("webhook_key", config.webhook_key.as_ref()),
    ];
    let refused = keys.into_iter().find_map(|(field, key)| {
        let error = faceauth::crypto::check_key_text(key?).err()?;
        Some(Failure::new(error.kind().into(), format!("invalid simulator configuration: {field}: {error}")))
    });
    match refused {
        None => Ok(config),
        Some(failure) => {
            let mut config = config;
            config.api_key.zeroize();
            config.url_key.zeroize();
            config.webhook_key.zeroize();
            Err(failure)
        }
    }
}

/// Starts a FaceAuth simulator in this process and gives its handle in `*out_sim`.
///
/// `config_json_or_null` is a JSON object with the fields of a `faceauth mock --seed` file, all
/// optional (NULL or "{}" is every default): "api_key" (default "mock-api-key"),
/// "project_id" ("mock-project"), "url_key" (the key of hosted-page links; default the API
/// key), "scheme" ("ecb", "gcm", "cbc" or a variant id), "token_rule" ("count",
/// "time:SECONDS", "off", or {"kind": "time", "seconds": 60}; default off), "webhook_url",
/// "webhook_key" (webhook bodies encrypted with it), "webhook_shape", "response_shape",
/// "image_format", "allowed_ips", "max_body_bytes", "submissions" (ids, or {"id", "status",
/// "user_id"} objects), "results", "now" (RFC 3339 start of the mock clock), "faults",
/// "limits", "verbose", "host" (default "127.0.0.1") and "port" (default 0: a free port).
/// An unknown field is refused (it is usually a typo). Keys follow the SDK's key rule; they
/// are never quoted in an error, and the library wipes its copies of them when it is done with
/// them (the caller's `config_json_or_null` is only read).
///
/// The simulator serves on its own threads until faceauth_simulator_stop or
/// faceauth_simulator_free, which joins them.
///
/// Ownership: on success `*out_sim` receives a new simulator, freed with faceauth_simulator_free.
/// NULL handling: `config_json_or_null` may be NULL; `out_sim` must not be NULL; `out_err` may be
/// NULL. Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (not JSON, an unknown field, a value of the wrong type or
/// out of range, an unknown scheme); FACEAUTH_STATUS_INVALID_KEY (an empty key, or one with leading or trailing
/// white space); FACEAUTH_STATUS_API_CONNECTION (the address cannot be bound or a thread cannot
/// start).
///
/// # Safety
/// `config_json_or_null` is NULL or NUL-terminated; `out_sim` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_start(
    config_json_or_null: *const c_char,
    out_sim: *mut *mut faceauth_simulator,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_start", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (config_json, out_sim) =
            unsafe { (optional_text(config_json_or_null, "config_json_or_null")?, out(out_sim, "out_sim")?) };
        let config = parse_config(config_json.unwrap_or("{}"))?;
        let server = MockServer::start(config).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput => invalid(format!("invalid simulator configuration: {e}")),
            _ => Failure::new(faceauth_status::ApiConnection, format!("cannot start the simulator: {e}")),
        })?;
        let base_url = CString::new(server.base_url())
            .map_err(|_| invalid("the base URL holds a NUL byte".to_owned()))?;
        let agent = client::agent();
        out_sim.write(into_handle(faceauth_simulator {
            running: Mutex::new(Some(Running { server, agent })),
            base_url,
        }));
        Ok(())
    })
}

/// The simulator's base URL, such as "http://127.0.0.1:41234": the REST base URL
/// of a client and the hosted page's base URL at once.
///
/// Ownership: borrowed from `s`, valid until faceauth_simulator_free(s) (also after
/// faceauth_simulator_stop); never free it. NULL handling: a NULL `s` gives "" (a static empty
/// string), never NULL. Thread safety: any thread.
///
/// # Safety
/// `s` is NULL or a simulator from faceauth_simulator_start that was not freed.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_base_url(s: *const faceauth_simulator) -> *const c_char {
    ffi_boundary!(infallible c"".as_ptr(), {
        // SAFETY: the caller promises s is NULL or a live simulator.
        match unsafe { handle(s, "s") } {
            Ok(simulator) => simulator.base_url.as_ptr(),
            Err(_) => c"".as_ptr(),
        }
    })
}

/// Runs one control request of a simulator export: checks the handle and the optional JSON
/// body, sends it, and writes the answer's JSON to `out_json` when there is one.
///
/// # Safety
/// `s` is NULL or a live simulator; `body_json` is NULL or NUL-terminated.
unsafe fn control_call(
    s: *const faceauth_simulator,
    method: &str,
    what: &str,
    body_json: *const c_char,
    body_name: &'static str,
    out_json: Option<Out<*mut c_char>>,
) -> Result<Value, Failure> {
    // SAFETY: forwarded from the caller.
    let (simulator, body) = unsafe { (handle(s, "s")?, optional_text(body_json, body_name)?) };
    let body = body
        .map(|text| {
            serde_json::from_str::<Value>(text).map_err(|e| invalid(format!("{body_name} is not JSON: {e}")))
        })
        .transpose()?;
    let answer = simulator.control(method, what, body.as_ref())?;
    if let Some(out_json) = out_json {
        out_json.write(into_c_string(answer.to_string(), "the simulator's answer")?);
    }
    Ok(answer)
}

/// Adds (or replaces) an ID check submission: `submission_json` is {"id": "sub_1"} with
/// optional "status" (default "approved"; only approved submissions can be re-authenticated)
/// and "user_id". Unknown fields are refused.
///
/// NULL handling: `s` and `submission_json` must not be NULL; `out_err` may be NULL.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (not JSON, refused by the simulator, or the simulator is
/// stopped); FACEAUTH_STATUS_API_CONNECTION (the simulator did not answer).
///
/// # Safety
/// `s` is NULL or a live simulator; `submission_json` is NULL or NUL-terminated; `out_err` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_add_submission(
    s: *const faceauth_simulator,
    submission_json: *const c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_add_submission", out_err, {
        if submission_json.is_null() {
            return Err(Failure::null("submission_json"));
        }
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { control_call(s, "POST", "submissions", submission_json, "submission_json", None) }.map(drop)
    })
}

/// Creates results at once (for paging tests): `results_json` is {"count": N} with optional
/// "submission_id", "auth_status" (default "approved"), "start" (RFC 3339; default the mock
/// clock) and "step_seconds" (default 1). `*out_created_or_null`, when not NULL, receives how
/// many were made.
///
/// NULL handling: `s` and `results_json` must not be NULL; `out_created_or_null` and `out_err`
/// may be NULL. Thread safety: any thread.
///
/// Statuses: as faceauth_simulator_add_submission.
///
/// # Safety
/// `s` is NULL or a live simulator; `results_json` is NULL or NUL-terminated;
/// `out_created_or_null` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_add_results(
    s: *const faceauth_simulator,
    results_json: *const c_char,
    out_created_or_null: *mut u64,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_add_results", out_err, {
        if results_json.is_null() {
            return Err(Failure::null("results_json"));
        }
        // SAFETY: the caller's contract above covers every pointer.
        let answer = unsafe { control_call(s, "POST", "results", results_json, "results_json", None)? };
        if !out_created_or_null.is_null() {
            // SAFETY: not NULL, and the caller promises it is writable.
            unsafe { out_created_or_null.write(answer.get("created").and_then(Value::as_u64).unwrap_or(0)) };
        }
        Ok(())
    })
}

/// Does what the user's browser does with a FaceAuth link: GETs the hosted page, which decrypts
/// the link, applies the token rule, records a result and sends the webhooks. `result_or_null`
/// is NULL, "approved" or "rejected" (the face fails to match).
///
/// `*out_json` receives {"status": 200, "json": {"auth_id": …, "auth_status": …}} for a
/// recorded result, or an error status (400 for a bad link, 410 for a spent token) with
/// {"error": …} in "json": the page's answer, not a failure of this call. Only this simulator's
/// pages are visited (`url` must start with its base URL and "/").
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `s`, `url` and `out_json` must not be NULL; `result_or_null` and `out_err`
/// may be NULL. Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (another server's URL, a `result_or_null` other than
/// "approved" or "rejected", or the simulator is stopped); FACEAUTH_STATUS_API_CONNECTION (the
/// simulator did not answer).
///
/// # Safety
/// `s` is NULL or a live simulator; `url` and `result_or_null` are NULL or NUL-terminated;
/// `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_open(
    s: *const faceauth_simulator,
    url: *const c_char,
    result_or_null: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_open", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (simulator, url, result, out_json) = unsafe {
            (
                handle(s, "s")?,
                text(url, "url")?,
                optional_text(result_or_null, "result_or_null")?,
                out(out_json, "out_json")?,
            )
        };
        let base = simulator.base();
        if !url.strip_prefix(base).is_some_and(|rest| rest.starts_with('/')) {
            return Err(invalid(format!("the simulator opens only its own pages, under {base}/")));
        }
        let url = match result {
            None => url.to_owned(),
            Some(result @ ("approved" | "rejected")) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mock_result={result}")
            }
            Some(_) => return Err(invalid("result_or_null must be \"approved\" or \"rejected\"".to_owned())),
        };
        let (status, bytes) = simulator.send("GET", &url, None)?;
        let page = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "error": String::from_utf8_lossy(&bytes) }));
        let visit = json!({ "status": status, "json": page });
        out_json.write(into_c_string(visit.to_string(), "the page's answer")?);
        Ok(())
    })
}

/// Every webhook the simulator sent (or tried to send), oldest first, as a JSON array of the
/// bodies a receiver got, parsed (an encrypted webhook is its {"data": "…"} form; a body that
/// was not JSON is a string). Kept whether or not a "webhook_url" is configured. Give a body,
/// serialised, to faceauth_webhook_parse or faceauth_ledger_apply_webhook.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `s` and `out_json` must not be NULL; `out_err` may be NULL.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_ARGUMENT
/// (the simulator is stopped); FACEAUTH_STATUS_API_CONNECTION (it did not answer).
///
/// # Safety
/// `s` is NULL or a live simulator; `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_webhooks(
    s: *const faceauth_simulator,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_webhooks", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let out_json = unsafe { out(out_json, "out_json")? };
        // SAFETY: as above.
        unsafe { control_call(s, "GET", "webhooks", std::ptr::null(), "body", Some(out_json)) }.map(drop)
    })
}

/// Moves the mock clock by `seconds` (negative moves it back); token time rules and result
/// times follow it. `*out_now_or_null`, when not NULL, receives the new time (RFC 3339).
///
/// Ownership: `*out_now_or_null` receives a new string, freed with faceauth_string_free.
/// NULL handling: `s` must not be NULL; `out_now_or_null` and `out_err` may be NULL.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_ARGUMENT
/// (`seconds` not finite or out of range, or the simulator is stopped);
/// FACEAUTH_STATUS_API_CONNECTION (it did not answer).
///
/// # Safety
/// `s` is NULL or a live simulator; `out_now_or_null` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_advance_clock(
    s: *const faceauth_simulator,
    seconds: f64,
    out_now_or_null: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_advance_clock", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let simulator = unsafe { handle(s, "s")? };
        if !seconds.is_finite() {
            return Err(invalid("seconds must be a finite number".to_owned()));
        }
        let answer = simulator.control("POST", "clock", Some(&json!({ "advance_seconds": seconds })))?;
        if !out_now_or_null.is_null() {
            let now = answer.get("now").and_then(Value::as_str).unwrap_or_default().to_owned();
            let now = into_c_string(now, "the clock")?;
            // SAFETY: not NULL, and the caller promises it is writable.
            unsafe { out_now_or_null.write(now) };
        }
        Ok(())
    })
}

/// Changes fault injection on the REST API (only the settings given) and gives them all in
/// `*out_json_or_null`. `faults_json_or_null` is NULL (change nothing) or an object with any of
/// the names of Python's `Simulator.faults`: "latency_ms" (before each request), "error_rate"
/// and "drop_rate" (0 to 1, dice from "seed"), "seed", "fail_next" (the next N requests answer
/// "fail_status", default 502), "fail_status", "drop_next" (the next N close without an
/// answer), "lose_next" (the next N are processed, then close unanswered).
///
/// Ownership: `*out_json_or_null` receives a new string, freed with faceauth_string_free.
/// NULL handling: `s` must not be NULL; the others may be. Thread safety: any thread.
///
/// Statuses: as faceauth_simulator_add_submission.
///
/// # Safety
/// `s` is NULL or a live simulator; `faults_json_or_null` is NULL or NUL-terminated;
/// `out_json_or_null` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_faults(
    s: *const faceauth_simulator,
    faults_json_or_null: *const c_char,
    out_json_or_null: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_faults", out_err, {
        if !faults_json_or_null.is_null() {
            // SAFETY: the caller's contract above covers every pointer.
            unsafe { control_call(s, "POST", "faults", faults_json_or_null, "faults_json_or_null", None)? };
        }
        // SAFETY: as above; NULL is checked by NonNull in `out`.
        let out_json = unsafe { out(out_json_or_null, "out_json_or_null") }.ok();
        // SAFETY: as above.
        unsafe { control_call(s, "GET", "faults", std::ptr::null(), "body", out_json) }.map(drop)
    })
}

/// Reads one of the simulator's reports as JSON: `what` is "requests" (request counts by REST
/// route, received and processed), "state" (results, tokens, submissions and webhook
/// deliveries; never its keys) or "clock" ({"now": RFC 3339}).
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `s`, `what` and `out_json` must not be NULL; `out_err` may be NULL.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (another `what`, or the simulator is stopped);
/// FACEAUTH_STATUS_API_CONNECTION (it did not answer).
///
/// # Safety
/// `s` is NULL or a live simulator; `what` is NULL or NUL-terminated; `out_json` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_report(
    s: *const faceauth_simulator,
    what: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_simulator_report", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (what, out_json) = unsafe { (text(what, "what")?, out(out_json, "out_json")?) };
        if !matches!(what, "requests" | "state" | "clock") {
            return Err(invalid(format!("what must be \"requests\", \"state\" or \"clock\", not {what:?}")));
        }
        // SAFETY: as above.
        unsafe { control_call(s, "GET", what, std::ptr::null(), "body", Some(out_json)) }.map(drop)
    })
}

/// Stops the simulator: it stops accepting, closes its connections and joins its threads
/// before returning. Its state is lost; later calls on `s` fail with
/// FACEAUTH_STATUS_INVALID_ARGUMENT, and faceauth_simulator_base_url still answers. Stopping
/// twice does nothing. NULL is allowed and does nothing.
///
/// Thread safety: any thread; calls in flight on other threads fail or finish.
///
/// # Safety
/// `s` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_stop(s: *const faceauth_simulator) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises s is NULL or a live simulator.
        if let Ok(simulator) = unsafe { handle(s, "s") } {
            simulator.stop();
        }
    })
}

/// Stops the simulator (as faceauth_simulator_stop, joining its threads) and frees it. NULL is
/// allowed and does nothing.
///
/// Thread safety: any thread, once no other thread uses `s`.
///
/// # Safety
/// `s` is NULL or a simulator from faceauth_simulator_start, not freed before; do not use it
/// (or the string of faceauth_simulator_base_url) after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_simulator_free(s: *mut faceauth_simulator) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises s is NULL or a live simulator, freed only now.
        if let Ok(simulator) = unsafe { handle(s, "s") } {
            simulator.stop();
        }
        // SAFETY: as above.
        unsafe { free_handle(s) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(text: &str) -> Failure {
        match parse_config(text) {
            Ok(_) => panic!("{text} was accepted"),
            Err(failure) => failure,
        }
    }

    #[test]
    fn configurations_parse_in_both_forms_and_bad_ones_are_typed_errors() {
        let parsed =
            parse_config(r#"{"token_rule":"time:60","submissions":["s1",{"id":"s2","status":"pending"}]}"#);
        let Ok(config) = parsed else { panic!("the configuration was refused: {parsed:?}") };
        assert_eq!(config.token_rule, Some(TokenRule::Time { seconds: 60 }));
        assert_eq!(config.submissions.len(), 2);
        assert_eq!(config.submissions[1].status, "pending");
        assert!(parse_config("").is_ok() && parse_config("{}").is_ok());

        let unknown = failure(r#"{"api_kee":"x"}"#);
        assert_eq!(unknown.status, faceauth_status::InvalidArgument);
        assert!(failure("[]").status == faceauth_status::InvalidArgument);
        assert!(failure("{").status == faceauth_status::InvalidArgument);
        assert!(failure(r#"{"token_rule":"sometimes"}"#).status == faceauth_status::InvalidArgument);
        let key = failure(r#"{"api_key":" s3cret-key "}"#);
        assert_eq!(key.status, faceauth_status::InvalidKey);
        let printed = format!("{key:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}
