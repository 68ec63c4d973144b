//! `limits.write_timeout_ms`: a connection whose client stops reading is closed once one write
//! of an answer has waited that long without a byte going out. hyper has no write timeout of its
//! own, so the connection's socket is wrapped.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// A socket whose writes fail with [`io::ErrorKind::TimedOut`] once one has been pending for
/// `limit`: hyper then ends the connection and drops the socket. A write that makes progress,
/// however slowly, starts the wait again: the limit is on a client that does not read at all,
/// as a blocking socket's send timeout was.
pub(crate) struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    /// Set when a write first found no room, cleared when one goes through.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteDeadline<S> {
    pub(crate) fn new(inner: S, limit: Duration) -> WriteDeadline<S> {
        WriteDeadline { inner, limit, waiting: None }
    }

    /// What a write that found no room returns: still pending, or, past the limit, an error.
    /// Polling the timer registers the task to be woken when it fires, so a client that never
    /// reads again still gets its connection closed.
    fn blocked<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let waiting = self.waiting.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match waiting.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing within the write timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The result of a write: the wait ends when it goes through.
    fn written<T>(&mut self, polled: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => self.blocked(cx),
            ready => {
                self.waiting = None;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.written(polled, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, data);
        self.written(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.written(polled, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.written(polled, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// A pipe whose reader never reads: the write fails once the limit passes, and a pipe that
    /// is read from lets writes through however long they take overall.
    #[test]
    fn a_write_nobody_reads_fails_after_the_limit() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let (writer, _reader) = tokio::io::duplex(64);
            let mut writer = WriteDeadline::new(writer, Duration::from_millis(50));
            let err = writer.write_all(&[7u8; 1024]).await.expect_err("the write times out");
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);

            let (writer, mut reader) = tokio::io::duplex(64);
            let mut writer = WriteDeadline::new(writer, Duration::from_millis(50));
            let reading = tokio::spawn(async move {
                let mut got = Vec::new();
                tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut got).await.map(|_| got.len())
            });
            writer.write_all(&[7u8; 1024]).await.expect("a read pipe takes the writes");
            drop(writer);
            assert_eq!(reading.await.expect("the reader").expect("read"), 1024);
        });
    }
}
