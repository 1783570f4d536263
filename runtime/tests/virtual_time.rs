//! The virtual clock (`runtime/src/time.rs`, `specs/testing.md` §4): a runaway guest ends at its
//! `exec` budget with the clock moved by exactly that budget; WASI `random_get` and
//! `clock_time_get` read the seeded source and the virtual calendar.

mod support;

use std::time::Duration;

use starlane_runtime::codes;
use starlane_runtime::engine::ExecClock;
use starlane_runtime::time::{TimeSource, VIRTUAL_EPOCH_UNIX_SECS};
use starlane_runtime::{Message, Runtime};
use support::*;

const BIND: &str = "Bind(version=1.1.0) {\n  Port run { timeout: exec 100ms, total 2s; }\n  Route<Http<Get>> -> ((run)) => &;\n}\n";

fn get() -> Message {
    Message::new(
        starlane_ir::Method::parse("Http<Get>").unwrap(),
        "/",
        Vec::new(),
    )
}

fn virtual_runtime(wat: &str, seed: u64) -> std::sync::Arc<Runtime> {
    let mut opts = options(ExecClock::Fuel { per_ms: 10_000 });
    opts.time = TimeSource::virtual_clock(seed);
    load(build(&[mechtron("g", BIND, wat)], &[]), opts)
}

/// A guest that imports one WASI function (`import`) and runs `body`.
fn wasi_guest(import: &str, body: &str) -> String {
    guest(body, "").replacen(
        "(memory (export \"memory\") 4)",
        &format!("{import} (memory (export \"memory\") 4)"),
        1,
    )
}

#[test]
fn a_runaway_guest_spends_exactly_its_exec_budget_of_virtual_time() {
    let rt = virtual_runtime(&hostile::infinite_loop(), 0);
    let e = rt.serve(0, get()).unwrap_err();
    assert_eq!(e.code, codes::EXEC_TIMEOUT);
    assert_eq!(rt.time().elapsed(), Duration::from_millis(100));
}

#[test]
fn random_bytes_follow_the_seed() {
    let wat = wasi_guest(
        r#"(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))"#,
        "(drop (call $random_get (i32.const 2000) (i32.const 16))) (call $guest_response (i32.const 2000) (i32.const 16)) (i32.const 1)",
    );
    let bytes = |seed| {
        let rt = virtual_runtime(&wat, seed);
        rt.serve(0, get()).unwrap().body
    };
    assert_eq!(bytes(7), bytes(7));
    assert_ne!(bytes(7), bytes(8));
}

#[test]
fn the_realtime_clock_starts_at_the_virtual_epoch() {
    let wat = wasi_guest(
        r#"(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))"#,
        "(drop (call $clock (i32.const 0) (i64.const 1) (i32.const 2000))) (call $guest_response (i32.const 2000) (i32.const 8)) (i32.const 1)",
    );
    let rt = virtual_runtime(&wat, 0);
    let body = rt.serve(0, get()).unwrap().body;
    let nanos = u64::from_le_bytes(body.try_into().unwrap());
    let since_epoch = nanos - VIRTUAL_EPOCH_UNIX_SECS * 1_000_000_000;
    // Only the few instructions before the call have been spent.
    assert!(since_epoch < 1_000_000, "{since_epoch} ns");
}
