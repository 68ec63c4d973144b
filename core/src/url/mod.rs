//! FaceAuth URLs: build them, and read them back.
//!
//! A FaceAuth URL opens Argos's hosted page for one user:
//!
//! ```text
//! https://form.argosidentity.com/face-auth?pid={pid}&encrypted={ciphertext}[&lang={lang}]
//! ```
//!
//! Only `pid`, `encrypted` and `lang` travel in clear. The ciphertext is the compact JSON
//! object `{"sid":…,"authUserId":…,"authCf1":…,"authCf2":…,"authCf3":…,"token":…}` (keys in that
//! order, absent ones left out), encrypted with the project's key and percent-encoded.

mod builder;
mod error;
mod inspect;
mod params;
mod redact;

pub(crate) use builder::QUERY_VALUE;
pub use builder::{UrlBuilder, DEFAULT_BASE_URL, PAGE_PATH};
pub use error::UrlError;
pub use inspect::{inspect, Inspection, UnknownField};
pub use params::AuthParams;
pub use redact::redact_credentials;
