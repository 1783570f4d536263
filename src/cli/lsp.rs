//! `starlane lsp`: the language server over stdio.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = runtime.block_on(starlane_lsp::run_stdio());
    // The stdin reader may still be blocked in a read that never returns (a client that sends
    // `exit` but keeps the pipe open): do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(ExitCode::from(code))
}
