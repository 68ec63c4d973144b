//! The attempt hook: `Client(on_attempt=callable)` and the `faceauth.Attempt` it is given.

use faceauth::api::{Attempt, Outcome};
use pyo3::prelude::*;

use crate::convert::repr_opt;

/// Adds `Attempt` to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAttempt>()?;
    Ok(())
}

/// One HTTP attempt of a `Client` call, as `on_attempt` sees it: never the API key, the image
/// or any personal data (no query value, no auth id).
#[pyclass(module = "faceauth", name = "Attempt", frozen)]
pub struct PyAttempt {
    method: &'static str,
    route: &'static str,
    status: Option<u16>,
    error_kind: Option<&'static str>,
    attempt: u32,
    duration: f64,
    request_id: Option<String>,
}

impl PyAttempt {
    fn of(attempt: &Attempt<'_>) -> PyAttempt {
        let (status, error_kind) = match attempt.outcome {
            Outcome::Status(status) => (Some(status), None),
            Outcome::Failed(kind) => (None, Some(kind.name())),
            // Outcome is non-exhaustive: an outcome added later reports neither.
            _ => (None, None),
        };
        PyAttempt {
            method: attempt.method,
            route: attempt.route,
            status,
            error_kind,
            attempt: attempt.number,
            duration: attempt.duration.as_secs_f64(),
            request_id: attempt.request_id.map(str::to_owned),
        }
    }
}

#[pymethods]
impl PyAttempt {
    /// `GET`, `POST` or `DELETE`.
    #[getter]
    fn method(&self) -> &str {
        self.method
    }

    /// The route template: `/FaceAuth` or `/FaceAuth/Image` (never a query value).
    #[getter]
    fn route(&self) -> &str {
        self.route
    }

    /// The HTTP status when an answer arrived (any status), else `None`.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.status
    }

    /// When no answer arrived: the error kind (`api_timeout`, `api_connection`,
    /// `api_tls_untrusted`, `cancelled`), else `None`.
    #[getter]
    fn error_kind(&self) -> Option<&str> {
        self.error_kind
    }

    /// 1 for the first attempt of a call, 2 for its first retry, and so on.
    #[getter]
    fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Seconds from sending the request to the end of the answer (or the failure).
    #[getter]
    fn duration(&self) -> f64 {
        self.duration
    }

    /// Argos's request id (`x-amzn-requestid` or `x-request-id`), when the answer had one.
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Attempt(method={}, route={}, status={}, error_kind={}, attempt={}, duration={:.6}, request_id={})",
            repr_opt(py, Some(self.method)),
            repr_opt(py, Some(self.route)),
            self.status.map_or_else(|| "None".to_owned(), |s| s.to_string()),
            repr_opt(py, self.error_kind),
            self.attempt,
            self.duration,
            repr_opt(py, self.request_id.as_deref())
        )
    }
}

/// The core hook that calls `callable(Attempt)` with the GIL held. An exception it raises goes
/// to `sys.unraisablehook` (which prints it by default) and the call goes on.
pub(crate) fn hook(callable: Py<PyAny>) -> impl Fn(&Attempt<'_>) + Send + Sync + 'static {
    move |attempt| {
        Python::attach(|py| {
            let callable = callable.bind(py);
            let called = Bound::new(py, PyAttempt::of(attempt)).and_then(|a| callable.call1((a,)));
            if let Err(err) = called {
                err.write_unraisable(py, Some(callable));
            }
        });
    }
}
