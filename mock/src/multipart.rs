//! `multipart/form-data` bodies (RFC 7578), as `POST /faceauth` receives them, read with axum's
//! multipart extractor.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request};
use axum::http::header;
use tower::{Layer, ServiceExt};

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Part {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename`, for file parts.
    pub filename: Option<String>,
    /// Its `Content-Type`, if given.
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The body is not a multipart form.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParseError;

/// Splits a body of `content_type` into its parts. The body was read whole within the
/// server's own limit, so axum's default limit on extracted bodies does not apply.
pub(crate) async fn parse(content_type: Option<&str>, body: Vec<u8>) -> Result<Vec<Part>, ParseError> {
    let content_type = content_type.ok_or(ParseError)?;
    let request = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .map_err(|_| ParseError)?;
    let read =
        tower::service_fn(|request: Request| async move { Ok::<_, Infallible>(read_parts(request).await) });
    match DefaultBodyLimit::disable().layer(read).oneshot(request).await {
        Ok(parts) => parts,
        Err(never) => match never {},
    }
}

async fn read_parts(request: Request) -> Result<Vec<Part>, ParseError> {
    let mut form = Multipart::from_request(request, &()).await.map_err(|_| ParseError)?;
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| ParseError)? {
        let name = field.name().ok_or(ParseError)?.to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| ParseError)?.to_vec();
        parts.push(Part { name, filename, content_type, data });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_now(content_type: &str, body: &[u8]) -> Result<Vec<Part>, ParseError> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(parse(Some(content_type), body.to_vec()))
    }

    #[test]
    fn parses_fields_and_binary_files() {
        let mut body =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"submissionId\"\r\n\r\nsub-1\r\n".to_vec();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"a;b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
        );
        let image = [0xff, 0xd8, 0xff, 0x00, b'\r', b'\n', b'-', b'-', b'X', b'y', 0x0d, 0x0a];
        body.extend_from_slice(&image);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let parts = parse_now("multipart/form-data; boundary=XyZ", &body).expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("submissionId", &b"sub-1"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("a;b.jpg"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(parts[1].data, image);
    }

    #[test]
    fn never_panics_on_cut_or_random_bodies() {
        let body = b"x\r\n--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\nContent-Type: t\r\n\r\n\r\n--bb\r\n--b--";
        for end in 0..body.len() {
            let _ = parse_now("multipart/form-data; boundary=b", &body[..end]);
            let _ = parse_now("multipart/form-data; boundary=b", &body[end..]);
        }
        let mut rng = crate::faults::SplitMix64::new(3);
        for _ in 0..500 {
            let len = (rng.next_u64() % 64) as usize;
            let alphabet = b"-b\r\n:;\"= xa";
            let junk: Vec<u8> =
                (0..len).map(|_| alphabet[rng.next_u64() as usize % alphabet.len()]).collect();
            let _ = parse_now("multipart/form-data; boundary=b", &junk);
        }
    }

    #[test]
    fn rejects_broken_bodies_and_other_types() {
        let form = "multipart/form-data; boundary=b";
        assert!(parse_now(form, b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end").is_err());
        assert!(parse_now(form, b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--").is_err());
        assert!(parse_now("application/json", b"{}").is_err());
        assert!(parse_now("multipart/form-data", b"--b--").is_err());
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        assert!(runtime.block_on(parse(None, b"--b--".to_vec())).is_err());
    }
}
