//! Rendering diagnostics at the edges: rustc-style terminal text (ariadne), one JSON object per
//! diagnostic, SARIF 2.1.0 for code-scanning services, and miette's `Diagnostic` for embedders.

use std::fmt;

use ariadne::{Color, Config, IndexType, Label as ALabel, Report, ReportKind};
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::line_index::LineIndex;

/// Renders one diagnostic for a terminal. `color` is decided by the caller (TTY, `NO_COLOR`).
pub fn terminal(diag: &Diagnostic, file: &str, src: &str, color: bool) -> String {
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
        Severity::Note => ReportKind::Advice,
    };
    let clamp = |span: &std::ops::Range<usize>| {
        span.start.min(src.len())..span.end.min(src.len()).max(span.start.min(src.len()))
    };
    let primary = clamp(&diag.primary.span);
    let parts = label_groups(diag, src, &clamp);
    let part = |group: usize| Part {
        file: file.to_string(),
        group,
    };
    let mut report = Report::build(kind, (part(0), primary.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_code(diag.code.id)
        .with_message(&diag.message)
        .with_label(
            ALabel::new((part(0), primary))
                .with_message(&diag.primary.message)
                .with_color(if diag.severity == Severity::Error {
                    Color::Red
                } else {
                    Color::Yellow
                })
                .with_order(0),
        );
    for (i, label) in diag.secondary.iter().enumerate() {
        report = report.with_label(
            ALabel::new((part(parts[i]), clamp(&label.span)))
                .with_message(&label.message)
                .with_color(Color::Blue)
                .with_order(i as i32 + 1),
        );
    }
    for note in &diag.notes {
        report = report.with_note(note);
    }
    let mut helps: Vec<String> = diag.help.iter().cloned().collect();
    for s in &diag.suggestions {
        let edits: Vec<String> = s
            .edits
            .iter()
            .map(|e| {
                if e.replacement.contains('\n') {
                    "…".to_string()
                } else {
                    format!("`{}`", e.replacement)
                }
            })
            .collect();
        if s.edits.iter().all(|e| s.message.contains(&e.replacement)) {
            helps.push(s.message.clone());
        } else {
            helps.push(format!("{}: {}", s.message, edits.join(", ")));
        }
    }
    for help in helps {
        report = report.with_help(help);
    }
    let mut out = Vec::new();
    let groups = parts.iter().copied().max().unwrap_or(0);
    let cache = ariadne::sources((0..=groups).map(|group| (part(group), src)));
    let _ = report.finish().write(cache, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The file of a label, told apart by the block of source the label is shown in. ariadne heads
/// every block of the report's own source with the primary label's position, even a block that
/// holds only secondary labels; a block of another source is headed by its first label's. So
/// each block but the primary's gets a source of its own (the same file and text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Part {
    file: String,
    group: usize,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)
    }
}

/// The block each secondary label is shown in, as ariadne forms blocks: labels in order, a new
/// block whenever a label ends on an earlier line than the one before it. Block 0 is the
/// primary label's.
fn label_groups(
    diag: &Diagnostic,
    src: &str,
    clamp: &dyn Fn(&std::ops::Range<usize>) -> std::ops::Range<usize>,
) -> Vec<usize> {
    let line_of_end = |span: &std::ops::Range<usize>| {
        let span = clamp(span);
        let last = if span.end > span.start {
            span.end - 1
        } else {
            span.start
        };
        src.as_bytes()[..last.min(src.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
    };
    let mut group = 0;
    let mut last_line = line_of_end(&diag.primary.span);
    diag.secondary
        .iter()
        .map(|label| {
            let line = line_of_end(&label.span);
            if line < last_line {
                group += 1;
            }
            last_line = line;
            group
        })
        .collect()
}

/// One diagnostic as a JSON object: positions 1-based, columns in UTF-8 and UTF-16 code units.
pub fn json(diag: &Diagnostic, file: &str, src: &str, index: &LineIndex) -> Value {
    let span_json = |span: &std::ops::Range<usize>| {
        let start = index.position(src, span.start);
        let end = index.position(src, span.end);
        json!({
            "byte_start": span.start, "byte_end": span.end,
            "line": start.line + 1, "column": start.utf8_col + 1, "column_utf16": start.utf16_col + 1,
            "end_line": end.line + 1, "end_column": end.utf8_col + 1, "end_column_utf16": end.utf16_col + 1,
        })
    };
    let primary = span_json(&diag.primary.span);
    let mut labels =
        vec![json!({"primary": true, "message": diag.primary.message, "span": primary.clone()})];
    labels.extend(
        diag.secondary
            .iter()
            .map(|l| json!({"primary": false, "message": l.message, "span": span_json(&l.span)})),
    );
    let suggestions: Vec<Value> = diag
        .suggestions
        .iter()
        .map(|s| {
            json!({
                "message": s.message,
                "applicability": s.applicability,
                "edits": s.edits.iter().map(|e| json!({"span": span_json(&e.span), "replacement": e.replacement})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "code": diag.code.id,
        "name": diag.code.name,
        "severity": diag.severity.as_str(),
        "message": diag.message,
        "file": file,
        "line": primary["line"], "column": primary["column"],
        "end_line": primary["end_line"], "end_column": primary["end_column"],
        "column_utf16": primary["column_utf16"], "end_column_utf16": primary["end_column_utf16"],
        "byte_start": diag.primary.span.start, "byte_end": diag.primary.span.end,
        "labels": labels,
        "notes": diag.notes,
        "help": diag.help,
        "suggestions": suggestions,
    })
}

/// A SARIF 2.1.0 log of `files` (path, text, diagnostics), for code-scanning services: columns
/// in UTF-16 code units (`columnKind`), each code a rule (with its `starlane explain` page as
/// help and its default level), secondary labels as `relatedLocations`, and machine-applicable
/// suggestions as `fixes`. Rules come from the diagnostics' own codes, so the front end's and
/// the compiler's are described alike.
pub fn sarif(files: &[(String, String, Vec<Diagnostic>)]) -> Value {
    let rules: std::collections::BTreeMap<&str, crate::codes::Code> = files
        .iter()
        .flat_map(|(_, _, diags)| diags.iter().map(|d| (d.code.id, d.code)))
        .collect();
    let rule_index = |id: &str| rules.keys().position(|k| *k == id);
    let mut results = Vec::new();
    for (file, src, diags) in files {
        let index = LineIndex::new(src);
        let region = |span: &crate::diagnostic::Span| {
            let s = index.position(src, span.start);
            let e = index.position(src, span.end);
            json!({"startLine": s.line + 1, "startColumn": s.utf16_col + 1, "endLine": e.line + 1, "endColumn": e.utf16_col + 1})
        };
        let artifact = json!({"uri": file});
        for d in diags {
            let mut result = json!({
                "ruleId": d.code.id,
                "ruleIndex": rule_index(d.code.id),
                "level": level(d.severity),
                "message": {"text": sarif_message(d)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region(&d.primary.span)}}]
            });
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, label)| {
                    let mut location = json!({"id": i, "physicalLocation": {"artifactLocation": artifact, "region": region(&label.span)}});
                    if !label.message.is_empty() {
                        location["message"] = json!({"text": label.message});
                    }
                    location
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            let fixes: Vec<Value> = d
                .suggestions
                .iter()
                .filter(|s| s.applicability == crate::diagnostic::Applicability::MachineApplicable)
                .map(|s| {
                    let replacements: Vec<Value> = s
                        .edits
                        .iter()
                        .map(|e| json!({"deletedRegion": region(&e.span), "insertedContent": {"text": e.replacement}}))
                        .collect();
                    json!({"description": {"text": s.message}, "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}]})
                })
                .collect();
            if !fixes.is_empty() {
                result["fixes"] = Value::Array(fixes);
            }
            results.push(result);
        }
    }
    let rules: Vec<Value> = rules
        .values()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": {"text": c.summary},
                "help": {"text": c.explanation, "markdown": c.explanation},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {"explain": format!("starlane explain {}", c.id)}
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "starlane", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "columnKind": "utf16CodeUnits",
            "results": results
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The result's message: the diagnostic's, with its help (code scanning shows one text).
fn sarif_message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\n\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

/// A diagnostic with its source, for embedders that report through miette.
#[derive(Debug)]
pub struct MietteDiagnostic {
    pub diagnostic: Diagnostic,
    pub source: miette::NamedSource<String>,
}

impl fmt::Display for MietteDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for MietteDiagnostic {}

impl miette::Diagnostic for MietteDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.id))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let mut parts: Vec<String> = self.diagnostic.help.iter().cloned().collect();
        parts.extend(self.diagnostic.notes.iter().map(|n| format!("note: {n}")));
        (!parts.is_empty()).then(|| Box::new(parts.join("\n")) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let d = &self.diagnostic;
        let primary = miette::LabeledSpan::new_primary_with_span(
            Some(d.primary.message.clone()),
            d.primary.span.clone(),
        );
        let rest = d
            .secondary
            .iter()
            .map(|l| miette::LabeledSpan::new_with_span(Some(l.message.clone()), l.span.clone()));
        Some(Box::new(std::iter::once(primary).chain(rest)))
    }
}

impl MietteDiagnostic {
    pub fn new(diagnostic: Diagnostic, file: &str, src: &str) -> Self {
        MietteDiagnostic {
            diagnostic,
            source: miette::NamedSource::new(file, src.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miette_sees_code_labels_and_help() {
        let src = "Bind(version=1.0.0) {\n  Route<Http<GET>> -> (()) => &;\n}\n";
        let (_, diags) = crate::check_front_end(src);
        let d = MietteDiagnostic::new(diags[0].clone(), "x.bind", src);
        let m: &dyn miette::Diagnostic = &d;
        assert_eq!(m.code().unwrap().to_string(), "E0014");
        let labels: Vec<_> = m.labels().unwrap().collect();
        assert_eq!(labels[0].offset(), src.find("GET").unwrap());
        assert!(labels[0].primary());
        assert!(m.help().unwrap().to_string().contains("note: Http methods"));
    }

    #[test]
    fn terminal_output_has_no_colour_codes_when_asked() {
        let src = "Bind(version=1.0.0) {\n  Route<Http<GET>> -> (()) => &;\n}\n";
        let (_, diags) = crate::check_front_end(src);
        let text = terminal(&diags[0], "x.bind", src, false);
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("[E0014] Error: unknown Http method `GET`"));
        let coloured = terminal(&diags[0], "x.bind", src, true);
        assert!(coloured.contains('\u{1b}'));
    }

    #[test]
    fn each_block_is_headed_by_its_own_position() {
        let src = "Bind(version=1.0.0) {\n  Route -> {\n    Http {\n      <Get> -> (()) => &;\n";
        let (_, diags) = crate::check_front_end(src);
        let text = terminal(&diags[0], "x.bind", src, false);
        let headers: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                l.split_once("[ x.bind:")
                    .map(|(_, rest)| rest.trim_end_matches(" ]"))
            })
            .collect();
        // The file's end (primary), then each unclosed `{`, innermost first.
        assert_eq!(headers, ["4:27", "3:10", "2:12", "1:21"], "{text}");
    }
}
