//! Lint levels: `[lints] id = "allow" | "warn" | "deny"` in `starlane.toml`, and per item
//! `# starlane: allow(id)` on the diagnostic's line or the line before.

use starlane_lang::settings::{LintLevel, Settings};
use starlane_lang::{Diagnostic, Severity};

use crate::codes::{LINTS, UNKNOWN_LINT};

const ALLOW_MARKER: &str = "starlane: allow(";

/// Every `# starlane: allow(id)` in `src` whose id names no lint: it silences nothing, and the
/// author meant something (W0107, with a did-you-mean fix).
pub fn unknown_in_suppressions(src: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // memchr's SIMD search: this reads the whole text on every edit in the language server.
    for at in memchr::memmem::find_iter(src.as_bytes(), ALLOW_MARKER) {
        let start = at + ALLOW_MARKER.len();
        let Some(len) = src[start..].find([')', '\n']) else {
            continue;
        };
        let id = src[start..start + len].trim();
        if id.is_empty() || LINTS.iter().any(|l| l.code.name == id) {
            continue;
        }
        let span = start..start + len;
        let diag = Diagnostic::new(
            UNKNOWN_LINT,
            span.clone(),
            format!("no lint is named `{id}`"),
        )
        .label("unknown lint: this comment silences nothing")
        .note(format!("lints: {}", lint_names().join(", ")))
        .did_you_mean(id, lint_names(), span);
        out.push(diag);
    }
    out
}

/// `[lints]` entries of `settings` that name no lint, as messages about `file` (the settings
/// file, as it should be shown).
pub fn unknown_in_settings(settings: &Settings, file: &str) -> Vec<String> {
    settings
        .lints
        .keys()
        .filter(|id| !LINTS.iter().any(|l| l.code.name == id.as_str()))
        .map(|id| {
            let suggestion = starlane_lang::suggest::did_you_mean(id, lint_names())
                .map(|best| format!("; did you mean `{best}`?"))
                .unwrap_or_default();
            format!(
                "[{}] {file}: `[lints]` names no lint `{id}`{suggestion} (lints: {})",
                UNKNOWN_LINT.id,
                lint_names().join(", ")
            )
        })
        .collect()
}

fn lint_names() -> Vec<&'static str> {
    LINTS.iter().map(|l| l.code.name).collect()
}

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
    let why = if settings.check.denied_by_flag {
        "warnings are denied (`--deny warnings`)"
    } else {
        "warnings are denied (`[check] deny_warnings` in starlane.toml)"
    };
    for d in diags.iter_mut().filter(|d| d.severity == Severity::Warning) {
        d.severity = Severity::Error;
        d.notes.push(why.into());
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
    let marker = format!("{ALLOW_MARKER}{id})");
    src[prev_start..line_end].contains(&marker)
}
