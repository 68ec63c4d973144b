//! FaceAuth URLs: `UrlBuilder` (one project's links, one at a time or in bulk) and
//! `inspect_url` (a link taken apart).

use faceauth::url::{self, AuthParams, Inspection, UrlBuilder, DEFAULT_BASE_URL};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert::{json_to_py, repr_opt};
use crate::crypto::{cipher_of, PyCipher};
use crate::errors::{to_py_err, to_py_err_at_row};

/// `faceauth.UrlBuilder(project_id, api_key, scheme="ecb", *, base_url=None, lang=None)`: builds
/// FaceAuth URLs for one project. Thread-safe; the key never appears in its `repr`.
#[pyclass(frozen, module = "faceauth", name = "UrlBuilder")]
pub struct PyUrlBuilder {
    pub(crate) inner: UrlBuilder,
    base_url: String,
    lang: Option<String>,
}

/// One row of `build_many`, owned so the GIL can be released while the URLs are built.
#[derive(Default)]
struct Row {
    sid: String,
    user_id: Option<String>,
    cf1: Option<String>,
    cf2: Option<String>,
    cf3: Option<String>,
    token: Option<String>,
}

impl Row {
    fn params(&self) -> AuthParams<'_> {
        AuthParams {
            sid: self.sid.as_str().into(),
            user_id: self.user_id.as_deref().map(Into::into),
            cf1: self.cf1.as_deref().map(Into::into),
            cf2: self.cf2.as_deref().map(Into::into),
            cf3: self.cf3.as_deref().map(Into::into),
            token: self.token.as_deref().map(Into::into),
        }
    }

    /// Reads one dict with the keyword arguments of `build`: `sid` (required), `user_id`, `cf1`,
    /// `cf2`, `cf3` and `token` (each a `str` or `None`). Any other key is a `TypeError`, as an
    /// unknown keyword is.
    fn extract(index: usize, row: &Bound<'_, PyAny>) -> PyResult<Row> {
        let type_error = |what: String| PyTypeError::new_err(format!("row {index}: {what}"));
        let dict = row.cast::<PyDict>().map_err(|_| {
            let name = row.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            type_error(format!("expected a dict, got {name}"))
        })?;
        let mut out = Row::default();
        let mut has_sid = false;
        for (key, value) in dict.iter() {
            let key = key.cast::<PyString>().map_err(|_| type_error("keys must be str".to_owned()))?;
            let key = key.to_cow()?;
            let slot = match &*key {
                "sid" => {
                    has_sid = true;
                    let text = value
                        .cast::<PyString>()
                        .map_err(|_| type_error(format!("'sid' must be str, not {}", type_name(&value))))?;
                    out.sid = text.to_cow()?.into_owned();
                    continue;
                }
                "user_id" => &mut out.user_id,
                "cf1" => &mut out.cf1,
                "cf2" => &mut out.cf2,
                "cf3" => &mut out.cf3,
                "token" => &mut out.token,
                other => {
                    return Err(type_error(format!(
                        "unknown key '{other}' (expected sid, user_id, cf1, cf2, cf3, token)"
                    )))
                }
            };
            if !value.is_none() {
                let text = value.cast::<PyString>().map_err(|_| {
                    type_error(format!("'{key}' must be str or None, not {}", type_name(&value)))
                })?;
                *slot = Some(text.to_cow()?.into_owned());
            }
        }
        if !has_sid {
            return Err(type_error("missing key 'sid'".to_owned()));
        }
        Ok(out)
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map(|n| n.to_string()).unwrap_or_default()
}

#[pymethods]
impl PyUrlBuilder {
    #[new]
    #[pyo3(signature = (project_id, api_key, scheme = "ecb", *, base_url = None, lang = None))]
    fn new(
        project_id: &str,
        api_key: &str,
        scheme: &str,
        base_url: Option<&str>,
        lang: Option<&str>,
    ) -> PyResult<Self> {
        let mut inner =
            UrlBuilder::with_cipher(project_id, cipher_of(api_key, scheme)?).map_err(to_py_err)?;
        if let Some(base) = base_url {
            inner = inner.base_url(base).map_err(to_py_err)?;
        }
        if let Some(code) = lang {
            inner = inner.lang(code).map_err(to_py_err)?;
        }
        Ok(PyUrlBuilder {
            inner,
            base_url: base_url.map_or(DEFAULT_BASE_URL, |b| b.trim_end_matches('/')).to_owned(),
            lang: lang.map(str::to_owned),
        })
    }

    /// The project id (`pid`).
    #[getter]
    fn project_id(&self) -> &str {
        self.inner.pid()
    }

    /// The variant id (`ecb-sha256`, …).
    #[getter]
    fn variant(&self) -> &'static str {
        self.inner.variant().id()
    }

    /// The scheme: `ecb`, `gcm` or `cbc`.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.variant().scheme().name()
    }

    /// The base URL links point at (no trailing `/`).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The page language, if set.
    #[getter]
    fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// The builder's cipher (the same key and variant), e.g. for `Cipher.decrypt`.
    #[getter]
    fn cipher(&self) -> PyCipher {
        PyCipher { inner: self.inner.cipher().clone() }
    }

    /// Builds the URL for one user.
    #[pyo3(signature = (sid, *, user_id = None, cf1 = None, cf2 = None, cf3 = None, token = None))]
    fn build(
        &self,
        sid: &str,
        user_id: Option<&str>,
        cf1: Option<&str>,
        cf2: Option<&str>,
        cf3: Option<&str>,
        token: Option<&str>,
    ) -> PyResult<String> {
        let params = AuthParams {
            sid: sid.into(),
            user_id: user_id.map(Into::into),
            cf1: cf1.map(Into::into),
            cf2: cf2.map(Into::into),
            cf3: cf3.map(Into::into),
            token: token.map(Into::into),
        };
        self.inner.build(&params).map_err(to_py_err)
    }

    /// Builds one URL per row: `rows` is an iterable of dicts with `build`'s keyword arguments
    /// (`sid` required). The rows are read first, then every URL is built with the GIL
    /// released. An error names its row (`.row`, counted from 0); no URL is returned then.
    fn build_many<'py>(&self, py: Python<'py>, rows: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let mut owned = Vec::with_capacity(rows.len().unwrap_or(0));
        for (index, row) in rows.try_iter()?.enumerate() {
            owned.push(Row::extract(index, &row?)?);
        }
        let built = py.detach(|| {
            // One buffer for every URL; `ends[i]` is where URL i ends.
            let mut text = String::with_capacity(owned.len() * 256);
            let mut ends = Vec::with_capacity(owned.len());
            for (index, row) in owned.iter().enumerate() {
                self.inner.build_to(&row.params(), &mut text).map_err(|e| (index, e))?;
                ends.push(text.len());
            }
            Ok((text, ends))
        });
        let (text, ends) = built.map_err(|(index, err)| to_py_err_at_row(err, index))?;
        let mut start = 0;
        let urls = ends.iter().map(|&end| {
            let url = PyString::new(py, &text[start..end]);
            start = end;
            url
        });
        PyList::new(py, urls)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "UrlBuilder(project_id={}, variant='{}', base_url={}, lang={})",
            repr_opt(py, Some(self.inner.pid())),
            self.inner.variant().id(),
            repr_opt(py, Some(&self.base_url)),
            repr_opt(py, self.lang.as_deref()),
        )
    }
}

/// What `inspect_url` found in a FaceAuth URL.
#[pyclass(frozen, module = "faceauth", name = "InspectReport")]
pub struct PyInspectReport {
    inspection: Inspection,
    variant: &'static str,
}

#[pymethods]
impl PyInspectReport {
    /// The project id, in clear in the URL.
    #[getter]
    fn pid(&self) -> &str {
        &self.inspection.pid
    }

    /// The page language, if the URL sets one.
    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inspection.lang.as_deref()
    }

    /// Everything before `/face-auth?`.
    #[getter]
    fn base_url(&self) -> &str {
        &self.inspection.base_url
    }

    /// The id of the variant that decrypted it.
    #[getter]
    fn variant(&self) -> &'static str {
        self.variant
    }

    /// The decrypted parameters present, by their payload keys (`sid`, `authUserId`,
    /// `authCf1`…`authCf3`, `token`), in the spec's order.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in self.inspection.params.fields() {
            if let Some(value) = value {
                dict.set_item(key, value)?;
            }
        }
        Ok(dict)
    }

    /// Payload keys outside the spec's list, with their values as sent.
    #[getter]
    fn unknown_fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for field in &self.inspection.unknown_fields {
            dict.set_item(&field.name, json_to_py(py, &field.json)?)?;
        }
        Ok(dict)
    }

    /// `sid`: the submission id.
    #[getter]
    fn sid(&self) -> &str {
        &self.inspection.params.sid
    }

    /// `authUserId`, if present.
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.inspection.params.user_id.as_deref()
    }

    /// `authCf1`, if present.
    #[getter]
    fn cf1(&self) -> Option<&str> {
        self.inspection.params.cf1.as_deref()
    }

    /// `authCf2`, if present.
    #[getter]
    fn cf2(&self) -> Option<&str> {
        self.inspection.params.cf2.as_deref()
    }

    /// `authCf3`, if present.
    #[getter]
    fn cf3(&self) -> Option<&str> {
        self.inspection.params.cf3.as_deref()
    }

    /// `token`, if present.
    #[getter]
    fn token(&self) -> Option<&str> {
        self.inspection.params.token.as_deref()
    }

    /// The report as `faceauth inspect --json` prints it: `base_url`, `pid`, `lang`, `variant`,
    /// `params`, `unknown_fields`, `percent_decoded`, `spaces_as_plus`, `whitespace_removed`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_string(&self.inspection.to_json(self.variant)).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot serialize the report: {e}"))
        })?;
        json_to_py(py, &json)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let params = self.params(py)?;
        Ok(format!(
            "InspectReport(pid={}, variant='{}', base_url={}, lang={}, params={})",
            repr_opt(py, Some(&self.inspection.pid)),
            self.variant,
            repr_opt(py, Some(&self.inspection.base_url)),
            repr_opt(py, self.inspection.lang.as_deref()),
            crate::convert::py_repr(params.as_any()),
        ))
    }
}

/// `faceauth.inspect_url(url, api_key, scheme="ecb")`: takes a FaceAuth URL (or its query)
/// apart and decrypts its parameters.
#[pyfunction]
#[pyo3(signature = (url, api_key, scheme = "ecb"))]
fn inspect_url(url: &str, api_key: &str, scheme: &str) -> PyResult<PyInspectReport> {
    let cipher = cipher_of(api_key, scheme)?;
    let inspection = url::inspect(url, &cipher).map_err(to_py_err)?;
    Ok(PyInspectReport { inspection, variant: cipher.variant().id() })
}

/// Adds `UrlBuilder`, `InspectReport` and `inspect_url`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUrlBuilder>()?;
    m.add_class::<PyInspectReport>()?;
    m.add_function(wrap_pyfunction!(inspect_url, m)?)?;
    Ok(())
}
