//! One memory budget for the request bodies being received, across every connection of both
//! listeners: per-request payload limits bound one upload, the budget bounds all of them
//! together, so unfinished uploads cannot hold more than it.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of request bodies held at once.
#[derive(Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    total: usize,
}

/// Bytes drawn from the budget; returned when dropped (after the request is answered).
pub struct BodyHold(Option<OwnedSemaphorePermit>);

impl BodyBudget {
    /// The default: 64 MiB.
    pub const DEFAULT: u64 = 64 << 20;

    pub fn new(total: u64) -> BodyBudget {
        let total = usize::try_from(total)
            .unwrap_or(usize::MAX)
            .clamp(1, Semaphore::MAX_PERMITS);
        BodyBudget {
            bytes: Arc::new(Semaphore::new(total)),
            total,
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Bytes not held by any request now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    /// An empty hold, to grow as a body arrives.
    pub fn hold(&self) -> BodyHold {
        BodyHold(None)
    }

    /// Draws `n` more bytes into `hold`; `false` when the budget has not that much left (the
    /// request is then refused, never queued: a queue would hold its connection and buffers).
    pub fn draw(&self, hold: &mut BodyHold, n: usize) -> bool {
        if n == 0 {
            return true;
        }
        let Ok(n32) = u32::try_from(n) else {
            return false;
        };
        match self.bytes.clone().try_acquire_many_owned(n32) {
            Ok(permit) => {
                match &mut hold.0 {
                    Some(held) => held.merge(permit),
                    None => hold.0 = Some(permit),
                }
                true
            }
            Err(_) => false,
        }
    }
}

impl BodyHold {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.0.as_ref().map_or(0, OwnedSemaphorePermit::num_permits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_draw_on_one_budget_and_give_it_back_when_answered() {
        let budget = BodyBudget::new(100);
        let mut a = budget.hold();
        assert!(budget.draw(&mut a, 60));
        assert!(budget.draw(&mut a, 30));
        assert_eq!(a.bytes(), 90);
        let mut b = budget.hold();
        assert!(!budget.draw(&mut b, 20), "only 10 bytes are left");
        assert!(budget.draw(&mut b, 10));
        assert_eq!(budget.available(), 0);
        drop(a);
        assert_eq!(budget.available(), 90);
        drop(b);
        assert_eq!(budget.available(), 100);
    }
}
