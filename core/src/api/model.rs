//! Records of the FaceAuth API, as typed values that keep their raw JSON.

use std::fmt;

/// The status of a FaceAuth result. Unknown statuses are kept, not dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthStatus {
    /// The face matched: `approved`.
    Approved,
    /// The face did not match, or a check failed: `rejected`.
    Rejected,
    /// Any other status Argos may send, as sent.
    Other(String),
}

impl AuthStatus {
    /// Reads a status as Argos writes it (case-insensitive for the known ones).
    pub fn parse(text: &str) -> AuthStatus {
        if text.eq_ignore_ascii_case("approved") {
            AuthStatus::Approved
        } else if text.eq_ignore_ascii_case("rejected") {
            AuthStatus::Rejected
        } else {
            AuthStatus::Other(text.to_owned())
        }
    }

    /// The status as Argos writes it.
    pub fn as_str(&self) -> &str {
        match self {
            AuthStatus::Approved => "approved",
            AuthStatus::Rejected => "rejected",
            AuthStatus::Other(text) => text,
        }
    }
}

impl fmt::Display for AuthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
