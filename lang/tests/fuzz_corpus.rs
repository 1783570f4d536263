//! Replays the committed fuzz corpus (`fuzz/corpus/check`, including any crash regressions) on
//! stable, with the fuzz target's own assertions.

use std::path::Path;

#[test]
fn fuzz_corpus_replays_without_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/check");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz/corpus/check exists") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let (src, _) = starlane_lang::source::decode(&bytes);
        let (parse, diags) = starlane_lang::check_front_end(&src);
        assert_eq!(parse.syntax().to_string(), src);
        for d in &diags {
            assert!(d.primary.span.end <= src.len() && d.primary.span.start <= d.primary.span.end);
        }
        let _ = starlane_lang::fix::apply_machine_applicable(&src, &diags);
        count += 1;
    }
    assert!(count >= 100, "the seed corpus has only {count} inputs");
}
