//! A small HTTP/1.1 server side: request heads, bodies by `Content-Length`, and responses that
//! always carry `Content-Length`.

use std::borrow::Cow;
use std::io::{self, BufRead, Read, Write};

use percent_encoding::percent_decode;
use serde_json::Value;

/// The most bytes a request line plus headers may take, unless the server is told otherwise.
pub(crate) const HEAD_LIMIT: usize = 64 * 1024;

/// The request line and headers of one request.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (without `?`), still percent-encoded.
    pub query: String,
    /// An HTTP/1.0 request (closes after the answer unless it asks for keep-alive).
    pub http10: bool,
    /// Headers with lowercase names, in order.
    pub headers: Vec<(String, String)>,
}

/// Why no request head could be read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The connection ended (or failed) between requests or mid-head: close quietly.
    Closed,
    /// Not HTTP: answer 400 and close.
    Malformed(&'static str),
    /// More bytes than the head limit: answer 431 and close.
    TooLarge,
    /// The client was too slow (a read timed out, or the request's deadline passed): answer
    /// 408 and close.
    TimedOut,
}

/// Whether an I/O error is a read timeout (`WouldBlock` is how Unix reports one).
pub(crate) fn is_timeout(err: &io::Error) -> bool {
    matches!(err.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

/// How the body of a request is framed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyLength {
    Length(usize),
    /// `Transfer-Encoding` is not supported: answer 411 and close.
    Unsupported,
    /// A malformed or conflicting `Content-Length`: answer 400 and close.
    Invalid,
}

impl Head {
    /// The first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection closed after this answer.
    pub fn wants_close(&self) -> bool {
        let tokens = || {
            self.headers
                .iter()
                .filter(|(n, _)| n == "connection")
                .flat_map(|(_, v)| v.split(','))
                .map(str::trim)
        };
        if self.http10 {
            !tokens().any(|t| t.eq_ignore_ascii_case("keep-alive"))
        } else {
            tokens().any(|t| t.eq_ignore_ascii_case("close"))
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        !self.http10 && self.header("expect").is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }

    /// The body length this request announces.
    pub fn body_length(&self) -> BodyLength {
        if self.headers.iter().any(|(n, _)| n == "transfer-encoding") {
            return BodyLength::Unsupported;
        }
        let mut length = None;
        for (_, value) in self.headers.iter().filter(|(n, _)| n == "content-length") {
            for part in value.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return BodyLength::Invalid;
                }
                // A length too big for usize is certainly over any limit.
                let n = part.parse::<usize>().unwrap_or(usize::MAX);
                if length.is_some_and(|l| l != n) {
                    return BodyLength::Invalid;
                }
                length = Some(n);
            }
        }
        BodyLength::Length(length.unwrap_or(0))
    }

    /// The decoded value of the first query parameter named `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query).find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// The decoded `name=value` pairs of a query string (`+` is a space).
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_component(name), decode_component(value))
    })
}

fn decode_component(text: &str) -> String {
    let spaced: Cow<'_, str> =
        if text.contains('+') { Cow::Owned(text.replace('+', " ")) } else { text.into() };
    percent_decode(spaced.as_bytes()).decode_utf8_lossy().into_owned()
}

/// Reads one line (up to `\n`) into `line`, counting it against `budget`.
fn read_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>, budget: &mut usize) -> Result<(), HeadError> {
    line.clear();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.by_ref().take(limit).read_until(b'\n', line).map_err(|e| {
        if is_timeout(&e) {
            HeadError::TimedOut
        } else {
            HeadError::Closed
        }
    })?;
    if line.last() != Some(&b'\n') {
        return Err(if n > *budget { HeadError::TooLarge } else { HeadError::Closed });
    }
    if n > *budget {
        return Err(HeadError::TooLarge);
    }
    *budget -= n;
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(())
}

fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Reads the request line and headers of the next request, at most `limit` bytes of them.
pub(crate) fn read_head<R: BufRead>(reader: &mut R, limit: usize) -> Result<Head, HeadError> {
    let mut budget = limit;
    let mut line = Vec::with_capacity(256);
    // Empty lines before a request line are ignored (RFC 9112 section 2.2).
    loop {
        read_line(reader, &mut line, &mut budget)?;
        if !line.is_empty() {
            break;
        }
    }
    let request_line = std::str::from_utf8(&line).map_err(|_| HeadError::Malformed("request line"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("request line"));
    };
    if !is_token(method) {
        return Err(HeadError::Malformed("method"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(HeadError::Malformed("version")),
    };
    // Absolute form (`http://host/path`) is allowed: keep the path.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(HeadError::Malformed("target"));
    }
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut head = Head {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        http10,
        headers: Vec::new(),
    };
    loop {
        read_line(reader, &mut line, &mut budget)?;
        if line.is_empty() {
            return Ok(head);
        }
        if head.headers.len() >= 200 {
            return Err(HeadError::TooLarge);
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(HeadError::Malformed("obsolete header folding"));
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(HeadError::Malformed("header"))?;
        let name = std::str::from_utf8(&line[..colon]).map_err(|_| HeadError::Malformed("header name"))?;
        if !is_token(name) {
            return Err(HeadError::Malformed("header name"));
        }
        let value = String::from_utf8_lossy(&line[colon + 1..]).trim().to_owned();
        head.headers.push((name.to_ascii_lowercase(), value));
    }
}

/// Reads exactly `len` body bytes.
pub(crate) fn read_body<R: Read>(reader: &mut R, len: usize) -> io::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(len.min(1 << 20));
    let got = reader.take(u64::try_from(len).unwrap_or(u64::MAX)).read_to_end(&mut body)?;
    if got != len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "body shorter than Content-Length"));
    }
    Ok(body)
}

/// One answer.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: Cow<'static, str>,
    pub body: Vec<u8>,
    /// Close the connection after this answer.
    pub close: bool,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            content_type: "application/json".into(),
            body: body.to_string().into_bytes(),
            close: false,
        }
    }

    /// A plain-text answer.
    pub fn text(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.into_bytes(),
            close: false,
        }
    }

    /// `{"message": message}`, the gateway's error body.
    pub fn message(status: u16, message: &str) -> Response {
        Response::json(status, &serde_json::json!({ "message": message }))
    }

    /// This answer, closing the connection after it.
    pub fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    /// Writes the answer (head and body in one write).
    pub fn write_to<W: Write>(&self, mut out: W) -> io::Result<()> {
        let connection = if self.close { "close" } else { "keep-alive" };
        let mut bytes = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&self.body);
        out.write_all(&bytes)?;
        out.flush()
    }
}

/// The reason phrase of a status.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, HeadError> {
        read_head(&mut text.as_bytes(), HEAD_LIMIT)
    }

    #[test]
    fn reads_a_head() {
        let h = head("\r\nGET /faceauth?authId=a%2Bb+c HTTP/1.1\r\nHost: x\r\nX-Api-Key:  k \r\n\r\n")
            .expect("head");
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/faceauth"));
        assert_eq!(h.query_param("authId").as_deref(), Some("a+b c"));
        assert_eq!(h.header("x-api-key"), Some("k"));
        assert!(!h.wants_close());
        assert_eq!(h.body_length(), BodyLength::Length(0));
    }

    #[test]
    fn rejects_bad_heads() {
        assert!(matches!(head("garbage\r\n\r\n"), Err(HeadError::Malformed(_))));
        assert!(matches!(head("GET / HTTP/2.0\r\n\r\n"), Err(HeadError::Malformed(_))));
        assert!(matches!(head("GET / HTTP/1.1\r\nno colon\r\n\r\n"), Err(HeadError::Malformed(_))));
        assert!(matches!(head(""), Err(HeadError::Closed)));
        assert!(matches!(head("GET / HTTP/1.1\r\nHost"), Err(HeadError::Closed)));
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert!(matches!(head(&big), Err(HeadError::TooLarge)));
    }

    #[test]
    fn never_panics_on_cut_or_random_heads() {
        let text = b"\r\nPOST http://h/x?a=%zz&b HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
        for end in 0..text.len() {
            for part in [&text[..end], &text[end..]] {
                if let Ok(head) = read_head(&mut &part[..], HEAD_LIMIT) {
                    let _ = (head.body_length(), head.wants_close(), head.query_param("a"));
                }
            }
        }
        let mut rng = crate::faults::SplitMix64::new(5);
        for _ in 0..2000 {
            let len = (rng.next_u64() % 80) as usize;
            let alphabet = b"GET /?%=&\r\n: HTP1.0\xff";
            let junk: Vec<u8> =
                (0..len).map(|_| alphabet[rng.next_u64() as usize % alphabet.len()]).collect();
            let _ = read_head(&mut junk.as_slice(), HEAD_LIMIT).map(|h| h.query_param("x"));
        }
    }

    #[test]
    fn body_framing() {
        let h = head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").expect("head");
        assert_eq!(h.body_length(), BodyLength::Unsupported);
        let h = head("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n").expect("head");
        assert_eq!(h.body_length(), BodyLength::Invalid);
        let h = head("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").expect("head");
        assert_eq!(h.body_length(), BodyLength::Invalid);
        let h = head("POST / HTTP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n").expect("head");
        assert_eq!(h.body_length(), BodyLength::Length(usize::MAX));
        assert!(h.wants_close());
    }
}
