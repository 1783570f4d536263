//! The workspace: one thread owns every open document. Edits reach it in the order the client
//! sent them (see [`crate::ordered`]), queries reach it after the edits that preceded them, and
//! it is the only place documents change — so there is no lock to get wrong.
//!
//! Analysis is lazy and coalescing: a burst of edits is applied first, then each changed
//! document is analysed once and its diagnostics published. A query for a changed document
//! analyses it on the spot, so an answer always reflects every edit received before it.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use starlane_compiler::incremental::IncrementalChecker;
use starlane_lang::settings::{self, Settings};
use tokio::sync::oneshot;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Uri,
};

use crate::analysis::Analysis;
use crate::convert;
use crate::document::Document;

/// A handle to the workspace thread; cheap to clone.
#[derive(Clone)]
pub struct Workspace {
    commands: mpsc::Sender<Command>,
}

enum Command {
    Open(DidOpenTextDocumentParams),
    Change(DidChangeTextDocumentParams),
    Close(DidCloseTextDocumentParams),
    /// Settings files may have changed: reload them for every document.
    ReloadSettings,
    Snapshot(Uri, oneshot::Sender<Option<Arc<Analysis>>>),
}

/// Diagnostics ready to send, in the order they were computed.
pub struct Publication {
    pub uri: Uri,
    pub version: Option<i32>,
    pub diagnostics: Vec<tower_lsp_server::ls_types::Diagnostic>,
}

impl Workspace {
    /// Starts the workspace thread and the task that publishes its diagnostics through `client`.
    /// Must be called inside a tokio runtime.
    pub fn spawn(client: Client) -> Workspace {
        let (publish_tx, mut publish_rx) = tokio::sync::mpsc::unbounded_channel::<Publication>();
        tokio::spawn(async move {
            // One task, awaiting each publication in turn: diagnostics for a document are never
            // overtaken by older ones.
            while let Some(p) = publish_rx.recv().await {
                client
                    .publish_diagnostics(p.uri, p.diagnostics, p.version)
                    .await;
            }
        });
        let (commands, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("starlane-workspace".into())
            .spawn(move || Owner::default().run(rx, publish_tx))
            .expect("spawning the workspace thread");
        Workspace { commands }
    }

    pub fn open(&self, params: DidOpenTextDocumentParams) {
        let _ = self.commands.send(Command::Open(params));
    }

    pub fn change(&self, params: DidChangeTextDocumentParams) {
        let _ = self.commands.send(Command::Change(params));
    }

    pub fn close(&self, params: DidCloseTextDocumentParams) {
        let _ = self.commands.send(Command::Close(params));
    }

    pub fn reload_settings(&self) {
        let _ = self.commands.send(Command::ReloadSettings);
    }

    /// The analysis of `uri` reflecting every edit sent before this call; `None` if the
    /// document is not open.
    pub async fn snapshot(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Snapshot(uri.clone(), tx))
            .ok()?;
        rx.await.ok().flatten()
    }
}

struct OpenDocument {
    document: Document,
    settings: Settings,
    /// Remembers what each item of the document was found to hold, across edits.
    checker: IncrementalChecker,
    /// The analysis of the current text, once computed.
    analysis: Option<Arc<Analysis>>,
}

#[derive(Default)]
struct Owner {
    documents: HashMap<Uri, OpenDocument>,
    /// Documents edited since their diagnostics were last published.
    dirty: BTreeSet<Uri>,
    garbage: Garbage,
}

/// Freeing a large syntax tree takes milliseconds; an old analysis is handed to this thread so
/// the next edit's diagnostics do not wait for it (rust-analyzer does the same).
struct Garbage(mpsc::Sender<Box<dyn Send>>);

impl Default for Garbage {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel::<Box<dyn Send>>();
        let _ = std::thread::Builder::new()
            .name("starlane-drop".into())
            .spawn(move || rx.into_iter().for_each(drop));
        Garbage(tx)
    }
}

impl Garbage {
    fn discard(&self, analysis: Option<Arc<Analysis>>) {
        if let Some(a) = analysis {
            self.free(a);
        }
    }

    fn free(&self, what: impl Send + 'static) {
        // If the thread is gone, dropping here is merely slower.
        let _ = self.0.send(Box::new(what));
    }
}

impl Owner {
    fn run(
        mut self,
        commands: mpsc::Receiver<Command>,
        publish: tokio::sync::mpsc::UnboundedSender<Publication>,
    ) {
        // Published but not yet indexed: their symbols are indexed in the first quiet moment
        // (or by the first request that needs them), so the next keystroke's diagnostics never
        // wait for the last one's symbols.
        let mut unindexed: BTreeSet<Uri> = BTreeSet::new();
        loop {
            let first = if unindexed.is_empty() {
                match commands.recv() {
                    Ok(command) => command,
                    Err(_) => return,
                }
            } else {
                match commands.recv_timeout(QUIET) {
                    Ok(command) => command,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        for uri in std::mem::take(&mut unindexed) {
                            self.index_symbols(&uri);
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            };
            // Apply everything that has arrived before analysing anything: typing bursts
            // cost one analysis, not one per keystroke.
            let mut next = Some(first);
            while let Some(command) = next {
                self.handle(command, &publish);
                next = commands.try_recv().ok();
            }
            let dirty = std::mem::take(&mut self.dirty);
            for uri in dirty {
                self.publish(&uri, &publish);
                unindexed.insert(uri);
            }
        }
    }

    fn handle(
        &mut self,
        command: Command,
        publish: &tokio::sync::mpsc::UnboundedSender<Publication>,
    ) {
        match command {
            Command::Open(p) => {
                let uri = p.text_document.uri;
                let settings = settings_for(&uri);
                self.documents.insert(
                    uri.clone(),
                    OpenDocument {
                        document: Document::new(p.text_document.text, p.text_document.version),
                        settings,
                        checker: IncrementalChecker::default(),
                        analysis: None,
                    },
                );
                self.dirty.insert(uri);
            }
            Command::Change(p) => {
                let uri = p.text_document.uri;
                if let Some(open) = self.documents.get_mut(&uri) {
                    open.document
                        .apply(p.text_document.version, p.content_changes);
                    self.garbage.discard(open.analysis.take());
                    self.dirty.insert(uri);
                }
            }
            Command::Close(p) => {
                let uri = p.text_document.uri;
                if let Some(open) = self.documents.remove(&uri) {
                    self.garbage.discard(open.analysis);
                }
                self.dirty.remove(&uri);
                let _ = publish.send(Publication {
                    uri,
                    version: None,
                    diagnostics: Vec::new(),
                });
            }
            Command::ReloadSettings => {
                for (uri, open) in &mut self.documents {
                    let settings = settings_for(uri);
                    if settings != open.settings {
                        open.settings = settings;
                        self.garbage.discard(open.analysis.take());
                        self.dirty.insert(uri.clone());
                    }
                }
            }
            Command::Snapshot(uri, reply) => {
                let analysis = self.analysis(&uri);
                if analysis.is_some() && self.dirty.remove(&uri) {
                    self.publish(&uri, publish);
                }
                self.index_symbols(&uri);
                let _ = reply.send(analysis);
            }
        }
    }

    /// The current analysis of `uri`, computed if the text changed since the last one.
    fn analysis(&mut self, uri: &Uri) -> Option<Arc<Analysis>> {
        let open = self.documents.get_mut(uri)?;
        if let Some(analysis) = &open.analysis {
            return Some(analysis.clone());
        }
        let (analysis, leftovers) = Analysis::with_leftovers(
            uri.clone(),
            open.document.version,
            &open.document.text,
            open.document.lines().clone(),
            &open.settings,
            &mut open.checker,
        );
        self.garbage.free(leftovers);
        let analysis = Arc::new(analysis);
        open.analysis = Some(analysis.clone());
        Some(analysis)
    }

    fn publish(&mut self, uri: &Uri, publish: &tokio::sync::mpsc::UnboundedSender<Publication>) {
        let Some(analysis) = self.analysis(uri) else {
            return;
        };
        // Lint levels and `deny_warnings` were applied by the compiler, as for every command.
        let diagnostics = analysis
            .diagnostics
            .iter()
            .map(|d| convert::diagnostic(&analysis, d))
            .collect();
        let _ = publish.send(Publication {
            uri: uri.clone(),
            version: Some(analysis.version),
            diagnostics,
        });
    }

    /// Indexes the symbols of `uri`'s current analysis, if it has one and they are not indexed.
    fn index_symbols(&mut self, uri: &Uri) {
        if let Some(open) = self.documents.get_mut(uri)
            && let Some(analysis) = &open.analysis
        {
            analysis.index_symbols(&mut open.checker);
        }
    }
}

/// How long no command must come after publishing before the workspace indexes symbols. A
/// change that comes sooner (a burst of edits) is analysed first; one a person types after it
/// (tens of milliseconds later at the fastest) finds the indexing done.
const QUIET: std::time::Duration = std::time::Duration::from_millis(30);

/// The project settings of a document: the nearest `starlane.toml` above its file, or the
/// defaults for documents that are not files (or whose settings do not parse).
fn settings_for(uri: &Uri) -> Settings {
    let Some(path): Option<PathBuf> = uri.to_file_path().map(|p| p.into_owned()) else {
        return Settings::default();
    };
    settings::load_for(&path).unwrap_or_default()
}
