//! The test files' JSON Schema (`specs/test-file.schema.json`, what editors validate with) and
//! the runner's own reading of test files agree: the example suite satisfies the schema, and
//! what the runner refuses the schema refuses too.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("specs/test-file.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn as_json(toml_text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_example_suite_satisfies_the_schema_and_the_runner() {
    let path = repo().join("examples/hello/tests/hello.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&as_json(&text))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    starlane_testing::Suite::parse(&path, &text).unwrap();
}

#[test]
fn what_the_runner_refuses_the_schema_refuses() {
    for text in [
        "[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\nexpcet = { status = 200 }\n",
        "[[case]]\nname = \"a b\"\nrequest = { path = \"/\" }\n",
        "[[case]]\nname = \"a\"\nrequest = { path = \"/\", body = \"x\", json = 1 }\n",
        "[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\nmocks.x = { delay = \"2 weeks\" }\n",
        "[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\nmessage = { to = \"localhost:x\", method = \"Ext<A>\" }\n",
    ] {
        assert!(
            starlane_testing::Suite::parse(Path::new("t.toml"), text).is_err(),
            "the runner accepts {text}"
        );
        assert!(
            !validator().is_valid(&as_json(text)),
            "the schema accepts {text}"
        );
    }
}
