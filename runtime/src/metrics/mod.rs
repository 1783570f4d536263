//! Counters for `GET /metrics` (Prometheus text format, written by `prometheus-client`: see
//! [`exposition`]). The runtime's instrument names are here; the mesh's and the reloads' are
//! beside their counters, the build's and the process's in [`process`].

pub mod exposition;
pub mod process;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use exposition::{Family, Value};

#[derive(Default)]
pub struct Metrics {
    /// By mechtron: keyed so a message's counts are found without allocating.
    requests: Mutex<BTreeMap<String, Answered>>,
    errors: Mutex<BTreeMap<(String, String), u64>>,
    /// Instances and time inside wasm, by mechtron: one entry, updated once per instance.
    guests: Mutex<BTreeMap<String, GuestCounts>>,
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

/// The messages one mechtron answered: how many with each status, and how long they took.
struct Answered {
    by_status: BTreeMap<u16, u64>,
    latency: Histogram,
}

impl Default for Answered {
    /// Latency buckets from 100 µs to about 3.3 s, doubling: a routed message takes tens of µs,
    /// a guest with host calls milliseconds, and `total` timeouts are seconds.
    fn default() -> Self {
        Answered {
            by_status: BTreeMap::new(),
            latency: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        }
    }
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

#[derive(Default)]
struct GuestCounts {
    instances: u64,
    nanos: u128,
}

/// One running instance: counted as running while it lives; when dropped, counted as an
/// instance of its mechtron with the guest time it [ran](ActiveInstance::ran) — in one update.
pub struct ActiveInstance<'a> {
    metrics: &'a Metrics,
    mechtron: &'a str,
    exec: Duration,
}

impl ActiveInstance<'_> {
    /// The time the instance spent inside wasm.
    pub fn ran(&mut self, exec: Duration) {
        self.exec = exec;
    }
}

impl Drop for ActiveInstance<'_> {
    fn drop(&mut self) {
        let nanos = self.exec.as_nanos();
        update_named(&self.metrics.guests, self.mechtron, |g| {
            g.instances += 1;
            g.nanos += nanos;
        });
        self.metrics.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// A message answered by `mechtron` with `status`, `elapsed` after it arrived.
    pub fn request(&self, mechtron: &str, status: u16, elapsed: Duration) {
        update_named(&self.requests, mechtron, |answered| {
            *answered.by_status.entry(status).or_default() += 1;
            answered.latency.observe(elapsed.as_secs_f64());
        });
    }

    pub fn error(&self, stage: &str, code: &str) {
        bump(&self.errors, (stage.to_string(), code.to_string()));
    }

    pub fn denied_call(&self, mechtron: &str) {
        update_named(&self.denied_calls, mechtron, |n| *n += 1);
    }

    /// A new instance of `mechtron` starts; the guard ends it.
    pub fn instance<'a>(&'a self, mechtron: &'a str) -> ActiveInstance<'a> {
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveInstance {
            metrics: self,
            mechtron,
            exec: Duration::ZERO,
        }
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

    /// The Prometheus text exposition of these metrics, with `ready` as a gauge per mechtron.
    pub fn render(&self, ready: &[(String, bool)]) -> String {
        exposition::render(self.families(ready))
    }

    /// These metrics as families for the exposition (`GET /metrics` adds the mesh's, the
    /// reloads', the build's and the process's).
    pub fn families(&self, ready: &[(String, bool)]) -> Vec<Family> {
        let mut requests = Family::counter(
            "starlane_requests",
            "Messages answered, by mechtron and status.",
        );
        let mut latency = Family::histogram(
            "starlane_request_duration_seconds",
            "Time from a message's arrival to its answer, by the mechtron that answered.",
        );
        if let Ok(m) = self.requests.lock() {
            for (mechtron, answered) in m.iter() {
                for (status, n) in &answered.by_status {
                    let status = status.to_string();
                    requests.push(
                        &[("mechtron", mechtron), ("status", &status)],
                        Value::Count(*n),
                    );
                }
                latency.push(
                    &[("mechtron", mechtron)],
                    Value::Histogram(answered.latency.clone()),
                );
            }
        }
        let mut errors = Family::counter("starlane_errors", "Failures, by stage and code.");
        if let Ok(m) = self.errors.lock() {
            for ((stage, code), n) in m.iter() {
                errors.push(&[("stage", stage), ("code", code)], Value::Count(*n));
            }
        }
        let denied = per_mechtron(
            Family::counter(
                "starlane_denied_calls",
                "Outbound guest calls refused: denied by grants, malformed, or to an unbound or unhosted target.",
            ),
            &self.denied_calls,
            |n| Value::Count(*n),
        );
        let guest = per_mechtron(
            Family::counter(
                "starlane_guest_seconds",
                "Time spent inside guests (exec time).",
            ),
            &self.guests,
            |g| Value::Seconds(g.nanos as f64 / 1e9),
        );
        let instances = per_mechtron(
            Family::counter(
                "starlane_instances",
                "Guest instances created (one per message).",
            ),
            &self.guests,
            |g| Value::Count(g.instances),
        );
        let active = Family::gauge("starlane_instances_active", "Guest instances running now.")
            .sample(&[], Value::Level(self.active_instances()));
        let mut out = vec![requests, latency, errors, denied, guest, instances, active];
        out.extend(self.connection_families());
        let mut ready_family =
            Family::gauge("starlane_mechtron_ready", "1 when the mechtron is Ready.");
        for (mechtron, ok) in ready {
            ready_family.push(&[("mechtron", mechtron)], Value::Level(i64::from(*ok)));
        }
        out.push(ready_family);
        out
    }

    fn connection_families(&self) -> Vec<Family> {
        let all: Vec<(&str, ConnectionCounts)> = self
            .connections
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        let mut open = Family::gauge(
            "starlane_connections_open",
            "Connections open now, by listener.",
        );
        let mut accepted = Family::counter(
            "starlane_connections_accepted",
            "Connections accepted, by listener.",
        );
        let mut timed_out = Family::counter(
            "starlane_connections_timed_out",
            "Connections or requests ended by a timeout, by listener and timeout.",
        );
        let mut shed = Family::counter(
            "starlane_connections_shed",
            "Idle connections closed to make room, by listener.",
        );
        let mut accept_errors = Family::counter(
            "starlane_accept_errors",
            "Failed accepts (such as no free descriptors), by listener.",
        );
        for (listener, c) in &all {
            let l = [("listener", *listener)];
            open.push(&l, Value::Level(c.open));
            accepted.push(&l, Value::Count(c.accepted));
            for (reason, n) in [
                ("header", c.timed_out_header),
                ("idle", c.timed_out_idle),
                ("body", c.timed_out_body),
            ] {
                timed_out.push(
                    &[("listener", listener), ("timeout", reason)],
                    Value::Count(n),
                );
            }
            shed.push(&l, Value::Count(c.shed));
            accept_errors.push(&l, Value::Count(c.accept_errors));
        }
        vec![open, accepted, timed_out, shed, accept_errors]
    }
}

/// A family with one sample per mechtron of `map`.
fn per_mechtron<V>(
    mut family: Family,
    map: &Mutex<BTreeMap<String, V>>,
    value: impl Fn(&V) -> Value,
) -> Family {
    if let Ok(m) = map.lock() {
        for (mechtron, v) in m.iter() {
            family.push(&[("mechtron", mechtron)], value(v));
        }
    }
    family
}

#[cfg(test)]
mod tests {
    use openmetrics_parser::prometheus::parse_prometheus;
    use openmetrics_parser::{PrometheusType, PrometheusValue};

    use super::*;

    fn metrics() -> Metrics {
        let m = Metrics::default();
        m.request("a\"b", 200, Duration::from_micros(300));
        m.request("a\"b", 200, Duration::from_millis(20));
        m.error("route", "E0201");
        m.denied_call("a");
        let mut instance = m.instance("a");
        assert_eq!(m.active_instances(), 1);
        instance.ran(Duration::from_micros(1500));
        drop(instance);
        m.connection("http", ConnectionEvent::Opened);
        m.connection("http", ConnectionEvent::HeaderTimeout);
        m.connection("http", ConnectionEvent::Closed);
        m.connection("http", ConnectionEvent::AcceptError);
        m.connection("http", ConnectionEvent::AcceptError);
        m
    }

    /// The exposition as Prometheus reads it: a real parser of the text format accepts all of
    /// it, with the types, labels (escaped) and values that were counted.
    #[test]
    fn a_real_parser_reads_the_exposition() {
        let ready = [("a".to_string(), true), ("b\nc".to_string(), false)];
        let mut families = metrics().families(&ready);
        families.push(process::build_info());
        families.extend(process::families());
        let text = exposition::render(families);
        let parsed = parse_prometheus(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let family = |name: &str| {
            parsed
                .families
                .get(name)
                .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        };
        // A sample by its labels' names and values (values as written: the parser keeps them
        // escaped).
        let value = |name: &str, labels: &[(&str, &str)]| -> PrometheusValue {
            family(name)
                .iter_samples()
                .find(|sample| {
                    let set = sample.get_labelset().unwrap();
                    let mut have: Vec<(&str, &str)> =
                        set.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    let mut want = labels.to_vec();
                    have.sort();
                    want.sort();
                    have == want
                })
                .unwrap_or_else(|| panic!("no {name}{labels:?} in\n{text}"))
                .value
                .clone()
        };
        let number = |v: PrometheusValue| match v {
            PrometheusValue::Counter(c) => c.value.as_f64(),
            PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            family("starlane_requests_total").family_type,
            PrometheusType::Counter
        );
        // The parser keeps label values as written (escaped).
        assert_eq!(
            number(value(
                "starlane_requests_total",
                &[("mechtron", r#"a\"b"#), ("status", "200")]
            )),
            2.0
        );
        assert_eq!(
            number(value(
                "starlane_errors_total",
                &[("stage", "route"), ("code", "E0201")]
            )),
            1.0
        );
        assert_eq!(
            number(value("starlane_guest_seconds_total", &[("mechtron", "a")])),
            0.0015
        );
        assert_eq!(number(value("starlane_instances_active", &[])), 0.0);
        assert_eq!(
            number(value(
                "starlane_connections_timed_out_total",
                &[("listener", "http"), ("timeout", "header")]
            )),
            1.0
        );
        assert_eq!(
            number(value(
                "starlane_accept_errors_total",
                &[("listener", "http")]
            )),
            2.0
        );
        assert_eq!(
            number(value("starlane_mechtron_ready", &[("mechtron", r"b\nc")])),
            0.0
        );
        match value(
            "starlane_request_duration_seconds",
            &[("mechtron", r#"a\"b"#)],
        ) {
            PrometheusValue::Histogram(h) => {
                assert_eq!(h.count, Some(2));
                assert!((h.sum.unwrap().as_f64() - 0.0203).abs() < 1e-9);
                // 300 µs falls in the 400 µs bucket, 20 ms in the 25.6 ms one.
                let at = |le: f64| {
                    h.buckets
                        .iter()
                        .find(|b| (b.upper_bound - le).abs() < 1e-9)
                        .map(|b| b.count.as_f64())
                };
                assert_eq!(at(0.0002), Some(0.0));
                assert_eq!(at(0.0004), Some(1.0));
                assert_eq!(at(0.0256), Some(2.0));
            }
            other => panic!("{other:?}"),
        }
        let build = family("starlane_build_info");
        let mut names = build.get_label_names().to_vec();
        names.sort();
        assert_eq!(names, ["ir_format", "version"]);
        assert!(number(value("process_resident_memory_bytes", &[])) > 0.0);
        assert!(number(value("process_open_fds", &[])) >= 3.0);
        assert!(number(value("process_start_time_seconds", &[])) > 1.6e9);
        assert!(number(value("process_cpu_seconds_total", &[])) >= 0.0);
    }

    /// The text itself: counters end in `_total`, label values are escaped, families keep their
    /// order and samples their key order (so scrapes diff cleanly).
    #[test]
    fn renders_the_prometheus_text_format() {
        let text = metrics().render(&[("a".to_string(), true)]);
        for line in [
            "# HELP starlane_requests_total Messages answered, by mechtron and status.",
            "# TYPE starlane_requests_total counter",
            "starlane_requests_total{mechtron=\"a\\\"b\",status=\"200\"} 2",
            "starlane_errors_total{stage=\"route\",code=\"E0201\"} 1",
            "starlane_guest_seconds_total{mechtron=\"a\"} 0.0015",
            "starlane_instances_active 0",
            "starlane_connections_timed_out_total{listener=\"http\",timeout=\"header\"} 1",
            "starlane_request_duration_seconds_count{mechtron=\"a\\\"b\"} 2",
            "starlane_mechtron_ready{mechtron=\"a\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
        }
        let families: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .collect();
        assert_eq!(families[0], "starlane_requests_total counter");
        assert_eq!(families[1], "starlane_request_duration_seconds histogram");
    }
}
