//! The simulator's view of a request (method, path, query, headers, as hyper parsed them) and
//! its answers, which always carry `Content-Length` and say whether the connection stays open.

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode, Version};
use http_body_util::Full;
use percent_encoding::percent_decode;
use serde_json::Value;

/// A mutex's data, even after a thread panicked while holding it (the state stays usable).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The request line and headers of one request.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (without `?`), still percent-encoded.
    pub query: String,
    /// Headers with lowercase names, in order (values that are not text are left out).
    pub headers: Vec<(String, String)>,
    /// The client asked to close the connection after the answer (`Connection: close`, or an
    /// HTTP/1.0 request without `keep-alive`).
    pub wants_close: bool,
}

impl Head {
    /// The request as hyper read it.
    pub fn of(parts: &axum::http::request::Parts) -> Head {
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        let connection = |token: &str| {
            parts.headers.get_all(header::CONNECTION).iter().any(|value| {
                value.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            })
        };
        let wants_close =
            if parts.version == Version::HTTP_10 { !connection("keep-alive") } else { connection("close") };
        Head {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers,
            wants_close,
        }
    }

    /// The first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
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

    /// The answer for hyper, which writes its head and body together.
    pub fn into_http(self) -> axum::http::Response<Full<Bytes>> {
        let mut response = axum::http::Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        let connection = if self.close { "close" } else { "keep-alive" };
        headers.insert(header::CONNECTION, HeaderValue::from_static(connection));
        response
    }
}

/// The reason phrase of a status.
pub(crate) fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown")
}
