//! The top of the grammar: which document kind the file holds, its header, and what follows it.
//! Document kinds are a table ([`DOCUMENT_KINDS`]): a new kind is a row, not a parser rewrite.

use super::{Parser, app, router, scope};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::lexer::LexMode;
use crate::syntax_kind::SyntaxKind::*;

/// What a file holds, decided by its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum DocumentKind {
    /// `Bind(version=…) { … }` (or the 2022 unversioned `Bind { … }`).
    Bind,
    /// The 2022 App manifest: `App { Set { … } Install { … } }`.
    App,
    /// A 2021 router file: `GET /path -> point;` lines.
    Router,
}

/// One row per header-introduced document kind.
pub(crate) struct DocumentKindSpec {
    pub name: &'static str,
    pub kind: DocumentKind,
    body: fn(&mut Parser),
}

pub(crate) const DOCUMENT_KINDS: &[DocumentKindSpec] = &[
    DocumentKindSpec {
        name: "Bind",
        kind: DocumentKind::Bind,
        body: scope::bind_body,
    },
    DocumentKindSpec {
        name: "App",
        kind: DocumentKind::App,
        body: app::app_body,
    },
];

pub(super) fn source_file(p: &mut Parser, mode: LexMode) -> Option<DocumentKind> {
    // Not `p.start`: leading trivia must sit inside the root node.
    p.start_root(SOURCE_FILE);
    let kind = if p.at(EOF) {
        p.report(
            Diagnostic::new(codes::EMPTY_FILE, 0..0, "the file contains no document")
                .label("expected a document here")
                .help("start with a header such as `Bind(version=1.0.0) { }`"),
        );
        None
    } else if mode == LexMode::Router {
        router::router_doc(p);
        Some(DocumentKind::Router)
    } else {
        header_document(p)
    };
    trailing(p);
    p.eat_trivia();
    p.finish();
    kind
}

/// A 2022 `Mechtron(version=…) { Wasm { bin=…; name=…; } }` document: what Starlane 1.x writes
/// as an App. When both assignments can be read, a fix-it rewrites the whole document.
fn mechtron_document(src: &str, keyword: crate::Span) -> Diagnostic {
    let mut diag = Diagnostic::new(
        codes::UNKNOWN_DOCUMENT_KIND,
        keyword.clone(),
        "`Mechtron` documents are the 2022 mechtron configuration",
    )
    .label("2022 document kind")
    .note("Starlane 1.x configures a mechtron in an App document: `App(version=1.0.0) { Set { +wasm.src=…, +mechtron.name=… } }`");
    // `bin=…` / `+bin=…;` and `name=…`: a value runs to whitespace or `;` (as the original read it).
    let value = |key: &str| {
        src.split(|c: char| c.is_whitespace() || c == ';')
            .filter_map(|word| {
                word.trim_start_matches('+')
                    .strip_prefix(key)?
                    .strip_prefix('=')
            })
            .find(|v| !v.is_empty())
    };
    if let (Some(bin), Some(name)) = (value("bin"), value("name")) {
        // The bundle was `${doc.bundle}`, and a path inside it may have been written bare.
        let bin = match bin.strip_prefix("${doc.bundle}") {
            Some(path) => format!(
                "${{self.config.bundle}}:/{}",
                path.trim_start_matches([':', '/'])
            ),
            None if !bin.contains(':') => {
                format!("${{self.config.bundle}}:/{}", bin.trim_start_matches('/'))
            }
            None => bin.to_string(),
        };
        let app = format!(
            "App(version=1.0.0) {{\n  Set {{\n    +wasm.src={bin},\n    +mechtron.name={name}\n  }}\n}}\n"
        );
        diag = diag.fix(
            "rewrite it as an App document",
            keyword.start..src.len(),
            app,
            Applicability::MaybeIncorrect,
        );
    }
    diag
}

fn header_document(p: &mut Parser) -> Option<DocumentKind> {
    let name = p.current_text();
    let spec = DOCUMENT_KINDS
        .iter()
        .find(|s| p.at(IDENT) && s.name == name);
    let Some(spec) = spec else {
        let names: Vec<&str> = DOCUMENT_KINDS.iter().map(|s| s.name).collect();
        let mut diag = Diagnostic::new(
            codes::UNKNOWN_DOCUMENT_KIND,
            p.current_span(),
            format!("expected a document kind, found {}", p.describe_current()),
        )
        .label("unknown document kind")
        .note(format!(
            "a document starts with one of {}, or is a router file of `METHOD /path -> point;` lines",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ));
        if p.at(IDENT) && name == "Mechtron" {
            diag = mechtron_document(p.src, p.current_span());
        } else if p.at(IDENT) {
            diag = diag.did_you_mean(name, names.iter().copied(), p.current_span());
        }
        p.report(diag);
        // Everything is skipped: guessing a grammar for an unknown kind would only cascade.
        p.start(ERROR);
        while !p.at(EOF) {
            p.bump();
        }
        p.finish();
        return None;
    };
    let node = match spec.kind {
        DocumentKind::App => APP_DOC,
        _ => BIND_DOC,
    };
    p.start(node);
    header(p);
    if p.at(L_BRACE) {
        p.block(BODY, spec.body);
    } else if p.on_new_line() && p.at(IDENT) {
        // `Bind(version=1.0.0)` then the items: the `{` alone is missing; parse the body anyway.
        let at = p.prev_end();
        p.report(
            Diagnostic::new(
                codes::MALFORMED_HEADER,
                at..at,
                format!("expected `{{` after the `{}` header", spec.name),
            )
            .label("expected `{` here")
            .fix("insert `{`", at..at, " {", Applicability::MachineApplicable),
        );
        p.start(BODY);
        (spec.body)(p);
        p.eat(R_BRACE);
        p.finish();
    } else {
        let at = p.prev_end();
        p.report(
            Diagnostic::new(
                codes::MALFORMED_HEADER,
                p.current_span(),
                format!(
                    "expected `{{` after the `{}` header, found {}",
                    spec.name,
                    p.describe_current()
                ),
            )
            .label("expected `{`")
            .secondary(at..at, "the header ends here"),
        );
        p.recover(&[L_BRACE]);
        if p.at(L_BRACE) {
            p.block(BODY, spec.body);
        }
    }
    p.finish();
    Some(spec.kind)
}

/// `Name`, `Name(version=1.0.0)`, then the legacy `->` if present.
fn header(p: &mut Parser) {
    p.start(HEADER);
    p.bump(); // kind name
    if p.at(L_PAREN) {
        p.start(HEADER_ARGS);
        let open = p.current_span();
        p.bump();
        if p.at_word("version") {
            p.bump();
            if p.eat(EQ) {
                if p.at_any(&[INT, IDENT]) {
                    p.start(VERSION);
                    p.bump_glued_run(|p| !p.at_any(&[R_PAREN, L_BRACE, ARROW]));
                    p.finish();
                } else {
                    p.error_here(
                        codes::MALFORMED_HEADER,
                        format!(
                            "expected a version such as `1.0.0`, found {}",
                            p.describe_current()
                        ),
                        "expected a version",
                    );
                }
            } else {
                p.error_here(
                    codes::MALFORMED_HEADER,
                    format!(
                        "expected `=` after `version`, found {}",
                        p.describe_current()
                    ),
                    "expected `=`",
                );
            }
        } else {
            p.error_here(
                codes::MALFORMED_HEADER,
                format!("expected `version=…`, found {}", p.describe_current()),
                "the only header argument is `version`",
            );
        }
        if !p.eat(R_PAREN) {
            if !p
                .diagnostics
                .last()
                .is_some_and(|d| d.code == codes::MALFORMED_HEADER)
            {
                p.report(
                    Diagnostic::new(
                        codes::MALFORMED_HEADER,
                        p.current_span(),
                        format!(
                            "expected `)` to close the header, found {}",
                            p.describe_current()
                        ),
                    )
                    .label("expected `)`")
                    .secondary(open, "opened here"),
                );
            }
            p.recover(&[R_PAREN, L_BRACE, ARROW]);
            p.eat(R_PAREN);
        }
        p.finish();
    }
    if p.at(ARROW) && p.nth(1) == L_BRACE {
        p.bump(); // legacy `->`, reported by the checker
    }
    p.finish();
}

/// Anything after the document is an error (Starlane silently ignored it).
fn trailing(p: &mut Parser) {
    if p.at(EOF) {
        return;
    }
    let start = p.current_span().start;
    let code = if p.at(R_BRACE) {
        codes::UNEXPECTED_CLOSING_DELIMITER
    } else {
        codes::TRAILING_CONTENT
    };
    let message = if p.at(R_BRACE) {
        "unexpected closing `}`".to_string()
    } else {
        format!(
            "unexpected {} after the end of the document",
            p.describe_current()
        )
    };
    p.start(ERROR);
    while !p.at(EOF) {
        p.bump();
    }
    p.finish();
    let end = p.prev_end();
    let closed_at = p.closing_brace_of_document();
    let label = if code == codes::UNEXPECTED_CLOSING_DELIMITER {
        "this `}` has no matching `{`"
    } else {
        "the document ended before this"
    };
    let mut diag = Diagnostic::new(code, start..end.max(start), message)
        .label(label)
        .fix("remove it", start..end, "", Applicability::MaybeIncorrect);
    if let Some(closed) = closed_at {
        diag = diag.secondary(
            closed,
            "the document was closed here; is this `}` one too many?",
        );
    }
    p.report(diag);
}

#[cfg(test)]
mod tests {
    /// The fix-it of a 2022 `Mechtron` document is an App document that checks clean.
    #[test]
    fn a_mechtron_document_becomes_an_app_that_checks() {
        for src in [
            "Mechtron(version=1.0.0) {\n  Wasm {\n    +bin=repo:hello:1.0.0:/wasm/hello.wasm;\n    +name=hello;\n  }\n}\n",
            "Mechtron(version=1.0.0) {\n  Wasm {\n     bin=wasm/hello.wasm\n     name=hello\n  }\n}\n",
            "Mechtron(version=1.0.0) {\n  Wasm {\n    bin=${doc.bundle}/wasm/hello.wasm\n    name=hello\n  }\n}\n",
        ] {
            let (_, diags) = crate::check_front_end(src);
            let [d] = diags.as_slice() else {
                panic!("one error: {diags:?}")
            };
            let edit = &d.suggestions[0].edits[0];
            let fixed = format!(
                "{}{}{}",
                &src[..edit.span.start],
                edit.replacement,
                &src[edit.span.end..]
            );
            let (_, after) = crate::check_front_end(&fixed);
            assert!(after.iter().all(|d| !d.is_error()), "{fixed}\n{after:?}");
            assert!(fixed.contains("+mechtron.name=hello"), "{fixed}");
        }
    }
}
