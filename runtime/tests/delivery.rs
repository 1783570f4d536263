//! Delivering messages in-process: routing, pipelines, payload checks, files, forwards, calls
//! and grants, with bundles built by the real compiler and real WAT guests.

mod support;

use std::collections::HashMap;

use starlane_runtime::codes::{Fault, Stage};
use starlane_runtime::engine::ExecClock;
use starlane_runtime::{Identity, MechtronState, Message, codes};
use support::*;

fn get(path: &str) -> Message {
    Message::new(
        starlane_ir::Method::parse("Http<Get>").unwrap(),
        path,
        Vec::new(),
    )
}

fn post(path: &str, body: &str) -> Message {
    Message::new(
        starlane_ir::Method::parse("Http<Post>").unwrap(),
        path,
        body.as_bytes().to_vec(),
    )
}

const HELLO_BIND: &str = r#"Bind(version=1.1.0) {
  Schema Profile = "schema/profile.json";
  Port save {
    request: Map{name<Text>, age?<Int>}~Profile;
    response: Json;
  }
  Port raw { }
  Route<Http> -> {
    <Get>/hello -> (( )) => &;
    <Post>/raw -> ((raw)) => &;
    <Get>/echo/(?P<who>[a-z]+)/(.*) -> (( )) => &;
    <Post>/save -> ((save)) => &;
    <Get>/gone -> Err(410, "gone for good");
    <Get>/files/(.*) -> ${doc.bundle}:/html/$1 => &;
    <Post>/typed -[ Map{name<Text>} ]-> (( )) => &;
  }
}
"#;

const PROFILE: &[u8] =
    br#"{"type":"object","properties":{"name":{"type":"string","minLength":2}}}"#;

fn hello_runtime(guest: &str) -> std::sync::Arc<starlane_runtime::Runtime> {
    let bundle = build(
        &[mechtron("hello", HELLO_BIND, guest)],
        &[
            ("schema/profile.json", PROFILE),
            ("html/index.html", b"<h1>hi</h1>"),
            ("html/css/site.css", b"h1{}"),
        ],
    );
    load(bundle, options(ExecClock::Epoch))
}

#[test]
fn a_route_to_the_core_reaches_the_guest_with_the_envelope() {
    let rt = hello_runtime(&echo());
    let reply = rt.serve(0, get("/echo/ada/x/y")).unwrap();
    assert_eq!(reply.status, 200);
    let env: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(env["kind"], "Http");
    assert_eq!(env["method"], "Get");
    assert_eq!(env["path"], "/echo/ada/x/y");
    assert_eq!(env["captures"]["who"], "ada");
    assert_eq!(env["captures"]["2"], "x/y");
    assert_eq!(env["v"], 1);
}

#[test]
fn the_op_is_kind_and_method_for_the_core_and_the_name_for_a_port() {
    let rt = hello_runtime(&op_echo());
    assert_eq!(rt.serve(0, get("/hello")).unwrap().body, b"Http<Get>");
    assert_eq!(rt.serve(0, post("/raw", "x")).unwrap().body, b"raw");
}

#[test]
fn no_route_is_404_naming_kind_method_and_path() {
    let rt = hello_runtime(&echo());
    let e = rt.serve(0, get("/nowhere")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::NO_ROUTE, 404));
    assert_eq!(e.stage, Stage::Route);
    assert!(e.message.contains("Http<Get> /nowhere"), "{}", e.message);
    assert_eq!(e.bind.as_deref(), Some("bind/hello.bind"));
}

#[test]
fn a_port_checks_its_request_pattern_and_schema_with_pointers() {
    let rt = hello_runtime(&constant(r#"{"ok":true}"#));
    assert_eq!(
        rt.serve(0, post("/save", r#"{"name":"ada","age":36}"#))
            .unwrap()
            .status,
        200
    );
    // Pattern: a key the map does not allow.
    let e = rt
        .serve(0, post("/save", r#"{"name":"ada","nick":"a"}"#))
        .unwrap_err();
    assert_eq!((e.code, e.status), (codes::INVALID_PAYLOAD, 400));
    assert_eq!((e.stage, e.fault), (Stage::Validate, Fault::Caller));
    assert_eq!(e.port.as_deref(), Some("save"));
    assert_eq!(e.details["pointer"], "/nick");
    assert!(
        e.bind.as_deref() == Some("bind/hello.bind:4:5"),
        "at the port's `request:` line: {:?}",
        e.bind
    );
    // Schema: too short a name; the error names the schema and the pointer.
    let e = rt.serve(0, post("/save", r#"{"name":"a"}"#)).unwrap_err();
    assert_eq!((e.code, e.status), (codes::SCHEMA_VIOLATION, 422));
    assert_eq!(e.details["schema"], "schema/profile.json");
    assert_eq!(e.details["pointer"], "/name");
    assert_eq!(e.bind.as_deref(), Some("bind/hello.bind:4:5"));
}

#[test]
fn a_bad_response_is_the_systems_fault() {
    // The port promises Json; the guest answers text.
    let rt = hello_runtime(&constant("not json"));
    let e = rt.serve(0, post("/save", r#"{"name":"ada"}"#)).unwrap_err();
    assert_eq!((e.code, e.status), (codes::INVALID_PAYLOAD, 502));
    assert_eq!((e.stage, e.fault), (Stage::Respond, Fault::System));
    assert_eq!(e.to_json()["error"]["stage"], "respond");
    assert_eq!(
        e.bind.as_deref(),
        Some("bind/hello.bind:5:5"),
        "the `response:` line"
    );
    assert!(
        e.message.contains("response of port `save`"),
        "{}",
        e.message
    );
}

#[test]
fn a_step_payload_block_is_checked_before_the_guest() {
    let rt = hello_runtime(&echo());
    let e = rt.serve(0, post("/typed", "[1,2]")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::INVALID_PAYLOAD, 400));
    assert!(e.message.contains("expected a map"), "{}", e.message);
}

#[test]
fn err_stops_and_bundle_files() {
    let rt = hello_runtime(&echo());
    let r = rt.serve(0, get("/gone")).unwrap();
    assert_eq!((r.status, r.body.as_slice()), (410, &b"gone for good"[..]));
    let r = rt.serve(0, get("/files/index.html")).unwrap();
    assert_eq!(r.body, b"<h1>hi</h1>");
    assert_eq!(r.content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(
        rt.serve(0, get("/files/css/site.css"))
            .unwrap()
            .content_type
            .as_deref(),
        Some("text/css; charset=utf-8")
    );
    let e = rt.serve(0, get("/files/missing.html")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::FILE_NOT_FOUND, 404));
}

#[test]
fn captures_cannot_climb_out_of_the_bundle() {
    let rt = hello_runtime(&echo());
    // The ingress percent-decodes once: these are what `/files/%2e%2e/…` etc. become.
    for path in [
        "/files/../hello.bind",
        "/files/css/../../x",
        "/files/./index.html",
        "/files/%2e%2e/x",
        "/files/..\\x",
        "/files/a\0b",
    ] {
        let e = rt.serve(0, get(path)).unwrap_err();
        assert_eq!((e.code, e.status), (codes::BAD_REQUEST, 400), "{path}: {e}");
    }
}

const CALLER_BIND: &str = r#"Bind(version=1.1.0) {
  Requires { store: Base<User>; }
  Port fetch {
    grant perm +csd-rwX on ${store}:**;
    call ${store}:**^Ext<Select>;
  }
  Port snoop {
    call ${store}:**^Ext<Select>;
  }
  Route<Http> -> {
    <Get>/fetch -> ((fetch)) => &;
    <Get>/snoop -> ((snoop)) => &;
    <Get>/core -> (( )) => &;
    <Get>/forward -> localhost:store => &;
    <Get>/call -> localhost:store^Ext<Select>/all => &;
    <Get>/elsewhere -> repo:site:1.0.0 => &;
  }
}
"#;

const STORE_BIND: &str = r#"Bind(version=1.1.0) {
  Route<Ext<Select>> -> (( )) => &;
  Route<Http<Get>>/forward -> (( )) => &;
}
"#;

fn caller_runtime(guest: &str, bound: bool) -> std::sync::Arc<starlane_runtime::Runtime> {
    let bundle = build(
        &[
            mechtron("front", CALLER_BIND, guest),
            mechtron("store", STORE_BIND, &echo()),
        ],
        &[],
    );
    let mut opts = options(ExecClock::Epoch);
    if bound {
        opts.bindings = HashMap::from([("store".into(), "localhost:store".into())]);
    }
    load(bundle, opts)
}

#[test]
fn an_allowed_call_reaches_the_target_and_returns_its_answer() {
    let rt = caller_runtime(
        &caller("store", "localhost:store:users", "Ext<Select>", "q"),
        true,
    );
    let r = rt.serve(0, get("/fetch")).unwrap();
    let env: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (
            env["kind"].as_str(),
            env["method"].as_str(),
            env["body"].as_str()
        ),
        (Some("Ext"), Some("Select"), Some("q"))
    );
}

/// `call ${store}:**` with a grant on `${store}:**` covers the bound address itself — the
/// address a guest calls first — as well as everything below it.
#[test]
fn a_double_star_selector_covers_the_address_it_is_rooted_at() {
    let rt = caller_runtime(
        &caller("store", "localhost:store", "Ext<Select>", "q"),
        true,
    );
    let r = rt.serve(0, get("/fetch")).unwrap();
    let env: serde_json::Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&r.body)));
    assert_eq!(env["method"].as_str(), Some("Select"));
}

#[test]
fn calls_are_denied_by_default() {
    let rt = caller_runtime(
        &caller("store", "localhost:store:users", "Ext<Select>", "q"),
        true,
    );
    // A `call` entry but no grant.
    let r = rt.serve(0, get("/snoop")).unwrap();
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.starts_with("DENIED:") && text.contains("E0209") && text.contains("needs `X`"),
        "{text}"
    );
    // Through the core: no grants at all.
    let text = String::from_utf8(rt.serve(0, get("/core")).unwrap().body).unwrap();
    assert!(text.contains("E0209") && text.contains("core"), "{text}");
    // A method the `call` entry does not list.
    let rt = caller_runtime(
        &caller("store", "localhost:store:users", "Ext<Delete>", "q"),
        true,
    );
    let text = String::from_utf8(rt.serve(0, get("/fetch")).unwrap().body).unwrap();
    assert!(text.contains("no `call` entry"), "{text}");
    // A namespace outside the binding it names.
    let rt = caller_runtime(
        &caller("store", "localhost:front", "Ext<Select>", "q"),
        true,
    );
    let text = String::from_utf8(rt.serve(0, get("/fetch")).unwrap().body).unwrap();
    assert!(text.contains("is not under `store`"), "{text}");
}

#[test]
fn an_unbound_context_name_keeps_the_mechtron_from_ready() {
    let rt = caller_runtime(&echo(), false);
    match rt.mechtrons()[0].state() {
        MechtronState::Panic(reason) => assert!(
            reason.contains("`store`") && reason.contains("--bind store="),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        rt.mechtrons()[1].state(),
        MechtronState::Ready,
        "the others still serve"
    );
    let e = rt.serve(0, get("/core")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::MECHTRON_NOT_READY, 503));
    assert!(e.message.contains("--bind store="), "{}", e.message);
    // Routes that do not need the panicked guest keep working: forwards and calls to a
    // healthy mechtron.
    assert_eq!(rt.serve(0, get("/forward")).unwrap().status, 200);
    assert_eq!(rt.serve(0, get("/call")).unwrap().status, 200);
    let e = rt.serve(0, get("/fetch")).unwrap_err();
    assert_eq!(
        e.code,
        codes::MECHTRON_NOT_READY,
        "a port needs the guest too"
    );
}

#[test]
fn a_grant_or_call_entry_that_cannot_be_compiled_fails_the_load_of_its_mechtron() {
    let mut bundle = build(
        &[
            mechtron("front", CALLER_BIND, &echo()),
            mechtron("store", STORE_BIND, &echo()),
        ],
        &[],
    );
    // A hand-made bundle (`starlane build` refuses both): a selector on a context name the
    // bind does not require (so nothing binds it), and a `call` path regex that does not
    // compile.
    let front = &mut bundle.binds[0];
    front.ports[0].grants[0].on =
        Some(starlane_ir::SelectorPattern::parse("${nowhere}:**").unwrap());
    let mut opts = options(ExecClock::Epoch);
    opts.bindings = HashMap::from([("store".into(), "localhost:store".into())]);
    let rt = load(bundle.clone(), opts.clone());
    match rt.mechtrons()[0].state() {
        MechtronState::Panic(reason) => assert!(
            reason.contains("`${nowhere}` has no value") && reason.contains("bind/front.bind:4:"),
            "{reason}"
        ),
        other => panic!("a broken grant must not load as granting nothing: {other:?}"),
    }
    assert_eq!(rt.mechtrons()[1].state(), MechtronState::Ready);
    let e = rt.serve(0, get("/fetch")).unwrap_err();
    assert_eq!(e.code, codes::MECHTRON_NOT_READY);
    let front = &mut bundle.binds[0];
    front.ports[0].grants[0].on = Some(starlane_ir::SelectorPattern::parse("${store}:**").unwrap());
    front.ports[0].calls[0].path = Some("(unclosed".into());
    let rt = load(bundle, opts);
    match rt.mechtrons()[0].state() {
        MechtronState::Panic(reason) => assert!(reason.contains("does not compile"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mechtrons_that_share_a_module_compile_and_link_it_once() {
    let bind = "Bind(version=1.1.0) {\n  Route<Ext<Ping>> -> (( )) => &;\n}\n";
    let guest = echo();
    let names = ["a", "b", "c", "d"];
    let mechtrons: Vec<_> = names.iter().map(|n| mechtron(n, bind, &guest)).collect();
    let rt = load(build(&mechtrons, &[]), options(ExecClock::Epoch));
    assert_eq!(rt.modules_linked(), 1, "four mechtrons, one module");
    assert_eq!(rt.status()["engine"]["modules_linked"], 1);
    for i in 0..names.len() {
        assert_eq!(rt.mechtrons()[i].state(), MechtronState::Ready);
        let reply = rt
            .serve(
                i,
                Message::new(
                    starlane_ir::Method::parse("Ext<Ping>").unwrap(),
                    "/",
                    b"x".to_vec(),
                ),
            )
            .unwrap();
        let env: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(env["method"], "Ping", "each mechtron runs its own instance");
    }
}

#[test]
fn a_message_from_outside_is_admitted_only_by_caller_rules() {
    use starlane_runtime::Origin;
    // `a` has no caller rules: the front door serves anyone, the outside no one.
    let open = "Bind(version=1.1.0) {\n  Route<Ext<Ping>> -> (( )) => &;\n}\n";
    let ruled = r#"Bind(version=1.1.0) {
  grant perm +csd-rwX on localhost:b to localhost:operators:**;
  Route<Ext<Ping>> -> (( )) => &;
}
"#;
    let rt = load(
        build(
            &[mechtron("a", open, &echo()), mechtron("b", ruled, &echo())],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let ping = |origin: Origin, caller: Option<&str>| {
        let mut m = Message::new(
            starlane_ir::Method::parse("Ext<Ping>").unwrap(),
            "/",
            Vec::new(),
        );
        m.origin = origin;
        m.caller = caller.map(|p| Identity {
            point: p.into(),
            kind: None,
        });
        m
    };
    assert!(rt.serve(0, ping(Origin::Inside, None)).is_ok());
    let e = rt.serve(0, ping(Origin::Outside, None)).unwrap_err();
    assert_eq!((e.code, e.status), (codes::CALLER_NOT_GRANTED, 403));
    assert!(
        e.message.contains("admits no outside caller"),
        "{}",
        e.message
    );
    let e = rt
        .serve(0, ping(Origin::Outside, Some("localhost:operators:ada")))
        .unwrap_err();
    assert_eq!(
        e.code,
        codes::CALLER_NOT_GRANTED,
        "credentials do not open a bind without rules"
    );
    // `b` admits operators: anonymous and other callers are refused, an operator is served.
    let e = rt.serve(1, ping(Origin::Outside, None)).unwrap_err();
    assert!(e.message.contains("anonymous"), "{}", e.message);
    let e = rt
        .serve(1, ping(Origin::Outside, Some("localhost:users:bob")))
        .unwrap_err();
    assert_eq!(e.code, codes::CALLER_NOT_GRANTED);
    assert!(
        rt.serve(1, ping(Origin::Outside, Some("localhost:operators:ada")))
            .is_ok()
    );
}

#[test]
fn points_and_calls_forward_to_local_mechtrons_or_say_they_cannot() {
    let rt = caller_runtime(&echo(), true);
    let env: serde_json::Value =
        serde_json::from_slice(&rt.serve(0, get("/forward")).unwrap().body).unwrap();
    assert_eq!(
        (env["kind"].as_str(), env["path"].as_str()),
        (Some("Http"), Some("/forward"))
    );
    let env: serde_json::Value =
        serde_json::from_slice(&rt.serve(0, get("/call")).unwrap().body).unwrap();
    assert_eq!(
        (env["method"].as_str(), env["path"].as_str()),
        (Some("Select"), Some("/all"))
    );
    let e = rt.serve(0, get("/elsewhere")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::ADDRESS_NOT_HOSTED, 502));
}

#[test]
fn auth_filters_need_a_caller_and_never_fall_through() {
    let bind = "Bind(version=1.1.0) {\n  Route<Http<Get>>(auth)/admin -> (( )) => &;\n  Route<Http<Get>>/.* -> Err(404);\n}\n";
    let rt = load(
        build(&[mechtron("a", bind, &echo())], &[]),
        options(ExecClock::Epoch),
    );
    let e = rt.serve(0, get("/admin")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::UNAUTHENTICATED, 401));
    let mut m = get("/admin");
    m.caller = Some(Identity {
        point: "localhost:users:ada".into(),
        kind: Some("User".into()),
    });
    let env: serde_json::Value = serde_json::from_slice(&rt.serve(0, m).unwrap().body).unwrap();
    assert_eq!(env["caller"], "localhost:users:ada");
}

#[test]
fn caller_grants_are_enforced_when_a_bind_has_them() {
    let bind = r#"Bind(version=1.1.0) {
  Role reader { grant perm +csd-Rwx on localhost:b:**; }
  grant role reader to localhost:users:**<User>;
  Route<Http> -> {
    <Get>/doc -> localhost:b:doc => &;
    <Post>/doc -> localhost:b:doc => &;
  }
}
"#;
    let b = "Bind(version=1.1.0) {\n  Route<Http<*>>/.* -> (( )) => &;\n}\n";
    let rt = load(
        build(
            &[mechtron("a", bind, &echo()), mechtron("b", b, &echo())],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let ada = Identity {
        point: "localhost:users:ada".into(),
        kind: Some("User".into()),
    };
    let mut m = get("/doc");
    m.caller = Some(ada.clone());
    assert_eq!(rt.serve(0, m).unwrap().status, 200);
    let mut m = post("/doc", "x");
    m.caller = Some(ada);
    let e = rt.serve(0, m).unwrap_err();
    assert_eq!((e.code, e.status), (codes::CALLER_NOT_GRANTED, 403));
    assert!(
        e.message.contains("needs `W` on `localhost:b:doc`"),
        "{}",
        e.message
    );
    let e = rt.serve(0, get("/doc")).unwrap_err();
    assert!(e.message.contains("anonymous"), "{}", e.message);
}

#[test]
fn a_loop_between_mechtrons_is_stopped() {
    let bind = "Bind(version=1.1.0) {\n  Route<Http<Get>>/ping -> localhost:a:again => &;\n}\n";
    let rt = load(
        build(&[mechtron("a", bind, &echo())], &[]),
        options(ExecClock::Epoch),
    );
    let e = rt.serve(0, get("/ping")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::CALL_DEPTH, 508));
}

#[test]
fn a_pipeline_without_a_reply_is_fire_and_forget() {
    let bind = "Bind(version=1.1.0) {\n  Route<Http<Post>>/event -> (( ));\n}\n";
    let rt = load(
        build(&[mechtron("a", bind, &echo())], &[]),
        options(ExecClock::Epoch),
    );
    let r = rt.serve(0, post("/event", "x")).unwrap();
    assert_eq!((r.status, r.body.len()), (202, 0));
}

#[test]
fn guest_answers_may_be_envelopes() {
    let rt = hello_runtime(&constant(
        r#"{"v":1,"status":201,"headers":{"content-type":"application/json","x-id":"7"},"body":"{\"id\":7}"}"#,
    ));
    let r = rt.serve(0, get("/hello")).unwrap();
    assert_eq!(r.status, 201);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(r.body, br#"{"id":7}"#);
}

#[test]
fn a_validator_mechtron_decides_and_its_errors_are_passed_on() {
    let front = "Bind(version=1.1.0) {\n  Route<Http<Post>>/x -[ Json~localhost:checker^Ext<Validate> ]-> (( )) => &;\n}\n";
    let checker_bind = "Bind(version=1.1.0) {\n  Route<Ext<Validate>> -> (( )) => &;\n}\n";
    // A validator that rejects everything with one error.
    let rejecting = constant(r#"{"valid": false, "errors": ["name is taken"]}"#);
    let rt = load(
        build(
            &[
                mechtron("front", front, &echo()),
                mechtron("checker", checker_bind, &rejecting),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let e = rt
        .serve(rt.http_mechtron().unwrap(), post("/x", r#"{"name":"ada"}"#))
        .unwrap_err();
    assert_eq!((e.code, e.status), (codes::VALIDATOR_REJECTED, 422), "{e}");
    assert_eq!(e.details["errors"], serde_json::json!(["name is taken"]));
    // One that accepts.
    let accepting = constant(r#"{"valid": true}"#);
    let rt = load(
        build(
            &[
                mechtron("front", front, &echo()),
                mechtron("checker", checker_bind, &accepting),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    assert_eq!(
        rt.serve(rt.http_mechtron().unwrap(), post("/x", r#"{"name":"ada"}"#))
            .unwrap()
            .status,
        200
    );
    // One that answers nonsense: the system's fault, not the caller's.
    let broken = constant("yes?");
    let rt = load(
        build(
            &[
                mechtron("front", front, &echo()),
                mechtron("checker", checker_bind, &broken),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let e = rt
        .serve(rt.http_mechtron().unwrap(), post("/x", "{}"))
        .unwrap_err();
    assert_eq!(e.code, codes::GUEST_BROKE_ABI);
    assert_eq!(e.fault, starlane_runtime::codes::Fault::System);
}

#[test]
fn without_the_pooling_allocator_the_runtime_falls_back_and_says_why() {
    let mut opts = options(ExecClock::Epoch);
    opts.engine.pooling = false;
    let bundle = build(
        &[mechtron("hello", HELLO_BIND, &op_echo())],
        &[("schema/profile.json", PROFILE)],
    );
    let rt = load(bundle, opts);
    assert!(!rt.pooling());
    assert_eq!(rt.status()["engine"]["allocator"], "on-demand");
    assert_eq!(
        rt.status()["engine"]["on_demand_reason"],
        "pooling disabled"
    );
    assert_eq!(rt.serve(0, get("/hello")).unwrap().body, b"Http<Get>");
}

#[test]
fn fire_and_forget_work_is_bounded() {
    // One slot: while one fire-and-forget message runs, the next is refused, not queued
    // on an unbounded thread.
    let bind = "Bind(version=1.1.0) {\n  Port work { timeout: exec 5s, total 5s; }\n  Route<Http<Post>>/event -> ((work));\n}\n";
    let slow = guest(
        "(local $i i64) (loop $l (local.set $i (i64.add (local.get $i) (i64.const 1))) (br_if $l (i64.lt_u (local.get $i) (i64.const 3000000000)))) (call $guest_response (i32.const 0) (i32.const 0)) (i32.const 1)",
        "",
    )
    .replace("(param $msg_len i32) (result i32)", "(param $msg_len i32) (result i32) (local $i i64)")
    .replace("(local $i i64) (loop", "(loop");
    let mut opts = options(ExecClock::Epoch);
    opts.max_concurrency = 1;
    let rt = load(build(&[mechtron("a", bind, &slow)], &[]), opts);
    assert_eq!(rt.serve(0, post("/event", "1")).unwrap().status, 202);
    let e = rt.serve(0, post("/event", "2")).unwrap_err();
    assert_eq!((e.code, e.status), (codes::OVERLOADED, 503));
    assert_eq!(rt.background_running(), 1);
}

#[test]
fn a_call_entry_with_a_path_allows_only_that_path() {
    let bind = r#"Bind(version=1.1.0) {
  Port p {
    grant perm +csd-Rwx on localhost:store:**;
    call localhost:store:**^Http<Get>/public/.*;
  }
  Route<Http<Get>>/x -> ((p)) => &;
}
"#;
    let store = "Bind(version=1.1.0) {\n  Route<Http<Get>>/.* -> (( )) => &;\n}\n";
    let allowed = caller("", "localhost:store:a", "Http<Get>/public/index.html", "");
    let rt = load(
        build(
            &[
                mechtron("front", bind, &allowed),
                mechtron("store", store, &constant("ok")),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    assert_eq!(rt.serve(0, get("/x")).unwrap().body, b"ok");
    let sneaky = caller("", "localhost:store:a", "Http<Get>/admin/keys", "");
    let rt = load(
        build(
            &[
                mechtron("front", bind, &sneaky),
                mechtron("store", store, &constant("ok")),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let text = String::from_utf8(rt.serve(0, get("/x")).unwrap().body).unwrap();
    assert!(
        text.contains("E0209") && text.contains("/admin/keys"),
        "{text}"
    );
}

#[test]
fn validators_spend_the_ports_total_too() {
    // The port has 200 ms in all; its validator loops. The validator is stopped at the port's
    // deadline, and the guest is never started on a fresh window.
    let front = r#"Bind(version=1.1.0) {
  Port p {
    request: Json~localhost:slowcheck^Ext<Validate>;
    timeout: exec 100ms, total 200ms;
  }
  Route<Http<Post>>/x -> ((p)) => &;
}
"#;
    let check = "Bind(version=1.1.0) {\n  Port v { timeout: exec 5s, total 10s; }\n  Route<Ext<Validate>> -> ((v)) => &;\n}\n";
    let rt = load(
        build(
            &[
                mechtron("front", front, &echo()),
                mechtron("slowcheck", check, &support::hostile::infinite_loop()),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    // `E0213` (the port's 200 ms `total`), not the validator's own 5 s `exec`: the validator
    // was asked within the port's budget, whatever the machine's speed.
    let e = rt
        .serve(rt.http_mechtron().unwrap(), post("/x", "{}"))
        .unwrap_err();
    assert_eq!(e.code, codes::TOTAL_TIMEOUT, "{e}");
}

/// `Cmd` messages between mechtrons: routed by kind and method like `Ext`, with the permission
/// bit the method needs (`Cmd<Read>` reads: `R`; `Cmd<Update>` writes: `W`).
#[test]
fn cmd_calls_need_the_permission_bit_of_their_method() {
    let bind = r#"Bind(version=1.1.0) {
  Requires { store: Base<User>; }
  Port read {
    grant perm +csd-Rwx on ${store}:**;
    call ${store}:**^Cmd<Read>;
    call ${store}:**^Cmd<Update>;
  }
  Route<Http<Get>>/read -> ((read)) => &;
}
"#;
    let store = "Bind(version=1.1.0) {\n  Route<Cmd<Read>> -> (( )) => &;\n  Route<Cmd<Update>> -> (( )) => &;\n}\n";
    let run = |method: &str| {
        let bundle = build(
            &[
                mechtron(
                    "front",
                    bind,
                    &caller("store", "localhost:store:users", method, "q"),
                ),
                mechtron("store", store, &echo()),
            ],
            &[],
        );
        let mut opts = options(ExecClock::Epoch);
        opts.bindings = HashMap::from([("store".into(), "localhost:store".into())]);
        let rt = load(bundle, opts);
        String::from_utf8(rt.serve(0, get("/read")).unwrap().body).unwrap()
    };
    let read = run("Cmd<Read>");
    let read: serde_json::Value = serde_json::from_str(&read).expect(&read);
    assert_eq!(
        (read["kind"].as_str(), read["method"].as_str()),
        (Some("Cmd"), Some("Read"))
    );
    let update = run("Cmd<Update>");
    assert!(
        update.starts_with("DENIED:") && update.contains("E0209") && update.contains("needs `W`"),
        "{update}"
    );
}

/// A body forwarded to another mechtron meets that mechtron's own `payload` limit before its
/// guest runs (413, E0206), whatever the front door admitted.
#[test]
fn a_forwarded_body_meets_the_target_binds_payload_limit() {
    let front = "Bind(version=1.1.0) {\n  Route<Http<Post>>/small -> localhost:small => &;\n}\n";
    let small = "Bind(version=1.1.0) {\n  limits { payload 1KiB; }\n  Route<Http<Post>> -> (( )) => &;\n}\n";
    let rt = load(
        build(
            &[
                mechtron("front", front, &echo()),
                mechtron("small", small, &echo()),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let ok = rt.serve(0, post("/small", &"x".repeat(500))).unwrap();
    assert_eq!(ok.status, 200);
    let e = rt.serve(0, post("/small", &"x".repeat(2000))).unwrap_err();
    assert_eq!((e.code, e.status), (codes::PAYLOAD_TOO_LARGE, 413), "{e}");
    assert_eq!(e.mechtron.as_deref(), Some("small"));
}

const RAW_BIND: &str = r#"Bind(version=1.1.0) {
  Port sayHello { envelope: none; request: Text; }
  Port enveloped { request: Text; }
  Route<Http> -> {
    <Post>/raw -> ((sayHello)) => &;
    <Post>/enveloped -> ((enveloped)) => &;
  }
}
"#;

fn raw_runtime(guest: &str) -> std::sync::Arc<starlane_runtime::Runtime> {
    load(
        build(&[mechtron("front", RAW_BIND, guest)], &[]),
        options(ExecClock::Epoch),
    )
}

/// `envelope: none`: the guest gets the body alone as its waPC payload and the port's name as the
/// operation (as a waPC SDK registered it), and its answer is the reply body.
#[test]
fn a_port_without_envelope_passes_the_body_as_wapc_hosts_do() {
    let rt = raw_runtime(&echo());
    let r = rt.serve(0, post("/raw", "hi there")).unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, b"hi there".as_slice()));
    let rt = raw_runtime(&op_echo());
    assert_eq!(rt.serve(0, post("/raw", "x")).unwrap().body, b"sayHello");
}

/// The rest of the request — method, path, headers, captures, caller — is the guest's on
/// request: a host call to `@request`, which needs no grant.
#[test]
fn a_guest_without_envelope_asks_for_its_request() {
    let rt = raw_runtime(&caller("", "@request", "", ""));
    let r = rt.serve(0, post("/raw", "hi")).unwrap();
    let env: serde_json::Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&r.body)));
    assert_eq!(
        (
            env["kind"].as_str(),
            env["method"].as_str(),
            env["path"].as_str()
        ),
        (Some("Http"), Some("Post"), Some("/raw"))
    );
    // An enveloped port has it already: the call is refused, as plain text.
    let text = String::from_utf8(rt.serve(0, post("/enveloped", "hi")).unwrap().body).unwrap();
    assert!(text.starts_with("DENIED:E0224: `@request`"), "{text}");
}
