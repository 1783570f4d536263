//! Diagnostics as data: every stage returns these; only the edges render them.

use std::ops::Range;

use serde::Serialize;

use crate::codes::Code;

/// Byte range into one source text.
pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with an optional message, pointing at source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// How safely a suggestion may be applied without a human looking (rustc's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applying it is certainly what was meant; `--fix` applies these.
    MachineApplicable,
    /// Probably right, but a person should look.
    MaybeIncorrect,
    /// Contains placeholders the person must fill in.
    HasPlaceholders,
}

/// One replacement of a byte range (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A fix: a titled set of edits that belong together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and a primary label at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestions: Vec::new(),
        }
    }

    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a one-edit suggestion.
    pub fn fix(
        self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
        applicability: Applicability,
    ) -> Self {
        self.fix_edits(
            message,
            vec![Edit {
                span,
                replacement: replacement.into(),
            }],
            applicability,
        )
    }

    pub fn fix_edits(
        mut self,
        message: impl Into<String>,
        edits: Vec<Edit>,
        applicability: Applicability,
    ) -> Self {
        self.suggestions.push(Suggestion {
            message: message.into(),
            edits,
            applicability,
        });
        self
    }

    /// Adds "did you mean `X`?" replacing `span` when a candidate is close to `word`. A
    /// difference in case only is certain, so that fix is machine-applicable.
    pub fn did_you_mean<'a>(
        self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        span: Span,
    ) -> Self {
        match crate::suggest::did_you_mean(word, candidates) {
            Some(best) => {
                let applicability = if best.eq_ignore_ascii_case(word) {
                    Applicability::MachineApplicable
                } else {
                    Applicability::MaybeIncorrect
                };
                self.fix(format!("did you mean `{best}`?"), span, best, applicability)
            }
            None => self,
        }
    }

    /// Every span the diagnostic refers to: its labels' and its suggestions' edits'.
    pub fn spans(&self) -> impl Iterator<Item = &Span> {
        std::iter::once(&self.primary.span)
            .chain(self.secondary.iter().map(|l| &l.span))
            .chain(
                self.suggestions
                    .iter()
                    .flat_map(|s| s.edits.iter().map(|e| &e.span)),
            )
    }

    /// The same diagnostic with every span moved by `delta` bytes: a finding about text that did
    /// not change, carried to where that text now stands.
    pub fn shifted(mut self, delta: isize) -> Self {
        let shift = |span: &mut Span| *span = shift_span(span, delta);
        shift(&mut self.primary.span);
        self.secondary.iter_mut().for_each(|l| shift(&mut l.span));
        for suggestion in &mut self.suggestions {
            suggestion.edits.iter_mut().for_each(|e| shift(&mut e.span));
        }
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `span` moved by `delta` bytes (saturating at 0: a span never moves before the text).
pub fn shift_span(span: &Span, delta: isize) -> Span {
    let at = |o: usize| o.saturating_add_signed(delta);
    at(span.start)..at(span.end)
}

/// Sorts diagnostics by position, then code, so output is stable whatever order stages ran in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.primary.span.start, a.primary.span.end, a.code.id).cmp(&(
            b.primary.span.start,
            b.primary.span.end,
            b.code.id,
        ))
    });
}
