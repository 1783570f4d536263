//! Freeing large trees beside the work that follows. A megabyte of `.bind` makes about 240,000
//! green nodes and 600,000 token references; freeing them walks the whole tree and takes about
//! 6 ms, all of it on one core while the other waits — at the end of `starlane check`, or in the
//! language server between one edit and the next. A thread kept for the purpose frees them
//! instead, while the caller goes on (typically to parse the next document, which uses one core).
//!
//! Not the `defer-drop` crate: its queue is unbounded, so trees handed over faster than they are
//! freed would pile up. Here at most [`BACKLOG`] wait; past that the caller frees its own.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use rowan::GreenNode;

/// Trees of documents this large are freed aside; a smaller one is freed faster than it could
/// be handed over.
pub(super) const FREE_ASIDE_FROM: usize = 64 * 1024;

/// How many trees may wait to be freed.
const BACKLOG: usize = 2;

/// The freeing thread's queue; `None` where no thread can be started (the tree is freed here).
static FREER: OnceLock<Option<SyncSender<GreenNode>>> = OnceLock::new();

/// Frees `tree` on the freeing thread, or here when that thread is behind or absent. A tree
/// still shared elsewhere only loses a reference either way.
pub(super) fn free_aside(tree: GreenNode) {
    let freer = FREER.get_or_init(|| {
        let (queue, trees) = sync_channel::<GreenNode>(BACKLOG);
        std::thread::Builder::new()
            .name("starlane-free".into())
            .spawn(move || {
                run_only_when_idle();
                trees.into_iter().for_each(drop)
            })
            .ok()
            .map(|_| queue)
    });
    if let Some(queue) = freer {
        match queue.try_send(tree) {
            Ok(()) => {}
            Err(TrySendError::Full(tree) | TrySendError::Disconnected(tree)) => drop(tree),
        }
    }
}

/// Puts the calling thread in the idle scheduling class: it runs on a core nothing else wants,
/// so freeing never slows the work it was moved out of the way of.
fn run_only_when_idle() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` is a valid sched_param; pid 0 is the calling thread.
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The id and scheduling policy of this process's thread named `name`, if it has one.
    fn thread_named(name: &str) -> Option<(i32, i32)> {
        std::fs::read_dir("/proc/self/task").ok()?.find_map(|task| {
            let task = task.ok()?;
            let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
            let tid: i32 = task.file_name().to_str()?.parse().ok()?;
            // SAFETY: sched_getscheduler only reads the policy of the thread `tid`.
            let policy = unsafe { libc::sched_getscheduler(tid) };
            (comm.trim_end() == name).then_some((tid, policy))
        })
    }

    #[test]
    fn a_large_tree_is_freed_by_an_idle_thread_and_a_shared_one_lives_on() {
        let mut src = String::from("Bind(version=1.1.0) {\n  Route -> {\n");
        while src.len() < FREE_ASIDE_FROM * 2 {
            src.push_str("    Http<Get>/page -> (( )) => &;\n");
        }
        src.push_str("  }\n}\n");
        let parse = crate::parser::parse(&src);
        let root = parse.syntax();
        drop(parse);
        // The root kept here still holds the whole tree.
        assert_eq!(root.text().to_string(), src);
        // The thread exists once a tree was handed over, and puts itself in the idle class.
        let policy = (0..500)
            .find_map(|_| {
                let found = thread_named("starlane-free").filter(|(_, p)| *p == libc::SCHED_IDLE);
                if found.is_none() {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                found
            })
            .map(|(_, policy)| policy);
        assert_eq!(policy, Some(libc::SCHED_IDLE), "no idle freeing thread");
    }
}
