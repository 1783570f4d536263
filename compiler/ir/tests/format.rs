//! The bundle file format: round trips, and every kind of bad input gets its typed error.

use proptest::prelude::*;
use starlane_ir::*;

mod support;
use support::sample;

#[test]
fn a_bundle_round_trips() {
    let bytes = encode(&sample(), "starlane 0.1.0");
    let (header, bundle) = decode(&bytes).unwrap();
    assert_eq!(bundle, sample());
    assert_eq!(header.producer, "starlane 0.1.0");
    assert_eq!(header.format_version, FORMAT_VERSION);
}

#[test]
fn encoding_is_deterministic() {
    assert_eq!(encode(&sample(), "p"), encode(&sample(), "p"));
}

#[test]
fn every_truncation_is_a_typed_error() {
    let bytes = encode(&sample(), "starlane");
    for len in 0..bytes.len() {
        let err = decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, LoadError::Truncated { .. }),
            "length {len}: {err:?}"
        );
    }
}

#[test]
fn a_flipped_body_byte_is_a_hash_mismatch() {
    let mut bytes = encode(&sample(), "starlane");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    assert_eq!(decode(&bytes).unwrap_err(), LoadError::HashMismatch);
}

#[test]
fn wrong_magic_future_version_and_unknown_features_are_named() {
    let good = encode(&sample(), "starlane");
    let mut bad = good.clone();
    bad[0] = b'X';
    assert_eq!(decode(&bad).unwrap_err(), LoadError::BadMagic);
    let mut future = good.clone();
    future[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(
        decode(&future).unwrap_err(),
        LoadError::FutureVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        }
    );
    // An older layout is refused by name (it would not decode into today's IR).
    let mut old = good.clone();
    old[8..10].copy_from_slice(&(FORMAT_VERSION - 1).to_le_bytes());
    let e = decode(&old).unwrap_err();
    assert_eq!(
        e,
        LoadError::UnsupportedVersion {
            found: FORMAT_VERSION - 1,
            supported: FORMAT_VERSION
        }
    );
    assert!(e.to_string().contains("rebuild"), "{e}");
    let mut features = good.clone();
    features[10] = 0b100;
    assert_eq!(
        decode(&features).unwrap_err(),
        LoadError::UnknownFeatures { flags: 0b100 }
    );
    let mut trailing = good;
    trailing.push(0);
    assert_eq!(
        decode(&trailing).unwrap_err(),
        LoadError::TrailingBytes { extra: 1 }
    );
}

#[test]
fn a_typed_value_the_language_does_not_admit_is_invalid() {
    // Hand-made bytes can hold an `Ext` method that no `.bind` could name: refused at load.
    let mut b = sample();
    b.binds[0].routes[0].segments[1].stop = Stop::Call {
        point: Template::text("localhost:app"),
        method: Method::Ext("select".into()),
        path: None,
    };
    let err = decode(&encode(&b, "p")).unwrap_err();
    assert!(
        matches!(err, LoadError::Invalid(ref m) if m.contains("`Ext<select>` is not a method name")),
        "{err:?}"
    );
}

#[test]
fn out_of_range_indices_are_invalid_not_a_panic() {
    let mut b = sample();
    b.binds[0].routes[0].segments[0].payload = Some(7);
    let err = decode(&encode(&b, "p")).unwrap_err();
    assert!(
        matches!(err, LoadError::Invalid(ref m) if m.contains("pattern index 7")),
        "{err:?}"
    );
    let mut b = sample();
    b.patterns.push(PayloadPattern {
        shape: Shape::Map {
            entries: vec![MapEntry {
                key: "a".into(),
                optional: false,
                pattern: Some(1),
            }],
            other: None,
        },
        validators: vec![],
    });
    assert!(matches!(
        decode(&encode(&b, "p")).unwrap_err(),
        LoadError::Invalid(_)
    ));
}

#[test]
fn an_unordered_line_table_is_invalid_and_locate_never_underflows() {
    // Found by the `load_bundle` fuzz target (regression input in fuzz/corpus/load_bundle).
    let mut b = sample();
    b.sources[0].line_starts = vec![0, 50, 10];
    assert!(
        matches!(decode(&encode(&b, "p")).unwrap_err(), LoadError::Invalid(ref m) if m.contains("line table"))
    );
    assert!(
        b.locate(SourceSpan {
            source: 0,
            start: 20,
            end: 21
        })
        .starts_with("bind/app.bind:")
    );
}

#[test]
fn source_map_locates_spans() {
    let b = sample();
    assert_eq!(
        b.locate(SourceSpan {
            source: 0,
            start: 24,
            end: 30
        }),
        "bind/app.bind:2:3"
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_header_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        use sha2::Digest;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        let hash: [u8; 32] = sha2::Sha256::digest(&body).into();
        bytes.extend_from_slice(&hash);
        bytes.extend_from_slice(&body);
        let _ = decode(&bytes);
    }
}
