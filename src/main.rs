//! `starlane`: the one binary that fronts the toolchain.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc, not the system allocator: a check builds and frees a tree of many small nodes, and
/// with glibc's malloc `starlane check` of a 4 MB file took 0.50 s against 0.34 s; the language
/// server's edit → diagnostics on a 5,000-route block went from 2.1 ms to 1.84 ms. Its arenas
/// ask for transparent huge pages; see [`keep_servers_off_huge_pages`] for who gets them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let args = cli::Cli::parse();
    if args.serves() {
        keep_servers_off_huge_pages();
    }
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A command that works through its input and exits (`check`, `build`, …) takes memory fast and
/// gives it all back at exit: huge pages spare it most page faults (`starlane check` of a 4 MB
/// bind: 45,000 faults → 600, 190 → 141 ms). A server is the opposite: with huge pages its
/// resident size moves in 2 MiB steps, and 200 refused uploads left a host 30–36 MiB larger (the
/// body-budget test allows 32; without, 9–17 MiB). The kernel's per-process switch turns them
/// off for every later fault, whatever the allocator asked for.
fn keep_servers_off_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
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
