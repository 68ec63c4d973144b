//! The FaceAuth SDK core.
//!
//! Argos Identity's FaceAuth add-on re-authenticates, by a new selfie, a user whom ID check has
//! already verified. This crate builds the encrypted links that open the hosted FaceAuth page,
//! and reads them back:
//!
//! - [`crypto`]: the AES-256 recipe Argos uses for query strings and payloads (ECB by default,
//!   GCM, and legacy CBC), keyed by the project's API key, plus [`crypto::diagnose`] to find
//!   which variant produced a ciphertext.
//! - [`url`]: the FaceAuth URL builder and [`url::inspect`], its inverse.
//! - [`token`]: token ids that make a link expire, token rules, and a token ledger (in memory
//!   or SQLite) that matches webhooks to the links they belong to.
//! - [`api`]: a blocking client for the FaceAuth REST API (submit, get, list, image, delete).
//! - [`webhook`]: parsing of the `faceAuth` and `token_expired` webhooks, clear or encrypted.
//!
//! ```
//! use faceauth::{crypto::{Key, Scheme}, url::{AuthParams, UrlBuilder}};
//!
//! let key = Key::derive("my-faceauth-api-key")?;
//! let links = UrlBuilder::new("project-id", &key, Scheme::Ecb)?;
//! let token = faceauth::token::generate()?;
//! let url = links.build(&AuthParams::new("submission-id").user_id("user-1").token(&token))?;
//! assert!(url.starts_with("https://form.argosidentity.com/face-auth?pid=project-id&encrypted="));
//!
//! let back = faceauth::url::inspect(&url, links.cipher())?;
//! assert_eq!(back.params.sid, "submission-id");
//! # Ok::<(), faceauth::Error>(())
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod crypto;
mod error;
pub mod token;
pub mod url;
pub mod webhook;

pub use error::{excerpt, Error, ErrorKind, Excerpt};

/// The version of this crate, as in its `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
