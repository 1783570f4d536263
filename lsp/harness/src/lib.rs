//! A test client for the Starlane language server (after Nickel's `lsp-harness`): it spawns
//! the real `starlane lsp` binary and speaks JSON-RPC to it over stdio, exactly as an editor
//! does. Tests, fixtures and the latency bench all drive the server through it.
//!
//! Every wait has a deadline, so a hung server fails a test with a message instead of hanging
//! it, and the server's stderr is kept for that message.

mod fixture;
mod framing;

use std::collections::VecDeque;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub use fixture::{Fixture, FixtureRequest, apply_edits};

/// How long any single answer may take before the server counts as hung.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub enum HarnessError {
    Io(std::io::Error),
    /// The server did not answer in time (it may be hung).
    Timeout {
        waiting_for: String,
        stderr: String,
    },
    /// The server closed its output (it crashed or exited).
    Closed {
        waiting_for: String,
        stderr: String,
    },
    /// The server answered a request with an error.
    Rpc {
        method: String,
        error: Value,
    },
}

impl std::fmt::Display for HarnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HarnessError::Io(e) => write!(f, "i/o error talking to the server: {e}"),
            HarnessError::Timeout {
                waiting_for,
                stderr,
            } => write!(
                f,
                "the server did not answer {waiting_for} in time; its stderr:\n{stderr}"
            ),
            HarnessError::Closed {
                waiting_for,
                stderr,
            } => write!(
                f,
                "the server closed its output while we waited for {waiting_for}; its stderr:\n{stderr}"
            ),
            HarnessError::Rpc { method, error } => write!(f, "{method} failed: {error}"),
        }
    }
}

impl std::error::Error for HarnessError {}

impl From<std::io::Error> for HarnessError {
    fn from(e: std::io::Error) -> Self {
        HarnessError::Io(e)
    }
}

pub type Result<T> = std::result::Result<T, HarnessError>;

/// A running server and the client state around it.
pub struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
    /// Notifications received while waiting for something else, oldest first.
    notifications: VecDeque<Value>,
    pub timeout: Duration,
    /// The semantic-token legend the server announced.
    pub legend: Value,
    /// Requests the server sent to the client (such as `client/registerCapability`).
    pub server_requests: Vec<Value>,
    answers_server_requests: bool,
}

/// How the test client presents itself.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// It watches files for the server when asked (`didChangeWatchedFiles.dynamicRegistration`).
    pub dynamic_registration: bool,
    /// It answers the server's own requests (with `null`); minimal clients do not.
    pub answers_server_requests: bool,
    /// The workspace folder, as a `file://` URI.
    pub root_uri: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            dynamic_registration: true,
            answers_server_requests: true,
            root_uri: None,
        }
    }
}

impl Server {
    /// Starts `binary lsp` and completes the `initialize` handshake.
    pub fn spawn(binary: &Path) -> Result<Server> {
        Server::spawn_with(binary, ClientOptions::default())
    }

    /// Starts `binary lsp` as a client described by `options` and completes the handshake.
    pub fn spawn_with(binary: &Path, options: ClientOptions) -> Result<Server> {
        let mut child = Command::new(binary)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = framing::read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            incoming,
            stderr,
            next_id: 1,
            notifications: VecDeque::new(),
            timeout: DEFAULT_TIMEOUT,
            legend: Value::Null,
            server_requests: Vec::new(),
            answers_server_requests: options.answers_server_requests,
        };
        let folders = match &options.root_uri {
            Some(uri) => json!([{ "uri": uri, "name": "root" }]),
            None => Value::Null,
        };
        let init = server.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": options.root_uri,
                "workspaceFolders": folders,
                "capabilities": {
                    "textDocument": {
                        "hover": { "contentFormat": ["markdown"] },
                        "publishDiagnostics": { "relatedInformation": true, "versionSupport": true },
                        "rename": { "prepareSupport": true }
                    },
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": options.dynamic_registration } }
                }
            }),
        )?;
        server.legend = init["capabilities"]["semanticTokensProvider"]["legend"].clone();
        server.notify("initialized", json!({}))?;
        Ok(server)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn send(&mut self, message: &Value) -> Result<()> {
        framing::write_message(&mut self.stdin, message)?;
        self.stdin.flush()?;
        Ok(())
    }

    pub fn notify(&mut self, method: &str, params: Value) -> Result<()> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// Sends a request and waits for its response; `Ok(result)` or `Err(Rpc)` for an error
    /// response. Notifications arriving meanwhile are kept; requests from the server (such as
    /// `client/registerCapability`) are answered with `null`.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let message = self.receive(deadline, method)?;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return match message.get("error") {
                    Some(error) => Err(HarnessError::Rpc {
                        method: method.to_string(),
                        error: error.clone(),
                    }),
                    None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
                };
            }
            self.file(message)?;
        }
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Result<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(m) => Ok(m),
            Err(RecvTimeoutError::Timeout) => Err(HarnessError::Timeout {
                waiting_for: waiting_for.to_string(),
                stderr: self.stderr(),
            }),
            Err(RecvTimeoutError::Disconnected) => Err(HarnessError::Closed {
                waiting_for: waiting_for.to_string(),
                stderr: self.stderr(),
            }),
        }
    }

    /// Keeps a notification, or answers a server-to-client request.
    fn file(&mut self, message: Value) -> Result<()> {
        match (message.get("id"), message.get("method")) {
            (Some(id), Some(_)) => {
                let reply = json!({ "jsonrpc": "2.0", "id": id, "result": null });
                self.server_requests.push(message.clone());
                if self.answers_server_requests {
                    self.send(&reply)
                } else {
                    Ok(())
                }
            }
            (None, Some(_)) => {
                self.notifications.push_back(message);
                Ok(())
            }
            _ => Ok(()), // a stray response: nothing waits for it
        }
    }

    /// Waits for a notification satisfying `pred`, consuming it (and keeping the others).
    pub fn wait_for_notification(
        &mut self,
        what: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Result<Value> {
        if let Some(i) = self.notifications.iter().position(&mut pred) {
            return Ok(self.notifications.remove(i).expect("index is in range"));
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            let message = self.receive(deadline, what)?;
            if message.get("id").is_none() && pred(&message) {
                return Ok(message);
            }
            self.file(message)?;
        }
    }

    /// Waits for the diagnostics of `uri` (of `version`, when given) and returns their params.
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Result<Value> {
        let what = format!("diagnostics for {uri} (version {version:?})");
        let n = self.wait_for_notification(&what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        })?;
        Ok(n["params"].clone())
    }

    pub fn open(&mut self, uri: &str, text: &str) -> Result<()> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "bind", "version": 1, "text": text } }),
        )
    }

    /// Sends one `didChange` with the given content changes (`{range, text}` or `{text}`).
    pub fn change(&mut self, uri: &str, version: i64, changes: Vec<Value>) -> Result<()> {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        )
    }

    /// A request at a position (0-based line and UTF-16 character).
    pub fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Result<Value> {
        self.request(
            method,
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    }

    /// Shuts the server down politely and returns its exit status.
    pub fn shutdown(mut self) -> Result<ExitStatus> {
        self.request("shutdown", Value::Null)?;
        self.notify("exit", Value::Null)?;
        self.wait_for_exit()
    }

    /// Sends `exit` without `shutdown` first (the protocol's exit code is then 1), keeping the
    /// input open.
    pub fn exit_without_shutdown(mut self) -> Result<ExitStatus> {
        self.notify("exit", Value::Null)?;
        self.wait_for_exit()
    }

    /// Closes the server's input without a word, as a client that crashed would.
    pub fn close_input(mut self) -> Result<ExitStatus> {
        // Swap in a pipe of our own so the child's input can be dropped (closed) here.
        let (_, writer) = std::io::pipe()?;
        let placeholder = ChildStdin::from(std::os::fd::OwnedFd::from(writer));
        drop(std::mem::replace(&mut self.stdin, placeholder));
        self.wait_for_exit()
    }

    /// Waits for the process to end, up to the timeout.
    pub fn wait_for_exit(mut self) -> Result<ExitStatus> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(HarnessError::Timeout {
                    waiting_for: "exit".into(),
                    stderr: self.stderr(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A test that failed midway must not leave a server behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `file:///…` URI for a fixture's virtual path (`/main.bind`).
pub fn uri(path: &str) -> String {
    format!("file:///starlane-fixture{path}")
}
