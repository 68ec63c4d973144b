use std::borrow::Cow;

use super::UrlError;
use crate::token;

/// The encrypted part of one FaceAuth URL: who is re-authenticated, and against what.
///
/// Fields borrow where they can, so building millions of URLs from a CSV copies nothing;
/// [`inspect`](super::inspect) returns owned `AuthParams<'static>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthParams<'a> {
    /// `sid`: the approved ID check submission id. Required.
    pub sid: Cow<'a, str>,
    /// `authUserId`: your id for the user.
    pub user_id: Option<Cow<'a, str>>,
    /// `authCf1`: a free extra field (an email, say).
    pub cf1: Option<Cow<'a, str>>,
    /// `authCf2`: a free extra field.
    pub cf2: Option<Cow<'a, str>>,
    /// `authCf3`: a free extra field.
    pub cf3: Option<Cow<'a, str>>,
    /// `token`: a token id that makes the URL expire (see [`crate::token`]).
    pub token: Option<Cow<'a, str>>,
}

impl<'a> AuthParams<'a> {
    /// Parameters for submission `sid`, with nothing else set.
    pub fn new(sid: impl Into<Cow<'a, str>>) -> Self {
        AuthParams { sid: sid.into(), ..AuthParams::default() }
    }

    /// Sets `authUserId`.
    pub fn user_id(mut self, user_id: impl Into<Cow<'a, str>>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets `authCf1`.
    pub fn cf1(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.cf1 = Some(value.into());
        self
    }

    /// Sets `authCf2`.
    pub fn cf2(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.cf2 = Some(value.into());
        self
    }

    /// Sets `authCf3`.
    pub fn cf3(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.cf3 = Some(value.into());
        self
    }

    /// Sets `token`.
    pub fn token(mut self, token: impl Into<Cow<'a, str>>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The fields by their payload key (`sid`, `authUserId`, `authCf1`…`authCf3`, `token`), in
    /// the spec's order; `sid` first and always `Some`.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 6] {
        [
            ("sid", Some(&*self.sid)),
            ("authUserId", self.user_id.as_deref()),
            ("authCf1", self.cf1.as_deref()),
            ("authCf2", self.cf2.as_deref()),
            ("authCf3", self.cf3.as_deref()),
            ("token", self.token.as_deref()),
        ]
    }

    /// Checks every field: `sid` present and non-empty, no control characters, a valid token.
    ///
    /// # Errors
    /// The first problem found, as a [`UrlError`].
    pub fn validate(&self) -> Result<(), UrlError> {
        for (field, value) in self.fields() {
            if let Some(value) = value {
                check_text(field, value)?;
            }
        }
        if let Some(token) = &self.token {
            token::validate(token)?;
        }
        Ok(())
    }

    /// Appends the compact JSON payload, keys in the spec's order, to `out`: the plain
    /// reference the tests hold [`AuthParams::write_checked_json`] to.
    #[cfg(test)]
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (key, value) in self.fields() {
            let Some(value) = value else { continue };
            if out.len() > 1 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            write_json_string(value, out);
        }
        out.push(b'}');
    }
}

/// What goes before each field's value in the payload, in [`AuthParams::fields`] order, padded
/// to 16 bytes (stored whole), with its length: `sid` is always there, so it opens the object,
/// and every other key closes the value before it.
static KEY_PREFIXES: [([u8; 16], usize); 6] = [
    padded(b"{\"sid\":\""),
    padded(b"\",\"authUserId\":\""),
    padded(b"\",\"authCf1\":\""),
    padded(b"\",\"authCf2\":\""),
    padded(b"\",\"authCf3\":\""),
    padded(b"\",\"token\":\""),
];

const fn padded(prefix: &[u8]) -> ([u8; 16], usize) {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < prefix.len() {
        out[i] = prefix[i];
        i += 1;
    }
    (out, prefix.len())
}

impl AuthParams<'_> {
    /// A buffer length that [`AuthParams::write_checked_json`] always has room in: each key
    /// as a 16-byte store, every byte of a value escaped as `\"` or `\\` (the only escapes a
    /// value can need: control characters are refused before a value is escaped), and a word of
    /// slack per value for its last store.
    pub(crate) fn json_bound(&self) -> usize {
        let bound = |value: &Option<Cow<'_, str>>| value.as_ref().map_or(0, |v| 16 + 8 + 2 * v.len());
        16 + 8
            + 2 * self.sid.len()
            + bound(&self.user_id)
            + bound(&self.cf1)
            + bound(&self.cf2)
            + bound(&self.cf3)
            + bound(&self.token)
            + 2
    }

    /// Checks every field as [`AuthParams::validate`] does and writes the compact JSON payload
    /// (as [`AuthParams::write_json`]) at the start of `buf`, in one pass over each value;
    /// returns its length; [`JsonError::NoRoom`] if it may not fit `buf`, which never happens
    /// with [`AuthParams::json_bound`] bytes.
    ///
    /// Each value is copied a word (8 bytes) at a time while the same words are checked for a
    /// byte that needs a closer look (a control character's, `"` or `\`); a value with one
    /// (rare) is checked and written again the slow way.
    pub(crate) fn write_checked_json(&self, buf: &mut [u8]) -> Result<usize, JsonError> {
        // Field by field, without an array of them: this runs for every URL.
        let mut at = write_field(buf, 0, 0, "sid", &self.sid)?;
        if let Some(value) = &self.user_id {
            at = write_field(buf, at, 1, "authUserId", value)?;
        }
        if let Some(value) = &self.cf1 {
            at = write_field(buf, at, 2, "authCf1", value)?;
        }
        if let Some(value) = &self.cf2 {
            at = write_field(buf, at, 3, "authCf2", value)?;
        }
        if let Some(value) = &self.cf3 {
            at = write_field(buf, at, 4, "authCf3", value)?;
        }
        if let Some(token) = &self.token {
            if token::validate(token).is_ok() {
                // Letters, digits, `.`, `_` and `-` only: nothing to check or escape.
                at = write_plain(buf, at, 5, token)?;
            } else {
                // The errors in the order `validate` gives them: a control character first.
                at = write_field(buf, at, 5, "token", token)?;
                token::validate(token)?;
            }
        }
        let Some(end) = buf.get_mut(at..at + 2) else {
            return Err(JsonError::NoRoom);
        };
        end.copy_from_slice(b"\"}");
        Ok(at + 2)
    }
}

/// Why [`AuthParams::write_checked_json`] stopped.
#[derive(Debug)]
pub(crate) enum JsonError {
    /// A field is not valid, as [`AuthParams::validate`] says.
    Invalid(UrlError),
    /// The payload may not fit the buffer: try one of [`AuthParams::json_bound`] bytes.
    NoRoom,
}

impl From<UrlError> for JsonError {
    fn from(error: UrlError) -> JsonError {
        JsonError::Invalid(error)
    }
}

impl From<token::TokenError> for JsonError {
    fn from(error: token::TokenError) -> JsonError {
        JsonError::Invalid(error.into())
    }
}

/// Writes field `index`'s key prefix and its checked value at `buf[at..]`; returns the new end.
#[inline(always)]
fn write_field(
    buf: &mut [u8],
    at: usize,
    index: usize,
    field: &'static str,
    value: &str,
) -> Result<usize, JsonError> {
    if value.is_empty() {
        return Err(UrlError::EmptyField { field }.into());
    }
    // The key's 16-byte store, the value with every byte escaped (`\"` or `\\`: a value with a
    // control character is refused before it is escaped), and a word of slack for the last store.
    let room = 16 + 2 * value.len() + 8;
    let Some(window) = buf.get_mut(at..).and_then(|rest| rest.get_mut(..room)) else {
        return Err(JsonError::NoRoom);
    };
    let (prefix, len) = &KEY_PREFIXES[index];
    window[..16].copy_from_slice(prefix);
    if copy_words(value.as_bytes(), window, *len) {
        return Ok(at + len + value.len());
    }
    check_text(field, value)?;
    let mut escaped = Vec::with_capacity(value.len() + 16);
    write_json_string(value, &mut escaped);
    // Without its quotes: the prefixes hold them.
    let inner = &escaped[1..escaped.len() - 1];
    window[*len..len + inner.len()].copy_from_slice(inner);
    Ok(at + len + inner.len())
}

/// Writes field `index`'s key prefix and `value`, which needs no check and no escape, at
/// `buf[at..]`; returns the new end.
#[inline(always)]
fn write_plain(buf: &mut [u8], at: usize, index: usize, value: &str) -> Result<usize, JsonError> {
    let room = 16 + value.len() + 8;
    let Some(window) = buf.get_mut(at..).and_then(|rest| rest.get_mut(..room)) else {
        return Err(JsonError::NoRoom);
    };
    let (prefix, len) = &KEY_PREFIXES[index];
    window[..16].copy_from_slice(prefix);
    let (src, dst) = (value.as_bytes(), &mut window[*len..]);
    let n = src.len();
    if n >= 8 {
        // Word by word, the last word overlapping the one before: no call to copy a few bytes.
        let mut i = 0;
        while i + 8 < n {
            dst[i..i + 8].copy_from_slice(&src[i..i + 8]);
            i += 8;
        }
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else {
        dst[..n].copy_from_slice(src);
    }
    Ok(at + len + n)
}

/// Copies `src` into `buf` at `at` a word at a time (it may write up to 7 bytes past the end of
/// `src`'s copy, which `buf` has room for), and says whether no byte of it needs escaping in
/// JSON or may start a control character: none below 0x20, `"`, `\`, DEL or 0xC2 (the lead
/// byte of U+0080–U+00BF, where the C1 controls are).
#[inline(always)]
fn copy_words(src: &[u8], buf: &mut [u8], at: usize) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // Nonzero when some byte of `w` is below 0x20, `"`, `\`, DEL or 0xC2 (exact as a yes/no):
    // `(v - ONES) & !v & HIGH` finds a zero byte of `v`, here `w` XOR each byte looked for; the
    // `!v & HIGH` of those is `!w & HIGH` (0xC2's: `w & HIGH`), so the tests share it.
    let special = |w: u64| {
        let below = w.wrapping_sub(ONES * 0x20)
            | (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES)
            | (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES)
            | (w ^ (ONES * 0x7f)).wrapping_sub(ONES);
        (below & !w | (w ^ (ONES * 0xc2)).wrapping_sub(ONES) & w) & HIGH
    };
    let load = |bytes: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(bytes).unwrap_or([0; 8]));
    let load4 = |bytes: &[u8]| u32::from_le_bytes(<[u8; 4]>::try_from(bytes).unwrap_or([0; 4]));
    let n = src.len();
    let dst = &mut buf[at..at + n + 8];
    // Most values are short: 8–16 bytes are two words that may overlap, 1–7 bytes two 4-byte
    // loads (or the bytes one by one), without a loop (whose set-up, vectorised, cost more than
    // a short value's copy) or a call to copy a few bytes.
    let found = if n > 16 {
        let mut found = 0;
        let mut i = 0;
        while i + 8 <= n {
            let w = load(&src[i..i + 8]);
            found |= special(w);
            dst[i..i + 8].copy_from_slice(&w.to_le_bytes());
            i += 8;
        }
        // The last 8 bytes, overlapping words already copied.
        let w = load(&src[n - 8..]);
        dst[n - 8..n].copy_from_slice(&w.to_le_bytes());
        found | special(w)
    } else if n >= 8 {
        let (first, last) = (load(&src[..8]), load(&src[n - 8..]));
        dst[..8].copy_from_slice(&first.to_le_bytes());
        dst[n - 8..n].copy_from_slice(&last.to_le_bytes());
        // Both words as one `u128`: the same test, exact over 16 bytes, in scalar pairs of
        // instructions (as two `u64` tests, the compiler vectorised them, at a loss).
        const ONES2: u128 = (ONES as u128) << 64 | ONES as u128;
        let w = u128::from(first) | u128::from(last) << 64;
        let below = w.wrapping_sub(ONES2 * 0x20)
            | (w ^ (ONES2 * u128::from(b'"'))).wrapping_sub(ONES2)
            | (w ^ (ONES2 * u128::from(b'\\'))).wrapping_sub(ONES2)
            | (w ^ (ONES2 * 0x7f)).wrapping_sub(ONES2);
        let found = (below & !w | (w ^ (ONES2 * 0xc2)).wrapping_sub(ONES2) & w) & (ONES2 * 0x80);
        u64::from(found != 0)
    } else if n >= 4 {
        let (lo, hi) = (load4(&src[..4]), load4(&src[n - 4..]));
        dst[..4].copy_from_slice(&lo.to_le_bytes());
        dst[n - 4..n].copy_from_slice(&hi.to_le_bytes());
        special(u64::from(lo) | u64::from(hi) << 32)
    } else if n > 0 {
        let (first, middle, last) = (src[0], src[n / 2], src[n - 1]);
        dst[0] = first;
        dst[n / 2] = middle;
        dst[n - 1] = last;
        special(u64::from_le_bytes([first, middle, last, first, middle, last, first, last]))
    } else {
        0
    };
    found == 0
}

/// Checks that a field is non-empty and free of control characters.
pub(crate) fn check_text(field: &'static str, value: &str) -> Result<(), UrlError> {
    if value.is_empty() {
        return Err(UrlError::EmptyField { field });
    }
    // Control characters are C0, DEL, and C1 (U+0080–U+009F, UTF-8 lead byte 0xC2): text
    // without those bytes never leaves this fast check. `fold` (no early exit) vectorises.
    let suspect = value.bytes().fold(false, |seen, b| seen | (b < 0x20) | (b == 0x7f) | (b == 0xc2));
    if !suspect {
        return Ok(());
    }
    match value.chars().position(char::is_control) {
        Some(position) => Err(UrlError::ControlCharacter { field, position }),
        None => Ok(()),
    }
}

/// Writes `value` as a JSON string, escaping as `serde_json` does (non-ASCII stays UTF-8).
fn write_json_string(value: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = value.as_bytes();
    // Most values need no escape; `fold` (no early exit) vectorises this check.
    if !bytes.iter().fold(false, |seen, &b| seen | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0x0f)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json(params: &AuthParams<'_>) -> String {
        let mut out = Vec::new();
        params.write_json(&mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn payload_keys_follow_the_spec_order() {
        let params = AuthParams::new("abc123xyz").token("tok_abc12345").user_id("user-1");
        assert_eq!(json(&params), r#"{"sid":"abc123xyz","authUserId":"user-1","token":"tok_abc12345"}"#);
        let all = AuthParams::new("s").user_id("u").cf1("1").cf2("2").cf3("3").token("tok_12345678");
        assert_eq!(
            json(&all),
            r#"{"sid":"s","authUserId":"u","authCf1":"1","authCf2":"2","authCf3":"3","token":"tok_12345678"}"#
        );
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(AuthParams::new("").validate(), Err(UrlError::EmptyField { field: "sid" }));
        assert_eq!(
            AuthParams::new("s").cf2("a\u{85}b").validate(),
            Err(UrlError::ControlCharacter { field: "authCf2", position: 1 })
        );
        assert_eq!(
            AuthParams::new("s").user_id("x\ty").validate(),
            Err(UrlError::ControlCharacter { field: "authUserId", position: 1 })
        );
        assert_eq!(
            AuthParams::new("s").user_id("").validate(),
            Err(UrlError::EmptyField { field: "authUserId" })
        );
        assert!(matches!(AuthParams::new("s").token("bad token").validate(), Err(UrlError::Token(_))));
        assert_eq!(AuthParams::new("s").cf1("ü ¡ 한 🔑 \u{a0}").validate(), Ok(()));
    }

    proptest! {
        #[test]
        fn payload_json_matches_serde_json(sid in "\\PC*", user in proptest::option::of(".*"), cf in "[\\x00-\\x7f]*") {
            let params = AuthParams { sid: sid.clone().into(), user_id: user.clone().map(Into::into), cf3: Some(cf.clone().into()), ..AuthParams::default() };
            let quote = |s: &str| serde_json::to_string(s).expect("serializes");
            let expected = match &user {
                Some(user) => format!(r#"{{"sid":{},"authUserId":{},"authCf3":{}}}"#, quote(&sid), quote(user), quote(&cf)),
                None => format!(r#"{{"sid":{},"authCf3":{}}}"#, quote(&sid), quote(&cf)),
            };
            prop_assert_eq!(json(&params), expected);
        }

        #[test]
        fn control_check_agrees_with_char_is_control(text in ".+") {
            let expected = text.chars().position(char::is_control);
            let got = match check_text("sid", &text) {
                Ok(()) => None,
                Err(UrlError::ControlCharacter { position, .. }) => Some(position),
                Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
            };
            prop_assert_eq!(got, expected);
        }
    }
}
