//! `diff` on bundles lowered from small binds.

use starlane_compiler::diff::{Change, diff};
use starlane_compiler::lower::{LowerCx, lower_bind};
use starlane_ir::{Bundle, Source};

fn bundle(src: &str) -> Bundle {
    let parse = starlane_lang::parse(src);
    let mut cx = LowerCx::default();
    let bind = lower_bind(&mut cx, src, &parse.syntax(), 0);
    Bundle {
        sources: vec![Source {
            path: "a.bind".into(),
            line_starts: vec![0],
        }],
        binds: vec![bind],
        patterns: cx.patterns,
        ..Default::default()
    }
}

#[test]
fn a_changed_stop_is_breaking_and_identical_bundles_have_no_changes() {
    let old = bundle("Bind(version=1.0.0) { Route<Http<Get>>/a -> (()) => &; }");
    let new = bundle("Bind(version=1.0.0) { Route<Http<Get>>/a -> localhost:other => &; }");
    let changes = diff(&old, &new);
    assert_eq!(changes, [Change::Breaking("a.bind: route Http<Get>/a pipeline changed from `-> (( )) => &;` to `-> localhost:other => &;`".into())]);
    assert!(diff(&old, &old).is_empty());
}

#[test]
fn a_payload_that_was_named_and_now_differs_is_changed_not_narrowed() {
    let old = bundle("Bind(version=1.0.0) { Route<Http<Post>>/a -[ Text ]-> (()) => &; }");
    let new = bundle("Bind(version=1.0.0) { Route<Http<Post>>/a -[ Json ]-> (()) => &; }");
    let changes = diff(&old, &new);
    assert!(
        matches!(&changes[..], [Change::Breaking(m)] if m.contains("payload changed from `Text` to `Json`")),
        "{changes:?}"
    );
}

#[test]
fn a_new_grant_bit_is_a_widening() {
    let old = bundle(
        "Bind(version=1.1.0) { Requires { f: FileStore; } grant perm +csd-Rwx on ${f}:**; }",
    );
    let new = bundle(
        "Bind(version=1.1.0) { Requires { f: FileStore; } grant perm +csd-RWx on ${f}:**; }",
    );
    assert!(matches!(&diff(&old, &new)[..], [Change::Widening(_)]));
    assert!(
        diff(&new, &old).is_empty(),
        "removing a permission is not a widening"
    );
}
