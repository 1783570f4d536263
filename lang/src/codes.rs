//! The registry of diagnostic codes. Codes are stable: never renumber, only add.
//! Each has an explain page in `lang/explain/<ID>.md` (compiled in; a test checks that each
//! page's example really produces its code).

use serde::{Serialize, Serializer};

use crate::diagnostic::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    /// `E0001` for errors, `W0001` for warnings and notes.
    pub id: &'static str,
    /// A kebab-case name, usable in `allow(...)` and settings.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The Markdown page `starlane explain` prints.
    pub explanation: &'static str,
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// Declares diagnostic codes, one constant each, and `ALL` in id order. Each code's explain
/// page is `explain/<ID>.md` beside the invoking crate's `src/` (compiled in). The front end and
/// the compiler declare their codes with this one macro.
#[macro_export]
macro_rules! declare_codes {
    ($( $konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        $(
            #[doc = $summary]
            pub const $konst: $crate::codes::Code = $crate::codes::Code {
                id: $id,
                name: $name,
                severity: $crate::diagnostic::Severity::$sev,
                summary: $summary,
                explanation: include_str!(concat!("../explain/", $id, ".md")),
            };
        )*
        /// Every code declared here, in id order.
        pub const ALL: &[$crate::codes::Code] = &[$($konst),*];
    };
}

declare_codes! {
    INVALID_UTF8 = "E0001", "invalid-utf8", Error, "the file is not valid UTF-8";
    EMPTY_FILE = "E0002", "empty-file", Error, "the file contains no document";
    UNKNOWN_DOCUMENT_KIND = "E0003", "unknown-document-kind", Error, "the document does not start with a known kind";
    UNSUPPORTED_VERSION = "E0004", "unsupported-version", Error, "the document's version is not supported";
    MALFORMED_HEADER = "E0005", "malformed-header", Error, "the document header is malformed";
    UNCLOSED_DELIMITER = "E0006", "unclosed-delimiter", Error, "a `{`, `(`, `[` or `<` is never closed";
    UNEXPECTED_CLOSING_DELIMITER = "E0007", "unexpected-closing-delimiter", Error, "a closing delimiter has no matching opening one";
    MISSING_SEMICOLON = "E0008", "missing-semicolon", Error, "a statement is not terminated by `;`";
    MISSING_STEP = "E0009", "missing-step", Error, "a pipeline step (`->`, `=>`, `-[ … ]->`) is missing";
    MISSING_STOP = "E0010", "missing-stop", Error, "a pipeline step is not followed by a stop";
    UNEXPECTED_TOKEN = "E0011", "unexpected-token", Error, "a token does not fit the grammar here";
    TRAILING_CONTENT = "E0012", "trailing-content", Error, "text follows the end of the document";
    UNKNOWN_MESSAGE_KIND = "E0013", "unknown-message-kind", Error, "a scope names an unknown message kind";
    UNKNOWN_METHOD = "E0014", "unknown-method", Error, "a scope names an unknown method of its message kind";
    INVALID_PATH_REGEX = "E0015", "invalid-path-regex", Error, "a path regex does not compile";
    REGEX_NEEDS_SPACE = "E0016", "regex-needs-space", Error, "a path regex runs into the next token";
    INVALID_POINT = "E0017", "invalid-point", Error, "an address (point) is malformed";
    INVALID_VARIABLE = "E0018", "invalid-variable", Error, "a variable reference is malformed";
    MISPLACED_PIPELINE = "E0019", "misplaced-pipeline", Error, "a pipeline is written above the method level";
    UNKNOWN_FILTER = "E0020", "unknown-filter", Error, "a route filter is not one of the known filters";
    PAYLOAD_STEP_BEFORE_BLOCK = "E0021", "payload-step-before-block", Error, "a payload step stands before a `{` block";
    INVALID_PAYLOAD_PATTERN = "E0022", "invalid-payload-pattern", Error, "a payload pattern is malformed";
    UNKNOWN_FORMAT = "E0023", "unknown-format", Error, "a `~` validator names an unknown format";
    NESTING_TOO_DEEP = "E0024", "nesting-too-deep", Error, "blocks or patterns are nested deeper than the language allows";
    NEEDS_NEWER_VERSION = "E0025", "needs-newer-version", Error, "a form needs a newer document version";
    INVALID_PERMISSION_MASK = "E0026", "invalid-permission-mask", Error, "a permission mask is malformed";
    INVALID_DURATION = "E0027", "invalid-duration", Error, "a duration is malformed";
    INVALID_GRANT = "E0028", "invalid-grant", Error, "a grant statement is malformed";
    MISPLACED_REQUIRES = "E0029", "misplaced-requires", Error, "`Requires` is not the first item or appears twice";
    INVALID_SELECTOR = "E0030", "invalid-selector", Error, "a point selector is malformed";
    INVALID_APP_PROPERTY = "E0031", "invalid-app-property", Error, "an App `Set` property is malformed";
    UNKNOWN_APP_SECTION = "E0032", "unknown-app-section", Error, "an App document has an unknown section";
    INVALID_ROUTER_LINE = "E0033", "invalid-router-line", Error, "a router-file line is malformed";
    UNTERMINATED_STRING = "E0034", "unterminated-string", Error, "a string has no closing quote";
    INVALID_CHARACTER = "E0035", "invalid-character", Error, "a character cannot start any token";
    DUPLICATE_CAPTURE = "E0036", "duplicate-capture", Error, "two joined path regexes define the same capture name";
    INVALID_ERR_STOP = "E0037", "invalid-err-stop", Error, "an `Err(…)` stop is malformed";
    INVALID_LIMIT = "E0038", "invalid-limit", Error, "a `limits` entry is malformed";
    UNKNOWN_PORT_FIELD = "E0039", "unknown-port-field", Error, "a `Port` block has an unknown field";
    TOO_MANY_LEVELS = "E0040", "too-many-levels", Error, "a scope is nested below the method level";
    UNKNOWN_SCOPE = "E0041", "unknown-scope", Error, "a top-level item is not a known scope or declaration";
    INVALID_NAME = "E0042", "invalid-name", Error, "a declared name is not in skewer-case or UpperCamelCase as required";
    INVALID_ENVELOPE = "E0044", "invalid-envelope", Error, "a port's `envelope:` is neither `json` nor `none`";
    INVALID_CALL_OPTION = "E0043", "invalid-call-option", Error, "a `call` entry's option (`timeout`, `ack`, `retries`) is malformed or repeated";
    LEGACY_UNVERSIONED_HEADER = "W0001", "legacy-unversioned-header", Warning, "the document has no version";
    LEGACY_HEADER_ARROW = "W0002", "legacy-header-arrow", Warning, "`->` between the header and `{` is a 2022 form";
    LEGACY_CORE_STOP = "W0003", "legacy-core-stop", Warning, "`{{ }}` is the 2022 spelling of the core stop `(( ))`";
    LEGACY_KIND_NAME = "W0004", "legacy-kind-name", Warning, "`Msg`, `Rc` and `Sys` are the 2022 names of `Ext`, `Cmd` and `Hyp`";
    LEGACY_PIPELINES_WRAPPER = "W0005", "legacy-pipelines-wrapper", Warning, "the 2022 `Pipelines { … }` wrapper";
    IMPLIED_ROUTE = "W0006", "implied-route", Warning, "a message-kind section written without its `Route` scope";
    BARE_NUMBERED_CAPTURE = "W0007", "bare-numbered-capture", Warning, "`$1` is the 2022 spelling of `${1}`";
    LEGACY_REGEX_SEMANTICS = "W0008", "legacy-regex-semantics", Warning, "path regexes now match the whole path, not anywhere in it";
    APP_PAREN_SUBSTITUTION = "W0009", "app-paren-substitution", Warning, "`$(x)` is the 2022 App spelling of `${x}`";
    DEPRECATED_ALIAS = "W0010", "deprecated-alias", Warning, "a deprecated alias of a name";
    EMPTY_PAYLOAD_BLOCK = "W0011", "empty-payload-block", Warning, "an empty payload block matches nothing";
    ROUTER_FILE = "W0012", "router-file", Warning, "a 2021 router file; `Route` scopes replace it";
    INSTALL_NOT_EXECUTED = "W0013", "install-not-executed", Note, "App `Install` lines are parsed but not executed";
}

/// Looks a code up by id (`E0006`, case-insensitive) or by name (`unclosed-delimiter`).
pub fn lookup(key: &str) -> Option<Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}
