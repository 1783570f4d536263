//! JSON Schema documents of a bundle: parsed, meta-validated, and compiled with every other
//! schema of the bundle registered in memory under `starlane-bundle:///PATH`, so `$ref`s between
//! them resolve offline.

use jsonschema::{Registry, Resource};
use serde_json::Value;

/// The URI a bundle file is registered under.
pub fn bundle_uri(path: &str) -> String {
    format!("starlane-bundle:///{path}")
}

/// A problem with one schema document: its path, a byte offset into it, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    pub path: String,
    pub offset: usize,
    pub message: String,
}

/// Checks every document; returns the problems (empty: all valid and all `$ref`s resolve).
pub fn check_all(docs: &[(String, String)]) -> Vec<SchemaProblem> {
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for (path, text) in docs {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => parsed.push((path.clone(), v)),
            Err(e) => problems.push(SchemaProblem {
                path: path.clone(),
                offset: offset_of(text, e.line(), e.column()),
                message: format!("not JSON: {e}"),
            }),
        }
    }
    for (path, value) in &parsed {
        if let Err(e) = jsonschema::meta::validate(value) {
            problems.push(SchemaProblem {
                path: path.clone(),
                offset: 0,
                message: format!("not a valid JSON Schema: {e} (at {})", e.instance_path()),
            });
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let mut registry = Registry::new();
    for (path, value) in &parsed {
        registry = match registry.add(bundle_uri(path), Resource::from_contents(value.clone())) {
            Ok(r) => r,
            Err(e) => {
                problems.push(SchemaProblem {
                    path: path.clone(),
                    offset: 0,
                    message: e.to_string(),
                });
                return problems;
            }
        };
    }
    let registry = match registry.prepare() {
        Ok(r) => r,
        Err(e) => {
            problems.push(SchemaProblem {
                path: String::new(),
                offset: 0,
                message: e.to_string(),
            });
            return problems;
        }
    };
    for (path, value) in &parsed {
        if let Err(e) = jsonschema::options()
            .with_registry(&registry)
            .with_base_uri(bundle_uri(path))
            .build(value)
        {
            problems.push(SchemaProblem {
                path: path.clone(),
                offset: 0,
                message: format!("cannot be compiled: {e}"),
            });
        }
    }
    problems
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}
