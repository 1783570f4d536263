//! The Starlane compiler: semantic checks and lints over the front end's trees, lowering to the
//! IR, and bundle building. `check_source` is what `starlane check` and the LSP run.

pub mod codes;
pub mod lints;
pub mod lower;
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
pub fn check_source(src: &str, settings: &Settings) -> Checked {
    let (parse, mut diagnostics) = starlane_lang::check_source(src);
    let mut cx = lower::LowerCx::default();
    let mut bind = None;
    if parse.kind == Some(starlane_lang::DocumentKind::Bind) {
        let b = lower::lower_bind(&mut cx, src, &parse.syntax(), 0);
        diagnostics.extend(sema::check(&b, src, &cx.patterns));
        bind = Some(b);
    }
    // A stop naming an unknown port is one mistake: the port it meant is not also "never routed".
    if cx.diagnostics.iter().any(|d| d.code == codes::UNKNOWN_PORT) {
        diagnostics.retain(|d| d.code != codes::PORT_NEVER_ROUTED);
    }
    diagnostics.append(&mut cx.diagnostics);
    let mut diagnostics = lints::apply_levels(diagnostics, src, settings);
    starlane_lang::diagnostic::sort(&mut diagnostics);
    Checked {
        parse,
        diagnostics,
        bind,
        patterns: cx.patterns,
    }
}
pub mod bundle;
pub mod diff;
pub mod guest_module;
pub mod inspect;
pub mod render_ir;
pub mod route_match;
pub mod schema;
