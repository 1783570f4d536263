//! Reparsing after an edit: when the edit lies inside one item of a `Bind` body — or, deeper,
//! inside one item of a route scope's block — only that item is lexed and parsed again, and its
//! new tree replaces the old one in the document's tree (the rest of the tree and its tokens are
//! carried over, moved by the edit's length).
//!
//! Where an item ends can depend on the tokens after it, and error recovery in one item looks
//! ahead into the next (a `grant role` missing its name stops at a line that starts an item:
//! `Route` does, `Routex` does not). So only the clean case is taken: the document had no
//! syntax error, the item starts and ends a line (no item's parse peeks across a line break
//! unless recovering), the edit leaves its first and last characters alone, and its new text
//! parses alone — as exactly one node of the same kind, whole, without a diagnostic. Anything
//! else is parsed whole, as [`super::parse_reusing`] does. Typing inside an item of a clean
//! file, the common case, is the fast one. Tests hold the result to a parse from scratch: a
//! property test of random edits, a sweep typing at every few bytes of the corpus, and the
//! `incremental_check` fuzz target.
//!
//! The item is parsed where it stood: under the same ancestors, at the same nesting depth, in
//! the lexer mode of a `Bind` body (an item starts outside any bracket, where lexing has no
//! context).

use std::sync::{Arc, OnceLock};

use rowan::NodeOrToken;

use super::tree::{self, ReuseItem};
use super::{DocumentKind, Parse, Parser, router, scope};
use crate::ast::{AstNode, SourceFile};
use crate::lexer::{self, LexMode};
use crate::syntax_kind::{SyntaxKind, SyntaxNode};

/// Parses `new`, the next version of `old`'s text, by reparsing only the item the edit lies
/// in, with unchanged subtrees inside it from `reuse`; `None` when that cannot be done (then
/// parse the whole text, [`super::parse_reusing`]).
pub fn reparse_item(old: &Parse, new: &str, reuse: ReuseItem) -> Option<Parse> {
    if old.kind != Some(DocumentKind::Bind)
        || !old.diagnostics.is_empty()
        || router::looks_like_router_file(new)
    {
        return None;
    }
    let old_src: &str = &old.src;
    let (prefix, suffix) = crate::source::common_ends(old_src, new);
    let changed_end = old_src.len() - suffix;
    let root = old.syntax();
    let delta = new.len() as isize - old_src.len() as isize;
    // The items (of the body, then of route scopes' blocks) that hold the edit strictly inside
    // (their first and last characters unchanged), outermost first.
    let holds_edit = |node: &SyntaxNode| {
        let r = node.text_range();
        usize::from(r.start()) < prefix && changed_end < usize::from(r.end())
    };
    let edit = rowan::TextRange::new(
        rowan::TextSize::try_from(prefix).ok()?,
        rowan::TextSize::try_from(changed_end).ok()?,
    );
    // Found by the children's offsets (a binary search), not by walking a block of thousands.
    // (rowan's lookup panics on a range outside the node: asked only inside.)
    let item_at = |block: SyntaxNode| {
        block
            .text_range()
            .contains_range(edit)
            .then(|| block.child_or_token_at_range(edit))
            .flatten()
            .and_then(|e| e.into_node())
            .filter(holds_edit)
    };
    let body = SourceFile::cast(root.clone())
        .and_then(|f| f.bind())
        .and_then(|b| b.body())?;
    let mut candidates: Vec<SyntaxNode> = Vec::new();
    let mut next = item_at(body.syntax().clone());
    while let Some(item) = next {
        next = scope_block(&item).and_then(item_at);
        candidates.push(item);
    }
    // The innermost on lines of its own is parsed again; if its new text does not parse alone,
    // an outer one would not either (the same text is in it).
    let (item, depth) = candidates
        .iter()
        .enumerate()
        .rev()
        .find_map(|(depth, item)| {
            let start = usize::from(item.text_range().start());
            let end = usize::from(item.text_range().end()).checked_add_signed(delta)?;
            (starts_a_line(&new[..start]) && ends_a_line(new.get(end..)?)).then_some((item, depth))
        })?;
    let item = item.clone();
    let start = usize::from(item.text_range().start());
    let old_end = usize::from(item.text_range().end());
    let end = old_end.checked_add_signed(delta)?;
    let text = new.get(start..end)?;
    // One block per level: the body's, then each enclosing scope's.
    let green = parse_item_alone(&item, text, depth + 1, reuse)?;

    let mut spliced = green;
    let mut node = item;
    while let Some(parent) = node.parent() {
        spliced = parent
            .green()
            .replace_child(node.index(), NodeOrToken::Node(spliced));
        node = parent;
    }
    let green = OnceLock::new();
    let _ = green.set(spliced);
    Some(Parse {
        src: Arc::from(new),
        tokens: OnceLock::new(),
        // The tree is built already; events are only ever replayed to build it.
        events: Arc::new(Vec::new()),
        green,
        diagnostics: Vec::new(),
        kind: old.kind,
    })
}

/// The block of `item` when it is a route scope with one (a block of items, as the body is).
fn scope_block(item: &SyntaxNode) -> Option<SyntaxNode> {
    (item.kind() == SyntaxKind::SCOPE)
        .then(|| item.children().find(|c| c.kind() == SyntaxKind::BODY))
        .flatten()
}

/// Parses `text`, the new text of `item`, as `item` was parsed: one item under the same
/// ancestors, inside `depth` blocks. Its tree (to splice in), or `None` unless it is one node of
/// the same kind, whole, without a diagnostic.
fn parse_item_alone(
    item: &SyntaxNode,
    text: &str,
    depth: usize,
    reuse: ReuseItem,
) -> Option<rowan::GreenNode> {
    let ancestors: Vec<SyntaxKind> = item.ancestors().skip(1).map(|n| n.kind()).collect();
    let mut p = Parser::new(text, lexer::lex(text, LexMode::Bind));
    let (root_kind, inner) = ancestors.split_last()?;
    p.start_root(*root_kind);
    for kind in inner.iter().rev() {
        p.start(*kind);
    }
    // Inside as many blocks as where it stood, as `items` parses them there.
    p.depth = depth;
    p.unwinding_too_deep = false;
    scope::item(&mut p);
    if !p.at(crate::syntax_kind::SyntaxKind::EOF) {
        return None;
    }
    for _ in inner {
        p.finish();
    }
    p.eat_trivia();
    p.finish();
    let (events, tokens, diagnostics) = p.finish_events();
    if !diagnostics.is_empty() {
        return None;
    }
    // The ancestors here are stand-ins holding the item's text alone: a kept tree of that
    // text at an ancestor's depth (a unit written one level up) is not theirs.
    let item_depth = ancestors.len();
    let mut below_ancestors = |depth: usize, kind: SyntaxKind, text: &str| {
        (depth >= item_depth)
            .then(|| reuse(depth, kind, text))
            .flatten()
    };
    let alone = SyntaxNode::new_root(tree::build_tree(
        text,
        &tokens,
        &events,
        Some(&mut below_ancestors),
    ));
    let mut node = alone;
    for _ in inner {
        node = only_child(&node)?;
    }
    let parsed = only_child(&node)?;
    let whole = usize::from(parsed.text_range().start()) == 0
        && usize::from(parsed.text_range().end()) == text.len();
    (whole && parsed.kind() == item.kind()).then(|| parsed.green().into_owned())
}

/// The node that is `node`'s one child (tokens included), if that is what it has.
fn only_child(node: &SyntaxNode) -> Option<SyntaxNode> {
    let mut children = node.children_with_tokens();
    let first = children.next()?.into_node()?;
    children.next().is_none().then_some(first)
}

/// Whether only blanks stand between the last line break of `before` and its end.
fn starts_a_line(before: &str) -> bool {
    let line = before.rsplit('\n').next().unwrap_or("");
    before.contains('\n') && line.trim().is_empty()
}

/// Whether only blanks, or blanks and a comment, stand before the first line break of `after`.
fn ends_a_line(after: &str) -> bool {
    let line = after.split('\n').next().unwrap_or("").trim_start();
    after.contains('\n') && (line.is_empty() || line.starts_with('#'))
}
