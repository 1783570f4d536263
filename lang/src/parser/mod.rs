//! The resilient parser: tokens → lossless rowan tree + diagnostics. It never fails and never
//! panics: every byte ends up in the tree (unparsable runs inside `ERROR` nodes), and each
//! mistake produces one diagnostic. Recursion is bounded by [`MAX_NESTING`].
//!
//! Hand-written recursive descent in the style of rust-analyzer: a combinator library cannot
//! recover at `;`, `}` and scope starts while keeping trivia, so combinators (nom) are used only
//! for the micro-grammars inside atoms (`crate::atoms`), where exact sub-spans matter.

mod app;
mod declaration;
mod document;
mod freeing;
mod pipeline;
mod reparse;
mod router;
mod scope;
mod tree;

use std::sync::{Arc, OnceLock};

use rowan::GreenNode;

use crate::codes::{self, Code};
use crate::diagnostic::{Applicability, Diagnostic, Span};
use crate::lexer::{self, LexMode, Token};
use crate::syntax_kind::{SyntaxKind, SyntaxKind::*, SyntaxNode};

pub use document::DocumentKind;
pub use reparse::reparse_item;
pub use tree::{ITEM_DEPTH, ReuseItem};

/// Blocks (and generic or pattern brackets) may nest this deep; deeper input is one error.
pub const MAX_NESTING: usize = 64;

/// Payload patterns (`Map{a<Map{…}>}`) may nest this deep.
pub const MAX_PATTERN_DEPTH: usize = 32;

/// The result of parsing one file: always a tree, plus whatever went wrong.
///
/// The grammar records a flat list of events (start node, token, finish node); the rowan tree is
/// built from them on first use. Parsing stays cheap for callers that only want diagnostics, and
/// the two costs are measured apart (`benches/parse.rs`).
#[derive(Debug, Clone)]
pub struct Parse {
    src: Arc<str>,
    // `Arc<Vec<_>>`, not `Arc<[_]>`: converting a Vec into a slice Arc would copy it. Unset for
    // a tree spliced by `reparse_item` (read from the tree when asked for: copying every token of
    // the document on each edit was a tenth of the language server's edit).
    tokens: OnceLock<Arc<Vec<Token>>>,
    events: Arc<Vec<Event>>,
    green: OnceLock<GreenNode>,
    pub diagnostics: Vec<Diagnostic>,
    pub kind: Option<DocumentKind>,
}

impl Parse {
    /// The lossless green tree, built once.
    pub fn green(&self) -> GreenNode {
        self.green
            .get_or_init(|| tree::build_tree(&self.src, self.tokens(), &self.events, None))
            .clone()
    }

    pub fn syntax(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green())
    }

    /// The tokens of the file, trivia included, tiling the source.
    pub fn tokens(&self) -> &[Token] {
        self.tokens.get_or_init(|| {
            // Only a spliced parse has none yet, and its tree is built already.
            let green = self
                .green
                .get()
                .expect("a parse has its tokens or its tree");
            Arc::new(tree::tokens_of(green))
        })
    }
}

impl Drop for Parse {
    /// A large tree is freed on a thread kept for it (see [`freeing`]).
    fn drop(&mut self) {
        if self.src.len() >= freeing::FREE_ASIDE_FROM
            && let Some(tree) = self.green.take()
        {
            freeing::free_aside(tree);
        }
    }
}

/// One step of the parse, replayed into green nodes by [`build_tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Opens a node; `TOMBSTONE` marks a checkpoint no node was started at.
    Start(SyntaxKind),
    /// The next token of the token list.
    Token,
    Finish,
}

/// The kind of an unused checkpoint.
const TOMBSTONE: SyntaxKind = SyntaxKind::__LAST;

/// A position in the event list where a node may later be started (`start_at`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint(usize);

/// Parses a `.bind`, App or router document; the kind comes from its first token.
pub fn parse(src: &str) -> Parse {
    parse_events(src)
}

/// [`parse`], building the tree now and taking unchanged `Bind` body items from `reuse` (the
/// language server hands in the items of the document's previous tree).
pub fn parse_reusing(src: &str, reuse: ReuseItem) -> Parse {
    let parse = parse_events(src);
    let green = tree::build_tree(src, parse.tokens(), &parse.events, Some(reuse));
    let _ = parse.green.set(green);
    parse
}

fn parse_events(src: &str) -> Parse {
    let mode = if router::looks_like_router_file(src) {
        LexMode::Router
    } else {
        LexMode::Bind
    };
    let tokens = lexer::lex(src, mode);
    let mut p = Parser::new(src, tokens);
    let kind = document::source_file(&mut p, mode);
    let (events, tokens, diagnostics) = p.finish_events();
    Parse {
        src: Arc::from(src),
        tokens: OnceLock::from(Arc::new(tokens)),
        events: Arc::new(events),
        green: OnceLock::new(),
        diagnostics,
        kind,
    }
}

pub(crate) struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    /// Index of the next token to emit (possibly trivia).
    pos: usize,
    /// Index of the next significant token (cached: the grammar asks for it constantly).
    cur: usize,
    /// End offset of the last significant token emitted.
    last_end: usize,
    events: Vec<Event>,
    diagnostics: Vec<Diagnostic>,
    depth: usize,
    /// Opening delimiters still open when input ran out, innermost first.
    unclosed: Vec<(Span, &'static str)>,
    nesting_reported: bool,
    /// Set when nesting was too deep: the unwinding levels would each complain about what the
    /// skipped input left unclosed. Cleared when the parser is back at an item boundary.
    pub(crate) unwinding_too_deep: bool,
    /// Input ended inside text skipped for an already reported error: no unclosed-delimiter error.
    eof_in_recovery: bool,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, tokens: Vec<Token>) -> Self {
        let event_capacity = tokens.len() * 2 + 16;
        let cur = next_significant(&tokens, 0);
        Parser {
            src,
            tokens,
            pos: 0,
            cur,
            last_end: 0,
            // About one start/finish pair for every two tokens: one allocation for typical input.
            events: Vec::with_capacity(event_capacity.min(1 << 16)),
            diagnostics: Vec::new(),
            depth: 0,
            unclosed: Vec::new(),
            nesting_reported: false,
            eof_in_recovery: false,
            unwinding_too_deep: false,
        }
    }

    fn finish_events(mut self) -> (Vec<Event>, Vec<Token>, Vec<Diagnostic>) {
        if !self.unclosed.is_empty() && !self.nesting_reported && !self.eof_in_recovery {
            let end = self.src.len();
            let (first_span, first_delim) = self.unclosed[0].clone();
            let mut diag = Diagnostic::new(
                codes::UNCLOSED_DELIMITER,
                end..end,
                format!("this file contains an unclosed `{first_delim}`"),
            )
            .label("the file ends here");
            for (span, delim) in self.unclosed.iter().take(3) {
                diag = diag.secondary(span.clone(), format!("unclosed `{delim}` opened here"));
            }
            let closer = closing_of(first_delim);
            diag = diag.help(format!("add the missing `{closer}`")).fix(
                format!("insert `{closer}` at the end of the file"),
                end..end,
                format!(
                    "{}{closer}\n",
                    if self.src.ends_with('\n') { "" } else { "\n" }
                ),
                Applicability::MaybeIncorrect,
            );
            let _ = first_span;
            self.diagnostics.push(diag);
        }
        (self.events, self.tokens, self.diagnostics)
    }

    // ---- looking ----

    /// Index of the `n`th significant (non-trivia) token at or after `pos`.
    fn nth_index(&self, n: usize) -> Option<usize> {
        if n == 0 {
            return (self.cur < self.tokens.len()).then_some(self.cur);
        }
        let mut seen = 0;
        for (i, t) in self.tokens.iter().enumerate().skip(self.cur) {
            if t.kind.is_trivia() {
                continue;
            }
            if seen == n {
                return Some(i);
            }
            seen += 1;
        }
        None
    }

    fn nth(&self, n: usize) -> SyntaxKind {
        self.nth_index(n).map_or(EOF, |i| self.tokens[i].kind)
    }

    fn current(&self) -> SyntaxKind {
        self.nth(0)
    }

    fn at(&self, kind: SyntaxKind) -> bool {
        self.current() == kind
    }

    fn at_any(&self, kinds: &[SyntaxKind]) -> bool {
        kinds.contains(&self.current())
    }

    fn nth_text(&self, n: usize) -> &'s str {
        self.nth_index(n)
            .map_or("", |i| &self.src[self.tokens[i].range()])
    }

    fn current_text(&self) -> &'s str {
        self.nth_text(0)
    }

    /// Whether the current token is the identifier `word`.
    fn at_word(&self, word: &str) -> bool {
        self.at(IDENT) && self.current_text() == word
    }

    fn nth_span(&self, n: usize) -> Span {
        self.nth_index(n)
            .map_or(self.src.len()..self.src.len(), |i| self.tokens[i].range())
    }

    fn current_span(&self) -> Span {
        self.nth_span(0)
    }

    /// Whether significant token `n` touches the one before it (no whitespace or comment between).
    fn nth_glued(&self, n: usize) -> bool {
        match self.nth_index(n) {
            Some(i) if i > 0 => !self.tokens[i - 1].kind.is_trivia(),
            _ => false,
        }
    }

    /// Whether the current token touches the previous one.
    fn glued(&self) -> bool {
        self.nth_glued(0)
    }

    /// End offset of the last significant token emitted.
    fn prev_end(&self) -> usize {
        self.last_end
    }

    /// Whether a line break separates the current token from the last emitted one.
    fn on_new_line(&self) -> bool {
        let start = self.current_span().start;
        self.src[self.prev_end()..start].contains('\n')
    }

    // ---- building ----

    fn eat_trivia(&mut self) {
        while let Some(t) = self.tokens.get(self.pos) {
            if !t.kind.is_trivia() {
                break;
            }
            self.events.push(Event::Token);
            self.pos += 1;
        }
    }

    /// Emits the current significant token (and the trivia before it).
    fn bump(&mut self) {
        self.eat_trivia();
        if self.pos < self.tokens.len() {
            self.events.push(Event::Token);
            self.last_end = self.tokens[self.pos].end as usize;
            self.pos += 1;
            self.cur = next_significant(&self.tokens, self.pos);
        }
    }

    fn eat(&mut self, kind: SyntaxKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn start(&mut self, kind: SyntaxKind) {
        self.eat_trivia();
        self.events.push(Event::Start(kind));
    }

    /// Opens the root node: unlike `start`, leading trivia goes inside it.
    fn start_root(&mut self, kind: SyntaxKind) {
        self.events.push(Event::Start(kind));
    }

    fn checkpoint(&mut self) -> Checkpoint {
        self.eat_trivia();
        self.events.push(Event::Start(TOMBSTONE));
        Checkpoint(self.events.len() - 1)
    }

    fn start_at(&mut self, checkpoint: Checkpoint, kind: SyntaxKind) {
        self.events[checkpoint.0] = Event::Start(kind);
    }

    fn finish(&mut self) {
        self.events.push(Event::Finish);
    }

    // ---- errors and recovery ----

    /// Records a diagnostic. A complaint about an invalid character or an unterminated string is
    /// really about the lexeme itself, so it is reported as that (once), not as a grammar error.
    fn report(&mut self, mut diag: Diagnostic) {
        if self.unwinding_too_deep && diag.code != codes::NESTING_TOO_DEEP {
            return;
        }
        if let Some(i) = self.nth_index(0) {
            let token = self.tokens[i];
            let here = diag.primary.span.start == token.start as usize
                || diag.primary.span.start == self.prev_end();
            if here && matches!(token.kind, ERROR_TOKEN | UNTERMINATED_STRING) {
                let span = token.range();
                let text = &self.src[span.clone()];
                diag = if token.kind == ERROR_TOKEN {
                    let c = text.chars().next().unwrap_or(' ');
                    Diagnostic::new(
                        codes::INVALID_CHARACTER,
                        span,
                        format!(
                            "invalid character `{}` (U+{:04X})",
                            c.escape_debug(),
                            c as u32
                        ),
                    )
                    .label("cannot start any token")
                    .help("remove it, or put it inside a string")
                } else {
                    let quote = &text[..1];
                    Diagnostic::new(
                        codes::UNTERMINATED_STRING,
                        span.clone(),
                        "unterminated string",
                    )
                    .label("the string starts here and reaches the end of the line")
                    .fix(
                        format!("close the string with `{quote}`"),
                        span.end..span.end,
                        quote,
                        Applicability::MaybeIncorrect,
                    )
                };
            }
        }
        let duplicate = self
            .diagnostics
            .last()
            .is_some_and(|last| last.code == diag.code && last.primary.span == diag.primary.span);
        if !duplicate {
            self.diagnostics.push(diag);
        }
    }

    /// A diagnostic at the current token.
    fn error_here(&mut self, code: Code, message: impl Into<String>, label: impl Into<String>) {
        let span = self.current_span();
        self.report(Diagnostic::new(code, span, message).label(label));
    }

    /// Reports a missing `;` just after the previous token, with a fix-it.
    fn missing_semicolon(&mut self, what: &str) {
        let at = self.prev_end();
        self.report(
            Diagnostic::new(
                codes::MISSING_SEMICOLON,
                at..at,
                format!("expected `;` after {what}"),
            )
            .label("add `;` here")
            .fix("insert `;`", at..at, ";", Applicability::MachineApplicable),
        );
    }

    /// The one `E0006` for a delimiter a construct opened and did not close: reported at `at`
    /// (just after the previous token, or the offending token), naming what `closer` would
    /// close, with the opening as a secondary label and, when `fix` says how sure it is, a fix-it
    /// that inserts the closer.
    fn unclosed(
        &mut self,
        delimiters: (&str, &str),
        what: &str,
        open: Span,
        at: Span,
        fix: Option<Applicability>,
    ) {
        let (opener, closer) = delimiters;
        let mut diag = Diagnostic::new(
            codes::UNCLOSED_DELIMITER,
            at.clone(),
            format!(
                "expected `{closer}` to close {what}, found {}",
                self.describe_current()
            ),
        )
        .label(format!("expected `{closer}` here"))
        .secondary(open, format!("unclosed `{opener}` opened here"));
        if let Some(applicability) = fix {
            diag = diag.fix(
                format!("insert `{closer}`"),
                at.start..at.start,
                closer,
                applicability,
            );
        }
        self.report(diag);
    }

    /// Describes the current token for messages: `` `foo` `` or "end of file".
    fn describe_current(&self) -> String {
        match self.current() {
            EOF => "end of file".to_string(),
            _ => format!("`{}`", truncate(self.current_text(), 40)),
        }
    }

    /// Skips tokens into an `ERROR` node until one of `stop` (not consumed), a `;` (consumed) or a
    /// `}` that closes the enclosing block. Braces opened while skipping are skipped balanced,
    /// iteratively, so malformed input never recurses.
    fn recover(&mut self, stop: &[SyntaxKind]) {
        if self.at(EOF) || self.at(R_BRACE) || self.at_any(stop) {
            return;
        }
        self.start(ERROR);
        let mut balance = 0usize;
        loop {
            let kind = self.current();
            if kind == EOF {
                self.eof_in_recovery |= balance > 0;
                break;
            }
            if balance == 0 && (kind == R_BRACE || stop.contains(&kind)) {
                break;
            }
            match kind {
                L_BRACE => balance += 1,
                R_BRACE => balance -= 1,
                SEMICOLON if balance == 0 => {
                    self.bump();
                    break;
                }
                _ => {}
            }
            self.bump();
        }
        self.finish();
    }

    /// The span of the last `}` emitted before the current position (the document's closing brace
    /// when called after the document).
    fn closing_brace_of_document(&self) -> Option<Span> {
        self.tokens[..self.pos]
            .iter()
            .rev()
            .find(|t| !t.kind.is_trivia())
            .filter(|t| t.kind == R_BRACE)
            .map(|t| t.range())
    }

    /// Wraps the current token in an `ERROR` node.
    fn bump_error(&mut self) {
        self.start(ERROR);
        self.bump();
        self.finish();
    }

    /// Parses `{ contents }` as a `node` node. Past [`MAX_NESTING`] the block is skipped flat with
    /// one error; at end of input the opening brace is remembered for one unclosed-delimiter error.
    fn block(&mut self, node: SyntaxKind, contents: impl FnOnce(&mut Self)) {
        self.start(node);
        let open = self.current_span();
        self.bump(); // `{`
        if self.depth >= MAX_NESTING {
            self.too_deep(open);
            self.skip_balanced_rest();
            self.finish();
            return;
        }
        self.depth += 1;
        contents(self);
        self.depth -= 1;
        if !self.eat(R_BRACE) {
            self.unclosed.push((open, "{"));
        }
        self.finish();
    }

    fn too_deep(&mut self, open: Span) {
        if self.nesting_reported {
            return;
        }
        self.report(
            Diagnostic::new(
                codes::NESTING_TOO_DEEP,
                open,
                format!("nesting deeper than {MAX_NESTING} levels"),
            )
            .label("this block is too deeply nested")
            .note("the rest of this block is not checked"),
        );
        self.nesting_reported = true;
        self.unwinding_too_deep = true;
    }

    /// After a too-deep `{`: skips to its matching `}` (or the end), without recursion.
    fn skip_balanced_rest(&mut self) {
        self.start(ERROR);
        let mut balance = 1usize;
        while !self.at(EOF) {
            match self.current() {
                L_BRACE => balance += 1,
                R_BRACE => {
                    balance -= 1;
                    if balance == 0 {
                        break;
                    }
                }
                _ => {}
            }
            self.bump();
        }
        self.finish();
        self.eat(R_BRACE);
    }

    /// Emits glued tokens (no trivia between) while `keep` accepts them, at least one.
    fn bump_glued_run(&mut self, keep: impl Fn(&Self) -> bool) {
        self.bump();
        while self.glued() && !self.at(EOF) && keep(self) {
            self.bump();
        }
    }
}

/// The index of the first non-trivia token at or after `from` (`tokens.len()` if none).
fn next_significant(tokens: &[Token], from: usize) -> usize {
    tokens[from.min(tokens.len())..]
        .iter()
        .position(|t| !t.kind.is_trivia())
        .map_or(tokens.len(), |i| from + i)
}

fn closing_of(open: &str) -> &'static str {
    match open {
        "(" => ")",
        "[" => "]",
        "<" => ">",
        _ => "}",
    }
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests;
