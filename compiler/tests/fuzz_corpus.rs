//! Replays the bundle-loader fuzz corpus (`fuzz/corpus/load_bundle`) on stable.

#[test]
fn loader_corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/load_bundle");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok((h, b)) = starlane_ir::decode(&bytes) {
            let _ = starlane_compiler::inspect::text(&h, &b);
        }
        n += 1;
    }
    assert!(n >= 2);
}
