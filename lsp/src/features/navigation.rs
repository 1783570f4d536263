//! Go to definition, find references, document highlights and rename for declared names
//! (ports, schemas, roles, context names, captures), all read off the symbol index.

use std::collections::HashMap;

use starlane_compiler::symbols::{Hit, SymbolKind};
use tower_lsp_server::ls_types::{
    DocumentHighlight, DocumentHighlightKind, Location, PrepareRenameResponse, TextEdit,
    WorkspaceEdit,
};

use crate::analysis::Analysis;

pub fn definition(a: &Analysis, offset: usize) -> Option<Location> {
    let def = a.symbols().definition_of(a.symbols().at(offset)?)?;
    let span = &a.symbols().definitions[def].name_span;
    Some(Location::new(a.uri.clone(), a.range(span)))
}

pub fn references(a: &Analysis, offset: usize, include_declaration: bool) -> Vec<Location> {
    let Some(def) = a
        .symbols()
        .at(offset)
        .and_then(|h| a.symbols().definition_of(h))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if include_declaration {
        let span = &a.symbols().definitions[def].name_span;
        out.push(Location::new(a.uri.clone(), a.range(span)));
    }
    out.extend(
        a.symbols()
            .references_to(def)
            .map(|r| Location::new(a.uri.clone(), a.range(&r.span))),
    );
    out
}

pub fn highlights(a: &Analysis, offset: usize) -> Vec<DocumentHighlight> {
    let Some(def) = a
        .symbols()
        .at(offset)
        .and_then(|h| a.symbols().definition_of(h))
    else {
        return Vec::new();
    };
    let mut out = vec![DocumentHighlight {
        range: a.range(&a.symbols().definitions[def].name_span),
        kind: Some(DocumentHighlightKind::WRITE),
    }];
    out.extend(a.symbols().references_to(def).map(|r| DocumentHighlight {
        range: a.range(&r.span),
        kind: Some(DocumentHighlightKind::READ),
    }));
    out
}

/// Why a rename cannot happen here, or the range it would replace.
pub fn prepare_rename(a: &Analysis, offset: usize) -> Result<PrepareRenameResponse, String> {
    let hit = a
        .symbols()
        .at(offset)
        .ok_or("there is no declared name here")?;
    let span = match hit {
        Hit::Definition(d) => a.symbols().definitions[d].name_span.clone(),
        Hit::Reference(r) => a.symbols().references[r].span.clone(),
    };
    if let Hit::Reference(r) = hit
        && a.symbols().references[r].kind == SymbolKind::Builtin
    {
        return Err(format!(
            "`{}` is a built-in variable; it cannot be renamed",
            a.symbols().references[r].name
        ));
    }
    let def = a
        .symbols()
        .definition_of(hit)
        .ok_or("this name is not declared in this document, so it cannot be renamed")?;
    let d = &a.symbols().definitions[def];
    if d.kind == SymbolKind::Capture && d.name.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "numbered captures are named by their position; name the group instead (`(?P<name>…)`)"
                .into(),
        );
    }
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range: a.range(&span),
        placeholder: a.text[span].to_string(),
    })
}

pub fn rename(a: &Analysis, offset: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
    prepare_rename(a, offset)?;
    let def = a
        .symbols()
        .at(offset)
        .and_then(|h| a.symbols().definition_of(h))
        .ok_or("there is no declared name here")?;
    let d = &a.symbols().definitions[def];
    if !d.kind.accepts_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid {} name ({})",
            d.kind.describe(),
            match d.kind {
                SymbolKind::Schema => "UpperCamelCase letters and digits",
                SymbolKind::Capture | SymbolKind::Context => "letters, digits and `_`",
                _ => "skewer-case: letters, digits and single `-`",
            }
        ));
    }
    if let Some(clash) = a
        .symbols()
        .of_kind(d.kind)
        .find(|other| other.name == new_name && d.kind != SymbolKind::Capture)
    {
        return Err(format!(
            "a {} named `{}` already exists at line {}",
            d.kind.describe(),
            clash.name,
            a.position(clash.name_span.start).line + 1
        ));
    }
    let mut edits = vec![TextEdit {
        range: a.range(&d.name_span),
        new_text: new_name.to_string(),
    }];
    // `$2` names a group by position, which a rename does not change.
    edits.extend(
        a.symbols()
            .references_to(def)
            .filter(|r| !r.name.chars().all(|c| c.is_ascii_digit()))
            .map(|r| TextEdit {
                range: a.range(&r.span),
                new_text: new_name.to_string(),
            }),
    );
    Ok(WorkspaceEdit {
        changes: Some(HashMap::from([(a.uri.clone(), edits)])),
        ..Default::default()
    })
}
