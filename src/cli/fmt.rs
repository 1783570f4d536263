//! `starlane fmt`: formats files in place, or checks / diffs them, or stdin to stdout.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use starlane_lang::format::{FormatError, format};

use super::FmtArgs;

pub fn run(args: FmtArgs) -> anyhow::Result<ExitCode> {
    if args.paths.is_empty() || args.paths == [PathBuf::from("-")] {
        let mut src = String::new();
        std::io::stdin()
            .read_to_string(&mut src)
            .context("cannot read standard input")?;
        return match format(&src, args.force) {
            Ok(out) => {
                std::io::stdout().write_all(out.as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("error: <stdin>: {e}");
                std::io::stdout().write_all(src.as_bytes())?; // a filter never loses input
                Ok(ExitCode::from(1))
            }
        };
    }
    let files = super::check::collect_files(&args.paths)?;
    let (mut changed, mut failed) = (0, 0);
    for path in &files {
        let src = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let out = match format(&src, args.force) {
            Ok(out) => out,
            Err(e @ (FormatError::SyntaxErrors | FormatError::TokensChanged)) => {
                eprintln!("{}: not formatted: {e}", path.display());
                failed += 1;
                continue;
            }
        };
        if out == src {
            continue;
        }
        changed += 1;
        if args.diff {
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&src, &out);
            print!(
                "{}",
                diff.unified_diff().context_radius(2).header(&name, &name)
            );
        } else if args.check {
            println!("{} is not formatted", path.display());
        } else {
            std::fs::write(path, &out)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("formatted {}", path.display());
        }
    }
    let dirty = (args.check || args.diff) && changed > 0;
    Ok(if dirty || failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
