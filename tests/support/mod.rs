//! What the end-to-end tests share: the real `starlane` binary started as a server on free
//! ports (its admin token read from the file it writes), and a real HTTP client (hyper's).
#![allow(dead_code)]

pub mod nats;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Waits until `ready` holds, polling; fails the test naming `what` after 30 s. Tests wait on the
/// event they need, not for a fixed time, so a slow or loaded machine cannot make them flaky.
pub fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_starlane"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `starlane run`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub http: SocketAddr,
    pub admin: SocketAddr,
    /// The admin token `starlane run` made (read from the file it named).
    pub admin_token: Option<String>,
    pub logs: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(target: &Path, extra: &[&str]) -> Server {
        Server::spawn(Command::new(binary()), target, extra)
    }

    /// `starlane run` with its address space capped (`ulimit -v`, in KiB).
    pub fn start_with_address_space(target: &Path, extra: &[&str], kib: u64) -> Server {
        Server::start_with_shell(&format!("ulimit -v {kib}"), target, extra)
    }

    /// `starlane run` after a shell command (such as a `ulimit`) in the shell that starts it.
    pub fn start_with_shell(setup: &str, target: &Path, extra: &[&str]) -> Server {
        let mut sh = Command::new("sh");
        sh.args(["-c", &format!("{setup} && exec \"$@\""), "sh"])
            .arg(binary());
        Server::spawn(sh, target, extra)
    }

    pub fn spawn(mut command: Command, target: &Path, extra: &[&str]) -> Server {
        let mut child = command
            .arg("run")
            .arg(target)
            .args([
                "--http",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0",
                "--log-format",
                "json",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starlane runs");
        let logs = Arc::new(Mutex::new(String::new()));
        let sink = logs.clone();
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut http, mut admin, mut admin_token) = (None, None, None);
        while http.is_none() || admin.is_none() {
            let Some(Ok(line)) = lines.next() else {
                panic!(
                    "starlane run stopped before listening; its log:\n{}",
                    logs.lock().unwrap()
                );
            };
            // With `--log-format json` the announcements are JSON objects too.
            let line = match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(v) => {
                    let value = v["value"].as_str().unwrap_or_default();
                    match v["event"].as_str() {
                        Some("http_listening") => format!("http listening on {value}"),
                        Some("admin_listening") => format!("admin listening on {value}"),
                        Some("admin_token_file") => format!("admin token in {value}"),
                        _ => line,
                    }
                }
                Err(_) => line,
            };
            if let Some(a) = line.strip_prefix("http listening on ") {
                http = a.parse().ok();
            }
            if let Some(a) = line.strip_prefix("admin listening on ") {
                admin = a.parse().ok();
            }
            if let Some(path) = line.strip_prefix("admin token in ") {
                admin_token = std::fs::read_to_string(path)
                    .ok()
                    .map(|t| t.trim().to_string());
            }
        }
        Server {
            child,
            http: http.unwrap(),
            admin: admin.unwrap(),
            admin_token,
            logs,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// `GET` an admin endpoint with the admin token.
    pub fn admin_get(&self, path: &str) -> Answer {
        let auth = format!("Bearer {}", self.admin_token.as_deref().unwrap_or(""));
        request(
            "GET",
            &format!("http://{}{path}", self.admin),
            &[("authorization", &auth)],
            Vec::new(),
        )
    }

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "starlane run did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP request with hyper's client; the path is sent exactly as given (no normalisation).
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut req = hyper::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = tokio::time::timeout(
            Duration::from_secs(30),
            client.request(req.body(Full::new(Bytes::from(body))).unwrap()),
        )
        .await
        .expect("an answer within 30 s")
        .expect("the request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    })
}

pub fn get(url: &str) -> Answer {
    request("GET", url, &[], Vec::new())
}

pub fn post(url: &str, body: &[u8]) -> Answer {
    request("POST", url, &[], body.to_vec())
}

pub fn hello() -> PathBuf {
    repo().join("examples/hello")
}

pub fn hash(secret: &str, token: bool) -> String {
    let mut cmd = Command::new(binary());
    cmd.arg("hash-password");
    if token {
        cmd.arg("--token");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{secret}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A fresh, empty directory for one test (removed first if a previous run left it).
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starlane-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `starlane ARGS` in `dir` to completion: exit code, stdout, stderr.
pub fn starlane_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("starlane runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies a directory tree (an example project into a test's scratch directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
