//! `starlane check`: find the documents, check each, print diagnostics, pick the exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use starlane_lang::line_index::LineIndex;
use starlane_lang::{Diagnostic, Severity, fix, render, settings, source};

use super::{CheckArgs, DenyWhat, Format};

/// Extensions searched for in directories; the document kind still comes from the header.
const EXTENSIONS: &[&str] = &["bind", "app", "conf"];

struct Checked {
    file: String,
    src: String,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let files = collect_files(&args.paths)?;
    let mut results = Vec::new();
    let (mut fixes, mut files_fixed) = (0, 0);
    for path in &files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut settings = settings::load_for(path)?;
        // `--deny warnings` is the project setting, given for this run; the compiler applies it.
        settings.check.deny_warnings |= args.deny.contains(&DenyWhat::Warnings);
        let (mut src, mut utf8_diags) = source::decode(&bytes);
        if args.fix && utf8_diags.is_empty() {
            let (fixed, applied) = fix::fix_to_fixpoint(&src, 8);
            if applied > 0 && fixed != src {
                std::fs::write(path, &fixed)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                src = fixed;
                fixes += applied;
                files_fixed += 1;
            }
        }
        let mut diagnostics = starlane_compiler::check_document(&src, &settings).diagnostics;
        diagnostics.append(&mut utf8_diags);
        starlane_lang::diagnostic::sort(&mut diagnostics);
        results.push(Checked {
            file: path.display().to_string(),
            src,
            diagnostics,
        });
    }
    print_results(&results, args.format)?;
    if args.fix {
        // What `--fix` did, like `cargo fix`; on stderr when stdout is for machines.
        let summary = format!(
            "applied {fixes} fix{} in {files_fixed} file{}",
            if fixes == 1 { "" } else { "es" },
            plural(files_fixed)
        );
        match args.format {
            Format::Human => println!("{summary}"),
            Format::Json | Format::Sarif => eprintln!("{summary}"),
        }
    }
    let errors = results
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(Diagnostic::is_error);
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_results(results: &[Checked], format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let (mut errors, mut warnings) = (0, 0);
            for r in results {
                for d in &r.diagnostics {
                    match d.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                        Severity::Note => {}
                    }
                    write!(out, "{}", render::terminal(d, &r.file, &r.src, color))?;
                }
            }
            writeln!(
                out,
                "checked {} file{}: {errors} error{}, {warnings} warning{}",
                results.len(),
                plural(results.len()),
                plural(errors),
                plural(warnings)
            )?;
        }
        Format::Json => {
            for r in results {
                let index = LineIndex::new(&r.src);
                for d in &r.diagnostics {
                    writeln!(out, "{}", render::json(d, &r.file, &r.src, &index))?;
                }
            }
        }
        Format::Sarif => {
            let files: Vec<_> = results
                .iter()
                .map(|r| (r.file.clone(), r.src.clone(), r.diagnostics.clone()))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&render::sarif(&files))?
            )?;
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Files named directly are always checked; directories are walked for known extensions, sorted.
pub(super) fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                if !path.file_name().is_some_and(|n| {
                    n.to_string_lossy().starts_with('.') || n == "target" || n == "node_modules"
                }) {
                    stack.push(path);
                }
            } else if path
                .extension()
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e == *x))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    files.extend(found);
    Ok(())
}
