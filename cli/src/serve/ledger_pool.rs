//! The ledger threads of `webhook serve`: the core's ledger is synchronous, so its calls run on
//! threads of their own, fed through a bounded queue, while the HTTP side stays asynchronous.
//!
//! A call that no ledger thread has started within [`QUEUE_DEADLINE`] is dropped (never made)
//! and answered 503. A call that started is always waited for: it may commit, and 503 promises
//! that nothing changed. A ledger thread takes every call waiting when it comes free, and
//! commits their webhooks in one transaction (group commit: one sync to disk for all). The
//! committed batch goes to the printer thread, which writes their stdout lines (one write for
//! the batch) and only then answers each, so a line follows every commit even when the sender
//! has gone; meanwhile the ledger thread commits the next batch (pipelining). Each webhook's
//! part of its line is serialized by its request, on the runtime's threads, before it is
//! queued: the ledger thread, which every webhook passes through, does only the ledger's work.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use faceauth::token::{LedgerError, TokenLedger, WebhookOutcome, WebhookToApply};
use tokio::sync::oneshot;

use super::metrics::Metrics;
use crate::confirm::Apply;

/// How long a ledger call may wait in the queue: one not started by then is never made, and
/// the request is answered 503.
pub const QUEUE_DEADLINE: Duration = Duration::from_millis(1500);

/// How many calls may wait in the queue; past it a request is answered 503 at once. More than
/// a ledger thread can start within [`QUEUE_DEADLINE`], so the deadline, not the room, decides.
const QUEUE_ROOM: usize = 8192;

/// The most calls a ledger thread takes at once: the webhooks among them are committed in one
/// transaction.
const MAX_BATCH: usize = 256;

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
    Webhook(Box<Posted>, oneshot::Sender<Applied>),
}

/// A webhook to apply, and its part of the output line, already serialized.
struct Posted {
    apply: Apply,
    shown: String,
}

/// A call waiting in the queue, and who has decided its fate.
struct Queued {
    fate: Arc<AtomicU8>,
    work: Work,
}

/// What became of a webhook a ledger thread took.
pub enum Applied {
    /// Committed, and this line (JSON, without its line end) printed on stdout (flushed); the
    /// ledger's outcome.
    Printed(String, &'static str),
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
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<LedgerPool> {
        let file = Arc::new(file);
        let (jobs, queue) = mpsc::sync_channel::<Queued>(QUEUE_ROOM);
        let queue = Arc::new(Mutex::new(queue));
        let (committed, to_print) = mpsc::sync_channel::<Committed>(PRINT_ROOM);
        thread::Builder::new()
            .name("ledger-out".to_owned())
            .spawn(move || printer_thread(&to_print, &stopper))
            .context("cannot start the printer thread")?;
        for (n, ledger) in ledgers.into_iter().enumerate() {
            let (file, queue, committed, metrics) =
                (file.clone(), queue.clone(), committed.clone(), metrics.clone());
            thread::Builder::new()
                .name(format!("ledger-{n}"))
                .spawn(move || ledger_thread(&*ledger, file.as_ref().as_ref(), &queue, &committed, &metrics))
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
        let shown = apply.to_json().to_string();
        self.call(Work::Webhook(Box::new(Posted { apply, shown }), answer), answered).await
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
    printer: &SyncSender<Committed>,
    metrics: &Metrics,
) {
    loop {
        let Some(batch) = next_batch(queue) else { return };
        let checked = file.map(LedgerFile::check).unwrap_or(Ok(()));
        let mut webhooks = Vec::with_capacity(batch.len());
        for work in batch {
            match work {
                Work::Health(answer) => {
                    let result = checked
                        .clone()
                        .and_then(|()| ledger.status(HEALTH_PROBE_TOKEN, SystemTime::now()).map(drop));
                    let _ = answer.send(result);
                }
                Work::Webhook(posted, answer) => webhooks.push((*posted, answer)),
            }
        }
        if webhooks.is_empty() {
            continue;
        }
        match checked {
            Ok(()) => apply(ledger, webhooks, printer, metrics),
            Err(err) => {
                for (_, answer) in webhooks {
                    let _ = answer.send(Applied::Failed(err.clone()));
                }
            }
        }
    }
}

/// The calls waiting now, up to [`MAX_BATCH`], waiting for the first; those whose requests
/// have dropped them are left out (and never made). `None` once the queue is closed.
fn next_batch(queue: &Mutex<Receiver<Queued>>) -> Option<Vec<Work>> {
    let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
    let mut batch = Vec::new();
    let mut next = queue.recv().ok()?;
    loop {
        let Queued { fate, work } = next;
        // A call its request dropped (and answered 503 for) is not made: the sender retries.
        if fate.compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            batch.push(work);
        }
        if batch.len() >= MAX_BATCH {
            break;
        }
        match queue.try_recv() {
            Ok(queued) => next = queued,
            Err(_) => break,
        }
    }
    Some(batch)
}

/// How many committed batches may wait for the printer thread; past it, ledger threads wait.
const PRINT_ROOM: usize = 64;

/// A committed batch, for the printer thread: each webhook, its outcome, and who waits.
type Committed = Vec<(Posted, WebhookOutcome, oneshot::Sender<Applied>)>;

/// Applies the webhooks that arrived together in one transaction (group commit) and, once it
/// has committed, hands them to the printer thread, which prints and answers them.
fn apply(
    ledger: &dyn TokenLedger,
    webhooks: Vec<(Posted, oneshot::Sender<Applied>)>,
    printer: &SyncSender<Committed>,
    metrics: &Metrics,
) {
    let batch: Vec<WebhookToApply<'_>> = webhooks
        .iter()
        .map(|(posted, _)| match &posted.apply {
            Apply::AsPosted(event) => WebhookToApply::Posted(event),
            Apply::Confirmed(confirmed) => WebhookToApply::Confirmed(confirmed),
        })
        .collect();
    let started = Instant::now();
    let applied = ledger.apply_many(&batch, SystemTime::now());
    metrics.committed(batch.len(), started.elapsed());
    drop(batch);
    let outcomes = match applied {
        Ok(outcomes) => outcomes,
        Err(err) => {
            for (_, answer) in webhooks {
                let _ = answer.send(Applied::Failed(err.clone()));
            }
            return;
        }
    };
    let committed: Committed = webhooks
        .into_iter()
        .zip(outcomes)
        .map(|((posted, answer), outcome)| (posted, outcome, answer))
        .collect();
    if let Err(mpsc::SendError(committed)) = printer.send(committed) {
        // The printer is gone (it never stops while ledger threads run): nothing can be
        // printed, so nothing is answered 200.
        for (_, _, answer) in committed {
            let _ = answer.send(Applied::Unprinted);
        }
    }
}

/// Prints each committed batch's lines in one write (flushed) and then answers its webhooks,
/// until every ledger thread has ended. After a failure of stdout nothing more is printed: the
/// server is stopping.
fn printer_thread(batches: &Receiver<Committed>, stopper: &Stopper) {
    let mut failed = false;
    let mut text = Vec::new();
    while let Ok(batch) = batches.recv() {
        text.clear();
        let mut answers = Vec::with_capacity(batch.len());
        for (posted, outcome, answer) in batch {
            if let WebhookOutcome::Refused { reason, .. } = &outcome {
                answers.push((answer, Applied::Refused(reason.to_string())));
                continue;
            }
            let event = match &posted.apply {
                Apply::AsPosted(event) => event,
                Apply::Confirmed(confirmed) => confirmed.event(),
            };
            // As `{"webhook": …, "ledger": …}` serializes, without building the object.
            let line = format!("{{\"webhook\":{},\"ledger\":{}}}", posted.shown, outcome.to_json(event));
            text.extend_from_slice(line.as_bytes());
            text.push(b'\n');
            answers.push((answer, Applied::Printed(line, outcome_name(&outcome))));
        }
        let printed = if failed || text.is_empty() {
            Ok(())
        } else {
            let mut out = crate::output::stdout();
            out.write_all(&text).and_then(|()| out.flush())
        };
        if let Err(err) = printed {
            // The ledger has committed: the senders' retries (to a restarted server) apply the
            // same webhooks again, which changes nothing more, and print the lines then. Which
            // lines reached stdout is unknown, so none is answered 200.
            stopper.fail(err);
            failed = true;
        }
        for (answer, applied) in answers {
            let applied =
                if failed && matches!(applied, Applied::Printed(..)) { Applied::Unprinted } else { applied };
            let _ = answer.send(applied);
        }
    }
}

/// The name `/metrics` and the log give a ledger outcome.
fn outcome_name(outcome: &WebhookOutcome) -> &'static str {
    match outcome {
        WebhookOutcome::Recorded(_) => "recorded",
        WebhookOutcome::UnknownToken { .. } => "unknown_token",
        WebhookOutcome::NoToken => "no_token",
        WebhookOutcome::Ignored { .. } => "ignored",
        WebhookOutcome::Refused { .. } => "refused",
        _ => "other",
    }
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
