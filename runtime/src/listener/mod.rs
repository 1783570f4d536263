//! The listeners' side of serving (`specs/runtime.md` §7.1): every connection is watched for
//! the header-read and idle timeouts, counted against its listener's cap, and can be shed when
//! descriptors run out; the accept loop backs off instead of spinning; request bodies draw on
//! one memory budget; hyper's own parse-error replies get the JSON shape of every other error.

mod accept;
mod body;
pub mod budget;
mod connection;
mod limits;
mod parse_errors;

pub use accept::{Listener, Registry, drained};
pub use body::read_body;
pub use budget::{BodyBudget, BodyHold};
pub use connection::{ConnState, ConnectionSpec, serve_connection};
pub use limits::ListenerLimits;
