//! The grant and `call` check of one outbound call: compiled once at load and evaluated per call
//! (what the runtime does), against compiling every rule per call (filling in variables,
//! compiling selectors and path regexes: roughly what it did before grants were compiled at
//! load), in the same run.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use starlane_ir::{CallRule, Grant, GrantKind, Method, MethodPattern, Role, SelectorPattern};
use starlane_routing::{CallRules, GrantSet};

fn sel(text: &str) -> SelectorPattern {
    SelectorPattern::parse(text).unwrap()
}

fn perm(bits: u8, and: bool, on: &str) -> Grant {
    Grant {
        kind: GrantKind::Perm { bits, and },
        on: Some(sel(on)),
        to: None,
        span: Default::default(),
    }
}

fn call(selector: &str, method: &str, path: Option<&str>) -> CallRule {
    CallRule {
        selector: sel(selector),
        methods: MethodPattern::new("Http", method).unwrap(),
        path: path.map(str::to_string),
        timeout_ms: None,
        ack_ms: None,
        retries: None,
        span: Default::default(),
    }
}

fn bench(c: &mut Criterion) {
    // A port as people write them: a few masks over context names, one role, a few calls.
    let grants = vec![
        perm(0b010100, false, "${files}:**"),
        perm(0b000010, false, "${files}:users:*:doc"),
        perm(0b111100, true, "${files}:**"),
        perm(0b000001, false, "${audit}:log"),
        Grant {
            kind: GrantKind::Role("editor".into()),
            on: None,
            to: Some(sel("localhost:users:**<User>")),
            span: Default::default(),
        },
    ];
    let roles = vec![Role {
        name: "editor".into(),
        grants: vec![perm(0b000110, false, "${files}:**")],
        span: Default::default(),
    }];
    let calls = vec![
        call("${audit}:**", "Post", None),
        call("${files}:**", "Get", Some("/public/.*")),
        call("${files}:**", "Put", Some("/users/[a-z]+/doc")),
    ];
    let bindings = |name: &str| match name {
        "files" => Some("localhost:files".to_string()),
        "audit" => Some("localhost:audit".to_string()),
        _ => None,
    };
    let target = "localhost:files:users:ada:doc";
    let put = Method::parse("Http<Put>").unwrap();
    let mut group = c.benchmark_group("outbound_call_check");
    group.bench_function("compiled_per_call", |b| {
        b.iter(|| {
            let rules = CallRules::compile(&calls, &bindings).unwrap();
            let set = GrantSet::compile(&grants, &roles, &bindings).unwrap();
            let hit = rules.find(black_box(target), &put, "/users/ada/doc");
            (hit, set.evaluate(black_box(target), None, None).bits)
        })
    });
    let rules = CallRules::compile(&calls, &bindings).unwrap();
    let set = GrantSet::compile(&grants, &roles, &bindings).unwrap();
    group.bench_function("compiled_at_load", |b| {
        b.iter(|| {
            let hit = rules.find(black_box(target), &put, "/users/ada/doc");
            (hit, set.evaluate(black_box(target), None, None).bits)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
