//! The 2022 App document: `App { Set { +key=value, … } Install { command; … } }`.

use super::Parser;
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::syntax_kind::SyntaxKind::*;

const SECTIONS: &[&str] = &["Set", "Install"];

pub(super) fn app_body(p: &mut Parser) {
    while !p.at(EOF) && !p.at(R_BRACE) {
        p.start(APP_SECTION);
        let name = p.current_text();
        if p.at(IDENT) && p.nth(1) == L_BRACE {
            match name {
                "Set" => {
                    p.bump();
                    p.block(BODY, set_props);
                }
                "Install" => {
                    p.bump();
                    p.block(BODY, install_lines);
                }
                _ => {
                    let mut diag = Diagnostic::new(
                        codes::UNKNOWN_APP_SECTION,
                        p.current_span(),
                        format!("unknown App section `{name}`"),
                    )
                    .label("unknown section")
                    .note("an App document has the sections `Set` and `Install`");
                    diag = diag.did_you_mean(name, SECTIONS.iter().copied(), p.current_span());
                    p.report(diag);
                    p.bump();
                    p.start(ERROR);
                    p.block(BODY, |p| {
                        while !p.at(EOF) && !p.at(R_BRACE) {
                            p.recover(&[]);
                        }
                    });
                    p.finish();
                }
            }
        } else {
            p.error_here(
                codes::UNKNOWN_APP_SECTION,
                format!(
                    "expected `Set {{` or `Install {{`, found {}",
                    p.describe_current()
                ),
                "expected an App section",
            );
            p.bump_error();
            p.recover(&[IDENT]);
        }
        p.finish();
    }
}

/// `+key=value`, `+@key=value` (locked), `!key`, separated by `,`.
fn set_props(p: &mut Parser) {
    while !p.at(EOF) && !p.at(R_BRACE) {
        p.start(APP_PROP);
        if p.at(PLUS) || p.at(BANG) {
            let assign = p.at(PLUS);
            p.bump();
            if assign {
                p.eat(AT);
            }
            if p.at(IDENT) {
                p.start(APP_KEY);
                p.bump_glued_run(|p| p.at_any(&[IDENT, DOT, MINUS, INT]));
                p.finish();
            } else {
                p.error_here(
                    codes::INVALID_APP_PROPERTY,
                    format!("expected a property name, found {}", p.describe_current()),
                    "expected a name such as `mechtron.name`",
                );
            }
            if assign {
                if p.eat(EQ) {
                    app_value(p);
                } else {
                    p.error_here(
                        codes::INVALID_APP_PROPERTY,
                        format!("expected `=` and a value, found {}", p.describe_current()),
                        "expected `=`",
                    );
                }
            }
        } else {
            p.error_here(
                codes::INVALID_APP_PROPERTY,
                format!(
                    "expected `+name=value` or `!name`, found {}",
                    p.describe_current()
                ),
                "expected a property",
            );
            p.start(ERROR);
            while !p.at_any(&[COMMA, R_BRACE, EOF]) {
                p.bump();
            }
            p.finish();
        }
        p.finish();
        if !p.eat(COMMA) && !p.at(R_BRACE) && !p.at(EOF) {
            if p.on_new_line() {
                let at = p.prev_end();
                p.report(
                    Diagnostic::new(
                        codes::INVALID_APP_PROPERTY,
                        at..at,
                        "expected `,` between properties",
                    )
                    .label("add `,` here")
                    .fix(
                        "insert `,`",
                        at..at,
                        ",",
                        Applicability::MachineApplicable,
                    ),
                );
            } else {
                p.error_here(
                    codes::INVALID_APP_PROPERTY,
                    format!("expected `,` or `}}`, found {}", p.describe_current()),
                    "expected `,`",
                );
                p.start(ERROR);
                while !p.at_any(&[COMMA, R_BRACE, EOF]) {
                    p.bump();
                }
                p.finish();
                p.eat(COMMA);
            }
        }
    }
}

/// A quoted string, or glued tokens up to whitespace, `,` or `}`.
fn app_value(p: &mut Parser) {
    p.start(APP_VALUE);
    if p.at(STRING) {
        p.bump();
    } else if !p.at_any(&[COMMA, R_BRACE, EOF]) && p.glued() {
        p.bump_glued_run(|p| !p.at_any(&[COMMA, R_BRACE]));
    } else {
        p.error_here(
            codes::INVALID_APP_PROPERTY,
            format!("expected a value after `=`, found {}", p.describe_current()),
            "expected a value",
        );
    }
    p.finish();
}

/// Command lines, each ending with `;`: parsed as raw tokens (they are reported as not executed).
fn install_lines(p: &mut Parser) {
    while !p.at(EOF) && !p.at(R_BRACE) {
        p.start(INSTALL_LINE);
        // A command may carry property blocks (`create … {+config=app.conf};`): their braces
        // balance inside the command; a `}` with none open ends the `Install` block.
        let mut open: Vec<crate::Span> = Vec::new();
        let command_ends = |p: &Parser, open: &[crate::Span]| {
            p.at_any(&[SEMICOLON, EOF]) || (p.at(R_BRACE) && open.is_empty())
        };
        while !command_ends(p, &open) {
            if p.at(L_BRACE) {
                open.push(p.current_span());
            } else if p.at(R_BRACE) {
                open.pop();
            }
            p.bump();
        }
        if let Some(brace) = open.pop() {
            let at = p.current_span();
            p.unclosed(("{", "}"), "the property block", brace, at, None);
        }
        if !p.eat(SEMICOLON) {
            p.missing_semicolon("the install command");
        }
        p.finish();
    }
}
