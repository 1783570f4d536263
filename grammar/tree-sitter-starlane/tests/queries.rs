//! Every query file compiles against the grammar and captures what it promises on the hello
//! example: locals (definitions and references), indents, injections and text objects.

use std::collections::BTreeSet;
use std::path::Path;

use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};

/// (capture name, captured text) of `query` over `file` (relative to the repository).
fn captures(query: &str, file: &str) -> BTreeSet<(String, String)> {
    let language: tree_sitter::Language = tree_sitter_starlane::LANGUAGE.into();
    let query = Query::new(&language, query).expect("the query compiles against the grammar");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(file);
    let src = std::fs::read_to_string(path).unwrap();
    let mut parser = Parser::new();
    parser.set_language(&language).unwrap();
    let tree = parser.parse(&src, None).unwrap();
    let mut cursor = QueryCursor::new();
    let mut out = BTreeSet::new();
    let mut matches = cursor.matches(&query, tree.root_node(), src.as_bytes());
    while let Some(m) = matches.next() {
        for c in m.captures() {
            let text = c.node.utf8_text(src.as_bytes()).unwrap();
            let first_line = text.lines().next().unwrap_or("").to_string();
            out.insert((
                query.capture_names()[c.index as usize].to_string(),
                first_line,
            ));
        }
    }
    out
}

fn has(found: &BTreeSet<(String, String)>, name: &str, text: &str) -> bool {
    found.iter().any(|(n, t)| n == name && t == text)
}

#[test]
fn locals_define_requires_schemas_and_ports_and_reference_ports() {
    let found = captures(
        tree_sitter_starlane::LOCALS_QUERY,
        "examples/hello/bind/profiles.bind",
    );
    assert!(
        has(
            &found,
            "local.scope",
            "# The profiles mechtron (a C guest): validates an uploaded profile against its JSON Schema, and"
        ),
        "{found:?}"
    );
    assert!(
        has(&found, "local.definition.parameter", "hello"),
        "{found:?}"
    );
    assert!(has(&found, "local.definition.type", "Profile"), "{found:?}");
    assert!(
        has(&found, "local.definition.function", "save-profile"),
        "{found:?}"
    );
    assert!(has(&found, "local.reference", "save-profile"), "{found:?}");
}

#[test]
fn indents_open_at_blocks_and_close_at_braces() {
    let found = captures(
        tree_sitter_starlane::INDENTS_QUERY,
        "examples/hello/bind/profiles.bind",
    );
    assert!(
        has(&found, "indent.begin", "Port save-profile {"),
        "{found:?}"
    );
    assert!(has(&found, "indent.begin", "Requires {"), "{found:?}");
    assert!(has(&found, "indent.end", "}"), "{found:?}");
}

#[test]
fn path_regexes_are_injected_as_regex() {
    let found = captures(
        tree_sitter_starlane::INJECTIONS_QUERY,
        "examples/hello/bind/hello.bind",
    );
    assert!(has(&found, "injection.content", "/files/(.*)"), "{found:?}");
}

#[test]
fn text_objects_cover_ports_routes_and_comments() {
    let found = captures(
        tree_sitter_starlane::TEXTOBJECTS_QUERY,
        "examples/hello/bind/profiles.bind",
    );
    assert!(
        has(&found, "class.outer", "Port save-profile {"),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "function.outer",
            "Route<Ext<Save>> -> ((save-profile)) => &;"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "comment.outer",
            "# may ask the hello mechtron for a greeting — the only call its grants allow."
        ),
        "{found:?}"
    );
}

#[test]
fn every_query_file_compiles() {
    let language: tree_sitter::Language = tree_sitter_starlane::LANGUAGE.into();
    for (name, query) in [
        ("highlights", tree_sitter_starlane::HIGHLIGHTS_QUERY),
        ("folds", tree_sitter_starlane::FOLDS_QUERY),
        ("locals", tree_sitter_starlane::LOCALS_QUERY),
        ("indents", tree_sitter_starlane::INDENTS_QUERY),
        ("injections", tree_sitter_starlane::INJECTIONS_QUERY),
        ("textobjects", tree_sitter_starlane::TEXTOBJECTS_QUERY),
    ] {
        Query::new(&language, query).unwrap_or_else(|e| panic!("{name}.scm: {e}"));
    }
}
