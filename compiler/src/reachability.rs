//! Which routes can never be reached: a route is blocked by the first earlier route of its
//! (kind, method) group, or of a wildcard group over it, that matches every path it matches
//! (language.md §6, `W0xxx` unreachable route). The semantic checks report what this module
//! finds ([`crate::sema`]).
//!
//! Two ways to the same answer: [`blockers`], an indexed pass over every route (time linear in
//! the number of routes), and [`ReachMemo`], which the language server keeps from one check to
//! the next: after an edit that changed a few routes it judges again only the routes the edit
//! can have changed (the edited ones, and the later ones an edited route covers or covered),
//! instead of every route of the document on every keystroke.

use std::hash::BuildHasher;
use std::ops::Range;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::FxHashMap as HashMap;
use starlane_ir::Route;

/// The (kind, method) group of a route, by name (`*` for any).
fn group(route: &Route) -> (&'static str, &str) {
    (
        route.methods.kind().map_or("*", |k| k.name()),
        route.methods.method_name(),
    )
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

/// Which earlier route blocks each route of `routes` (`None`: it can be reached). Indexed by
/// group and by regex, so each route is judged in time independent of how many came before it.
pub fn blockers(routes: &[Route]) -> Vec<Option<usize>> {
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
    routes
        .iter()
        .enumerate()
        .map(|(i, route)| {
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
            covers[own].add(routes, &probe, i);
            blocker
        })
        .collect()
}

/// Whether `earlier`, standing before `later`, matches every path `later` matches: the rule
/// [`blockers`] indexes, stated route against route (for the few pairs [`ReachMemo`] judges).
fn covers(earlier: &Route, later: &Route) -> bool {
    Earlier::of(earlier).covers(group(later), later.path.text())
}

/// What [`covers`] needs of the earlier route of a pair, worked out once for the many later
/// routes it is compared with.
struct Earlier<'a> {
    group: (&'static str, &'a str),
    /// Whether `group` names every kind or every method, and its hash otherwise: a later route
    /// of another group hash is not covered.
    any_group: bool,
    group_hash: u64,
    regex: Option<&'a str>,
    prefix: &'a str,
    anything: bool,
}

impl<'a> Earlier<'a> {
    fn of(route: &'a Route) -> Self {
        let regex = route.path.text();
        let (prefix, anything) = regex.map_or(("", false), literal_prefix);
        let (kind, method) = group(route);
        Earlier {
            group: (kind, method),
            any_group: kind == "*" || method == "*",
            group_hash: group_hash((kind, method)),
            regex,
            prefix,
            anything,
        }
    }

    /// Whether this route covers a later one of group `(lk, lm)` and regex `later`.
    fn covers(&self, (lk, lm): (&str, &str), later: Option<&str>) -> bool {
        let (ek, em) = self.group;
        if !((ek == lk || ek == "*") && (em == lm || em == "*")) {
            return false;
        }
        let Some(e) = self.regex else {
            return true;
        };
        // A regex starting with `prefix`, which has no metacharacter, has a literal prefix
        // that starts with it.
        later == Some(e)
            || (self.anything && self.prefix.is_empty())
            || (self.anything
                && later.is_some_and(|l| l.starts_with(self.prefix) && !l.contains('|')))
    }
}

/// The blockers of the last check's routes, and a fingerprint of each route's group and path
/// (all its blocker depends on): kept by the language server's checker, so the next check
/// judges again only what its edit can have changed.
#[derive(Default)]
pub struct ReachMemo {
    prints: Vec<Fingerprint>,
    blockers: Vec<Option<usize>>,
    /// The fingerprints of the routes the next call is given, when the caller knows them
    /// ([`ReachMemo::expect`]).
    expected: Vec<Fingerprint>,
}

/// Two independent 64-bit hashes of a route's group and path: the memo takes routes with equal
/// fingerprints for equal routes (as rustc's incremental compilation does with its 128-bit
/// fingerprints); a collision of both is not to be expected in any document. And a hash of the
/// group alone, so most pairs of routes are told apart without reading either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    route: (u64, u64),
    group: u64,
}

/// The fingerprint of `route`.
pub fn fingerprint(route: &Route) -> Fingerprint {
    let key = (group(route), route.path.text());
    Fingerprint {
        route: (
            rustc_hash::FxBuildHasher.hash_one(key),
            foldhash::quality::FixedState::with_seed(0x5374_6172_6c61_6e65).hash_one(key),
        ),
        group: group_hash(key.0),
    }
}

fn group_hash(group: (&str, &str)) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(group)
}

/// At most this many routes may have changed (and, apart, this many later routes have lost the
/// route that blocked them) for the memo to judge them alone: each is compared with every
/// route, so beyond this the indexed pass is cheaper.
const MOST_JUDGED_ALONE: usize = 8;

impl ReachMemo {
    /// [`blockers`] of `routes`, worked out from the last call's where they stayed the same.
    pub fn blockers(&mut self, routes: &[Route]) -> &[Option<usize>] {
        let expected = std::mem::take(&mut self.expected);
        let prints: Vec<Fingerprint> = if expected.len() == routes.len() {
            expected
        } else {
            routes.iter().map(fingerprint).collect()
        };
        self.blockers = self
            .updated(routes, &prints)
            .unwrap_or_else(|| blockers(routes));
        self.prints = prints;
        &self.blockers
    }

    /// Tells the next [`ReachMemo::blockers`] the fingerprints of the routes it will be given
    /// (in order): the incremental checker keeps them with each remembered lowering, so a check
    /// need not read every route's path again. Used by that call only.
    pub fn expect(&mut self, prints: Vec<Fingerprint>) {
        self.expected = prints;
    }

    /// The blockers of `routes` (whose fingerprints are `prints`) from the last call's, or
    /// `None` when too much changed for that to pay.
    ///
    /// The edit replaced the routes between an unchanged head and an unchanged tail. A head
    /// route's blocker stands before it, so it is unchanged. A replaced route is judged alone. A
    /// tail route keeps a blocker in the head (none after it can be earlier), or takes the first
    /// replaced route that covers it, else keeps what it had (a tail route, moved, or none);
    /// only one whose blocker was replaced is judged alone again.
    fn updated(&self, routes: &[Route], prints: &[Fingerprint]) -> Option<Vec<Option<usize>>> {
        let (old, new) = (self.prints.len(), prints.len());
        if old == 0 {
            return None;
        }
        let head = self
            .prints
            .iter()
            .zip(prints)
            .take_while(|(a, b)| a == b)
            .count();
        let tail = self.prints[head..]
            .iter()
            .rev()
            .zip(prints[head..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let replaced: Range<usize> = head..new - tail;
        if replaced.len() > MOST_JUDGED_ALONE {
            return None;
        }
        let old_tail = old - tail;
        let replacements: Vec<Earlier> = routes[replaced.clone()].iter().map(Earlier::of).collect();
        let mut judged_alone: Vec<usize> = Vec::new();
        let mut out: Vec<Option<usize>> = Vec::with_capacity(new);
        out.extend_from_slice(&self.blockers[..head]);
        out.resize(replaced.end, None);
        let tail_routes = routes.iter().zip(prints).enumerate().skip(replaced.end);
        for ((i, (route, print)), &was) in tail_routes.zip(&self.blockers[old_tail..]) {
            let had = match was {
                Some(j) if j < head => {
                    out.push(Some(j));
                    continue;
                }
                Some(j) if j >= old_tail => Some(j + new - old),
                Some(_) => {
                    judged_alone.push(i);
                    if judged_alone.len() > MOST_JUDGED_ALONE {
                        return None;
                    }
                    out.push(None);
                    continue;
                }
                None => None,
            };
            let by_replaced = replacements
                .iter()
                .position(|earlier| {
                    (earlier.any_group || earlier.group_hash == print.group)
                        && earlier.covers(group(route), route.path.text())
                })
                .map(|k| replaced.start + k);
            out.push(by_replaced.or(had));
        }
        for i in replaced.chain(judged_alone) {
            out[i] = (0..i).find(|&j| covers(&routes[j], &routes[i]));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use starlane_ir::{PathPattern, SourceSpan};

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

    const METHODS: [&str; 5] = ["Http/Get", "Http/Post", "Http/*", "*", "Ext/Save"];
    const PATHS: [Option<&str>; 12] = [
        None,
        Some("/a/(.*)"),
        Some("/a/b"),
        Some("/a/b/(.*)"),
        Some("/a/(.*)|/c"),
        Some("/(.*)"),
        Some("/a/b/c"),
        Some("/c/(?P<x>.*)"),
        Some("/c/d"),
        Some(".*"),
        Some("/a/(?P<id>[^/]+)"),
        Some("/ab/(.*)"),
    ];

    fn routes_of(picks: &[(usize, usize)]) -> Vec<Route> {
        picks
            .iter()
            .enumerate()
            .map(|(i, &(m, p))| route(METHODS[m], PATHS[p], i as u32))
            .collect()
    }

    fn picks(most: usize) -> impl proptest::strategy::Strategy<Value = Vec<(usize, usize)>> {
        proptest::collection::vec((0..5usize, 0..12usize), 0..most)
    }

    proptest::proptest! {
        #[test]
        fn the_indexed_pass_finds_what_the_definition_does(picks in picks(40)) {
            let routes = routes_of(&picks);
            proptest::prop_assert_eq!(blockers(&routes), blockers_by_definition(&routes));
        }

        /// Edit after edit (a run of routes replaced by another, often of one route), the memo
        /// finds what the definition does, whether it judged routes alone or fell back.
        #[test]
        fn the_memo_finds_what_the_definition_does(
            first in picks(60),
            edits in proptest::collection::vec((0..60usize, 0..4usize, picks(12)), 1..12),
        ) {
            let mut memo = ReachMemo::default();
            let mut now = first;
            let routes = routes_of(&now);
            proptest::prop_assert_eq!(memo.blockers(&routes), &blockers_by_definition(&routes)[..]);
            for (at, removed, inserted) in edits {
                let at = at.min(now.len());
                let removed = removed.min(now.len() - at);
                now.splice(at..at + removed, inserted);
                let routes = routes_of(&now);
                proptest::prop_assert_eq!(
                    memo.blockers(&routes),
                    &blockers_by_definition(&routes)[..]
                );
            }
        }
    }

    /// The case the memo is for: one route of thousands edited, and the edited route blocking
    /// some later routes, then no longer.
    #[test]
    fn one_edited_route_is_judged_with_the_routes_it_covers() {
        let mut picks: Vec<(usize, usize)> = (0..2_000).map(|i| (i % 2, 2 + i % 7)).collect();
        let mut memo = ReachMemo::default();
        for edit in [(0, 5), (1, 6), (0, 1), (3, 0), (0, 2)] {
            picks[700] = edit;
            let routes = routes_of(&picks);
            assert_eq!(memo.blockers(&routes), &blockers_by_definition(&routes)[..]);
        }
    }
}
