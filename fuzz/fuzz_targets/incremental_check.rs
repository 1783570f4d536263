//! The language server's incremental check (memos by item and unit, reparsing one item) against
//! a check from scratch, after every edit of a sequence: the same tree, tokens, diagnostics,
//! bind, patterns and symbols. Input: a document, then up to 16 edits, each after a NUL byte — two bytes
//! of position, one of length to delete, then the text to insert.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starlane_compiler::incremental::IncrementalChecker;
use starlane_lang::settings::Settings;

fuzz_target!(|bytes: &[u8]| {
    let mut parts = bytes.split(|&b| b == 0);
    let (mut text, _) = starlane_lang::source::decode(parts.next().unwrap_or_default());
    let settings = Settings::default();
    let mut checker = IncrementalChecker::default();
    same(&mut checker, &text, &settings);
    for edit in parts.take(16) {
        let [a, b, len, insert @ ..] = edit else {
            continue;
        };
        let at = char_start(
            &text,
            usize::from(u16::from_le_bytes([*a, *b])) % (text.len() + 1),
        );
        let end = char_start(&text, (at + usize::from(*len % 32)).min(text.len()));
        let (insert, _) = starlane_lang::source::decode(insert);
        text.replace_range(at..end, &insert);
        same(&mut checker, &text, &settings);
    }
});

/// The start of the character at or before `at`.
fn char_start(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn same(checker: &mut IncrementalChecker, text: &str, settings: &Settings) {
    if let Some(part) = checker.disagreement_with_full_check(text, settings) {
        panic!("the incremental check's {part} differ from a full check's, for {text:?}");
    }
}
