//! Routing semantics over the IR, with no dependency on the parser or on wasm: which route a
//! message takes (`route_table`), which points a selector covers (`selector`), how variables in
//! points are filled in (`substitute`) and what a set of grants allows (`access`). The runtime
//! serves with these and `starlane route` explains with them, so the two cannot disagree.
//! Specified in `specs/runtime.md`.

pub mod access;
pub mod call_rules;
pub mod route_table;
pub mod selector;
pub mod substitute;

pub use access::{Access, Bits, GrantError, GrantSet};
pub use call_rules::{CallMatch, CallRules};
pub use route_table::{Capture, RouteMatch, RouteTable, Verdict};
pub use selector::Selector;
pub use substitute::fill;
