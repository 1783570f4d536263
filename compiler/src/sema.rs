//! Semantic checks over a lowered bind (language.md §6). They run even when the file has syntax
//! errors elsewhere: lowering skips only what did not parse.

use rustc_hash::FxHashMap as HashMap;

use starlane_ir::{
    Bind, GrantKind, PathPattern, Requirement, Route, SelectorPart, SelectorPattern, Shape,
    SourceSpan, Stop, Var,
};
use starlane_lang::{Diagnostic, Span};
use starlane_model::template::Part;

use crate::codes;
use crate::reachability::{self, ReachMemo};
use starlane_lang::check::RegexCache;

/// Built-in variables, usable in every bind.
const BUILTINS: &[&str] = &["doc", "self"];

fn span(s: SourceSpan) -> Span {
    s.start as usize..s.end as usize
}

/// The names of a route's capture groups (`""` for an unnamed one).
fn captures(route: &Route) -> &[String] {
    match &route.path {
        PathPattern::Regex { captures, .. } => captures,
        _ => &[],
    }
}

/// Every semantic check of one lowered bind that looks beyond one route (a route's own are
/// made as it is lowered: [`route_variables`]).
pub fn check(bind: &Bind, src: &str, patterns: &[starlane_ir::PayloadPattern]) -> Vec<Diagnostic> {
    check_remembering(bind, src, patterns, None)
}

/// [`check`], with the unreachable routes worked out from `reach`, what the last check of the
/// same document found, when there is one (the language server's checker keeps it).
pub fn check_remembering(
    bind: &Bind,
    src: &str,
    patterns: &[starlane_ir::PayloadPattern],
    reach: Option<&mut ReachMemo>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicates(bind, &mut out);
    roles(bind, &mut out);
    variables(bind, src, &mut out);
    match reach {
        Some(memo) => unreachable_routes(bind, memo.blockers(&bind.routes), &mut out),
        None => unreachable_routes(bind, &reachability::blockers(&bind.routes), &mut out),
    }
    ports_never_routed(bind, &mut out);
    grants(bind, &mut out);
    calls(bind, &mut out);
    payload_mismatches(bind, patterns, &mut out);
    out
}

fn duplicates(bind: &Bind, out: &mut Vec<Diagnostic>) {
    let mut check = |what: &str, items: Vec<(&str, SourceSpan)>| {
        let mut seen: HashMap<&str, SourceSpan> = HashMap::default();
        for (name, s) in items {
            if let Some(first) = seen.get(name) {
                out.push(
                    Diagnostic::new(
                        codes::DUPLICATE_DECLARATION,
                        span(s),
                        format!("{what} `{name}` is declared twice"),
                    )
                    .label("declared again here")
                    .secondary(span(*first), "first declared here"),
                );
            } else {
                seen.insert(name, s);
            }
        }
    };
    check(
        "port",
        bind.ports
            .iter()
            .map(|p| (p.name.as_str(), p.span))
            .collect(),
    );
    check(
        "schema",
        bind.schemas
            .iter()
            .map(|p| (p.name.as_str(), p.span))
            .collect(),
    );
    check(
        "role",
        bind.roles
            .iter()
            .map(|p| (p.name.as_str(), p.span))
            .collect(),
    );
    check(
        "context name",
        bind.requires
            .iter()
            .map(|p| (p.name.as_str(), p.span))
            .collect(),
    );
}

fn roles(bind: &Bind, out: &mut Vec<Diagnostic>) {
    for g in &bind.grants {
        if let GrantKind::Role(name) = &g.kind
            && !bind.roles.iter().any(|r| &r.name == name)
        {
            let mut d = Diagnostic::new(
                codes::UNKNOWN_ROLE,
                span(g.span),
                format!("no role named `{name}`"),
            )
            .label("unknown role")
            .note("a grant that does not check grants nothing");
            if let Some(best) = starlane_lang::suggest::did_you_mean(
                name,
                bind.roles.iter().map(|r| r.name.as_str()),
            ) {
                d = d.help(format!("did you mean `{best}`?"));
            }
            out.push(d);
        }
    }
}

/// Every `${…}` / `$N` with its offset inside `text` (`starlane_model::template` scans).
fn variables_in(text: &str) -> Vec<(usize, usize, &str)> {
    // Every variable starts with `$`: most text has none, and a byte search says so fastest.
    if !text.contains('$') {
        return Vec::new();
    }
    starlane_model::template::variables(text)
        .map(|(span, name)| (span.start, span.end, name))
        .collect()
}

/// The names a `${…}` may use besides captures and built-ins: the context names, and the `_`
/// spelling of one written with `-` (already an error, E0042; the uses written the way its
/// fix-it suggests are not reported a second time).
pub(crate) fn context_names(requires: &[Requirement]) -> Vec<String> {
    let respelled = requires
        .iter()
        .filter(|r| r.name.contains('-'))
        .map(|r| r.name.replace('-', "_"));
    requires
        .iter()
        .map(|r| r.name.clone())
        .chain(respelled)
        .collect()
}

/// The variables of one route: its captures must not clash with context names or built-ins, and
/// every `${…}` in its steps must name a capture, a context name or a built-in. Run as the
/// route is lowered, so the language server remembers the result with the route.
pub(crate) fn route_variables(
    route: &Route,
    src: &str,
    context: &[String],
    regexes: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
) {
    let is_context = |name: &str| context.iter().any(|c| c == name);
    for c in captures(route) {
        if is_context(c) || BUILTINS.contains(&c.as_str()) {
            out.push(
                Diagnostic::new(
                    codes::NAME_CLASH,
                    span(route.span),
                    format!("capture `{c}` has the name of a context name or built-in"),
                )
                .label("captures, context names and built-ins share one namespace")
                .help("rename the capture"),
            );
        }
    }
    // Looked up only for a route that uses `${N}`.
    let groups = |regexes: &mut RegexCache| match &route.path {
        PathPattern::Regex { regex, .. } => regexes.capture_count(regex),
        _ => 0,
    };
    for seg in &route.segments {
        let seg_text = src.get(span(seg.span)).unwrap_or("");
        for (start, end, name) in variables_in(seg_text) {
            let at = seg.span.start as usize + start..seg.span.start as usize + end;
            let root = name.split('.').next().unwrap_or("");
            let ok = if name.chars().all(|c| c.is_ascii_digit()) {
                name.parse::<usize>().is_ok_and(|n| n <= groups(regexes))
            } else {
                captures(route).iter().any(|c| c == name)
                    || is_context(name)
                    || BUILTINS.contains(&root)
            };
            if !ok {
                let mut d = Diagnostic::new(
                    codes::UNRESOLVED_VARIABLE,
                    at,
                    format!("`{}` is not defined here", &seg_text[start..end]),
                )
                .label("not a capture of this route, a context name or a built-in");
                if name.chars().all(|c| c.is_ascii_digit()) {
                    let groups = groups(regexes);
                    d = d.note(format!(
                        "this route's path regex has {groups} capture group{}",
                        if groups == 1 { "" } else { "s" }
                    ));
                } else if !matches!(route.path, PathPattern::Regex { .. }) {
                    d = d.help(format!(
                        "capture it in the route's path regex, e.g. `/(?P<{name}>[^/]+)`"
                    ));
                } else {
                    d = d.note(format!(
                        "captures of this route: {}",
                        if captures(route).is_empty() {
                            "none".to_string()
                        } else {
                            captures(route).join(", ")
                        }
                    ));
                }
                out.push(d);
            }
        }
    }
}

/// The variables of what is not a route: context names must not clash with built-ins, and the
/// `${…}` of grants and calls must name a context name or a built-in (a route's are checked as
/// it is lowered: [`route_variables`]).
fn variables(bind: &Bind, src: &str, out: &mut Vec<Diagnostic>) {
    let names = context_names(&bind.requires);
    let context: Vec<&str> = names.iter().map(String::as_str).collect();
    for r in &bind.requires {
        if BUILTINS.contains(&r.name.as_str()) {
            out.push(
                Diagnostic::new(
                    codes::NAME_CLASH,
                    span(r.span),
                    format!("context name `{}` clashes with a built-in", r.name),
                )
                .label("a built-in variable"),
            );
        }
    }
    let selectors = bind.all_grants().map(|g| g.span).chain(
        bind.ports
            .iter()
            .flat_map(|p| p.calls.iter().map(|c| c.span)),
    );
    for s in selectors {
        let text = src.get(span(s)).unwrap_or("");
        for (start, end, name) in variables_in(text) {
            let root = name.split('.').next().unwrap_or("");
            if !context.contains(&name) && !BUILTINS.contains(&root) {
                let mut d = Diagnostic::new(
                    codes::UNRESOLVED_VARIABLE,
                    s.start as usize + start..s.start as usize + end,
                    format!("context name `{name}` is not declared"),
                )
                .label("not in `Requires`");
                if let Some(best) =
                    starlane_lang::suggest::did_you_mean(name, context.iter().copied())
                {
                    d = d.help(format!("did you mean `{best}`?"));
                } else {
                    d = d.help(format!("declare it: `Requires {{ {name}: Kind; }}`"));
                }
                out.push(d);
            }
        }
    }
}

/// Reports each route `blockers` (one per route of `bind`) says is blocked.
fn unreachable_routes(bind: &Bind, blockers: &[Option<usize>], out: &mut Vec<Diagnostic>) {
    for (route, blocker) in bind.routes.iter().zip(blockers) {
        let Some(first) = blocker.map(|j| &bind.routes[j]) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                codes::UNREACHABLE_ROUTE,
                span(route.span),
                "this route can never be reached",
            )
            .label("unreachable")
            .secondary(
                span(first.span),
                "this earlier route matches everything it matches",
            )
            .help("routes are tried in order: move the more specific route first"),
        );
    }
}

fn ports_never_routed(bind: &Bind, out: &mut Vec<Diagnostic>) {
    let mut routed = vec![false; bind.ports.len()];
    for segment in bind.routes.iter().flat_map(|r| &r.segments) {
        if let Stop::Port(i) = segment.stop
            && let Some(r) = routed.get_mut(i as usize)
        {
            *r = true;
        }
    }
    for (i, port) in bind.ports.iter().enumerate() {
        let routed = routed[i];
        let duplicate = bind.ports.iter().filter(|p| p.name == port.name).count() > 1;
        if !routed && !duplicate {
            out.push(
                Diagnostic::new(
                    codes::PORT_NEVER_ROUTED,
                    span(port.span),
                    format!("port `{}` is never routed to", port.name),
                )
                .label("no route reaches this port")
                .help(format!("route to it with a `(({}))` stop", port.name)),
            );
        }
    }
}

fn grants(bind: &Bind, out: &mut Vec<Diagnostic>) {
    for g in bind.all_grants() {
        let unrooted = |s: &Option<SelectorPattern>| {
            s.as_ref().is_some_and(|s| match s.parts.as_slice() {
                [SelectorPart::Many, ..] => true,
                [
                    SelectorPart::One,
                    SelectorPart::Literal(empty),
                    SelectorPart::Many,
                    ..,
                ] => empty.as_text() == Some(""),
                _ => false,
            })
        };
        // `**<User>` is wide, but not "everything": it names every resource of one kind.
        let kind = g.on.as_ref().and_then(|s| s.kind.clone());
        let (message, why) = match &g.kind {
            GrantKind::Super => (
                "this grant applies to everything".to_string(),
                "`super` grants every permission".to_string(),
            ),
            GrantKind::Priv(p) if p == "*" => (
                "this grant applies to everything".to_string(),
                "`priv *` grants every privilege".to_string(),
            ),
            _ if unrooted(&g.on) => match &kind {
                Some(k) => (
                    format!("this grant applies to every `{k}` anywhere"),
                    format!("an unrooted `**<{k}>` selects every resource of that kind"),
                ),
                None => (
                    "this grant applies to everything".to_string(),
                    "an unrooted `**` selects every resource".to_string(),
                ),
            },
            _ => continue,
        };
        out.push(
            Diagnostic::new(codes::GRANT_WIDENS_TO_EVERYTHING, span(g.span), message)
                .label(why)
                .help("root the selector in a context name, such as `${files}:**`"),
        );
    }
}

fn calls(bind: &Bind, out: &mut Vec<Diagnostic>) {
    for port in &bind.ports {
        for call in &port.calls {
            // The runtime denies a call unless the port's grants give the bit its method needs
            // on the target (`access::needed`). Without any grant that could give that bit the
            // call is always denied: said here, not when a guest first tries it. Only exact
            // methods are judged, and any grant with the bit counts whatever it is on, so this
            // never fires on a call that could be allowed.
            if let starlane_ir::MethodPattern::Exactly(method) = &call.methods {
                let needed = starlane_routing::access::needed(method);
                if !port_may_give(bind, &port.grants, needed, true) {
                    out.push(
                        Diagnostic::new(
                            codes::CALL_NEVER_GRANTED,
                            span(call.span),
                            format!(
                                "this call is always denied: no grant of port `{}` gives `{}`",
                                port.name,
                                needed.letter()
                            ),
                        )
                        .label(format!(
                            "{method} needs `{}` on its target",
                            needed.letter()
                        ))
                        .help(format!(
                            "grant it on the target, such as `grant perm +csd-{} on …;`",
                            mask_with(needed)
                        )),
                    );
                }
            }
            let through_context = matches!(
                call.selector.parts.first(),
                Some(SelectorPart::Literal(t) | SelectorPart::Inclusive(t))
                    if matches!(t.parts().first(), Some(Part::Var(Var::Name(_))))
            );
            if !through_context {
                out.push(
                    Diagnostic::new(codes::CALL_OUTSIDE_REQUIRES, span(call.span), "this call names a literal address")
                        .label("not through a `Requires` context name")
                        .help("declare the target in `Requires` and call `${name}:…`, so it is bound and checked at load"),
                );
            }
        }
    }
}

/// Whether any of `grants` could give `needed` on some target. A role's grants are followed one
/// level, as the runtime compiles them (a role inside a role gives nothing).
fn port_may_give(
    bind: &Bind,
    grants: &[starlane_ir::Grant],
    needed: starlane_routing::access::Bits,
    follow_roles: bool,
) -> bool {
    grants.iter().any(|g| match &g.kind {
        GrantKind::Super => true,
        GrantKind::Perm { bits, and: false } => {
            starlane_routing::access::Bits(*bits).contains(needed)
        }
        GrantKind::Role(name) if follow_roles => bind
            .roles
            .iter()
            .filter(|r| &r.name == name)
            .any(|r| port_may_give(bind, &r.grants, needed, false)),
        _ => false,
    })
}

/// `Rwx`, `rWx` or `rwX`: the lower half of a mask with `needed` upper case.
fn mask_with(needed: starlane_routing::access::Bits) -> String {
    use starlane_routing::access::Bits;
    [(Bits::R, 'r'), (Bits::W, 'w'), (Bits::X, 'x')]
        .iter()
        .map(|(bit, c)| {
            if *bit == needed {
                c.to_ascii_uppercase()
            } else {
                *c
            }
        })
        .collect()
}

/// A step's payload kind that contradicts the port it feeds (e.g. `-[ Text ]-> ((upload))` where
/// `upload` takes `Bin`). Only plain kinds are compared: no false positives.
fn payload_mismatches(
    bind: &Bind,
    patterns: &[starlane_ir::PayloadPattern],
    out: &mut Vec<Diagnostic>,
) {
    let kind_of = |id: Option<u32>| -> Option<starlane_ir::PayloadKind> {
        match &patterns.get(id? as usize)?.shape {
            Shape::Kind(k) => Some(*k),
            _ => None,
        }
    };
    for route in &bind.routes {
        for (i, seg) in route.segments.iter().enumerate() {
            let Stop::Port(p) = seg.stop else { continue };
            let Some(port) = bind.ports.get(p as usize) else {
                continue;
            };
            if let (Some(step), Some(want)) = (
                kind_of(seg.payload),
                kind_of(port.request.map(|c| c.pattern)),
            ) && step != want
            {
                out.push(
                    Diagnostic::new(
                        codes::PAYLOAD_MISMATCH,
                        span(seg.span),
                        format!(
                            "this step passes `{step}` but port `{}` takes `{want}`",
                            port.name
                        ),
                    )
                    .label("no payload can pass both checks")
                    .secondary(span(port.span), "the port is declared here"),
                );
            }
            if let (Some(next), Some(gives)) = (
                route.segments.get(i + 1).and_then(|n| kind_of(n.payload)),
                kind_of(port.response.map(|c| c.pattern)),
            ) && next != gives
            {
                out.push(
                    Diagnostic::new(
                        codes::PAYLOAD_MISMATCH,
                        span(route.segments[i + 1].span),
                        format!(
                            "this step expects `{next}` but port `{}` answers `{gives}`",
                            port.name
                        ),
                    )
                    .label("no response can pass both checks")
                    .secondary(span(port.span), "the port is declared here"),
                );
            }
        }
    }
}
