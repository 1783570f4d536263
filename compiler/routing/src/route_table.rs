//! The routes of one bind, compiled once: first match in document order on kind, method and the
//! whole (percent-decoded, query-less) path.

use std::sync::Arc;

use regex_automata::Input;
use regex_automata::meta::Regex;
use regex_automata::util::primitives::NonMaxUsize;
use smallvec::SmallVec;
use starlane_ir::{Kind, Method, MethodPattern, PathPattern, Route};
use starlane_model::template::Var;

/// One capture group's text: reached as `${N}` by its 1-based number, and as `${name}` when
/// the group has a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub number: usize,
    /// Shared with the route's compiled regex: a match copies no name.
    pub name: Option<Arc<str>>,
    pub value: String,
}

/// A matched route and its captures, in group order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub route: usize,
    pub captures: Vec<Capture>,
}

impl RouteMatch {
    /// A capture by name (`id`) or number (`1`).
    pub fn capture(&self, name: &str) -> Option<&str> {
        let var = match name.parse() {
            Ok(n) => Var::Capture(n),
            Err(_) => Var::Name(name.into()),
        };
        crate::substitute::capture(&self.captures, &var)
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
    methods: MethodPattern,
    path: PathRule,
}

/// How a route's path is matched: the compiler marked paths without regex syntax (most routes)
/// to be compared as text; a regex is compiled once, here.
enum PathRule {
    Any,
    Exact(String),
    /// The regex, and its groups' names (group 0 first) made once.
    Regex(Regex, Vec<Option<Arc<str>>>),
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
                let path = match &r.path {
                    PathPattern::Any => PathRule::Any,
                    PathPattern::Exact(text) => PathRule::Exact(text.clone()),
                    PathPattern::Regex { regex: text, .. } => {
                        match Regex::new(&format!("^(?:{text})$")) {
                            Ok(re) => {
                                let names = re
                                    .group_info()
                                    .pattern_names(regex_automata::PatternID::ZERO)
                                    .map(|n| n.map(Arc::from))
                                    .collect();
                                PathRule::Regex(re, names)
                            }
                            Err(e) => {
                                let message = e.to_string();
                                bad.push(BadRoute {
                                    route: i,
                                    message: message.clone(),
                                });
                                PathRule::Bad(message)
                            }
                        }
                    }
                };
                Compiled {
                    methods: r.methods.clone(),
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
    pub fn find(&self, method: &Method, path: &str) -> Option<RouteMatch> {
        (0..self.routes.len()).find_map(|i| match self.judge(i, method, path) {
            Verdict::Matched(captures) => Some(RouteMatch { route: i, captures }),
            _ => None,
        })
    }

    /// The methods of `kind` that routes take for `path`, in document order: when no route
    /// matches a message, these are the methods that would have (an HTTP 405's `Allow`). Only
    /// routes naming one method count; a route taking every method of the kind would have
    /// matched.
    pub fn methods_for_path(&self, kind: Kind, path: &str) -> Vec<Method> {
        let mut methods: Vec<Method> = Vec::new();
        for (i, route) in self.routes.iter().enumerate() {
            let MethodPattern::Exactly(method) = &route.methods else {
                continue;
            };
            if method.kind() == kind
                && !methods.contains(method)
                && matches!(self.judge(i, method, path), Verdict::Matched(_))
            {
                methods.push(method.clone());
            }
        }
        methods
    }

    /// Whether route `i` matches, and if not, why.
    pub fn judge(&self, i: usize, method: &Method, path: &str) -> Verdict {
        let Some(route) = self.routes.get(i) else {
            return Verdict::WrongKind;
        };
        if !route.methods.takes_kind(method.kind()) {
            return Verdict::WrongKind;
        }
        if !route.methods.matches(method) {
            return Verdict::WrongMethod;
        }
        let (regex, names) = match &route.path {
            PathRule::Any => return Verdict::Matched(Vec::new()),
            PathRule::Exact(text) if text == path => return Verdict::Matched(Vec::new()),
            PathRule::Exact(_) => return Verdict::PathMismatch,
            PathRule::Regex(re, names) => (re, names),
            PathRule::Bad(e) => return Verdict::BadRegex(e.clone()),
        };
        // The groups' spans go into slots on the stack: a match allocates only what it keeps.
        let mut slots: SmallVec<[Option<NonMaxUsize>; 8]> =
            smallvec::smallvec![None; regex.group_info().slot_len()];
        if regex.search_slots(&Input::new(path), &mut slots).is_none() {
            return Verdict::PathMismatch;
        }
        let group = |i: usize| match (slots[2 * i], slots[2 * i + 1]) {
            (Some(start), Some(end)) => &path[start.get()..end.get()],
            _ => "",
        };
        let out = names
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, name)| Capture {
                number: i,
                name: name.clone(),
                value: group(i).to_string(),
            })
            .collect();
        Verdict::Matched(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(kind: &str, method: &str, regex: Option<&str>) -> Route {
        Route {
            methods: MethodPattern::new(kind, method).unwrap(),
            path: match regex {
                None => PathPattern::Any,
                Some(r) => PathPattern::Regex {
                    regex: r.to_string(),
                    captures: vec![],
                },
            },
            filters: vec![],
            segments: vec![],
            span: Default::default(),
        }
    }

    fn m(kind: &str, method: &str) -> Method {
        Method::new(starlane_ir::Kind::parse(kind).unwrap(), method).unwrap()
    }

    #[test]
    fn first_whole_path_match_wins_with_numbered_and_named_captures() {
        let (table, bad) = RouteTable::new(&[
            route("Http", "Post", None),
            route("Http", "Get", Some("/users/(?P<id>[^/]+)/(.*)")),
            route("*", "*", None),
        ]);
        assert!(bad.is_empty());
        let get = m("Http", "Get");
        let found = table.find(&get, "/users/42/x/y").unwrap();
        assert_eq!(found.route, 1);
        assert_eq!(found.capture("id"), Some("42"));
        assert_eq!(found.capture("1"), Some("42"));
        assert_eq!(found.capture("2"), Some("x/y"));
        // The regex must match the whole path: a prefix is not enough.
        assert_eq!(table.find(&get, "/users").unwrap().route, 2);
        assert_eq!(table.judge(1, &get, "/nope"), Verdict::PathMismatch);
        assert_eq!(table.judge(0, &m("Ext", "Post"), "/"), Verdict::WrongKind);
        assert_eq!(table.judge(0, &get, "/"), Verdict::WrongMethod);
    }

    #[test]
    fn the_methods_a_path_is_routed_for() {
        let (table, _) = RouteTable::new(&[
            route("Http", "Post", Some("/profile")),
            route("Http", "Get", Some("/files/(.*)")),
            route("Http", "Put", Some("/profile")),
            route("Http", "Post", Some("/pro.*")),
            route("Ext", "Save", None),
        ]);
        assert_eq!(
            table.methods_for_path(Kind::Http, "/profile"),
            vec![m("Http", "Post"), m("Http", "Put")]
        );
        assert_eq!(table.methods_for_path(Kind::Http, "/nowhere"), vec![]);
        assert_eq!(
            table.methods_for_path(Kind::Ext, "/profile"),
            vec![m("Ext", "Save")]
        );
    }

    #[test]
    fn a_regex_that_does_not_compile_is_reported_and_never_matches() {
        let (table, bad) =
            RouteTable::new(&[route("Http", "Get", Some("(")), route("Http", "Get", None)]);
        assert_eq!(bad.len(), 1);
        assert_eq!(table.find(&m("Http", "Get"), "/").unwrap().route, 1);
    }

    proptest::proptest! {
        /// The routing match and the `regex` crate (which the checker and every reader of the
        /// language know) agree on whether a path matches and on every group's text, unmatched
        /// optional groups and non-ASCII paths included.
        #[test]
        fn routing_captures_agree_with_the_regex_crate(
            pattern in proptest::sample::select(vec![
                "/users/(?P<id>[^/]+)/(.*)",
                "/(a|(?P<b>b+))?(?P<rest>/.*)?",
                "/(\\d+)-(?P<name>\\w*)",
                "/é(x)?",
                ".*",
            ]),
            path in "/[a-bé/0-9x-]{0,8}",
        ) {
            let (table, bad) = RouteTable::new(&[route("Http", "Get", Some(pattern))]);
            proptest::prop_assert!(bad.is_empty());
            let reference = regex::Regex::new(&format!("^(?:{pattern})$")).unwrap();
            let expected = reference.captures(&path).map(|caps| {
                reference
                    .capture_names()
                    .enumerate()
                    .skip(1)
                    .map(|(i, name)| Capture {
                        number: i,
                        name: name.map(Arc::from),
                        value: caps.get(i).map_or("", |m| m.as_str()).to_string(),
                    })
                    .collect::<Vec<_>>()
            });
            let got = match table.judge(0, &m("Http", "Get"), &path) {
                Verdict::Matched(captures) => Some(captures),
                _ => None,
            };
            proptest::prop_assert_eq!(got, expected);
        }
    }
}
