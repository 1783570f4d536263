//! A mesh of hosts on NATS (`specs/runtime.md` §8). With `starlane run --mesh URL --host NAME`
//! the host announces the mechtrons it serves by heartbeat, and a message to a mechtron that is
//! not served here goes over NATS to a live host that announces it. Delivery between hosts is
//! acknowledged: the receiver acks the message while it runs (a fast reply is the ack), the
//! sender resends when no ack comes, the receiver runs each message id at most once and answers
//! duplicates with the first reply, and a message no host acknowledges ends in a typed Timeout
//! (`E0231`), never a hang.
//!
//! NATS carries the bytes, authenticates the hosts (users or nkeys here; TLS as NATS offers) and restricts
//! subjects; the acks, resends, dedupe and replica choice are ours (§8.3 says why not a queue
//! group).

mod dedupe;
mod faults;
mod hosts;
mod in_place;
mod receiver;
mod sender;
pub mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub use dedupe::{Dedupe, Seen};
pub use faults::Faults;
pub use hosts::{Heartbeat, HostView, Hosts};

use crate::error::RuntimeError;
use crate::host::Runtime;
use crate::message::{Exchange, Message, Reply};
use crate::metrics::exposition::{Family, Value as Sample};
use wire::{Frame, MessageId};

/// How a host joins the mesh, and its delivery settings (`[mesh]` in `starlane.toml`).
#[derive(Debug, Clone)]
pub struct MeshOptions {
    /// `nats://host:port` (credentials may be in the URL, or below).
    pub url: String,
    /// This host's name: letters, digits, `-` and `_`; unique in the mesh.
    pub host: String,
    /// The first token of every subject, so several meshes can share one NATS server.
    pub name: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// An nkey seed (`SU…`) to join with instead of a user and password.
    pub nkey_seed: Option<String>,
    /// A NATS credentials file's contents (a user JWT and its nkey seed, as `nsc` writes them),
    /// for servers that authenticate with accounts and JWTs.
    pub creds: Option<String>,
    /// TLS to the NATS server: required when any of it is given.
    pub tls: MeshTls,
    /// How long the sender waits for an ack before resending (doubling each time).
    pub ack_timeout: Duration,
    /// Resends after the first attempt.
    pub retries: u32,
    /// The longest wait between two attempts.
    pub max_retry_delay: Duration,
    pub heartbeat: Duration,
    /// A host not heard for this long is gone.
    pub gone_after: Duration,
    /// Messages from one other host run at once here (the rest are refused, to be sent
    /// elsewhere), so a flood from one host cannot take every slot.
    pub per_host_in_flight: usize,
    /// Runs this short are quick: a mechtron whose last runs all were may run a message from
    /// another host on the async worker that received it (`in_place`); zero never.
    pub in_place_under: Duration,
    /// Test and diagnosis only: frames to drop on purpose (`STARLANE_MESH_FAULTS`).
    pub faults: Faults,
}

/// TLS to the NATS server. With a client certificate and key the host proves who it is (a
/// server with `verify: true` admits no host without one); `ca_file` names the authority the
/// server's certificate must chain to, when it is not one the system trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeshTls {
    pub ca_file: Option<std::path::PathBuf>,
    pub cert_file: Option<std::path::PathBuf>,
    pub key_file: Option<std::path::PathBuf>,
}

impl MeshTls {
    pub fn is_on(&self) -> bool {
        self.ca_file.is_some() || self.cert_file.is_some() || self.key_file.is_some()
    }
}

impl MeshOptions {
    pub fn new(url: &str, host: &str) -> MeshOptions {
        MeshOptions {
            url: url.to_string(),
            host: host.to_string(),
            name: "starlane".into(),
            user: None,
            password: None,
            nkey_seed: None,
            creds: None,
            tls: MeshTls::default(),
            ack_timeout: Duration::from_millis(250),
            retries: 4,
            max_retry_delay: Duration::from_secs(2),
            heartbeat: Duration::from_secs(1),
            gone_after: Duration::from_secs(3),
            per_host_in_flight: 16,
            in_place_under: in_place::QUICK,
            faults: Faults::default(),
        }
    }

    /// The resend schedule for one message: these settings, or a `call` entry's own.
    pub fn schedule_for(&self, delivery: Delivery) -> Schedule {
        Schedule {
            ack_timeout: delivery.ack_timeout.unwrap_or(self.ack_timeout),
            retries: delivery.retries.unwrap_or(self.retries).min(MAX_RETRIES),
            max_retry_delay: self.max_retry_delay,
        }
    }

    /// How long a receiver remembers a message id: longer than any resend can come. Every
    /// resend also falls within its exchange, which lasts at most `MAX_EXCHANGE`.
    pub fn dedupe_window(&self) -> Duration {
        self.schedule_for(Delivery::default()).total() * 2 + crate::message::MAX_EXCHANGE
    }

    pub fn check(&self) -> Result<(), String> {
        let valid = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !valid(&self.host) {
            return Err(format!(
                "`{}` is not a host name: use 1–64 letters, digits, `-` or `_`",
                self.host
            ));
        }
        if !valid(&self.name) {
            return Err(format!(
                "`{}` is not a mesh name: use 1–64 letters, digits, `-` or `_`",
                self.name
            ));
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            return Err("a TLS client certificate needs its key, and a key its certificate".into());
        }
        if self.ack_timeout.is_zero() || self.heartbeat.is_zero() {
            return Err("the ack timeout and the heartbeat must be longer than 0".into());
        }
        if self.gone_after <= self.heartbeat {
            return Err(format!(
                "gone_after ({:?}) must be longer than the heartbeat ({:?})",
                self.gone_after, self.heartbeat
            ));
        }
        Ok(())
    }

    fn subject(&self, rest: &str) -> String {
        format!("{}.{rest}", self.name)
    }

    /// Where messages for `host` are sent.
    pub fn deliver_subject(&self, host: &str) -> String {
        self.subject(&format!("host.{host}.deliver"))
    }

    pub fn heartbeat_subject(&self) -> String {
        self.subject("heartbeat")
    }
}

/// The most resends any message gets, whatever its settings say.
pub const MAX_RETRIES: u32 = 16;

/// A `call` entry's own delivery settings (`ack`, `retries`), over `[mesh]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub ack_timeout: Option<Duration>,
    pub retries: Option<u32>,
}

/// When one message is resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub ack_timeout: Duration,
    pub retries: u32,
    pub max_retry_delay: Duration,
}

impl Schedule {
    /// The ack wait of attempt `n` (1-based): the ack timeout, doubled per resend, capped at
    /// the longest retry delay (or the ack timeout itself, when that is longer).
    pub fn ack_wait(&self, attempt: u32) -> Duration {
        let factor = 1u32 << (attempt.saturating_sub(1)).min(16);
        self.ack_timeout
            .saturating_mul(factor)
            .min(self.max_retry_delay.max(self.ack_timeout))
    }

    /// How long a sender may keep resending one message.
    pub fn total(&self) -> Duration {
        (1..=self.retries + 1).map(|n| self.ack_wait(n)).sum()
    }
}

/// What the mesh counted (`/metrics`: `starlane_mesh_*`).
#[derive(Default)]
pub struct MeshCounters {
    pub sent: AtomicU64,
    pub acks: AtomicU64,
    pub resends: AtomicU64,
    pub timeouts: AtomicU64,
    pub refused: AtomicU64,
    pub received: AtomicU64,
    pub executed: AtomicU64,
    pub duplicates: AtomicU64,
    pub in_place: AtomicU64,
    pub malformed: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// This host's membership in the mesh.
pub struct Mesh {
    pub(crate) options: MeshOptions,
    pub(crate) client: async_nats::Client,
    pub(crate) handle: tokio::runtime::Handle,
    pub(crate) hosts: Hosts,
    pub(crate) dedupe: Dedupe,
    pub(crate) counters: MeshCounters,
    /// Senders waiting for frames on this host's inbox, by message id.
    pub(crate) waiting: Mutex<HashMap<MessageId, tokio::sync::mpsc::UnboundedSender<Frame>>>,
    /// This host's inbox prefix; a message's frames come to `<inbox>.<id>`.
    pub(crate) inbox: String,
    /// Set when this host leaves: new messages are refused (and sent elsewhere by their senders).
    pub(crate) leaving: AtomicBool,
    /// Messages from other hosts running here now, by sending host.
    pub(crate) in_flight: Mutex<HashMap<String, usize>>,
    /// Acks waiting for their time (in the order they fall due), unless the reply goes first.
    pub(crate) pending_acks: Mutex<std::collections::VecDeque<receiver::PendingAck>>,
    /// Which messages from other hosts may run on the async worker that received them.
    pub(crate) in_place: in_place::InPlace,
    /// Kept by the NATS connection's event callback.
    pub(crate) connected: Arc<AtomicBool>,
    pub(crate) reconnects: Arc<AtomicU64>,
}

impl Mesh {
    /// Connects to NATS, starts receiving messages for this host, listening to heartbeats and
    /// announcing `rt`'s mechtrons. Must be called inside the tokio runtime that will serve it.
    pub async fn join(rt: &Arc<Runtime>, options: MeshOptions) -> Result<Arc<Mesh>, String> {
        options.check()?;
        if options.faults.any() {
            tracing::warn!(faults = ?options.faults, "mesh fault injection is on: frames are dropped on purpose (STARLANE_MESH_FAULTS)");
        }
        let connected = Arc::new(AtomicBool::new(false));
        let reconnects = Arc::new(AtomicU64::new(0));
        // Set by a disconnection: only a connection made after one is a reconnect (the first
        // `Connected` event may come before or after `connect` returns).
        let lost = Arc::new(AtomicBool::new(false));
        let mut connect = async_nats::ConnectOptions::new()
            .name(format!("starlane {}", options.host))
            .connection_timeout(Duration::from_secs(5))
            .event_callback({
                let connected = Arc::clone(&connected);
                let reconnects = Arc::clone(&reconnects);
                let lost = Arc::clone(&lost);
                move |event| {
                    let connected = Arc::clone(&connected);
                    let reconnects = Arc::clone(&reconnects);
                    let lost = Arc::clone(&lost);
                    async move {
                        match event {
                            async_nats::Event::Connected => {
                                connected.store(true, Ordering::Relaxed);
                                if lost.swap(false, Ordering::Relaxed) {
                                    reconnects.fetch_add(1, Ordering::Relaxed);
                                    tracing::info!("mesh: connected to NATS again");
                                }
                            }
                            async_nats::Event::Disconnected => {
                                connected.store(false, Ordering::Relaxed);
                                lost.store(true, Ordering::Relaxed);
                                tracing::warn!("mesh: disconnected from NATS; reconnecting");
                            }
                            other => tracing::debug!("mesh: NATS event: {other}"),
                        }
                    }
                }
            });
        if let (Some(user), Some(password)) = (&options.user, &options.password) {
            connect = connect.user_and_password(user.clone(), password.clone());
        }
        if let Some(seed) = &options.nkey_seed {
            connect = connect.nkey(seed.clone());
        }
        if let Some(creds) = &options.creds {
            connect = connect
                .credentials(creds)
                .map_err(|e| format!("the NATS credentials do not read: {e}"))?;
        }
        if options.tls.is_on() {
            connect = connect.require_tls(true);
            if let Some(ca) = &options.tls.ca_file {
                connect = connect.add_root_certificates(ca.clone());
            }
            if let (Some(cert), Some(key)) = (&options.tls.cert_file, &options.tls.key_file) {
                connect = connect.add_client_certificate(cert.clone(), key.clone());
            }
        }
        let client = connect
            .connect(options.url.as_str())
            .await
            .map_err(|e| format!("cannot join the mesh at {}: {e}", options.url))?;
        connected.store(true, Ordering::Relaxed);
        let inbox = format!("{}.{}", client.new_inbox(), options.host);
        let mesh = Arc::new(Mesh {
            dedupe: Dedupe::new(options.dedupe_window()),
            hosts: Hosts::new(options.gone_after),
            counters: MeshCounters::default(),
            waiting: Mutex::new(HashMap::new()),
            inbox,
            leaving: AtomicBool::new(false),
            in_flight: Mutex::new(HashMap::new()),
            pending_acks: Mutex::new(std::collections::VecDeque::new()),
            connected,
            reconnects,
            in_place: in_place::InPlace::new(
                &tokio::runtime::Handle::current(),
                options.in_place_under,
            ),
            handle: tokio::runtime::Handle::current(),
            client,
            options,
        });
        sender::start_inbox(&mesh).await?;
        receiver::start(&mesh, rt).await?;
        receiver::start_ack_sweeper(&mesh);
        receiver::start_heartbeats(&mesh, rt).await?;
        mesh.client
            .flush()
            .await
            .map_err(|e| format!("cannot reach NATS at {}: {e}", mesh.options.url))?;
        rt.attach_mesh(Arc::clone(&mesh));
        tracing::info!(host = %mesh.options.host, mesh = %mesh.options.name, url = %mesh.options.url, "joined the mesh");
        Ok(mesh)
    }

    /// Delivers `message` to mechtron `name` on another host; `None` when no live host
    /// announces it. Blocks the calling thread: a guest's, a blocking one, or an async worker
    /// running a quick guest in place (`in_place`), which first hands its other tasks on.
    pub fn deliver(
        self: &Arc<Self>,
        name: &str,
        message: Message,
        exchange: Exchange,
        delivery: Delivery,
    ) -> Option<Result<Reply, RuntimeError>> {
        let first = self.hosts.choose(name)?;
        // Driven on the calling thread (a guest's or a blocking one, never an async worker), as
        // a plain NATS request would be: no hand-off to a task and back.
        let schedule = self.options.schedule_for(delivery);
        let send = Arc::clone(self).send(first, name.to_string(), message, exchange, schedule);
        // Outside an async worker `block_in_place` just calls its closure.
        Some(tokio::task::block_in_place(|| self.handle.block_on(send)))
    }

    /// Announces that this host leaves: others route nothing new here, and messages that still
    /// arrive are refused (their senders choose another host). Messages already running finish.
    pub async fn leave(&self, rt: &Runtime) {
        self.leaving.store(true, Ordering::Relaxed);
        // Bounded: with NATS unreachable the goodbye cannot be sent, and the host must still stop
        // (the others will see it gone after `gone_after`).
        let goodbye = async {
            receiver::publish_heartbeat(self, rt).await;
            let _ = self.client.flush().await;
        };
        if tokio::time::timeout(Duration::from_secs(1), goodbye)
            .await
            .is_err()
        {
            tracing::warn!("mesh: could not announce leaving (NATS unreachable)");
        }
    }

    /// Messages from other hosts still running here.
    pub fn running(&self) -> usize {
        self.in_flight.lock().map(|m| m.values().sum()).unwrap_or(0)
    }

    pub fn status(&self) -> Value {
        json!({
            "host": self.options.host,
            "mesh": self.options.name,
            "url": redact(&self.options.url),
            "connected": self.connected.load(Ordering::Relaxed),
            "leaving": self.leaving.load(Ordering::Relaxed),
            "ack_timeout_ms": self.options.ack_timeout.as_millis() as u64,
            "retries": self.options.retries,
            "max_retry_delay_ms": self.options.max_retry_delay.as_millis() as u64,
            "hosts": self.hosts.view(),
        })
    }

    /// `starlane_mesh_*` for `/metrics`.
    pub fn metric_families(&self) -> Vec<Family> {
        let c = &self.counters;
        let mut out: Vec<Family> = [
            (
                "starlane_mesh_sent",
                "Messages sent to other hosts (first attempts).",
                &c.sent,
            ),
            (
                "starlane_mesh_acks",
                "Acks received from other hosts.",
                &c.acks,
            ),
            (
                "starlane_mesh_resends",
                "Attempts resent because no ack came in time.",
                &c.resends,
            ),
            (
                "starlane_mesh_timeouts",
                "Messages given up with E0231 (no ack, or the host went away).",
                &c.timeouts,
            ),
            (
                "starlane_mesh_refused",
                "Messages another host refused unrun (leaving or busy) and were sent elsewhere.",
                &c.refused,
            ),
            (
                "starlane_mesh_received",
                "Message frames received from other hosts, resends included.",
                &c.received,
            ),
            (
                "starlane_mesh_executed",
                "Messages from other hosts run here (each id once).",
                &c.executed,
            ),
            (
                "starlane_mesh_duplicates_suppressed",
                "Resends of a message already running or run here: acked or answered again, never run again.",
                &c.duplicates,
            ),
            (
                "starlane_mesh_in_place",
                "Messages from other hosts run on the async worker that received them (quick mechtrons, one at a time).",
                &c.in_place,
            ),
            (
                "starlane_mesh_malformed",
                "Frames on the mesh subjects that did not decode, dropped.",
                &c.malformed,
            ),
            (
                "starlane_mesh_reconnects",
                "Connections to NATS made again after a loss.",
                &*self.reconnects,
            ),
        ]
        .into_iter()
        .map(|(name, help, counter)| {
            Family::counter(name, help).sample(&[], Sample::Count(counter.load(Ordering::Relaxed)))
        })
        .collect();
        let mut up = Family::gauge(
            "starlane_mesh_host_up",
            "1 for each other host heard within gone_after.",
        );
        for host in self.hosts.view() {
            up.push(
                &[("host", &host.host)],
                Sample::Level(i64::from(!host.gone)),
            );
        }
        out.push(up);
        out
    }
}

/// Waits at most `within` for the client to take a publish. A frame that does not go out is a
/// lost frame — resends and heartbeats recover it — and a stuck one must not stall its sender,
/// the receiving loop or shutdown.
async fn publish_within<E: std::fmt::Display>(
    publish: impl std::future::Future<Output = Result<(), E>>,
    within: Duration,
    what: impl FnOnce() -> String,
) {
    match tokio::time::timeout(within, publish).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!("mesh: {} not sent: {e}", what()),
        Err(_) => tracing::debug!("mesh: {} not sent in time", what()),
    }
}

/// A URL without its password, for `/status` and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_schedule_doubles_and_is_capped() {
        let mut o = MeshOptions::new("nats://127.0.0.1:4222", "a");
        o.ack_timeout = Duration::from_millis(100);
        o.retries = 4;
        o.max_retry_delay = Duration::from_millis(500);
        let schedule = o.schedule_for(Delivery::default());
        let waits: Vec<u128> = (1..=5).map(|n| schedule.ack_wait(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(schedule.total(), Duration::from_millis(1700));
        assert!(o.dedupe_window() > schedule.total() + crate::message::MAX_EXCHANGE);
        // A `call` entry's own settings win; resends are capped whatever it says.
        let own = o.schedule_for(Delivery {
            ack_timeout: Some(Duration::from_millis(50)),
            retries: Some(99),
        });
        assert_eq!(
            (own.ack_timeout.as_millis(), own.retries),
            (50, MAX_RETRIES)
        );
        assert_eq!(own.ack_wait(1).as_millis(), 50);
    }

    #[test]
    fn names_and_settings_are_checked() {
        let o = MeshOptions::new("nats://x", "host-1_a");
        assert!(o.check().is_ok());
        for bad in ["", "a.b", "a*", "a>", "a b"] {
            assert!(
                MeshOptions::new("nats://x", bad).check().is_err(),
                "{bad:?}"
            );
        }
        let mut o = MeshOptions::new("nats://x", "a");
        o.gone_after = o.heartbeat;
        assert!(o.check().is_err());
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("nats://u:secret@h:4222"), "nats://***@h:4222");
        assert_eq!(redact("nats://h:4222"), "nats://h:4222");
    }
}
