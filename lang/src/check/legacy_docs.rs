//! The 2022 App document and the 2021 router file.

use super::{Checker, token_span, trimmed_span};
use crate::ast::{AppDoc, AstNode, RouterDoc};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::SyntaxKind::*;

/// `http` marks the mechtron whose bind receives HTTP (specs/ir.md, bundles).
const APP_KEYS: &[&str] = &["wasm.src", "mechtron.name", "bind", "http"];

pub(super) fn check_app(cx: &mut Checker, app: &AppDoc) {
    for node in app.syntax().descendants() {
        match node.kind() {
            APP_KEY => {
                let span = trimmed_span(&node);
                let key = &cx.src[span.clone()];
                if key == "wasm.name" {
                    cx.report(
                        Diagnostic::new(
                            codes::DEPRECATED_ALIAS,
                            span.clone(),
                            "`wasm.name` is a deprecated alias of `mechtron.name`",
                        )
                        .label("deprecated alias")
                        .fix(
                            "write `mechtron.name`",
                            span,
                            "mechtron.name",
                            Applicability::MachineApplicable,
                        ),
                    );
                } else if !APP_KEYS.contains(&key) {
                    let mut diag = Diagnostic::new(
                        codes::INVALID_APP_PROPERTY,
                        span.clone(),
                        format!("unknown App property `{key}`"),
                    )
                    .label("unknown property")
                    .note(format!("App properties: {}", APP_KEYS.join(", ")));
                    diag = diag.did_you_mean(key, APP_KEYS.iter().copied(), span);
                    cx.report(diag);
                }
            }
            INSTALL_LINE => {
                for token in node.children_with_tokens().filter_map(|e| e.into_token()) {
                    if token.kind() == IDENT && token.text() == "FileSystem" {
                        let span = token_span(&token);
                        cx.report(
                            Diagnostic::new(
                                codes::DEPRECATED_ALIAS,
                                span.clone(),
                                "`FileSystem` is a deprecated alias of `FileStore`",
                            )
                            .label("deprecated alias")
                            .fix(
                                "write `FileStore`",
                                span,
                                "FileStore",
                                Applicability::MachineApplicable,
                            ),
                        );
                    }
                }
            }
            APP_SECTION => {
                let is_install = node
                    .children_with_tokens()
                    .filter_map(|e| e.into_token())
                    .any(|t| t.text() == "Install");
                if is_install {
                    let span = node
                        .children_with_tokens()
                        .filter_map(|e| e.into_token())
                        .find(|t| t.text() == "Install")
                        .map(|t| token_span(&t))
                        .unwrap_or_else(|| trimmed_span(&node));
                    cx.report(
                        Diagnostic::new(codes::INSTALL_NOT_EXECUTED, span, "`Install` commands are parsed but not executed")
                            .label("not executed")
                            .note("create these resources at start, or bind them with `--bind name=address`"),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Reports the router file once, offering its translation into a `Bind` document.
pub(super) fn check_router(cx: &mut Checker, router: &RouterDoc) {
    let mut routes = Vec::new();
    for line in router
        .syntax()
        .children()
        .filter(|n| n.kind() == ROUTER_LINE)
    {
        let tokens: Vec<_> = line
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| !t.kind().is_trivia())
            .collect();
        let target = line
            .children()
            .find(|n| n.kind() == POINT)
            .map(|p| cx.src[trimmed_span(&p)].to_string());
        let (Some(method), Some(regex), Some(target)) = (
            tokens.first(),
            tokens.iter().find(|t| t.kind() == PATH_REGEX),
            target,
        ) else {
            return; // a malformed line was reported by the parser; no translation
        };
        let target = braces_numbered(&target);
        let methods: Vec<String> = match method.text() {
            "*" => ["Get", "Post", "Put", "Delete"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            m => vec![title_case(m)],
        };
        // A router line matched a prefix; a `Route` regex matches the whole path. A regex that
        // already ends in `.*` matches the rest as it is (`(.*)(.*)` would add a group for nothing).
        let regex = regex.text();
        let rest = if regex.ends_with(".*") || regex.ends_with(".*)") {
            ""
        } else {
            "(.*)"
        };
        for m in methods {
            routes.push(format!("    Http<{m}>{regex}{rest} -> {target} => &;"));
        }
    }
    let translation = format!(
        "Bind(version=1.0.0) {{\n  Route -> {{\n{}\n  }}\n}}\n",
        routes.join("\n")
    );
    let span = trimmed_span(router.syntax());
    let first_line = cx.src[span.clone()].lines().next().map_or(0, str::len);
    cx.report(
        Diagnostic::new(codes::ROUTER_FILE, span.start..span.start + first_line, "this is a 2021 router file")
            .label("router file")
            .note("`(.*)` is appended to each regex that does not already end in `.*`: router files matched a prefix, `Route` regexes match the whole path")
            .fix("translate it into `Route` scopes", 0..cx.src.len(), translation, Applicability::MachineApplicable),
    );
}

fn title_case(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `$1` → `${1}` so the translation carries no legacy warning.
fn braces_numbered(target: &str) -> String {
    let mut out = String::new();
    let mut chars = target.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            out.push_str("${");
            while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                out.push(d);
                chars.next();
            }
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}
