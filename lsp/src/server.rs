//! The protocol surface: capabilities, and one thin handler per request that takes a snapshot
//! of the document and calls the feature function.

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::analysis::Analysis;
use crate::features::{
    code_actions, completion, folding, formatting, hover, navigation, outline, semantic_tokens,
};
use crate::settings_watch::{self, SettingsWatcher};
use crate::workspace::Workspace;

use std::path::PathBuf;
use std::sync::Mutex;

pub struct Backend {
    client: Client,
    workspace: Workspace,
    /// What `initialize` said about the client, for `initialized`.
    session: Mutex<Session>,
}

/// What the client declared in `initialize`.
#[derive(Default)]
struct Session {
    /// It watches files for the server when asked (`didChangeWatchedFiles` registration).
    watches_files: bool,
    /// Its workspace folders, as paths.
    roots: Vec<PathBuf>,
    /// Our own watcher of `starlane.toml`, when the client cannot watch.
    watcher: Option<SettingsWatcher>,
}

impl Backend {
    /// Must be called inside a tokio runtime (it starts the workspace).
    pub fn new(client: Client) -> Backend {
        let workspace = Workspace::spawn(client.clone());
        Backend {
            client,
            workspace,
            session: Mutex::new(Session::default()),
        }
    }

    pub fn workspace(&self) -> Workspace {
        self.workspace.clone()
    }

    async fn snapshot(&self, uri: &Uri) -> Option<std::sync::Arc<Analysis>> {
        self.workspace.snapshot(uri).await
    }
}

/// The client's workspace folders (or its root) as local paths.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<&Uri> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| &f.uri)
        .collect();
    #[allow(deprecated)] // `rootUri` is what older clients send instead of folders.
    if uris.is_empty()
        && let Some(root) = &params.root_uri
    {
        uris.push(root);
    }
    uris.into_iter()
        .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
        .filter(|p| p.is_dir())
        .collect()
}

fn failed(message: impl Into<String>) -> Error {
    Error {
        // LSP's RequestFailed: the request was valid but could not be carried out.
        code: ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        if let Ok(mut session) = self.session.lock() {
            session.watches_files = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                == Some(true);
            session.roots = workspace_roots(&params);
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "starlane".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        ["(", "~", "$", "{", "<", "^", "[", ":", ">"]
                            .map(String::from)
                            .to_vec(),
                    ),
                    ..Default::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: semantic_tokens::legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            ..Default::default()
                        },
                    ),
                ),
                document_formatting_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            code_actions::fix_all_kind(),
                        ]),
                        ..Default::default()
                    },
                )),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Lint levels live in `starlane.toml`: re-check open documents when one changes. A
        // client that watches files is asked to; otherwise the server watches them itself.
        let Ok(mut session) = self.session.lock() else {
            return;
        };
        if session.watches_files {
            let watch = Registration {
                id: "starlane-settings".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                    watchers: vec![FileSystemWatcher {
                        glob_pattern: GlobPattern::String("**/starlane.toml".into()),
                        kind: None,
                    }],
                })
                .ok(),
            };
            // Not awaited here: a client that never answers must not hold this handler (and
            // with it the server's exit) forever.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![watch]).await;
            });
        } else {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            match settings_watch::watch(&session.roots, &cwd, self.workspace.clone()) {
                Ok(w) => session.watcher = Some(w),
                Err(e) => {
                    let client = self.client.clone();
                    let message = format!(
                        "starlane: cannot watch starlane.toml ({e}); reopen files after changing it"
                    );
                    tokio::spawn(async move {
                        client.log_message(MessageType::WARNING, message).await;
                    });
                }
            }
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    // Text synchronisation is applied by `OrderedSync` before it reaches these handlers; they
    // only run for malformed notifications, which are ignored.
    async fn did_open(&self, _: DidOpenTextDocumentParams) {}
    async fn did_change(&self, _: DidChangeTextDocumentParams) {}
    async fn did_close(&self, _: DidCloseTextDocumentParams) {}

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.workspace.reload_settings();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        Ok(hover::hover(&a, a.offset(p.position)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        let items = completion::completion(&a, a.offset(p.position));
        Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        Ok(navigation::definition(&a, a.offset(p.position)).map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        let refs =
            navigation::references(&a, a.offset(p.position), params.context.include_declaration);
        Ok((!refs.is_empty()).then_some(refs))
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let p = params.text_document_position_params;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        let h = navigation::highlights(&a, a.offset(p.position));
        Ok((!h.is_empty()).then_some(h))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        navigation::prepare_rename(&a, a.offset(params.position))
            .map(Some)
            .map_err(failed)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let Some(a) = self.snapshot(&p.text_document.uri).await else {
            return Ok(None);
        };
        navigation::rename(&a, a.offset(p.position), &params.new_name)
            .map(Some)
            .map_err(failed)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        Ok(Some(DocumentSymbolResponse::Nested(
            outline::document_symbols(&a),
        )))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: semantic_tokens::semantic_tokens(&a),
        })))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        match formatting::format(&a) {
            Ok(edits) => Ok(Some(edits)),
            Err(reason) => {
                self.client
                    .log_message(MessageType::INFO, format!("not formatted: {reason}"))
                    .await;
                Ok(None)
            }
        }
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        Ok(Some(folding::folding_ranges(&a)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(a) = self.snapshot(&params.text_document.uri).await else {
            return Ok(None);
        };
        let actions = code_actions::code_actions(&a, params.range, params.context.only.as_deref());
        Ok((!actions.is_empty()).then_some(actions))
    }
}
