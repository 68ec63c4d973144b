//! The hosted-page flow end to end: build a URL with the core, open it on the simulator, receive
//! the webhook, parse it, and see the token rule refuse a second use.

mod support;

use faceauth::api::AuthStatus;
use faceauth::crypto::{Cipher, Key, Scheme};
use faceauth::token;
use faceauth::url::{AuthParams, UrlBuilder};
use faceauth::webhook::{self, Event, ExpiredCondition, WebhookError};
use serde_json::{json, Value};
use support::{Mock, Receiver, API_KEY, PROJECT};

fn links(mock: &Mock, scheme: Scheme) -> UrlBuilder {
    let key = Key::derive(API_KEY).expect("key");
    UrlBuilder::new(PROJECT, &key, scheme).and_then(|b| b.base_url(&mock.url)).expect("builder")
}

/// Opens a FaceAuth URL; returns the status and the JSON body.
fn open(url: &str) -> (u16, Value) {
    let (status, text) =
        support::http_text(support::http_agent(None).get(url).call()).unwrap_or_else(|err| panic!("{err}"));
    match serde_json::from_str(&text) {
        Ok(json) => (status, json),
        Err(e) if status < 400 => panic!("not JSON ({e}): {text}"),
        Err(_) => (status, Value::Null),
    }
}

fn face_auth(body: &[u8], key: Option<&Cipher>) -> webhook::FaceAuthEvent {
    match webhook::parse(body, key) {
        Ok(Event::FaceAuth(event)) => event,
        other => panic!("expected a faceAuth event: {other:?}"),
    }
}

#[test]
fn a_count_token_works_once_and_reports_every_step() {
    let hooks = Receiver::start();
    let mock = Mock::start(&["--token-rule", "count", "--webhook-url", hooks.url()]);
    mock.add_submission("sub-1");
    let id = token::generate().expect("token");
    let url = links(&mock, Scheme::Ecb)
        .build(&AuthParams::new("sub-1").user_id("user-1").cf1("a@example.com").token(&id))
        .expect("url");

    let (status, page) = open(&url);
    assert_eq!(status, 200, "{page}");
    let auth_id = page["auth_id"].as_str().expect("auth id").to_owned();

    let event = face_auth(&hooks.next(), None);
    assert_eq!(event.auth_id.as_deref(), Some(auth_id.as_str()));
    assert_eq!(event.submission_id.as_deref(), Some("sub-1"));
    assert_eq!(event.user_id.as_deref(), Some("user-1"));
    assert_eq!(event.cf1.as_deref(), Some("a@example.com"));
    assert_eq!(event.token_id.as_deref(), Some(id.as_str()));
    assert_eq!(event.status, Some(AuthStatus::Approved));

    match webhook::parse(&hooks.next(), None) {
        Ok(Event::TokenExpired(expired)) => {
            assert_eq!(expired.token_id, id);
            assert_eq!(expired.condition, ExpiredCondition::Count);
            assert!(expired.expires_at().is_some());
        }
        other => panic!("expected token_expired: {other:?}"),
    }

    // The simulator keeps what it sent, for tests and walkthroughs without a receiver.
    let outbox = mock.control_get("/_mock/webhooks");
    assert_eq!(outbox.as_array().map(Vec::len), Some(2));
    assert_eq!(outbox[0]["webhook_trigger"], "faceAuth");
    let (status, last) =
        support::http_text(support::http_agent(None).get(&format!("{}/_mock/last-webhook", mock.url)).call())
            .expect("last");
    assert_eq!(status, 200, "{last}");
    assert!(matches!(webhook::parse(last.as_bytes(), None), Ok(Event::TokenExpired(_))));

    let (status, _) = open(&url);
    assert_eq!(status, 410, "the second use is refused");
    assert!(hooks.quiet_for(std::time::Duration::from_millis(300)), "a refused use sends no result");

    // The result is also visible through the REST API.
    let record = mock.client().get(&auth_id).expect("recorded");
    assert_eq!(record.submit_type.as_deref(), Some("form"));
}

#[test]
fn a_time_token_works_until_its_window_closes() {
    let hooks = Receiver::start();
    let mock = Mock::start(&["--token-rule", "time:60", "--webhook-url", hooks.url()]);
    mock.add_submission("sub-1");
    let id = token::generate().expect("token");
    let url = links(&mock, Scheme::Ecb).build(&AuthParams::new("sub-1").token(&id)).expect("url");

    assert_eq!(open(&url).0, 200);
    face_auth(&hooks.next(), None);
    mock.control("/_mock/clock", json!({"advance_seconds": 59}));
    assert_eq!(open(&url).0, 200, "inside the window");
    face_auth(&hooks.next(), None);
    mock.control("/_mock/clock", json!({"advance_seconds": 2}));
    assert_eq!(open(&url).0, 410, "61 s after the first use");
    match webhook::parse(&hooks.next(), None) {
        Ok(Event::TokenExpired(expired)) => {
            assert_eq!(
                (expired.token_id.as_str(), &expired.condition),
                (id.as_str(), &ExpiredCondition::Time)
            );
            assert!(expired.expected_expired_at.is_some());
        }
        other => panic!("expected token_expired: {other:?}"),
    }
}

#[test]
fn encrypted_webhooks_gcm_links_and_every_webhook_shape() {
    let hooks = Receiver::start();
    let mock = Mock::start(&["--scheme", "gcm", "--webhook-url", hooks.url(), "--webhook-key", "hook-key-1"]);
    mock.add_submission("sub-1");
    let url = links(&mock, Scheme::Gcm).build(&AuthParams::new("sub-1").user_id("u")).expect("url");
    assert_eq!(open(&url).0, 200);
    let body = hooks.next();
    assert_eq!(webhook::parse(&body, None).err(), Some(WebhookError::KeyRequired));
    let key = Cipher::new(&Key::derive("hook-key-1").expect("key"), Scheme::Ecb);
    assert_eq!(face_auth(&body, Some(&key)).user_id.as_deref(), Some("u"));

    // An ECB link on a GCM project does not open.
    let wrong = links(&mock, Scheme::Ecb).build(&AuthParams::new("sub-1")).expect("url");
    assert_eq!(open(&wrong).0, 400);

    for shape in ["current", "older", "oldest"] {
        let mock = Mock::start(&["--webhook-url", hooks.url(), "--webhook-shape", shape]);
        mock.add_submission("sub-1");
        let url = links(&mock, Scheme::Ecb).build(&AuthParams::new("sub-1").user_id("u-9")).expect("url");
        let (status, page) = open(&url);
        assert_eq!(status, 200);
        let event = face_auth(&hooks.next(), None);
        assert_eq!(event.shape.as_str(), shape);
        assert_eq!(event.auth_id.as_deref(), page["auth_id"].as_str(), "{shape}");
        assert_eq!((event.submission_id.as_deref(), event.user_id.as_deref()), (Some("sub-1"), Some("u-9")));
    }
}

#[test]
fn unknown_projects_and_unapproved_submissions_are_refused() {
    let mock = Mock::start(&[]);
    mock.control("/_mock/submissions", json!({"id": "sub-pending", "status": "pending"}));
    let url = links(&mock, Scheme::Ecb).build(&AuthParams::new("sub-pending")).expect("url");
    assert_eq!(open(&url).0, 400);
    let other = UrlBuilder::new("another-project", &Key::derive(API_KEY).expect("key"), Scheme::Ecb)
        .and_then(|b| b.base_url(&mock.url))
        .and_then(|b| b.build(&AuthParams::new("sub-pending")))
        .expect("url");
    assert_eq!(open(&other).0, 400);
}
