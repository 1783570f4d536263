//! The mesh end to end: real `starlane run` processes joined through a real `nats-server`
//! started by each test, a real HTTP client at the front door, and guests that log every
//! execution so the tests can count them (`specs/runtime.md` §8).

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::nats::{self, Nats, Tls};
use support::{Answer, Server, binary, post};

const IMPORTS: &str = r#"
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response_len" (func $host_response_len (result i32)))
  (import "wapc" "__host_response" (func $host_response (param i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (import "wapc" "__console_log" (func $console_log (param i32 i32)))
"#;

/// Logs the request it runs (so executions can be counted), then answers with it.
fn recording_echo() -> String {
    recording_echo_after("")
}

/// [`recording_echo`], running the WAT instructions `between` after logging and before answering.
fn recording_echo_after(between: &str) -> String {
    format!(
        r#"(module {IMPORTS}
  (memory (export "memory") 4)
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (call $console_log (i32.const 1024) (local.get $msg_len))
    {between}
    (call $guest_response (i32.const 1024) (local.get $msg_len))
    (i32.const 1)))"#
    )
}

/// Logs the request, spins for a while (about 0.1–0.5 s), then answers with it: a message
/// that is still running when its host is told to stop.
fn slow_echo() -> String {
    format!(
        r#"(module {IMPORTS}
  (memory (export "memory") 4)
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (local $i i64)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (call $console_log (i32.const 1024) (local.get $msg_len))
    (loop $spin
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $spin (i64.lt_u (local.get $i) (i64.const 150000000))))
    (call $guest_response (i32.const 1024) (local.get $msg_len))
    (i32.const 1)))"#
    )
}

/// Calls `namespace` with `op` and payload `from-guest`, answering with the reply or
/// `DENIED:` and the error.
fn calling_guest(namespace: &str, op: &str) -> String {
    let payload = "from-guest";
    format!(
        r#"(module {IMPORTS}
  (memory (export "memory") 4)
  (data (i32.const 51000) "{namespace}") (data (i32.const 52000) "{op}") (data (i32.const 53000) "{payload}")
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (if (call $host_call (i32.const 50000) (i32.const 0) (i32.const 51000) (i32.const {nl}) (i32.const 52000) (i32.const {ol}) (i32.const 53000) (i32.const {pl}))
      (then
        (call $host_response (i32.const 100000))
        (call $guest_response (i32.const 100000) (call $host_response_len)))
      (else
        (i64.store (i32.const 99992) (i64.const 0x3a4445494e4544))
        (call $host_error (i32.const 99999))
        (call $guest_response (i32.const 99992) (i32.add (i32.const 7) (call $host_error_len)))))
    (i32.const 1)))"#,
        nl = namespace.len(),
        ol = op.len(),
        pl = payload.len()
    )
}

const WORKER_BIND: &str = "Bind(version=1.1.0) {\n  Route<Ext<Work>> -> (( )) => &;\n}\n";

const FRONT_BIND: &str = r#"Bind(version=1.1.0) {
  Port fetch {
    grant perm +csd-rwX on localhost:worker:**;
    call localhost:worker:**^Ext<Work>;
  }
  Port snoop {
    call localhost:worker:**^Ext<Work>;
  }
  Route<Http> -> {
    <Post>/work -> localhost:worker^Ext<Work> => &;
    <Get>/call -> ((fetch)) => &;
    <Get>/snoop -> ((snoop)) => &;
  }
}
"#;

/// A project of one mechtron (it receives HTTP) with a `starlane.toml`.
fn project(tag: &str, name: &str, bind: &str, wat: &str, toml: &str) -> PathBuf {
    project_with(tag, name, bind, wat, toml, true)
}

/// [`project`], its mechtron receiving HTTP or not.
fn project_with(tag: &str, name: &str, bind: &str, wat: &str, toml: &str, http: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starlane-mesh-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bind")).unwrap();
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::write(dir.join(format!("bind/{name}.bind")), bind).unwrap();
    std::fs::write(
        dir.join(format!("wasm/{name}.wasm")),
        wat::parse_str(wat).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{name}.app")),
        format!(
            "App {{\n  Set {{\n    +mechtron.name={name},\n    +wasm.src=${{self.config.bundle}}:/wasm/{name}.wasm,\n    +bind=${{self.config.bundle}}:/bind/{name}.bind,\n    +http={http}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("starlane.toml"), toml).unwrap();
    dir
}

/// Quick failure detection for tests: heartbeats every 200 ms, gone after 2 s (slack for a
/// loaded machine), short ack waits.
const QUICK: &str = "[mesh]\nheartbeat = \"200ms\"\ngone_after = \"2s\"\nack_timeout = \"100ms\"\nretries = 3\nmax_retry_delay = \"400ms\"\n";

fn worker_project(tag: &str) -> PathBuf {
    project(tag, "worker", WORKER_BIND, &recording_echo(), QUICK)
}

fn front_project(tag: &str) -> PathBuf {
    // The front's own guest is only used by the `((fetch))`/`((snoop))` routes.
    project(
        tag,
        "front",
        FRONT_BIND,
        &calling_guest("localhost:worker:jobs", "Ext<Work>"),
        QUICK,
    )
}

/// A worker host `w1` serving `worker_dir` (with extra environment) and a front host `front`
/// of [`front_project`] in `front_tag`, once the front sees the worker.
fn worker_and_front(
    nats: &Nats,
    worker_dir: &Path,
    env: &[(&str, &str)],
    front_tag: &str,
) -> (Server, Server) {
    let worker = host(nats, worker_dir, "w1", env);
    let front = host(nats, &front_project(front_tag), "front", &[]);
    wait_for_hosts(&front, &["w1"]);
    (worker, front)
}

/// `starlane run DIR --mesh URL --host NAME` with the mesh password (and extra environment).
fn host(nats: &Nats, dir: &Path, name: &str, env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(binary());
    cmd.env("STARLANE_MESH_PASSWORD", nats::MESH_PASSWORD)
        .env("STARLANE_LOG", "info,starlane=debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Server::spawn(
        cmd,
        dir,
        &[
            "--no-cache",
            "--mesh",
            &nats.url(),
            "--host",
            name,
            "--mesh-user",
            nats::MESH_USER,
        ],
    )
}

/// Waits until `server` sees each of `hosts` up with its mechtrons Ready.
fn wait_for_hosts(server: &Server, hosts: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = server.admin_get("/status").json();
        let up: Vec<String> = status["mesh"]["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["gone"] == false)
            .filter(|h| {
                h["mechtrons"]
                    .as_array()
                    .is_some_and(|ms| ms.iter().all(|m| m[1] == "Ready"))
            })
            .filter_map(|h| h["host"].as_str().map(str::to_string))
            .collect();
        if hosts.iter().all(|h| up.iter().any(|u| u == h)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "hosts {hosts:?} not up after 15 s; status: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `/metrics` sample without labels.
fn metric(server: &Server, name: &str) -> u64 {
    let text = server.admin_get("/metrics").body;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
}

/// How many times a guest logged `token` (each execution logs its request once).
fn executions(servers: &[&Server], token: &str) -> usize {
    servers
        .iter()
        .map(|s| {
            s.logs()
                .lines()
                .filter(|l| l.contains("guest") && l.contains(token))
                .count()
        })
        .sum()
}

#[test]
fn a_message_reaches_a_mechtron_on_another_host_and_grants_hold_on_the_caller() {
    let nats = Nats::start();
    let (worker, front) = worker_and_front(&nats, &worker_project("basic-w"), &[], "basic-f");
    // Joining is not reconnecting.
    assert_eq!(metric(&front, "starlane_mesh_reconnects_total"), 0);

    let answer = post(&front.url("/work"), b"token-basic-1");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("token-basic-1"), "{}", answer.body);
    assert!(
        answer.body.contains("Work"),
        "the worker got Ext<Work>: {}",
        answer.body
    );
    assert_eq!(executions(&[&worker], "token-basic-1"), 1);

    // A guest's call crosses hosts through its port's grants ...
    let answer = support::get(&front.url("/call"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("from-guest"), "{}", answer.body);
    // ... and a port without the grant is denied by the caller's host, before any NATS message.
    let sent = metric(&front, "starlane_mesh_sent_total");
    let answer = support::get(&front.url("/snoop"));
    assert!(answer.body.starts_with("DENIED:"), "{}", answer.body);
    assert!(answer.body.contains("E0209"), "{}", answer.body);
    assert_eq!(metric(&front, "starlane_mesh_sent_total"), sent);

    // Fast answers are their own ack (no separate ack frame), and nothing was resent.
    assert_eq!(metric(&front, "starlane_mesh_sent_total"), 2);
    assert_eq!(metric(&front, "starlane_mesh_resends_total"), 0);
    assert_eq!(metric(&worker, "starlane_mesh_executed_total"), 2);
    assert_eq!(
        metric(&worker, "starlane_mesh_duplicates_suppressed_total"),
        0
    );

    // `starlane status --mesh` lists the other host and its mechtron.
    let out = Command::new(binary())
        .args(["status", "--mesh", "--admin", &front.admin.to_string()])
        .env(
            "STARLANE_ADMIN_TOKEN",
            front.admin_token.as_deref().unwrap(),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("this host front"), "{text}");
    assert!(text.contains("w1") && text.contains("up"), "{text}");
    assert!(text.contains("worker") && text.contains("Ready"), "{text}");
}

/// The receiving host applies its own rules to what arrives over the mesh: an outside message
/// (`starlane send`) meets its caller rules, a body meets its `payload` limit, and one sending
/// host gets at most `per_host_in_flight` messages running there.
#[test]
fn the_receiving_host_keeps_its_own_rules_and_limits() {
    let nats = Nats::start();
    let worker_bind =
        "Bind(version=1.1.0) {\n  limits { payload 1KiB; }\n  Route<Ext<Work>> -> (( )) => &;\n}\n";
    let toml = format!("{QUICK}per_host_in_flight = 1\n");
    let (worker, front) = worker_and_front(
        &nats,
        &project("rules-w", "worker", worker_bind, &slow_echo(), &toml),
        &[],
        "rules-f",
    );

    // `starlane send` on the front host reaches the worker host, whose bind admits no outside
    // caller.
    let out = Command::new(binary())
        .args([
            "send",
            "Ext<Work>",
            "--to",
            "worker",
            "--body",
            "token-outside",
        ])
        .args(["--admin", &front.admin.to_string()])
        .env(
            "STARLANE_ADMIN_TOKEN",
            front.admin_token.as_deref().unwrap(),
        )
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("E0203") && text.contains("outside caller"),
        "{text}"
    );
    assert_eq!(executions(&[&worker], "token-outside"), 0);

    // Larger than the worker's limit, though the front's HTTP listener took it.
    let big = format!("token-big-{}", "x".repeat(2000));
    let answer = post(&front.url("/work"), big.as_bytes());
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(answer.headers["x-starlane-error"], "E0206");
    assert_eq!(executions(&[&worker], "token-big-"), 0);

    // Six at once from one host, one allowed to run at a time: the others are refused unrun (no
    // other replica, so E0225), and nothing runs twice.
    let answers: Vec<Answer> = std::thread::scope(|s| {
        let sent: Vec<_> = (0..6)
            .map(|i| {
                let url = front.url("/work");
                s.spawn(move || post(&url, format!("token-cap-{i}-end").as_bytes()))
            })
            .collect();
        sent.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let refused = answers
        .iter()
        .filter(|a| a.status == 503 && a.body.contains("E0225"))
        .count();
    assert_eq!(
        ok + refused,
        6,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    assert!(ok >= 1 && refused >= 1, "ok {ok}, refused {refused}");
    assert_eq!(executions(&[&worker], "token-cap-"), ok);
    assert!(metric(&front, "starlane_mesh_refused_total") >= 1);
}

#[test]
fn lost_acks_and_replies_are_resent_and_every_message_runs_exactly_once() {
    let nats = Nats::start();
    // The worker drops its ack and reply for the first two attempts of every message: the
    // first attempt runs, the resends must not run it again.
    let (worker, front) = worker_and_front(
        &nats,
        &worker_project("lost-w"),
        &[("STARLANE_MESH_FAULTS", "drop-out=2")],
        "lost-f",
    );
    let n = 20;
    for i in 0..n {
        let token = format!("token-lost-{i}-end");
        let answer = post(&front.url("/work"), token.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.body.contains(&token), "{}", answer.body);
    }
    for i in 0..n {
        assert_eq!(
            executions(&[&worker], &format!("token-lost-{i}-end")),
            1,
            "message {i} ran once"
        );
    }
    let resends = metric(&front, "starlane_mesh_resends_total");
    let duplicates = metric(&worker, "starlane_mesh_duplicates_suppressed_total");
    assert!(resends >= 2 * n as u64, "{resends} resends");
    assert!(duplicates >= 2 * n as u64, "{duplicates} duplicates");
    assert_eq!(metric(&worker, "starlane_mesh_executed_total"), n as u64);
    // The outcome is visible in the logs: message id, attempt, dedupe outcome.
    let logs = worker.logs();
    assert!(
        logs.contains("\"dedupe\":\"done\"") || logs.contains("\"dedupe\":\"running\""),
        "{logs}"
    );
    assert!(logs.contains("\"attempt\":3"), "{logs}");

    // Messages lost on the way in run once too, on the attempt that arrives.
    assert!(worker.stop().success());
    let worker = host(
        &nats,
        &worker_project("lost-w2"),
        "w2",
        &[("STARLANE_MESH_FAULTS", "drop-in=2")],
    );
    wait_for_hosts(&front, &["w2"]);
    let answer = post(&front.url("/work"), b"token-in-1-end");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(executions(&[&worker], "token-in-1-end"), 1);
}

/// Logs the request, then answers with it — or, for a request over 3,000 bytes, spins until
/// its `exec` limit stops it: a mechtron that is quick until it is not.
fn quick_until_big() -> String {
    recording_echo_after(
        "(if (i32.gt_u (local.get $msg_len) (i32.const 3000)) (then (loop $spin (br $spin))))",
    )
}

/// A quick mechtron's messages run on the async worker that received them, one at a time; one
/// that turns slow holds that worker once, while the host goes on serving, and never runs
/// there again.
#[test]
fn a_quick_mechtron_runs_in_place_until_it_turns_slow() {
    let nats = Nats::start();
    // The spin is cut off after 4 s of running: long enough to serve the quick ones beside it.
    let bind = "Bind(version=1.1.0) {\n  Port work { timeout: exec 4s, total 5s; }\n  \
                Route<Ext<Work>> -> ((work)) => &;\n}\n";
    // Quick is under 200 ms here, so a loaded machine still counts every echo as quick.
    let toml = format!("{QUICK}in_place_under = \"200ms\"\n");
    let (worker, front) = worker_and_front(
        &nats,
        &project("inplace-w", "worker", bind, &quick_until_big(), &toml),
        &[],
        "inplace-f",
    );
    let quick = |token: &str| {
        let answer = post(&front.url("/work"), token.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.body.contains(token), "{}", answer.body);
    };
    for i in 0..12 {
        quick(&format!("token-quick-{i}-end"));
    }
    // The first eight earn the streak; the four after them run in place.
    let in_place = metric(&worker, "starlane_mesh_in_place_total");
    if in_place == 0 {
        // A host with one async worker never runs a message in place.
        assert_eq!(
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            1,
            "no message ran in place after 12 quick ones"
        );
        return;
    }
    std::thread::scope(|s| {
        let url = front.url("/work");
        let spinning =
            s.spawn(move || post(&url, format!("token-spin-{}", "x".repeat(4000)).as_bytes()));
        let deadline = Instant::now() + Duration::from_secs(15);
        while executions(&[&worker], "token-spin-") == 0 {
            assert!(Instant::now() < deadline, "the spinning message never ran");
            std::thread::sleep(Duration::from_millis(10));
        }
        // While it holds one worker, the host serves messages, its admin listener and its
        // heartbeats on the other.
        for i in 0..5 {
            quick(&format!("token-during-{i}-end"));
        }
        assert_eq!(worker.admin_get("/status").status, 200);
        assert!(
            !spinning.is_finished(),
            "the spinning message ended before the quick ones were served"
        );
        let answer = spinning.join().unwrap();
        assert_ne!(answer.status, 200, "{}", answer.body);
    });
    // The spinning message ran in place (the only one then), the quick ones beside it did not,
    // and the mechtron never runs in place again.
    assert_eq!(
        metric(&worker, "starlane_mesh_in_place_total"),
        in_place + 1
    );
    for i in 0..12 {
        quick(&format!("token-after-{i}-end"));
    }
    assert_eq!(
        metric(&worker, "starlane_mesh_in_place_total"),
        in_place + 1
    );
    assert_eq!(executions(&[&worker], "token-spin-"), 1);
}

#[test]
fn a_message_no_host_acknowledges_ends_in_a_typed_timeout_and_never_runs() {
    let nats = Nats::start();
    let (worker, front) = worker_and_front(
        &nats,
        &worker_project("timeout-w"),
        &[("STARLANE_MESH_FAULTS", "drop-in=100")],
        "timeout-f",
    );
    let answer = post(&front.url("/work"), b"token-never");
    assert_eq!(answer.status, 504, "{}", answer.body);
    assert_eq!(answer.headers["x-starlane-error"], "E0231");
    let error = &answer.json()["error"];
    assert_eq!(error["stage"], "deliver");
    assert_eq!(error["fault"], "system");
    assert_eq!(error["details"]["host"], "w1");
    assert_eq!(error["details"]["attempts"], 4, "1 + 3 retries: {error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("once or not at all"),
        "{error}"
    );
    assert_eq!(executions(&[&worker], "token-never"), 0);
    assert_eq!(metric(&front, "starlane_mesh_timeouts_total"), 1);
    assert_eq!(metric(&front, "starlane_mesh_resends_total"), 3);
}

/// A `call` entry's own `ack` and `retries` win over `[mesh]` for that call.
#[test]
fn a_call_entry_sets_its_own_ack_wait_and_retries() {
    let nats = Nats::start();
    let _worker = host(
        &nats,
        &worker_project("own-w"),
        "w1",
        &[("STARLANE_MESH_FAULTS", "drop-in=100")],
    );
    let bind = FRONT_BIND.replace(
        "call localhost:worker:**^Ext<Work>;\n  }\n  Port snoop",
        "call localhost:worker:**^Ext<Work> ack 50ms retries 1;\n  }\n  Port snoop",
    );
    assert_ne!(bind, FRONT_BIND);
    let front = host(
        &nats,
        &project(
            "own-f",
            "front",
            &bind,
            &calling_guest("localhost:worker:jobs", "Ext<Work>"),
            QUICK,
        ),
        "front",
        &[],
    );
    wait_for_hosts(&front, &["w1"]);
    let answer = support::get(&front.url("/call"));
    // The guest hears the typed error; the call was sent twice (`retries 1`), not 4 times.
    assert!(answer.body.starts_with("DENIED:"), "{}", answer.body);
    assert!(answer.body.contains("E0231"), "{}", answer.body);
    assert!(answer.body.contains("after 2 attempts"), "{}", answer.body);
    assert_eq!(metric(&front, "starlane_mesh_resends_total"), 1);
}

#[test]
fn a_host_killed_under_traffic_loses_nothing_and_runs_nothing_twice() {
    let nats = Nats::start();
    let w1 = host(&nats, &worker_project("kill-w1"), "w1", &[]);
    let w2 = host(&nats, &worker_project("kill-w2"), "w2", &[]);
    let front = host(&nats, &front_project("kill-f"), "front", &[]);
    wait_for_hosts(&front, &["w1", "w2"]);

    let total = 400;
    let next = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(std::sync::Mutex::new(HashMap::<usize, Answer>::new()));
    let url = front.url("/work");
    let w1 = Arc::new(std::sync::Mutex::new(Some(w1)));
    let (killed_tx, killed_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (next, outcomes, url) = (next.clone(), outcomes.clone(), url.clone());
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let answer = post(&url, format!("token-kill-{i}-end").as_bytes());
                    outcomes.lock().unwrap().insert(i, answer);
                }
            });
        }
        // Kill w1 (SIGKILL: no goodbye) once a quarter of the traffic is answered.
        let (outcomes, w1) = (outcomes.clone(), w1.clone());
        s.spawn(move || {
            while outcomes.lock().unwrap().len() < total / 4 {
                std::thread::sleep(Duration::from_millis(5));
            }
            let mut guard = w1.lock().unwrap();
            let server = guard.as_mut().unwrap();
            unsafe {
                libc::kill(server.child.id() as i32, libc::SIGKILL);
            }
            let _ = server.child.wait();
            killed_tx.send(()).unwrap();
        });
    });
    killed_rx.recv().unwrap();
    let outcomes = outcomes.lock().unwrap();
    let w1 = w1.lock().unwrap().take().unwrap();
    let (mut answered, mut timed_out, mut twice, mut other) = (0, 0, 0, Vec::new());
    for i in 0..total {
        let token = format!("token-kill-{i}-end");
        let runs = executions(&[&w1, &w2], &token);
        if runs > 1 {
            twice += 1;
        }
        match outcomes.get(&i) {
            Some(a) if a.status == 200 && a.body.contains(&token) => {
                answered += 1;
                assert_eq!(runs, 1, "message {i} answered, so it ran once");
            }
            Some(a) if a.status == 504 && a.body.contains("E0231") => timed_out += 1,
            Some(a) => other.push(format!("{i}: {} {}", a.status, a.body)),
            None => other.push(format!("{i}: no answer")),
        }
    }
    let lost = total - answered - timed_out - other.len();
    println!(
        "SIGKILL under traffic: sent {total}, answered {answered}, timed out {timed_out}, executed twice {twice}, lost {lost}, other {}",
        other.len()
    );
    assert_eq!(twice, 0, "no message ran twice");
    assert_eq!(lost, 0);
    assert!(
        other.is_empty(),
        "every answer is the real one or E0231: {other:?}"
    );
    assert!(
        answered > total / 2,
        "the replica took over: {answered} answered"
    );
}

#[test]
fn hosts_reconnect_after_nats_restarts() {
    let mut nats = Nats::start();
    let (worker, front) = worker_and_front(&nats, &worker_project("restart-w"), &[], "restart-f");
    assert_eq!(post(&front.url("/work"), b"token-r-0").status, 200);
    nats.restart();
    // No restart of the hosts: they reconnect, re-subscribe and heartbeat again.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut i = 0;
    loop {
        i += 1;
        let answer = post(&front.url("/work"), format!("token-r-{i}").as_bytes());
        if answer.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not served 20 s after NATS came back: {} {}",
            answer.status,
            answer.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(metric(&front, "starlane_mesh_reconnects_total") >= 1);
    // With NATS gone, a host still stops on SIGTERM (its goodbye cannot be sent; it says so).
    nats.kill();
    assert!(worker.stop().success());
}

#[test]
fn a_host_that_leaves_drains_its_messages_and_is_no_longer_routed_to() {
    let nats = Nats::start();
    let slow = |tag| project(tag, "worker", WORKER_BIND, &slow_echo(), QUICK);
    let w1 = host(&nats, &slow("leave-w1"), "w1", &[]);
    let w2 = host(&nats, &slow("leave-w2"), "w2", &[]);
    let front = host(&nats, &front_project("leave-f"), "front", &[]);
    wait_for_hosts(&front, &["w1", "w2"]);
    let url = front.url("/work");
    let answers = std::thread::scope(|s| {
        let sent: Vec<_> = (0..6)
            .map(|i| {
                let url = url.clone();
                s.spawn(move || post(&url, format!("token-drain-{i}-end").as_bytes()))
            })
            .collect();
        // SIGTERM w1 while a message of the front is running there.
        let deadline = Instant::now() + Duration::from_secs(20);
        while executions(&[&w1], "token-drain-") == 0 {
            assert!(Instant::now() < deadline, "w1 ran nothing");
            std::thread::sleep(Duration::from_millis(5));
        }
        unsafe {
            libc::kill(w1.child.id() as i32, libc::SIGTERM);
        }
        sent.into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a.status, 200, "message {i}: {}", a.body);
        assert_eq!(
            executions(&[&w1, &w2], &format!("token-drain-{i}-end")),
            1,
            "message {i}"
        );
    }
    // Slow answers were acked first (within a quarter of the ack timeout), then answered.
    assert!(metric(&front, "starlane_mesh_acks_total") >= 1);
    let status = w1.stop();
    assert!(status.success(), "{status:?}");
    // It said it was leaving (not merely gone silent), and nothing new is routed to it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !front.logs().contains("mesh host is leaving") {
        assert!(Instant::now() < deadline, "{}", front.logs());
        std::thread::sleep(Duration::from_millis(10));
    }
    for i in 0..4 {
        let token = format!("token-after-{i}-end");
        let answer = post(&front.url("/work"), token.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(executions(&[&w2], &token), 1);
    }
}

/// TLS as NATS offers it: a server that verifies clients (`verify: true`) admits hosts that
/// present a certificate of its authority, and refuses a host without one.
#[test]
fn hosts_join_over_tls_with_client_certificates() {
    let tls = Tls::make("mesh");
    let nats = Nats::start_tls(&tls);
    let tls_host = |name: &str, with_cert: bool| {
        let mut args: Vec<String> = [
            "--no-cache",
            "--mesh",
            &nats.url(),
            "--host",
            name,
            "--mesh-user",
            nats::MESH_USER,
            "--mesh-ca",
            tls.ca.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        if with_cert {
            args.extend([
                "--mesh-cert".into(),
                tls.client_cert.display().to_string(),
                "--mesh-key".into(),
                tls.client_key.display().to_string(),
            ]);
        }
        args
    };
    // Without a client certificate the server refuses the host, which says so and exits.
    let refused = Command::new(binary())
        .env("STARLANE_MESH_PASSWORD", nats::MESH_PASSWORD)
        .arg("run")
        .arg(worker_project("tls-refused"))
        .args(["--http", "127.0.0.1:0"])
        .args(tls_host("w0", false))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && err.contains("cannot join the mesh"),
        "{err}"
    );
    let spawn = |dir: PathBuf, name: &str| {
        let mut cmd = Command::new(binary());
        cmd.env("STARLANE_MESH_PASSWORD", nats::MESH_PASSWORD)
            .env("STARLANE_LOG", "info,starlane=debug");
        let args = tls_host(name, true);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Server::spawn(cmd, &dir, &args)
    };
    let worker = spawn(worker_project("tls-w"), "w1");
    let front = spawn(front_project("tls-f"), "front");
    wait_for_hosts(&front, &["w1"]);
    let answer = post(&front.url("/work"), b"token-tls");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(executions(&[&worker], "token-tls"), 1);
}

/// A NATS credentials file is a secret (refused if others can read it) and must hold a user JWT
/// and seed; what is wrong with it is said before joining.
#[test]
fn a_credentials_file_must_be_private_and_well_formed() {
    use std::os::unix::fs::PermissionsExt;
    let nats = Nats::start();
    let dir = worker_project("creds");
    let creds = dir.join("host.creds");
    std::fs::write(&creds, "not a credentials file\n").unwrap();
    let run = || {
        Command::new(binary())
            .arg("run")
            .arg(&dir)
            .args(["--http", "127.0.0.1:0", "--no-cache", "--mesh", &nats.url()])
            .args(["--host", "w1", "--mesh-creds"])
            .arg(&creds)
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("the NATS credentials do not read"),
        "{err}"
    );
}

/// An HTTP request that enters a host whose bundle receives no HTTP is served by a host whose
/// bundle does: its routes, its limits, and the reply (or typed error) back through the first.
#[test]
fn http_entering_a_host_without_an_http_mechtron_is_served_where_there_is_one() {
    let nats = Nats::start();
    let worker_dir = project_with(
        "fwd-w",
        "worker",
        WORKER_BIND,
        &recording_echo(),
        QUICK,
        false,
    );
    let worker = host(&nats, &worker_dir, "w1", &[]);
    let front = host(&nats, &front_project("fwd-f"), "front", &[]);
    wait_for_hosts(&worker, &["front"]);
    wait_for_hosts(&front, &["w1"]);
    // Into the worker's host; the front's route forwards it back to the worker's mechtron.
    let answer = post(&worker.url("/work"), b"token-fwd");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("token-fwd"), "{}", answer.body);
    assert_eq!(executions(&[&worker], "token-fwd"), 1);
    // The front's bind decides: a path it does not route is its 404.
    let none = support::get(&worker.url("/nowhere"));
    assert_eq!(none.status, 404, "{}", none.body);
    assert!(none.body.contains("E0201"), "{}", none.body);
}

/// A host may join with an nkey instead of a password; its seed file must be private.
#[test]
fn a_host_joins_with_an_nkey() {
    let nats = Nats::start();
    let dir = worker_project("nkey-w");
    let seed = dir.join("host.nk");
    std::fs::write(&seed, format!("{}\n", nats.nkey_seed)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = |seed: &Path| {
        let mut cmd = Command::new(binary());
        cmd.args(["run"])
            .arg(&dir)
            .args(["--http", "127.0.0.1:0", "--no-cache", "--mesh", &nats.url()])
            .args(["--host", "w1", "--mesh-nkey"])
            .arg(seed);
        cmd
    };
    let out = args(&seed).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o600)).unwrap();
    let worker = Server::spawn(
        {
            let mut cmd = Command::new(binary());
            cmd.env("STARLANE_LOG", "info,starlane=debug");
            cmd
        },
        &dir,
        &[
            "--no-cache",
            "--mesh",
            &nats.url(),
            "--host",
            "w1",
            "--mesh-nkey",
            seed.to_str().unwrap(),
        ],
    );
    let front = host(&nats, &front_project("nkey-f"), "front", &[]);
    wait_for_hosts(&front, &["w1"]);
    let answer = post(&front.url("/work"), b"token-nkey");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(executions(&[&worker], "token-nkey"), 1);
}

/// NATS authenticates the hosts: an anonymous client cannot connect, and a NATS user without
/// the mesh's subjects cannot publish a message to a host.
#[test]
fn only_mesh_members_can_invoke_a_mechtron() {
    let nats = Nats::start();
    let worker = host(&nats, &worker_project("auth-w"), "w1", &[]);
    // A host without the password cannot join.
    let out = Command::new(binary())
        .args(["run"])
        .arg(worker_project("auth-x"))
        .args([
            "--http",
            "127.0.0.1:0",
            "--no-cache",
            "--mesh",
            &nats.url(),
            "--host",
            "intruder",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot join the mesh"), "{err}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(
            async_nats::connect(nats.url()).await.is_err(),
            "anonymous clients are refused"
        );
        // The server answers a publish it refuses with an error: waited for below, so the test
        // knows the message was turned away rather than merely not seen yet.
        let (errors_tx, mut server_errors) = tokio::sync::mpsc::unbounded_channel();
        let visitor = async_nats::ConnectOptions::with_user_and_password(
            nats::VISITOR.into(),
            nats::VISITOR_PASSWORD.into(),
        )
        .event_callback(move |event| {
            let errors_tx = errors_tx.clone();
            async move {
                if let async_nats::Event::ServerError(error) = event {
                    let _ = errors_tx.send(error.to_string());
                }
            }
        })
        .connect(nats.url())
        .await
        .unwrap();
        let envelope = starlane_runtime::mesh::wire::Envelope {
            id: [9; 16],
            attempt: 1,
            from: "visitor".into(),
            to: "worker".into(),
            method: starlane_ir::Method::parse("Ext<Work>").unwrap(),
            path: "/".into(),
            headers: vec![],
            body: b"token-visitor".to_vec(),
            caller: None,
            outside: false,
            remaining_ms: 1000,
            depth: 0,
        };
        let _ = visitor
            .publish_with_reply(
                "starlane.host.w1.deliver",
                "_INBOX.visitor",
                starlane_runtime::mesh::wire::encode(&envelope).into(),
            )
            .await;
        let _ = visitor.flush().await;
        let refused = tokio::time::timeout(Duration::from_secs(10), server_errors.recv())
            .await
            .expect("NATS answers a publish it refuses")
            .expect("the visitor's connection is open");
        assert!(
            refused.to_lowercase().contains("permissions violation")
                && refused.contains("starlane.host.w1.deliver"),
            "{refused}"
        );
    });
    assert_eq!(executions(&[&worker], "token-visitor"), 0);
    assert_eq!(metric(&worker, "starlane_mesh_received_total"), 0);
}

/// The README's mesh example, run as a user runs it: `examples/mesh/run.sh` starts NATS, the
/// ledger host and three shop hosts; every shop answers with the ledger's balance.
#[test]
fn the_mesh_example_runs_four_hosts() {
    // Ports below the ephemeral range, all free when chosen.
    let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
    let base = (0..200)
        .map(|k| 10000 + ((std::process::id() as u16 % 100) + k * 97) % 20000)
        .find(|&b| [1, 2, 3, 10, 101, 102, 103].iter().all(|&d| free(b + d)))
        .expect("free ports for the example");
    let nats_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut script = Command::new(support::repo().join("examples/mesh/run.sh"))
        .env("STARLANE", binary())
        .env("PORT_BASE", base.to_string())
        .env("NATS_PORT", nats_port.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(script.stdout.take().unwrap()));
    let ready = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(ready.starts_with("mesh example ready"), "{ready:?}");
    for i in 1..=3 {
        let answer = support::get(&format!("http://127.0.0.1:{}/balance", base + i));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["balance"], 42, "{}", answer.body);
    }
    unsafe {
        libc::kill(script.id() as i32, libc::SIGTERM);
    }
    assert!(script.wait().unwrap().success());
    // Every host it started is gone with it.
    assert!(std::net::TcpStream::connect(("127.0.0.1", base + 1)).is_err());
}
