//! Every language-server feature on arbitrary text, at positions taken from the input (see
//! `starlane_lsp::fuzzing`). None may panic, whatever the text and wherever the cursor.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| starlane_lsp::fuzzing::exercise(bytes));
