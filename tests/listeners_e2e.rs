//! The listeners under abuse, end to end: the real `starlane run`, attacked over real sockets —
//! slow and idle connections, descriptor exhaustion, unfinished uploads, malformed requests —
//! and an admin listener that only its operator can use (`specs/runtime.md` §7.1–7.2).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use support::*;

/// Writes `bytes` on a fresh connection and reads until the server closes it (or 10 s pass).
fn exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the server closes `s`; how long that took, or `None` if it stays open `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

/// One Prometheus sample from the admin listener.
fn sample(s: &Server, name: &str) -> f64 {
    let metrics = s.admin_get("/metrics").body;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in\n{metrics}"))
}

/// CPU seconds the process has used (`/proc/PID/stat` utime + stime).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Resident memory of the process, in bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib * 1024
}

fn temp_project(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starlane-listeners-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the hello example with `bind/hello.bind` replaced.
fn hello_with(tag: &str, hello_bind: &str, extra: &[(&str, &str)]) -> PathBuf {
    let dir = temp_project(tag);
    copy_dir(&hello(), &dir);
    std::fs::write(dir.join("bind/hello.bind"), hello_bind).unwrap();
    for (path, text) in extra {
        std::fs::write(dir.join(path), text).unwrap();
    }
    dir
}

#[test]
fn slow_and_idle_connections_are_closed_within_their_timeouts() {
    let s = Server::start(
        &hello(),
        &[
            "--no-cache",
            "--header-read-timeout",
            "1s",
            "--idle-timeout",
            "2s",
        ],
    );
    // Slowloris: 20 connections sending one header byte every 200 ms, forever.
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(s.http).unwrap())
        .collect();
    let started = Instant::now();
    let mut open = slow.len();
    while open > 0 && started.elapsed() < Duration::from_secs(10) {
        open = 0;
        for c in &mut slow {
            if c.write_all(b"X").is_ok() {
                open += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Which timeout closed them is read from the counters below, not from a wall clock (which
    // a loaded machine stretches): only lower bounds are timed here.
    assert_eq!(open, 0, "slowloris connections outlived the header timeout");
    // Idle: after one request on a kept-alive connection, nothing more.
    let mut idle = TcpStream::connect(s.http).unwrap();
    idle.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let closed = closed_within(&mut idle, Duration::from_secs(10)).expect("idle connection closed");
    assert!(
        closed >= Duration::from_millis(1500),
        "closed after {closed:?}"
    );
    // A connection that never sends anything is closed by the header timeout.
    let mut silent = TcpStream::connect(s.http).unwrap();
    closed_within(&mut silent, Duration::from_secs(10)).expect("silent connection closed");
    assert!(
        sample(
            &s,
            "starlane_connections_timed_out_total{listener=\"http\",timeout=\"header\"}"
        ) >= 21.0
    );
    assert!(
        sample(
            &s,
            "starlane_connections_timed_out_total{listener=\"http\",timeout=\"idle\"}"
        ) >= 1.0
    );
    assert_eq!(get(&s.url("/hello")).body, "hello", "and it still serves");
    assert!(s.stop().success());
}

#[test]
fn a_slow_body_is_answered_408_and_its_connection_closed() {
    let s = Server::start(&hello(), &["--no-cache", "--body-read-timeout", "1s"]);
    let answer = exchange(
        s.http,
        b"POST /profile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
    );
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("x-starlane-error: E0226"), "{answer}");
    assert_eq!(
        sample(
            &s,
            "starlane_connections_timed_out_total{listener=\"http\",timeout=\"body\"}"
        ),
        1.0
    );
    assert!(s.stop().success());
}

#[test]
fn with_descriptors_exhausted_the_server_sheds_idle_connections_and_serves() {
    // 256 descriptors, and a connection cap above them, so `accept` itself fails (EMFILE).
    let s = Server::start_with_shell(
        "ulimit -n 256",
        &hello(),
        &[
            "--no-cache",
            "--max-connections",
            "100000",
            "--idle-timeout",
            "600s",
            "--header-read-timeout",
            "600s",
        ],
    );
    let pid = s.child.id();
    let held: Vec<TcpStream> = (0..370)
        .filter_map(|_| TcpStream::connect(s.http).ok())
        .collect();
    assert!(
        held.len() > 256,
        "the clients hold more than the server can"
    );
    // The server has run out of descriptors once `accept` has failed; CPU is measured from then.
    eventually("accept to fail for want of descriptors", || {
        sample(&s, "starlane_accept_errors_total{listener=\"http\"}") >= 1.0
    });
    let (cpu0, t0) = (cpu_seconds(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(3));
    let busy = (cpu_seconds(pid) - cpu0) / t0.elapsed().as_secs_f64();
    assert!(
        busy < 0.10,
        "the server used {:.0}% CPU with no descriptors left",
        busy * 100.0
    );
    // A new client is served: the oldest idle connections were shed to make room.
    let hi = get(&s.url("/hello"));
    assert_eq!((hi.status, hi.body.as_str()), (200, "hello"));
    assert!(sample(&s, "starlane_connections_shed_total{listener=\"http\"}") >= 1.0);
    assert!(sample(&s, "starlane_accept_errors_total{listener=\"http\"}") >= 1.0);
    drop(held);
    assert_eq!(get(&s.url("/hello")).body, "hello");
    assert!(s.stop().success());
}

#[test]
fn unfinished_uploads_cannot_hold_more_than_the_body_budget() {
    // A bind that admits 1 MiB bodies, and a budget of 8 MiB for all of them together.
    let bind = "Bind(version=1.1.0) {\n  limits { payload 1MiB; }\n  Route<Http<Post>>/upload -> (( )) => &;\n  Route<Http<Get>>/hello -> (( )) => &;\n}\n";
    let dir = hello_with("budget", bind, &[]);
    let s = Server::start(&dir, &["--no-cache", "--body-budget", "8MiB"]);
    let pid = s.child.id();
    let before = rss_bytes(pid);
    let chunk = vec![b'x'; 256 << 10];
    let mut uploads = Vec::new();
    for i in 0..200 {
        let mut c = TcpStream::connect(s.http).unwrap();
        // Half declare their length, half stream chunks; each sends 512 KiB of 1 MiB and stops.
        let head = if i % 2 == 0 {
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n".to_string()
        } else {
            "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_string()
        };
        let _ = c.write_all(head.as_bytes());
        for _ in 0..2 {
            if i % 2 == 0 {
                let _ = c.write_all(&chunk);
            } else {
                let _ = c.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
                let _ = c.write_all(&chunk);
                let _ = c.write_all(b"\r\n");
            }
        }
        uploads.push(c);
    }
    let refused_now = || {
        sample(
            &s,
            "starlane_errors_total{stage=\"instantiate\",code=\"E0225\"}",
        )
    };
    // Every upload has been seen once most are refused; only then is the growth measured.
    eventually("the uploads over the budget to be refused", || {
        refused_now() >= 150.0
    });
    let during = rss_bytes(pid);
    let refused = refused_now();
    let grown = during.saturating_sub(before);
    assert!(
        grown < (8 << 20) + (24 << 20),
        "200 unfinished uploads grew the server by {} MiB (budget 8 MiB)",
        grown >> 20
    );
    assert!(
        refused >= 150.0,
        "only {refused} of 200 uploads were refused for the budget"
    );
    assert_eq!(get(&s.url("/hello")).body, "hello");
    drop(uploads);
    assert!(s.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn requests_hyper_cannot_parse_get_the_json_error_shape() {
    let s = Server::start(&hello(), &["--no-cache"]);
    let bad = exchange(
        s.http,
        b"GET / HTTP/1.1\r\nHost: x\r\nNo Colon Here\r\n\r\n",
    );
    assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
    assert!(bad.contains("x-starlane-error: E0208"), "{bad}");
    assert!(bad.contains("\"code\": \"E0208\""), "{bad}");
    let mut many = String::from("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for i in 0..150 {
        many.push_str(&format!("x-h{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let many = exchange(s.http, many.as_bytes());
    assert!(many.starts_with("HTTP/1.1 431 "), "{many}");
    assert!(many.contains("x-starlane-error: E0207"), "{many}");
    assert!(many.contains("application/json"), "{many}");
    // A guest's own empty 400 is left as the guest said (only hyper's replies are rewritten).
    assert_eq!(get(&s.url("/hello")).body, "hello");
    assert!(s.stop().success());
}

/// An admin request with the given headers; (status, error code).
fn admin(
    s: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let a = request(
        method,
        &format!("http://{}{path}", s.admin),
        headers,
        body.as_bytes().to_vec(),
    );
    let code = a
        .headers
        .get("x-starlane-error")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (a.status, code)
}

#[test]
fn the_admin_listener_refuses_everything_its_operator_did_not_allow() {
    let s = Server::start(&hello(), &["--no-cache", "--admin-open", "metrics"]);
    let token = format!(
        "Bearer {}",
        s.admin_token.clone().expect("a generated token")
    );
    let json = ("content-type", "application/json");
    let message = r#"{"message":"Ext<Hello>"}"#;
    let auth = ("authorization", token.as_str());
    assert_eq!(admin(&s, "GET", "/status", &[], ""), (401, "E0227".into()));
    assert_eq!(
        admin(
            &s,
            "GET",
            "/status",
            &[("authorization", "Bearer wrong")],
            ""
        ),
        (401, "E0227".into())
    );
    assert_eq!(admin(&s, "GET", "/status", &[auth], "").0, 200);
    assert_eq!(
        admin(&s, "GET", "/metrics", &[], "").0,
        200,
        "opened by the operator"
    );
    assert_eq!(admin(&s, "GET", "/healthz", &[], ""), (401, "E0227".into()));
    assert_eq!(
        admin(&s, "POST", "/messages", &[json], message),
        (401, "E0227".into())
    );
    // The CLI takes the token from a flag, the environment or a file (else the generated one).
    let status = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::new(binary());
        cmd.args(["status", "--admin", &s.admin.to_string()])
            .args(args);
        if let Some(t) = env {
            cmd.env("STARLANE_ADMIN_TOKEN", t);
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let plain = s.admin_token.clone().unwrap();
    let (ok, err) = status(&["--admin-token", "wrong"], None);
    assert!(!ok && err.contains("E0227"), "{err}");
    let (ok, err) = status(&[], Some("wrong"));
    assert!(!ok && err.contains("E0227"), "{err}");
    assert!(status(&[], Some(&plain)).0);
    let file = std::env::temp_dir().join(format!("starlane-admin-token-{}", std::process::id()));
    std::fs::write(&file, format!("{plain}\n")).unwrap();
    assert!(
        status(
            &["--admin-token-file", file.to_str().unwrap()],
            Some("wrong")
        )
        .0
    );
    let _ = std::fs::remove_file(file);
    assert!(
        status(&[], None).0,
        "the generated token is found by the address"
    );
    // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1.
    assert_eq!(
        admin(
            &s,
            "GET",
            "/status",
            &[auth, ("host", "evil.example:9090")],
            ""
        ),
        (421, "E0228".into())
    );
    // What a browser sends cross-origin without a preflight: text/plain with an Origin.
    assert_eq!(
        admin(
            &s,
            "POST",
            "/messages",
            &[
                auth,
                ("content-type", "text/plain"),
                ("origin", "https://evil.example")
            ],
            message
        ),
        (403, "E0230".into())
    );
    assert_eq!(
        admin(
            &s,
            "POST",
            "/messages",
            &[auth, ("content-type", "text/plain")],
            message
        ),
        (415, "E0229".into())
    );
    // A body over the admin listener's cap (1 MiB) is refused before it is read.
    let big = exchange(
        s.admin,
        format!(
            "POST /messages HTTP/1.1\r\nHost: {}\r\nAuthorization: {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            s.admin,
            2 << 20
        )
        .as_bytes(),
    );
    assert!(big.starts_with("HTTP/1.1 413 "), "{big}");
    assert!(big.contains("x-starlane-error: E0206"), "{big}");
    // Requests in service at once are capped: 8 unfinished ones hold every place. Each is
    // known to be in service when the server asks for its body (`100 Continue`); a request
    // sent before that could take one of the places itself, so none is sent until all 8 hold.
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut c = TcpStream::connect(s.admin).unwrap();
        c.write_all(
            format!(
                "POST /messages HTTP/1.1\r\nHost: {}\r\nAuthorization: {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n",
                s.admin
            )
            .as_bytes(),
        )
        .unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        // The interim response whole, to its blank line (one read may return part of it).
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            c.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 100 Continue"), "{head}");
        c.write_all(b"{").unwrap();
        held.push(c);
    }
    assert_eq!(
        admin(&s, "GET", "/status", &[auth], ""),
        (503, "E0225".into())
    );
    drop(held);
    eventually("the admin listener to serve again", || {
        admin(&s, "GET", "/status", &[auth], "").0 == 200
    });
    assert!(s.stop().success());
}

#[test]
fn a_non_loopback_admin_listener_needs_configured_credentials() {
    let out = Command::new(binary())
        .args([
            "run",
            hello().to_str().unwrap(),
            "--http",
            "127.0.0.1:0",
            "--admin",
            "0.0.0.0:0",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to serve the admin listener on 0.0.0.0:0 without credentials"),
        "{err}"
    );
}

#[test]
fn outside_messages_need_a_bind_that_admits_their_caller() {
    // An `ops` mechtron that admits operators from outside; hello and profiles admit no one.
    let dir = hello_with(
        "outside",
        &std::fs::read_to_string(hello().join("bind/hello.bind")).unwrap(),
        &[
            (
                "bind/ops.bind",
                "Bind(version=1.1.0) {\n  grant perm +csd-rwX on localhost:ops to localhost:operators:**;\n  Route<Ext<Hello>> -> (( )) => &;\n}\n",
            ),
            (
                "ops.app",
                "App {\n  Set {\n    +mechtron.name=ops,\n    +wasm.src=${self.config.bundle}:/wasm/hello.wasm,\n    +bind=${self.config.bundle}:/bind/ops.bind\n  }\n}\n",
            ),
        ],
    );
    let creds = dir.join("callers.toml");
    std::fs::write(
        &creds,
        format!(
            "[[token]]\nsha256 = \"{}\"\nidentity = \"localhost:operators:ada\"\n\n[[token]]\nsha256 = \"{}\"\nidentity = \"localhost:users:bob\"\n",
            hash("ops-token", true),
            hash("bob-token", true)
        ),
    )
    .unwrap();
    let s = Server::start(
        &dir,
        &["--no-cache", "--credentials", creds.to_str().unwrap()],
    );
    let send = |to: &str, caller: Option<&str>| {
        let message = if to == "profiles" {
            "Ext<Save>"
        } else {
            "Ext<Hello>"
        };
        let mut cmd = Command::new(binary());
        cmd.args(["send", message, "--to", to, "--admin", &s.admin.to_string()]);
        if let Some(c) = caller {
            cmd.args(["--caller-token", c]);
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The internal mechtron the front door guards: refused from outside, even with credentials.
    let (ok, _, err) = send("profiles", Some("ops-token"));
    assert!(
        !ok && err.contains("E0203") && err.contains("admits no outside caller"),
        "{err}"
    );
    // ops admits operators only.
    let (ok, _, err) = send("ops", None);
    assert!(
        !ok && err.contains("E0203") && err.contains("anonymous"),
        "{err}"
    );
    let (ok, _, err) = send("ops", Some("bob-token"));
    assert!(!ok && err.contains("E0203"), "{err}");
    let (ok, _, err) = send("ops", Some("no-such-token"));
    assert!(!ok && err.contains("E0202"), "{err}");
    let (ok, out, err) = send("ops", Some("ops-token"));
    assert!(ok, "{err}");
    assert_eq!(out, "hello");
    assert!(s.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}
