//! Path regexes are tokens while parsing; here they are analysed (regex-syntax, so an error has a
//! position inside the pattern), once per distinct pattern text. Every phase asks this cache —
//! the checker for validity, lowering for capture names, the semantic checks for group counts,
//! the language server for capture spans — so a pattern is parsed once, and an editor session
//! keeps the cache across edits.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic, Span};

/// One capture group of a path regex: where its `(` is, and its name with the name's span
/// (offsets within the pattern).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureGroup {
    pub open: usize,
    pub name: Option<(String, Span)>,
}

type Outcome = Result<Arc<[CaptureGroup]>, (Span, String)>;

struct Entry {
    outcome: Outcome,
    /// The sweep generation that last used this pattern.
    used: u64,
}

/// Remembers each pattern's outcome: its capture groups, or its error (offset, message).
#[derive(Default)]
pub struct RegexCache {
    /// Keyed by pattern text with a fast non-cryptographic hash: patterns are the document's
    /// own text, and every route asks, every edit.
    entries: FxHashMap<String, Entry>,
    generation: u64,
}

impl RegexCache {
    /// The outcome for `pattern`, compiled on first use (a cheap clone: the groups are shared).
    ///
    /// Route paths share their tails (`/api/users/(?P<id>[0-9]+)`, `/api/posts/(?P<id>[0-9]+)`),
    /// so a pattern is analysed from the last character of its literal prefix on, and that
    /// rest is what is remembered: characters before the first one a regex gives meaning to
    /// are literals whatever they are, and keeping one of them lets a leading `*` or `{2}` be
    /// judged as it is in the whole pattern.
    fn outcome(&mut self, pattern: &str) -> Outcome {
        let Some(special) = pattern.find(is_special) else {
            // Literal text (`/api/users`): valid, with no groups, known without parsing.
            return Ok(Arc::from([]));
        };
        let split = pattern[..special]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i);
        let outcome = self.outcome_of_rest(&pattern[split..]);
        if split == 0 {
            return outcome;
        }
        match outcome {
            Ok(groups) => Ok(groups
                .iter()
                .map(|g| CaptureGroup {
                    open: g.open + split,
                    name: g
                        .name
                        .as_ref()
                        .map(|(n, span)| (n.clone(), span.start + split..span.end + split)),
                })
                .collect()),
            Err((span, message)) => Err((span.start + split..span.end + split, message)),
        }
    }

    fn outcome_of_rest(&mut self, rest: &str) -> Outcome {
        let generation = self.generation;
        // One lookup by `&str` for the common hit, which must not allocate a key.
        if let Some(entry) = self.entries.get_mut(rest) {
            entry.used = generation;
            return entry.outcome.clone();
        }
        let outcome = compile(rest);
        self.entries.insert(
            rest.to_string(),
            Entry {
                outcome: outcome.clone(),
                used: generation,
            },
        );
        outcome
    }

    /// The capture groups of `pattern` in group order (none when it does not compile).
    pub fn groups(&mut self, pattern: &str) -> Arc<[CaptureGroup]> {
        self.outcome(pattern).unwrap_or_else(|_| Arc::from([]))
    }

    /// Named capture groups, in order (unnamed ones are reached as `${N}`).
    pub fn capture_names(&mut self, pattern: &str) -> Vec<String> {
        self.groups(pattern)
            .iter()
            .filter_map(|g| g.name.as_ref().map(|(n, _)| n.clone()))
            .collect()
    }

    /// How many capture groups, named or not; `${N}` may go up to this.
    pub fn capture_count(&mut self, pattern: &str) -> usize {
        self.groups(pattern).len()
    }

    /// Forgets the patterns no one asked about since the previous sweep, so a long editor
    /// session's cache stays the size of its document.
    pub fn sweep(&mut self) {
        let generation = self.generation;
        self.entries.retain(|_, e| e.used == generation);
        self.generation += 1;
    }
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
        let outcome = self.outcome(text);
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
            Ok(groups) => Some(
                groups
                    .iter()
                    .filter_map(|g| g.name.as_ref().map(|(n, _)| n.clone()))
                    .collect(),
            ),
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

fn compile(pattern: &str) -> Outcome {
    let mut parser = regex_syntax::ast::parse::ParserBuilder::new().build();
    match parser.parse(pattern) {
        Ok(ast) => {
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
            Ok(capture_groups(&ast).into())
        }
        Err(e) => Err((
            clamp(e.span().start.offset, e.span().end.offset, pattern),
            e.kind().to_string(),
        )),
    }
}

/// A character a regex gives meaning to outside a class (`-`, `#`, `&` and `~` mean something
/// only inside a class or in verbose mode, which only a `(?x)` after one of these turns on).
fn is_special(c: char) -> bool {
    matches!(
        c,
        '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
    )
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

/// Capture groups, iteratively (a pattern nests at most as deep as its text is long), in
/// group order: groups are numbered by the position of their opening parenthesis.
fn capture_groups(ast: &regex_syntax::ast::Ast) -> Vec<CaptureGroup> {
    use regex_syntax::ast::{Ast, GroupKind};
    let mut out = Vec::new();
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Group(g) => {
                let open = g.span.start.offset;
                match &g.kind {
                    GroupKind::CaptureIndex(_) => out.push(CaptureGroup { open, name: None }),
                    GroupKind::CaptureName { name, .. } => out.push(CaptureGroup {
                        open,
                        name: Some((
                            name.name.clone(),
                            name.span.start.offset..name.span.end.offset,
                        )),
                    }),
                    GroupKind::NonCapturing(_) => {}
                }
                stack.push(&g.ast);
            }
            Ast::Repetition(r) => stack.push(&r.ast),
            Ast::Concat(c) => stack.extend(c.asts.iter()),
            Ast::Alternation(a) => stack.extend(a.asts.iter()),
            _ => {}
        }
    }
    out.sort_by_key(|g| g.open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Analysing from the literal prefix's last character on, through the cache, says
        /// what analysing the whole pattern says: validity, message, spans and groups.
        #[test]
        fn a_shared_tail_is_judged_as_the_whole_pattern_is(
            prefix in "[a-z0-9/_é#&~ -]{0,6}",
            rest in "[a-z/()?P<>:+*{},0-9\\[\\]^$|.\\\\-]{0,10}",
        ) {
            let pattern = format!("{prefix}{rest}");
            let mut cache = RegexCache::default();
            // Warm the cache with another prefix of the same tail first.
            let _ = cache.outcome(&format!("/other{rest}"));
            let expected = if pattern.contains(is_special) {
                compile(&pattern)
            } else {
                Ok(Arc::from([]))
            };
            prop_assert_eq!(cache.outcome(&pattern), expected);
        }
    }

    #[test]
    fn a_repetition_right_after_the_prefix_repeats_its_last_character() {
        let mut cache = RegexCache::default();
        assert!(cache.outcome("/files*").is_ok());
        assert!(cache.outcome("*").is_err());
        let groups = cache.groups("/api/(?P<id>[0-9]+)");
        assert_eq!(groups[0].open, 5);
        assert_eq!(groups[0].name.as_ref().unwrap().1, 9..11);
    }
}
