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
