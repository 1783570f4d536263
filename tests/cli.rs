//! The `starlane` binary end to end: exit codes, human output snapshots, JSON lines, SARIF, --fix.

use std::process::Command;

fn starlane(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_starlane"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn checking_the_bundled_examples_succeeds() {
    let (code, out) = starlane(&["check", "examples/"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checked 42 files: 0 errors"), "{out}");
}

#[test]
fn errors_exit_1_and_render_like_rustc() {
    let (code, out) = starlane(&["check", "specs/tests/many-errors-one-each.bind"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("many_errors_human", out);
}

#[test]
fn unclosed_delimiter_points_at_the_end_and_the_opening() {
    let (_, out) = starlane(&["check", "specs/tests/unclosed-nested.bind"]);
    insta::assert_snapshot!("unclosed_human", out);
}

#[test]
fn legacy_file_warnings_render_with_their_fixes() {
    let (code, out) = starlane(&["check", "specs/tests/legacy-all-generations.bind"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("legacy_human", out);
}

#[test]
fn deny_warnings_turns_warnings_into_errors() {
    let (code, _) = starlane(&[
        "check",
        "--deny",
        "warnings",
        "specs/tests/w0003-legacy-core-stop.bind",
    ]);
    assert_eq!(code, 1);
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let (code, out) = starlane(&[
        "check",
        "--format",
        "json",
        "specs/tests/unicode-before-error.bind",
        "specs/tests/many-errors-one-each.bind",
    ]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 5);
    for key in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "labels",
        "notes",
        "help",
        "suggestions",
        "column_utf16",
    ] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
    // `é` (2 bytes, 1 UTF-16 unit) on line 3 after `  Route<Http<Get>> -> `.
    assert_eq!(
        (
            lines[0]["code"].as_str(),
            lines[0]["line"].as_u64(),
            lines[0]["column"].as_u64()
        ),
        (Some("E0035"), Some(3), Some(23))
    );
    assert_eq!(lines[0]["end_column"].as_u64(), Some(25));
    assert_eq!(lines[0]["end_column_utf16"].as_u64(), Some(24));
    assert_eq!(lines[4]["code"], "E0008");
    assert_eq!(
        lines[4]["suggestions"][0]["applicability"],
        "machine-applicable"
    );
}

#[test]
fn sarif_output_is_a_sarif_log() {
    let (_, out) = starlane(&[
        "check",
        "--format",
        "sarif",
        "specs/tests/many-errors-one-each.bind",
    ]);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
}

#[test]
fn missing_file_exits_2() {
    let (code, out) = starlane(&["check", "no/such/file.bind"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read"));
}

#[test]
fn fix_rewrites_legacy_files_in_place() {
    let dir = std::env::temp_dir().join(format!("starlane-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("legacy.bind");
    std::fs::copy("specs/tests/legacy-all-generations.bind", &file).unwrap();
    let (code, out) = starlane(&["check", "--fix", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // The fixed file has no warning left; the one warning is W0008 from before fixing, which
    // the added version silenced without changing the regexes it is about.
    assert!(out.contains("0 errors, 1 warning"), "{out}");
    assert!(
        out.contains("[W0008]") && out.contains("(before --fix)"),
        "{out}"
    );
    let applied = out
        .lines()
        .find_map(|l| l.strip_prefix("applied "))
        .unwrap_or_else(|| panic!("no summary of the fixes: {out}"));
    assert!(applied.ends_with(" in 1 file"), "{out}");
    assert!(!applied.starts_with("0 "), "{out}");
    let fixed = std::fs::read_to_string(&file).unwrap();
    insta::assert_snapshot!("legacy_fixed", fixed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_still_reports_what_it_silenced_without_fixing() {
    let dir = std::env::temp_dir().join(format!("starlane-fix-w0008-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("unversioned.bind");
    // Unversioned: W0008 warns that the regex now matches the whole path. The version the
    // W0001 fix adds silences it, but nothing changed the regex.
    std::fs::write(
        &file,
        "Bind {\n  Http {\n    <Get>/(.*) -> {{ }} => &;\n  }\n}\n",
    )
    .unwrap();
    let (code, out) = starlane(&["check", "--fix", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("[W0008]"), "{out}");
    assert!(out.contains("(before --fix):3:10"), "{out}");
    assert!(
        out.contains("the fixes made it disappear without addressing it"),
        "{out}"
    );
    assert!(out.contains("checked 1 file: 0 errors, 1 warning"), "{out}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("Bind(version=1.0.0)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_reads_standard_input_under_the_name_it_is_given() {
    let bad = "Bind(version=1.0.0) {\n  Route<Http<GET>> -> (()) => &;\n}\n";
    let (code, out, _) =
        starlane_with_stdin(&["check", "-", "--stdin-filename", "src/app.bind"], bad);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[E0014]") && out.contains("src/app.bind:2:14"),
        "{out}"
    );
    let (code, out, _) = starlane_with_stdin(&["check", "-", "--format", "json"], bad);
    assert_eq!(code, 1);
    assert!(out.contains("\"file\":\"<stdin>\""), "{out}");
    let (code, _, err) = starlane_with_stdin(&["check", "-", "--fix"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot rewrite standard input"), "{err}");
}

#[test]
fn lint_names_that_name_no_lint_are_reported() {
    let dir = std::env::temp_dir().join(format!("starlane-lints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("starlane.toml"),
        "[lints]\nunreachable-rout = \"deny\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.bind"),
        "Bind(version=1.1.0) {\n  # starlane: allow(unreachable-rout)\n  Route<Http<Get>>/a -> (( )) => &;\n}\n",
    )
    .unwrap();
    let (code, out) = starlane(&["check", dir.join("a.bind").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("starlane.toml: `[lints]` names no lint `unreachable-rout`; did you mean `unreachable-route`?"),
        "{out}"
    );
    assert!(
        out.contains("[W0107] Warning: no lint is named `unreachable-rout`"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check DIR` on a project runs every check `build` runs: a schema the bundle lacks (E0109)
/// and one that is not a JSON Schema (E0111) are found without building.
#[test]
fn check_of_a_project_finds_what_build_finds() {
    let dir = std::env::temp_dir().join(format!("starlane-check-project-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(std::path::Path::new("examples/hello"), &dir);
    let (code, out) = starlane(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    std::fs::write(dir.join("schema/profile.json"), "{\"type\": 12}").unwrap();
    let (code, out) = starlane(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[E0111]"), "{out}");
    std::fs::remove_file(dir.join("schema/profile.json")).unwrap();
    let (code, out) = starlane(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[E0109]") && out.contains("profiles.bind"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check DIR` reports a project's binds as its build finds them, each finding once (the build
/// checks every bind; the file is not checked a second time on its own), and `--deny warnings`
/// denies a warning only the build can see (W0105) as it does a bind's own (W0103).
#[test]
fn check_of_a_project_reports_each_finding_once_and_denies_the_builds_warnings_too() {
    let dir = std::env::temp_dir().join(format!("starlane-check-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(std::path::Path::new("examples/hello"), &dir);
    let bind = dir.join("bind/hello.bind");
    let text = std::fs::read_to_string(&bind)
        .unwrap()
        .replacen(
            "Bind(version=1.1.0) {\n",
            "Bind(version=1.1.0) {\n  Port unused { }\n",
            1,
        )
        .replacen(
            "    <Get>/missing",
            "    <Get>/p/(.*) -> ${doc.bundle}:/private/${1} => &;\n    <Get>/missing",
            1,
        );
    std::fs::write(&bind, text).unwrap();
    let (code, out) = starlane(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("[W0103] Warning").count(), 1, "{out}");
    assert_eq!(out.matches("[W0105] Warning").count(), 1, "{out}");
    assert!(out.contains("0 errors, 2 warnings"), "{out}");
    let (code, out) = starlane(&["check", dir.to_str().unwrap(), "--deny", "warnings"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("[W0103] Error").count(), 1, "{out}");
    assert_eq!(out.matches("[W0105] Error").count(), 1, "{out}");
    assert!(out.contains("2 errors, 0 warnings"), "{out}");
    // The note names what denied them: the flag, here.
    assert_eq!(
        out.matches("warnings are denied (`--deny warnings`)")
            .count(),
        2,
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn explain_prints_the_page_and_rejects_unknown_codes() {
    let (code, out) = starlane(&["explain", "E0006"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# E0006: Unclosed delimiter"));
    let (code, _) = starlane(&["explain", "unclosed-delimiter"]);
    assert_eq!(code, 0);
    let (code, _) = starlane(&["explain", "E9999"]);
    assert_eq!(code, 2);
}

fn build_hello(out: &std::path::Path) {
    let (code, text) = starlane(&["build", "examples/hello", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn inspect_prints_the_ir() {
    let out = std::env::temp_dir().join(format!("starlane-inspect-{}.bundle", std::process::id()));
    build_hello(&out);
    let (code, text) = starlane(&["inspect", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    let text = text.lines().skip(1).collect::<Vec<_>>().join("\n"); // the first line holds the hash
    insta::assert_snapshot!("inspect_hello", text);
    let (code, json) = starlane(&["inspect", "--format", "json", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["bundle"]["mechtrons"][0]["name"], "hello");
    assert_eq!(v["bundle"]["modules"][0]["size"], 207);
    let _ = std::fs::remove_file(out);
}

#[test]
fn route_dry_run_explains_the_choice() {
    let out = std::env::temp_dir().join(format!("starlane-route-{}.bundle", std::process::id()));
    build_hello(&out);
    let (code, text) = starlane(&["route", out.to_str().unwrap(), "Http<Post>", "/profile"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("route_profile", text);
    let (code, _) = starlane(&["route", out.to_str().unwrap(), "Http<Get>", "/nowhere"]);
    assert_eq!(code, 1);
    let _ = std::fs::remove_file(out);
}

#[test]
fn a_corrupted_bundle_is_a_clear_error() {
    let out = std::env::temp_dir().join(format!("starlane-corrupt-{}.bundle", std::process::id()));
    build_hello(&out);
    let mut bytes = std::fs::read(&out).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 1;
    std::fs::write(&out, &bytes).unwrap();
    let (code, text) = starlane(&["inspect", out.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        text.contains("corrupted bundle: the body's SHA-256 does not match the header"),
        "{text}"
    );
    std::fs::write(&out, &bytes[..40]).unwrap();
    let (_, text) = starlane(&["inspect", out.to_str().unwrap()]);
    assert!(text.contains("truncated bundle"), "{text}");
    let _ = std::fs::remove_file(out);
}

#[test]
fn diff_reports_breaking_changes_and_widenings() {
    let dir = std::env::temp_dir().join(format!("starlane-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |name: &str, bind: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("app.bind"), bind).unwrap();
        let out = dir.join(format!("{name}.bundle"));
        let (code, text) = starlane(&["build", d.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        out
    };
    let old = write(
        "old",
        "Bind(version=1.1.0) {\n  Requires { files: FileStore; }\n  Port save { request: *; grant perm +cSd-Rwx on ${files}:**; }\n  Route<Http<Post>>/save -> ((save)) => &;\n  Route<Http<Get>>/a -> (()) => &;\n}\n",
    );
    let new = write(
        "new",
        "Bind(version=1.1.0) {\n  Requires { files: FileStore; }\n  Port save { request: Json; grant perm +cSd-RWx on ${files}:**; call ${files}:**^Ext<Select>; }\n  Route<Http<Post>>/save -[ Json ]-> ((save)) => &;\n}\n",
    );
    let (code, text) = starlane(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    insta::assert_snapshot!("diff_old_new", text);
    let (code, _) = starlane(&["diff", old.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs the binary with `stdin` piped in; returns (exit code, stdout, stderr).
fn starlane_with_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_starlane"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let src = "Bind(version=1.0.0){Route<Ext<A>>->(())=>&; # keep me\n}";
    let want = "Bind(version=1.0.0) {\n  Route<Ext<A>> -> (()) => &; # keep me\n}\n";
    for args in [&["fmt"][..], &["fmt", "-"][..]] {
        let (code, out, err) = starlane_with_stdin(args, src);
        assert_eq!((code, out.as_str()), (0, want), "{err}");
    }
    // Syntax errors: the input unchanged on stdout (an editor's filter never loses text), the
    // reason on stderr; `--force` formats what it can.
    let broken = "Bind(version=1.0.0) {   Route<Ext<A>> -> ; }";
    let (code, out, err) = starlane_with_stdin(&["fmt"], broken);
    assert_eq!((code, out.as_str()), (1, broken));
    assert!(
        err.contains("<stdin>") && err.contains("syntax errors"),
        "{err}"
    );
    let (code, out, err) = starlane_with_stdin(&["fmt", "--force"], broken);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Bind(version=1.0.0) {\n  Route<Ext<A>> ->;\n}\n");
}

#[test]
fn fmt_formats_checks_and_diffs() {
    let dir = std::env::temp_dir().join(format!("starlane-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.bind");
    std::fs::write(
        &file,
        "Bind(version=1.0.0){Route<Ext<A>>->(())=>&; # keep me\n}",
    )
    .unwrap();
    let (code, out) = starlane(&["fmt", "--check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = starlane(&["fmt", "--diff", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("+  Route<Ext<A>> -> (()) => &; # keep me"),
        "{out}"
    );
    let (code, _) = starlane(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "Bind(version=1.0.0) {\n  Route<Ext<A>> -> (()) => &; # keep me\n}\n"
    );
    let (code, _) = starlane(&["fmt", "--check", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    std::fs::write(&file, "Bind(version=1.0.0) { Route<Ext<A>> -> ; }").unwrap();
    let (code, out) = starlane(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("syntax errors"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "Bind(version=1.0.0) { Route<Ext<A>> -> ; }",
        "left untouched"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn build_writes_diagnostics_to_stderr_and_its_result_to_stdout() {
    let dir = std::env::temp_dir().join(format!("starlane-build-streams-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.bind"),
        "Bind(version=1.1.0) {\n  Route<Http<Get>>/x -> ((nope)) => &;\n}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_starlane"))
        .args(["build", dir.to_str().unwrap(), "-o"])
        .arg(dir.join("a.bundle"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(
        stderr.contains("E0101") && stderr.contains("build failed: 1 error"),
        "{stderr}"
    );
    // A successful build prints its result on stdout.
    let out = Command::new(env!("CARGO_BIN_EXE_starlane"))
        .args(["build", "examples/hello", "-o"])
        .arg(dir.join("hello.bundle"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("built "));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn deny_warnings_applies_to_build_as_to_check() {
    let dir = std::env::temp_dir().join(format!("starlane-deny-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bind")).unwrap();
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    let hello = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello");
    std::fs::copy(hello.join("wasm/hello.wasm"), dir.join("wasm/hello.wasm")).unwrap();
    std::fs::copy(hello.join("hello.app"), dir.join("hello.app")).unwrap();
    // `Port unused` is never routed to: a warning (W0103).
    std::fs::write(
        dir.join("bind/hello.bind"),
        "Bind(version=1.1.0) {\n  Port unused { }\n  Route<Http<Get>>/hello -> (( )) => &;\n}\n",
    )
    .unwrap();
    let build = || {
        Command::new(env!("CARGO_BIN_EXE_starlane"))
            .args(["build", dir.to_str().unwrap(), "-o"])
            .arg(dir.join("out.bundle"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = build();
    assert!(
        out.status.success(),
        "a warning alone does not fail the build"
    );
    std::fs::write(dir.join("starlane.toml"), "[check]\ndeny_warnings = true\n").unwrap();
    let out = build();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("W0103") && stderr.contains("warnings are denied"),
        "{stderr}"
    );
    let (code, text) = starlane(&["check", dir.join("bind/hello.bind").to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn route_refuses_a_message_in_the_wrong_case_with_a_suggestion() {
    let dir = std::env::temp_dir().join(format!("starlane-cli-route-case-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("hello.bundle");
    build_hello(&bundle);
    let (code, out) = starlane(&["route", bundle.to_str().unwrap(), "Http<GET>", "/hello"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("did you mean `Http<Get>`?"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The examples people copy are formatted as `starlane fmt` would (the real Starlane files under
/// `examples/starlane/` are kept as their authors wrote them).
#[test]
fn our_examples_are_formatted() {
    let (code, out) = starlane(&["fmt", "--check", "examples/hello", "examples/mesh"]);
    assert_eq!(
        code, 0,
        "run `starlane fmt examples/hello examples/mesh`:\n{out}"
    );
}

/// `inspect`, `route` and `diff` take a project directory as well as a built bundle.
#[test]
fn bundle_commands_take_a_project_directory_too() {
    let (code, out) = starlane(&["route", "examples/hello", "Http<Get>", "/hello"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("route #2 Http<Get>/hello matches"), "{out}");
    let (code, out) = starlane(&["inspect", "examples/hello"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("bind bind/hello.bind"), "{out}");
    let (code, out) = starlane(&["diff", "examples/hello", "examples/hello"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn inspect_refuses_a_format_it_cannot_print() {
    let (code, out) = starlane(&["inspect", "examples/hello", "--format", "sarif"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("possible values: human, json"), "{out}");
}
