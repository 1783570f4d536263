//! The message envelope guests receive and may answer with (`specs/abi.md` §2): JSON, the body
//! as a string when it is UTF-8 and as `body_base64` otherwise.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};
use starlane_routing::Capture;

/// The request side of one message.
pub struct Request<'a> {
    pub kind: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
    pub captures: &'a [Capture],
    pub caller: Option<&'a str>,
    pub body: &'a [u8],
}

/// The request envelope as JSON bytes: serialised straight from the request, keys in sorted
/// order (as a JSON object map would write them), with no intermediate value.
pub fn encode_request(r: &Request<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + r.body.len() + r.path.len());
    serde_json::to_writer(&mut out, &RequestEnvelope(r)).expect("writing to a Vec cannot fail");
    out
}

struct RequestEnvelope<'a>(&'a Request<'a>);

impl Serialize for RequestEnvelope<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = s.serialize_map(None)?;
        match std::str::from_utf8(r.body) {
            Ok(text) => map.serialize_entry("body", text)?,
            Err(_) => map.serialize_entry("body_base64", &STANDARD.encode(r.body))?,
        }
        if let Some(caller) = r.caller {
            map.serialize_entry("caller", caller)?;
        }
        if !r.captures.is_empty() {
            map.serialize_entry("captures", &Captures(r.captures))?;
        }
        map.serialize_entry("headers", &Headers(r.headers))?;
        map.serialize_entry("kind", r.kind)?;
        map.serialize_entry("method", r.method)?;
        map.serialize_entry("path", r.path)?;
        map.serialize_entry("v", &1)?;
        map.end()
    }
}

/// Headers by name, in name order; a repeated header's values joined with `, ` as HTTP allows,
/// in the order they came.
struct Headers<'a>(&'a [(String, String)]);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut order: Vec<&(String, String)> = self.0.iter().collect();
        // Stable: equal names keep their order, so joined values read as they came.
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = s.serialize_map(None)?;
        let mut rest = order.as_slice();
        while let [(name, first), ..] = rest {
            let same = rest.iter().take_while(|(n, _)| n == name).count();
            if same == 1 {
                map.serialize_entry(name, first)?;
            } else {
                let joined: Vec<&str> = rest[..same].iter().map(|(_, v)| v.as_str()).collect();
                map.serialize_entry(name, &joined.join(", "))?;
            }
            rest = &rest[same..];
        }
        map.end()
    }
}

/// Each capture under its number and, when named, its name, in key order.
struct Captures<'a>(&'a [Capture]);

/// A capture's key: its group number written in decimal, or its name.
enum Key<'a> {
    Number(usize),
    Name(&'a str),
}

impl Key<'_> {
    /// The key's text; a number is written into `buf` (no allocation per message).
    fn text<'k>(&'k self, buf: &'k mut itoa::Buffer) -> &'k str {
        match *self {
            Key::Name(name) => name,
            Key::Number(n) => buf.format(n),
        }
    }

    /// Keys compare as their text does (a JSON object map's order: `"10"` before `"2"`).
    fn cmp_text(&self, other: &Key<'_>) -> std::cmp::Ordering {
        let (mut a, mut b) = (itoa::Buffer::new(), itoa::Buffer::new());
        self.text(&mut a).cmp(other.text(&mut b))
    }
}

impl Serialize for Captures<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(Key<'_>, &str)> = Vec::with_capacity(self.0.len() * 2);
        for c in self.0 {
            entries.push((Key::Number(c.number), &c.value));
            if let Some(name) = &c.name {
                entries.push((Key::Name(name), &c.value));
            }
        }
        // Stable: of a key given twice, the last stays last.
        entries.sort_by(|a, b| a.0.cmp_text(&b.0));
        let mut map = s.serialize_map(None)?;
        let mut buf = itoa::Buffer::new();
        for (i, (key, value)) in entries.iter().enumerate() {
            // A key given twice keeps its last value, as in a map.
            if entries
                .get(i + 1)
                .is_some_and(|next| next.0.cmp_text(key).is_eq())
            {
                continue;
            }
            map.serialize_entry(key.text(&mut buf), value)?;
        }
        map.end()
    }
}

/// A guest's answer: an envelope, or a bare body (status 200, no headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Reads a guest's answer. An envelope is a JSON object with `"v": 1` and an integer `status`
/// from 100 to 599; anything else is a bare body.
pub fn decode_response(bytes: Vec<u8>) -> Response {
    let starts_an_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let envelope = starts_an_object
        .then(|| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
        .flatten()
        .filter(|m| m.get("v") == Some(&json!(1)))
        .and_then(|m| {
            let status = m
                .get("status")?
                .as_u64()
                .filter(|s| (100..600).contains(s))? as u16;
            let headers = m
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            let body = match (m.get("body"), m.get("body_base64")) {
                (Some(Value::String(s)), _) => s.clone().into_bytes(),
                (_, Some(Value::String(b))) => STANDARD.decode(b).ok()?,
                (None, None) => Vec::new(),
                _ => return None,
            };
            Some(Response {
                status,
                headers,
                body,
            })
        });
    envelope.unwrap_or(Response {
        status: 200,
        headers: Vec::new(),
        body: bytes,
    })
}

/// The body of a message payload handed to another mechtron by `__host_call` or a call stop:
/// the envelope's `body` when the bytes are a request envelope, else the bytes.
pub fn body_of(bytes: &[u8]) -> Vec<u8> {
    decode_response(bytes.to_vec()).body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bodies_are_strings_and_others_base64() {
        let r = Request {
            kind: "Http",
            method: "Post",
            path: "/p",
            headers: &[("a".into(), "1".into()), ("a".into(), "2".into())],
            captures: &[Capture {
                number: 1,
                name: Some("id".into()),
                value: "7".into(),
            }],
            caller: Some("localhost:users:ada"),
            body: b"hi",
        };
        let v: Value = serde_json::from_slice(&encode_request(&r)).unwrap();
        assert_eq!(v["body"], "hi");
        assert_eq!(v["headers"]["a"], "1, 2");
        assert_eq!(v["captures"]["id"], "7");
        assert_eq!(v["captures"]["1"], "7");
        assert_eq!(v["caller"], "localhost:users:ada");
        let bin = Request {
            body: &[0xff, 0x00],
            caller: None,
            captures: &[],
            ..r
        };
        let v: Value = serde_json::from_slice(&encode_request(&bin)).unwrap();
        assert_eq!(v["body_base64"], "/wA=");
        assert!(v.get("body").is_none() && v.get("caller").is_none());
    }

    /// The envelope as a JSON object map writes it: what `encode_request` writes without
    /// building one.
    fn through_a_value(r: &Request<'_>) -> Vec<u8> {
        let mut headers = Map::new();
        for (name, value) in r.headers {
            match headers.get_mut(name) {
                Some(Value::String(s)) => {
                    s.push_str(", ");
                    s.push_str(value);
                }
                _ => {
                    headers.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }
        let mut obj =
            json!({"v": 1, "kind": r.kind, "method": r.method, "path": r.path, "headers": headers});
        let map = obj.as_object_mut().unwrap();
        if !r.captures.is_empty() {
            let mut caps = Map::new();
            for c in r.captures {
                caps.insert(c.number.to_string(), Value::String(c.value.clone()));
                if let Some(name) = &c.name {
                    caps.insert(name.clone(), Value::String(c.value.clone()));
                }
            }
            map.insert("captures".into(), Value::Object(caps));
        }
        if let Some(caller) = r.caller {
            map.insert("caller".into(), Value::String(caller.to_string()));
        }
        match std::str::from_utf8(r.body) {
            Ok(text) => map.insert("body".into(), Value::String(text.to_string())),
            Err(_) => map.insert("body_base64".into(), Value::String(STANDARD.encode(r.body))),
        };
        serde_json::to_vec(&obj).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn the_envelope_is_written_byte_for_byte_as_a_json_map_would(
            headers in proptest::collection::vec(("[a-c]{1,2}", "[ -~é]{0,4}"), 0..6),
            captures in proptest::collection::vec(
                (0u32..14, proptest::option::of("[a-d]{1,2}"), "[a-z\"\\\\]{0,3}"), 0..5),
            caller in proptest::option::of("[a-z:]{1,8}"),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
            path in "/[ -~]{0,6}",
        ) {
            let captures: Vec<Capture> = captures
                .into_iter()
                .map(|(number, name, value)| Capture { number: number as usize, name, value })
                .collect();
            let r = Request {
                kind: "Http",
                method: "Post",
                path: &path,
                headers: &headers,
                captures: &captures,
                caller: caller.as_deref(),
                body: &body,
            };
            let (direct, reference) = (encode_request(&r), through_a_value(&r));
            proptest::prop_assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&reference)
            );
        }
    }

    #[test]
    fn envelopes_and_bare_bodies() {
        let r =
            decode_response(br#"{"v":1,"status":201,"headers":{"x":"y"},"body":"ok"}"#.to_vec());
        assert_eq!((r.status, r.body.as_slice()), (201, &b"ok"[..]));
        assert_eq!(r.headers, [("x".to_string(), "y".to_string())]);
        // A JSON answer that is not an envelope is a bare body.
        let bare = decode_response(br#"{"status":201}"#.to_vec());
        assert_eq!((bare.status, bare.body.len()), (200, 14));
        assert_eq!(decode_response(b"hello".to_vec()).body, b"hello");
        let b64 = decode_response(br#"{"v":1,"status":200,"body_base64":"/wA="}"#.to_vec());
        assert_eq!(b64.body, [0xff, 0]);
    }
}

#[cfg(test)]
mod guest_helper_agrees {
    use super::*;

    #[test]
    fn the_rust_guest_helper_reads_what_the_host_writes_and_vice_versa() {
        let caps = [Capture {
            number: 1,
            name: Some("name".into()),
            value: "ada".into(),
        }];
        let bytes = encode_request(&Request {
            kind: "Http",
            method: "Get",
            path: "/hello/ada",
            headers: &[],
            captures: &caps,
            caller: None,
            body: &[0xff, 0x01],
        });
        let seen = starlane_guest::Request::decode(&bytes).unwrap();
        assert_eq!(seen.capture("name"), Some("ada"));
        assert_eq!(seen.body(), [0xff, 0x01]);
        let answer = starlane_guest::Response::json(201, &serde_json::json!({"ok": 1})).encode();
        let r = decode_response(answer);
        assert_eq!(r.status, 201);
        assert_eq!(r.body, br#"{"ok":1}"#);
    }
}
