//! Test control endpoints under `/_mock/` (no API key): the clock, faults, request counts,
//! submissions, bulk results and a state dump.

use faceauth::url::redact_credentials;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::SeedSubmission;
use crate::faults::FaultUpdate;
use crate::http::{Head, Response};
use crate::server::Shared;
use crate::state::{AuthRecord, PLACEHOLDER_IMAGE};
use crate::time::{format_rfc3339, parse_rfc3339};

/// The most results one `POST /_mock/results` creates.
const MAX_BULK: u32 = 1_000_000;

fn bad(message: &str) -> Response {
    Response::json(400, &json!({ "error": message }))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|e| bad(&format!("invalid JSON body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockUpdate {
    advance_seconds: Option<f64>,
    now: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkResults {
    count: u32,
    start: Option<String>,
    #[serde(default = "one")]
    step_seconds: f64,
    submission_id: Option<String>,
    #[serde(default = "approved")]
    auth_status: String,
}

fn one() -> f64 {
    1.0
}

fn approved() -> String {
    "approved".to_owned()
}

/// Seconds as whole milliseconds, if finite and in range.
fn seconds_to_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && ms.abs() < 1e15).then_some(ms as i64)
}

pub(crate) fn handle(shared: &Shared, head: &Head, what: &str, body: &[u8]) -> Response {
    let result = match (what, head.method.as_str()) {
        ("clock", "GET") => Ok(clock(shared)),
        ("clock", "POST") => set_clock(shared, body),
        ("faults", "GET") => Ok(Response::json(200, &shared.state().faults.dump())),
        ("faults", "POST") => set_faults(shared, body),
        ("requests", "GET") => Ok(Response::json(200, &shared.state().requests())),
        ("submissions", "POST") => add_submission(shared, body),
        ("results", "POST") => add_results(shared, body),
        ("state", "GET") => Ok(dump(shared)),
        ("webhooks", "GET") => Ok(webhooks(shared)),
        ("last-webhook", "GET") => Ok(last_webhook(shared)),
        (
            "clock" | "faults" | "requests" | "submissions" | "results" | "state" | "webhooks"
            | "last-webhook",
            _,
        ) => Ok(Response::message(405, "Method Not Allowed")),
        _ => Ok(Response::message(404, "Not Found")),
    };
    result.unwrap_or_else(|response| response)
}

/// Every webhook body in the outbox, parsed, oldest first.
fn webhooks(shared: &Shared) -> Response {
    let bodies: Vec<Value> = shared
        .state()
        .outbox
        .iter()
        .map(|body| serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.clone())))
        .collect();
    Response::json(200, &Value::Array(bodies))
}

/// The newest webhook body exactly as sent, for piping into `faceauth ledger apply-webhook`.
fn last_webhook(shared: &Shared) -> Response {
    match shared.state().outbox.back() {
        Some(body) => {
            Response { content_type: "application/json".into(), ..Response::text(200, body.clone()) }
        }
        None => Response::message(404, "no webhook sent yet"),
    }
}

fn clock(shared: &Shared) -> Response {
    Response::json(200, &json!({ "now": format_rfc3339(shared.state().now_ms()) }))
}

fn set_clock(shared: &Shared, body: &[u8]) -> Result<Response, Response> {
    let update: ClockUpdate = parse(body)?;
    let now = match &update.now {
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| bad("now is not an RFC 3339 time"))?),
        None => None,
    };
    let advance = match update.advance_seconds {
        Some(seconds) => Some(seconds_to_ms(seconds).ok_or_else(|| bad("advance_seconds is out of range"))?),
        None => None,
    };
    let mut state = shared.state();
    if let Some(now) = now {
        state.set_now(now);
    }
    if let Some(ms) = advance {
        state.advance(ms);
    }
    Ok(Response::json(200, &json!({ "now": format_rfc3339(state.now_ms()) })))
}

fn set_faults(shared: &Shared, body: &[u8]) -> Result<Response, Response> {
    let update: FaultUpdate = parse(body)?;
    shared.state().faults.update(&update).map_err(|e| bad(&e.to_string()))?;
    Ok(Response::json(200, &json!({ "ok": true })))
}

fn add_submission(shared: &Shared, body: &[u8]) -> Result<Response, Response> {
    let submission: SeedSubmission = parse(body)?;
    if submission.id.is_empty() {
        return Err(bad("id must not be empty"));
    }
    shared.state().add_submission(&submission.id, &submission.status, submission.user_id);
    Ok(Response::json(200, &json!({ "ok": true })))
}

fn add_results(shared: &Shared, body: &[u8]) -> Result<Response, Response> {
    let bulk: BulkResults = parse(body)?;
    if bulk.count > MAX_BULK {
        return Err(bad(&format!("count must be at most {MAX_BULK}")));
    }
    let start = match &bulk.start {
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| bad("start is not an RFC 3339 time"))?),
        None => None,
    };
    let step = seconds_to_ms(bulk.step_seconds).ok_or_else(|| bad("step_seconds is out of range"))?;
    let mut state = shared.state();
    let start = start.unwrap_or_else(|| state.now_ms());
    let sid = bulk.submission_id.clone().unwrap_or_else(|| {
        let approved = state.submissions.iter().find(|(_, s)| s.approved());
        approved.map_or_else(|| "mock-submission".to_owned(), |(id, _)| id.clone())
    });
    let approved = bulk.auth_status.eq_ignore_ascii_case("approved");
    for i in 0..i64::from(bulk.count) {
        let create_ms = start.saturating_add(step.saturating_mul(i));
        let mut record = AuthRecord::new(state.new_auth_id(), approved, create_ms, "api", &sid);
        record.auth_status.clone_from(&bulk.auth_status);
        if record.rejected() {
            record.reject(
                "face_compare_underscore",
                "Face compare similarity score is lower than the threshold",
            );
        }
        record.image = Some(PLACEHOLDER_IMAGE.to_vec());
        record.image_type = "image/jpeg".to_owned();
        state.insert(record);
    }
    Ok(Response::json(200, &json!({ "created": bulk.count })))
}

/// Everything but the keys (and the credentials of the webhook URL), with how webhook
/// deliveries went: `{"pending": n, "delivered": n, "failed": n}`.
fn dump(shared: &Shared) -> Response {
    let mut config = serde_json::to_value(&shared.config).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut config {
        for secret in ["api_key", "url_key", "webhook_key", "submissions", "results", "faults", "now"] {
            fields.remove(secret);
        }
        if let Some(url) = &shared.config.webhook_url {
            fields.insert("webhook_url".to_owned(), Value::String(redact_credentials(url).into_owned()));
        }
    }
    let mut state = shared.state().dump();
    state["config"] = config;
    state["webhook_deliveries"] = shared.deliveries.dump();
    Response::json(200, &state)
}
