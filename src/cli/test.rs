//! `starlane test [DIR] [FILTER]` (`specs/testing.md`): builds the project in memory, runs the
//! cases of its `tests/*.toml` on the real runtime (virtual clock, stand-ins), and prints
//! cargo-test-style results or JUnit XML. Exit 0 when every case passes, 1 when one fails, 2
//! when the suite cannot run (the project does not build, a test file is invalid).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use starlane_testing::{RunOptions, Runner, report, update};

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// The project directory (its `tests/*.toml` hold the cases).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Run only the cases whose name (`file::case`) contains this.
    filter: Option<String>,
    /// `human` (cargo-test style) or `junit` (XML on stdout, for CI systems).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// Rewrite the expected bodies of failing cases to what came back (review the diff).
    #[arg(long)]
    update: bool,
    /// Cases run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Fuel per virtual millisecond of guest time.
    #[arg(long, value_name = "N", default_value_t = starlane_testing::run::DEFAULT_FUEL_PER_MS)]
    fuel_per_ms: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    Human,
    Junit,
}

pub fn run(args: TestArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let suites = match starlane_testing::load_dir(&args.dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let Some((bundle, _)) = super::bundle_cmds::compile(&args.dir, None)? else {
        eprintln!("error: the project does not build (diagnostics above); no test ran");
        return Ok(ExitCode::from(2));
    };
    let settings = starlane_lang::settings::load_for(&args.dir)?;
    let root = settings.root.clone().unwrap_or_else(|| args.dir.clone());
    let credentials = match &settings.run.credentials {
        Some(path) => {
            let path = root.join(path);
            Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut options = RunOptions {
        bindings: settings.run.bind.clone().into_iter().collect(),
        credentials,
        fuel_per_ms: args.fuel_per_ms,
        ..RunOptions::default()
    };
    if let Some(jobs) = args.jobs {
        options.jobs = jobs.max(1);
    }
    let runner = match Runner::new(bundle, options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the bundle does not load: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let total = starlane_testing::run::select(&suites, args.filter.as_deref()).len();
    let human = args.format == TestFormat::Human;
    if human {
        println!(
            "\nrunning {total} test{}",
            if total == 1 { "" } else { "s" }
        );
    }
    // A bar on a terminal while the cases run; the lines themselves come in file order after.
    let bar = if human && std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(total as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let results = runner.run(&suites, args.filter.as_deref(), &|_| bar.inc(1));
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    match args.format {
        TestFormat::Human => {
            for r in &results {
                writeln!(out, "{}", report::case_line(r))?;
            }
            write!(
                out,
                "{}",
                report::summary(&results, Some(started.elapsed()))
            )?;
        }
        TestFormat::Junit => write!(out, "{}", report::junit(&results))?,
    }
    if args.update {
        for suite in &suites {
            if let Some(text) = update::rewrite(suite, &results).map_err(anyhow::Error::msg)? {
                std::fs::write(&suite.path, text)
                    .with_context(|| format!("cannot write {}", suite.path.display()))?;
                eprintln!("updated expected bodies in {}", suite.path.display());
            }
        }
    }
    let failed = results.iter().any(|r| !r.passed());
    Ok(ExitCode::from(u8::from(failed)))
}
