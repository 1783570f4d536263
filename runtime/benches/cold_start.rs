//! Bundle cold start: `Runtime::load` of the hello example (two guests: compile or load from the
//! module cache, verify, link, test-instantiate) with an empty cache and with a warm one; and
//! the same for 10, 100 and 1,000 mechtrons that share one module (compiled, linked and
//! test-instantiated once, not once per mechtron).

mod common;

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use starlane_runtime::{Runtime, RuntimeOptions};

fn hello_bundle() -> starlane_ir::Bundle {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/hello");
    let settings = starlane_lang::settings::load_for(&dir).unwrap();
    starlane_compiler::bundle::build(&dir, None, &settings, |_| {})
        .unwrap()
        .bundle
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let bundle = hello_bundle();
    let cache = std::env::temp_dir().join(format!("starlane-bench-cache-{}", std::process::id()));
    let options = |cache_dir: Option<PathBuf>| RuntimeOptions {
        cache_dir,
        bindings: [("hello".to_string(), "localhost:hello".to_string())].into(),
        ..Default::default()
    };
    // Warm the cache once.
    Runtime::load(bundle.clone(), options(Some(cache.clone()))).unwrap();
    let mut group = c.benchmark_group("cold_start");
    group.sample_size(10);
    group.bench_function("without_module_cache", |b| {
        b.iter(|| Runtime::load(bundle.clone(), options(None)).unwrap())
    });
    group.bench_function("with_warm_module_cache", |b| {
        b.iter(|| Runtime::load(bundle.clone(), options(Some(cache.clone()))).unwrap())
    });
    group.finish();
    let mut group = c.benchmark_group("mechtrons_sharing_one_module");
    group.sample_size(10);
    for n in [10, 100, 1000] {
        let bundle = common::many_mechtrons_bundle(n);
        Runtime::load(bundle.clone(), options(Some(cache.clone()))).unwrap();
        group.bench_function(format!("{n}_warm_cache"), |b| {
            b.iter(|| Runtime::load(bundle.clone(), options(Some(cache.clone()))).unwrap())
        });
        group.bench_function(format!("{n}_no_cache"), |b| {
            b.iter(|| Runtime::load(bundle.clone(), options(None)).unwrap())
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(cache);
}

criterion_group!(benches, bench);
criterion_main!(benches);
