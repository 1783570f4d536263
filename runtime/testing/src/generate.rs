//! A value that satisfies a JSON Schema, for stand-ins that answer "whatever the port may
//! return" (`generate = true`). Deterministic: the same schema gives the same value. It covers
//! what payload schemas use — types, `properties`/`required`, `enum`/`const`, string lengths and
//! the common formats, numeric bounds, `items`/`minItems`, `$ref` (local and to other bundle
//! schemas), `allOf`/`anyOf`/`oneOf` (the first branch) — and the caller validates the result
//! with the real validator, so a schema beyond it is reported, never silently answered wrongly.
//! (No maintained crate generates instances from JSON Schema; this is deliberately small.)

use serde_json::{Map, Value, json};

/// Schemas a `$ref` may name: (bundle path, document).
pub type SchemaSet<'a> = &'a [(String, Value)];

/// A value satisfying `schema`; `$ref`s to `starlane-bundle:///PATH` resolve in `others`.
pub fn instance(schema: &Value, root: &Value, others: SchemaSet<'_>) -> Value {
    generate(schema, root, others, 0)
}

fn generate(schema: &Value, root: &Value, others: SchemaSet<'_>, depth: u32) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    let Some(obj) = schema.as_object() else {
        return Value::Null; // `true` / `{}`: anything goes
    };
    if let Some(reference) = obj.get("$ref").and_then(Value::as_str)
        && let Some((target, target_root)) = resolve(reference, root, others)
    {
        return generate(target, target_root, others, depth + 1);
    }
    if let Some(c) = obj.get("const") {
        return c.clone();
    }
    if let Some(first) = obj
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(example) = obj
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return example.clone();
    }
    if let Some(default) = obj.get("default") {
        return default.clone();
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = obj
            .get(combinator)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            && !obj.contains_key("type")
        {
            return generate(first, root, others, depth + 1);
        }
    }
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if obj.contains_key("properties") => "object",
        _ if obj.contains_key("items") => "array",
        _ => "null",
    };
    match ty {
        "object" => {
            let mut out = Map::new();
            let properties = obj.get("properties").and_then(Value::as_object);
            let required = obj.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let property = properties
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                out.insert(
                    name.to_string(),
                    generate(&property, root, others, depth + 1),
                );
            }
            Value::Object(out)
        }
        "array" => {
            let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let items = obj.get("items").cloned().unwrap_or(Value::Bool(true));
            (0..min)
                .map(|_| generate(&items, root, others, depth + 1))
                .collect()
        }
        "string" => Value::String(string(obj)),
        "integer" => json!(number(obj).ceil() as i64),
        "number" => json!(number(obj)),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

fn string(obj: &Map<String, Value>) -> String {
    let base = match obj.get("format").and_then(Value::as_str) {
        Some("email") => "user@example.com",
        Some("uri") | Some("url") => "https://example.com/",
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("time") => "00:00:00Z",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("ipv4") => "192.0.2.1",
        Some("hostname") => "example.com",
        _ => "",
    };
    let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let mut s = base.to_string();
    while s.chars().count() < min {
        s.push('a');
    }
    s
}

fn number(obj: &Map<String, Value>) -> f64 {
    let min = obj.get("minimum").and_then(Value::as_f64);
    let exclusive = obj.get("exclusiveMinimum").and_then(Value::as_f64);
    let max = obj.get("maximum").and_then(Value::as_f64);
    match (min, exclusive) {
        (Some(m), _) => m,
        (None, Some(e)) => e + 1.0,
        (None, None) => max.map_or(0.0, |m| m.min(0.0)),
    }
}

/// `#/…` in the same document, or `starlane-bundle:///PATH[#/…]` in another bundle schema.
fn resolve<'a>(
    reference: &str,
    root: &'a Value,
    others: SchemaSet<'a>,
) -> Option<(&'a Value, &'a Value)> {
    let (document, pointer) = match reference.split_once('#') {
        Some((doc, pointer)) => (doc, pointer),
        None => (reference, ""),
    };
    let doc_root = if document.is_empty() {
        root
    } else {
        let path = document.strip_prefix("starlane-bundle:///")?;
        &others.iter().find(|(p, _)| p == path)?.1
    };
    let target = if pointer.is_empty() {
        doc_root
    } else {
        doc_root.pointer(pointer)?
    };
    Some((target, doc_root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(schema: &Value, others: SchemaSet<'_>) -> Value {
        let value = instance(schema, schema, others);
        let mut docs: Vec<starlane_ir::SchemaDoc> = others
            .iter()
            .map(|(path, doc)| starlane_ir::SchemaDoc {
                path: path.clone(),
                json: doc.to_string(),
            })
            .collect();
        docs.push(starlane_ir::SchemaDoc {
            path: "schema/root.json".into(),
            json: schema.to_string(),
        });
        let schemas = starlane_runtime::schemas::Schemas::compile(&docs);
        let root = (docs.len() - 1) as u32;
        assert_eq!(
            schemas.validate(root, &value),
            Ok(()),
            "{value} breaks {schema}"
        );
        value
    }

    #[test]
    fn required_properties_formats_and_bounds_are_satisfied() {
        let email = json!({ "type": "string", "format": "email", "minLength": 3 });
        let others = [("schema/email.json".to_string(), email)];
        let schema = json!({
            "type": "object",
            "required": ["name", "age", "email", "tags", "kind"],
            "properties": {
                "name": { "type": "string", "minLength": 2 },
                "age": { "type": "integer", "minimum": 18 },
                "email": { "$ref": "starlane-bundle:///schema/email.json" },
                "tags": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/tag" } },
                "kind": { "enum": ["a", "b"] }
            },
            "$defs": { "tag": { "type": "string", "const": "x" } }
        });
        let value = valid(&schema, &others);
        assert_eq!(value["age"], 18);
        assert_eq!(value["email"], "user@example.com");
        assert_eq!(value["tags"], json!(["x"]));
    }
}
