//! Counters for `GET /metrics` (Prometheus text format). All instrument names are here.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    errors: Mutex<BTreeMap<(String, String), u64>>,
    guest_nanos: Mutex<BTreeMap<String, u128>>,
    instances: Mutex<BTreeMap<String, u64>>,
    denied_calls: Mutex<BTreeMap<String, u64>>,
    active: AtomicI64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    if let Ok(mut m) = map.lock() {
        *m.entry(key).or_default() += 1;
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
        bump(&self.requests, (mechtron.to_string(), status));
    }

    pub fn error(&self, stage: &str, code: &str) {
        bump(&self.errors, (stage.to_string(), code.to_string()));
    }

    pub fn denied_call(&self, mechtron: &str) {
        bump(&self.denied_calls, mechtron.to_string());
    }

    /// A new instance of `mechtron` starts; the guard ends it.
    pub fn instance(&self, mechtron: &str) -> ActiveInstance<'_> {
        bump(&self.instances, mechtron.to_string());
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveInstance(self)
    }

    pub fn guest_time(&self, mechtron: &str, time: Duration) {
        if let Ok(mut m) = self.guest_nanos.lock() {
            *m.entry(mechtron.to_string()).or_default() += time.as_nanos();
        }
    }

    pub fn active_instances(&self) -> i64 {
        self.active.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition, with `ready` as a gauge per mechtron.
    pub fn render(&self, ready: &[(String, bool)]) -> String {
        let mut s = String::new();
        let esc = |v: &str| {
            v.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        let _ = writeln!(
            s,
            "# HELP starlane_requests_total Messages answered, by mechtron and status."
        );
        let _ = writeln!(s, "# TYPE starlane_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((mechtron, status), n) in m.iter() {
                let _ = writeln!(
                    s,
                    "starlane_requests_total{{mechtron=\"{}\",status=\"{status}\"}} {n}",
                    esc(mechtron)
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP starlane_errors_total Failures, by stage and code."
        );
        let _ = writeln!(s, "# TYPE starlane_errors_total counter");
        if let Ok(m) = self.errors.lock() {
            for ((stage, code), n) in m.iter() {
                let _ = writeln!(
                    s,
                    "starlane_errors_total{{stage=\"{stage}\",code=\"{code}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP starlane_denied_calls_total Outbound guest calls denied by grants."
        );
        let _ = writeln!(s, "# TYPE starlane_denied_calls_total counter");
        if let Ok(m) = self.denied_calls.lock() {
            for (mechtron, n) in m.iter() {
                let _ = writeln!(
                    s,
                    "starlane_denied_calls_total{{mechtron=\"{}\"}} {n}",
                    esc(mechtron)
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP starlane_guest_seconds_total Time spent inside guests (exec time)."
        );
        let _ = writeln!(s, "# TYPE starlane_guest_seconds_total counter");
        if let Ok(m) = self.guest_nanos.lock() {
            for (mechtron, nanos) in m.iter() {
                let _ = writeln!(
                    s,
                    "starlane_guest_seconds_total{{mechtron=\"{}\"}} {:.6}",
                    esc(mechtron),
                    *nanos as f64 / 1e9
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP starlane_instances_total Guest instances created (one per message)."
        );
        let _ = writeln!(s, "# TYPE starlane_instances_total counter");
        if let Ok(m) = self.instances.lock() {
            for (mechtron, n) in m.iter() {
                let _ = writeln!(
                    s,
                    "starlane_instances_total{{mechtron=\"{}\"}} {n}",
                    esc(mechtron)
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP starlane_instances_active Guest instances running now."
        );
        let _ = writeln!(s, "# TYPE starlane_instances_active gauge");
        let _ = writeln!(s, "starlane_instances_active {}", self.active_instances());
        let _ = writeln!(
            s,
            "# HELP starlane_mechtron_ready 1 when the mechtron is Ready."
        );
        let _ = writeln!(s, "# TYPE starlane_mechtron_ready gauge");
        for (mechtron, ok) in ready {
            let _ = writeln!(
                s,
                "starlane_mechtron_ready{{mechtron=\"{}\"}} {}",
                esc(mechtron),
                u8::from(*ok)
            );
        }
        s
    }
}

/// Top-level messages in flight, at most `capacity`; nested calls ride on their caller's slot
/// (so a full house of callers can never deadlock waiting for slots for their callees).
pub struct Slots {
    free: Mutex<usize>,
    freed: std::sync::Condvar,
}

pub struct Slot<'a>(&'a Slots);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Ok(mut free) = self.0.free.lock() {
            *free += 1;
        }
        self.0.freed.notify_one();
    }
}

impl Slots {
    pub fn new(capacity: usize) -> Slots {
        Slots {
            free: Mutex::new(capacity.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits for a slot until `deadline`.
    pub fn acquire(&self, deadline: std::time::Instant) -> Option<Slot<'_>> {
        let mut free = self.free.lock().ok()?;
        loop {
            if *free > 0 {
                *free -= 1;
                return Some(Slot(self));
            }
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            free = self.freed.wait_timeout(free, left).ok()?.0;
        }
    }
}

/// Work running on after its message was answered (fire and forget): counted, bounded, and
/// waited for when draining.
pub struct Background {
    running: std::sync::atomic::AtomicUsize,
    capacity: usize,
}

/// One piece of background work; dropping it ends it.
pub struct Ticket(std::sync::Arc<crate::host::Runtime>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0
            .background
            .running
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl Background {
    pub fn new(capacity: usize) -> Background {
        Background {
            running: std::sync::atomic::AtomicUsize::new(0),
            capacity: capacity.max(1),
        }
    }

    /// A ticket, unless `capacity` pieces are running already.
    pub fn try_start(&self, rt: &std::sync::Arc<crate::host::Runtime>) -> Option<Ticket> {
        use std::sync::atomic::Ordering;
        let mut n = self.running.load(Ordering::Acquire);
        loop {
            if n >= self.capacity {
                return None;
            }
            match self
                .running
                .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(Ticket(rt.clone())),
                Err(now) => n = now,
            }
        }
    }

    pub fn running(&self) -> usize {
        self.running.load(std::sync::atomic::Ordering::Acquire)
    }
}
