//! Guests from the waPC ecosystem, as their authors write them: operations named as SDK
//! handlers (`sayHello`), the body as the payload (`envelope: none`), host errors as plain text.
//! A WAT guest written the way the SDK behaves runs always; the real Rust `wapc-guest` SDK guest
//! (`examples/rust-guest`) is built and run when the `wasm32-unknown-unknown` target is
//! installed, and skipped (saying so) otherwise.

mod support;

use std::path::Path;
use std::process::Command;

use starlane_runtime::Message;
use starlane_runtime::engine::ExecClock;
use support::*;

const BIND: &str = r#"Bind(version=1.1.0) {
  Port sayHello { envelope: none; request: Text; }
  Port save-profile { request: Json; }
  Route<Http> -> {
    <Post>/hello -> ((sayHello)) => &;
    <Post>/profile -> ((save-profile)) => &;
  }
}
"#;

fn post(path: &str, body: &str) -> Message {
    Message::new(
        starlane_ir::Method::parse("Http<Post>").unwrap(),
        path,
        body.as_bytes().to_vec(),
    )
}

/// What `wapc_guest::register_function("sayHello", …)` plus a handler that answers
/// `hello, NAME` do: dispatch on the operation name, read the payload, answer bytes; an
/// operation with no handler is the guest's error.
fn wat_sdk_guest() -> String {
    format!(
        r#"(module {IMPORTS}
  (memory (export "memory") 2)
  (data (i32.const 800) "sayHello")
  (data (i32.const 900) "hello, ")
  (data (i32.const 1000) "no handler")
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (local $i i32)
    ;; The op at 0, the payload right after the greeting at 907.
    (call $guest_request (i32.const 0) (i32.const 907))
    (if (i32.ne (local.get $op_len) (i32.const 8))
      (then (call $guest_error (i32.const 1000) (i32.const 10)) (return (i32.const 0))))
    (block $differ
      (loop $next
        (br_if $differ
          (i32.ne (i32.load8_u (local.get $i)) (i32.load8_u (i32.add (i32.const 800) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const 8)))
        (call $guest_response (i32.const 900) (i32.add (i32.const 7) (local.get $msg_len)))
        (return (i32.const 1))))
    (call $guest_error (i32.const 1000) (i32.const 10))
    (i32.const 0)))"#
    )
}

#[test]
fn a_wat_guest_written_as_the_sdk_behaves_is_called_by_its_handler_name_with_the_body() {
    let rt = load(
        build(&[mechtron("sdk", BIND, &wat_sdk_guest())], &[]),
        options(ExecClock::Epoch),
    );
    let r = rt.serve(0, post("/hello", "ada")).unwrap();
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, b"hello, ada".as_slice())
    );
    // `save-profile` is not a handler of this guest: the guest's own error.
    let e = rt.serve(0, post("/profile", "{}")).unwrap_err();
    assert!(e.message.contains("no handler"), "{e}");
}

/// The real SDK guest, built from `examples/rust-guest` when the target is installed.
#[test]
fn a_guest_built_with_the_rust_wapc_sdk_runs_unchanged() {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        eprintln!(
            "skipped: the wasm32-unknown-unknown target is not installed (rustup target add wasm32-unknown-unknown)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = root.join("examples/rust-guest");
    let target_dir = root.join("target/rust-guest");
    let built = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--quiet",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(&example)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "examples/rust-guest does not build");
    let wasm = std::fs::read(target_dir.join("wasm32-unknown-unknown/release/rust_guest.wasm"))
        .expect("the guest was built");
    let rt = load(
        build(
            &[Mechtron {
                name: "sdk",
                bind: BIND,
                wasm,
            }],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    // `sayHello` with `envelope: none`: the payload is the body, the answer the reply body.
    let r = rt.serve(0, post("/hello", "ada")).unwrap();
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, b"hello, ada".as_slice())
    );
    // `save-profile` with the envelope; the guest's ungranted call fails in plain words.
    let r = rt.serve(0, post("/profile", r#"{"name":"ada"}"#)).unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&r.body)));
    assert_eq!(answer["saved"], "ada");
    assert_eq!(answer["refused"]["code"], "E0209", "{answer}");
    let message = answer["refused"]["message"].as_str().unwrap();
    assert!(
        !message.starts_with('{') && !message.contains("\\\""),
        "{message}"
    );
}
