//! A Rust mechtron: answers `Http<Get>` with a greeting for the route's `name` capture, and the
//! `save-profile` port with what it saved. The host has checked the payload against the port's
//! `request` pattern before calling, and checks the answer against `response` after.

use starlane_guest::{Request, Response};
use wapc_guest::prelude::*;

#[unsafe(no_mangle)]
pub fn wapc_init() {
    register_function("Http<Get>", hello);
    register_function("save-profile", save_profile);
}

fn hello(msg: &[u8]) -> CallResult {
    let req = Request::decode(msg)?;
    let name = req.capture("name").unwrap_or("world");
    Ok(Response::json(200, &serde_json::json!({ "greeting": format!("hello, {name}") })).encode())
}

fn save_profile(msg: &[u8]) -> CallResult {
    let req = Request::decode(msg)?;
    let profile: serde_json::Value = req.json()?;
    let _ = host_call("", "", "", b"");  // no grants here: the host would deny it (E0209)
    Ok(Response::json(200, &serde_json::json!({ "saved": profile["name"] })).encode())
}
