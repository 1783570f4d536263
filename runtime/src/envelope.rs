//! The message envelope guests receive and may answer with (`specs/abi.md` §2): JSON, the body
//! as a string when it is UTF-8 and as `body_base64` otherwise.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
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

fn put_body(obj: &mut Map<String, Value>, body: &[u8]) {
    match std::str::from_utf8(body) {
        Ok(text) => {
            obj.insert("body".into(), Value::String(text.to_string()));
        }
        Err(_) => {
            obj.insert("body_base64".into(), Value::String(STANDARD.encode(body)));
        }
    }
}

/// The request envelope as JSON bytes.
pub fn encode_request(r: &Request<'_>) -> Vec<u8> {
    let mut headers = Map::new();
    for (name, value) in r.headers {
        match headers.get_mut(name) {
            // Repeated headers join as HTTP allows.
            Some(Value::String(s)) => {
                s.push_str(", ");
                s.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    let mut obj = json!({
        "v": 1,
        "kind": r.kind,
        "method": r.method,
        "path": r.path,
        "headers": headers,
    });
    let map = obj.as_object_mut().expect("an object");
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
    put_body(map, r.body);
    serde_json::to_vec(&obj).expect("JSON values serialise")
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
