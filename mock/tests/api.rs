//! The REST endpoints: success paths and every documented error body.

mod common;

use base64::Engine as _;
use common::*;
use faceauth_mock::{ImageFormat, MockConfig, ResponseShape};
use serde_json::{json, Value};

/// Image bytes that exercise the multipart parser: every byte value, CRLFs, and text that looks
/// like the boundary.
fn binary_image() -> Vec<u8> {
    let mut image = vec![0xff, 0xd8, 0xff, 0xe0];
    image.extend(0..=255u8);
    // Bytes that look like a delimiter without being one: a cut boundary after CRLF, the whole
    // boundary without the CRLF. (CRLF, `--` and the whole boundary inside a part is what RFC
    // 2046 forbids, and axum's parser ends the part there.)
    image.extend_from_slice(format!("\r\n--{}\r\n --{BOUNDARY}x\r\n\r\n", &BOUNDARY[..10]).as_bytes());
    image.extend_from_slice(&[0, 0, 0xff, 0xd9]);
    image
}

const NOT_FOUND: &str = "Cannot find submission. Please check input data.";

#[test]
fn post_approved_then_read_it_back() {
    let server = start(config());
    let image = binary_image();
    let body = multipart(
        &[
            ("submissionId", SID),
            ("userId", "user-9"),
            ("cf1", "me@example.com"),
            ("cf2", "two"),
            ("cf3", "three"),
        ],
        Some((&image, "image/jpeg")),
    );
    let answer = call(&server, "POST", "/faceauth", Some((&multipart_type(), &body)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let posted = answer.json();
    let auth_id = posted["authentication_id"].as_str().expect("id").to_owned();
    assert!(auth_id.starts_with("fa_") && auth_id.len() == 23, "{auth_id}");
    assert_eq!(posted["auth_status"], "approved");
    assert_eq!(
        posted["score"],
        json!({"face_similarity_score": 99.5, "occluded_score": 99, "face_cover_score": 0, "head_cover_score": 0})
    );
    assert!(posted.get("fail_code").is_none() && posted.get("rejected_comment").is_none());
    let create_time = posted["create_time"].as_str().expect("time");
    assert_eq!(create_time.len(), 24, "{create_time}");
    assert!(create_time.ends_with('Z'));

    for param in ["authId", "auth_id"] {
        let answer = call(&server, "GET", &format!("/faceauth?{param}={auth_id}"), None);
        assert_eq!(answer.status, 200);
        let page = answer.json();
        assert_eq!(page[0]["faceAuth_projectId"], "mock-project");
        let row = &page[0]["data"][0];
        assert_eq!(row["auth_id"], auth_id.as_str());
        assert_eq!(row["create_time"], create_time);
        assert_eq!(row["submit_type"], "api");
        assert_eq!(row["kyc_submission_id"], SID);
        assert_eq!(row["delete_check"], false);
        assert_eq!(row["policy"]["faceSimilarity_threshold"], 85);
        assert_eq!(row["result"], json!({"face_similarity": 99.5, "detectOccluded": true}));
        assert!(row.get("reject_comment").is_none());
        assert!(page[0].get("nextPage_key").is_none());
    }

    let answer = call(&server, "GET", &format!("/faceauth/image?authId={auth_id}"), None);
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("text/plain"));
    let decoded = base64::engine::general_purpose::STANDARD.decode(answer.body.trim()).expect("base64");
    assert_eq!(decoded, image);

    let state = control(&server, "GET", "state", None);
    let stored = &state["results"][0];
    assert_eq!(
        (stored["user_id"].as_str(), stored["cf1"].as_str()),
        (Some("user-9"), Some("me@example.com"))
    );
    assert_eq!(stored["image_bytes"], image.len());
}

#[test]
fn rejected_faces_carry_fail_codes_known_and_unknown() {
    let server = start(config());
    let rejected = submit(&server, SID, b"\xff\xd8\xff...REJECT...").json();
    assert_eq!(rejected["auth_status"], "rejected");
    assert_eq!(rejected["fail_code"], json!(["face_compare_underscore"]));
    assert_eq!(
        rejected["rejected_comment"],
        json!(["Face compare similarity score is lower than the threshold"])
    );
    assert_eq!(rejected["score"]["face_similarity_score"], 41.2);

    let unknown = submit(&server, SID, b"UNKNOWNCODE").json();
    assert_eq!(unknown["auth_status"], "rejected");
    assert_eq!(unknown["fail_code"], json!(["Brand_new_fail_code"]));
    assert_eq!(unknown["rejected_comment"].as_array().map(Vec::len), Some(1));

    let id = rejected["authentication_id"].as_str().expect("id");
    let row = &call(&server, "GET", &format!("/faceauth?authId={id}"), None).json()[0]["data"][0];
    assert_eq!(row["auth_status"], "rejected");
    assert_eq!(row["result"]["face_similarity"], 41.2);
    assert_eq!(row["reject_comment"], json!(["Face compare similarity score is lower than the threshold"]));
}

#[test]
fn post_errors_have_argos_bodies() {
    let server = start(config());
    let missing = json!({"errorCode": "required_field_missing", "message": "Required field is missing"});
    let parsing = json!({"errorCode": "invalid_data_format", "message": "Data parsing error. Please check input data."});
    let unknown = json!({"errorCode": "invalid_data_format", "message": NOT_FOUND});
    let post =
        |body: &[u8], content_type: &str| call(&server, "POST", "/faceauth", Some((content_type, body)));

    let no_sid = multipart(&[("userId", "u")], Some((b"img", "image/png")));
    let no_image = multipart(&[("submissionId", SID)], None);
    let empty_image = multipart(&[("submissionId", SID)], Some((b"", "image/png")));
    for body in [&no_sid, &no_image, &empty_image] {
        let answer = post(body, &multipart_type());
        assert_eq!((answer.status, answer.json()), (400, missing.clone()));
    }
    let ok_body = multipart(&[("submissionId", SID)], Some((b"img", "image/png")));
    for (body, content_type) in [
        (&ok_body[..], "application/json"),
        (&ok_body[..], "multipart/form-data"),
        (&ok_body[..ok_body.len() - 12], &*multipart_type()),
        (b"{}", &*multipart_type()),
    ] {
        let answer = post(body, content_type);
        assert_eq!((answer.status, answer.json()), (400, parsing.clone()), "{content_type}");
    }
    for sid in ["sub-unknown", "sub-rejected"] {
        let answer = submit(&server, sid, b"img");
        assert_eq!((answer.status, answer.json()), (400, unknown.clone()), "{sid}");
    }
    // Nothing was stored by the failures.
    assert_eq!(call(&server, "GET", "/faceauth", None).json()[0]["data"], json!([]));
}

#[test]
fn ip_allow_list_then_api_key_are_checked() {
    let deny = json!({"message": "User is not authorized to access this resource with an explicit deny"});
    let denied = start(MockConfig { allowed_ips: Some(vec!["10.9.9.9".into()]), ..config() });
    for key in [Some(KEY), None] {
        let answer = call_with(&denied, "GET", "/faceauth", key, None);
        assert_eq!((answer.status, answer.json()), (403, deny.clone()));
    }
    let allowed =
        start(MockConfig { allowed_ips: Some(vec!["10.9.9.9".into(), "127.0.0.0/8".into()]), ..config() });
    assert_eq!(call(&allowed, "GET", "/faceauth", None).status, 200);
    for key in [None, Some("wrong-key")] {
        let answer = call_with(&allowed, "GET", "/faceauth", key, None);
        assert_eq!((answer.status, answer.json()), (403, json!({"message": "Forbidden"})));
    }
    let body = multipart(&[("submissionId", SID)], Some((b"img", "image/png")));
    let answer = call_with(&allowed, "POST", "/faceauth", Some("wrong"), Some((&multipart_type(), &body)));
    assert_eq!(answer.status, 403);
    // The 403 left the connection usable and stored nothing.
    assert_eq!(call(&allowed, "GET", "/faceauth", None).json()[0]["data"], json!([]));
}

#[test]
fn bodies_over_the_limit_get_413() {
    let server = start(MockConfig { max_body_bytes: 1000, ..config() });
    let body = multipart(&[("submissionId", SID)], Some((&[7u8; 5000], "image/png")));
    let answer = call(&server, "POST", "/faceauth", Some((&multipart_type(), &body)));
    assert_eq!((answer.status, answer.json()), (413, json!({"message": "Request Entity Too Large"})));
    assert_eq!(submit(&server, SID, b"small").status, 200);
}

#[test]
fn get_errors_and_list_validation() {
    let server = start(config());
    let answer = call(&server, "GET", "/faceauth?authId=fa_nope", None);
    assert_eq!(
        (answer.status, answer.json()),
        (400, json!({"errorCode": "NOT_FOUND", "message": NOT_FOUND}))
    );
    let invalid = json!({"message": "Invalid Query String parameters"});
    for query in [
        "startDate=2025-01-01",
        "endDate=2025-01-01",
        "startDate=2025-01-01&endDate=2025-13-01",
        "startDate=20250101&endDate=2025-01-02",
        "count=0",
        "count=2001",
        "count=abc",
        "count=",
        "nextKey_id=fa_x",
        "nextKey_id=fa_x&nextKey_date=yesterday",
    ] {
        let answer = call(&server, "GET", &format!("/faceauth?{query}"), None);
        assert_eq!((answer.status, answer.json()), (400, invalid.clone()), "{query}");
    }
    for query in ["count=1", "count=2000", "startDate=2025-01-01&endDate=2025-01-31"] {
        assert_eq!(call(&server, "GET", &format!("/faceauth?{query}"), None).status, 200, "{query}");
    }
}

#[test]
fn image_errors_and_formats() {
    let server = start(config());
    for (query, message) in
        [("", "authId is required"), ("?authId=", "authId is required"), ("?authId=fa_nope", NOT_FOUND)]
    {
        let answer = call(&server, "GET", &format!("/faceauth/image{query}"), None);
        assert_eq!(answer.status, 400);
        let body = answer.json();
        assert_eq!(
            (body["errorCode"].as_str(), body["message"].as_str()),
            (Some("NOT_FOUND"), Some(message))
        );
        assert!(body["traceId"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let png = b"\x89PNG\r\n\x1a\nREST";
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    for (format, expected) in [
        (ImageFormat::Json, Value::String(b64.clone()).to_string()),
        (ImageFormat::DataUrl, format!("data:image/png;base64,{b64}")),
    ] {
        let server = start(MockConfig { image_format: format, ..config() });
        let body = multipart(&[("submissionId", SID)], Some((png, "application/octet-stream")));
        let id = call(&server, "POST", "/faceauth", Some((&multipart_type(), &body))).json()
            ["authentication_id"]
            .as_str()
            .expect("id")
            .to_owned();
        let answer = call(&server, "GET", &format!("/faceauth/image?authId={id}"), None);
        assert_eq!((answer.status, answer.body), (200, expected));
    }
}

#[test]
fn delete_erases_and_then_reports_not_found() {
    let server = start(config());
    let id = submit(&server, SID, b"face").json()["authentication_id"].as_str().expect("id").to_owned();
    let answer = call(&server, "DELETE", "/faceauth", None);
    assert_eq!(
        (answer.status, answer.json()),
        (400, json!({"errorCode": "required_key_missing", "message": "required key is missing"}))
    );
    let answer = call(&server, "DELETE", &format!("/faceauth?authId={id}"), None);
    assert_eq!((answer.status, answer.json()), (200, json!({"message": "success"})));

    let row = call(&server, "GET", &format!("/faceauth?authId={id}"), None).json()[0]["data"][0].clone();
    let keys: Vec<&str> = row.as_object().expect("row").keys().map(String::as_str).collect();
    assert_eq!(keys, ["auth_id", "auth_status", "create_time", "delete_check"]);
    assert_eq!(row["delete_check"], true);

    let image = call(&server, "GET", &format!("/faceauth/image?authId={id}"), None);
    assert_eq!((image.status, image.json()["message"].as_str()), (400, Some(NOT_FOUND)));
    for target in [id.as_str(), "fa_nope"] {
        let answer = call(&server, "DELETE", &format!("/faceauth?authId={target}"), None);
        assert_eq!(
            (answer.status, answer.json()),
            (400, json!({"errorCode": "NOT_FOUND", "message": NOT_FOUND}))
        );
    }
    let state = control(&server, "GET", "state", None);
    assert_eq!(state["results"][0]["image_bytes"], Value::Null);
}

/// Follows `nextPage_key` through every page; returns the pages' auth ids.
fn walk(server: &faceauth_mock::MockServer, query: &str, shape: ResponseShape) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let answer = call(server, "GET", &format!("/faceauth?{query}{cursor}"), None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body = answer.json();
        let (rows, next) = match shape {
            ResponseShape::Nested => {
                assert_eq!(body.as_array().map(Vec::len), Some(1));
                (body[0]["data"].clone(), body[0].get("nextPage_key").cloned())
            }
            ResponseShape::Flat => match body {
                Value::Array(rows) => (Value::Array(rows), None),
                object => {
                    assert!(object["nextPage_key"].is_object(), "{object}");
                    (object["data"].clone(), object.get("nextPage_key").cloned())
                }
            },
        };
        let rows = rows.as_array().expect("rows").clone();
        if shape == ResponseShape::Flat {
            assert!(rows.iter().all(|r| r.get("result").is_none() && r.get("reject_comment").is_none()));
        }
        pages.push(rows.iter().map(|r| r["auth_id"].as_str().expect("id").to_owned()).collect());
        let Some(next) = next else { return pages };
        let last = rows.last().expect("a page with a next key has rows");
        assert_eq!(next["authId"], last["auth_id"]);
        assert_eq!(next["createTime"], last["create_time"]);
        cursor = format!(
            "&nextKey_id={}&nextKey_date={}",
            next["authId"].as_str().expect("id"),
            next["createTime"].as_str().expect("time")
        );
        assert!(pages.len() < 10, "paging does not end");
    }
}

#[test]
fn paging_across_three_pages_in_both_shapes() {
    for shape in [ResponseShape::Nested, ResponseShape::Flat] {
        let server = start(MockConfig { response_shape: shape, ..config() });
        let created = control(
            &server,
            "POST",
            "results",
            Some(json!({"count": 5, "start": "2025-10-01T23:59:58.000Z", "step_seconds": 1})),
        );
        assert_eq!(created, json!({"created": 5}));
        let pages = walk(&server, "count=2", shape);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1], "{shape}");

        let all = call(&server, "GET", "/faceauth", None).json();
        let rows = match shape {
            ResponseShape::Nested => all[0]["data"].clone(),
            ResponseShape::Flat => all.clone(),
        };
        let times: Vec<&str> =
            rows.as_array().expect("rows").iter().map(|r| r["create_time"].as_str().expect("t")).collect();
        assert_eq!(
            times,
            [
                "2025-10-02T00:00:02.000Z",
                "2025-10-02T00:00:01.000Z",
                "2025-10-02T00:00:00.000Z",
                "2025-10-01T23:59:59.000Z",
                "2025-10-01T23:59:58.000Z"
            ]
        );
        let flat: Vec<String> = pages.concat();
        let ids: Vec<&str> =
            rows.as_array().expect("rows").iter().map(|r| r["auth_id"].as_str().expect("id")).collect();
        assert_eq!(flat, ids);

        // Dates are inclusive, on the UTC date of create_time.
        let oct2 = walk(&server, "startDate=2025-10-02&endDate=2025-10-02&count=2", shape);
        assert_eq!(oct2.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
        let oct1 = walk(&server, "startDate=2025-09-30&endDate=2025-10-01", shape);
        assert_eq!(oct1.concat(), ids[3..]);
    }
}

#[test]
fn seeded_results_sort_by_time_then_id() {
    let seed = r#"{
        "response_shape": "nested",
        "results": [
            {"auth_id": "fa_a", "create_time": "2025-01-01T00:00:00.000Z", "kyc_submission_id": "k1",
             "image_base64": "iVBORw0KGgo="},
            {"auth_id": "fa_b", "create_time": "2025-01-01T09:00:00+09:00", "auth_status": "rejected",
             "reject_comment": ["face is occluded"]},
            {"auth_id": "fa_c", "create_time": "2025-01-02T00:00:00.000Z", "delete_check": true}
        ]
    }"#;
    let server = start(MockConfig::from_json(seed).expect("seed"));
    let rows = call(&server, "GET", "/faceauth?count=2", None).json();
    let ids: Vec<&str> = rows[0]["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["auth_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["fa_c", "fa_b"]);
    assert_eq!(rows[0]["nextPage_key"], json!({"authId": "fa_b", "createTime": "2025-01-01T00:00:00.000Z"}));
    assert_eq!(rows[0]["data"][0]["delete_check"], true);
    assert_eq!(rows[0]["data"][1]["reject_comment"], json!(["face is occluded"]));
    let next =
        call(&server, "GET", "/faceauth?count=2&nextKey_id=fa_b&nextKey_date=2025-01-01T00:00:00.000Z", None);
    assert_eq!(next.json()[0]["data"][0]["auth_id"], "fa_a");
    let image = call(&server, "GET", "/faceauth/image?authId=fa_a", None);
    assert_eq!((image.status, image.body.as_str()), (200, "iVBORw0KGgo="));
}

#[test]
fn unknown_paths_and_methods() {
    let server = start(config());
    let answer = call(&server, "GET", "/nothing", None);
    assert_eq!((answer.status, answer.json()), (404, json!({"message": "Not Found"})));
    assert_eq!(call(&server, "PUT", "/faceauth", None).status, 405);
    assert_eq!(call(&server, "POST", "/faceauth/image", None).status, 405);
    // The REST base may carry its /v3.
    assert_eq!(call(&server, "GET", "/v3/faceauth?count=5", None).status, 200);
}
