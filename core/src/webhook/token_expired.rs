//! The `token_expired` webhook: a token id (see [`crate::token`]) has expired.

use std::fmt;

use serde_json::{json, Map, Value};

use super::fields::{self, malformed, Place};
use super::WebhookError;

/// Why a token expired: `expired_condition`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExpiredCondition {
    /// `count`: the token was used once (the event carries `expired_at`).
    Count,
    /// `time`: the set time since its first use has passed (the event carries
    /// `expected_expired_at`).
    Time,
    /// Any other condition, as sent.
    Other(String),
}

impl ExpiredCondition {
    /// Reads a condition as Argos writes it (case-insensitive for the known ones).
    pub fn parse(text: &str) -> ExpiredCondition {
        if text.eq_ignore_ascii_case("count") {
            ExpiredCondition::Count
        } else if text.eq_ignore_ascii_case("time") {
            ExpiredCondition::Time
        } else {
            ExpiredCondition::Other(text.to_owned())
        }
    }

    /// The condition as Argos writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ExpiredCondition::Count => "count",
            ExpiredCondition::Time => "time",
            ExpiredCondition::Other(text) => text,
        }
    }
}

impl fmt::Display for ExpiredCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which product sent a `token_expired` event: `service`. FaceAuth and ID check judge their
/// tokens separately and each reports its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// `idCheck`.
    IdCheck,
    /// `faceAuth`.
    FaceAuth,
    /// Any other service, as sent.
    Other(String),
}

impl Service {
    /// Reads a service name as Argos writes it (case-insensitive for the known ones).
    pub fn parse(text: &str) -> Service {
        if text.eq_ignore_ascii_case("idCheck") {
            Service::IdCheck
        } else if text.eq_ignore_ascii_case("faceAuth") {
            Service::FaceAuth
        } else {
            Service::Other(text.to_owned())
        }
    }

    /// The service name as Argos writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Service::IdCheck => "idCheck",
            Service::FaceAuth => "faceAuth",
            Service::Other(text) => text,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `token_expired` webhook. Its fields sit at the top level of the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenExpiredEvent {
    /// The token id that expired: `token_id`.
    pub token_id: String,
    /// Why it expired: `expired_condition`.
    pub condition: ExpiredCondition,
    /// When it expired, as sent (count-based tokens): `expired_at`.
    pub expired_at: Option<String>,
    /// When it expires, as sent (time-based tokens): `expected_expired_at`.
    pub expected_expired_at: Option<String>,
    /// Which product sent it: `service` (absent in some senders' payloads, so optional).
    pub service: Option<Service>,
    /// Whether the body was the encrypted form (and decrypted with the key given).
    pub encrypted: bool,
    /// The whole (decrypted) webhook JSON, unknown fields included.
    pub raw: Value,
}

impl TokenExpiredEvent {
    /// `expired_at` if sent, else `expected_expired_at`.
    pub fn expires_at(&self) -> Option<&str> {
        self.expired_at.as_deref().or(self.expected_expired_at.as_deref())
    }

    /// Reads a `token_expired` webhook from its top-level object.
    pub(super) fn from_object(top: Map<String, Value>) -> Result<TokenExpiredEvent, WebhookError> {
        let places: [Place<'_>; 1] = [("", &top)];
        let text = |name: &str| fields::text(&places, &[name]);
        let required =
            |name: &str| text(name)?.ok_or_else(|| malformed(format!("token_expired event has no {name}")));

        let token_id = required("token_id")?;
        let condition = ExpiredCondition::parse(&required("expired_condition")?);
        let expired_at = text("expired_at")?;
        let expected_expired_at = text("expected_expired_at")?;
        let service = text("service")?.map(|name| Service::parse(&name));
        Ok(TokenExpiredEvent {
            token_id,
            condition,
            expired_at,
            expected_expired_at,
            service,
            encrypted: false,
            raw: Value::Object(top),
        })
    }

    pub(super) fn to_json(&self) -> Value {
        json!({
            "event": "token_expired",
            "token_id": self.token_id,
            "condition": self.condition.as_str(),
            "expired_at": self.expired_at,
            "expected_expired_at": self.expected_expired_at,
            "service": self.service.as_ref().map(Service::as_str),
            "encrypted": self.encrypted,
        })
    }
}
