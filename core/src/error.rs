//! The crate-wide error and the stable kinds every binding maps from.

use crate::api::ApiError;
use crate::crypto::CryptoError;
use crate::token::{LedgerError, TokenError};
use crate::url::UrlError;
use crate::webhook::WebhookError;

/// The most characters of an input that an error message quotes.
const EXCERPT_CHARS: usize = 40;

/// An input as error messages quote it: the whole of a short input, else its first 40
/// characters followed by `…` and its full size in bytes. `{}` shows it as text
/// (`aaaa… (104857600 bytes)`), `{:?}` quoted and escaped (`"aaaa"… (104857600 bytes)`); a
/// short input shows exactly as the `&str` itself would.
///
/// The rule for every error of the SDK and its bindings: a message quotes at most this excerpt
/// of any input, so a huge argument never comes back as a huge message. A key is never quoted
/// at all, not even in an excerpt.
pub fn excerpt(input: &str) -> Excerpt<'_> {
    Excerpt { input, chars: EXCERPT_CHARS }
}

/// An input cut for an error message: see [`excerpt`].
#[derive(Clone, Copy)]
pub struct Excerpt<'a> {
    input: &'a str,
    chars: usize,
}

impl<'a> Excerpt<'a> {
    /// The same excerpt, keeping up to `chars` characters: for an input the user needs whole
    /// when it has a sane size, such as a file path (4,096 covers any path an OS accepts).
    pub fn chars(self, chars: usize) -> Excerpt<'a> {
        Excerpt { chars, ..self }
    }

    /// The part shown, and whether the input was cut.
    fn head(&self) -> (&'a str, bool) {
        match self.input.char_indices().nth(self.chars) {
            None => (self.input, false),
            Some((cut, _)) => (&self.input[..cut], true),
        }
    }
}

impl std::fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.head() {
            (all, false) => f.write_str(all),
            (head, true) => write!(f, "{head}… ({} bytes)", self.input.len()),
        }
    }
}

impl std::fmt::Debug for Excerpt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.head() {
            (all, false) => write!(f, "{all:?}"),
            (head, true) => write!(f, "{head:?}… ({} bytes)", self.input.len()),
        }
    }
}

/// Any error of this crate: one variant per area, each wrapping that area's own enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Keys, encryption and decryption.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Building or inspecting a FaceAuth URL.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// Token ids.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Webhook bodies.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// The FaceAuth REST API.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The token ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Crypto(e) => e.kind(),
            Error::Url(e) => e.kind(),
            Error::Token(e) => e.kind(),
            Error::Webhook(e) => e.kind(),
            Error::Api(e) => e.kind(),
            Error::Ledger(e) => e.kind(),
        }
    }
}

/// The stable classification of every error, and the single source of the numbers the C ABI
/// returns, the Python exception classes and the Go sentinel errors.
///
/// Codes fall in ranges by area (1–89 generic, 100–199 crypto, 200–299 token, 300–399 API/HTTP,
/// 400–499 webhook) and are never renumbered. 90–99 are reserved for the C ABI's own statuses
/// (a NULL pointer, invalid UTF-8, a panic caught at the boundary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u16)]
pub enum ErrorKind {
    /// An argument is empty, holds a control character, or is otherwise malformed.
    InvalidArgument = 1,
    /// The call was cancelled through its cancel handle (a Python KeyboardInterrupt or task
    /// cancellation, a Go context's cancellation, a C `faceauth_cancel_trigger`).
    Cancelled = 2,
    /// The text given to inspect is not a FaceAuth URL (no query, no `pid` or `encrypted`).
    InvalidUrl = 10,
    /// A URL decrypted, but not to the FaceAuth JSON payload (not an object, no `sid`).
    InvalidPayload = 11,
    /// Key material is empty or the wrong length.
    InvalidKey = 100,
    /// An encryption variant or scheme name is not known.
    UnknownVariant = 101,
    /// The ciphertext is empty.
    EmptyCiphertext = 102,
    /// The ciphertext is not valid base64 (or hex, for that variant).
    InvalidEncoding = 103,
    /// The ciphertext is not a whole number of AES blocks.
    InvalidLength = 104,
    /// The ciphertext is shorter than its IV or nonce and tag.
    TooShort = 105,
    /// Padding did not check out after decryption: usually the wrong key or scheme.
    BadPadding = 106,
    /// A GCM tag did not verify: the wrong key or scheme, or altered data.
    TagMismatch = 107,
    /// The decrypted data is not UTF-8.
    NotUtf8 = 108,
    /// An injected IV or nonce has the wrong length, or the variant takes none.
    InvalidIv = 109,
    /// The OS random source failed.
    RandomSource = 110,
    /// A token id breaks the id rule.
    InvalidToken = 200,
    /// The token ledger already holds a token with this id.
    TokenExists = 201,
    /// The token ledger holds no token with this id.
    TokenUnknown = 202,
    /// The token ledger's storage failed (I/O, a lock held past the busy timeout, a full disk).
    LedgerStorage = 203,
    /// The token ledger's file has a newer schema than this build knows, or is not a ledger.
    LedgerSchema = 204,
    /// A token ledger location names a store this build does not include (such as
    /// `postgres://`).
    LedgerUnsupported = 205,
    /// 400 from the API: missing or malformed parameters, or an unknown record.
    ApiInvalidRequest = 300,
    /// 403 with an explicit deny: the caller's IP is not allowed.
    ApiIpNotAllowed = 301,
    /// 403 Forbidden: the API key is missing or wrong.
    ApiAuthentication = 302,
    /// 413: the request is too large.
    ApiPayloadTooLarge = 303,
    /// 5xx: an Argos server or gateway error.
    ApiServer = 304,
    /// Any other non-success HTTP status.
    ApiUnexpectedStatus = 305,
    /// The record asked for does not exist: the API's 400 with the error code `NOT_FOUND` (or
    /// "Cannot find submission") for an auth id, or a success response without it. A refinement
    /// of [`ErrorKind::ApiInvalidRequest`] (see [`ErrorKind::parent`]).
    ApiNotFound = 306,
    /// A connect or request timeout.
    ApiTimeout = 307,
    /// A connection failure (DNS, refused, reset, TLS).
    ApiConnection = 308,
    /// A success response that does not decode.
    ApiDecode = 309,
    /// The server's TLS certificate is not trusted (an unknown issuer, such as a TLS-inspecting
    /// gateway's CA not given as a CA file; expired; for another name).
    ApiTlsUntrusted = 310,
    /// A webhook body is not JSON, or a documented field has the wrong type.
    WebhookMalformed = 400,
    /// A webhook body is encrypted and no key was given.
    WebhookKeyRequired = 401,
    /// An encrypted webhook body does not decrypt with the key given.
    WebhookDecrypt = 402,
    /// Argos has no FaceAuth result with the webhook's authentication id.
    WebhookUnconfirmed = 403,
    /// Argos's FaceAuth result belongs to another submission or user than the webhook (or its
    /// token) names.
    WebhookMismatch = 404,
    /// A webhook that cannot be confirmed: a plain `token_expired` body, a `faceAuth` event
    /// without an authentication id, a plain body where bodies are encrypted.
    WebhookUnverifiable = 405,
}

impl ErrorKind {
    /// The stable numeric code (the C `faceauth_status` value).
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The broader kind this one refines, for bindings whose errors form a hierarchy: an
    /// [`ErrorKind::ApiNotFound`] is also an [`ErrorKind::ApiInvalidRequest`] (Argos answers
    /// "does not exist" with a 400), so a handler for the broader kind still catches it.
    pub fn parent(self) -> Option<ErrorKind> {
        match self {
            ErrorKind::ApiNotFound => Some(ErrorKind::ApiInvalidRequest),
            _ => None,
        }
    }

    /// True when this kind is `other` or refines it ([`ErrorKind::parent`], transitively).
    pub fn is_a(self, other: ErrorKind) -> bool {
        let mut at = Some(self);
        while let Some(kind) = at {
            if kind == other {
                return true;
            }
            at = kind.parent();
        }
        false
    }

    /// A stable snake_case name, as bindings and `--json` output show it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::InvalidUrl => "invalid_url",
            ErrorKind::InvalidPayload => "invalid_payload",
            ErrorKind::InvalidKey => "invalid_key",
            ErrorKind::UnknownVariant => "unknown_variant",
            ErrorKind::EmptyCiphertext => "empty_ciphertext",
            ErrorKind::InvalidEncoding => "invalid_encoding",
            ErrorKind::InvalidLength => "invalid_length",
            ErrorKind::TooShort => "too_short",
            ErrorKind::BadPadding => "bad_padding",
            ErrorKind::TagMismatch => "tag_mismatch",
            ErrorKind::NotUtf8 => "not_utf8",
            ErrorKind::InvalidIv => "invalid_iv",
            ErrorKind::RandomSource => "random_source",
            ErrorKind::InvalidToken => "invalid_token",
            ErrorKind::TokenExists => "token_exists",
            ErrorKind::TokenUnknown => "token_unknown",
            ErrorKind::LedgerStorage => "ledger_storage",
            ErrorKind::LedgerSchema => "ledger_schema",
            ErrorKind::LedgerUnsupported => "ledger_unsupported",
            ErrorKind::ApiInvalidRequest => "api_invalid_request",
            ErrorKind::ApiIpNotAllowed => "api_ip_not_allowed",
            ErrorKind::ApiAuthentication => "api_authentication",
            ErrorKind::ApiPayloadTooLarge => "api_payload_too_large",
            ErrorKind::ApiServer => "api_server",
            ErrorKind::ApiUnexpectedStatus => "api_unexpected_status",
            ErrorKind::ApiNotFound => "api_not_found",
            ErrorKind::ApiTimeout => "api_timeout",
            ErrorKind::ApiConnection => "api_connection",
            ErrorKind::ApiDecode => "api_decode",
            ErrorKind::ApiTlsUntrusted => "api_tls_untrusted",
            ErrorKind::WebhookMalformed => "webhook_malformed",
            ErrorKind::WebhookKeyRequired => "webhook_key_required",
            ErrorKind::WebhookDecrypt => "webhook_decrypt",
            ErrorKind::WebhookUnconfirmed => "webhook_unconfirmed",
            ErrorKind::WebhookMismatch => "webhook_mismatch",
            ErrorKind::WebhookUnverifiable => "webhook_unverifiable",
        }
    }
}

impl CryptoError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CryptoError::EmptyKey | CryptoError::KeyWhitespace | CryptoError::InvalidKeyLength { .. } => {
                ErrorKind::InvalidKey
            }
            CryptoError::UnknownVariant { .. } => ErrorKind::UnknownVariant,
            CryptoError::EmptyCiphertext => ErrorKind::EmptyCiphertext,
            CryptoError::InvalidEncoding { .. } => ErrorKind::InvalidEncoding,
            CryptoError::InvalidLength { .. } => ErrorKind::InvalidLength,
            CryptoError::TooShort { .. } => ErrorKind::TooShort,
            CryptoError::BadPadding => ErrorKind::BadPadding,
            CryptoError::TagMismatch => ErrorKind::TagMismatch,
            CryptoError::NotUtf8 { .. } => ErrorKind::NotUtf8,
            CryptoError::InvalidIv { .. } => ErrorKind::InvalidIv,
            CryptoError::RandomSource { .. } => ErrorKind::RandomSource,
        }
    }
}

impl TokenError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TokenError::RandomSource { .. } => ErrorKind::RandomSource,
            _ => ErrorKind::InvalidToken,
        }
    }
}

impl LedgerError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LedgerError::TokenExists { .. } => ErrorKind::TokenExists,
            LedgerError::TokenUnknown { .. } => ErrorKind::TokenUnknown,
            LedgerError::InvalidToken(e) => e.kind(),
            LedgerError::InvalidField { .. }
            | LedgerError::InvalidRule { .. }
            | LedgerError::InvalidState { .. } => ErrorKind::InvalidArgument,
            LedgerError::Storage { .. } | LedgerError::NoLedger { .. } => ErrorKind::LedgerStorage,
            LedgerError::SchemaTooNew { .. }
            | LedgerError::SchemaOutdated { .. }
            | LedgerError::NotALedger { .. } => ErrorKind::LedgerSchema,
            LedgerError::Unsupported { .. } => ErrorKind::LedgerUnsupported,
        }
    }
}

/// `count` and the noun, singular for 1 (`1 byte`, `2 bytes`): for messages.
pub(crate) fn counted(count: usize, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

impl UrlError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            UrlError::EmptyField { .. }
            | UrlError::ControlCharacter { .. }
            | UrlError::InvalidBaseUrl { .. }
            | UrlError::InvalidLang => ErrorKind::InvalidArgument,
            UrlError::NotFaceAuthUrl { .. } => ErrorKind::InvalidUrl,
            UrlError::InvalidPayload { .. } => ErrorKind::InvalidPayload,
            UrlError::Token(e) => e.kind(),
            UrlError::Crypto(e) => e.kind(),
            UrlError::WrongScheme { used, .. } => match used.scheme() {
                crate::crypto::Scheme::Gcm => ErrorKind::TagMismatch,
                _ => ErrorKind::BadPadding,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_in_the_singular_for_one() {
        use crate::crypto::CryptoError;
        assert_eq!(
            CryptoError::InvalidLength { len: 1 }.to_string().split(',').next(),
            Some("the ciphertext is 1 byte")
        );
        assert!(CryptoError::InvalidLength { len: 17 }.to_string().contains("is 17 bytes,"));
        assert!(CryptoError::TooShort { len: 1, min: 28 }.to_string().contains("is 1 byte,"));
        let key = CryptoError::InvalidKeyLength { expected: 32, actual: 1 }.to_string();
        assert!(key.ends_with("got 1 byte"), "{key}");
        assert!(CryptoError::unknown_variant("!").to_string().contains("<1 character, not shown>"));
        let token = crate::token::TokenError::InvalidLength { len: 1 }.to_string();
        assert!(token.starts_with("token id is 1 character;"), "{token}");
    }

    #[test]
    fn an_excerpt_is_short_whatever_the_input() {
        assert_eq!(format!("{:?} {}", excerpt("2025-13-01"), excerpt("a\nb")), "\"2025-13-01\" a\nb");
        let forty = "x".repeat(40);
        assert_eq!(format!("{:?}", excerpt(&forty)), format!("{forty:?}"));
        let huge = "é".repeat(1 << 20);
        assert_eq!(format!("{}", excerpt(&huge)), format!("{}… (2097152 bytes)", "é".repeat(40)));
        assert_eq!(format!("{:?}", excerpt(&huge)), format!("\"{}\"… (2097152 bytes)", "é".repeat(40)));
        assert!(format!("{:?}", excerpt(&"\u{0}".repeat(1 << 20))).len() < 300);
        assert_eq!(
            format!("{}", excerpt(&huge).chars(4096)).chars().count(),
            4096 + "… (2097152 bytes)".len() - 2
        );
    }

    #[test]
    fn not_found_refines_invalid_request_only() {
        assert!(ErrorKind::ApiNotFound.is_a(ErrorKind::ApiInvalidRequest));
        assert!(ErrorKind::ApiNotFound.is_a(ErrorKind::ApiNotFound));
        assert!(!ErrorKind::ApiInvalidRequest.is_a(ErrorKind::ApiNotFound));
        assert_eq!(ErrorKind::ApiTimeout.parent(), None);
    }

    #[test]
    fn codes_sit_in_their_ranges() {
        let crypto = CryptoError::BadPadding.kind();
        assert!((100..200).contains(&crypto.code()));
        let token = TokenError::InvalidEdge.kind();
        assert!((200..300).contains(&token.code()));
        let url = UrlError::EmptyField { field: "sid" }.kind();
        assert!((1..100).contains(&url.code()));
        let ledger = LedgerError::TokenExists { token_id: "tok_abc12345".into() }.kind();
        assert!((200..300).contains(&ledger.code()));
        assert_eq!((ledger.code(), ledger.name()), (201, "token_exists"));
        // A URL error caused by a token keeps the token's kind.
        let wrapped: Error = UrlError::Token(TokenError::InvalidEdge).into();
        assert_eq!(wrapped.kind(), ErrorKind::InvalidToken);
    }
}
