//! Webhook bodies: `parse_webhook` and its event classes, `FaceAuthEvent`, `TokenExpiredEvent`
//! and `UnknownEvent`.

use faceauth::webhook::{self, ConfirmedEvent, Event, FaceAuthEvent, TokenExpiredEvent};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::convert::{parse_time, py_repr, repr_opt, value_to_py};
use crate::crypto::cipher_of;
use crate::errors::to_py_err;

/// A `faceAuth` webhook: a FaceAuth result reached its final status. Fields are read from any
/// of the three documented shapes; absent ones are `None`.
#[pyclass(frozen, module = "faceauth", name = "FaceAuthEvent")]
pub struct PyFaceAuthEvent {
    /// The FaceAuth result id.
    #[pyo3(get)]
    auth_id: Option<String>,
    /// The ID check submission re-authenticated.
    #[pyo3(get)]
    submission_id: Option<String>,
    /// The final status (`approved`, `rejected`, …), as sent.
    #[pyo3(get)]
    status: Option<String>,
    /// When the result was made (aware UTC), if sent as RFC 3339.
    #[pyo3(get)]
    create_time: Option<Py<PyAny>>,
    /// Your id for the user.
    #[pyo3(get)]
    user_id: Option<String>,
    /// Custom field 1.
    #[pyo3(get)]
    cf1: Option<String>,
    /// Custom field 2.
    #[pyo3(get)]
    cf2: Option<String>,
    /// Custom field 3.
    #[pyo3(get)]
    cf3: Option<String>,
    /// The token id the URL carried.
    #[pyo3(get)]
    token_id: Option<String>,
    /// The `reference` object (current shape): `userid`, `email`, `cf1`…`cf3`.
    #[pyo3(get)]
    reference: Option<Py<PyAny>>,
    /// The shape it came in: `current`, `older` or `oldest`.
    #[pyo3(get)]
    shape: String,
    /// Whether the body was the encrypted form, decrypted with the key given.
    #[pyo3(get)]
    encrypted: bool,
    /// The whole (decrypted) webhook JSON.
    #[pyo3(get)]
    raw: Py<PyAny>,
    /// The event itself, for `Client.confirm_webhook` and `Ledger.apply_webhook`.
    inner: Event,
}

impl PyFaceAuthEvent {
    fn new(py: Python<'_>, event: FaceAuthEvent) -> PyResult<Self> {
        let inner = Event::FaceAuth(event.clone());
        let reference = match &event.reference {
            Some(r) => {
                let dict = PyDict::new(py);
                dict.set_item("userid", &r.userid)?;
                dict.set_item("email", &r.email)?;
                dict.set_item("cf1", &r.cf1)?;
                dict.set_item("cf2", &r.cf2)?;
                dict.set_item("cf3", &r.cf3)?;
                Some(dict.into_any().unbind())
            }
            None => None,
        };
        Ok(PyFaceAuthEvent {
            create_time: parse_time(py, event.create_time.as_deref())?.map(Bound::unbind),
            raw: value_to_py(py, &event.raw)?.unbind(),
            status: event.status.as_ref().map(|s| s.as_str().to_owned()),
            shape: event.shape.as_str().to_owned(),
            encrypted: event.encrypted,
            inner,
            reference,
            auth_id: event.auth_id,
            submission_id: event.submission_id,
            user_id: event.user_id,
            cf1: event.cf1,
            cf2: event.cf2,
            cf3: event.cf3,
            token_id: event.token_id,
        })
    }
}

#[pymethods]
impl PyFaceAuthEvent {
    /// `"faceAuth"`.
    #[getter]
    fn event(&self) -> &'static str {
        webhook::TRIGGER_FACE_AUTH
    }

    /// The fields as a `dict` (`event` first; `raw` left out).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("event", self.event())?;
        dict.set_item("auth_id", &self.auth_id)?;
        dict.set_item("submission_id", &self.submission_id)?;
        dict.set_item("status", &self.status)?;
        dict.set_item("create_time", &self.create_time)?;
        dict.set_item("user_id", &self.user_id)?;
        dict.set_item("cf1", &self.cf1)?;
        dict.set_item("cf2", &self.cf2)?;
        dict.set_item("cf3", &self.cf3)?;
        dict.set_item("token_id", &self.token_id)?;
        dict.set_item("reference", &self.reference)?;
        dict.set_item("shape", &self.shape)?;
        dict.set_item("encrypted", self.encrypted)?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "FaceAuthEvent(auth_id={}, submission_id={}, status={}, user_id={}, token_id={}, create_time={})",
            repr_opt(py, self.auth_id.as_deref()),
            repr_opt(py, self.submission_id.as_deref()),
            repr_opt(py, self.status.as_deref()),
            repr_opt(py, self.user_id.as_deref()),
            repr_opt(py, self.token_id.as_deref()),
            self.create_time.as_ref().map_or_else(|| "None".to_owned(), |t| py_repr(t.bind(py))),
        )
    }
}

/// A `token_expired` webhook: a token id expired.
#[pyclass(frozen, module = "faceauth", name = "TokenExpiredEvent")]
pub struct PyTokenExpiredEvent {
    /// The token id that expired.
    #[pyo3(get)]
    token_id: String,
    /// Why: `count`, `time`, or another condition as sent.
    #[pyo3(get)]
    condition: String,
    /// When it expired (count rule; aware UTC), if sent as RFC 3339.
    #[pyo3(get)]
    expired_at: Option<Py<PyAny>>,
    /// When it expires (time rule; aware UTC), if sent as RFC 3339.
    #[pyo3(get)]
    expected_expired_at: Option<Py<PyAny>>,
    /// Which product sent it: `faceAuth`, `idCheck`, or another as sent.
    #[pyo3(get)]
    service: Option<String>,
    /// Whether the body was the encrypted form, decrypted with the key given.
    #[pyo3(get)]
    encrypted: bool,
    /// The whole (decrypted) webhook JSON.
    #[pyo3(get)]
    raw: Py<PyAny>,
    /// The event itself, for `Client.confirm_webhook` and `Ledger.apply_webhook`.
    inner: Event,
}

impl PyTokenExpiredEvent {
    fn new(py: Python<'_>, event: TokenExpiredEvent) -> PyResult<Self> {
        let inner = Event::TokenExpired(event.clone());
        Ok(PyTokenExpiredEvent {
            encrypted: event.encrypted,
            inner,
            expired_at: parse_time(py, event.expired_at.as_deref())?.map(Bound::unbind),
            expected_expired_at: parse_time(py, event.expected_expired_at.as_deref())?.map(Bound::unbind),
            condition: event.condition.as_str().to_owned(),
            service: event.service.as_ref().map(|s| s.as_str().to_owned()),
            raw: value_to_py(py, &event.raw)?.unbind(),
            token_id: event.token_id,
        })
    }
}

#[pymethods]
impl PyTokenExpiredEvent {
    /// `"token_expired"`.
    #[getter]
    fn event(&self) -> &'static str {
        webhook::TRIGGER_TOKEN_EXPIRED
    }

    /// `expired_at` if sent, else `expected_expired_at`.
    #[getter]
    fn expires_at(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.expired_at.as_ref().or(self.expected_expired_at.as_ref()).map(|t| t.clone_ref(py))
    }

    /// The fields as a `dict` (`event` first; `raw` left out).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("event", self.event())?;
        dict.set_item("token_id", &self.token_id)?;
        dict.set_item("condition", &self.condition)?;
        dict.set_item("expired_at", &self.expired_at)?;
        dict.set_item("expected_expired_at", &self.expected_expired_at)?;
        dict.set_item("service", &self.service)?;
        dict.set_item("encrypted", self.encrypted)?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "TokenExpiredEvent(token_id={}, condition={}, expires_at={}, service={})",
            repr_opt(py, Some(&self.token_id)),
            repr_opt(py, Some(&self.condition)),
            self.expires_at(py).map_or_else(|| "None".to_owned(), |t| py_repr(t.bind(py))),
            repr_opt(py, self.service.as_deref()),
        )
    }
}

/// A webhook whose `webhook_trigger` this SDK does not know, or that has none; kept whole.
#[pyclass(frozen, module = "faceauth", name = "UnknownEvent")]
pub struct PyUnknownEvent {
    /// The `webhook_trigger` as sent, if any.
    #[pyo3(get)]
    trigger: Option<String>,
    /// Whether the body was the encrypted form, decrypted with the key given.
    #[pyo3(get)]
    encrypted: bool,
    /// The whole (decrypted) webhook JSON.
    #[pyo3(get)]
    raw: Py<PyAny>,
    /// The event itself, for `Client.confirm_webhook` and `Ledger.apply_webhook`.
    inner: Event,
}

#[pymethods]
impl PyUnknownEvent {
    /// `"unknown"`.
    #[getter]
    fn event(&self) -> &'static str {
        "unknown"
    }

    /// `event`, `trigger` and `raw` as a `dict`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("event", self.event())?;
        dict.set_item("trigger", &self.trigger)?;
        dict.set_item("encrypted", self.encrypted)?;
        dict.set_item("raw", &self.raw)?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("UnknownEvent(trigger={})", repr_opt(py, self.trigger.as_deref()))
    }
}

/// An event as its Python class.
pub fn event_to_py(py: Python<'_>, event: Event) -> PyResult<Bound<'_, PyAny>> {
    Ok(match event {
        Event::FaceAuth(e) => Bound::new(py, PyFaceAuthEvent::new(py, e)?)?.into_any(),
        Event::TokenExpired(e) => Bound::new(py, PyTokenExpiredEvent::new(py, e)?)?.into_any(),
        other => {
            let raw = value_to_py(py, other.raw())?.unbind();
            let trigger = match &other {
                Event::Unknown(e) => e.trigger.clone(),
                _ => other.trigger().map(str::to_owned),
            };
            let encrypted = other.encrypted();
            Bound::new(py, PyUnknownEvent { trigger, encrypted, raw, inner: other })?.into_any()
        }
    })
}

/// The event behind an object `parse_webhook` returned; `None` for any other object.
pub fn event_of(object: &Bound<'_, PyAny>) -> Option<Event> {
    if let Ok(event) = object.cast::<PyFaceAuthEvent>() {
        return Some(event.get().inner.clone());
    }
    if let Ok(event) = object.cast::<PyTokenExpiredEvent>() {
        return Some(event.get().inner.clone());
    }
    object.cast::<PyUnknownEvent>().ok().map(|event| event.get().inner.clone())
}

/// A webhook event confirmed with Argos by `Client.confirm_webhook`: `.event` is the event
/// with Argos's status, time and submission (a `FaceAuthEvent`), or the `TokenExpiredEvent`
/// of an encrypted body; `.confirmed_by` is `"argos"` or `"encrypted"`; `.score` is Argos's
/// face similarity, if sent; `.record` is Argos's row (an `AuthRecord`), for `faceAuth`.
/// `Ledger.apply_confirmed` records it.
#[pyclass(frozen, module = "faceauth", name = "ConfirmedEvent")]
pub struct PyConfirmedEvent {
    pub(crate) inner: ConfirmedEvent,
}

#[pymethods]
impl PyConfirmedEvent {
    /// The confirmed event: a `FaceAuthEvent` with Argos's facts, or a `TokenExpiredEvent`.
    #[getter]
    fn event<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        event_to_py(py, self.inner.event().clone())
    }

    /// `"argos"` (fetched back from Argos) or `"encrypted"` (an encrypted `token_expired`).
    #[getter]
    fn confirmed_by(&self) -> &'static str {
        self.inner.basis().as_str()
    }

    /// Argos's face similarity score, when its record carries one.
    #[getter]
    fn score(&self) -> Option<f64> {
        self.inner.score()
    }

    /// Argos's record of the result (`faceAuth` only).
    #[getter]
    fn record(&self) -> Option<crate::client::PyAuthRecord> {
        self.inner.record().cloned().map(crate::client::PyAuthRecord)
    }

    /// The event's fields, `confirmed_by`, `score` and Argos's `record` (as JSON), as a `dict`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.inner.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let event = self.inner.event();
        let (auth_id, status) = match event {
            Event::FaceAuth(e) => (e.auth_id.as_deref(), e.status.as_ref().map(|s| s.as_str())),
            _ => (None, None),
        };
        format!(
            "ConfirmedEvent(event={}, confirmed_by={}, auth_id={}, status={})",
            repr_opt(py, event.to_json()["event"].as_str()),
            repr_opt(py, Some(self.confirmed_by())),
            repr_opt(py, auth_id),
            repr_opt(py, status),
        )
    }
}

/// The bytes of a webhook body given as `bytes`, `bytearray`, `memoryview` or `str`.
pub fn body_bytes(body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = body.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = body.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(bytes) = body.extract::<Vec<u8>>() {
        if !body.is_instance_of::<PyString>() {
            return Ok(bytes);
        }
    }
    let name = body.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(PyTypeError::new_err(format!("body must be bytes or str, not {name}")))
}

/// `faceauth.parse_webhook(body, api_key=None, *, scheme="ecb")`: parses a webhook request body,
/// decrypting it with the ID check project's key when it is encrypted (`{"data": "…"}`).
#[pyfunction]
#[pyo3(signature = (body, api_key = None, *, scheme = "ecb"))]
fn parse_webhook<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    api_key: Option<&str>,
    scheme: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = body_bytes(body)?;
    let cipher = api_key.map(|key| cipher_of(key, scheme)).transpose()?;
    let event = webhook::parse(&bytes, cipher.as_ref()).map_err(to_py_err)?;
    event_to_py(py, event)
}

/// Adds `parse_webhook` and the event classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFaceAuthEvent>()?;
    m.add_class::<PyTokenExpiredEvent>()?;
    m.add_class::<PyUnknownEvent>()?;
    m.add_class::<PyConfirmedEvent>()?;
    m.add_function(wrap_pyfunction!(parse_webhook, m)?)?;
    Ok(())
}
