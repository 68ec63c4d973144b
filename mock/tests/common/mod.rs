//! Helpers shared by the simulator's tests: a small HTTP client over ureq, raw TCP exchanges,
//! multipart bodies and a webhook receiver.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use faceauth_mock::{MockConfig, MockServer, SeedSubmission};
use serde_json::Value;

pub const KEY: &str = "mock-api-key";
pub const SID: &str = "sub-approved";
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A config with one approved and one rejected submission.
pub fn config() -> MockConfig {
    MockConfig {
        submissions: vec![
            SeedSubmission { id: SID.into(), status: "approved".into(), user_id: Some("user-1".into()) },
            SeedSubmission { id: "sub-rejected".into(), status: "rejected".into(), user_id: None },
        ],
        ..MockConfig::default()
    }
}

pub fn start(config: MockConfig) -> MockServer {
    MockServer::start(config).expect("the mock starts")
}

/// An answer: status, content type, body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// An agent that gives up after [`TIMEOUT`], reads no proxy from the environment and returns
/// every status as an answer.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .proxy(None)
        .http_status_as_error(false)
        .build()
        .into()
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = result.unwrap_or_else(|e| panic!("transport error: {e}"));
    let status = response.status().as_u16();
    let content_type =
        (response.headers().get("content-type")).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = response.body_mut().read_to_string().expect("a text body");
    Answer { status, content_type, body }
}

/// A request with the API key.
pub fn call(server: &MockServer, method: &str, path: &str, body: Option<(&str, &[u8])>) -> Answer {
    call_with(server, method, path, Some(KEY), body)
}

/// A request with an optional API key and an optional (content type, body).
pub fn call_with(
    server: &MockServer,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Answer {
    let mut request =
        ureq::http::Request::builder().method(method).uri(format!("{}{path}", server.base_url()));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    answer(match body {
        Some((content_type, bytes)) => {
            agent().run(request.header("Content-Type", content_type).body(bytes).expect("a request"))
        }
        // POST, PUT and PATCH without a body send an empty one (Content-Length: 0), as ureq 2 did.
        None if matches!(method, "POST" | "PUT" | "PATCH") => {
            agent().run(request.body(Vec::new()).expect("a request"))
        }
        None => agent().run(request.body(()).expect("a request")),
    })
}

/// A GET of a whole URL.
pub fn get_url(url: &str) -> Answer {
    answer(agent().get(url).call())
}

/// A control request (`/_mock/…`) with a JSON body.
pub fn control(server: &MockServer, method: &str, what: &str, body: Option<Value>) -> Value {
    let text = body.map(|b| b.to_string());
    let answer = call_with(
        server,
        method,
        &format!("/_mock/{what}"),
        None,
        text.as_deref().map(|t| ("application/json", t.as_bytes())),
    );
    assert_eq!(answer.status, 200, "{what}: {}", answer.body);
    answer.json()
}

pub const BOUNDARY: &str = "----faceauthTestBoundary7MA4YWxk";

/// A multipart body: text fields, then an optional file part.
pub fn multipart(fields: &[(&str, &str)], image: Option<(&[u8], &str)>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((bytes, content_type)) = image {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"face.jpg\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// `POST /faceauth` with a submission id and an image.
pub fn submit(server: &MockServer, sid: &str, image: &[u8]) -> Answer {
    let body = multipart(&[("submissionId", sid)], Some((image, "image/jpeg")));
    call(server, "POST", "/faceauth", Some((&multipart_type(), &body)))
}

/// A response read off the wire: status, headers (lowercase names), body.
pub type RawResponse = (u16, Vec<(String, String)>, Vec<u8>);

/// Reads one HTTP response from a connection: status, headers (lowercase names), body.
pub fn read_response<R: BufRead>(reader: &mut R) -> Option<RawResponse> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let len = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap_or(0));
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((status, headers, body))
}

/// A raw connection to the server.
pub fn connect(server: &MockServer) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    BufReader::new(stream)
}

/// Sends raw bytes on a fresh connection and returns the first response, if any.
pub fn raw(server: &MockServer, bytes: &[u8]) -> Option<RawResponse> {
    let mut conn = connect(server);
    conn.get_mut().write_all(bytes).expect("write");
    read_response(&mut conn)
}

/// Whether the server closed the connection (EOF) with nothing more to read.
pub fn closed<R: Read>(reader: &mut R) -> bool {
    let mut byte = [0u8; 1];
    matches!(reader.read(&mut byte), Ok(0))
}

/// A webhook receiver: its URL, and the bodies it received, in order.
pub fn webhook_receiver() -> (String, faceauth_mock::WebhookInbox) {
    let inbox = faceauth_mock::WebhookInbox::start().expect("inbox");
    (inbox.url().to_owned(), inbox)
}

/// The next webhook body, as JSON.
pub fn next_webhook(rx: &faceauth_mock::WebhookInbox) -> Value {
    let body = rx.next(TIMEOUT).expect("a webhook arrives");
    serde_json::from_slice(&body).expect("webhook JSON")
}
