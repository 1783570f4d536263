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

use rowan::{GreenNode, GreenNodeData, GreenToken, NodeOrToken};
use rustc_hash::FxHashMap;

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
/// item is taken from `reuse` or built from its events, every token shared through one cache.
pub(super) fn build_tree(
    src: &str,
    tokens: &[Token],
    events: &[Event],
    reuse: Option<ReuseItem>,
) -> GreenNode {
    let mut reuse = reuse;
    let mut cache = TokenCache::default();
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
                let token = cache.token(t.kind, &src[t.range()]);
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
/// The tokens of a tree, in order (the tree is lossless: they tile its text).
pub(super) fn tokens_of(green: &GreenNodeData) -> Vec<Token> {
    fn walk(node: &GreenNodeData, offset: &mut u32, out: &mut Vec<Token>) {
        for child in node.children() {
            match child {
                NodeOrToken::Node(n) => walk(n, offset, out),
                NodeOrToken::Token(t) => {
                    let start = *offset;
                    *offset += u32::from(t.text_len());
                    out.push(Token {
                        kind: SyntaxKind::from_raw(t.kind()),
                        start,
                        end: *offset,
                    });
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(green, &mut 0, &mut out);
    out
}

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

/// Builds one subtree, its tokens shared through `cache`.
///
/// Not rowan's `GreenNodeBuilder`: its cache also interns every node of up to three children,
/// hashing each one (and re-hashing the whole table as it grows), which cost more than a third
/// of building a large document's tree while sharing little, since route nodes differ in their
/// paths. Tokens are what repeats (whitespace, punctuation, keywords), so only they are shared.
fn build_subtree<'s>(
    src: &'s str,
    tokens: &[Token],
    events: &[Event],
    cache: &mut TokenCache<'s>,
) -> GreenNode {
    // Children of every open node, innermost last; `open` holds where each node's begin.
    let mut children: Vec<Element> = Vec::with_capacity(64);
    let mut open: Vec<(SyntaxKind, usize)> = Vec::with_capacity(16);
    let mut next = 0;
    for event in events {
        match *event {
            Event::Start(TOMBSTONE) => {}
            Event::Start(kind) => open.push((kind, children.len())),
            Event::Token => {
                let t = tokens[next];
                children.push(cache.token(t.kind, &src[t.range()]).into());
                next += 1;
            }
            Event::Finish => {
                let Some((kind, first)) = open.pop() else {
                    continue;
                };
                let node = GreenNode::new(kind.into(), children.drain(first..));
                children.push(node.into());
            }
        }
    }
    // Events are balanced; should they not be, what is still open is closed here.
    while let Some((kind, first)) = open.pop() {
        let node = GreenNode::new(kind.into(), children.drain(first..));
        children.push(node.into());
    }
    match children.pop() {
        Some(NodeOrToken::Node(node)) if children.is_empty() => node,
        last => {
            children.extend(last);
            GreenNode::new(ERROR.into(), children)
        }
    }
}

/// One green token per distinct (kind, text), shared by every place it occurs.
#[derive(Default)]
struct TokenCache<'s> {
    tokens: FxHashMap<(SyntaxKind, &'s str), GreenToken>,
}

impl<'s> TokenCache<'s> {
    fn token(&mut self, kind: SyntaxKind, text: &'s str) -> GreenToken {
        self.tokens
            .entry((kind, text))
            .or_insert_with(|| GreenToken::new(kind.into(), text))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rowan::GreenNodeBuilder;

    use super::*;
    use crate::syntax_kind::SyntaxNode;

    /// The tree rowan's own builder makes of the same events: the reference ours must equal.
    fn built_by_rowan(src: &str, tokens: &[Token], events: &[Event]) -> GreenNode {
        let mut builder = GreenNodeBuilder::new();
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

    fn assert_same_tree(name: &str, src: &str) {
        let parse = crate::parser::parse(src);
        let ours = build_tree(src, parse.tokens(), &parse.events, None);
        let reference = built_by_rowan(src, parse.tokens(), &parse.events);
        assert!(
            ours == reference,
            "{name}: the tree differs from rowan's builder's"
        );
        assert_eq!(
            SyntaxNode::new_root(ours).to_string(),
            src,
            "{name}: lossless"
        );
    }

    #[test]
    fn every_real_and_corpus_file_builds_the_tree_rowans_builder_builds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut seen = 0;
        for dir in ["examples/starlane", "specs/tests", "examples/hello/bind"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("the directory exists") {
                let path = entry.expect("readable").path();
                let Ok(src) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if path.extension().is_some_and(|e| e == "expected") {
                    continue;
                }
                assert_same_tree(&path.display().to_string(), &src);
                seen += 1;
            }
        }
        assert!(seen > 150, "only {seen} files read");
    }

    #[test]
    fn broken_and_cut_off_input_builds_the_same_tree_too() {
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/bind/hello.bind"),
        )
        .expect("the hello example");
        for end in (0..src.len()).filter(|&i| src.is_char_boundary(i)) {
            assert_same_tree(&format!("hello.bind cut at {end}"), &src[..end]);
        }
        for broken in [
            "Bind { Route -> { <Get>/ -> ((",
            "}}}{{{",
            "Bind(version=1.1.0) { Port p { request: ; } }",
            "\u{0}\u{feff}Bind",
        ] {
            assert_same_tree(broken, broken);
        }
    }
}
