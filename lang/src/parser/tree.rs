//! Replaying the parse events into a rowan tree — reusing, where the caller has them, the trees
//! of `Bind` body items, and of the units inside their route scopes' blocks, from an earlier
//! version of the document.
//!
//! The items are where an editor's file spends its bytes, and an edit touches one of them: an
//! item whose kind and text are unchanged is not rebuilt (nor, later, freed) but shared with the
//! previous tree. A route scope that changed is assembled around its block's units, which are
//! reused the same way, so a long block is not rebuilt for one edited route. That is sound
//! because such a tree is a function of its kind, depth and tokens — every block parses its
//! items from the same state but for the nesting limit — and debug builds check it on every
//! reuse. The caller finds a tree by its text; the same text can lex into other tokens where
//! the lexer's context rules apply, so a kept tree is used only if it holds this item's tokens.

use rowan::{GreenNode, GreenNodeBuilder, GreenToken, NodeCache, NodeOrToken};

use super::{Event, TOMBSTONE};
use crate::lexer::Token;
use crate::syntax_kind::SyntaxKind::{self, *};

/// Supplies the tree of a body item or a unit of a route scope's block from an earlier version,
/// given its depth (the number of nodes around it: 3 for an item of the `Bind` body), kind and
/// text.
pub type ReuseItem<'a> = &'a mut dyn FnMut(usize, SyntaxKind, &str) -> Option<GreenNode>;

/// The depth of an item of the `Bind` body.
pub const ITEM_DEPTH: usize = 3;

type Element = NodeOrToken<GreenNode, GreenToken>;

/// Builds the tree of `events`. The spine (root, document, body) is assembled here; each body
/// item is taken from `reuse` or built with a rowan builder sharing one token cache.
pub(super) fn build_tree(
    src: &str,
    tokens: &[Token],
    events: &[Event],
    reuse: Option<ReuseItem>,
) -> GreenNode {
    let mut reuse = reuse;
    let mut cache = NodeCache::default();
    let mut spine: Vec<(SyntaxKind, Vec<Element>)> = Vec::new();
    let mut next_token = 0;
    let mut i = 0;
    let mut root = None;
    while i < events.len() {
        match events[i] {
            Event::Start(TOMBSTONE) => i += 1,
            Event::Start(kind) if is_reuse_position(&spine) => {
                let (end, token_count) = extent(events, i);
                let item_tokens = &tokens[next_token..next_token + token_count];
                let text = match (item_tokens.first(), item_tokens.last()) {
                    (Some(first), Some(last)) => &src[first.start as usize..last.end as usize],
                    _ => "",
                };
                let mut built = || build_subtree(src, item_tokens, &events[i..=end], &mut cache);
                let kept = reuse
                    .as_mut()
                    .and_then(|r| r(spine.len(), kind, text))
                    // The same text can lex differently where a context rule applies (inside
                    // `[ … ]` a path regex does not start): the kept tree must hold these tokens.
                    .filter(|kept| holds_tokens(kept, item_tokens));
                let node = match kept {
                    Some(kept) => {
                        debug_assert!(kept == built(), "an item's tree is a function of its text");
                        kept
                    }
                    // A changed scope: open it here, so the units of its block can be reused.
                    None if kind == SCOPE && reuse.is_some() => {
                        spine.push((kind, Vec::new()));
                        i += 1;
                        continue;
                    }
                    None => built(),
                };
                push(&mut spine, &mut root, node.into());
                next_token += token_count;
                i = end + 1;
            }
            Event::Start(kind) => {
                spine.push((kind, Vec::new()));
                i += 1;
            }
            Event::Token => {
                let t = tokens[next_token];
                let token = GreenToken::new(t.kind.into(), &src[t.range()]);
                push(&mut spine, &mut root, token.into());
                next_token += 1;
                i += 1;
            }
            Event::Finish => {
                if let Some((kind, children)) = spine.pop() {
                    let node = GreenNode::new(kind.into(), children);
                    push(&mut spine, &mut root, node.into());
                }
                i += 1;
            }
        }
    }
    match root {
        Some(NodeOrToken::Node(node)) => node,
        // The grammar always emits one root node; an empty tree is the safe answer otherwise.
        _ => GreenNode::new(SOURCE_FILE.into(), std::iter::empty()),
    }
}

/// Whether `green`'s tokens are `tokens`, kind for kind and length for length.
fn holds_tokens(green: &GreenNode, tokens: &[Token]) -> bool {
    let mut expected = tokens.iter();
    let mut stack = vec![green.children()];
    while let Some(children) = stack.last_mut() {
        match children.next() {
            Some(NodeOrToken::Node(node)) => stack.push(node.children()),
            Some(NodeOrToken::Token(token)) => {
                let Some(t) = expected.next() else {
                    return false;
                };
                if token.kind() != t.kind.into() || token.text().len() != t.range().len() {
                    return false;
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    expected.next().is_none()
}

/// Adds `element` to the innermost open node, or makes it the root.
fn push(spine: &mut [(SyntaxKind, Vec<Element>)], root: &mut Option<Element>, element: Element) {
    match spine.last_mut() {
        Some((_, children)) => children.push(element),
        None => *root = Some(element),
    }
}

/// Whether a node starting now is an item of a `Bind` body (root → document → body → item) or
/// a unit of a route scope's block inside one (… → scope → body → unit).
fn is_reuse_position(spine: &[(SyntaxKind, Vec<Element>)]) -> bool {
    let kinds = || spine.iter().map(|(kind, _)| *kind);
    let in_bind_body = kinds().take(3).eq([SOURCE_FILE, BIND_DOC, BODY]);
    let in_block = spine.len() == 3 || kinds().rev().take(2).eq([BODY, SCOPE]);
    in_bind_body && in_block
}

/// The index of the `Finish` closing the node started at `start`, and how many tokens it holds.
fn extent(events: &[Event], start: usize) -> (usize, usize) {
    let mut depth = 0usize;
    let mut token_count = 0;
    for (i, event) in events.iter().enumerate().skip(start) {
        match *event {
            Event::Start(TOMBSTONE) => {}
            Event::Start(_) => depth += 1,
            Event::Token => token_count += 1,
            Event::Finish => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (i, token_count);
                }
            }
        }
    }
    (events.len() - 1, token_count)
}

/// Builds one subtree with rowan's builder (tokens and small nodes shared through `cache`).
fn build_subtree(
    src: &str,
    tokens: &[Token],
    events: &[Event],
    cache: &mut NodeCache,
) -> GreenNode {
    let mut builder = GreenNodeBuilder::with_cache(cache);
    let mut next = 0;
    for event in events {
        match *event {
            Event::Start(TOMBSTONE) => {}
            Event::Start(kind) => builder.start_node(kind.into()),
            Event::Token => {
                let t = tokens[next];
                builder.token(t.kind.into(), &src[t.range()]);
                next += 1;
            }
            Event::Finish => builder.finish_node(),
        }
    }
    builder.finish()
}
