//! Ciphers: `Cipher` (encrypt and decrypt with a project's key) and `diagnose` (which variant
//! made a ciphertext).

use std::str::FromStr;

use faceauth::crypto::{self, Cipher, Outcome, Variant};
use pyo3::prelude::*;

use crate::convert::repr_opt;
use crate::errors::to_py_err;

/// Texts at least this long are encrypted or decrypted with the GIL released.
const DETACH_LEN: usize = 16 * 1024;

/// Parses a scheme (`ecb`, `gcm`, `cbc`) or a variant id (`ecb-raw32`, …).
pub fn variant_of(scheme: &str) -> PyResult<Variant> {
    // The core never repeats a name that could be a key passed in the scheme's place.
    Variant::from_str(scheme).map_err(to_py_err)
}

/// A cipher from an API key string and a scheme or variant name. The key string is not kept.
pub fn cipher_of(api_key: &str, scheme: &str) -> PyResult<Cipher> {
    Cipher::from_key_string(api_key, variant_of(scheme)?).map_err(to_py_err)
}

/// `faceauth.Cipher(api_key, scheme="ecb")`: encrypts and decrypts text with a project's key.
/// Thread-safe; the key never appears in its `repr`.
#[pyclass(frozen, module = "faceauth", name = "Cipher")]
pub struct PyCipher {
    pub(crate) inner: Cipher,
}

#[pymethods]
impl PyCipher {
    #[new]
    #[pyo3(signature = (api_key, scheme = "ecb"))]
    fn new(api_key: &str, scheme: &str) -> PyResult<Self> {
        Ok(PyCipher { inner: cipher_of(api_key, scheme)? })
    }

    /// The variant id (`ecb-sha256`, `gcm-nonce-ct-tag`, `cbc-ivprefix`, …).
    #[getter]
    fn variant(&self) -> &'static str {
        self.inner.variant().id()
    }

    /// The scheme: `ecb`, `gcm` or `cbc`.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.variant().scheme().name()
    }

    /// Encrypts UTF-8 text; returns the ciphertext text (base64 for the default variants).
    fn encrypt(&self, py: Python<'_>, plaintext: &str) -> PyResult<String> {
        let result = if plaintext.len() >= DETACH_LEN {
            py.detach(|| self.inner.encrypt(plaintext))
        } else {
            self.inner.encrypt(plaintext)
        };
        result.map_err(to_py_err)
    }

    /// Decrypts ciphertext text to UTF-8 text.
    fn decrypt(&self, py: Python<'_>, ciphertext: &str) -> PyResult<String> {
        let result = if ciphertext.len() >= DETACH_LEN {
            py.detach(|| self.inner.decrypt(ciphertext))
        } else {
            self.inner.decrypt(ciphertext)
        };
        result.map_err(to_py_err)
    }

    fn __repr__(&self) -> String {
        format!("Cipher(variant='{}')", self.inner.variant().id())
    }
}

/// One variant that decrypted a ciphertext, as `diagnose` reports it.
#[pyclass(frozen, get_all, module = "faceauth", name = "DiagnoseMatch")]
pub struct PyDiagnoseMatch {
    /// The variant id.
    variant: String,
    /// The scheme of the variant.
    scheme: String,
    /// The decrypted text.
    plaintext: String,
    /// Whether the text parses as JSON.
    is_json: bool,
    /// True when a GCM tag verified: this variant is certainly the one used.
    authenticated: bool,
}

#[pymethods]
impl PyDiagnoseMatch {
    /// The match as a `dict`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let dict = pyo3::types::PyDict::new(py);
        dict.set_item("variant", &self.variant)?;
        dict.set_item("scheme", &self.scheme)?;
        dict.set_item("plaintext", &self.plaintext)?;
        dict.set_item("is_json", self.is_json)?;
        dict.set_item("authenticated", self.authenticated)?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "DiagnoseMatch(variant='{}', plaintext={}, is_json={}, authenticated={})",
            self.variant,
            repr_opt(py, Some(&self.plaintext)),
            if self.is_json { "True" } else { "False" },
            if self.authenticated { "True" } else { "False" },
        )
    }
}

/// `faceauth.diagnose(ciphertext, api_key)`: tries every known variant and returns those that
/// decrypt to text, the most convincing first (a verified GCM tag, then JSON, then any text;
/// ties in the spec's table order). An empty list means no variant fits this key.
#[pyfunction]
fn diagnose(py: Python<'_>, ciphertext: &str, api_key: &str) -> PyResult<Vec<PyDiagnoseMatch>> {
    let report = py.detach(|| crypto::diagnose(ciphertext, api_key)).map_err(to_py_err)?;
    let mut matches: Vec<(u8, PyDiagnoseMatch)> = report
        .results
        .into_iter()
        .filter_map(|(variant, outcome)| match outcome {
            Outcome::Decrypted { plaintext, is_json, authenticated } => {
                let rank = if authenticated {
                    0
                } else if is_json {
                    1
                } else {
                    2
                };
                let found = PyDiagnoseMatch {
                    variant: variant.id().to_owned(),
                    scheme: variant.scheme().name().to_owned(),
                    plaintext,
                    is_json,
                    authenticated,
                };
                Some((rank, found))
            }
            _ => None,
        })
        .collect();
    // Stable: equal ranks keep the spec's table order.
    matches.sort_by_key(|(rank, _)| *rank);
    Ok(matches.into_iter().map(|(_, found)| found).collect())
}

/// Adds `Cipher`, `DiagnoseMatch` and `diagnose`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCipher>()?;
    m.add_class::<PyDiagnoseMatch>()?;
    m.add_function(wrap_pyfunction!(diagnose, m)?)?;
    Ok(())
}
