//! Lint levels: `[lints] id = "allow" | "warn" | "deny"` in `starlane.toml`, and per item
//! `# starlane: allow(id)` on the diagnostic's line or the line before.

use starlane_lang::settings::{LintLevel, Settings};
use starlane_lang::{Diagnostic, Severity};

use crate::codes::LINTS;

pub fn apply_levels(diags: Vec<Diagnostic>, src: &str, settings: &Settings) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            let Some(lint) = LINTS.iter().find(|l| l.code == d.code) else {
                return Some(d);
            };
            let id = lint.code.name;
            if suppressed(src, d.primary.span.start, id) {
                return None;
            }
            match settings.lints.get(id) {
                Some(LintLevel::Allow) => None,
                Some(LintLevel::Deny) => {
                    d.severity = Severity::Error;
                    d.notes.push(format!("`{id}` is denied in starlane.toml"));
                    Some(d)
                }
                _ => Some(d),
            }
        })
        .collect()
}

/// `[check] deny_warnings` (or `check --deny warnings`): every warning is an error. Applied here,
/// in the one pipeline every command goes through, so `check`, the language server, `build` and
/// `run DIR` agree: a project that denies warnings does not build with warnings.
pub fn deny_warnings(diags: &mut [Diagnostic], settings: &Settings) {
    if !settings.check.deny_warnings {
        return;
    }
    for d in diags.iter_mut().filter(|d| d.severity == Severity::Warning) {
        d.severity = Severity::Error;
        d.notes
            .push("warnings are denied (`[check] deny_warnings` in starlane.toml)".into());
    }
}

/// Whether `# starlane: allow(id)` stands on the line of `offset` or on the line before it.
fn suppressed(src: &str, offset: usize, id: &str) -> bool {
    let offset = offset.min(src.len());
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let prev_start = if line_start == 0 {
        0
    } else {
        src[..line_start - 1].rfind('\n').map_or(0, |i| i + 1)
    };
    let marker = format!("starlane: allow({id})");
    src[prev_start..line_end].contains(&marker)
}
