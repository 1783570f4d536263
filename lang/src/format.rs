//! `starlane fmt`: one canonical layout of whitespace and comments. It never rewrites forms
//! (that is `check --fix`), never drops a comment, and re-lexes its own output: if the sequence
//! of tokens (comments included) differs from the input's, it refuses instead of writing.
//!
//! Layout: two-space indentation per block; a line break after a block's `{`, after each `;` and
//! `}` that ends an item, after each App property's `,`, and after every comment; single spaces
//! between tokens that were apart; tokens that touched stay touching (points, regexes, selectors);
//! at most one blank line between items; one final newline.

use std::collections::HashSet;

use crate::lexer::{self, LexMode, Token};
use crate::syntax_kind::{SyntaxKind, SyntaxKind::*};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the file has syntax errors; fix them first (or format anyway with --force)")]
    SyntaxErrors,
    #[error(
        "formatting would change the file's tokens; refusing to write (this is a formatter bug)"
    )]
    TokensChanged,
}

/// Formats `src`. With `force`, files with syntax errors are formatted too (token safety still holds).
pub fn format(src: &str, force: bool) -> Result<String, FormatError> {
    let parse = crate::parser::parse(src);
    if !force && parse.diagnostics.iter().any(|d| d.is_error()) {
        return Err(FormatError::SyntaxErrors);
    }
    let tokens = parse.tokens();
    let root = parse.syntax();
    // Braces that open or close a block (not `{{ }}`, `Map{…}` or `${…}`).
    let block_braces: HashSet<u32> = root
        .descendants()
        .filter(|n| n.kind() == BODY)
        .flat_map(|n| {
            n.children_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| matches!(t.kind(), L_BRACE | R_BRACE))
                .map(|t| u32::from(t.text_range().start()))
                .collect::<Vec<_>>()
        })
        .collect();
    // `,` between App properties ends a line.
    let line_commas: HashSet<u32> = root
        .descendants()
        .filter(|n| n.kind() == BODY && n.parent().is_some_and(|p| p.kind() == APP_SECTION))
        .flat_map(|n| {
            n.children_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| t.kind() == COMMA)
                .map(|t| u32::from(t.text_range().start()))
                .collect::<Vec<_>>()
        })
        .collect();
    // `;` ends a line unless it is inside brackets or parentheses (never, today) — all do.
    let mut out = Printer {
        at_line_start: true,
        ..Printer::default()
    };
    let mut newlines_before = 0usize;
    let mut prev: Option<Token> = None;
    // A line end waits for the next token: a comment on the same line stays trailing.
    let mut line_end_pending = false;
    for token in tokens {
        let text = &src[token.range()];
        if token.kind == WHITESPACE {
            newlines_before += text.matches('\n').count();
            continue;
        }
        if line_end_pending {
            line_end_pending = false;
            if token.kind == COMMENT && newlines_before == 0 {
                out.push(" ");
                out.push(text.trim_end());
                out.newline();
                prev = Some(*token);
                continue;
            }
            out.newline();
        }
        if token.kind == COMMENT {
            if !out.at_line_start {
                if newlines_before > 0 {
                    out.newline();
                } else {
                    out.push(" ");
                }
            }
            out.start_line(newlines_before >= 2 && prev.is_some());
            out.push(text.trim_end());
            out.newline();
        } else {
            let kind = token.kind;
            let opens = kind == L_BRACE && block_braces.contains(&token.start);
            let closes = kind == R_BRACE && block_braces.contains(&token.start);
            if closes {
                out.depth = out.depth.saturating_sub(1);
                if !out.at_line_start {
                    out.newline();
                }
            } else if !out.at_line_start
                && let Some(p) = prev
            {
                let glued = p.end == token.start;
                let space = match (p.kind, kind) {
                    (_, SEMICOLON | COMMA) => false,
                    (R_BRACKET, ARROW | FAT_ARROW) => false,
                    (_, ARROW | FAT_ARROW) => true,
                    (ARROW | FAT_ARROW | COMMA, _) => true,
                    _ if opens => true,
                    _ => !glued,
                };
                if space {
                    out.push(" ");
                }
            }
            let after_open =
                prev.is_some_and(|p| p.kind == L_BRACE && block_braces.contains(&p.start));
            out.start_line(newlines_before >= 2 && prev.is_some() && !after_open && !closes);
            out.push(text);
            if opens {
                out.depth += 1;
                out.newline();
            } else if closes
                || kind == SEMICOLON
                || (kind == COMMA && line_commas.contains(&token.start))
            {
                line_end_pending = true;
            }
        }
        newlines_before = 0;
        prev = Some(*token);
    }
    let mut text = out.finish();
    if src.trim().is_empty() {
        text = src.to_string();
    }
    same_tokens(src, text)
}

/// The formatter's last line of defence: its output is only returned if re-lexing it gives the
/// same tokens (and comments) as the input, so a layout bug can never change a file's meaning.
fn same_tokens(src: &str, formatted: String) -> Result<String, FormatError> {
    if significant(src) != significant(&formatted) {
        return Err(FormatError::TokensChanged);
    }
    Ok(formatted)
}

/// The tokens that carry meaning (and comments), with their text.
fn significant(src: &str) -> Vec<(SyntaxKind, String)> {
    let mode = if crate::parser::parse(src).kind == Some(crate::DocumentKind::Router) {
        LexMode::Router
    } else {
        LexMode::Bind
    };
    lexer::lex(src, mode)
        .into_iter()
        .filter(|t| t.kind != WHITESPACE)
        .map(|t| (t.kind, src[t.range()].trim_end().to_string()))
        .collect()
}

#[derive(Default)]
struct Printer {
    text: String,
    depth: usize,
    at_line_start: bool,
    started: bool,
}

impl Printer {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.at_line_start = false;
        self.started = true;
    }

    /// Indents a new line (and keeps one blank line before it if asked).
    fn start_line(&mut self, blank_before: bool) {
        if !self.at_line_start && self.started {
            return;
        }
        if blank_before && self.started && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        self.at_line_start = false;
    }

    fn newline(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
        }
        self.text.push('\n');
        self.at_line_start = true;
    }

    fn finish(mut self) -> String {
        while self.text.ends_with(char::is_whitespace) {
            self.text.pop();
        }
        self.text.push('\n');
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::{FormatError, format, same_tokens};

    /// Output that would change the file is refused: tokens merged or split, a comment lost,
    /// a comment's text changed. Layout alone passes.
    #[test]
    fn output_with_other_tokens_is_refused() {
        let src = "Bind(version=1.0.0) {\n  Route<Http<Get>>/a -> (( )) => &; # why\n}\n";
        let refused = [
            src.replace("Http<Get>", "Http <Get"),
            src.replace("Route<Http", "RouteHttp<"),
            src.replace(" # why", ""),
            src.replace("# why", "# who"),
            src.replace("/a ", "/a/b "),
        ];
        for out in refused {
            assert!(
                matches!(
                    same_tokens(src, out.clone()),
                    Err(FormatError::TokensChanged)
                ),
                "accepted: {out}"
            );
        }
        let relaid = src
            .replace("  Route", "      Route")
            .replace(" # why", "   # why");
        assert_eq!(same_tokens(src, relaid.clone()).unwrap(), relaid);
    }

    #[test]
    fn canonical_layout() {
        let src = "Bind(version=1.0.0)\n{\n        Route<Http<Get>>/a   ->   (()) =>&; # trailing\n\n\n\n   Route -> { Http<Post> -> (()) => &; }\n}";
        let out = format(src, false).unwrap();
        assert_eq!(
            out,
            "Bind(version=1.0.0) {\n  Route<Http<Get>>/a -> (()) => &; # trailing\n\n  Route -> {\n    Http<Post> -> (()) => &;\n  }\n}\n"
        );
        assert_eq!(format(&out, false).unwrap(), out, "idempotent");
    }

    #[test]
    fn files_with_errors_are_left_alone() {
        assert!(format("Bind(version=1.0.0) { Route<Ext<A>> -> ; }", false).is_err());
    }
}
