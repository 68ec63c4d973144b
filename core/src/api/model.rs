//! Records of the FaceAuth API, as typed values that keep their raw JSON.

use std::fmt;

use serde_json::{Map, Value};

/// The status of a FaceAuth result. Unknown statuses are kept, not dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthStatus {
    /// The face matched: `approved`.
    Approved,
    /// The face did not match, or a check failed: `rejected`.
    Rejected,
    /// Any other status Argos may send, as sent.
    Other(String),
}

impl AuthStatus {
    /// Reads a status as Argos writes it (case-insensitive for the known ones).
    pub fn parse(text: &str) -> AuthStatus {
        if text.eq_ignore_ascii_case("approved") {
            AuthStatus::Approved
        } else if text.eq_ignore_ascii_case("rejected") {
            AuthStatus::Rejected
        } else {
            AuthStatus::Other(text.to_owned())
        }
    }

    /// The status as Argos writes it.
    pub fn as_str(&self) -> &str {
        match self {
            AuthStatus::Approved => "approved",
            AuthStatus::Rejected => "rejected",
            AuthStatus::Other(text) => text,
        }
    }
}

impl fmt::Display for AuthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A documented fail code, or any other code Argos sends (kept as sent).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FailCode {
    /// `face_compare_underscore`: similarity under the threshold.
    FaceCompare,
    /// `Face_Occluded_fail`: the face is occluded.
    FaceOccluded,
    /// `Face_cover_fail`: face protection gear missing.
    FaceCover,
    /// `Head_cover_fail`: head protection gear missing.
    HeadCover,
    /// Any other code, exactly as sent.
    Other(String),
}

impl FailCode {
    /// Reads a code; the documented ones match case-insensitively (Argos's casing varies).
    pub fn parse(text: &str) -> FailCode {
        let known = [
            ("face_compare_underscore", FailCode::FaceCompare),
            ("face_occluded_fail", FailCode::FaceOccluded),
            ("face_cover_fail", FailCode::FaceCover),
            ("head_cover_fail", FailCode::HeadCover),
        ];
        known
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map_or_else(|| FailCode::Other(text.to_owned()), |(_, code)| code)
    }

    /// The code in the documented casing, or as sent.
    pub fn as_str(&self) -> &str {
        match self {
            FailCode::FaceCompare => "face_compare_underscore",
            FailCode::FaceOccluded => "Face_Occluded_fail",
            FailCode::FaceCover => "Face_cover_fail",
            FailCode::HeadCover => "Head_cover_fail",
            FailCode::Other(text) => text,
        }
    }
}

impl fmt::Display for FailCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scores of a result; each is present only when the project's options enable it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// `face_similarity_score` (0–100).
    pub face_similarity: Option<f64>,
    /// `occluded_score`.
    pub occluded: Option<f64>,
    /// `face_cover_score`.
    pub face_cover: Option<f64>,
    /// `head_cover_score`.
    pub head_cover: Option<f64>,
}

/// The answer to [`Client::submit`](super::Client::submit): approved, or rejected with reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthResult {
    /// `authentication_id`: the id of this result.
    pub auth_id: String,
    /// `auth_status`.
    pub status: AuthStatus,
    /// `create_time`, as sent (RFC 3339).
    pub create_time: Option<String>,
    /// `score`.
    pub scores: Scores,
    /// `fail_code`, when rejected; unknown codes are kept.
    pub fail_codes: Vec<FailCode>,
    /// `rejected_comment`, when rejected.
    pub rejected_comments: Vec<String>,
    /// The whole response.
    pub raw: Value,
}

/// One row of GET /faceauth.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthRecord {
    /// `auth_id`.
    pub auth_id: String,
    /// `auth_status`.
    pub status: AuthStatus,
    /// `create_time`, as sent.
    pub create_time: Option<String>,
    /// `submit_type` (`form` for the hosted page, `api` for POST /faceauth).
    pub submit_type: Option<String>,
    /// `kyc_submission_id`: the ID check submission.
    pub submission_id: Option<String>,
    /// `delete_check`: the image and personal data were erased.
    pub deleted: bool,
    /// `faceAuth_projectId`, from the enclosing project object in the nested shape.
    pub project_id: Option<String>,
    /// `reject_comment`, when present.
    pub reject_comments: Vec<String>,
    /// The row as sent (with `policy`, `result` and anything newer).
    pub raw: Value,
}

/// The selfie of a result: bytes, and a content type sniffed from them.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    /// The decoded image bytes.
    pub bytes: Vec<u8>,
    /// `image/jpeg`, `image/png`, `image/gif`, `image/webp`, `image/heic`, `image/bmp`, or
    /// `application/octet-stream` when the magic bytes match none of them.
    pub content_type: &'static str,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Reads an optional string field; a present non-string, non-null value is an error.
fn opt_str(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

fn strings(object: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| format!("{key} holds a non-string")))
            .collect(),
        Some(_) => Err(format!("{key} is not a list")),
    }
}

fn number(object: &Map<String, Value>, key: &str) -> Option<f64> {
    match object.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl AuthResult {
    /// Decodes a POST /faceauth response.
    pub(crate) fn from_json(raw: Value) -> Result<AuthResult, String> {
        let object = raw.as_object().ok_or("the response is not a JSON object")?;
        let auth_id = opt_str(object, "authentication_id")?
            .or(opt_str(object, "auth_id")?)
            .ok_or("no authentication_id")?;
        let status = opt_str(object, "auth_status")?.ok_or("no auth_status")?;
        let scores = match object.get("score") {
            Some(Value::Object(score)) => Scores {
                face_similarity: number(score, "face_similarity_score"),
                occluded: number(score, "occluded_score"),
                face_cover: number(score, "face_cover_score"),
                head_cover: number(score, "head_cover_score"),
            },
            _ => Scores::default(),
        };
        Ok(AuthResult {
            auth_id,
            status: AuthStatus::parse(&status),
            create_time: opt_str(object, "create_time")?,
            scores,
            fail_codes: strings(object, "fail_code")?.iter().map(|c| FailCode::parse(c)).collect(),
            rejected_comments: strings(object, "rejected_comment")?,
            raw: raw.clone(),
        })
    }
}

impl AuthResult {
    /// The JSON of this result, as `faceauth auth submit` prints it and the C ABI returns it:
    /// the whole response, as received.
    pub fn to_json(&self) -> Value {
        self.raw.clone()
    }
}

impl AuthRecord {
    /// The JSON of this row, as `faceauth auth get` and `faceauth auth list` print it and the
    /// C ABI returns it: the row as received, with the `faceAuth_projectId` of the project
    /// object it came in (the nested shape keeps it outside the rows) when the row lacks one.
    pub fn to_json(&self) -> Value {
        let mut row = self.raw.clone();
        if let (Some(project), Value::Object(fields)) = (&self.project_id, &mut row) {
            fields.entry("faceAuth_projectId").or_insert_with(|| Value::String(project.clone()));
        }
        row
    }

    fn from_json(row: &Value, project_id: Option<&str>) -> Result<AuthRecord, String> {
        let object = row.as_object().ok_or("a row is not a JSON object")?;
        let auth_id = opt_str(object, "auth_id")?
            .or(opt_str(object, "authId")?)
            .or(opt_str(object, "authentication_id")?)
            .ok_or("a row has no auth_id")?;
        Ok(AuthRecord {
            status: AuthStatus::parse(&opt_str(object, "auth_status")?.unwrap_or_default()),
            create_time: opt_str(object, "create_time")?,
            submit_type: opt_str(object, "submit_type")?,
            submission_id: opt_str(object, "kyc_submission_id")?,
            deleted: object.get("delete_check").and_then(Value::as_bool).unwrap_or(false),
            project_id: project_id.map(str::to_owned),
            reject_comments: strings(object, "reject_comment")?,
            raw: row.clone(),
            auth_id,
        })
    }
}

/// Where the next page of a listing starts (`nextPage_key`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    pub auth_id: String,
    pub create_time: String,
}

/// One page of GET /faceauth in either documented shape: rows, and the next page's key.
///
/// Accepted: `[{"faceAuth_projectId", "data": [rows], "nextPage_key"?}]` (nested), a bare array
/// of rows (flat), or an object holding `data` and `nextPage_key` at the top level.
pub(crate) fn parse_page(body: &Value) -> Result<(Vec<AuthRecord>, Option<PageKey>), String> {
    let mut rows = Vec::new();
    let mut next = None;
    let mut visit = |item: &Value, rows: &mut Vec<AuthRecord>| -> Result<(), String> {
        let object = item.as_object().ok_or("an element is not a JSON object")?;
        if let Some(key) = object.get("nextPage_key").filter(|k| !k.is_null()) {
            next = Some(page_key(key)?);
        }
        match object.get("data") {
            Some(Value::Array(data)) => {
                let project = opt_str(object, "faceAuth_projectId")?;
                for row in data {
                    rows.push(AuthRecord::from_json(row, project.as_deref())?);
                }
            }
            Some(_) => return Err("data is not a list".to_owned()),
            None if object.contains_key("auth_id") || object.contains_key("authId") => {
                rows.push(AuthRecord::from_json(item, None)?);
            }
            // A project with no rows, or a key on its own.
            None if object.contains_key("faceAuth_projectId") || object.contains_key("nextPage_key") => {}
            // Anything else (`{"message": …}`, `{}`) is not a page: reading it as an empty one
            // would lose rows without a word.
            None => return Err("an element is neither a project nor a row".to_owned()),
        }
        Ok(())
    };
    match body {
        Value::Array(items) => {
            for item in items {
                visit(item, &mut rows)?;
            }
        }
        Value::Object(_) => visit(body, &mut rows)?,
        _ => return Err("the response is neither a list nor an object".to_owned()),
    }
    Ok((rows, next))
}

fn page_key(key: &Value) -> Result<PageKey, String> {
    let object = key.as_object().ok_or("nextPage_key is not an object")?;
    let field = |names: &[&str]| -> Result<String, String> {
        for name in names {
            if let Some(value) = opt_str(object, name)? {
                return Ok(value);
            }
        }
        Err(format!("nextPage_key has no {}", names[0]))
    };
    Ok(PageKey {
        auth_id: field(&["authId", "auth_id"])?,
        create_time: field(&["createTime", "create_time"])?,
    })
}

/// Decodes the image endpoint's body: raw base64 text, a JSON string, or a `data:` URL.
pub(crate) fn decode_image(body: &str) -> Result<Image, String> {
    use base64::Engine;
    let text = body.trim();
    let unquoted: String;
    let text = if text.starts_with('"') {
        unquoted = serde_json::from_str::<String>(text).map_err(|e| format!("not a JSON string ({e})"))?;
        unquoted.trim()
    } else {
        text
    };
    let text = match text.strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map(|(_, data)| data).ok_or("a data: URL without a comma")?,
        None => text,
    };
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = lenient.decode(compact.as_bytes()).map_err(|e| format!("the image is not base64 ({e})"))?;
    if bytes.is_empty() {
        return Err("the image is empty".to_owned());
    }
    Ok(Image { content_type: sniff(&bytes), bytes })
}

/// The content type named by an image's magic bytes.
fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [_, _, _, _, b'f', b't', b'y', b'p', b'h', b'e', b'i', b'c' | b'x', ..] => "image/heic",
        [b'B', b'M', ..] => "image/bmp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_documented_get_shapes_decode() {
        let nested = json!([{"faceAuth_projectId": "p1", "data": [{"auth_id": "a1", "auth_status": "rejected",
            "create_time": "2025-10-02T02:15:17.554Z", "submit_type": "form", "kyc_submission_id": "k1",
            "delete_check": false, "policy": {"faceSimilarity_threshold": 85},
            "result": {"face_similarity": 100}, "reject_comment": ["face is occluded"]}],
            "nextPage_key": {"authId": "a1", "createTime": "2025-10-02T02:15:17.554Z"}}]);
        let (rows, next) = parse_page(&nested).expect("nested decodes");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].auth_id.as_str(), &rows[0].status), ("a1", &AuthStatus::Rejected));
        assert_eq!(rows[0].project_id.as_deref(), Some("p1"));
        assert_eq!(rows[0].reject_comments, ["face is occluded"]);
        assert_eq!(next.map(|k| k.auth_id), Some("a1".to_owned()));

        let flat = json!([{"auth_id": "a2", "auth_status": "approved", "create_time": "t", "submit_type": "api",
            "kyc_submission_id": "k2", "policy": {}, "delete_check": true}]);
        let (rows, next) = parse_page(&flat).expect("flat decodes");
        assert!(rows[0].deleted && next.is_none());
        let paged = json!({"data": [], "nextPage_key": {"auth_id": "x", "create_time": "t"}});
        assert!(parse_page(&paged).expect("object form").1.is_some());
        assert!(parse_page(&json!("text")).is_err());
        assert!(parse_page(&json!([{"data": 5}])).is_err());
        assert!(parse_page(&json!([{"auth_id": 5}])).is_err());
        assert!(parse_page(&json!({"message": "success"})).is_err());
        assert!(parse_page(&json!([{}])).is_err());
        assert!(parse_page(&json!([])).expect("an empty list").0.is_empty());
        assert!(parse_page(&json!([{"faceAuth_projectId": "p", "data": []}])).expect("no rows").0.is_empty());
    }

    #[test]
    fn rows_print_with_their_project_id() {
        let nested = json!([{"faceAuth_projectId": "p1", "data": [{"auth_id": "a1", "auth_status": "approved"},
            {"auth_id": "a2", "faceAuth_projectId": "own"}]}]);
        let (rows, _) = parse_page(&nested).expect("nested decodes");
        assert_eq!(
            rows[0].to_json().to_string(),
            r#"{"auth_id":"a1","auth_status":"approved","faceAuth_projectId":"p1"}"#
        );
        assert_eq!(rows[1].to_json().to_string(), r#"{"auth_id":"a2","faceAuth_projectId":"own"}"#);
        let (flat, _) = parse_page(&json!([{"auth_id": "a3"}])).expect("flat decodes");
        assert_eq!(flat[0].to_json().to_string(), r#"{"auth_id":"a3"}"#);
    }

    #[test]
    fn submit_results_keep_unknown_fail_codes() {
        let raw = json!({"authentication_id": "a", "auth_status": "rejected", "create_time": "t",
            "score": {"face_similarity_score": 41.2, "occluded_score": "99"},
            "fail_code": ["FACE_COMPARE_UNDERSCORE", "Brand_new_code"], "rejected_comment": ["low"]});
        let result = AuthResult::from_json(raw).expect("decodes");
        assert_eq!(result.fail_codes, [FailCode::FaceCompare, FailCode::Other("Brand_new_code".into())]);
        assert_eq!(result.scores.face_similarity, Some(41.2));
        assert_eq!(result.scores.occluded, Some(99.0));
        assert!(AuthResult::from_json(json!({"auth_status": "approved"})).is_err());
    }

    #[test]
    fn images_decode_in_all_three_forms() {
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, jpeg);
        for body in [b64.clone(), format!("\"{b64}\""), format!("data:image/jpeg;base64,{b64}\n")] {
            let image = decode_image(&body).expect("decodes");
            assert_eq!((image.bytes.as_slice(), image.content_type), (&jpeg[..], "image/jpeg"));
        }
        assert!(decode_image("***").is_err());
        assert!(decode_image("").is_err());
        assert_eq!(decode_image("iVBORw0KGgo=").map(|i| i.content_type), Ok("image/png"));
    }
}
