//! The whole `starlane check` pipeline (lex, parse, tree, front-end checks, lowering, semantic
//! checks) and the fixes on arbitrary bytes: nothing may panic, spans stay in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let (src, _) = starlane_lang::source::decode(bytes);
    let checked = starlane_compiler::check_document(&src, &Default::default());
    let (parse, diags) = (checked.parse, checked.diagnostics);
    assert_eq!(parse.syntax().to_string(), src);
    for d in &diags {
        assert!(d.primary.span.end <= src.len() && d.primary.span.start <= d.primary.span.end);
    }
    let _ = starlane_lang::fix::apply_machine_applicable(&src, &diags);
});
