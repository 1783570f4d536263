//! `starlane run`, end to end: the real binary serving the hello example (a WAT guest and a C
//! guest), talked to with a real HTTP client (hyper's), plus `starlane status`, `send`,
//! credentials, limits, traversal attempts, module caching and a graceful SIGTERM.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use support::*;

#[test]
fn the_hello_example_serves_its_site_its_guests_and_typed_errors() {
    let s = Server::start(&hello(), &["--no-cache"]);
    let home = get(&s.url("/"));
    assert_eq!(home.status, 200);
    assert_eq!(home.headers["content-type"], "text/html; charset=utf-8");
    assert!(home.body.contains("Hello from a Starlane bundle"));
    assert_eq!(get(&s.url("/files/index.html")).body, home.body);
    // The WAT guest.
    let hi = get(&s.url("/hello"));
    assert_eq!((hi.status, hi.body.as_str()), (200, "hello"));
    // The C guest, behind a JSON Schema, calling the hello mechtron through its grants.
    let saved = post(
        &s.url("/profile"),
        br#"{"name":"ada","email":"ada@example.com"}"#,
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        saved.json(),
        serde_json::json!({"saved": true, "greeting": "hello, ada"})
    );
    assert_eq!(saved.headers["content-type"], "application/json");
    // Every profile the schema and the bind admit is served: a 40 KB one (a long `bio`), and the
    // longest name; a longer name is the schema's 422, before the guest.
    let bio = "b".repeat(40_000);
    let long = post(
        &s.url("/profile"),
        format!(r#"{{"name":"ada","email":"ada@example.com","bio":"{bio}"}}"#).as_bytes(),
    );
    assert_eq!(long.status, 200, "{}", long.body);
    let name = "é".repeat(200);
    let longest = post(
        &s.url("/profile"),
        format!(r#"{{"name":"{name}"}}"#).as_bytes(),
    );
    assert_eq!(longest.status, 200, "{}", longest.body);
    assert!(longest.body.contains(&name), "{}", longest.body);
    let too_long = post(
        &s.url("/profile"),
        format!(r#"{{"name":"{name}x"}}"#).as_bytes(),
    );
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    // A payload that breaks the schema: 422, naming the port, the schema, the pointer and the line.
    let bad = post(&s.url("/profile"), br#"{"name":"ada","email":"nope"}"#);
    assert_eq!(bad.status, 422);
    assert_eq!(bad.headers["x-starlane-error"], "E0205");
    let e = &bad.json()["error"];
    assert_eq!(e["port"], "save-profile");
    assert_eq!(e["mechtron"], "profiles");
    assert_eq!(e["details"]["schema"], "schema/profile.json");
    assert_eq!(e["details"]["pointer"], "/email");
    assert_eq!(e["fault"], "caller");
    assert!(
        e["bind"]
            .as_str()
            .unwrap()
            .starts_with("bind/profiles.bind:13:5"),
        "at the `request:` line: {e}"
    );
    // No route, and an `Err` stop.
    let none = get(&s.url("/nowhere"));
    assert_eq!(
        (none.status, none.json()["error"]["code"].as_str()),
        (404, Some("E0201"))
    );
    assert_eq!(get(&s.url("/missing")).status, 404);
    // A path routed for another method: 405 naming the methods it takes.
    let wrong_method = get(&s.url("/profile"));
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.body);
    assert_eq!(wrong_method.headers["allow"], "POST");
    assert_eq!(wrong_method.headers["x-starlane-error"], "E0233");
    assert_eq!(
        wrong_method.json()["error"]["details"]["allow"],
        serde_json::json!(["POST"])
    );
    let put = request("PUT", &s.url("/hello"), &[], Vec::new());
    assert_eq!(put.status, 405);
    assert_eq!(put.headers["allow"], "GET");
    assert_eq!(
        get(&s.url("/files/nope.html")).json()["error"]["code"],
        "E0218"
    );
    // The guest's console line, attributed to it, in JSON logs.
    let logs = s.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("saved the profile of ada")
                && l.contains("\"mechtron\":\"profiles\"")),
        "{logs}"
    );
    // Request durations are whole microseconds, not floats with every digit.
    let request_lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("\"elapsed_us\":"))
        .collect();
    assert!(!request_lines.is_empty(), "{logs}");
    for line in request_lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["elapsed_us"].is_u64(), "{line}");
        // Every request line can be joined with the lines logged while it ran.
        assert!(
            v["request_id"].as_str().is_some_and(|id| id.len() == 16),
            "{line}"
        );
    }
    assert!(s.stop().success());
}

#[test]
fn file_paths_cannot_climb_out_of_the_bundle() {
    let s = Server::start(&hello(), &["--no-cache"]);
    for path in [
        "/files/../bind/hello.bind",
        "/files/%2e%2e/bind/hello.bind",
        "/files/%2E%2E%2Fbind%2Fhello.bind",
        "/files/%252e%252e/bind/hello.bind",
        "/files/..%5cbind%5chello.bind",
        "/files/index.html%00.png",
        "/files/./index.html",
    ] {
        let a = get(&s.url(path));
        assert_eq!(a.status, 400, "{path}: {}", a.body);
        assert_eq!(a.headers["x-starlane-error"], "E0208", "{path}");
    }
    assert!(s.stop().success());
}

#[test]
fn body_and_header_limits_come_from_the_bind() {
    let s = Server::start(&hello(), &["--no-cache"]);
    // hello.bind: `limits { payload 64KiB; headers 8KiB; }`
    let big = post(&s.url("/profile"), &[b'x'; 70_000]);
    assert_eq!(
        (
            big.status,
            big.headers["x-starlane-error"].to_str().unwrap()
        ),
        (413, "E0206")
    );
    let header = "a".repeat(9000);
    let wide = request("GET", &s.url("/hello"), &[("x-big", &header)], Vec::new());
    assert_eq!(
        (
            wide.status,
            wide.headers["x-starlane-error"].to_str().unwrap()
        ),
        (431, "E0207")
    );
    assert_eq!(
        get(&s.url("/hello")).status,
        200,
        "and the server carries on"
    );
    assert!(s.stop().success());
}

#[test]
fn auth_filters_accept_hashed_passwords_and_tokens_only() {
    let creds = std::env::temp_dir().join(format!("starlane-creds-{}.toml", std::process::id()));
    std::fs::write(
        &creds,
        format!(
            "[[user]]\nname = \"ada\"\npassword = \"{}\"\nidentity = \"localhost:users:ada\"\nkind = \"User\"\n\n[[token]]\nsha256 = \"{}\"\nidentity = \"localhost:ci\"\n",
            hash("correct horse", false),
            hash("tok-42", true)
        ),
    )
    .unwrap();
    let text = std::fs::read_to_string(&creds).unwrap();
    assert!(
        !text.contains("correct horse") && !text.contains("tok-42"),
        "no secret is stored"
    );
    let s = Server::start(
        &hello(),
        &["--no-cache", "--credentials", creds.to_str().unwrap()],
    );
    let anon = get(&s.url("/private"));
    assert_eq!(anon.status, 401);
    // The guarded page is not also served by the `/files/(.*)` catch-all (lint W0105).
    assert_eq!(get(&s.url("/files/private.html")).status, 404);
    assert!(anon.headers.contains_key("www-authenticate"));
    let basic = |user: &str, pass: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    let ok = request(
        "GET",
        &s.url("/private"),
        &[("authorization", &basic("ada", "correct horse"))],
        Vec::new(),
    );
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("Only for authenticated callers"));
    let wrong = request(
        "GET",
        &s.url("/private"),
        &[("authorization", &basic("ada", "wrong"))],
        Vec::new(),
    );
    assert_eq!(wrong.status, 401);
    let token = request(
        "GET",
        &s.url("/private"),
        &[("authorization", "Bearer tok-42")],
        Vec::new(),
    );
    assert_eq!(token.status, 200);
    assert!(s.stop().success());
    let _ = std::fs::remove_file(creds);
}

#[test]
fn status_metrics_and_send_through_the_admin_listener() {
    let s = Server::start(&hello(), &["--no-cache"]);
    get(&s.url("/hello"));
    assert_eq!(get(&s.url("/nowhere")).status, 404);
    // Forwarded to the profiles mechtron: its answers and its failures are counted under it,
    // not under the hello mechtron the requests entered through.
    assert_eq!(post(&s.url("/profile"), br#"{"name":"ada"}"#).status, 200);
    assert_eq!(post(&s.url("/profile"), br#"{"name":""}"#).status, 422);
    let status = s.admin_get("/status").json();
    let states: Vec<(&str, &str)> = status["mechtrons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("hello", "Ready"), ("profiles", "Ready")]);
    let scrape = s.admin_get("/metrics");
    assert_eq!(
        scrape.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let metrics = scrape.body;
    assert!(
        metrics.contains("starlane_requests_total{mechtron=\"hello\",status=\"200\"}"),
        "{metrics}"
    );
    for (mechtron, status) in [("profiles", 200), ("profiles", 422)] {
        let line =
            format!("starlane_requests_total{{mechtron=\"{mechtron}\",status=\"{status}\"}} 1");
        assert!(metrics.contains(&line), "no `{line}`:\n{metrics}");
    }
    assert!(
        !metrics.contains("starlane_requests_total{mechtron=\"hello\",status=\"422\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("starlane_mechtron_ready{mechtron=\"profiles\"} 1"),
        "{metrics}"
    );
    // Errors by stage and code, guest time and instances, as Prometheus samples.
    let sample = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no sample {name} in\n{metrics}"))
    };
    assert_eq!(
        sample("starlane_errors_total{stage=\"route\",code=\"E0201\"}"),
        1.0
    );
    assert!(sample("starlane_instances_total{mechtron=\"hello\"}") >= 1.0);
    assert!(sample("starlane_guest_seconds_total{mechtron=\"hello\"}") > 0.0);
    assert_eq!(sample("starlane_instances_active"), 0.0);
    // Latency by the mechtron that answered, the build, and the standard process metrics.
    assert!(
        sample("starlane_request_duration_seconds_count{mechtron=\"profiles\"}") >= 2.0,
        "{metrics}"
    );
    assert!(
        metrics
            .contains("starlane_request_duration_seconds_bucket{mechtron=\"hello\",le=\"+Inf\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "starlane_build_info{{version=\"{}\",ir_format=\"5\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{metrics}"
    );
    assert!(sample("process_resident_memory_bytes") > 1e6);
    assert!(sample("process_open_fds") >= 3.0);
    // The CLI around it.
    let out = Command::new(binary())
        .args(["status", "--admin", &s.admin.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("profiles") && text.contains("Ready"),
        "{text}"
    );
    // A message from outside is an outside caller: hello's bind admits none (no `grant … to`),
    // so it is refused even though the front door serves everyone.
    let out = Command::new(binary())
        .args(["send", "Ext<Hello>", "--admin", &s.admin.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("E0203") && err.contains("admits no outside caller"),
        "{err}"
    );
    let out = Command::new(binary())
        .args([
            "send",
            "Ext<Nope>",
            "--to",
            "profiles",
            "--admin",
            &s.admin.to_string(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0201"));
    assert!(s.stop().success());
}

#[test]
fn an_unbound_context_name_is_reported_and_the_rest_serves() {
    // The built bundle file, run without the example's `[run]` bindings.
    let bundle = std::env::temp_dir().join(format!("starlane-e2e-{}.bundle", std::process::id()));
    let out = Command::new(binary())
        .args([
            "build",
            hello().to_str().unwrap(),
            "-o",
            bundle.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = Server::start(&bundle, &["--no-cache"]);
    assert_eq!(get(&s.url("/hello")).status, 200, "hello still serves");
    let blocked = post(&s.url("/profile"), br#"{"name":"ada"}"#);
    assert_eq!(blocked.status, 503);
    assert!(blocked.body.contains("--bind hello="), "{}", blocked.body);
    let status = s.admin_get("/status").json();
    assert_eq!(status["mechtrons"][1]["state"], "Panic");
    assert!(s.stop().success());
    // With the binding given on the command line, it is Ready.
    let s = Server::start(&bundle, &["--no-cache", "--bind", "hello=localhost:hello"]);
    assert_eq!(post(&s.url("/profile"), br#"{"name":"ada"}"#).status, 200);
    assert!(s.stop().success());
    let _ = std::fs::remove_file(bundle);
}

#[test]
fn a_restart_loads_compiled_modules_from_the_cache() {
    let cache = std::env::temp_dir().join(format!("starlane-e2e-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let origins = |s: &Server| -> Vec<String> {
        s.admin_get("/status").json()["mechtrons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["module_origin"].as_str().unwrap().to_string())
            .collect()
    };
    let s = Server::start(&hello(), &["--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(origins(&s), ["compiled", "compiled"]);
    assert!(s.stop().success());
    let s = Server::start(&hello(), &["--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(origins(&s), ["cached", "cached"]);
    assert_eq!(get(&s.url("/hello")).body, "hello");
    assert!(s.stop().success());
    let _ = std::fs::remove_dir_all(cache);
}

fn s_logs_mention_draining(logs: &str) -> bool {
    logs.contains("draining in-flight messages") && logs.contains("drained")
}

#[test]
fn sigterm_lets_in_flight_messages_finish() {
    // A guest that works for a while (a counted loop) before answering.
    let dir = std::env::temp_dir().join(format!("starlane-e2e-slow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    let wat = r#"(module
  (import "wapc" "__guest_request" (func $req (param i32 i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 2048) "done")
  (func (export "__guest_call") (param i32 i32) (result i32) (local $i i64)
    (call $req (i32.const 0) (i32.const 1024))
    (loop $l (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 4000000000))))
    (call $resp (i32.const 2048) (i32.const 4)) (i32.const 1)))"#;
    std::fs::write(dir.join("wasm/slow.wasm"), wat::parse_str(wat).unwrap()).unwrap();
    std::fs::write(
        dir.join("slow.bind"),
        "Bind(version=1.1.0) {\n  Port work { timeout: exec 20s, total 30s; }\n  Route<Http<Get>>/slow -> ((work)) => &;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("slow.app"),
        "App {\n  Set {\n    +mechtron.name=slow,\n    +wasm.src=${self.config.bundle}:/wasm/slow.wasm,\n    +bind=${self.config.bundle}:/slow.bind\n  }\n}\n",
    )
    .unwrap();
    let s = Server::start(&dir, &["--no-cache"]);
    let url = s.url("/slow");
    let in_flight = std::thread::spawn(move || (get(&url), Instant::now()));
    // Wait for the event, not for a time: the slow guest is running when the gauge says so.
    let running = (0..600).any(|_| {
        let metrics = s.admin_get("/metrics").body;
        let busy = metrics.contains("starlane_instances_active 1");
        if !busy {
            std::thread::sleep(Duration::from_millis(50));
        }
        busy
    });
    assert!(running, "the slow request never reached its guest");
    let stopping = Instant::now();
    let http = s.http;
    let logs_handle = s.logs.clone();
    let status = s.stop();
    let logs = logs_handle.lock().unwrap().clone();
    assert!(status.success(), "exit 0 after draining");
    let (answer, answered) = in_flight.join().unwrap();
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "done"),
        "the in-flight request finished"
    );
    assert!(
        answered > stopping,
        "it was still in flight when SIGTERM was sent"
    );
    assert!(s_logs_mention_draining(&logs), "{logs}");
    assert!(
        std::net::TcpStream::connect(http).is_err(),
        "no new connections after stopping"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_config_file_binds_context_names_and_a_broken_bundle_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("starlane-e2e-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("app.bundle");
    let out = Command::new(binary())
        .args([
            "build",
            hello().to_str().unwrap(),
            "-o",
            bundle.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    // One configuration format: `--config` reads a `starlane.toml`.
    let config = dir.join("starlane.toml");
    std::fs::write(
        &config,
        "[run]\nbind = { hello = \"localhost:hello\" }\nmax_concurrency = 4\n",
    )
    .unwrap();
    let s = Server::start(
        &bundle,
        &["--no-cache", "--config", config.to_str().unwrap()],
    );
    assert_eq!(post(&s.url("/profile"), br#"{"name":"ada"}"#).status, 200);
    assert!(s.stop().success());
    // The old flat format is refused by name, not half-read.
    let old = dir.join("run.toml");
    std::fs::write(&old, "[bind]\nhello = \"localhost:hello\"\n").unwrap();
    let out = Command::new(binary())
        .args(["run", bundle.to_str().unwrap(), "--http", "127.0.0.1:0"])
        .args(["--config", old.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("run.toml") && err.contains("unknown field `bind`"),
        "{err}"
    );
    // A truncated bundle: a typed loader error, exit 2, nothing served.
    let bytes = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &bytes[..bytes.len() / 2]).unwrap();
    let out = Command::new(binary())
        .args(["run", bundle.to_str().unwrap(), "--http", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the bundle does not load") && err.contains("truncated"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn with_too_little_address_space_for_the_pool_the_runtime_falls_back_and_serves() {
    // The pool reserves ~4 GiB of address space per slot (over 1 TiB for the default slots);
    // 3 GB refuses it, and the on-demand fallback must then fit its memories in what is left.
    let s = Server::start_with_address_space(&hello(), &["--no-cache"], 3_000_000);
    let status = s.admin_get("/status").json();
    assert_eq!(status["engine"]["allocator"], "on-demand", "{status}");
    assert!(
        status["engine"]["on_demand_reason"]
            .as_str()
            .unwrap()
            .contains("the pooling allocator could not be set up"),
        "{status}"
    );
    assert_eq!(get(&s.url("/hello")).body, "hello");
    let saved = post(
        &s.url("/profile"),
        br#"{"name":"ada","email":"ada@example.com"}"#,
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(s.stop().success());
}
