//! The Starlane compiler: semantic checks and lints over the front end's trees, lowering to the
//! IR, and bundle building. `check_document` — the whole pipeline on one document, settings
//! applied — is what `starlane check` and the LSP run (`starlane_lang::check_front_end` is the
//! front end alone).

pub mod codes;
pub mod incremental;
pub mod lints;
pub mod lower;
pub mod reachability;
pub mod sema;

use starlane_lang::settings::Settings;
use starlane_lang::{Diagnostic, Parse};

/// The result of checking one document: its tree, every diagnostic, and its lowered bind
/// (for `Bind` documents), with the patterns it refers to.
pub struct Checked {
    pub parse: Parse,
    pub diagnostics: Vec<Diagnostic>,
    pub bind: Option<starlane_ir::Bind>,
    pub patterns: Vec<starlane_ir::PayloadPattern>,
}

/// Front-end checks, then lowering and semantic checks, then lint levels from `settings`.
/// (The language server gets the same result edit by edit from [`incremental`].)
pub fn check_document(src: &str, settings: &Settings) -> Checked {
    let mut cx = lower::LowerCx::default();
    let (parse, diagnostics, bind) = check_into(src, settings, &mut cx, 0);
    let is_bind = parse.kind == Some(starlane_lang::DocumentKind::Bind);
    Checked {
        parse,
        diagnostics,
        bind: is_bind.then_some(bind),
        patterns: cx.patterns,
    }
}

/// [`check_document`], lowering into a shared arena as source number `source`, so a bundle build
/// checks and lowers each bind once. A document that is not a `Bind` lowers to an empty bind.
pub fn check_into(
    src: &str,
    settings: &Settings,
    cx: &mut lower::LowerCx,
    source: u32,
) -> (Parse, Vec<Diagnostic>, starlane_ir::Bind) {
    let parse = starlane_lang::parse(src);
    let front = starlane_lang::check::check(&parse, src, &mut cx.regexes);
    let bind = lower::lower_bind(cx, src, &parse.syntax(), source);
    let diagnostics = finish(&parse, front, &bind, src, cx, settings, None);
    (parse, diagnostics, bind)
}

/// Every diagnostic of a checked and lowered document: syntax, the front end's `front`,
/// lowering's and the semantic checks', with lint levels applied, in order. `reach`: what the
/// last check of the same document found unreachable, when it is kept.
fn finish(
    parse: &Parse,
    front: Vec<Diagnostic>,
    bind: &starlane_ir::Bind,
    src: &str,
    cx: &mut lower::LowerCx,
    settings: &Settings,
    reach: Option<&mut reachability::ReachMemo>,
) -> Vec<Diagnostic> {
    let mut diagnostics = parse.diagnostics.clone();
    diagnostics.extend(front);
    diagnostics.extend(sema::check_remembering(bind, src, &cx.patterns, reach));
    let mut lowering = std::mem::take(&mut cx.diagnostics);
    // A stop naming an unknown port is one mistake: the port it meant is not also "never routed".
    if lowering.iter().any(|d| d.code == codes::UNKNOWN_PORT) {
        diagnostics.retain(|d| d.code != codes::PORT_NEVER_ROUTED);
    }
    diagnostics.append(&mut lowering);
    diagnostics.extend(lints::unknown_in_suppressions(src));
    let mut diagnostics = lints::apply_levels(diagnostics, src, settings);
    lints::deny_warnings(&mut diagnostics, settings);
    starlane_lang::diagnostic::sort(&mut diagnostics);
    diagnostics
}
pub mod bundle;
pub mod diff;
pub mod file_exposure;
pub mod guest_module;
pub mod inspect;
pub mod route_match;
pub mod schema;
pub mod symbols;
