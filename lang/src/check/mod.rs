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

use rowan::WalkEvent;

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
    check_with(parse, src, cache, |item, cache, _| {
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
        self.shifted_reading(delta, true)
    }

    /// [`ItemFindings::shifted`], without the `newer_forms` unless `newer_forms` (a document
    /// whose version allows them does not read them: one copy fewer per unit per edit).
    pub fn shifted_reading(&self, delta: isize, newer_forms: bool) -> ItemFindings {
        ItemFindings {
            diagnostics: self
                .diagnostics
                .iter()
                .map(|d| d.clone().shifted(delta))
                .collect(),
            newer_forms: if newer_forms {
                self.newer_forms
                    .iter()
                    .map(|(span, what)| (shift_span(span, delta), *what))
                    .collect()
            } else {
                Vec::new()
            },
            first_regex: self.first_regex.as_ref().map(|s| shift_span(s, delta)),
        }
    }

    /// Adds the findings of what follows (or lies inside) what these were found in: the first
    /// regex is the earlier of the two.
    pub fn absorb(&mut self, found: ItemFindings) {
        self.diagnostics.extend(found.diagnostics);
        self.newer_forms.extend(found.newer_forms);
        if let Some(regex) = found.first_regex
            && self
                .first_regex
                .as_ref()
                .is_none_or(|f| regex.start < f.start)
        {
            self.first_regex = Some(regex);
        }
    }

    /// Whether every span of the findings lies in `range`: only then can they move with the
    /// text that produced them (a clash with a capture of an enclosing scope also points there).
    pub fn lie_within(&self, range: &Span) -> bool {
        let inside = |s: &Span| range.start <= s.start && s.end <= range.end;
        self.diagnostics.iter().all(|d| d.spans().all(inside))
            && self.newer_forms.iter().all(|(s, _)| inside(s))
            && self.first_regex.as_ref().is_none_or(inside)
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
/// memo of it. Its last argument says whether the item's `newer_forms` are read (only when the
/// document's version predates them): a memo need not copy them otherwise.
pub fn check_with(
    parse: &Parse,
    src: &str,
    cache: &mut RegexCache,
    mut item_findings: impl FnMut(&SyntaxNode, &mut RegexCache, bool) -> ItemFindings,
) -> Vec<Diagnostic> {
    let root = parse.syntax();
    let Some(file) = SourceFile::cast(root.clone()) else {
        return Vec::new();
    };
    let mut cx = Checker::new(src, cache);
    let Some(bind) = file.bind() else {
        for node in root.descendants() {
            variables::check_tokens_of(&mut cx, &node, parse.kind);
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
    let mut walk = root.preorder();
    while let Some(event) = walk.next() {
        if let WalkEvent::Enter(node) = event {
            let is_item = body
                .as_ref()
                .is_some_and(|b| node.parent().as_ref() == Some(b.syntax()));
            if is_item {
                walk.skip_subtree();
            } else {
                pipeline::check_node(&mut cx, &node);
                variables::check_tokens_of(&mut cx, &node, parse.kind);
            }
        }
    }
    let mut newer_forms = Vec::new();
    let mut first_regex: Option<Span> = None;
    if let Some(body) = &body {
        declarations::check_requires_placement(&mut cx, body);
        for item in body.syntax().children() {
            let found = item_findings(&item, cx.regex_cache, !facts.allows_extensions());
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
    check_item_with(item, src, kind, cache, &mut |block, context, cache| {
        check_block(block, src, kind, context, cache)
    })
}

/// The scopes around a unit — an item inside a route scope's block — as far as the checks
/// need them: the unit's route level, its message kind, the captures of the regexes along it.
#[derive(Clone)]
pub struct ScopeContext(routes::Context);

/// Supplies the findings of the units of a route scope's block (the block's node is given):
/// [`check_block`], or a memo of them. A unit's findings depend on its text, the
/// [`ScopeContext`] and the document kind.
pub type BlockFindings<'a> =
    dyn FnMut(&SyntaxNode, &ScopeContext, &mut RegexCache) -> ItemFindings + 'a;

/// [`check_item`], with the findings of the units inside the item's route scopes supplied by
/// `blocks`: an edit in a long block is then rechecked unit by unit, not block by block.
pub fn check_item_with(
    item: &SyntaxNode,
    src: &str,
    kind: Option<DocumentKind>,
    cache: &mut RegexCache,
    blocks: &mut BlockFindings,
) -> ItemFindings {
    let mut cx = Checker::new(src, cache);
    declarations::check_keyword(&mut cx, item);
    check_unit_in(&mut cx, item, &routes::Context::root(), kind, blocks);
    cx.findings()
}

/// Checks one unit inside a route scope's block (its own part; the units of its block, if it
/// is a scope with one, come from `blocks`).
pub fn check_unit(
    unit: &SyntaxNode,
    src: &str,
    kind: Option<DocumentKind>,
    context: &ScopeContext,
    cache: &mut RegexCache,
    blocks: &mut BlockFindings,
) -> ItemFindings {
    let mut cx = Checker::new(src, cache);
    check_unit_in(&mut cx, unit, &context.0, kind, blocks);
    cx.findings()
}

/// Checks every unit of `block`, a route scope's block whose units stand in `context`, and
/// every unit inside them.
pub fn check_block(
    block: &SyntaxNode,
    src: &str,
    kind: Option<DocumentKind>,
    context: &ScopeContext,
    cache: &mut RegexCache,
) -> ItemFindings {
    // One checker for every unit (what `check_unit` finds for each, in order): findings per
    // unit cost allocations and a copy of each into the block's.
    let mut cx = Checker::new(src, cache);
    for unit in block.children() {
        check_unit_in(
            &mut cx,
            &unit,
            &context.0,
            kind,
            &mut |block, context, cache| check_block(block, src, kind, context, cache),
        );
    }
    cx.findings()
}

/// The checks of `unit` at `context`; the units of its block, when it is a route scope whose
/// block is checked, from `blocks`.
fn check_unit_in(
    cx: &mut Checker,
    unit: &SyntaxNode,
    context: &routes::Context,
    kind: Option<DocumentKind>,
    blocks: &mut BlockFindings,
) {
    let block = routes::check_unit(cx, unit, context);
    let block_node = block.as_ref().map(|(body, _)| body.syntax().clone());
    // Every node and token of the unit except its block's units (the block's own tokens are
    // checked): the walk does not enter them, since a block can hold thousands.
    let mut walk = unit.preorder();
    while let Some(event) = walk.next() {
        if let WalkEvent::Enter(node) = event {
            declarations::check_node(cx, &node);
            pipeline::check_node(cx, &node);
            variables::check_tokens_of(cx, &node, kind);
            if block_node.as_ref() == Some(&node) {
                walk.skip_subtree();
            }
        }
    }
    if let Some((body, inner)) = block {
        let found = blocks(body.syntax(), &ScopeContext(inner), cx.regex_cache);
        cx.absorb(found);
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

    /// Adds what a unit inside the checked node found.
    fn absorb(&mut self, found: ItemFindings) {
        let mut mine = ItemFindings {
            diagnostics: std::mem::take(&mut self.diags),
            newer_forms: std::mem::take(&mut self.newer_forms),
            first_regex: self.first_regex.take(),
        };
        mine.absorb(found);
        (self.diags, self.newer_forms, self.first_regex) =
            (mine.diagnostics, mine.newer_forms, mine.first_regex);
    }

    fn findings(self) -> ItemFindings {
        ItemFindings {
            diagnostics: self.diags,
            newer_forms: self.newer_forms,
            first_regex: self.first_regex,
        }
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

pub(crate) use crate::ast::{token_span, trimmed_span};
