//! The bundle's JSON Schemas, compiled once at load with every schema of the bundle registered in
//! memory (`starlane-bundle:///PATH`) so `$ref`s between them resolve offline, exactly as
//! `starlane build` checked them.

use jsonschema::{Registry, Resource, Validator};
use serde_json::Value;
use starlane_ir::SchemaDoc;

/// The URI a bundle schema is registered under.
pub fn bundle_uri(path: &str) -> String {
    format!("starlane-bundle:///{path}")
}

/// Compiled validators, by index into the bundle's schemas.
pub struct Schemas {
    pub validators: Vec<Result<Validator, String>>,
    pub paths: Vec<String>,
}

/// One failure of a value against a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFailure {
    pub pointer: String,
    pub message: String,
}

impl Schemas {
    pub fn compile(docs: &[SchemaDoc]) -> Schemas {
        let paths = docs.iter().map(|d| d.path.clone()).collect();
        let parsed: Vec<Result<Value, String>> = docs
            .iter()
            .map(|d| serde_json::from_str(&d.json).map_err(|e| format!("not JSON: {e}")))
            .collect();
        let mut registry = Registry::new();
        for (doc, value) in docs.iter().zip(&parsed) {
            if let Ok(v) = value {
                registry = match registry
                    .add(bundle_uri(&doc.path), Resource::from_contents(v.clone()))
                {
                    Ok(r) => r,
                    Err(_) => {
                        return Schemas::failed(docs, "the schema registry rejected a document");
                    }
                };
            }
        }
        let Ok(registry) = registry.prepare() else {
            return Schemas::failed(docs, "the schemas' references do not resolve");
        };
        let validators = docs
            .iter()
            .zip(parsed)
            .map(|(doc, value)| {
                let value = value?;
                jsonschema::options()
                    .with_registry(&registry)
                    .with_base_uri(bundle_uri(&doc.path))
                    .build(&value)
                    .map_err(|e| format!("cannot be compiled: {e}"))
            })
            .collect();
        Schemas { validators, paths }
    }

    fn failed(docs: &[SchemaDoc], why: &str) -> Schemas {
        Schemas {
            validators: docs.iter().map(|_| Err(why.to_string())).collect(),
            paths: docs.iter().map(|d| d.path.clone()).collect(),
        }
    }

    pub fn path(&self, i: u32) -> &str {
        self.paths.get(i as usize).map_or("?", String::as_str)
    }

    /// Validates `value` against schema `i`; the first failure (deepest pointer first).
    pub fn validate(&self, i: u32, value: &Value) -> Result<(), SchemaFailure> {
        let validator = match self.validators.get(i as usize) {
            Some(Ok(v)) => v,
            Some(Err(why)) => {
                return Err(SchemaFailure {
                    pointer: String::new(),
                    message: format!("the schema {} is unusable: {why}", self.path(i)),
                });
            }
            None => {
                return Err(SchemaFailure {
                    pointer: String::new(),
                    message: format!("no schema #{i} in the bundle"),
                });
            }
        };
        let mut errors: Vec<_> = validator.iter_errors(value).collect();
        errors.sort_by_key(|e| std::cmp::Reverse(e.instance_path().as_str().len()));
        match errors.first() {
            None => Ok(()),
            Some(e) => Err(SchemaFailure {
                pointer: e.instance_path().as_str().to_string(),
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_between_bundle_schemas_resolve_and_failures_have_pointers() {
        let docs = vec![
            SchemaDoc {
                path: "schema/email.json".into(),
                json: r#"{"type":"string","pattern":"^[^@]+@[^@]+$"}"#.into(),
            },
            SchemaDoc {
                path: "schema/profile.json".into(),
                json: r#"{"type":"object","required":["name"],"properties":{"email":{"$ref":"starlane-bundle:///schema/email.json"}}}"#.into(),
            },
        ];
        let s = Schemas::compile(&docs);
        assert!(
            s.validate(1, &serde_json::json!({"name":"ada","email":"a@b"}))
                .is_ok()
        );
        let f = s
            .validate(1, &serde_json::json!({"name":"ada","email":"nope"}))
            .unwrap_err();
        assert_eq!(f.pointer, "/email");
        let f = s.validate(1, &serde_json::json!({})).unwrap_err();
        assert!(f.message.contains("name"), "{}", f.message);
    }
}
