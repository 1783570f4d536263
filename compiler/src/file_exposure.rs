//! Lint `guarded-file-exposed` (W0105): a bundle file that a filtered route (`(auth)`) serves is
//! also served, without the filter, by another route of the same bind — say a catch-all
//! `<Get>/files/(.*) -> ${doc.bundle}:/html/${1}` beside `<Get>(auth)/private ->
//! ${doc.bundle}:/html/private.html`. The bundle's files are known at build time, so each file a
//! guarded route serves is tried against every unguarded file route: the capture groups its
//! template uses stand for exactly what the route's regex lets them match.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use starlane_ir::{Bind, Filter, PathPattern, Route, Stop};
use starlane_lang::Diagnostic;
use starlane_model::template::{Part, Template, Var};

use crate::codes;

/// The files a route can serve from the bundle: one file, or the pattern of bundle paths its
/// template can name (compiled only when a guarded route makes the question arise).
enum Served {
    File(String),
    Pattern(String),
}

/// Compiled patterns, each once: generated binds repeat the same file template on thousands of
/// routes, and a regex takes tens of microseconds to build.
#[derive(Default)]
struct Matchers(HashMap<String, Option<Regex>>);

impl Matchers {
    fn serves(&mut self, served: &Served, file: &str) -> bool {
        match served {
            Served::File(f) => f == file,
            Served::Pattern(pattern) => {
                // Looked up by reference: the key is copied only the first time.
                if !self.0.contains_key(pattern) {
                    self.0.insert(pattern.clone(), Regex::new(pattern).ok());
                }
                self.0[pattern].as_ref().is_some_and(|re| re.is_match(file))
            }
        }
    }
}

/// The sub-regex of capture group `n` (1-based) of `regex`, if it has one.
fn group_regex(regex: &str, n: usize) -> Option<String> {
    fn find(hir: &regex_syntax::hir::Hir, n: u32) -> Option<String> {
        use regex_syntax::hir::HirKind;
        match hir.kind() {
            HirKind::Capture(c) if c.index == n => Some(c.sub.to_string()),
            HirKind::Capture(c) => find(&c.sub, n),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().find_map(|h| find(h, n)),
            HirKind::Repetition(r) => find(&r.sub, n),
            _ => None,
        }
    }
    let hir = regex_syntax::Parser::new().parse(regex).ok()?;
    find(&hir, n as u32)
}

/// What the bundle-file template `file` (after `${doc.bundle}`) can name, given the route.
fn served(route: &Route, file: &Template) -> Option<Served> {
    if let Some(text) = file.as_text() {
        return Some(Served::File(text.strip_prefix(":/")?.to_string()));
    }
    let (regex, captures) = match &route.path {
        PathPattern::Regex { regex, captures } => (regex.as_str(), captures.as_slice()),
        _ => ("", &[][..]),
    };
    let mut pattern = String::from("^");
    for part in file.parts() {
        match part {
            Part::Text(t) => pattern.push_str(&regex::escape(t)),
            Part::Var(var) => {
                let group = match var {
                    Var::Capture(n) => Some(*n as usize),
                    Var::Name(name) => captures.iter().position(|c| **c == **name).map(|i| i + 1),
                    Var::DocBundle => None,
                };
                let sub = group.and_then(|n| group_regex(regex, n));
                pattern.push_str(&format!("(?:{})", sub.as_deref().unwrap_or(".*")));
            }
        }
    }
    pattern.push('$');
    let pattern = pattern.strip_prefix("^:/").map(|p| format!("^{p}"))?;
    Some(Served::Pattern(pattern))
}

/// A stop that serves bundle files: whether its route needs `(auth)`, where it stands, and
/// what it serves.
struct FileStop {
    guarded: bool,
    span: std::ops::Range<usize>,
    served: Served,
}

fn file_stops(bind: &Bind) -> Vec<FileStop> {
    let mut out = Vec::new();
    for route in &bind.routes {
        let guarded = route.filters.iter().any(|f| matches!(f, Filter::Auth));
        for seg in &route.segments {
            if let Stop::Point(point) = &seg.stop
                && let Some(file) = point.bundle_file()
                && let Some(served) = served(route, &file)
            {
                out.push(FileStop {
                    guarded,
                    span: seg.span.start as usize..seg.span.end as usize,
                    served,
                });
            }
        }
    }
    out
}

pub fn check(bind: &Bind, files: &BTreeMap<String, Vec<u8>>) -> Vec<Diagnostic> {
    let stops = file_stops(bind);
    let (guards, open): (Vec<&FileStop>, Vec<&FileStop>) = stops.iter().partition(|s| s.guarded);
    let mut matchers = Matchers::default();
    let mut out = Vec::new();
    // Without a guarded route nothing is compiled.
    for guard in guards {
        for file in files.keys() {
            if !matchers.serves(&guard.served, file) {
                continue;
            }
            for open in &open {
                if !matchers.serves(&open.served, file) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        codes::GUARDED_FILE_EXPOSED,
                        open.span.clone(),
                        format!("`{file}` is served here without `(auth)`, though another route guards it"),
                    )
                    .label(format!("serves `{file}` to anyone"))
                    .secondary(guard.span.clone(), "guarded by `(auth)` here")
                    .help("move the file out of this route's reach, or add `(auth)` to this route"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group_regex;

    #[test]
    fn a_capture_group_stands_for_its_own_regex() {
        let any = group_regex("/files/(.*)", 1).unwrap();
        assert!(
            regex::Regex::new(&format!("^(?:{any})$"))
                .unwrap()
                .is_match("html/private.html")
        );
        let css = group_regex("/css/([a-z]+\\.css)", 1).unwrap();
        let re = regex::Regex::new(&format!("^(?:{css})$")).unwrap();
        assert!(re.is_match("site.css") && !re.is_match("private.html"));
        assert_eq!(group_regex("/x", 1), None);
    }
}
