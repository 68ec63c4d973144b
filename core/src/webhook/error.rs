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
}

impl WebhookError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WebhookError::Malformed { .. } => ErrorKind::WebhookMalformed,
            WebhookError::KeyRequired => ErrorKind::WebhookKeyRequired,
            WebhookError::Decrypt(_) => ErrorKind::WebhookDecrypt,
        }
    }
}
