//! Whether a message from another host may run in place, on the async worker that received it.
//!
//! Handing the guest to another thread (`block_in_place` gives the worker's other tasks to a
//! woken thread) costs about three context switches per message — a third of a mesh message's
//! time on a small machine. Running in place costs none, but a guest may run up to its `exec`
//! limit, and a worker that runs it serves nothing else meanwhile. So a message runs in place
//! only when all of these hold:
//! - the runtime has at least two workers, and no other message of this host runs in place, so
//!   another worker always goes on serving NATS, heartbeats and the listeners;
//! - its mechtron answered within `[mesh] in_place_under` (default [`QUICK`]) the last
//!   [`STREAK`] times;
//! - its mechtron never took longer than that in place: one that did never runs in place again,
//!   so a guest that turns slow (or hostile) holds one worker once, for at most its `exec` limit.
//!
//! "Another worker goes on serving" needs help from us: tokio polls its I/O and timer driver on
//! whichever worker parks, and a worker that parked while the driver was taken waits on a
//! condvar until someone schedules work — a worker busy in a guest never does, so a slow run in
//! place stalled every socket and timer of the host (seen: acks stopped for the whole run). A
//! watchdog thread therefore looks every [`WATCH`] at the claim; one held longer than `quick`
//! gets one nudge — an empty task spawned from outside the runtime, which wakes a parked worker
//! that then takes the driver. The fast path pays one atomic store per claim and nothing else.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// By default, a run this short may hold an async worker.
pub(crate) const QUICK: Duration = Duration::from_millis(1);
/// Quick runs in a row before a mechtron's messages run in place.
pub(crate) const STREAK: u32 = 8;
/// How often the watchdog looks at the claim: a slow run in place stalls the host's I/O for at
/// most `quick` plus this.
const WATCH: Duration = Duration::from_millis(5);

#[derive(Default, Clone, Copy)]
struct History {
    quick_in_a_row: u32,
    /// Took longer than `quick` in place once: always handed off from now on.
    barred: bool,
}

pub(crate) struct InPlace {
    /// False on a runtime with one worker (that worker must never be held), or when turned off.
    allowed: bool,
    quick: Duration,
    claim: Arc<ClaimSlot>,
    history: Mutex<HashMap<String, History>>,
}

/// When the one in-place run began, shared with the watchdog.
struct ClaimSlot {
    base: Instant,
    /// Microseconds from `base` to the claim, plus one; zero while nothing runs in place.
    since: AtomicU64,
}

impl ClaimSlot {
    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX - 1) + 1
    }
}

/// The one in-place run this host allows at a time; released when dropped.
pub(crate) struct Claim<'a> {
    slot: &'a ClaimSlot,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.slot.since.store(0, Ordering::Release);
    }
}

impl InPlace {
    pub(crate) fn new(handle: &tokio::runtime::Handle, quick: Duration) -> InPlace {
        let wanted = !quick.is_zero()
            && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
            && handle.metrics().num_workers() >= 2;
        let claim = Arc::new(ClaimSlot {
            base: Instant::now(),
            since: AtomicU64::new(0),
        });
        // Without its watchdog, nothing runs in place.
        let allowed = wanted && watch(Arc::downgrade(&claim), handle.clone(), quick);
        InPlace {
            allowed,
            quick,
            claim,
            history: Mutex::new(HashMap::new()),
        }
    }

    /// The claim to run a message for `mechtron` in place, when it may.
    pub(crate) fn claim(&self, mechtron: &str) -> Option<Claim<'_>> {
        if !self.allowed {
            return None;
        }
        let earned = self
            .history
            .lock()
            .ok()?
            .get(mechtron)
            .is_some_and(|h| !h.barred && h.quick_in_a_row >= STREAK);
        let slot = &*self.claim;
        if !earned
            || slot
                .since
                .compare_exchange(0, slot.now(), Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return None;
        }
        Some(Claim { slot })
    }

    /// Remembers how long a run of `mechtron` took, and whether it ran in place.
    pub(crate) fn ran(&self, mechtron: &str, took: Duration, in_place: bool) {
        let Ok(mut history) = self.history.lock() else {
            return;
        };
        let quick = took <= self.quick;
        // No entry for names no mechtron here has (a refused message): the map stays bounded
        // by the bundle.
        let entry = match history.get_mut(mechtron) {
            Some(entry) => entry,
            None if quick => history.entry(mechtron.to_string()).or_default(),
            None => return,
        };
        if quick {
            entry.quick_in_a_row = entry.quick_in_a_row.saturating_add(1);
        } else {
            entry.quick_in_a_row = 0;
            entry.barred |= in_place;
        }
    }
}

/// Nudges the runtime once per claim held longer than `quick` (see the module's comment); ends
/// when the `InPlace` is dropped. False when the thread cannot be started.
fn watch(slot: Weak<ClaimSlot>, handle: tokio::runtime::Handle, quick: Duration) -> bool {
    let quick = u64::try_from(quick.as_micros()).unwrap_or(u64::MAX);
    let spawned = std::thread::Builder::new()
        .name("starlane-in-place".into())
        .spawn(move || {
            let mut nudged = 0;
            while let Some(slot) = slot.upgrade() {
                let since = slot.since.load(Ordering::Acquire);
                if since != 0 && since != nudged && slot.now().saturating_sub(since) >= quick {
                    // Spawned from outside the runtime, it goes to the shared queue and wakes
                    // a parked worker.
                    drop(handle.spawn(async {}));
                    nudged = since;
                }
                drop(slot);
                std::thread::sleep(WATCH);
            }
        });
    match spawned {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!("mesh: no in-place watchdog ({e}); messages never run in place");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_place(workers: usize) -> (tokio::runtime::Runtime, InPlace) {
        in_place_under(workers, QUICK)
    }

    fn in_place_under(workers: usize, quick: Duration) -> (tokio::runtime::Runtime, InPlace) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap();
        let in_place = InPlace::new(rt.handle(), quick);
        (rt, in_place)
    }

    const SLOW: Duration = Duration::from_millis(5);
    const FAST: Duration = Duration::from_micros(50);

    #[test]
    fn a_mechtron_runs_in_place_only_after_a_streak_of_quick_runs() {
        let (_rt, p) = in_place(2);
        for _ in 0..STREAK - 1 {
            p.ran("worker", FAST, false);
            assert!(p.claim("worker").is_none());
        }
        p.ran("worker", FAST, false);
        assert!(p.claim("worker").is_some());
        // A slow run handed off starts the streak again.
        p.ran("worker", SLOW, false);
        assert!(p.claim("worker").is_none());
        assert!(p.claim("other").is_none());
    }

    #[test]
    fn one_message_at_a_time_runs_in_place() {
        let (_rt, p) = in_place(2);
        for _ in 0..STREAK {
            p.ran("a", FAST, false);
            p.ran("b", FAST, false);
        }
        let first = p.claim("a").unwrap();
        assert!(p.claim("b").is_none());
        drop(first);
        assert!(p.claim("b").is_some());
    }

    #[test]
    fn a_mechtron_slow_in_place_is_never_run_in_place_again() {
        let (_rt, p) = in_place(2);
        for _ in 0..STREAK {
            p.ran("worker", FAST, false);
        }
        p.ran("worker", SLOW, true);
        for _ in 0..STREAK * 4 {
            p.ran("worker", FAST, false);
        }
        assert!(p.claim("worker").is_none());
    }

    /// A worker held in place must not stall the others' timers and sockets. The stall needs a
    /// race (the other worker parked on its condvar while this one held the driver), so it is
    /// tried many times, the way the mesh meets it: a run woken by a socket, a timer waiting.
    #[test]
    fn a_run_held_in_place_leaves_the_host_serving_timers() {
        use std::io::Write;
        use std::sync::atomic::AtomicBool;
        let (rt, p) = in_place(2);
        for _ in 0..STREAK {
            p.ran("worker", FAST, false);
        }
        let p = Arc::new(p);
        for round in 0..40 {
            let served = Arc::new(AtomicBool::new(false));
            let (mut writer, reader) = std::os::unix::net::UnixStream::pair().unwrap();
            reader.set_nonblocking(true).unwrap();
            let timer = {
                let served = Arc::clone(&served);
                rt.spawn(async move {
                    tokio::time::sleep(Duration::from_millis(15)).await;
                    served.store(true, Ordering::Release);
                })
            };
            let held = {
                let (p, served) = (Arc::clone(&p), Arc::clone(&served));
                rt.spawn(async move {
                    let reader = tokio::net::UnixStream::from_std(reader).unwrap();
                    reader.readable().await.unwrap();
                    let _claim = p.claim("worker").expect("earned");
                    // A guest that spins until the timer has fired, or gives up.
                    let give_up = Instant::now() + Duration::from_secs(3);
                    while !served.load(Ordering::Acquire) && Instant::now() < give_up {
                        std::hint::spin_loop();
                    }
                    served.load(Ordering::Acquire)
                })
            };
            std::thread::sleep(Duration::from_millis(5));
            writer.write_all(b"x").unwrap();
            let (served_while_held, ()) = rt
                .block_on(async { tokio::try_join!(held, timer) })
                .unwrap();
            assert!(
                served_while_held,
                "round {round}: the timer waited for the run"
            );
        }
    }

    #[test]
    fn zero_turns_running_in_place_off() {
        let (_rt, p) = in_place_under(2, Duration::ZERO);
        for _ in 0..STREAK {
            p.ran("worker", Duration::ZERO, false);
        }
        assert!(p.claim("worker").is_none());
    }

    #[test]
    fn a_runtime_with_one_worker_never_runs_in_place() {
        let (_rt, p) = in_place(1);
        for _ in 0..STREAK {
            p.ran("worker", FAST, false);
        }
        assert!(p.claim("worker").is_none());
    }
}
