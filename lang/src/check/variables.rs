//! Variable references: `${name}`, `${doc.bundle}`, `${1}`, `$1` (legacy), `$(x)` (App only).

use super::Checker;
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::parser::DocumentKind;
use crate::syntax_kind::{NodeOrToken, SyntaxKind, SyntaxKind::*, SyntaxNode};

/// Checks the tokens directly under `node`: variable references, and the `$1` of call paths.
/// Tokens are read from the green tree, so no cursor is made for them (rowan allocates one per
/// element visited, and most tokens are trivia or punctuation).
pub(super) fn check_tokens_of(cx: &mut Checker, node: &SyntaxNode, kind: Option<DocumentKind>) {
    let parent = node.kind();
    let mut offset = usize::from(node.text_range().start());
    for child in node.green().children() {
        let (token, len) = match child {
            NodeOrToken::Node(n) => (None, n.text_len()),
            NodeOrToken::Token(t) => (Some(t), t.text_len()),
        };
        let span = offset..offset + usize::from(len);
        offset = span.end;
        if let Some(token) = token {
            check_token(
                cx,
                SyntaxKind::from_raw(token.kind()),
                token.text(),
                span,
                parent,
                kind,
            );
        }
    }
}

/// Checks one token of kind `token_kind` whose parent node is of kind `parent`.
fn check_token(
    cx: &mut Checker,
    token_kind: SyntaxKind,
    text: &str,
    span: crate::diagnostic::Span,
    parent: SyntaxKind,
    kind: Option<DocumentKind>,
) {
    match token_kind {
        VARIABLE => variable(cx, text, span, kind, parent == SELECTOR_NAME),
        PATH_REGEX if parent == CALL_TARGET => {
            // call paths carry `$1` too
            let base = span.start;
            for (span, name) in starlane_model::template::variables(text) {
                if !text[span.clone()].starts_with("${") {
                    bare_number(cx, base + span.start..base + span.end, name);
                }
            }
        }
        _ => {}
    }
}

fn variable(
    cx: &mut Checker,
    text: &str,
    span: crate::diagnostic::Span,
    kind: Option<DocumentKind>,
    in_selector: bool,
) {
    let name_ok = |name: &str| {
        !name.is_empty()
            && (name.chars().all(|c| c.is_ascii_digit())
                || (name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })))
    };
    if let Some(inner) = text.strip_prefix("${") {
        match inner.strip_suffix('}') {
            Some(name) if name_ok(name) => {}
            Some(name) => cx.report(
                Diagnostic::new(
                    codes::INVALID_VARIABLE,
                    span,
                    format!("invalid variable name `{name}`"),
                )
                .label("expected letters, digits, `_` and `.` between the segments"),
            ),
            None => cx.report(
                Diagnostic::new(
                    codes::INVALID_VARIABLE,
                    span.clone(),
                    "unclosed variable reference",
                )
                .label("expected `}`")
                .fix(
                    "insert `}`",
                    span.end..span.end,
                    "}",
                    Applicability::MaybeIncorrect,
                ),
            ),
        }
    } else if let Some(inner) = text.strip_prefix("$(") {
        let name = inner.strip_suffix(')').unwrap_or(inner);
        let replacement = format!("${{{name}}}");
        if kind == Some(DocumentKind::App) && name_ok(name) {
            cx.report(
                Diagnostic::new(
                    codes::APP_PAREN_SUBSTITUTION,
                    span.clone(),
                    format!("`{text}` is the 2022 spelling of `{replacement}`"),
                )
                .label("2022 substitution")
                .fix(
                    format!("write `{replacement}`"),
                    span,
                    replacement,
                    Applicability::MachineApplicable,
                ),
            );
        } else if let Some((capture, regex)) = name.split_once('=') {
            // `$(method=.*)`: a 2022 capture that also matched a regex. There is no such form
            // now, so no spelling of it is suggested.
            let mut diag = Diagnostic::new(
                codes::INVALID_VARIABLE,
                span.clone(),
                format!(
                    "`{text}` is a 2022 capture with a regex, which Starlane 1.x does not have"
                ),
            )
            .label("2022 capture");
            diag = if in_selector {
                diag.note("a method or kind cannot be captured").fix(
                    "write `*` to take every method",
                    span,
                    "*",
                    Applicability::MaybeIncorrect,
                )
            } else {
                diag.help(format!(
                    "capture with a named group in the path regex, such as `(?P<{capture}>{regex})`, and use it as `${{{capture}}}`"
                ))
            };
            cx.report(diag);
        } else if name_ok(name) {
            cx.report(
                Diagnostic::new(
                    codes::INVALID_VARIABLE,
                    span.clone(),
                    format!("`{text}` is not a variable reference here"),
                )
                .label("`$(…)` is only accepted in App documents")
                .fix(
                    format!("write `{replacement}`"),
                    span,
                    replacement,
                    Applicability::MaybeIncorrect,
                ),
            );
        } else {
            cx.report(
                Diagnostic::new(
                    codes::INVALID_VARIABLE,
                    span,
                    format!("`{text}` is not a variable reference"),
                )
                .label("expected `${name}`"),
            );
        }
    } else if let Some(digits) = text
        .strip_prefix('$')
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    {
        bare_number(cx, span, digits);
    } else if text.len() > 1 {
        let name = &text[1..];
        cx.report(
            Diagnostic::new(
                codes::INVALID_VARIABLE,
                span.clone(),
                format!("variable `{name}` needs braces"),
            )
            .label("expected `${…}`")
            .fix(
                format!("write `${{{name}}}`"),
                span,
                format!("${{{name}}}"),
                Applicability::MachineApplicable,
            ),
        );
    } else {
        cx.report(
            Diagnostic::new(codes::INVALID_VARIABLE, span, "`$` without a variable name")
                .label("expected `${name}` or `$1`"),
        );
    }
}

fn bare_number(cx: &mut Checker, span: crate::diagnostic::Span, digits: &str) {
    cx.report(
        Diagnostic::new(
            codes::BARE_NUMBERED_CAPTURE,
            span.clone(),
            format!("`${digits}` is the 2022 spelling of `${{{digits}}}`"),
        )
        .label("numbered capture")
        .fix(
            format!("write `${{{digits}}}`"),
            span,
            format!("${{{digits}}}"),
            Applicability::MachineApplicable,
        ),
    );
}

/// `${name}`, `${doc.bundle}`, `${1}` or `$1`.
pub(crate) fn is_well_formed(text: &str) -> bool {
    if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        return !inner.is_empty()
            && inner.split('.').all(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
    }
    text.len() > 1 && text[1..].chars().all(|c| c.is_ascii_digit())
}
