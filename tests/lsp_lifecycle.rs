//! The language server's life with clients that do less than VS Code: it exits on `exit` and on
//! end of input whatever is pending, and honours what the client says it can do
//! (`didChangeWatchedFiles.dynamicRegistration`), watching `starlane.toml` itself otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use starlane_lsp_harness::{ClientOptions, Server};

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_starlane"))
}

/// A client that never answers the server's own requests (many scripts and minimal clients).
fn silent(dynamic_registration: bool) -> Server {
    Server::spawn_with(
        binary(),
        ClientOptions {
            dynamic_registration,
            answers_server_requests: false,
            root_uri: None,
        },
    )
    .expect("server starts")
}

/// Waits until the server has sent its `client/registerCapability` (unanswered).
fn wait_for_registration(server: &mut Server) {
    // Any request round-trips after the server's own request was sent.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.server_requests.is_empty() {
        assert!(Instant::now() < deadline, "no registerCapability arrived");
        let _ = server.request("textDocument/hover", serde_json::json!({
            "textDocument": {"uri": "file:///none.bind"}, "position": {"line": 0, "character": 0}
        }));
    }
    assert_eq!(
        server.server_requests[0]["method"],
        "client/registerCapability"
    );
}

#[test]
fn it_exits_after_shutdown_and_exit_while_its_own_request_is_unanswered() {
    let mut server = silent(true);
    wait_for_registration(&mut server);
    let status = server.shutdown().expect("the server exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn it_exits_when_its_input_ends_while_its_own_request_is_unanswered() {
    let mut server = silent(true);
    wait_for_registration(&mut server);
    // No shutdown first: the protocol's exit code is 1.
    let status = server.close_input().expect("the server exits");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn exit_without_shutdown_exits_with_code_1_even_with_the_input_open() {
    let server = silent(false);
    let status = server.exit_without_shutdown().expect("the server exits");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn a_client_that_cannot_watch_is_not_asked_to_and_settings_still_apply_when_written() {
    let dir = std::env::temp_dir().join(format!("starlane-lsp-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.bind");
    let text = "Bind(version=1.0.0) {\n  Route<Ext<Hello>> -> {{ }} => &;\n}\n";
    std::fs::write(&file, text).unwrap();
    let root = format!("file://{}", dir.display());
    let uri = format!("file://{}", file.display());
    let mut server = Server::spawn_with(
        binary(),
        ClientOptions {
            dynamic_registration: false,
            answers_server_requests: true,
            root_uri: Some(root),
        },
    )
    .unwrap();
    server.open(&uri, text).unwrap();
    let first = server.diagnostics(&uri, None).unwrap();
    assert_eq!(first["diagnostics"][0]["severity"], 2, "a warning: {first}");
    // The editor writes the settings file; the server sees it without the client's help.
    std::fs::write(dir.join("starlane.toml"), "[check]\ndeny_warnings = true\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let d = server.diagnostics(&uri, None).unwrap();
        if d["diagnostics"][0]["severity"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deny_warnings never applied: {d}"
        );
    }
    assert!(
        server.server_requests.is_empty(),
        "the client said it cannot watch, yet was asked to: {:?}",
        server.server_requests
    );
    assert_eq!(server.shutdown().unwrap().code(), Some(0));
}
