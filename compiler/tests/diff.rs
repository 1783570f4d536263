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
        matches!(&diff(&new, &old)[..], [Change::Narrowing(m)] if m.contains("no longer granted in full")),
        "removing a permission is a narrowing: {:?}",
        diff(&new, &old)
    );
}

fn with_schemas(mut b: Bundle, json: &str) -> Bundle {
    b.schemas = vec![starlane_ir::SchemaDoc {
        path: "schema/profile.json".into(),
        json: json.into(),
    }];
    b
}

const PROFILE: &str = r#"{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":200}}}"#;

fn schema_diff(new_json: &str) -> Vec<Change> {
    let base = bundle("Bind(version=1.1.0) { Route<Http<Get>>/a -> (()) => &; }");
    diff(
        &with_schemas(base.clone(), PROFILE),
        &with_schemas(base, new_json),
    )
}

#[test]
fn an_optional_property_is_compatible_and_a_required_one_breaking() {
    let optional = schema_diff(
        r#"{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":200},"bio":{"type":"string"}}}"#,
    );
    assert_eq!(
        optional,
        [Change::Compatible(
            "schema schema/profile.json: property `bio` added".into()
        )]
    );
    let required = schema_diff(
        r#"{"type":"object","required":["name","bio"],"properties":{"name":{"type":"string","maxLength":200},"bio":{"type":"string"}}}"#,
    );
    assert!(
        required.contains(&Change::Breaking(
            "schema schema/profile.json: property `bio` is now required".into()
        )),
        "{required:?}"
    );
}

#[test]
fn schema_bounds_types_and_closed_objects_are_judged_by_what_they_accept() {
    let tighter = schema_diff(
        r#"{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":100}}}"#,
    );
    assert!(
        matches!(&tighter[..], [Change::Breaking(m)] if m.contains("`maxLength` from 200 to 100") && m.contains("at `/name`")),
        "{tighter:?}"
    );
    let looser = schema_diff(
        r#"{"type":"object","required":["name"],"properties":{"name":{"type":["string","null"]}}}"#,
    );
    assert!(
        looser.iter().all(|c| matches!(c, Change::Compatible(_))),
        "{looser:?}"
    );
    let closed = schema_diff(
        r#"{"type":"object","required":["name"],"additionalProperties":false,"properties":{"name":{"type":"string","maxLength":200}}}"#,
    );
    assert!(
        matches!(&closed[..], [Change::Breaking(m)] if m.contains("does not name")),
        "{closed:?}"
    );
    let retyped = schema_diff(
        r#"{"type":"object","required":["name"],"properties":{"name":{"type":"integer","maxLength":200}}}"#,
    );
    assert!(
        matches!(&retyped[..], [Change::Breaking(m)] if m.contains("changed `type`")),
        "{retyped:?}"
    );
    let described = schema_diff(
        r#"{"description":"a profile","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":200}}}"#,
    );
    assert!(
        matches!(&described[..], [Change::Compatible(m)] if m.contains("without changing what it accepts")),
        "{described:?}"
    );
}

#[test]
fn timeouts_and_limits_are_reported_in_both_directions() {
    let port = |exec: &str, call: &str| {
        bundle(&format!(
            "Bind(version=1.1.0) {{ Requires {{ s: Store; }} Port p {{ timeout: exec {exec}, total 2s; grant perm +csd-rwX on ${{s}}:**; call ${{s}}:**^Ext<Get> timeout {call}; }} Route<Http<Get>>/a -> ((p)) => &; }}"
        ))
    };
    let (old, new) = (port("200ms", "1s"), port("100ms", "2s"));
    let changes = diff(&old, &new);
    assert!(
        changes.contains(&Change::Narrowing(
            "a.bind: port p exec timeout shortened from 200ms to 100ms: work that took longer now times out".into()
        )),
        "{changes:?}"
    );
    assert!(
        changes.contains(&Change::Widening(
            "a.bind: port p call ${s}:**^Ext<Get> timeout lengthened from 1000ms to 2000ms".into()
        )),
        "{changes:?}"
    );
    let limits = |payload: &str| {
        bundle(&format!(
            "Bind(version=1.1.0) {{ limits {{ payload {payload}; }} Route<Http<Get>>/a -> (()) => &; }}"
        ))
    };
    let lowered = diff(&limits("64KiB"), &limits("32KiB"));
    assert!(
        matches!(&lowered[..], [Change::Breaking(m)] if m.contains("payload limit lowered")),
        "{lowered:?}"
    );
    let raised = diff(&limits("32KiB"), &limits("64KiB"));
    assert!(
        matches!(&raised[..], [Change::Compatible(m)] if m.contains("payload limit raised")),
        "{raised:?}"
    );
}

#[test]
fn additions_are_compatible_and_a_payload_that_accepts_anything_is_widened() {
    let old = bundle("Bind(version=1.0.0) { Route<Http<Post>>/a -[ Text ]-> (()) => &; }");
    let new = bundle(
        "Bind(version=1.0.0) { Route<Http<Post>>/a -[ * ]-> (()) => &; Route<Http<Get>>/b -> (()) => &; }",
    );
    let changes = diff(&old, &new);
    assert_eq!(
        changes,
        [
            Change::Compatible(
                "a.bind: route Http<Post>/a step 1: payload widened from `Text` to `*`".into()
            ),
            Change::Compatible("a.bind: route Http<Get>/b added".into()),
        ]
    );
    assert!(changes.iter().all(|c| !c.needs_review()));
}
