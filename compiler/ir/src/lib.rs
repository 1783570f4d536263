//! The Starlane IR: what a compiled bundle holds, as plain flat data (arenas and indices, no
//! recursive types), and its file format ([`format`]). The runtime depends on this crate only —
//! never on the parser — so a production host loads bundles without a front end in it.
//!
//! Specified in `specs/ir.md`.

pub mod abi;
pub mod format;
pub mod render;
pub mod signature;
mod validate;

use serde::{Deserialize, Serialize};
pub use starlane_model::{
    Envelope, Filter, Format, Kind, Method, MethodPattern, PayloadKind, SelectorPart,
    SelectorPattern, Template, Var,
};

pub use format::{FORMAT_VERSION, LoadError, MAGIC, decode, encode};
pub use validate::validate;

/// Index into [`Bundle::patterns`].
pub type PatternId = u32;

/// A compiled bundle: every bind, module, schema and static file of one app.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bundle {
    /// The app's name (from the manifest).
    pub name: String,
    /// The `.bind` sources, for the source map: runtime errors point at their lines.
    pub sources: Vec<Source>,
    pub binds: Vec<Bind>,
    pub mechtrons: Vec<Mechtron>,
    pub modules: Vec<Module>,
    pub schemas: Vec<SchemaDoc>,
    pub files: Vec<StaticFile>,
    /// Payload patterns; a pattern refers only to patterns with a smaller index (acyclic).
    pub patterns: Vec<PayloadPattern>,
    /// The bind that receives HTTP requests.
    pub http_bind: Option<u32>,
}

/// One `.bind` file: its bundle-relative path and where its lines start.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub line_starts: Vec<u32>,
}

/// A byte range in one of [`Bundle::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceSpan {
    pub source: u32,
    pub start: u32,
    pub end: u32,
}

impl Bundle {
    /// `path:line:column` (1-based) of a span, for error messages.
    pub fn locate(&self, span: SourceSpan) -> String {
        let Some(source) = self.sources.get(span.source as usize) else {
            return "<unknown source>".to_string();
        };
        let line = source
            .line_starts
            .partition_point(|&s| s <= span.start)
            .max(1)
            - 1;
        let col = span.start - source.line_starts.get(line).copied().unwrap_or(0);
        format!("{}:{}:{}", source.path, line + 1, col + 1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bind {
    pub source: u32,
    pub version: String,
    pub requires: Vec<Requirement>,
    pub schemas: Vec<SchemaRef>,
    pub ports: Vec<Port>,
    pub roles: Vec<Role>,
    pub grants: Vec<Grant>,
    pub routes: Vec<Route>,
    pub limits: Limits,
}

impl Bind {
    /// Every grant of the bind: top-level, in its ports, and in its roles.
    pub fn all_grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants
            .iter()
            .chain(self.ports.iter().flat_map(|p| &p.grants))
            .chain(self.roles.iter().flat_map(|r| &r.grants))
    }
}

/// A `Requires` entry: a context name bound to an address at load time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub name: String,
    pub kind: String,
    pub span: SourceSpan,
}

/// `Schema Name = "path";` resolved to an index into [`Bundle::schemas`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaRef {
    pub name: String,
    pub schema: u32,
    pub span: SourceSpan,
}

/// A route: matched by kind, method and path, then its filters run, then its pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The messages it takes: `*`, `Kind<*>` or `Kind<Method>` (legacy kind names resolved).
    pub methods: MethodPattern,
    pub path: PathPattern,
    pub filters: Vec<Filter>,
    pub segments: Vec<Segment>,
    pub span: SourceSpan,
}

/// How a route matches the whole (percent-decoded, query-less) path, decided by the compiler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathPattern {
    /// No path given: any path.
    Any,
    /// A path without regex syntax, compared as text.
    Exact(String),
    /// The joined path regex, unanchored; the runtime anchors it (`^(?:…)$`) and compiles it
    /// once at load.
    Regex {
        regex: String,
        /// Capture names of the regex, in group order (`""` for an unnamed group).
        captures: Vec<String>,
    },
}

impl PathPattern {
    /// The path as written (`None` for any path).
    pub fn text(&self) -> Option<&str> {
        match self {
            PathPattern::Any => None,
            PathPattern::Exact(p) => Some(p),
            PathPattern::Regex { regex, .. } => Some(regex),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// `->`: toward a handler.
    Request,
    /// `=>`: on the way back.
    Response,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub direction: Direction,
    /// The payload the message must satisfy at this step.
    pub payload: Option<PatternId>,
    pub stop: Stop,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stop {
    /// `(( ))`: the bound mechtron's core.
    Core,
    /// `((port))`: index into the bind's ports.
    Port(u32),
    /// `&`: reply with the current body.
    Reflect,
    /// `Err(status, reason)`.
    Err { status: u16, reason: Option<String> },
    /// Forward to a point (may contain variables; `${doc.bundle}:/…` is a bundle file).
    Point(Template),
    /// A call `point^Kind<Method>/path`.
    Call {
        point: Template,
        method: Method,
        path: Option<Template>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadPattern {
    pub shape: Shape,
    pub validators: Vec<Validator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    /// `*`
    Any,
    /// `[ ]`: matches nothing.
    Nothing,
    /// A single payload kind (`Text`, `Bin`, …).
    Kind(PayloadKind),
    /// `Kind[N-M]`.
    List {
        kind: PayloadKind,
        min: u64,
        max: Option<u64>,
    },
    /// `Map{…}`: listed keys; other keys only if `other` is set.
    Map {
        entries: Vec<MapEntry>,
        other: Option<Option<PatternId>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapEntry {
    pub key: String,
    pub optional: bool,
    pub pattern: Option<PatternId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validator {
    /// A fixed format: `json`, `image/png`, …
    Format(Format),
    /// A JSON Schema: index into [`Bundle::schemas`].
    Schema(u32),
    /// A validator mechtron: `point^Ext<Method>`.
    Mechtron { point: Template, method: Method },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub name: String,
    pub request: Option<PortCheck>,
    pub response: Option<PortCheck>,
    /// What the guest receives: the request envelope (default) or the body alone.
    pub envelope: Envelope,
    pub exec_ms: u64,
    pub total_ms: u64,
    pub grants: Vec<Grant>,
    pub calls: Vec<CallRule>,
    pub span: SourceSpan,
}

/// A port's `request:` or `response:` pattern, with the span of that field so a payload that
/// fails it is reported at the line that demanded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCheck {
    pub pattern: PatternId,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub grants: Vec<Grant>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantKind {
    /// Bits C S D R W X from most significant; `and` for `&` masks.
    Perm {
        bits: u8,
        and: bool,
    },
    Priv(String),
    Super,
    Role(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub kind: GrantKind,
    /// What the grant is on (every grant but `role` has one).
    pub on: Option<SelectorPattern>,
    /// Whom it is given to: `None` for a port's or role's own grants.
    pub to: Option<SelectorPattern>,
    pub span: SourceSpan,
}

/// One allowed outbound call: selector, kind and method, optional path and timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRule {
    pub selector: SelectorPattern,
    /// `Kind<Method>` or `Kind<*>`.
    pub methods: MethodPattern,
    /// A path regex the whole path must match (compiled at load).
    pub path: Option<String>,
    pub timeout_ms: Option<u64>,
    /// Across hosts of a mesh: the ack wait and resends for this call, over `[mesh]`.
    pub ack_ms: Option<u64>,
    pub retries: Option<u32>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub memory: u64,
    pub payload: u64,
    pub headers: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 16 << 20,
            payload: 1 << 20,
            headers: 64 << 10,
        }
    }
}

/// The default `exec` timeout (guest CPU time) of a port, in milliseconds.
pub const DEFAULT_EXEC_MS: u64 = 1_000;
/// The default `total` timeout (the whole exchange) of a port, in milliseconds.
pub const DEFAULT_TOTAL_MS: u64 = 5_000;

/// A mechtron: a module and the bind that routes to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mechtron {
    pub name: String,
    pub module: Option<u32>,
    pub bind: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    pub path: String,
    pub sha256: [u8; 32],
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaDoc {
    pub path: String,
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticFile {
    pub path: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}
