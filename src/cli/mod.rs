//! Command-line parsing and dispatch; each subcommand lives in its own module.

mod check;
mod explain;

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
    /// Explain a diagnostic code, such as `E0006`.
    Explain {
        /// The code (`E0006`) or its name (`unclosed-delimiter`); omit to list every code.
        code: Option<String>,
    },
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
        Command::Explain { code } => explain::run(code.as_deref()),
    }
}
