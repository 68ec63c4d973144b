//! The blocking FaceAuth REST client: submit a selfie, read results, page through them, fetch
//! the selfie, erase a result.
//!
//! ```no_run
//! use faceauth::api::{Client, ListQuery, Submission};
//!
//! let client = Client::new("my-faceauth-api-key")?;
//! let result = client.submit(&Submission::new("submission-id", &std::fs::read("face.jpg")?))?;
//! println!("{} {}", result.auth_id, result.status);
//! for record in client.list(&ListQuery::new().dates("2025-01-01", "2025-01-31"))? {
//!     println!("{}", record?.auth_id);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod attempt;
mod cancel;
mod client;
mod error;
mod list;
mod model;
mod submit;
mod transport;

pub use attempt::{Attempt, Outcome};
pub use cancel::{CallOptions, Cancel};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use error::{ApiError, ApiFailure};
pub use list::{Incomplete, ListQuery, Records};
pub use model::{AuthRecord, AuthResult, AuthStatus, FailCode, Image, Scores};
pub use submit::Submission;
