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
    let Stages {
        front,
        bind,
        semantic,
    } = if src.len() < CHECK_BESIDE_LOWERING_FROM {
        check_then_lower(&parse, src, cx, source)
    } else {
        check_beside_lowering(&parse, src, cx, source)
    };
    let diagnostics = finish(&parse, front, semantic, src, cx, settings);
    (parse, diagnostics, bind)
}

/// From this size on a document's front-end checks run on a second thread while it is lowered.
/// The two read the same (immutable, shareable) green tree and write nothing in common; below
/// this size a thread costs more than it saves.
const CHECK_BESIDE_LOWERING_FROM: usize = 64 * 1024;

/// What the stages after parsing give: the front end's findings, the lowered bind, and the
/// semantic checks' findings on it.
struct Stages {
    front: Vec<Diagnostic>,
    bind: starlane_ir::Bind,
    semantic: Vec<Diagnostic>,
}

/// The stages one after the other on this thread.
fn check_then_lower(parse: &Parse, src: &str, cx: &mut lower::LowerCx, source: u32) -> Stages {
    let front = starlane_lang::check::check(parse, src, &mut cx.regexes);
    let bind = lower::lower_bind(cx, src, &parse.syntax(), source);
    let semantic = sema::check(&bind, src, &cx.patterns);
    Stages {
        front,
        bind,
        semantic,
    }
}

/// [`check_then_lower`], the front end's findings computed on a scoped thread while this one
/// lowers and runs the semantic checks (which need only the bind). Each side keeps its own
/// regex cache: a pattern may be compiled twice, once per side.
fn check_beside_lowering(parse: &Parse, src: &str, cx: &mut lower::LowerCx, source: u32) -> Stages {
    let green = parse.green();
    std::thread::scope(|scope| {
        let front = scope.spawn(|| {
            let mut regexes = starlane_lang::check::RegexCache::default();
            starlane_lang::check::check(parse, src, &mut regexes)
        });
        let root = starlane_lang::SyntaxNode::new_root(green);
        let bind = lower::lower_bind(cx, src, &root, source);
        let semantic = sema::check(&bind, src, &cx.patterns);
        let front = front
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Stages {
            front,
            bind,
            semantic,
        }
    })
}

/// Every diagnostic of a checked and lowered document: syntax, the front end's `front`,
/// lowering's (from `cx`) and the semantic checks' `semantic`, with lint levels applied, in
/// order.
fn finish(
    parse: &Parse,
    front: Vec<Diagnostic>,
    semantic: Vec<Diagnostic>,
    src: &str,
    cx: &mut lower::LowerCx,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let mut diagnostics = parse.diagnostics.clone();
    diagnostics.extend(front);
    diagnostics.extend(semantic);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A document past [`CHECK_BESIDE_LOWERING_FROM`] with mistakes of every stage spread
    /// through it: syntax, front end, lowering and the semantic checks.
    fn big_document_with_mistakes() -> String {
        let mut src =
            String::from("Bind(version=1.1.0) {\n  Port a { request: Map{name<Text>}; }\n");
        src.push_str("  Route -> {\n");
        let mut r = 0;
        while src.len() < 2 * CHECK_BESIDE_LOWERING_FROM {
            let line = match r % 97 {
                7 => format!("    Http<Get>/bad/{r}/([0-9] -> ((a)) => &;\n"), // regex
                31 => format!("    Http<Get>/p/{r} -> ((nope)) => &;\n"),      // unknown port
                53 => "    Http<Get>/p/0 -> ((a)) => &;\n".to_string(),        // unreachable
                71 => format!("    Http<Get>/q/{r} -> ((a)) =>\n"),            // syntax
                _ => format!("    Http<Post>/p/{r} -[ Json ]-> ((a)) => &;\n"),
            };
            src.push_str(&line);
            r += 1;
        }
        src.push_str("  }\n}\n");
        src
    }

    #[test]
    fn a_big_document_checked_beside_its_lowering_finds_what_one_thread_finds() {
        let src = big_document_with_mistakes();
        let settings = Settings::default();
        let threaded = check_document(&src, &settings).diagnostics;

        let mut cx = lower::LowerCx::default();
        let parse = starlane_lang::parse(&src);
        let stages = check_then_lower(&parse, &src, &mut cx, 0);
        let one_thread = finish(
            &parse,
            stages.front,
            stages.semantic,
            &src,
            &mut cx,
            &settings,
        );

        let codes = |d: &[Diagnostic]| {
            d.iter()
                .map(|d| d.code.id)
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert!(
            codes(&one_thread).len() >= 4,
            "mistakes of several kinds: {:?}",
            codes(&one_thread)
        );
        assert_eq!(threaded, one_thread);
    }
}
