//! How a JSON Schema changed, judged by what it accepts: a change that accepts more (an optional
//! property, a looser bound, a value added to an `enum`) is compatible; one that accepts less
//! (a new required property, a tighter bound, another type) is breaking. What cannot be judged
//! keyword by keyword is breaking ("changed"), so nothing that may refuse a payload passes as
//! compatible.
//!
//! The reading is a request's: the schema decides which payloads are served. Properties are
//! followed into nested objects (`properties`, `items`).

use serde_json::{Map, Value};

use super::Change;

/// The changes between two versions of the schema at `path`.
pub(super) fn changes(path: &str, old: &str, new: &str) -> Vec<Change> {
    let (Ok(old), Ok(new)) = (
        serde_json::from_str::<Value>(old),
        serde_json::from_str::<Value>(new),
    ) else {
        return vec![Change::Breaking(format!("schema {path} changed"))];
    };
    let mut out = Vec::new();
    compare(&format!("schema {path}"), "", &old, &new, &mut out);
    if out.is_empty() {
        // Only formatting, key order or annotations such as `description` changed.
        out.push(Change::Compatible(format!(
            "schema {path} changed without changing what it accepts"
        )));
    }
    out
}

/// Keywords that do not change what a schema accepts.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Upper bounds: lower is stricter.
const MAXIMA: &[&str] = &[
    "maxLength",
    "maximum",
    "exclusiveMaximum",
    "maxItems",
    "maxProperties",
];

/// Lower bounds: higher is stricter.
const MINIMA: &[&str] = &[
    "minLength",
    "minimum",
    "exclusiveMinimum",
    "minItems",
    "minProperties",
];

fn compare(schema: &str, at: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    let place = if at.is_empty() {
        schema.to_string()
    } else {
        format!("{schema} at `{at}`")
    };
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else {
        // `true`/`false` schemas, or an object turned into one.
        let class = match (old, new) {
            (_, Value::Bool(true)) => Change::Compatible(format!("{place} now accepts anything")),
            _ => Change::Breaking(format!("{place} changed")),
        };
        out.push(class);
        return;
    };
    let keys: std::collections::BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        let (a, b) = (o.get(key), n.get(key));
        if a == b || ANNOTATIONS.contains(&key.as_str()) {
            continue;
        }
        match key.as_str() {
            "properties" => properties(schema, at, o, n, out),
            "required" => required(&place, a, b, out),
            "items" | "additionalItems" => {
                let child = format!("{at}/{key}");
                compare(
                    schema,
                    &child,
                    a.unwrap_or(&Value::Bool(true)),
                    b.unwrap_or(&Value::Bool(true)),
                    out,
                )
            }
            "additionalProperties" => match (a, b) {
                // Absent means `true`: any other property is accepted.
                (None | Some(Value::Bool(true)), Some(Value::Bool(false))) => {
                    out.push(Change::Breaking(format!(
                        "{place} no longer accepts properties it does not name"
                    )))
                }
                (Some(_), None | Some(Value::Bool(true))) => out.push(Change::Compatible(format!(
                    "{place} now accepts properties it does not name"
                ))),
                _ => compare(
                    schema,
                    &format!("{at}/{key}"),
                    a.unwrap_or(&Value::Bool(true)),
                    b.unwrap_or(&Value::Bool(true)),
                    out,
                ),
            },
            "enum" => enumeration(&place, a, b, out),
            k if MAXIMA.contains(&k) => bound(&place, k, a, b, |old, new| new < old, out),
            k if MINIMA.contains(&k) => bound(&place, k, a, b, |old, new| new > old, out),
            "type" if type_widened(a, b) => {
                out.push(Change::Compatible(format!("{place} accepts more types")))
            }
            _ => match b {
                None => out.push(Change::Compatible(format!("{place} dropped `{key}`"))),
                Some(_) => out.push(Change::Breaking(format!("{place} changed `{key}`"))),
            },
        }
    }
}

/// Named properties: added ones accept more (unless required, which `required` reports),
/// removed ones too (no constraint left), changed ones are compared in turn.
fn properties(
    schema: &str,
    at: &str,
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    out: &mut Vec<Change>,
) {
    let empty = Map::new();
    let op = o
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let np = n
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let closed = n.get("additionalProperties") == Some(&Value::Bool(false));
    let place = if at.is_empty() {
        schema.to_string()
    } else {
        format!("{schema} at `{at}`")
    };
    for (name, new) in np {
        let child = format!("{at}/{name}");
        match op.get(name) {
            Some(old) => compare(schema, &child, old, new, out),
            None => out.push(Change::Compatible(format!(
                "{place}: property `{name}` added"
            ))),
        }
    }
    for name in op.keys().filter(|k| !np.contains_key(*k)) {
        out.push(if closed {
            Change::Breaking(format!(
                "{place}: property `{name}` removed, and properties it does not name are refused"
            ))
        } else {
            Change::Compatible(format!(
                "{place}: property `{name}` removed (no longer checked)"
            ))
        });
    }
}

fn names(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn required(place: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Change>) {
    let (old, new) = (names(a), names(b));
    for name in new.iter().filter(|n| !old.contains(n)) {
        out.push(Change::Breaking(format!(
            "{place}: property `{name}` is now required"
        )));
    }
    for name in old.iter().filter(|n| !new.contains(n)) {
        out.push(Change::Compatible(format!(
            "{place}: property `{name}` is no longer required"
        )));
    }
}

fn enumeration(place: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Change>) {
    let values = |v: Option<&Value>| v.and_then(Value::as_array).cloned();
    match (values(a), values(b)) {
        (Some(old), Some(new)) => {
            if old.iter().any(|v| !new.contains(v)) {
                out.push(Change::Breaking(format!(
                    "{place}: values removed from `enum`"
                )));
            }
            if new.iter().any(|v| !old.contains(v)) {
                out.push(Change::Compatible(format!(
                    "{place}: values added to `enum`"
                )));
            }
        }
        (Some(_), None) => out.push(Change::Compatible(format!("{place} dropped `enum`"))),
        _ => out.push(Change::Breaking(format!("{place} changed `enum`"))),
    }
}

/// A numeric bound: added or `stricter` is breaking, dropped or looser compatible.
fn bound(
    place: &str,
    key: &str,
    a: Option<&Value>,
    b: Option<&Value>,
    stricter: impl Fn(f64, f64) -> bool,
    out: &mut Vec<Change>,
) {
    let shown = |v: Option<&Value>| v.map_or("none".to_string(), Value::to_string);
    let what = format!("{place}: `{key}` from {} to {}", shown(a), shown(b));
    let change = match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
        (Some(old), Some(new)) if stricter(old, new) => Change::Breaking(what),
        (Some(_), Some(_)) | (Some(_), None) => Change::Compatible(what),
        _ => Change::Breaking(what),
    };
    out.push(change);
}

/// Whether `type` only gained alternatives (`"string"` → `["string", "null"]`).
fn type_widened(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a.and_then(types), b.and_then(types)) {
        (Some(old), Some(new)) => old.iter().all(|t| new.contains(t)),
        _ => false,
    }
}

fn types(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) => a.iter().map(Value::as_str).collect(),
        _ => None,
    }
}
