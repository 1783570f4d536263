//! `starlane check --format sarif` over every conformance case (`specs/tests`) validates against
//! the official SARIF 2.1.0 schema (OASIS, vendored as `specs/tools/sarif-schema-2.1.0.json`)
//! and has what code scanning needs: `columnKind`, a rule for every result's code (help and
//! default level), regions, `relatedLocations` from secondary labels and `fixes` from
//! machine-applicable suggestions.

mod support;

use serde_json::Value;

fn sarif_of_the_corpus() -> Value {
    let (_, out, err) = support::starlane_in(
        &support::repo(),
        &["check", "--format", "sarif", "specs/tests"],
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
}

#[test]
fn every_conformance_case_gives_valid_sarif_2_1_0() {
    let log = sarif_of_the_corpus();
    let text = std::fs::read_to_string(support::repo().join("specs/tools/sarif-schema-2.1.0.json"))
        .unwrap();
    // The official schema's `language` patterns have an unbalanced `]`, which the JSON Schema
    // crate's regex check refuses; escaped, they mean what the spec's authors meant.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does look: a level SARIF does not have is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn results_carry_what_code_scanning_reads() {
    let log = sarif_of_the_corpus();
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 100, "the corpus has many diagnostics");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "{r}");
        let location = &r["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".bind")
                || location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(".app")
                || location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(".conf")
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
    }
    // Front-end and compiler codes alike are rules with help and a default level.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.iter().any(|id| id.starts_with("E00")), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("E01")), "{ids:?}");
    for rule in rules {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        assert!(
            ["error", "warning", "note"]
                .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()),
            "{rule}"
        );
    }
    let with_fixes: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    assert!(
        !with_fixes.is_empty(),
        "machine-applicable suggestions become fixes"
    );
    let change = &with_fixes[0]["fixes"][0]["artifactChanges"][0];
    assert!(
        change["replacements"][0]["deletedRegion"]["startLine"]
            .as_u64()
            .is_some(),
        "{change}"
    );
    assert!(
        change["replacements"][0]["insertedContent"]["text"].is_string(),
        "{change}"
    );
    assert!(
        results.iter().any(|r| r.get("relatedLocations").is_some()),
        "secondary labels become related locations"
    );
}
