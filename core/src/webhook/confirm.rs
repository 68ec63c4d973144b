//! Confirming a webhook before acting on it: Argos signs nothing, so a `faceAuth` result is
//! fetched back from Argos by its authentication id, and what Argos returned is what counts.

use serde_json::{json, Value};

use super::{Event, WebhookError};
use crate::api::{ApiError, AuthRecord, CallOptions, Client};
use crate::Error;

/// What a [`ConfirmedEvent`] rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Basis {
    /// A `faceAuth` result fetched back from Argos (`GET /faceauth?authId=…`): its status,
    /// time and submission are Argos's.
    Argos,
    /// A `token_expired` event from an encrypted body: no API call can confirm one, and only a
    /// sender holding the webhook key could have sealed it (with GCM; see [`confirm`]).
    Encrypted,
}

impl Basis {
    /// `argos` or `encrypted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Argos => "argos",
            Basis::Encrypted => "encrypted",
        }
    }
}

/// A webhook event as confirmed by [`confirm`]: for `faceAuth`, the event with Argos's
/// status, creation time and submission id in place of what the body claimed.
///
/// Only [`confirm`] makes one, so holding one means the check was done.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfirmedEvent {
    event: Event,
    basis: Basis,
    record: Option<AuthRecord>,
}

impl ConfirmedEvent {
    /// The event to act on: Argos's facts for `faceAuth`; the token id (and any user id) are
    /// the body's.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// What the confirmation rests on.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// Argos's record of the result (`faceAuth` events only).
    pub fn record(&self) -> Option<&AuthRecord> {
        self.record.as_ref()
    }

    /// Argos's face similarity score (`result.face_similarity` of its record), when it sends
    /// one.
    pub fn score(&self) -> Option<f64> {
        let result = self.record.as_ref()?.raw.get("result")?;
        match result.get("face_similarity").or_else(|| result.get("face_similarity_score"))? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The submission (and user, when Argos's record names one) that a token must have been
    /// issued for to take this result; `None` for events without a result.
    pub(crate) fn owner(&self) -> Option<(&str, Option<&str>)> {
        let record = self.record.as_ref()?;
        Some((record.submission_id.as_deref()?, record_user_id(record)))
    }

    /// The event's JSON ([`Event::to_json`], with Argos's facts) plus `"confirmed_by"`
    /// (`argos` or `encrypted`), `"score"` (Argos's similarity, or null) and `"record"`
    /// (Argos's row as received, or null).
    pub fn to_json(&self) -> Value {
        let mut value = self.event.to_json();
        if let Value::Object(fields) = &mut value {
            fields.insert("confirmed_by".to_owned(), json!(self.basis.as_str()));
            fields.insert("score".to_owned(), json!(self.score()));
            fields.insert("record".to_owned(), json!(self.record.as_ref().map(AuthRecord::to_json)));
        }
        value
    }
}

/// A user id in Argos's record, if it carries one. The documented rows carry none; a row that
/// does is checked against the webhook and the token.
fn record_user_id(record: &AuthRecord) -> Option<&str> {
    ["user_id", "userId", "auth_user_id", "Auth_User_id"]
        .iter()
        .find_map(|name| record.raw.get(*name)?.as_str())
        .filter(|id| !id.is_empty())
}

/// Confirms a parsed webhook with Argos before it is acted on.
///
/// - `faceAuth`: fetches the result by its authentication id (`GET /faceauth?authId=…`,
///   [`Client::get`]) and returns the event with Argos's status, `create_time` and
///   submission id. A body that names another submission (or user, when Argos's record
///   carries one) than Argos's record is refused. The token id stays the body's: a ledger
///   then records the result only for a token issued for Argos's submission
///   ([`TokenLedger::apply_confirmed`](crate::token::TokenLedger::apply_confirmed)).
/// - `token_expired`: no API call confirms one. It is accepted only from an encrypted body
///   ([`Event::encrypted`]): with GCM that proves the sender held the webhook key; with ECB
///   or CBC, which carry no tag, it proves the body is made of blocks sealed with the key (a
///   replay, or blocks cut from other webhooks, would pass too).
/// - other triggers cannot be confirmed.
///
/// One blocking API call for `faceAuth`, with the client's timeouts and retries; nothing else.
///
/// # Errors
/// - [`WebhookError::Unconfirmed`] when Argos has no result with the id;
/// - [`WebhookError::Mismatch`] when its result belongs to another submission or user;
/// - [`WebhookError::Unverifiable`] for a plain `token_expired` body, a `faceAuth` event
///   without an authentication id, another trigger, or a result Argos has erased (its
///   submission cannot be checked);
/// - [`Error::Api`] when Argos cannot be asked (timeout, connection, 5xx, a refused API key):
///   nothing is known, so the webhook should be answered so that the sender retries.
pub fn confirm(event: &Event, client: &Client) -> Result<ConfirmedEvent, Error> {
    confirm_with(event, client, &CallOptions::default())
}

/// [`confirm`] with per-call options for its API call: a cancel handle and a deadline.
///
/// # Errors
/// As [`confirm`]; [`ApiError::Cancelled`] and [`ApiError::DeadlineExceeded`] (as
/// [`Error::Api`]).
pub fn confirm_with(event: &Event, client: &Client, options: &CallOptions) -> Result<ConfirmedEvent, Error> {
    let face_auth = match event {
        Event::FaceAuth(face_auth) => face_auth,
        Event::TokenExpired(_) if event.encrypted() => {
            return Ok(ConfirmedEvent { event: event.clone(), basis: Basis::Encrypted, record: None })
        }
        Event::TokenExpired(_) => {
            return Err(unverifiable("a token_expired event is trusted only from an encrypted body"))
        }
        Event::Unknown(_) => {
            return Err(unverifiable("only faceAuth and token_expired events are confirmed"))
        }
    };
    let Some(auth_id) = face_auth.auth_id.as_deref() else {
        return Err(unverifiable("a faceAuth event without an authentication id"));
    };
    let record = match client.get_with(options, auth_id) {
        Ok(record) => record,
        Err(err) if unknown_to_argos(&err) => {
            return Err(WebhookError::Unconfirmed { auth_id: auth_id.to_owned() }.into())
        }
        Err(err) => return Err(err.into()),
    };
    if record.deleted {
        return Err(unverifiable("argos has erased the result, so its submission cannot be checked"));
    }
    let Some(submission_id) = record.submission_id.clone() else {
        return Err(unverifiable("argos's record of the result names no submission"));
    };
    let mismatch = |field| Error::from(WebhookError::Mismatch { auth_id: auth_id.to_owned(), field });
    if face_auth.submission_id.as_ref().is_some_and(|claimed| *claimed != submission_id) {
        return Err(mismatch("submission"));
    }
    let argos_user = record_user_id(&record);
    if let (Some(claimed), Some(argos)) = (face_auth.user_id.as_deref(), argos_user) {
        if claimed != argos {
            return Err(mismatch("user"));
        }
    }
    let mut confirmed = face_auth.clone();
    confirmed.auth_id = Some(record.auth_id.clone());
    confirmed.submission_id = Some(submission_id);
    confirmed.status = Some(record.status.clone());
    confirmed.create_time = record.create_time.clone();
    if let Some(argos) = argos_user {
        confirmed.user_id = Some(argos.to_owned());
    }
    Ok(ConfirmedEvent { event: Event::FaceAuth(confirmed), basis: Basis::Argos, record: Some(record) })
}

fn unverifiable(reason: &'static str) -> Error {
    WebhookError::Unverifiable { reason }.into()
}

/// Whether `err` says Argos holds no result with the id: a 200 without the row, Argos's 400
/// "Cannot find submission", or an id no result can have (refused before sending).
fn unknown_to_argos(err: &ApiError) -> bool {
    match err {
        ApiError::NotFound { .. } | ApiError::InvalidArgument { .. } => true,
        ApiError::InvalidRequest(failure) => {
            failure.message.as_deref().is_some_and(|m| m.contains("Cannot find submission"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Cipher, Key, Scheme};
    use crate::webhook::parse;

    /// A client of a server that nothing answers: confirmations that need no call succeed,
    /// those that do fail with a transport error.
    fn offline() -> Client {
        Client::builder("api-key-for-tests")
            .base_url("http://127.0.0.1:9")
            .max_retries(0)
            .connect_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("client")
    }

    #[test]
    fn token_expired_is_confirmed_only_when_encrypted() {
        let plain = r#"{"webhook_trigger":"token_expired","token_id":"tok_abc12345","expired_condition":"count","service":"faceAuth"}"#;
        let event = parse(plain.as_bytes(), None).expect("parses");
        let err = confirm(&event, &offline()).expect_err("a plain token_expired");
        assert_eq!(err.kind(), crate::ErrorKind::WebhookUnverifiable, "{err}");

        let cipher = Cipher::new(&Key::derive("webhook key, 32 bytes or longer").expect("key"), Scheme::Gcm);
        let body = json!({ "data": cipher.encrypt(plain).expect("encrypts") }).to_string();
        let event = parse(body.as_bytes(), Some(&cipher)).expect("parses");
        assert!(event.encrypted());
        let confirmed = confirm(&event, &offline()).expect("an encrypted token_expired");
        assert_eq!((confirmed.basis(), confirmed.event()), (Basis::Encrypted, &event));
        assert_eq!(confirmed.to_json()["confirmed_by"], "encrypted");
    }

    #[test]
    fn what_cannot_be_confirmed_is_refused_before_any_call() {
        let no_id =
            r#"{"webhook_trigger":"faceAuth","data":{"Submission_id":"s1","Auth_Status":"approved"}}"#;
        let unknown = r#"{"webhook_trigger":"kyc_done"}"#;
        for body in [no_id, unknown] {
            let event = parse(body.as_bytes(), None).expect("parses");
            let err = confirm(&event, &offline()).expect_err(body);
            assert_eq!(err.kind(), crate::ErrorKind::WebhookUnverifiable, "{body}: {err}");
        }
        // An id no result can have is unknown to Argos, without asking it.
        let bad_id =
            r#"{"webhook_trigger":"faceAuth","data":{"Authentication_id":" ","Submission_id":"s1"}}"#;
        let event = parse(bad_id.as_bytes(), None).expect("parses");
        let err = confirm(&event, &offline()).expect_err("a blank id");
        assert_eq!(err.kind(), crate::ErrorKind::WebhookUnconfirmed, "{err}");
    }

    #[test]
    fn an_unreachable_argos_is_a_transport_error() {
        let body =
            r#"{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_1","Submission_id":"s1"}}"#;
        let event = parse(body.as_bytes(), None).expect("parses");
        let err = confirm(&event, &offline()).expect_err("nothing listens on port 9");
        assert_eq!(err.kind(), crate::ErrorKind::ApiConnection, "{err}");
    }
}
