//! What the simulator remembers: submissions, results, token uses, the mock clock, faults and
//! request counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::config::{ConfigError, MockConfig, ResponseShape, SeedResult};
use crate::faults::{Faults, SplitMix64};
use crate::time::{format_rfc3339, parse_rfc3339, real_now_ms};

/// Similarity of an approved face.
pub(crate) const APPROVED_SIMILARITY: f64 = 99.5;
/// Similarity of a face rejected as a different person.
pub(crate) const REJECTED_SIMILARITY: f64 = 41.2;

/// A stand-in selfie for results made by the hosted page or in bulk: JPEG magic bytes, so that
/// content-type sniffing sees `image/jpeg` (it is not a decodable picture).
pub(crate) const PLACEHOLDER_IMAGE: &[u8] = &[
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, b'M', b'O', b'C', b'K', 0xff, 0xd9,
];

/// An ID check submission.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    pub status: String,
    pub user_id: Option<String>,
}

impl Submission {
    pub fn approved(&self) -> bool {
        self.status.eq_ignore_ascii_case("approved")
    }
}

/// One FaceAuth result.
#[derive(Debug, Clone)]
pub(crate) struct AuthRecord {
    pub auth_id: String,
    pub auth_status: String,
    pub create_ms: i64,
    pub submit_type: String,
    pub kyc_submission_id: String,
    pub deleted: bool,
    pub similarity: f64,
    pub fail_code: Vec<String>,
    pub reject_comment: Vec<String>,
    pub image: Option<Vec<u8>>,
    pub image_type: String,
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
    pub token: Option<String>,
}

impl AuthRecord {
    /// A new result with nothing optional set.
    pub fn new(auth_id: String, approved: bool, create_ms: i64, submit_type: &str, sid: &str) -> AuthRecord {
        AuthRecord {
            auth_id,
            auth_status: if approved { "approved" } else { "rejected" }.to_owned(),
            create_ms,
            submit_type: submit_type.to_owned(),
            kyc_submission_id: sid.to_owned(),
            deleted: false,
            similarity: if approved { APPROVED_SIMILARITY } else { REJECTED_SIMILARITY },
            fail_code: Vec::new(),
            reject_comment: Vec::new(),
            image: None,
            image_type: "application/octet-stream".to_owned(),
            user_id: None,
            cf1: None,
            cf2: None,
            cf3: None,
            token: None,
        }
    }

    fn from_seed(seed: &SeedResult, default_ms: i64) -> Result<AuthRecord, ConfigError> {
        let create_ms = match &seed.create_time {
            Some(text) => parse_rfc3339(text).ok_or_else(|| {
                ConfigError::invalid("results.create_time", format!("{text:?} is not an RFC 3339 time"))
            })?,
            None => default_ms,
        };
        let image = match &seed.image_base64 {
            Some(b64) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| ConfigError::invalid("results.image_base64", format!("not base64 ({e})")))?,
            ),
            None => None,
        };
        let approved = seed.auth_status.eq_ignore_ascii_case("approved");
        let image_type = match (&seed.image_content_type, &image) {
            (Some(t), _) => t.clone(),
            (None, Some(bytes)) => sniff(bytes).to_owned(),
            (None, None) => "application/octet-stream".to_owned(),
        };
        let mut record = AuthRecord {
            auth_status: seed.auth_status.clone(),
            similarity: seed.face_similarity.unwrap_or(if approved {
                APPROVED_SIMILARITY
            } else {
                REJECTED_SIMILARITY
            }),
            fail_code: seed.fail_code.clone(),
            reject_comment: seed.reject_comment.clone(),
            image,
            image_type,
            user_id: seed.user_id.clone(),
            cf1: seed.cf1.clone(),
            cf2: seed.cf2.clone(),
            cf3: seed.cf3.clone(),
            token: seed.token.clone(),
            ..AuthRecord::new(
                seed.auth_id.clone(),
                approved,
                create_ms,
                &seed.submit_type,
                &seed.kyc_submission_id,
            )
        };
        if seed.delete_check {
            record.erase();
        }
        Ok(record)
    }

    /// Marks the result rejected as a face that does not match.
    pub fn reject(&mut self, fail_code: &str, comment: &str) {
        self.auth_status = "rejected".to_owned();
        self.similarity = REJECTED_SIMILARITY;
        self.fail_code = vec![fail_code.to_owned()];
        self.reject_comment = vec![comment.to_owned()];
    }

    pub fn rejected(&self) -> bool {
        self.auth_status.eq_ignore_ascii_case("rejected")
    }

    pub fn create_time(&self) -> String {
        format_rfc3339(self.create_ms)
    }

    /// What DELETE does: the image and personal data go, the result stays as deleted.
    pub fn erase(&mut self) {
        self.deleted = true;
        self.image = None;
        self.user_id = None;
        self.cf1 = None;
        self.cf2 = None;
        self.cf3 = None;
        self.token = None;
        self.fail_code.clear();
        self.reject_comment.clear();
    }

    /// The row of `GET /faceauth`.
    pub fn row(&self, shape: ResponseShape) -> Value {
        if self.deleted {
            return json!({
                "auth_id": self.auth_id,
                "auth_status": self.auth_status,
                "create_time": self.create_time(),
                "delete_check": true,
            });
        }
        let mut row = json!({
            "auth_id": self.auth_id,
            "auth_status": self.auth_status,
            "create_time": self.create_time(),
            "submit_type": self.submit_type,
            "kyc_submission_id": self.kyc_submission_id,
            "delete_check": false,
            "policy": {
                "faceSimilarity_threshold": 85,
                "occluded_threshold": false,
                "faceCover_threshold": 0,
                "headCover_threshold": 0,
                "liveness_threshold": 0,
                "activeLiveness_threshold": 0,
            },
        });
        if shape == ResponseShape::Nested {
            row["result"] = json!({ "face_similarity": self.similarity, "detectOccluded": true });
            if self.rejected() || !self.reject_comment.is_empty() {
                row["reject_comment"] = json!(self.reject_comment);
            }
        }
        row
    }

    /// Everything but the image bytes, for `GET /_mock/state`.
    fn dump(&self) -> Value {
        json!({
            "auth_id": self.auth_id,
            "auth_status": self.auth_status,
            "create_time": self.create_time(),
            "submit_type": self.submit_type,
            "kyc_submission_id": self.kyc_submission_id,
            "delete_check": self.deleted,
            "face_similarity": self.similarity,
            "fail_code": self.fail_code,
            "reject_comment": self.reject_comment,
            "image_bytes": self.image.as_ref().map(Vec::len),
            "image_content_type": self.image_type,
            "user_id": self.user_id,
            "cf1": self.cf1,
            "cf2": self.cf2,
            "cf3": self.cf3,
            "token": self.token,
        })
    }
}

/// The content type of an image, from its first bytes.
pub(crate) fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'B', b'M', ..] => "image/bmp",
        _ => "application/octet-stream",
    }
}

/// `n` random bytes from the OS, or from a time-seeded generator should the OS fail.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    static FALLBACK: AtomicU64 = AtomicU64::new(0);
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        let seed = (real_now_ms() as u64) ^ FALLBACK.fetch_add(0x9e37_79b9, Ordering::Relaxed);
        let mut rng = SplitMix64::new(seed);
        bytes.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
    }
    bytes
}

/// `n` random characters of `[a-z0-9]`.
pub(crate) fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    // 252 = 7 × 36: rejecting bytes above it keeps the characters uniform.
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes(n * 2) {
            if b < 252 && out.len() < n {
                out.push(char::from(ALPHABET[usize::from(b % 36)]));
            }
        }
    }
    out
}

/// A fresh trace id, as gateway errors carry.
pub(crate) fn trace_id() -> String {
    random_bytes(16).iter().map(|b| format!("{b:02x}")).collect()
}

/// All mutable state, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    /// Mock time minus real time.
    clock_offset_ms: i64,
    pub submissions: BTreeMap<String, Submission>,
    pub records: HashMap<String, AuthRecord>,
    /// Tokens used under the count rule.
    pub tokens_used: BTreeSet<String>,
    /// First uses of tokens under the time rule.
    pub token_first_use: BTreeMap<String, i64>,
    /// Tokens whose time-rule `token_expired` webhook was sent.
    pub token_expiry_sent: BTreeSet<String>,
    pub faults: Faults,
    pub received: BTreeMap<String, u64>,
    pub processed: BTreeMap<String, u64>,
    /// Every webhook body sent (or due, with no webhook URL), oldest first, the last
    /// [`OUTBOX_LIMIT`] kept: tests and walkthroughs read them from `/_mock/webhooks`.
    pub outbox: std::collections::VecDeque<String>,
}

/// Webhook bodies kept in the outbox.
pub(crate) const OUTBOX_LIMIT: usize = 1000;

impl State {
    pub fn new(config: &MockConfig) -> Result<State, ConfigError> {
        let real = real_now_ms();
        let start = match &config.now {
            Some(text) => parse_rfc3339(text)
                .ok_or_else(|| ConfigError::invalid("now", format!("{text:?} is not an RFC 3339 time")))?,
            None => real,
        };
        config.faults.check()?;
        let mut state = State {
            clock_offset_ms: start - real,
            submissions: BTreeMap::new(),
            records: HashMap::new(),
            tokens_used: BTreeSet::new(),
            token_first_use: BTreeMap::new(),
            token_expiry_sent: BTreeSet::new(),
            faults: Faults::new(&config.faults),
            received: BTreeMap::new(),
            outbox: std::collections::VecDeque::new(),
            processed: BTreeMap::new(),
        };
        for seed in &config.submissions {
            state.add_submission(&seed.id, &seed.status, seed.user_id.clone());
        }
        for seed in &config.results {
            let record = AuthRecord::from_seed(seed, start)?;
            if state.records.contains_key(&record.auth_id) {
                return Err(ConfigError::invalid(
                    "results",
                    format!("auth_id {:?} appears twice", record.auth_id),
                ));
            }
            state.insert(record);
        }
        Ok(state)
    }

    /// The mock clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        real_now_ms().saturating_add(self.clock_offset_ms)
    }

    /// Sets the mock clock.
    pub fn set_now(&mut self, ms: i64) {
        self.clock_offset_ms = ms - real_now_ms();
    }

    /// Moves the mock clock.
    pub fn advance(&mut self, ms: i64) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(ms);
    }

    pub fn add_submission(&mut self, id: &str, status: &str, user_id: Option<String>) {
        self.submissions.insert(id.to_owned(), Submission { status: status.to_owned(), user_id });
    }

    /// Whether `sid` is a known, approved submission.
    pub fn approved(&self, sid: &str) -> bool {
        self.submissions.get(sid).is_some_and(Submission::approved)
    }

    /// An auth id not yet used: `fa_` and 20 characters of `[a-z0-9]`.
    pub fn new_auth_id(&self) -> String {
        loop {
            let id = format!("fa_{}", random_alnum(20));
            if !self.records.contains_key(&id) {
                return id;
            }
        }
    }

    pub fn insert(&mut self, record: AuthRecord) {
        self.records.insert(record.auth_id.clone(), record);
    }

    /// Every result, newest first (ties: larger auth id first).
    pub fn newest_first(&self) -> Vec<&AuthRecord> {
        let mut rows: Vec<_> = self.records.values().collect();
        rows.sort_unstable_by(|a, b| (b.create_ms, &b.auth_id).cmp(&(a.create_ms, &a.auth_id)));
        rows
    }

    /// Counts an API request by its `METHOD /path`.
    pub fn count(map: &mut BTreeMap<String, u64>, key: &str) {
        *map.entry(key.to_owned()).or_insert(0) += 1;
    }

    pub fn requests(&self) -> Value {
        json!({ "received": self.received, "processed": self.processed })
    }

    /// Everything, for `GET /_mock/state` (keys are not part of the state).
    pub fn dump(&self) -> Value {
        let submissions: Vec<Value> = self
            .submissions
            .iter()
            .map(|(id, s)| json!({ "id": id, "status": s.status, "user_id": s.user_id }))
            .collect();
        let results: Vec<Value> = self.newest_first().into_iter().map(AuthRecord::dump).collect();
        let first_uses: BTreeMap<&String, String> =
            self.token_first_use.iter().map(|(t, ms)| (t, format_rfc3339(*ms))).collect();
        json!({
            "now": format_rfc3339(self.now_ms()),
            "submissions": submissions,
            "results": results,
            "tokens": {
                "used": self.tokens_used,
                "first_use": first_uses,
                "expiry_webhook_sent": self.token_expiry_sent,
            },
            "faults": self.faults.dump(),
            "requests": self.requests(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_argos_ids() {
        let state = State::new(&MockConfig::default()).expect("state");
        let id = state.new_auth_id();
        assert_eq!(id.len(), 23);
        assert!(id.starts_with("fa_"));
        assert!(id[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(trace_id().len(), 32);
    }

    #[test]
    fn sniffs_images() {
        assert_eq!(sniff(PLACEHOLDER_IMAGE), "image/jpeg");
        assert_eq!(sniff(b"\x89PNG\r\n"), "image/png");
        assert_eq!(sniff(b"RIFF1234WEBPVP8"), "image/webp");
        assert_eq!(sniff(b"hello"), "application/octet-stream");
    }

    #[test]
    fn bad_seeds_are_refused() {
        let mut config = MockConfig { now: Some("yesterday".to_owned()), ..MockConfig::default() };
        assert!(State::new(&config).is_err());
        config.now = None;
        config.results = serde_json::from_str(r#"[{"auth_id":"a"},{"auth_id":"a"}]"#).expect("seeds");
        assert!(State::new(&config).is_err());
        config.results = serde_json::from_str(r#"[{"auth_id":"a","image_base64":"%%"}]"#).expect("seeds");
        assert!(State::new(&config).is_err());
    }
}
