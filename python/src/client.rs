//! The FaceAuth REST client: `Client`, its results (`AuthResult`, `AuthRecord`, `Scores`,
//! `Image`) and the lazy listing (`Records`).
//!
//! Every request runs with the GIL released ([`Python::detach`]): other Python threads go on
//! while one waits for Argos, and a server running in a thread of the same process can answer.
//! One `Client` is shared safely by any number of threads. On the main thread a Ctrl-C aborts
//! the request in flight ([`crate::call`]).
//!
//! Also `system_time`, the way from Python `datetime`s to Rust times that ledger and testing share
//! (the other way is `crate::convert`).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use faceauth::api::{
    AuthRecord, AuthResult, Client, ListQuery, Records, Scores, Submission, DEFAULT_BASE_URL,
};
use faceauth::token::time::from_ms;
use faceauth::url::redact_credentials;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::call::{Call, PyCancel};
use crate::convert::{parse_time, repr_opt, utc_datetime_ms, value_to_py};
use crate::errors::{invalid_argument_err, to_py_err};

/// Adds this area's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClient>()?;
    m.add_class::<PyAuthResult>()?;
    m.add_class::<PyAuthRecord>()?;
    m.add_class::<PyScores>()?;
    m.add_class::<PyImage>()?;
    m.add_class::<PyRecords>()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Python times to Rust (the other way is `crate::convert`), shared by client, ledger and testing.

/// `datetime.datetime(1970, 1, 1, tzinfo=timezone.utc)` and `datetime.timedelta(milliseconds=1)`.
fn epoch_and_ms(py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let epoch = utc_datetime_ms(py, 0)?;
    let ms = py.import("datetime")?.getattr("timedelta")?.call1((0, 0, 0, 1))?;
    Ok((epoch, ms))
}

/// An aware `datetime` as a time (to the millisecond, rounded down). A naive one is refused:
/// the SDK cannot guess its zone.
pub(crate) fn system_time(value: &Bound<'_, PyAny>, what: &str) -> PyResult<SystemTime> {
    let py = value.py();
    let class = py.import("datetime")?.getattr("datetime")?;
    if !value.is_instance(&class)? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.datetime, not {}",
            value.get_type().name()?
        )));
    }
    if value.call_method0("utcoffset")?.is_none() {
        return Err(invalid_argument_err(
            py,
            format!("{what} must be timezone-aware (for example datetime.now(timezone.utc))"),
        ));
    }
    let (epoch, ms) = epoch_and_ms(py)?;
    let millis: i64 = value.sub(epoch)?.floor_div(ms)?.extract()?;
    Ok(from_ms(millis))
}

/// An optional aware `datetime`, or now.
pub(crate) fn time_or_now(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<SystemTime> {
    value.filter(|v| !v.is_none()).map_or_else(|| Ok(SystemTime::now()), |v| system_time(v, what))
}

// ---------------------------------------------------------------------------------------------
// The client.

/// The selfie given to `submit`: bytes, or a file to read (with the GIL released).
enum ImageArg {
    Bytes(PyBackedBytes),
    Path(PathBuf),
}

impl ImageArg {
    fn extract(image: &Bound<'_, PyAny>) -> PyResult<ImageArg> {
        if let Ok(bytes) = image.extract::<PyBackedBytes>() {
            return Ok(ImageArg::Bytes(bytes));
        }
        let path_like = image.is_instance_of::<PyString>() || image.hasattr("__fspath__")?;
        if path_like {
            if let Ok(path) = image.extract::<PathBuf>() {
                return Ok(ImageArg::Path(path));
            }
        }
        Err(PyTypeError::new_err(format!(
            "image must be bytes or a path (str or os.PathLike), not {}",
            image.get_type().name()?
        )))
    }
}

/// What can fail in a request made without the GIL.
enum Failure {
    Io(std::io::Error),
    Core(faceauth::Error),
}

impl Failure {
    fn into_py(self) -> PyErr {
        match self {
            Failure::Io(err) => err.into(),
            Failure::Core(err) => to_py_err(err),
        }
    }
}

impl From<faceauth::api::ApiError> for Failure {
    fn from(err: faceauth::api::ApiError) -> Failure {
        Failure::Core(err.into())
    }
}

/// A client of the FaceAuth REST API.
///
/// `Client(api_key, *, base_url=None, timeout=60.0, max_retries=2, proxy=None, no_proxy=None,
/// proxy_from_env=True, ca_file=None, platform_roots=False, user_agent_suffix=None,
/// on_attempt=None)`. Thread-safe: share one. A context manager; `close()` (or leaving the
/// `with` block) makes later calls raise `ValueError`. The API key never appears in its `repr`
/// or in errors, nor a proxy's password. Every call takes `timeout=` (seconds for the whole
/// call, retries included) and `cancel=` (a `faceauth.Cancel`); Ctrl-C aborts a call.
#[pyclass(module = "faceauth", name = "Client", frozen)]
pub struct PyClient {
    inner: RwLock<Option<Client>>,
    /// The base URL without credentials, for `repr`.
    base_url: String,
    timeout: f64,
    max_retries: u32,
    /// The explicit proxy without credentials, for `repr`.
    proxy: Option<String>,
    ca_file: Option<PathBuf>,
}

impl PyClient {
    fn client(&self) -> PyResult<Client> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.clone().ok_or_else(|| PyValueError::new_err("the client is closed"))
    }
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (api_key, *, base_url=None, timeout=60.0, max_retries=2, proxy=None, no_proxy=None, proxy_from_env=true, ca_file=None, platform_roots=false, user_agent_suffix=None, on_attempt=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python constructor")]
    fn new(
        py: Python<'_>,
        api_key: &str,
        base_url: Option<&str>,
        timeout: f64,
        max_retries: i64,
        proxy: Option<&str>,
        no_proxy: Option<&str>,
        proxy_from_env: bool,
        ca_file: Option<PathBuf>,
        platform_roots: bool,
        user_agent_suffix: Option<&str>,
        on_attempt: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let duration =
            Duration::try_from_secs_f64(timeout).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
                invalid_argument_err(
                    py,
                    format!("timeout must be a positive number of seconds, got {timeout}"),
                )
            })?;
        let retries = u32::try_from(max_retries).map_err(|_| {
            invalid_argument_err(py, format!("max_retries must be 0 or more, got {max_retries}"))
        })?;
        let base = base_url.unwrap_or(DEFAULT_BASE_URL);
        let mut builder = Client::builder(api_key)
            .base_url(base)
            .timeout(duration)
            .max_retries(retries)
            .binding("python")
            .proxy_from_env(proxy_from_env)
            .platform_roots(platform_roots);
        if let Some(proxy) = proxy {
            builder = builder.proxy(proxy);
        }
        if let Some(hosts) = no_proxy {
            builder = builder.no_proxy(hosts);
        }
        if let Some(path) = &ca_file {
            builder = builder.ca_file(path);
        }
        if let Some(suffix) = user_agent_suffix {
            builder = builder.user_agent_suffix(suffix);
        }
        if let Some(callable) = on_attempt.filter(|c| !c.is_none()) {
            if !callable.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "on_attempt must be callable, not {}",
                    callable.get_type().name()?
                )));
            }
            builder = builder.on_attempt(crate::attempt::hook(callable.unbind()));
        }
        // Reading the CA file may take a moment: without the GIL.
        let client = py.detach(move || builder.build()).map_err(to_py_err)?;
        Ok(PyClient {
            inner: RwLock::new(Some(client)),
            base_url: redact_credentials(base.trim_end_matches('/')).into_owned(),
            timeout,
            max_retries: retries,
            proxy: proxy.map(|p| redact_credentials(p).into_owned()),
            ca_file,
        })
    }

    /// The REST base URL (credentials in it are redacted).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Seconds one attempt may take.
    #[getter]
    fn timeout(&self) -> f64 {
        self.timeout
    }

    /// How many times a failed GET or DELETE is repeated.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The proxy given as `proxy=` (its credentials redacted), or `None`.
    #[getter]
    fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// The CA bundle given as `ca_file=`, or `None`.
    #[getter]
    fn ca_file(&self) -> Option<String> {
        self.ca_file.as_deref().map(|p| p.to_string_lossy().into_owned())
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    /// The user agent sent with every request.
    #[getter]
    fn user_agent(&self) -> PyResult<String> {
        Ok(self.client()?.user_agent().to_owned())
    }

    /// Releases the client's connections and wipes its key; later calls raise `ValueError`.
    /// Idempotent.
    fn close(&self) {
        self.inner.write().unwrap_or_else(PoisonError::into_inner).take();
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().client()?;
        Ok(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let closed = if self.closed() { ", closed" } else { "" };
        let proxy =
            self.proxy.as_deref().map(|p| format!(", proxy={}", crate::convert::repr_redacted(py, p)));
        let ca_file = self
            .ca_file
            .as_deref()
            .map(|p| format!(", ca_file={}", repr_opt(py, Some(&p.to_string_lossy()))));
        format!(
            "Client(base_url={}, timeout={:?}, max_retries={}{}{}{closed})",
            crate::convert::repr_redacted(py, &self.base_url),
            self.timeout,
            self.max_retries,
            proxy.unwrap_or_default(),
            ca_file.unwrap_or_default()
        )
    }

    /// POST /faceauth: compares a selfie with the approved submission's. A rejected face is a
    /// result with status `rejected`, not an error.
    #[pyo3(signature = (submission_id, image, *, user_id=None, cf1=None, cf2=None, cf3=None, file_name=None, content_type=None, timeout=None, cancel=None))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn submit(
        &self,
        py: Python<'_>,
        submission_id: String,
        image: &Bound<'_, PyAny>,
        user_id: Option<String>,
        cf1: Option<String>,
        cf2: Option<String>,
        cf3: Option<String>,
        file_name: Option<String>,
        content_type: Option<String>,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<PyAuthResult> {
        let image = ImageArg::extract(image)?;
        let client = self.client()?;
        let call = Call::new(py, timeout, cancel.as_deref())?;
        let options = call.options.clone();
        let result = call.run(py, move || -> Result<AuthResult, Failure> {
            let (bytes, name): (Cow<'_, [u8]>, Option<String>) = match &image {
                ImageArg::Bytes(bytes) => (Cow::Borrowed(bytes.as_ref()), None),
                ImageArg::Path(path) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        Failure::Io(std::io::Error::new(
                            e.kind(),
                            format!("cannot read {}: {e}", path.display()),
                        ))
                    })?;
                    (Cow::Owned(bytes), path.file_name().and_then(|n| n.to_str()).map(str::to_owned))
                }
            };
            let mut submission = Submission::new(&submission_id, &bytes);
            if let Some(name) = file_name.as_deref().or(name.as_deref()) {
                submission = submission.file_name(name);
            }
            if let Some(value) = content_type.as_deref() {
                submission = submission.content_type(value);
            }
            if let Some(value) = user_id.as_deref() {
                submission = submission.user_id(value);
            }
            if let Some(value) = cf1.as_deref() {
                submission = submission.cf1(value);
            }
            if let Some(value) = cf2.as_deref() {
                submission = submission.cf2(value);
            }
            if let Some(value) = cf3.as_deref() {
                submission = submission.cf3(value);
            }
            Ok(client.submit_with(&options, &submission)?)
        })?;
        result.map(PyAuthResult).map_err(Failure::into_py)
    }

    /// GET /faceauth?authId=…: one result.
    #[pyo3(signature = (auth_id, *, timeout=None, cancel=None))]
    fn get(
        &self,
        py: Python<'_>,
        auth_id: String,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<PyAuthRecord> {
        let client = self.client()?;
        let call = Call::new(py, timeout, cancel.as_deref())?;
        let options = call.options.clone();
        call.run(py, move || client.get_with(&options, &auth_id))?.map(PyAuthRecord).map_err(to_py_err)
    }

    /// Confirms a webhook event (from `parse_webhook`) with Argos before it is acted on:
    /// fetches a `faceAuth` result back by its authentication id and returns a
    /// `ConfirmedEvent` with Argos's status, time and submission; a `token_expired` event is
    /// confirmed only when its body was encrypted. Record it with `Ledger.apply_confirmed`.
    /// Raises `WebhookError` (`.kind` `webhook_unconfirmed`: Argos has no such result;
    /// `webhook_mismatch`: it belongs to another submission or user; `webhook_unverifiable`:
    /// it cannot be confirmed), or the API's error when Argos cannot be asked (then answer the
    /// sender so that it retries).
    #[pyo3(signature = (event, *, timeout=None, cancel=None))]
    fn confirm_webhook(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<crate::webhook::PyConfirmedEvent> {
        let Some(event) = crate::webhook::event_of(event) else {
            return Err(PyTypeError::new_err(format!(
                "event must be an event from parse_webhook, not {}",
                event.get_type().name()?
            )));
        };
        let client = self.client()?;
        let call = Call::new(py, timeout, cancel.as_deref())?;
        let options = call.options.clone();
        call.run(py, move || faceauth::webhook::confirm_with(&event, &client, &options))?
            .map(|inner| crate::webhook::PyConfirmedEvent { inner })
            .map_err(to_py_err)
    }

    /// GET /faceauth: every result, as a lazy iterator that fetches page after page (with the
    /// GIL released) as it is consumed. Dates are `yyyy-mm-dd` text or `datetime.date`s, both
    /// or neither; `count` is the page size (1 to 2000).
    #[pyo3(signature = (*, start_date=None, end_date=None, count=None, timeout=None, cancel=None))]
    fn list(
        &self,
        py: Python<'_>,
        start_date: Option<&Bound<'_, PyAny>>,
        end_date: Option<&Bound<'_, PyAny>>,
        count: Option<i64>,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<PyRecords> {
        let start = start_date.filter(|d| !d.is_none()).map(|d| date_text(d, "start_date")).transpose()?;
        let end = end_date.filter(|d| !d.is_none()).map(|d| date_text(d, "end_date")).transpose()?;
        let mut query = ListQuery::new();
        match (&start, &end) {
            (Some(start), Some(end)) => query = query.dates(start, end),
            (None, None) => {}
            _ => {
                return Err(invalid_argument_err(
                    py,
                    "start_date and end_date go together: give both or neither".to_owned(),
                ))
            }
        }
        if let Some(count) = count {
            let count = u32::try_from(count)
                .map_err(|_| invalid_argument_err(py, format!("count must be 1 to 2000, got {count}")))?;
            query = query.count(count);
        }
        let call = Call::listing(py, timeout, cancel.as_deref())?;
        let records = self.client()?.into_list_with(&call.options, &query).map_err(to_py_err)?;
        Ok(PyRecords { records: Arc::new(Mutex::new(records)), call })
    }

    /// GET /faceauth/image?authId=…: the selfie, as `Image(.data, .content_type)`.
    #[pyo3(signature = (auth_id, *, timeout=None, cancel=None))]
    fn image(
        &self,
        py: Python<'_>,
        auth_id: String,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<PyImage> {
        let client = self.client()?;
        let call = Call::new(py, timeout, cancel.as_deref())?;
        let options = call.options.clone();
        let image = call.run(py, move || client.image_with(&options, &auth_id))?.map_err(to_py_err)?;
        Ok(PyImage {
            data: PyBytes::new(py, &image.bytes).unbind(),
            content_type: image.content_type.to_owned(),
        })
    }

    /// DELETE /faceauth?authId=…: erases the image and personal data of a result.
    #[pyo3(signature = (auth_id, *, timeout=None, cancel=None))]
    fn delete(
        &self,
        py: Python<'_>,
        auth_id: String,
        timeout: Option<f64>,
        cancel: Option<PyRef<'_, PyCancel>>,
    ) -> PyResult<()> {
        let client = self.client()?;
        let call = Call::new(py, timeout, cancel.as_deref())?;
        let options = call.options.clone();
        call.run(py, move || client.delete_with(&options, &auth_id))?.map_err(to_py_err)
    }
}

/// A list date as `yyyy-mm-dd`: text as given (core checks it), a `date` as its ISO form, an
/// aware `datetime` as its UTC date.
fn date_text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(text) = value.extract::<String>() {
        return Ok(text);
    }
    let py = value.py();
    let module = py.import("datetime")?;
    if value.is_instance(&module.getattr("datetime")?)? {
        let utc = module.getattr("timezone")?.getattr("utc")?;
        system_time(value, what)?;
        return value
            .call_method1("astimezone", (utc,))?
            .call_method0("date")?
            .call_method0("isoformat")?
            .extract();
    }
    if value.is_instance(&module.getattr("date")?)? {
        return value.call_method0("isoformat")?.extract();
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a yyyy-mm-dd str or a datetime.date, not {}",
        value.get_type().name()?
    )))
}

// ---------------------------------------------------------------------------------------------
// Results.

/// The answer to `Client.submit`: approved, or rejected with fail codes and comments.
#[pyclass(module = "faceauth", name = "AuthResult", frozen)]
pub struct PyAuthResult(AuthResult);

#[pymethods]
impl PyAuthResult {
    /// `authentication_id`: the id of this result.
    #[getter]
    fn auth_id(&self) -> &str {
        &self.0.auth_id
    }

    /// `approved`, `rejected`, or any other status as sent.
    #[getter]
    fn status(&self) -> &str {
        self.0.status.as_str()
    }

    /// True when the face matched.
    #[getter]
    fn approved(&self) -> bool {
        self.0.status == faceauth::api::AuthStatus::Approved
    }

    /// `create_time` as an aware UTC `datetime`, if sent.
    #[getter]
    fn create_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        parse_time(py, self.0.create_time.as_deref())
    }

    /// The scores the project's options enable.
    #[getter]
    fn scores(&self) -> PyScores {
        PyScores(self.0.scores.clone())
    }

    /// `fail_code`, when rejected (unknown codes are kept as sent).
    #[getter]
    fn fail_codes(&self) -> Vec<String> {
        self.0.fail_codes.iter().map(|c| c.as_str().to_owned()).collect()
    }

    /// `rejected_comment`, when rejected.
    #[getter]
    fn rejected_comments(&self) -> Vec<String> {
        self.0.rejected_comments.clone()
    }

    /// The whole response, as `faceauth auth submit` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.0.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AuthResult(auth_id={}, status={}, create_time={}, fail_codes=[{}])",
            repr_opt(py, Some(&self.0.auth_id)),
            repr_opt(py, Some(self.0.status.as_str())),
            repr_opt(py, self.0.create_time.as_deref()),
            self.0.fail_codes.iter().map(|c| repr_opt(py, Some(c.as_str()))).collect::<Vec<_>>().join(", ")
        )
    }
}

/// The scores of a result; each is `None` unless the project's options enable it.
#[pyclass(module = "faceauth", name = "Scores", frozen)]
pub struct PyScores(Scores);

#[pymethods]
impl PyScores {
    /// `face_similarity_score` (0-100).
    #[getter]
    fn face_similarity(&self) -> Option<f64> {
        self.0.face_similarity
    }

    /// `occluded_score`.
    #[getter]
    fn occluded(&self) -> Option<f64> {
        self.0.occluded
    }

    /// `face_cover_score`.
    #[getter]
    fn face_cover(&self) -> Option<f64> {
        self.0.face_cover
    }

    /// `head_cover_score`.
    #[getter]
    fn head_cover(&self) -> Option<f64> {
        self.0.head_cover
    }

    /// The four scores by name.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("face_similarity", self.0.face_similarity)?;
        dict.set_item("occluded", self.0.occluded)?;
        dict.set_item("face_cover", self.0.face_cover)?;
        dict.set_item("head_cover", self.0.head_cover)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let show = |v: Option<f64>| v.map_or_else(|| "None".to_owned(), |v| format!("{v:?}"));
        format!(
            "Scores(face_similarity={}, occluded={}, face_cover={}, head_cover={})",
            show(self.0.face_similarity),
            show(self.0.occluded),
            show(self.0.face_cover),
            show(self.0.head_cover)
        )
    }
}

/// One FaceAuth result, as `Client.get` and `Client.list` return it.
#[pyclass(module = "faceauth", name = "AuthRecord", frozen)]
pub struct PyAuthRecord(pub(crate) AuthRecord);

#[pymethods]
impl PyAuthRecord {
    /// `auth_id`.
    #[getter]
    fn auth_id(&self) -> &str {
        &self.0.auth_id
    }

    /// `approved`, `rejected`, or any other status as sent.
    #[getter]
    fn status(&self) -> &str {
        self.0.status.as_str()
    }

    /// True when the face matched.
    #[getter]
    fn approved(&self) -> bool {
        self.0.status == faceauth::api::AuthStatus::Approved
    }

    /// `create_time` as an aware UTC `datetime`, if sent.
    #[getter]
    fn create_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        parse_time(py, self.0.create_time.as_deref())
    }

    /// `submit_type`: `form` (the hosted page) or `api` (`Client.submit`).
    #[getter]
    fn submit_type(&self) -> Option<&str> {
        self.0.submit_type.as_deref()
    }

    /// `kyc_submission_id`: the ID check submission.
    #[getter]
    fn submission_id(&self) -> Option<&str> {
        self.0.submission_id.as_deref()
    }

    /// `delete_check`: the image and personal data were erased.
    #[getter]
    fn deleted(&self) -> bool {
        self.0.deleted
    }

    /// `faceAuth_projectId`, when the response names the project.
    #[getter]
    fn project_id(&self) -> Option<&str> {
        self.0.project_id.as_deref()
    }

    /// `reject_comment`, when present.
    #[getter]
    fn reject_comments(&self) -> Vec<String> {
        self.0.reject_comments.clone()
    }

    /// The row as received (with `policy`, `result`, …), as `faceauth auth get` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.0.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AuthRecord(auth_id={}, status={}, create_time={}, submission_id={})",
            repr_opt(py, Some(&self.0.auth_id)),
            repr_opt(py, Some(self.0.status.as_str())),
            repr_opt(py, self.0.create_time.as_deref()),
            repr_opt(py, self.0.submission_id.as_deref())
        )
    }
}

/// The selfie of a result: `.data` (bytes) and `.content_type` (sniffed from the bytes).
#[pyclass(module = "faceauth", name = "Image", frozen)]
pub struct PyImage {
    data: Py<PyBytes>,
    content_type: String,
}

#[pymethods]
impl PyImage {
    /// The image bytes.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// `image/jpeg`, `image/png`, … or `application/octet-stream`.
    #[getter]
    fn content_type(&self) -> &str {
        &self.content_type
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("Image(content_type={}, {} bytes)", repr_opt(py, Some(&self.content_type)), self.__len__(py))
    }
}

/// The results of `Client.list`, fetched page by page as the iteration goes (each fetch with
/// the GIL released; a Ctrl-C during one cancels the listing). A failed page raises once,
/// then the iteration ends. After the end,
/// `.incomplete` says why more rows may exist, or is `None`.
#[pyclass(module = "faceauth", name = "Records", frozen)]
pub struct PyRecords {
    records: Arc<Mutex<Records<'static>>>,
    /// The listing's options (its deadline, its cancel handle, which Ctrl-C triggers).
    call: Call,
}

#[pymethods]
impl PyRecords {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyAuthRecord>> {
        let records = Arc::clone(&self.records);
        let next =
            self.call.run(py, move || records.lock().unwrap_or_else(PoisonError::into_inner).next())?;
        match next {
            None => Ok(None),
            Some(Ok(record)) => Ok(Some(PyAuthRecord(record))),
            Some(Err(err)) => Err(to_py_err(err)),
        }
    }

    /// How many pages were fetched so far.
    #[getter]
    fn pages(&self, py: Python<'_>) -> usize {
        py.detach(|| self.records.lock().unwrap_or_else(PoisonError::into_inner).pages())
    }

    /// Once the iteration has ended: why the listing cannot know it returned every row, or
    /// `None` (the usual case).
    #[getter]
    fn incomplete(&self, py: Python<'_>) -> Option<String> {
        py.detach(|| {
            self.records.lock().unwrap_or_else(PoisonError::into_inner).incomplete().map(ToString::to_string)
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("Records(pages={})", self.pages(py))
    }
}
