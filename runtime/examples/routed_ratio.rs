//! Measuring aid for `benches/routed.rs`: the same routed message and raw wasmtime reference,
//! run in alternating rounds of N messages each, reporting each round's ratio and their median.
//! Criterion measures one side after the other, so on a shared machine a slow minute lands on
//! one side only; alternating rounds put drift on both.
//! `cargo run --release -p starlane-runtime --example routed_ratio -- [N] [ROUNDS]`

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use starlane_runtime::{Runtime, RuntimeOptions};

const BIND: &str = r#"Bind(version=1.1.0) {
  grant perm +csd-rWx on localhost:bench to localhost:users:**;
  Route<Http<Post>>/hello/(?P<name>[a-z]+) -[ Json ]-> (( )) => &;
}
"#;
const PAYLOAD: &[u8] = br#"{"greeting":"hi"}"#;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let n = args.next().and_then(Result::ok).unwrap_or(20_000);
    let rounds = args.next().and_then(Result::ok).unwrap_or(15);
    let rt = Runtime::load(common::bench_bundle(BIND), RuntimeOptions::default()).unwrap();
    let prototype = common::message_from_ada("Http<Post>", "/hello/ada", PAYLOAD);
    assert_eq!(rt.serve(0, prototype.clone()).unwrap().body, b"hello");
    let raw = common::RawGuest::new(&common::hello_wasm());
    assert_eq!(raw.call(b"Http<Post>", PAYLOAD), b"hello");

    let per_message = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..n {
            f();
        }
        started.elapsed().as_nanos() as f64 / n as f64
    };
    let mut ratios = Vec::new();
    for round in 0..=rounds {
        let raw_ns = per_message(&mut || {
            std::hint::black_box(raw.call(b"Http<Post>", PAYLOAD));
        });
        let routed_ns = per_message(&mut || {
            std::hint::black_box(rt.serve(0, prototype.clone()).unwrap());
        });
        // Round 0 warms both up.
        if round > 0 {
            println!(
                "round {round}: raw {raw_ns:.0} ns, routed {routed_ns:.0} ns, ratio {:.3}",
                routed_ns / raw_ns
            );
            ratios.push(routed_ns / raw_ns);
        }
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "median ratio {:.3} (min {:.3}, max {:.3}) over {} rounds of {n}",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        ratios.len()
    );
}
