//! The check pass: everything the front end can say about one document beyond its syntax —
//! versions, levels and names, atoms (points, masks, durations), regexes, the legacy forms with
//! their fix-its. It runs on the recovered tree, so a syntax error elsewhere hides nothing.
//!
//! A `Bind` body is checked item by item: what [`check_item`] finds depends on the item's own
//! text only, so an editor can keep an unchanged item's findings from one version of the document
//! to the next (see `starlane_compiler::incremental`). The few findings that depend on the whole
//! document — the version gate, `Requires` placement, the once-per-document legacy warning — are
//! made here, from what the items report.

mod declarations;
mod header;
mod legacy_docs;
mod pipeline;
mod regex;
mod routes;
mod variables;

use rowan::{NodeOrToken, WalkEvent};

use crate::ast::{AstNode, SourceFile};
use crate::atoms::AtomError;
use crate::atoms::version::Version;
use crate::diagnostic::{Diagnostic, Span, shift_span};
use crate::parser::{DocumentKind, Parse};
use crate::syntax_kind::SyntaxNode;

pub use regex::{CaptureGroup, RegexCache};

/// The language versions this front end implements.
pub const SUPPORTED_VERSIONS: &[&str] = &["1.0.0", "1.1.0"];

/// The front end alone on `src`: parse, then the checks that need only the tree (syntax and
/// front-end diagnostics, sorted). The whole pipeline — lowering, semantic checks, lint levels —
/// is `starlane_compiler::check_document`.
pub fn check_front_end(src: &str) -> (Parse, Vec<Diagnostic>) {
    let parse = crate::parser::parse(src);
    let mut cache = RegexCache::default();
    let mut diags = parse.diagnostics.clone();
    diags.extend(check(&parse, src, &mut cache));
    crate::diagnostic::sort(&mut diags);
    (parse, diags)
}

/// Runs every check over a parsed document. `cache` keeps compiled regexes between files.
pub fn check(parse: &Parse, src: &str, cache: &mut RegexCache) -> Vec<Diagnostic> {
    let kind = parse.kind;
    check_with(parse, src, cache, |item, cache| {
        check_item(item, src, kind, cache)
    })
}

/// What the checks found in one item of a `Bind` body, with spans into the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFindings {
    pub diagnostics: Vec<Diagnostic>,
    /// Every 1.1.0 form the item uses; reported (once, together) only when the document's
    /// version predates them.
    pub newer_forms: Vec<(Span, &'static str)>,
    /// The item's first path regex: an unversioned 2022 document is warned once, at its first.
    pub first_regex: Option<Span>,
}

impl ItemFindings {
    /// The findings moved by `delta` bytes, for an item that now stands elsewhere.
    pub fn shifted(&self, delta: isize) -> ItemFindings {
        ItemFindings {
            diagnostics: self
                .diagnostics
                .iter()
                .map(|d| d.clone().shifted(delta))
                .collect(),
            newer_forms: self
                .newer_forms
                .iter()
                .map(|(span, what)| (shift_span(span, delta), *what))
                .collect(),
            first_regex: self.first_regex.as_ref().map(|s| shift_span(s, delta)),
        }
    }
}

/// The items of a `Bind` body: every node directly inside it.
pub fn body_items(root: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> + use<> {
    SourceFile::cast(root.clone())
        .and_then(|f| f.bind())
        .and_then(|b| b.body())
        .into_iter()
        .flat_map(|body| body.syntax().children())
}

/// [`check`], with each body item's findings supplied by `item_findings` — [`check_item`], or a
/// memo of it.
pub fn check_with(
    parse: &Parse,
    src: &str,
    cache: &mut RegexCache,
    mut item_findings: impl FnMut(&SyntaxNode, &mut RegexCache) -> ItemFindings,
) -> Vec<Diagnostic> {
    let root = parse.syntax();
    let Some(file) = SourceFile::cast(root.clone()) else {
        return Vec::new();
    };
    let mut cx = Checker::new(src, cache);
    let Some(bind) = file.bind() else {
        for token in root
            .descendants_with_tokens()
            .filter_map(NodeOrToken::into_token)
        {
            variables::check_token(&mut cx, &token, parse.kind);
        }
        if let Some(app) = file.app() {
            legacy_docs::check_app(&mut cx, &app);
        }
        if let Some(router) = file.router() {
            legacy_docs::check_router(&mut cx, &router);
        }
        return cx.diags;
    };
    let facts = header::check_bind(&mut cx, &bind);
    let body = bind.body();
    // What stands outside the items: the header, the body's own tokens, trailing text.
    let mut walk = root.preorder_with_tokens();
    while let Some(event) = walk.next() {
        match event {
            WalkEvent::Enter(NodeOrToken::Node(node)) => {
                let is_item = body
                    .as_ref()
                    .is_some_and(|b| node.parent().as_ref() == Some(b.syntax()));
                if is_item {
                    walk.skip_subtree();
                } else {
                    pipeline::check_node(&mut cx, &node);
                }
            }
            WalkEvent::Enter(NodeOrToken::Token(token)) => {
                variables::check_token(&mut cx, &token, parse.kind)
            }
            WalkEvent::Leave(_) => {}
        }
    }
    let mut newer_forms = Vec::new();
    let mut first_regex: Option<Span> = None;
    if let Some(body) = &body {
        declarations::check_requires_placement(&mut cx, body);
        for item in body.syntax().children() {
            let found = item_findings(&item, cx.regex_cache);
            cx.diags.extend(found.diagnostics);
            newer_forms.extend(found.newer_forms);
            if let Some(regex) = found.first_regex
                && first_regex.as_ref().is_none_or(|f| regex.start < f.start)
            {
                first_regex = Some(regex);
            }
        }
    }
    if facts.legacy_unversioned
        && let Some(regex) = first_regex
    {
        routes::legacy_regex_semantics(&mut cx, regex);
    }
    if !facts.allows_extensions() && !newer_forms.is_empty() {
        newer_forms.sort_by_key(|(span, _)| (span.start, span.end));
        header::report_newer_forms(&mut cx, &bind, &newer_forms);
    }
    cx.diags
}

/// Checks one item of a `Bind` body (a node directly inside it). The findings depend on the
/// item's text and the document kind only.
pub fn check_item(
    item: &SyntaxNode,
    src: &str,
    kind: Option<DocumentKind>,
    cache: &mut RegexCache,
) -> ItemFindings {
    let mut cx = Checker::new(src, cache);
    declarations::check_keyword(&mut cx, item);
    for element in item.descendants_with_tokens() {
        match element {
            NodeOrToken::Token(token) => variables::check_token(&mut cx, &token, kind),
            NodeOrToken::Node(node) => {
                declarations::check_node(&mut cx, &node);
                pipeline::check_node(&mut cx, &node);
            }
        }
    }
    routes::check_item(&mut cx, item);
    ItemFindings {
        diagnostics: cx.diags,
        newer_forms: cx.newer_forms,
        first_regex: cx.first_regex,
    }
}

/// What the `Bind` header establishes for the whole document.
pub(crate) struct DocumentFacts {
    /// The declared version (`None` when unversioned or invalid).
    pub version: Option<Version>,
    /// An unversioned 2022 `Bind { … }`.
    pub legacy_unversioned: bool,
}

impl DocumentFacts {
    /// Whether 1.1.0 forms are allowed (unknown versions are already an error: don't pile on).
    pub fn allows_extensions(&self) -> bool {
        match &self.version {
            Some(v) => (v.major, v.minor) >= (1, 1),
            None => !self.legacy_unversioned,
        }
    }
}

pub(crate) struct Checker<'a> {
    pub src: &'a str,
    pub diags: Vec<Diagnostic>,
    /// 1.1.0 forms seen: (span, what).
    pub newer_forms: Vec<(Span, &'static str)>,
    /// The first path regex seen (by position).
    pub first_regex: Option<Span>,
    pub regex_cache: &'a mut RegexCache,
}

impl<'a> Checker<'a> {
    fn new(src: &'a str, regex_cache: &'a mut RegexCache) -> Self {
        Checker {
            src,
            diags: Vec::new(),
            newer_forms: Vec::new(),
            first_regex: None,
            regex_cache,
        }
    }

    pub fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// Records a 1.1.0-only form; whether it is an error depends on the document's version.
    pub fn needs_extensions(&mut self, span: Span, what: &'static str) {
        self.newer_forms.push((span, what));
    }

    /// Converts an atom error (relative to `node`) into a diagnostic with an absolute span.
    pub fn atom_error(&mut self, code: crate::codes::Code, node_start: usize, err: AtomError) {
        let span = node_start + err.span.start..node_start + err.span.end;
        self.report(Diagnostic::new(code, span, err.message).label(err.label));
    }
}

pub(crate) use crate::ast::trimmed_span;

pub(crate) fn token_span(token: &crate::syntax_kind::SyntaxToken) -> Span {
    let r = token.text_range();
    usize::from(r.start())..usize::from(r.end())
}
