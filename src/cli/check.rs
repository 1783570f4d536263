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
    /// The text as it was before `--fix` (see [`unfixed_but_gone`]), not a file of its own.
    before_fix: bool,
}

/// Where a document comes from: a file, or standard input (`-`) shown under a name.
enum Input {
    File(PathBuf),
    Stdin(PathBuf),
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.fix {
        anyhow::bail!("`--fix` rewrites files; it cannot rewrite standard input");
    }
    let named: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let mut inputs: Vec<Input> = collect_files(&named)?
        .into_iter()
        .map(Input::File)
        .collect();
    if stdin {
        // Like rustfmt and ruff: the path the text belongs to, for messages and settings.
        let shown = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        inputs.insert(0, Input::Stdin(shown));
    }
    let deny_warnings = args.deny.contains(&DenyWhat::Warnings);
    // Read (and fix) every document first: a project's build reads the fixed files.
    let mut documents = Vec::new();
    let (mut fixes, mut files_fixed) = (0, 0);
    let mut settings_seen = std::collections::HashSet::new();
    for input in &inputs {
        let (path, bytes) = match input {
            Input::File(path) => (
                path,
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
            ),
            Input::Stdin(shown) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                    .context("cannot read standard input")?;
                (shown, bytes)
            }
        };
        let mut settings = settings::load_for(path)?;
        if settings_seen.insert(settings.root.clone()) {
            warn_unknown_lints(&settings);
        }
        // `--deny warnings` is the project setting, given for this run; the compiler applies it.
        if deny_warnings {
            settings.check.deny_warnings_by_flag();
        }
        let (mut src, utf8_diags) = source::decode(&bytes);
        let mut before_fixing = None;
        if args.fix && utf8_diags.is_empty() {
            let (fixed, applied) = fix::fix_and_format(&src, 8);
            if applied > 0 && fixed != src {
                std::fs::write(path, &fixed)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                before_fixing = Some(std::mem::replace(&mut src, fixed));
                fixes += applied;
                files_fixed += 1;
            }
        }
        documents.push(Document {
            file: path.display().to_string(),
            from_stdin: matches!(input, Input::Stdin(_)),
            settings,
            src,
            utf8_diags,
            before_fixing,
        });
    }
    let mut builds = Vec::new();
    for project in projects_under(&named) {
        builds.push(build_project(&project, deny_warnings)?);
    }
    let mut results = Vec::new();
    for document in documents {
        // A `.bind` of a project was checked by its build, with the same settings: its report
        // holds everything the file's own check finds, and more.
        let built = if document.from_stdin {
            None
        } else {
            builds
                .iter_mut()
                .find(|b| b.root.is_some() && b.root == document.settings.root)
                .and_then(|b| b.take_bind_report(&document.file))
        };
        let mut diagnostics = match built {
            Some(report) => report.diagnostics,
            None => {
                let checked = starlane_compiler::check_document(&document.src, &document.settings);
                // A large tree is freed aside as `checked` goes (see `starlane_lang::Parse`).
                let mut d = checked.diagnostics;
                d.extend(document.utf8_diags);
                d
            }
        };
        starlane_lang::diagnostic::sort(&mut diagnostics);
        if let Some(original) = document.before_fixing {
            let before =
                starlane_compiler::check_document(&original, &document.settings).diagnostics;
            let vanished = unfixed_but_gone(before, &diagnostics);
            if !vanished.is_empty() {
                results.push(Checked {
                    file: format!("{} (before --fix)", document.file),
                    src: original,
                    diagnostics: vanished,
                    before_fix: true,
                });
            }
        }
        results.push(Checked {
            file: document.file,
            src: document.src,
            diagnostics,
            before_fix: false,
        });
    }
    for build in builds {
        add_bundle_checks(build, &mut results);
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

/// The bundle projects (directories holding a `starlane.toml`) at or below the directories in
/// `paths`; a project's own subdirectories are part of it.
fn projects_under(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).cloned().collect();
    while let Some(dir) = stack.pop() {
        if dir.join(settings::FILE_NAME).is_file() {
            out.push(dir);
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            stack.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
    }
    out.sort();
    out
}

/// A document read (and fixed) for checking.
struct Document {
    file: String,
    from_stdin: bool,
    settings: settings::Settings,
    src: String,
    utf8_diags: Vec<Diagnostic>,
    before_fixing: Option<String>,
}

/// A project's build: every check `build` runs, without writing the bundle.
struct ProjectBuild {
    /// The project's settings root, as `settings::load_for` gives it for the files in it.
    root: Option<PathBuf>,
    /// Each report under the name a file inside the project is shown by.
    reports: Vec<(String, starlane_compiler::bundle::FileReport)>,
}

impl ProjectBuild {
    /// The build's report of the `.bind` shown as `file`, taken out of the build's reports.
    fn take_bind_report(&mut self, file: &str) -> Option<starlane_compiler::bundle::FileReport> {
        let at = self
            .reports
            .iter()
            .position(|(shown, r)| shown == file && r.path.ends_with(".bind"))?;
        Some(self.reports.remove(at).1)
    }
}

fn build_project(project: &Path, deny_warnings: bool) -> anyhow::Result<ProjectBuild> {
    let mut settings = settings::load_for(project)?;
    if deny_warnings {
        settings.check.deny_warnings_by_flag();
    }
    let built = starlane_compiler::bundle::build(project, None, &settings, |_| {})
        .with_context(|| format!("cannot build {}", project.display()))?;
    let reports = built
        .reports
        .into_iter()
        .map(|report| {
            let shown = if report.path.is_empty() || report.path == "." {
                project.display().to_string()
            } else {
                project.join(&report.path).display().to_string()
            };
            (shown, report)
        })
        .collect();
    Ok(ProjectBuild {
        root: settings.root,
        reports,
    })
}

/// What building a project finds beyond its files' own checks — files the bundle names but
/// lacks (E0109), modules and schemas that do not verify (E0110, E0111), the manifest (E0112),
/// files an `(auth)` route guards but another serves (W0105) — added to `results`: `check`
/// runs every check `build` runs, without writing the bundle.
fn add_bundle_checks(build: ProjectBuild, results: &mut Vec<Checked>) {
    for (file, report) in build.reports {
        match results.iter_mut().find(|r| !r.before_fix && r.file == file) {
            Some(checked) => {
                for d in report.diagnostics {
                    let known = checked
                        .diagnostics
                        .iter()
                        .any(|c| c.code == d.code && c.primary.span == d.primary.span);
                    if !known {
                        checked.diagnostics.push(d);
                    }
                }
                starlane_lang::diagnostic::sort(&mut checked.diagnostics);
            }
            None if !report.diagnostics.is_empty() => results.push(Checked {
                file,
                src: report.text,
                diagnostics: report.diagnostics,
                before_fix: false,
            }),
            None => {}
        }
    }
}

/// `[lints]` entries of a project's `starlane.toml` that name no lint (W0107), on stderr: once
/// per project, by every command that reads the settings to check (`check`, `build`, `run DIR`).
pub(super) fn warn_unknown_lints(settings: &settings::Settings) {
    let file = settings
        .root
        .as_ref()
        .map(|r| r.join(settings::FILE_NAME).display().to_string())
        .unwrap_or_else(|| settings::FILE_NAME.to_string());
    for message in starlane_compiler::lints::unknown_in_settings(settings, &file) {
        eprintln!("warning{message}");
    }
}

/// Diagnostics of the text before `--fix` that no fix addressed (none of their suggestions was
/// machine-applicable) and that the fixed text no longer has: another fix made them disappear
/// without answering them (a version added to an unversioned file silences `W0008` while its
/// regexes change meaning). They are still reported, where they stood before fixing.
fn unfixed_but_gone(before: Vec<Diagnostic>, after: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut remaining: Vec<(&str, &str)> = after
        .iter()
        .map(|d| (d.code.id, d.message.as_str()))
        .collect();
    let mut gone = Vec::new();
    for d in before {
        let key = (d.code.id, d.message.as_str());
        if let Some(i) = remaining.iter().position(|k| *k == key) {
            remaining.swap_remove(i);
            continue;
        }
        let fixed = d.suggestions.iter().any(|s| {
            s.applicability == starlane_lang::diagnostic::Applicability::MachineApplicable
        });
        if !fixed {
            gone.push(d.note(
                "reported before `--fix`: the fixes made it disappear without addressing it",
            ));
        }
    }
    gone
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
            let files = results.iter().filter(|r| !r.before_fix).count();
            writeln!(
                out,
                "checked {} file{}: {errors} error{}, {warnings} warning{}",
                files,
                plural(files),
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
