//! Applying suggestions. Edits from different fixes may touch the same text (a file-wide router
//! translation and a `$1` fix inside it): overlapping edits are skipped and picked up by the next
//! round, which re-checks the fixed text, so fix-its compose.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};

/// The machine-applicable suggestions of `diags`, smaller fixes first (a whole-file rewrite
/// waits for the next round).
fn machine_applicable(diags: &[Diagnostic]) -> Vec<&Suggestion> {
    let mut suggestions: Vec<_> = diags
        .iter()
        .flat_map(|d| d.suggestions.iter())
        .filter(|s| s.applicability == Applicability::MachineApplicable && !s.edits.is_empty())
        .collect();
    suggestions.sort_by_key(|s| s.edits.iter().map(|e| e.span.len()).sum::<usize>());
    suggestions
}

/// Applies every machine-applicable suggestion whose edits don't overlap an earlier one.
/// Returns the new text and how many suggestions were applied.
pub fn apply_machine_applicable(src: &str, diags: &[Diagnostic]) -> (String, usize) {
    apply(src, &machine_applicable(diags))
}

/// Applies `suggestions` in order, skipping one whose edits overlap an earlier one's.
fn apply(src: &str, suggestions: &[&Suggestion]) -> (String, usize) {
    let mut chosen: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for suggestion in suggestions {
        let clashes = suggestion
            .edits
            .iter()
            .any(|e| chosen.iter().any(|c| overlaps(e, c)));
        if clashes {
            continue;
        }
        chosen.extend(suggestion.edits.iter());
        applied += 1;
    }
    chosen.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut at = 0;
    for edit in chosen {
        if edit.span.start < at || edit.span.end > src.len() {
            continue;
        }
        out.push_str(&src[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&src[at..]);
    (out, applied)
}

/// Two edits clash when their ranges intersect, or both insert at the same point.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

fn errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

/// Fixes `src` until no machine-applicable suggestion is left (at most `rounds` rounds). A fix
/// never makes the file worse: a round whose fixes together raise the number of errors is
/// redone one fix at a time, keeping only a fix that does not (the first such, then the next
/// round re-checks), and a fix that raises it on its own is never applied.
pub fn fix_to_fixpoint(src: &str, rounds: usize) -> (String, usize) {
    let check = |text: &str| crate::check::check_front_end(text).1;
    let mut text = src.to_string();
    // The diagnostics of `text`, carried from one round to the next (each text is checked once).
    let mut diags = check(&text);
    let mut total = 0;
    for _ in 0..rounds {
        let before = errors(&diags);
        let suggestions = machine_applicable(&diags);
        let (next, applied) = apply(&text, &suggestions);
        if applied == 0 {
            break;
        }
        let next_diags = check(&next);
        let kept = if errors(&next_diags) <= before {
            Some((next, next_diags, applied))
        } else {
            suggestions.iter().find_map(|s| {
                let candidate = apply(&text, std::slice::from_ref(s)).0;
                let candidate_diags = check(&candidate);
                (errors(&candidate_diags) <= before).then_some((candidate, candidate_diags, 1))
            })
        };
        let Some((next, next_diags, applied)) = kept else {
            break;
        };
        total += applied;
        text = next;
        diags = next_diags;
    }
    (text, total)
}

/// [`fix_to_fixpoint`], with what the fixes wrote laid out by the formatter: the whole file when
/// it was formatted before (or the fixes turned it into another kind of document, as the router
/// translation does), otherwise only the items of the `Bind` body that the fixes changed — the
/// rest of a hand-laid-out file stays as its author wrote it. A file the formatter refuses keeps
/// the fixes as they are.
pub fn fix_and_format(src: &str, rounds: usize) -> (String, usize) {
    let (fixed, applied) = fix_to_fixpoint(src, rounds);
    if applied == 0 {
        return (fixed, 0);
    }
    (format_what_changed(src, &fixed), applied)
}

fn format_what_changed(original: &str, fixed: &str) -> String {
    let Ok(formatted) = crate::format::format(fixed, false) else {
        return fixed.to_string();
    };
    let was_formatted = crate::format::format(original, false).is_ok_and(|f| f == original);
    let (original_parse, fixed_parse) =
        (crate::parser::parse(original), crate::parser::parse(fixed));
    if was_formatted || original_parse.kind != fixed_parse.kind {
        return formatted;
    }
    let items = |parse: &crate::Parse| -> Vec<std::ops::Range<usize>> {
        crate::check::body_items(&parse.syntax())
            .map(|item| crate::ast::trimmed_span(&item))
            .collect()
    };
    let (in_fixed, in_formatted) = (
        items(&fixed_parse),
        items(&crate::parser::parse(&formatted)),
    );
    if in_fixed.len() != in_formatted.len() {
        return fixed.to_string();
    }
    let mut untouched: Vec<&str> = items(&original_parse)
        .into_iter()
        .map(|r| &original[r])
        .collect();
    let mut out = String::with_capacity(fixed.len());
    let mut written = 0;
    for (item, laid_out) in in_fixed.into_iter().zip(in_formatted) {
        if let Some(i) = untouched.iter().position(|t| *t == &fixed[item.clone()]) {
            untouched.swap_remove(i);
            continue;
        }
        out.push_str(&fixed[written..item.start]);
        out.push_str(&formatted[laid_out]);
        written = item.end;
    }
    out.push_str(&fixed[written..]);
    out
}
