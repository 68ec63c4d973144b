//! `faceauth._native`: the Python binding of the FaceAuth SDK, straight on the core crate.
//!
//! Each file registers one area into the flat native module; `py_src/faceauth/__init__.py`
//! re-exports the public names and `_native.pyi` types them:
//!
//! - [`errors`]: the exception hierarchy and the one mapping from core errors to it.
//! - [`convert`]: JSON to Python objects, times to aware UTC `datetime`s, `repr` helpers.
//! - [`crypto`], [`url`], [`token`], [`webhook`]: ciphers, URLs, token ids and webhook bodies.
//! - [`client`], [`ledger`], [`testing`]: the REST client, the token ledger and the simulator;
//!   [`call`] (one call's options, cancellation, Ctrl-C) and [`attempt`] (the attempt hook).

use pyo3::prelude::*;

pub mod attempt;
pub mod call;
pub mod client;
pub mod convert;
pub mod crypto;
pub mod errors;
pub mod ledger;
pub mod testing;
pub mod token;
pub mod url;
pub mod webhook;

/// The native module. Its name matches `[tool.maturin] module-name = "faceauth._native"`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", faceauth::VERSION)?;
    errors::register(m)?;
    crypto::register(m)?;
    url::register(m)?;
    token::register(m)?;
    webhook::register(m)?;
    client::register(m)?;
    call::register(m)?;
    attempt::register(m)?;
    ledger::register(m)?;
    testing::register(m)?;
    // `m.add` keeps an `__all__`; the private module needs none (the package's is the public
    // one), and without it the stubs need not repeat every name.
    m.delattr("__all__")?;
    Ok(())
}
