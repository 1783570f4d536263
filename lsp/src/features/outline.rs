//! Document symbols (the outline): declarations, and route scopes nested as they are written,
//! each leaf named by its selector with its pipeline as detail.

use starlane_lang::ast::{self, AstNode};
use starlane_lang::{Span, SyntaxKind::*, SyntaxNode};
use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};

use crate::analysis::Analysis;

pub fn document_symbols(a: &Analysis) -> Vec<DocumentSymbol> {
    let root = a.root();
    let Some(file) = ast::SourceFile::cast(root) else {
        return Vec::new();
    };
    if let Some(body) = file.bind().and_then(|b| b.body()) {
        return block(a, body.syntax());
    }
    if let Some(app) = file.app() {
        return app
            .syntax()
            .descendants()
            .filter(|n| n.kind() == APP_SECTION)
            .map(|s| {
                let children = s
                    .descendants()
                    .filter(|n| matches!(n.kind(), APP_PROP | INSTALL_LINE))
                    .map(|p| leaf(a, &p, one_line(&ast::text(&p)), SymbolKind::PROPERTY, None))
                    .collect();
                with_children(
                    leaf(a, &s, first_word(&s), SymbolKind::NAMESPACE, None),
                    children,
                )
            })
            .collect();
    }
    if let Some(router) = file.router() {
        return router
            .syntax()
            .children()
            .filter(|n| n.kind() == ROUTER_LINE)
            .map(|l| leaf(a, &l, one_line(&ast::text(&l)), SymbolKind::METHOD, None))
            .collect();
    }
    Vec::new()
}

/// The symbols of the items of one `{ … }` block.
fn block(a: &Analysis, body: &SyntaxNode) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for item in body.children() {
        if item.kind() == SCOPE {
            out.push(scope(a, &item));
            continue;
        }
        let Some(decl) = ast::Declaration::cast(item.clone()) else {
            continue;
        };
        let symbol = match &decl {
            ast::Declaration::Requires(block) => {
                let children = block
                    .requirements()
                    .map(|r| {
                        let r = r.syntax().clone();
                        let text = ast::text(&r);
                        let (name, kind) = text.split_once(':').unwrap_or((&text, ""));
                        let kind = kind.trim().trim_end_matches(';').trim();
                        leaf(
                            a,
                            &r,
                            name.trim().to_string(),
                            SymbolKind::VARIABLE,
                            Some(kind.into()),
                        )
                    })
                    .collect();
                with_children(
                    leaf(a, &item, "Requires".into(), SymbolKind::NAMESPACE, None),
                    children,
                )
            }
            ast::Declaration::Schema(_) => declaration(a, &item, SymbolKind::STRUCT),
            ast::Declaration::Port(_) => declaration(a, &item, SymbolKind::FUNCTION),
            ast::Declaration::Role(_) => declaration(a, &item, SymbolKind::INTERFACE),
            ast::Declaration::Grant(_) | ast::Declaration::Call(_) => {
                leaf(a, &item, one_line(&ast::text(&item)), SymbolKind::KEY, None)
            }
            ast::Declaration::Limits(_) => {
                leaf(a, &item, "limits".into(), SymbolKind::PROPERTY, None)
            }
        };
        out.push(symbol);
    }
    out
}

fn scope(a: &Analysis, node: &SyntaxNode) -> DocumentSymbol {
    let scope = ast::Scope::cast(node.clone()).expect("called on SCOPE nodes");
    let name = scope
        .selector()
        .map(|s| one_line(&ast::text(s.syntax())))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "route".into());
    let detail = scope.pipeline().map(|p| one_line(&ast::text(p.syntax())));
    let kind = if scope.pipeline().is_some() {
        SymbolKind::METHOD
    } else {
        SymbolKind::MODULE
    };
    let children = scope
        .body()
        .map(|b| block(a, b.syntax()))
        .unwrap_or_default();
    with_children(leaf(a, node, name, kind, detail), children)
}

/// `Port save-profile { … }` → a symbol named `save-profile` whose selection is the name.
fn declaration(a: &Analysis, node: &SyntaxNode, kind: SymbolKind) -> DocumentSymbol {
    let full = ast::trimmed_span(node);
    let def = a.symbols().definitions.iter().find(|d| d.full_span == full);
    let mut symbol = leaf(
        a,
        node,
        def.map_or_else(|| first_word(node), |d| d.name.clone()),
        kind,
        Some(first_word(node)),
    );
    if let Some(d) = def {
        symbol.selection_range = a.range(&d.name_span);
    }
    symbol
}

fn first_word(node: &SyntaxNode) -> String {
    node.children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| !t.kind().is_trivia())
        .map_or_else(String::new, |t| t.text().to_string())
}

/// Collapses a multi-line text to one line of at most 80 characters.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written out
fn leaf(
    a: &Analysis,
    node: &SyntaxNode,
    name: String,
    kind: SymbolKind,
    detail: Option<String>,
) -> DocumentSymbol {
    let span: Span = ast::trimmed_span(node);
    let range = a.range(&span);
    DocumentSymbol {
        // An empty name is invalid in LSP; a recovering tree can produce one.
        name: if name.is_empty() { "?".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: range,
        children: None,
    }
}

fn with_children(mut symbol: DocumentSymbol, children: Vec<DocumentSymbol>) -> DocumentSymbol {
    if !children.is_empty() {
        symbol.children = Some(children);
    }
    symbol
}
