//! The words of the language: message kinds and their methods, payload kinds, validator
//! formats, route filters and keywords. The checker validates against these lists, and the
//! language server completes and explains from them, so the two cannot disagree.

/// Message kinds a route may name (`*` is any).
pub const KINDS: &[&str] = &["Http", "Ext", "Cmd", "Hyp"];

/// The 2022 names of message kinds and what they are now (`Msg<…>` is `Ext<…>`).
pub const LEGACY_KINDS: &[(&str, &str)] = &[("Msg", "Ext"), ("Rc", "Cmd"), ("Sys", "Hyp")];

/// A kind's current name: a legacy name (`Msg`, `Rc`, `Sys`) resolved, anything else as is.
pub fn modern_kind(name: &str) -> &str {
    LEGACY_KINDS
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new)
}

/// Whether `name` is a 2022 kind name (`Msg`, `Rc`, `Sys`).
pub fn is_legacy_kind(name: &str) -> bool {
    LEGACY_KINDS.iter().any(|(old, _)| *old == name)
}
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

/// A format a lower-case `~` validator may name; checked by the runtime from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Utf8,
    /// Any of the image formats below.
    Image,
    ImagePng,
    ImageJpeg,
    ImageGif,
    ImageWebp,
    Pdf,
    Zip,
}

impl Format {
    /// Every format with its name in the language, in the order completion lists them.
    pub const ALL: &[(Format, &str)] = &[
        (Format::Json, "json"),
        (Format::Utf8, "utf8"),
        (Format::Image, "image"),
        (Format::ImagePng, "image/png"),
        (Format::ImageJpeg, "image/jpeg"),
        (Format::ImageGif, "image/gif"),
        (Format::ImageWebp, "image/webp"),
        (Format::Pdf, "pdf"),
        (Format::Zip, "zip"),
    ];

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, n)| n)
    }
}

/// The formats' names (for checks, completion and notes).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_kinds_resolve_once() {
        assert_eq!(modern_kind("Msg"), "Ext");
        assert_eq!(modern_kind("Rc"), "Cmd");
        assert_eq!(modern_kind("Sys"), "Hyp");
        assert_eq!(modern_kind("Http"), "Http");
        assert!(is_legacy_kind("Msg") && !is_legacy_kind("Ext"));
        for (_, new) in LEGACY_KINDS {
            assert!(KINDS.contains(new));
        }
    }

    #[test]
    fn format_names_and_the_enum_agree() {
        let names: Vec<&str> = Format::ALL.iter().map(|(_, n)| *n).collect();
        assert_eq!(names, FORMATS);
        for (f, n) in Format::ALL {
            assert_eq!(Format::parse(n), Some(*f));
            assert_eq!(f.name(), *n);
        }
        assert_eq!(Format::parse("png"), None);
    }
}
