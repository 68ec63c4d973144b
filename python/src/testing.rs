//! The in-process simulator behind `faceauth.testing`: `Simulator` runs
//! [`faceauth_mock::MockServer`] on a free loopback port, and drives it through its `/_mock/`
//! control endpoints. `PageVisit` is what `Simulator.open` returns.
//!
//! Every request (control, hosted page) is made with the GIL released, so the server's threads,
//! the caller's and webhook receivers written in Python all make progress.

use std::sync::{Mutex, PoisonError};

use faceauth::token::time::{format_rfc3339, parse_rfc3339};
use faceauth_mock::{client, MockConfig, MockServer, SeedSubmission, TokenRule};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use serde_json::{json, Map, Value};

use crate::client::system_time;
use crate::convert::{py_repr, repr_opt, utc_datetime, value_to_py};
use crate::errors::invalid_argument_err;

/// Adds this area's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySimulator>()?;
    m.add_class::<PyPageVisit>()?;
    Ok(())
}

/// A running server, and the agent that talks to it.
struct Running {
    server: MockServer,
    base_url: String,
    agent: ureq::Agent,
}

/// The FaceAuth simulator, in this process, on a free loopback port: the REST API, the hosted
/// page and the webhooks, with a controllable clock and fault injection.
///
/// A context manager (`start()`/`stop()`); `faceauth.testing.simulator` is a pytest fixture.
/// The API key never appears in its `repr`.
#[pyclass(module = "faceauth.testing", name = "Simulator", subclass, frozen)]
pub struct PySimulator {
    config: MockConfig,
    running: Mutex<Option<Running>>,
}

impl PySimulator {
    /// The agent and base URL of the running server.
    fn handle(&self) -> PyResult<(ureq::Agent, String)> {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        match running.as_ref() {
            Some(r) => Ok((r.agent.clone(), r.base_url.clone())),
            None => Err(PyRuntimeError::new_err(
                "the simulator is not running: call start(), or use it in a with block",
            )),
        }
    }

    /// A control request under `/_mock/`; a refusal raises `ValueError` with the server's words.
    fn control(&self, py: Python<'_>, method: &str, what: &str, body: Option<Value>) -> PyResult<Value> {
        let (agent, base) = self.handle()?;
        let url = format!("{base}/_mock/{what}");
        let (status, bytes) = py
            .detach(|| client::send(&agent, method, &url, body.as_ref()))
            .map_err(|e| PyOSError::new_err(format!("the simulator did not answer: {e}")))?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == 200 {
            return Ok(value);
        }
        let reason = value.get("error").and_then(Value::as_str).unwrap_or("refused");
        Err(invalid_argument_err(py, format!("the simulator refused {what}: {reason}")))
    }
}

#[pymethods]
impl PySimulator {
    /// Configures a simulator; `start()` (or `with`) starts it.
    ///
    /// `token_rule` is `count`, `time:SECONDS` or `None` (token expiration off). `submissions`
    /// are ids of approved ID check submissions. `now` (an aware `datetime`) starts the mock
    /// clock; by default it starts at the real time.
    #[new]
    #[pyo3(signature = (
        api_key="mock-api-key",
        project_id="mock-project",
        *,
        token_rule=Some("count"),
        submissions=Vec::new(),
        webhook_url=None,
        webhook_key=None,
        url_key=None,
        scheme="ecb",
        allowed_ips=None,
        max_body_bytes=5_000_000,
        now=None,
        webhook_shape="current",
        response_shape="nested",
        image_format="raw",
        verbose=false,
    ))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python constructor")]
    fn new(
        py: Python<'_>,
        api_key: &str,
        project_id: &str,
        token_rule: Option<&str>,
        submissions: Vec<String>,
        webhook_url: Option<String>,
        webhook_key: Option<String>,
        url_key: Option<String>,
        scheme: &str,
        allowed_ips: Option<Vec<String>>,
        max_body_bytes: usize,
        now: Option<&Bound<'_, PyAny>>,
        webhook_shape: &str,
        response_shape: &str,
        image_format: &str,
        verbose: bool,
    ) -> PyResult<Self> {
        let config_err = |e: faceauth_mock::ConfigError| invalid_argument_err(py, e.to_string());
        let token_rule: Option<TokenRule> = match token_rule {
            None => None,
            Some(text) => TokenRule::parse_flag(text).map_err(config_err)?,
        };
        let now =
            now.filter(|n| !n.is_none()).map(|n| system_time(n, "now").map(format_rfc3339)).transpose()?;
        let config = MockConfig {
            host: "127.0.0.1".to_owned(),
            port: 0,
            api_key: api_key.to_owned(),
            project_id: project_id.to_owned(),
            url_key,
            scheme: scheme.to_owned(),
            allowed_ips,
            max_body_bytes,
            token_rule,
            webhook_url,
            webhook_key,
            webhook_shape: webhook_shape.parse().map_err(config_err)?,
            response_shape: response_shape.parse().map_err(config_err)?,
            image_format: image_format.parse().map_err(config_err)?,
            submissions: submissions
                .into_iter()
                .map(|id| SeedSubmission { id, status: "approved".to_owned(), user_id: None })
                .collect(),
            now,
            verbose,
            ..MockConfig::default()
        };
        Ok(PySimulator { config, running: Mutex::new(None) })
    }

    /// Starts serving on a free loopback port (no-op if running); returns the simulator.
    fn start(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let this = slf.get();
        // Binding a port and spawning threads: quick, and done holding the GIL, so no thread
        // can wait for this lock while holding the GIL this one would need.
        let mut running = this.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.is_none() {
            let server = MockServer::start(this.config.clone()).map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidInput => invalid_argument_err(slf.py(), e.to_string()),
                _ => PyErr::from(e),
            })?;
            let agent = client::agent();
            *running = Some(Running { base_url: server.base_url(), server, agent });
        }
        drop(running);
        Ok(slf)
    }

    /// Stops the server, closing its connections (no-op if stopped). Its state is lost: a later
    /// `start()` begins afresh, on another port.
    fn stop(&self, py: Python<'_>) {
        let taken = self.running.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(running) = taken {
            py.detach(move || running.server.shutdown());
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        PySimulator::start(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.stop(py);
        false
    }

    /// True between `start()` and `stop()`.
    #[getter]
    fn running(&self) -> bool {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// `http://127.0.0.1:PORT`: the REST base URL (`Client(base_url=…)`) and the hosted page's
    /// (`UrlBuilder(base_url=…)`) at once.
    #[getter]
    fn base_url(&self) -> PyResult<String> {
        Ok(self.handle()?.1)
    }

    /// The project's API key (a test key: the one given, or `mock-api-key`).
    #[getter]
    fn api_key(&self) -> &str {
        &self.config.api_key
    }

    /// The project id, the `pid` of hosted-page URLs.
    #[getter]
    fn project_id(&self) -> &str {
        &self.config.project_id
    }

    /// The token rule: `count`, `time:SECONDS`, or `None` when token expiration is off.
    #[getter]
    fn token_rule(&self) -> Option<String> {
        self.config.token_rule.map(|rule| match rule {
            TokenRule::Count => "count".to_owned(),
            TokenRule::Time { seconds } => format!("time:{seconds}"),
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let at = self.handle().map_or_else(|_| "stopped".to_owned(), |(_, base)| repr_opt(py, Some(&base)));
        format!(
            "Simulator({at}, project_id={}, token_rule={})",
            repr_opt(py, Some(&self.config.project_id)),
            self.token_rule().map_or_else(|| "None".to_owned(), |r| repr_opt(py, Some(&r)))
        )
    }

    /// Adds (or replaces) an ID check submission; only `approved` ones can be re-authenticated.
    #[pyo3(signature = (submission_id, status="approved", *, user_id=None))]
    fn add_submission(
        &self,
        py: Python<'_>,
        submission_id: &str,
        status: &str,
        user_id: Option<&str>,
    ) -> PyResult<()> {
        let body = json!({ "id": submission_id, "status": status, "user_id": user_id });
        self.control(py, "POST", "submissions", Some(body)).map(drop)
    }

    /// Creates `count` results at once (for paging tests), `step_seconds` apart from `start`
    /// (default: the mock clock); returns how many were made.
    #[pyo3(signature = (count, *, submission_id=None, auth_status="approved", start=None, step_seconds=1.0))]
    fn add_results(
        &self,
        py: Python<'_>,
        count: u32,
        submission_id: Option<&str>,
        auth_status: &str,
        start: Option<&Bound<'_, PyAny>>,
        step_seconds: f64,
    ) -> PyResult<u64> {
        let start = start
            .filter(|s| !s.is_none())
            .map(|s| system_time(s, "start").map(format_rfc3339))
            .transpose()?;
        let body = json!({
            "count": count, "submission_id": submission_id, "auth_status": auth_status,
            "start": start, "step_seconds": step_seconds,
        });
        let answer = self.control(py, "POST", "results", Some(body))?;
        Ok(answer.get("created").and_then(Value::as_u64).unwrap_or(0))
    }

    /// Does what the user's browser does with a FaceAuth link: GETs the hosted page, which
    /// decrypts the link, applies the token rule, records a result and sends the webhooks.
    /// `result="rejected"` makes the face fail to match. Returns `PageVisit(.status, .json)`:
    /// 200 with `auth_id` and `auth_status`, or an error status (410 for an expired token) with
    /// `error`. Only this simulator's URLs are visited.
    #[pyo3(signature = (url, *, result=None))]
    fn open(&self, py: Python<'_>, url: &str, result: Option<&str>) -> PyResult<PyPageVisit> {
        let (agent, base) = self.handle()?;
        let on_this_server = url.strip_prefix(base.as_str()).is_some_and(|rest| rest.starts_with('/'));
        if !on_this_server {
            return Err(invalid_argument_err(
                py,
                format!(
                    "open() visits only this simulator's pages, under {base}/ (build the link with \
                 UrlBuilder(..., base_url=simulator.base_url))"
                ),
            ));
        }
        let url = match result {
            None => url.to_owned(),
            Some(result) => {
                if !matches!(result, "approved" | "rejected") {
                    return Err(invalid_argument_err(
                        py,
                        "result must be \"approved\" or \"rejected\"".to_owned(),
                    ));
                }
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mock_result={result}")
            }
        };
        let (status, bytes) = py
            .detach(|| client::send(&agent, "GET", &url, None))
            .map_err(|e| PyOSError::new_err(format!("the simulator did not answer: {e}")))?;
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "error": String::from_utf8_lossy(&bytes) }));
        Ok(PyPageVisit { status, json })
    }

    /// Every webhook the simulator sent (or tried to send), oldest first: parsed bodies, or the
    /// bodies as bytes with `raw=True` (what a receiver gets; give them to
    /// `Ledger.apply_webhook`). Kept whether or not a `webhook_url` is set.
    #[pyo3(signature = (*, raw=false))]
    fn webhooks<'py>(&self, py: Python<'py>, raw: bool) -> PyResult<Bound<'py, PyList>> {
        let answer = self.control(py, "GET", "webhooks", None)?;
        let bodies = match answer {
            Value::Array(bodies) => bodies,
            _ => Vec::new(),
        };
        let list = PyList::empty(py);
        for body in &bodies {
            if raw {
                let text = match body {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                list.append(PyBytes::new(py, text.as_bytes()))?;
            } else {
                list.append(value_to_py(py, body)?)?;
            }
        }
        Ok(list)
    }

    /// The mock clock, as an aware UTC `datetime`. It runs at the real pace from wherever it was
    /// set or moved to.
    #[getter]
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let answer = self.control(py, "GET", "clock", None)?;
        clock_time(py, &answer)
    }

    /// Moves the mock clock forward (or back, with a negative number) by `seconds`; returns
    /// the new time. Token time rules and result times follow it.
    fn advance_clock<'py>(&self, py: Python<'py>, seconds: f64) -> PyResult<Bound<'py, PyAny>> {
        let answer = self.control(py, "POST", "clock", Some(json!({ "advance_seconds": seconds })))?;
        clock_time(py, &answer)
    }

    /// Sets the mock clock to `when` (an aware `datetime`); returns it.
    fn set_clock<'py>(&self, py: Python<'py>, when: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let when = format_rfc3339(system_time(when, "when")?);
        let answer = self.control(py, "POST", "clock", Some(json!({ "now": when })))?;
        clock_time(py, &answer)
    }

    /// Changes fault injection on the REST API (only the settings given) and returns them all:
    /// `latency_ms` before each request; `error_rate`/`drop_rate` (0 to 1, dice from `seed`);
    /// the next `fail_next` requests answer `fail_status` (default 502); the next `drop_next`
    /// close without an answer; the next `lose_next` are processed, then close unanswered.
    #[pyo3(signature = (*, latency_ms=None, error_rate=None, drop_rate=None, seed=None, fail_next=None, fail_status=None, drop_next=None, lose_next=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn faults<'py>(
        &self,
        py: Python<'py>,
        latency_ms: Option<u64>,
        error_rate: Option<f64>,
        drop_rate: Option<f64>,
        seed: Option<u64>,
        fail_next: Option<u32>,
        fail_status: Option<u16>,
        drop_next: Option<u32>,
        lose_next: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut update = Map::new();
        let fields = [
            ("latency_ms", latency_ms.map(Value::from)),
            ("error_rate", error_rate.map(Value::from)),
            ("drop_rate", drop_rate.map(Value::from)),
            ("seed", seed.map(Value::from)),
            ("fail_next", fail_next.map(Value::from)),
            ("fail_status", fail_status.map(Value::from)),
            ("drop_next", drop_next.map(Value::from)),
            ("lose_next", lose_next.map(Value::from)),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                update.insert(name.to_owned(), value);
            }
        }
        if !update.is_empty() {
            self.control(py, "POST", "faults", Some(Value::Object(update)))?;
        }
        let settings = self.control(py, "GET", "faults", None)?;
        value_to_py(py, &settings)
    }

    /// Request counts by endpoint.
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let answer = self.control(py, "GET", "requests", None)?;
        value_to_py(py, &answer)
    }

    /// A dump of the simulator's state (results, tokens, submissions, webhook deliveries;
    /// never its keys).
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let answer = self.control(py, "GET", "state", None)?;
        value_to_py(py, &answer)
    }
}

/// `{"now": "<RFC 3339>"}` as a `datetime`.
fn clock_time<'py>(py: Python<'py>, answer: &Value) -> PyResult<Bound<'py, PyAny>> {
    let time = answer
        .get("now")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .ok_or_else(|| PyRuntimeError::new_err("the simulator's clock answer has no readable time"))?;
    utc_datetime(py, time)
}

/// What the hosted page answered to `Simulator.open`: `.status` and `.json`.
#[pyclass(module = "faceauth.testing", name = "PageVisit", frozen)]
pub struct PyPageVisit {
    status: u16,
    json: Value,
}

#[pymethods]
impl PyPageVisit {
    /// The HTTP status: 200, or 400/410 (`.json["error"]` says why).
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// The JSON body.
    #[getter]
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.json)
    }

    /// True for a 200: a result was recorded.
    #[getter]
    fn ok(&self) -> bool {
        self.status == 200
    }

    /// The result's auth id, on success.
    #[getter]
    fn auth_id(&self) -> Option<&str> {
        self.json.get("auth_id").and_then(Value::as_str)
    }

    /// The result's status (`approved` or `rejected`), on success.
    #[getter]
    fn auth_status(&self) -> Option<&str> {
        self.json.get("auth_status").and_then(Value::as_str)
    }

    /// The page's error, on failure.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.json.get("error").and_then(Value::as_str)
    }

    /// `{"status", "json"}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &json!({ "status": self.status, "json": self.json }))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let json = value_to_py(py, &self.json).map_or_else(|_| self.json.to_string(), |v| py_repr(&v));
        format!("PageVisit(status={}, json={json})", self.status)
    }
}
