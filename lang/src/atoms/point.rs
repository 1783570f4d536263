//! Points (`localhost:app:users`, `repo:site:1.0.0:/html/index.html`, `hub::example.com:app`) and
//! point selectors (`${files}:**`, `localhost:app:**<User>+`). Errors point at the bad segment.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{recognize, verify};
use nom::multi::many1;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::{AtomError, version};

/// A parsed point, segment texts kept as written (variables unresolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub route: Option<String>,
    pub segments: Vec<String>,
    pub version: Option<version::Version>,
    pub file_path: Option<String>,
}

/// `${name}`, `${doc.bundle}`, `${1}`, `$1`.
fn variable(input: &str) -> IResult<&str, &str> {
    recognize(alt((
        delimited(
            tag("${"),
            take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
            char('}'),
        ),
        preceded(char('$'), digit1),
    )))
    .parse(input)
}

/// A run of `allowed` characters and variables.
fn piece<'a>(
    allowed: fn(char) -> bool,
) -> impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>> {
    recognize(many1(alt((variable, take_while1(allowed)))))
}

fn space_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
}

fn base_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

fn file_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

fn route_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn route(input: &str) -> IResult<&str, &str> {
    verify(piece(route_char), |r: &str| !r.ends_with('-')).parse(input)
}

/// `/dir/…/file`: from the slash after `:`; empty segments (`//`) are rejected.
fn file_path(input: &str) -> IResult<&str, &str> {
    recognize((
        char('/'),
        take_while(|c: char| c == '/' || file_char(c) || c == '$' || c == '{' || c == '}'),
    ))
    .parse(input)
}

/// Splits `text` at `:` (outside `${…}`), returning each piece's byte range.
fn split_segments(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_var = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if i > 0 && bytes[i - 1] == b'$' => in_var = true,
            b'}' => in_var = false,
            b':' if !in_var => {
                out.push(start..i);
                start = i + 1;
                if bytes.get(i + 1) == Some(&b'/') {
                    // the file path takes the rest, colons included
                    out.push(start..text.len());
                    return out;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push(start..text.len());
    out
}

fn whole<'a>(
    mut parser: impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>>,
    text: &'a str,
) -> bool {
    matches!(parser.parse(text), Ok(("", _)))
}

fn bad_segment(range: std::ops::Range<usize>, text: &str, what: &str) -> AtomError {
    let seg = &text[range.clone()];
    let label = if seg.is_empty() {
        "empty segment".to_string()
    } else if seg.ends_with('-') {
        "a segment may not end with `-`".to_string()
    } else if seg.chars().any(|c| c.is_ascii_uppercase()) {
        format!("{what} segments are lower case")
    } else {
        format!("invalid {what} segment")
    };
    AtomError::new(
        range,
        format!("invalid segment `{seg}` in point `{text}`"),
        label,
    )
}

/// Parses a point.
pub fn parse_point(text: &str) -> Result<Point, AtomError> {
    let (route_part, body, body_start) = match find_route_separator(text) {
        Some(i) => (Some(&text[..i]), &text[i + 2..], i + 2),
        None => (None, text, 0),
    };
    if let Some(r) = route_part
        && !whole(route, r)
    {
        return Err(AtomError::new(
            0..r.len(),
            format!("invalid route `{r}` in point `{text}`"),
            "expected a route such as `GLOBAL` or `example.com`",
        ));
    }
    let mut point = Point {
        route: route_part.map(str::to_string),
        segments: Vec::new(),
        version: None,
        file_path: None,
    };
    let ranges = split_segments(body);
    let count = ranges.len();
    for (i, r) in ranges.into_iter().enumerate() {
        let abs = r.start + body_start..r.end + body_start;
        let seg = &body[r];
        if seg.starts_with('/') {
            if i == 0 || !whole(file_path, seg) || seg.contains("//") {
                return Err(AtomError::new(
                    abs,
                    format!("invalid file path `{seg}` in point `{text}`"),
                    "file paths are `/dir/file`, made of letters, digits, `.`, `_` and `-`",
                ));
            }
            point.file_path = Some(seg.to_string());
            continue;
        }
        if point.version.is_some() {
            return Err(AtomError::new(
                abs,
                format!("unexpected segment `{seg}` after the version in point `{text}`"),
                "only a file path (`:/…`) may follow the version",
            ));
        }
        if i > 0
            && let Some((v, len)) = version::prefix(seg)
            && len == seg.len()
        {
            point.version = Some(v);
            continue;
        }
        let ok = match i {
            0 => {
                seg == "."
                    || seg == ".."
                    || (whole(piece(space_char), seg)
                        && !seg.ends_with('-')
                        && !seg.starts_with('-'))
            }
            _ => {
                seg == ".."
                    || (whole(piece(base_char), seg)
                        && !seg.ends_with('-')
                        && !seg.starts_with('-'))
            }
        };
        if !ok {
            return Err(bad_segment(
                abs,
                text,
                if i == 0 { "space" } else { "base" },
            ));
        }
        let _ = count;
        point.segments.push(seg.to_string());
    }
    Ok(point)
}

fn find_route_separator(text: &str) -> Option<usize> {
    let i = text.find("::")?;
    // `${a::b}` is not a route separator, nor is anything after the file path began.
    let before = &text[..i];
    (!before.contains(":/") && before.matches("${").count() == before.matches('}').count())
        .then_some(i)
}

/// A point selector's hops, checked for shape; selector matching lives in the compiler.
pub fn check_selector(text: &str) -> Result<(), AtomError> {
    let (route_part, body, body_start) = match find_route_separator(text) {
        Some(i) => (Some(&text[..i]), &text[i + 2..], i + 2),
        None => (None, text, 0),
    };
    if let Some(r) = route_part
        && !(r == "*" || whole(route, r))
    {
        return Err(AtomError::new(
            0..r.len(),
            format!("invalid route `{r}` in selector `{text}`"),
            "expected a route or `*`",
        ));
    }
    for r in split_segments(body) {
        let abs = r.start + body_start..r.end + body_start;
        let seg = &body[r];
        if seg.starts_with('/') {
            if !whole(file_path_selector, seg) {
                return Err(AtomError::new(
                    abs,
                    format!("invalid file path `{seg}` in selector `{text}`"),
                    "invalid file path",
                ));
            }
            continue;
        }
        hop(seg).map_err(|(at, label)| {
            AtomError::new(
                abs.start + at..abs.end,
                format!("invalid segment `{seg}` in selector `{text}`"),
                label,
            )
        })?;
    }
    Ok(())
}

fn file_path_selector(input: &str) -> IResult<&str, &str> {
    recognize((
        char('/'),
        take_while(|c: char| {
            c == '/' || c == '*' || file_char(c) || c == '$' || c == '{' || c == '}'
        }),
    ))
    .parse(input)
}

/// One hop: `**`, `*`, a name, `.`/`..`, or a version; then an optional `<Kind<…>>` and `+`.
fn hop(seg: &str) -> Result<(), (usize, &'static str)> {
    let seg_body = seg.strip_suffix('+').unwrap_or(seg);
    let seg_body = seg_body.strip_prefix('+').unwrap_or(seg_body);
    let (name, kind) = match seg_body.find('<') {
        Some(i) => (&seg_body[..i], Some(&seg_body[i..])),
        None => (seg_body, None),
    };
    let name_ok = matches!(name, "*" | "**" | "." | ".." | "ROOT")
        || version::prefix(name).is_some_and(|(_, len)| len == name.len())
        || (whole(piece(base_char), name) && !name.ends_with('-') && !name.starts_with('-'));
    if !name_ok {
        return Err((
            0,
            if name.is_empty() {
                "empty segment"
            } else {
                "expected `*`, `**` or a lower-case name"
            },
        ));
    }
    if let Some(kind) = kind {
        let at = seg.len() - seg_body.len() + name.len();
        if !kind_filter_balanced(kind) {
            return Err((
                at,
                "expected a kind filter such as `<User>` or `<Base<User>>`",
            ));
        }
    }
    Ok(())
}

/// `<Name>` / `<Name<Name>>` / `<*>`: balanced angle brackets around UpperCamel names or `*`.
fn kind_filter_balanced(kind: &str) -> bool {
    let mut depth = 0i32;
    for c in kind.chars() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '*' | ':' | '.' | '-' | '(' | ')') => {}
            _ => return false,
        }
    }
    depth == 0 && kind.ends_with('>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_points_parse() {
        for text in [
            "localhost:app:users",
            "repo:site:1.0.0:/html/index.html",
            "hub::example.com:app:1.0.0:/app.wasm",
            "GLOBAL::repo:builtin:1.0.0:/star.bind",
            "localhost:repo:tutorial:1.0.0:/html/$1",
            "${doc.bundle}:/html/index.html",
            "profiles:${user}",
            "localhost:my-files:/$1",
            ".",
            "..:sibling",
        ] {
            parse_point(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        let p = parse_point("repo:site:1.0.0:/html/index.html").unwrap();
        assert_eq!(p.segments, ["repo", "site"]);
        assert_eq!(p.file_path.as_deref(), Some("/html/index.html"));
    }

    #[test]
    fn bad_segment_is_pointed_at() {
        let e = parse_point("localhost:My-App:users").unwrap_err();
        assert_eq!(e.span, 10..16);
        let e = parse_point("localhost:app-:x").unwrap_err();
        assert_eq!(e.span, 10..14);
        let e = parse_point("localhost::").unwrap_err();
        assert_eq!(e.span, 11..11);
    }

    #[test]
    fn selectors() {
        for text in [
            "${files}:**",
            "localhost:app:**<User>",
            "${users}:**<User>",
            "*:dra",
            "localhost:app+",
            "**",
        ] {
            check_selector(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        assert_eq!(check_selector("localhost:App").unwrap_err().span, 10..13);
    }
}
