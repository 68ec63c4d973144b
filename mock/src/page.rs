//! The hosted FaceAuth page, `GET /face-auth?pid=…&encrypted=…`: decrypts the link, applies the
//! token rule, records a result and sends the webhooks, as if the user had taken a selfie.
//!
//! `mock_result=rejected` in the query makes the face fail to match.

use serde_json::{json, Value};

use crate::config::TokenRule;
use crate::http::{Head, Response};
use crate::server::Shared;
use crate::state::{AuthRecord, PLACEHOLDER_IMAGE};
use crate::webhook;

fn page_error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({ "error": message }))
}

pub(crate) fn handle(shared: &Shared, head: &Head) -> Response {
    if head.method != "GET" {
        return page_error(405, "method not allowed");
    }
    if head.query_param("pid").as_deref() != Some(shared.config.project_id.as_str()) {
        return page_error(400, "unknown project");
    }
    let inspection = match faceauth::url::inspect(&head.query, &shared.url_cipher) {
        Ok(inspection) => inspection,
        Err(e) => return page_error(400, &format!("cannot decrypt: {e}")),
    };
    let params = inspection.params;
    let rejected = head.query_param("mock_result").is_some_and(|r| r.eq_ignore_ascii_case("rejected"));

    let mut webhooks: Vec<Value> = Vec::new();
    let mut state = shared.state();
    if !state.approved(&params.sid) {
        return page_error(400, "submission not approved");
    }
    let now = state.now_ms();
    let token = params.token.as_deref();
    let mut count_expiry = None;
    if let (Some(rule), Some(token)) = (shared.config.token_rule, token) {
        match rule {
            TokenRule::Count => {
                if !state.tokens_used.insert(token.to_owned()) {
                    return page_error(410, "token expired");
                }
                count_expiry = Some(webhook::token_expired_count(token, now));
            }
            TokenRule::Time { seconds } => {
                let first = *state.token_first_use.entry(token.to_owned()).or_insert(now);
                let expires =
                    first.saturating_add(i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX));
                if now > expires {
                    if state.token_expiry_sent.insert(token.to_owned()) {
                        webhooks.push(webhook::token_expired_time(token, expires));
                    }
                    drop(state);
                    webhook::send_all(shared, &webhooks);
                    return page_error(410, "token expired");
                }
            }
        }
    }

    let mut record = AuthRecord::new(state.new_auth_id(), true, now, "form", &params.sid);
    if rejected {
        record.reject("face_compare_underscore", "Face compare similarity score is lower than the threshold");
    }
    record.image = Some(PLACEHOLDER_IMAGE.to_vec());
    record.image_type = "image/jpeg".to_owned();
    record.user_id = params.user_id.map(Into::into);
    record.cf1 = params.cf1.map(Into::into);
    record.cf2 = params.cf2.map(Into::into);
    record.cf3 = params.cf3.map(Into::into);
    record.token = params.token.map(Into::into);
    webhooks.push(webhook::face_auth(shared.config.webhook_shape, &record));
    webhooks.extend(count_expiry);
    let answer = json!({ "auth_id": record.auth_id, "auth_status": record.auth_status });
    state.insert(record);
    drop(state);

    webhook::send_all(shared, &webhooks);
    Response::json(200, &answer)
}
