//! Lint levels from settings and inline suppression.

use starlane_compiler::check_document;
use starlane_lang::Severity;
use starlane_lang::settings::{LintLevel, Settings};

const SRC: &str = "Bind(version=1.0.0) {\n  Route<Http<Get>>/(.*) -> (()) => &;\n  Route<Http<Get>>/app/x -> (()) => &;\n}\n";

fn unreachable(settings: &Settings, src: &str) -> Vec<Severity> {
    check_document(src, settings)
        .diagnostics
        .iter()
        .filter(|d| d.code.name == "unreachable-route")
        .map(|d| d.severity)
        .collect()
}

#[test]
fn lints_warn_by_default_and_follow_starlane_toml() {
    assert_eq!(unreachable(&Settings::default(), SRC), [Severity::Warning]);
    let mut s = Settings::default();
    s.lints.insert("unreachable-route".into(), LintLevel::Deny);
    assert_eq!(unreachable(&s, SRC), [Severity::Error]);
    s.lints.insert("unreachable-route".into(), LintLevel::Allow);
    assert!(unreachable(&s, SRC).is_empty());
}

#[test]
fn an_allow_comment_suppresses_one_item() {
    let src = SRC.replace(
        "  Route<Http<Get>>/app/x",
        "  # starlane: allow(unreachable-route)\n  Route<Http<Get>>/app/x",
    );
    assert!(unreachable(&Settings::default(), &src).is_empty());
}

#[test]
fn ten_thousand_routes_report_only_certain_unreachable_ones() {
    let mut src = String::from("Bind(version=1.0.0) {\n  Route -> {\n");
    for i in 0..10_000 {
        src.push_str(&format!(
            "    Http<Get>/r/{i}/(?P<x>[a-z]+) -> (()) => &;\n"
        ));
    }
    src.push_str(
        "    Http<Get>/r/(.*) -> (()) => &;\n    Http<Get>/r/5/abc -> (()) => &;\n  }\n}\n",
    );
    let d: Vec<_> = check_document(&src, &Settings::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.code.name == "unreachable-route")
        .collect();
    assert_eq!(
        d.len(),
        1,
        "only `/r/5/abc` is certainly shadowed (by `/r/(.*)`)"
    );
}

#[test]
fn a_route_is_shadowed_by_the_earliest_prefix_route_at_any_length() {
    let src = "Bind(version=1.0.0) {\n  Route -> {\n\
        Http<Get>/a/bc/(.*) -> (()) => &;\n\
        Http<Get>/é/(.*) -> (()) => &;\n\
        Http<Get>/a/(.*) -> (()) => &;\n\
        Http<Get>/a/bc/d -> (()) => &;\n\
        Http<Get>/é/x -> (()) => &;\n\
        Http<Get>/ab -> (()) => &;\n\
        Http<Get>/z -> (()) => &;\n  }\n}\n";
    let d = check_document(src, &Settings::default()).diagnostics;
    let shadowed: Vec<(&str, &str)> = d
        .iter()
        .filter(|d| d.code.name == "unreachable-route")
        .map(|d| {
            let by = &d.secondary.first().expect("the earlier route").span;
            (src[d.primary.span.clone()].trim(), src[by.clone()].trim())
        })
        .collect();
    assert_eq!(
        shadowed,
        [
            // Both `/a/(.*)` and `/a/bc/(.*)` cover it: the earlier one is named.
            (
                "Http<Get>/a/bc/d -> (()) => &;",
                "Http<Get>/a/bc/(.*) -> (()) => &;"
            ),
            (
                "Http<Get>/é/x -> (()) => &;",
                "Http<Get>/é/(.*) -> (()) => &;"
            ),
        ],
        "`/ab` and `/z` are reachable"
    );
}
