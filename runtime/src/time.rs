//! The runtime's clock: wall time when serving, or a virtual clock for deterministic runs
//! (`starlane test`, `specs/testing.md` §4). Every deadline (`exec`, `total`, a `call`'s
//! timeout) is computed and checked through it, and so are the WASI clocks and random source a
//! guest sees. On the virtual clock time moves only when something spends it: a guest's fuel
//! (fuel mode is required) or a stand-in's declared delay — so a test of a 30 s timeout takes
//! no wall time, and the same run gives the same answers byte for byte.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the virtual clock's calendar starts: 2026-01-01T00:00:00Z (what a guest's
/// `clock_time_get(REALTIME)` reads at virtual time zero).
pub const VIRTUAL_EPOCH_UNIX_SECS: u64 = 1_767_225_600;

#[derive(Clone, Default)]
pub enum TimeSource {
    /// The machine's clocks and random source.
    #[default]
    Wall,
    Virtual(Arc<VirtualTime>),
}

/// A clock that moves only when told, and a seeded random source.
pub struct VirtualTime {
    origin: Instant,
    elapsed_ns: AtomicU64,
    random: Mutex<fastrand::Rng>,
}

impl TimeSource {
    /// A virtual clock at zero whose random source is seeded with `seed`.
    pub fn virtual_clock(seed: u64) -> TimeSource {
        TimeSource::Virtual(Arc::new(VirtualTime {
            origin: Instant::now(),
            elapsed_ns: AtomicU64::new(0),
            random: Mutex::new(fastrand::Rng::with_seed(seed)),
        }))
    }

    pub fn is_virtual(&self) -> bool {
        matches!(self, TimeSource::Virtual(_))
    }

    pub fn now(&self) -> Instant {
        match self {
            TimeSource::Wall => Instant::now(),
            TimeSource::Virtual(v) => v.origin + v.elapsed(),
        }
    }

    /// This clock's now and the machine's, from one read of the machine's clock when they are
    /// the same clock (a message reads the time on its path often enough for it to show).
    pub fn now_and_wall(&self) -> (Instant, Instant) {
        let wall = Instant::now();
        match self {
            TimeSource::Wall => (wall, wall),
            TimeSource::Virtual(_) => (self.now(), wall),
        }
    }

    /// `now + ms`, saturating: a bundle's timeouts are not trusted not to overflow an `Instant`.
    pub fn after(&self, ms: u64) -> Instant {
        let now = self.now();
        now.checked_add(Duration::from_millis(ms))
            .unwrap_or_else(|| now + crate::message::MAX_EXCHANGE)
    }

    /// Moves the virtual clock on (the wall clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let TimeSource::Virtual(v) = self {
            let ns = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            v.elapsed_ns.fetch_add(ns, Ordering::SeqCst);
        }
    }

    /// Virtual time spent so far (zero on the wall clock, which has no start).
    pub fn elapsed(&self) -> Duration {
        match self {
            TimeSource::Wall => Duration::ZERO,
            TimeSource::Virtual(v) => v.elapsed(),
        }
    }

    /// WASI `REALTIME`: nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> u64 {
        match self {
            TimeSource::Wall => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            TimeSource::Virtual(v) => {
                VIRTUAL_EPOCH_UNIX_SECS * 1_000_000_000 + v.elapsed().as_nanos() as u64
            }
        }
    }

    /// WASI `MONOTONIC`: nanoseconds since a fixed start.
    pub fn monotonic_nanos(&self) -> u64 {
        match self {
            TimeSource::Wall => monotonic_origin().elapsed().as_nanos() as u64,
            TimeSource::Virtual(v) => v.elapsed().as_nanos() as u64,
        }
    }

    /// Random bytes for WASI `random_get`; false when the machine's source failed.
    pub fn fill_random(&self, bytes: &mut [u8]) -> bool {
        match self {
            TimeSource::Wall => getrandom::fill(bytes).is_ok(),
            TimeSource::Virtual(v) => {
                let mut rng = v.random.lock().unwrap_or_else(|p| p.into_inner());
                rng.fill(bytes);
                true
            }
        }
    }
}

impl VirtualTime {
    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed_ns.load(Ordering::SeqCst))
    }
}

/// The process-wide start of the monotonic clock guests see on the wall clock.
fn monotonic_origin() -> Instant {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_clock_moves_only_when_advanced() {
        let t = TimeSource::virtual_clock(7);
        let start = t.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(t.now(), start);
        t.advance(Duration::from_secs(30));
        assert_eq!(t.now() - start, Duration::from_secs(30));
        assert_eq!(t.monotonic_nanos(), 30_000_000_000);
        assert_eq!(
            t.unix_nanos(),
            (VIRTUAL_EPOCH_UNIX_SECS + 30) * 1_000_000_000
        );
    }

    #[test]
    fn a_seed_gives_the_same_random_bytes_every_time() {
        let bytes = |seed| {
            let mut b = [0u8; 16];
            assert!(TimeSource::virtual_clock(seed).fill_random(&mut b));
            b
        };
        assert_eq!(bytes(1), bytes(1));
        assert_ne!(bytes(1), bytes(2));
    }
}
