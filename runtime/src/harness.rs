//! What a test harness (`starlane test`, `specs/testing.md`) puts around a runtime: stand-ins
//! that answer in place of a mechtron's guest — after the real routes, filters, caller checks
//! and port payload checks have run, so a stand-in can never accept what the real mechtron
//! would refuse — or in place of a dependency outside the bundle; and a record of every
//! outbound call a guest made, allowed or refused. Serving (`starlane run`) has no harness.

use crate::error::RuntimeError;
use crate::message::{Message, Reply};

/// A guest call a stand-in may answer instead of the guest.
pub struct GuestRequest<'a> {
    pub mechtron: &'a str,
    /// The port the route entered (`None`: the mechtron's core).
    pub port: Option<&'a str>,
    /// The waPC operation: the port's name, or `Kind<Method>` for the core.
    pub op: &'a str,
    pub message: &'a Message,
    /// The body as the guest would see it (after the pipeline's earlier stops).
    pub body: &'a [u8],
}

/// What became of an outbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// Allowed, and the target answered.
    Answered,
    /// Allowed, but the target failed (`code`: its error code).
    Failed { code: &'static str },
    /// Refused before dispatch: denied by the grants or `call` entries, unbound, unknown.
    Refused { code: &'static str },
}

/// One outbound call (`__host_call`) a guest made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub from: String,
    pub port: Option<String>,
    /// The context name the call went through (empty for a literal address).
    pub binding: String,
    pub target: String,
    pub op: String,
    pub outcome: CallOutcome,
}

pub trait Harness: Send + Sync {
    /// Answers in place of `request.mechtron`'s guest; `None` runs the real guest.
    fn stand_in(&self, request: &GuestRequest<'_>) -> Option<Result<Reply, RuntimeError>>;

    /// Answers a message to `point`, which no mechtron of the bundle serves; `None` leaves it to
    /// the mesh, or to the not-hosted error.
    fn outside(&self, point: &str, message: &Message) -> Option<Result<Reply, RuntimeError>>;

    /// Records an outbound call.
    fn called(&self, record: CallRecord);
}
