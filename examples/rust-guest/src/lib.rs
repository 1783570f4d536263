//! A Rust mechtron built with the waPC SDK (`wapc-guest`), as SDK users write one:
//!
//! - `sayHello` is a port with `envelope: none` (`bind/app.bind`): the guest gets the request
//!   body as its payload, as from any waPC host, and answers the reply body;
//! - `save-profile` is a port with the request envelope: `starlane-guest` decodes it (method,
//!   path, captures, body) and encodes a response with a status and headers;
//! - a host call the port is not granted fails with a plain `CODE: message` error.

use starlane_guest::{Request, Response, host_error};
use wapc_guest::prelude::*;

#[unsafe(no_mangle)]
pub fn wapc_init() {
    register_function("sayHello", say_hello);
    register_function("save-profile", save_profile);
}

fn say_hello(name: &[u8]) -> CallResult {
    let name = std::str::from_utf8(name)?;
    Ok(format!("hello, {name}").into_bytes())
}

fn save_profile(msg: &[u8]) -> CallResult {
    let req = Request::decode(msg)?;
    let profile: serde_json::Value = req.json()?;
    // No grant covers this call: the host refuses it, and says why in plain words.
    let refused = match host_call("", "localhost:elsewhere", "Ext<Select>", b"") {
        Ok(_) => serde_json::Value::Null,
        Err(e) => {
            let text = e.to_string();
            let (code, message) = host_error(&text);
            serde_json::json!({ "code": code, "message": message })
        }
    };
    Ok(Response::json(
        200,
        &serde_json::json!({ "saved": profile["name"], "refused": refused }),
    )
    .encode())
}
