//! Webhooks the simulator sends (spec section 4): `faceAuth` in its three documented shapes and
//! `token_expired`, plain or encrypted.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use faceauth::url::redact_credentials;
use serde_json::{json, Value};

use crate::config::WebhookShape;
use crate::http::lock;
use crate::server::Shared;
use crate::state::{AuthRecord, OUTBOX_LIMIT};
use crate::time::format_rfc3339;

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// The `faceAuth` webhook of a result. Absent optional fields are empty strings.
pub(crate) fn face_auth(shape: WebhookShape, record: &AuthRecord) -> Value {
    let create_time = record.create_time();
    let (user_id, cf1, cf2, cf3) =
        (text(&record.user_id), text(&record.cf1), text(&record.cf2), text(&record.cf3));
    match shape {
        WebhookShape::Current => json!({
            "webhook_trigger": "faceAuth",
            "data": {
                "Submission_id": record.kyc_submission_id,
                "Auth_Status": record.auth_status,
                "Create_Time": create_time,
                "Auth_User_id": user_id,
                "Auth_cf1": cf1,
                "Auth_cf2": cf2,
                "Auth_cf3": cf3,
                "Token_id": text(&record.token),
                "reference": { "userid": user_id, "email": "", "cf": { "cf1": cf1, "cf2": cf2, "cf3": cf3 } },
                "Authentication_id": record.auth_id,
            },
        }),
        WebhookShape::Older => json!({
            "webhook_trigger": "faceAuth",
            "Authentication_id": record.auth_id,
            "data": {
                "Submission_id": record.kyc_submission_id,
                "Auth_Status": record.auth_status,
                "Create_Time": create_time,
                "User_id": user_id,
                "cf1": cf1,
                "cf2": cf2,
                "cf3": cf3,
                "Token_id": text(&record.token),
            },
        }),
        WebhookShape::Oldest => json!({
            "webhook_trigger": "faceAuth",
            "auth_id": record.auth_id,
            "data": {
                "submission_id": record.kyc_submission_id,
                "auth_status": record.auth_status,
                "create_time": create_time,
                "user_id": user_id,
                "cf1": cf1,
                "cf2": cf2,
                "cf3": cf3,
            },
        }),
    }
}

/// `token_expired` for a count-based token, used up at `at_ms`.
pub(crate) fn token_expired_count(token: &str, at_ms: i64) -> Value {
    json!({
        "webhook_trigger": "token_expired",
        "token_id": token,
        "expired_condition": "count",
        "expired_at": format_rfc3339(at_ms),
        "service": "faceAuth",
    })
}

/// `token_expired` for a time-based token that expired at `expected_ms`.
pub(crate) fn token_expired_time(token: &str, expected_ms: i64) -> Value {
    json!({
        "webhook_trigger": "token_expired",
        "token_id": token,
        "expired_condition": "time",
        "expected_expired_at": format_rfc3339(expected_ms),
        "service": "faceAuth",
    })
}

/// Keeps each payload's body in the outbox, in order, and queues it for delivery to the webhook
/// URL (if any). Delivery happens in the background, as Argos does: the caller (the hosted page)
/// answers without waiting for the receiver.
pub(crate) fn send_all(shared: &Shared, payloads: &[Value]) {
    for payload in payloads {
        let body = match &shared.webhook_cipher {
            Some(cipher) => match cipher.encrypt(&payload.to_string()) {
                Ok(sealed) => json!({ "data": sealed }).to_string(),
                Err(e) => {
                    crate::log(format_args!("faceauth-mock: cannot encrypt a webhook: {e}"));
                    continue;
                }
            },
            None => payload.to_string(),
        };
        {
            let mut state = shared.state();
            if state.outbox.len() >= OUTBOX_LIMIT {
                state.outbox.pop_front();
            }
            state.outbox.push_back(body.clone());
        }
        let trigger = payload["webhook_trigger"].as_str().unwrap_or("?").to_owned();
        shared.deliveries.queue(Delivery { trigger, body });
    }
}

/// Webhooks waiting for delivery at most; more are reported and not delivered.
const QUEUE_LIMIT: usize = 1000;
/// Shutdown waits this long for a delivery in progress before leaving it to finish alone.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// One webhook to post.
pub(crate) struct Delivery {
    trigger: String,
    body: String,
}

/// How deliveries went, for `GET /_mock/state`.
#[derive(Debug, Default)]
struct Counts {
    pending: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
}

/// The server's delivery thread: posts queued webhooks to the webhook URL one at a time, in the
/// order they were queued. Stopped with the server.
pub(crate) struct Deliveries {
    queue: Mutex<Option<SyncSender<Delivery>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    stopping: Arc<AtomicBool>,
    counts: Arc<Counts>,
}

impl Deliveries {
    /// Starts the delivery thread when there is a webhook URL.
    pub fn start(url: Option<&str>, timeout: Duration, verbose: bool) -> io::Result<Deliveries> {
        let deliveries = Deliveries {
            queue: Mutex::new(None),
            thread: Mutex::new(None),
            stopping: Arc::new(AtomicBool::new(false)),
            counts: Arc::new(Counts::default()),
        };
        let Some(url) = url else { return Ok(deliveries) };
        let (tx, rx) = mpsc::sync_channel::<Delivery>(QUEUE_LIMIT);
        let url = url.to_owned();
        let agent = agent(timeout);
        let (stopping, counts) = (Arc::clone(&deliveries.stopping), Arc::clone(&deliveries.counts));
        let thread = thread::Builder::new().name("faceauth-mock-webhooks".to_owned()).spawn(move || {
            for delivery in rx {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let delivered = deliver(&agent, &url, &delivery, verbose);
                counts.pending.fetch_sub(1, Ordering::SeqCst);
                let count = if delivered { &counts.delivered } else { &counts.failed };
                count.fetch_add(1, Ordering::SeqCst);
            }
        })?;
        *lock(&deliveries.queue) = Some(tx);
        *lock(&deliveries.thread) = Some(thread);
        Ok(deliveries)
    }

    /// Queues a webhook; without a webhook URL, or after shutdown, it is not sent.
    fn queue(&self, delivery: Delivery) {
        let queue = lock(&self.queue);
        let Some(queue) = queue.as_ref() else { return };
        self.counts.pending.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = queue.try_send(delivery) {
            self.counts.pending.fetch_sub(1, Ordering::SeqCst);
            self.counts.failed.fetch_add(1, Ordering::SeqCst);
            let (TrySendError::Full(delivery) | TrySendError::Disconnected(delivery)) = e;
            crate::log(format_args!(
                "faceauth-mock: {QUEUE_LIMIT} webhooks are waiting for delivery; a {} webhook was not sent",
                delivery.trigger
            ));
        }
    }

    /// `{"pending": n, "delivered": n, "failed": n}`.
    pub fn dump(&self) -> Value {
        let get = |count: &AtomicU64| count.load(Ordering::SeqCst);
        json!({
            "pending": get(&self.counts.pending),
            "delivered": get(&self.counts.delivered),
            "failed": get(&self.counts.failed),
        })
    }

    /// Stops the thread: webhooks still queued are not sent. A delivery in progress is waited
    /// for a short while, then left to end on its own (it times out).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        drop(lock(&self.queue).take());
        let Some(thread) = lock(&self.thread).take() else { return };
        let waited = Instant::now();
        while !thread.is_finished() && waited.elapsed() < STOP_WAIT {
            thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }
}

/// The delivery agent: `timeout` bounds each delivery, redirects are followed as far as 5 (as
/// ureq 2 did), no proxy is read from the environment, and every status is an answer.
fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(5)
        .proxy(None)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Posts one webhook; true if the receiver answered 2xx. A failure is reported on stderr, with
/// any credentials of the URL redacted.
fn deliver(agent: &ureq::Agent, url: &str, delivery: &Delivery, verbose: bool) -> bool {
    let trigger = &delivery.trigger;
    match agent.post(url).header("Content-Type", "application/json").send(delivery.body.as_str()) {
        Ok(mut response) => {
            // Read the answer so that the connection can be reused.
            let _ = response.body_mut().read_to_string();
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                crate::log(format_args!(
                    "{}",
                    failure_line(trigger, url, &format!("the receiver answered {status}"))
                ));
                return false;
            }
            if verbose {
                crate::log(format_args!("faceauth-mock: webhook {trigger} delivered"));
            }
            true
        }
        Err(e) => {
            crate::log(format_args!("{}", failure_line(trigger, url, &failure(&e))));
            false
        }
    }
}

/// The stderr line of a failed delivery, with any credentials of the URL redacted.
fn failure_line(trigger: &str, url: &str, what: &str) -> String {
    format!("faceauth-mock: webhook {trigger} delivery to {} failed: {what}", redact_credentials(url))
}

/// What went wrong with a delivery, with any credentials redacted (ureq's message may quote
/// the URL, as its error for a malformed one does).
fn failure(err: &ureq::Error) -> String {
    redact_credentials(&err.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_deliveries_never_show_url_credentials() {
        // A port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let agent = agent(Duration::from_secs(5));
        for url in [
            format!("http://hook-user:s3cret-pw@127.0.0.1:{port}/hook"),
            "http://hook-user:s3cret-pw@[::zz]/hook".to_owned(),
            "ftp://hook-user:s3cret-pw@127.0.0.1/hook".to_owned(),
        ] {
            let err = agent.post(&url).send("{}").expect_err("nobody listens");
            let line = failure_line("faceAuth", &url, &failure(&err));
            assert!(!line.contains("s3cret-pw") && !line.contains("hook-user"), "{line}");
            assert!(line.contains("delivery to ") && line.contains("<redacted>@"), "{line}");
        }
        // An error that quotes the URL loses its credentials too.
        let quoted = failure(&ureq::Error::BadUri("ftp://hook-user:s3cret-pw@127.0.0.1/hook".to_owned()));
        assert!(!quoted.contains("s3cret-pw") && quoted.contains("<redacted>@"), "{quoted}");
    }
}
