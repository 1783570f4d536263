//! Compiling a generated project of 10,000 routes and 100 ports (check + lower + encode), and
//! loading its bundle (decode + validate), against serde_json parsing the same bundle as JSON.

use criterion::{Criterion, criterion_group, criterion_main};
use starlane_compiler::lower::{LowerCx, lower_bind};
use starlane_ir::{Bundle, Source};

fn project() -> String {
    let mut s = String::from("Bind(version=1.1.0) {\n  Requires { users: Base<User>; }\n");
    for p in 0..100 {
        s.push_str(&format!("  Port port-{p} {{ request: Json; timeout: exec 100ms, total 1s; grant perm +csd-rwX on ${{users}}:**; call ${{users}}:**^Ext<Select>; }}\n"));
    }
    s.push_str("  Route -> {\n");
    for r in 0..10_000 {
        match r % 3 {
            0 => s.push_str(&format!(
                "    Http<Post>/api/{r}/(?P<id>[0-9]+) -[ Json ]-> ((port-{})) => &;\n",
                r % 100
            )),
            1 => s.push_str(&format!(
                "    Http<Get>/static/{r}/(.*) -> localhost:files:/${{1}} => &;\n"
            )),
            _ => s.push_str(&format!("    Ext<Method{r}> -> (()) => &;\n")),
        }
    }
    s.push_str("  }\n}\n");
    s
}

fn compile(src: &str) -> Vec<u8> {
    let checked = starlane_compiler::check_document(src, &Default::default());
    assert!(!checked.diagnostics.iter().any(|d| d.is_error()));
    let mut cx = LowerCx::default();
    let bind = lower_bind(&mut cx, src, &checked.parse.syntax(), 0);
    let bundle = Bundle {
        name: "bench".into(),
        sources: vec![Source {
            path: "app.bind".into(),
            line_starts: vec![0],
        }],
        binds: vec![bind],
        patterns: cx.patterns,
        http_bind: Some(0),
        ..Default::default()
    };
    starlane_ir::encode(&bundle, "bench")
}

fn bench(c: &mut Criterion) {
    let src = project();
    let bytes = compile(&src);
    let (_, bundle) = starlane_ir::decode(&bytes).unwrap();
    let json = serde_json::to_string(&bundle).unwrap();
    let mut g = c.benchmark_group("bundle");
    g.sample_size(10);
    g.bench_function("compile_10k_routes_100_ports", |b| {
        b.iter(|| compile(std::hint::black_box(&src)))
    });
    g.bench_function("load_10k_routes", |b| {
        b.iter(|| starlane_ir::decode(std::hint::black_box(&bytes)).unwrap())
    });
    g.bench_function("serde_json_same_ir", |b| {
        b.iter(|| serde_json::from_str::<Bundle>(std::hint::black_box(&json)).unwrap())
    });
    g.finish();
    eprintln!(
        "bundle size: {} bytes; source: {} bytes",
        bytes.len(),
        src.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
