//! Semantic checks over a lowered bind (language.md §6). They run even when the file has syntax
//! errors elsewhere: lowering skips only what did not parse.

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::FxHashMap as HashMap;

use starlane_ir::{
    Bind, GrantKind, PathPattern, Requirement, Route, SelectorPart, SelectorPattern, Shape,
    SourceSpan, Stop, Var,
};
use starlane_lang::{Diagnostic, Span};
use starlane_model::template::Part;

use crate::codes;
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

/// The (kind, method) group of a route, by name (`*` for any).
fn group(route: &Route) -> (&'static str, &str) {
    (
        route.methods.kind().map_or("*", |k| k.name()),
        route.methods.method_name(),
    )
}

/// Every semantic check of one lowered bind that looks beyond one route (a route's own are
/// made as it is lowered: [`route_variables`]).
pub fn check(bind: &Bind, src: &str, patterns: &[starlane_ir::PayloadPattern]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicates(bind, &mut out);
    roles(bind, &mut out);
    variables(bind, src, &mut out);
    unreachable_routes(bind, &mut out);
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

/// The literal prefix of a regex (up to its first metacharacter), and whether the whole regex is
/// that prefix followed by "anything" (`.*`, `(.*)`, `(?P<x>.*)`).
fn literal_prefix(regex: &str) -> (&str, bool) {
    // Every metacharacter is ASCII, so the first one's byte is a character boundary. A table,
    // not a `match`: this runs for every route on every edit in the language server.
    const META: [bool; 256] = {
        let mut table = [false; 256];
        let metas = b"\\.+*?()|[]{}^$";
        let mut i = 0;
        while i < metas.len() {
            table[metas[i] as usize] = true;
            i += 1;
        }
        table
    };
    let end = regex
        .bytes()
        .position(|b| META[b as usize])
        .unwrap_or(regex.len());
    let (prefix, rest) = regex.split_at(end);
    let rest_is_anything = matches!(rest, ".*" | "(.*)" | "(.*)$" | ".*$")
        || (rest.starts_with("(?P<")
            && rest.ends_with(">.*)")
            && !rest[4..rest.len() - 4].contains(|c: char| !c.is_alphanumeric() && c != '_'));
    (prefix, rest_is_anything)
}

/// What the cover checks need of one route's path, worked out once per route.
struct PathProbe<'a> {
    /// The regex (or exact path); `None` for a route with none, which matches every path.
    regex: Option<&'a str>,
    /// `regex`'s hash, shared by the lookup and the insertion.
    hash: u64,
    /// The literal prefix, and whether the regex is that prefix followed by "anything".
    prefix: &'a str,
    anything: bool,
}

fn hash_of(text: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(text)
}

impl<'a> PathProbe<'a> {
    fn new(route: &'a Route) -> Self {
        let regex = route.path.text();
        let (prefix, anything) = regex.map_or(("", false), literal_prefix);
        PathProbe {
            regex,
            hash: regex.map_or(0, hash_of),
            prefix,
            anything,
        }
    }
}

/// The regex (or exact path) of route `j`, as the cover tables compare it.
fn path_text(routes: &[Route], j: usize) -> &str {
    routes[j].path.text().unwrap_or("")
}

/// What earlier routes of one (kind, method) group cover, indexed so each later route is checked
/// in time independent of how many routes came before it (10,000-route binds stay fast). Tables
/// hold route indexes hashed by text, so each route's regex is hashed once (this pass runs on
/// every edit in the language server).
#[derive(Default)]
struct GroupCover {
    /// An earlier route with no regex (or a bare catch-all): covers everything.
    everything: Option<usize>,
    /// Earlier regexes, by text: an identical later regex is covered.
    exact: HashTable<usize>,
    /// Earlier "literal prefix, then anything" regexes, by prefix: (route, prefix length).
    prefixes: HashTable<(usize, usize)>,
    /// The lengths those prefixes have, sorted: a later route looks its own prefix up at these
    /// lengths only (a handful), not at every length (hashing O(length²) bytes per route).
    prefix_lengths: Vec<usize>,
}

impl GroupCover {
    fn find(&self, routes: &[Route], later: &PathProbe) -> Option<usize> {
        // The earliest cover is named: a catch-all, an identical regex and a prefix of it may
        // each have come first.
        let Some(regex) = later.regex else {
            return self.everything;
        };
        let text = |j| path_text(routes, j);
        let same = self.exact.find(later.hash, |&j| text(j) == regex).copied();
        let same = same.into_iter().chain(self.everything).min();
        if self.prefix_lengths.is_empty() || regex.contains('|') {
            return same;
        }
        // Its literal prefix is looked up cut at each length an earlier prefix has.
        let later_prefix = later.prefix;
        self.prefix_lengths
            .iter()
            .take_while(|&&end| end <= later_prefix.len())
            .filter(|&&end| later_prefix.is_char_boundary(end))
            .filter_map(|&end| {
                let cut = &later_prefix[..end];
                self.prefixes
                    .find(hash_of(cut), |&(j, len)| text(j).get(..len) == Some(cut))
                    .map(|&(j, _)| j)
            })
            .chain(same)
            .min()
    }

    fn add(&mut self, routes: &[Route], probe: &PathProbe, index: usize) {
        let Some(regex) = probe.regex else {
            self.everything.get_or_insert(index);
            return;
        };
        let text = |j| path_text(routes, j);
        let hash = |&j: &usize| hash_of(text(j));
        if let Entry::Vacant(slot) = self.exact.entry(probe.hash, |&j| text(j) == regex, hash) {
            slot.insert(index);
        }
        if probe.anything {
            let prefix = probe.prefix;
            if prefix.is_empty() {
                self.everything.get_or_insert(index);
                return;
            }
            let eq = |&(j, len): &(usize, usize)| text(j).get(..len) == Some(prefix);
            let rehash = |&(j, len): &(usize, usize)| hash_of(&text(j)[..len]);
            if let Entry::Vacant(slot) = self.prefixes.entry(hash_of(prefix), eq, rehash) {
                slot.insert((index, prefix.len()));
                if let Err(at) = self.prefix_lengths.binary_search(&prefix.len()) {
                    self.prefix_lengths.insert(at, prefix.len());
                }
            }
        }
    }
}

fn unreachable_routes(bind: &Bind, out: &mut Vec<Diagnostic>) {
    let routes = &bind.routes;
    // A later route is compared with its own (kind, method) group and the wildcard groups only.
    let mut group_index: HashMap<(&str, &str), usize> = HashMap::default();
    let mut sizes: Vec<usize> = Vec::new();
    let own_groups: Vec<usize> = routes
        .iter()
        .map(|route| {
            let next = sizes.len();
            let own = *group_index.entry(group(route)).or_insert(next);
            if own == next {
                sizes.push(0);
            }
            sizes[own] += 1;
            own
        })
        .collect();
    // Sized up front: growing a table hashes every regex in it again. A group's cover holds
    // only earlier routes, so one whose first route comes later is empty when looked up.
    let mut covers: Vec<GroupCover> = sizes
        .iter()
        .map(|&n| GroupCover {
            exact: HashTable::with_capacity(n),
            ..GroupCover::default()
        })
        .collect();
    // Whether any group of every method (`Kind<*>`) or of every kind (`*`) exists yet: most
    // binds have none, and then one lookup per route does instead of four.
    let (mut any_method_groups, mut any_kind_groups) = (false, false);
    for (i, route) in routes.iter().enumerate() {
        let (kind, method) = group(route);
        let own = own_groups[i];
        let wildcards = [
            any_method_groups.then_some((kind, "*")),
            any_kind_groups.then_some(("*", method)),
            any_kind_groups.then_some(("*", "*")),
        ];
        let probe = PathProbe::new(route);
        let blocker = wildcards
            .iter()
            .flatten()
            .filter_map(|key| group_index.get(key).copied())
            .chain([own])
            .filter_map(|g| covers[g].find(routes, &probe))
            .min();
        any_method_groups |= method == "*";
        any_kind_groups |= kind == "*";
        if let Some(j) = blocker {
            let first = &bind.routes[j];
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
        covers[own].add(routes, &probe, i);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("/(.*)"), ("/", true));
        assert_eq!(literal_prefix("/app/(.*)"), ("/app/", true));
        assert_eq!(literal_prefix("/index.html"), ("/index", false));
        assert_eq!(literal_prefix("/users/(?P<user>.*)"), ("/users/", true));
    }

    /// What `unreachable_routes` decides, written the obvious quadratic way: route `i` is
    /// blocked by the first earlier route of its group (or a wildcard group over it) that
    /// matches every path it matches.
    fn blockers_by_definition(routes: &[Route]) -> Vec<Option<usize>> {
        let covers = |earlier: &Route, later: &Route| {
            let (ek, em) = group(earlier);
            let (lk, lm) = group(later);
            let same_group = (ek == lk || ek == "*") && (em == lm || em == "*");
            let Some(e) = earlier.path.text() else {
                return same_group;
            };
            let (prefix, anything) = literal_prefix(e);
            same_group
                && (later.path.text() == Some(e)
                    || (anything && prefix.is_empty())
                    || (anything
                        && later.path.text().is_some_and(|l| {
                            !l.contains('|') && literal_prefix(l).0.starts_with(prefix)
                        })))
        };
        (0..routes.len())
            .map(|i| (0..i).find(|&j| covers(&routes[j], &routes[i])))
            .collect()
    }

    fn route(methods: &str, path: Option<&str>, at: u32) -> Route {
        let (kind, method) = methods.split_once('/').unwrap_or(("*", "*"));
        Route {
            methods: starlane_ir::MethodPattern::new(kind, method).unwrap(),
            path: match path {
                None => PathPattern::Any,
                Some(p) => PathPattern::Regex {
                    regex: p.to_string(),
                    captures: vec![],
                },
            },
            filters: vec![],
            segments: vec![],
            span: SourceSpan {
                source: 0,
                start: at,
                end: at + 1,
            },
        }
    }

    proptest::proptest! {
        #[test]
        fn the_indexed_pass_finds_what_the_definition_does(
            picks in proptest::collection::vec((0..5usize, 0..12usize), 0..40)
        ) {
            const METHODS: [&str; 5] = ["Http/Get", "Http/Post", "Http/*", "*", "Ext/Save"];
            const PATHS: [Option<&str>; 12] = [
                None, Some("/a/(.*)"), Some("/a/b"), Some("/a/b/(.*)"), Some("/a/(.*)|/c"),
                Some("/(.*)"), Some("/a/b/c"), Some("/c/(?P<x>.*)"), Some("/c/d"), Some(".*"),
                Some("/a/(?P<id>[^/]+)"), Some("/ab/(.*)"),
            ];
            let routes: Vec<Route> = picks
                .iter()
                .enumerate()
                .map(|(i, &(m, p))| route(METHODS[m], PATHS[p], i as u32))
                .collect();
            let bind = Bind { routes, ..Default::default() };
            let mut found = Vec::new();
            unreachable_routes(&bind, &mut found);
            let expected: Vec<(usize, usize)> = blockers_by_definition(&bind.routes)
                .into_iter()
                .enumerate()
                .filter_map(|(i, j)| Some((i, j?)))
                .collect();
            let found: Vec<(usize, usize)> = found
                .iter()
                .map(|d| (d.primary.span.start, d.secondary[0].span.start))
                .collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
