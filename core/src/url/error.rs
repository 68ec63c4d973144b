use crate::crypto::{CryptoError, Variant};
use crate::token::TokenError;

/// Why a FaceAuth URL could not be built or inspected.
///
/// Messages name the field at fault, never the key, and never echo field values (they may be
/// personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// A required field is empty.
    #[error("{field} must not be empty")]
    EmptyField {
        /// The field, by its name in the URL or payload (`pid`, `sid`, …).
        field: &'static str,
    },
    /// A field holds a control character (a newline, a tab, a NUL…).
    #[error("{field} contains a control character at position {position}")]
    ControlCharacter {
        /// The field, by its name in the URL or payload.
        field: &'static str,
        /// The character's position, counted in characters from 0.
        position: usize,
    },
    /// The token id breaks the id rule.
    #[error("invalid token")]
    Token(#[from] TokenError),
    /// The base URL is not an absolute http(s) URL without query or fragment.
    #[error("invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// What is wrong.
        reason: &'static str,
    },
    /// The language code is not 1–35 letters, digits, `-` or `_`.
    #[error("invalid lang: it must be 1 to 35 letters, digits, '-' or '_'")]
    InvalidLang,
    /// Encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The text is not a FaceAuth URL.
    #[error("not a FaceAuth URL: {reason}")]
    NotFaceAuthUrl {
        /// What is missing or malformed.
        reason: String,
    },
    /// The link does not decrypt with the cipher's variant, but does with another one of the
    /// same key: it was made with that scheme. Its kind is what a wrong key gives the cipher's
    /// variant: `bad_padding` for ECB and CBC, `tag_mismatch` for GCM.
    #[error("the link was made with {}, not {}: inspect it with that scheme", named(*made_with), named(*used))]
    WrongScheme {
        /// The variant of the cipher given.
        used: Variant,
        /// The variant that decrypts the link to a FaceAuth payload.
        made_with: Variant,
    },
    /// The URL decrypted, but not to a FaceAuth payload.
    #[error("the decrypted payload is not a FaceAuth query: {reason}")]
    InvalidPayload {
        /// What is wrong with it.
        reason: String,
    },
}

/// A variant as a user names it: its scheme (`ecb`, `gcm`, `cbc`) for a default, else its id.
fn named(variant: Variant) -> &'static str {
    if variant.is_default() {
        variant.scheme().name()
    } else {
        variant.id()
    }
}
