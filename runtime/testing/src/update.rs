//! `starlane test --update`: rewrites the expected bodies of failing steps to what came back
//! (snapshot style, for review in the diff), keeping the rest of the file as written
//! (toml_edit). Only bodies are rewritten — `body` stays exact text, `json` stays JSON when the
//! answer is JSON TOML can hold — never a status, a code or a call expectation.

use serde_json::Value;
use toml_edit::{Array, DocumentMut, InlineTable, Item};

use crate::run::{BodyForm, CaseResult};
use crate::suite::Suite;

/// The suite's text with the bodies of `results`' failing steps replaced; `None` when nothing
/// changed.
pub fn rewrite(suite: &Suite, results: &[CaseResult]) -> Result<Option<String>, String> {
    let mut doc: DocumentMut = suite
        .text
        .parse()
        .map_err(|e| format!("{}: {e}", suite.path.display()))?;
    let mut changed = false;
    for r in results.iter().filter(|r| r.path == suite.path) {
        for step in &r.steps {
            let body_differs = step
                .mismatches
                .iter()
                .any(|m| m.what == "body" || m.what == "json");
            let Some(outcome) = step.outcome.as_ref().filter(|_| body_differs) else {
                continue;
            };
            let (case, index) = step.expect_at;
            let Some(case_table) = doc["case"]
                .as_array_of_tables_mut()
                .and_then(|cases| cases.get_mut(case))
            else {
                continue;
            };
            let expect = match index {
                Some(i) => case_table
                    .get_mut("steps")
                    .and_then(Item::as_array_of_tables_mut)
                    .and_then(|steps| steps.get_mut(i))
                    .and_then(|s| s.get_mut("expect")),
                None => case_table.get_mut("expect"),
            };
            let Some(expect) = expect.and_then(Item::as_table_like_mut) else {
                continue;
            };
            let text = String::from_utf8_lossy(&outcome.body).into_owned();
            let json = serde_json::from_slice::<Value>(&outcome.body)
                .ok()
                .and_then(|v| toml_value(&v));
            match (step.body_form, json) {
                (BodyForm::Json, Some(value)) => {
                    expect.insert("json", Item::Value(value));
                }
                (BodyForm::Json, None) => {
                    expect.remove("json");
                    expect.insert("body", toml_edit::value(text));
                }
                _ => {
                    expect.insert("body", toml_edit::value(text));
                }
            }
            changed = true;
        }
    }
    Ok(changed.then(|| doc.to_string()))
}

/// A JSON value as a TOML value; `None` when it holds a `null` (TOML has none).
fn toml_value(v: &Value) -> Option<toml_edit::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64()?.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array = Array::new();
            for item in items {
                array.push(toml_value(item)?);
            }
            toml_edit::Value::Array(array)
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, item) in map {
                table.insert(k, toml_value(item)?);
            }
            toml_edit::Value::InlineTable(table)
        }
    })
}
