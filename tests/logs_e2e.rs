//! Logs from the outside (`specs/runtime.md` §10): one JSON format on stderr, in the log file
//! and from `starlane logs`; request lines carry the request id, mechtron, port and error code,
//! and so do the guest console lines logged while the request ran.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Server, binary, get, hello, request, scratch_dir};

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn logs_cmd(server: &Server, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("logs")
        .args(["--admin", &server.admin.to_string()])
        .args(["--admin-token", server.admin_token.as_deref().unwrap()])
        .args(args);
    cmd
}

fn logs(server: &Server, args: &[&str]) -> String {
    let out = logs_cmd(server, args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_line_is_json_and_request_lines_name_who_answered_and_why() {
    let server = Server::start(&hello(), &["--no-cache"]);
    let ok = request(
        "POST",
        &server.url("/profile"),
        &[("x-request-id", "trace-ada-1")],
        br#"{"name":"ada","email":"ada@example.com"}"#.to_vec(),
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers["x-request-id"], "trace-ada-1");
    let bad = request(
        "POST",
        &server.url("/profile"),
        &[],
        br#"{"name":7}"#.to_vec(),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let bad_id = bad.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(bad_id.len(), 16);

    let lines = json_lines(&logs(&server, &["--json"]));
    // The guest's console line and the request line share the request id.
    let traced: Vec<&Value> = lines
        .iter()
        .filter(|l| l["request_id"] == "trace-ada-1")
        .collect();
    assert!(
        traced
            .iter()
            .any(|l| l["message"] == "saved the profile of ada" && l["port"] == "save-profile"),
        "{traced:?}"
    );
    let line = traced.iter().find(|l| l["message"] == "request").unwrap();
    assert_eq!(line["mechtron"], "profiles");
    assert_eq!(line["status"], 200);
    assert!(line["elapsed_us"].is_u64());
    // A refused request says which mechtron and port refused it, with the code.
    let refused = lines
        .iter()
        .find(|l| l["request_id"] == bad_id.as_str() && l["status"] == 422)
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(refused["code"], "E0205");
    assert_eq!(refused["mechtron"], "profiles");
    assert_eq!(refused["port"], "save-profile");
    assert!(refused["timestamp"].as_str().unwrap().ends_with('Z'));

    // Filters: a mechtron, a level.
    let profiles = json_lines(&logs(&server, &["--json", "--mechtron", "profiles"]));
    assert!(!profiles.is_empty());
    assert!(
        profiles.iter().all(|l| l["mechtron"] == "profiles"),
        "{profiles:?}"
    );
    let warnings = json_lines(&logs(&server, &["--json", "--level", "warn"]));
    assert!(
        warnings
            .iter()
            .all(|l| l["level"] == "WARN" || l["level"] == "ERROR")
    );
    // People's form: time, level, mechtron/port, request id, message.
    let text = logs(&server, &["--mechtron", "profiles"]);
    assert!(
        text.lines()
            .any(|l| l.contains("profiles/save-profile [trace-ada-1] saved the profile of ada")),
        "{text}"
    );

    // stdout and stderr together are JSON, line by line (`2>&1 | jq`).
    for l in server.logs().lines() {
        serde_json::from_str::<Value>(l)
            .unwrap_or_else(|e| panic!("stderr line not JSON ({e}): {l}"));
    }
    // GET /logs is an acting surface's neighbour: the token is required.
    let anonymous = get(&format!("http://{}/logs", server.admin));
    assert_eq!(anonymous.status, 401);
}

#[test]
fn logs_follow_streams_new_lines_and_ends_when_the_host_stops() {
    let server = Server::start(&hello(), &["--no-cache"]);
    let mut follower = logs_cmd(&server, &["--follow", "--json", "--since", "1ms"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = follower.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Keep asking until the follower has shown a request made after it connected.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = false;
    while !seen && Instant::now() < deadline {
        let id = format!("follow-{}", Instant::now().elapsed().as_nanos());
        request(
            "GET",
            &server.url("/hello"),
            &[("x-request-id", &id)],
            Vec::new(),
        );
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let v: Value = serde_json::from_str(&line).unwrap();
            seen |= v["request_id"] == id.as_str();
        }
    }
    assert!(seen, "the follower never showed a new request");
    // The host stops promptly although a follower is attached, and the follower ends with it.
    let stopping = Instant::now();
    assert!(server.stop().success());
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = follower.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "logs --follow did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_log_file_holds_the_same_json_lines_and_rotates_by_size() {
    let dir = scratch_dir("log-file");
    let file = dir.join("logs/run.log");
    let server = Server::start(
        &hello(),
        &[
            "--no-cache",
            "--log-file",
            file.to_str().unwrap(),
            "--log-max-size",
            "4KiB",
            "--log-keep",
            "2",
        ],
    );
    for _ in 0..60 {
        assert_eq!(get(&server.url("/hello")).status, 200);
    }
    assert!(server.stop().success());
    let rotated = dir.join("logs/run.log.1");
    assert!(
        rotated.is_file(),
        "no rotation: {:?}",
        std::fs::read_dir(dir.join("logs"))
            .unwrap()
            .collect::<Vec<_>>()
    );
    assert!(
        !dir.join("logs/run.log.3").exists(),
        "more than --log-keep files kept"
    );
    for path in [&file, &rotated] {
        let text = std::fs::read_to_string(path).unwrap();
        let lines = json_lines(&text);
        assert!(!lines.is_empty());
        assert!(
            text.len() < 4096 + 1024,
            "{} is {} bytes",
            path.display(),
            text.len()
        );
    }
    let all = std::fs::read_to_string(&file).unwrap() + &std::fs::read_to_string(&rotated).unwrap();
    assert!(
        json_lines(&all)
            .iter()
            .any(|l| l["message"] == "request" && l["mechtron"] == "hello")
    );
}
