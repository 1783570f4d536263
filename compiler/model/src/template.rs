//! Templates: text with variables — `${name}`, `${doc.bundle}`, `${1}` and the legacy `$1` — as
//! points, selectors and paths carry them. One scanner for every crate: the checker finds the
//! names, the language server resolves them, the runtime fills them in.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text as written (a `$` not followed by `{` or a digit is text).
    Text(&'a str),
    /// A variable: its name (`users`, `doc.bundle`, `1`) and the span of the whole reference.
    Variable { name: &'a str, span: Range<usize> },
}

/// A `${` without its `}`, at this byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unclosed(pub usize);

/// The pieces of `text`, in order; an unclosed `${` ends it with an error.
pub fn pieces(text: &str) -> Pieces<'_> {
    Pieces { text, at: 0 }
}

/// Every variable of `text` with its span, up to an unclosed `${` (the checker reports that
/// one on its own).
pub fn variables(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    pieces(text).map_while(Result::ok).filter_map(|p| match p {
        Piece::Variable { name, span } => Some((span, name)),
        Piece::Text(_) => None,
    })
}

/// The name inside one variable reference (`${user}` → `user`, `$1` → `1`) and its offset in
/// the reference; `None` for anything else (a bare `$`, `${`, the App form `$(x)`).
pub fn name_of(reference: &str) -> Option<(&str, usize)> {
    let mut all = pieces(reference);
    match (all.next(), all.next()) {
        (Some(Ok(Piece::Variable { name, span })), None) if span == (0..reference.len()) => {
            Some((name, if reference.starts_with("${") { 2 } else { 1 }))
        }
        _ => None,
    }
}

pub struct Pieces<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Result<Piece<'a>, Unclosed>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        let start = self.at;
        if start >= text.len() {
            return None;
        }
        let bytes = text.as_bytes();
        let mut i = start;
        while i < bytes.len() {
            if bytes[i] == b'$' {
                let braced = bytes.get(i + 1) == Some(&b'{');
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if braced || digits > 0 {
                    if i > start {
                        // The text before the variable first; the variable next time.
                        self.at = i;
                        return Some(Ok(Piece::Text(&text[start..i])));
                    }
                    if braced {
                        let Some(close) = text[i + 2..].find('}') else {
                            self.at = text.len();
                            return Some(Err(Unclosed(i)));
                        };
                        let end = i + 2 + close + 1;
                        self.at = end;
                        return Some(Ok(Piece::Variable {
                            name: &text[i + 2..end - 1],
                            span: i..end,
                        }));
                    }
                    let end = i + 1 + digits;
                    self.at = end;
                    return Some(Ok(Piece::Variable {
                        name: &text[i + 1..end],
                        span: i..end,
                    }));
                }
            }
            i += 1;
        }
        self.at = text.len();
        Some(Ok(Piece::Text(&text[start..])))
    }
}

/// A variable of a parsed [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Var {
    /// `${N}` or `$N`: the route's N-th capture group.
    Capture(u32),
    /// `${doc.bundle}`: the bundle's own files (a point that starts with it is a bundle file).
    DocBundle,
    /// `${name}`: a named capture or a bound context name (`${users}`, `${self}`).
    Name(Box<str>),
}

/// One part of a parsed [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Part {
    Text(Box<str>),
    Var(Var),
}

/// A template parsed once, when the compiler lowers it: filling it in walks its parts and never
/// scans text again. Written back ([`std::fmt::Display`]) in the canonical `${…}` form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, Unclosed> {
        let mut parts = Vec::new();
        for piece in pieces(text) {
            parts.push(match piece? {
                Piece::Text(t) => Part::Text(t.into()),
                Piece::Variable { name, .. } => Part::Var(Var::of(name)),
            });
        }
        Ok(Template { parts })
    }

    /// A template of text only.
    pub fn text(text: &str) -> Template {
        Template {
            parts: if text.is_empty() {
                Vec::new()
            } else {
                vec![Part::Text(text.into())]
            },
        }
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The text, when the template has no variable.
    pub fn as_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Text(t)] => Some(t),
            _ => None,
        }
    }

    pub fn variables(&self) -> impl Iterator<Item = &Var> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v),
            Part::Text(_) => None,
        })
    }

    /// The rest of a template that starts with `${doc.bundle}` (a bundle file), else `None`.
    pub fn bundle_file(&self) -> Option<Template> {
        match self.parts.split_first() {
            Some((Part::Var(Var::DocBundle), rest)) => Some(Template {
                parts: rest.to_vec(),
            }),
            _ => None,
        }
    }

    /// Appends the template to `out` with each variable's value; fails with the first variable
    /// that has none.
    pub fn fill_into<'v, F>(&'v self, out: &mut String, mut value: F) -> Result<(), &'v Var>
    where
        F: FnMut(&Var, &mut String) -> bool,
    {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => {
                    if !value(v, out) {
                        return Err(v);
                    }
                }
            }
        }
        Ok(())
    }
}

impl Var {
    fn of(name: &str) -> Var {
        if name == "doc.bundle" {
            return Var::DocBundle;
        }
        let digits = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
        match name.parse() {
            Ok(n) if digits => Var::Capture(n),
            _ => Var::Name(name.into()),
        }
    }
}

/// `${1}`, `${doc.bundle}`, `${users}`.
impl std::fmt::Display for Var {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Var::Capture(n) => write!(f, "${{{n}}}"),
            Var::DocBundle => f.write_str("${doc.bundle}"),
            Var::Name(n) => write!(f, "${{{n}}}"),
        }
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(t) => f.write_str(t)?,
                Part::Var(v) => v.fmt(f)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_braced_and_bare_with_their_spans() {
        let text = "${users}:$1:${doc.bundle}:/a/${2}:cost$:$";
        let found: Vec<_> = variables(text).collect();
        assert_eq!(
            found,
            [
                (0..8, "users"),
                (9..11, "1"),
                (12..25, "doc.bundle"),
                (29..33, "2")
            ]
        );
        let rebuilt: String = pieces(text)
            .map(|p| match p.unwrap() {
                Piece::Text(t) => t.to_string(),
                Piece::Variable { span, .. } => text[span].to_string(),
            })
            .collect();
        assert_eq!(rebuilt, text, "the pieces tile the text");
    }

    #[test]
    fn an_unclosed_brace_ends_the_scan() {
        let all: Vec<_> = pieces("a:${b:c").collect();
        assert_eq!(all, [Ok(Piece::Text("a:")), Err(Unclosed(2))]);
        // The first `}` closes: what lies between is the name (the checker judges it).
        assert_eq!(variables("${b:${c}").next(), Some((0..8, "b:${c")));
        assert_eq!(variables("$1:${x").count(), 1);
    }

    #[test]
    fn names_of_single_references() {
        assert_eq!(name_of("${user}"), Some(("user", 2)));
        assert_eq!(name_of("$12"), Some(("12", 1)));
        assert_eq!(name_of("${}"), Some(("", 2)));
        assert_eq!(name_of("$"), None);
        assert_eq!(name_of("$(x)"), None);
        assert_eq!(name_of("${x}y"), None);
    }

    #[test]
    fn parsed_templates_fill_in_and_write_back() {
        let t = Template::parse("${users}:$1:${doc.bundle}:x$").unwrap();
        assert_eq!(
            t.variables().cloned().collect::<Vec<_>>(),
            [Var::Name("users".into()), Var::Capture(1), Var::DocBundle]
        );
        assert_eq!(t.to_string(), "${users}:${1}:${doc.bundle}:x$");
        let mut out = String::new();
        let filled = t.fill_into(&mut out, |v, out| match v {
            Var::Name(n) if &**n == "users" => {
                out.push_str("localhost:users");
                true
            }
            Var::Capture(1) => {
                out.push_str("ada");
                true
            }
            _ => false,
        });
        assert_eq!(filled, Err(&Var::DocBundle));
        assert_eq!(out, "localhost:users:ada:");
        let file = Template::parse("${doc.bundle}:/html/${1}").unwrap();
        assert_eq!(file.bundle_file().unwrap().to_string(), ":/html/${1}");
        assert_eq!(t.bundle_file(), None);
        assert_eq!(Template::text("a:b").as_text(), Some("a:b"));
        assert!(Template::parse("${x").is_err());
    }

    proptest::proptest! {
        /// Any text: the pieces tile it exactly, and nothing panics.
        #[test]
        fn pieces_tile_any_text(text in "[a-z${}0-9:/]{0,40}") {
            let mut rebuilt = String::new();
            for p in pieces(&text) {
                match p {
                    Ok(Piece::Text(t)) => rebuilt.push_str(t),
                    Ok(Piece::Variable { span, .. }) => rebuilt.push_str(&text[span]),
                    Err(Unclosed(at)) => rebuilt.push_str(&text[at..]),
                }
            }
            proptest::prop_assert_eq!(rebuilt, text);
        }
    }
}
