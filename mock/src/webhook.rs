//! Webhooks the simulator sends (spec section 4): `faceAuth` in its three documented shapes and
//! `token_expired`, plain or encrypted.

use serde_json::{json, Value};

use crate::config::WebhookShape;
use crate::server::Shared;
use crate::state::{AuthRecord, OUTBOX_LIMIT};
use crate::time::format_rfc3339;

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// The `faceAuth` webhook of a result. Absent optional fields are empty strings.
pub(crate) fn face_auth(shape: WebhookShape, record: &AuthRecord) -> Value {
    let create_time = record.create_time();
    let (user_id, cf1, cf2, cf3) =
        (text(&record.user_id), text(&record.cf1), text(&record.cf2), text(&record.cf3));
    match shape {
        WebhookShape::Current => json!({
            "webhook_trigger": "faceAuth",
            "data": {
                "Submission_id": record.kyc_submission_id,
                "Auth_Status": record.auth_status,
                "Create_Time": create_time,
                "Auth_User_id": user_id,
                "Auth_cf1": cf1,
                "Auth_cf2": cf2,
                "Auth_cf3": cf3,
                "Token_id": text(&record.token),
                "reference": { "userid": user_id, "email": "", "cf": { "cf1": cf1, "cf2": cf2, "cf3": cf3 } },
                "Authentication_id": record.auth_id,
            },
        }),
        WebhookShape::Older => json!({
            "webhook_trigger": "faceAuth",
            "Authentication_id": record.auth_id,
            "data": {
                "Submission_id": record.kyc_submission_id,
                "Auth_Status": record.auth_status,
                "Create_Time": create_time,
                "User_id": user_id,
                "cf1": cf1,
                "cf2": cf2,
                "cf3": cf3,
                "Token_id": text(&record.token),
            },
        }),
        WebhookShape::Oldest => json!({
            "webhook_trigger": "faceAuth",
            "auth_id": record.auth_id,
            "data": {
                "submission_id": record.kyc_submission_id,
                "auth_status": record.auth_status,
                "create_time": create_time,
                "user_id": user_id,
                "cf1": cf1,
                "cf2": cf2,
                "cf3": cf3,
            },
        }),
    }
}

/// `token_expired` for a count-based token, used up at `at_ms`.
pub(crate) fn token_expired_count(token: &str, at_ms: i64) -> Value {
    json!({
        "webhook_trigger": "token_expired",
        "token_id": token,
        "expired_condition": "count",
        "expired_at": format_rfc3339(at_ms),
        "service": "faceAuth",
    })
}

/// `token_expired` for a time-based token that expired at `expected_ms`.
pub(crate) fn token_expired_time(token: &str, expected_ms: i64) -> Value {
    json!({
        "webhook_trigger": "token_expired",
        "token_id": token,
        "expired_condition": "time",
        "expected_expired_at": format_rfc3339(expected_ms),
        "service": "faceAuth",
    })
}

/// Keeps each payload's body in the outbox and posts it, in order, to the webhook URL (if any).
/// A failed delivery is reported on stderr and otherwise ignored.
pub(crate) fn send_all(shared: &Shared, payloads: &[Value]) {
    for payload in payloads {
        let body = match &shared.webhook_cipher {
            Some(cipher) => match cipher.encrypt(&payload.to_string()) {
                Ok(sealed) => json!({ "data": sealed }).to_string(),
                Err(e) => {
                    eprintln!("faceauth-mock: cannot encrypt a webhook: {e}");
                    continue;
                }
            },
            None => payload.to_string(),
        };
        {
            let mut state = shared.state();
            if state.outbox.len() >= OUTBOX_LIMIT {
                state.outbox.pop_front();
            }
            state.outbox.push_back(body.clone());
        }
        let Some(url) = &shared.config.webhook_url else { continue };
        let sent = shared.agent.post(url).set("Content-Type", "application/json").send_string(&body);
        match sent {
            Ok(response) => {
                // Read the answer so that the connection can be reused.
                let _ = response.into_string();
                if shared.config.verbose {
                    let trigger = payload["webhook_trigger"].as_str().unwrap_or("?");
                    eprintln!("faceauth-mock: webhook {trigger} delivered");
                }
            }
            Err(e) => eprintln!("faceauth-mock: webhook delivery failed: {e}"),
        }
    }
}
