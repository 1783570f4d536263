//! Lex+parse throughput on a generated `.bind` file, against serde_json parsing a JSON document of
//! the same size in the same run; and the check pass (regexes compiled once per pattern) apart.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A `.bind` document of about `bytes` bytes: routes of every shape, ~100 bytes each.
fn generate_bind(bytes: usize) -> String {
    let mut s = String::from("Bind(version=1.1.0) {\n  Route -> {\n");
    let mut i = 0;
    while s.len() < bytes {
        match i % 4 {
            0 => s.push_str(&format!(
                "    Http<Get>/users/{i}/(?P<id>[^/]+) -> localhost:app:users:${{id}} => &;\n"
            )),
            1 => s.push_str(&format!(
                "    Http<Post>/upload/{i} -[ Bin~image ]-> (()) =[ Text~json ]=> &; # upload\n"
            )),
            2 => s.push_str(&format!(
                "    Ext<Method{i}> -> localhost:svc^Ext<Handle>/x/{i} => &;\n"
            )),
            _ => s.push_str(&format!(
                "    Http<Put>/items/{i} -[ Map{{name<Text>, size?<Int>}} ]-> ((save-item)) => &;\n"
            )),
        }
        i += 1;
    }
    s.push_str("  }\n}\n");
    s
}

/// A JSON document of about `bytes` bytes with a similar mix of strings, objects and arrays.
fn generate_json(bytes: usize) -> String {
    let mut s = String::from("{\"routes\":[\n");
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "{{\"kind\":\"Http\",\"method\":\"Get\",\"path\":\"/users/{i}/(?P<id>[^/]+)\",\"stops\":[\"localhost:app:users\",\"&\"]}},\n"
        ));
        i += 1;
    }
    s.push_str("{}]}");
    s
}

fn bench_parse(c: &mut Criterion) {
    let large = std::env::var_os("STARLANE_BENCH_LARGE").is_some();
    let mut group = c.benchmark_group("parse");
    group.sample_size(if large { 10 } else { 20 });
    let sizes: &[usize] = if large {
        &[1 << 20, 10 << 20, 100 << 20]
    } else {
        &[1 << 20]
    };
    for &size in sizes {
        let bind = generate_bind(size);
        let json = generate_json(bind.len());
        group.throughput(Throughput::Bytes(bind.len() as u64));
        group.bench_with_input(BenchmarkId::new("bind_lex", size), &bind, |b, src| {
            b.iter(|| {
                starlane_lang::lexer::lex(
                    std::hint::black_box(src),
                    starlane_lang::lexer::LexMode::Bind,
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("bind_lex_parse", size), &bind, |b, src| {
            b.iter(|| starlane_lang::parse(std::hint::black_box(src)))
        });
        group.bench_with_input(
            BenchmarkId::new("bind_lex_parse_tree", size),
            &bind,
            |b, src| b.iter(|| starlane_lang::parse(std::hint::black_box(src)).green()),
        );
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("serde_json_value", size),
            &json,
            |b, src| {
                b.iter(|| {
                    serde_json::from_str::<serde_json::Value>(std::hint::black_box(src)).unwrap()
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    let bind = generate_bind(1 << 20);
    group.throughput(Throughput::Bytes(bind.len() as u64));
    group.bench_function("bind_parse_and_check_1MiB", |b| {
        b.iter(|| starlane_lang::check_front_end(std::hint::black_box(&bind)))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
