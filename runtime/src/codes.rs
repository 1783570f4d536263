//! The runtime's error codes (E02xx): each with its stage, whose fault it is, the HTTP status
//! it answers, and its `starlane explain` page (`runtime/explain/<ID>.md`, compiled in).

use serde::Serialize;

/// Where in serving a message something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Ingress,
    Route,
    Filter,
    Validate,
    Grant,
    Instantiate,
    Execute,
    Respond,
    /// Handing a message to another host of the mesh.
    Deliver,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Ingress => "ingress",
            Stage::Route => "route",
            Stage::Filter => "filter",
            Stage::Validate => "validate",
            Stage::Grant => "grant",
            Stage::Instantiate => "instantiate",
            Stage::Execute => "execute",
            Stage::Respond => "respond",
            Stage::Deliver => "deliver",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        [
            Stage::Ingress,
            Stage::Route,
            Stage::Filter,
            Stage::Validate,
            Stage::Grant,
            Stage::Instantiate,
            Stage::Execute,
            Stage::Respond,
            Stage::Deliver,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Whose fault a failure is: the caller's (4xx) or the system's (5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    Caller,
    System,
}

/// A runtime error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub id: &'static str,
    pub name: &'static str,
    pub stage: Stage,
    pub fault: Fault,
    /// The HTTP status this error answers (some errors adjust it, e.g. a bad response is 502).
    pub status: u16,
    pub summary: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $stage:ident, $fault:ident, $status:literal, $summary:literal; )*) => {
        $(
            #[doc = $summary]
            pub const $konst: ErrorCode = ErrorCode {
                id: $id,
                name: $name,
                stage: Stage::$stage,
                fault: Fault::$fault,
                status: $status,
                summary: $summary,
                explanation: include_str!(concat!("../explain/", $id, ".md")),
            };
        )*
        /// Every runtime code, in id order.
        pub const ALL: &[ErrorCode] = &[$($konst),*];
    };
}

codes! {
    NO_ROUTE = "E0201", "no-route", Route, Caller, 404, "no route matches the message";
    UNAUTHENTICATED = "E0202", "unauthenticated", Filter, Caller, 401, "a route's `(auth)` filter needs an authenticated caller";
    CALLER_NOT_GRANTED = "E0203", "caller-not-granted", Filter, Caller, 403, "the caller has no grant for what the route does";
    INVALID_PAYLOAD = "E0204", "invalid-payload", Validate, Caller, 400, "a payload does not match the pattern its step or port requires";
    SCHEMA_VIOLATION = "E0205", "schema-violation", Validate, Caller, 422, "a payload breaks its JSON Schema";
    PAYLOAD_TOO_LARGE = "E0206", "payload-too-large", Ingress, Caller, 413, "the request body is larger than its limit";
    HEADERS_TOO_LARGE = "E0207", "headers-too-large", Ingress, Caller, 431, "the request headers are larger than the bind's `headers` limit";
    BAD_REQUEST = "E0208", "bad-request", Ingress, Caller, 400, "the request cannot be routed as sent";
    CALL_DENIED = "E0209", "call-denied", Grant, System, 500, "a guest's outbound call is not allowed";
    MECHTRON_NOT_READY = "E0210", "mechtron-not-ready", Instantiate, System, 503, "the mechtron is not Ready";
    GUEST_TRAP = "E0211", "guest-trap", Execute, System, 500, "the guest trapped";
    EXEC_TIMEOUT = "E0212", "exec-timeout", Execute, System, 504, "the guest used more CPU time than its port's `exec` timeout";
    TOTAL_TIMEOUT = "E0213", "total-timeout", Execute, System, 504, "the exchange took longer than its port's `total` timeout";
    MEMORY_LIMIT = "E0214", "memory-limit", Execute, System, 500, "the guest tried to grow its memory past the bind's `memory` limit";
    GUEST_BROKE_ABI = "E0215", "guest-broke-abi", Execute, System, 500, "the guest broke the guest ABI";
    GUEST_ERROR = "E0216", "guest-error", Execute, System, 500, "the guest answered with an error";
    ADDRESS_NOT_HOSTED = "E0217", "address-not-hosted", Route, System, 502, "a message is addressed to a point this host does not serve";
    FILE_NOT_FOUND = "E0218", "file-not-found", Route, Caller, 404, "a route names a bundle file that does not exist";
    CONTEXT_NOT_BOUND = "E0219", "context-not-bound", Route, System, 502, "a context name has no address";
    INVALID_MODULE = "E0220", "invalid-module", Instantiate, System, 503, "a mechtron's module does not follow the guest ABI";
    CALL_DEPTH = "E0221", "call-depth", Execute, System, 508, "nested calls went deeper than the host allows";
    INVALID_BUNDLE = "E0222", "invalid-bundle", Ingress, System, 500, "the bundle cannot be served";
    VALIDATOR_REJECTED = "E0223", "validator-rejected", Validate, Caller, 422, "a validator mechtron rejected the payload";
    INVALID_POINT = "E0224", "invalid-point", Route, Caller, 400, "a point is invalid after substitution";
    OVERLOADED = "E0225", "overloaded", Instantiate, System, 503, "the host is overloaded";
    REQUEST_TIMEOUT = "E0226", "request-timeout", Ingress, Caller, 408, "the request body did not arrive in time";
    ADMIN_UNAUTHENTICATED = "E0227", "admin-unauthenticated", Ingress, Caller, 401, "the admin listener needs its token";
    HOST_NOT_ALLOWED = "E0228", "host-not-allowed", Ingress, Caller, 421, "the request names a host the admin listener does not answer to";
    UNSUPPORTED_MEDIA_TYPE = "E0229", "unsupported-media-type", Ingress, Caller, 415, "the admin listener accepts only JSON";
    CROSS_ORIGIN = "E0230", "cross-origin", Ingress, Caller, 403, "the admin listener refuses requests from web pages";
    MESH_TIMEOUT = "E0231", "mesh-timeout", Deliver, System, 504, "no host of the mesh acknowledged or answered the message in time";
    RELOAD_REFUSED = "E0232", "reload-refused", Ingress, Caller, 422, "the new bundle was refused; the previous one keeps serving";
    METHOD_NOT_ALLOWED = "E0233", "method-not-allowed", Route, Caller, 405, "the path is routed, but not for this method";
}

/// Looks a code up by id (`E0205`) or name (`schema-violation`).
pub fn lookup(key: &str) -> Option<ErrorCode> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promise of every error reply: the caller's fault is a 4xx, the system's a 5xx.
    #[test]
    fn fault_and_status_agree() {
        for code in ALL {
            let class = code.status / 100;
            match code.fault {
                Fault::Caller => assert_eq!(class, 4, "{} is the caller's fault", code.id),
                Fault::System => assert_eq!(class, 5, "{} is the system's fault", code.id),
            }
        }
    }

    #[test]
    fn ids_and_names_are_unique_and_documented() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(
                a.explanation.starts_with(&format!("# {}: ", a.id)),
                "{}",
                a.id
            );
            let fault = match a.fault {
                Fault::Caller => "caller",
                Fault::System => "system",
            };
            let line = format!("Fault: the {fault} ({}", a.status);
            assert!(
                a.explanation.contains(&line),
                "{}: page lacks `{line}`",
                a.id
            );
            let stage = format!("stage: `{}`", a.stage.as_str());
            assert!(
                a.explanation.contains(&stage),
                "{}: page lacks `{stage}`",
                a.id
            );
            for b in &ALL[i + 1..] {
                assert!(a.id != b.id && a.name != b.name, "{} and {}", a.id, b.id);
            }
            assert_eq!(lookup(a.name), Some(*a));
            assert_eq!(lookup(&a.id.to_lowercase()), Some(*a));
        }
    }
}
