//! What the server knows about one version of one document: its tree, every diagnostic (the
//! same pipeline as `starlane check`), and its symbols. Immutable once built, shared as an
//! `Arc` so request handlers read it while the workspace moves on to the next edit.
//!
//! The document's [`IncrementalChecker`] redoes only what an edit touched. The symbols of the
//! items are indexed in the first quiet moment after the diagnostics are published (or by a
//! request that comes first), and the index is assembled from them on first use, so diagnostics
//! never wait for either.

use std::sync::{Arc, OnceLock};

use starlane_compiler::incremental::IncrementalChecker;
use starlane_compiler::symbols::{ItemSymbols, SymbolIndex};
use starlane_lang::line_index::LineIndex;
use starlane_lang::settings::Settings;
use starlane_lang::{Diagnostic, Parse, Span, SyntaxNode};
use tower_lsp_server::ls_types::{Position, Range, Uri};

pub struct Analysis {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub parse: Parse,
    pub diagnostics: Vec<Diagnostic>,
    /// The symbols of each body item, with the delta each is moved by; see
    /// [`Analysis::index_symbols`].
    symbol_items: OnceLock<Vec<(Arc<ItemSymbols>, isize)>>,
    symbols: OnceLock<SymbolIndex>,
}

impl Analysis {
    /// Analyses `text` with the document's checker, kept from one version to the next.
    pub fn new(
        uri: Uri,
        version: i32,
        text: &str,
        settings: &Settings,
        checker: &mut IncrementalChecker,
    ) -> Analysis {
        let lines = LineIndex::new(text);
        Analysis::with_leftovers(uri, version, text, lines, settings, checker).0
    }

    /// As [`Analysis::new`], also giving back what the check made that the analysis does not
    /// keep (the lowering of what changed): freeing it is the caller's to schedule, off the path
    /// to the diagnostics (after the first check of a large document it costs as much as a
    /// tenth of the check). `lines` are `text`'s line starts, which the open document keeps up to
    /// date edit by edit.
    pub fn with_leftovers(
        uri: Uri,
        version: i32,
        text: &str,
        lines: LineIndex,
        settings: &Settings,
        checker: &mut IncrementalChecker,
    ) -> (Analysis, impl Send + 'static) {
        debug_assert!(
            lines == LineIndex::new(text),
            "the line starts are the text's"
        );
        let (checked, leftovers) = checker.check_without_bind(text, settings);
        let analysis = Analysis {
            uri,
            version,
            text: Arc::from(text),
            lines,
            parse: checked.parse,
            diagnostics: checked.diagnostics,
            symbol_items: OnceLock::new(),
            symbols: OnceLock::new(),
        };
        (analysis, leftovers)
    }

    /// Indexes the symbols of each item with `checker` (the one that made this analysis), which
    /// remembers those of unchanged items. Done once, by the workspace, when no edit has come for a
    /// moment after the diagnostics went out, or for the first request that needs them.
    pub fn index_symbols(&self, checker: &mut IncrementalChecker) {
        if self.symbol_items.get().is_none() {
            let items = checker.item_symbols(&self.text, &self.parse.syntax());
            let _ = self.symbol_items.set(items);
            checker.regexes.sweep();
        }
    }

    /// Every definition and reference of the document (assembled on first use; indexed from
    /// scratch if [`Analysis::index_symbols`] has not run, which the workspace ensures before
    /// handing the analysis to a request).
    pub fn symbols(&self) -> &SymbolIndex {
        self.symbols.get_or_init(|| match self.symbol_items.get() {
            Some(items) => {
                SymbolIndex::assemble(items.iter().map(|(item, delta)| (&**item, *delta)))
            }
            None => SymbolIndex::build(&self.root(), &mut Default::default()),
        })
    }

    /// The lossless tree (cheap: the green tree is built once and shared).
    pub fn root(&self) -> SyntaxNode {
        self.parse.syntax()
    }

    pub fn position(&self, offset: usize) -> Position {
        let p = self.lines.position(&self.text, offset);
        Position::new(p.line as u32, p.utf16_col as u32)
    }

    pub fn range(&self, span: &Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    pub fn offset(&self, position: Position) -> usize {
        self.lines.offset_utf16(
            &self.text,
            position.line as usize,
            position.character as usize,
        )
    }

    /// The byte span of an LSP range.
    pub fn span(&self, range: Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        a.min(b)..a.max(b)
    }
}
