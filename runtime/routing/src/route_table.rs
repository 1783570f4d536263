//! The routes of one bind, compiled once: first match in document order on kind, method and the
//! whole (percent-decoded, query-less) path.

use regex::Regex;
use starlane_ir::Route;

/// One capture group's text: reached as `${N}` by its 1-based number, and as `${name}` when
/// the group has a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub number: usize,
    pub name: Option<String>,
    pub value: String,
}

/// A matched route and its captures, in group order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub route: usize,
    pub captures: Vec<Capture>,
}

/// A capture by name or number.
pub fn capture<'a>(captures: &'a [Capture], name: &str) -> Option<&'a str> {
    captures
        .iter()
        .find(|c| c.name.as_deref() == Some(name) || name.parse() == Ok(c.number))
        .map(|c| c.value.as_str())
}

impl RouteMatch {
    /// A capture by name or number.
    pub fn capture(&self, name: &str) -> Option<&str> {
        capture(&self.captures, name)
    }
}

/// Why a route did or did not match (for `starlane route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Matched(Vec<Capture>),
    WrongKind,
    WrongMethod,
    PathMismatch,
    BadRegex(String),
}

struct Compiled {
    kind: String,
    method: String,
    path: PathRule,
}

/// How a route's path is matched: a path without regex syntax is compared as text (most
/// routes are; compiling a regex for each costs more at load than all their matching).
enum PathRule {
    Any,
    Exact(String),
    Regex(Regex),
    Bad(String),
}

pub struct RouteTable {
    routes: Vec<Compiled>,
}

/// A route whose regex does not compile (impossible for bundles from `starlane build`, which
/// checks every regex; possible for hand-made ones). Such a route never matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRoute {
    pub route: usize,
    pub message: String,
}

impl RouteTable {
    pub fn new(routes: &[Route]) -> (RouteTable, Vec<BadRoute>) {
        let mut bad = Vec::new();
        let routes = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let path = match &r.path_regex {
                    None => PathRule::Any,
                    Some(text) if regex::escape(text) == *text => PathRule::Exact(text.clone()),
                    Some(text) => match Regex::new(&format!("^(?:{text})$")) {
                        Ok(re) => PathRule::Regex(re),
                        Err(e) => {
                            let message = e.to_string();
                            bad.push(BadRoute {
                                route: i,
                                message: message.clone(),
                            });
                            PathRule::Bad(message)
                        }
                    },
                };
                Compiled {
                    kind: r.kind.clone(),
                    method: r.method.clone(),
                    path,
                }
            })
            .collect();
        (RouteTable { routes }, bad)
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The first route that matches; routing ignores filters (they run after selection).
    pub fn find(&self, kind: &str, method: &str, path: &str) -> Option<RouteMatch> {
        (0..self.routes.len()).find_map(|i| match self.judge(i, kind, method, path) {
            Verdict::Matched(captures) => Some(RouteMatch { route: i, captures }),
            _ => None,
        })
    }

    /// Whether route `i` matches, and if not, why.
    pub fn judge(&self, i: usize, kind: &str, method: &str, path: &str) -> Verdict {
        let Some(route) = self.routes.get(i) else {
            return Verdict::WrongKind;
        };
        if route.kind != "*" && route.kind != kind {
            return Verdict::WrongKind;
        }
        if route.method != "*" && route.method != method {
            return Verdict::WrongMethod;
        }
        let regex = match &route.path {
            PathRule::Any => return Verdict::Matched(Vec::new()),
            PathRule::Exact(text) if text == path => return Verdict::Matched(Vec::new()),
            PathRule::Exact(_) => return Verdict::PathMismatch,
            PathRule::Regex(re) => re,
            PathRule::Bad(e) => return Verdict::BadRegex(e.clone()),
        };
        let Some(caps) = regex.captures(path) else {
            return Verdict::PathMismatch;
        };
        let out = regex
            .capture_names()
            .enumerate()
            .skip(1)
            .map(|(i, name)| Capture {
                number: i,
                name: name.map(str::to_string),
                value: caps.get(i).map_or("", |m| m.as_str()).to_string(),
            })
            .collect();
        Verdict::Matched(out)
    }
}

/// `Http<Get>` → ("Http", "Get").
pub fn parse_message_kind(text: &str) -> Option<(&str, &str)> {
    let (kind, rest) = text.split_once('<')?;
    let method = rest.strip_suffix('>')?;
    (!kind.is_empty() && !method.is_empty()).then_some((kind, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(kind: &str, method: &str, regex: Option<&str>) -> Route {
        Route {
            kind: kind.into(),
            method: method.into(),
            path_regex: regex.map(str::to_string),
            captures: vec![],
            filters: vec![],
            segments: vec![],
            span: Default::default(),
        }
    }

    #[test]
    fn first_whole_path_match_wins_with_numbered_and_named_captures() {
        let (table, bad) = RouteTable::new(&[
            route("Http", "Post", None),
            route("Http", "Get", Some("/users/(?P<id>[^/]+)/(.*)")),
            route("*", "*", None),
        ]);
        assert!(bad.is_empty());
        let m = table.find("Http", "Get", "/users/42/x/y").unwrap();
        assert_eq!(m.route, 1);
        assert_eq!(m.capture("id"), Some("42"));
        assert_eq!(m.capture("1"), Some("42"));
        assert_eq!(m.capture("2"), Some("x/y"));
        // The regex must match the whole path: a prefix is not enough.
        assert_eq!(table.find("Http", "Get", "/users").unwrap().route, 2);
        assert_eq!(
            table.judge(1, "Http", "Get", "/nope"),
            Verdict::PathMismatch
        );
        assert_eq!(table.judge(0, "Ext", "Post", "/"), Verdict::WrongKind);
    }

    #[test]
    fn a_regex_that_does_not_compile_is_reported_and_never_matches() {
        let (table, bad) =
            RouteTable::new(&[route("Http", "Get", Some("(")), route("Http", "Get", None)]);
        assert_eq!(bad.len(), 1);
        assert_eq!(table.find("Http", "Get", "/").unwrap().route, 1);
    }

    #[test]
    fn message_kinds_parse() {
        assert_eq!(parse_message_kind("Ext<Hello>"), Some(("Ext", "Hello")));
        assert_eq!(parse_message_kind("Ext"), None);
        assert_eq!(parse_message_kind("<x>"), None);
    }
}
