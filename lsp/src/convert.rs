//! The compiler's diagnostics as LSP diagnostics: the same code, the primary label as the range,
//! secondary labels as related information (one diagnostic per error, never one per label),
//! notes and help in the message.

use starlane_lang::{Diagnostic, Severity, Span};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location,
    NumberOrString, TextEdit,
};

use crate::analysis::Analysis;

/// Codes whose subject is an older spelling: editors strike it through.
const DEPRECATED: &[&str] = &[
    "W0001", "W0002", "W0003", "W0004", "W0005", "W0006", "W0007", "W0009", "W0010", "W0012",
];
/// Codes whose subject has no effect: editors fade it.
const UNNECESSARY: &[&str] = &["W0101", "W0103"];

pub fn diagnostic(analysis: &Analysis, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!("\n{}", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<_> = d
        .secondary
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(analysis.uri.clone(), analysis.range(&label.span)),
            message: if label.message.is_empty() {
                "related".to_string()
            } else {
                label.message.clone()
            },
        })
        .collect();
    let mut tags = Vec::new();
    if DEPRECATED.contains(&d.code.id) {
        tags.push(DiagnosticTag::DEPRECATED);
    }
    if UNNECESSARY.contains(&d.code.id) {
        tags.push(DiagnosticTag::UNNECESSARY);
    }
    lsp::Diagnostic {
        range: analysis.range(&d.primary.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.id.to_string())),
        code_description: None,
        source: Some("starlane".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (!tags.is_empty()).then_some(tags),
        data: None,
    }
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The smallest single edit turning `old` into `new`: the common prefix and suffix stay, so an
/// editor keeps cursors and folds outside the changed region.
pub fn minimal_edit(analysis: &Analysis, new: &str) -> Option<TextEdit> {
    let old: &str = &analysis.text;
    if old == new {
        return None;
    }
    let (prefix, suffix) = starlane_lang::source::common_ends(old, new);
    let span: Span = prefix..old.len() - suffix;
    Some(TextEdit {
        range: analysis.range(&span),
        new_text: new[prefix..new.len() - suffix].to_string(),
    })
}
