//! The check pass: everything the front end can say about one document beyond its syntax —
//! versions, levels and names, atoms (points, masks, durations), regexes, the legacy forms with
//! their fix-its. It runs on the recovered tree, so a syntax error elsewhere hides nothing.

mod declarations;
mod header;
mod legacy_docs;
mod pipeline;
mod regex;
mod routes;
mod variables;

use crate::ast::{AstNode, SourceFile};
use crate::atoms::AtomError;
use crate::atoms::version::Version;
use crate::diagnostic::{Diagnostic, Span};
use crate::parser::Parse;

pub use regex::{CaptureGroup, RegexCache};

/// The language versions this front end implements.
pub const SUPPORTED_VERSIONS: &[&str] = &["1.0.0", "1.1.0"];

/// Parses and checks `src`: syntax diagnostics followed by check diagnostics, sorted.
pub fn check_source(src: &str) -> (Parse, Vec<Diagnostic>) {
    let parse = crate::parser::parse(src);
    let mut cache = RegexCache::default();
    let mut diags = parse.diagnostics.clone();
    diags.extend(check(&parse, src, &mut cache));
    crate::diagnostic::sort(&mut diags);
    (parse, diags)
}

/// Runs every check over a parsed document. `cache` keeps compiled regexes between files.
pub fn check(parse: &Parse, src: &str, cache: &mut RegexCache) -> Vec<Diagnostic> {
    let root = parse.syntax();
    let Some(file) = SourceFile::cast(root.clone()) else {
        return Vec::new();
    };
    let mut cx = Checker {
        src,
        diags: Vec::new(),
        version: None,
        legacy_unversioned: false,
        newer_version_uses: Vec::new(),
        regex_cache: cache,
    };
    variables::check(&mut cx, &root, parse.kind);
    if let Some(bind) = file.bind() {
        header::check_bind(&mut cx, &bind);
        if let Some(body) = bind.body() {
            routes::check_body(&mut cx, &body);
            declarations::check(&mut cx, &body);
        }
        pipeline::check_all(&mut cx, bind.syntax());
        cx.report_newer_version_uses(&bind);
    }
    if let Some(app) = file.app() {
        legacy_docs::check_app(&mut cx, &app);
    }
    if let Some(router) = file.router() {
        legacy_docs::check_router(&mut cx, &router);
    }
    cx.diags
}

pub(crate) struct Checker<'a> {
    pub src: &'a str,
    pub diags: Vec<Diagnostic>,
    /// The document's declared version (`None` when unversioned or invalid).
    pub version: Option<Version>,
    /// An unversioned 2022 `Bind { … }`.
    pub legacy_unversioned: bool,
    /// 1.1.0 forms used in an older document: (span, what) — reported once, together.
    pub newer_version_uses: Vec<(Span, &'static str)>,
    pub regex_cache: &'a mut RegexCache,
}

impl Checker<'_> {
    pub fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// Whether 1.1.0 forms are allowed (unknown versions are already an error: don't pile on).
    pub fn allows_extensions(&self) -> bool {
        match &self.version {
            Some(v) => (v.major, v.minor) >= (1, 1),
            None => !self.legacy_unversioned,
        }
    }

    /// Records a 1.1.0-only form; one diagnostic for all of them is emitted at the end.
    pub fn needs_extensions(&mut self, span: Span, what: &'static str) {
        if !self.allows_extensions() {
            self.newer_version_uses.push((span, what));
        }
    }

    /// Converts an atom error (relative to `node`) into a diagnostic with an absolute span.
    pub fn atom_error(&mut self, code: crate::codes::Code, node_start: usize, err: AtomError) {
        let span = node_start + err.span.start..node_start + err.span.end;
        self.report(Diagnostic::new(code, span, err.message).label(err.label));
    }
}

pub(crate) use crate::ast::trimmed_span;

pub(crate) fn token_span(token: &crate::syntax_kind::SyntaxToken) -> Span {
    let r = token.text_range();
    usize::from(r.start())..usize::from(r.end())
}
