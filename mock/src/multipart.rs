//! `multipart/form-data` bodies (RFC 7578), as `POST /faceauth` receives them.

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
pub(crate) struct ParseError(pub &'static str);

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let mime = params.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim().eq_ignore_ascii_case("boundary").then(|| unquote(value.trim()))
        })
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_owned(),
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// Splits a body into its parts.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, ParseError> {
    let delimiter = format!("--{boundary}").into_bytes();
    // The first delimiter may follow a preamble; later ones follow CRLF.
    let mut at = find(body, &delimiter, 0).ok_or(ParseError("no boundary"))?;
    if at != 0 && at.checked_sub(2).and_then(|start| body.get(start..at)) != Some(b"\r\n") {
        return Err(ParseError("no boundary"));
    }
    let mut next_delimiter = b"\r\n".to_vec();
    next_delimiter.extend_from_slice(&delimiter);
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(parts);
        }
        // Transport padding (spaces, tabs) may follow a delimiter.
        while matches!(body.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if body.get(at..at + 2) != Some(b"\r\n") {
            return Err(ParseError("bad delimiter line"));
        }
        at += 2;
        // A part with no headers at all has its blank line right away.
        let (headers, data_start) = if body.get(at..at + 2) == Some(b"\r\n") {
            (&body[at..at], at + 2)
        } else {
            let head_end = find(body, b"\r\n\r\n", at).ok_or(ParseError("part without headers end"))?;
            (&body[at..head_end], head_end + 4)
        };
        let end =
            next_delimiter_at(body, &next_delimiter, data_start).ok_or(ParseError("unterminated part"))?;
        parts.push(part(headers, body[data_start..end].to_vec())?);
        at = end + 2;
    }
}

/// The next `CRLF--boundary` that really ends a part: followed by `--` (the last one) or by
/// optional padding and CRLF. Other matches are content (`--boundaryX` is not a delimiter).
fn next_delimiter_at(body: &[u8], delimiter: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = find(body, delimiter, from)?;
        let mut after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Some(at);
        }
        while matches!(body.get(after), Some(b' ' | b'\t')) {
            after += 1;
        }
        if body.get(after..after + 2) == Some(b"\r\n") {
            return Some(at);
        }
        from = at + 1;
    }
}

fn part(headers: &[u8], data: Vec<u8>) -> Result<Part, ParseError> {
    let headers = std::str::from_utf8(headers).map_err(|_| ParseError("part headers not UTF-8"))?;
    let (mut name, mut filename, mut content_type) = (None, None, None);
    for line in headers.split("\r\n") {
        let (header, value) = line.split_once(':').ok_or(ParseError("bad part header"))?;
        let header = header.trim();
        if header.eq_ignore_ascii_case("content-disposition") {
            let mut params = split_params(value);
            if !params.next().is_some_and(|d| d.trim().eq_ignore_ascii_case("form-data")) {
                return Err(ParseError("not form-data"));
            }
            for param in params {
                let Some((key, value)) = param.split_once('=') else { continue };
                match key.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(unquote(value.trim())),
                    "filename" => filename = Some(unquote(value.trim())),
                    _ => {}
                }
            }
        } else if header.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let name = name.ok_or(ParseError("part without a name"))?;
    Ok(Part { name, filename, content_type, data })
}

/// Splits `a; b="x;y"; c` at the semicolons outside quotes.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_binary_files() {
        let mut body =
            b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"submissionId\"\r\n\r\nsub-1\r\n"
                .to_vec();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"a;b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
        );
        let image = [0xff, 0xd8, 0xff, 0x00, b'\r', b'\n', b'-', b'-', b'X', b'y', b'Z', b'Z', 0x0d, 0x0a];
        body.extend_from_slice(&image);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let parts = parse(&body, "XyZ").expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("submissionId", &b"sub-1"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("a;b.jpg"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(parts[1].data, image);
    }

    #[test]
    fn finds_the_boundary() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("Multipart/Form-Data;charset=x; boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn never_panics_on_cut_or_random_bodies() {
        let body = b"x\r\n--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\nContent-Type: t\r\n\r\n\r\n--bb\r\n--b--";
        assert!(parse(body, "b").is_ok());
        for end in 0..body.len() {
            let _ = parse(&body[..end], "b");
            let _ = parse(&body[end..], "b");
        }
        let mut rng = crate::faults::SplitMix64::new(3);
        for _ in 0..2000 {
            let len = (rng.next_u64() % 64) as usize;
            let alphabet = b"-b\r\n:;\"= xa";
            let junk: Vec<u8> =
                (0..len).map(|_| alphabet[rng.next_u64() as usize % alphabet.len()]).collect();
            let _ = parse(&junk, "b");
        }
    }

    #[test]
    fn rejects_broken_bodies() {
        assert!(parse(b"", "b").is_err());
        assert!(parse(b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end", "b").is_err());
        assert!(parse(b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--", "b").is_err());
        assert!(parse(b"--bx", "b").is_err());
        assert!(parse(b"x--b\r\n", "b").is_err());
        assert_eq!(parse(b"--b--", "b"), Ok(Vec::new()));
    }
}
