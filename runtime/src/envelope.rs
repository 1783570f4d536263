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
    // Room for all of it, so the buffer is never grown while writing: the keys and punctuation
    // (under 128 bytes with a few captures and headers), the values, and slack for escapes.
    let values = r.body.len()
        + r.path.len()
        + r.caller.map_or(0, str::len)
        + r.captures
            .iter()
            .map(|c| 16 + 2 * c.value.len() + c.name.as_ref().map_or(0, |n| n.len()))
            .sum::<usize>()
        + r.headers
            .iter()
            .map(|(k, v)| 6 + k.len() + v.len())
            .sum::<usize>();
    let mut out = Vec::with_capacity(128 + values + values / 8);
    // Written field by field in key order, each value through serde_json's string escaping: the
    // serde map machinery cost more than the writing (`benches/routed.rs`).
    out.push(b'{');
    match std::str::from_utf8(r.body) {
        Ok(text) => field(&mut out, "\"body\":", text),
        Err(_) => field(&mut out, "\"body_base64\":", &STANDARD.encode(r.body)),
    }
    if let Some(caller) = r.caller {
        field(&mut out, ",\"caller\":", caller);
    }
    if !r.captures.is_empty() {
        out.extend_from_slice(b",\"captures\":");
        write_captures(&mut out, r.captures);
    }
    out.extend_from_slice(b",\"headers\":");
    if r.headers.is_empty() {
        out.extend_from_slice(b"{}");
    } else {
        write_json(&mut out, &Headers(r.headers));
    }
    field(&mut out, ",\"kind\":", r.kind);
    field(&mut out, ",\"method\":", r.method);
    field(&mut out, ",\"path\":", r.path);
    out.extend_from_slice(b",\"v\":1}");
    out
}

/// `key` (written as is: a quoted literal with its colon) and `value` as a JSON string.
fn field(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(key.as_bytes());
    write_str(out, value);
}

/// `value` as a JSON string: copied between quotes when nothing in it needs escaping (the usual
/// path, method, kind and capture), through serde_json's escaping otherwise.
fn write_str(out: &mut Vec<u8>, value: &str) {
    let plain = value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        write_json(out, value);
    }
}

fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("writing to a Vec cannot fail");
}

/// A route's captures as a JSON map. Captures as routing makes them — numbered 1 to n in order,
/// at most 9 (so numeric and text order agree), with distinct names that sort after every
/// number (a group name starts with a letter or `_`) — are written straight, names sorted on
/// the stack; any other list goes the general way ([`Captures`]).
fn write_captures(out: &mut Vec<u8>, captures: &[Capture]) {
    const MOST: usize = 9;
    let in_order =
        captures.len() <= MOST && captures.iter().enumerate().all(|(i, c)| c.number == i + 1);
    let mut named: [(&str, &str); MOST] = [("", ""); MOST];
    let mut count = 0;
    if in_order {
        for c in captures {
            if let Some(name) = &c.name {
                named[count] = (name, &c.value);
                count += 1;
            }
        }
    }
    let named = &mut named[..count];
    named.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let names_fit = named
        .iter()
        .all(|(n, _)| n.as_bytes().first() > Some(&b'9'))
        && named.windows(2).all(|w| w[0].0 != w[1].0);
    if !(in_order && names_fit) {
        write_json(out, &Captures(captures));
        return;
    }
    out.push(b'{');
    let mut number = itoa::Buffer::new();
    for (i, c) in captures.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(number.format(c.number).as_bytes());
        out.extend_from_slice(b"\":");
        write_str(out, &c.value);
    }
    for (name, value) in named.iter() {
        out.push(b',');
        write_str(out, name);
        out.push(b':');
        write_str(out, value);
    }
    out.push(b'}');
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
                    caps.insert(name.to_string(), Value::String(c.value.clone()));
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
                .map(|(number, name, value)| Capture { number: number as usize, name: name.map(Into::into), value })
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

        /// Captures shaped as routing makes them (numbered 1 to n, group-like names, sometimes
        /// repeated or digit-led so the general way is taken too) are written the same way.
        #[test]
        fn route_shaped_captures_are_written_as_a_json_map_would(
            groups in proptest::collection::vec(
                (proptest::option::of("[b-d_9][a-c0-9]{0,2}|a"), "[a-z\"\\\\é]{0,3}"), 1..12),
        ) {
            let captures: Vec<Capture> = groups
                .into_iter()
                .enumerate()
                .map(|(i, (name, value))| Capture { number: i + 1, name: name.map(Into::into), value })
                .collect();
            let r = Request {
                kind: "Ext",
                method: "Ping",
                path: "/",
                headers: &[],
                captures: &captures,
                caller: None,
                body: b"",
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
