//! The FaceAuth REST client: `Client`.

use pyo3::prelude::*;

/// Adds this area's functions and classes to the native module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
