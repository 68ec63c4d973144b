//! Conversions every area shares: JSON to Python objects, times to aware UTC `datetime`s, and
//! `repr` text.

use std::time::SystemTime;

use faceauth::token::time::{parse_rfc3339, to_ms};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A JSON value as Python objects (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`), by
/// Python's own `json.loads`, so big integers keep every digit.
pub fn json_to_py<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    let loads = JSON_LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    loads.bind(py).call1((json,))
}

/// A `serde_json::Value` as Python objects (see [`json_to_py`]).
pub fn value_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &value.to_string())
}

/// Milliseconds since the Unix epoch as an aware UTC `datetime`, exact to the millisecond.
pub fn utc_datetime_ms(py: Python<'_>, ms: i64) -> PyResult<Bound<'_, PyAny>> {
    let epoch = EPOCH.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("tzinfo", utc)?;
        Ok(datetime.getattr("datetime")?.call((1970, 1, 1), Some(&kwargs))?.unbind())
    })?;
    let timedelta = TIMEDELTA.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("datetime")?.getattr("timedelta")?.unbind())
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("milliseconds", ms)?;
    let delta = timedelta.bind(py).call((), Some(&kwargs))?;
    epoch.bind(py).add(delta)
}

/// A `SystemTime` as an aware UTC `datetime`.
pub fn utc_datetime(py: Python<'_>, time: SystemTime) -> PyResult<Bound<'_, PyAny>> {
    utc_datetime_ms(py, to_ms(time))
}

/// An RFC 3339 time as sent by Argos (`2025-11-12T02:23:13.588Z`, or with an offset) as an
/// aware UTC `datetime`; `None` when absent or not RFC 3339 (the event's `raw` keeps the text).
pub fn parse_time<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match text.and_then(parse_rfc3339) {
        Some(time) => utc_datetime(py, time).map(Some),
        None => Ok(None),
    }
}

/// `repr()` of a Python object, for readable `__repr__`s.
pub fn py_repr(value: &Bound<'_, PyAny>) -> String {
    value.repr().map(|r| r.to_string()).unwrap_or_else(|_| "<?>".to_owned())
}

/// `repr()` of a URL, a ledger location or any text that may hold one, with every credential
/// replaced by `<redacted>` by core's one rule ([`faceauth::url::redact_credentials`]).
pub fn repr_redacted(py: Python<'_>, text: &str) -> String {
    repr_opt(py, Some(&faceauth::url::redact_credentials(text)))
}

/// `repr()` of an optional string, as Python writes it (`'text'` or `None`).
pub fn repr_opt(py: Python<'_>, value: Option<&str>) -> String {
    match value {
        Some(text) => py_repr(PyString::new(py, text).as_any()),
        None => "None".to_owned(),
    }
}
