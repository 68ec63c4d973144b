//! `faceauth auth …` and `faceauth webhook parse` as a shell user runs them, against the simulator.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};
use support::{Answer, Mock, Scripted, API_KEY, PROJECT};

fn faceauth(mock: &Mock, args: &[&str], stdin: &[u8]) -> Output {
    faceauth_at(&mock.url, API_KEY, args, stdin)
}

/// `faceauth args…` against the API at `base_url`, with `key`.
fn faceauth_at(base_url: &str, key: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::cargo_bin("faceauth")
        .expect("binary")
        .args(args)
        .env("FACEAUTH_API_KEY", key)
        .env("FACEAUTH_BASE_URL", base_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child.stdin.take().expect("stdin").write_all(stdin).expect("writes");
    let output = child.wait_with_output().expect("runs");
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains(API_KEY), "the key leaked: {all}");
    output
}

fn json_out(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn auth_commands_end_to_end() {
    let mock = Mock::start(&[]);
    mock.add_submission("sub-1");
    let dir = support::TempDir::new("auth");
    let selfie = dir.join("selfie.png");
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend(std::iter::repeat_n(9u8, 500));
    std::fs::write(&selfie, &png).expect("writes");

    let result = json_out(&faceauth(
        &mock,
        &[
            "auth",
            "submit",
            "--submission-id",
            "sub-1",
            "--image",
            selfie.to_str().expect("path"),
            "--user-id",
            "u1",
        ],
        b"",
    ));
    assert_eq!(result["auth_status"], "approved");
    let auth_id = result["authentication_id"].as_str().expect("id").to_owned();

    assert_eq!(json_out(&faceauth(&mock, &["auth", "get", &auth_id], b""))["auth_id"], auth_id.as_str());

    mock.control(
        "/_mock/results",
        json!({"count": 5, "start": "2025-03-01T00:00:00.000Z", "step_seconds": 60}),
    );
    let listed = faceauth(&mock, &["auth", "list", "--count", "2"], b"");
    assert!(listed.status.success());
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 6, "5 seeded + 1 submitted, 3 pages");

    let saved = dir.join("back.png");
    let summary = json_out(&faceauth(
        &mock,
        &["auth", "image", &auth_id, "--output", saved.to_str().expect("path")],
        b"",
    ));
    assert_eq!(summary["content_type"], "image/png");
    assert_eq!(std::fs::read(&saved).expect("saved"), png);

    assert_eq!(json_out(&faceauth(&mock, &["auth", "delete", &auth_id], b""))["deleted"], auth_id.as_str());
    let gone = faceauth(&mock, &["auth", "image", &auth_id, "--output", saved.to_str().expect("path")], b"");
    assert_eq!(gone.status.code(), Some(11), "an erased image is not found");
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("no FaceAuth result") && stderr.contains("NOT_FOUND"), "{stderr}");

    let bad =
        faceauth(&mock, &["auth", "list", "--start-date", "2025-02-30", "--end-date", "2025-03-01"], b"");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a yyyy-mm-dd date"));
}

#[test]
fn webhook_parse_reads_stdin() {
    let mock = Mock::start(&[]);
    let body = br#"{"webhook_trigger":"faceAuth","auth_id":"a-1","data":{"submission_id":"s-1","auth_status":"approved","create_time":"t","user_id":"u","cf1":"","cf2":"","cf3":""}}"#;
    let event = json_out(&faceauth(&mock, &["webhook", "parse"], body));
    assert_eq!((event["event"].as_str(), event["auth_id"].as_str()), (Some("faceAuth"), Some("a-1")));
    assert_eq!(event["shape"], "oldest");

    let output = faceauth(&mock, &["webhook", "parse"], br#"{"data":"c2VjcmV0"}"#);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--key"));
    let output = faceauth(&mock, &["webhook", "parse"], b"\xff not json");
    assert!(String::from_utf8_lossy(&output.stderr).contains("malformed webhook"));
}

#[test]
fn an_unknown_auth_id_exits_11_for_every_call_by_id() {
    let mock = Mock::start(&[]);
    let dir = support::TempDir::new("unknown");
    let saved = dir.join("selfie");
    for args in [
        &["auth", "get", "fa_does_not_exist"][..],
        &["auth", "delete", "fa_does_not_exist"],
        &["auth", "image", "fa_does_not_exist", "--output", saved.to_str().expect("path")],
    ] {
        let output = faceauth(&mock, args, b"");
        assert_eq!(output.status.code(), Some(11), "{args:?}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("\"fa_does_not_exist\"") && message.contains("HTTP 400 NOT_FOUND"),
            "{message}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_listing_whose_page_keys_alternate_ends_with_a_warning() {
    // The same row on every page, and a nextPage_key that goes A, B, A, B…
    let page = |key: &str| {
        Answer::json(
            &json!({"data": [row("r1", 1)], "nextPage_key": {"authId": key, "createTime": "2025-03-01T00:00:00.000Z"}}),
        )
    };
    let server = Scripted::start((0..50).map(|n| page(["A", "B"][n % 2])).collect());
    let output = faceauth_at(&server.url, API_KEY, &["auth", "list"], b"");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1, "the row once");
    let warning = stderr(&output);
    assert!(warning.starts_with("faceauth: warning: the listing may be incomplete: "), "{warning}");
    assert!(warning.contains("instead of looping"), "{warning}");
    assert_eq!(server.count(), 2);
}

#[test]
fn a_huge_argument_comes_back_as_a_short_message() {
    // 100 KB: about the most one argument may be (Linux's MAX_ARG_STRLEN is 128 KiB).
    let date = "2025-01-01".repeat(10_000);
    let output = faceauth_at(
        "http://127.0.0.1:1",
        API_KEY,
        &["auth", "list", "--start-date", &date, "--end-date", "2025-01-02"],
        b"",
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.len() < 300 && message.contains("(100000 bytes)"),
        "{} bytes: {}",
        message.len(),
        &message[..200.min(message.len())]
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn a_closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("addr").port()
}

/// A flat-shape row.
fn row(id: &str, second: u32) -> Value {
    json!({"auth_id": id, "auth_status": "approved", "create_time": format!("2025-03-01T00:00:{second:02}.000Z")})
}

#[test]
fn listed_and_fetched_rows_keep_their_project_id() {
    let mock = Mock::start(&["--response-shape", "nested"]);
    mock.control(
        "/_mock/results",
        json!({"count": 3, "start": "2025-03-01T00:00:00.000Z", "step_seconds": 60}),
    );
    let listed = faceauth(&mock, &["auth", "list", "--count", "2"], b"");
    assert!(listed.status.success(), "{}", stderr(&listed));
    let rows: Vec<Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row["faceAuth_projectId"], PROJECT, "{row}");
    }
    let auth_id = rows[0]["auth_id"].as_str().expect("an id");
    assert_eq!(json_out(&faceauth(&mock, &["auth", "get", auth_id], b""))["faceAuth_projectId"], PROJECT);
}

#[test]
fn api_errors_exit_with_their_family_codes() {
    let mock = Mock::start(&[]);
    let wrong_key = faceauth_at(&mock.url, "not-the-key", &["auth", "get", "a"], b"");
    assert_eq!(wrong_key.status.code(), Some(10), "{}", stderr(&wrong_key));

    let empty = Scripted::start(vec![Answer::json(&json!([{"faceAuth_projectId": "p", "data": []}]))]);
    let unknown = faceauth_at(&empty.url, API_KEY, &["auth", "get", "no-such-id"], b"");
    assert_eq!(unknown.status.code(), Some(11), "{}", stderr(&unknown));

    let refused = faceauth_at(
        &format!("http://127.0.0.1:{}", a_closed_port()),
        API_KEY,
        &["auth", "get", "a", "--max-retries", "0"],
        b"",
    );
    assert_eq!(refused.status.code(), Some(12), "{}", stderr(&refused));

    let failing = Scripted::start(vec![Answer::reply("500 Internal Server Error", "application/json", "{}")]);
    let server = faceauth_at(&failing.url, API_KEY, &["auth", "delete", "a", "--max-retries", "0"], b"");
    assert_eq!(server.status.code(), Some(13), "{}", stderr(&server));

    let redirecting = Scripted::start(vec![Answer::redirect("302 Found", "http://127.0.0.1:1/")]);
    let redirect = faceauth_at(&redirecting.url, API_KEY, &["auth", "get", "a"], b"");
    assert_eq!(redirect.status.code(), Some(14), "{}", stderr(&redirect));

    let html = Scripted::start(vec![Answer::reply("200 OK", "text/html", "<html>portal</html>")]);
    let deleted = faceauth_at(&html.url, API_KEY, &["auth", "delete", "a"], b"");
    assert_eq!(deleted.status.code(), Some(14), "{}", stderr(&deleted));
    assert!(deleted.stdout.is_empty(), "no success line for an HTML page");
}

#[test]
fn a_refused_connection_is_one_line_without_the_url_credentials() {
    let port = a_closed_port();
    let output = faceauth_at(
        &format!("http://user:s3cret@127.0.0.1:{port}/v3"),
        API_KEY,
        &["auth", "get", "a", "--max-retries", "1"],
        b"",
    );
    assert_eq!(output.status.code(), Some(12));
    assert_eq!(
        stderr(&output),
        format!("faceauth: error: connection failed: 127.0.0.1:{port} refused the connection\n")
    );

    for answer in [
        Answer::reply("500 Internal Server Error", "application/json", r#"{"message": "x"}"#),
        Answer::redirect("307 Temporary Redirect", "http://user:s3cret@127.0.0.1:1/"),
        Answer::reply("200 OK", "text/html", "<html>"),
        Answer::Hangup,
    ] {
        let server = Scripted::start(vec![answer.clone()]);
        let url = server.url.replacen("http://", "http://user:s3cret@", 1);
        for args in [&["auth", "get", "a"][..], &["auth", "delete", "a"], &["auth", "list"]] {
            let output = faceauth_at(&url, API_KEY, &[args, &["--max-retries", "0"]].concat(), b"");
            let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), stderr(&output));
            assert!(!output.status.success() && !all.contains("s3cret"), "{answer:?} {args:?}: {all}");
        }
    }
}

#[test]
fn a_listing_that_cannot_be_known_complete_warns() {
    // The older flat shape, and a server that ignores the paging keys.
    let server = Scripted::start(vec![Answer::json(&json!([row("r1", 1), row("r2", 2)]))]);
    let output = faceauth_at(&server.url, API_KEY, &["auth", "list", "--count", "2"], b"");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);
    let warning = stderr(&output);
    assert!(warning.starts_with("faceauth: warning: the listing may be incomplete: "), "{warning}");
    assert_eq!(warning.lines().count(), 1, "{warning}");

    // Paging on from the last row reaches every row, without a warning.
    let server = Scripted::start(vec![
        Answer::json(&json!([row("r1", 1), row("r2", 2)])),
        Answer::json(&json!([row("r3", 3)])),
    ]);
    let output = faceauth_at(&server.url, API_KEY, &["auth", "list", "--count", "2"], b"");
    assert!(output.status.success() && output.stderr.is_empty(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
}

#[test]
fn a_lost_submission_answer_says_how_to_check() {
    let dir = support::TempDir::new("lost");
    let selfie = dir.join("selfie.jpg");
    std::fs::write(&selfie, [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).expect("writes");
    let server = Scripted::start(vec![Answer::Hangup]);
    let output = faceauth_at(
        &server.url,
        API_KEY,
        &["auth", "submit", "--submission-id", "sub-7", "--image", selfie.to_str().expect("path")],
        b"",
    );
    assert_eq!(output.status.code(), Some(12));
    let message = stderr(&output);
    assert!(message.contains("\"sub-7\"") && message.contains("may have been recorded"), "{message}");
    assert!(message.contains("faceauth auth list --start-date"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert_eq!(server.count(), 1, "not repeated");
}
