//! Code actions: a quick fix for every suggestion a diagnostic carries, "allow this lint here"
//! for lints (buf's idea: the fix inserts the suppression comment), and "fix all" applying
//! every machine-applicable fix the way `starlane check --fix` does.

use std::collections::HashMap;

use starlane_lang::{Applicability, Diagnostic};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit,
};

use crate::analysis::Analysis;
use crate::convert;

/// The `source.fixAll` kind for this server.
pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.starlane")
}

pub fn code_actions(
    a: &Analysis,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let wants = |kind: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str()
                    || kind.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let span = a.span(range);
    let mut out = Vec::new();
    if wants(&CodeActionKind::QUICKFIX) {
        for d in a
            .diagnostics
            .iter()
            .filter(|d| d.primary.span.start <= span.end && span.start <= d.primary.span.end)
        {
            let lsp_diagnostic = convert::diagnostic(a, d);
            let only_one = d.suggestions.len() == 1;
            for s in &d.suggestions {
                let edits = s
                    .edits
                    .iter()
                    .map(|e| TextEdit {
                        range: a.range(&e.span),
                        new_text: e.replacement.clone(),
                    })
                    .collect();
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: s.message.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diagnostic.clone()]),
                    edit: Some(workspace_edit(a, edits)),
                    is_preferred: Some(
                        only_one && s.applicability == Applicability::MachineApplicable,
                    ),
                    ..Default::default()
                }));
            }
            if let Some(action) = allow_lint(a, d, lsp_diagnostic) {
                out.push(action);
            }
        }
    }
    if wants(&fix_all_kind()) || wants(&CodeActionKind::SOURCE_FIX_ALL) {
        let (fixed, applied) = starlane_lang::fix::fix_and_format(&a.text, 8);
        if applied > 0
            && let Some(edit) = convert::minimal_edit(a, &fixed)
        {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!(
                    "Apply every machine-applicable fix ({applied} fix{})",
                    if applied == 1 { "" } else { "es" }
                ),
                kind: Some(fix_all_kind()),
                edit: Some(workspace_edit(a, vec![edit])),
                ..Default::default()
            }));
        }
    }
    out
}

/// "Allow `lint-id` here": a `# starlane: allow(id)` comment on the line before, indented like
/// the line it silences. Only lints can be allowed; errors cannot.
fn allow_lint(
    a: &Analysis,
    d: &Diagnostic,
    lsp_diagnostic: tower_lsp_server::ls_types::Diagnostic,
) -> Option<CodeActionOrCommand> {
    starlane_compiler::codes::LINTS
        .iter()
        .find(|l| l.code.id == d.code.id)?;
    let line_start = a.text[..d.primary.span.start]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent: String = a.text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let edit = TextEdit {
        range: a.range(&(line_start..line_start)),
        new_text: format!("{indent}# starlane: allow({})\n", d.code.name),
    };
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Allow `{}` here", d.code.name),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp_diagnostic]),
        edit: Some(workspace_edit(a, vec![edit])),
        ..Default::default()
    }))
}

fn workspace_edit(a: &Analysis, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(a.uri.clone(), edits)])),
        ..Default::default()
    }
}
