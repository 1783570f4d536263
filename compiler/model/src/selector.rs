//! The grammar of points and point selectors, for every crate: a point is segments separated by
//! `:`, where a file path (`:/html/a:b.html`) is one last segment and `::` (a route, as in
//! `GLOBAL::repo`) is an empty segment. A selector's segments are literals, `*` (exactly one
//! segment), `**` (any number of segments, none included: `${hello}:**` covers `${hello}` and
//! everything below it) or `seg+` (the segment itself *and* what the rest covers below it), with
//! an optional trailing `<Kind>` the target must be of.
//!
//! The compiler parses a selector's text once into a [`SelectorPattern`] (variables kept as
//! parsed [`Template`]s); the runtime fills the variables in and matches at load
//! (`starlane-routing`). The front end's diagnostics for a malformed point come from its own
//! character-level checker (`starlane_lang::atoms::point`), which this grammar agrees with (a
//! property test in the compiler pins it).

use serde::{Deserialize, Serialize};

use crate::template::Template;

/// A point's segments, lazily: a file path (`/…`) runs to the end, `:` inside it is not a
/// separator.
#[derive(Debug, Clone)]
pub struct Segments<'a>(Option<&'a str>);

/// The segments of a point (variables already filled in).
pub fn segments(point: &str) -> Segments<'_> {
    Segments(Some(point))
}

impl<'a> Segments<'a> {
    /// Whether every segment has been read.
    pub fn is_done(&self) -> bool {
        self.0.is_none()
    }
}

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

/// One segment of a selector as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SelectorPart {
    /// A literal segment; its variables may fill in several segments (`${users}`).
    Literal(Template),
    /// `seg+`: the segment, and the point may end right after it.
    Inclusive(Template),
    /// `*`
    One,
    /// `**`: any number of segments, none included.
    Many,
}

/// A point selector, parsed once by the compiler.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SelectorPattern {
    pub parts: Vec<SelectorPart>,
    /// A trailing `<Kind>` (`User`, `Base<User>`): the target must be of this kind.
    pub kind: Option<String>,
}

impl SelectorPattern {
    /// Parses a selector as written in a `.bind` (variables unfilled).
    pub fn parse(text: &str) -> Result<SelectorPattern, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty selector".into());
        }
        let (body, kind) = split_kind(text)?;
        let parts = template_segments(body)
            .map(|s| {
                Ok(match s {
                    "*" => SelectorPart::One,
                    "**" => SelectorPart::Many,
                    s if s.len() > 1 && s.ends_with('+') => {
                        SelectorPart::Inclusive(template(&s[..s.len() - 1])?)
                    }
                    s => SelectorPart::Literal(template(s)?),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(SelectorPattern { parts, kind })
    }
}

fn template(text: &str) -> Result<Template, String> {
    Template::parse(text).map_err(|_| format!("unclosed `${{` in `{text}`"))
}

/// Segments of a selector's text: like [`segments`], but a `:` inside `${…}` does not split.
fn template_segments(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        if r.starts_with('/') {
            rest = None;
            return Some(r);
        }
        let bytes = r.as_bytes();
        let mut depth = 0usize;
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
                b'}' if depth > 0 => depth -= 1,
                b':' if depth == 0 => {
                    rest = Some(&r[i + 1..]);
                    return Some(&r[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(r)
    })
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

/// `a:*:**`, in the canonical form (variables as `${…}`).
impl std::fmt::Display for SelectorPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            match part {
                SelectorPart::Literal(t) => t.fmt(f)?,
                SelectorPart::Inclusive(t) => write!(f, "{t}+")?,
                SelectorPart::One => f.write_str("*")?,
                SelectorPart::Many => f.write_str("**")?,
            }
        }
        if let Some(kind) = &self.kind {
            write!(f, "<{kind}>")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_and_routes_are_segments() {
        assert_eq!(
            segments("repo:site:1.0.0:/html/a:b.html").collect::<Vec<_>>(),
            ["repo", "site", "1.0.0", "/html/a:b.html"]
        );
        assert_eq!(
            segments("GLOBAL::repo").collect::<Vec<_>>(),
            ["GLOBAL", "", "repo"]
        );
    }

    #[test]
    fn selectors_parse_into_parts_and_write_back() {
        let s = SelectorPattern::parse("${users}:app+:*:**<Base<User>>").unwrap();
        assert_eq!(s.parts.len(), 4);
        assert!(matches!(&s.parts[0], SelectorPart::Literal(t) if t.as_text().is_none()));
        assert!(matches!(&s.parts[1], SelectorPart::Inclusive(t) if t.as_text() == Some("app")));
        assert_eq!(s.parts[2], SelectorPart::One);
        assert_eq!(s.parts[3], SelectorPart::Many);
        assert_eq!(s.kind.as_deref(), Some("Base<User>"));
        assert_eq!(s.to_string(), "${users}:app+:*:**<Base<User>>");
        assert_eq!(
            SelectorPattern::parse("$1:x").unwrap().to_string(),
            "${1}:x"
        );
        assert!(SelectorPattern::parse(" ").is_err());
        assert!(SelectorPattern::parse("a:b>").is_err());
        assert!(SelectorPattern::parse("${a:b").is_err());
    }

    proptest::proptest! {
        /// Written back and parsed again, a selector is the same selector.
        #[test]
        fn write_back_round_trips(parts in proptest::collection::vec(0u8..6, 1..6)) {
            let words = ["a", "${x}", "*", "**", "b+", "/f/g.html"];
            let text = parts.iter().map(|p| words[*p as usize]).collect::<Vec<_>>().join(":");
            let parsed = SelectorPattern::parse(&text).unwrap();
            let again = SelectorPattern::parse(&parsed.to_string()).unwrap();
            proptest::prop_assert_eq!(parsed, again);
        }
    }
}
