//! Payload checks: does a body satisfy an IR payload pattern (`specs/runtime.md` §3.6)? Kinds,
//! list counts and map keys on the JSON value, formats by magic bytes, `~Schema` by JSON
//! Schema, and `~point^Ext<Validate>` by asking a validator mechtron. Patterns refer only to
//! earlier patterns (checked at load), and the walk is bounded by their depth.

use std::cell::OnceCell;

use serde_json::Value;
use starlane_ir::{
    Format, Method, PatternId, PayloadKind, PayloadPattern, Shape, Template, Validator,
};

use crate::codes::{self, ErrorCode};
use crate::schemas::Schemas;

/// Which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedCheck {
    /// The pattern: kind, keys, counts, formats.
    Pattern,
    /// A `~Schema`.
    Schema,
    /// A validator mechtron said no.
    Validator,
}

impl FailedCheck {
    pub fn code(self) -> ErrorCode {
        match self {
            FailedCheck::Pattern => codes::INVALID_PAYLOAD,
            FailedCheck::Schema => codes::SCHEMA_VIOLATION,
            FailedCheck::Validator => codes::VALIDATOR_REJECTED,
        }
    }
}

/// Why a payload failed, with the JSON pointer of the failing value.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadFailure {
    pub check: FailedCheck,
    pub message: String,
    pub pointer: String,
    pub schema: Option<String>,
    /// A validator mechtron's own errors.
    pub errors: Vec<Value>,
}

impl PayloadFailure {
    fn new(message: impl Into<String>, pointer: &str) -> PayloadFailure {
        PayloadFailure {
            check: FailedCheck::Pattern,
            message: message.into(),
            pointer: pointer.to_string(),
            schema: None,
            errors: Vec::new(),
        }
    }
}

/// A validator mechtron's verdict.
pub enum Verdict {
    Valid,
    Invalid(Vec<Value>),
}

/// Asks a validator mechtron (`point`, `method`, payload) for its verdict.
pub type AskValidator<'a, E> = &'a dyn Fn(&Template, &Method, &[u8]) -> Result<Verdict, E>;

/// What checks need from outside: the pattern arena, the schemas, and a way to ask a validator
/// mechtron — failing to ask is the system's error, returned as is.
pub struct Checker<'a, E> {
    pub patterns: &'a [PayloadPattern],
    pub schemas: &'a Schemas,
    pub ask: AskValidator<'a, E>,
}

/// The outcome of a check: `Ok(Err(failure))` is the payload's fault, `Err(e)` the system's.
pub type Outcome<E> = Result<Result<(), PayloadFailure>, E>;

impl<E> Checker<'_, E> {
    /// Checks a whole body against pattern `id`.
    pub fn check(&self, id: PatternId, body: &[u8]) -> Outcome<E> {
        let Some(pattern) = self.patterns.get(id as usize) else {
            return Ok(Err(PayloadFailure::new(
                format!("no payload pattern #{id} in the bundle"),
                "",
            )));
        };
        let body = Body::new(body);
        let shape_result = match &pattern.shape {
            Shape::Any => Ok(()),
            Shape::Nothing => Err(PayloadFailure::new(
                "this step accepts no payload (an empty pattern `[ ]`)",
                "",
            )),
            Shape::Kind(kind) => {
                // A schema will want the value: parse it now, once, rather than skim and parse.
                let wants_value = pattern
                    .validators
                    .iter()
                    .any(|v| matches!(v, Validator::Schema(_)));
                kind_of_bytes(*kind, &body, wants_value)
            }
            Shape::List { .. } | Shape::Map { .. } => match body.value() {
                Ok(v) => self.shape_of_value(id, v, "", 0),
                Err(e) => Err(PayloadFailure::new(
                    format!(
                        "expected {}, but the body is not JSON: {e}",
                        describe(&pattern.shape)
                    ),
                    "",
                )),
            },
        };
        if let Err(f) = shape_result {
            return Ok(Err(f));
        }
        for v in &pattern.validators {
            match v {
                Validator::Format(format) => {
                    if let Err(f) = format_of_bytes(*format, body.bytes) {
                        return Ok(Err(f));
                    }
                }
                Validator::Schema(i) => {
                    let value = match body.value() {
                        Ok(v) => v,
                        Err(e) => {
                            let mut f = PayloadFailure::new(
                                format!("the body is not JSON, so it cannot match the schema: {e}"),
                                "",
                            );
                            f.check = FailedCheck::Schema;
                            f.schema = Some(self.schemas.path(*i).to_string());
                            return Ok(Err(f));
                        }
                    };
                    if let Err(sf) = self.schemas.validate(*i, value) {
                        let mut f = PayloadFailure::new(sf.message, &sf.pointer);
                        f.check = FailedCheck::Schema;
                        f.schema = Some(self.schemas.path(*i).to_string());
                        return Ok(Err(f));
                    }
                }
                Validator::Mechtron { point, method } => {
                    match (self.ask)(point, method, body.bytes)? {
                        Verdict::Valid => {}
                        Verdict::Invalid(errors) => {
                            let mut f = PayloadFailure::new(
                                format!("the validator {point}^Ext<{method}> rejected the payload"),
                                "",
                            );
                            f.check = FailedCheck::Validator;
                            f.errors = errors;
                            return Ok(Err(f));
                        }
                    }
                }
            }
        }
        Ok(Ok(()))
    }

    /// Checks a JSON value (inside a map or list) against pattern `id`.
    fn value(
        &self,
        id: PatternId,
        value: &Value,
        pointer: &str,
        depth: usize,
    ) -> Result<(), PayloadFailure> {
        let Some(pattern) = self.patterns.get(id as usize) else {
            return Err(PayloadFailure::new(
                format!("no payload pattern #{id}"),
                pointer,
            ));
        };
        if depth > 64 {
            return Err(PayloadFailure::new("the pattern nests too deep", pointer));
        }
        self.shape_of_value(id, value, pointer, depth)?;
        for v in &pattern.validators {
            match v {
                Validator::Format(Format::Json) => {}
                Validator::Format(Format::Utf8) => {
                    if !value.is_string() {
                        return Err(PayloadFailure::new("expected text (`~utf8`)", pointer));
                    }
                }
                Validator::Format(f) => {
                    return Err(PayloadFailure::new(
                        format!(
                            "`~{f}` checks bytes; a value inside JSON cannot be checked with it"
                        ),
                        pointer,
                    ));
                }
                Validator::Schema(i) => {
                    if let Err(sf) = self.schemas.validate(*i, value) {
                        let mut f =
                            PayloadFailure::new(sf.message, &format!("{pointer}{}", sf.pointer));
                        f.check = FailedCheck::Schema;
                        f.schema = Some(self.schemas.path(*i).to_string());
                        return Err(f);
                    }
                }
                // Validator mechtrons check whole payloads; inside a value they are skipped
                // (`starlane build` does not produce them there).
                Validator::Mechtron { .. } => {}
            }
        }
        Ok(())
    }

    fn shape_of_value(
        &self,
        id: PatternId,
        value: &Value,
        pointer: &str,
        depth: usize,
    ) -> Result<(), PayloadFailure> {
        let pattern = &self.patterns[id as usize];
        match &pattern.shape {
            Shape::Any => Ok(()),
            Shape::Nothing => Err(PayloadFailure::new("nothing is accepted here", pointer)),
            Shape::Kind(kind) => kind_of_value(*kind, value, pointer),
            Shape::List { kind, min, max } => {
                let Some(items) = value.as_array() else {
                    return Err(PayloadFailure::new(
                        format!("expected a list of {kind}, found {}", json_kind(value)),
                        pointer,
                    ));
                };
                let n = items.len() as u64;
                if n < *min || max.is_some_and(|m| n > m) {
                    let range = match max {
                        Some(m) if m == min => format!("exactly {min}"),
                        Some(m) => format!("{min} to {m}"),
                        None => format!("at least {min}"),
                    };
                    return Err(PayloadFailure::new(
                        format!("expected {range} items, found {n}"),
                        pointer,
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    kind_of_value(*kind, item, &format!("{pointer}/{i}"))?;
                }
                Ok(())
            }
            Shape::Map { entries, other } => {
                let Some(map) = value.as_object() else {
                    return Err(PayloadFailure::new(
                        format!("expected a map, found {}", json_kind(value)),
                        pointer,
                    ));
                };
                for e in entries {
                    let at = format!("{pointer}/{}", escape(&e.key));
                    match map.get(&e.key) {
                        None if e.optional => {}
                        None => {
                            return Err(PayloadFailure::new(
                                format!("the required key `{}` is missing", e.key),
                                pointer,
                            ));
                        }
                        Some(v) => {
                            if let Some(p) = e.pattern {
                                self.value(p, v, &at, depth + 1)?;
                            }
                        }
                    }
                }
                for (key, v) in map {
                    if entries.iter().any(|e| &e.key == key) {
                        continue;
                    }
                    let at = format!("{pointer}/{}", escape(key));
                    match other {
                        None => {
                            let known: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
                            return Err(PayloadFailure::new(
                                format!(
                                    "the key `{key}` is not allowed (allowed: {})",
                                    known.join(", ")
                                ),
                                &at,
                            ));
                        }
                        Some(Some(p)) => self.value(*p, v, &at, depth + 1)?,
                        Some(None) => {}
                    }
                }
                Ok(())
            }
        }
    }
}

/// RFC 6901 escaping of one pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn describe(shape: &Shape) -> String {
    match shape {
        Shape::List { kind, .. } => format!("a list of {kind}"),
        Shape::Map { .. } => "a map".into(),
        Shape::Kind(k) => k.to_string(),
        Shape::Any => "anything".into(),
        Shape::Nothing => "nothing".into(),
    }
}

/// A body being checked: its JSON value is parsed at most once, and only when a check needs
/// more than whether the body is JSON and what its outermost value is.
struct Body<'b> {
    bytes: &'b [u8],
    value: OnceCell<Result<Value, String>>,
}

impl<'b> Body<'b> {
    fn new(bytes: &'b [u8]) -> Body<'b> {
        Body {
            bytes,
            value: OnceCell::new(),
        }
    }

    fn value(&self) -> Result<&Value, &str> {
        self.value
            .get_or_init(|| serde_json::from_slice(self.bytes).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The first byte of the outermost value if the body is JSON — found without building the
    /// value (serde's `IgnoredAny` reads and drops it).
    fn skim(&self) -> Option<u8> {
        serde_json::from_slice::<serde::de::IgnoredAny>(self.bytes)
            .ok()
            .map(|_| self.first_byte())
    }

    fn first_byte(&self) -> u8 {
        self.bytes
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
            .unwrap_or(b' ')
    }
}

fn kind_of_bytes(
    kind: PayloadKind,
    body: &Body<'_>,
    wants_value: bool,
) -> Result<(), PayloadFailure> {
    let not_json = |e: &str| {
        PayloadFailure::new(
            format!("expected {kind}, but the body is not JSON: {e}"),
            "",
        )
    };
    let bytes = body.bytes;
    match kind {
        PayloadKind::Bin => Ok(()),
        PayloadKind::Empty if bytes.is_empty() => Ok(()),
        PayloadKind::Empty => Err(PayloadFailure::new(
            format!("expected an empty payload, found {} bytes", bytes.len()),
            "",
        )),
        PayloadKind::Text | PayloadKind::Point => {
            std::str::from_utf8(bytes).map(|_| ()).map_err(|e| {
                PayloadFailure::new(
                    format!("expected text, but byte {} is not UTF-8", e.valid_up_to()),
                    "",
                )
            })
        }
        // Map, List, Boolean and the any-JSON kinds are judged by the first byte of the outermost
        // value when that is all the pattern needs. Everything else goes by the value: an
        // integer (the number itself decides), a schema to follow, a mismatch (the message
        // names what was found) and a body that is not JSON (the message is the value
        // parser's own; skimming words some errors otherwise, e.g. a lone `-`).
        _ => {
            let fits_skimmed = kind != PayloadKind::Int
                && !wants_value
                && body.skim().is_some_and(|first| match kind {
                    PayloadKind::Map => first == b'{',
                    PayloadKind::List => first == b'[',
                    PayloadKind::Boolean => first == b't' || first == b'f',
                    // Json and the other Starlane substance kinds: any JSON value.
                    _ => true,
                });
            if fits_skimmed {
                return Ok(());
            }
            body.value()
                .map_err(not_json)
                .and_then(|v| kind_of_value(kind, v, ""))
        }
    }
}

fn kind_of_value(kind: PayloadKind, value: &Value, pointer: &str) -> Result<(), PayloadFailure> {
    let ok = match kind {
        PayloadKind::Text | PayloadKind::Point | PayloadKind::Bin => value.is_string(),
        PayloadKind::Map => value.is_object(),
        PayloadKind::List => value.is_array(),
        PayloadKind::Boolean => value.is_boolean(),
        PayloadKind::Int => value.is_i64() || value.is_u64(),
        PayloadKind::Empty => value.is_null(),
        // Json and the other Starlane substance kinds: any JSON value.
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(PayloadFailure::new(
            format!("expected {kind}, found {}", json_kind(value)),
            pointer,
        ))
    }
}

/// A `~format` check on raw bytes (`specs/runtime.md` §3.6).
pub fn format_of_bytes(format: Format, body: &[u8]) -> Result<(), PayloadFailure> {
    let png = body.starts_with(b"\x89PNG\r\n\x1a\n");
    let jpeg = body.starts_with(&[0xFF, 0xD8, 0xFF]);
    let gif = body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a");
    let webp = body.len() >= 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP";
    // The language's formats (`starlane_model`): the match is exhaustive over them.
    let ok = match format {
        Format::Json => serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
        Format::Utf8 => std::str::from_utf8(body).is_ok(),
        Format::Image => png || jpeg || gif || webp,
        Format::ImagePng => png,
        Format::ImageJpeg => jpeg,
        Format::ImageGif => gif,
        Format::ImageWebp => webp,
        Format::Pdf => body.starts_with(b"%PDF-"),
        Format::Zip => body.starts_with(b"PK\x03\x04"),
    };
    if ok {
        Ok(())
    } else {
        Err(PayloadFailure::new(
            format!("the payload is not {format} (`~{format}`)"),
            "",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use starlane_ir::MapEntry;

    fn kind(k: &str) -> PayloadPattern {
        PayloadPattern {
            shape: Shape::Kind(PayloadKind::parse(k).unwrap()),
            validators: vec![],
        }
    }

    fn check(patterns: &[PayloadPattern], id: u32, body: &[u8]) -> Result<(), PayloadFailure> {
        let schemas = Schemas::compile(&[]);
        let ask =
            |_: &Template, _: &Method, _: &[u8]| -> Result<Verdict, ()> { Ok(Verdict::Valid) };
        Checker {
            patterns,
            schemas: &schemas,
            ask: &ask,
        }
        .check(id, body)
        .unwrap()
    }

    /// What the kind check said when it parsed every body into a value.
    fn through_a_value(kind: PayloadKind, body: &[u8]) -> Result<(), PayloadFailure> {
        match kind {
            PayloadKind::Bin | PayloadKind::Empty | PayloadKind::Text | PayloadKind::Point => {
                kind_of_bytes(kind, &Body::new(body), true)
            }
            _ => match serde_json::from_slice::<Value>(body) {
                Ok(v) => kind_of_value(kind, &v, ""),
                Err(e) => Err(PayloadFailure::new(
                    format!("expected {kind}, but the body is not JSON: {e}"),
                    "",
                )),
            },
        }
    }

    proptest::proptest! {
        /// Skimming a body (no value built) judges every kind as parsing it does, with the
        /// same message.
        #[test]
        fn a_skimmed_body_is_judged_as_a_parsed_one(
            kind in proptest::sample::select(PayloadKind::ALL.to_vec()),
            body in proptest::prop_oneof![
                "[ \t\n]{0,2}(\\{\\}|\\[1\\]|true|false|null|-?[0-9]{1,3}(\\.5)?|\"x\"|\\{\"a\":\\[\\]\\})[ \n]{0,2}",
                "[ -~]{0,6}",
            ],
        ) {
            let skimmed = kind_of_bytes(kind, &Body::new(body.as_bytes()), false);
            let parsed = through_a_value(kind, body.as_bytes());
            proptest::prop_assert_eq!(
                skimmed.map_err(|f| f.message),
                parsed.map_err(|f| f.message)
            );
        }
    }

    #[test]
    fn maps_name_the_missing_or_unexpected_key_with_a_pointer() {
        let patterns = vec![
            kind("Text"),
            kind("Int"),
            PayloadPattern {
                shape: Shape::Map {
                    entries: vec![
                        MapEntry {
                            key: "name".into(),
                            optional: false,
                            pattern: Some(0),
                        },
                        MapEntry {
                            key: "age".into(),
                            optional: true,
                            pattern: Some(1),
                        },
                    ],
                    other: None,
                },
                validators: vec![],
            },
        ];
        assert!(check(&patterns, 2, br#"{"name":"ada"}"#).is_ok());
        assert!(
            check(&patterns, 2, br#"{"nam":"ada"}"#)
                .unwrap_err()
                .message
                .contains("`name` is missing")
        );
        let f = check(&patterns, 2, br#"{"name":"ada","x/y":1}"#).unwrap_err();
        assert_eq!(f.pointer, "/x~1y");
        let f = check(&patterns, 2, br#"{"name":"ada","age":"old"}"#).unwrap_err();
        assert_eq!(
            (f.pointer.as_str(), f.message.as_str()),
            ("/age", "expected Int, found text")
        );
    }

    #[test]
    fn list_counts_and_element_kinds() {
        let patterns = vec![PayloadPattern {
            shape: Shape::List {
                kind: PayloadKind::Text,
                min: 1,
                max: Some(2),
            },
            validators: vec![],
        }];
        assert!(check(&patterns, 0, br#"["a"]"#).is_ok());
        assert!(
            check(&patterns, 0, br#"[]"#)
                .unwrap_err()
                .message
                .contains("1 to 2")
        );
        assert_eq!(
            check(&patterns, 0, br#"["a", 1]"#).unwrap_err().pointer,
            "/1"
        );
    }

    #[test]
    fn formats_by_magic_bytes() {
        assert!(
            format_of_bytes(
                Format::parse("image/png").unwrap(),
                b"\x89PNG\r\n\x1a\nrest"
            )
            .is_ok()
        );
        assert!(format_of_bytes(Format::parse("image").unwrap(), b"GIF89a...").is_ok());
        assert!(format_of_bytes(Format::parse("image/png").unwrap(), b"GIF89a...").is_err());
        assert!(format_of_bytes(Format::parse("json").unwrap(), b"{\"a\":1}").is_ok());
        assert!(format_of_bytes(Format::parse("json").unwrap(), b"{").is_err());
        assert!(format_of_bytes(Format::parse("pdf").unwrap(), b"%PDF-1.7").is_ok());
    }

    #[test]
    fn kinds_of_whole_bodies() {
        let p = vec![kind("Text"), kind("Empty"), kind("Json"), kind("Bin")];
        assert!(check(&p, 0, &[0xff]).is_err());
        assert!(check(&p, 1, b"").is_ok() && check(&p, 1, b"x").is_err());
        assert!(check(&p, 2, b"[1]").is_ok() && check(&p, 2, b"nope").is_err());
        assert!(check(&p, 3, &[0, 1, 2]).is_ok());
    }
}
