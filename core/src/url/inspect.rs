use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::{AuthParams, UrlError, PAGE_PATH};
use crate::crypto::{Cipher, Normalization, Variant};

/// A FaceAuth URL taken apart: what travels in clear, and the decrypted parameters. `Debug`
/// shows `base_url` without its credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Everything before `/face-auth?` (or before `?` when the path differs).
    pub base_url: String,
    /// The project id, in clear in the URL.
    pub pid: String,
    /// The page language, if the URL sets one.
    pub lang: Option<String>,
    /// The decrypted parameters.
    pub params: AuthParams<'static>,
    /// Payload keys outside the spec's list, in payload order, each with its value as sent.
    pub unknown_fields: Vec<UnknownField>,
    /// How the `encrypted` value was read after URL decoding: spaces read as `+`, line breaks
    /// removed (see [`TextEncoding::read`](crate::crypto::TextEncoding::read)).
    pub normalization: Normalization,
}

/// A payload key outside the spec's list, kept exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// The key.
    pub name: String,
    /// The value's JSON text as it was in the payload, so numbers keep every digit
    /// (`12345678901234567890123` stays that, not a rounded float).
    pub json: String,
}

impl UnknownField {
    /// The value as a [`Value`]. Numbers that an `f64` cannot hold exactly are rounded: read
    /// [`UnknownField::json`] to keep them.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

impl fmt::Debug for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspection")
            .field("base_url", &super::redact_credentials(&self.base_url))
            .field("pid", &self.pid)
            .field("lang", &self.lang)
            .field("params", &self.params)
            .field("unknown_fields", &self.unknown_fields)
            .field("normalization", &self.normalization)
            .finish()
    }
}

impl Inspection {
    /// The inspection as the JSON object that `faceauth inspect` prints and the bindings
    /// return: `base_url`, `pid`, `lang`, `variant` (the id of the variant that decrypted it),
    /// `params` (the spec's fields present, in spec order), `unknown_fields` (the payload's
    /// other keys, values exactly as sent, big numbers included), then how the text was read
    /// (`percent_decoded`, `spaces_as_plus`, `whitespace_removed`). Serialize it with
    /// `serde_json::to_string` or `to_string_pretty`.
    pub fn to_json<'a>(&'a self, variant: &'a str) -> impl serde::Serialize + 'a {
        InspectionJson {
            base_url: &self.base_url,
            pid: &self.pid,
            lang: self.lang.as_deref(),
            variant,
            params: Params(&self.params),
            unknown_fields: UnknownFields(&self.unknown_fields),
            percent_decoded: self.normalization.percent_decoded,
            spaces_as_plus: self.normalization.spaces_as_plus,
            whitespace_removed: self.normalization.whitespace_removed,
        }
    }
}

/// The JSON form of an [`Inspection`] (see [`Inspection::to_json`]).
#[derive(serde::Serialize)]
struct InspectionJson<'a> {
    base_url: &'a str,
    pid: &'a str,
    lang: Option<&'a str>,
    variant: &'a str,
    params: Params<'a>,
    unknown_fields: UnknownFields<'a>,
    percent_decoded: bool,
    spaces_as_plus: bool,
    whitespace_removed: bool,
}

/// The spec's fields that are present, in spec order, as a JSON object.
struct Params<'a>(&'a AuthParams<'static>);

impl serde::Serialize for Params<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.0.fields() {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// Unknown payload keys as a JSON object whose values are written as their JSON text was sent
/// (a `Value` would round numbers beyond `f64`).
struct UnknownFields<'a>(&'a [UnknownField]);

impl serde::Serialize for UnknownFields<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for field in self.0 {
            let raw: &RawValue = serde_json::from_str(&field.json).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(&field.name, raw)?;
        }
        map.end()
    }
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
/// [`UrlError::WrongScheme`] if it decrypts with the same key under another scheme (naming
/// it); [`UrlError::Crypto`] if decryption fails otherwise (wrong key, damaged text);
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

    let (plaintext, normalization) = match cipher.decrypt_reading(&encrypted) {
        Ok(decrypted) => decrypted,
        Err(err) => return Err(made_with(&encrypted, cipher).unwrap_or(UrlError::Crypto(err))),
    };
    let (params, unknown_fields) = parse_payload(&plaintext)?;
    Ok(Inspection {
        base_url,
        pid: pid.into_owned(),
        lang: lang.map(Cow::into_owned),
        params,
        unknown_fields,
        normalization,
    })
}

/// When `cipher` cannot decrypt `encrypted`: the variant of the same key that decrypts it to a
/// FaceAuth payload, if any (the defaults first), as [`UrlError::WrongScheme`]. A wrong scheme
/// is a common mistake, and the bare failure (`invalid_length`, `bad_padding`) does not say it.
fn made_with(encrypted: &str, cipher: &Cipher) -> Option<UrlError> {
    let used = cipher.variant();
    let defaults = Variant::ALL.into_iter().filter(|v| v.is_default());
    let others = Variant::ALL.into_iter().filter(|v| !v.is_default());
    defaults.chain(others).filter(|&v| v != used).find_map(|variant| {
        let sibling = cipher.sibling(variant)?;
        let (plaintext, _) = sibling.decrypt_reading(encrypted).ok()?;
        parse_payload(&plaintext).ok()?;
        Some(UrlError::WrongScheme { used, made_with: variant })
    })
}

fn decode_component<'a>(name: &str, value: &'a str) -> Result<Cow<'a, str>, UrlError> {
    percent_decode_str(value).decode_utf8().map_err(|_| UrlError::NotFaceAuthUrl {
        reason: format!("the {name} parameter is not percent-encoded UTF-8"),
    })
}

/// The members of a JSON object in order, each value as its JSON text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Object)
    }
}

/// Splits the decrypted JSON into the known parameters and any other keys. A key given twice
/// keeps its last value, as JSON parsers commonly do.
fn parse_payload(plaintext: &str) -> Result<(AuthParams<'static>, Vec<UnknownField>), UrlError> {
    let invalid = |reason: String| UrlError::InvalidPayload { reason };
    // serde's messages for a wrong type quote the value: say it in words instead.
    let Members(members) = serde_json::from_str(plaintext).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => invalid("not a JSON object".to_owned()),
        _ => invalid(format!("not JSON ({e})")),
    })?;
    let mut known: [Option<Cow<'static, str>>; 6] = Default::default();
    let mut unknown_fields: Vec<UnknownField> = Vec::new();
    for (name, raw) in members {
        let Some(slot) = KNOWN.iter().position(|k| *k == name) else {
            let json = raw.get().to_owned();
            match unknown_fields.iter_mut().find(|field| field.name == name) {
                Some(field) => field.json = json,
                None => unknown_fields.push(UnknownField { name, json }),
            }
            continue;
        };
        known[slot] = serde_json::from_str::<Option<String>>(raw.get())
            .map_err(|_| invalid(format!("{} is not a string", KNOWN[slot])))?
            .map(Cow::Owned);
    }
    let [sid, user_id, cf1, cf2, cf3, token] = known;
    let sid = sid.ok_or_else(|| invalid("no sid".to_owned()))?;
    Ok((AuthParams { sid, user_id, cf1, cf2, cf3, token }, unknown_fields))
}

/// The payload keys of the spec, in the order of [`AuthParams`]' fields.
const KNOWN: [&str; 6] = ["sid", "authUserId", "authCf1", "authCf2", "authCf3", "token"];
