//! The words of the language: message kinds and their methods, payload kinds, validator
//! formats, route filters and keywords. The checker validates against these lists, and the
//! language server completes and explains from them, so the two cannot disagree. Each list is
//! an enum the IR and the runtime use, so a word is declared once.

use serde::{Deserialize, Serialize};

/// An enum of words with one name each, and the table of names in declaration order: the
/// enum and the list the checker and the language server read cannot disagree.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident, $table:ident: $($word:ident),+ $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($word),+
        }

        /// The names of every variant, in declaration order.
        pub const $table: &[&str] = &[$(stringify!($word)),+];

        impl $name {
            pub const ALL: &[$name] = &[$($name::$word),+];

            pub fn name(self) -> &'static str {
                match self {
                    $($name::$word => stringify!($word)),+
                }
            }

            pub fn parse(name: &str) -> Option<$name> {
                match name {
                    $(stringify!($word) => Some($name::$word),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

words!(
    /// A message kind (`*` in a route is any).
    Kind, KINDS: Http, Ext, Cmd, Hyp
);

/// The 2022 names of message kinds and what they are now (`Msg<…>` is `Ext<…>`).
pub const LEGACY_KINDS: &[(&str, Kind)] =
    &[("Msg", Kind::Ext), ("Rc", Kind::Cmd), ("Sys", Kind::Hyp)];

impl Kind {
    /// A kind by its current or its 2022 name (`Msg` is `Ext`): legacy names are resolved here,
    /// once, for every crate.
    pub fn resolve(name: &str) -> Option<Kind> {
        Kind::parse(name).or_else(|| {
            LEGACY_KINDS
                .iter()
                .find(|(old, _)| *old == name)
                .map(|(_, k)| *k)
        })
    }

    /// The fixed methods of this kind; `None` for `Ext`, whose methods are any UpperCamel name.
    pub fn methods(self) -> Option<&'static [&'static str]> {
        match self {
            Kind::Http => Some(HTTP_METHODS),
            Kind::Cmd => Some(CMD_METHODS),
            Kind::Hyp => Some(HYP_METHODS),
            Kind::Ext => None,
        }
    }
}

/// A kind's current name: a legacy name (`Msg`, `Rc`, `Sys`) resolved, anything else as is.
pub fn modern_kind(name: &str) -> &str {
    match Kind::resolve(name) {
        Some(kind) => kind.name(),
        None => name,
    }
}

/// Whether `name` is a 2022 kind name (`Msg`, `Rc`, `Sys`).
pub fn is_legacy_kind(name: &str) -> bool {
    LEGACY_KINDS.iter().any(|(old, _)| *old == name)
}

words!(
    /// A method of `Http`.
    HttpMethod, HTTP_METHODS: Get, Post, Put, Delete, Patch, Head, Options, Connect, Trace
);
words!(
    /// A method of `Cmd`.
    CmdMethod, CMD_METHODS: Init, Read, Update, Bounce, Knock, Greet, Command, RawCommand, Log
);
words!(
    /// A method of `Hyp`.
    HypMethod, HYP_METHODS: Init, Assign, Host, Provision, Knock, Hop, Transport, HyperWave, Search
);
/// A route filter: `(auth)` needs an authenticated caller, `(noauth)` states that none is
/// needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Filter {
    Auth,
    NoAuth,
}

/// Route filters, by name.
pub const FILTERS: &[&str] = &["auth", "noauth"];

impl Filter {
    pub const ALL: &[Filter] = &[Filter::Auth, Filter::NoAuth];

    pub fn name(self) -> &'static str {
        FILTERS[self as usize]
    }

    pub fn parse(name: &str) -> Option<Filter> {
        Filter::ALL.iter().copied().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The fixed methods of a message kind (by name, legacy names included); `None` for `Ext` and
/// for what is not a kind.
pub fn methods_of(kind: &str) -> Option<&'static [&'static str]> {
    Kind::resolve(kind).and_then(Kind::methods)
}

words!(
    /// A payload kind (Starlane's substance kinds).
    PayloadKind, PAYLOAD_KINDS:
    Empty, List, Map, Point, Surface, Text, Boolean, Int, Meta, Bin, Stub, Details, Status,
    Particle, Location, FormErrs, Json, MultipartForm, RawCommand, Command, DirectedCore,
    ReflectedCore, Token, Wave, Knock, Greet, Log, Err
);

/// A format a lower-case `~` validator may name; checked by the runtime from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
pub const PORT_FIELDS: &[&str] = &["request", "response", "timeout", "envelope"];
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
        assert_eq!(Kind::resolve("Rc"), Some(Kind::Cmd));
        assert_eq!(Kind::resolve("Nope"), None);
        assert_eq!(methods_of("Msg"), None);
        assert_eq!(methods_of("Sys"), Some(HYP_METHODS));
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

/// What a port's guest receives as its waPC payload (the port's `envelope:` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Envelope {
    /// The request envelope (`specs/abi.md` §2): kind, method, path, headers, captures, caller
    /// and the body, as JSON; the guest answers a response envelope or a bare body.
    #[default]
    Json,
    /// The body alone, as every waPC host passes it; the guest's answer is the reply body. The
    /// rest of the request is available to the guest on request (`__host_call` to `@request`).
    None,
}

/// The words of the `envelope:` field.
pub const ENVELOPES: &[&str] = &["json", "none"];

impl Envelope {
    pub fn name(self) -> &'static str {
        match self {
            Envelope::Json => "json",
            Envelope::None => "none",
        }
    }

    pub fn parse(word: &str) -> Option<Envelope> {
        match word {
            "json" => Some(Envelope::Json),
            "none" => Some(Envelope::None),
            _ => None,
        }
    }
}
