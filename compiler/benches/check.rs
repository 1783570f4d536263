//! The whole `starlane check` path on one document — parse, tree, front-end checks, lowering and
//! the semantic checks — on generated binds of 0.1 to 8 MB, against `serde_json::Value` parsing
//! a JSON document of the same size in the same run. Throughput is reported per byte, so a
//! superlinear stage shows as falling MB/s from one size to the next.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the `starlane` binary uses, so the bench measures what a user runs (both sides
/// of the comparison allocate through it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A bind of about `bytes` bytes: ports with grants and calls, and routes of every common form
/// (regex captures, literal paths, payload checks, bundle files, calls).
pub fn bind_of_size(bytes: usize) -> String {
    let mut s = String::from(
        "Bind(version=1.1.0) {\n  Requires { users: Base<User>; files: FileStore; }\n",
    );
    for p in 0..50 {
        s.push_str(&format!(
            "  Port port-{p} {{ request: Map{{name<Text>, age?<Int>}}; timeout: exec 100ms, total 1s; grant perm +csd-Rwx on ${{files}}:**; grant perm +csd-rwX on ${{users}}:**; call ${{users}}:**^Ext<Select>; }}\n"
        ));
    }
    s.push_str("  Route -> {\n");
    let mut r = 0;
    while s.len() < bytes {
        match r % 4 {
            0 => s.push_str(&format!(
                "    Http<Post>/api/{r}/(?P<id>[0-9]+) -[ Json ]-> ((port-{})) => &;\n",
                (r / 4) % 50
            )),
            1 => s.push_str(&format!(
                "    Http<Get>/static/{r}/(.*) -> ${{doc.bundle}}:/html/${{1}} => &;\n"
            )),
            2 => s.push_str(&format!("    Http<Get>/page/{r} -> (()) => &;\n")),
            _ => s.push_str(&format!("    Ext<Method{r}> -> ${{users}}:u{r} => &;\n")),
        }
        r += 1;
    }
    s.push_str("  }\n}\n");
    s
}

/// A JSON document of about `bytes` bytes with the same kind of content (route objects).
fn json_of_size(bytes: usize) -> String {
    let mut s = String::from("{\"routes\":[");
    let mut r = 0;
    while s.len() < bytes {
        if r > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"kind\":\"Http\",\"method\":\"Post\",\"path\":\"/api/{r}/(?P<id>[0-9]+)\",\"payload\":\"Json\",\"stop\":{{\"port\":\"port-{}\"}}}}",
            r % 50
        ));
        r += 1;
    }
    s.push_str("]}");
    s
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("whole_check");
    g.sample_size(10);
    for size in [100_000, 1_000_000, 4_000_000, 8_000_000] {
        let bind = bind_of_size(size);
        let checked = starlane_compiler::check_document(&bind, &Default::default());
        assert!(
            checked.diagnostics.is_empty(),
            "the generated bind is clean: {:?}",
            checked.diagnostics.first()
        );
        let json = json_of_size(size);
        g.throughput(Throughput::Bytes(bind.len() as u64));
        g.bench_with_input(BenchmarkId::new("check_document", size), &bind, |b, src| {
            b.iter(|| {
                starlane_compiler::check_document(std::hint::black_box(src), &Default::default())
            })
        });
        g.throughput(Throughput::Bytes(json.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("serde_json_value", size),
            &json,
            |b, src| {
                b.iter(|| {
                    serde_json::from_str::<serde_json::Value>(std::hint::black_box(src)).unwrap()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
