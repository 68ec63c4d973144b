//! Credentials inside URLs, ledger locations and connection strings never reach a message, a
//! log line or any formatting: [`redact_credentials`] is the one rule, and every binding
//! (C's `faceauth_redact`, Go, Python, C++) calls it rather than keeping a copy.

use std::borrow::Cow;

/// What stands in for a credential.
const REDACTED: &str = "<redacted>";

/// `text` with every credential it holds replaced by `<redacted>`, for error messages, logs,
/// `Debug` output and the bindings' `repr`/`String`/`operator<<`. `text` may be a URL, a ledger
/// location, a connection string or a whole message holding any of them:
///
/// - the user-info of every `scheme://user:password@host…` (or `user@`) becomes `<redacted>@`.
///   For `postgres://` and `postgresql://` the user-info runs to the last `@` before the next
///   white space, since the PostgreSQL driver reads a `/`, `?` or `#` before an `@` as part of
///   the password; for other schemes it ends with the authority (RFC 3986);
/// - the value of every `password=…` (any key ending in `password`, in any case, such as
///   `sslpassword` or `PGPASSWORD`) becomes `<redacted>`: in a URL query (`?password=…&…`) up
///   to the next `&`, `#` or white space, in a libpq `key=value` string up to the next white
///   space, or a whole `'quoted value'`.
///
/// Text with no credential comes back borrowed and unchanged. Credentials in a URL must be
/// percent-encoded (as URLs require): a raw space in a password ends the URL here.
///
/// ```
/// use faceauth::url::redact_credentials;
/// assert_eq!(redact_credentials("https://me:s3cret@example.com/hook"), "https://<redacted>@example.com/hook");
/// assert_eq!(redact_credentials("postgres://db/ledger?password=s3cret"), "postgres://db/ledger?password=<redacted>");
/// assert_eq!(redact_credentials("host=db password='s3 cret' dbname=l"), "host=db password=<redacted> dbname=l");
/// assert_eq!(redact_credentials("http://127.0.0.1:9000/hook"), "http://127.0.0.1:9000/hook");
/// ```
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    match redact_user_info(text) {
        Cow::Borrowed(text) => redact_password_values(text),
        Cow::Owned(owned) => Cow::Owned(redact_password_values(&owned).into_owned()),
    }
}

/// Replaces the user-info of every `scheme://…@` in `text`.
fn redact_user_info(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0; // text[..copied] is in `out` already
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let separator = from + found;
        let authority_start = separator + 3;
        from = authority_start;
        // Any `…://` counts, scheme or not: better a harmless `@` hidden than a password shown.
        let scheme = scheme_before(&text[..separator]).unwrap_or_default();
        let rest = &text[authority_start..];
        let token = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        let postgres = scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql");
        let searched =
            if postgres { token } else { &token[..token.find(['/', '?', '#']).unwrap_or(token.len())] };
        // The last `@` ends the user-info (a password may itself hold `@`).
        if let Some(at) = searched.rfind('@') {
            out.push_str(&text[copied..authority_start]);
            out.push_str(REDACTED);
            copied = authority_start + at;
            from = copied;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The scheme that ends `before` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn scheme_before(before: &str) -> Option<&str> {
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_alphanumeric() || "+-.".contains(c))
        .last()
        .map(|(i, _)| i)?;
    let scheme = &before[start..];
    // A run such as `1http` is not a scheme; skip to its first letter.
    let letter = scheme.find(|c: char| c.is_ascii_alphabetic())?;
    Some(&scheme[letter..])
}

/// Replaces the value of every `…password=value` in `text`.
fn redact_password_values(text: &str) -> Cow<'_, str> {
    const KEY: &str = "password";
    let lower = text.to_ascii_lowercase(); // same byte offsets as `text`
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(KEY) {
        let key_end = from + found + KEY.len();
        from = key_end;
        // The key is the whole word that ends in `password` (`sslpassword`, `PGPASSWORD`).
        let word_start = text[..key_end - KEY.len()]
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let in_query = text[..word_start].ends_with(['?', '&']);
        let after_key = &text[key_end..];
        let spaced = after_key.trim_start_matches([' ', '\t']);
        let Some(value) = spaced.strip_prefix('=') else { continue };
        let value = value.trim_start_matches([' ', '\t']);
        let value_start = text.len() - value.len();
        let value_len = if let Some(quoted) = value.strip_prefix('\'') {
            quoted_len(quoted) + 1
        } else if in_query {
            value.find(|c: char| c.is_whitespace() || c == '&' || c == '#').unwrap_or(value.len())
        } else {
            value.find(char::is_whitespace).unwrap_or(value.len())
        };
        if value_len == 0 {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(REDACTED);
        copied = value_start + value_len;
        from = copied;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The length of a libpq quoted value after its opening `'`, closing quote included (`\'` and
/// `\\` are escapes); all of `quoted` when it is never closed.
fn quoted_len(quoted: &str) -> usize {
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => return i + 1,
            _ => {}
        }
    }
    quoted.len()
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

    #[test]
    fn every_url_in_a_message_is_redacted() {
        assert_eq!(
            redact_credentials("proxy http://u:pw@proxy:3128 said no to https://h/x and (HTTPS://v:w@h2)"),
            "proxy http://<redacted>@proxy:3128 said no to https://h/x and (HTTPS://<redacted>@h2)"
        );
        assert_eq!(
            redact_credentials("cannot open \"postgres://faceauth:pw@db/l\": refused"),
            "cannot open \"postgres://<redacted>@db/l\": refused"
        );
    }

    #[test]
    fn a_postgres_password_is_redacted_wherever_the_driver_would_read_it() {
        for (given, expected) in [
            // The driver reads the user-info up to the `@`, past `/`, `?` and `#`.
            ("postgres://u:pa/ss@db/l", "postgres://<redacted>@db/l"),
            ("postgresql://u:p?w#x@db/l", "postgresql://<redacted>@db/l"),
            ("PostgreSQL://u:pw@db/l", "PostgreSQL://<redacted>@db/l"),
            ("postgres://db:5432/l", "postgres://db:5432/l"),
        ] {
            assert_eq!(redact_credentials(given), expected, "{given}");
        }
    }

    #[test]
    fn password_values_are_redacted_in_queries_and_connection_strings() {
        for (given, expected) in [
            (
                "postgres://db/l?password=s3cret&sslmode=disable",
                "postgres://db/l?password=<redacted>&sslmode=disable",
            ),
            ("postgres://db/l?user=u&PASSWORD=s3cret", "postgres://db/l?user=u&PASSWORD=<redacted>"),
            ("postgres://db/l?sslpassword=k3y#x", "postgres://db/l?sslpassword=<redacted>#x"),
            ("host=db password=s3cr&t dbname=l", "host=db password=<redacted> dbname=l"),
            ("host=db password = s3cret", "host=db password = <redacted>"),
            ("host=db password='s3 c\\'ret' dbname=l", "host=db password=<redacted> dbname=l"),
            ("host=db password='never closed", "host=db password=<redacted>"),
            ("PGPASSWORD=s3cret psql", "PGPASSWORD=<redacted> psql"),
            ("the password is wrong", "the password is wrong"),
            ("password=", "password="),
            ("a passwordless login", "a passwordless login"),
        ] {
            assert_eq!(redact_credentials(given), expected, "{given}");
        }
    }

    #[test]
    fn odd_text_neither_panics_nor_leaks() {
        for (given, expected) in [
            ("://", "://"),
            ("://@", "://<redacted>@"),
            ("a://@", "a://<redacted>@"),
            ("password", "password"),
            ("=password=", "=password="),
            ("é://ü:ß@ø épassword=ä", "é://<redacted>@ø épassword=<redacted>"),
            ("x-é://ü:ß@ø", "x-é://<redacted>@ø"),
            ("1x://u:p@h", "1x://<redacted>@h"),
        ] {
            assert_eq!(redact_credentials(given), expected, "{given}");
        }
    }
}
