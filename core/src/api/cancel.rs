//! Cancelling a call from another thread, and the options of one call.
//!
//! Core starts no thread and keeps no global: a [`Cancel`] is a shared flag plus the socket of
//! the attempt in flight. [`Cancel::cancel`] sets the flag, shuts that socket down (so a read or
//! write blocked on it returns at once) and wakes a backoff sleep; the call then fails with
//! [`ApiError::Cancelled`](super::ApiError::Cancelled) and makes no further attempt.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// A handle that cancels the calls it is given to, from any thread.
///
/// Cheap to clone (an `Arc`); every clone is the same handle. It is `Send + Sync`: keep one
/// clone in the thread that calls and trigger another from a signal handler's thread, a
/// Go context's goroutine or an asyncio task's cancellation.
///
/// Once cancelled it stays cancelled: a call given a cancelled handle fails at once, sending
/// nothing. Use a new handle for each unit of work that can be cancelled on its own.
///
/// A connection that is being opened (TCP connect) is not interrupted: the call notices the
/// cancellation as soon as the connection is up, or when the connect timeout passes.
#[derive(Clone, Default)]
pub struct Cancel {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    cancelled: AtomicBool,
    /// The sockets of the attempts in flight under this handle, by the thread of their call
    /// (one handle may serve calls on several threads).
    sockets: Mutex<Vec<(ThreadId, Socket)>>,
    /// Wakes backoff sleeps.
    wake: Condvar,
}

impl Cancel {
    /// A new handle, not cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every call using this handle, now and later: shuts down the connection of the
    /// attempt in flight and wakes a backoff sleep. Callable from any thread, any number of
    /// times; it never blocks for long (a short lock).
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::SeqCst);
        let sockets = std::mem::take(&mut *self.sockets());
        for (_, socket) in sockets {
            shut(&socket);
        }
        self.shared.wake.notify_all();
    }

    /// True once [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// True when both are the same handle (clones of one another).
    pub fn same(&self, other: &Cancel) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    fn sockets(&self) -> MutexGuard<'_, Vec<(ThreadId, Socket)>> {
        // A poisoned lock only means a panic elsewhere while it was held: the list is still valid.
        self.shared.sockets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Ties the socket of the attempt in flight to this handle, shutting it down at once if
    /// the handle is already cancelled. Returns false then.
    pub(crate) fn attach(&self, socket: &Socket) -> bool {
        let thread = std::thread::current().id();
        let mut sockets = self.sockets();
        // Checked under the lock `cancel` takes, so a socket attached during a cancel is shut.
        if self.is_cancelled() {
            shut(socket);
            return false;
        }
        if !sockets.iter().any(|(t, s)| *t == thread && Weak::ptr_eq(s, socket)) {
            sockets.push((thread, Weak::clone(socket)));
        }
        true
    }

    /// Unties the sockets of this thread's call (it ended; its connection may go back to the
    /// pool, where a later cancel must not reach it).
    fn detach_thread(&self, thread: ThreadId) {
        self.sockets().retain(|(t, _)| *t != thread);
    }

    /// Sleeps `duration`, waking early on cancellation. Returns false when cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let end = Instant::now() + duration;
        let mut guard = self.sockets();
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            guard = match self.shared.wake.wait_timeout(guard, end - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// A connection's socket, as ureq lets a connector reach it: shutting it down makes any read
/// or write blocked on it return.
pub(crate) type Socket = Weak<dyn ureq::unversioned::transport::ShutdownHandle>;

fn shut(socket: &Socket) {
    if let Some(socket) = socket.upgrade() {
        socket.shutdown();
    }
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancel").field("cancelled", &self.is_cancelled()).finish()
    }
}

/// The options of one call: a [`Cancel`] handle and a deadline. The default is neither, which
/// is what the plain calls (`client.get(id)`) use.
///
/// ```
/// use std::time::Duration;
/// use faceauth::api::{CallOptions, Cancel};
///
/// let cancel = Cancel::new();
/// let options = CallOptions::new().cancel(&cancel).timeout(Duration::from_secs(5));
/// // client.get_with(&options, "auth-id"), while another thread may call cancel.cancel()
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    cancel: Option<Cancel>,
    deadline: Option<Instant>,
}

impl CallOptions {
    /// No cancel handle, no deadline.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Cancels the call when this handle is cancelled (the options keep a clone).
    pub fn cancel(mut self, cancel: &Cancel) -> CallOptions {
        self.cancel = Some(cancel.clone());
        self
    }

    /// The instant by which the whole call must end, every attempt and backoff included. When
    /// it passes the call fails with [`ApiError::DeadlineExceeded`](super::ApiError), whose
    /// kind is `api_timeout`, naming how many attempts were made.
    pub fn deadline(mut self, deadline: Instant) -> CallOptions {
        self.deadline = Some(deadline);
        self
    }

    /// A deadline `timeout` from now.
    pub fn timeout(self, timeout: Duration) -> CallOptions {
        let deadline = Instant::now().checked_add(timeout);
        match deadline {
            Some(deadline) => self.deadline(deadline),
            // Further away than the clock can say: no deadline.
            None => self,
        }
    }

    /// The cancel handle, if any.
    pub fn cancel_handle(&self) -> Option<&Cancel> {
        self.cancel.as_ref()
    }

    /// The deadline, if any.
    pub fn deadline_instant(&self) -> Option<Instant> {
        self.deadline
    }
}

/// The calls in flight that carry a cancel handle, by thread: what lets a pooled connection,
/// which knows nothing of the call reusing it, find that call's handle. Each client owns one
/// (no global); it is empty, and costs one atomic load per I/O step, unless a call has a handle.
#[derive(Default)]
pub(crate) struct Calls {
    count: std::sync::atomic::AtomicUsize,
    calls: Mutex<Vec<(ThreadId, Cancel)>>,
}

impl Calls {
    fn calls(&self) -> MutexGuard<'_, Vec<(ThreadId, Cancel)>> {
        self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers the calling thread's call for as long as the guard lives.
    pub(crate) fn enter(self: &Arc<Self>, cancel: &Cancel) -> CallGuard {
        let thread = std::thread::current().id();
        self.calls().push((thread, cancel.clone()));
        self.count.fetch_add(1, Ordering::SeqCst);
        CallGuard { calls: Arc::clone(self), thread, cancel: cancel.clone() }
    }

    /// The cancel handle of the call running on this thread, if it has one.
    pub(crate) fn current(&self) -> Option<Cancel> {
        if self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let thread = std::thread::current().id();
        self.calls().iter().rev().find(|(t, _)| *t == thread).map(|(_, c)| c.clone())
    }
}

/// Removes a call from [`Calls`] when it ends.
pub(crate) struct CallGuard {
    calls: Arc<Calls>,
    thread: ThreadId,
    cancel: Cancel,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.cancel.detach_thread(self.thread);
        let mut calls = self.calls.calls();
        if let Some(at) = calls.iter().rposition(|(t, _)| *t == self.thread) {
            calls.remove(at);
            self.calls.count.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_wakes_a_sleep_and_stays_cancelled() {
        let cancel = Cancel::new();
        let other = cancel.clone();
        let sleeper = std::thread::spawn(move || other.sleep(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
        assert!(!sleeper.join().expect("sleeper"));
        assert!(cancel.is_cancelled());
        assert!(!cancel.sleep(Duration::from_secs(60)));
        assert!(Cancel::new().sleep(Duration::from_millis(1)));
    }

    #[test]
    fn calls_are_found_by_thread_and_removed_when_they_end() {
        let calls = Arc::new(Calls::default());
        assert!(calls.current().is_none());
        let cancel = Cancel::new();
        {
            let _guard = calls.enter(&cancel);
            assert!(calls.current().is_some_and(|c| c.same(&cancel)));
            let elsewhere = Arc::clone(&calls);
            assert!(std::thread::spawn(move || elsewhere.current().is_none()).join().expect("thread"));
        }
        assert!(calls.current().is_none());
    }
}
