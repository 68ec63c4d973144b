//! The FaceAuth REST endpoints, with Argos's bodies and messages (spec section 2).
//!
//! Called after the IP, key and size checks and fault injection have passed.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::config::{ImageFormat, ResponseShape};
use crate::http::{Head, Response};
use crate::multipart::{self, Part};
use crate::server::Shared;
use crate::state::{sniff, trace_id, AuthRecord};
use crate::time::{day_of, parse_date, parse_rfc3339};

/// The most rows one `GET /faceauth` answers.
const MAX_COUNT: usize = 2000;
const NOT_FOUND_SUBMISSION: &str = "Cannot find submission. Please check input data.";

/// A REST resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/faceauth`
    Results,
    /// `/faceauth/image`
    Image,
}

impl Endpoint {
    /// The path, as request counts name it.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Results => "/faceauth",
            Endpoint::Image => "/faceauth/image",
        }
    }
}

pub(crate) async fn handle(shared: &Shared, head: &Head, endpoint: Endpoint, body: Vec<u8>) -> Response {
    match (endpoint, head.method.as_str()) {
        (Endpoint::Results, "POST") => submit(shared, head, body).await,
        (Endpoint::Results, "GET") => get(shared, head),
        (Endpoint::Results, "DELETE") => delete(shared, head),
        (Endpoint::Image, "GET") => image(shared, head),
        _ => Response::message(405, "Method Not Allowed"),
    }
}

/// `{"errorCode": code, "message": message}` with status 400.
fn error(code: &str, message: &str) -> Response {
    Response::json(400, &json!({ "errorCode": code, "message": message }))
}

/// The same with a `traceId`, as the image endpoint answers.
fn traced_error(message: &str) -> Response {
    Response::json(400, &json!({ "traceId": trace_id(), "errorCode": "NOT_FOUND", "message": message }))
}

/// `authId`, or `auth_id` as one doc example writes it.
fn auth_id_param(head: &Head) -> Option<String> {
    head.query_param("authId").or_else(|| head.query_param("auth_id"))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `POST /faceauth`: compare an uploaded selfie.
async fn submit(shared: &Shared, head: &Head, body: Vec<u8>) -> Response {
    let unparseable = || error("invalid_data_format", "Data parsing error. Please check input data.");
    let missing = || error("required_field_missing", "Required field is missing");
    let Ok(parts) = multipart::parse(head.header("content-type"), body).await else { return unparseable() };
    let part = |name: &str| parts.iter().find(|p| p.name == name);
    let text = |name: &str| -> Result<Option<String>, ()> {
        match part(name) {
            None => Ok(None),
            Some(Part { data, .. }) => match std::str::from_utf8(data) {
                Ok("") => Ok(None),
                Ok(value) => Ok(Some(value.to_owned())),
                Err(_) => Err(()),
            },
        }
    };
    let (Ok(sid), Ok(user_id), Ok(cf1), Ok(cf2), Ok(cf3)) =
        (text("submissionId"), text("userId"), text("cf1"), text("cf2"), text("cf3"))
    else {
        return unparseable();
    };
    let Some(sid) = sid else { return missing() };
    let Some(image) = part("faceImage").filter(|p| !p.data.is_empty()) else { return missing() };

    let mut state = shared.state();
    if !state.approved(&sid) {
        return error("invalid_data_format", NOT_FOUND_SUBMISSION);
    }
    let mut record = AuthRecord::new(state.new_auth_id(), true, state.now_ms(), "api", &sid);
    if contains(&image.data, b"REJECT") {
        record.reject("face_compare_underscore", "Face compare similarity score is lower than the threshold");
    } else if contains(&image.data, b"UNKNOWNCODE") {
        record.reject("Brand_new_fail_code", "A check this SDK does not know yet failed");
    }
    record.image_type = match image.content_type.as_deref() {
        Some(t) if !t.is_empty() && !t.eq_ignore_ascii_case("application/octet-stream") => t.to_owned(),
        _ => sniff(&image.data).to_owned(),
    };
    record.image = Some(image.data.clone());
    (record.user_id, record.cf1, record.cf2, record.cf3) = (user_id, cf1, cf2, cf3);

    let mut answer = json!({
        "authentication_id": record.auth_id,
        "auth_status": record.auth_status,
        "create_time": record.create_time(),
        "score": {
            "face_similarity_score": record.similarity,
            "occluded_score": 99,
            "face_cover_score": 0,
            "head_cover_score": 0,
        },
    });
    if record.rejected() {
        answer["fail_code"] = json!(record.fail_code);
        answer["rejected_comment"] = json!(record.reject_comment);
    }
    state.insert(record);
    Response::json(200, &answer)
}

/// Rows in the configured response shape.
fn page_of(shared: &Shared, rows: Vec<Value>, next: Option<Value>) -> Value {
    match shared.config.response_shape {
        ResponseShape::Nested => {
            let mut project = json!({ "faceAuth_projectId": shared.config.project_id, "data": rows });
            if let Some(next) = next {
                project["nextPage_key"] = next;
            }
            json!([project])
        }
        ResponseShape::Flat => match next {
            Some(next) => json!({ "data": rows, "nextPage_key": next }),
            None => Value::Array(rows),
        },
    }
}

/// `GET /faceauth`: one result by `authId`, or a page of the list.
fn get(shared: &Shared, head: &Head) -> Response {
    let shape = shared.config.response_shape;
    if let Some(auth_id) = auth_id_param(head) {
        let state = shared.state();
        return match state.records.get(&auth_id) {
            Some(record) => Response::json(200, &page_of(shared, vec![record.row(shape)], None)),
            None => error("NOT_FOUND", NOT_FOUND_SUBMISSION),
        };
    }
    let Some(query) = ListQuery::parse(head) else {
        return Response::message(400, "Invalid Query String parameters");
    };
    let state = shared.state();
    let mut rows = state.newest_first().into_iter().filter(|r| query.includes(r));
    let page: Vec<&AuthRecord> = rows.by_ref().take(query.count).collect();
    let next = match (rows.next(), page.last()) {
        (Some(_), Some(last)) => Some(json!({ "authId": last.auth_id, "createTime": last.create_time() })),
        _ => None,
    };
    let rows = page.into_iter().map(|r| r.row(shape)).collect();
    Response::json(200, &page_of(shared, rows, next))
}

/// The parameters of a list request.
struct ListQuery {
    /// Inclusive UTC day numbers.
    days: Option<(i64, i64)>,
    count: usize,
    /// Rows start strictly after this (create time, auth id) in newest-first order.
    after: Option<(i64, String)>,
}

impl ListQuery {
    /// `None` for the gateway's "Invalid Query String parameters".
    fn parse(head: &Head) -> Option<ListQuery> {
        let param = |name: &str| head.query_param(name);
        let days = match (param("startDate"), param("endDate")) {
            (None, None) => None,
            (Some(start), Some(end)) => Some((parse_date(&start)?, parse_date(&end)?)),
            _ => return None,
        };
        let count = match param("count") {
            None => MAX_COUNT,
            Some(text) => text.parse::<usize>().ok().filter(|n| (1..=MAX_COUNT).contains(n))?,
        };
        let nonempty = |name: &str| param(name).filter(|v| !v.is_empty());
        let after = match (nonempty("nextKey_id"), nonempty("nextKey_date")) {
            (None, None) => None,
            (Some(id), Some(date)) => Some((parse_rfc3339(&date)?, id)),
            _ => return None,
        };
        Some(ListQuery { days, count, after })
    }

    fn includes(&self, record: &AuthRecord) -> bool {
        let in_days = self.days.is_none_or(|(start, end)| (start..=end).contains(&day_of(record.create_ms)));
        let after =
            self.after.as_ref().is_none_or(|(ms, id)| (record.create_ms, &record.auth_id) < (*ms, id));
        in_days && after
    }
}

/// `GET /faceauth/image`: the selfie, base64.
fn image(shared: &Shared, head: &Head) -> Response {
    let Some(auth_id) = auth_id_param(head).filter(|id| !id.is_empty()) else {
        return traced_error("authId is required");
    };
    let state = shared.state();
    let Some((image, content_type)) =
        state.records.get(&auth_id).and_then(|r| r.image.as_ref().map(|i| (i, r.image_type.clone())))
    else {
        return traced_error(NOT_FOUND_SUBMISSION);
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(image);
    drop(state);
    match shared.config.image_format {
        ImageFormat::Raw => Response::text(200, b64),
        ImageFormat::Json => Response::json(200, &Value::String(b64)),
        ImageFormat::DataUrl => Response::text(200, format!("data:{content_type};base64,{b64}")),
    }
}

/// `DELETE /faceauth`: erase the image and personal data of one result.
fn delete(shared: &Shared, head: &Head) -> Response {
    let Some(auth_id) = auth_id_param(head).filter(|id| !id.is_empty()) else {
        return error("required_key_missing", "required key is missing");
    };
    let mut state = shared.state();
    match state.records.get_mut(&auth_id) {
        Some(record) if !record.deleted => {
            record.erase();
            Response::json(200, &json!({ "message": "success" }))
        }
        _ => error("NOT_FOUND", NOT_FOUND_SUBMISSION),
    }
}
