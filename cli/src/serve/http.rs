//! The HTTP side of `webhook serve`: hyper's HTTP/1.1 connections under the limits that keep
//! one client from starving the others, and a graceful stop.
//!
//! Every wait a client can cause is bounded: the request head within [`HEAD_DEADLINE`] (hyper
//! closes the connection, idle keep-alive ones included), a head over [`MAX_HEAD`] is 431, a
//! body that sends nothing for [`BODY_STALL`] or is not whole within [`BODY_DEADLINE`] is 408
//! (and its connection closed), and the whole request gets [`REQUEST_DEADLINE`]. At most
//! `--max-connections` connections are served at once; past it, new ones wait in the listen
//! backlog. Connections are tasks, not threads: stalled clients cost a few kilobytes each.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use super::ledger_pool::Stopper;

/// How long a client may take to send a request head; also how long a keep-alive connection
/// may stay idle. hyper closes the connection past it.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// The largest request head (request line and headers); larger ones get 431.
pub const MAX_HEAD: usize = 16 * 1024;

/// What hyper buffers of a connection's input at most (a head must fit in it).
const MAX_BUFFER: usize = 64 * 1024;

/// How long a request body may send nothing before it is answered 408.
pub const BODY_STALL: Duration = Duration::from_secs(5);

/// How long a whole request body may take (a body sent a byte at a time gets 408 then).
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);

/// The deadline of a whole request once its head is read: above every bound of its parts
/// (the body's 10 s, Argos's 2 s, the ledger's 4 s), so that it never cuts a request that
/// keeps to them, and a 408 if one does not.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(20);

/// How long a stop waits for requests in flight before exiting anyway.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(4500);

/// The limits of requests, as layers around the application's routes.
pub fn with_limits(app: Router) -> Router {
    app.layer(RequestBodyTimeoutLayer::new(BODY_STALL))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_DEADLINE))
}

/// A connection hyper refused or closed itself, before any request reached the application
/// (so that no request line counts or logs it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A head over [`MAX_HEAD`] (431), or a request target too long (414).
    HeadTooLarge,
    /// Part of a head arrived, and not the rest within [`HEAD_DEADLINE`]: closed unanswered.
    HeadTimeout,
    /// Nothing arrived within [`HEAD_DEADLINE`] since the connection opened or since its last
    /// answer (an idle keep-alive connection): closed. Routine, so counted but not logged.
    Idle,
    /// A head that is not HTTP/1.1 (400).
    Malformed,
}

impl Refusal {
    /// What hyper's error `err` on a connection was, if it was a refusal; `head_started` tells
    /// whether bytes of a head had arrived since the last answer.
    fn of(err: &hyper::Error, head_started: bool) -> Option<Refusal> {
        if err.is_parse_too_large() {
            Some(Refusal::HeadTooLarge)
        } else if err.is_parse() || err.is_parse_version_h2() {
            Some(Refusal::Malformed)
        } else if err.is_timeout() {
            Some(if head_started { Refusal::HeadTimeout } else { Refusal::Idle })
        } else {
            // A reset, or a client that closed mid-request: the client's doing, not a refusal.
            None
        }
    }

    /// Its label in `/metrics` and the log.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::HeadTooLarge => "head_too_large",
            Refusal::HeadTimeout => "head_timeout",
            Refusal::Idle => "idle",
            Refusal::Malformed => "malformed",
        }
    }

    /// The status hyper answered, if it answered.
    pub fn status(self) -> Option<u16> {
        match self {
            Refusal::HeadTooLarge => Some(431),
            Refusal::Malformed => Some(400),
            Refusal::HeadTimeout | Refusal::Idle => None,
        }
    }
}

/// A connection's socket, noting whether bytes arrived since the server last wrote: whether a
/// head was under way when the head deadline passed, or the connection was idle.
struct Watched {
    stream: TcpStream,
    head_started: Arc<AtomicBool>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.head_started.store(true, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        // An answer: what arrives next starts the next head.
        self.head_started.store(false, Ordering::Relaxed);
        Pin::new(&mut self.stream).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.head_started.store(false, Ordering::Relaxed);
        Pin::new(&mut self.stream).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves `app` on `listener` until the stopper says stop (SIGTERM, SIGINT, or a failure),
/// then lets requests in flight finish for up to [`SHUTDOWN_DEADLINE`]. `listening` runs once
/// the signals are caught, before the first connection is taken; `refused` is told of each
/// connection hyper refused or closed itself. Returns false when requests were still in
/// flight at the deadline.
pub async fn run(
    listener: std::net::TcpListener,
    app: Router,
    stopper: Arc<Stopper>,
    max_connections: usize,
    listening: impl FnOnce(),
    refused: impl Fn(Refusal, &hyper::Error) + Clone + Send + 'static,
) -> anyhow::Result<bool> {
    let listener = tokio::net::TcpListener::from_std(listener).context("cannot listen")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let on_signal = stopper.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        on_signal.stop();
    });
    listening();

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_buf_size(MAX_BUFFER)
        .max_header_size(MAX_HEAD);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_connections));
    loop {
        let slot = tokio::select! {
            biased;
            () = stopper.stopped() => break,
            slot = slots.clone().acquire_owned() => slot.context("the connection slots closed")?,
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = stopper.stopped() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // the listener itself is fine, so wait a moment and go on.
                    crate::output::note(format_args!("faceauth: webhook serve: cannot accept: {err}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // An answer must not wait for the client's delayed ACK (Nagle's algorithm).
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request)
        });
        let head_started = Arc::new(AtomicBool::new(false));
        let io = TokioIo::new(Watched { stream, head_started: head_started.clone() });
        let connection = graceful.watch(http.serve_connection(io, service));
        let refused = refused.clone();
        tokio::spawn(async move {
            // A connection's errors (a reset, a head too slow) concern that client alone; those
            // that are hyper's own refusals are counted and logged.
            if let Err(err) = connection.await {
                if let Some(refusal) = Refusal::of(&err, head_started.load(Ordering::Relaxed)) {
                    refused(refusal, &err);
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Ok(true),
        () = tokio::time::sleep(SHUTDOWN_DEADLINE) => Ok(false),
    }
}
