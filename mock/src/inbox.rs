//! A webhook receiver for tests: where the simulator (or Argos, in a staging set-up) posts.

use std::io;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::Router;

/// The largest webhook body kept.
const MAX_BODY: usize = 1 << 20;

/// An HTTP server on loopback that answers `200` to every request and keeps each body, in
/// order of arrival (axum on a thread of its own). Point the simulator's `webhook_url` at
/// [`WebhookInbox::url`], then read what arrived with [`WebhookInbox::next`]. Its thread ends
/// when the process does.
///
/// ```no_run
/// use std::time::Duration;
/// use faceauth_mock::WebhookInbox;
///
/// let inbox = WebhookInbox::start()?;
/// // … start a MockServer with `webhook_url: Some(inbox.url().to_owned())`, open a link …
/// let body = inbox.next(Duration::from_secs(5)).expect("a webhook arrives");
/// let event = faceauth::webhook::parse(&body, None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct WebhookInbox {
    url: String,
    bodies: mpsc::Receiver<Vec<u8>>,
}

impl WebhookInbox {
    /// Starts the receiver on a free loopback port.
    ///
    /// # Errors
    /// If no loopback port can be bound.
    pub fn start() -> io::Result<WebhookInbox> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let (tx, bodies) = mpsc::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        thread::Builder::new().name("faceauth-inbox".to_owned()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                // Every request, whatever its path, is a webhook: kept, and answered 200.
                let app = Router::new()
                    .fallback(|State(tx): State<mpsc::Sender<Vec<u8>>>, body: Bytes| async move {
                        let _ = tx.send(body.to_vec());
                    })
                    .layer(DefaultBodyLimit::max(MAX_BODY))
                    .with_state(tx);
                let _ = axum::serve(listener, app).await;
            });
        })?;
        Ok(WebhookInbox { url, bodies })
    }

    /// The URL to post webhooks to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next body received, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Vec<u8>> {
        self.bodies.recv_timeout(timeout).ok()
    }
}
