//! Small questions about the tree that several features ask: which token is under the cursor,
//! which route levels enclose a position.

use rowan::TokenAtOffset;
use starlane_lang::ast::{self, AstNode, Scope};
use starlane_lang::{SyntaxKind::*, SyntaxNode, SyntaxToken};

pub use starlane_lang::ast::token_span;

/// The significant token under `offset`. Between two tokens the one that is a word wins (the
/// cursor right after `Get` is on `Get`), then the right one.
pub fn token_at(root: &SyntaxNode, offset: usize) -> Option<SyntaxToken> {
    let offset = u32::try_from(offset.min(usize::from(root.text_range().end()))).ok()?;
    let pick = match root.token_at_offset(offset.into()) {
        TokenAtOffset::None => return None,
        TokenAtOffset::Single(t) => t,
        TokenAtOffset::Between(left, right) => {
            let wordy = |t: &SyntaxToken| matches!(t.kind(), IDENT | VARIABLE | INT);
            if wordy(&left) && !wordy(&right) {
                left
            } else {
                right
            }
        }
    };
    (!pick.kind().is_trivia()).then_some(pick)
}

/// The last significant token that ends at or before `offset` (what the user just typed).
pub fn token_before(root: &SyntaxNode, offset: usize) -> Option<SyntaxToken> {
    let offset = u32::try_from(offset.min(usize::from(root.text_range().end()))).ok()?;
    let mut t = match root.token_at_offset(offset.into()) {
        TokenAtOffset::None => return None,
        TokenAtOffset::Single(t) => t,
        TokenAtOffset::Between(left, _) => left,
    };
    loop {
        if !t.kind().is_trivia() && u32::from(t.text_range().start()) < offset {
            return Some(t);
        }
        t = t.prev_token()?;
    }
}

/// The route levels named by the scopes enclosing `node` (outer to inner), without `Route` and
/// `Pipelines`, with the 2022 kind names mapped to today's: `Route<Http> { <Get> … }` →
/// `[Http, Get]`.
pub fn levels_around(node: &SyntaxNode) -> Vec<(String, SyntaxToken)> {
    let mut scopes: Vec<Scope> = node.ancestors().filter_map(Scope::cast).collect();
    scopes.reverse();
    let mut out = Vec::new();
    for scope in scopes {
        let Some(selector) = scope.selector() else {
            continue;
        };
        for name in selector.names() {
            let text = match name.text() {
                "Route" | "Pipelines" => continue,
                other => starlane_lang::vocabulary::modern_kind(other),
            };
            out.push((text.to_string(), name));
        }
    }
    out
}

/// The message kind a method token belongs to: in `Route<Http<Get>>` and in `Http { <Get> … }`
/// the kind of `Get` is `Http`; in a call target `Ext<Select>` it is `Ext`. `None` for a token
/// at the kind level.
pub fn enclosing_kind(token: &SyntaxToken) -> Option<String> {
    let parent = token.parent()?;
    if parent.kind() == CALL_TARGET {
        let first = parent
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| t.kind() == IDENT)?;
        return (first != *token).then(|| first.text().to_string());
    }
    let levels = levels_around(&parent);
    let i = levels.iter().position(|(_, t)| t == token)?;
    i.checked_sub(1).map(|k| levels[k].0.clone())
}

/// Whether `token` is a word of the grammar (`grant`, `on`, `timeout`, `memory`, `Set`…) where
/// it stands, as the typed tree says, rather than a name or value that is spelled the same.
pub fn is_grammar_word(token: &SyntaxToken) -> bool {
    token
        .parent_ancestors()
        .find_map(|node| ast::own_words(&node))
        .is_some_and(|words| words.contains(token))
}
