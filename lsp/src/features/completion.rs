//! Completion from the position's context: the word being typed and the token before it decide
//! what fits there (a port after `((`, a schema or format after `~`, a capture or context name
//! inside `${…}`, a method after `Http<`, a stop after `->`, the next route level or
//! declaration keyword at the start of an item).

use starlane_compiler::symbols::SymbolKind;
use starlane_lang::ast::{self, AstNode};
use starlane_lang::vocabulary::{
    DECLARATION_KEYWORDS, FILTERS, FORMATS, GRANT_FORMS, KINDS, LIMITS, PAYLOAD_KINDS, PORT_FIELDS,
    methods_of,
};
use starlane_lang::{SyntaxKind::*, SyntaxNode, SyntaxToken};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, InsertTextFormat,
    MarkupContent, MarkupKind, TextEdit,
};

use super::syntax::{is_grammar_word, levels_around, token_before};
use crate::analysis::Analysis;
use crate::knowledge;

pub fn completion(a: &Analysis, offset: usize) -> Vec<CompletionItem> {
    let offset = floor_char_boundary(&a.text, offset);
    let line_start = a.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &a.text[line_start..offset];
    if let Some(items) = variable(a, offset, before) {
        return items;
    }
    let word_len = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '/')
        .map(char::len_utf8)
        .sum::<usize>();
    let head = &before[..before.len() - word_len];
    if head.ends_with("((") {
        return names(a, SymbolKind::Port, CompletionItemKind::FUNCTION);
    }
    if head.ends_with('~') {
        let mut items = names(a, SymbolKind::Schema, CompletionItemKind::STRUCT);
        items.extend(FORMATS.iter().map(|f| {
            let mut i = item(f, CompletionItemKind::ENUM_MEMBER, None);
            i.documentation = knowledge::format(f).map(|d| markdown_owned(&d));
            i
        }));
        return items;
    }
    let root = a.root();
    let word_start = offset - word_len;
    match token_before(&root, word_start) {
        Some(prev) => after_token(a, &root, &prev, word_start),
        None if a.text.trim().is_empty() => vec![snippet(
            "Bind",
            "Bind(version=1.1.0) {\n\t$0\n}",
            knowledge::keyword("Bind"),
        )],
        None => Vec::new(),
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Inside `${…}` or right after `$`: captures of this route, context names, built-ins.
fn variable(a: &Analysis, offset: usize, before: &str) -> Option<Vec<CompletionItem>> {
    let dollar = before.rfind('$')?;
    let partial = &before[dollar + 1..];
    let (braced, name) = match partial.strip_prefix('{') {
        Some(name) => (true, name),
        None => (false, partial),
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        || (!braced && !name.is_empty())
    {
        return None;
    }
    // The whole name around the cursor is replaced, and its closing brace when there is one,
    // so completing inside `${he|llo}` gives `${hello}`, not `${hellollo}`.
    let after = &a.text[offset..];
    let rest = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(after.len());
    let closed = braced && after[rest..].starts_with('}');
    let replace = offset - name.len()..offset + rest + usize::from(closed);
    let edit = |label: &str| {
        let text = if braced {
            format!("{label}}}")
        } else {
            format!("{{{label}}}")
        };
        CompletionTextEdit::Edit(TextEdit {
            range: a.range(&replace),
            new_text: text,
        })
    };
    let mut items = Vec::new();
    for &d in a.symbols().captures_at(offset) {
        let def = &a.symbols().definitions[d];
        items.push(CompletionItem {
            label: def.name.clone(),
            kind: Some(CompletionItemKind::VARIABLE),
            detail: Some(format!("capture of `{}`", &a.text[def.full_span.clone()])),
            text_edit: Some(edit(&def.name)),
            ..Default::default()
        });
    }
    for def in a.symbols().of_kind(SymbolKind::Context) {
        items.push(CompletionItem {
            label: def.name.clone(),
            kind: Some(CompletionItemKind::VARIABLE),
            detail: Some(format!("context name: {}", &a.text[def.full_span.clone()])),
            text_edit: Some(edit(&def.name)),
            ..Default::default()
        });
    }
    for builtin in ["doc.bundle", "self"] {
        items.push(CompletionItem {
            label: builtin.into(),
            kind: Some(CompletionItemKind::CONSTANT),
            detail: Some("built-in".into()),
            documentation: knowledge::builtin(builtin).map(markdown),
            text_edit: Some(edit(builtin)),
            ..Default::default()
        });
    }
    Some(items)
}

fn after_token(
    a: &Analysis,
    root: &SyntaxNode,
    prev: &SyntaxToken,
    word_start: usize,
) -> Vec<CompletionItem> {
    let parent = prev.parent();
    let parent_kind = parent.as_ref().map(|p| p.kind());
    let before_prev = prev_significant(prev);
    match (prev.kind(), prev.text()) {
        (L_BRACKET, _) if parent_kind == Some(PAYLOAD_BLOCK) => payload_kinds(),
        (L_ANGLE, _) if parent_kind == Some(MAP_ENTRY) => payload_kinds(),
        (COLON, _) if let Some(field) = parent.clone().and_then(ast::PortField::cast) => {
            match field.name().as_ref().map(|t| t.text()) {
                Some("timeout") => keywords(&["exec", "total"]),
                Some("envelope") => keywords(starlane_lang::vocabulary::ENVELOPES),
                _ => payload_kinds(),
            }
        }
        (COMMA, _) if parent.clone().and_then(ast::TimeoutSpec::cast).is_some() => {
            keywords(&["total"])
        }
        (L_ANGLE, _) => angle(before_prev.as_ref(), root, word_start),
        (CARET, _) => KINDS
            .iter()
            .map(|k| {
                let mut i = item(
                    k,
                    CompletionItemKind::CLASS,
                    knowledge::message_kind(k).as_deref(),
                );
                i.insert_text = Some(format!("{k}<$1>$0"));
                i.insert_text_format = Some(InsertTextFormat::SNIPPET);
                i
            })
            .collect(),
        (L_PAREN, _) if matches!(parent_kind, Some(FILTER | FILTER_LIST | SELECTOR)) => FILTERS
            .iter()
            .map(|f| item(f, CompletionItemKind::KEYWORD, knowledge::filter(f)))
            .collect(),
        // Only where the word may be the grammar's — a grant's, one being typed (it reads as a
        // scope's name until more follows), or one the parser could not place — not a name or
        // value spelled the same (an App's `+mechtron.name=grant`).
        (IDENT, "grant")
            if is_grammar_word(prev) || matches!(parent_kind, Some(SELECTOR_NAME | ERROR)) =>
        {
            GRANT_FORMS
                .iter()
                .map(|f| item(f, CompletionItemKind::KEYWORD, knowledge::keyword(f)))
                .collect()
        }
        (IDENT, "role") if before_prev.as_ref().is_some_and(|t| t.text() == "grant") => {
            names(a, SymbolKind::Role, CompletionItemKind::INTERFACE)
        }
        (IDENT, "on" | "to" | "call") if is_grammar_word(prev) || parent_kind == Some(ERROR) => a
            .symbols()
            .of_kind(SymbolKind::Context)
            .map(|d| {
                let mut i = item(
                    &format!("${{{}}}", d.name),
                    CompletionItemKind::VARIABLE,
                    None,
                );
                i.insert_text = Some(format!("${{{}}}:**", d.name));
                i.detail = Some(a.text[d.full_span.clone()].to_string());
                i
            })
            .collect(),
        (ARROW | FAT_ARROW, _) => stops(a),
        (L_BRACE | SEMICOLON | R_BRACE, _) => item_start(a, prev),
        _ => Vec::new(),
    }
}

fn prev_significant(t: &SyntaxToken) -> Option<SyntaxToken> {
    let mut t = t.prev_token()?;
    while t.kind().is_trivia() {
        t = t.prev_token()?;
    }
    Some(t)
}

/// After `<`: kinds after `Route<`, methods after `Http<`, and inside a route body whatever
/// the next level is.
fn angle(
    before: Option<&SyntaxToken>,
    root: &SyntaxNode,
    word_start: usize,
) -> Vec<CompletionItem> {
    match before.map(|t| t.text()) {
        Some("Route") => kinds(),
        Some(kind) if methods_of(kind).is_some() || kind == "Ext" => methods(kind),
        _ => {
            let levels = levels_at(root, word_start).unwrap_or_default();
            match levels.as_slice() {
                [] => kinds(),
                [kind] => methods(kind),
                _ => Vec::new(),
            }
        }
    }
}

/// The route levels established around a position, or `None` outside any route scope.
fn levels_at(root: &SyntaxNode, offset: usize) -> Option<Vec<String>> {
    let body = body_at(root, offset)?;
    let inside_route = body.ancestors().any(|n| n.kind() == SCOPE);
    inside_route.then(|| levels_around(&body).into_iter().map(|(n, _)| n).collect())
}

/// The innermost `BODY` (a `{ … }` block) whose braces enclose `offset`.
fn body_at(root: &SyntaxNode, offset: usize) -> Option<SyntaxNode> {
    let offset = u32::try_from(offset).ok()?;
    root.descendants()
        .filter(|n| n.kind() == BODY)
        .filter(|n| {
            let r = n.text_range();
            u32::from(r.start()) < offset && offset <= u32::from(r.end())
        })
        .min_by_key(|n| n.text_range().len())
}

/// At the start of an item (after `{`, `;` or `}`): what the enclosing block may hold.
fn item_start(a: &Analysis, prev: &SyntaxToken) -> Vec<CompletionItem> {
    let root = a.root();
    // After a `}` the block it closes is behind the cursor: what fits is what the block around
    // that one may hold (after `limits { … }`, a declaration, not another limit).
    let enclosing = match prev.kind() {
        R_BRACE => prev
            .parent()
            .filter(|n| n.kind() == BODY)
            .and_then(|closed| closed.ancestors().skip(1).find(|n| n.kind() == BODY)),
        _ => body_at(&root, usize::from(prev.text_range().end())),
    };
    let Some(body) = enclosing else {
        return Vec::new();
    };
    let Some(owner) = body.parent() else {
        return Vec::new();
    };
    match ast::Declaration::cast(owner.clone()) {
        Some(ast::Declaration::Port(_)) => {
            let mut items: Vec<_> = PORT_FIELDS
                .iter()
                .map(|f| {
                    let mut i = item(f, CompletionItemKind::FIELD, knowledge::keyword(f));
                    i.insert_text = Some(format!("{f}: "));
                    i
                })
                .collect();
            items.extend(keywords(&["grant", "call"]));
            items
        }
        Some(ast::Declaration::Role(_)) => keywords(&["grant"]),
        Some(ast::Declaration::Limits(_)) => LIMITS
            .iter()
            .map(|l| item(l, CompletionItemKind::FIELD, knowledge::keyword(l)))
            .collect(),
        Some(_) => Vec::new(),
        None if owner.kind() == BIND_DOC => {
            let mut items = vec![snippet(
                "Route",
                "Route<${1:Http}<${2:Get}>>/${3:path} -> ${4:(( ))} => &;",
                knowledge::keyword("Route"),
            )];
            items.push(snippet(
                "Port",
                "Port ${1:name} {\n\trequest: ${2:Json};\n\tresponse: ${3:Json};\n}",
                knowledge::keyword("Port"),
            ));
            items.push(snippet(
                "Requires",
                "Requires {\n\t${1:name}: ${2:Base<User>};\n}",
                knowledge::keyword("Requires"),
            ));
            items.push(snippet(
                "Schema",
                "Schema ${1:Name} = \"schema/${2:name}.json\";",
                knowledge::keyword("Schema"),
            ));
            items.extend(
                DECLARATION_KEYWORDS
                    .iter()
                    .filter(|k| !matches!(**k, "Port" | "Requires" | "Schema"))
                    .map(|k| item(k, CompletionItemKind::KEYWORD, knowledge::keyword(k))),
            );
            items
        }
        None if owner.kind() == SCOPE => {
            let levels: Vec<String> = levels_around(&body).into_iter().map(|(n, _)| n).collect();
            match levels.as_slice() {
                [] => routes_of_kinds(),
                [kind] => routes_of_methods(kind),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn kinds() -> Vec<CompletionItem> {
    KINDS
        .iter()
        .chain(&["*"])
        .map(|k| {
            item(
                k,
                CompletionItemKind::CLASS,
                knowledge::message_kind(k).as_deref(),
            )
        })
        .collect()
}

/// At the start of an item in a `Route -> { … }` block: a whole route for each kind, so what is
/// inserted parses in place (`Http<${1:Get}>/${2:path} -> ${3:(( ))} => &;`).
fn routes_of_kinds() -> Vec<CompletionItem> {
    kinds()
        .into_iter()
        .map(|mut i| {
            let kind = i.label.clone();
            i.insert_text = Some(if kind == "*" {
                "*/${1:path} -> ${2:(( ))} => &;".to_string()
            } else {
                format!(
                    "{kind}<${{1:{}}}>/${{2:path}} -> ${{3:(( ))}} => &;",
                    first_method(&kind)
                )
            });
            i.insert_text_format = Some(InsertTextFormat::SNIPPET);
            i
        })
        .collect()
}

/// At the start of an item in a `Route<Kind> -> { … }` block: a whole route for each method
/// (`<Get>/${1:path} -> ${2:(( ))} => &;`).
fn routes_of_methods(kind: &str) -> Vec<CompletionItem> {
    methods(kind)
        .into_iter()
        .map(|mut i| {
            i.insert_text = Some(format!("<{}>/${{1:path}} -> ${{2:(( ))}} => &;", i.label));
            i.insert_text_format = Some(InsertTextFormat::SNIPPET);
            i
        })
        .collect()
}

fn first_method(kind: &str) -> &'static str {
    methods_of(kind)
        .and_then(|m| m.first().copied())
        .unwrap_or("Method")
}

fn methods(kind: &str) -> Vec<CompletionItem> {
    methods_of(kind)
        .unwrap_or(&[])
        .iter()
        .map(|m| {
            let doc = knowledge::method(Some(kind), m);
            let mut i = item(m, CompletionItemKind::METHOD, None);
            i.documentation = doc.map(|d| markdown_owned(&d));
            i
        })
        .collect()
}

fn payload_kinds() -> Vec<CompletionItem> {
    PAYLOAD_KINDS
        .iter()
        .chain(&["*"])
        .map(|k| {
            let mut i = item(k, CompletionItemKind::TYPE_PARAMETER, None);
            i.documentation = knowledge::payload_kind(k).map(|d| markdown_owned(&d));
            i
        })
        .collect()
}

fn stops(a: &Analysis) -> Vec<CompletionItem> {
    let mut items = vec![
        snippet_kind(
            "(( ))",
            "(( ))",
            "the bound mechtron's core",
            CompletionItemKind::OPERATOR,
        ),
        snippet_kind(
            "&",
            "&",
            "reply to the sender with the current body",
            CompletionItemKind::OPERATOR,
        ),
        snippet_kind(
            "Err",
            "Err(${1:404}, \"${2:reason}\")",
            "answer with a status and reason",
            CompletionItemKind::OPERATOR,
        ),
        snippet_kind(
            "${doc.bundle}:/",
            "\\${doc.bundle}:/${1:path}",
            "a file in this bundle",
            CompletionItemKind::FILE,
        ),
    ];
    for port in a.symbols().of_kind(SymbolKind::Port) {
        let mut i = item(
            &format!("(({}))", port.name),
            CompletionItemKind::FUNCTION,
            None,
        );
        i.detail = Some("port".into());
        items.push(i);
    }
    items
}

fn names(a: &Analysis, kind: SymbolKind, item_kind: CompletionItemKind) -> Vec<CompletionItem> {
    a.symbols()
        .of_kind(kind)
        .map(|d| {
            let mut i = item(&d.name, item_kind, None);
            i.detail = Some(kind.describe().to_string());
            let decl = &a.text[d.full_span.clone()];
            i.documentation = Some(markdown_owned(&format!(
                "```bind\n{}\n```",
                decl.lines().take(8).collect::<Vec<_>>().join("\n")
            )));
            i
        })
        .collect()
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| item(w, CompletionItemKind::KEYWORD, knowledge::keyword(w)))
        .collect()
}

fn item(label: &str, kind: CompletionItemKind, doc: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        documentation: doc.map(markdown),
        ..Default::default()
    }
}

fn snippet(label: &str, body: &str, doc: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        documentation: doc.map(markdown),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..Default::default()
    }
}

fn snippet_kind(label: &str, body: &str, detail: &str, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..Default::default()
    }
}

fn markdown(text: &str) -> Documentation {
    markdown_owned(text)
}

fn markdown_owned(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snippet as inserted with every placeholder left at its default: `${N:default}` →
    /// `default`, `$0` → nothing (snippets here never nest placeholders).
    fn as_inserted(snippet: &str) -> String {
        let mut out = String::new();
        let mut rest = snippet;
        while let Some(i) = rest.find("${") {
            let is_escaped = i > 0 && rest.as_bytes()[i - 1] == b'\\';
            let close = rest[i..].find('}').map(|c| i + c);
            match (is_escaped, close, rest[i..].find(':')) {
                (false, Some(close), Some(colon)) if i + colon < close => {
                    out.push_str(&rest[..i]);
                    out.push_str(&rest[i + colon + 1..close]);
                    rest = &rest[close + 1..];
                }
                _ => {
                    out.push_str(&rest[..i + 2]);
                    rest = &rest[i + 2..];
                }
            }
        }
        out.push_str(rest);
        out.replace("$0", "").replace("\\$", "$")
    }

    /// Every item offered at the start of an item, inserted there, leaves a document without
    /// syntax errors: after a closed block, in a `Route<Kind>` block and in a `Route` block.
    #[test]
    fn items_at_an_item_start_insert_text_that_parses_in_place() {
        let doc = "Bind(version=1.1.0) {\n  limits { memory 16MiB; }\n  \n  Route<Http> -> {\n    <Get>/a -> (( )) => &;\n    \n  }\n  Route -> {\n    \n  }\n}\n";
        let uri: tower_lsp_server::ls_types::Uri = "file:///t.bind".parse().unwrap();
        let a = Analysis::new(uri, 1, doc, &Default::default(), &mut Default::default());
        let spots = [
            doc.find("}\n  \n").unwrap() + 4,
            doc.find("&;\n    \n").unwrap() + 7,
            doc.find("Route -> {\n    ").unwrap() + 15,
        ];
        for at in spots {
            let items = completion(&a, at);
            assert!(!items.is_empty(), "nothing offered at {at}");
            for item in items {
                let text = item
                    .insert_text
                    .clone()
                    .unwrap_or_else(|| item.label.clone());
                let text = match item.insert_text_format {
                    Some(InsertTextFormat::SNIPPET) => as_inserted(&text),
                    _ => text,
                };
                // A declaration keyword (`limits`, `grant`) is the start of a declaration the
                // user goes on typing; everything else must parse as it is inserted.
                if DECLARATION_KEYWORDS.contains(&text.as_str()) {
                    continue;
                }
                let edited = format!("{}{}{}", &doc[..at], text, &doc[at..]);
                let parse = starlane_lang::parse(&edited);
                assert!(
                    parse.diagnostics.is_empty(),
                    "`{}` inserted at {at} does not parse: {:?}\n{edited}",
                    item.label,
                    parse.diagnostics.first().map(|d| &d.message)
                );
            }
        }
    }
}
