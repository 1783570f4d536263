//! Pipelines: segments of a step and a stop, ending with `;`; payload patterns; points.

use super::{MAX_PATTERN_DEPTH, Parser};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::SyntaxKind::{self, *};

/// Whether the current token starts a step: `->`, `=>`, `-[`, `=[`.
pub(super) fn at_step(p: &Parser) -> bool {
    match p.current() {
        ARROW | FAT_ARROW => true,
        MINUS | EQ => p.nth(1) == L_BRACKET && p.nth_glued(1),
        _ => false,
    }
}

/// Whether the current token can start a stop.
pub(super) fn at_stop(p: &Parser) -> bool {
    match p.current() {
        L_PAREN => p.nth(1) == L_PAREN,
        L_BRACE => p.nth(1) == L_BRACE && p.nth_glued(1),
        AMP | IDENT | INT | VARIABLE | DOT => true,
        _ => false,
    }
}

/// A whole pipeline starting at a step, through its `;`.
pub(super) fn pipeline(p: &mut Parser) {
    p.start(PIPELINE);
    segments(p, false);
    p.finish();
}

/// A pipeline whose first step is missing (already reported): starts at the stop.
pub(super) fn pipeline_from_stop(p: &mut Parser) {
    p.start(PIPELINE);
    segments(p, true);
    p.finish();
}

fn segments(p: &mut Parser, mut first_without_step: bool) {
    loop {
        p.start(SEGMENT);
        if !first_without_step {
            step(p);
        }
        first_without_step = false;
        let has_stop = stop(p);
        p.finish();
        if !has_stop && (p.on_new_line() || p.at(EOF) || p.at(R_BRACE)) {
            return; // the missing stop was reported; a missing `;` would be the same mistake
        }
        if !has_stop && !at_step(p) && !p.at(SEMICOLON) {
            // The missing stop was reported at this token: what stands in the stop's place, to
            // the next step or `;` on this line, is that same mistake.
            p.start(ERROR);
            while !(at_step(p) || p.at_any(&[SEMICOLON, R_BRACE, EOF]) || p.on_new_line()) {
                p.bump();
            }
            p.finish();
            if p.on_new_line() || p.at(EOF) || p.at(R_BRACE) {
                return;
            }
        }
        if at_step(p) {
            continue;
        }
        if p.eat(SEMICOLON) {
            return;
        }
        if p.at(EOF) || p.at(R_BRACE) || p.on_new_line() {
            p.missing_semicolon("the pipeline");
            return;
        }
        let found = p.describe_current();
        p.error_here(
            codes::UNEXPECTED_TOKEN,
            format!("expected `;` or another step, found {found}"),
            "expected `;`, `->` or `=>`",
        );
        p.recover(&[]);
        return;
    }
}

/// `->`, `=>`, or `-[ pattern ]->` and its `=` variants.
pub(super) fn step(p: &mut Parser) {
    p.start(STEP);
    match p.current() {
        ARROW | FAT_ARROW => p.bump(),
        _ => {
            p.bump(); // `-` or `=`
            payload_block(p);
            if !(p.eat(ARROW) || p.eat(FAT_ARROW)) {
                let at = p.prev_end();
                p.report(
                    Diagnostic::new(
                        codes::MISSING_STEP,
                        if p.glued() { p.current_span() } else { at..at },
                        format!(
                            "expected `->` or `=>` to finish the step, found {}",
                            p.describe_current()
                        ),
                    )
                    .label("expected `->` or `=>`")
                    .help("a payload step is written `-[ Text ]->` or `=[ Text ]=>`"),
                );
                if p.at(MINUS) || p.at(EQ) {
                    p.bump_error();
                }
            }
        }
    }
    p.finish();
}

/// `[ pattern? ]`
fn payload_block(p: &mut Parser) {
    p.start(PAYLOAD_BLOCK);
    let open = p.current_span();
    p.bump(); // `[`
    if !p.at(R_BRACKET) {
        payload_pattern(p, 0);
    }
    if !p.eat(R_BRACKET) {
        let at = p.prev_end();
        p.unclosed(("[", "]"), "the payload block", open, at..at, None);
        p.recover(&[R_BRACKET, ARROW, FAT_ARROW]);
        p.eat(R_BRACKET);
    }
    p.finish();
}

/// `*`, or a kind with an optional count or map body, then `~validator`s. Depth-bounded.
pub(super) fn payload_pattern(p: &mut Parser, depth: usize) {
    p.start(PAYLOAD_PATTERN);
    if depth >= MAX_PATTERN_DEPTH {
        let span = p.current_span();
        p.too_deep(span);
        p.recover(&[R_BRACKET, R_ANGLE, COMMA, SEMICOLON]);
        p.finish();
        return;
    }
    match p.current() {
        STAR => p.bump(),
        IDENT => {
            let is_map = p.current_text() == "Map";
            p.bump();
            if p.at(L_BRACKET) && p.glued() {
                payload_count(p);
            } else if is_map && p.at(L_BRACE) {
                map_pattern(p, depth);
            }
        }
        TILDE => {} // validators only: reported by the checker as a missing kind
        _ => {
            p.error_here(
                codes::INVALID_PAYLOAD_PATTERN,
                format!(
                    "expected a payload kind such as `Text` or `*`, found {}",
                    p.describe_current()
                ),
                "expected a payload kind",
            );
            p.recover(&[
                R_BRACKET, R_ANGLE, COMMA, SEMICOLON, TILDE, ARROW, FAT_ARROW,
            ]);
        }
    }
    while p.at(TILDE) {
        validator(p);
    }
    p.finish();
}

/// `[N]`, `[N-M]`, `[N-]`, `[]`; contents checked by the atom parser.
fn payload_count(p: &mut Parser) {
    p.start(PAYLOAD_COUNT);
    p.bump(); // `[`
    while p.at_any(&[INT, MINUS]) {
        p.bump();
    }
    if !p.eat(R_BRACKET) {
        p.error_here(
            codes::INVALID_PAYLOAD_PATTERN,
            format!(
                "expected a count such as `[1-5]`, found {}",
                p.describe_current()
            ),
            "expected a number, `-` or `]`",
        );
        p.recover(&[R_BRACKET, ARROW, FAT_ARROW]);
        p.eat(R_BRACKET);
    }
    p.finish();
}

/// `Map{key<P>, key?<P>, *<P>}`
fn map_pattern(p: &mut Parser, depth: usize) {
    p.start(MAP_PATTERN);
    let open = p.current_span();
    p.bump(); // `{`
    while !p.at(R_BRACE) && !p.at(EOF) && !p.at(R_BRACKET) && !p.at(SEMICOLON) {
        p.start(MAP_ENTRY);
        match p.current() {
            IDENT => p.bump_glued_run(|p| p.at_any(&[IDENT, MINUS, INT])),
            STRING | STAR => p.bump(),
            _ => {
                p.error_here(
                    codes::INVALID_PAYLOAD_PATTERN,
                    format!("expected a map key, found {}", p.describe_current()),
                    "expected a key such as `username`",
                );
                p.recover(&[COMMA, R_BRACE, R_BRACKET]);
                p.finish();
                p.eat(COMMA);
                continue;
            }
        }
        p.eat(QUESTION);
        if p.at(L_ANGLE) {
            let angle = p.current_span();
            p.bump();
            payload_pattern(p, depth + 1);
            if !p.eat(R_ANGLE) {
                let at = p.current_span();
                p.unclosed(("<", ">"), "the entry's pattern", angle, at, None);
                p.recover(&[COMMA, R_BRACE, R_BRACKET]);
            }
        }
        p.finish();
        if !p.eat(COMMA) && !p.at(R_BRACE) {
            p.error_here(
                codes::INVALID_PAYLOAD_PATTERN,
                format!(
                    "expected `,` or `}}` in the map pattern, found {}",
                    p.describe_current()
                ),
                "expected `,` or `}`",
            );
            p.recover(&[COMMA, R_BRACE, R_BRACKET]);
            p.eat(COMMA);
        }
    }
    if !p.eat(R_BRACE) {
        let at = p.prev_end();
        p.unclosed(("{", "}"), "the map pattern", open, at..at, None);
    }
    p.finish();
}

/// `~json`, `~image/png`, `~Profile`, `~point^Ext<Validate>`.
fn validator(p: &mut Parser) {
    p.start(VALIDATOR);
    p.bump(); // `~`
    let cp = p.checkpoint();
    if p.at_any(&[IDENT, VARIABLE, DOT, INT]) && p.glued() {
        point_like(p, POINT, &[]);
        if p.at(CARET) {
            p.start_at(cp, CALL_STOP);
            p.bump();
            call_target(p);
            p.finish();
        }
    } else {
        p.error_here(
            codes::INVALID_PAYLOAD_PATTERN,
            format!(
                "expected a validator after `~`, found {}",
                p.describe_current()
            ),
            "expected a format such as `json`, a schema name, or a validator call",
        );
    }
    p.finish();
}

/// One stop: `(( ))`, `((port))`, `{{ }}`, `&`, `Err(…)`, a point, or a call. False when missing.
fn stop(p: &mut Parser) -> bool {
    let present = !(p.at(IDENT) && p.on_new_line() && looks_like_item_start(p)) && at_stop(p);
    match p.current() {
        L_PAREN if p.nth(1) == L_PAREN => core_stop(p),
        L_BRACE if p.nth(1) == L_BRACE && p.nth_glued(1) => legacy_core_stop(p),
        AMP => {
            p.start(REFLECT_STOP);
            p.bump();
            p.finish();
        }
        IDENT if p.current_text() == "Err" && p.nth(1) == L_PAREN => err_stop(p),
        IDENT if p.on_new_line() && looks_like_item_start(p) => missing_stop(p),
        L_BRACKET if is_point_tag(p) => {
            point_tag(p);
            return stop(p);
        }
        IDENT | INT | VARIABLE | DOT => {
            let cp = p.checkpoint();
            point_like(p, POINT, &[]);
            if p.at(CARET) {
                p.start_at(cp, CALL_STOP);
                p.bump();
                call_target(p);
            } else {
                p.start_at(cp, POINT_STOP);
            }
            p.finish();
        }
        _ => missing_stop(p),
    }
    present
}

/// A capitalised name on a new line followed by `<`, `(`, `{` or a step is the next route, not a
/// point (points are lower case; `GLOBAL::…` is followed by `:`).
fn looks_like_item_start(p: &Parser) -> bool {
    p.current_text()
        .starts_with(|c: char| c.is_ascii_uppercase())
        && matches!(
            p.nth(1),
            L_ANGLE | L_PAREN | L_BRACE | ARROW | FAT_ARROW | PATH_REGEX
        )
}

/// `[hub]::`, the original Starlane's tag before a point.
fn is_point_tag(p: &Parser) -> bool {
    p.nth(1) == IDENT && p.nth(2) == R_BRACKET && p.nth(3) == COLON && p.nth(4) == COLON
}

/// Reports a `[tag]::` before a point — one error saying the form is unsupported, with a fix
/// that drops it — and keeps the tag in an error node, so the point after it parses as the stop.
fn point_tag(p: &mut Parser) {
    let start = p.current_span().start;
    p.start(ERROR);
    for _ in 0..5 {
        p.bump();
    }
    p.finish();
    let span = start..p.prev_end();
    let tag = p.src[span.start + 1..span.end - 3].to_string();
    p.report(
        Diagnostic::new(
            codes::MISSING_STOP,
            span.clone(),
            format!("a `[{tag}]::` tag before a point is not supported"),
        )
        .label("the original Starlane's point tag")
        .note("Starlane 1.x names a point by its address alone")
        .fix(
            "remove the tag",
            span,
            "",
            crate::diagnostic::Applicability::MaybeIncorrect,
        ),
    );
}

fn missing_stop(p: &mut Parser) {
    {
        {
            let at = p.prev_end();
            let found = p.describe_current();
            let span = if p.on_new_line() || p.at(EOF) || p.at(SEMICOLON) {
                at..at
            } else {
                p.current_span()
            };
            p.report(
                Diagnostic::new(
                    codes::MISSING_STOP,
                    span,
                    format!("expected a stop after the step, found {found}"),
                )
                .label("expected a stop")
                .help("a stop is `(( ))` (the mechtron), `((port))`, `&` (reply), `Err(404)`, a point, or a call `point^Ext<Method>`"),
            );
        }
    }
}

/// `((` `*`? or a port name `))`.
fn core_stop(p: &mut Parser) {
    let cp = p.checkpoint();
    let open = p.current_span();
    p.bump();
    p.bump();
    let mut node = CORE_STOP;
    if p.at(STAR) {
        p.bump();
    } else if p.at(IDENT) {
        node = PORT_STOP;
        p.bump_glued_run(|p| p.at_any(&[IDENT, MINUS, INT]));
    }
    let closed = p.at(R_PAREN) && p.nth(1) == R_PAREN;
    p.start_at(cp, node);
    if closed {
        p.bump();
        p.bump();
    } else {
        let at = p.prev_end();
        let at = if p.on_new_line() {
            at..at
        } else {
            p.current_span()
        };
        p.unclosed(
            ("((", "))"),
            "the core stop",
            open.start..open.start + 2,
            at,
            None,
        );
        p.eat(R_PAREN);
    }
    p.finish();
}

/// The 2022 core stop `{{ }}` / `{{*}}` (reported with a fix-it by the checker).
fn legacy_core_stop(p: &mut Parser) {
    p.start(LEGACY_CORE_STOP);
    let open = p.current_span();
    p.bump();
    p.bump();
    p.eat(STAR);
    if p.at(R_BRACE) && p.nth(1) == R_BRACE {
        p.bump();
        p.bump();
    } else {
        let at = p.current_span();
        p.unclosed(
            ("{{", "}}"),
            "the core stop",
            open.start..open.start + 2,
            at,
            None,
        );
    }
    p.finish();
}

/// `Err(404)` or `Err(403, "reason")`; the values are checked by the checker.
fn err_stop(p: &mut Parser) {
    p.start(ERR_STOP);
    p.bump(); // Err
    let open = p.current_span();
    p.bump(); // (
    while !p.at_any(&[R_PAREN, SEMICOLON, EOF, R_BRACE, ARROW, FAT_ARROW]) {
        p.bump();
    }
    if !p.eat(R_PAREN) {
        let at = p.prev_end();
        p.unclosed(
            ("(", ")"),
            "`Err(`",
            open,
            at..at,
            Some(Applicability::MachineApplicable),
        );
    }
    p.finish();
}

/// `Ext<Method>` or `Http<Get>` and an optional path, after `^`.
pub(super) fn call_target(p: &mut Parser) {
    p.start(CALL_TARGET);
    if p.at(IDENT) {
        p.bump();
        if p.at(L_ANGLE) {
            let open = p.current_span();
            p.bump();
            if p.at(IDENT) || p.at(STAR) {
                p.bump();
            }
            if !p.eat(R_ANGLE) {
                let at = p.current_span();
                p.unclosed(("<", ">"), "the call's method", open, at, None);
            }
        } else {
            p.error_here(
                codes::INVALID_POINT,
                format!(
                    "expected `<Method>` after the call's kind, found {}",
                    p.describe_current()
                ),
                "expected `<`",
            );
        }
        if p.at(PATH_REGEX) && p.glued() {
            p.bump();
        }
    } else {
        p.error_here(
            codes::INVALID_POINT,
            format!(
                "expected a message kind after `^`, found {}",
                p.describe_current()
            ),
            "expected `Ext<Method>` or `Http<Method>`",
        );
    }
    p.finish();
}

/// Tokens that end a point or selector (besides whitespace and comments).
const POINT_TERMINATORS: &[SyntaxKind] = &[
    SEMICOLON,
    COMMA,
    EQ,
    CARET,
    R_PAREN,
    R_BRACKET,
    R_BRACE,
    L_BRACE,
    L_BRACKET,
    L_PAREN,
    ARROW,
    FAT_ARROW,
    EOF,
    STRING,
    UNTERMINATED_STRING,
];

/// A point or selector as one node of glued tokens; its inside is checked by `atoms::point`.
/// A `-` directly before `[` is a step, not part of the point (`app-[ Text ]->`).
pub(super) fn point_like(p: &mut Parser, node: SyntaxKind, extra_terminators: &[SyntaxKind]) {
    p.start(node);
    p.bump();
    let step_follows = |p: &Parser| p.at(MINUS) && p.nth(1) == L_BRACKET;
    while p.glued()
        && !p.at_any(POINT_TERMINATORS)
        && !p.at_any(extra_terminators)
        && !step_follows(p)
    {
        p.bump();
    }
    p.finish();
}
