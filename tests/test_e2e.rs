//! `starlane test` from the outside, as a user runs it (`specs/testing.md`): the example's suite
//! passes; a suite with wrong expectations fails with the right report and exit code (so a
//! runner that passes everything fails here); JUnit XML; `--update`; byte-identical reruns; a
//! broken test file is exit 2 with its line.

mod support;

use std::path::{Path, PathBuf};

use support::{copy_dir, hello, scratch_dir, starlane_in};

/// A copy of the hello example whose `tests/` holds only `suite` (as `tests/checks.toml`).
fn project_with(tag: &str, suite: &str) -> PathBuf {
    let dir = scratch_dir(tag);
    let project = dir.join("app");
    copy_dir(&hello(), &project);
    let tests = project.join("tests");
    let _ = std::fs::remove_dir_all(&tests);
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::write(tests.join("checks.toml"), suite).unwrap();
    project
}

fn test(project: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["test", "app"];
    all.extend_from_slice(args);
    starlane_in(project.parent().unwrap(), &all)
}

/// The wall time is the one thing that differs between runs.
fn without_wall_time(out: &str) -> String {
    let re = regex::Regex::new(r"finished in [0-9.]+s").unwrap();
    re.replace_all(out, "finished in <wall>").into_owned()
}

#[test]
fn the_hello_example_passes_its_own_suite() {
    let (code, out, err) = starlane_in(&support::repo(), &["test", "examples/hello"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("test result: ok. 16 passed; 0 failed"),
        "{out}"
    );
    assert!(
        out.contains("test hello::a_slow_hello_runs_out_the_ports_total_time ... ok"),
        "{out}"
    );
}

const WRONG: &str = r#"
[[case]]
name = "right"
request = { path = "/hello" }
expect = { status = 200, body = "hello" }

[[case]]
name = "wrong_body"
request = { path = "/hello" }
expect = { status = 200, body = "goodbye" }

[[case]]
name = "wrong_status_and_code"
request = { method = "POST", path = "/profile", json = { email = "ada@example.com" } }
expect = { status = 200 }

[[case]]
name = "expects_a_call_that_never_happens"
request = { path = "/hello" }
calls = [{ target = "localhost:profiles", op = "Ext<Save>" }]

[[case]]
name = "a_mock_without_an_answer"
request = { method = "POST", path = "/profile", json = { name = "ada" } }
mocks.hello = { answers = [{ op = "Ext<Goodbye>", body = "bye" }] }

[[case]]
name = "a_mock_answers_in_place_of_hello"
request = { method = "POST", path = "/profile", json = { name = "ada" } }
expect = { json = { saved = true, greeting = "yo, ada" } }
mocks.hello = { answers = [{ body = "yo" }] }

# A stand-in is held to the port it replaces: save-profile answers `Json`, so text is refused.
[[case]]
name = "a_mock_cannot_answer_what_the_port_forbids"
bind = { profiles = "localhost:profiles" }
request = { method = "POST", path = "/profile", json = { name = "ada" } }
expect = { status = 200 }
mocks.profiles = { answers = [{ op = "save-profile", body = "not json" }] }
"#;

#[test]
fn wrong_expectations_fail_with_a_diff_the_bind_location_and_exit_1() {
    let project = project_with("test-wrong", WRONG);
    let (code, out, err) = test(&project, &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    insta::assert_snapshot!("wrong_expectations", without_wall_time(&out));
}

#[test]
fn the_same_suite_gives_the_same_bytes_twice() {
    let (_, first, _) = starlane_in(
        &support::repo(),
        &["test", "examples/hello", "--format", "junit"],
    );
    let (code, second, _) = starlane_in(
        &support::repo(),
        &["test", "examples/hello", "--format", "junit", "-j", "1"],
    );
    assert_eq!(code, 0);
    assert!(first.starts_with("<?xml"), "{first}");
    assert_eq!(first, second, "two runs (parallel, then one job) differ");
    // The stand-in's 2 s delay is virtual time, reported as the case's time.
    assert!(
        first.contains(r#"name="a_slow_hello_runs_out_the_ports_total_time" classname="hello" file="examples/hello/tests/hello.toml" line="#),
        "{first}"
    );
}

#[test]
fn junit_names_failures_and_their_file() {
    let project = project_with("test-junit", WRONG);
    let (code, out, _) = test(&project, &["--format", "junit"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(r#"<testsuite name="checks" tests="7" failures="5""#),
        "{out}"
    );
    assert!(
        out.contains(r#"<testcase name="right" classname="checks""#),
        "{out}"
    );
    assert!(out.contains("<failure message="), "{out}");
    assert!(
        !out.contains("finished in"),
        "JUnit has no wall time: {out}"
    );
}

#[test]
fn update_rewrites_expected_bodies_and_the_suite_then_passes() {
    let suite = r#"# kept as written
[[case]]
name = "greets"
request = { path = "/hello" }
expect = { status = 200, body = "goodbye" } # the old answer

[[case]]
name = "saves"
request = { method = "POST", path = "/profile", json = { name = "ada" } }
expect = { json = { greeting = "bye" } }
"#;
    let project = project_with("test-update", suite);
    let (code, _, err) = test(&project, &["--update"]);
    assert_eq!(code, 1, "the run that updates still reports the failures");
    assert!(err.contains("updated expected bodies"), "{err}");
    let text = std::fs::read_to_string(project.join("tests/checks.toml")).unwrap();
    assert!(text.starts_with("# kept as written\n"), "{text}");
    assert!(text.contains(r#"body = "hello""#), "{text}");
    assert!(text.contains(r#"greeting = "hello, ada""#), "{text}");
    assert!(text.contains("status = 200"), "{text}");
    let (code, out, _) = test(&project, &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_broken_test_file_is_exit_2_with_its_line() {
    let project = project_with(
        "test-broken",
        "[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\nexpcet = { status = 200 }\n",
    );
    let (code, out, err) = test(&project, &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("tests/checks.toml:4:"), "{err}");
    assert!(err.contains("expcet"), "{err}");
}

#[test]
fn a_filter_runs_the_matching_cases_only() {
    let project = project_with("test-filter", WRONG);
    let (code, out, _) = test(&project, &["right"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("running 1 test\n"), "{out}");
    assert!(out.contains("1 passed; 0 failed"), "{out}");
}

#[test]
fn a_stand_in_generates_what_the_ports_response_schema_admits() {
    let suite = r#"
[[case]]
name = "generated"
bind = { profiles = "localhost:profiles" }
request = { method = "POST", path = "/profile", json = { name = "ada" } }
expect = { status = 200, json = { name = "a" }, schema = { required = ["name"] } }
mocks.profiles = { answers = [{ op = "save-profile", generate = true }] }
"#;
    let project = project_with("test-generate", suite);
    // save-profile now promises a Profile back: the generated answer must satisfy it.
    let bind = project.join("bind/profiles.bind");
    let text = std::fs::read_to_string(&bind).unwrap();
    std::fs::write(
        &bind,
        text.replace("response: Json;", "response: Json~Profile;"),
    )
    .unwrap();
    let (code, out, err) = test(&project, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
}
