//! One call's options, its cancellation and Ctrl-C: `faceauth.Cancel`, the `timeout=` and
//! `cancel=` keywords of every `Client` call, and [`run`], which makes a blocking call
//! interruptible.
//!
//! Python runs signal handlers only on the main thread, and only when that thread runs Python
//! code. A call blocked in Rust would hold a Ctrl-C back until it ended (with retries, minutes).
//! So on the main thread [`run`] does the work on a helper thread while the main thread waits
//! for it in slices of [`SLICE`], with the GIL released, checking for signals between slices: a
//! handler that raises (Ctrl-C's `KeyboardInterrupt`) cancels the call's core handle, which
//! aborts the request in flight, and the exception is raised once the helper has ended. Other
//! threads receive no signals, so there the work runs on the calling thread, as before.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use faceauth::api::{CallOptions, Cancel};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::errors::invalid_argument_err;

/// Adds `Cancel` to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCancel>()?;
    Ok(())
}

/// How long the main thread waits for a call before it looks for signals again: a Ctrl-C is
/// acted on within this (and the GIL's switch interval).
const SLICE: Duration = Duration::from_millis(50);

/// A handle that cancels the `Client` calls it is given to (`cancel=`), from any thread.
///
/// `Cancel()`, then `cancel.cancel()` from another thread (or a signal handler): the request in
/// flight is aborted, no further attempt is made, and the call raises `faceauth.Cancelled`.
/// Once cancelled it stays cancelled: a call given it later raises at once, sending nothing.
/// Use one handle per unit of work. `AsyncClient` makes one per call for task cancellation.
#[pyclass(module = "faceauth", name = "Cancel", frozen)]
pub struct PyCancel {
    state: Arc<Mutex<CancelState>>,
}

/// The handle's flag and the core handles of the calls in flight under it (each call has its
/// own core handle, so that a Ctrl-C aborts that call without cancelling the shared handle).
#[derive(Default)]
struct CancelState {
    cancelled: bool,
    calls: Vec<Cancel>,
}

fn lock(state: &Mutex<CancelState>) -> MutexGuard<'_, CancelState> {
    // Nothing panics under this lock; a poisoned one still holds a valid list.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[pymethods]
impl PyCancel {
    #[new]
    fn new() -> PyCancel {
        PyCancel { state: Arc::default() }
    }

    /// Cancels every call using this handle, now and later. Any thread, any number of times.
    fn cancel(&self) {
        let calls = {
            let mut state = lock(&self.state);
            state.cancelled = true;
            std::mem::take(&mut state.calls)
        };
        for call in calls {
            call.cancel();
        }
    }

    /// True once `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        lock(&self.state).cancelled
    }

    fn __repr__(&self) -> String {
        format!("Cancel(cancelled={})", if self.cancelled() { "True" } else { "False" })
    }
}

/// Ties a call's core handle to a `faceauth.Cancel` while the call lasts.
struct Link {
    state: Arc<Mutex<CancelState>>,
    call: Cancel,
}

impl Link {
    fn new(cancel: &PyCancel, call: &Cancel) -> Link {
        let mut state = lock(&cancel.state);
        if state.cancelled {
            call.cancel();
        } else {
            state.calls.push(call.clone());
        }
        Link { state: Arc::clone(&cancel.state), call: call.clone() }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        lock(&self.state).calls.retain(|c| !c.same(&self.call));
    }
}

/// One call's options as the keywords gave them, and what [`Call::run`] needs to interrupt it.
pub(crate) struct Call {
    /// What core is given.
    pub(crate) options: CallOptions,
    /// The call's own core handle, when it has one (on the main thread, with `cancel=`, and
    /// always for a listing).
    handle: Option<Cancel>,
    /// Whether the call runs on the main thread; `None` for a listing, whose pages may be
    /// fetched from any thread (asked for each page).
    main_thread: Option<bool>,
    _link: Option<Link>,
}

impl Call {
    /// The options of a call given `timeout=` (seconds for the whole call, retries included)
    /// and `cancel=`.
    pub(crate) fn new(py: Python<'_>, timeout: Option<f64>, cancel: Option<&PyCancel>) -> PyResult<Call> {
        let main_thread = on_main_thread(py)?;
        Call::make(py, timeout, cancel, main_thread || cancel.is_some(), Some(main_thread))
    }

    /// The options of a listing: they apply to every page (the deadline bounds the whole
    /// listing), and a Ctrl-C while a page is fetched on the main thread cancels the listing.
    pub(crate) fn listing(py: Python<'_>, timeout: Option<f64>, cancel: Option<&PyCancel>) -> PyResult<Call> {
        Call::make(py, timeout, cancel, true, None)
    }

    fn make(
        py: Python<'_>,
        timeout: Option<f64>,
        cancel: Option<&PyCancel>,
        with_handle: bool,
        main_thread: Option<bool>,
    ) -> PyResult<Call> {
        let mut options = CallOptions::new();
        if let Some(timeout) = timeout {
            options = options.timeout(call_timeout(py, timeout)?);
        }
        let handle = with_handle.then(Cancel::new);
        let mut link = None;
        if let Some(handle) = &handle {
            options = options.cancel(handle);
            link = cancel.map(|cancel| Link::new(cancel, handle));
        }
        Ok(Call { options, handle, main_thread, _link: link })
    }

    /// Runs `work` (the core call) with the GIL released, interruptible by signals on the main
    /// thread (see the module's documentation).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        py: Python<'_>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> PyResult<T> {
        if let Some(handle) = &self.handle {
            let main_thread = match self.main_thread {
                Some(known) => known,
                None => on_main_thread(py)?,
            };
            if main_thread {
                return run(py, handle, work);
            }
        }
        Ok(py.detach(work))
    }
}

/// `timeout=` as a duration: a positive, finite number of seconds.
fn call_timeout(py: Python<'_>, seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
        invalid_argument_err(py, format!("timeout must be a positive number of seconds, got {seconds}"))
    })
}

/// `threading.get_ident` and `threading.main_thread`, looked up once.
static THREADING: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// Whether this is the thread Python runs signal handlers on. Asked each call: after a fork
/// from another thread, that thread becomes the child's main thread.
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let (get_ident, main_thread) = THREADING.get_or_try_init(py, || -> PyResult<_> {
        let threading = py.import("threading")?;
        Ok((threading.getattr("get_ident")?.unbind(), threading.getattr("main_thread")?.unbind()))
    })?;
    let current: u64 = get_ident.bind(py).call0()?.extract()?;
    let main: Option<u64> = main_thread.bind(py).call0()?.getattr("ident")?.extract()?;
    Ok(main == Some(current))
}

/// Runs `work` on a helper thread while this (the main) thread waits in slices with the GIL
/// released and runs signal handlers between them. When a handler raises, `handle` is
/// cancelled (aborting the request in flight), the work is waited for, and the handler's
/// exception is returned; the work's own result is then dropped.
fn run<T: Send + 'static>(
    py: Python<'_>,
    handle: &Cancel,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (sender, receiver) = mpsc::sync_channel(1);
    helpers::start(Box::new(move || {
        // The receiver is gone only when the main thread gave up on the result.
        let _ = sender.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
    }))
    .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread for the call: {e}")))?;
    let mut receiver = receiver;
    let mut interrupted = None;
    loop {
        // The receiver is not Sync: it goes to the GIL-free closure and comes back.
        let (back, received) = py.detach(move || {
            let received = receiver.recv_timeout(SLICE);
            (receiver, received)
        });
        receiver = back;
        match received {
            Ok(Ok(value)) => return interrupted.map_or(Ok(value), Err),
            // The work panicked: the panic goes on to pyo3's boundary, as on this thread.
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(RecvTimeoutError::Timeout) if interrupted.is_none() => {
                if let Err(err) = py.check_signals() {
                    handle.cancel();
                    // Waits (GIL released: the attempt hook may need it) for the aborted call.
                    interrupted = Some(err);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(interrupted
                    .unwrap_or_else(|| PyRuntimeError::new_err("the call's thread ended without a result")))
            }
        }
    }
}

/// The helper threads of main-thread calls, kept between calls: starting a thread per call
/// would cost more than the call on a local server. Usually one (a signal handler that makes a
/// call while one waits needs a second). They live as long as the process.
mod helpers {
    use std::sync::mpsc::{self, Sender};
    use std::sync::{Mutex, PoisonError};

    type Job = Box<dyn FnOnce() + Send + 'static>;

    /// The idle helpers, and the process they belong to (after a fork the child has none).
    static IDLE: Mutex<(u32, Vec<Sender<Job>>)> = Mutex::new((0, Vec::new()));

    fn idle() -> Option<Sender<Job>> {
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if idle.0 != pid {
            // A forked child: its parent's helpers did not come along.
            *idle = (pid, Vec::new());
        }
        idle.1.pop()
    }

    /// Runs `job` on an idle helper, or on a new one.
    pub(super) fn start(job: Job) -> std::io::Result<()> {
        let job = match idle() {
            Some(helper) => match helper.send(job) {
                Ok(()) => return Ok(()),
                // That helper is gone (it cannot be, short of a bug): a new one takes the job.
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (sender, jobs) = mpsc::channel::<Job>();
        let own = sender.clone();
        std::thread::Builder::new().name("faceauth-call".to_owned()).spawn(move || {
            let pid = std::process::id();
            for job in jobs {
                job();
                let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
                if idle.0 == pid {
                    idle.1.push(own.clone());
                }
            }
        })?;
        sender.send(job).map_err(|_| std::io::Error::other("the new helper thread is gone"))
    }
}
