//! The hostile-guest suite: every misbehaviour in `design/abi.md` is contained with the right
//! typed error, while good traffic running at the same time is served 100%. Runaway loops are
//! tested both ways: with fuel (deterministic) and with epochs (wall clock, loose bounds).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use starlane_runtime::codes::{self, ErrorCode};
use starlane_runtime::engine::ExecClock;
use starlane_runtime::{MechtronState, Message, Runtime};
use support::*;

/// Every hostile mechtron runs behind a port with tight limits.
const HOSTILE_BIND: &str = r#"Bind(version=1.1.0) {
  limits { memory 1MiB; payload 64KiB; }
  Port run { timeout: exec 100ms, total 2s; }
  Route<Http<Get>> -> ((run)) => &;
}
"#;

const GOOD_BIND: &str = "Bind(version=1.1.0) {\n  Route<Http<Get>> -> (( )) => &;\n}\n";

/// (mechtron, guest, the error it must produce)
fn runtime_cases() -> Vec<(&'static str, String, ErrorCode)> {
    vec![
        ("looper", hostile::infinite_loop(), codes::EXEC_TIMEOUT),
        ("panicker", hostile::unreachable(), codes::GUEST_TRAP),
        ("bomber", hostile::memory_grow_bomb(), codes::MEMORY_LIMIT),
        ("recurser", hostile::deep_recursion(), codes::GUEST_TRAP),
        (
            "pointer",
            hostile::out_of_bounds_pointer(),
            codes::GUEST_BROKE_ABI,
        ),
        ("huge", hostile::huge_length(), codes::GUEST_BROKE_ABI),
        (
            "silent",
            hostile::ok_without_response(),
            codes::GUEST_BROKE_ABI,
        ),
        ("unknown-op", hostile::unknown_op(), codes::GUEST_ERROR),
    ]
}

fn hostile_runtime(clock: ExecClock) -> Arc<Runtime> {
    let cases = runtime_cases();
    let good = constant("fine");
    let mut mechtrons = vec![mechtron("good", GOOD_BIND, &good)];
    mechtrons.extend(
        cases
            .iter()
            .map(|(name, wat, _)| mechtron(name, HOSTILE_BIND, wat)),
    );
    mechtrons.push(mechtron(
        "thief",
        HOSTILE_BIND,
        &hostile::undeclared_host_call(),
    ));
    mechtrons.push(mechtron("victim", GOOD_BIND, &constant("secret")));
    // Two modules `starlane build` would refuse: swapped in after the build, as a tampered or
    // hand-made bundle would have them.
    mechtrons.push(mechtron("foreign", GOOD_BIND, &good));
    mechtrons.push(mechtron("memoryless", GOOD_BIND, &good));
    let mut bundle = build(&mechtrons, &[]);
    for (name, wat) in [
        ("foreign", hostile::foreign_import()),
        ("memoryless", hostile::missing_memory()),
    ] {
        let m = bundle.mechtrons.iter().find(|m| m.name == name).unwrap();
        let module = &mut bundle.modules[m.module.unwrap() as usize];
        module.bytes = wat::parse_str(&wat).unwrap();
        module.sha256 = Sha256::digest(&module.bytes).into();
    }
    load(bundle, options(clock))
}

fn get() -> Message {
    Message::new(
        starlane_ir::Method::parse("Http<Get>").unwrap(),
        "/",
        Vec::new(),
    )
}

fn check_case(rt: &Arc<Runtime>, name: &str, want: ErrorCode) -> Duration {
    let i = rt.mechtron_named(name).unwrap();
    let started = Instant::now();
    let e = rt.serve(i, get()).expect_err(name);
    let took = started.elapsed();
    assert_eq!(e.code, want, "{name}: {e}");
    assert_eq!(e.mechtron.as_deref(), Some(name));
    assert_eq!(e.port.as_deref(), Some("run"), "{name}: the port is named");
    assert!(
        e.bind
            .as_deref()
            .is_some_and(|b| b.starts_with(&format!("bind/{name}.bind:"))),
        "{name}: {:?}",
        e.bind
    );
    took
}

#[test]
fn each_misbehaviour_gets_its_typed_error_while_good_traffic_is_served() {
    let rt = hostile_runtime(ExecClock::Epoch);
    assert_eq!(rt.mechtrons()[0].state(), MechtronState::Ready);
    let good = rt.mechtron_named("good").unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let served = Arc::new(Mutex::new((0usize, 0usize)));
    // Good traffic on two threads for as long as the hostile guests run.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (rt, stop, served) = (rt.clone(), stop.clone(), served.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let ok = rt.serve(good, get()).is_ok_and(|r| r.body == b"fine");
                    let mut s = served.lock().unwrap();
                    s.0 += 1;
                    s.1 += usize::from(ok);
                }
            })
        })
        .collect();
    // The hostile guests, all at once.
    let hostile: Vec<_> = runtime_cases()
        .into_iter()
        .map(|(name, _, want)| {
            let rt = rt.clone();
            std::thread::Builder::new()
                .stack_size(starlane_runtime::GUEST_THREAD_STACK)
                .spawn(move || {
                    check_case(&rt, name, want);
                })
                .unwrap()
        })
        .collect();
    // The misbehaviours contained elsewhere, at the same time: the undeclared call is denied
    // to the guest (which answers with the denial), the refused modules are not Ready.
    let contained: Vec<_> = ["thief", "foreign", "memoryless"]
        .into_iter()
        .map(|name| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    match name {
                        "thief" => assert_denied(&rt),
                        _ => assert_refused(&rt, name),
                    }
                }
            })
        })
        .collect();
    for h in hostile.into_iter().chain(contained) {
        h.join().expect("a hostile case failed");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let (total, ok) = *served.lock().unwrap();
    assert!(total > 0);
    assert_eq!(
        ok, total,
        "good traffic must be served 100% ({ok} of {total})"
    );
    // And every hostile mechtron is still Ready: a fresh instance per message.
    for (name, _, want) in runtime_cases() {
        assert_eq!(
            rt.mechtrons()[rt.mechtron_named(name).unwrap()].state(),
            MechtronState::Ready
        );
        check_case(&rt, name, want);
    }
}

#[test]
fn errors_say_what_happened_in_words() {
    let rt = hostile_runtime(ExecClock::Epoch);
    let err = |name: &str| {
        rt.serve(rt.mechtron_named(name).unwrap(), get())
            .unwrap_err()
    };
    let e = err("panicker");
    assert!(e.message.contains("panicked"), "{}", e.message);
    assert!(
        e.details.contains_key("backtrace"),
        "a wasm backtrace: {:?}",
        e.details
    );
    assert!(err("recurser").message.contains("stack"));
    let e = err("bomber");
    assert!(
        e.message.contains("over the limit of 1048576 bytes"),
        "{}",
        e.message
    );
    let e = err("pointer");
    assert!(
        e.message.contains("out-of-bounds response") && e.message.contains("__guest_response"),
        "{}",
        e.message
    );
    let e = err("huge");
    assert!(
        e.message.contains("over the limit of 65536 bytes"),
        "{}",
        e.message
    );
    assert!(
        err("silent")
            .message
            .contains("without calling `__guest_response`")
    );
    assert!(err("unknown-op").message.contains("No handler registered"));
    let e = err("looper");
    assert!(
        e.message.contains("`exec` budget of 100 ms"),
        "{}",
        e.message
    );
}

#[test]
fn an_undeclared_host_call_is_denied_to_the_guest_and_audited() {
    let rt = hostile_runtime(ExecClock::Epoch);
    let ((), logs) = with_captured_logs(|| assert_denied(&rt));
    assert!(
        logs.contains("starlane::audit")
            && logs.contains("call refused")
            && logs.contains("localhost:victim"),
        "{logs}"
    );
}

#[test]
fn a_host_call_with_a_malformed_operation_is_refused_audited_and_counted() {
    let rt = load(
        build(
            &[
                mechtron(
                    "garbler",
                    HOSTILE_BIND,
                    &caller("", "localhost:victim", "not an op", "{}"),
                ),
                mechtron("victim", GOOD_BIND, &constant("secret")),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    let (reply, logs) = with_captured_logs(|| {
        rt.serve(rt.mechtron_named("garbler").unwrap(), get())
            .unwrap()
    });
    let text = String::from_utf8(reply.body).unwrap();
    assert!(
        text.starts_with("DENIED:") && text.contains("E0224"),
        "{text}"
    );
    assert!(
        logs.contains("starlane::audit")
            && logs.contains("call refused")
            && logs.contains("not an op")
            && logs.contains("E0224"),
        "{logs}"
    );
    let metrics = rt.metrics().render(&[]);
    assert!(
        metrics.contains("starlane_denied_calls_total{mechtron=\"garbler\"} 1")
            && metrics.contains("starlane_errors_total{stage=\"route\",code=\"E0224\"} 1"),
        "{metrics}"
    );
}

/// The thief's call to the victim is denied; the guest is told why and answers with it.
fn assert_denied(rt: &Arc<Runtime>) {
    let reply = rt
        .serve(rt.mechtron_named("thief").unwrap(), get())
        .unwrap();
    let text = String::from_utf8(reply.body).unwrap();
    assert!(
        text.starts_with("DENIED:") && text.contains("E0209"),
        "{text}"
    );
}

/// A module refused at load: Panic with the reason, and messages to it are not served.
fn assert_refused(rt: &Arc<Runtime>, name: &str) {
    let expect = match name {
        "foreign" => "env::print",
        _ => "does not export `memory`",
    };
    match rt.mechtrons()[rt.mechtron_named(name).unwrap()].state() {
        MechtronState::Panic(reason) => {
            assert!(
                reason.contains("E0220") && reason.contains(expect),
                "{name}: {reason}"
            );
        }
        other => panic!("{name}: {other:?}"),
    }
    let e = rt
        .serve(rt.mechtron_named(name).unwrap(), get())
        .unwrap_err();
    assert_eq!(e.code, codes::MECHTRON_NOT_READY);
    assert_eq!(e.status / 100, 5, "not Ready is the system's fault");
}

/// Runs `f` with its log lines captured (at DEBUG), and returns them with its result.
///
/// Every capturing subscriber in this file takes DEBUG: tracing caches each callsite's interest
/// across the subscribers alive at once, so one at INFO running beside the lifecycle test could
/// hide the DEBUG state lines that test reads.
fn with_captured_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || Capture(sink.clone()))
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    (out, text)
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn modules_breaking_the_abi_are_refused_at_load_with_every_problem() {
    let rt = hostile_runtime(ExecClock::Epoch);
    for name in ["foreign", "memoryless"] {
        assert_refused(&rt, name);
    }
    assert_eq!(
        rt.mechtrons()[rt.mechtron_named("good").unwrap()].state(),
        MechtronState::Ready
    );
}

#[test]
fn with_fuel_a_runaway_loop_stops_deterministically() {
    // 10,000 fuel units per ms of `exec` (100 ms) = 1,000,000 units: the loop always ends in
    // the same place, whatever the machine's load.
    let rt = hostile_runtime(ExecClock::Fuel { per_ms: 10_000 });
    for _ in 0..3 {
        let e = rt
            .serve(rt.mechtron_named("looper").unwrap(), get())
            .unwrap_err();
        assert_eq!(e.code, codes::EXEC_TIMEOUT);
        assert_eq!(
            e.message,
            "`run` used up its fuel budget (100 ms of `exec`)"
        );
    }
}

#[test]
fn fuel_budgets_are_exact_around_a_known_amount_of_work() {
    // A guest that counts to 100,000 (a handful of instructions per step) then answers.
    let counter = guest(
        "(local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 100000)))) (call $guest_response (i32.const 0) (i32.const 0)) (i32.const 1)",
        "",
    )
    .replace("(param $msg_len i32) (result i32)", "(param $msg_len i32) (result i32) (local $i i32)")
    .replace("(local $i i32) (loop", "(loop");
    let bind = "Bind(version=1.1.0) {\n  Port run { timeout: exec 1ms, total 2s; }\n  Route<Http<Get>> -> ((run)) => &;\n}\n";
    let outcome = |per_ms: u64| {
        let rt = load(
            build(&[mechtron("c", bind, &counter)], &[]),
            options(ExecClock::Fuel { per_ms }),
        );
        rt.serve(0, get()).map(|_| ()).map_err(|e| e.code)
    };
    // 100,000 iterations need more than 100,000 units and fewer than 1,000,000.
    assert_eq!(outcome(100_000), Err(codes::EXEC_TIMEOUT));
    assert_eq!(outcome(1_000_000), Ok(()));
    assert_eq!(
        outcome(100_000),
        Err(codes::EXEC_TIMEOUT),
        "the same budget, the same outcome"
    );
}

#[test]
fn with_epochs_a_runaway_loop_stops_near_its_exec_budget() {
    let rt = hostile_runtime(ExecClock::Epoch);
    let took = check_case(&rt, "looper", codes::EXEC_TIMEOUT);
    // 100 ms of `exec`: it cannot stop before its budget (a lower bound holds on any machine;
    // how much later a loaded machine stops it is not this test's business — the error code
    // says the exec budget stopped it, and a hang would never return).
    assert!(took >= Duration::from_millis(95), "{took:?}");
}

#[test]
fn a_total_timeout_covers_time_spent_waiting_on_other_mechtrons() {
    // `front` calls `slow`, whose guest loops; `front`'s total (150 ms) runs out first: the
    // nested call gets what remains of it and fails, and `front` hears about it.
    let front_bind = r#"Bind(version=1.1.0) {
  Port run {
    timeout: exec 100ms, total 150ms;
    grant perm +csd-rwX on localhost:slow:**;
    call localhost:slow:**^Ext<Work>;
  }
  Route<Http<Get>> -> ((run)) => &;
}
"#;
    let slow_bind = "Bind(version=1.1.0) {\n  Port work { timeout: exec 5s, total 10s; }\n  Route<Ext<Work>> -> ((work)) => &;\n}\n";
    let rt = load(
        build(
            &[
                mechtron(
                    "front",
                    front_bind,
                    &caller("", "localhost:slow:x", "Ext<Work>", ""),
                ),
                mechtron("slow", slow_bind, &hostile::infinite_loop()),
            ],
            &[],
        ),
        options(ExecClock::Epoch),
    );
    // The code proves which clock stopped it: `E0213` is the caller's `total` (150 ms), not
    // `slow`'s own 5 s `exec` (`E0212`), so the nested call did not outlive the caller's budget.
    let reply = rt.serve(0, get()).unwrap();
    let text = String::from_utf8(reply.body).unwrap();
    assert!(
        text.contains("E0213"),
        "the nested call timed out on the caller's total: {text}"
    );
    assert!(!text.contains("E0212"), "{text}");
}

/// Every mechtron goes Unknown → Creating → Ready (or Panic, with the reason) at load, and
/// Destroyed at shutdown, after which it serves nothing.
#[test]
fn mechtrons_go_through_their_lifecycle() {
    let (rt, logs) = with_captured_logs(|| hostile_runtime(ExecClock::Epoch));
    let transitions = |name: &str| -> Vec<String> {
        logs.lines()
            .filter(|l| l.contains(" state ") && l.contains(&format!("mechtron={name} ")))
            .map(|l| {
                let from = l.split(" from=").nth(1).unwrap().split(' ').next().unwrap();
                let to = l.split(" to=").nth(1).unwrap().split('(').next().unwrap();
                format!("{from}->{}", to.trim())
            })
            .collect()
    };
    assert_eq!(
        transitions("good"),
        ["Unknown->Creating", "Creating->Ready"],
        "{logs}"
    );
    assert_eq!(
        transitions("foreign"),
        ["Unknown->Creating", "Creating->Panic"],
        "{logs}"
    );
    rt.destroy();
    let good = rt.mechtron_named("good").unwrap();
    assert_eq!(rt.mechtrons()[good].state(), MechtronState::Destroyed);
    assert_eq!(
        rt.serve(good, get()).unwrap_err().code,
        codes::MECHTRON_NOT_READY
    );
    let status = rt.status();
    assert!(
        status["mechtrons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "Destroyed"),
        "{status}"
    );
}

/// A guest that answers with what the last message could have left behind — its data segment
/// byte, a byte in its first page and one in its last, its memory size in pages — and then
/// overwrites all of them and grows its memory.
fn snooper() -> String {
    guest(
        r#"(i32.store8 (i32.const 70000) (i32.load8_u (i32.const 60000)))
    (i32.store8 (i32.const 70001) (i32.add (i32.const 48) (i32.load8_u (i32.const 30000))))
    (i32.store8 (i32.const 70002) (i32.add (i32.const 48) (i32.load8_u (i32.const 200000))))
    (i32.store8 (i32.const 70003) (i32.add (i32.const 48) (memory.size)))
    (call $guest_response (i32.const 70000) (i32.const 4))
    (i32.store8 (i32.const 60000) (i32.const 66))
    (i32.store8 (i32.const 30000) (i32.const 1))
    (i32.store8 (i32.const 200000) (i32.const 1))
    (drop (memory.grow (i32.const 1)))
    (i32.const 1)"#,
        r#"(data (i32.const 60000) "A")"#,
    )
}

#[test]
fn no_message_sees_what_the_last_one_left_in_memory() {
    // Pool slots are reused and part of each memory is kept resident between instances
    // (`runtime/src/engine.rs`): whatever the reset strategy, every message starts from the
    // module's own image, inside and beyond the resident part.
    for pooling in [true, false] {
        let mut options = options(ExecClock::Epoch);
        options.engine.pooling = pooling;
        let rt = load(
            build(&[mechtron("snoop", GOOD_BIND, &snooper())], &[]),
            options,
        );
        let i = rt.mechtron_named("snoop").unwrap();
        for n in 0..20 {
            let reply = rt.serve(i, get()).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&reply.body),
                "A004",
                "message {n} (pooling {pooling}) saw another's memory"
            );
        }
    }
}
