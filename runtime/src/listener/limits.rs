//! How long a connection may take, and how many may be open.

use std::time::Duration;

/// One listener's connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// A request head (request line and headers) must arrive within this time: from the
    /// connection's start for its first request, from the first byte for later ones.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight and no bytes either way for this long is closed.
    pub idle_timeout: Duration,
    /// A request body must arrive whole within this time of its head (else `408`, `E0226`).
    pub body_read_timeout: Duration,
    /// Connections open at once; at the cap the oldest idle one is closed to make room, or the
    /// next connection waits in the kernel's backlog.
    pub max_connections: usize,
}

impl ListenerLimits {
    /// Defaults for the routed HTTP listener (nginx and Envoy keep similar ones).
    pub const HTTP: ListenerLimits = ListenerLimits {
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        body_read_timeout: Duration::from_secs(30),
        max_connections: 1024,
    };

    /// Defaults for the admin listener: few clients, short-lived.
    pub const ADMIN: ListenerLimits = ListenerLimits {
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        body_read_timeout: Duration::from_secs(10),
        max_connections: 64,
    };

    /// The cap, lowered to what the process's descriptor limit leaves room for (with a reserve
    /// for modules, the cache and the other listener), so the cap is met before `EMFILE` is.
    pub fn within_descriptor_limit(mut self, reserve: usize) -> ListenerLimits {
        if let Some(limit) = descriptor_limit() {
            let room = limit.saturating_sub(reserve).max(1);
            self.max_connections = self.max_connections.min(room);
        }
        self
    }
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits::HTTP
    }
}

/// The soft limit on open descriptors (`RLIMIT_NOFILE`), where there is one.
fn descriptor_limit() -> Option<usize> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` into the struct it is given.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as usize)
    }
    #[cfg(not(unix))]
    {
        None
    }
}
