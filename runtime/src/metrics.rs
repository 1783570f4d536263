//! Counters for `GET /metrics` (Prometheus text format). All instrument names are here.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    /// By mechtron, then status: keyed so a message's count is found without allocating.
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    errors: Mutex<BTreeMap<(String, String), u64>>,
    guest_nanos: Mutex<BTreeMap<String, u128>>,
    instances: Mutex<BTreeMap<String, u64>>,
    denied_calls: Mutex<BTreeMap<String, u64>>,
    active: AtomicI64,
    /// The listeners' connections, by listener name (`http`, `admin`).
    connections: Mutex<BTreeMap<&'static str, ConnectionCounts>>,
}

/// What happened to one listener's connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionCounts {
    pub open: i64,
    pub accepted: u64,
    /// Closed because a request head did not arrive in time (slowloris).
    pub timed_out_header: u64,
    /// Closed after the idle (keep-alive) timeout.
    pub timed_out_idle: u64,
    /// Requests whose body did not arrive within the body-read timeout.
    pub timed_out_body: u64,
    /// Idle connections closed to make room (descriptors exhausted, or at the cap).
    pub shed: u64,
    /// `accept` failures (EMFILE, ENFILE, …), each followed by a back-off.
    pub accept_errors: u64,
}

/// One change to a listener's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionEvent {
    Opened,
    Closed,
    HeaderTimeout,
    IdleTimeout,
    BodyTimeout,
    Shed,
    AcceptError,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    if let Ok(mut m) = map.lock() {
        *m.entry(key).or_default() += 1;
    }
}

/// Updates the value of `name`, allocating its key only the first time (every message bumps
/// several per-mechtron counters: the hot path must not allocate).
fn update_named<V: Default>(map: &Mutex<BTreeMap<String, V>>, name: &str, f: impl FnOnce(&mut V)) {
    let Ok(mut m) = map.lock() else { return };
    match m.get_mut(name) {
        Some(v) => f(v),
        None => f(m.entry(name.to_string()).or_default()),
    }
}

/// Decrements the active-instance gauge when dropped.
pub struct ActiveInstance<'a>(&'a Metrics);

impl Drop for ActiveInstance<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn request(&self, mechtron: &str, status: u16) {
        update_named(&self.requests, mechtron, |by_status| {
            *by_status.entry(status).or_default() += 1
        });
    }

    pub fn error(&self, stage: &str, code: &str) {
        bump(&self.errors, (stage.to_string(), code.to_string()));
    }

    pub fn denied_call(&self, mechtron: &str) {
        update_named(&self.denied_calls, mechtron, |n| *n += 1);
    }

    /// A new instance of `mechtron` starts; the guard ends it.
    pub fn instance(&self, mechtron: &str) -> ActiveInstance<'_> {
        update_named(&self.instances, mechtron, |n| *n += 1);
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveInstance(self)
    }

    pub fn guest_time(&self, mechtron: &str, time: Duration) {
        update_named(&self.guest_nanos, mechtron, |n| *n += time.as_nanos());
    }

    pub fn connection(&self, listener: &'static str, event: ConnectionEvent) {
        let Ok(mut all) = self.connections.lock() else {
            return;
        };
        let c = all.entry(listener).or_default();
        match event {
            ConnectionEvent::Opened => {
                c.open += 1;
                c.accepted += 1;
            }
            ConnectionEvent::Closed => c.open -= 1,
            ConnectionEvent::HeaderTimeout => c.timed_out_header += 1,
            ConnectionEvent::IdleTimeout => c.timed_out_idle += 1,
            ConnectionEvent::BodyTimeout => c.timed_out_body += 1,
            ConnectionEvent::Shed => c.shed += 1,
            ConnectionEvent::AcceptError => c.accept_errors += 1,
        }
    }

    /// A listener's counts so far.
    pub fn connections(&self, listener: &str) -> ConnectionCounts {
        self.connections
            .lock()
            .ok()
            .and_then(|all| all.get(listener).copied())
            .unwrap_or_default()
    }

    pub fn active_instances(&self) -> i64 {
        self.active.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition, with `ready` as a gauge per mechtron.
    pub fn render(&self, ready: &[(String, bool)]) -> String {
        let mut s = String::new();
        let name = "starlane_requests_total";
        family(
            &mut s,
            name,
            "counter",
            "Messages answered, by mechtron and status.",
        );
        if let Ok(m) = self.requests.lock() {
            for (mechtron, by_status) in m.iter() {
                for (status, n) in by_status {
                    let status = status.to_string();
                    sample(
                        &mut s,
                        name,
                        &[("mechtron", mechtron), ("status", &status)],
                        n,
                    );
                }
            }
        }
        let name = "starlane_errors_total";
        family(&mut s, name, "counter", "Failures, by stage and code.");
        if let Ok(m) = self.errors.lock() {
            for ((stage, code), n) in m.iter() {
                sample(&mut s, name, &[("stage", stage), ("code", code)], n);
            }
        }
        per_mechtron(
            &mut s,
            "starlane_denied_calls_total",
            "Outbound guest calls refused: denied by grants, malformed, or to an unbound or unhosted target.",
            &self.denied_calls,
            |n| n.to_string(),
        );
        per_mechtron(
            &mut s,
            "starlane_guest_seconds_total",
            "Time spent inside guests (exec time).",
            &self.guest_nanos,
            |nanos| format!("{:.6}", *nanos as f64 / 1e9),
        );
        per_mechtron(
            &mut s,
            "starlane_instances_total",
            "Guest instances created (one per message).",
            &self.instances,
            |n| n.to_string(),
        );
        let name = "starlane_instances_active";
        family(&mut s, name, "gauge", "Guest instances running now.");
        sample(&mut s, name, &[], self.active_instances());
        self.render_connections(&mut s);
        let name = "starlane_mechtron_ready";
        family(&mut s, name, "gauge", "1 when the mechtron is Ready.");
        for (mechtron, ok) in ready {
            sample(&mut s, name, &[("mechtron", mechtron)], u8::from(*ok));
        }
        s
    }
}

impl Metrics {
    fn render_connections(&self, s: &mut String) {
        let all: Vec<(&str, ConnectionCounts)> = self
            .connections
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        let name = "starlane_connections_open";
        family(s, name, "gauge", "Connections open now, by listener.");
        for (listener, c) in &all {
            sample(s, name, &[("listener", listener)], c.open);
        }
        let name = "starlane_connections_accepted_total";
        family(s, name, "counter", "Connections accepted, by listener.");
        for (listener, c) in &all {
            sample(s, name, &[("listener", listener)], c.accepted);
        }
        let name = "starlane_connections_timed_out_total";
        family(
            s,
            name,
            "counter",
            "Connections or requests ended by a timeout, by listener and timeout.",
        );
        for (listener, c) in &all {
            for (reason, n) in [
                ("header", c.timed_out_header),
                ("idle", c.timed_out_idle),
                ("body", c.timed_out_body),
            ] {
                sample(s, name, &[("listener", listener), ("timeout", reason)], n);
            }
        }
        let name = "starlane_connections_shed_total";
        family(
            s,
            name,
            "counter",
            "Idle connections closed to make room, by listener.",
        );
        for (listener, c) in &all {
            sample(s, name, &[("listener", listener)], c.shed);
        }
        let name = "starlane_accept_errors_total";
        family(
            s,
            name,
            "counter",
            "Failed accepts (such as no free descriptors), by listener.",
        );
        for (listener, c) in &all {
            sample(s, name, &[("listener", listener)], c.accept_errors);
        }
    }
}

/// A metric family's `# HELP` and `# TYPE` lines.
pub(crate) fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample line, label values escaped as the text format requires.
pub(crate) fn sample(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    value: impl std::fmt::Display,
) {
    let _ = write!(out, "{name}");
    for (i, (key, v)) in labels.iter().enumerate() {
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let _ = write!(out, "{}{key}=\"{v}\"", if i == 0 { "{" } else { "," });
    }
    let close = if labels.is_empty() { "" } else { "}" };
    let _ = writeln!(out, "{close} {value}");
}

/// A counter family with one sample per mechtron.
fn per_mechtron<V>(
    out: &mut String,
    name: &str,
    help: &str,
    map: &Mutex<BTreeMap<String, V>>,
    value: impl Fn(&V) -> String,
) {
    family(out, name, "counter", help);
    if let Ok(m) = map.lock() {
        for (mechtron, v) in m.iter() {
            sample(out, name, &[("mechtron", mechtron)], value(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition, byte for byte: families in order, labels escaped, seconds to µs.
    #[test]
    fn renders_the_prometheus_text_format() {
        let m = Metrics::default();
        m.request("a\"b", 200);
        m.error("route", "E0201");
        m.denied_call("a");
        drop(m.instance("a"));
        m.guest_time("a", Duration::from_micros(1500));
        m.connection("http", ConnectionEvent::Opened);
        m.connection("http", ConnectionEvent::HeaderTimeout);
        m.connection("http", ConnectionEvent::Closed);
        m.connection("http", ConnectionEvent::AcceptError);
        m.connection("http", ConnectionEvent::AcceptError);
        let want = r#"# HELP starlane_requests_total Messages answered, by mechtron and status.
# TYPE starlane_requests_total counter
starlane_requests_total{mechtron="a\"b",status="200"} 1
# HELP starlane_errors_total Failures, by stage and code.
# TYPE starlane_errors_total counter
starlane_errors_total{stage="route",code="E0201"} 1
# HELP starlane_denied_calls_total Outbound guest calls refused: denied by grants, malformed, or to an unbound or unhosted target.
# TYPE starlane_denied_calls_total counter
starlane_denied_calls_total{mechtron="a"} 1
# HELP starlane_guest_seconds_total Time spent inside guests (exec time).
# TYPE starlane_guest_seconds_total counter
starlane_guest_seconds_total{mechtron="a"} 0.001500
# HELP starlane_instances_total Guest instances created (one per message).
# TYPE starlane_instances_total counter
starlane_instances_total{mechtron="a"} 1
# HELP starlane_instances_active Guest instances running now.
# TYPE starlane_instances_active gauge
starlane_instances_active 0
# HELP starlane_connections_open Connections open now, by listener.
# TYPE starlane_connections_open gauge
starlane_connections_open{listener="http"} 0
# HELP starlane_connections_accepted_total Connections accepted, by listener.
# TYPE starlane_connections_accepted_total counter
starlane_connections_accepted_total{listener="http"} 1
# HELP starlane_connections_timed_out_total Connections or requests ended by a timeout, by listener and timeout.
# TYPE starlane_connections_timed_out_total counter
starlane_connections_timed_out_total{listener="http",timeout="header"} 1
starlane_connections_timed_out_total{listener="http",timeout="idle"} 0
starlane_connections_timed_out_total{listener="http",timeout="body"} 0
# HELP starlane_connections_shed_total Idle connections closed to make room, by listener.
# TYPE starlane_connections_shed_total counter
starlane_connections_shed_total{listener="http"} 0
# HELP starlane_accept_errors_total Failed accepts (such as no free descriptors), by listener.
# TYPE starlane_accept_errors_total counter
starlane_accept_errors_total{listener="http"} 2
# HELP starlane_mechtron_ready 1 when the mechtron is Ready.
# TYPE starlane_mechtron_ready gauge
starlane_mechtron_ready{mechtron="a"} 1
starlane_mechtron_ready{mechtron="b\nc"} 0
"#;
        let ready = [("a".to_string(), true), ("b\nc".to_string(), false)];
        assert_eq!(m.render(&ready), want);
    }
}
