//! A local simulator of the Argos Identity FaceAuth add-on, for tests and demos.
//!
//! [`MockServer`] is a real HTTP/1.1 server (axum's stack: hyper on a tokio runtime that the
//! server owns, on its own threads) that serves:
//!
//! - the REST API (`POST`/`GET`/`DELETE /faceauth`, `GET /faceauth/image`), with Argos's bodies
//!   and error messages, the IP allow list, the `x-api-key` check and the body size limit;
//! - the hosted page (`GET /face-auth?pid=…&encrypted=…`), which decrypts the link, applies the
//!   token rule, records a result and sends the `faceAuth` and `token_expired` webhooks;
//! - control endpoints under `/_mock/` for tests: the mock clock, fault injection (latency,
//!   errors, dropped connections), request counts, submissions, bulk results, a state dump.
//!
//! Connections are tasks, not threads: idle, slow or oversized clients are cut off by the limits of
//! [`Limits`] (`MockConfig::limits`). Webhooks are delivered in order on a background thread, so
//! the hosted page answers without waiting for the receiver.
//!
//! Decisions are deterministic: an uploaded image containing `REJECT` is rejected as a
//! different face, one containing `UNKNOWNCODE` is rejected with an unknown fail code, any other
//! is approved; `mock_result=rejected` on the hosted page rejects.
//!
//! ```no_run
//! use faceauth_mock::{MockConfig, MockServer, SeedSubmission};
//!
//! let config = MockConfig {
//!     submissions: vec![SeedSubmission { id: "sub-1".into(), status: "approved".into(), user_id: None }],
//!     ..MockConfig::default()
//! };
//! let server = MockServer::start(config)?;
//! println!("REST base and page base: {}", server.base_url());
//! server.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```

#![deny(missing_docs)]

mod api;
pub mod client;
mod config;
mod control;
mod faults;
mod http;
mod inbox;
mod multipart;
mod page;
mod server;
mod state;
mod time;
mod webhook;
mod write_deadline;

/// One line on stderr for the simulator's log. A closed or full stderr must not take the
/// server down (`eprintln!` would panic), so a failed write is dropped.
pub(crate) fn log(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub use config::{
    ConfigError, FaultConfig, ImageFormat, Limits, MockConfig, ResponseShape, SeedResult, SeedSubmission,
    TokenRule, WebhookShape,
};
pub use inbox::WebhookInbox;
pub use server::MockServer;
