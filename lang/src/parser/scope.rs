//! Bind bodies: items, route scopes and their selectors.

use super::{MAX_NESTING, Parser, declaration, pipeline};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::SyntaxKind::{self, *};

/// The body of a `Bind` document: scopes and declarations until the closing `}`.
pub(super) fn bind_body(p: &mut Parser) {
    items(p);
}

/// Items of a block: until `}` or end of input.
pub(super) fn items(p: &mut Parser) {
    while !p.at(EOF) && !p.at(R_BRACE) {
        p.unwinding_too_deep = false;
        item(p);
    }
}

pub(super) fn item(p: &mut Parser) {
    if declaration::at_declaration(p) {
        declaration::declaration(p);
        return;
    }
    match p.current() {
        IDENT | STAR | L_ANGLE => scope(p),
        _ if pipeline::at_step(p) => {
            // `{ -> (()) => &; }`: a pipeline written as a block's only content.
            pipeline::pipeline(p);
        }
        SEMICOLON => {
            let span = p.current_span();
            p.report(
                Diagnostic::new(codes::UNEXPECTED_TOKEN, span.clone(), "unnecessary `;`")
                    .label("nothing to terminate here")
                    .fix("remove the `;`", span, "", Applicability::MachineApplicable),
            );
            p.bump_error();
        }
        L_BRACE => {
            p.error_here(
                codes::UNEXPECTED_TOKEN,
                "expected a scope or a declaration, found `{`",
                "a block needs a selector before it, such as `Route -> {`",
            );
            p.recover(&[]);
        }
        _ => {
            let found = p.describe_current();
            p.error_here(
                codes::UNEXPECTED_TOKEN,
                format!("expected a scope or a declaration, found {found}"),
                "expected a scope such as `Route<Http<Get>> -> …;`",
            );
            p.bump_error();
            p.recover(&[IDENT, STAR, L_ANGLE]);
        }
    }
}

/// `selector (step? { items } | pipeline)`.
fn scope(p: &mut Parser) {
    p.start(SCOPE);
    selector(p);
    if p.at(L_BRACE) {
        p.block(BODY, items);
    } else if (p.at(ARROW) || p.at(FAT_ARROW))
        && p.nth(1) == L_BRACE
        && !(p.nth(2) == L_BRACE && p.nth_glued(2))
    {
        p.start(STEP);
        p.bump();
        p.finish();
        p.block(BODY, items);
    } else if pipeline::at_step(p) && payload_step_then_block(p) {
        // `Route -[ Text ]-> {`: parsed so the checker can say the check would never run.
        pipeline::step(p);
        p.block(BODY, items);
    } else if pipeline::at_step(p) {
        pipeline::pipeline(p);
    } else if pipeline::at_stop(p) && !p.on_new_line() {
        // `<Get>/x (()) => &;` — the step is missing; parse the rest so nothing cascades.
        let at = p.prev_end();
        p.report(
            Diagnostic::new(
                codes::MISSING_STEP,
                at..at,
                "expected `->` between the selector and the pipeline",
            )
            .label("expected `->` here")
            .fix(
                "insert `->`",
                at..at,
                " ->",
                Applicability::MachineApplicable,
            ),
        );
        pipeline::pipeline_from_stop(p);
    } else {
        let at = p.prev_end();
        let found = p.describe_current();
        let mut diag = Diagnostic::new(
            codes::MISSING_STEP,
            if p.on_new_line() || p.at(EOF) {
                at..at
            } else {
                p.current_span()
            },
            format!("expected `->` or `{{` after the selector, found {found}"),
        )
        .label("expected `->` or `{`");
        if p.at(SEMICOLON) {
            diag = diag.help("a route needs a pipeline, for example `-> (()) => &;`");
        }
        p.report(diag);
        if !p.on_new_line() {
            p.recover(&[]);
        }
    }
    p.finish();
}

/// `<`? name (`<` inner `>`)? `>`? filters? regex?
fn selector(p: &mut Parser) {
    p.start(SELECTOR);
    let outer_angle = p.at(L_ANGLE);
    let open = p.current_span();
    if outer_angle {
        p.bump();
    }
    selector_name(p, 0);
    if outer_angle && !p.eat(R_ANGLE) {
        expected_closing_angle(p, open);
    }
    filters_and_regex(p);
    p.finish();
}

/// A name and its generic argument, recursively (`Http<Get>`, `Ext<*>`), bounded by [`MAX_NESTING`].
fn selector_name(p: &mut Parser, depth: usize) {
    p.start(SELECTOR_NAME);
    if p.at(IDENT) || p.at(STAR) {
        p.bump();
    } else if p.at(VARIABLE) {
        // `Http<$(method=.*)>`: a 2022 capture where a name stands. Taken as the name so the
        // selector parses on; the check pass says what it is (one error, not five).
        p.bump();
    } else {
        p.error_here(
            codes::UNEXPECTED_TOKEN,
            format!("expected a name or `*`, found {}", p.describe_current()),
            "expected a name",
        );
        p.finish();
        return;
    }
    if p.at(L_ANGLE) && p.glued() {
        p.start(GENERIC_ARG);
        let open = p.current_span();
        p.bump();
        if depth >= MAX_NESTING {
            let span = open.clone();
            p.too_deep(span);
            p.recover(&[ARROW, FAT_ARROW, L_BRACE]);
        } else {
            selector_name(p, depth + 1);
            if !p.eat(R_ANGLE) {
                expected_closing_angle(p, open);
            }
        }
        p.finish();
    }
    p.finish();
}

fn expected_closing_angle(p: &mut Parser, open: std::ops::Range<usize>) {
    if p.nesting_reported {
        return; // the unclosed `<`s are the too-deep input already reported
    }
    let at = p.prev_end();
    p.unclosed(
        ("<", ">"),
        "the kind or method",
        open,
        at..at,
        Some(Applicability::MaybeIncorrect),
    );
}

/// Filters `(auth)`, `(a)-(b)` and a path regex, in either order (both attach to the name they follow).
fn filters_and_regex(p: &mut Parser) {
    if p.at(L_PAREN) && p.nth(1) != L_PAREN {
        p.start(FILTER_LIST);
        filter(p);
        while p.at(MINUS) && p.nth(1) == L_PAREN && p.nth(2) != L_PAREN {
            p.bump();
            filter(p);
        }
        p.finish();
    }
    if p.at(PATH_REGEX) && p.glued() {
        p.bump();
    }
}

/// `(name args?)`: args are raw tokens up to the closing `)`.
fn filter(p: &mut Parser) {
    p.start(FILTER);
    let open = p.current_span();
    p.bump();
    let closers: &[SyntaxKind] = &[R_PAREN, ARROW, FAT_ARROW, L_BRACE, SEMICOLON];
    while !p.at(EOF) && !p.at_any(closers) {
        p.bump();
    }
    if !p.eat(R_PAREN) {
        let at = p.prev_end();
        p.unclosed(
            ("(", ")"),
            "the filter",
            open,
            at..at,
            Some(Applicability::MachineApplicable),
        );
    }
    p.finish();
}

/// Whether a payload step (`-[ … ]->`) is followed by `{`: scans to the step's `]`.
fn payload_step_then_block(p: &Parser) -> bool {
    if !matches!(p.current(), MINUS | EQ) {
        return false;
    }
    let mut n = 2;
    while !matches!(p.nth(n), R_BRACKET | EOF | SEMICOLON | L_BRACE | R_BRACE) {
        n += 1;
    }
    p.nth(n) == R_BRACKET && matches!(p.nth(n + 1), ARROW | FAT_ARROW) && p.nth(n + 2) == L_BRACE
}
