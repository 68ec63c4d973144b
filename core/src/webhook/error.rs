use crate::crypto::CryptoError;
use crate::ErrorKind;

/// Why a webhook body could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is not a JSON object, or a documented field has the wrong type.
    #[error("malformed webhook: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The body is the encrypted `{"data": "…"}` form, and no key was given.
    #[error("the webhook is encrypted and no key was given")]
    KeyRequired,
    /// The encrypted form did not decrypt.
    #[error("the encrypted webhook does not decrypt")]
    Decrypt(#[source] CryptoError),
    /// Argos has no FaceAuth result with the webhook's authentication id: it is not confirmed.
    #[error("argos has no faceauth result {auth_id:?}: the webhook is not confirmed")]
    Unconfirmed {
        /// The authentication id the webhook named.
        auth_id: String,
    },
    /// Argos's result belongs to another submission (or user) than the webhook, or the token
    /// it names, was made for.
    #[error("argos's faceauth result {auth_id:?} belongs to another {field}")]
    Mismatch {
        /// The authentication id.
        auth_id: String,
        /// `submission` or `user`.
        field: &'static str,
    },
    /// The webhook cannot be confirmed: a `token_expired` event in a plain body (no API call
    /// can confirm one), a `faceAuth` event without an authentication id, a plain body where
    /// bodies are encrypted, or an erased result.
    #[error("the webhook cannot be confirmed: {reason}")]
    Unverifiable {
        /// Why.
        reason: &'static str,
    },
}

impl WebhookError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WebhookError::Malformed { .. } => ErrorKind::WebhookMalformed,
            WebhookError::KeyRequired => ErrorKind::WebhookKeyRequired,
            WebhookError::Decrypt(_) => ErrorKind::WebhookDecrypt,
            WebhookError::Unconfirmed { .. } => ErrorKind::WebhookUnconfirmed,
            WebhookError::Mismatch { .. } => ErrorKind::WebhookMismatch,
            WebhookError::Unverifiable { .. } => ErrorKind::WebhookUnverifiable,
        }
    }
}
