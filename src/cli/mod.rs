//! Command-line parsing and dispatch; each subcommand lives in its own module.

mod bundle_cmds;
mod check;
mod debug;
mod explain;
mod fmt;
mod lsp;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "starlane",
    version,
    about = "Check, build and run Starlane .bind configurations"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check `.bind`, App and router files (directories are searched recursively).
    Check(CheckArgs),
    /// Build a bundle directory into one checked, versioned IR bundle file.
    Build {
        /// The bundle directory (binds, `wasm/`, `schema/`, static files, `*.app` manifests).
        dir: PathBuf,
        /// Where to write the bundle.
        #[arg(short, long, default_value = "app.bundle")]
        output: PathBuf,
    },
    /// Print a bundle's IR.
    Inspect {
        bundle: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Report breaking changes and permission widenings between two bundles (exit 1 if any).
    Diff { old: PathBuf, new: PathBuf },
    /// Dry-run routing: which route a message takes, and why earlier ones did not match.
    Route {
        bundle: PathBuf,
        /// The message kind and method, such as `Http<Get>` or `Ext<Hello>`.
        message: String,
        /// The path, such as `/users/42`.
        #[arg(default_value = "/")]
        path: String,
        /// The bind to route through (its bundle path); default: the bind that receives HTTP.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Format files in place (canonical whitespace and comment layout; never rewrites forms).
    Fmt(FmtArgs),
    /// Run the language server on standard input and output (editors start this).
    Lsp {
        /// Accepted for compatibility with clients that pass it; stdio is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Tools for grammar and editor developers.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
    /// Explain a diagnostic code, such as `E0006`.
    Explain {
        /// The code (`E0006`) or its name (`unclosed-delimiter`); omit to list every code.
        code: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DebugCommand {
    /// The real lexer's tokens as JSON lines (kind, line, UTF-16 columns): what the TextMate and
    /// tree-sitter grammars are tested against.
    Tokens { file: PathBuf },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// `--deny warnings` turns warnings into errors.
    #[arg(long, value_enum)]
    deny: Vec<DenyWhat>,
    /// Apply every machine-applicable suggestion, then report what remains.
    #[arg(long)]
    fix: bool,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or directories; none (or `-`) formats standard input to standard output.
    paths: Vec<PathBuf>,
    /// Write nothing; exit 1 if any file is not formatted.
    #[arg(long)]
    check: bool,
    /// Write nothing; print what would change as a unified diff.
    #[arg(long)]
    diff: bool,
    /// Format files that have syntax errors too (the token check still applies).
    #[arg(long)]
    force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyWhat {
    Warnings,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Lsp { stdio: _ } => lsp::run(),
        Command::Debug(DebugCommand::Tokens { file }) => debug::tokens(&file),
        Command::Build { dir, output } => bundle_cmds::build(&dir, &output),
        Command::Inspect { bundle, format } => bundle_cmds::inspect(&bundle, format),
        Command::Diff { old, new } => bundle_cmds::diff(&old, &new),
        Command::Route {
            bundle,
            message,
            path,
            bind,
        } => bundle_cmds::route(&bundle, &message, &path, bind.as_deref()),
    }
}
