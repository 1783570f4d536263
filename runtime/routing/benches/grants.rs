//! The grant and `call` check of one outbound call: compiled once at load and evaluated per call
//! (what the runtime does now), against filling in and parsing every selector per call (what it
//! did before), in the same run.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use starlane_ir::{CallRule, Grant, GrantKind, Role};
use starlane_routing::{CallRules, GrantSet, Selector};

fn perm(bits: u8, and: bool, on: &str) -> Grant {
    Grant {
        kind: GrantKind::Perm { bits, and },
        on: Some(on.into()),
        to: None,
        span: Default::default(),
    }
}

fn call(selector: &str, method: &str, path: Option<&str>) -> CallRule {
    CallRule {
        selector: selector.into(),
        kind: "Http".into(),
        method: method.into(),
        path: path.map(str::to_string),
        timeout_ms: None,
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
            to: Some("localhost:users:**<User>".into()),
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
    let expand = |text: &str| starlane_routing::substitute::substitute(text, &bindings).ok();
    let target = "localhost:files:users:ada:doc";
    let mut group = c.benchmark_group("outbound_call_check");
    // Before: each call entry's selector filled in and parsed per call (path regexes came from
    // a locked cache), and every grant's selector likewise.
    let regexes: std::sync::Mutex<std::collections::HashMap<String, regex::Regex>> =
        std::sync::Mutex::new(
            calls
                .iter()
                .filter_map(|c| c.path.clone())
                .map(|p| (p.clone(), regex::Regex::new(&format!("^(?:{p})$")).unwrap()))
                .collect(),
        );
    group.bench_function("parse_per_call_before", |b| {
        b.iter(|| {
            let (kind, method, path) = ("Http", "Put", "/users/ada/doc");
            let hit = calls.iter().position(|c| {
                c.kind == kind
                    && (c.method == "*" || c.method == method)
                    && c.path.as_deref().is_none_or(|p| {
                        regexes
                            .lock()
                            .unwrap()
                            .get(p)
                            .is_some_and(|re| re.is_match(path))
                    })
                    && expand(&c.selector)
                        .and_then(|s| Selector::parse(&s).ok())
                        .is_some_and(|s| s.matches(black_box(target), None))
            });
            let set = GrantSet::compile(&grants, &roles, &expand).unwrap();
            (hit, set.evaluate(black_box(target), None, None).bits)
        })
    });
    let rules = CallRules::compile(&calls, &expand).unwrap();
    let set = GrantSet::compile(&grants, &roles, &expand).unwrap();
    group.bench_function("compiled_at_load_after", |b| {
        b.iter(|| {
            let hit = rules.find(black_box(target), "Http", "Put", "/users/ada/doc");
            (hit, set.evaluate(black_box(target), None, None).bits)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
