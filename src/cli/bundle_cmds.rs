//! `build`, `inspect`, `diff` and `route`: the bundle commands.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use starlane_compiler::{bundle, inspect as view, route_match};
use starlane_ir::Bundle;
use starlane_lang::{Severity, render, settings};

use super::InspectFormat;

/// Builds the bundle in `dir`, printing its diagnostics to stderr (results go to stdout, as
/// `check` does); `None` when there were errors (after printing how many). Shared by `build` and
/// `run DIR`.
pub fn compile(dir: &Path, output: Option<&Path>) -> anyhow::Result<Option<(Bundle, usize)>> {
    let out = &mut std::io::stderr().lock();
    anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
    let settings = settings::load_for(dir)?;
    super::check::warn_unknown_lints(&settings);
    // A spinner naming the file being built, only on a terminal (indicatif hides itself otherwise).
    let progress = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    let result = bundle::build(dir, output, &settings, |path| {
        progress.set_message(format!("building {path}"));
        progress.tick();
    })?;
    progress.finish_and_clear();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (mut errors, mut warnings) = (0, 0);
    for report in &result.reports {
        // A problem of the bundle as a whole is shown on its directory.
        let name = match report.path.as_str() {
            "." | "" => dir.display().to_string(),
            path => dir.join(path).display().to_string(),
        };
        for d in &report.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Note => {}
            }
            if report.text.is_empty() {
                writeln!(
                    out,
                    "{}[{}]: {}: {}",
                    d.severity.as_str(),
                    d.code.id,
                    name,
                    d.message
                )?;
                for n in &d.notes {
                    writeln!(out, "  note: {n}")?;
                }
            } else {
                write!(out, "{}", render::terminal(d, &name, &report.text, color))?;
            }
        }
    }
    match result.bundle {
        Some(bundle) => Ok(Some((bundle, warnings))),
        None => {
            writeln!(
                out,
                "build failed: {errors} error{}, {warnings} warning{}",
                plural(errors),
                plural(warnings)
            )?;
            Ok(None)
        }
    }
}

pub fn build(
    dir: &Path,
    output: &Path,
    sign: Option<&Path>,
    version: Option<String>,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let Some((bundle, warnings)) = compile(dir, Some(output))? else {
        return Ok(ExitCode::from(1));
    };
    let mut bytes = starlane_ir::encode(&bundle, bundle::PRODUCER);
    if let Some(key) = sign {
        bytes = super::signing::sign_bytes(&bytes, key, version)?;
    }
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "built {}{} ({} bytes: {} bind{}, {} module{}, {} schema{}, {} file{}) in {:.0?}; {warnings} warning{}",
        output.display(),
        if sign.is_some() { ", signed" } else { "" },
        bytes.len(),
        bundle.binds.len(),
        plural(bundle.binds.len()),
        bundle.modules.len(),
        plural(bundle.modules.len()),
        bundle.schemas.len(),
        plural(bundle.schemas.len()),
        bundle.files.len(),
        plural(bundle.files.len()),
        started.elapsed(),
        plural(warnings)
    );
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A built bundle file, or a project directory built in memory first (its diagnostics on
/// stderr), so every command that reads a bundle takes either.
fn load(path: &Path) -> anyhow::Result<(starlane_ir::format::Header, Bundle)> {
    let bytes = if path.is_dir() {
        let Some((bundle, _)) = compile(path, None)? else {
            anyhow::bail!("{} does not build (see the errors above)", path.display());
        };
        starlane_ir::encode(&bundle, bundle::PRODUCER)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    starlane_ir::decode(&bytes).with_context(|| format!("cannot load {}", path.display()))
}

pub fn inspect(path: &Path, format: InspectFormat) -> anyhow::Result<ExitCode> {
    let (header, bundle) = load(path)?;
    match format {
        InspectFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&view::json(&header, &bundle))?
        ),
        InspectFormat::Human => print!("{}", view::text(&header, &bundle)),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn diff(old: &Path, new: &Path) -> anyhow::Result<ExitCode> {
    let (_, a) = load(old)?;
    let (_, b) = load(new)?;
    let changes = starlane_compiler::diff::diff(&a, &b);
    for c in &changes {
        println!("{}: {}", c.class(), c.message());
    }
    if changes.is_empty() {
        println!("no changes to routes, ports, schemas, permissions, timeouts or limits");
    }
    let flagged = changes.iter().filter(|c| c.needs_review()).count();
    Ok(if flagged > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn route(
    path: &Path,
    message: &str,
    request_path: &str,
    bind: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (_, bundle) = load(path)?;
    let method =
        starlane_ir::Method::parse(message).with_context(|| {
            match did_you_mean_method(message) {
                Some(m) => format!("`{message}` is not a message; did you mean `{m}`?"),
                None => format!("`{message}` is not a message such as `Http<Get>` or `Ext<Hello>`"),
            }
        })?;
    let bind = match bind {
        Some(name) => bundle
            .binds
            .iter()
            .find(|b| {
                bundle
                    .sources
                    .get(b.source as usize)
                    .is_some_and(|s| s.path == name)
            })
            .with_context(|| format!("the bundle has no bind {name}"))?,
        None => bundle
            .http_bind
            .and_then(|i| bundle.binds.get(i as usize))
            .context("the bundle has no bind that receives HTTP; pass --bind")?,
    };
    let (report, matched) = route_match::explain(&bundle, bind, &method, request_path);
    print!("{report}");
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `Http<GET>` → `Http<Get>`: the message whose kind and method the language's own tables
/// spell the same way but for case (an `Ext` method only needs its capital), if there is one.
fn did_you_mean_method(text: &str) -> Option<String> {
    use starlane_lang::vocabulary::{KINDS, methods_of};
    let (kind, rest) = text.trim().split_once('<')?;
    let method = rest.strip_suffix('>')?;
    let kind = KINDS.iter().find(|k| k.eq_ignore_ascii_case(kind))?;
    let method = match methods_of(kind) {
        Some(methods) => methods
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method))?
            .to_string(),
        None => {
            let mut chars = method.chars();
            chars.next()?.to_ascii_uppercase().to_string() + chars.as_str()
        }
    };
    starlane_ir::Method::parse(&format!("{kind}<{method}>")).map(|m| m.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_in_the_wrong_case_gets_a_suggestion() {
        use super::did_you_mean_method as guess;
        assert_eq!(guess("Http<GET>").as_deref(), Some("Http<Get>"));
        assert_eq!(guess("http<post>").as_deref(), Some("Http<Post>"));
        assert_eq!(guess("Http<Fetch>"), None);
        assert_eq!(guess("cmd<RAWCOMMAND>").as_deref(), Some("Cmd<RawCommand>"));
        assert_eq!(guess("Ext<sayHello>").as_deref(), Some("Ext<SayHello>"));
        assert_eq!(guess("nonsense"), None);
    }
}
