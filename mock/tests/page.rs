//! The hosted page: link decryption, token rules and webhooks.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::*;
use faceauth::crypto::{Cipher, Key, Scheme};
use faceauth::url::{AuthParams, UrlBuilder};
use faceauth_mock::{MockConfig, MockServer, TokenRule, WebhookShape};
use serde_json::{json, Value};

fn link(server: &MockServer, key: &str, params: &AuthParams<'_>) -> String {
    let key = Key::derive(key).expect("key");
    let builder = UrlBuilder::new("mock-project", &key, Scheme::Ecb)
        .expect("builder")
        .base_url(&server.base_url())
        .expect("base url");
    builder.build(params).expect("url")
}

fn params(token: Option<&str>) -> AuthParams<'static> {
    let params = AuthParams::new(SID).user_id("user-1").cf1("me@example.com").cf2("two");
    match token {
        Some(token) => params.token(token.to_owned()),
        None => params,
    }
}

fn hooked(rule: Option<TokenRule>) -> (MockServer, faceauth_mock::WebhookInbox) {
    let (url, rx) = webhook_receiver();
    let server = start(MockConfig { token_rule: rule, webhook_url: Some(url), ..config() });
    (server, rx)
}

#[test]
fn count_rule_allows_one_use_and_reports_it() {
    let (server, rx) = hooked(Some(TokenRule::Count));
    let url = link(&server, KEY, &params(Some("tok_count_12345")));
    let answer = get_url(&url);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["auth_status"], "approved");
    let auth_id = body["auth_id"].as_str().expect("id").to_owned();

    let hook = next_webhook(&rx);
    assert_eq!(hook["webhook_trigger"], "faceAuth");
    let data = &hook["data"];
    assert_eq!(data["Authentication_id"], auth_id.as_str());
    assert_eq!(data["Submission_id"], SID);
    assert_eq!(data["Auth_Status"], "approved");
    assert_eq!(data["Auth_User_id"], "user-1");
    assert_eq!(data["Auth_cf1"], "me@example.com");
    assert_eq!(data["Auth_cf3"], "");
    assert_eq!(data["Token_id"], "tok_count_12345");
    assert_eq!(data["reference"]["cf"]["cf2"], "two");
    let expired = next_webhook(&rx);
    assert_eq!(expired["webhook_trigger"], "token_expired");
    assert_eq!(expired["token_id"], "tok_count_12345");
    assert_eq!(expired["expired_condition"], "count");
    assert_eq!(expired["service"], "faceAuth");
    assert!(expired["expired_at"].as_str().is_some_and(|t| t.ends_with('Z')));

    let again = get_url(&url);
    assert_eq!((again.status, again.json()), (410, json!({"error": "token expired"})));
    assert!(rx.next(Duration::from_millis(200)).is_none(), "no webhook for a refused use");

    let row = &call(&server, "GET", &format!("/faceauth?authId={auth_id}"), None).json()[0]["data"][0];
    assert_eq!(row["submit_type"], "form");
    let rows = call(&server, "GET", "/faceauth", None).json();
    assert_eq!(rows[0]["data"].as_array().map(Vec::len), Some(1));
}

#[test]
fn time_rule_expires_after_the_clock_passes_the_limit() {
    let (server, rx) = hooked(Some(TokenRule::Time { seconds: 60 }));
    control(&server, "POST", "clock", Some(json!({"now": "2025-11-12T02:00:00.000Z"})));
    let url = link(&server, KEY, &params(Some("tok_time_123456")));
    assert_eq!(get_url(&url).status, 200);
    assert_eq!(next_webhook(&rx)["webhook_trigger"], "faceAuth");

    control(&server, "POST", "clock", Some(json!({"advance_seconds": 30})));
    assert_eq!(get_url(&url).status, 200, "still inside the 60 s");
    assert_eq!(next_webhook(&rx)["webhook_trigger"], "faceAuth");

    let now = control(&server, "POST", "clock", Some(json!({"advance_seconds": 31})));
    assert!(now["now"].as_str().is_some_and(|t| t.starts_with("2025-11-12T02:01:0")), "{now}");
    let expired = get_url(&url);
    assert_eq!((expired.status, expired.json()), (410, json!({"error": "token expired"})));
    let hook = next_webhook(&rx);
    let expected_at = hook["expected_expired_at"].as_str().expect("expected_expired_at");
    assert!(expected_at.starts_with("2025-11-12T02:01:0"), "{expected_at}");
    assert_eq!(
        hook,
        json!({"webhook_trigger": "token_expired", "token_id": "tok_time_123456", "expired_condition": "time",
               "expected_expired_at": expected_at, "service": "faceAuth"})
    );
    assert_eq!(get_url(&url).status, 410);
    assert!(rx.next(Duration::from_millis(200)).is_none(), "the time webhook is sent once");

    // Another token starts its own clock.
    assert_eq!(get_url(&link(&server, KEY, &params(Some("tok_time_other1")))).status, 200);
}

#[test]
fn without_a_rule_tokens_do_not_expire() {
    let (server, rx) = hooked(None);
    let url = link(&server, KEY, &params(Some("tok_free_123456")));
    for _ in 0..2 {
        assert_eq!(get_url(&url).status, 200);
        assert_eq!(next_webhook(&rx)["webhook_trigger"], "faceAuth");
    }
    assert!(rx.next(Duration::from_millis(200)).is_none());
    // A count rule without a token in the link does not apply either.
    let (server, _rx) = hooked(Some(TokenRule::Count));
    let url = link(&server, KEY, &params(None));
    assert_eq!((get_url(&url).status, get_url(&url).status), (200, 200));
}

#[test]
fn older_and_oldest_webhook_shapes() {
    for shape in [WebhookShape::Older, WebhookShape::Oldest] {
        let (url, rx) = webhook_receiver();
        let server = start(MockConfig { webhook_url: Some(url), webhook_shape: shape, ..config() });
        let page = format!("{}&mock_result=rejected", link(&server, KEY, &params(Some("tok_shape_12345"))));
        let answer = get_url(&page).json();
        assert_eq!(answer["auth_status"], "rejected");
        let id = answer["auth_id"].clone();
        let hook = next_webhook(&rx);
        assert_eq!(hook["webhook_trigger"], "faceAuth");
        match shape {
            WebhookShape::Older => {
                assert_eq!(hook["Authentication_id"], id);
                let data = &hook["data"];
                assert_eq!(
                    (data["Submission_id"].as_str(), data["Auth_Status"].as_str()),
                    (Some(SID), Some("rejected"))
                );
                assert_eq!(
                    (data["User_id"].as_str(), data["cf1"].as_str()),
                    (Some("user-1"), Some("me@example.com"))
                );
                assert_eq!(data["Token_id"], "tok_shape_12345");
                assert!(data["Create_Time"].is_string());
            }
            _ => {
                assert_eq!(hook["auth_id"], id);
                let data = &hook["data"];
                assert_eq!(
                    (data["submission_id"].as_str(), data["auth_status"].as_str()),
                    (Some(SID), Some("rejected"))
                );
                assert_eq!((data["user_id"].as_str(), data["cf2"].as_str()), (Some("user-1"), Some("two")));
                assert!(data["create_time"].is_string());
            }
        }
    }
}

#[test]
fn encrypted_webhooks_decrypt_with_the_webhook_key() {
    let (url, rx) = webhook_receiver();
    let server = start(MockConfig {
        webhook_url: Some(url),
        webhook_key: Some("id-check-secret".into()),
        token_rule: Some(TokenRule::Count),
        ..config()
    });
    assert_eq!(get_url(&link(&server, KEY, &params(Some("tok_sealed_1234")))).status, 200);
    let cipher = Cipher::new(&Key::derive("id-check-secret").expect("key"), Scheme::Ecb);
    for trigger in ["faceAuth", "token_expired"] {
        let envelope = next_webhook(&rx);
        let keys: Vec<&String> = envelope.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["data"]);
        let plain = cipher.decrypt(envelope["data"].as_str().expect("ciphertext")).expect("decrypts");
        let payload: Value = serde_json::from_str(&plain).expect("JSON inside");
        assert_eq!(payload["webhook_trigger"], trigger);
    }
}

#[test]
fn page_errors() {
    let (server, rx) = hooked(Some(TokenRule::Count));
    let good = link(&server, KEY, &params(None));
    let wrong_pid = good.replace("pid=mock-project", "pid=other");
    let answer = get_url(&wrong_pid);
    assert_eq!((answer.status, answer.json()), (400, json!({"error": "unknown project"})));

    let answer = get_url(&link(&server, "another-key", &params(None)));
    assert_eq!(answer.status, 400);
    let message = answer.json()["error"].as_str().expect("error").to_owned();
    assert!(message.starts_with("cannot decrypt: "), "{message}");
    assert!(!message.contains(KEY));
    let answer = get_url(&format!("{}/face-auth?pid=mock-project", server.base_url()));
    assert!(answer.json()["error"].as_str().is_some_and(|e| e.starts_with("cannot decrypt: ")));

    for sid in ["sub-rejected", "sub-unknown"] {
        let answer = get_url(&link(&server, KEY, &AuthParams::new(sid).token("tok_unapproved1")));
        assert_eq!((answer.status, answer.json()), (400, json!({"error": "submission not approved"})));
    }
    // The refusals used no token and sent nothing.
    assert_eq!(get_url(&link(&server, KEY, &AuthParams::new(SID).token("tok_unapproved1"))).status, 200);
    assert_eq!(next_webhook(&rx)["webhook_trigger"], "faceAuth");
}

#[test]
fn url_key_and_scheme_are_configurable() {
    let server = start(MockConfig { url_key: Some("page-secret".into()), scheme: "gcm".into(), ..config() });
    let key = Key::derive("page-secret").expect("key");
    let url = UrlBuilder::new("mock-project", &key, Scheme::Gcm)
        .and_then(|b| b.base_url(&server.base_url()))
        .and_then(|b| b.build(&params(None)))
        .expect("url");
    assert_eq!(get_url(&url).status, 200);
    assert_eq!(get_url(&link(&server, KEY, &params(None))).status, 400);
    assert!(MockServer::start(MockConfig { scheme: "rot13".into(), ..config() }).is_err());
}

#[test]
fn a_failed_webhook_delivery_is_not_fatal() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let server = start(MockConfig { webhook_url: Some(format!("http://127.0.0.1:{port}/hook")), ..config() });
    let answer = get_url(&link(&server, KEY, &params(None)));
    assert_eq!(answer.status, 200);
}

/// A webhook receiver that stalls: it hands each body it gets to the test, then answers only
/// when the test releases it. Gives its URL, the bodies, and the release.
fn stalling_receiver() -> (String, mpsc::Receiver<Vec<u8>>, mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (bodies_tx, bodies) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream);
            // Requests on this connection, one at a time.
            loop {
                let mut length = 0;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
                if line.is_empty() {
                    break;
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() || bodies_tx.send(body).is_err() {
                    return;
                }
                if released.recv().is_err() {
                    return;
                }
                if reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").is_err() {
                    break;
                }
            }
        }
    });
    (url, bodies, release)
}

/// Waits until `GET /_mock/state` shows `check` true of the webhook deliveries.
fn deliveries_reach(server: &MockServer, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..1000 {
        let deliveries = control(server, "GET", "state", None)["webhook_deliveries"].clone();
        if check(&deliveries) {
            return deliveries;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("webhook deliveries never got there");
}

#[test]
fn the_page_answers_without_waiting_for_the_webhook_receiver() {
    let (url, bodies, release) = stalling_receiver();
    let server = start(MockConfig { webhook_url: Some(url), ..config() });
    // The receiver has not answered (it cannot, until released below), yet the page answers.
    let answer = get_url(&link(&server, KEY, &params(None)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let auth_id = answer.json()["auth_id"].clone();
    // The outbox has it at once; the receiver gets it, and the delivery waits for its answer.
    let outbox = control(&server, "GET", "webhooks", None);
    assert_eq!(outbox[0]["data"]["Authentication_id"], auth_id);
    let body = bodies.recv_timeout(TIMEOUT).expect("the webhook arrives");
    let hook: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(hook["data"]["Authentication_id"], auth_id);
    let waiting = control(&server, "GET", "state", None)["webhook_deliveries"].clone();
    assert_eq!(waiting, json!({"pending": 1, "delivered": 0, "failed": 0}));
    // Once the receiver answers, the delivery is complete.
    release.send(()).expect("release");
    let done = deliveries_reach(&server, |d| d["delivered"] == 1);
    assert_eq!(done, json!({"pending": 0, "delivered": 1, "failed": 0}));

    // Webhooks keep their order, whatever the receiver's pace.
    for _ in 0..3 {
        assert_eq!(get_url(&link(&server, KEY, &params(None))).status, 200);
    }
    let sent: Vec<Value> = control(&server, "GET", "webhooks", None).as_array().expect("array")[1..].to_vec();
    for expected in &sent {
        let body = bodies.recv_timeout(TIMEOUT).expect("the webhook arrives");
        assert_eq!(&serde_json::from_slice::<Value>(&body).expect("JSON"), expected);
        release.send(()).expect("release");
    }
    deliveries_reach(&server, |d| d["delivered"] == 4);

    // A receiver that never answers does not hold up shutdown for long.
    assert_eq!(get_url(&link(&server, KEY, &params(None))).status, 200);
    bodies.recv_timeout(TIMEOUT).expect("the webhook arrives");
    let (done_tx, done) = mpsc::channel();
    thread::spawn(move || {
        server.shutdown();
        let _ = done_tx.send(());
    });
    done.recv_timeout(Duration::from_secs(30)).expect("shutdown ends");
    drop(release);
}
