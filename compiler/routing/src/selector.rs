//! Selectors compiled for matching: a [`SelectorPattern`] from the IR with its variables filled
//! in at load (a variable may fill in several segments: `${users}` is `localhost:users`). The
//! grammar — segments, `*`, `**`, `seg+`, `<Kind>` — is `starlane_model::selector`'s; this module
//! only matches.
//!
//! A trailing `<Kind>` requires the target to be of that kind (a target of unknown kind does not
//! match: grants fail closed).

use starlane_model::selector::{
    Segments, SelectorPart, SelectorPattern, segments as point_segments,
};
use starlane_model::template::{Template, Var};

/// A point split into segments.
pub fn segments(point: &str) -> Vec<&str> {
    point_segments(point).collect()
}

/// The longest point a selector is matched against, in bytes.
pub const MAX_POINT_LEN: usize = 4096;
/// The most segments a point matched against a selector may have.
pub const MAX_SEGMENTS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// `seg+`: the segment, and the point may end right after it.
    Inclusive(String),
    One,
    Many,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    parts: Vec<Part>,
    kind: Option<String>,
}

impl Selector {
    /// Compiles a selector: each variable filled in by `value` (which appends the value and
    /// answers whether it has one), the filled text split into segments.
    pub fn compile(
        pattern: &SelectorPattern,
        value: &mut dyn FnMut(&Var, &mut String) -> bool,
    ) -> Result<Selector, String> {
        let mut parts = Vec::with_capacity(pattern.parts.len());
        let mut fill = |t: &Template, inclusive: bool, parts: &mut Vec<Part>| {
            let mut text = String::new();
            t.fill_into(&mut text, &mut *value)
                .map_err(|v| format!("`{v}` has no value"))?;
            let mut segs = point_segments(&text).peekable();
            while let Some(seg) = segs.next() {
                parts.push(if inclusive && segs.peek().is_none() {
                    Part::Inclusive(seg.to_string())
                } else {
                    Part::Literal(seg.to_string())
                });
            }
            Ok::<_, String>(())
        };
        for part in &pattern.parts {
            match part {
                SelectorPart::One => parts.push(Part::One),
                SelectorPart::Many => parts.push(Part::Many),
                SelectorPart::Literal(t) => fill(t, false, &mut parts)?,
                SelectorPart::Inclusive(t) => fill(t, true, &mut parts)?,
            }
        }
        Ok(Selector {
            parts,
            kind: pattern.kind.clone(),
        })
    }

    /// Compiles a selector of a grant or `call` entry, whose variables are context names
    /// (`bound` gives their addresses).
    pub fn with_context(
        pattern: &SelectorPattern,
        bound: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Selector, String> {
        Selector::compile(pattern, &mut |var, out| {
            crate::substitute::context_value(var, bound, out)
        })
    }

    /// Parses and compiles a selector written without variables (tests, tools).
    pub fn parse(text: &str) -> Result<Selector, String> {
        Selector::compile(&SelectorPattern::parse(text)?, &mut |_, _| false)
    }

    /// Whether the selector covers `point` (whose kind is `kind`, when known). A point longer
    /// than [`MAX_POINT_LEN`] bytes or with more than [`MAX_SEGMENTS`] segments is never covered:
    /// grants fail closed rather than spend unbounded time on a guest-supplied address.
    pub fn matches(&self, point: &str, kind: Option<&str>) -> bool {
        if let Some(want) = &self.kind
            && kind != Some(want.as_str())
        {
            return false;
        }
        if point.len() > MAX_POINT_LEN {
            return false;
        }
        match self.parts.iter().position(|p| *p == Part::Many) {
            None => return self.matches_in_step(point),
            // The common `prefix:**`: the prefix in one pass, then any number of segments.
            Some(last) if last + 1 == self.parts.len() => {
                return self.matches_prefix_then_any(point, last);
            }
            Some(_) => {}
        }
        let point = segments(point);
        if point.len() > MAX_SEGMENTS {
            return false;
        }
        // row[j]: parts[i..] match point[j..], computed from the last part back; `**` uses the
        // running "any match from here on" of the next row, so a match is O(parts × segments).
        let (n, m) = (self.parts.len(), point.len());
        let mut next = vec![false; m + 1];
        next[m] = true;
        let mut row = vec![false; m + 1];
        for i in (0..n).rev() {
            // any_from[j]: some k >= j has next[k].
            let mut any_from = vec![false; m + 2];
            for j in (0..=m).rev() {
                any_from[j] = next[j] || any_from[j + 1];
            }
            for j in 0..=m {
                row[j] = match &self.parts[i] {
                    Part::Literal(s) => j < m && point[j] == s && next[j + 1],
                    Part::Inclusive(s) => j < m && point[j] == s && (j + 1 == m || next[j + 1]),
                    Part::One => j < m && next[j + 1],
                    Part::Many => any_from[j],
                };
            }
            std::mem::swap(&mut next, &mut row);
        }
        next[0]
    }

    /// Without `**` every part consumes exactly one segment: one pass, no allocation.
    fn matches_in_step(&self, point: &str) -> bool {
        match step(&self.parts, point) {
            Ok(mut rest) => rest.next().is_none(),
            Err(decided) => decided,
        }
    }

    /// `parts[..n]` has no `**` and `parts[n]` is a final `**`.
    fn matches_prefix_then_any(&self, point: &str, n: usize) -> bool {
        match step(&self.parts[..n], point) {
            // `**` is any number of segments, and the point may have at most MAX_SEGMENTS.
            Ok(rest) => rest.take(MAX_SEGMENTS + 1).count() + n <= MAX_SEGMENTS,
            Err(decided) => decided,
        }
    }

    /// Whether this selector covers everything below the root (an unrooted `**`).
    pub fn is_unrooted(&self) -> bool {
        matches!(self.parts.first(), Some(Part::Many))
    }
}

/// Matches `parts` (none of them `**`) one segment each against the start of `point`: the
/// segments left, or `Err` with the answer when it is decided already (a mismatch, or a `seg+`
/// that covers a point ending right there).
fn step<'a>(parts: &[Part], point: &'a str) -> Result<Segments<'a>, bool> {
    let mut segs = point_segments(point);
    for part in parts {
        let Some(seg) = segs.next() else {
            return Err(false);
        };
        match part {
            Part::Literal(s) | Part::Inclusive(s) if seg != s => return Err(false),
            Part::Inclusive(_) if segs.is_done() => return Err(true),
            _ => {}
        }
    }
    Ok(segs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(selector: &str, point: &str) -> bool {
        Selector::parse(selector).unwrap().matches(point, None)
    }

    #[test]
    fn a_star_covers_one_segment_and_a_double_star_any_number() {
        assert!(m("localhost:files:*", "localhost:files:a"));
        assert!(!m("localhost:files:*", "localhost:files:a:b"));
        assert!(!m("localhost:files:*", "localhost:files"));
        assert!(m("localhost:files:**", "localhost:files:a:b"));
        // The point a selector is rooted at is covered too: `call ${hello}:**` reaches `${hello}`.
        assert!(m("localhost:files:**", "localhost:files"));
        assert!(!m("localhost:files:**", "localhost"));
        assert!(!m("localhost:files:**", "localhost:filesystem"));
        assert!(m("localhost:**:b", "localhost:b"));
        assert!(m("**", "anything:at:all"));
    }

    #[test]
    fn plus_includes_the_segment_itself() {
        assert!(m("localhost:files+:**", "localhost:files"));
        assert!(m("localhost:files+:**", "localhost:files:x"));
        assert!(!m("localhost:files+:**", "localhost:other"));
    }

    #[test]
    fn variables_fill_in_whole_segments() {
        let pattern = SelectorPattern::parse("${files}:**").unwrap();
        let s = Selector::compile(&pattern, &mut |v, out| {
            out.push_str("localhost:files");
            matches!(v, Var::Name(n) if &**n == "files")
        })
        .unwrap();
        assert!(s.matches("localhost:files:a", None));
        assert!(s.matches("localhost:files", None));
        assert!(!s.matches("localhost", None));
        let inclusive = SelectorPattern::parse("${files}+:**").unwrap();
        let s = Selector::compile(&inclusive, &mut |_, out| {
            out.push_str("localhost:files");
            true
        })
        .unwrap();
        assert!(
            s.matches("localhost:files", None),
            "the last filled segment is inclusive"
        );
        assert!(!s.matches("localhost", None));
        let unbound = Selector::compile(&pattern, &mut |_, _| false).unwrap_err();
        assert!(unbound.contains("`${files}` has no value"), "{unbound}");
    }

    #[test]
    fn file_paths_and_routes_are_segments() {
        assert!(m(
            "repo:site:*:/html/index.html",
            "repo:site:1.0.0:/html/index.html"
        ));
    }

    #[test]
    fn kind_filters_fail_closed() {
        let s = Selector::parse("localhost:users:**<User>").unwrap();
        assert!(s.matches("localhost:users:ada", Some("User")));
        assert!(!s.matches("localhost:users:ada", Some("Admin")));
        assert!(!s.matches("localhost:users:ada", None));
        let nested = Selector::parse("a:**<Base<User>>").unwrap();
        assert!(nested.matches("a:b", Some("Base<User>")));
    }

    #[test]
    fn many_double_stars_stay_fast() {
        let sel = format!("{}:b", vec!["**"; 30].join(":"));
        let point = vec!["x"; 200].join(":");
        assert!(!m(&sel, &point));
        assert!(m(&sel, &format!("{point}:b")));
    }

    #[test]
    fn over_long_points_are_never_covered() {
        let long = format!("localhost:db{}", ":a".repeat(300));
        assert!(!m("localhost:db:**", &long), "more than 256 segments");
        let wide = format!("localhost:db:{}", "a".repeat(5000));
        assert!(!m("localhost:db:**", &wide), "more than 4 KiB");
        assert!(m(
            "localhost:db:**",
            &format!("localhost:db{}", ":a".repeat(200))
        ));
    }

    proptest::proptest! {
        /// The linear matcher agrees with a naive backtracking one.
        #[test]
        fn agrees_with_backtracking(parts in proptest::collection::vec(0u8..5, 0..6), point in proptest::collection::vec(0u8..3, 0..7)) {
            let words = ["a", "b", "*", "**", "a+"];
            let sel_text = parts.iter().map(|p| words[*p as usize]).collect::<Vec<_>>().join(":");
            let point_text = point.iter().map(|p| ["a", "b", "c"][*p as usize]).collect::<Vec<_>>().join(":");
            if sel_text.is_empty() { return Ok(()); }
            let sel = Selector::parse(&sel_text).unwrap();
            fn naive(parts: &[Part], point: &[&str]) -> bool {
                match parts.split_first() {
                    None => point.is_empty(),
                    Some((Part::Literal(s), rest)) => point.first() == Some(&s.as_str()) && naive(rest, &point[1..]),
                    Some((Part::Inclusive(s), rest)) => point.first() == Some(&s.as_str()) && (point.len() == 1 || naive(rest, &point[1..])),
                    Some((Part::One, rest)) => !point.is_empty() && naive(rest, &point[1..]),
                    Some((Part::Many, rest)) => (0..=point.len()).any(|k| naive(rest, &point[k..])),
                }
            }
            let expected = naive(&sel.parts, &segments(&point_text));
            proptest::prop_assert_eq!(sel.matches(&point_text, None), expected, "{} vs {}", sel_text, point_text);
        }
    }
}
