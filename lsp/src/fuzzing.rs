//! Every feature on arbitrary input, at positions taken from it: what the `lsp_features` fuzz
//! target runs, and what `tests/fuzz_corpus.rs` replays on stable. Nothing here may panic.

use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::analysis::Analysis;
use crate::features::{
    code_actions, completion, folding, formatting, hover, navigation, outline, semantic_tokens,
};

/// Analyses `bytes` as a document and runs every feature on it.
pub fn exercise(bytes: &[u8]) {
    let (text, _) = starlane_lang::source::decode(bytes);
    let uri: Uri = "file:///fuzz.bind".parse().unwrap();
    let a = Analysis::new(uri, 1, &text, &Default::default(), &mut Default::default());
    // Cursor positions from the input's first bytes, anywhere (past the end too).
    let offsets: Vec<usize> = bytes
        .iter()
        .take(8)
        .map(|b| (*b as usize * 7919) % (text.len() + 3))
        .collect();
    for &o in &offsets {
        let _ = hover::hover(&a, o);
        let _ = completion::completion(&a, o);
        let _ = navigation::definition(&a, o);
        let _ = navigation::references(&a, o, true);
        let _ = navigation::highlights(&a, o);
        let _ = navigation::prepare_rename(&a, o);
        let _ = navigation::rename(&a, o, "renamed");
        let p = a.position(o);
        let _ = a.offset(Position::new(p.line + 1, p.character + 3));
    }
    let _ = outline::document_symbols(&a);
    let _ = semantic_tokens::semantic_tokens(&a);
    let _ = folding::folding_ranges(&a);
    let _ = formatting::format(&a);
    let whole = Range::new(Position::new(0, 0), Position::new(u32::MAX, u32::MAX));
    let _ = code_actions::code_actions(&a, whole, None);
}
