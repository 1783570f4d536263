//! Once or not at all, on the receiving side: every message id seen within the window is
//! remembered with its outcome, so a resend is acknowledged again but never run again, and is
//! answered with the first execution's reply. The window is longer than the sender's whole
//! retry schedule plus the longest exchange, so no resend can outlive the memory of its first
//! copy.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::wire::MessageId;

/// What this host knows of a message id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// First time: run it.
    New,
    /// Being run now: acknowledge, the reply follows when it is done.
    Running,
    /// Run already: here is the encoded reply frame to send again.
    Done(Vec<u8>),
}

enum Entry {
    Running,
    Done(Vec<u8>),
}

pub struct Dedupe {
    window: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<MessageId, Entry>,
    /// Ids in the order they were first seen, to forget them when the window has passed.
    order: VecDeque<(Instant, MessageId)>,
}

impl Dedupe {
    pub fn new(window: Duration) -> Dedupe {
        Dedupe {
            window,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records `id` and says whether it is new.
    pub fn see(&self, id: MessageId) -> Seen {
        let now = Instant::now();
        let Ok(mut inner) = self.inner.lock() else {
            return Seen::Running;
        };
        while let Some(&(at, old)) = inner.order.front() {
            if now.duration_since(at) <= self.window {
                break;
            }
            inner.order.pop_front();
            inner.entries.remove(&old);
        }
        match inner.entries.get(&id) {
            Some(Entry::Running) => Seen::Running,
            Some(Entry::Done(frame)) => Seen::Done(frame.clone()),
            None => {
                inner.entries.insert(id, Entry::Running);
                inner.order.push_back((now, id));
                Seen::New
            }
        }
    }

    /// Keeps the reply of `id`'s one execution for its duplicates.
    pub fn done(&self, id: MessageId, frame: Vec<u8>) {
        if let Ok(mut inner) = self.inner.lock()
            && let Some(entry) = inner.entries.get_mut(&id)
        {
            *entry = Entry::Done(frame);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|i| i.entries.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_runs_once_and_duplicates_get_its_reply() {
        let d = Dedupe::new(Duration::from_secs(60));
        assert_eq!(d.see([1; 16]), Seen::New);
        assert_eq!(d.see([1; 16]), Seen::Running);
        assert_eq!(d.see([2; 16]), Seen::New);
        d.done([1; 16], b"reply".to_vec());
        assert_eq!(d.see([1; 16]), Seen::Done(b"reply".to_vec()));
    }

    #[test]
    fn ids_are_forgotten_after_the_window() {
        let d = Dedupe::new(Duration::ZERO);
        assert_eq!(d.see([1; 16]), Seen::New);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(d.see([2; 16]), Seen::New);
        assert_eq!(d.len(), 1, "the first id was dropped when the second came");
    }
}
