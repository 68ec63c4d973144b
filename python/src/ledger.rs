//! The token ledger: `Ledger`, and what it returns (`IssuedLink`, `TokenStatus`, `LinkResult`,
//! `ReportedExpiry`, `WebhookOutcome`).
//!
//! `Ledger(location=None)` keeps tokens in memory (`None` or `":memory:"`), in a SQLite file
//! shared by threads and processes, or in PostgreSQL (`"postgres://…"`) shared by many hosts.
//! Every call that touches the store runs with the GIL released.
//! Methods take an optional `now=` (an aware `datetime`) for tests that control time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use faceauth::token::time::format_rfc3339;
use faceauth::token::{
    issue_url, IssuedLink, LedgerError, LedgerLocation, LinkResult, ListFilter, MemoryLedger, NewToken,
    ReportedExpiry, SqliteLedger, StateKind, TokenLedger, TokenRule, TokenState, TokenStatus, WebhookOutcome,
    MEMORY_LOCATION,
};
use faceauth::url::AuthParams;
use faceauth::webhook::Event;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyString;
use serde_json::{json, Value};

use crate::client::{system_time, time_or_now};
use crate::convert::{repr_opt, utc_datetime, value_to_py};
use crate::crypto::cipher_of;
use crate::errors::{invalid_argument_err, to_py_err};
use crate::url::PyUrlBuilder;
use crate::webhook::{event_of, PyConfirmedEvent};

/// Adds this area's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLedger>()?;
    m.add_class::<PyIssuedLink>()?;
    m.add_class::<PyTokenStatus>()?;
    m.add_class::<PyLinkResult>()?;
    m.add_class::<PyReportedExpiry>()?;
    m.add_class::<PyWebhookOutcome>()?;
    Ok(())
}

/// A ledger of issued tokens and what happened to them: `Ledger()` or `Ledger(":memory:")` in
/// memory, `Ledger(path)` in a SQLite file (created if missing), `Ledger("postgres://…")` in a
/// PostgreSQL database shared by many hosts (tables created if missing). Thread-safe; a context
/// manager (`close()` releases the file; later calls raise `ValueError`).
#[pyclass(module = "faceauth", name = "Ledger", frozen)]
pub struct PyLedger {
    inner: RwLock<Option<Arc<dyn TokenLedger>>>,
    location: String,
}

impl PyLedger {
    fn ledger(&self) -> PyResult<Arc<dyn TokenLedger>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.clone().ok_or_else(|| PyValueError::new_err("the ledger is closed"))
    }
}

/// A token rule from `"count"` or `"time:SECONDS"` (also `time:24h`, `time:90m`).
fn parse_rule(rule: &str) -> PyResult<TokenRule> {
    rule.parse::<TokenRule>().map_err(to_py_err)
}

/// A webhook body from bytes or text.
fn body_bytes(body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = body.extract::<PyBackedBytes>() {
        return Ok(bytes.to_vec());
    }
    if body.is_instance_of::<PyString>() {
        return Ok(body.extract::<String>()?.into_bytes());
    }
    Err(PyTypeError::new_err(format!(
        "body must be bytes, str or an event from parse_webhook, not {}",
        body.get_type().name()?
    )))
}

/// A duration in seconds (`float`/`int`) or a `datetime.timedelta`, not negative.
fn duration(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Duration> {
    let seconds: f64 = if value.hasattr("total_seconds")? {
        value.call_method0("total_seconds")?.extract()?
    } else {
        value.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what} must be seconds (a number) or a datetime.timedelta"))
        })?
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        invalid_argument_err(value.py(), format!("{what} must be 0 seconds or more, got {seconds}"))
    })
}

#[pymethods]
impl PyLedger {
    #[new]
    #[pyo3(signature = (location=None))]
    fn new(py: Python<'_>, location: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        // No argument (or None) is the documented in-memory default; anything given is read
        // by the core's one location parser, so "" and "file:…" are refused as everywhere.
        let location = match location.filter(|l| !l.is_none()) {
            None => LedgerLocation::Memory,
            Some(l) => {
                let given = l.extract::<PathBuf>().map_err(|_| {
                    PyTypeError::new_err(
                        "location must be None, \":memory:\", a path (str or os.PathLike) or a postgres:// URL",
                    )
                })?;
                LedgerLocation::parse(&given).map_err(to_py_err)?
            }
        };
        let (ledger, location): (Arc<dyn TokenLedger>, String) = match location {
            // The location kept (and shown) without its password.
            LedgerLocation::Postgres(url) => {
                let opened = py.detach(|| faceauth::token::PostgresLedger::open(&url)).map_err(to_py_err)?;
                let shown = opened.location().to_owned();
                (Arc::new(opened), shown)
            }
            LedgerLocation::Memory => (Arc::new(MemoryLedger::new()), MEMORY_LOCATION.to_owned()),
            LedgerLocation::File(path) => {
                let opened = py.detach(|| SqliteLedger::open(&path)).map_err(to_py_err)?;
                (Arc::new(opened), path.display().to_string())
            }
        };
        Ok(PyLedger { inner: RwLock::new(Some(ledger)), location })
    }

    /// `":memory:"`, the SQLite file's path, or the PostgreSQL URL without its password.
    #[getter]
    fn location(&self) -> &str {
        &self.location
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    /// Releases the ledger (its file, for SQLite; its tokens, in memory). Idempotent.
    fn close(&self, py: Python<'_>) {
        let taken = self.inner.write().unwrap_or_else(PoisonError::into_inner).take();
        // Closing a SQLite connection may checkpoint the WAL: file I/O.
        py.detach(move || drop(taken));
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().ledger()?;
        Ok(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let closed = if self.closed() { ", closed" } else { "" };
        format!("Ledger({}{closed})", crate::convert::repr_redacted(py, &self.location))
    }

    /// True if the ledger holds this token.
    fn __contains__(&self, py: Python<'_>, token_id: &str) -> PyResult<bool> {
        let ledger = self.ledger()?;
        match py.detach(|| ledger.status(token_id, SystemTime::now())) {
            Ok(found) => Ok(found.is_some()),
            Err(LedgerError::InvalidToken(_)) => Ok(false),
            Err(err) => Err(to_py_err(err)),
        }
    }

    /// Mints a fresh token, records it, and returns the link `builder` makes for submission
    /// `sid` with that token: `IssuedLink(.url, .token, .rule)`. Nothing is recorded when the
    /// parameters are bad; no link is returned unless the token is recorded.
    #[pyo3(signature = (builder, sid, *, rule="count", user_id=None, cf1=None, cf2=None, cf3=None, meta=None, now=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn issue_url(
        &self,
        py: Python<'_>,
        builder: &Bound<'_, PyUrlBuilder>,
        sid: String,
        rule: &str,
        user_id: Option<String>,
        cf1: Option<String>,
        cf2: Option<String>,
        cf3: Option<String>,
        meta: Option<BTreeMap<String, String>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyIssuedLink> {
        let rule = parse_rule(rule)?;
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        let builder = &builder.get().inner;
        let metadata = meta.unwrap_or_default();
        let link = py.detach(|| {
            let mut params = AuthParams::new(sid.as_str());
            if let Some(v) = &user_id {
                params = params.user_id(v.as_str());
            }
            if let Some(v) = &cf1 {
                params = params.cf1(v.as_str());
            }
            if let Some(v) = &cf2 {
                params = params.cf2(v.as_str());
            }
            if let Some(v) = &cf3 {
                params = params.cf3(v.as_str());
            }
            issue_url(builder, ledger.as_ref(), rule, &params, &metadata, now)
        });
        link.map(PyIssuedLink).map_err(to_py_err)
    }

    /// Records a token you minted yourself (`faceauth.generate_token()`) for submission
    /// `submission_id`, issued at `now`; returns its status. `issue_url` does this and builds
    /// the link in one call.
    #[pyo3(signature = (token_id, submission_id, *, rule="count", user_id=None, meta=None, now=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn issue(
        &self,
        py: Python<'_>,
        token_id: String,
        submission_id: String,
        rule: &str,
        user_id: Option<String>,
        meta: Option<BTreeMap<String, String>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTokenStatus> {
        let rule = parse_rule(rule)?;
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        let token = NewToken { token_id, submission_id, rule, user_id, metadata: meta.unwrap_or_default() };
        let status = py.detach(|| {
            ledger.issue(&token, now)?;
            ledger.status(&token.token_id, now)
        });
        match status.map_err(to_py_err)? {
            Some(status) => Ok(PyTokenStatus(status)),
            None => Err(to_py_err(LedgerError::TokenUnknown { token_id: token.token_id })),
        }
    }

    /// The token's state and record at `now` (default: the current time). Raises `LedgerError`
    /// (kind `token_unknown`) if the ledger does not hold it; `token_id in ledger` checks first.
    #[pyo3(signature = (token_id, *, now=None))]
    fn status(
        &self,
        py: Python<'_>,
        token_id: String,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTokenStatus> {
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        match py.detach(|| ledger.status(&token_id, now)).map_err(to_py_err)? {
            Some(status) => Ok(PyTokenStatus(status)),
            None => Err(to_py_err(LedgerError::TokenUnknown { token_id })),
        }
    }

    /// Records that the token was used (opened) at `at` (default now); returns its status then.
    /// For a count token this spends it.
    #[pyo3(signature = (token_id, *, at=None))]
    fn mark_used(
        &self,
        py: Python<'_>,
        token_id: String,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTokenStatus> {
        let at = time_or_now(at, "at")?;
        let ledger = self.ledger()?;
        py.detach(|| ledger.mark_used(&token_id, at)).map(PyTokenStatus).map_err(to_py_err)
    }

    /// Parses a webhook body (bytes or str, or an event `parse_webhook` returned; decrypted with `api_key`, the ID check project's
    /// webhook key, with `scheme` as `parse_webhook` takes it, when encrypted) and records it against its token. Returns a
    /// `WebhookOutcome`: `recorded` (with the token's status), `unknown_token`, `no_token` or
    /// `ignored`. Applying the same webhook twice, or webhooks in any order, is safe.
    #[pyo3(signature = (body, api_key=None, *, scheme="ecb", now=None))]
    fn apply_webhook(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        api_key: Option<&str>,
        scheme: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWebhookOutcome> {
        // An event `parse_webhook` returned is applied as it was parsed.
        let parsed = event_of(body);
        let body = match parsed {
            Some(_) => Vec::new(),
            None => body_bytes(body)?,
        };
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        let cipher = api_key.map(|key| cipher_of(key, scheme)).transpose()?;
        let (event, outcome) = py
            .detach(|| -> Result<(Event, WebhookOutcome), faceauth::Error> {
                let event = match parsed {
                    Some(event) => event,
                    None => faceauth::webhook::parse(&body, cipher.as_ref())?,
                };
                let outcome = ledger.apply_webhook(&event, now)?;
                Ok((event, outcome))
            })
            .map_err(to_py_err)?;
        Ok(PyWebhookOutcome::new(&event, outcome))
    }

    /// Records a webhook confirmed by `Client.confirm_webhook`, as `apply_webhook` does, but
    /// the result is marked confirmed (`LinkResult.confirmed`) and goes only to a token issued
    /// for the submission (and user, when both name one) Argos's record names: otherwise the
    /// outcome is `refused` and nothing changes.
    #[pyo3(signature = (confirmed, *, now=None))]
    fn apply_confirmed(
        &self,
        py: Python<'_>,
        confirmed: &Bound<'_, PyConfirmedEvent>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWebhookOutcome> {
        let confirmed = confirmed.get().inner.clone();
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        let outcome = py.detach(|| ledger.apply_confirmed(&confirmed, now)).map_err(to_py_err)?;
        Ok(PyWebhookOutcome::new(confirmed.event(), outcome))
    }

    /// The tokens that match, with their state at `now`, in order of issue. `state` is
    /// `unused`, `active`, `completed` or `expired`; `since`/`until` (aware `datetime`s) bound
    /// the issue time (`until` exclusive).
    #[pyo3(signature = (state=None, *, submission_id=None, since=None, until=None, limit=None, now=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn list(
        &self,
        py: Python<'_>,
        state: Option<&str>,
        submission_id: Option<String>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        limit: Option<i64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyTokenStatus>> {
        let mut filter = ListFilter::new();
        if let Some(state) = state {
            filter = filter.state(state.parse::<StateKind>().map_err(to_py_err)?);
        }
        if let Some(submission_id) = submission_id {
            filter = filter.submission(submission_id);
        }
        if let Some(since) = since.filter(|v| !v.is_none()) {
            filter = filter.since(system_time(since, "since")?);
        }
        if let Some(until) = until.filter(|v| !v.is_none()) {
            filter = filter.until(system_time(until, "until")?);
        }
        if let Some(limit) = limit {
            let limit = usize::try_from(limit)
                .map_err(|_| invalid_argument_err(py, format!("limit must be 0 or more, got {limit}")))?;
            filter = filter.limit(limit);
        }
        let now = time_or_now(now, "now")?;
        let ledger = self.ledger()?;
        let found = py.detach(|| ledger.list(&filter, now)).map_err(to_py_err)?;
        Ok(found.into_iter().map(PyTokenStatus).collect())
    }

    /// Deletes every token issued longer than `older_than` (seconds or a `timedelta`) before
    /// `now`, whatever its state; returns how many were deleted.
    #[pyo3(signature = (older_than, *, now=None))]
    fn purge(
        &self,
        py: Python<'_>,
        older_than: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let age = duration(older_than, "older_than")?;
        let now = time_or_now(now, "now")?;
        let cutoff = now.checked_sub(age).unwrap_or(UNIX_EPOCH);
        let ledger = self.ledger()?;
        py.detach(|| ledger.purge(cutoff)).map_err(to_py_err)
    }
}

/// A link `Ledger.issue_url` handed out: `.url`, `.token`, `.rule` (`count` or `time:SECONDS`).
#[pyclass(module = "faceauth", name = "IssuedLink", frozen)]
pub struct PyIssuedLink(IssuedLink);

#[pymethods]
impl PyIssuedLink {
    /// The FaceAuth URL, carrying the token.
    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }

    /// The freshly minted token id.
    #[getter]
    fn token(&self) -> &str {
        &self.0.token
    }

    /// The rule it was recorded under.
    #[getter]
    fn rule(&self) -> String {
        self.0.rule.to_string()
    }

    /// `{"url", "token", "rule"}`, as `faceauth ledger issue` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &json!({ "url": self.0.url, "token": self.0.token, "rule": self.0.rule.to_string() }))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "IssuedLink(token={}, rule={}, url={})",
            repr_opt(py, Some(&self.0.token)),
            repr_opt(py, Some(&self.rule())),
            crate::convert::repr_redacted(py, &self.0.url)
        )
    }
}

/// A token's state at the moment asked, and everything the ledger knows about it.
#[pyclass(module = "faceauth", name = "TokenStatus", frozen)]
pub struct PyTokenStatus(TokenStatus);

#[pymethods]
impl PyTokenStatus {
    /// The token id.
    #[getter]
    fn token(&self) -> &str {
        &self.0.record.token_id
    }

    /// `unused`, `active`, `completed` or `expired`.
    #[getter]
    fn state(&self) -> &'static str {
        self.0.state.kind().as_str()
    }

    /// While active: the first moment it is expired.
    #[getter]
    fn until<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.0.state {
            TokenState::Active { until } => utc_datetime(py, *until).map(Some),
            _ => Ok(None),
        }
    }

    /// When expired: `count`, `time` or `reported` (a `token_expired` webhook).
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        match &self.0.state {
            TokenState::Expired { reason, .. } => Some(reason.as_str()),
            _ => None,
        }
    }

    /// When expired by a webhook: Argos's `expired_condition`.
    #[getter]
    fn condition(&self) -> Option<String> {
        match &self.0.state {
            TokenState::Expired { reason: faceauth::token::ExpiryReason::Reported(c), .. } => {
                Some(c.as_str().to_owned())
            }
            _ => None,
        }
    }

    /// When expired: when.
    #[getter]
    fn expired_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.0.state {
            TokenState::Expired { at, .. } => utc_datetime(py, *at).map(Some),
            _ => Ok(None),
        }
    }

    /// When completed: the latest FaceAuth result.
    #[getter]
    fn result(&self) -> Option<PyLinkResult> {
        match &self.0.state {
            TokenState::Completed { result } => Some(PyLinkResult(result.clone())),
            _ => None,
        }
    }

    /// The ID check submission the link re-authenticates.
    #[getter]
    fn submission_id(&self) -> &str {
        &self.0.record.submission_id
    }

    /// `count` or `time:SECONDS`.
    #[getter]
    fn rule(&self) -> String {
        self.0.record.rule.to_string()
    }

    /// The user id given at issue.
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.0.record.user_id.as_deref()
    }

    /// The metadata given at issue.
    #[getter]
    fn metadata(&self) -> BTreeMap<String, String> {
        self.0.record.metadata.clone()
    }

    /// When it was issued.
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.0.record.issued_at)
    }

    /// Its first use, if any.
    #[getter]
    fn first_used_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.record.first_used_at.map(|t| utc_datetime(py, t)).transpose()
    }

    /// Every result matched to it, oldest first.
    #[getter]
    fn results(&self) -> Vec<PyLinkResult> {
        self.0.record.results.iter().cloned().map(PyLinkResult).collect()
    }

    /// The earliest expiry a `token_expired` webhook reported, if any.
    #[getter]
    fn reported_expiry(&self) -> Option<PyReportedExpiry> {
        self.0.record.reported_expiry.clone().map(PyReportedExpiry)
    }

    /// The JSON `faceauth ledger status` prints (times as RFC 3339 text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.0.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "TokenStatus(token={}, state={}, submission_id={}, rule={})",
            repr_opt(py, Some(&self.0.record.token_id)),
            repr_opt(py, Some(self.state())),
            repr_opt(py, Some(&self.0.record.submission_id)),
            repr_opt(py, Some(&self.rule()))
        )
    }
}

/// A FaceAuth result matched to a token by a `faceAuth` webhook.
#[pyclass(module = "faceauth", name = "LinkResult", frozen)]
pub struct PyLinkResult(LinkResult);

#[pymethods]
impl PyLinkResult {
    /// The authentication id, if the webhook carried one.
    #[getter]
    fn auth_id(&self) -> Option<&str> {
        self.0.auth_id.as_deref()
    }

    /// The final status (`approved`, `rejected`, …), if carried.
    #[getter]
    fn status(&self) -> Option<&str> {
        self.0.status.as_ref().map(|s| s.as_str())
    }

    /// When Argos made the result, if carried.
    #[getter]
    fn create_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.created_at.map(|t| utc_datetime(py, t)).transpose()
    }

    /// True when the result was confirmed with Argos (status and time are Argos's); false
    /// when it was applied as posted.
    #[getter]
    fn confirmed(&self) -> bool {
        self.0.confirmed
    }

    /// `{"auth_id", "status", "create_time", "confirmed"}` (time as RFC 3339 text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.0.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LinkResult(auth_id={}, status={}, confirmed={})",
            repr_opt(py, self.0.auth_id.as_deref()),
            repr_opt(py, self.status()),
            if self.0.confirmed { "True" } else { "False" }
        )
    }
}

/// An expiry reported by a `token_expired` webhook.
#[pyclass(module = "faceauth", name = "ReportedExpiry", frozen)]
pub struct PyReportedExpiry(ReportedExpiry);

#[pymethods]
impl PyReportedExpiry {
    /// When the token expires or expired.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.0.at)
    }

    /// Argos's `expired_condition` (`count`, `time`, …).
    #[getter]
    fn condition(&self) -> &str {
        self.0.condition.as_str()
    }

    /// Argos's `service`, if sent.
    #[getter]
    fn service(&self) -> Option<&str> {
        self.0.service.as_ref().map(|s| s.as_str())
    }

    /// `{"at", "condition", "service"}` (time as RFC 3339 text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(
            py,
            &json!({ "at": format_rfc3339(self.0.at), "condition": self.condition(), "service": self.service() }),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ReportedExpiry(at={}, condition={})",
            repr_opt(py, Some(&format_rfc3339(self.0.at))),
            repr_opt(py, Some(self.condition()))
        )
    }
}

/// What `Ledger.apply_webhook` did: `.outcome` is `recorded` (`.status` is the token's status
/// after it), `unknown_token` (`.token` names it), `no_token` (a `faceAuth` event without
/// `Token_id`), `refused` (`Ledger.apply_confirmed`: the token was issued for another
/// submission or user; `.reason` says which) or `ignored` (`.reason` says why). `.matched` is
/// true for `recorded`.
#[pyclass(module = "faceauth", name = "WebhookOutcome", frozen)]
pub struct PyWebhookOutcome {
    outcome: &'static str,
    status: Option<TokenStatus>,
    token: Option<String>,
    reason: Option<&'static str>,
    /// The JSON `faceauth ledger apply-webhook` prints.
    json: Value,
}

impl PyWebhookOutcome {
    fn new(event: &Event, outcome: WebhookOutcome) -> PyWebhookOutcome {
        match outcome {
            WebhookOutcome::Recorded(status) => PyWebhookOutcome {
                outcome: "recorded",
                token: Some(status.record.token_id.clone()),
                json: json!({ "outcome": "recorded", "status": status.to_json() }),
                status: Some(status),
                reason: None,
            },
            WebhookOutcome::UnknownToken { token_id } => PyWebhookOutcome {
                outcome: "unknown_token",
                json: json!({ "outcome": "unknown_token", "token": token_id }),
                token: Some(token_id),
                status: None,
                reason: None,
            },
            WebhookOutcome::NoToken => PyWebhookOutcome {
                outcome: "no_token",
                json: json!({ "outcome": "no_token", "event": event.to_json() }),
                token: None,
                status: None,
                reason: None,
            },
            WebhookOutcome::Refused { token_id, reason } => PyWebhookOutcome {
                outcome: "refused",
                json: json!({ "outcome": "refused", "token": token_id, "reason": reason }),
                token: Some(token_id),
                status: None,
                reason: Some(reason),
            },
            WebhookOutcome::Ignored { reason } => PyWebhookOutcome {
                outcome: "ignored",
                json: json!({ "outcome": "ignored", "reason": reason, "trigger": event.trigger() }),
                token: None,
                status: None,
                reason: Some(reason),
            },
            other => PyWebhookOutcome {
                outcome: "other",
                json: json!({ "outcome": "other", "detail": format!("{other:?}") }),
                token: None,
                status: None,
                reason: None,
            },
        }
    }
}

#[pymethods]
impl PyWebhookOutcome {
    /// `recorded`, `unknown_token`, `no_token`, `refused` or `ignored`.
    #[getter]
    fn outcome(&self) -> &'static str {
        self.outcome
    }

    /// True when the webhook was matched to a token and recorded.
    #[getter]
    fn matched(&self) -> bool {
        self.outcome == "recorded"
    }

    /// The token's status after the webhook, when recorded.
    #[getter]
    fn status(&self) -> Option<PyTokenStatus> {
        self.status.clone().map(PyTokenStatus)
    }

    /// The token id: the recorded one, or the unknown one the webhook named.
    #[getter]
    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Why it was ignored or refused.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.reason
    }

    /// The JSON `faceauth ledger apply-webhook` prints.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.json)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = self.status.as_ref().map(|s| s.state.kind().as_str());
        format!(
            "WebhookOutcome(outcome={}, token={}, state={})",
            repr_opt(py, Some(self.outcome)),
            repr_opt(py, self.token.as_deref()),
            repr_opt(py, state)
        )
    }
}
