//! Lex + parse + check + tree + fix on arbitrary bytes: nothing may panic, spans stay in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let (src, _) = starlane_lang::source::decode(bytes);
    let (parse, diags) = starlane_lang::check_source(&src);
    assert_eq!(parse.syntax().to_string(), src);
    for d in &diags {
        assert!(d.primary.span.end <= src.len() && d.primary.span.start <= d.primary.span.end);
    }
    let _ = starlane_lang::fix::apply_machine_applicable(&src, &diags);
});
