//! Text synchronisation applied in the order the client sent it.
//!
//! tower-lsp-server runs handlers concurrently (a `buffer_unordered` of futures), so two
//! `didChange` notifications handled as ordinary async handlers could apply out of order and
//! corrupt the document (tower-lsp#284). This layer sits in front of the service: the server's
//! read loop calls `Service::call` once per message, in arrival order, and here the
//! `didOpen`/`didChange`/`didClose` notifications are handed to the workspace thread right
//! then, before the next message is read. Everything else goes to the service as usual.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::Service;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
};

use crate::ending::Ending;
use crate::workspace::Workspace;

pub struct OrderedSync<S> {
    inner: S,
    workspace: Workspace,
    ending: Arc<Ending>,
}

impl<S> OrderedSync<S> {
    pub fn new(inner: S, workspace: Workspace, ending: Arc<Ending>) -> Self {
        OrderedSync {
            inner,
            workspace,
            ending,
        }
    }

    /// Hands a text-sync notification to the workspace; `false` if `request` is not one.
    fn sync(&self, request: &Request) -> bool {
        let params = || request.params().cloned().unwrap_or_default();
        match request.method() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(params()) {
                    self.workspace.open(p);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(params()) {
                    self.workspace.change(p);
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(params()) {
                    self.workspace.close(p);
                }
            }
            _ => return false,
        }
        true
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request> for OrderedSync<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The ending is seen here, in arrival order, not when the service gets to it.
        match request.method() {
            "shutdown" => self.ending.shutdown_requested(),
            "exit" => self.ending.end(),
            _ => {}
        }
        // Notifications have no id; a malformed "notification" with an id goes to the service,
        // which answers it with an error.
        if request.id().is_none() && self.sync(&request) {
            return Box::pin(std::future::ready(Ok(None)));
        }
        Box::pin(self.inner.call(request))
    }
}
