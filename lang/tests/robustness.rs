//! Arbitrary input never panics; spans stay in bounds and ordered; deep nesting is one error.

use proptest::prelude::*;
use starlane_lang::{Severity, check_front_end};

fn assert_well_formed(src: &str) {
    let (parse, diags) = check_front_end(src);
    assert_eq!(parse.syntax().to_string(), src, "lossless");
    for d in &diags {
        for span in std::iter::once(&d.primary.span).chain(d.secondary.iter().map(|l| &l.span)) {
            assert!(
                span.start <= span.end && span.end <= src.len(),
                "span {span:?} out of bounds for {} bytes",
                src.len()
            );
            assert!(
                src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
                "span {span:?} splits a character"
            );
        }
        for s in &d.suggestions {
            for e in &s.edits {
                assert!(e.span.start <= e.span.end && e.span.end <= src.len());
            }
        }
    }
    for w in diags.windows(2) {
        assert!(
            w[0].primary.span.start <= w[1].primary.span.start,
            "diagnostics are ordered"
        );
    }
}

/// Fragments of the language, so random sequences get deep into the grammar.
const PIECES: &[&str] = &[
    "Bind",
    "(version=1.0.0)",
    "(version=1.1.0)",
    " ",
    "\n",
    "{",
    "}",
    "Route",
    "<",
    ">",
    "Http",
    "Get",
    "Ext",
    "->",
    "=>",
    "(())",
    "{{}}",
    "&",
    ";",
    "-[",
    "]",
    "Text",
    "~json",
    "/a/(.*)",
    "localhost:app",
    "^Ext<A>",
    "$1",
    "${x}",
    "# c\n",
    "Port",
    "grant",
    "perm",
    "+CSD-RWX",
    "on",
    "**",
    "Err(404)",
    "Map{a<Text>}",
    "é",
    "\"s\"",
    "App",
    "Set",
    "+k=v",
    ",",
    "GET /x -> a;",
    "*",
    "(",
    ")",
    "Requires",
    ":",
    "Base<User>",
    "timeout",
    "500ms",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn spans_are_in_bounds_for_random_text(src in "\\PC{0,200}") {
        assert_well_formed(&src);
    }

    #[test]
    fn spans_are_in_bounds_for_language_fragments(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)) {
        assert_well_formed(&parts.concat());
    }
}

#[test]
fn a_hundred_thousand_open_braces_are_one_error() {
    for src in [
        "{".repeat(100_000),
        format!("Bind(version=1.0.0) {}", "{".repeat(100_000)),
        format!(
            "Bind(version=1.0.0) {{ Route<Http<Post>> -[ {} ]-> (()) => &; }}",
            "Map{a<".repeat(100_000)
        ),
    ] {
        let (_, diags) = check_front_end(&src);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code.id, d.message.clone()))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{}…: {errors:?}",
            &src[..40.min(src.len())]
        );
    }
}

#[test]
fn deep_scopes_stop_at_the_nesting_cap_without_overflowing() {
    for src in [
        format!("Bind(version=1.0.0) {{ {}", "Route -> {".repeat(100_000)),
        format!(
            "Bind(version=1.0.0) {{ Route<{} -> (()) => &; }}",
            "Http<".repeat(100_000)
        ),
    ] {
        let (_, diags) = check_front_end(&src);
        assert!(diags.iter().any(|d| d.code.id == "E0024"));
        // The second level is also reported (`Route`/`Http` is not a kind/method there); nothing else.
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| &d.message)
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}

#[test]
fn deep_but_balanced_nesting_is_one_error() {
    let src = format!(
        "Bind(version=1.0.0) {{ {}{} }}",
        "Route -> {".repeat(10_000),
        "}".repeat(10_000)
    );
    let (_, diags) = check_front_end(&src);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(
        errors.len(),
        2,
        "{:?}",
        errors.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_byte_offset() {
    let bytes = b"Bind(version=1.0.0) {\n  Route<Ext<A\xff>> -> (()) => &;\n}\n";
    let (text, diags) = starlane_lang::source::decode(bytes);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].primary.span, 35..36);
    assert_eq!(diags[0].code.id, "E0001");
    assert_eq!(text.len(), bytes.len());
}
