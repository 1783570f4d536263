//! Accepting connections: at most `max_connections` per listener (at the cap the oldest idle
//! connection is shed, else the next one waits in the kernel's backlog), and when `accept`
//! fails for want of descriptors (EMFILE, ENFILE) the loop sheds an idle connection and backs
//! off instead of spinning.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::service::Service;
use hyper::{Request, Response};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::{ConnState, ConnectionSpec, serve_connection};
use crate::host::Runtime;
use crate::http::Body;
use crate::metrics::ConnectionEvent;

const MIN_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Every open connection of every listener, oldest first, so the oldest idle one can be shed.
#[derive(Default)]
pub struct Registry {
    open: Mutex<BTreeMap<u64, (&'static str, Arc<ConnState>)>>,
    next: AtomicU64,
}

/// Removes a connection from the registry when its task ends.
struct Registered<'a>(&'a Registry, u64);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        if let Ok(mut open) = self.0.open.lock() {
            open.remove(&self.1);
        }
    }
}

impl Registry {
    fn insert(&self, listener: &'static str, state: Arc<ConnState>) -> Registered<'_> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, (listener, state));
        }
        Registered(self, id)
    }

    /// Asks the oldest idle connection (of `listener`, or of any listener) to close; whether
    /// there was one.
    pub fn shed_oldest_idle(&self, listener: Option<&str>) -> bool {
        let Ok(open) = self.open.lock() else {
            return false;
        };
        open.values()
            .filter(|(name, _)| listener.is_none_or(|l| l == *name))
            .any(|(_, state)| state.is_idle() && state.shed())
    }

    /// Connections open now.
    pub fn len(&self) -> usize {
        self.open.lock().map_or(0, |o| o.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A bound listener and how its connections are served.
pub struct Listener {
    pub tcp: TcpListener,
    pub spec: ConnectionSpec,
}

impl Listener {
    /// Accepts until `stop`; returns the connection slots, all free again once every connection
    /// it accepted has ended (what draining waits for).
    pub async fn accept<F, S>(
        self,
        rt: Arc<Runtime>,
        registry: Arc<Registry>,
        make_service: F,
        mut stop: watch::Receiver<bool>,
    ) -> (Arc<Semaphore>, usize)
    where
        F: Fn() -> S,
        S: Service<Request<Incoming>, Response = Response<Body>, Error = std::convert::Infallible>
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let name = self.spec.listener;
        let cap = self.spec.limits.max_connections.clamp(1, 1 << 20);
        let slots = Arc::new(Semaphore::new(cap));
        let mut backoff = MIN_BACKOFF;
        let mut warned: Option<Instant> = None;
        loop {
            let slot = match slots.clone().try_acquire_owned() {
                Ok(slot) => slot,
                Err(_) => {
                    registry.shed_oldest_idle(Some(name));
                    tokio::select! {
                        slot = slots.clone().acquire_owned() => match slot {
                            Ok(slot) => slot,
                            Err(_) => break,
                        },
                        _ = stop.changed() => break,
                    }
                }
            };
            let accepted = tokio::select! {
                accepted = self.tcp.accept() => accepted,
                _ = stop.changed() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    rt.metrics.connection(name, ConnectionEvent::AcceptError);
                    // Out of descriptors (or another resource): make room, wait, retry; never
                    // spin on an error that will repeat.
                    let shed = registry.shed_oldest_idle(None);
                    if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(
                            listener = name,
                            shed,
                            "cannot accept connections: {e}; shedding idle connections and backing off"
                        );
                        warned = Some(Instant::now());
                    }
                    drop(slot);
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => break,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            backoff = MIN_BACKOFF;
            let state = Arc::new(ConnState::new());
            let (rt, registry, service, stop) =
                (rt.clone(), registry.clone(), make_service(), stop.clone());
            let spec = self.spec;
            tokio::spawn(async move {
                let _slot = slot;
                let _registered = registry.insert(name, state.clone());
                rt.metrics.connection(name, ConnectionEvent::Opened);
                serve_connection(stream, state, service, spec, &rt.metrics, stop).await;
                rt.metrics.connection(name, ConnectionEvent::Closed);
            });
        }
        (slots, cap)
    }
}

/// Errors that concern one connection only (it went away before it was accepted).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Waits until every connection holding one of `slots` has ended.
pub async fn drained(slots: Arc<Semaphore>, cap: usize) {
    let _ = slots.acquire_many(cap as u32).await;
}
