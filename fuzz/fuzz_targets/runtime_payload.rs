//! What the runtime does with caller- and guest-controlled bytes, on arbitrary input (see
//! `starlane_runtime::fuzzing`). A typed failure or success, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| starlane_runtime::fuzzing::exercise(bytes));
