//! The words of the language: message kinds and their methods, payload kinds, validator
//! formats, route filters and keywords. The checker validates against these lists, and the
//! language server completes and explains from them, so the two cannot disagree.

/// Message kinds a route may name (`*` is any).
pub const KINDS: &[&str] = &["Http", "Ext", "Cmd", "Hyp"];
/// Methods of `Http`.
pub const HTTP_METHODS: &[&str] = &[
    "Get", "Post", "Put", "Delete", "Patch", "Head", "Options", "Connect", "Trace",
];
/// Methods of `Cmd`.
pub const CMD_METHODS: &[&str] = &[
    "Init",
    "Read",
    "Update",
    "Bounce",
    "Knock",
    "Greet",
    "Command",
    "RawCommand",
    "Log",
];
/// Methods of `Hyp`.
pub const HYP_METHODS: &[&str] = &[
    "Init",
    "Assign",
    "Host",
    "Provision",
    "Knock",
    "Hop",
    "Transport",
    "HyperWave",
    "Search",
];
/// Route filters.
pub const FILTERS: &[&str] = &["auth", "noauth"];

/// The fixed methods of a message kind; `None` for `Ext`, whose methods are any UpperCamel name.
pub fn methods_of(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Http" => Some(HTTP_METHODS),
        "Cmd" => Some(CMD_METHODS),
        "Hyp" => Some(HYP_METHODS),
        _ => None,
    }
}

/// Payload kinds (Starlane's substance kinds).
pub const PAYLOAD_KINDS: &[&str] = &[
    "Empty",
    "List",
    "Map",
    "Point",
    "Surface",
    "Text",
    "Boolean",
    "Int",
    "Meta",
    "Bin",
    "Stub",
    "Details",
    "Status",
    "Particle",
    "Location",
    "FormErrs",
    "Json",
    "MultipartForm",
    "RawCommand",
    "Command",
    "DirectedCore",
    "ReflectedCore",
    "Token",
    "Wave",
    "Knock",
    "Greet",
    "Log",
    "Err",
];

/// The formats a lower-case `~` validator may name.
pub const FORMATS: &[&str] = &[
    "json",
    "utf8",
    "image",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "pdf",
    "zip",
];

/// Words that open a top-level item of a `Bind` body (never read as 2022 sections).
pub const DECLARATION_KEYWORDS: &[&str] = &[
    "Requires", "Schema", "Port", "Role", "grant", "call", "limits",
];
/// Fields of a `Port` block.
pub const PORT_FIELDS: &[&str] = &["request", "response", "timeout"];
/// Entries of a `limits` block.
pub const LIMITS: &[&str] = &["memory", "payload", "headers"];
/// What a `grant` may give.
pub const GRANT_FORMS: &[&str] = &["perm", "priv", "super", "role"];
