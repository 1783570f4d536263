//! `specs/starlane-toml.schema.json` (what editors complete and validate `starlane.toml` with)
//! and the settings loader agree: the examples' files pass both, and what the loader refuses
//! the schema refuses too.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("specs/starlane-toml.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn as_json(text: &str) -> serde_json::Value {
    serde_json::to_value(toml::from_str::<toml::Value>(text).unwrap()).unwrap()
}

/// Whether the settings loader accepts `text` as a `starlane.toml`.
fn loads(text: &str) -> bool {
    let dir = std::env::temp_dir().join(format!(
        "starlane-settings-schema-{}-{}",
        std::process::id(),
        text.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("starlane.toml");
    std::fs::write(&path, text).unwrap();
    let ok = starlane_lang::settings::load_file(&path).is_ok();
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

#[test]
fn the_examples_settings_satisfy_the_schema() {
    for file in [
        "examples/hello/starlane.toml",
        "examples/mesh/shop/starlane.toml",
        "examples/mesh/ledger/starlane.toml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(loads(&text), "{file}");
        let errors: Vec<String> = validator()
            .iter_errors(&as_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
    }
}

#[test]
fn the_schema_and_the_loader_agree() {
    let accepted = [
        "[check]\ndeny_warnings = true\n[lints]\nunreachable-route = \"deny\"\n",
        "[run]\nbind = { hello = \"localhost:hello\" }\nidle_timeout = \"30s\"\nbody_budget = \"64MiB\"\ntrust = [\"ops.pub\"]\n[run.admin]\nopen = [\"metrics\"]\nmax_body = \"1MiB\"\n",
        "[mesh]\nurl = \"nats://127.0.0.1:4222\"\nack_timeout = \"200ms\"\nretries = 3\nper_host_in_flight = 64\n",
    ];
    let refused = [
        "[check]\ndeny_warning = true\n",
        "[lints]\nunreachable-route = \"loud\"\n",
        "[run]\nidle_timeout = \"30 minutes\"\n",
        "[run]\nbody_budget = \"64MB\"\n",
        "[run.admin]\ntoken = [\"x\"]\n",
        "[mesh]\nretries = \"three\"\n",
        "[serve]\nport = 1\n",
    ];
    for text in accepted {
        assert!(loads(text), "the loader refuses {text}");
        assert!(
            validator().is_valid(&as_json(text)),
            "the schema refuses {text}"
        );
    }
    for text in refused {
        assert!(!loads(text), "the loader accepts {text}");
        assert!(
            !validator().is_valid(&as_json(text)),
            "the schema accepts {text}"
        );
    }
}
