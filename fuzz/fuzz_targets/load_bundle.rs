//! The bundle loader on arbitrary bytes: a typed error or a bundle, never a panic or an
//! unbounded allocation. When the first byte is odd, the rest is wrapped in a valid header (with
//! its correct hash) so the postcard body and the structural checks get fuzzed too, not just the
//! hash check. Valid bundles are printed (inspect) to exercise the renderers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|bytes: &[u8]| {
    let wrapped;
    let input = match bytes.split_first() {
        Some((flag, body)) if flag % 2 == 1 => {
            let mut v = Vec::with_capacity(body.len() + 56);
            v.extend_from_slice(&starlane_ir::MAGIC);
            v.extend_from_slice(&starlane_ir::FORMAT_VERSION.to_le_bytes());
            v.extend_from_slice(&0u32.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&(body.len() as u64).to_le_bytes());
            v.extend_from_slice(&Sha256::digest(body));
            v.extend_from_slice(body);
            wrapped = v;
            &wrapped[..]
        }
        _ => bytes,
    };
    if let Ok((header, bundle)) = starlane_ir::decode(input) {
        let _ = starlane_compiler::inspect::text(&header, &bundle);
    }
});
