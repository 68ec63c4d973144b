//! Token ids: `generate_token` and `validate_token`.

use pyo3::prelude::*;

use crate::errors::to_py_err;

/// `faceauth.generate_token()`: a fresh random token id (`tok_` and 26 base32 characters).
#[pyfunction]
fn generate_token() -> PyResult<String> {
    faceauth::token::generate().map_err(to_py_err)
}

/// `faceauth.validate_token(token_id)`: returns `None` for a valid id, raises `TokenError`
/// (kind `invalid_token`) saying what is wrong otherwise.
#[pyfunction]
fn validate_token(token_id: &str) -> PyResult<()> {
    faceauth::token::validate(token_id).map_err(to_py_err)
}

/// Adds `generate_token` and `validate_token`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(generate_token, m)?)?;
    m.add_function(wrap_pyfunction!(validate_token, m)?)?;
    Ok(())
}
