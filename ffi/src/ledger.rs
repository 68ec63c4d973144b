//! `faceauth_ledger`: the token ledger (issued links, what happened to them), in memory or in
//! an SQLite file.

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use faceauth::token::time::parse_rfc3339;
use faceauth::token::{
    open_ledger, IssuedLink, LinkIssuer, ListFilter, StateKind, TokenLedger, TokenRule, WebhookOutcome,
};
use serde_json::{Map, Value};

use crate::boundary::{free_handle, handle, into_handle, optional_text, out, text};
use crate::call::faceauth_call_options;
use crate::crypto::faceauth_cipher;
use crate::error::{faceauth_error, Failure};
use crate::memory::into_c_string;
use crate::status::faceauth_status;
use crate::url::{auth_params, faceauth_auth_params, faceauth_url_builder};

/// A token ledger (opaque): the tokens of the links you issued, and what the webhooks said
/// happened to them (unused, active, completed or expired).
///
/// Thread safety: a faceauth_ledger is thread-safe. Any number of threads may call every
/// faceauth_ledger_* function on the same ledger at once (make one and share it); calls are
/// serialised inside. Free it once, after every other use. A file ledger may also be shared
/// with other processes: a call waits up to 5 seconds for another process's write lock, then
/// fails with FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// Times: every call uses the current time (UTC); times in the JSON are RFC 3339 UTC with
/// milliseconds.
pub struct faceauth_ledger {
    pub(crate) inner: Box<dyn TokenLedger + Send + Sync>,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_ledger>();
};

/// Opens the token ledger at `location`: ":memory:" for a new, empty ledger in this process's
/// memory (gone when freed); the path of an SQLite file, created if missing (its directory
/// must exist), kept across restarts and shareable between processes; or a PostgreSQL database,
/// "postgres://USER:PASSWORD@HOST:PORT/DB" (or "postgresql://…"), shared by many hosts, its
/// tables created if missing (FACEAUTH_STATUS_LEDGER_STORAGE when the server cannot be reached;
/// the password is never in a message). Any other URL names a store this build does not
/// include: FACEAUTH_STATUS_LEDGER_UNSUPPORTED, with only the scheme in the message. An SQLite
/// "file:" URI is refused (FACEAUTH_STATUS_INVALID_ARGUMENT): give the file's path. A new
/// SQLite file is created with mode 0600.
///
/// Ownership: on success `*out` receives a new ledger, freed with faceauth_ledger_free.
/// `location` is only borrowed.
/// NULL handling: `location` and `out` must not be NULL; `out_err` may be.
/// Thread safety: any thread.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (an empty location, a "file:" URI);
/// FACEAUTH_STATUS_LEDGER_UNSUPPORTED;
/// FACEAUTH_STATUS_LEDGER_SCHEMA (a file that is not a faceauth ledger, left untouched, or one
/// from a newer version); FACEAUTH_STATUS_LEDGER_STORAGE (it cannot be opened or created).
///
/// # Safety
/// `location` is NULL or NUL-terminated; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_open(
    location: *const c_char,
    out: *mut *mut faceauth_ledger,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_open", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (location, out) = unsafe { (text(location, "location")?, self::out(out, "out")?) };
        let inner = open_ledger(location)?;
        out.write(into_handle(faceauth_ledger { inner }));
        Ok(())
    })
}

/// Frees a ledger (closing its file). NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `l` on every thread has returned.
///
/// # Safety
/// `l` is NULL or a ledger from faceauth_ledger_open, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_free(l: *mut faceauth_ledger) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises l is NULL or a live ledger, freed only now.
        unsafe { free_handle(l) }
    })
}

/// Issues a link: mints a fresh token, records it in `l` (for `p`'s submission id, user
/// id, under `rule`, with the metadata), and only then returns the URL `b` builds for
/// `p` with that token. Bad parameters record nothing; a failed write hands out no URL.
///
/// `rule`: the project's token rule, "count" or "time:SECONDS" (also "time:24h", "time:90m").
/// `p` must have no token: the token is minted here. `meta_json_or_null`: NULL, or a flat JSON
/// object whose values are strings, such as `{"order": "A-17"}`, kept with the token.
///
/// `*out_json` receives the same JSON as each line of `faceauth ledger issue`:
/// `{"url": "https://…", "token": "tok_…", "rule": "count" | "time:SECONDS"}`.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// Everything else is only borrowed.
/// NULL handling: `l`, `b`, `rule`, `p` and `out_json` must not be NULL; `meta_json_or_null`
/// and `out_err` may be.
/// Thread safety: `l` and `b` may be shared (see faceauth_ledger, faceauth_url_builder).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (a malformed rule, metadata that is not a JSON object of
/// strings or has an empty key, a token set in `p`, a bad field of `p`); FACEAUTH_STATUS_RANDOM_SOURCE;
/// FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `b` is NULL or a live builder; `rule` and `meta_json_or_null`
/// are NULL or NUL-terminated; `p` is NULL or live parameters no other thread changes during the
/// call; `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_issue_url(
    l: *const faceauth_ledger,
    b: *const faceauth_url_builder,
    rule: *const c_char,
    p: *const faceauth_auth_params,
    meta_json_or_null: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_issue_url", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, b, rule, p, meta, out_json) = unsafe {
            (
                handle(l, "l")?,
                handle(b, "b")?,
                text(rule, "rule")?,
                handle(p, "p")?,
                optional_text(meta_json_or_null, "meta_json_or_null")?,
                out(out_json, "out_json")?,
            )
        };
        let link = issue(l, b, rule, p, meta)?;
        out_json.write(into_c_string(link.to_json().to_string(), "the link JSON")?);
        Ok(())
    })
}

/// The body of faceauth_ledger_issue_url (and faceauth_ledger_issue_link): mints, records and
/// builds the link.
pub(crate) fn issue(
    l: &faceauth_ledger,
    b: &faceauth_url_builder,
    rule: &str,
    p: &faceauth_auth_params,
    meta: Option<&str>,
) -> Result<IssuedLink, Failure> {
    let params = auth_params(p);
    let rule: TokenRule = rule.parse()?;
    let metadata = match meta {
        Some(json) => metadata(json)?,
        None => BTreeMap::new(),
    };
    Ok(LinkIssuer::new(&b.inner, &*l.inner).issue(rule, params, &metadata, SystemTime::now())?)
}

/// Reads metadata: a JSON object whose values are all strings.
fn metadata(json: &str) -> Result<BTreeMap<String, String>, Failure> {
    let invalid = |why: String| Failure::new(faceauth_status::InvalidArgument, why);
    let value: Value =
        serde_json::from_str(json).map_err(|e| invalid(format!("meta_json_or_null is not JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(invalid("meta_json_or_null is not a JSON object".to_owned()));
    };
    object
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(value) => Ok((key, value)),
            _ => Err(invalid(format!("metadata value of {:?} is not a string", faceauth::excerpt(&key)))),
        })
        .collect()
}

/// The status of one token now: its state and its record.
///
/// `*out_json` receives the same JSON as `faceauth ledger status`: `{"token", "state":
/// "unused" | "active" | "completed" | "expired", "until", "reason", "condition", "expired_at",
/// "result", "submission_id", "rule", "user_id", "metadata", "issued_at", "first_used_at",
/// "results", "reported_expiry"}` (the state's details are null when they do not apply).
///
/// A token the ledger does not hold fails with FACEAUTH_STATUS_TOKEN_UNKNOWN (never a NULL
/// string).
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `l`, `token_id` and `out_json` must not be NULL; `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_TOKEN (an id that breaks the id rule); FACEAUTH_STATUS_TOKEN_UNKNOWN;
/// FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `token_id` is NULL or NUL-terminated; `out_json` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_status(
    l: *const faceauth_ledger,
    token_id: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_status", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, token_id, out_json) =
            unsafe { (handle(l, "l")?, text(token_id, "token_id")?, out(out_json, "out_json")?) };
        let status = l.inner.status(token_id, SystemTime::now())?.ok_or_else(|| {
            Failure::from(faceauth::token::LedgerError::TokenUnknown { token_id: token_id.to_owned() })
        })?;
        out_json.write(into_c_string(status.to_json().to_string(), "the status JSON")?);
        Ok(())
    })
}

/// Records that a token was used (its link opened) now, and returns its status afterwards: the
/// JSON of faceauth_ledger_status (as `faceauth ledger mark-used` prints). The first use is the
/// earliest recorded; for a "count" token this spends it, so check faceauth_ledger_status first
/// to decide whether to let a user through.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `l`, `token_id` and `out_json` must not be NULL; `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_TOKEN; FACEAUTH_STATUS_TOKEN_UNKNOWN; FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `token_id` is NULL or NUL-terminated; `out_json` and `out_err`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_mark_used(
    l: *const faceauth_ledger,
    token_id: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_mark_used", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, token_id, out_json) =
            unsafe { (handle(l, "l")?, text(token_id, "token_id")?, out(out_json, "out_json")?) };
        let status = l.inner.mark_used(token_id, SystemTime::now())?;
        out_json.write(into_c_string(status.to_json().to_string(), "the status JSON")?);
        Ok(())
    })
}

/// Parses a webhook request body (as faceauth_webhook_parse, decrypting with `c_or_null` when
/// it is encrypted) and applies it to the ledger: a `faceAuth` event with a token records a
/// result and a use (the token is then "completed"); a `token_expired` event from FaceAuth
/// records the expiry. Applying a webhook twice, or webhooks in any order, gives the same
/// record.
///
/// `*out_json` receives the same JSON as `faceauth ledger apply-webhook`, one of:
/// `{"outcome": "recorded", "status": {…the JSON of faceauth_ledger_status…}}`,
/// `{"outcome": "unknown_token", "token": "…"}` (a token this ledger does not hold),
/// `{"outcome": "no_token", "event": {…the JSON of faceauth_webhook_parse…}}` or
/// `{"outcome": "ignored", "reason": "…", "trigger": "…" or null}`. None of these is an error.
/// Results are recorded as posted ("confirmed": false): nothing proves the body came from
/// Argos, so prefer faceauth_ledger_apply_confirmed.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `l`, `body` and `out_json` must not be NULL; `c_or_null` may be NULL (an
/// encrypted body then fails); `out_err` may be NULL.
/// Thread safety: `l` and `c_or_null` may be shared (see faceauth_ledger, faceauth_cipher).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// the statuses of faceauth_webhook_parse (FACEAUTH_STATUS_WEBHOOK_MALFORMED,
/// FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED, FACEAUTH_STATUS_WEBHOOK_DECRYPT);
/// FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `body` is NULL or NUL-terminated; `c_or_null` is NULL or a
/// live cipher; `out_json` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_webhook(
    l: *const faceauth_ledger,
    body: *const c_char,
    c_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_webhook", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, body, out_json) =
            unsafe { (handle(l, "l")?, text(body, "body")?, out(out_json, "out_json")?) };
        let cipher = match c_or_null.is_null() {
            true => None,
            // SAFETY: not NULL, and the caller promises a live cipher.
            false => Some(&unsafe { handle(c_or_null, "c_or_null")? }.inner),
        };
        let (_, json) = apply_webhook(l, body, cipher)?;
        out_json.write(into_c_string(json.to_string(), "the outcome JSON")?);
        Ok(())
    })
}

/// Parses a webhook request body, confirms it with Argos (as faceauth_client_confirm_webhook,
/// through `c`) and records it (the result marked "confirmed": true), in one call. A result
/// goes only to a token issued for the submission Argos's record names (and its user, when
/// both name one); otherwise nothing changes and the outcome is
/// `{"outcome": "refused", "token": "…", "reason": "…"}`. The other outcomes are those of
/// faceauth_ledger_apply_webhook; an event the ledger would not record anyway (another
/// trigger, another service's token_expired, a result without a token) is answered without an
/// API call.
///
/// Ownership: on success `*out_json` receives a new string, freed with faceauth_string_free.
/// NULL handling: `l`, `c`, `body` and `out_json` must not be NULL; `cipher_or_null` may be
/// NULL (an encrypted body then fails); `out_err` may be NULL.
/// Thread safety: `l`, `c` and `cipher_or_null` may be shared. Blocks for one API call, then
/// the ledger write.
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// the statuses of faceauth_client_confirm_webhook (the ledger is unchanged after any of
/// them: answer an API status with HTTP 503 so that the sender retries);
/// FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `c` is NULL or a live client; `body` is NULL or
/// NUL-terminated; `cipher_or_null` is NULL or a live cipher; `out_json` and `out_err` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_confirmed(
    l: *const faceauth_ledger,
    c: *const crate::client::faceauth_client,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_confirmed", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, c, body, out_json, cipher) = unsafe {
            (
                handle(l, "l")?,
                handle(c, "c")?,
                text(body, "body")?,
                out(out_json, "out_json")?,
                crate::webhook::optional_cipher(cipher_or_null)?,
            )
        };
        let (_, json) = apply_confirmed(l, c, None, body, cipher)?;
        out_json.write(into_c_string(json.to_string(), "the outcome JSON")?);
        Ok(())
    })
}

/// faceauth_ledger_apply_confirmed with call options for its API call: `call_opts_or_null`
/// (NULL for none) may carry a cancel handle (FACEAUTH_STATUS_CANCELLED once it is triggered:
/// the request in flight has its connection shut down) and a deadline for the confirmation
/// (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). The ledger is unchanged
/// after either. Everything else is as faceauth_ledger_apply_confirmed, whose documentation
/// this follows.
///
/// # Safety
/// As faceauth_ledger_apply_confirmed; `call_opts_or_null` is NULL or live call options no
/// other thread changes during the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_apply_confirmed_with(
    l: *const faceauth_ledger,
    c: *const crate::client::faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    body: *const c_char,
    cipher_or_null: *const faceauth_cipher,
    out_json: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_apply_confirmed_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        let (l, c, opts, body, out_json, cipher) = unsafe {
            (
                handle(l, "l")?,
                handle(c, "c")?,
                call_opts_or_null.as_ref(),
                text(body, "body")?,
                out(out_json, "out_json")?,
                crate::webhook::optional_cipher(cipher_or_null)?,
            )
        };
        let (_, json) = apply_confirmed(l, c, opts, body, cipher)?;
        out_json.write(into_c_string(json.to_string(), "the outcome JSON")?);
        Ok(())
    })
}

/// The body of faceauth_ledger_apply_confirmed, faceauth_ledger_apply_confirmed_outcome and
/// their `_with` forms (`opts`: the call options of the confirmation, if any): the outcome,
/// and its JSON.
pub(crate) fn apply_confirmed(
    l: &faceauth_ledger,
    c: &crate::client::faceauth_client,
    opts: Option<&faceauth_call_options>,
    body: &str,
    cipher: Option<&faceauth::crypto::Cipher>,
) -> Result<(WebhookOutcome, Value), Failure> {
    let event = faceauth::webhook::parse(body.as_bytes(), cipher)?;
    // What the ledger would not record (another trigger, another service's expiry, a result
    // without a token) needs no confirmation: it is answered as it is.
    if faceauth::token::records_anything(&event) {
        let confirmed =
            faceauth::webhook::confirm_with(&event, &c.inner, &faceauth_call_options::for_call(opts))?;
        let outcome = l.inner.apply_confirmed(&confirmed, SystemTime::now())?;
        let json = outcome.to_json(confirmed.event());
        Ok((outcome, json))
    } else {
        apply_webhook(l, body, cipher)
    }
}

/// The body of faceauth_ledger_apply_webhook (and faceauth_ledger_apply_webhook_outcome): the
/// outcome, and its JSON.
pub(crate) fn apply_webhook(
    l: &faceauth_ledger,
    body: &str,
    cipher: Option<&faceauth::crypto::Cipher>,
) -> Result<(WebhookOutcome, Value), Failure> {
    let event = faceauth::webhook::parse(body.as_bytes(), cipher)?;
    let outcome = l.inner.apply_webhook(&event, SystemTime::now())?;
    let json = outcome.to_json(&event);
    Ok((outcome, json))
}

/// Lists tokens with their status now, in order of issue (then id).
///
/// `filter_json_or_null`: NULL or `{}` for every token, or a JSON object with any of (null is
/// the same as absent): `"state"`: "unused", "active", "completed" or "expired" (the state now);
/// `"submission"`: a submission id; `"since"`: issued at or after this RFC 3339 time (or date);
/// `"until"`: issued before this time; `"limit"`: at most this many tokens (an integer, 0 or
/// more). Any other key is refused.
///
/// `*out_json_array` receives a JSON array whose elements are the JSON of
/// faceauth_ledger_status, the lines `faceauth ledger list` prints: `[]` when none match.
///
/// Ownership: on success `*out_json_array` receives a new string, freed with
/// faceauth_string_free.
/// NULL handling: `l` and `out_json_array` must not be NULL; `filter_json_or_null` and
/// `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_UTF8;
/// FACEAUTH_STATUS_INVALID_ARGUMENT (a filter that is not a JSON object, an unknown key, a
/// value of the wrong type, an unknown state, a malformed time); FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `filter_json_or_null` is NULL or NUL-terminated;
/// `out_json_array` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_list(
    l: *const faceauth_ledger,
    filter_json_or_null: *const c_char,
    out_json_array: *mut *mut c_char,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_list", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, filter, out_json_array) = unsafe {
            (
                handle(l, "l")?,
                optional_text(filter_json_or_null, "filter_json_or_null")?,
                out(out_json_array, "out_json_array")?,
            )
        };
        let filter = match filter {
            Some(json) => list_filter(json)?,
            None => ListFilter::new(),
        };
        let found = l.inner.list(&filter, SystemTime::now())?;
        let array = Value::Array(found.iter().map(|status| status.to_json()).collect());
        out_json_array.write(into_c_string(array.to_string(), "the token list JSON")?);
        Ok(())
    })
}

/// Reads a list filter: a JSON object of `state`, `submission`, `since`, `until` and `limit`.
pub(crate) fn list_filter(json: &str) -> Result<ListFilter, Failure> {
    let invalid = |why: String| Failure::new(faceauth_status::InvalidArgument, why);
    let value: Value =
        serde_json::from_str(json).map_err(|e| invalid(format!("filter_json_or_null is not JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(invalid("filter_json_or_null is not a JSON object".to_owned()));
    };
    let text = |object: &Map<String, Value>, key: &str| -> Result<Option<String>, Failure> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(invalid(format!("filter {key:?} is not a string"))),
        }
    };
    let time = |object: &Map<String, Value>, key: &str| -> Result<Option<SystemTime>, Failure> {
        text(object, key)?
            .map(|t| {
                parse_rfc3339(&t).ok_or_else(|| {
                    invalid(format!(
                        "filter {key:?} is not an RFC 3339 time (2025-11-12T02:23:13Z) or a date"
                    ))
                })
            })
            .transpose()
    };
    if let Some(key) =
        object.keys().find(|k| !["state", "submission", "since", "until", "limit"].contains(&k.as_str()))
    {
        return Err(invalid(format!(
            "unknown filter key {:?}: expected state, submission, since, until or limit",
            faceauth::excerpt(key)
        )));
    }
    let mut filter = ListFilter::new();
    if let Some(state) = text(&object, "state")? {
        filter = filter.state(state.parse::<StateKind>()?);
    }
    if let Some(submission) = text(&object, "submission")? {
        filter = filter.submission(submission);
    }
    if let Some(since) = time(&object, "since")? {
        filter = filter.since(since);
    }
    if let Some(until) = time(&object, "until")? {
        filter = filter.until(until);
    }
    match object.get("limit") {
        None | Some(Value::Null) => {}
        Some(limit) => {
            let limit = limit
                .as_u64()
                .ok_or_else(|| invalid("filter \"limit\" is not an integer of 0 or more".to_owned()))?;
            filter = filter.limit(usize::try_from(limit).unwrap_or(usize::MAX));
        }
    }
    Ok(filter)
}

/// Deletes every token issued more than `older_than_seconds` seconds ago, whatever its state,
/// with its results; webhooks for them are then reported as "unknown_token". 0 deletes every
/// token issued before now.
///
/// Ownership: on success `*out_count` receives how many tokens were deleted.
/// NULL handling: `l` and `out_count` must not be NULL; `out_err` may be.
/// Thread safety: `l` may be shared (see faceauth_ledger).
///
/// Statuses: FACEAUTH_STATUS_OK; FACEAUTH_STATUS_NULL_POINTER; FACEAUTH_STATUS_INVALID_ARGUMENT
/// (a negative age); FACEAUTH_STATUS_LEDGER_STORAGE.
///
/// # Safety
/// `l` is NULL or a live ledger; `out_count` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_ledger_purge(
    l: *const faceauth_ledger,
    older_than_seconds: i64,
    out_count: *mut u64,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_ledger_purge", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (l, out_count) = unsafe { (handle(l, "l")?, out(out_count, "out_count")?) };
        let seconds = u64::try_from(older_than_seconds).map_err(|_| {
            Failure::new(
                faceauth_status::InvalidArgument,
                format!("older_than_seconds is negative ({older_than_seconds})"),
            )
        })?;
        let now = SystemTime::now();
        let cutoff = now.checked_sub(Duration::from_secs(seconds)).unwrap_or(UNIX_EPOCH);
        out_count.write(l.inner.purge(cutoff)?);
        Ok(())
    })
}
