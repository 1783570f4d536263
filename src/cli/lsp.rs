//! `starlane lsp`: the language server over stdio.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(starlane_lsp::run_stdio());
    Ok(ExitCode::SUCCESS)
}
