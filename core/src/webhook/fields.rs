//! Reading documented fields out of a webhook's JSON objects, with their type checked.

use serde_json::{Map, Value};

use super::WebhookError;

/// One object a field may sit in, and the dotted path it is named by in errors (`""` for the
/// top level).
pub(super) type Place<'a> = (&'static str, &'a Map<String, Value>);

/// A `Malformed` error with `reason`.
pub(super) fn malformed(reason: impl Into<String>) -> WebhookError {
    WebhookError::Malformed { reason: reason.into() }
}

/// The JSON type of `value`, with its article, for error messages (never the value itself).
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `name` as found in `place`: `data.Auth_Status`, or `auth_id` at the top level.
fn path(place: &str, name: &str) -> String {
    if place.is_empty() {
        name.to_owned()
    } else {
        format!("{place}.{name}")
    }
}

/// True if `object` holds `name` with a value other than null.
pub(super) fn present(object: &Map<String, Value>, name: &str) -> bool {
    object.get(name).is_some_and(|v| !v.is_null())
}

/// The text of a field that may sit in any of `places` (searched in order) under any of
/// `spellings` (in order). The first non-empty string wins; absent, null and empty values count
/// as absent.
///
/// # Errors
/// `Malformed`, naming the field, if any candidate holds something other than a string or null,
/// even one that would not have won.
pub(super) fn text(places: &[Place<'_>], spellings: &[&str]) -> Result<Option<String>, WebhookError> {
    let mut found = None;
    for (place, object) in places {
        for name in spellings {
            match object.get(*name) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => {
                    if found.is_none() && !s.is_empty() {
                        found = Some(s.clone());
                    }
                }
                Some(other) => {
                    return Err(malformed(format!(
                        "{} is {}, not a string",
                        path(place, name),
                        type_name(other)
                    )))
                }
            }
        }
    }
    Ok(found)
}

/// The object a field holds, if it is present and not null.
///
/// # Errors
/// `Malformed`, naming the field, if it holds anything else.
pub(super) fn object<'a>(
    place: &str,
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, WebhookError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => {
            Err(malformed(format!("{} is {}, not an object", path(place, name), type_name(other))))
        }
    }
}
