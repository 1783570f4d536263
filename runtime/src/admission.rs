//! Admission: how much work the runtime takes on at once. Top-level messages take a [`Slot`]
//! (nested calls ride on their caller's); fire-and-forget work takes a [`Ticket`]. Neither knows
//! the runtime, so admission, delivery and metrics do not import one another in a circle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Top-level messages in flight, at most `capacity`; nested calls ride on their caller's slot
/// (so a full house of callers can never deadlock waiting for slots for their callees).
pub struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// One top-level message's place; dropping it frees the place.
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
            freed: Condvar::new(),
        }
    }

    /// Waits for a slot until `deadline`.
    pub fn acquire(&self, deadline: Instant) -> Option<Slot<'_>> {
        let mut free = self.free.lock().ok()?;
        loop {
            if *free > 0 {
                *free -= 1;
                return Some(Slot(self));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            free = self.freed.wait_timeout(free, left).ok()?.0;
        }
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
        let slot = s.acquire(Instant::now()).unwrap();
        assert!(s.acquire(Instant::now()).is_none(), "none free, no wait");
        drop(slot);
        assert!(s.acquire(Instant::now()).is_some());
    }
}
