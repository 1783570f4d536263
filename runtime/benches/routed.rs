//! One routed message in process — route (with a capture), a payload check, a caller-grant
//! check, a fresh instance and the call, with the envelope both ways — against the same guest
//! called through bare wasmtime (fresh instance, one call) in the same run. Target: ≤ 2×.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use starlane_runtime::engine::EngineOptions;
use starlane_runtime::{Runtime, RuntimeOptions};

const BIND: &str = r#"Bind(version=1.1.0) {
  grant perm +csd-rWx on localhost:bench to localhost:users:**;
  Route<Http<Post>>/hello/(?P<name>[a-z]+) -[ Json ]-> (( )) => &;
}
"#;

fn bench(c: &mut Criterion) {
    let rt = Runtime::load(
        common::bench_bundle(BIND),
        RuntimeOptions {
            engine: EngineOptions::default(),
            cache_dir: None,
            ..Default::default()
        },
    )
    .unwrap();
    let prototype = common::message_from_ada("Http<Post>", "/hello/ada", br#"{"greeting":"hi"}"#);
    // Each message is a copy of a prepared one — its path, body and caller copied, as the
    // reference copies its operation and payload into the store — so what is timed is routing
    // and the call, not turning method text into a `Method` (an ingress maps its own enum).
    let message = || prototype.clone();
    assert_eq!(rt.serve(0, message()).unwrap().body, b"hello");
    let raw = common::RawGuest::new(&common::hello_wasm());
    assert_eq!(raw.call(b"Http<Post>", br#"{"greeting":"hi"}"#), b"hello");

    let mut group = c.benchmark_group("message");
    group.bench_function("raw_wasmtime_instantiate_and_call", |b| {
        b.iter(|| raw.call(b"Http<Post>", br#"{"greeting":"hi"}"#))
    });
    group.bench_function("routed_in_process", |b| {
        b.iter(|| rt.serve(0, message()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
