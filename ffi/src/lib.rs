//! The C ABI of the FaceAuth SDK: `libfaceauth.a`, `libfaceauth.so.0` and `include/faceauth.h`.
//!
//! Every export follows one set of rules (written again at the top of the header):
//!
//! - fallible calls return [`faceauth_status`] and take `faceauth_error **out_err` last, which
//!   receives an error object only on failure (and only when it is not NULL);
//! - out-params are written only on success;
//! - strings in are NUL-terminated UTF-8, borrowed for the call; strings out are freed with
//!   `faceauth_string_free`, bytes out (`faceauth_buf`) with `faceauth_buf_free`;
//! - every export runs inside [`ffi_boundary!`], which turns a panic into
//!   `FACEAUTH_STATUS_PANIC`; nothing unwinds into C.
//!
//! The Rust type names are the C names, hence the lowercase types.
#![allow(non_camel_case_types)]

#[macro_use]
mod boundary;
mod client;
mod crypto;
mod error;
mod ledger;
mod memory;
mod simulator;
mod status;
mod token;
mod url;
mod webhook;

pub use client::*;
pub use crypto::*;
pub use error::*;
pub use ledger::*;
pub use memory::*;
pub use simulator::*;
pub use status::*;
pub use token::*;
pub use url::*;
pub use webhook::*;

/// The major version of this library (`FACEAUTH_VERSION_MAJOR`); the soname is
/// `libfaceauth.so.<major>`.
pub const FACEAUTH_VERSION_MAJOR: u32 = 0;
/// The minor version of this library.
pub const FACEAUTH_VERSION_MINOR: u32 = 1;
/// The patch version of this library.
pub const FACEAUTH_VERSION_PATCH: u32 = 0;

/// The version of the library, such as "0.1.0".
///
/// Ownership: the string is static; never free it. Thread safety: any thread, any time.
/// Never fails.
#[no_mangle]
pub extern "C" fn faceauth_version() -> *const std::ffi::c_char {
    const VERSION: &std::ffi::CStr =
        match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => panic!("the package version holds a NUL byte"),
        };
    ffi_boundary!(infallible VERSION.as_ptr(), { VERSION.as_ptr() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_cargo_toml() {
        let parts = [FACEAUTH_VERSION_MAJOR, FACEAUTH_VERSION_MINOR, FACEAUTH_VERSION_PATCH];
        let cargo = [
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR"),
            env!("CARGO_PKG_VERSION_PATCH"),
        ];
        for (constant, from_cargo) in parts.iter().zip(cargo) {
            assert_eq!(constant.to_string(), from_cargo, "FACEAUTH_VERSION_* differ from Cargo.toml");
        }
        // SAFETY: faceauth_version returns a pointer to a static NUL-terminated string.
        let version = unsafe { std::ffi::CStr::from_ptr(faceauth_version()) };
        assert_eq!(version.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(env!("CARGO_PKG_VERSION"), faceauth::VERSION, "the ABI and core versions differ");
    }

    /// Every `extern "C" fn` of this crate runs its body inside `ffi_boundary!`.
    #[test]
    fn every_export_runs_inside_the_panic_boundary() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("client.rs"),
            include_str!("crypto.rs"),
            include_str!("error.rs"),
            include_str!("ledger.rs"),
            include_str!("memory.rs"),
            include_str!("simulator.rs"),
            include_str!("status.rs"),
            include_str!("token.rs"),
            include_str!("url.rs"),
            include_str!("webhook.rs"),
        ];
        let mut exports = 0;
        for source in sources {
            for (i, _) in source.match_indices("extern \"C\" fn ") {
                let rest = &source[i..];
                let name: String =
                    rest["extern \"C\" fn ".len()..].chars().take_while(|c| *c != '(').collect();
                // The body: from the end of the signature to the next line that is `}`.
                let start = [rest.find(") -> "), rest.find(") {")].into_iter().flatten().min();
                let body = start.map(|start| &rest[start..]);
                let body = body.and_then(|b| b.find("\n}").map(|end| &b[..end]));
                assert!(
                    body.is_some_and(|b| b.contains("ffi_boundary!(")),
                    "{name} does not run inside ffi_boundary!"
                );
                exports += 1;
            }
        }
        assert!(exports >= 32, "found only {exports} exports");
    }
}
