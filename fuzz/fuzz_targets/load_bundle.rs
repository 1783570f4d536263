//! The bundle loader on arbitrary bytes: a typed error or a bundle, never a panic or an
//! unbounded allocation. When the first byte is odd, the rest is wrapped in a valid header (with
//! its correct hash) so the postcard body and the structural checks get fuzzed too, not just the
//! hash check; when it is also 3 mod 4, the second half of the rest becomes a signature block
//! (flag `SIGNED`), so the block's decoding and `signature::verify` get fuzzed. Valid bundles are
//! printed (inspect) and verified, with and without a trust policy.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|bytes: &[u8]| {
    let wrapped;
    let input = match bytes.split_first() {
        Some((flag, rest)) if flag % 2 == 1 => {
            let signed = flag % 4 == 3;
            let (body, block) = if signed {
                rest.split_at(rest.len() / 2)
            } else {
                (rest, &[][..])
            };
            let mut v = Vec::with_capacity(rest.len() + 72);
            v.extend_from_slice(&starlane_ir::MAGIC);
            v.extend_from_slice(&starlane_ir::FORMAT_VERSION.to_le_bytes());
            v.extend_from_slice(&u32::from(signed).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&(body.len() as u64).to_le_bytes());
            v.extend_from_slice(&Sha256::digest(body));
            v.extend_from_slice(body);
            if signed {
                v.extend_from_slice(&starlane_ir::signature::SIGNATURE_MAGIC);
                v.extend_from_slice(&(block.len() as u32).to_le_bytes());
                v.extend_from_slice(block);
            }
            wrapped = v;
            &wrapped[..]
        }
        _ => bytes,
    };
    if let Ok((header, bundle)) = starlane_ir::decode(input) {
        let _ = starlane_compiler::inspect::text(&header, &bundle);
        use starlane_ir::signature::{PublicKey, TrustPolicy, verify};
        let _ = verify(input, &header, &bundle, &TrustPolicy::default());
        let strict = TrustPolicy {
            trusted: vec![PublicKey([7; 32])],
            revoked: vec![],
        };
        let _ = verify(input, &header, &bundle, &strict);
    }
});
