//! The 1.1.0 declarations: `Requires`, `Schema`, `Port`, `Role`, `grant`, `call`, `limits`.
//! These words are reserved only where a declaration can follow them, so a 1.0.0 scope that
//! happens to be called `Port` still parses as a scope.

use super::{Parser, pipeline};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::SyntaxKind::*;

pub(super) fn at_declaration(p: &Parser) -> bool {
    if !p.at(IDENT) {
        return false;
    }
    let next = p.nth(1);
    match p.current_text() {
        "Requires" | "limits" => next == L_BRACE,
        "Schema" | "Port" | "Role" => next == IDENT,
        "grant" => next == IDENT,
        "call" => !matches!(next, ARROW | FAT_ARROW | L_BRACE | L_ANGLE | EOF),
        _ => false,
    }
}

pub(super) fn declaration(p: &mut Parser) {
    match p.current_text() {
        "Requires" => requires(p),
        "limits" => limits(p),
        "Schema" => schema(p),
        "Port" => port(p),
        "Role" => role(p),
        "grant" => grant(p),
        _ => call(p),
    }
}

/// `Requires { name: Kind<…>; … }`
fn requires(p: &mut Parser) {
    p.start(REQUIRES_BLOCK);
    p.bump();
    p.block(BODY, |p| {
        while !p.at(EOF) && !p.at(R_BRACE) {
            p.start(REQUIREMENT);
            if p.at(IDENT) {
                name(p, "a context name");
                if p.eat(COLON) {
                    if p.at(IDENT) {
                        kind_expr(p);
                    } else {
                        expected(p, codes::UNEXPECTED_TOKEN, "a kind such as `Base<User>`");
                    }
                } else {
                    expected(
                        p,
                        codes::UNEXPECTED_TOKEN,
                        "`:` and a kind, as in `users: Base<User>;`",
                    );
                }
                terminate(p, "the requirement");
            } else {
                expected(
                    p,
                    codes::UNEXPECTED_TOKEN,
                    "a context name such as `users: Base<User>;`",
                );
                p.recover(&[]);
            }
            p.finish();
        }
    });
    p.finish();
}

/// `Schema Name = "path";`
fn schema(p: &mut Parser) {
    p.start(SCHEMA_DECL);
    p.bump();
    name(p, "a schema name");
    if p.eat(EQ) {
        if !p.eat(STRING) {
            expected(
                p,
                codes::UNEXPECTED_TOKEN,
                "a quoted path such as `\"schema/profile.json\"`",
            );
        }
    } else {
        expected(p, codes::UNEXPECTED_TOKEN, "`=` and a quoted schema path");
    }
    terminate(p, "the schema declaration");
    p.finish();
}

const PORT_FIELDS: &[&str] = &[
    "request", "response", "timeout", "envelope", "grant", "call",
];

/// `Port name { request: P; response: P; timeout: …; grant …; call …; }`
fn port(p: &mut Parser) {
    p.start(PORT_DECL);
    p.bump();
    name(p, "a port name");
    if !p.at(L_BRACE) {
        expected(p, codes::UNEXPECTED_TOKEN, "`{` to open the port");
        p.recover(&[L_BRACE]);
    }
    if p.at(L_BRACE) {
        p.block(BODY, |p| {
            while !p.at(EOF) && !p.at(R_BRACE) {
                port_field(p);
            }
        });
    }
    p.finish();
}

fn port_field(p: &mut Parser) {
    match (p.current(), p.current_text()) {
        (IDENT, "grant") => grant(p),
        (IDENT, "call") => call(p),
        (IDENT, field @ ("request" | "response" | "timeout" | "envelope")) => {
            p.start(PORT_FIELD);
            p.bump();
            if !p.eat(COLON) {
                expected(p, codes::UNEXPECTED_TOKEN, "`:` after the field name");
            }
            if field == "timeout" {
                timeout_spec(p);
            } else if field == "envelope" {
                // `json` or `none`: the word is judged by the check pass.
                if p.at(IDENT) {
                    p.bump();
                } else {
                    expected(p, codes::UNEXPECTED_TOKEN, "`json` or `none`");
                }
            } else if p.at(SEMICOLON) {
                missing_pattern(p, field);
            } else {
                pipeline::payload_pattern(p, 0);
            }
            terminate(p, "the port field");
            p.finish();
        }
        (IDENT, other) => {
            let mut diag = Diagnostic::new(
                codes::UNKNOWN_PORT_FIELD,
                p.current_span(),
                format!("unknown port field `{other}`"),
            )
            .label("unknown field")
            .note("a port has the fields `request`, `response`, `timeout` and `envelope`, and `grant` and `call` statements");
            diag = diag.did_you_mean(other, PORT_FIELDS.iter().copied(), p.current_span());
            p.report(diag);
            p.start(PORT_FIELD);
            p.recover(&[]);
            p.finish();
        }
        _ => {
            expected(
                p,
                codes::UNEXPECTED_TOKEN,
                "a port field such as `request: Text;`",
            );
            p.recover(&[]);
        }
    }
}

/// `request: ;`: the grammar needs a pattern, and a port that silently checked nothing would hide
/// the slip. `*` says "any payload" on purpose.
fn missing_pattern(p: &mut Parser, field: &str) {
    let at = p.current_span().start;
    p.report(
        Diagnostic::new(
            codes::INVALID_PAYLOAD_PATTERN,
            p.current_span(),
            format!("expected a payload pattern after `{field}:`, found `;`"),
        )
        .label("expected a payload pattern such as `Json` or `Map{name<Text>}`")
        .help(format!(
            "write `{field}: *;` to accept any payload, or remove the field"
        ))
        .fix(
            "accept any payload",
            at..at,
            "*",
            Applicability::MaybeIncorrect,
        ),
    );
}

/// `exec 500ms, total 2s`
fn timeout_spec(p: &mut Parser) {
    p.start(TIMEOUT_SPEC);
    loop {
        if p.at(IDENT) {
            p.bump();
        }
        if p.at(INT) {
            duration(p);
        } else {
            expected(
                p,
                codes::INVALID_DURATION,
                "a duration such as `500ms` or `2s`",
            );
            break;
        }
        if !p.eat(COMMA) {
            break;
        }
    }
    p.finish();
}

/// `500ms`: a number glued to its unit; checked by `atoms::duration`.
fn duration(p: &mut Parser) {
    p.start(DURATION);
    p.bump_glued_run(|p| p.at_any(&[IDENT, INT, DOT]));
    p.finish();
}

/// `Role name { grant …; }`
fn role(p: &mut Parser) {
    p.start(ROLE_DECL);
    p.bump();
    name(p, "a role name");
    if p.at(L_BRACE) {
        p.block(BODY, |p| {
            while !p.at(EOF) && !p.at(R_BRACE) {
                if p.at_word("grant") {
                    grant(p);
                } else {
                    expected(p, codes::UNEXPECTED_TOKEN, "a `grant` statement");
                    p.recover(&[]);
                }
            }
        });
    } else {
        expected(p, codes::UNEXPECTED_TOKEN, "`{` to open the role");
        p.recover(&[]);
    }
    p.finish();
}

/// `grant (perm MASK | priv NAME | super | role NAME) (on SEL)? (to SEL)?;`
fn grant(p: &mut Parser) {
    p.start(GRANT_STMT);
    p.bump(); // grant
    match p.current_text() {
        "perm" if p.at(IDENT) => {
            p.bump();
            if p.at_any(&[PLUS, AMP, IDENT]) {
                p.start(PERM_MASK);
                p.bump_glued_run(|p| p.at_any(&[IDENT, MINUS, PLUS, AMP]));
                p.finish();
            } else {
                expected(
                    p,
                    codes::INVALID_PERMISSION_MASK,
                    "a permission mask such as `+CSD-RWX`",
                );
            }
        }
        "priv" if p.at(IDENT) => {
            p.bump();
            if p.at_any(&[IDENT, STAR]) {
                p.start(PRIV_NAME);
                p.bump_glued_run(|p| p.at_any(&[IDENT, COLON, MINUS, STAR, INT]));
                p.finish();
            } else {
                expected(
                    p,
                    codes::INVALID_GRANT,
                    "a privilege name such as `props:email:read`",
                );
            }
        }
        "super" if p.at(IDENT) => p.bump(),
        "role" if p.at(IDENT) => {
            p.bump();
            // A line that starts a new item is not the role's name: `grant role` typed above
            // `Route<Http> -> {` must not swallow the route (what an editor sees mid-typing).
            // The statement stops where its name should have been; the body loop parses what
            // follows.
            if p.on_new_line() && starts_item(p) {
                expected(p, codes::UNEXPECTED_TOKEN, "a role name");
                p.finish();
                return;
            }
            name(p, "a role name");
        }
        _ => {
            let mut diag = Diagnostic::new(
                codes::INVALID_GRANT,
                p.current_span(),
                format!(
                    "expected `perm`, `priv`, `super` or `role`, found {}",
                    p.describe_current()
                ),
            )
            .label("expected what to grant");
            if p.at(IDENT) {
                let word = p.current_text();
                diag = diag.did_you_mean(word, ["perm", "priv", "super", "role"], p.current_span());
            }
            p.report(diag);
            p.recover(&[]);
            p.finish();
            return;
        }
    }
    for keyword in ["on", "to"] {
        if p.at_word(keyword) {
            p.bump();
            if at_selector_start(p) {
                pipeline::point_like(p, POINT_SELECTOR, &[]);
            } else {
                expected(
                    p,
                    codes::INVALID_SELECTOR,
                    "a point selector such as `${files}:**`",
                );
            }
        }
    }
    terminate(p, "the grant");
    p.finish();
}

/// `call SELECTOR^Ext<Method>/path? (timeout D | ack D | retries N)*;` — the options in any
/// order; the checker reports a repeated one.
fn call(p: &mut Parser) {
    p.start(CALL_STMT);
    p.bump(); // call
    if at_selector_start(p) {
        pipeline::point_like(p, POINT_SELECTOR, &[]);
    } else {
        expected(
            p,
            codes::INVALID_SELECTOR,
            "a point selector such as `${users}:**`",
        );
    }
    if p.eat(CARET) {
        pipeline::call_target(p);
    } else if !p.at(SEMICOLON) {
        expected(
            p,
            codes::INVALID_SELECTOR,
            "`^` and the call's kind, as in `^Ext<Select>`",
        );
    }
    while let Some(option) = ["timeout", "ack", "retries"]
        .into_iter()
        .find(|w| p.at_word(w))
    {
        p.bump();
        let missing = if option == "retries" {
            (!p.eat(INT)).then_some((codes::INVALID_CALL_OPTION, "a count such as `3`"))
        } else if p.at(INT) {
            duration(p);
            None
        } else {
            Some((codes::INVALID_DURATION, "a duration such as `500ms`"))
        };
        if let Some((code, what)) = missing {
            expected(p, code, what);
            // A wrong value on the same line (`retries many`) is the one mistake: skip it, so
            // the `;` after it is not reported missing too.
            if p.at_any(&[IDENT, STRING]) && !p.on_new_line() && !is_call_option(p) {
                p.bump();
            }
        }
    }
    terminate(p, "the call");
    p.finish();
}

fn is_call_option(p: &Parser) -> bool {
    ["timeout", "ack", "retries"].iter().any(|w| p.at_word(w))
}

/// `limits { memory 16MiB; payload 1MiB; }`
fn limits(p: &mut Parser) {
    p.start(LIMITS_BLOCK);
    p.bump();
    p.block(BODY, |p| {
        while !p.at(EOF) && !p.at(R_BRACE) {
            p.start(LIMIT);
            if p.at(IDENT) {
                p.bump();
                if p.at(INT) {
                    duration(p);
                } else {
                    expected(p, codes::INVALID_LIMIT, "a size such as `16MiB`");
                }
                terminate(p, "the limit");
            } else {
                expected(p, codes::INVALID_LIMIT, "a limit such as `memory 16MiB;`");
                p.recover(&[]);
            }
            p.finish();
        }
    });
    p.finish();
}

fn at_selector_start(p: &Parser) -> bool {
    p.at_any(&[IDENT, INT, VARIABLE, DOT, STAR, PLUS])
}

/// A declared name: skewer-case (`upload-avatar`) or UpperCamel (`Profile`), glued tokens.
/// A declared or referenced name (glued identifier, `-` and digit tokens).
fn name(p: &mut Parser, what: &str) {
    if p.at(IDENT) {
        p.bump_glued_run(|p| p.at_any(&[IDENT, MINUS, INT]));
    } else {
        expected(p, codes::UNEXPECTED_TOKEN, what);
    }
}

/// Whether the current token opens a scope or a declaration.
fn starts_item(p: &Parser) -> bool {
    at_declaration(p)
        || (p.at(IDENT)
            && (matches!(p.current_text(), "Route" | "Pipelines")
                || crate::vocabulary::Kind::resolve(p.current_text()).is_some()))
}

/// `Base<User>`, `Database<Relational<vendor:product:variant:1.0.0>>`: glued tokens up to `;`.
fn kind_expr(p: &mut Parser) {
    p.start(KIND_EXPR);
    p.bump();
    let mut angle = 0usize;
    while !p.at_any(&[SEMICOLON, R_BRACE, EOF, L_BRACE]) && (p.glued() || angle > 0) {
        match p.current() {
            L_ANGLE => angle += 1,
            R_ANGLE => angle = angle.saturating_sub(1),
            _ => {}
        }
        p.bump();
    }
    p.finish();
}

/// Ends a statement: `;`, or a missing-`;` error when the next token starts a new line.
fn terminate(p: &mut Parser, what: &str) {
    if p.eat(SEMICOLON) {
        return;
    }
    if p.at(EOF) || p.at(R_BRACE) || p.on_new_line() {
        p.missing_semicolon(what);
    } else {
        expected(p, codes::UNEXPECTED_TOKEN, "`;`");
        p.recover(&[]);
    }
}

fn expected(p: &mut Parser, code: crate::codes::Code, what: &str) {
    let found = p.describe_current();
    let span = if p.at(EOF) || p.on_new_line() {
        let at = p.prev_end();
        at..at
    } else {
        p.current_span()
    };
    p.report(
        Diagnostic::new(code, span, format!("expected {what}, found {found}"))
            .label(format!("expected {what}")),
    );
}
