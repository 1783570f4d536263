//! When the server stops: on `exit`, and on the end of its input, whatever is still pending.
//!
//! tower-lsp-server's `serve` returns only when every handler future has finished, so a handler
//! waiting on a client that never answers (a `client/registerCapability` that minimal clients
//! ignore) would keep the process alive forever after `exit`. The server therefore races `serve`
//! against this signal, and leaves a short grace for responses already being written.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Notify;

/// How long responses already produced get to reach the client after `exit` or end of input.
pub const GRACE: Duration = Duration::from_millis(200);

#[derive(Default)]
pub struct Ending {
    shutdown_requested: AtomicBool,
    ended: Notify,
}

impl Ending {
    pub fn new() -> Arc<Ending> {
        Arc::new(Ending::default())
    }

    /// The client sent `shutdown`.
    pub fn shutdown_requested(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
    }

    /// `exit` arrived, or the input ended.
    pub fn end(&self) {
        self.ended.notify_one();
    }

    /// Completes once [`Ending::end`] was called (before or after this call), plus the grace.
    pub async fn ended(&self) {
        self.ended.notified().await;
        tokio::time::sleep(GRACE).await;
    }

    /// The protocol's exit code: 0 when `shutdown` came first, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.shutdown_requested.load(Ordering::SeqCst) {
            0
        } else {
            1
        }
    }
}

/// The server's input, which reports its end to [`Ending`].
pub struct WatchedInput<R> {
    inner: R,
    ending: Arc<Ending>,
}

impl<R> WatchedInput<R> {
    pub fn new(inner: R, ending: Arc<Ending>) -> Self {
        WatchedInput { inner, ending }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for WatchedInput<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &polled {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.ending.end()
            }
            Poll::Ready(Err(_)) => self.ending.end(),
            _ => {}
        }
        polled
    }
}
