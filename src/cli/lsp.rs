//! `starlane lsp`: the language server over stdio.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    keep_freed_memory();
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

/// A check of a large document allocates and frees vectors of hundreds of kilobytes on every
/// edit. glibc serves such sizes with fresh `mmap`s and returns them on free, so each edit paid
/// for page faults on memory it had just given back (a tenth of the workspace thread's time in
/// a profile of the `lsp_latency` bench). A long-lived server keeps that memory in its heap
/// instead: fixed thresholds, well above one document's vectors.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const KEEP: libc::c_int = 64 << 20;
        // SAFETY: mallopt only changes the allocator's parameters (under its own lock).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, KEEP);
            libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP);
        }
    }
}
