//! The ledger threads of `webhook serve`: the core's ledger is synchronous, so its calls run on
//! threads of their own, fed through a bounded queue, while the HTTP side stays asynchronous.
//!
//! A call that no ledger thread has started within [`QUEUE_DEADLINE`] is dropped (never made)
//! and answered 503. A call that started is always waited for: it may commit, and 503 promises
//! that nothing changed. A webhook's stdout line is printed on the ledger thread right after its
//! commit, so a line follows every commit even when the sender has gone.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use faceauth::token::{LedgerError, TokenLedger, WebhookOutcome};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::confirm::Apply;

/// How long a ledger call may wait in the queue: one not started by then is never made, and
/// the request is answered 503.
pub const QUEUE_DEADLINE: Duration = Duration::from_millis(1500);

/// How many calls may wait in the queue; past it a request is answered 503 at once. More than
/// a ledger thread can start within [`QUEUE_DEADLINE`], so the deadline, not the room, decides.
const QUEUE_ROOM: usize = 8192;

/// The token id a health check looks up: a valid id no link carries (a primary-key read).
const HEALTH_PROBE_TOKEN: &str = "faceauth-healthz-probe";

/// A ledger that ledger threads share.
pub type SharedLedger = Arc<dyn TokenLedger + Send + Sync>;

/// A queued call's fate, decided once: a ledger thread starts it, or its request drops it.
const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const DROPPED: u8 = 2;

/// What a ledger thread does for a request.
enum Work {
    /// A primary-key read, for `/healthz`.
    Health(oneshot::Sender<Result<(), LedgerError>>),
    /// Apply a webhook, commit, and print its line.
    Webhook(Box<Apply>, oneshot::Sender<Applied>),
}

/// A call waiting in the queue, and who has decided its fate.
struct Queued {
    fate: Arc<AtomicU8>,
    work: Work,
}

/// What became of a webhook a ledger thread took.
pub enum Applied {
    /// Committed, and this line printed on stdout (flushed).
    Printed(Value),
    /// The ledger refused it (after confirmation: the token is another submission's); nothing
    /// changed.
    Refused(String),
    /// The ledger failed, nothing changed.
    Failed(LedgerError),
    /// Committed, but stdout failed: the server stops.
    Unprinted,
}

/// Where a failure of stdout is kept, and how the server is told to stop.
pub struct Stopper {
    failure: Mutex<Option<std::io::Error>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Stopper {
    pub fn new() -> Arc<Stopper> {
        Arc::new(Stopper { failure: Mutex::new(None), stop: tokio::sync::watch::Sender::new(false) })
    }

    /// Asks the server to stop (a signal, or a failure).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Keeps the first stdout failure and stops the server.
    fn fail(&self, err: std::io::Error) {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(err);
        self.stop();
    }

    /// The stdout failure, if there was one.
    pub fn failure(&self) -> Option<std::io::Error> {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Resolves once the server is asked to stop.
    pub async fn stopped(&self) {
        let mut seen = self.stop.subscribe();
        let _ = seen.wait_for(|stop| *stop).await;
    }
}

/// The ledger threads and the queue into them.
pub struct LedgerPool {
    jobs: SyncSender<Queued>,
}

impl LedgerPool {
    /// Starts one thread per ledger in `ledgers`.
    pub fn start(
        ledgers: Vec<SharedLedger>,
        file: Option<LedgerFile>,
        stopper: Arc<Stopper>,
    ) -> anyhow::Result<LedgerPool> {
        let file = Arc::new(file);
        let (jobs, queue) = mpsc::sync_channel::<Queued>(QUEUE_ROOM);
        let queue = Arc::new(Mutex::new(queue));
        for (n, ledger) in ledgers.into_iter().enumerate() {
            let (file, queue, stopper) = (file.clone(), queue.clone(), stopper.clone());
            thread::Builder::new()
                .name(format!("ledger-{n}"))
                .spawn(move || ledger_thread(&*ledger, file.as_ref().as_ref(), &queue, &stopper))
                .context("cannot start a ledger thread")?;
        }
        Ok(LedgerPool { jobs })
    }

    /// A health check: `None` when the call was never made.
    pub async fn health(&self) -> Option<Result<(), LedgerError>> {
        let (answer, answered) = oneshot::channel();
        self.call(Work::Health(answer), answered).await
    }

    /// Applies a webhook and prints its line: `None` when the call was never made (the queue
    /// full, or no ledger thread free within [`QUEUE_DEADLINE`]) or its thread died.
    pub async fn apply(&self, apply: Apply) -> Option<Applied> {
        let (answer, answered) = oneshot::channel();
        self.call(Work::Webhook(Box::new(apply), answer), answered).await
    }

    async fn call<T>(&self, work: Work, mut answered: oneshot::Receiver<T>) -> Option<T> {
        let fate = Arc::new(AtomicU8::new(QUEUED));
        match self.jobs.try_send(Queued { fate: fate.clone(), work }) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => return None,
        }
        // A request dropped while its call waits (its connection closed, its deadline passed)
        // drops the call too.
        let guard = DropUnstarted(fate);
        match tokio::time::timeout(QUEUE_DEADLINE, &mut answered).await {
            Ok(answer) => return answer.ok(),
            Err(_elapsed) => {}
        }
        if guard.drop_unstarted() {
            // No ledger thread took it, and now none will: nothing changed.
            return None;
        }
        // Started: its outcome decides the answer, however long the ledger's own bounded
        // waits make it take.
        answered.await.ok()
    }
}

/// Drops a queued call that no ledger thread has started when its request goes away.
struct DropUnstarted(Arc<AtomicU8>);

impl DropUnstarted {
    /// True when the call was still queued, and now never will be made.
    fn drop_unstarted(&self) -> bool {
        self.0.compare_exchange(QUEUED, DROPPED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

impl Drop for DropUnstarted {
    fn drop(&mut self) {
        self.drop_unstarted();
    }
}

fn ledger_thread(
    ledger: &dyn TokenLedger,
    file: Option<&LedgerFile>,
    queue: &Mutex<Receiver<Queued>>,
    stopper: &Stopper,
) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Queued { fate, work }) = next else { return };
        // A call its request dropped (and answered 503 for) is not made: the sender retries.
        if fate.compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire).is_err() {
            continue;
        }
        let checked = file.map(LedgerFile::check).unwrap_or(Ok(()));
        match work {
            Work::Health(answer) => {
                let result =
                    checked.and_then(|()| ledger.status(HEALTH_PROBE_TOKEN, SystemTime::now()).map(drop));
                let _ = answer.send(result);
            }
            Work::Webhook(apply, answer) => {
                let applied = match checked {
                    Ok(()) => apply_and_print(ledger, *apply, stopper),
                    Err(err) => Applied::Failed(err),
                };
                let _ = answer.send(applied);
            }
        }
    }
}

/// Applies one webhook and, once committed, prints its line.
fn apply_and_print(ledger: &dyn TokenLedger, apply: Apply, stopper: &Stopper) -> Applied {
    let now = SystemTime::now();
    let outcome = match &apply {
        Apply::AsPosted(event) => ledger.apply_webhook(event, now),
        Apply::Confirmed(confirmed) => ledger.apply_confirmed(confirmed, now),
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => return Applied::Failed(err),
    };
    if let WebhookOutcome::Refused { reason, .. } = &outcome {
        return Applied::Refused(reason.to_string());
    }
    let event = match &apply {
        Apply::AsPosted(event) => event,
        Apply::Confirmed(confirmed) => confirmed.event(),
    };
    let line = json!({ "webhook": apply.to_json(), "ledger": outcome.to_json(event) });
    match print_line(&line) {
        Ok(()) => Applied::Printed(line),
        Err(err) => {
            // The ledger has committed: the sender's retry (to a restarted server) applies the
            // same webhook again, which changes nothing more, and prints the line then.
            stopper.fail(err);
            Applied::Unprinted
        }
    }
}

/// One line on stdout, flushed, written whole under the stdout lock.
fn print_line(line: &Value) -> std::io::Result<()> {
    let mut out = crate::output::stdout();
    writeln!(out, "{line}")?;
    out.flush()
}

/// The file of an SQLite ledger, as it was when opened. SQLite goes on writing to a file that
/// was deleted (or whose directory was), and those writes are lost; every call checks first
/// that the path still names the file opened, and fails as storage does when it does not.
pub struct LedgerFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

impl LedgerFile {
    /// The file of `location`, if it is an SQLite one.
    pub fn at(location: &faceauth::token::LedgerLocation) -> Option<LedgerFile> {
        let path = location.path()?.to_owned();
        let identity = crate::files::file_identity(&path)?;
        Some(LedgerFile { path, identity })
    }

    fn check(&self) -> Result<(), LedgerError> {
        if crate::files::file_identity(&self.path) == Some(self.identity) {
            Ok(())
        } else {
            Err(LedgerError::Storage {
                action: "find the ledger file",
                reason: "the file was removed or replaced since the server opened it".to_owned(),
            })
        }
    }
}
