//! Signed bundles (`specs/ir.md` §5): every part of a signed bundle is tamper-evident, and each
//! refusal is its own typed error.

mod support;

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use starlane_ir::format::{FEATURE_SIGNED, FEATURES_OFFSET, Header};
use starlane_ir::signature::{self, PublicKey, TrustPolicy, Verdict, VerifyError};
use starlane_ir::*;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn bundle() -> Bundle {
    let mut b = support::sample();
    let wasm = b"\0asm\x01\0\0\0".to_vec();
    b.modules.push(Module {
        path: "wasm/hello.wasm".into(),
        sha256: Sha256::digest(&wasm).into(),
        bytes: wasm,
    });
    b.mechtrons[0].module = Some(0);
    b.files.push(StaticFile {
        path: "html/index.html".into(),
        content_type: "text/html".into(),
        bytes: b"<h1>hi</h1>".to_vec(),
    });
    b
}

fn signed_by(k: &SigningKey) -> Vec<u8> {
    signature::sign(
        &encode(&bundle(), "starlane test"),
        k,
        Some("1.2.0".into()),
        1_700_000_000,
    )
    .unwrap()
}

fn trusting(keys: &[&SigningKey]) -> TrustPolicy {
    TrustPolicy {
        trusted: keys.iter().map(|k| PublicKey::of(k)).collect(),
        revoked: vec![],
    }
}

fn check(file: &[u8], policy: &TrustPolicy) -> Result<Verdict, VerifyError> {
    let (header, bundle) = decode(file).expect("the file still decodes");
    signature::verify(file, &header, &bundle, policy)
}

/// Re-encodes a signed file with a changed bundle and a correct body hash, keeping the original
/// signature block: what someone who can write the file, but holds no key, can do.
fn tampered(file: &[u8], change: impl FnOnce(&mut Bundle)) -> Vec<u8> {
    let (header, mut b) = decode(file).unwrap();
    change(&mut b);
    let mut out = encode(&b, &header.producer);
    out[FEATURES_OFFSET..FEATURES_OFFSET + 4].copy_from_slice(&FEATURE_SIGNED.to_le_bytes());
    out.extend_from_slice(&file[header.signed_len as usize..]);
    out
}

/// Rewrites the signature block itself.
fn with_block(file: &[u8], change: impl FnOnce(&mut signature::SignatureBlock)) -> Vec<u8> {
    let (header, _): (Header, _) = decode(file).unwrap();
    let mut block = header.signature.clone().unwrap();
    change(&mut block);
    let encoded = postcard::to_stdvec(&block).unwrap();
    let mut out = file[..header.signed_len as usize].to_vec();
    out.extend_from_slice(&signature::SIGNATURE_MAGIC);
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    out.extend_from_slice(&encoded);
    out
}

#[test]
fn a_signed_bundle_verifies_and_loads_as_the_same_bundle() {
    let k = key(1);
    let file = signed_by(&k);
    let (header, b) = decode(&file).unwrap();
    assert_eq!(b, bundle());
    let block = header.signature.as_ref().unwrap();
    assert_eq!(block.key, PublicKey::of(&k));
    assert_eq!(block.claims.version.as_deref(), Some("1.2.0"));
    assert_eq!(
        check(&file, &trusting(&[&k])),
        Ok(Verdict::Signed {
            key: PublicKey::of(&k),
            trusted: true
        })
    );
    // Without a policy the signature is still checked, and said to be unchecked against keys.
    assert_eq!(
        check(&file, &TrustPolicy::default()),
        Ok(Verdict::Signed {
            key: PublicKey::of(&k),
            trusted: false
        })
    );
}

#[test]
fn the_claims_list_modules_files_and_every_capability() {
    let (header, _) = decode(&signed_by(&key(1))).unwrap();
    let claims = header.signature.unwrap().claims;
    assert_eq!(claims.name, "hello");
    assert_eq!(claims.modules.len(), 1);
    assert_eq!(claims.modules[0].path, "wasm/hello.wasm");
    assert_eq!(claims.files.len(), 1);
    assert_eq!(
        claims.capabilities,
        vec![
            "bind/app.bind: port users: call ${users}+:*^Http<*>/public/.* timeout 50 ms ack 100 ms retries 2",
            "bind/app.bind: port users: grant perm +csd-RWx on ${users}:**<User>",
        ]
    );
}

#[test]
fn signing_is_deterministic_and_re_signing_replaces_the_signature() {
    let (a, b) = (key(1), key(2));
    assert_eq!(signed_by(&a), signed_by(&a));
    let again = signature::sign(&signed_by(&a), &b, None, 5).unwrap();
    let (header, _) = decode(&again).unwrap();
    assert_eq!(header.signature.unwrap().key, PublicKey::of(&b));
    assert!(check(&again, &trusting(&[&b])).is_ok());
    assert_eq!(
        check(&again, &trusting(&[&a])),
        Err(VerifyError::Untrusted {
            key: PublicKey::of(&b)
        })
    );
}

#[test]
fn a_changed_grant_module_file_or_header_is_a_content_mismatch() {
    let k = key(1);
    let file = signed_by(&k);
    let policy = trusting(&[&k]);
    let mismatch = Err(VerifyError::ContentMismatch {
        key: PublicKey::of(&k),
    });
    let grant = tampered(&file, |b| {
        if let GrantKind::Perm { bits, .. } = &mut b.binds[0].ports[0].grants[0].kind {
            *bits = 0b111111;
        }
    });
    assert_eq!(check(&grant, &policy), mismatch, "a widened grant");
    let module = tampered(&file, |b| b.modules[0].bytes[7] ^= 1);
    assert_eq!(check(&module, &policy), mismatch, "a module byte");
    let static_file = tampered(&file, |b| b.files[0].bytes[0] = b'X');
    assert_eq!(check(&static_file, &policy), mismatch, "a static file");
    let mut producer = file.clone();
    producer[16] ^= 0x20; // a letter of the producer name, in the header
    assert_eq!(check(&producer, &policy), mismatch, "a header byte");
}

#[test]
fn a_raw_byte_flip_anywhere_is_refused_at_load_or_at_verification() {
    let k = key(1);
    let file = signed_by(&k);
    let policy = trusting(&[&k]);
    for at in 0..file.len() {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        if let Ok((header, b)) = decode(&bad) {
            assert!(
                signature::verify(&bad, &header, &b, &policy).is_err(),
                "byte {at} flipped and still accepted"
            );
        }
    }
}

#[test]
fn changed_claims_or_signature_bytes_do_not_verify() {
    let k = key(1);
    let file = signed_by(&k);
    let policy = trusting(&[&k]);
    let bad = Err(VerifyError::BadSignature {
        key: PublicKey::of(&k),
    });
    let fewer = with_block(&file, |b| {
        b.claims.capabilities.pop();
    });
    assert_eq!(check(&fewer, &policy), bad, "claims");
    let version = with_block(&file, |b| b.claims.version = Some("9.9.9".into()));
    assert_eq!(check(&version, &policy), bad, "claimed version");
    let sig = with_block(&file, |b| b.signature[3] ^= 1);
    assert_eq!(check(&sig, &policy), bad, "signature");
    // Another key put in the block: the signature is not that key's.
    let other = with_block(&file, |b| b.key = PublicKey::of(&key(2)));
    assert_eq!(
        check(&other, &trusting(&[&key(2)])),
        Err(VerifyError::BadSignature {
            key: PublicKey::of(&key(2))
        })
    );
}

#[test]
fn claims_that_do_not_describe_the_bundle_are_refused_even_when_properly_signed() {
    // A signer's tool that leaves out a capability signs a misleading summary: refused.
    let k = key(1);
    let unsigned = encode(&bundle(), "starlane test");
    let honest = signature::sign(&unsigned, &k, None, 1).unwrap();
    let lying = with_block(&honest, |b| {
        b.claims.capabilities.retain(|c| !c.contains(" call "));
        let message = [
            b"starlane bundle claims v1\0".as_slice(),
            &postcard::to_stdvec(&b.claims).unwrap(),
        ]
        .concat();
        b.signature = ed25519_dalek::Signer::sign(&k, &message).to_bytes();
    });
    match check(&lying, &trusting(&[&k])) {
        Err(VerifyError::ClaimsMismatch { what, .. }) => {
            assert!(what.contains("call ${users}+:*"), "{what}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn trust_policy_unsigned_untrusted_and_revoked() {
    let (a, b) = (key(1), key(2));
    let unsigned = encode(&bundle(), "p");
    assert_eq!(
        check(&unsigned, &trusting(&[&a])),
        Err(VerifyError::Unsigned)
    );
    assert_eq!(
        check(&unsigned, &TrustPolicy::default()),
        Ok(Verdict::Unsigned)
    );
    let by_b = signed_by(&b);
    assert_eq!(
        check(&by_b, &trusting(&[&a])),
        Err(VerifyError::Untrusted {
            key: PublicKey::of(&b)
        })
    );
    // Rotation: both keys trusted at once.
    assert!(check(&by_b, &trusting(&[&a, &b])).is_ok());
    let mut revoking = trusting(&[&a, &b]);
    revoking.revoked.push(PublicKey::of(&b));
    assert_eq!(
        check(&by_b, &revoking),
        Err(VerifyError::Revoked {
            key: PublicKey::of(&b)
        })
    );
}

#[test]
fn a_cleared_flag_or_a_cut_signature_block_fails_to_load() {
    let file = signed_by(&key(1));
    let mut cleared = file.clone();
    cleared[FEATURES_OFFSET] = 0;
    assert!(matches!(
        decode(&cleared),
        Err(LoadError::TrailingBytes { .. })
    ));
    let (header, _) = decode(&file).unwrap();
    for len in header.signed_len as usize..file.len() {
        let err = decode(&file[..len]).unwrap_err();
        assert!(
            matches!(
                err,
                LoadError::Truncated { .. } | LoadError::BadSignatureBlock(_)
            ),
            "length {len}: {err:?}"
        );
    }
}

#[test]
fn public_keys_print_and_parse() {
    let k = PublicKey::of(&key(7));
    let text = k.to_string();
    assert!(text.starts_with("ed25519:"), "{text}");
    assert_eq!(PublicKey::parse(&format!("  {text}\n")), Ok(k));
    assert!(
        PublicKey::parse("ssh-ed25519 AAAA")
            .unwrap_err()
            .contains("not a Starlane public key")
    );
    assert!(
        PublicKey::parse("ed25519:AAAA")
            .unwrap_err()
            .contains("32 bytes")
    );
    assert!(
        PublicKey::parse("ed25519:!!")
            .unwrap_err()
            .contains("base64")
    );
}

#[test]
fn signing_times_print_as_utc() {
    assert_eq!(signature::utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(signature::utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(signature::utc(1_796_236_842), "2026-12-02T18:40:42Z");
    assert_eq!(signature::utc(4_102_444_799), "2099-12-31T23:59:59Z");
}
