//! What moves through the mesh: a message, its reply, and the exchange it belongs to.

use std::time::{Duration, Instant};

use starlane_ir::{Kind, Method};

/// An authenticated caller: an identity point (and its kind, for `<Kind>` selectors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub point: String,
    pub kind: Option<String>,
}

/// Where a message entered the mesh; it keeps its origin as it is forwarded along a pipeline
/// (`specs/runtime.md` §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The bundle's HTTP front door, or a mechtron of this bundle calling through its port's
    /// grants: a bind without caller rules does not restrict it.
    #[default]
    Inside,
    /// Outside the bundle's front door (the admin listener's `POST /messages`; other hosts
    /// later): admitted only by a bind's caller rules, deny by default.
    Outside,
}

/// One message to a mechtron.
#[derive(Debug, Clone)]
pub struct Message {
    /// The method with its kind (`Http<Get>`), parsed once where the message entered.
    pub method: Method,
    /// The percent-decoded path, without the query (`/` when there is none).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub caller: Option<Identity>,
    pub origin: Origin,
}

impl Message {
    pub fn new(method: Method, path: &str, body: Vec<u8>) -> Message {
        Message {
            method,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            headers: Vec::new(),
            body,
            caller: None,
            origin: Origin::Inside,
        }
    }

    pub fn kind(&self) -> Kind {
        self.method.kind()
    }
}

/// A reply: status, headers, body, and a content type when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// The mechtron whose guest produced the reply (or whose route answered it): what the
    /// request is counted under, not the one it entered through.
    pub handled_by: Option<usize>,
}

impl Reply {
    pub fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            content_type: None,
            handled_by: None,
        }
    }
}

/// The exchange a message belongs to: when its time runs out, and how deep in nested calls.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    pub deadline: Instant,
    pub depth: u32,
}

/// The longest an exchange entering from outside may take, whatever its ports say.
pub const MAX_EXCHANGE: Duration = Duration::from_secs(60);

impl Exchange {
    /// An exchange entering from outside at `now` (the runtime's clock).
    pub fn starting_at(now: Instant) -> Exchange {
        Exchange {
            deadline: now + MAX_EXCHANGE,
            depth: 0,
        }
    }

    /// A nested exchange: one level deeper, ending no later than `deadline`.
    pub fn nested(&self, deadline: Instant) -> Exchange {
        Exchange {
            deadline: deadline.min(self.deadline),
            depth: self.depth + 1,
        }
    }
}
