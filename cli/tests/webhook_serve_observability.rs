//! What `faceauth webhook serve` tells the people who run it: `GET /metrics` in Prometheus's
//! text format, and one line per request on stderr (text or JSON) with status, outcome and
//! latency, never a body, a key or a token.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};
use support::serve::Serve;
use support::TempDir;

mod support;

/// A path nobody can guess, as the docs advise.
const PATH: &str = "/webhook/5f0c1d2e3a4b";

fn status(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    support::http_text(result).unwrap_or_else(|err| panic!("no answer: {err}"))
}

/// A webhook recorded, one for an unknown token, a malformed one, a 404: the metrics count
/// each status and outcome, the commit-time histogram counts the commits, and the text format
/// is what Prometheus reads.
#[test]
fn metrics_count_statuses_outcomes_and_commits() {
    let dir = TempDir::new("serve-metrics");
    let db = dir.db();
    let token = support::issue_one(&db);
    let serve = Serve::start_with(&db, &["--path", PATH]);
    let agent = support::http_agent(None);
    let body = |token: &str| {
        json!({"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub-1", "Auth_Status": "approved",
            "Token_id": token, "Authentication_id": "fa-1"}})
        .to_string()
    };
    assert_eq!(status(agent.post(&serve.url(PATH)).send(&body(&token))).0, 200);
    assert_eq!(status(agent.post(&serve.url(PATH)).send(&body("tok_nobodyhasthis1"))).0, 200);
    assert_eq!(status(agent.post(&serve.url(PATH)).send("not json")).0, 400);
    assert_eq!(status(agent.get(&serve.url("/nowhere")).call()).0, 404);

    let mut response = agent.get(&serve.url("/metrics")).call().expect("an answer");
    assert_eq!(response.status(), 200);
    let content_type =
        (response.headers().get("content-type")).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.body_mut().read_to_string().expect("text");
    for expected in [
        "faceauth_webhook_requests_total{status=\"200\"} 2",
        "faceauth_webhook_requests_total{status=\"400\"} 1",
        "faceauth_webhook_requests_total{status=\"404\"} 1",
        "faceauth_webhook_outcomes_total{outcome=\"recorded\"} 1",
        "faceauth_webhook_outcomes_total{outcome=\"unknown_token\"} 1",
        "faceauth_webhook_outcomes_total{outcome=\"malformed\"} 1",
        "# TYPE faceauth_webhook_commit_seconds histogram",
        "faceauth_webhook_commit_seconds_count 2",
        "faceauth_webhook_commit_seconds_bucket{le=\"+Inf\"} 2",
        "# TYPE faceauth_webhook_requests_in_flight gauge",
        // The metrics request itself is in flight while it is answered.
        "faceauth_webhook_requests_in_flight 1",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    // Every sample line is `name{labels} value` or `name value`, with a number.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().expect("a value");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(line.starts_with("faceauth_webhook_"), "{line}");
    }
    // Not a path to post to, and not one --path may take.
    assert_eq!(status(agent.post(&serve.url("/metrics")).send("")).0, 405);
    let refused = Command::cargo_bin("faceauth")
        .expect("binary built")
        .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", &db, "--unverified"])
        .args(["--path", "/metrics"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
}

/// One line per request, in both formats: status, outcome, latency; nothing of the body (the
/// token, the authentication and submission ids) appears.
#[test]
fn each_request_gets_one_log_line_without_body_or_token() {
    let dir = TempDir::new("serve-log");
    let db = dir.db();
    let token = support::issue_one(&db);
    let body = json!({"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub-1",
        "Auth_Status": "approved", "Token_id": token, "Authentication_id": "fa-secret-auth-1"}})
    .to_string();

    let text = Serve::start_with(&db, &["--path", PATH]);
    let agent = support::http_agent(None);
    assert_eq!(status(agent.post(&text.url(PATH)).send(&body)).0, 200);
    assert_eq!(status(agent.get(&text.url("/healthz")).call()).0, 200);
    let log = text.wait_stderr("GET /healthz: 200");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" ms)")).collect();
    assert_eq!(lines.len(), 2, "{log}");
    let posted = format!("faceauth: webhook serve: POST {PATH}: 200 recorded (recorded, ");
    assert!(lines[0].starts_with(&posted), "{log}");
    assert!(lines[1].starts_with("faceauth: webhook serve: GET /healthz: 200  ("), "{log}");

    let json = Serve::start_with(&db, &["--path", PATH, "--log-format", "json"]);
    assert_eq!(status(agent.post(&json.url(PATH)).send(&body)).0, 200);
    assert_eq!(status(agent.post(&json.url(PATH)).send("{\"webhook_trigger\": 7}")).0, 400);
    let log = json.wait_stderr("\"status\":400");
    let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        (&lines[0]["method"], &lines[0]["path"], &lines[0]["status"], &lines[0]["outcome"]),
        (&json!("POST"), &json!(PATH), &json!(200), &json!("recorded"))
    );
    assert!(lines[0]["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{log}");
    assert_eq!((&lines[1]["status"], &lines[1]["outcome"]), (&json!(400), &json!("malformed")));
    assert!(lines[1]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{log}");

    for log in [text.stderr(), json.stderr()] {
        for secret in [token.as_str(), "fa-secret-auth-1", "sub-1"] {
            assert!(!log.contains(secret), "{secret} in the log:\n{log}");
        }
    }
}

/// Reads from `stream` until the server closes it; what it sent.
fn read_to_close(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("a timeout");
    let mut seen = Vec::new();
    let _ = stream.read_to_end(&mut seen);
    String::from_utf8_lossy(&seen).into_owned()
}

/// The refusals hyper makes itself, before any request reaches the server's routes (a head
/// over the limit, a head that is not HTTP, a head that stops half-way, an idle connection):
/// each is counted in `faceauth_webhook_connection_errors_total`, and each but the idle one
/// gets one log line, which carries nothing the client sent.
#[test]
fn refusals_of_the_http_layer_are_counted_and_logged() {
    use std::io::Write;
    let dir = TempDir::new("serve-refusals");
    let serve = Serve::start_with(&dir.db(), &["--path", PATH]);

    let mut big = serve.connect();
    write!(big, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "secret".repeat(4 * 1024))
        .expect("head");
    assert!(read_to_close(&mut big).starts_with("HTTP/1.1 431 "));
    let mut malformed = serve.connect();
    malformed.write_all(b"GET /healthz HTTP/1.1\r\nHo st\x01: secret\r\n\r\n").expect("head");
    assert!(read_to_close(&mut malformed).starts_with("HTTP/1.1 400 "));
    // Half a head, then nothing: closed unanswered once the head deadline (10 s) passes; an
    // idle connection beside it is closed too.
    let mut half = serve.connect();
    half.write_all(b"POST /webhook/secret HTTP/1.1\r\nHost: x\r\n").expect("head");
    let mut idle = serve.connect();
    assert_eq!(read_to_close(&mut half), "");
    assert_eq!(read_to_close(&mut idle), "");

    let text = status(ureq::get(&serve.url("/metrics")).call()).1;
    for reason in ["head_too_large", "malformed", "head_timeout", "idle"] {
        let expected = format!("faceauth_webhook_connection_errors_total{{reason=\"{reason}\"}} 1");
        assert!(text.contains(&expected), "{expected} not in\n{text}");
    }
    let log = serve.wait_stderr("GET /metrics: 200");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("webhook serve: connection: ")).collect();
    assert_eq!(lines.len(), 3, "{log}");
    for expected in ["431 head_too_large (", "400 malformed (", "closed head_timeout ("] {
        assert!(lines.iter().any(|l| l.contains(expected)), "{expected} not in\n{log}");
    }
    assert!(!log.contains("secret"), "{log}");
}
