//! The API client against the simulator, run as a separate process (`faceauth mock`).

mod support;

use std::time::{Duration, Instant};

use faceauth::api::{ApiError, AuthStatus, Client, FailCode, Incomplete, ListQuery, Submission};
use faceauth::ErrorKind;
use serde_json::json;
use support::{canned_server, Answer, Mock, Scripted, API_KEY};

/// A tiny JPEG-looking image: the magic bytes matter for sniffing, the rest is opaque.
fn jpeg(marker: &str) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    bytes.extend_from_slice(marker.as_bytes());
    bytes.extend((0..=255u8).cycle().take(3000));
    bytes
}

#[test]
fn client_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
}

#[test]
fn submit_get_image_delete() {
    let mock = Mock::start(&[]);
    mock.add_submission("sub-1");
    let client = mock.client();
    let image = jpeg("a face");

    let approved =
        client.submit(&Submission::new("sub-1", &image).user_id("u-1").cf1("c1")).expect("submits");
    assert_eq!(approved.status, AuthStatus::Approved);
    assert!(approved.scores.face_similarity.is_some_and(|s| s > 90.0));
    assert!(approved.fail_codes.is_empty());

    let rejected =
        client.submit(&Submission::new("sub-1", &jpeg("REJECT"))).expect("a rejection is a result");
    assert_eq!(rejected.status, AuthStatus::Rejected);
    assert_eq!(rejected.fail_codes, [FailCode::FaceCompare]);
    assert!(!rejected.rejected_comments.is_empty());
    let unknown = client.submit(&Submission::new("sub-1", &jpeg("UNKNOWNCODE"))).expect("submits");
    assert!(
        matches!(unknown.fail_codes.as_slice(), [FailCode::Other(code)] if code == "Brand_new_fail_code")
    );

    let record = client.get(&approved.auth_id).expect("gets");
    assert_eq!((record.auth_id.as_str(), &record.status), (approved.auth_id.as_str(), &AuthStatus::Approved));
    assert_eq!(record.submission_id.as_deref(), Some("sub-1"));
    assert_eq!(record.project_id.as_deref(), Some(support::PROJECT));
    assert!(!record.deleted);
    assert_eq!(record.raw["auth_id"], approved.auth_id.as_str());

    let fetched = client.image(&approved.auth_id).expect("image");
    assert_eq!((fetched.bytes.as_slice(), fetched.content_type), (image.as_slice(), "image/jpeg"));

    client.delete(&approved.auth_id).expect("deletes");
    let gone = client.get(&approved.auth_id).expect("still listed");
    assert!(gone.deleted);
    let err = client.image(&approved.auth_id).expect_err("the image is erased");
    assert_eq!(err.kind(), ErrorKind::ApiNotFound);
    assert_eq!(err.code(), Some("NOT_FOUND"));
    // A second DELETE that was not retried is reported, not hidden.
    let err = client.delete(&approved.auth_id).expect_err("already deleted");
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ApiNotFound, Some(400)));
}

#[test]
fn both_response_shapes_and_all_image_forms_decode() {
    for (shape, format) in [("nested", "raw"), ("flat", "json"), ("flat", "data_url")] {
        let mock = Mock::start(&["--response-shape", shape, "--image-format", format]);
        mock.add_submission("sub-1");
        let client = mock.client();
        let image = jpeg(shape);
        let result = client.submit(&Submission::new("sub-1", &image)).expect("submits");
        let record = client.get(&result.auth_id).expect("gets");
        assert_eq!(record.auth_id, result.auth_id, "{shape}");
        assert_eq!(client.image(&result.auth_id).expect("image").bytes, image, "{format}");
    }
}

#[test]
fn listing_follows_pages_in_both_shapes() {
    for shape in ["nested", "flat"] {
        let mock = Mock::start(&["--response-shape", shape]);
        let created = mock.control(
            "/_mock/results",
            json!({"count": 25, "start": "2025-03-01T00:00:00.000Z", "step_seconds": 3600}),
        );
        assert_eq!(created["created"], 25);
        let client = mock.client();

        let mut records = client.list(&ListQuery::new().count(10)).expect("valid query");
        let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
        assert_eq!(ids.len(), 25, "{shape}");
        assert_eq!(records.pages(), 3, "{shape}");
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), 25, "{shape}: no row twice");

        // 25 hours from 2025-03-01T00:00: 24 on the 1st, one on the 2nd.
        let first_day =
            client.list(&ListQuery::new().dates("2025-03-01", "2025-03-01").count(7)).expect("query");
        assert_eq!(first_day.count(), 24, "{shape}");
    }
}

#[test]
fn bad_arguments_fail_before_sending() {
    let mock = Mock::start(&[]);
    let client = mock.client();
    for err in [
        client.list(&ListQuery::new().count(0)).err(),
        client.list(&ListQuery::new().dates("2025-02-30", "2025-03-01")).err(),
        client.get(" ").err(),
        client.image("").err(),
        client.delete("a\nb").err(),
        client.submit(&Submission::new("", b"x")).err(),
        client.submit(&Submission::new("s", b"")).err(),
        client.submit(&Submission::new("s", b"x").file_name("a\"b")).err(),
    ] {
        assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::InvalidArgument));
    }
    assert_eq!(mock.counts("GET /faceauth").0 + mock.counts("POST /faceauth").0, 0, "nothing was sent");
    assert!(Client::new("").is_err());
    assert!(Client::builder("k").base_url("ftp://x").build().is_err());
}

#[test]
fn each_documented_error_has_its_kind() {
    let mock = Mock::with_seed(&json!({"max_body_bytes": 20000}), &[]);
    mock.add_submission("sub-1");

    let err =
        mock.client().submit(&Submission::new("missing-sub", &jpeg("x"))).expect_err("unknown submission");
    assert_eq!(err.kind(), ErrorKind::ApiInvalidRequest);
    assert_eq!(err.code(), Some("invalid_data_format"));
    assert!(err.body().is_some_and(|b| b.contains("Cannot find submission")));

    let wrong_key = Client::builder("wrong-key").base_url(&mock.url).build().expect("client");
    let err = wrong_key.get("a").expect_err("forbidden");
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ApiAuthentication, Some(403)));
    assert!(!format!("{err} {err:?} {wrong_key:?}").contains("wrong-key"));

    let mut big = jpeg("x");
    big.resize(50_000, 7);
    let err = mock.client().submit(&Submission::new("sub-1", &big)).expect_err("too large");
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ApiPayloadTooLarge, Some(413)));

    let denied = Mock::start(&["--allow-ip", "203.0.113.9"]);
    let err = denied.client().get("a").expect_err("IP not allowed");
    assert_eq!(err.kind(), ErrorKind::ApiIpNotAllowed);

    // Argos answers an unknown id with 400 and NOT_FOUND: not found, a kind of invalid request.
    let err = mock.client().get("fa_does_not_exist").expect_err("unknown id");
    assert_eq!(err.kind(), ErrorKind::ApiNotFound);
    assert!(err.kind().is_a(ErrorKind::ApiInvalidRequest));
    assert_eq!((err.http_status(), err.code()), (Some(400), Some("NOT_FOUND")));
    assert!(
        matches!(&err, ApiError::NotFound { auth_id, failure: Some(_) } if auth_id == "fa_does_not_exist")
    );
    assert!(err.to_string().contains("\"fa_does_not_exist\" (HTTP 400 NOT_FOUND"), "{err}");
    // The other answer Argos documents for a missing record, whatever its code.
    let server = Scripted::start(vec![Answer::reply(
        "400 Bad Request",
        "application/json",
        r#"{"errorCode": "invalid_data", "message": "Cannot find submission. Please check input data."}"#,
    )]);
    assert_eq!(scripted_client(&server.url).delete("fa_1").expect_err("none").kind(), ErrorKind::ApiNotFound);
    // A 400 that does not say so stays an invalid request.
    let server = Scripted::start(vec![Answer::reply(
        "400 Bad Request",
        "application/json",
        r#"{"message": "Invalid Query String parameters"}"#,
    )]);
    assert_eq!(
        scripted_client(&server.url).get("fa_1").expect_err("400").kind(),
        ErrorKind::ApiInvalidRequest
    );

    mock.control("/_mock/faults", json!({"fail_next": 5, "fail_status": 500}));
    let err = mock.client().get("a").expect_err("server error");
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ApiServer, Some(500)));
    mock.control("/_mock/faults", json!({"fail_next": 0}));

    let err = Client::builder(API_KEY)
        .base_url(&canned_server("200 OK", "application/json", "<html>"))
        .build()
        .expect("client")
        .get("a")
        .expect_err("not JSON");
    assert_eq!((err.kind(), err.body()), (ErrorKind::ApiDecode, Some("<html>")));

    let err = Client::builder(API_KEY)
        .base_url(&canned_server("429 Too Many Requests", "text/plain", "slow down"))
        .max_retries(0)
        .build()
        .expect("client")
        .get("a")
        .expect_err("unexpected status");
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ApiUnexpectedStatus, Some(429)));
}

#[test]
fn connection_errors_and_timeouts() {
    // A port that nothing listens on: refused before anything is sent, so even POST retries.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let client = Client::builder(API_KEY)
        .base_url(&closed)
        .max_retries(2)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .expect("client");
    let err = client.submit(&Submission::new("s", b"x")).expect_err("refused");
    assert!(matches!(err, ApiError::Connection { never_sent: true, .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::ApiConnection);

    let mock = Mock::start(&["--latency-ms", "1500"]);
    let slow =
        mock.client_builder().timeout(Duration::from_millis(300)).max_retries(0).build().expect("client");
    let started = Instant::now();
    let err = slow.get("a").expect_err("times out");
    assert_eq!(err.kind(), ErrorKind::ApiTimeout, "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1400), "the timeout cut the wait short");
}

#[test]
fn get_and_delete_recover_from_faults_and_post_is_never_repeated() {
    let mock = Mock::start(&[]);
    mock.add_submission("sub-1");
    let client = mock.client();
    let result = client.submit(&Submission::new("sub-1", &jpeg("x"))).expect("submits");

    mock.control("/_mock/faults", json!({"fail_next": 2, "fail_status": 502}));
    let (received, processed) = mock.counts("GET /faceauth");
    client.get(&result.auth_id).expect("recovers after two 502s");
    assert_eq!(mock.counts("GET /faceauth"), (received + 3, processed + 1));

    mock.control("/_mock/faults", json!({"drop_next": 1}));
    client.image(&result.auth_id).expect("recovers after a dropped connection");

    let posts = mock.counts("POST /faceauth");
    mock.control("/_mock/faults", json!({"fail_next": 1, "fail_status": 502}));
    let err = client.submit(&Submission::new("sub-1", &jpeg("x"))).expect_err("not retried");
    assert_eq!(err.http_status(), Some(502));
    mock.control("/_mock/faults", json!({"drop_next": 1}));
    let err = client.submit(&Submission::new("sub-1", &jpeg("x"))).expect_err("not retried");
    assert!(
        matches!(&err, ApiError::AnswerLost { cause, .. } if matches!(**cause, ApiError::Connection { never_sent: false, .. })),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::ApiConnection);
    assert_eq!(mock.counts("POST /faceauth"), (posts.0 + 2, posts.1), "each POST sent once, none processed");
}

#[test]
fn random_faults_do_not_break_idempotent_calls() {
    let mock = Mock::with_seed(&json!({"faults": {"error_rate": 0.3, "seed": 7}}), &[]);
    let client = mock.client_builder().max_retries(8).build().expect("client");
    mock.control(
        "/_mock/results",
        json!({"count": 30, "start": "2025-03-01T00:00:00.000Z", "step_seconds": 60}),
    );
    let rows: Result<Vec<_>, _> = client.list(&ListQuery::new().count(7)).expect("query").collect();
    assert_eq!(rows.expect("every page recovers").len(), 30);
    let (received, processed) = mock.counts("GET /faceauth");
    assert!(received > processed, "faults were injected: {received} received, {processed} processed");
}

#[test]
fn the_user_agent_names_the_binding() {
    let client = Client::builder(API_KEY).binding("python").build().expect("client");
    assert_eq!(client.user_agent(), format!("faceauth-python/{}", faceauth::VERSION));
}

/// A client for a scripted server: fast retries, a short timeout.
fn scripted_client(url: &str) -> Client {
    Client::builder(API_KEY)
        .base_url(url)
        .timeout(Duration::from_secs(1))
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .expect("client")
}

/// A flat-shape row (no project object, no nextPage_key).
fn row(id: &str, second: u32) -> serde_json::Value {
    json!({"auth_id": id, "auth_status": "approved", "create_time": format!("2025-03-01T00:00:{second:02}.000Z"),
        "submit_type": "api", "kyc_submission_id": "k", "policy": {}, "delete_check": false})
}

fn a_closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("addr").port()
}

#[test]
fn redirects_are_not_followed_and_the_key_goes_nowhere_else() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let elsewhere = Scripted::start(vec![Answer::json(&json!([row("a", 1)]))]);
        let redirecting =
            Scripted::start(vec![Answer::redirect(status, &format!("{}/faceauth?authId=a", elsewhere.url))]);
        let client = scripted_client(&redirecting.url);
        let code: u16 = status[..3].parse().expect("status");
        let errors = every_call_fails(&client);
        for err in errors {
            assert_eq!(
                (err.kind(), err.http_status()),
                (ErrorKind::ApiUnexpectedStatus, Some(code)),
                "{status}"
            );
        }
        assert_eq!(redirecting.count(), 5, "{status}: each call once, a 3xx is not retried");
        assert_eq!(elsewhere.count(), 0, "{status}: the redirect target received nothing");
    }
}

#[test]
fn a_success_status_with_another_body_is_a_decode_error_everywhere() {
    let page = "<!doctype html><html><body>Sign in to the Wi-Fi</body></html>";
    let html = Scripted::start(vec![Answer::reply("200 OK", "text/html", page)]);
    let client = scripted_client(&html.url);
    let errors = every_call_fails(&client);
    for err in errors {
        assert_eq!(
            (err.kind(), err.http_status(), err.body()),
            (ErrorKind::ApiDecode, Some(200), Some(page))
        );
        assert!(err.to_string().contains("an HTML page"), "{err}");
    }

    // DELETE succeeds on Argos's success answer only.
    for body in
        [json!({"message": "failed"}), json!({}), json!({"deleted": true}), json!([]), json!("success")]
    {
        let server = Scripted::start(vec![Answer::json(&body)]);
        let err = scripted_client(&server.url).delete("a").expect_err("not success");
        assert_eq!(err.kind(), ErrorKind::ApiDecode, "{body}");
    }
    let server = Scripted::start(vec![Answer::json(&json!({"message": "success"}))]);
    scripted_client(&server.url).delete("a").expect("the documented success");

    // A 200 that is JSON but not a page is not an empty page.
    let server = Scripted::start(vec![Answer::json(&json!({"message": "success"}))]);
    let client = scripted_client(&server.url);
    assert_eq!(client.get("a").expect_err("get").kind(), ErrorKind::ApiDecode);
    let mut records = client.list(&ListQuery::new()).expect("query");
    assert_eq!(records.next().map(|r| r.map_err(|e| e.kind())), Some(Err(ErrorKind::ApiDecode)));
    let server = Scripted::start(vec![Answer::json(&json!({"errorCode": "x", "message": "no"}))]);
    assert_eq!(scripted_client(&server.url).image("a").expect_err("image").kind(), ErrorKind::ApiDecode);
}

#[test]
fn credentials_in_the_base_url_never_reach_a_message() {
    let with_secret = |url: &str| url.replacen("http://", "http://user:s3cret@", 1);
    let servers = [
        Scripted::start(vec![Answer::reply(
            "500 Internal Server Error",
            "application/json",
            r#"{"message": "x"}"#,
        )]),
        Scripted::start(vec![Answer::reply("200 OK", "text/html", "<html>")]),
        Scripted::start(vec![Answer::redirect("302 Found", "http://user:s3cret@127.0.0.1:1/")]),
        Scripted::start(vec![Answer::Stall]),
        Scripted::start(vec![Answer::Hangup]),
    ];
    let mut urls: Vec<String> = servers.iter().map(|s| with_secret(&s.url)).collect();
    urls.push(format!("http://user:s3cret@127.0.0.1:{}", a_closed_port()));
    urls.push("http://user:s3cret@no-such-host.invalid".to_owned());
    for url in urls {
        let builder = Client::builder(API_KEY)
            .base_url(&url)
            .timeout(Duration::from_millis(300))
            .max_retries(1)
            .backoff(Duration::from_millis(1), Duration::from_millis(2));
        let client = builder.clone().build().expect("client");
        let mut seen = format!("{builder:?} {client:?}");
        let errors = every_call_fails(&client);
        for err in &errors {
            seen.push_str(&format!("{err} {err:?} {:?}", std::error::Error::source(err)));
        }
        assert!(!seen.contains("s3cret") && !seen.contains(API_KEY), "{url}: {seen}");
    }
}

#[test]
fn a_full_flat_page_without_a_key_pages_on_from_its_last_row() {
    let server = Scripted::start(vec![
        Answer::json(&json!([row("r1", 1), row("r2", 2)])),
        Answer::json(&json!([row("r2", 2), row("r3", 3)])),
        Answer::json(&json!([row("r4", 4)])),
    ]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(2)).expect("query");
    let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
    assert_eq!(ids, ["r1", "r2", "r3", "r4"], "every row once");
    assert_eq!((records.pages(), records.incomplete()), (3, None));
    let requests = server.requests();
    assert!(!requests[0].contains("nextKey_id"), "{}", requests[0]);
    assert!(
        requests[1].contains("nextKey_id=r2&nextKey_date=2025-03-01T00%3A00%3A02.000Z"),
        "{}",
        requests[1]
    );
    assert!(requests[2].contains("nextKey_id=r3&"), "{}", requests[2]);

    // A full last page: the next, empty, page ends the listing, complete.
    let server =
        Scripted::start(vec![Answer::json(&json!([row("r1", 1), row("r2", 2)])), Answer::json(&json!([]))]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(2)).expect("query");
    assert_eq!(records.by_ref().count(), 2);
    assert_eq!((records.pages(), records.incomplete()), (2, None));
}

#[test]
fn a_server_that_ignores_paging_keys_is_reported_not_looped() {
    // The same full page, whatever the keys.
    let server = Scripted::start(vec![Answer::json(&json!([row("r1", 1), row("r2", 2)]))]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(2)).expect("query");
    let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
    assert_eq!(ids, ["r1", "r2"]);
    assert_eq!(records.incomplete(), Some(&Incomplete::PagingIgnored { page_size: 2 }));
    assert_eq!(server.count(), 2, "one page on from the first, then stop");
    assert!(records.incomplete().is_some_and(|why| why.to_string().contains("more rows may exist")));

    // No create_time to page on from.
    let server = Scripted::start(vec![Answer::json(&json!([{"auth_id": "r1"}, {"auth_id": "r2"}]))]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(2)).expect("query");
    assert_eq!(records.by_ref().count(), 2);
    assert_eq!(records.incomplete(), Some(&Incomplete::NoPagingKey { page_size: 2 }));
    assert_eq!(server.count(), 1);

    // A short page of rows already returned is the end, not a warning.
    let server = Scripted::start(vec![
        Answer::json(&json!([row("r1", 1), row("r2", 2)])),
        Answer::json(&json!([row("r2", 2)])),
    ]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(2)).expect("query");
    assert_eq!(records.by_ref().count(), 2);
    assert_eq!(records.incomplete(), None);
}

/// A page of `rows` whose `nextPage_key` names `key` (an `{"data", "nextPage_key"}` object).
fn keyed_page(rows: &[serde_json::Value], key: &str) -> Answer {
    Answer::json(
        &json!({"data": rows, "nextPage_key": {"authId": key, "createTime": "2025-03-01T00:00:00.000Z"}}),
    )
}

#[test]
fn page_keys_that_alternate_end_the_listing_as_incomplete() {
    // New rows on every page, but the keys go A, B, A, B…: the third page names A again.
    let answers = (0..40).map(|n| keyed_page(&[row(&format!("r{n}"), n % 60)], ["A", "B"][n as usize % 2]));
    let server = Scripted::start(answers.collect());
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new().count(1)).expect("query");
    let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
    assert_eq!(ids, ["r0", "r1", "r2"], "the rows of the pages fetched, each once");
    assert_eq!(records.incomplete(), Some(&Incomplete::RepeatedKey { page: 3 }));
    assert!(records.incomplete().is_some_and(|why| why.to_string().contains("more rows may exist")));
    assert_eq!(server.count(), 3);

    // The same row on every page while the keys alternate (what was seen in the field): the
    // second page adds nothing, and the listing ends there.
    let answers = (0..40).map(|n| keyed_page(&[row("r1", 1)], ["A", "B"][n % 2]));
    let server = Scripted::start(answers.collect());
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new()).expect("query");
    let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
    assert_eq!(ids, ["r1"]);
    assert_eq!(records.incomplete(), Some(&Incomplete::NoNewRows { page: 2 }));
    assert_eq!(server.count(), 2);

    // A key that repeats at once, and an empty page that names a next one, end it the same way.
    let server = Scripted::start(vec![keyed_page(&[row("r1", 1)], "A")]);
    let mut records = scripted_client(&server.url).into_list(&ListQuery::new()).expect("query");
    assert_eq!(records.by_ref().count(), 1);
    assert_eq!(records.incomplete(), Some(&Incomplete::NoNewRows { page: 2 }));
    let server = Scripted::start(vec![keyed_page(&[row("r1", 1)], "A"), keyed_page(&[row("r2", 2)], "A")]);
    let mut records = scripted_client(&server.url).into_list(&ListQuery::new()).expect("query");
    assert_eq!(records.by_ref().count(), 2);
    assert_eq!(records.incomplete(), Some(&Incomplete::RepeatedKey { page: 2 }));
    let server = Scripted::start(vec![keyed_page(&[], "A")]);
    let mut records = scripted_client(&server.url).into_list(&ListQuery::new()).expect("query");
    assert_eq!(records.by_ref().count(), 0);
    assert_eq!(records.incomplete(), Some(&Incomplete::NoNewRows { page: 1 }));
}

#[test]
fn a_row_returned_again_on_a_later_page_is_yielded_once() {
    let server = Scripted::start(vec![
        keyed_page(&[row("r1", 1), row("r2", 2)], "A"),
        keyed_page(&[row("r2", 2), row("r3", 3)], "B"),
        Answer::json(&json!([row("r1", 1), row("r4", 4)])),
    ]);
    let client = scripted_client(&server.url);
    let mut records = client.list(&ListQuery::new()).expect("query");
    let ids: Vec<String> = records.by_ref().map(|r| r.expect("row").auth_id).collect();
    assert_eq!(ids, ["r1", "r2", "r3", "r4"]);
    assert_eq!((records.pages(), records.incomplete()), (3, None));
}

#[test]
fn timeouts_are_retried_for_get_and_delete_never_for_post() {
    let server = Scripted::start(vec![Answer::Stall, Answer::json(&json!([row("a", 1)]))]);
    assert_eq!(scripted_client(&server.url).get("a").expect("the repeat answers").auth_id, "a");
    assert_eq!(server.count(), 2);

    let server = Scripted::start(vec![Answer::Stall, Answer::json(&json!({"message": "success"}))]);
    scripted_client(&server.url).delete("a").expect("the repeat answers");
    assert_eq!(server.count(), 2);

    let server = Scripted::start(vec![Answer::Stall, Answer::json(&json!({"message": "success"}))]);
    let client = Client::builder(API_KEY)
        .base_url(&server.url)
        .timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .expect("client");
    assert_eq!(client.delete("a").expect_err("no retries allowed").kind(), ErrorKind::ApiTimeout);
    assert_eq!(server.count(), 1);

    let result = json!({"authentication_id": "x", "auth_status": "approved"});
    let server = Scripted::start(vec![Answer::Stall, Answer::json(&result)]);
    let err =
        scripted_client(&server.url).submit(&Submission::new("sub-9", &jpeg("x"))).expect_err("stalled");
    assert_eq!(err.kind(), ErrorKind::ApiTimeout, "{err:?}");
    assert_eq!(server.count(), 1, "a POST is never repeated after a timeout");
}

#[test]
fn a_lost_post_answer_says_the_selfie_may_be_recorded_and_how_to_check() {
    for answer in [Answer::Stall, Answer::Hangup] {
        let server = Scripted::start(vec![answer.clone()]);
        let err =
            scripted_client(&server.url).submit(&Submission::new("sub-9", &jpeg("x"))).expect_err("lost");
        let ApiError::AnswerLost { submission_id, date, .. } = &err else { panic!("{err:?}") };
        assert_eq!(submission_id, "sub-9");
        let message = err.to_string();
        assert!(message.contains("may have been recorded"), "{message}");
        assert!(
            message.contains(&format!("faceauth auth list --start-date {date} --end-date {date}")),
            "{message}"
        );
        assert!(message.contains(&format!("GET /faceauth?startDate={date}&endDate={date}")), "{message}");
        assert!(message.contains("\"sub-9\""), "{message}");
        assert_eq!(server.count(), 1, "{answer:?}");
    }
    // Refused before sending: not lost, and repeated.
    let port = a_closed_port();
    let err = scripted_client(&format!("http://127.0.0.1:{port}"))
        .submit(&Submission::new("s", &jpeg("x")))
        .expect_err("refused");
    assert!(matches!(err, ApiError::Connection { never_sent: true, .. }), "{err:?}");
}

#[test]
fn a_refused_connection_is_one_sentence() {
    let port = a_closed_port();
    let client = Client::builder(API_KEY)
        .base_url(&format!("http://127.0.0.1:{port}/v3"))
        .max_retries(0)
        .build()
        .expect("client");
    let err = client.get("a").expect_err("refused");
    assert_eq!(err.to_string(), format!("connection failed: 127.0.0.1:{port} refused the connection"));
    assert!(std::error::Error::source(&err).is_none(), "the message is not repeated by a source");

    let server = Scripted::start(vec![Answer::Hangup]);
    let err = scripted_client(&server.url).get("a").expect_err("hung up");
    let host = server.url.trim_start_matches("http://");
    assert_eq!(err.to_string(), format!("connection failed: {host} closed the connection without answering"));
    let server = Scripted::start(vec![Answer::Stall]);
    let err = scripted_client(&server.url).get("a").expect_err("stalled");
    assert_eq!(
        err.to_string(),
        format!(
            "timed out: no answer from {host2} within 1s",
            host2 = server.url.trim_start_matches("http://")
        )
    );
}

#[test]
fn listed_rows_keep_their_project_id() {
    let server = Scripted::start(vec![Answer::json(&json!([
        {"faceAuth_projectId": "p1", "data": [row("a", 1)]},
        {"faceAuth_projectId": "p2", "data": [row("b", 2)]},
    ]))]);
    let client = scripted_client(&server.url);
    let rows: Vec<_> = client.list(&ListQuery::new()).expect("query").map(|r| r.expect("row")).collect();
    let projects: Vec<_> = rows.iter().map(|r| (r.auth_id.as_str(), r.project_id.as_deref())).collect();
    assert_eq!(projects, [("a", Some("p1")), ("b", Some("p2"))]);
}

/// The error of each of the five calls, in order: get, delete, image, submit, and the first row
/// of a listing; each must fail.
fn every_call_fails(client: &Client) -> [ApiError; 5] {
    [
        client.get("a").expect_err("get"),
        client.delete("a").expect_err("delete"),
        client.image("a").expect_err("image"),
        client.submit(&Submission::new("s", &jpeg("x"))).expect_err("submit"),
        client.list(&ListQuery::new()).expect("query").next().expect("a row").expect_err("list"),
    ]
}
