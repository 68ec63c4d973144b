//! A webhook receiver for tests: where the simulator (or Argos, in a staging set-up) posts.

use std::io::{self, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::http::{read_body, read_head, BodyLength, HEAD_LIMIT};

/// The largest webhook body kept.
const MAX_BODY: usize = 1 << 20;

/// An HTTP server on loopback that answers `200` to every request and keeps each body, in
/// order of arrival. Point the simulator's `webhook_url` at [`WebhookInbox::url`], then read
/// what arrived with [`WebhookInbox::next`]. Its threads end when the process does.
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
        let url = format!("http://{}/hook", listener.local_addr()?);
        let (tx, bodies) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let tx = tx.clone();
                thread::spawn(move || {
                    let Ok(writer) = stream.try_clone() else { return };
                    let mut reader = BufReader::new(stream);
                    let mut writer = writer;
                    // Keep-alive: one body per request until the sender closes.
                    while let Ok(head) = read_head(&mut reader, HEAD_LIMIT) {
                        let BodyLength::Length(len) = head.body_length() else { return };
                        if len > MAX_BODY {
                            return;
                        }
                        let Ok(body) = read_body(&mut reader, len) else { return };
                        if tx.send(body).is_err()
                            || writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
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
