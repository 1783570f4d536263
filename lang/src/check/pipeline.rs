//! Pipelines: stops (legacy core, ports, `Err`), call targets, points, payload patterns.

use super::{Checker, token_span, trimmed_span};
use crate::ast::{self, AstNode, PayloadPattern};
use crate::atoms::{count, point};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::{SyntaxKind::*, SyntaxNode};
use crate::vocabulary::{FORMATS, PAYLOAD_KINDS};

/// Checks one node of a pipeline (or anything a pipeline contains).
pub(super) fn check_node(cx: &mut Checker, node: &SyntaxNode) {
    match node.kind() {
        LEGACY_CORE_STOP => legacy_core(cx, node),
        PORT_STOP => cx.needs_extensions(trimmed_span(node), "a port stop `((port))`"),
        ERR_STOP => err_stop(cx, node),
        POINT => check_point(cx, node),
        CALL_TARGET => call_target(cx, node),
        PAYLOAD_BLOCK
            if ast::PayloadBlock::cast(node.clone())
                .and_then(|b| b.pattern())
                .is_none() =>
        {
            let span = trimmed_span(node);
            cx.report(
                Diagnostic::new(
                    codes::EMPTY_PAYLOAD_BLOCK,
                    span.clone(),
                    "this payload block is empty, so it matches nothing",
                )
                .label("matches no payload")
                .help("write `[ * ]` to accept any payload, or name the kind, such as `[ Text ]`")
                .fix(
                    "accept any payload",
                    span,
                    "[ * ]",
                    Applicability::MaybeIncorrect,
                ),
            );
        }
        PAYLOAD_PATTERN => {
            if let Some(pattern) = PayloadPattern::cast(node.clone()) {
                payload_pattern(cx, &pattern);
            }
        }
        _ => {}
    }
}

fn legacy_core(cx: &mut Checker, node: &SyntaxNode) {
    let span = trimmed_span(node);
    let star = node.children_with_tokens().any(|e| e.kind() == STAR);
    cx.report(
        Diagnostic::new(
            codes::LEGACY_CORE_STOP,
            span.clone(),
            "`{{ }}` is the 2022 spelling of the core stop",
        )
        .label("now `(( ))`")
        .fix(
            "write `(( ))`",
            span,
            if star { "((*))" } else { "(())" },
            Applicability::MachineApplicable,
        ),
    );
}

fn err_stop(cx: &mut Checker, node: &SyntaxNode) {
    let span = trimmed_span(node);
    cx.needs_extensions(span.clone(), "an `Err(…)` stop");
    let args: Vec<_> = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia() && !matches!(t.kind(), IDENT | L_PAREN | R_PAREN))
        .collect();
    let ok = match args.as_slice() {
        [status] => status.kind() == INT,
        [status, comma, reason] => {
            status.kind() == INT && comma.kind() == COMMA && reason.kind() == STRING
        }
        _ => false,
    };
    if !ok {
        cx.report(
            Diagnostic::new(
                codes::INVALID_ERR_STOP,
                span,
                "expected `Err(STATUS)` or `Err(STATUS, \"reason\")`",
            )
            .label("malformed `Err` stop"),
        );
        return;
    }
    let status_tok = &args[0];
    let status: u32 = status_tok.text().parse().unwrap_or(0);
    if !(400..=599).contains(&status) {
        cx.report(
            Diagnostic::new(
                codes::INVALID_ERR_STOP,
                token_span(status_tok),
                format!("`{status}` is not an error status"),
            )
            .label("expected a status from 400 to 599"),
        );
    }
}

fn check_point(cx: &mut Checker, node: &SyntaxNode) {
    // Validator points inside `~` are checked by the payload pattern check.
    if node.parent().is_some_and(|p| p.kind() == VALIDATOR) {
        return;
    }
    // A malformed variable inside is reported on its own; one mistake, one error.
    let mut bad_variable = false;
    ast::for_each_token(node, |kind, text| {
        bad_variable |= kind == VARIABLE && !super::variables::is_well_formed(text);
    });
    if bad_variable {
        return;
    }
    let span = trimmed_span(node);
    let text = &cx.src[span.clone()];
    if let Err(err) = point::parse_point(text) {
        cx.atom_error(codes::INVALID_POINT, span.start, err);
    }
}

fn call_target(cx: &mut Checker, node: &SyntaxNode) {
    let idents: Vec<_> = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| matches!(t.kind(), IDENT | STAR))
        .collect();
    let Some(kind) = idents.first() else { return };
    let allowed = ["Ext", "Http", "Cmd"];
    if !allowed.contains(&kind.text()) {
        let mut diag = Diagnostic::new(
            codes::UNKNOWN_MESSAGE_KIND,
            token_span(kind),
            format!("cannot call with message kind `{}`", kind.text()),
        )
        .label("expected `Ext`, `Http` or `Cmd`");
        diag = diag.did_you_mean(kind.text(), allowed, token_span(kind));
        cx.report(diag);
        return;
    }
    let Some(method) = idents.get(1) else { return };
    // A `call` entry may allow every method of a kind; a call stop or a validator sends one.
    let entry = node.parent().is_some_and(|p| p.kind() == CALL_STMT);
    if method.text() == "*" {
        if !entry {
            cx.report(
                Diagnostic::new(
                    codes::UNKNOWN_METHOD,
                    token_span(method),
                    "a call sends one method, not `*`",
                )
                .label("name the method")
                .note("`*` allows every method in a port's `call` entry only"),
            );
        }
        return;
    }
    // The one rule for what a kind's methods are (`starlane_model`), as the compiler lowers it.
    let Some(kind_value) = crate::vocabulary::Kind::resolve(kind.text()) else {
        return;
    };
    if starlane_model::Method::new(kind_value, method.text()).is_some() {
        return;
    }
    let mut diag = Diagnostic::new(
        codes::UNKNOWN_METHOD,
        token_span(method),
        format!("unknown {} method `{}`", kind.text(), method.text()),
    )
    .label(format!("not a {} method", kind.text()));
    match kind_value.methods() {
        Some(list) => {
            diag = diag.did_you_mean(method.text(), list.iter().copied(), token_span(method));
        }
        None => diag = diag.note(format!("{} methods are UpperCamelCase names", kind.text())),
    }
    cx.report(diag);
}

fn payload_pattern(cx: &mut Checker, pattern: &PayloadPattern) {
    let node = pattern.syntax();
    match pattern.kind() {
        Some(kind) if kind.kind() == IDENT && !PAYLOAD_KINDS.contains(&kind.text()) => {
            let mut diag = Diagnostic::new(
                codes::INVALID_PAYLOAD_PATTERN,
                token_span(&kind),
                format!("unknown payload kind `{}`", kind.text()),
            )
            .label("not a payload kind");
            diag = diag.did_you_mean(
                kind.text(),
                PAYLOAD_KINDS.iter().copied(),
                token_span(&kind),
            );
            cx.report(diag);
        }
        None if node.children().any(|c| c.kind() == VALIDATOR) => {
            let span = trimmed_span(node);
            cx.report(
                Diagnostic::new(
                    codes::INVALID_PAYLOAD_PATTERN,
                    span.start..span.start + 1,
                    "a validator needs a payload kind before it",
                )
                .label("expected a kind such as `Text` before `~`"),
            );
        }
        _ => {}
    }
    // A count the parser already refused (a token other than numbers and `-`) is not judged
    // again: one mistake, one error.
    let well_formed = |count: &SyntaxNode| {
        count.children_with_tokens().all(|e| {
            e.into_token().is_some_and(|t| {
                matches!(t.kind(), L_BRACKET | R_BRACKET | INT | MINUS) || t.kind().is_trivia()
            })
        })
    };
    if let Some(count_node) = node
        .children()
        .find(|c| c.kind() == PAYLOAD_COUNT)
        .filter(well_formed)
    {
        let span = trimmed_span(&count_node);
        let inner = &cx.src[span.start + 1..span.end.saturating_sub(1).max(span.start + 1)];
        if let Err(err) = count::parse(inner) {
            cx.atom_error(codes::INVALID_PAYLOAD_PATTERN, span.start + 1, err);
        }
    }
    for validator in pattern.validators() {
        let vnode = validator.syntax();
        let Some(target) = vnode.children().next() else {
            continue;
        };
        let span = trimmed_span(&target);
        let text = cx.src[span.clone()].to_string();
        if target.kind() == CALL_STOP {
            if let Some(p) = target.children().find(|c| c.kind() == POINT) {
                let pspan = trimmed_span(&p);
                if let Err(err) = point::parse_point(&cx.src[pspan.clone()]) {
                    cx.atom_error(codes::INVALID_POINT, pspan.start, err);
                }
            }
        } else if text.starts_with(|c: char| c.is_ascii_uppercase()) {
            cx.needs_extensions(span, "a schema validator `~Schema`");
        } else if !FORMATS.contains(&text.as_str()) {
            let mut diag = Diagnostic::new(
                codes::UNKNOWN_FORMAT,
                span.clone(),
                format!("unknown format `{text}`"),
            )
            .label("not a known format")
            .note(format!("formats: {}", FORMATS.join(", ")));
            diag = diag.did_you_mean(&text, FORMATS.iter().copied(), span);
            cx.report(diag);
        }
    }
}
