//! Hot reload from the outside (`specs/runtime.md` §9): `starlane deploy` and `run DIR --watch`
//! replace the bundle while requests keep flowing — none dropped — and a bundle that does not
//! decode, verify or build leaves the old one serving.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{Server, copy_dir, eventually, get, hello, scratch_dir, starlane_in};

/// A copy of the hello example whose hello guest (built from its WAT) answers `word`
/// (five letters, the length the guest's code assumes).
fn hello_saying(dir: &Path, word: &str) {
    assert_eq!(word.len(), 5);
    copy_dir(&hello(), dir);
    let wat = std::fs::read_to_string(dir.join("guests/hello.wat")).unwrap();
    std::fs::write(
        dir.join("guests/hello.wat"),
        wat.replace("\"hello\")", &format!("\"{word}\")")),
    )
    .unwrap();
    let app = std::fs::read_to_string(dir.join("hello.app")).unwrap();
    std::fs::write(
        dir.join("hello.app"),
        app.replace("/wasm/hello.wasm", "/guests/hello.wat"),
    )
    .unwrap();
}

/// `starlane build PROJECT -o OUT`, run in `out`'s directory (where the test's keys are).
fn build(project: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "build",
        project.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = starlane_in(out.parent().unwrap(), &args);
    assert_eq!(code, 0, "{err}");
}

fn deploy(server: &Server, dir: &Path, bundle: &Path, extra: &[&str]) -> (i32, String, String) {
    let admin = server.admin.to_string();
    let token = server.admin_token.clone().unwrap();
    let mut args = vec![
        "deploy",
        bundle.to_str().unwrap(),
        "--admin",
        &admin,
        "--admin-token",
        &token,
    ];
    args.extend_from_slice(extra);
    starlane_in(dir, &args)
}

fn status(server: &Server) -> serde_json::Value {
    let answer = server.admin_get("/status");
    assert_eq!(answer.status, 200);
    serde_json::from_str(&answer.body).unwrap()
}

/// Clients that keep asking `/hello` until told to stop; every answer is recorded.
struct Load {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<(u16, String)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(url: String, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..clients)
            .map(|_| {
                let (stop, answers, url) = (stop.clone(), answers.clone(), url.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let a = get(&url);
                        let body = a.body.clone();
                        answers.lock().unwrap().push((a.status, body));
                    }
                })
            })
            .collect();
        Load {
            stop,
            answers,
            threads,
        }
    }

    /// Waits until at least `n` answers say `body`.
    fn wait_for(&self, n: usize, body: &str) {
        eventually(&format!("{n} answers saying {body:?}"), || {
            let answers = self.answers.lock().unwrap();
            answers.iter().filter(|(_, b)| b == body).count() >= n
        });
    }

    fn finish(self) -> Vec<(u16, String)> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().unwrap();
        }
        std::mem::take(&mut *self.answers.lock().unwrap())
    }
}

#[test]
fn deploy_switches_bundles_under_load_without_dropping_a_request() {
    let dir = scratch_dir("reload-deploy");
    let (v1, v2) = (dir.join("v1"), dir.join("v2"));
    hello_saying(&v1, "hello");
    hello_saying(&v2, "hallo");
    build(&v1, &dir.join("v1.bundle"), &[]);
    build(&v2, &dir.join("v2.bundle"), &[]);
    let server = Server::start(&dir.join("v1.bundle"), &["--bind", "hello=localhost:hello"]);
    let before = status(&server);
    assert_eq!(get(&server.url("/hello")).body, "hello");

    let load = Load::start(server.url("/hello"), 4);
    load.wait_for(20, "hello");
    let started = Instant::now();
    let (code, out, err) = deploy(&server, &dir, &dir.join("v2.bundle"), &[]);
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    // The profiles guest did not change: kept compiled; the hello guest is new.
    assert!(out.contains("1 module(s) kept compiled, 1 loaded"), "{out}");
    load.wait_for(20, "hallo");
    let answers = load.finish();

    let failed: Vec<_> = answers.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "dropped or failed during the reload: {failed:?}"
    );
    let old = answers.iter().filter(|(_, b)| b == "hello").count();
    let new = answers.iter().filter(|(_, b)| b == "hallo").count();
    assert_eq!(old + new, answers.len(), "only the two versions answer");
    assert!(old > 0 && new > 0, "old {old}, new {new}");
    eprintln!(
        "{} requests from 4 clients around a reload (deploy took {took:?}): {old} old, {new} new, 0 failed",
        answers.len()
    );
    // Once switched, every request goes to the new bundle.
    let last_old = answers.iter().rposition(|(_, b)| b == "hello").unwrap();
    let first_new = answers.iter().position(|(_, b)| b == "hallo").unwrap();
    assert!(
        answers[first_new..]
            .iter()
            .filter(|(_, b)| b == "hello")
            .count()
            <= 4,
        "at most one in-flight request per client finishes on the old bundle (old at {last_old}, new from {first_new})"
    );
    assert_eq!(get(&server.url("/hello")).body, "hallo");

    let after = status(&server);
    assert_ne!(after["bundle_sha256"], before["bundle_sha256"]);
    assert_eq!(after["reloads"], 1);
    assert_eq!(after["failed_reloads"], 0);
    assert!(after["loaded_at"].as_str().unwrap().ends_with('Z'));
    let kept: Vec<_> = after["mechtrons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["module_origin"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(kept.contains(&("profiles", "kept")), "{kept:?}");
    let metrics = server.admin_get("/metrics").body;
    assert!(metrics.contains("starlane_reloads_total 1"), "{metrics}");
    // Counters carried over the reload: requests of both bundles are counted together.
    let counted: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("starlane_requests_total{mechtron=\"hello\",status=\"200\"}"))
        .filter_map(|l| l.rsplit(" ").next()?.parse::<u64>().ok())
        .sum();
    assert!(
        counted as usize >= answers.len(),
        "{counted} < {}",
        answers.len()
    );
}

#[test]
fn a_bundle_that_does_not_decode_or_verify_leaves_the_old_one_serving() {
    let dir = scratch_dir("reload-refused");
    let (code, public, _) = starlane_in(&dir, &["key", "new", "-o", "ops.key"]);
    assert_eq!(code, 0);
    let public = public.trim().to_string();
    let v2 = dir.join("v2");
    hello_saying(&v2, "hallo");
    build(&hello(), &dir.join("v1.bundle"), &["--sign", "ops.key"]);
    build(&v2, &dir.join("v2.bundle"), &[]);
    let server = Server::start(
        &dir.join("v1.bundle"),
        &["--trust", &public, "--bind", "hello=localhost:hello"],
    );

    std::fs::write(dir.join("junk.bundle"), b"not a bundle").unwrap();
    let (code, _, err) = deploy(&server, &dir, &dir.join("junk.bundle"), &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("E0232") && err.contains("not a Starlane bundle"),
        "{err}"
    );
    assert!(err.contains("\"stage\": \"decode\""), "{err}");

    let (code, _, err) = deploy(&server, &dir, &dir.join("v2.bundle"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("the bundle is not signed"), "{err}");
    assert_eq!(
        get(&server.url("/hello")).body,
        "hello",
        "the old bundle serves"
    );

    // Signed by the trusted key on the way (`deploy --sign`): accepted.
    let (code, out, err) = deploy(
        &server,
        &dir,
        &dir.join("v2.bundle"),
        &["--sign", "ops.key"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(get(&server.url("/hello")).body, "hallo");
    let s = status(&server);
    assert_eq!(
        (s["reloads"].as_u64(), s["failed_reloads"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(s["signed_by"], public.as_str());
    let metrics = server.admin_get("/metrics").body;
    assert!(
        metrics.contains("starlane_reloads_failed_total 2"),
        "{metrics}"
    );

    // The endpoint is the admin listener's: no token, no reload.
    let answer = support::request(
        "PUT",
        &format!("http://{}/bundle", server.admin),
        &[("content-type", "application/octet-stream")],
        std::fs::read(dir.join("v2.bundle")).unwrap(),
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn run_watch_rebuilds_on_change_and_keeps_serving_through_a_broken_edit() {
    let dir = scratch_dir("reload-watch");
    let project: PathBuf = dir.join("app");
    hello_saying(&project, "hello");
    let server = Server::start(&project, &["--watch"]);
    assert_eq!(get(&server.url("/hello")).body, "hello");

    let wat = project.join("guests/hello.wat");
    let text = std::fs::read_to_string(&wat).unwrap();
    std::fs::write(&wat, text.replace("\"hello\")", "\"howdy\")")).unwrap();
    eventually("the rebuilt guest", || {
        get(&server.url("/hello")).body == "howdy"
    });

    // A bind that does not parse: diagnostics in the log, the last good bundle keeps serving.
    let bind = project.join("bind/hello.bind");
    let good = std::fs::read_to_string(&bind).unwrap();
    std::fs::write(&bind, good.replace("Route<Http>", "Route<Http")).unwrap();
    eventually("the failed rebuild", || {
        server.logs().contains("does not build")
    });
    assert_eq!(get(&server.url("/hello")).body, "howdy");
    assert_eq!(status(&server)["reloads"], 1);

    std::fs::write(&bind, &good).unwrap();
    std::fs::write(&wat, text.replace("\"hello\")", "\"again\")")).unwrap();
    eventually("the repaired project", || {
        get(&server.url("/hello")).body == "again"
    });
}

#[test]
fn run_watch_with_a_signing_key_serves_signed_rebuilds_to_a_trusting_host() {
    let dir = scratch_dir("reload-watch-signed");
    let project: PathBuf = dir.join("app");
    hello_saying(&project, "hello");
    let key = dir.join("ops.key");
    let (code, public, _) = starlane_in(&dir, &["key", "new", "-o", "ops.key"]);
    assert_eq!(code, 0);
    let public = public.trim().to_string();
    let key = key.to_str().unwrap();
    // Without the key, a trusting host refuses the unsigned build it made itself.
    let (code, _, err) = starlane_in(
        &dir,
        &[
            "run",
            "app",
            "--trust",
            &public,
            "--watch",
            "--http",
            "127.0.0.1:0",
        ],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("unsigned") || err.contains("not signed"),
        "{err}"
    );

    let server = Server::start(&project, &["--watch", "--sign", key, "--trust", &public]);
    assert_eq!(get(&server.url("/hello")).body, "hello");
    let wat = project.join("guests/hello.wat");
    let text = std::fs::read_to_string(&wat).unwrap();
    std::fs::write(&wat, text.replace("\"hello\")", "\"hiyah\")")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&server.url("/hello")).body != "hiyah" {
        assert!(Instant::now() < deadline, "no rebuild: {}", server.logs());
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = status(&server);
    assert_eq!(s["signed_by"], public.as_str());
    assert_eq!(s["failed_reloads"], 0);
}
