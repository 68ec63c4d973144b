use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::{AuthParams, UrlError, PAGE_PATH};
use crate::crypto::{Cipher, Normalization};

/// A FaceAuth URL taken apart: what travels in clear, and the decrypted parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Everything before `/face-auth?` (or before `?` when the path differs).
    pub base_url: String,
    /// The project id, in clear in the URL.
    pub pid: String,
    /// The page language, if the URL sets one.
    pub lang: Option<String>,
    /// The decrypted parameters.
    pub params: AuthParams<'static>,
    /// Payload keys outside the spec's list, kept as found.
    pub extra: Map<String, Value>,
    /// How the `encrypted` value was read after URL decoding: spaces read as `+`, line breaks
    /// removed (see [`TextEncoding::read`](crate::crypto::TextEncoding::read)).
    pub normalization: Normalization,
}

/// Parses a FaceAuth URL and decrypts its `encrypted` parameter with `cipher`.
///
/// Accepts a whole URL or just its query string. `+` in the ciphertext is taken literally (as
/// base64 has it); after URL decoding, the value is read like any ciphertext text (see
/// [`TextEncoding::read`](crate::crypto::TextEncoding::read)): a space is a `+` that some tools
/// turn an unencoded `+` into, and line breaks are dropped. Duplicate parameters keep their
/// first value.
///
/// # Errors
/// [`UrlError::NotFaceAuthUrl`] if `pid` or `encrypted` is missing or malformed;
/// [`UrlError::Crypto`] if decryption fails (wrong key or scheme, damaged text);
/// [`UrlError::InvalidPayload`] if the plaintext is not a JSON object with a string `sid`.
pub fn inspect(url: &str, cipher: &Cipher) -> Result<Inspection, UrlError> {
    let url = url.trim();
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (before, query) = url.split_once('?').unwrap_or(("", url));
    let base_url = before.strip_suffix(PAGE_PATH).unwrap_or(before).to_owned();

    let (mut pid, mut encrypted, mut lang) = (None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "pid" => &mut pid,
            "encrypted" => &mut encrypted,
            "lang" => &mut lang,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(decode_component(name, value)?);
        }
    }
    let missing = |name: &str| UrlError::NotFaceAuthUrl { reason: format!("no {name} parameter") };
    let pid = pid.filter(|p| !p.is_empty()).ok_or_else(|| missing("pid"))?;
    let encrypted = encrypted.filter(|e| !e.is_empty()).ok_or_else(|| missing("encrypted"))?;

    let (plaintext, normalization) = cipher.decrypt_reading(&encrypted)?;
    let (params, extra) = parse_payload(&plaintext)?;
    Ok(Inspection {
        base_url,
        pid: pid.into_owned(),
        lang: lang.map(Cow::into_owned),
        params,
        extra,
        normalization,
    })
}

fn decode_component<'a>(name: &str, value: &'a str) -> Result<Cow<'a, str>, UrlError> {
    percent_decode_str(value).decode_utf8().map_err(|_| UrlError::NotFaceAuthUrl {
        reason: format!("the {name} parameter is not percent-encoded UTF-8"),
    })
}

/// Splits the decrypted JSON into the known parameters and any other keys.
fn parse_payload(plaintext: &str) -> Result<(AuthParams<'static>, Map<String, Value>), UrlError> {
    let invalid = |reason: String| UrlError::InvalidPayload { reason };
    let value: Value = serde_json::from_str(plaintext).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let Value::Object(mut object) = value else {
        return Err(invalid("not a JSON object".to_owned()));
    };
    let mut take = |key: &str| -> Result<Option<Cow<'static, str>>, UrlError> {
        match object.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(Cow::Owned(s))),
            Some(_) => Err(invalid(format!("{key} is not a string"))),
        }
    };
    let sid = take("sid")?.ok_or_else(|| invalid("no sid".to_owned()))?;
    let params = AuthParams {
        sid,
        user_id: take("authUserId")?,
        cf1: take("authCf1")?,
        cf2: take("authCf2")?,
        cf3: take("authCf3")?,
        token: take("token")?,
    };
    Ok((params, object))
}
