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
/// A large document without `reuse` builds its items on two threads.
pub(super) fn build_tree(
    src: &str,
    tokens: &[Token],
    events: &[Event],
    reuse: Option<ReuseItem>,
) -> GreenNode {
    match reuse {
        Some(reuse) => assemble(src, tokens, events, Units::Reuse(reuse)),
        None if src.len() >= TWO_THREADS_FROM => build_on_two_threads(src, tokens, events),
        None => assemble(src, tokens, events, Units::Build),
    }
}

/// From this size on a tree's items are built on two threads. Below it a thread costs more
/// than it saves (a thread is ~20 µs; a 64 KiB document's tree builds in ~0.5–0.8 ms).
const TWO_THREADS_FROM: usize = 64 * 1024;

/// Where the items (and the units of route scopes' blocks) of a tree being assembled come from.
enum Units<'r> {
    /// Built from their events as they are met.
    Build,
    /// From the caller's earlier trees where it has them; built otherwise.
    Reuse(ReuseItem<'r>),
    /// Built beforehand, in the order [`unit_jobs`] lists them.
    Prebuilt(PrebuiltUnits),
}

/// Units built beforehand, each beside the job it was built from.
type PrebuiltUnits =
    std::iter::Peekable<std::iter::Zip<std::vec::IntoIter<UnitJob>, std::vec::IntoIter<GreenNode>>>;

/// The tree of `events`, its units (see [`unit_jobs`]) built in two halves, one on a second
/// thread, then assembled. The same tree as one thread builds: a tree is a function of its
/// kinds and tokens, however its nodes were made (the tests hold it to rowan's builder's).
fn build_on_two_threads(src: &str, tokens: &[Token], events: &[Event]) -> GreenNode {
    let jobs = unit_jobs(events);
    let total: usize = jobs.iter().map(|job| job.tokens.len()).sum();
    let mut seen = 0;
    let half = jobs
        .iter()
        .position(|job| {
            seen += job.tokens.len();
            seen * 2 >= total
        })
        .map_or(jobs.len(), |i| i + 1);
    let (first, second) = jobs.split_at(half);
    let build = |jobs: &[UnitJob]| {
        let mut cache = TokenCache::default();
        jobs.iter()
            .map(|job| {
                let (events, tokens) = (&events[job.events.clone()], &tokens[job.tokens.clone()]);
                build_subtree(src, tokens, events, &mut cache)
            })
            .collect::<Vec<_>>()
    };
    let units = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().spawn_scoped(scope, || build(second));
        let mut units = build(first);
        match spawned.map(|thread| thread.join()) {
            Ok(Ok(rest)) => units.extend(rest),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread to be had (a process at its limit): this one builds the rest.
            Err(_) => units.extend(build(second)),
        }
        units
    });
    let prebuilt = jobs.into_iter().zip(units).peekable();
    assemble(src, tokens, events, Units::Prebuilt(prebuilt))
}

/// A unit to build on its own: its events and its tokens.
struct UnitJob {
    events: std::ops::Range<usize>,
    tokens: std::ops::Range<usize>,
}

/// The units [`assemble`] takes from [`Units::Prebuilt`], in order: every node at a reuse
/// position, but scopes with a block, which are opened so their blocks' units are units too (a
/// document's bytes are mostly in one big block).
fn unit_jobs(events: &[Event]) -> Vec<UnitJob> {
    let mut jobs = Vec::new();
    let mut spine: Vec<SyntaxKind> = Vec::new();
    let mut next_token = 0;
    let mut i = 0;
    while i < events.len() {
        match events[i] {
            Event::Start(TOMBSTONE) => i += 1,
            Event::Start(kind) if is_reuse_position(&spine, |k| *k) => {
                let unit = extent(events, i);
                if kind == SCOPE && unit.holds_block {
                    spine.push(kind);
                    i += 1;
                    continue;
                }
                jobs.push(UnitJob {
                    events: i..unit.end + 1,
                    tokens: next_token..next_token + unit.token_count,
                });
                next_token += unit.token_count;
                i = unit.end + 1;
            }
            Event::Start(kind) => {
                spine.push(kind);
                i += 1;
            }
            Event::Token => {
                next_token += 1;
                i += 1;
            }
            Event::Finish => {
                spine.pop();
                i += 1;
            }
        }
    }
    jobs
}

/// Replays `events` into a tree, its units (nodes at reuse positions) coming from `units`.
fn assemble(src: &str, tokens: &[Token], events: &[Event], mut units: Units) -> GreenNode {
    let mut cache = TokenCache::default();
    let mut spine: Vec<(SyntaxKind, Vec<Element>)> = Vec::new();
    let mut next_token = 0;
    let mut i = 0;
    let mut root = None;
    while i < events.len() {
        match events[i] {
            Event::Start(TOMBSTONE) => i += 1,
            Event::Start(kind) if is_reuse_position(&spine, |(k, _)| *k) => {
                let at = Place {
                    src,
                    tokens: &tokens[next_token..],
                    events,
                    start: i,
                    depth: spine.len(),
                    kind,
                };
                match units.place(at, &mut cache) {
                    Placed::OpenScope => {
                        spine.push((kind, Vec::new()));
                        i += 1;
                    }
                    Placed::Unit {
                        node,
                        end,
                        token_count,
                    } => {
                        push(&mut spine, &mut root, node.into());
                        next_token += token_count;
                        i = end + 1;
                    }
                }
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

/// A node starting at a reuse position: `events[start]` opens it, `tokens` are the document's
/// from its first on, `depth` is the number of nodes around it.
struct Place<'a> {
    src: &'a str,
    tokens: &'a [Token],
    events: &'a [Event],
    start: usize,
    depth: usize,
    kind: SyntaxKind,
}

/// What stands at a reuse position.
enum Placed {
    /// A unit's whole tree, closed by `events[end]`.
    Unit {
        node: GreenNode,
        end: usize,
        token_count: usize,
    },
    /// A route scope to open, its block's units to be placed one by one.
    OpenScope,
}

impl Units<'_> {
    fn place<'s>(&mut self, at: Place<'s>, cache: &mut TokenCache<'s>) -> Placed {
        if let Units::Prebuilt(built) = self {
            // A scope with a block is opened (`unit_jobs` lists its units, not it).
            return match built.next_if(|(job, _)| job.events.start == at.start) {
                Some((job, node)) => Placed::Unit {
                    node,
                    end: job.events.end - 1,
                    token_count: job.tokens.len(),
                },
                None => {
                    debug_assert!(at.kind == SCOPE, "only a scope is opened");
                    Placed::OpenScope
                }
            };
        }
        let Extent {
            end, token_count, ..
        } = extent(at.events, at.start);
        let item_tokens = &at.tokens[..token_count];
        let mut built = || build_subtree(at.src, item_tokens, &at.events[at.start..=end], cache);
        let node = match self {
            Units::Reuse(reuse) => {
                let text = match (item_tokens.first(), item_tokens.last()) {
                    (Some(first), Some(last)) => &at.src[first.start as usize..last.end as usize],
                    _ => "",
                };
                // The same text can lex differently where a context rule applies (inside
                // `[ … ]` a path regex does not start): the kept tree must hold these tokens.
                let kept =
                    reuse(at.depth, at.kind, text).filter(|kept| holds_tokens(kept, item_tokens));
                match kept {
                    Some(kept) => {
                        debug_assert!(kept == built(), "an item's tree is a function of its text");
                        kept
                    }
                    // A changed scope: open it here, so the units of its block can be reused.
                    None if at.kind == SCOPE => return Placed::OpenScope,
                    None => built(),
                }
            }
            _ => built(),
        };
        Placed::Unit {
            node,
            end,
            token_count,
        }
    }
}

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
fn is_reuse_position<T>(spine: &[T], kind_of: impl Fn(&T) -> SyntaxKind) -> bool {
    let kinds = || spine.iter().map(&kind_of);
    let in_bind_body = kinds().take(3).eq([SOURCE_FILE, BIND_DOC, BODY]);
    let in_block = spine.len() == 3 || kinds().rev().take(2).eq([BODY, SCOPE]);
    in_bind_body && in_block
}

/// The node started at some event, as far as its events tell.
struct Extent {
    /// The index of the `Finish` closing it.
    end: usize,
    /// How many tokens it holds.
    token_count: usize,
    /// Whether it has a block (a `BODY` child): for a scope, that it has units of its own.
    holds_block: bool,
}

/// The [`Extent`] of the node started at `events[start]`.
fn extent(events: &[Event], start: usize) -> Extent {
    let mut depth = 0usize;
    let mut token_count = 0;
    let mut holds_block = false;
    for (i, event) in events.iter().enumerate().skip(start) {
        match *event {
            Event::Start(TOMBSTONE) => {}
            Event::Start(kind) => {
                holds_block |= depth == 1 && kind == BODY;
                depth += 1;
            }
            Event::Token => token_count += 1,
            Event::Finish => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Extent {
                        end: i,
                        token_count,
                        holds_block,
                    };
                }
            }
        }
    }
    Extent {
        end: events.len() - 1,
        token_count,
        holds_block,
    }
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
///
/// The map is fronted by a small direct-mapped table: most tokens are whitespace and
/// punctuation that recur every few tokens, and a hit there costs a compare, not a hash.
/// A path regex or string is almost always new, so it is made without being remembered.
struct TokenCache<'s> {
    recent: Box<[Option<Remembered<'s>>; RECENT]>,
    tokens: FxHashMap<(SyntaxKind, &'s str), GreenToken>,
}

const RECENT: usize = 256;

/// A token with what it was made of.
type Remembered<'s> = (SyntaxKind, &'s str, GreenToken);

/// Where `(kind, text)` is remembered in the table of recent tokens: mixes the kind, the length
/// and the outer bytes, which tell apart the recurring tokens (indents of each depth, `->` and
/// `=>`, `<` and `>`) without reading a whole text.
fn recent_slot(kind: SyntaxKind, text: &str) -> usize {
    let bytes = text.as_bytes();
    let first = bytes.first().map_or(0, |&b| usize::from(b));
    let last = bytes.last().map_or(0, |&b| usize::from(b));
    (kind as usize * 31 + bytes.len() * 7 + first + last * 3) % RECENT
}

impl Default for TokenCache<'_> {
    fn default() -> Self {
        TokenCache {
            recent: Box::new([const { None }; RECENT]),
            tokens: FxHashMap::default(),
        }
    }
}

impl<'s> TokenCache<'s> {
    fn token(&mut self, kind: SyntaxKind, text: &'s str) -> GreenToken {
        if matches!(kind, PATH_REGEX | STRING) {
            return GreenToken::new(kind.into(), text);
        }
        let slot = recent_slot(kind, text);
        if let Some((k, t, token)) = &self.recent[slot]
            && *k == kind
            && *t == text
        {
            return token.clone();
        }
        let token = self
            .tokens
            .entry((kind, text))
            .or_insert_with(|| GreenToken::new(kind.into(), text))
            .clone();
        self.recent[slot] = Some((kind, text, token.clone()));
        token
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
        // Small files build on one thread; the two-thread build must agree on every one.
        let on_two_threads = build_on_two_threads(src, parse.tokens(), &parse.events);
        assert!(
            on_two_threads == reference,
            "{name}: the tree built on two threads differs from rowan's builder's"
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
    fn a_document_large_enough_for_two_threads_builds_the_same_tree() {
        let mut src = String::from("Bind(version=1.1.0) {\n  Port p { request: Text; }\n");
        let mut r = 0;
        while src.len() < TWO_THREADS_FROM * 2 {
            src.push_str(&format!(
                "  Route -> {{\n    Http<Get>/a/{r} -> ((p)) => &;\n    Http -> {{ Post -> (()) => &; }}\n  }}\n"
            ));
            r += 1;
        }
        src.push_str("  Route -> { <Get>/( -> ((p)) => &; }\n}\n");
        assert!(unit_jobs(&crate::parser::parse(&src).events).len() > 2 * r);
        assert_same_tree("generated", &src);
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

    #[test]
    fn a_recurring_token_is_one_token_wherever_it_occurs() {
        // More distinct tokens than the table of recent ones has slots, asked for three times
        // over: each (kind, text) must come back as the very token it was the first time, so
        // a table slot that was overwritten is answered from the map.
        let texts: Vec<String> = (0..2 * RECENT).map(|i| format!("w{i}")).collect();
        let mut cache = TokenCache::default();
        let first: Vec<GreenToken> = texts.iter().map(|t| cache.token(IDENT, t)).collect();
        for _ in 0..2 {
            for (text, token) in texts.iter().zip(&first) {
                let again = cache.token(IDENT, text);
                assert!(std::ptr::eq(&*again, &**token), "`{text}` was made twice");
            }
        }
        // The same text as another kind is another token.
        assert_eq!(cache.token(INT, "w1").kind(), INT.into());
        assert_eq!(cache.token(IDENT, "w1").kind(), IDENT.into());
    }
}
