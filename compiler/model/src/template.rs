//! Templates: text with variables — `${name}`, `${doc.bundle}`, `${1}` and the legacy `$1` — as
//! points, selectors and paths carry them. One scanner for every crate: the checker finds the
//! names, the language server resolves them, the runtime fills them in.

use std::ops::Range;

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
