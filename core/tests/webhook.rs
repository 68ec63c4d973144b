//! Webhook bodies: the three faceAuth shapes, token_expired, unknown triggers, the encrypted
//! form, and a typed error (never a panic) for every bad input.

use faceauth::api::AuthStatus;
use faceauth::crypto::{Cipher, CryptoError, Key, Scheme};
use faceauth::webhook::{
    self, Event, ExpiredCondition, FaceAuthEvent, FaceAuthShape, Service, TokenExpiredEvent, WebhookError,
};
use faceauth::ErrorKind;
use proptest::prelude::*;
use serde_json::{json, Value};

const KEY: &str = "k3y-of-the-id-check-project";

fn cipher(key: &str) -> Cipher {
    Cipher::new(&Key::derive(key).expect("key"), Scheme::Ecb)
}

fn face_auth(body: &str) -> FaceAuthEvent {
    match webhook::parse(body.as_bytes(), None).expect("parses") {
        Event::FaceAuth(event) => event,
        other => panic!("not a faceAuth event: {other:?}"),
    }
}

fn token_expired(body: &str) -> TokenExpiredEvent {
    match webhook::parse(body.as_bytes(), None).expect("parses") {
        Event::TokenExpired(event) => event,
        other => panic!("not a token_expired event: {other:?}"),
    }
}

/// The reason of a `Malformed` error, failing on anything else.
fn malformed(body: &[u8]) -> String {
    match webhook::parse(body, None) {
        Err(WebhookError::Malformed { reason }) => reason,
        other => panic!("expected Malformed for {:?}, got {other:?}", String::from_utf8_lossy(body)),
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// The current shape, as in the spec.
const CURRENT: &str = r#"{"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub_1", "Auth_Status": "approved",
  "Create_Time": "2025-11-12T02:23:13.588Z", "Auth_User_id": "user_1", "Auth_cf1": "a@example.com", "Auth_cf2": "c2", "Auth_cf3": "c3",
  "Token_id": "tok_abc123def456", "reference": {"userid": "ref_user", "email": "ref@example.com", "cf": {"cf1": "r1", "cf2": "r2", "cf3": "r3"}},
  "Authentication_id": "auth_1"}}"#;

#[test]
fn current_shape() {
    let event = face_auth(CURRENT);
    assert_eq!(event.shape, FaceAuthShape::Current);
    assert_eq!(event.auth_id, some("auth_1"));
    assert_eq!(event.submission_id, some("sub_1"));
    assert_eq!(event.status, Some(AuthStatus::Approved));
    assert_eq!(event.create_time, some("2025-11-12T02:23:13.588Z"));
    assert_eq!(event.user_id, some("user_1"));
    assert_eq!((event.cf1, event.cf2, event.cf3), (some("a@example.com"), some("c2"), some("c3")));
    assert_eq!(event.token_id, some("tok_abc123def456"));
    let reference = event.reference.expect("reference");
    assert_eq!(reference.userid, some("ref_user"));
    assert_eq!(reference.email, some("ref@example.com"));
    assert_eq!((reference.cf1, reference.cf2, reference.cf3), (some("r1"), some("r2"), some("r3")));
    let raw: Value = serde_json::from_str(CURRENT).expect("json");
    assert_eq!(event.raw, raw);
}

#[test]
fn older_shape() {
    let body = r#"{"webhook_trigger": "faceAuth", "Authentication_id": "auth_2",
      "data": {"Submission_id": "sub_2", "Auth_Status": "rejected", "Create_Time": "t2", "User_id": "user_2",
      "cf1": "c1", "cf2": "c2", "cf3": "c3", "Token_id": "tok_2"}}"#;
    let event = face_auth(body);
    assert_eq!(event.shape, FaceAuthShape::Older);
    assert_eq!(event.auth_id, some("auth_2"));
    assert_eq!(event.submission_id, some("sub_2"));
    assert_eq!(event.status, Some(AuthStatus::Rejected));
    assert_eq!(event.create_time, some("t2"));
    assert_eq!(event.user_id, some("user_2"));
    assert_eq!((event.cf1, event.cf2, event.cf3), (some("c1"), some("c2"), some("c3")));
    assert_eq!(event.token_id, some("tok_2"));
    assert_eq!(event.reference, None);

    // The minimal older shape: only what the spec says it has.
    let body = r#"{"webhook_trigger": "faceAuth", "Authentication_id": "auth_3",
      "data": {"User_id": "user_3", "cf1": "c1", "cf2": "c2", "cf3": "c3"}}"#;
    let event = face_auth(body);
    assert_eq!(event.shape, FaceAuthShape::Older);
    assert_eq!((event.auth_id, event.submission_id, event.status), (some("auth_3"), None, None));
    assert_eq!(event.user_id, some("user_3"));
}

#[test]
fn oldest_shape() {
    let body = r#"{"webhook_trigger": "faceAuth", "auth_id": "auth_4", "data": {"submission_id": "sub_4",
      "auth_status": "approved", "create_time": "t4", "user_id": "user_4", "cf1": "c1", "cf2": "c2", "cf3": "c3"}}"#;
    let event = face_auth(body);
    assert_eq!(event.shape, FaceAuthShape::Oldest);
    assert_eq!(event.auth_id, some("auth_4"));
    assert_eq!(event.submission_id, some("sub_4"));
    assert_eq!(event.status, Some(AuthStatus::Approved));
    assert_eq!(event.create_time, some("t4"));
    assert_eq!(event.user_id, some("user_4"));
    assert_eq!((event.cf1, event.cf2, event.cf3), (some("c1"), some("c2"), some("c3")));
    assert_eq!((event.token_id, event.reference), (None, None));
}

#[test]
fn trigger_matches_case_insensitively_and_statuses_are_kept() {
    let event =
        face_auth(r#"{"webhook_trigger": "FACEAUTH", "auth_id": "a", "data": {"auth_status": "Retry"}}"#);
    assert_eq!(event.status, Some(AuthStatus::Other("Retry".to_owned())));
    assert_eq!(event.raw["webhook_trigger"], "FACEAUTH");

    // Absent, null and empty fields are all None; data may be missing when the id is at the top.
    let event = face_auth(r#"{"webhook_trigger": "faceAuth", "auth_id": "a", "data": null}"#);
    assert_eq!(event.shape, FaceAuthShape::Oldest);
    let event = face_auth(
        r#"{"webhook_trigger": "faceAuth", "data": {"Submission_id": "s", "Auth_cf1": "", "Token_id": null}}"#,
    );
    assert_eq!((event.auth_id, event.cf1, event.token_id), (None, None, None));
    assert_eq!(event.submission_id, some("s"));
}

#[test]
fn extra_fields_and_fail_codes_stay_in_raw() {
    let body = r#"{"webhook_trigger": "faceAuth", "retry": 2, "data": {"Authentication_id": "a",
      "Auth_Status": "rejected", "fail_code": "F123", "fail_reason": {"code": 9, "detail": ["x"]}}}"#;
    let event = face_auth(body);
    assert_eq!(event.status, Some(AuthStatus::Rejected));
    assert_eq!(event.raw["data"]["fail_code"], "F123");
    assert_eq!(event.raw["data"]["fail_reason"]["code"], 9);
    assert_eq!(event.raw["retry"], 2);
}

#[test]
fn token_expired_count_and_time() {
    let body = r#"{"webhook_trigger": "token_expired", "token_id": "tok_abc123def456", "expired_condition": "count",
 "expired_at": "2025-11-12T02:23:13.588Z", "service": "faceAuth"}"#;
    let event = token_expired(body);
    assert_eq!(event.token_id, "tok_abc123def456");
    assert_eq!(event.condition, ExpiredCondition::Count);
    assert_eq!(event.expired_at, some("2025-11-12T02:23:13.588Z"));
    assert_eq!(event.expected_expired_at, None);
    assert_eq!(event.expires_at(), Some("2025-11-12T02:23:13.588Z"));
    assert_eq!(event.service, Some(Service::FaceAuth));

    let body = r#"{"webhook_trigger": "token_expired", "token_id": "tok_time_0001", "expired_condition": "time",
 "expected_expired_at": "2025-11-13T02:23:13.588Z", "service": "idCheck"}"#;
    let event = token_expired(body);
    assert_eq!(event.condition, ExpiredCondition::Time);
    assert_eq!(event.expired_at, None);
    assert_eq!(event.expires_at(), Some("2025-11-13T02:23:13.588Z"));
    assert_eq!(event.service, Some(Service::IdCheck));

    // A sender that leaves out `service` is still understood.
    let body =
        br#"{"webhook_trigger": "token_expired", "token_id": "t1234567", "expired_condition": "time"}"#;
    match faceauth::webhook::parse(body, None) {
        Ok(Event::TokenExpired(event)) => {
            assert_eq!((event.token_id.as_str(), event.service), ("t1234567", None))
        }
        other => panic!("{other:?}"),
    }

    // Unknown conditions and services are kept as sent.
    let body = r#"{"webhook_trigger": "token_expired", "token_id": "t1234567", "expired_condition": "idle",
 "service": "kyb", "extra": true}"#;
    let event = token_expired(body);
    assert_eq!(event.condition, ExpiredCondition::Other("idle".to_owned()));
    assert_eq!(event.service, Some(Service::Other("kyb".to_owned())));
    assert_eq!(event.expires_at(), None);
    assert_eq!(event.raw["extra"], true);
}

#[test]
fn unknown_and_missing_triggers_are_surfaced() {
    let body = r#"{"webhook_trigger": "submit", "submission_id": "s", "data": {"x": 1}}"#;
    let Event::Unknown(event) = webhook::parse(body.as_bytes(), None).expect("parses") else {
        panic!("not unknown")
    };
    assert_eq!(event.trigger, some("submit"));
    assert_eq!(event.raw["data"]["x"], 1);

    for body in [r#"{"submission_id": "s"}"#, r#"{"webhook_trigger": null}"#, "{}"] {
        let event = webhook::parse(body.as_bytes(), None).expect("parses");
        let Event::Unknown(unknown) = &event else { panic!("not unknown: {body}") };
        assert_eq!(unknown.trigger, None);
        assert_eq!(event.trigger(), None);
        assert_eq!(event.to_json()["event"], "unknown");
    }
}

#[test]
fn to_json_is_normalised() {
    let event = webhook::parse(CURRENT.as_bytes(), None).expect("parses");
    assert_eq!(event.trigger(), Some("faceAuth"));
    assert_eq!(
        event.to_json(),
        json!({
            "event": "faceAuth", "auth_id": "auth_1", "submission_id": "sub_1", "status": "approved",
            "create_time": "2025-11-12T02:23:13.588Z", "user_id": "user_1",
            "cf1": "a@example.com", "cf2": "c2", "cf3": "c3", "token_id": "tok_abc123def456",
            "reference": {"userid": "ref_user", "email": "ref@example.com", "cf1": "r1", "cf2": "r2", "cf3": "r3"},
            "shape": "current", "encrypted": false,
        })
    );

    let body = r#"{"webhook_trigger": "token_expired", "token_id": "tok_abc123def456", "expired_condition": "count",
 "expired_at": "2025-11-12T02:23:13.588Z", "service": "faceAuth"}"#;
    let event = webhook::parse(body.as_bytes(), None).expect("parses");
    assert_eq!(
        event.to_json(),
        json!({
            "event": "token_expired", "token_id": "tok_abc123def456", "condition": "count",
            "expired_at": "2025-11-12T02:23:13.588Z", "expected_expired_at": null, "service": "faceAuth",
            "encrypted": false,
        })
    );

    let body = r#"{"webhook_trigger": "other", "n": 1}"#;
    let event = webhook::parse(body.as_bytes(), None).expect("parses");
    assert_eq!(
        event.to_json(),
        json!({"event": "unknown", "trigger": "other", "encrypted": false,
            "raw": {"webhook_trigger": "other", "n": 1}})
    );
}

#[test]
fn encrypted_form_round_trip() {
    let right = cipher(KEY);
    let body = json!({ "data": right.encrypt(CURRENT).expect("encrypts") }).to_string();

    let event = webhook::parse(body.as_bytes(), Some(&right)).expect("decrypts");
    assert!(event.encrypted());
    assert_eq!(event.to_json()["encrypted"], true);
    let Event::FaceAuth(event) = event else { panic!("not faceAuth") };
    assert_eq!(event.auth_id, some("auth_1"));
    assert_eq!(event.raw, serde_json::from_str::<Value>(CURRENT).expect("json"), "raw is the plaintext JSON");

    let err = webhook::parse(body.as_bytes(), None).expect_err("needs a key");
    assert_eq!(err, WebhookError::KeyRequired);
    assert_eq!(err.kind(), ErrorKind::WebhookKeyRequired);

    let err = webhook::parse(body.as_bytes(), Some(&cipher("another key"))).expect_err("wrong key");
    assert_eq!(err, WebhookError::Decrypt(CryptoError::BadPadding));
    assert_eq!(err.kind(), ErrorKind::WebhookDecrypt);
    assert_eq!(faceauth::Error::from(err).kind(), ErrorKind::WebhookDecrypt);

    // Text that is not a ciphertext, an empty one, and a plaintext that is not JSON.
    let err = webhook::parse(br#"{"data": "not base64!"}"#, Some(&right)).expect_err("not base64");
    assert!(matches!(err, WebhookError::Decrypt(CryptoError::InvalidEncoding { .. })), "{err:?}");
    let err = webhook::parse(br#"{"data": ""}"#, Some(&right)).expect_err("empty");
    assert_eq!(err, WebhookError::Decrypt(CryptoError::EmptyCiphertext));
    let body = json!({ "data": right.encrypt("secret plaintext").expect("encrypts") }).to_string();
    let err = webhook::parse(body.as_bytes(), Some(&right)).expect_err("not JSON");
    let WebhookError::Malformed { reason } = &err else { panic!("{err:?}") };
    assert!(reason.starts_with("the decrypted body is not JSON"), "{reason}");
    assert!(!err.to_string().contains("secret"), "the message echoes the plaintext: {err}");

    // A key given for a clear body is simply not used; `data` next to other keys is not the
    // encrypted form.
    assert!(matches!(webhook::parse(CURRENT.as_bytes(), Some(&right)), Ok(Event::FaceAuth(_))));
    let reason = malformed(br#"{"webhook_trigger": "faceAuth", "data": "c2VjcmV0"}"#);
    assert_eq!(reason, "data is a string, not an object");
}

#[test]
fn malformed_inputs_are_typed_errors() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "the body is empty"),
        (b" \r\n", "the body is empty"),
        (b"\xff\xfe{}", "the body is not UTF-8 (invalid byte at offset 0)"),
        (b"{\"a\": \"\xc3\x28\"}", "the body is not UTF-8 (invalid byte at offset 7)"),
        (b"[]", "the webhook is an array, not a JSON object"),
        (b"\"str\"", "the webhook is a string, not a JSON object"),
        (b"null", "the webhook is null, not a JSON object"),
        (br#"{"webhook_trigger": "faceAuth", "data": 5}"#, "data is a number, not an object"),
        (br#"{"webhook_trigger": 7}"#, "webhook_trigger is a number, not a string"),
        (
            br#"{"webhook_trigger": "faceAuth", "data": {"Authentication_id": "a", "Auth_Status": 1}}"#,
            "data.Auth_Status is a number, not a string",
        ),
        (br#"{"webhook_trigger": "faceAuth", "auth_id": ["a"]}"#, "auth_id is an array, not a string"),
        (
            br#"{"webhook_trigger": "faceAuth", "data": {"Submission_id": "s", "reference": "r"}}"#,
            "data.reference is a string, not an object",
        ),
        (
            br#"{"webhook_trigger": "faceAuth", "data": {"Submission_id": "s", "reference": {"cf": {"cf2": false}}}}"#,
            "reference.cf.cf2 is a boolean, not a string",
        ),
        (
            br#"{"webhook_trigger": "faceAuth", "data": {"Auth_Status": "approved"}}"#,
            "faceAuth event has no authentication id or submission id",
        ),
        (br#"{"webhook_trigger": "faceAuth"}"#, "faceAuth event has no authentication id or submission id"),
        (
            br#"{"webhook_trigger": "token_expired", "expired_condition": "count", "service": "faceAuth"}"#,
            "token_expired event has no token_id",
        ),
        (
            br#"{"webhook_trigger": "token_expired", "token_id": "", "expired_condition": "count", "service": "faceAuth"}"#,
            "token_expired event has no token_id",
        ),
        (
            br#"{"webhook_trigger": "token_expired", "token_id": 12345678, "expired_condition": "count"}"#,
            "token_id is a number, not a string",
        ),
        (
            br#"{"webhook_trigger": "token_expired", "token_id": "t1234567", "service": "faceAuth"}"#,
            "token_expired event has no expired_condition",
        ),
    ];
    for (body, want) in cases {
        let reason = malformed(body);
        assert_eq!(&reason, want, "body {:?}", String::from_utf8_lossy(body));
        let err = WebhookError::Malformed { reason };
        assert_eq!(err.kind(), ErrorKind::WebhookMalformed);
    }

    let reason =
        malformed(b"{\"webhook_trigger\": \"faceAuth\", \"data\": {\"Submission_id\": \"secret-value");
    assert!(reason.starts_with("the body is not JSON (EOF while parsing"), "{reason}");
    assert!(!reason.contains("secret"), "{reason}");
    // A byte-order mark before the JSON is tolerated.
    assert!(matches!(webhook::parse("\u{feff}{}".as_bytes(), None), Ok(Event::Unknown(_))));
}

/// Keys the parser looks at, so random objects reach its field checks.
const KEYS: &[&str] = &[
    "webhook_trigger",
    "data",
    "auth_id",
    "Authentication_id",
    "Submission_id",
    "submission_id",
    "Auth_Status",
    "auth_status",
    "Auth_User_id",
    "User_id",
    "cf1",
    "Auth_cf2",
    "Token_id",
    "reference",
    "cf",
    "userid",
    "token_id",
    "expired_condition",
    "expired_at",
    "expected_expired_at",
    "service",
    "other",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("faceAuth".to_owned()),
            Just("token_expired".to_owned()),
            Just("count".to_owned()),
            Just(String::new()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = webhook::parse(&body, None);
        let _ = webhook::parse(&body, Some(&cipher(KEY)));
    }

    #[test]
    fn json_ish_text_never_panics(body in r#"[{}\[\]":,0-9a-zA-Z_ .\-\\]{0,80}"#) {
        let _ = webhook::parse(body.as_bytes(), Some(&cipher(KEY)));
    }

    #[test]
    fn random_json_never_panics_and_events_keep_raw(value in json_value()) {
        let body = value.to_string();
        if let Ok(event) = webhook::parse(body.as_bytes(), None) {
            prop_assert_eq!(event.raw(), &value);
            let _ = event.to_json();
        }
        // The same JSON, encrypted (unless it already has the encrypted form's shape).
        let looks_encrypted = value.as_object().is_some_and(|o| o.len() == 1 && o.get("data").is_some_and(Value::is_string));
        prop_assume!(!looks_encrypted);
        let right = cipher(KEY);
        let sealed = json!({ "data": right.encrypt(&body).expect("encrypts") }).to_string();
        let clear = webhook::parse(body.as_bytes(), None);
        let decrypted = webhook::parse(sealed.as_bytes(), Some(&right));
        // The same event, except that one came encrypted.
        prop_assert_eq!(clear.as_ref().map(Event::raw), decrypted.as_ref().map(Event::raw));
        prop_assert_eq!(clear.as_ref().map(Event::encrypted).ok(), clear.as_ref().ok().map(|_| false));
        prop_assert_eq!(decrypted.as_ref().map(Event::encrypted).ok(), decrypted.as_ref().ok().map(|_| true));
        prop_assert_eq!(clear.map(|e| e.to_json()["event"].clone()), decrypted.map(|e| e.to_json()["event"].clone()));
    }

    #[test]
    fn random_ciphertext_strings_never_panic(text in ".{0,64}") {
        let body = json!({ "data": text }).to_string();
        let _ = webhook::parse(body.as_bytes(), Some(&cipher(KEY)));
    }
}
