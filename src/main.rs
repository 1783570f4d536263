//! `starlane`: the one binary that fronts the toolchain.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc, not the system allocator: a check builds and frees a tree of many small nodes, and
/// with glibc's malloc `starlane check` of a 4 MB file took 0.50 s against 0.34 s; the language
/// server's edit → diagnostics on a 5,000-route block went from 2.1 ms to 1.84 ms. Built with
/// `no_thp`: with transparent huge pages a server's resident size moves in 2 MiB steps, and 200
/// refused uploads left it 30–36 MiB larger (the body-budget test allows 32); without, 9–17 MiB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `starlane check … | head` must end quietly, as Unix tools do, not panic on a closed pipe:
/// Rust ignores SIGPIPE by default, which turns every later `println!` into a panic.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
