//! Semantic tokens: every significant token classified by what it is in context (a kind, a
//! method, a port, a capture…), which a TextMate grammar cannot know.

use starlane_compiler::symbols::SymbolKind;
use starlane_lang::vocabulary::{KINDS, PAYLOAD_KINDS};
use std::collections::HashSet;

use rowan::TextSize;
use starlane_lang::ast;
use starlane_lang::{SyntaxKind::*, SyntaxNode, SyntaxToken};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

use super::syntax::token_span;
use crate::analysis::Analysis;

/// Token types, in legend order.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::METHOD,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::STRUCT,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::REGEXP,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::MODIFIER,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::DEPRECATED,
];

#[derive(Clone, Copy)]
enum Ty {
    Keyword,
    Type,
    Method,
    Function,
    Struct,
    Interface,
    Variable,
    Parameter,
    String,
    Number,
    Comment,
    Operator,
    Regexp,
    Namespace,
    EnumMember,
    Decorator,
    Modifier,
}

const DECLARATION: u32 = 1;
const READONLY: u32 = 2;
const DEFAULT_LIBRARY: u32 = 4;
const DEPRECATED: u32 = 8;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

pub fn semantic_tokens(a: &Analysis) -> Vec<SemanticToken> {
    let root = a.root();
    let mut out = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    let mut emit = |span: std::ops::Range<usize>, ty: Ty, modifiers: u32| {
        let start = a.position(span.start);
        let end = a.position(span.end);
        // Tokens never span lines in this language; be safe if one ever does.
        if end.line != start.line || end.character <= start.character {
            return;
        }
        // Deltas are unsigned: anything out of order is dropped rather than wrapped.
        if (start.line, start.character) < (last_line, last_col) {
            return;
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 {
            start.character - last_col
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: ty as u32,
            token_modifiers_bitset: modifiers,
        });
        (last_line, last_col) = (start.line, start.character);
    };
    // Names made of several tokens (`save-profile`) are styled once, as the symbol they are.
    // Capture definitions live inside regex tokens, which keep their regex colour.
    let mut symbols: Vec<(std::ops::Range<usize>, Ty, u32)> = a
        .symbols()
        .definitions
        .iter()
        .filter(|d| d.kind != SymbolKind::Capture)
        .map(|d| {
            let (ty, m) = symbol_style(d.kind);
            (d.name_span.clone(), ty, m | DECLARATION)
        })
        .chain(a.symbols().references.iter().map(|r| {
            let (ty, m) = symbol_style(r.kind);
            (r.span.clone(), ty, m)
        }))
        .collect();
    symbols.sort_by_key(|(s, _, _)| s.start);
    let words = grammar_words(&root);
    let mut next_symbol = 0;
    for token in root
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
    {
        let span = token_span(&token);
        while next_symbol < symbols.len() && symbols[next_symbol].0.end <= span.start {
            next_symbol += 1;
        }
        if let Some((s, ty, m)) = symbols.get(next_symbol)
            && s.start < span.end
        {
            if token.kind() == VARIABLE {
                emit(span, *ty, *m);
            } else if s.start >= span.start {
                emit(s.clone(), *ty, *m);
            }
            continue;
        }
        if let Some((ty, modifiers)) = classify(&token, &words) {
            emit(span, ty, modifiers);
        }
    }
    out
}

fn symbol_style(kind: SymbolKind) -> (Ty, u32) {
    match kind {
        SymbolKind::Port => (Ty::Function, 0),
        SymbolKind::Schema => (Ty::Struct, 0),
        SymbolKind::Role => (Ty::Interface, 0),
        SymbolKind::Context => (Ty::Variable, READONLY),
        SymbolKind::Capture => (Ty::Parameter, 0),
        SymbolKind::Builtin => (Ty::Variable, READONLY | DEFAULT_LIBRARY),
    }
}

/// Where each word of a declaration's grammar starts (`grant`, `perm`, `on`, `timeout`,
/// `memory`, an App's `Set`…), found through the typed tree: a word is a keyword where the
/// grammar puts it, and a name anywhere else.
fn grammar_words(root: &SyntaxNode) -> HashSet<TextSize> {
    root.descendants()
        .filter_map(|node| ast::own_words(&node))
        .flatten()
        .map(|word| word.text_range().start())
        .collect()
}

fn classify(token: &SyntaxToken, words: &HashSet<TextSize>) -> Option<(Ty, u32)> {
    let parent = token.parent()?.kind();
    let text = token.text();
    Some(match token.kind() {
        COMMENT => (Ty::Comment, 0),
        STRING | UNTERMINATED_STRING => (Ty::String, 0),
        INT => (Ty::Number, 0),
        PATH_REGEX => (Ty::Regexp, 0),
        VARIABLE => (Ty::Variable, 0),
        PLUS | MINUS | AMP if parent == PERM_MASK => (Ty::Modifier, 0),
        ARROW | FAT_ARROW | AMP => (Ty::Operator, 0),
        L_PAREN | R_PAREN if matches!(parent, CORE_STOP | PORT_STOP) => (Ty::Operator, 0),
        L_BRACE | R_BRACE if parent == LEGACY_CORE_STOP => (Ty::Operator, DEPRECATED),
        IDENT => match parent {
            HEADER => (Ty::Keyword, 0),
            SELECTOR_NAME | CALL_TARGET => match text {
                "Route" => (Ty::Keyword, 0),
                "Pipelines" => (Ty::Keyword, DEPRECATED),
                t if starlane_lang::vocabulary::is_legacy_kind(t) => (Ty::Type, DEPRECATED),
                t if KINDS.contains(&t) && is_kind_level(token) => (Ty::Type, 0),
                _ => (Ty::Method, 0),
            },
            PAYLOAD_PATTERN if PAYLOAD_KINDS.contains(&text) => (Ty::Type, DEFAULT_LIBRARY),
            POINT if token.parent()?.parent()?.kind() == VALIDATOR => (Ty::EnumMember, 0),
            POINT | POINT_SELECTOR => (Ty::Namespace, 0),
            FILTER => (Ty::Decorator, 0),
            PERM_MASK => (Ty::Modifier, 0),
            DURATION => (Ty::Number, 0),
            ERR_STOP => (Ty::Keyword, 0),
            KIND_EXPR => (Ty::Type, 0),
            _ if words.contains(&token.text_range().start()) => (Ty::Keyword, 0),
            _ => return None,
        },
        _ => return None,
    })
}

/// Whether a kind name stands at the kind level (`Http` in `Route<Http<Get>>`), not as a
/// method that happens to share its name.
fn is_kind_level(token: &SyntaxToken) -> bool {
    super::syntax::enclosing_kind(token).is_none()
}
