//! One connection: its state (when its request head began, when bytes last moved, whether a
//! request is in service), the I/O wrapper that keeps that state, and the task that serves it
//! with hyper until it ends, times out, is shed, or drains at shutdown.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};

use super::ListenerLimits;
use super::parse_errors::{self, Rewrite};
use crate::http::Body;
use crate::metrics::{ConnectionEvent, Metrics};

/// Milliseconds since the first call, plus one (0 means "not set").
fn now_ms() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

fn instant_of(ms: u64) -> Instant {
    let now = now_ms();
    Instant::now() + Duration::from_millis(ms.saturating_sub(now))
}

/// What the watchdog and the shedder know of one connection.
pub struct ConnState {
    /// When the request head now being received began (0: none is).
    head_started: AtomicU64,
    /// When bytes last moved either way, or a request finished.
    last_activity: AtomicU64,
    /// Requests handed to the service and not yet answered.
    in_flight: AtomicU32,
    /// Responses answered by the service whose head hyper has not written yet.
    unwritten_responses: AtomicU32,
    shed: AtomicBool,
    shed_signal: Notify,
    /// Wakes the watchdog when its deadline moves (a head began, a request ended).
    changed: Notify,
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expired {
    Header,
    Idle,
}

impl ConnState {
    /// A new connection: its first request head is due from now.
    pub fn new() -> ConnState {
        let now = now_ms();
        ConnState {
            head_started: AtomicU64::new(now),
            last_activity: AtomicU64::new(now),
            in_flight: AtomicU32::new(0),
            unwritten_responses: AtomicU32::new(0),
            shed: AtomicBool::new(false),
            shed_signal: Notify::new(),
            changed: Notify::new(),
        }
    }

    /// No request is in service (a connection waiting for, or slowly sending, a request head).
    pub fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// Asks the connection to close now; `false` if it was asked already.
    pub fn shed(&self) -> bool {
        if self.shed.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.shed_signal.notify_one();
        true
    }

    fn bytes_read(&self) {
        let now = now_ms();
        self.last_activity.store(now, Ordering::Release);
        if self.is_idle() {
            // The first byte of the next request head starts its clock.
            let began =
                self.head_started
                    .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
            if began.is_ok() {
                self.changed.notify_one();
            }
        }
    }

    fn bytes_written(&self) {
        self.last_activity.store(now_ms(), Ordering::Release);
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
    }

    fn request_ended(&self, answered: bool) {
        if answered {
            self.unwritten_responses.fetch_add(1, Ordering::AcqRel);
        }
        self.last_activity.store(now_ms(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.changed.notify_one();
    }

    /// A response head of the service's is being written (`false`: hyper wrote one of its own).
    fn take_response(&self) -> bool {
        self.unwritten_responses
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// When the watchdog must look again, and what expires then (`None`: a request is in
    /// service, and the service's own timeouts apply).
    fn deadline(&self, limits: &ListenerLimits) -> Option<(u64, Expired)> {
        if !self.is_idle() {
            return None;
        }
        let head = self.head_started.load(Ordering::Acquire);
        if head != 0 {
            return Some((
                head + limits.header_read_timeout.as_millis() as u64,
                Expired::Header,
            ));
        }
        let last = self.last_activity.load(Ordering::Acquire);
        Some((last + limits.idle_timeout.as_millis() as u64, Expired::Idle))
    }
}

impl Default for ConnState {
    fn default() -> Self {
        ConnState::new()
    }
}

/// The socket as hyper sees it: reads and writes keep the connection's state, and hyper's own
/// replies to unparsable requests are rewritten into the runtime's JSON errors.
struct WatchedIo {
    inner: TcpStream,
    state: Arc<ConnState>,
    rewrite: Option<Rewrite>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.bytes_read();
        }
        polled
    }
}

impl WatchedIo {
    /// Writes the rewritten reply in place of hyper's; `buf_len` is reported written once the
    /// replacement is out.
    fn poll_rewrite(&mut self, cx: &mut Context<'_>, buf_len: usize) -> Poll<io::Result<usize>> {
        let Some(rewrite) = &mut self.rewrite else {
            return Poll::Ready(Ok(buf_len));
        };
        while !rewrite.remaining().is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, rewrite.remaining()) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => rewrite.advance(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.state.bytes_written();
        Poll::Ready(Ok(buf_len))
    }

    /// Whether a write starting with `first` is hyper's own error reply, to be rewritten.
    fn intercept(&mut self, first: &[u8]) -> bool {
        if self.rewrite.is_some() {
            return true;
        }
        if !first.starts_with(b"HTTP/1.") || self.state.take_response() {
            return false;
        }
        match parse_errors::rewrite(first) {
            Some(r) => {
                self.rewrite = Some(r);
                true
            }
            None => false,
        }
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.intercept(buf) {
            return self.poll_rewrite(cx, buf.len());
        }
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.state.bytes_written();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
        if self.intercept(first) {
            let total = bufs.iter().map(|b| b.len()).sum();
            return self.poll_rewrite(cx, total);
        }
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.state.bytes_written();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Marks a request in service until dropped (answered, or abandoned with its connection).
struct InService {
    state: Arc<ConnState>,
    answered: bool,
}

impl Drop for InService {
    fn drop(&mut self) {
        self.state.request_ended(self.answered);
    }
}

/// The service hyper calls, wrapped so the connection's state knows when a request is in
/// service.
#[derive(Clone)]
struct Watched<S> {
    inner: S,
    state: Arc<ConnState>,
}

impl<S> Service<Request<Incoming>> for Watched<S>
where
    S: Service<Request<Incoming>, Response = Response<Body>, Error = std::convert::Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = std::convert::Infallible;
    type Future = Pin<
        Box<
            dyn std::future::Future<Output = Result<Response<Body>, std::convert::Infallible>>
                + Send,
        >,
    >;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        self.state.request_started();
        let guard = InService {
            state: self.state.clone(),
            answered: false,
        };
        let future = self.inner.call(req);
        Box::pin(async move {
            // The whole guard moves in (not just the field written below), so it lives as long
            // as the request does.
            let mut guard = guard;
            let response = future.await;
            guard.answered = true;
            response
        })
    }
}

/// How a listener serves each of its connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSpec {
    /// `http` or `admin` (the metrics label).
    pub listener: &'static str,
    pub limits: ListenerLimits,
    /// hyper's read buffer cap (request heads larger than this are answered 431).
    pub max_buf_size: usize,
}

/// Serves one connection until the client closes it, it times out (header read or idle), it is
/// shed, or — after `stop` — it has drained.
pub async fn serve_connection<S>(
    stream: TcpStream,
    state: Arc<ConnState>,
    service: S,
    spec: ConnectionSpec,
    metrics: &Metrics,
    mut stop: watch::Receiver<bool>,
) where
    S: Service<Request<Incoming>, Response = Response<Body>, Error = std::convert::Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let ConnectionSpec {
        listener,
        limits,
        max_buf_size,
    } = spec;
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(WatchedIo {
        inner: stream,
        state: state.clone(),
        rewrite: None,
    });
    let service = Watched {
        inner: service,
        state: state.clone(),
    };
    let conn = http1::Builder::new()
        .max_buf_size(max_buf_size)
        // The watchdog below keeps the header-read clock (it also covers the wait for a first
        // request, which hyper's timer does not distinguish from keep-alive idling).
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = *stop.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let due = state.deadline(&limits);
        let wake = due.map(|(ms, _)| instant_of(ms));
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = sleep_until(wake) => {
                let expired = state.deadline(&limits).filter(|(ms, _)| *ms <= now_ms());
                if let Some((_, why)) = expired {
                    let event = match why {
                        Expired::Header => ConnectionEvent::HeaderTimeout,
                        Expired::Idle => ConnectionEvent::IdleTimeout,
                    };
                    tracing::debug!(listener, ?why, "closing a connection: timed out");
                    metrics.connection(listener, event);
                    break;
                }
            }
            _ = state.changed.notified() => {}
            _ = state.shed_signal.notified() => {
                metrics.connection(listener, ConnectionEvent::Shed);
                break;
            }
            changed = stop.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

async fn sleep_until(when: Option<Instant>) {
    match when {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
