//! Test support: bundles built by the real compiler from bind text and WAT guests, and a
//! library of guests — well-behaved and hostile — written in WAT.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use starlane_runtime::engine::{EngineOptions, ExecClock};
use starlane_runtime::{Runtime, RuntimeOptions};

/// One mechtron of a test project: its name, bind text and guest (WAT text, or raw bytes).
pub struct Mechtron<'a> {
    pub name: &'a str,
    pub bind: &'a str,
    pub wasm: Vec<u8>,
}

pub fn mechtron<'a>(name: &'a str, bind: &'a str, wat: &str) -> Mechtron<'a> {
    Mechtron {
        name,
        bind,
        wasm: wat::parse_str(wat).unwrap_or_else(|e| panic!("guest {name}: {e}")),
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "starlane-rt-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a bundle directory (the first mechtron receives HTTP) with extra files, and builds it
/// with `starlane build`'s own function. Panics with the diagnostics if it does not build.
pub fn build(mechtrons: &[Mechtron<'_>], files: &[(&str, &[u8])]) -> starlane_ir::Bundle {
    let dir = temp_dir("bundle");
    write_project(&dir, mechtrons, files);
    let out = starlane_compiler::bundle::build(&dir, None, &Default::default(), |_| {}).unwrap();
    if out.has_errors() {
        let mut text = String::new();
        for r in &out.reports {
            for d in &r.diagnostics {
                text.push_str(&format!("{}: {} {}\n", r.path, d.code.id, d.message));
            }
        }
        panic!("the test bundle does not build:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    out.bundle.unwrap()
}

pub fn write_project(dir: &Path, mechtrons: &[Mechtron<'_>], files: &[(&str, &[u8])]) {
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::create_dir_all(dir.join("bind")).unwrap();
    for (i, m) in mechtrons.iter().enumerate() {
        std::fs::write(dir.join(format!("bind/{}.bind", m.name)), m.bind).unwrap();
        std::fs::write(dir.join(format!("wasm/{}.wasm", m.name)), &m.wasm).unwrap();
        let http = if i == 0 { ",\n    +http=true" } else { "" };
        std::fs::write(
            dir.join(format!("{}.app", m.name)),
            format!(
                "App {{\n  Set {{\n    +mechtron.name={n},\n    +wasm.src=${{self.config.bundle}}:/wasm/{n}.wasm,\n    +bind=${{self.config.bundle}}:/bind/{n}.bind{http}\n  }}\n}}\n",
                n = m.name
            ),
        )
        .unwrap();
    }
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Options for tests: no disk cache, fuel or epochs as asked.
pub fn options(clock: ExecClock) -> RuntimeOptions {
    RuntimeOptions {
        engine: EngineOptions {
            clock,
            ..Default::default()
        },
        cache_dir: None,
        ..Default::default()
    }
}

pub fn load(bundle: starlane_ir::Bundle, options: RuntimeOptions) -> Arc<Runtime> {
    Runtime::load(bundle, options).unwrap()
}

/// The waPC imports every guest below declares (unused ones are harmless).
pub const IMPORTS: &str = r#"
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response_len" (func $host_response_len (result i32)))
  (import "wapc" "__host_response" (func $host_response (param i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (import "wapc" "__console_log" (func $console_log (param i32 i32)))
"#;

/// A guest whose `__guest_call` body is `body` (op at 0, message at 1024, 4 pages of memory).
pub fn guest(body: &str, data: &str) -> String {
    format!(
        r#"(module {IMPORTS}
  (memory (export "memory") 4)
  {data}
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    {body}))"#
    )
}

/// Answers with the request envelope it received.
pub fn echo() -> String {
    guest(
        "(call $guest_response (i32.const 1024) (local.get $msg_len)) (i32.const 1)",
        "",
    )
}

/// Answers with the op it was called with.
pub fn op_echo() -> String {
    guest(
        "(call $guest_response (i32.const 0) (local.get $op_len)) (i32.const 1)",
        "",
    )
}

/// Answers with fixed bytes.
pub fn constant(answer: &str) -> String {
    let escaped = answer.replace('\\', "\\\\").replace('"', "\\\"");
    guest(
        &format!(
            "(call $guest_response (i32.const 60000) (i32.const {})) (i32.const 1)",
            answer.len()
        ),
        &format!("(data (i32.const 60000) \"{escaped}\")"),
    )
}

/// Makes one host call (binding, namespace, op, payload), then answers with the host's response,
/// or with `DENIED:` and the host's error.
pub fn caller(binding: &str, namespace: &str, op: &str, payload: &str) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let (b, n, o, p) = (50000, 51000, 52000, 53000);
    guest(
        &format!(
            r#"(if (call $host_call (i32.const {b}) (i32.const {bl}) (i32.const {n}) (i32.const {nl}) (i32.const {o}) (i32.const {ol}) (i32.const {p}) (i32.const {pl}))
      (then
        (call $host_response (i32.const 100000))
        (call $guest_response (i32.const 100000) (call $host_response_len)))
      (else
        (i64.store (i32.const 99992) (i64.const 0x3a4445494e4544)) ;; "DENIED:" little-endian from 99992
        (call $host_error (i32.const 99999))
        (call $guest_response (i32.const 99992) (i32.add (i32.const 7) (call $host_error_len)))))
    (i32.const 1)"#,
            bl = binding.len(),
            nl = namespace.len(),
            ol = op.len(),
            pl = payload.len()
        ),
        &format!(
            r#"(data (i32.const {b}) "{}") (data (i32.const {n}) "{}") (data (i32.const {o}) "{}") (data (i32.const {p}) "{}")"#,
            esc(binding),
            esc(namespace),
            esc(op),
            esc(payload)
        ),
    )
}

/// Hostile guests, one per misbehaviour in `design/abi.md`.
pub mod hostile {
    use super::*;

    pub fn infinite_loop() -> String {
        guest("(loop $l (br $l)) (i32.const 1)", "")
    }

    pub fn unreachable() -> String {
        guest("unreachable", "")
    }

    pub fn memory_grow_bomb() -> String {
        guest(
            "(loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (i32.const 1)",
            "",
        )
    }

    pub fn deep_recursion() -> String {
        format!(
            r#"(module {IMPORTS}
  (memory (export "memory") 1)
  (func $down (param $n i32) (result i32) (call $down (i32.add (local.get $n) (i32.const 1))))
  (func (export "__guest_call") (param i32 i32) (result i32) (call $down (i32.const 0))))"#
        )
    }

    pub fn out_of_bounds_pointer() -> String {
        guest(
            "(call $guest_response (i32.const -16) (i32.const 16)) (i32.const 1)",
            "",
        )
    }

    pub fn huge_length() -> String {
        guest(
            "(call $guest_response (i32.const 0) (i32.const 0x7fffffff)) (i32.const 1)",
            "",
        )
    }

    pub fn ok_without_response() -> String {
        guest("(i32.const 1)", "")
    }

    /// What waPC SDKs do for an op they have no handler for.
    pub fn unknown_op() -> String {
        guest(
            "(call $guest_error (i32.const 60000) (i32.const 36)) (i32.const 0)",
            r#"(data (i32.const 60000) "No handler registered for function x")"#,
        )
    }

    pub fn undeclared_host_call() -> String {
        caller("", "localhost:victim", "Ext<Steal>", "{}")
    }

    pub fn foreign_import() -> String {
        r#"(module (import "env" "print" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))"#
            .into()
    }

    pub fn missing_memory() -> String {
        r#"(module (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))"#
            .into()
    }
}
