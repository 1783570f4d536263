//! Micro-grammars inside atoms, written with nom: points and selectors, versions, durations and
//! sizes, permission masks, list counts. Each returns a typed value or an [`AtomError`] whose span
//! is relative to the atom's text, so the checker can point inside the atom.

pub mod count;
pub mod perm;
pub mod point;
pub mod quantity;
pub mod version;

use std::ops::Range;

/// A problem inside an atom: a byte range relative to the atom's start, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomError {
    pub span: Range<usize>,
    pub message: String,
    pub label: String,
}

impl AtomError {
    pub(crate) fn new(
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        AtomError {
            span,
            message: message.into(),
            label: label.into(),
        }
    }
}

/// Offset of `rest` inside `whole` (both slices of the same string).
pub(crate) fn offset(whole: &str, rest: &str) -> usize {
    rest.as_ptr() as usize - whole.as_ptr() as usize
}
