//! The HTTP side of `webhook serve`: hyper's HTTP/1.1 connections under the limits that keep
//! one client from starving the others, and a graceful stop.
//!
//! Every wait a client can cause is bounded: the request head within [`HEAD_DEADLINE`] (hyper
//! closes the connection, idle keep-alive ones included), a head over [`MAX_HEAD`] is 431, a
//! body that sends nothing for [`BODY_STALL`] or is not whole within [`BODY_DEADLINE`] is 408
//! (and its connection closed), and the whole request gets [`REQUEST_DEADLINE`]. At most
//! `--max-connections` connections are served at once; past it, new ones wait in the listen
//! backlog. Connections are tasks, not threads: stalled clients cost a few kilobytes each.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
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

/// Serves `app` on `listener` until the stopper says stop (SIGTERM, SIGINT, or a failure),
/// then lets requests in flight finish for up to [`SHUTDOWN_DEADLINE`]. `listening` runs once
/// the signals are caught, before the first connection is taken. Returns false when requests
/// were still in flight at the deadline.
pub async fn run(
    listener: std::net::TcpListener,
    app: Router,
    stopper: Arc<Stopper>,
    max_connections: usize,
    listening: impl FnOnce(),
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
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's errors (a reset, a head too slow) concern that client alone.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Ok(true),
        () = tokio::time::sleep(SHUTDOWN_DEADLINE) => Ok(false),
    }
}
