//! Route scopes: which level each name sits at (Route → kind → method), whether it is a known
//! name there, where pipelines may stand, filters, and the path regexes along each route.

use super::{Checker, token_span, trimmed_span};
use crate::ast::{AstNode, Body, Pipeline, Scope};
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic, Span};
use crate::syntax_kind::{SyntaxNode, SyntaxToken};
use crate::vocabulary::{FILTERS, KINDS};

/// Route levels; each scope name sits one level below its parent's last name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Route,
    Kind,
    Method,
    BelowMethod,
}

impl Level {
    fn next(self) -> Level {
        match self {
            Level::Route => Level::Kind,
            Level::Kind => Level::Method,
            _ => Level::BelowMethod,
        }
    }
}

/// What the enclosing scopes established for the scopes inside them.
#[derive(Clone)]
pub(super) struct Context {
    level: Level,
    kind: Option<String>,
    /// Regexes along the route so far, outer to inner, for capture-name clashes.
    captures: Vec<(String, Span)>,
}

impl Context {
    /// The context of an item of the `Bind` body.
    pub(super) fn root() -> Context {
        Context {
            level: Level::Route,
            kind: None,
            captures: Vec::new(),
        }
    }
}

/// Checks the route parts of `unit`, which stands in a block with `context` (the root context
/// for an item of the `Bind` body): a pipeline is misplaced above the method level, a scope's own
/// selector is checked. Returns the scope's block with the context inside it when the block's
/// contents are to be checked as units of their own; the caller checks them.
pub(super) fn check_unit(
    cx: &mut Checker,
    unit: &SyntaxNode,
    context: &Context,
) -> Option<(Body, Context)> {
    if let Some(pipeline) = Pipeline::cast(unit.clone()) {
        if context.level < Level::BelowMethod {
            let owner = if context.level == Level::Method {
                Level::Kind
            } else {
                Level::Route
            };
            misplaced_pipeline(cx, trimmed_span(pipeline.syntax()), owner);
        }
        return None;
    }
    let scope = Scope::cast(unit.clone())?;
    let inner = check_scope(cx, &scope, context)?;
    Some((scope.body()?, inner))
}

/// An unversioned 2022 document is warned once, at its first path regex, that regexes now
/// match the whole path.
pub(super) fn legacy_regex_semantics(cx: &mut Checker, first_regex: Span) {
    cx.report(
        Diagnostic::new(codes::LEGACY_REGEX_SEMANTICS, first_regex, "this path regex now has to match the whole path")
            .label("matched against the whole path")
            .note("Starlane searched for the regex anywhere in the path; Starlane 1.x matches it against the whole path (without the query)")
            .help("write `.*` where any prefix or suffix should match"),
    );
}

/// Checks one scope; returns the context for its block, if it has one worth checking.
fn check_scope(cx: &mut Checker, scope: &Scope, parent: &Context) -> Option<Context> {
    let selector = scope.selector()?;
    let names = selector.names();
    let mut context = parent.clone();
    let is_top = parent.level == Level::Route;
    let mut unknown_name = false;
    for (i, name) in names.iter().enumerate() {
        let text = name.text();
        if is_top && i == 0 && context.level == Level::Route {
            match text {
                "Route" => {}
                "Pipelines" if names.len() == 1 => {
                    cx.report(
                        Diagnostic::new(
                            codes::LEGACY_PIPELINES_WRAPPER,
                            token_span(name),
                            "the `Pipelines` wrapper is a 2022 form",
                        )
                        .label("2022 wrapper")
                        .note("its sections are the message kinds of a `Route` scope")
                        .fix(
                            "write it as a `Route` scope",
                            token_span(name),
                            "Route ->",
                            Applicability::MachineApplicable,
                        ),
                    );
                }
                _ if is_kind_name(text) => {
                    implied_route(cx, scope, name);
                    context.level = Level::Kind;
                    check_name(cx, name, &mut context);
                    context.level = context.level.next();
                    continue;
                }
                _ => {
                    let mut candidates: Vec<&str> = vec!["Route"];
                    candidates.extend(KINDS);
                    candidates.extend([
                        "Requires", "Schema", "Port", "Role", "grant", "call", "limits",
                    ]);
                    let mut diag = Diagnostic::new(codes::UNKNOWN_SCOPE, token_span(name), format!("unknown scope `{text}`"))
                        .label("expected `Route`, a message kind or a declaration")
                        .note("top-level scopes are `Route` (or a message kind such as `Http`, which implies one)");
                    diag = diag.did_you_mean(text, candidates, token_span(name));
                    cx.report(diag);
                    return None;
                }
            }
            context.level = Level::Kind;
            continue;
        }
        if !check_name(cx, name, &mut context) {
            // The selector's filters and regex are still checked (their mistakes are their own);
            // what stands inside the scope is not, as its level is unknown.
            unknown_name = true;
            break;
        }
        context.level = context.level.next();
    }
    // The level the scope's own (innermost) name sits at.
    let own_level = match context.level {
        Level::Kind => Level::Route,
        Level::Method => Level::Kind,
        _ => Level::Method,
    };
    for filter in selector.filters() {
        if let Some(name) = filter.name()
            && !FILTERS.contains(&name.text())
        {
            let mut diag = Diagnostic::new(
                codes::UNKNOWN_FILTER,
                token_span(&name),
                format!("unknown filter `{}`", name.text()),
            )
            .label("unknown filter")
            .note(format!("known filters: {}", FILTERS.join(", ")));
            diag = diag.did_you_mean(name.text(), FILTERS.iter().copied(), token_span(&name));
            cx.report(diag);
        }
    }
    if let Some(regex) = selector.regex() {
        let span = token_span(&regex);
        if let Some(names) = cx.regex_cache.check(cx.src, span.clone(), &mut cx.diags) {
            for name in names {
                if let Some((_, first)) = context.captures.iter().find(|(n, _)| *n == name) {
                    let first = first.clone();
                    cx.report(
                        Diagnostic::new(
                            codes::DUPLICATE_CAPTURE,
                            span.clone(),
                            format!("capture `{name}` is defined twice along this route"),
                        )
                        .label("defined again here")
                        .secondary(first, "first defined here")
                        .help("regexes on nested scopes join into one; rename one of the captures"),
                    );
                } else {
                    context.captures.push((name, span.clone()));
                }
            }
        }
        if cx.first_regex.as_ref().is_none_or(|f| span.start < f.start) {
            cx.first_regex = Some(span);
        }
    }
    if unknown_name {
        return None;
    }
    if let Some(pipeline) = scope.pipeline() {
        let star_kind = own_level == Level::Kind && names.last().is_some_and(|n| n.text() == "*");
        if own_level < Level::Method && !star_kind {
            misplaced_pipeline(cx, trimmed_span(pipeline.syntax()), own_level);
        }
    }
    if let Some(step) = scope.block_step()
        && step.payload().is_some()
    {
        cx.report(
            Diagnostic::new(
                codes::PAYLOAD_STEP_BEFORE_BLOCK,
                trimmed_span(step.syntax()),
                "a payload step cannot stand before a block",
            )
            .label("this check would never run")
            .help("move the payload check into the pipelines inside the block"),
        );
    }
    if scope.body().is_some()
        && own_level >= Level::Method
        && scope.body().is_some_and(|b| b.scopes().next().is_some())
    {
        let first = scope
            .body()
            .and_then(|b| b.scopes().next())
            .map(|s| trimmed_span(s.syntax()));
        if let Some(first) = first {
            cx.report(
                Diagnostic::new(
                    codes::TOO_MANY_LEVELS,
                    first,
                    "a scope cannot be nested inside a method",
                )
                .label("below the method level")
                .note("routes have three levels: `Route`, the message kind, and the method"),
            );
        }
        return None;
    }
    Some(context)
}

fn is_kind_name(text: &str) -> bool {
    KINDS.contains(&text) || crate::vocabulary::is_legacy_kind(text)
}

/// A top-level kind section (`Http { … }`): wrap it in `Route -> { … }`.
fn implied_route(cx: &mut Checker, scope: &Scope, name: &SyntaxToken) {
    let span = trimmed_span(scope.syntax());
    cx.report(
        Diagnostic::new(
            codes::IMPLIED_ROUTE,
            token_span(name),
            format!("`{}` section without a `Route` scope", name.text()),
        )
        .label("implies `Route`")
        .fix_edits(
            "wrap it in `Route -> { … }`",
            vec![
                crate::diagnostic::Edit {
                    span: span.start..span.start,
                    replacement: "Route -> { ".to_string(),
                },
                crate::diagnostic::Edit {
                    span: span.end..span.end,
                    replacement: " }".to_string(),
                },
            ],
            Applicability::MachineApplicable,
        ),
    );
}

/// Checks a kind or method name at `context.level`; records the kind. False stops the scope.
fn check_name(cx: &mut Checker, name: &SyntaxToken, context: &mut Context) -> bool {
    if name.kind() == crate::syntax_kind::SyntaxKind::VARIABLE {
        return false; // a 2022 capture in a name's place: reported with the variables
    }
    let text = name.text();
    let span = token_span(name);
    match context.level {
        Level::Route => true,
        Level::Kind => {
            if text == "*" || KINDS.contains(&text) {
                context.kind = Some(text.to_string());
                return true;
            }
            if let Some((_, new)) = crate::vocabulary::LEGACY_KINDS
                .iter()
                .find(|(old, _)| *old == text)
            {
                cx.report(
                    Diagnostic::new(
                        codes::LEGACY_KIND_NAME,
                        span.clone(),
                        format!("`{text}` is the 2022 name of `{new}`"),
                    )
                    .label(format!("now `{new}`"))
                    .fix(
                        format!("rename to `{new}`"),
                        span,
                        new.name(),
                        Applicability::MachineApplicable,
                    ),
                );
                context.kind = Some(new.to_string());
                return true;
            }
            let mut diag = Diagnostic::new(
                codes::UNKNOWN_MESSAGE_KIND,
                span.clone(),
                format!("unknown message kind `{text}`"),
            )
            .label("not a message kind")
            .note(format!("message kinds: {}, or `*`", KINDS.join(", ")));
            diag = diag.did_you_mean(text, KINDS.iter().copied(), span);
            cx.report(diag);
            false
        }
        Level::Method => {
            let methods = context
                .kind
                .as_deref()
                .and_then(crate::vocabulary::methods_of);
            let kind = context.kind.clone().unwrap_or_else(|| "*".into());
            let known = text == "*"
                || match methods {
                    Some(list) => list.contains(&text),
                    None => is_upper_camel(text),
                };
            if known {
                return true;
            }
            let mut diag = Diagnostic::new(
                codes::UNKNOWN_METHOD,
                span.clone(),
                format!("unknown {kind} method `{text}`"),
            )
            .label(format!("not a {kind} method"));
            match methods {
                Some(list) => {
                    diag = diag.note(format!("{kind} methods: {}, or `*`", list.join(", ")));
                    diag = diag.did_you_mean(text, list.iter().copied(), span);
                }
                None => {
                    let camel = to_upper_camel(text);
                    diag = diag.note(format!("{kind} methods are UpperCamelCase names"));
                    if camel != text && is_upper_camel(&camel) {
                        diag = diag.fix(
                            format!("write `{camel}`"),
                            span,
                            camel,
                            Applicability::MaybeIncorrect,
                        );
                    }
                }
            }
            cx.report(diag);
            false
        }
        Level::BelowMethod => {
            cx.report(
                Diagnostic::new(
                    codes::TOO_MANY_LEVELS,
                    span,
                    format!("`{text}` is nested below the method level"),
                )
                .label("one level too deep")
                .note("routes have three levels: `Route`, the message kind, and the method"),
            );
            false
        }
    }
}

fn misplaced_pipeline(cx: &mut Checker, span: Span, level: Level) {
    let (at, example) = match level {
        Level::Route => (
            "the `Route` level",
            "`Route<Http<Get>> -> …;` or `Route -> { Http<Get> -> …; }`",
        ),
        _ => (
            "the message-kind level",
            "`Http<Get> -> …;` or `Http<*> -> …;`",
        ),
    };
    cx.report(
        Diagnostic::new(
            codes::MISPLACED_PIPELINE,
            span,
            format!("a pipeline cannot stand at {at}"),
        )
        .label("pipelines belong at the method level")
        .help(format!("name the method, as in {example}")),
    );
}

/// `Hello`, `GetJwt`: an upper-case letter, then letters and digits, not all upper case
/// (`GET` is a shouted `Get`, not a name).
pub(crate) use starlane_model::method::is_upper_camel;

fn to_upper_camel(text: &str) -> String {
    text.split(['_', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = if p.chars().all(|c| c.is_ascii_uppercase()) {
                p.to_ascii_lowercase()
            } else {
                p.to_string()
            };
            let mut cs = lower.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}
