//! Point selectors (`${files}:**`, `localhost:app+:*`, `${users}:**<User>`) and points, as
//! segments separated by `:`. A file path (`:/html/index.html`) is one segment; `::` (a route,
//! as in `GLOBAL::repo`) is an empty segment, so it must be matched exactly.
//!
//! `*` is exactly one segment, `**` one or more, `seg+` the segment itself *and* what the rest of
//! the selector covers below it, and a trailing `<Kind>` requires the target to be of that kind
//! (a target of unknown kind does not match: grants fail closed).

/// A point split into segments.
pub fn segments(point: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = point;
    loop {
        // A file path runs to the end: `:` inside it is not a separator.
        if rest.starts_with('/') {
            out.push(rest);
            return out;
        }
        match rest.find(':') {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}

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

    /// Whether the selector covers `point` (whose kind is `kind`, when known).
    pub fn matches(&self, point: &str, kind: Option<&str>) -> bool {
        if let Some(want) = &self.kind
            && kind != Some(want.as_str())
        {
            return false;
        }
        let point = segments(point);
        // memo[i][j]: parts[i..] match point[j..]. Iterative from the back: no recursion, and
        // `**` never backtracks exponentially.
        let (n, m) = (self.parts.len(), point.len());
        let mut memo = vec![vec![false; m + 1]; n + 1];
        memo[n][m] = true;
        for i in (0..n).rev() {
            for j in (0..=m).rev() {
                memo[i][j] = match &self.parts[i] {
                    Part::Literal(s) => j < m && point[j] == s && memo[i + 1][j + 1],
                    Part::Inclusive(s) => {
                        j < m && point[j] == s && (j + 1 == m || memo[i + 1][j + 1])
                    }
                    Part::One => j < m && memo[i + 1][j + 1],
                    Part::Many => (j + 1..=m).any(|k| memo[i + 1][k]),
                };
            }
        }
        memo[0][0]
    }

    /// Whether this selector covers everything below the root (an unrooted `**`).
    pub fn is_unrooted(&self) -> bool {
        matches!(self.parts.first(), Some(Part::Many))
    }
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
    }
}
