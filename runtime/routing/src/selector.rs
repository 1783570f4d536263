//! Point selectors (`${files}:**`, `localhost:app+:*`, `${users}:**<User>`) and points, as
//! segments separated by `:`. A file path (`:/html/index.html`) is one segment; `::` (a route,
//! as in `GLOBAL::repo`) is an empty segment, so it must be matched exactly.
//!
//! `*` is exactly one segment, `**` one or more, `seg+` the segment itself *and* what the rest of
//! the selector covers below it, and a trailing `<Kind>` requires the target to be of that kind
//! (a target of unknown kind does not match: grants fail closed).

/// A point split into segments.
pub fn segments(point: &str) -> Vec<&str> {
    Segments(Some(point)).collect()
}

/// A point's segments, lazily: a file path (`/…`) runs to the end, `:` inside it is not a
/// separator.
struct Segments<'a>(Option<&'a str>);

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.0?;
        if rest.starts_with('/') {
            self.0 = None;
            return Some(rest);
        }
        match rest.find(':') {
            Some(i) => {
                self.0 = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.0 = None;
                Some(rest)
            }
        }
    }
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
    /// Parses a selector whose variables are already substituted.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty selector".into());
        }
        let (body, kind) = split_kind(text)?;
        let parts = segments(body)
            .into_iter()
            .map(|s| match s {
                "*" => Part::One,
                "**" => Part::Many,
                s if s.len() > 1 && s.ends_with('+') => {
                    Part::Inclusive(s[..s.len() - 1].to_string())
                }
                s => Part::Literal(s.to_string()),
            })
            .collect();
        Ok(Selector { parts, kind })
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
            // The common `prefix:**`: the prefix in one pass, then at least one more segment.
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
                    Part::Many => j < m && any_from[j + 1],
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
            // `**` is one or more segments, and the point may have at most MAX_SEGMENTS.
            Ok(rest) => rest.0.is_some() && rest.take(MAX_SEGMENTS + 1).count() + n <= MAX_SEGMENTS,
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
    let mut segs = Segments(Some(point));
    for part in parts {
        let Some(seg) = segs.next() else {
            return Err(false);
        };
        match part {
            Part::Literal(s) | Part::Inclusive(s) if seg != s => return Err(false),
            Part::Inclusive(_) if segs.0.is_none() => return Err(true),
            _ => {}
        }
    }
    Ok(segs)
}

/// `a:**<Base<User>>` → (`a:**`, `Base<User>`).
fn split_kind(text: &str) -> Result<(&str, Option<String>), String> {
    if !text.ends_with('>') {
        return Ok((text, None));
    }
    let last_segment_start = text.rfind(':').map_or(0, |i| i + 1);
    let Some(open) = text[last_segment_start..].find('<') else {
        return Err(format!("`{text}` ends with `>` but has no `<`"));
    };
    let open = last_segment_start + open;
    Ok((
        &text[..open],
        Some(text[open + 1..text.len() - 1].to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(selector: &str, point: &str) -> bool {
        Selector::parse(selector).unwrap().matches(point, None)
    }

    #[test]
    fn stars_cover_one_or_more_segments() {
        assert!(m("localhost:files:*", "localhost:files:a"));
        assert!(!m("localhost:files:*", "localhost:files:a:b"));
        assert!(m("localhost:files:**", "localhost:files:a:b"));
        assert!(!m("localhost:files:**", "localhost:files"));
        assert!(m("**", "anything:at:all"));
    }

    #[test]
    fn plus_includes_the_segment_itself() {
        assert!(m("localhost:files+:**", "localhost:files"));
        assert!(m("localhost:files+:**", "localhost:files:x"));
        assert!(!m("localhost:files+:**", "localhost:other"));
    }

    #[test]
    fn file_paths_and_routes_are_segments() {
        assert_eq!(
            segments("repo:site:1.0.0:/html/a:b.html"),
            ["repo", "site", "1.0.0", "/html/a:b.html"]
        );
        assert_eq!(segments("GLOBAL::repo"), ["GLOBAL", "", "repo"]);
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
        let sel = vec!["**"; 30].join(":");
        let point = vec!["x"; 29].join(":");
        assert!(!m(&sel, &point));
        assert!(m(&sel, &vec!["x"; 30].join(":")));
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
                    Some((Part::Many, rest)) => (1..=point.len()).any(|k| naive(rest, &point[k..])),
                }
            }
            let expected = naive(&sel.parts, &segments(&point_text));
            proptest::prop_assert_eq!(sel.matches(&point_text, None), expected, "{} vs {}", sel_text, point_text);
        }
    }
}
