//! Diagnostic codes of the compiler (E01xx errors, W01xx lints), and the lint registry.

use starlane_lang::codes::Code;

starlane_lang::declare_codes! {
    UNKNOWN_PORT = "E0101", "unknown-port", Error, "a `((port))` stop names no declared port";
    UNKNOWN_SCHEMA = "E0102", "unknown-schema", Error, "a `~Schema` validator names no declared schema";
    UNKNOWN_ROLE = "E0103", "unknown-role", Error, "`grant role` names no declared role";
    DUPLICATE_DECLARATION = "E0104", "duplicate-declaration", Error, "a port, schema, role or context name is declared twice";
    UNRESOLVED_VARIABLE = "E0105", "unresolved-variable", Error, "a variable is neither a capture, a context name nor a built-in";
    EXEC_EXCEEDS_TOTAL = "E0106", "exec-exceeds-total", Error, "a port's `exec` timeout is longer than its `total`";
    NAME_CLASH = "E0107", "name-clash", Error, "a capture and a context name (or built-in) share a name";
    PAYLOAD_MISMATCH = "E0108", "payload-mismatch", Error, "a pipeline's payload check contradicts the port it feeds";
    MISSING_FILE = "E0109", "missing-file", Error, "a file the bundle refers to does not exist";
    INVALID_WASM = "E0110", "invalid-wasm", Error, "a mechtron module is not a valid guest";
    INVALID_SCHEMA = "E0111", "invalid-schema", Error, "a schema document is not valid JSON Schema";
    INVALID_MANIFEST = "E0112", "invalid-manifest", Error, "the bundle manifest is missing or inconsistent";
    UNREACHABLE_ROUTE = "W0101", "unreachable-route", Warning, "an earlier route matches everything this route matches";
    GRANT_WIDENS_TO_EVERYTHING = "W0102", "grant-widens-to-everything", Warning, "a grant applies to everything";
    PORT_NEVER_ROUTED = "W0103", "port-never-routed", Warning, "no route reaches a declared port";
    CALL_OUTSIDE_REQUIRES = "W0104", "call-outside-requires", Warning, "a `call` names a literal address instead of a `Requires` context name";
    GUARDED_FILE_EXPOSED = "W0105", "guarded-file-exposed", Warning, "a bundle file an `(auth)` route guards is also served by a route without it";
    UNKNOWN_LINT = "W0107", "unknown-lint", Warning, "a `# starlane: allow(…)` comment or `[lints]` entry names no lint";
    CALL_NEVER_GRANTED = "W0106", "call-never-granted", Warning, "no grant of the port gives the permission a `call` entry needs, so the call is always denied";
}

/// A lint: a warning whose level a project may change (`[lints]` in `starlane.toml`) or
/// suppress per item (`# starlane: allow(id)` on the line or the line before).
#[derive(Debug, Clone, Copy)]
pub struct Lint {
    pub code: Code,
    pub category: &'static str,
}

pub const LINTS: &[Lint] = &[
    Lint {
        code: UNREACHABLE_ROUTE,
        category: "correctness",
    },
    Lint {
        code: GRANT_WIDENS_TO_EVERYTHING,
        category: "security",
    },
    Lint {
        code: PORT_NEVER_ROUTED,
        category: "dead-code",
    },
    Lint {
        code: CALL_OUTSIDE_REQUIRES,
        category: "security",
    },
    Lint {
        code: GUARDED_FILE_EXPOSED,
        category: "security",
    },
    Lint {
        code: CALL_NEVER_GRANTED,
        category: "correctness",
    },
];

/// Looks a code up among the front end's and the compiler's.
pub fn lookup(key: &str) -> Option<Code> {
    starlane_lang::codes::lookup(key).or_else(|| {
        ALL.iter()
            .copied()
            .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
    })
}

/// Every code the toolchain can emit, front end first.
pub fn all() -> impl Iterator<Item = Code> {
    starlane_lang::codes::ALL.iter().chain(ALL.iter()).copied()
}
