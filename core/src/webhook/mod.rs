//! Webhooks: the events Argos POSTs to the ID check project's webhook URL, parsed into types.
//!
//! [`parse`] takes the raw request body. With the ID check project's "webhook encryption" option
//! on, the body is `{"data": "<ciphertext>"}`; `parse` decrypts it with the key given and reads
//! the plaintext as the normal payload. The event kind comes from `webhook_trigger`:
//!
//! - `faceAuth`: a FaceAuth result reached its final status ([`FaceAuthEvent`]); the three
//!   documented shapes are read into one type.
//! - `token_expired`: a token id expired ([`TokenExpiredEvent`]).
//! - anything else, or no trigger: [`Event::Unknown`], kept with its JSON, never dropped.
//!
//! No signature header is documented, so nothing here proves a webhook came from Argos.
//!
//! ```
//! use faceauth::webhook::{self, Event};
//!
//! let body = br#"{"webhook_trigger": "faceAuth", "auth_id": "a1",
//!     "data": {"submission_id": "s1", "auth_status": "approved"}}"#;
//! let Event::FaceAuth(event) = webhook::parse(body, None)? else { panic!("not faceAuth") };
//! assert_eq!(event.auth_id.as_deref(), Some("a1"));
//! assert_eq!(event.status, Some(faceauth::api::AuthStatus::Approved));
//! # Ok::<(), faceauth::Error>(())
//! ```

mod confirm;
mod error;
mod face_auth;
mod fields;
mod token_expired;

use serde_json::{json, Value};

pub use confirm::{confirm, confirm_with, Basis, ConfirmedEvent};
pub use error::WebhookError;
pub use face_auth::{FaceAuthEvent, FaceAuthShape, Reference};
pub use token_expired::{ExpiredCondition, Service, TokenExpiredEvent};

use crate::crypto::Cipher;
use fields::{malformed, type_name};

/// The `webhook_trigger` of a [`FaceAuthEvent`].
pub const TRIGGER_FACE_AUTH: &str = "faceAuth";
/// The `webhook_trigger` of a [`TokenExpiredEvent`].
pub const TRIGGER_TOKEN_EXPIRED: &str = "token_expired";

/// One webhook, by its `webhook_trigger`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "one event per request; unboxed variants keep `Event::FaceAuth(e)` matching plain"
)]
pub enum Event {
    /// `faceAuth`: a FaceAuth result reached its final status.
    FaceAuth(FaceAuthEvent),
    /// `token_expired`: a token id expired.
    TokenExpired(TokenExpiredEvent),
    /// Any other trigger, or none.
    Unknown(UnknownEvent),
}

/// A webhook whose `webhook_trigger` this SDK does not know, or that has none.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownEvent {
    /// The `webhook_trigger` as sent; `None` when absent or null.
    pub trigger: Option<String>,
    /// Whether the body was the encrypted form (and decrypted with the key given).
    pub encrypted: bool,
    /// The whole (decrypted) webhook JSON.
    pub raw: Value,
}

impl Event {
    /// The whole (decrypted) webhook JSON, as received.
    pub fn raw(&self) -> &Value {
        match self {
            Event::FaceAuth(event) => &event.raw,
            Event::TokenExpired(event) => &event.raw,
            Event::Unknown(event) => &event.raw,
        }
    }

    /// Whether the body was the encrypted form `{"data": "…"}`, decrypted with the key given.
    /// With GCM that proves the sender held the key; with ECB or CBC it proves less (see
    /// [`confirm`]).
    pub fn encrypted(&self) -> bool {
        match self {
            Event::FaceAuth(event) => event.encrypted,
            Event::TokenExpired(event) => event.encrypted,
            Event::Unknown(event) => event.encrypted,
        }
    }

    fn set_encrypted(&mut self, encrypted: bool) {
        match self {
            Event::FaceAuth(event) => event.encrypted = encrypted,
            Event::TokenExpired(event) => event.encrypted = encrypted,
            Event::Unknown(event) => event.encrypted = encrypted,
        }
    }

    /// The `webhook_trigger` as sent, if any.
    pub fn trigger(&self) -> Option<&str> {
        self.raw().get("webhook_trigger").and_then(Value::as_str)
    }

    /// A normalised JSON view for printing: `"event"` (`faceAuth`, `token_expired` or
    /// `unknown`), the event's fields under their Rust names (null when absent) and
    /// `"encrypted"`. Unknown events carry `"trigger"` and the whole `"raw"` JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Event::FaceAuth(event) => event.to_json(),
            Event::TokenExpired(event) => event.to_json(),
            Event::Unknown(event) => {
                json!({
                    "event": "unknown", "trigger": event.trigger, "encrypted": event.encrypted,
                    "raw": event.raw,
                })
            }
        }
    }

    /// Dispatches a webhook's JSON on its `webhook_trigger` (the known names match exactly or
    /// case-insensitively).
    fn from_value(value: Value) -> Result<Event, WebhookError> {
        let Value::Object(top) = value else {
            return Err(malformed(format!("the webhook is {}, not a JSON object", type_name(&value))));
        };
        let trigger = match top.get("webhook_trigger") {
            None | Some(Value::Null) => None,
            Some(Value::String(trigger)) => Some(trigger.clone()),
            Some(other) => {
                return Err(malformed(format!("webhook_trigger is {}, not a string", type_name(other))))
            }
        };
        match trigger.as_deref() {
            Some(t) if t.eq_ignore_ascii_case(TRIGGER_FACE_AUTH) => {
                FaceAuthEvent::from_object(top).map(Event::FaceAuth)
            }
            Some(t) if t.eq_ignore_ascii_case(TRIGGER_TOKEN_EXPIRED) => {
                TokenExpiredEvent::from_object(top).map(Event::TokenExpired)
            }
            _ => Ok(Event::Unknown(UnknownEvent { trigger, encrypted: false, raw: Value::Object(top) })),
        }
    }
}

/// Parses a webhook from the raw bytes of its HTTP request body.
///
/// A body that is exactly `{"data": "<string>"}` (one key, a string value) is the encrypted
/// form: the string is decrypted with `key` (the ID check project's cipher) and the plaintext
/// is parsed as the webhook. The string is read as any ciphertext text is (see
/// [`TextEncoding::read`](crate::crypto::TextEncoding::read)): base64 wrapped over lines,
/// `%2B`-style escapes and spaces that stand for `+` are fine. A leading UTF-8 byte-order mark is ignored. Unknown triggers and
/// unknown fields are kept, in [`Event::Unknown`] and in each event's `raw`.
///
/// # Errors
/// - [`WebhookError::KeyRequired`] if the body is encrypted and `key` is `None`;
/// - [`WebhookError::Decrypt`] if it does not decrypt with `key` (wrong key or scheme);
/// - [`WebhookError::Malformed`] if the body (or plaintext) is empty, not UTF-8, not JSON or not
///   an object, if a documented field is neither a string nor null, if `data` of a `faceAuth`
///   event is not an object, if a `faceAuth` event has neither an authentication id nor a
///   submission id, or if a `token_expired` event lacks `token_id`, `expired_condition` or
///   `service`. Messages name fields and types, never values.
pub fn parse(body: &[u8], key: Option<&Cipher>) -> Result<Event, WebhookError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        malformed(format!("the body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
    })?;
    let value = parse_json(text, "the body")?;
    let (value, encrypted) = match encrypted_form(&value) {
        Some(ciphertext) => {
            let cipher = key.ok_or(WebhookError::KeyRequired)?;
            let plaintext = cipher.decrypt(ciphertext).map_err(WebhookError::Decrypt)?;
            (parse_json(&plaintext, "the decrypted body")?, true)
        }
        None => (value, false),
    };
    let mut event = Event::from_value(value)?;
    event.set_encrypted(encrypted);
    Ok(event)
}

/// Parses JSON text, naming it `what` in errors. The error text of `serde_json` gives only a
/// category and a position, never the input.
fn parse_json(text: &str, what: &str) -> Result<Value, WebhookError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(malformed(format!("{what} is empty")));
    }
    serde_json::from_str(text).map_err(|e| malformed(format!("{what} is not JSON ({e})")))
}

/// The ciphertext, if `value` is the encrypted form: an object whose only key is `data`, a
/// string.
fn encrypted_form(value: &Value) -> Option<&str> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.get("data")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Key, Scheme};

    #[test]
    fn encrypted_bodies_are_read_like_any_ciphertext_text() {
        let cipher = Cipher::new(&Key::derive("webhook key, 32 bytes or longer").expect("key"), Scheme::Ecb);
        let plain = format!(
            r#"{{"webhook_trigger":"token_expired","token_id":"tok_1","expired_condition":"count","service":"faceAuth","pad":"{}"}}"#,
            "x".repeat(100)
        );
        let sealed = cipher.encrypt(&plain).expect("encrypts");
        let lines: Vec<&str> =
            (0..sealed.len()).step_by(76).map(|i| &sealed[i..(i + 76).min(sealed.len())]).collect();
        let escaped = sealed.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        for data in [lines.join("\r\n"), format!(" {}\n", lines.join("\n")), escaped] {
            let body = serde_json::json!({ "data": data }).to_string();
            let event = parse(body.as_bytes(), Some(&cipher)).unwrap_or_else(|e| panic!("{data:?}: {e}"));
            assert_eq!(event.trigger(), Some(TRIGGER_TOKEN_EXPIRED), "{data:?}");
        }
        let body = br#"{"data": "<html>502</html>"}"#;
        let err = parse(body, Some(&cipher)).expect_err("not a ciphertext");
        assert!(
            matches!(&err, WebhookError::Decrypt(crate::crypto::CryptoError::InvalidEncoding { reason, .. })
                if reason == "character '<' at position 0"),
            "{err:?}"
        );
    }
}
