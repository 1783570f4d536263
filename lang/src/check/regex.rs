//! Path regexes are tokens while parsing; here they are compiled (regex-syntax, so an error has a
//! position inside the pattern), once per distinct pattern text.

use std::collections::HashMap;

use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic, Span};

/// Remembers each pattern's outcome: its capture names, or its error (offset, message).
#[derive(Default)]
pub struct RegexCache {
    outcomes: HashMap<String, Result<Vec<String>, (Span, String)>>,
}

impl RegexCache {
    /// Checks the regex at `span` of `src`; reports a problem into `diags`. Returns the named
    /// captures when the regex is valid.
    pub(crate) fn check(
        &mut self,
        src: &str,
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Vec<String>> {
        let text = &src[span.clone()];
        let outcome = self
            .outcomes
            .entry(text.to_string())
            .or_insert_with(|| compile(text));
        if let Some(next) = src[span.end..].chars().next()
            && !next.is_whitespace()
        {
            let glued = ["->", "=>", "{", ";"]
                .into_iter()
                .find(|g| src[span.end..].starts_with(g));
            if let Some(glued) = glued {
                diags.push(
                    Diagnostic::new(
                        codes::REGEX_NEEDS_SPACE,
                        span.end..span.end + glued.len(),
                        format!("the path regex runs into `{glued}`"),
                    )
                    .label("add a space before this")
                    .note("a path regex runs to the next whitespace")
                    .fix(
                        "insert a space",
                        span.end..span.end,
                        " ",
                        Applicability::MachineApplicable,
                    ),
                );
            }
        }
        match outcome {
            Ok(names) => Some(names.clone()),
            Err((at, message)) => {
                diags.push(
                    Diagnostic::new(
                        codes::INVALID_PATH_REGEX,
                        span.start + at.start..span.start + at.end,
                        format!("invalid path regex: {message}"),
                    )
                    .label(message.clone())
                    .secondary(span.clone(), "in this path regex"),
                );
                None
            }
        }
    }
}

fn compile(pattern: &str) -> Result<Vec<String>, (Span, String)> {
    let mut parser = regex_syntax::ast::parse::ParserBuilder::new().build();
    match parser.parse(pattern) {
        Ok(ast) => {
            let mut names = Vec::new();
            collect_names(&ast, &mut names);
            // Also run the translator so unsupported constructs (e.g. look-around) are caught.
            regex_syntax::hir::translate::TranslatorBuilder::new()
                .build()
                .translate(pattern, &ast)
                .map_err(|e| {
                    (
                        clamp(e.span().start.offset, e.span().end.offset, pattern),
                        e.kind().to_string(),
                    )
                })?;
            Ok(names)
        }
        Err(e) => Err((
            clamp(e.span().start.offset, e.span().end.offset, pattern),
            e.kind().to_string(),
        )),
    }
}

fn clamp(start: usize, end: usize, pattern: &str) -> Span {
    let start = start.min(pattern.len());
    let end = end.clamp(start, pattern.len());
    if start == end && end < pattern.len() {
        let len = pattern[end..].chars().next().map_or(0, char::len_utf8);
        start..end + len
    } else {
        start..end
    }
}

/// Capture names, iteratively (a pattern nests at most as deep as its text is long).
fn collect_names(ast: &regex_syntax::ast::Ast, out: &mut Vec<String>) {
    use regex_syntax::ast::{Ast, GroupKind};
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Group(g) => {
                if let GroupKind::CaptureName { name, .. } = &g.kind {
                    out.push(name.name.clone());
                }
                stack.push(&g.ast);
            }
            Ast::Repetition(r) => stack.push(&r.ast),
            Ast::Concat(c) => stack.extend(c.asts.iter().rev()),
            Ast::Alternation(a) => stack.extend(a.asts.iter().rev()),
            _ => {}
        }
    }
}
