//! `faceauth auth …` and `faceauth webhook parse` as a shell user runs them, against the simulator.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};
use support::{Mock, API_KEY};

fn faceauth(mock: &Mock, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::cargo_bin("faceauth")
        .expect("binary")
        .args(args)
        .env("FACEAUTH_API_KEY", API_KEY)
        .env("FACEAUTH_BASE_URL", &mock.url)
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
    assert_eq!(gone.status.code(), Some(14));
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("invalid request") && stderr.contains("NOT_FOUND"), "{stderr}");

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
