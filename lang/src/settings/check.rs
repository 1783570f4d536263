//! `[check]` and `[lints]`: what the compiler's pipeline reads (deny-warnings, lint levels) —
//! for `check`, `build`, `run DIR` and the language server alike.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// Treat warnings as errors (as `--deny warnings`).
    #[serde(default)]
    pub deny_warnings: bool,
    /// Set by `check --deny warnings` for one run, not read from a file: the note on a denied
    /// warning then names the flag, not the file.
    #[serde(skip)]
    pub denied_by_flag: bool,
}

impl CheckSettings {
    /// `--deny warnings` given for this run: warnings are errors, and their note says so.
    pub fn deny_warnings_by_flag(&mut self) {
        self.deny_warnings = true;
        self.denied_by_flag = true;
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Allow,
    Warn,
    Deny,
}
