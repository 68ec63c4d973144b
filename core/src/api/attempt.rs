//! The observer of attempts: one report per HTTP attempt, for logs, metrics and tracing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::ErrorKind;

/// One HTTP attempt of a call, as the hook set with
/// [`ClientBuilder::on_attempt`](super::ClientBuilder::on_attempt) sees it.
///
/// It never holds the API key, the image, query values or any personal data: only what a
/// span or a metric may safely carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The route template: `/FaceAuth` or `/FaceAuth/Image` (never a query value).
    pub route: &'static str,
    /// The HTTP status, or the kind of error when no status arrived.
    pub outcome: Outcome,
    /// 1 for the first attempt of a call, 2 for its first retry, and so on.
    pub number: u32,
    /// From sending the request to reading the end of the answer (or failing).
    pub duration: Duration,
    /// Argos's request id (the `x-amzn-requestid` or `x-request-id` header), when the answer
    /// had one.
    pub request_id: Option<&'a str>,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// An answer arrived with this HTTP status (a success or not).
    Status(u16),
    /// No usable answer: a timeout, a connection or TLS failure, a cancellation, or a success
    /// status whose body could not be read.
    Failed(ErrorKind),
}

impl Outcome {
    /// The HTTP status, when one arrived.
    pub fn status(self) -> Option<u16> {
        match self {
            Outcome::Status(status) => Some(status),
            Outcome::Failed(_) => None,
        }
    }
}

/// The hook: any `Fn(&Attempt)` that may be called from any thread.
pub(crate) type Hook = Arc<dyn Fn(&Attempt<'_>) + Send + Sync>;

/// Calls the hook; a panic in it is caught and ignored, so it never breaks the call.
pub(crate) fn report(hook: &Hook, attempt: &Attempt<'_>) {
    // The hook is the caller's own code; whatever state a panic left in it is its own.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(attempt)));
}

/// A `Debug` stand-in for the hook.
pub(crate) struct HookName<'a>(pub &'a Option<Hook>);

impl fmt::Debug for HookName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Some(<hook>)" } else { "None" })
    }
}
