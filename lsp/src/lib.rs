//! The Starlane language server (`starlane lsp`): the front end and compiler behind the
//! Language Server Protocol, over stdio.
//!
//! Shape: [`ordered::OrderedSync`] hands text-sync notifications to the [`workspace`] thread in
//! arrival order; [`server::Backend`] answers requests from immutable
//! [`analysis::Analysis`] snapshots through one pure function per feature ([`features`]).
//! Diagnostics are the compiler's own, converted in [`convert`].

pub mod analysis;
pub mod convert;
pub mod document;
pub mod ending;
pub mod features;
pub mod fuzzing;
pub mod knowledge;
pub mod ordered;
pub mod server;
pub mod settings_watch;
pub mod workspace;

use tower_lsp_server::{LspService, Server};

/// Serves the protocol on stdin/stdout until the client says `exit` or closes the pipe, even
/// when a request of the server's own is still unanswered; returns the exit code (0 when
/// `shutdown` came first, 1 otherwise).
pub async fn run_stdio() -> u8 {
    let ending = ending::Ending::new();
    let (service, socket) = LspService::new(server::Backend::new);
    let workspace = service.inner().workspace();
    let service = ordered::OrderedSync::new(service, workspace, ending.clone());
    let input = ending::WatchedInput::new(tokio::io::stdin(), ending.clone());
    tokio::select! {
        _ = Server::new(input, tokio::io::stdout(), socket).serve(service) => {}
        _ = ending.ended() => {}
    }
    ending.exit_code()
}
