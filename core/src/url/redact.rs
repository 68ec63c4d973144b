//! Credentials inside URLs (`scheme://user:password@host/…`) never reach a message.

use std::borrow::Cow;

/// What stands in for the user-info part of a URL.
const REDACTED: &str = "<redacted>";

/// `url` with any `user:password@` (or `user@`) part of its authority replaced by `<redacted>@`,
/// for error messages, logs and `Debug` output. Text that is not an absolute URL, or has no
/// user-info, comes back borrowed and unchanged.
///
/// ```
/// use faceauth::url::redact_credentials;
/// assert_eq!(redact_credentials("https://me:s3cret@example.com/hook"), "https://<redacted>@example.com/hook");
/// assert_eq!(redact_credentials("http://127.0.0.1:9000/hook"), "http://127.0.0.1:9000/hook");
/// ```
pub fn redact_credentials(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else { return Cow::Borrowed(url) };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // The last `@` of the authority ends the user-info (a password may itself hold `@`).
    match rest[..authority_len].rfind('@') {
        Some(at) => Cow::Owned(format!("{}{REDACTED}{}", &url[..authority_start], &rest[at..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_credentials;

    #[test]
    fn user_info_is_replaced_and_the_rest_kept() {
        for (given, expected) in [
            ("https://me:pw@h.example/x?y=1", "https://<redacted>@h.example/x?y=1"),
            ("http://only-user@127.0.0.1:8080", "http://<redacted>@127.0.0.1:8080"),
            ("https://a:p@ss@h.example/", "https://<redacted>@h.example/"),
            ("postgres://u:secret@db:5432/ledger", "postgres://<redacted>@db:5432/ledger"),
            ("https://h.example/path@not-user-info", "https://h.example/path@not-user-info"),
            ("https://h.example/?q=a@b", "https://h.example/?q=a@b"),
            ("not a url with @ in it", "not a url with @ in it"),
            ("", ""),
        ] {
            assert_eq!(redact_credentials(given), expected, "{given}");
        }
    }
}
