//! The 2021 router file: lines `METHOD /regex -> target;` (`*` = any method).

use super::Parser;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::syntax_kind::SyntaxKind::*;

/// A router file's first significant line starts with an upper-case method or `*`, whitespace
/// and `/`. Decided on the raw text because the lexer mode depends on it.
pub(super) fn looks_like_router_file(src: &str) -> bool {
    for line in src.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let method_len = line
            .find(|c: char| !(c.is_ascii_uppercase() || c == '*'))
            .unwrap_or(line.len());
        if method_len == 0 || (line.starts_with('*') && method_len != 1) {
            return false;
        }
        let rest = &line[method_len..];
        let trimmed = rest.trim_start();
        return rest.len() != trimmed.len() && trimmed.starts_with('/');
    }
    false
}

pub(super) fn router_doc(p: &mut Parser) {
    p.start(ROUTER_DOC);
    while !p.at(EOF) {
        router_line(p);
    }
    p.finish();
}

fn router_line(p: &mut Parser) {
    p.start(ROUTER_LINE);
    let ok = (p.at(IDENT) || p.at(STAR)) && p.nth(1) == PATH_REGEX && p.nth(2) == ARROW;
    if ok {
        p.bump();
        p.bump();
        p.bump();
        if p.at_any(&[IDENT, VARIABLE, DOT, INT]) {
            super::pipeline::point_like(p, POINT, &[]);
        } else {
            p.error_here(
                codes::INVALID_ROUTER_LINE,
                format!(
                    "expected a target point after `->`, found {}",
                    p.describe_current()
                ),
                "expected a point such as `localhost:my-files:/$1`",
            );
        }
        if !p.eat(SEMICOLON) {
            if p.at(EOF) || p.on_new_line() {
                p.missing_semicolon("the route");
            } else {
                p.error_here(
                    codes::INVALID_ROUTER_LINE,
                    format!("expected `;`, found {}", p.describe_current()),
                    "expected `;`",
                );
                p.recover(&[]);
            }
        }
    } else {
        let span = p.current_span();
        p.report(
            Diagnostic::new(
                codes::INVALID_ROUTER_LINE,
                span,
                "expected a route line `METHOD /regex -> target;`",
            )
            .label("this line is not a route")
            .note("router files have one route per line, such as `GET /files/(.*) -> localhost:my-files:/$1;`"),
        );
        p.start(ERROR);
        p.bump();
        while !p.at(EOF) && !p.at(SEMICOLON) && !p.on_new_line() {
            p.bump();
        }
        p.eat(SEMICOLON);
        p.finish();
    }
    p.finish();
}
