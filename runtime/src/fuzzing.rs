//! What the runtime does with bytes a caller or guest controls, on arbitrary input: payload
//! checks against every kind of pattern, response envelopes, point substitution, selectors and
//! file-path safety. What the `runtime_payload` fuzz target runs and `tests/fuzz_corpus.rs`
//! replays on stable. A typed failure or success, never a panic.

use starlane_ir::{
    Format, MapEntry, Method, PayloadKind, PayloadPattern, SelectorPattern, Shape, Template,
    Validator,
};

use crate::payload::{Checker, Verdict};
use crate::schemas::Schemas;

fn patterns() -> Vec<PayloadPattern> {
    let p = |shape: Shape, validators: Vec<Validator>| PayloadPattern { shape, validators };
    vec![
        p(Shape::Kind(PayloadKind::Text), vec![]),
        p(Shape::Kind(PayloadKind::Int), vec![]),
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
                kind: PayloadKind::Map,
                min: 1,
                max: Some(3),
            },
            vec![],
        ),
        p(
            Shape::Kind(PayloadKind::Bin),
            vec![Validator::Format(Format::Image)],
        ),
        p(
            Shape::Any,
            vec![
                Validator::Format(Format::Json),
                Validator::Mechtron {
                    point: Template::text("localhost:v"),
                    method: Method::parse("Ext<Validate>").expect("a method"),
                },
            ],
        ),
        p(Shape::Nothing, vec![]),
        p(Shape::Kind(PayloadKind::Empty), vec![]),
    ]
}

/// Runs every check on `bytes`.
pub fn exercise(bytes: &[u8]) {
    let schemas = Schemas::compile(&[starlane_ir::SchemaDoc {
        path: "schema/s.json".into(),
        json: r#"{"type":"object","properties":{"name":{"type":"string","maxLength":8}}}"#.into(),
    }]);
    let patterns = patterns();
    let ask = |_: &Template, _: &Method, body: &[u8]| -> Result<Verdict, ()> {
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
    let value: String = text.chars().take(16).collect();
    let bound = |n: &str| (n.len() < 4).then(|| value.clone());
    if let Ok(template) = Template::parse(&text)
        && let Ok(point) = starlane_routing::fill(&template, &[], &bound)
    {
        let _ = crate::delivery::unsafe_file_path(&point);
    }
    if let Ok(pattern) = SelectorPattern::parse(&text) {
        let _ = pattern.to_string();
        if let Ok(sel) = starlane_routing::Selector::with_context(&pattern, &bound) {
            let _ = sel.matches(&text, Some("User"));
            let _ = sel.matches("localhost:a:b:/x/y", None);
        }
    }
    let _ = Method::parse(&text);
}
