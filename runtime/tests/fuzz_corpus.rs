//! Replays the committed `runtime_payload` fuzz corpus on stable (with any crash regressions).

use std::path::Path;

#[test]
fn runtime_fuzz_corpus_replays_without_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/runtime_payload");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz/corpus/runtime_payload exists") {
        starlane_runtime::fuzzing::exercise(&std::fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 5, "the corpus has only {count} inputs");
}
