//! Replays the committed `lsp_features` fuzz corpus on stable (with any crash regressions).

use std::path::Path;

#[test]
fn lsp_fuzz_corpus_replays_without_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/lsp_features");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz/corpus/lsp_features exists") {
        starlane_lsp::fuzzing::exercise(&std::fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 50, "the corpus has only {count} inputs");
}
