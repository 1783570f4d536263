//! `starlane explain CODE`: the Markdown page of a diagnostic code.

use std::process::ExitCode;

use starlane_compiler::codes;

pub fn run(code: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some(code) = code else {
        for c in codes::all() {
            println!("{}  {:<30} {}", c.id, c.name, c.summary);
        }
        return Ok(ExitCode::SUCCESS);
    };
    match codes::lookup(code) {
        Some(c) => {
            print!("{}", c.explanation);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("error: no diagnostic code `{code}`; `starlane explain` lists them all");
            Ok(ExitCode::from(2))
        }
    }
}
