//! The 1.1.0 declarations: version gating, `Requires` placement, names, masks, durations,
//! selectors, `to` inside ports and roles, `limits`.

use super::{Checker, token_span, trimmed_span};
use crate::ast::AstNode;
use crate::ast::Body;
use crate::atoms::{perm, point, quantity};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::syntax_kind::{SyntaxKind::*, SyntaxNode};

const LIMITS: &[&str] = &["memory", "payload", "headers"];

/// The keyword of a declaration item is a 1.1.0 form.
pub(super) fn check_keyword(cx: &mut Checker, item: &SyntaxNode) {
    if let Some((keyword, span)) = declaration_keyword(item) {
        cx.needs_extensions(span, keyword);
    }
}

/// What a declaration item is, and its keyword's span.
fn declaration_keyword(item: &SyntaxNode) -> Option<(&'static str, crate::diagnostic::Span)> {
    let declaration = crate::ast::Declaration::cast(item.clone())?;
    let span = declaration
        .keyword()
        .map_or_else(|| trimmed_span(item), |t| token_span(&t));
    Some((declaration.described(), span))
}

/// `Requires` comes first, once.
pub(super) fn check_requires_placement(cx: &mut Checker, body: &Body) {
    let mut requires_seen: Option<crate::diagnostic::Span> = None;
    for (i, item) in body.syntax().children().enumerate() {
        if !matches!(
            crate::ast::Declaration::cast(item.clone()),
            Some(crate::ast::Declaration::Requires(_))
        ) {
            continue;
        }
        let Some((_, keyword_span)) = declaration_keyword(&item) else {
            continue;
        };
        if let Some(first) = &requires_seen {
            cx.report(
                Diagnostic::new(
                    codes::MISPLACED_REQUIRES,
                    keyword_span.clone(),
                    "`Requires` appears twice",
                )
                .label("second `Requires`")
                .secondary(first.clone(), "first `Requires` here")
                .help("merge the entries into the first block"),
            );
        } else if i > 0 {
            cx.report(
                Diagnostic::new(
                    codes::MISPLACED_REQUIRES,
                    keyword_span.clone(),
                    "`Requires` must be the first item of the body",
                )
                .label("not first")
                .help("move this block to the top of the `Bind` body"),
            );
        }
        requires_seen.get_or_insert(keyword_span);
    }
}

/// Checks one node of a declaration (or anything a declaration contains).
pub(super) fn check_node(cx: &mut Checker, node: &SyntaxNode) {
    match node.kind() {
        SCHEMA_DECL | PORT_DECL | ROLE_DECL => declared_name(cx, node),
        REQUIREMENT => context_name(cx, node),
        PERM_MASK => {
            let span = trimmed_span(node);
            if let Err(err) = perm::parse(&cx.src[span.clone()]) {
                cx.atom_error(codes::INVALID_PERMISSION_MASK, span.start, err);
            }
        }
        POINT_SELECTOR => {
            let span = trimmed_span(node);
            if let Err(err) = point::check_selector(&cx.src[span.clone()]) {
                cx.atom_error(codes::INVALID_SELECTOR, span.start, err);
            }
        }
        DURATION if node.parent().is_some_and(|p| p.kind() != LIMIT) => {
            let span = trimmed_span(node);
            if let Err(err) = quantity::duration_ms(&cx.src[span.clone()]) {
                cx.atom_error(codes::INVALID_DURATION, span.start, err);
            }
        }
        TIMEOUT_SPEC => timeout(cx, node),
        PORT_FIELD => envelope(cx, node),
        CALL_STMT => call_options(cx, node),
        LIMIT => limit(cx, node),
        GRANT_STMT => grant(cx, node),
        _ => {}
    }
}

/// A port's `envelope: json;` or `envelope: none;`.
fn envelope(cx: &mut Checker, node: &SyntaxNode) {
    let tokens = crate::ast::significant_tokens(node);
    if tokens.first().is_none_or(|t| t.text() != "envelope") {
        return;
    }
    let Some(word) = tokens.get(2).filter(|t| t.kind() == IDENT) else {
        return; // no word: the parser said what it expected
    };
    if starlane_model::vocabulary::Envelope::parse(word.text()).is_none() {
        let words = starlane_model::vocabulary::ENVELOPES;
        let diag = Diagnostic::new(
            codes::INVALID_ENVELOPE,
            token_span(word),
            format!("unknown envelope `{}`", word.text()),
        )
        .label("expected `json` or `none`")
        .note("`json` gives the guest the request envelope; `none` gives it the body alone, as waPC hosts do")
        .did_you_mean(word.text(), words.iter().copied(), token_span(word));
        cx.report(diag);
    }
}

fn timeout(cx: &mut Checker, node: &SyntaxNode) {
    let mut exec = None;
    let mut total = None;
    let tokens: Vec<_> = node.children_with_tokens().collect();
    let mut pending: Option<(String, crate::diagnostic::Span)> = None;
    for element in tokens {
        match element {
            rowan::NodeOrToken::Token(t) if t.kind() == IDENT => {
                pending = Some((t.text().to_string(), token_span(&t)))
            }
            rowan::NodeOrToken::Node(n) if n.kind() == DURATION => {
                let span = trimmed_span(&n);
                let value = quantity::duration_ms(&cx.src[span.clone()]).ok();
                match pending.take() {
                    Some((which, _)) if which == "exec" => exec = value.map(|v| (v, span)),
                    Some((which, _)) if which == "total" => total = value.map(|v| (v, span)),
                    Some((which, wspan)) => cx.report(
                        Diagnostic::new(
                            codes::INVALID_DURATION,
                            wspan,
                            format!("unknown timeout `{which}`"),
                        )
                        .label("expected `exec` or `total`"),
                    ),
                    None => cx.report(
                        Diagnostic::new(codes::INVALID_DURATION, span, "which timeout is this?")
                            .label("expected `exec` or `total` before the duration"),
                    ),
                }
            }
            _ => {}
        }
    }
    let _ = (exec, total); // `exec > total` is a semantic check (compiler)
}

/// The most resends a `call` entry may ask for: with the doubling wait, 16 already spans far
/// longer than any exchange may last.
pub const MAX_RETRIES: u32 = 16;

/// `timeout`, `ack` and `retries` on a `call` entry: each at most once, in range.
fn call_options(cx: &mut Checker, node: &SyntaxNode) {
    let Some(call) = crate::ast::CallStmt::cast(node.clone()) else {
        return;
    };
    let mut seen: Vec<(String, crate::diagnostic::Span)> = Vec::new();
    for (word, value) in call.options() {
        let span = token_span(&word);
        if let Some((_, first)) = seen.iter().find(|(w, _)| w == word.text()) {
            cx.report(
                Diagnostic::new(
                    codes::INVALID_CALL_OPTION,
                    span,
                    format!("`{}` is given twice", word.text()),
                )
                .label("again here")
                .secondary(first.clone(), "first here")
                .help("keep one"),
            );
            continue;
        }
        seen.push((word.text().to_string(), span));
        let Some(value) = value else { continue };
        let vspan = match &value {
            rowan::NodeOrToken::Node(n) => trimmed_span(n),
            rowan::NodeOrToken::Token(t) => token_span(t),
        };
        let text = &cx.src[vspan.clone()];
        match word.text() {
            "retries" if text.parse::<u32>().map_or(true, |n| n > MAX_RETRIES) => cx.report(
                Diagnostic::new(
                    codes::INVALID_CALL_OPTION,
                    vspan,
                    format!("`retries {text}` is out of range"),
                )
                .label(format!("0 to {MAX_RETRIES}"))
                .note("each resend waits twice as long as the one before (up to the mesh's `max_retry_delay`)"),
            ),
            "ack" if quantity::duration_ms(text) == Ok(0) => cx.report(
                Diagnostic::new(codes::INVALID_CALL_OPTION, vspan, "`ack 0ms` would resend at once")
                    .label("must be longer than 0")
                    .help("write a wait such as `ack 250ms`"),
            ),
            _ => {}
        }
    }
}

fn limit(cx: &mut Checker, node: &SyntaxNode) {
    let Some(name) = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| t.kind() == IDENT)
    else {
        return;
    };
    if !LIMITS.contains(&name.text()) {
        cx.report(
            Diagnostic::new(
                codes::INVALID_LIMIT,
                token_span(&name),
                format!("unknown limit `{}`", name.text()),
            )
            .label(format!("expected one of {}", LIMITS.join(", "))),
        );
        return;
    }
    if let Some(value) = node.children().find(|c| c.kind() == DURATION) {
        let span = trimmed_span(&value);
        if let Err(err) = quantity::size_bytes(&cx.src[span.clone()]) {
            cx.atom_error(codes::INVALID_LIMIT, span.start, err);
        }
    }
}

fn grant(cx: &mut Checker, node: &SyntaxNode) {
    let in_port_or_role = node.ancestors().skip(1).any(|a| {
        matches!(
            crate::ast::Declaration::cast(a),
            Some(crate::ast::Declaration::Port(_) | crate::ast::Declaration::Role(_))
        )
    });
    let words: Vec<_> = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == IDENT)
        .collect();
    let is_role = words.get(1).is_some_and(|w| w.text() == "role");
    let has_on = words.iter().any(|w| w.text() == "on");
    let to = words.iter().find(|w| w.text() == "to");
    if let Some(to) = to
        && in_port_or_role
    {
        cx.report(
            Diagnostic::new(codes::INVALID_GRANT, token_span(to), "`to` is not allowed inside a `Port` or `Role`")
                .label("the holder is implied")
                .note("inside a port the grant applies to the port's execution; inside a role, to whoever holds the role"),
        );
    }
    // `grant role` without a name is already a syntax error; one mistake, one diagnostic.
    let has_role_name = words
        .get(2)
        .is_some_and(|w| !matches!(w.text(), "on" | "to"));
    if is_role && has_role_name {
        if to.is_none() && !in_port_or_role {
            cx.report(
                Diagnostic::new(
                    codes::INVALID_GRANT,
                    trimmed_span(node),
                    "`grant role` needs `to`",
                )
                .label("who receives the role?")
                .help("write `grant role NAME to SELECTOR;`"),
            );
        }
    } else if !has_on && grants_something(node, &words) {
        cx.report(
            Diagnostic::new(
                codes::INVALID_GRANT,
                trimmed_span(node),
                "the grant does not say what it applies to",
            )
            .label("missing `on SELECTOR`")
            .help("write `grant perm +CSD-RWX on ${files}:**;`")
            .note("a grant that does not check grants nothing"),
        );
    }
}

/// Ports and roles are skewer-case; schemas UpperCamelCase (so `~Profile` is never a format).
/// `save-profile`, `v2`: lower-case letters and digits in words joined by `-`.
pub(crate) fn is_skewer(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `sayHello`, `getV2`: a lower-case first letter, then letters and digits.
pub(crate) fn is_lower_camel(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn declared_name(cx: &mut Checker, node: &SyntaxNode) {
    let Some(declaration) = crate::ast::Declaration::cast(node.clone()) else {
        return;
    };
    let Some((_, span)) = declaration.declared_name() else {
        return;
    };
    let name = &cx.src[span.clone()];
    let schema = matches!(declaration, crate::ast::Declaration::Schema(_));
    let port = matches!(declaration, crate::ast::Declaration::Port(_));
    let ok = if schema {
        super::routes::is_upper_camel(name)
    } else {
        // A port's name is the waPC operation its guest is called with, so it may also be
        // written as waPC SDK users name their handlers (`sayHello`).
        is_skewer(name) || (port && is_lower_camel(name))
    };
    if !ok {
        let (what, expected, fixed) = if schema {
            (
                "schema",
                "UpperCamelCase",
                name.split(['-', '_'])
                    .map(|p| {
                        let mut c = p.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect::<String>(),
            )
        } else {
            (
                if port { "port" } else { "role" },
                if port {
                    "skewer-case or lowerCamelCase"
                } else {
                    "skewer-case"
                },
                name.to_ascii_lowercase().replace('_', "-"),
            )
        };
        let mut diag = Diagnostic::new(
            codes::INVALID_NAME,
            span.clone(),
            format!("{what} name `{name}` is not {expected}"),
        )
        .label(format!("expected {expected}"));
        if fixed != name {
            diag = diag.fix(
                format!("write `{fixed}`"),
                span,
                fixed,
                crate::diagnostic::Applicability::MaybeIncorrect,
            );
        }
        cx.report(diag);
    }
}

/// A context name is used as `${name}`, where only letters, digits and `_` can stand (it
/// shares one namespace with captures), so `user-files` is not one.
fn context_name(cx: &mut Checker, node: &SyntaxNode) {
    let tokens: Vec<_> = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .take_while(|t| t.kind() != COLON)
        .collect();
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return;
    };
    let span = token_span(first).start..token_span(last).end;
    let name = &cx.src[span.clone()];
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        return;
    }
    let fixed: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut diag = Diagnostic::new(
        codes::INVALID_NAME,
        span.clone(),
        format!("context name `{name}` is not an identifier"),
    )
    .label("expected letters, digits and `_`")
    .note("a context name is used as `${name}`, where `-` cannot stand");
    if fixed.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        diag = diag.fix(
            format!("write `{fixed}`"),
            span,
            fixed,
            crate::diagnostic::Applicability::MaybeIncorrect,
        );
    }
    cx.report(diag);
}

/// Whether the grant names what it grants (`perm`, `priv` or `super`), so `on` is owed.
fn grants_something(node: &SyntaxNode, words: &[crate::syntax_kind::SyntaxToken]) -> bool {
    node.children()
        .any(|c| matches!(c.kind(), PERM_MASK | PRIV_NAME))
        || words.get(1).is_some_and(|w| w.text() == "super")
}
