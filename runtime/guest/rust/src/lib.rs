//! The Starlane message envelope (`specs/abi.md` §2) for Rust guests. Use it with the waPC guest
//! SDK (`wapc-guest`), which speaks the ABI itself:
//!
//! ```ignore
//! use starlane_guest::{Request, Response};
//! use wapc_guest::prelude::*;
//!
//! #[no_mangle]
//! pub fn wapc_init() {
//!     register_function("save-profile", save_profile);   // a `((port))` stop: its name
//!     register_function("Http<Get>", hello);              // a `(( ))` stop: `Kind<Method>`
//! }
//!
//! fn hello(msg: &[u8]) -> CallResult {
//!     let req = Request::decode(msg)?;
//!     let name = req.capture("name").unwrap_or("world");
//!     Ok(Response::json(200, &serde_json::json!({ "greeting": format!("hello, {name}") })).encode())
//! }
//! ```
//!
//! Build with `cargo build --release --target wasm32-unknown-unknown` (see
//! `examples/rust-guest/`). The host checks payloads against the port's patterns before and after
//! the call, so a handler can trust what it was given.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A message as the host hands it to the guest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Request {
    pub v: u32,
    pub kind: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Route captures by number (`"1"`) and by name.
    #[serde(default)]
    pub captures: BTreeMap<String, String>,
    /// The authenticated caller's identity, if any.
    #[serde(default)]
    pub caller: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
}

/// A request envelope that could not be read.
#[derive(Debug)]
pub struct EnvelopeError(pub String);

impl std::fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad request envelope: {}", self.0)
    }
}

impl std::error::Error for EnvelopeError {}

impl Request {
    pub fn decode(bytes: &[u8]) -> Result<Request, EnvelopeError> {
        let r: Request = serde_json::from_slice(bytes).map_err(|e| EnvelopeError(e.to_string()))?;
        if r.v != 1 {
            return Err(EnvelopeError(format!(
                "envelope version {} (this helper reads 1)",
                r.v
            )));
        }
        Ok(r)
    }

    /// The payload's bytes.
    pub fn body(&self) -> Vec<u8> {
        match (&self.body, &self.body_base64) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(b64)) => STANDARD.decode(b64).unwrap_or_default(),
            (None, None) => Vec::new(),
        }
    }

    /// The payload parsed as JSON.
    pub fn json<T: for<'de> Deserialize<'de>>(&self) -> Result<T, EnvelopeError> {
        serde_json::from_slice(&self.body()).map_err(|e| EnvelopeError(e.to_string()))
    }

    /// A capture by name or number.
    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.get(name).map(String::as_str)
    }
}

/// An answer with a status and headers (a bare body, without this, means 200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    v: u32,
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

impl Response {
    pub fn new(status: u16, body: &[u8]) -> Response {
        let (text, b64) = match std::str::from_utf8(body) {
            Ok(t) => (Some(t.to_string()), None),
            Err(_) => (None, Some(STANDARD.encode(body))),
        };
        Response {
            v: 1,
            status,
            headers: BTreeMap::new(),
            body: text,
            body_base64: b64,
        }
    }

    /// A JSON body with its content type.
    pub fn json(status: u16, value: &Value) -> Response {
        Response::new(status, value.to_string().as_bytes())
            .header("content-type", "application/json")
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers
            .insert(name.to_ascii_lowercase(), value.to_string());
        self
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serialises")
    }
}

/// A typed error for `__guest_error` (what `CallResult`'s `Err` should carry).
pub fn error(code: &str, message: &str) -> Vec<u8> {
    serde_json::json!({ "code": code, "message": message })
        .to_string()
        .into_bytes()
}

/// The code and message of a host error (`__host_error`, the error of `wapc_guest::host_call`):
/// the host writes `CODE: message` (`E0209: …`), which the SDK's error shows after
/// `Host error: `; other text has no code.
pub fn host_error(text: &str) -> (Option<&str>, &str) {
    let text = text.strip_prefix("Host error: ").unwrap_or(text);
    match text.split_once(": ") {
        Some((code, message))
            if code.len() == 5
                && code.starts_with('E')
                && code[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (Some(code), message)
        }
        _ => (None, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_split_into_code_and_message() {
        assert_eq!(
            host_error("E0209: the call is not allowed: needs `X`"),
            (Some("E0209"), "the call is not allowed: needs `X`")
        );
        assert_eq!(host_error("something else"), (None, "something else"));
        // As `wapc_guest::host_call`'s error displays it.
        assert_eq!(
            host_error("Host error: E0209: no `call` entry"),
            (Some("E0209"), "no `call` entry")
        );
    }

    #[test]
    fn requests_decode_and_responses_encode() {
        let r = Request::decode(br#"{"v":1,"kind":"Http","method":"Get","path":"/x","captures":{"name":"ada"},"body":"{\"a\":1}"}"#).unwrap();
        assert_eq!(r.capture("name"), Some("ada"));
        assert_eq!(r.json::<Value>().unwrap()["a"], 1);
        let bin = Request::decode(
            br#"{"v":1,"kind":"Ext","method":"X","path":"/","body_base64":"/wA="}"#,
        )
        .unwrap();
        assert_eq!(bin.body(), [0xff, 0]);
        assert!(Request::decode(br#"{"v":2,"kind":"Ext","method":"X","path":"/"}"#).is_err());
        let out: Value =
            serde_json::from_slice(&Response::json(201, &serde_json::json!({"ok": true})).encode())
                .unwrap();
        assert_eq!(out["status"], 201);
        assert_eq!(out["headers"]["content-type"], "application/json");
    }
}
