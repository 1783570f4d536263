//! `starlane explain CODE`: the Markdown page of a diagnostic code (front end and compiler) or
//! a runtime error code.

use std::process::ExitCode;

use starlane_compiler::codes;
use starlane_runtime::codes as runtime_codes;

pub fn run(code: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some(code) = code else {
        for c in codes::all() {
            println!("{}  {:<30} {}", c.id, c.name, c.summary);
        }
        for c in runtime_codes::ALL {
            println!("{}  {:<30} {}", c.id, c.name, c.summary);
        }
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(c) = codes::lookup(code) {
        print!("{}", c.explanation);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(c) = runtime_codes::lookup(code) {
        print!("{}", c.explanation);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("error: no diagnostic code `{code}`; `starlane explain` lists them all");
    Ok(ExitCode::from(2))
}
