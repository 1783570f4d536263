//! Admission: how much work the runtime takes on at once. Top-level messages take a [`Slot`]
//! (nested calls ride on their caller's); fire-and-forget work takes a [`Ticket`]. Neither knows
//! the runtime, so admission, delivery and metrics do not import one another in a circle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Top-level messages in flight, at most `capacity`; nested calls ride on their caller's slot
/// (so a full house of callers can never deadlock waiting for slots for their callees).
pub struct Slots {
    state: Mutex<SlotState>,
    freed: Condvar,
}

struct SlotState {
    free: usize,
    /// Threads blocked in `acquire`: a slot given back wakes one only when there is one, since
    /// `Condvar::notify_one` is a `futex` system call even with nobody waiting — on every
    /// message (`benches/routed.rs`).
    waiting: usize,
}

/// One top-level message's place; dropping it frees the place.
pub struct Slot<'a>(&'a Slots);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let Ok(mut state) = self.0.state.lock() else {
            return;
        };
        state.free += 1;
        if state.waiting > 0 {
            self.0.freed.notify_one();
        }
    }
}

impl Slots {
    pub fn new(capacity: usize) -> Slots {
        Slots {
            state: Mutex::new(SlotState {
                free: capacity.max(1),
                waiting: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// A slot, waiting at most `patience` for one; the clock is read only if it must wait.
    pub fn acquire(&self, patience: Duration) -> Option<Slot<'_>> {
        let mut state = self.state.lock().ok()?;
        if state.free > 0 {
            state.free -= 1;
            return Some(Slot(self));
        }
        let deadline = Instant::now() + patience;
        state.waiting += 1;
        let slot = loop {
            if state.free > 0 {
                state.free -= 1;
                break Some(Slot(self));
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break None;
            };
            state = match self.freed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                // Poisoned: no slot can be trusted any more; nobody is left to count.
                Err(_) => return None,
            };
        };
        state.waiting -= 1;
        slot
    }
}

/// Work running on after its message was answered (fire and forget): counted, bounded, and
/// waited for when draining.
pub struct Background {
    running: Arc<AtomicUsize>,
    capacity: usize,
}

/// One piece of background work; dropping it ends it. It owns its share of the count, so it can
/// move to the thread that does the work.
pub struct Ticket(Arc<AtomicUsize>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Background {
    pub fn new(capacity: usize) -> Background {
        Background {
            running: Arc::new(AtomicUsize::new(0)),
            capacity: capacity.max(1),
        }
    }

    /// A ticket, unless `capacity` pieces are running already.
    pub fn try_start(&self) -> Option<Ticket> {
        let mut n = self.running.load(Ordering::Acquire);
        loop {
            if n >= self.capacity {
                return None;
            }
            match self
                .running
                .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(Ticket(Arc::clone(&self.running))),
                Err(now) => n = now,
            }
        }
    }

    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_work_is_bounded_and_counted_until_its_ticket_drops() {
        let b = Background::new(2);
        let first = b.try_start().unwrap();
        let second = b.try_start().unwrap();
        assert!(b.try_start().is_none(), "at capacity");
        assert_eq!(b.running(), 2);
        drop(first);
        let third = std::thread::spawn(move || drop(second));
        third.join().unwrap();
        assert_eq!(b.running(), 0);
    }

    #[test]
    fn a_slot_is_given_back_when_dropped() {
        let s = Slots::new(1);
        let slot = s.acquire(Duration::ZERO).unwrap();
        assert!(s.acquire(Duration::ZERO).is_none(), "none free, no wait");
        drop(slot);
        assert!(s.acquire(Duration::ZERO).is_some());
    }

    #[test]
    fn a_slot_given_back_wakes_a_waiting_caller_at_once() {
        let s = Arc::new(Slots::new(1));
        let held = s.acquire(Duration::ZERO).unwrap();
        let waiter = {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                let asked = Instant::now();
                let got = s.acquire(Duration::from_secs(30)).is_some();
                (got, asked.elapsed())
            })
        };
        // Let the waiter block first, so the release must wake it rather than it finding the
        // slot free on arrival.
        while s.state.lock().unwrap().waiting == 0 {
            std::thread::yield_now();
        }
        drop(held);
        let (got, waited) = waiter.join().unwrap();
        assert!(got, "the waiter gets the slot");
        assert!(
            waited < Duration::from_secs(10),
            "woken, not timed out: {waited:?}"
        );
        assert_eq!(s.state.lock().unwrap().waiting, 0);
    }
}
