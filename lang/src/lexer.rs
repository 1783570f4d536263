//! Bytes → tokens. logos does the context-free work; this driver adds the three context rules
//! of `specs/language.md` §2 that a regular lexer cannot express:
//! 1. `#` opens a comment only at a token start (line start, after whitespace or `{ } ; ,`);
//!    elsewhere it is a literal `#` (inside regexes, strings and points).
//! 2. A path regex starts at `/` right after a name, `>` or `)` and runs to the next whitespace,
//!    except inside a payload block `[…]` and inside a point's file path (`…:/dir/file`).
//!    A trailing `->`, `=>`, `{` or `;` is split off again so the parser can recover (and the
//!    checker can offer "insert a space").
//! 3. In a router file a `/` after whitespace that follows the method also starts the regex.

use logos::Logos;

use crate::syntax_kind::SyntaxKind::{self, *};

/// One token: its kind and byte range in the source. Tokens tile the source exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: SyntaxKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Which document grammar the lexer serves; router files lex their regexes differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexMode {
    Bind,
    Router,
}

/// Splits `src` into tokens that cover every byte, trivia included.
pub fn lex(src: &str, mode: LexMode) -> Vec<Token> {
    // Real files average 4–6 bytes a token; one allocation for typical input.
    let mut out: Vec<Token> = Vec::with_capacity(src.len() / 4 + 16);
    let mut lexer = SyntaxKind::lexer(src);
    let mut bracket_depth: u32 = 0;
    let mut in_file_path = false;
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        let mut kind = result.unwrap_or(ERROR_TOKEN);
        let prev = out.last().copied();
        let adjacent = prev.is_some_and(|p| p.end as usize == span.start);

        match kind {
            HASH if starts_token(prev) => {
                let rest = &src[span.end..];
                let line_len = rest.find('\n').unwrap_or(rest.len());
                lexer.bump(line_len);
                kind = COMMENT;
            }
            SLASH if regex_may_start(prev, adjacent, bracket_depth, in_file_path, mode, &out) => {
                let rest = &src[span.end..];
                let run = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
                let run = run - glued_terminator_len(&rest[..run]);
                lexer.bump(run);
                kind = PATH_REGEX;
            }
            SLASH if adjacent && prev.is_some_and(|p| p.kind == COLON) => in_file_path = true,
            L_BRACKET => bracket_depth = bracket_depth.saturating_add(1),
            R_BRACKET => bracket_depth = bracket_depth.saturating_sub(1),
            SEMICOLON | L_BRACE | R_BRACE => bracket_depth = 0,
            _ => {}
        }
        if kind.is_trivia()
            || matches!(
                kind,
                SEMICOLON | COMMA | R_PAREN | R_BRACKET | R_BRACE | CARET
            )
        {
            in_file_path = false;
        }
        let span = lexer.span();
        out.push(Token {
            kind,
            start: span.start as u32,
            end: span.end as u32,
        });
    }
    out
}

fn starts_token(prev: Option<Token>) -> bool {
    match prev {
        None => true,
        Some(p) => matches!(
            p.kind,
            WHITESPACE | COMMENT | L_BRACE | R_BRACE | SEMICOLON | COMMA
        ),
    }
}

fn regex_may_start(
    prev: Option<Token>,
    adjacent: bool,
    bracket_depth: u32,
    in_file_path: bool,
    mode: LexMode,
    out: &[Token],
) -> bool {
    if bracket_depth > 0 || in_file_path {
        return false;
    }
    let Some(prev) = prev else { return false };
    if prev.kind != WHITESPACE {
        return adjacent && matches!(prev.kind, IDENT | R_ANGLE | R_PAREN | STAR);
    }
    // Router files: `GET /files/(.*) -> …` — whitespace between method and regex.
    mode == LexMode::Router
        && prev.kind == WHITESPACE
        && out
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|t| matches!(t.kind, IDENT | STAR))
}

/// How many trailing bytes of a regex run are really the next token, written without a space.
fn glued_terminator_len(run: &str) -> usize {
    for suffix in ["->", "=>", "{", ";"] {
        if run.len() > suffix.len() && run.ends_with(suffix) {
            return suffix.len();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(SyntaxKind, &str)> {
        lex(src, LexMode::Bind)
            .into_iter()
            .filter(|t| t.kind != WHITESPACE)
            .map(|t| (t.kind, &src[t.range()]))
            .collect()
    }

    #[test]
    fn tokens_tile_the_source() {
        let src = "Bind(version=1.0.0) { Route<Http<Get>>/a#b -> x:/y/z => &; } # end\n\u{0}é";
        let tokens = lex(src, LexMode::Bind);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.start as usize, at);
            at = t.end as usize;
        }
        assert_eq!(at, src.len());
    }

    #[test]
    fn hash_inside_a_regex_is_literal_and_after_space_is_a_comment() {
        let k = kinds("<Get>/a#b -> # note\n");
        assert_eq!(k[3], (PATH_REGEX, "/a#b"));
        assert_eq!(k[5], (COMMENT, "# note"));
    }

    #[test]
    fn regex_glued_to_an_arrow_is_split() {
        let k = kinds("<Get>/users-> x;");
        assert_eq!(k[3], (PATH_REGEX, "/users"));
        assert_eq!(k[4], (ARROW, "->"));
    }

    #[test]
    fn file_path_slashes_are_not_regexes() {
        let k = kinds("repo:site:1.0.0:/html/index.html");
        assert!(k.iter().all(|(kind, _)| *kind != PATH_REGEX), "{k:?}");
    }

    #[test]
    fn slash_in_a_payload_block_is_plain() {
        let k = kinds("-[ Bin~image/png ]->");
        assert!(k.contains(&(SLASH, "/")), "{k:?}");
    }

    #[test]
    fn call_path_after_angle_is_a_regex_token() {
        let k = kinds("localhost:my-app^Http<Get>/index.html => &;");
        assert!(k.contains(&(PATH_REGEX, "/index.html")), "{k:?}");
    }

    #[test]
    fn router_mode_reads_regex_after_method_and_space() {
        let src = "GET /files/(.*) -> localhost:my-files:/$1;";
        let k: Vec<_> = lex(src, LexMode::Router)
            .into_iter()
            .filter(|t| t.kind != WHITESPACE)
            .map(|t| (t.kind, &src[t.range()]))
            .collect();
        assert_eq!(k[1], (PATH_REGEX, "/files/(.*)"));
    }

    #[test]
    fn variables_are_single_tokens() {
        let k = kinds("${doc.bundle}:/html/$1 $(self) $name ${open");
        assert_eq!(k[0], (VARIABLE, "${doc.bundle}"));
        assert!(k.contains(&(VARIABLE, "$1")));
        assert!(k.contains(&(VARIABLE, "$(self)")));
        assert!(k.contains(&(VARIABLE, "$name")));
        assert!(k.contains(&(VARIABLE, "${open")));
    }
}
