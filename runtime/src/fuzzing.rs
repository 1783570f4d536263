//! What the runtime does with bytes a caller or guest controls, on arbitrary input: payload
//! checks against every kind of pattern, response envelopes, point substitution, selectors and
//! file-path safety. What the `runtime_payload` fuzz target runs and `tests/fuzz_corpus.rs`
//! replays on stable. A typed failure or success, never a panic.

use starlane_ir::{MapEntry, PayloadPattern, Shape, Validator};

use crate::payload::{Checker, Verdict};
use crate::schemas::Schemas;

fn patterns() -> Vec<PayloadPattern> {
    let p = |shape: Shape, validators: Vec<Validator>| PayloadPattern { shape, validators };
    vec![
        p(Shape::Kind("Text".into()), vec![]),
        p(Shape::Kind("Int".into()), vec![]),
        p(
            Shape::Map {
                entries: vec![
                    MapEntry {
                        key: "name".into(),
                        optional: false,
                        pattern: Some(0),
                    },
                    MapEntry {
                        key: "age".into(),
                        optional: true,
                        pattern: Some(1),
                    },
                ],
                other: Some(Some(0)),
            },
            vec![Validator::Schema(0)],
        ),
        p(
            Shape::List {
                kind: "Map".into(),
                min: 1,
                max: Some(3),
            },
            vec![],
        ),
        p(
            Shape::Kind("Bin".into()),
            vec![Validator::Format("image".into())],
        ),
        p(
            Shape::Any,
            vec![
                Validator::Format("json".into()),
                Validator::Mechtron {
                    point: "localhost:v".into(),
                    method: "Validate".into(),
                },
            ],
        ),
        p(Shape::Nothing, vec![]),
        p(Shape::Kind("Empty".into()), vec![]),
    ]
}

/// Runs every check on `bytes`.
pub fn exercise(bytes: &[u8]) {
    let schemas = Schemas::compile(&[starlane_ir::SchemaDoc {
        path: "schema/s.json".into(),
        json: r#"{"type":"object","properties":{"name":{"type":"string","maxLength":8}}}"#.into(),
    }]);
    let patterns = patterns();
    let ask = |_: &str, _: &str, body: &[u8]| -> Result<Verdict, ()> {
        Ok(if body.len().is_multiple_of(2) {
            Verdict::Valid
        } else {
            Verdict::Invalid(vec![])
        })
    };
    let checker = Checker {
        patterns: &patterns,
        schemas: &schemas,
        ask: &ask,
    };
    for id in 0..patterns.len() as u32 + 1 {
        let _ = checker.check(id, bytes);
    }
    let _ = crate::envelope::decode_response(bytes.to_vec());
    let text = String::from_utf8_lossy(bytes);
    let vars = |n: &str| (n.len() < 4).then(|| text.chars().take(16).collect::<String>());
    if let Ok(point) = starlane_routing::substitute::substitute(&text, &vars) {
        let _ = crate::delivery::unsafe_file_path(&point);
    }
    if let Ok(sel) = starlane_routing::Selector::parse(&text) {
        let _ = sel.matches(&text, Some("User"));
        let _ = sel.matches("localhost:a:b:/x/y", None);
    }
}
