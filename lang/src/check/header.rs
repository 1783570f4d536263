//! The `Bind` header: version support and the 2022 header forms.

use super::{Checker, DocumentFacts, SUPPORTED_VERSIONS, token_span, trimmed_span};
use crate::ast::BindDoc;
use crate::atoms::version;
use crate::codes;
use crate::diagnostic::{Applicability, Diagnostic, Span};

/// Checks the header; returns what it establishes for the rest of the document.
pub(super) fn check_bind(cx: &mut Checker, bind: &BindDoc) -> DocumentFacts {
    let mut facts = DocumentFacts {
        version: None,
        legacy_unversioned: false,
    };
    let Some(header) = bind.header() else {
        return facts;
    };
    let Some(name) = header.name() else {
        return facts;
    };
    if let Some(arrow) = header.legacy_arrow() {
        let span = token_span(&arrow);
        // Remove the arrow and the whitespace before it.
        let start = cx.src[..span.start].trim_end().len();
        cx.report(
            Diagnostic::new(
                codes::LEGACY_HEADER_ARROW,
                span.clone(),
                "`->` after the header is a 2022 form",
            )
            .label("not needed")
            .fix(
                "remove the `->`",
                start..span.end,
                "",
                Applicability::MachineApplicable,
            ),
        );
    }
    if !header.has_args() {
        facts.legacy_unversioned = true;
        let at = token_span(&name).end;
        cx.report(
            Diagnostic::new(
                codes::LEGACY_UNVERSIONED_HEADER,
                token_span(&name),
                "`Bind` without a version is a 2022 form",
            )
            .label("no version")
            .note(format!(
                "supported versions: {}",
                SUPPORTED_VERSIONS.join(", ")
            ))
            .fix(
                "declare version 1.0.0",
                at..at,
                "(version=1.0.0)",
                Applicability::MachineApplicable,
            ),
        );
        return facts;
    }
    let Some(version_node) = header.version() else {
        return facts;
    };
    let span = trimmed_span(&version_node);
    let text = &cx.src[span.clone()];
    match version::parse(text) {
        Err(err) => cx.atom_error(codes::MALFORMED_HEADER, span.start, err),
        Ok(v) if SUPPORTED_VERSIONS.contains(&v.to_string().as_str()) => facts.version = Some(v),
        Ok(v) => {
            let newest = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.len() - 1];
            cx.report(
                Diagnostic::new(
                    codes::UNSUPPORTED_VERSION,
                    span.clone(),
                    format!("unsupported Bind version `{v}`"),
                )
                .label("unsupported version")
                .note(format!(
                    "supported versions: {}",
                    SUPPORTED_VERSIONS.join(", ")
                ))
                .fix(
                    format!("use version {newest}"),
                    span,
                    newest,
                    Applicability::MaybeIncorrect,
                ),
            );
        }
    }
    facts
}

/// One error for every 1.1.0 form in an older document (`uses`, in order of position), with a
/// fix-it to the header.
pub(super) fn report_newer_forms(cx: &mut Checker, bind: &BindDoc, uses: &[(Span, &str)]) {
    let Some((first_span, first_what)) = uses.first().cloned() else {
        return;
    };
    let mut diag = Diagnostic::new(
        codes::NEEDS_NEWER_VERSION,
        first_span,
        format!("{first_what} needs `Bind(version=1.1.0)`"),
    )
    .label("a 1.1.0 form");
    for (span, what) in uses.iter().skip(1).take(2) {
        diag = diag.secondary(span.clone(), format!("{what} also needs 1.1.0"));
    }
    if uses.len() > 3 {
        diag = diag.note(format!(
            "{} more 1.1.0 forms in this document",
            uses.len() - 3
        ));
    }
    if let Some(header) = bind.header() {
        let fix = match (header.version(), header.name()) {
            (Some(v), _) => Some((trimmed_span(&v), "1.1.0".to_string())),
            (None, Some(name)) if !header.has_args() => {
                let at = token_span(&name).end;
                Some((at..at, "(version=1.1.0)".to_string()))
            }
            _ => None,
        };
        if let Some((span, text)) = fix {
            diag = diag.fix(
                "declare version 1.1.0",
                span,
                text,
                Applicability::MachineApplicable,
            );
        }
    }
    cx.report(diag);
}
