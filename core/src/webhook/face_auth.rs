//! The `faceAuth` webhook: a FaceAuth result reached its final status.

use std::fmt;

use serde_json::{json, Map, Value};

use super::fields::{self, malformed, Place};
use super::WebhookError;
use crate::api::AuthStatus;

/// Keys in `data` that only the current shape sends.
const CURRENT_DATA_KEYS: &[&str] =
    &["Authentication_id", "Auth_User_id", "Auth_cf1", "Auth_cf2", "Auth_cf3", "reference"];
/// Keys in `data` that only the oldest shape sends.
const OLDEST_DATA_KEYS: &[&str] = &["submission_id", "auth_status", "create_time", "user_id"];

/// Which of the three documented `faceAuth` layouts a webhook used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaceAuthShape {
    /// `Authentication_id` and capitalised fields (`Auth_Status`, `Auth_User_id`, `Auth_cf1`…,
    /// `reference`) all inside `data`.
    Current,
    /// `Authentication_id` at the top level; `User_id` and `cf1`…`cf3` inside `data`.
    Older,
    /// `auth_id` at the top level; lowercase `submission_id`, `auth_status`, `create_time`,
    /// `user_id` and `cf1`…`cf3` inside `data`.
    Oldest,
}

impl FaceAuthShape {
    /// Tells the shape from the keys present (non-null): any current-only key in `data` means
    /// [`Current`](Self::Current); else a top-level `Authentication_id` or a `data.User_id`
    /// means [`Older`](Self::Older); else a top-level `auth_id` or an oldest-only lowercase key
    /// in `data` means [`Oldest`](Self::Oldest); anything else is taken as `Current`.
    fn detect(top: &Map<String, Value>, data: &Map<String, Value>) -> FaceAuthShape {
        let in_data = |keys: &[&str]| keys.iter().any(|k| fields::present(data, k));
        if in_data(CURRENT_DATA_KEYS) {
            FaceAuthShape::Current
        } else if fields::present(top, "Authentication_id") || fields::present(data, "User_id") {
            FaceAuthShape::Older
        } else if fields::present(top, "auth_id") || in_data(OLDEST_DATA_KEYS) {
            FaceAuthShape::Oldest
        } else {
            FaceAuthShape::Current
        }
    }

    /// A stable lowercase name: `current`, `older` or `oldest`.
    pub fn as_str(self) -> &'static str {
        match self {
            FaceAuthShape::Current => "current",
            FaceAuthShape::Older => "older",
            FaceAuthShape::Oldest => "oldest",
        }
    }
}

impl fmt::Display for FaceAuthShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `reference` object of the current shape: what the FaceAuth URL was made for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reference {
    /// `reference.userid`.
    pub userid: Option<String>,
    /// `reference.email`.
    pub email: Option<String>,
    /// `reference.cf.cf1`.
    pub cf1: Option<String>,
    /// `reference.cf.cf2`.
    pub cf2: Option<String>,
    /// `reference.cf.cf3`.
    pub cf3: Option<String>,
}

impl Reference {
    fn from_object(reference: &Map<String, Value>) -> Result<Reference, WebhookError> {
        let outer: [Place<'_>; 1] = [("reference", reference)];
        let (mut cf1, mut cf2, mut cf3) = (None, None, None);
        if let Some(cf) = fields::object("reference", reference, "cf")? {
            let inner: [Place<'_>; 1] = [("reference.cf", cf)];
            cf1 = fields::text(&inner, &["cf1"])?;
            cf2 = fields::text(&inner, &["cf2"])?;
            cf3 = fields::text(&inner, &["cf3"])?;
        }
        Ok(Reference {
            userid: fields::text(&outer, &["userid"])?,
            email: fields::text(&outer, &["email"])?,
            cf1,
            cf2,
            cf3,
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "userid": self.userid, "email": self.email,
            "cf1": self.cf1, "cf2": self.cf2, "cf3": self.cf3,
        })
    }
}

/// A `faceAuth` webhook, normalised over its three documented shapes.
///
/// Each field is read from `data` or else from the top level, under any of its documented
/// spellings (for instance `Auth_Status` or `auth_status`). Absent, null and empty-string
/// values are `None`; [`raw`](Self::raw) keeps everything as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaceAuthEvent {
    /// The FaceAuth result id: `Authentication_id` (current, older) or `auth_id` (oldest).
    pub auth_id: Option<String>,
    /// The ID check submission re-authenticated: `Submission_id` or `submission_id`.
    pub submission_id: Option<String>,
    /// The final status: `Auth_Status` or `auth_status`.
    pub status: Option<AuthStatus>,
    /// When the result was made, as sent: `Create_Time` or `create_time`.
    pub create_time: Option<String>,
    /// Your id for the user: `Auth_User_id`, `User_id` or `user_id`.
    pub user_id: Option<String>,
    /// `Auth_cf1` or `cf1`.
    pub cf1: Option<String>,
    /// `Auth_cf2` or `cf2`.
    pub cf2: Option<String>,
    /// `Auth_cf3` or `cf3`.
    pub cf3: Option<String>,
    /// The token id the URL carried: `Token_id`.
    pub token_id: Option<String>,
    /// The `reference` object (current shape).
    pub reference: Option<Reference>,
    /// The shape the webhook came in.
    pub shape: FaceAuthShape,
    /// Whether the body was the encrypted form (and decrypted with the key given).
    pub encrypted: bool,
    /// The whole (decrypted) webhook JSON, unknown fields and fail codes included.
    pub raw: Value,
}

impl FaceAuthEvent {
    /// Reads a `faceAuth` webhook from its top-level object.
    pub(super) fn from_object(top: Map<String, Value>) -> Result<FaceAuthEvent, WebhookError> {
        let empty = Map::new();
        let data = fields::object("", &top, "data")?.unwrap_or(&empty);
        let places: [Place<'_>; 2] = [("data", data), ("", &top)];
        let text = |spellings: &[&str]| fields::text(&places, spellings);

        let auth_id = text(&["Authentication_id", "auth_id"])?;
        let submission_id = text(&["Submission_id", "submission_id"])?;
        let status = text(&["Auth_Status", "auth_status"])?.map(|s| AuthStatus::parse(&s));
        let create_time = text(&["Create_Time", "create_time"])?;
        let user_id = text(&["Auth_User_id", "User_id", "user_id"])?;
        let cf1 = text(&["Auth_cf1", "cf1"])?;
        let cf2 = text(&["Auth_cf2", "cf2"])?;
        let cf3 = text(&["Auth_cf3", "cf3"])?;
        let token_id = text(&["Token_id"])?;
        let mut reference = None;
        for (place, object) in places {
            if let Some(found) = fields::object(place, object, "reference")? {
                if reference.is_none() {
                    reference = Some(Reference::from_object(found)?);
                }
            }
        }
        if auth_id.is_none() && submission_id.is_none() {
            return Err(malformed("faceAuth event has no authentication id or submission id"));
        }
        let shape = FaceAuthShape::detect(&top, data);
        Ok(FaceAuthEvent {
            auth_id,
            submission_id,
            status,
            create_time,
            user_id,
            cf1,
            cf2,
            cf3,
            token_id,
            reference,
            shape,
            encrypted: false,
            raw: Value::Object(top),
        })
    }

    pub(super) fn to_json(&self) -> Value {
        json!({
            "event": "faceAuth",
            "auth_id": self.auth_id,
            "submission_id": self.submission_id,
            "status": self.status.as_ref().map(AuthStatus::as_str),
            "create_time": self.create_time,
            "user_id": self.user_id,
            "cf1": self.cf1,
            "cf2": self.cf2,
            "cf3": self.cf3,
            "token_id": self.token_id,
            "reference": self.reference.as_ref().map(Reference::to_json),
            "shape": self.shape.as_str(),
            "encrypted": self.encrypted,
        })
    }
}
