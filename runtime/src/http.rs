//! The HTTP ingress (hyper): a request becomes an `Http<Method>` message to the mechtron whose
//! bind receives HTTP — after the bind's header and body limits, percent-decoding and
//! authentication — and its reply (or typed error) becomes the response.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use starlane_ir::Method;
use starlane_model::vocabulary::{HTTP_METHODS, HttpMethod};

use crate::codes;
use crate::error::RuntimeError;
use crate::host::Runtime;
use crate::listener::{BodyBudget, BodyHold, read_body};
use crate::message::{Message, Reply};

/// A response body: whole (almost every reply) or streamed (`GET /logs?follow`).
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// A whole response body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    use http_body_util::BodyExt;
    Full::new(bytes.into()).boxed_unsync()
}

/// The language's method for an HTTP method (`GET` → `Http<Get>`); a method no route can name
/// (`PURGE`) is refused before its body is read.
pub fn method_of(method: &hyper::Method) -> Result<Method, RuntimeError> {
    let upper = method.as_str();
    // The language's names are the HTTP names in UpperCamel (`GET` is `Get`): compared without
    // case, so no name is built per request.
    let known = HttpMethod::ALL
        .iter()
        .find(|m| m.name().eq_ignore_ascii_case(upper));
    known.map(|m| Method::Http(*m)).ok_or_else(|| {
        RuntimeError::new(
            codes::BAD_REQUEST,
            format!(
                "HTTP method `{upper}` is not one a route can name ({})",
                HTTP_METHODS.join(", ")
            ),
        )
    })
}

/// The error reply of `specs/runtime.md` §6.
pub fn error_response(e: &RuntimeError) -> Response<Body> {
    let body = serde_json::to_vec_pretty(&e.to_json()).unwrap_or_default();
    let mut response = Response::new(full(body));
    *response.status_mut() =
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(e.code.id) {
        headers.insert("x-starlane-error", v);
    }
    // The rest of an unread body makes the connection unusable; a slow one is not waited for.
    if [
        codes::PAYLOAD_TOO_LARGE,
        codes::OVERLOADED,
        codes::REQUEST_TIMEOUT,
    ]
    .contains(&e.code)
    {
        headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    if e.code == codes::METHOD_NOT_ALLOWED
        && let Some(allow) = e.details.get("allow").and_then(|a| a.as_array())
    {
        let names: Vec<&str> = allow.iter().filter_map(|m| m.as_str()).collect();
        if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
            headers.insert(hyper::header::ALLOW, v);
        }
    }
    if e.code == codes::ADMIN_UNAUTHENTICATED {
        headers.insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"starlane-admin\""),
        );
    }
    if e.code == codes::UNAUTHENTICATED {
        headers.insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"starlane\", Bearer"),
        );
    }
    response
}

/// Hop-by-hop headers a guest may not set (the connection is the server's business).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
];

pub fn reply_response(reply: Reply) -> Response<Body> {
    let guessed = reply.content_type.clone().or_else(|| {
        (!reply.body.is_empty()).then(|| {
            if std::str::from_utf8(&reply.body).is_ok() {
                if serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body).is_ok() {
                    "application/json".to_string()
                } else {
                    "text/plain; charset=utf-8".to_string()
                }
            } else {
                "application/octet-stream".to_string()
            }
        })
    });
    let mut response = Response::new(full(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &reply.headers {
        if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    if let Some(ct) = guessed
        && let Ok(v) = HeaderValue::from_str(&ct)
    {
        headers.insert(CONTENT_TYPE, v);
    }
    response
}

/// What the HTTP listener's requests share: the body budget and the body-read timeout.
#[derive(Clone)]
pub struct Ingress {
    pub budget: BodyBudget,
    pub body_read_timeout: Duration,
}

/// Serves one HTTP request (a body from the listener, or one in memory from `starlane test`).
pub async fn handle<B>(
    rt: Arc<Runtime>,
    ingress: Arc<Ingress>,
    req: Request<B>,
) -> Result<Response<Body>, Infallible>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let started = Instant::now();
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let request_id = request_id(&req);
    // Every line logged while the request is handled (guest console lines included) carries
    // its id.
    let span = tracing::info_span!("request", request_id = %request_id);
    // Who answered, for the log line: the handling mechtron, and on failure its port and code.
    let mut mechtron: Option<String> = None;
    let mut port: Option<String> = None;
    let mut code = "";
    let mut response = match into_message(&rt, &ingress, req).await {
        Ok((to, mut message, authorization, _body_hold)) => {
            let rt2 = rt.clone();
            let in_span = span.clone();
            // Credentials are checked on the blocking thread: argon2 is slow by design and must
            // not stall the accept loops.
            let serve = move || {
                let _entered = in_span.enter();
                message.caller =
                    authorization.and_then(|a: String| rt2.credentials.authenticate(&a));
                match to {
                    HttpTarget::Local(to) => rt2.serve(to, message),
                    HttpTarget::Mesh(name) => rt2.serve_elsewhere(&name, message),
                }
            };
            match tokio::task::spawn_blocking(serve).await {
                Ok(Ok(reply)) => {
                    mechtron = reply
                        .handled_by
                        .and_then(|i| rt.mechtrons().get(i))
                        .map(|m| m.name.clone());
                    reply_response(reply)
                }
                Ok(Err(e)) => {
                    (mechtron, port, code) = (e.mechtron.clone(), e.port.clone(), e.code.id);
                    error_response(&e)
                }
                Err(join) => {
                    code = codes::GUEST_TRAP.id;
                    error_response(&RuntimeError::new(
                        codes::GUEST_TRAP,
                        format!("the host task failed: {join}"),
                    ))
                }
            }
        }
        Err(e) => {
            code = e.code.id;
            error_response(&e)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let status = response.status().as_u16();
    // Whole microseconds: a log line is read by people, not `0.8718699999999999` ms.
    let elapsed_us = started.elapsed().as_micros() as u64;
    let _entered = span.enter();
    let (mechtron, port) = (mechtron.unwrap_or_default(), port.unwrap_or_default());
    if status >= 500 {
        tracing::warn!(target: "starlane::http", %method, path = %raw_path, status, elapsed_us, mechtron, port, code, "request failed");
    } else if status >= 400 {
        tracing::info!(target: "starlane::http", %method, path = %raw_path, status, elapsed_us, mechtron, port, code, "request refused");
    } else {
        tracing::info!(target: "starlane::http", %method, path = %raw_path, status, elapsed_us, mechtron, "request");
    }
    Ok(response)
}

/// The request's id: the caller's `X-Request-Id` when it is short and printable (so a trace
/// can cross a proxy), else a fresh random one.
fn request_id<B>(req: &Request<B>) -> String {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()));
    match given {
        Some(id) => id.to_string(),
        None => {
            let mut bytes = [0u8; 8];
            let _ = getrandom::fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// Who serves an HTTP request: this host's HTTP mechtron, or (a host without one, in a mesh)
/// the HTTP mechtron another host announces.
enum HttpTarget {
    Local(usize),
    Mesh(String),
}

/// The message a request makes, its `Authorization` header (checked later, off the reactor),
/// and the body budget it holds until answered.
async fn into_message<B>(
    rt: &Arc<Runtime>,
    ingress: &Ingress,
    req: Request<B>,
) -> Result<(HttpTarget, Message, Option<String>, BodyHold), RuntimeError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let (to, limits) = match rt.registry.http {
        Some(to) => (HttpTarget::Local(to), rt.bind_of(to).limits),
        // A host whose bundle receives no HTTP forwards to a host of the mesh whose bundle
        // does; that host's bind checks the body against its own `payload` limit again.
        None => match rt.mesh().and_then(|m| m.hosts.http_entry()) {
            Some(name) => (HttpTarget::Mesh(name), starlane_ir::Limits::default()),
            None => {
                return Err(RuntimeError::new(
                    codes::INVALID_BUNDLE,
                    "no mechtron of this bundle receives HTTP, and no host of a mesh offers one",
                ));
            }
        },
    };
    let header_bytes: u64 = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().len() + v.len()) as u64)
        .sum();
    if header_bytes > limits.headers {
        metric(rt, codes::HEADERS_TOO_LARGE);
        return Err(RuntimeError::new(
            codes::HEADERS_TOO_LARGE,
            format!(
                "the request's headers are {header_bytes} bytes; the limit is {} bytes",
                limits.headers
            ),
        ));
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let decoded = percent_encoding::percent_decode_str(req.uri().path()).collect::<Vec<u8>>();
    let path = String::from_utf8(decoded).map_err(|_| {
        RuntimeError::new(
            codes::BAD_REQUEST,
            "the path does not percent-decode to UTF-8",
        )
    })?;
    if path.contains('\0') {
        return Err(RuntimeError::new(
            codes::BAD_REQUEST,
            "the path contains a NUL",
        ));
    }
    let authorization = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| *k != hyper::header::AUTHORIZATION)
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = method_of(req.method())?;
    let (body, hold) = read_body(
        req.into_body(),
        declared,
        limits.payload,
        &ingress.budget,
        ingress.body_read_timeout,
    )
    .await
    .inspect_err(|e| body_failed(rt, "http", e))?;
    let mut message = Message::new(method, &path, body);
    message.headers = headers;
    Ok((to, message, authorization, hold))
}

/// Counts a body that could not be read (and a body-read timeout for its listener).
pub(crate) fn body_failed(rt: &Runtime, listener: &'static str, e: &RuntimeError) {
    if e.code == codes::REQUEST_TIMEOUT {
        rt.metrics
            .connection(listener, crate::metrics::ConnectionEvent::BodyTimeout);
    }
    metric(rt, e.code);
}

fn metric(rt: &Runtime, code: codes::ErrorCode) {
    rt.metrics.error(code.stage.as_str(), code.id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_spelled_as_in_the_language() {
        assert_eq!(
            method_of(&hyper::Method::GET).unwrap().to_string(),
            "Http<Get>"
        );
        assert_eq!(
            method_of(&hyper::Method::OPTIONS).unwrap().to_string(),
            "Http<Options>"
        );
        let purge = method_of(&hyper::Method::from_bytes(b"PURGE").unwrap()).unwrap_err();
        assert_eq!(purge.code.id, codes::BAD_REQUEST.id);
        assert!(purge.message.contains("`PURGE`"), "{}", purge.message);
    }

    #[test]
    fn error_replies_carry_the_code_and_a_json_body() {
        let e = RuntimeError::new(codes::UNAUTHENTICATED, "no").mechtron("hello");
        let r = error_response(&e);
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-starlane-error"], "E0202");
        assert!(r.headers().contains_key("www-authenticate"));
    }

    /// `specs/abi.md` §2: a reply without a `content-type` gets one from its body; the guest's
    /// own wins; hop-by-hop headers a guest sets are dropped.
    #[test]
    fn replies_get_a_content_type_from_their_body_unless_the_guest_set_one() {
        let ct = |reply: Reply| {
            reply_response(reply)
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(
            ct(Reply::new(200, b"{\"a\":1}".to_vec())).as_deref(),
            Some("application/json")
        );
        assert_eq!(
            ct(Reply::new(200, b"hello".to_vec())).as_deref(),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            ct(Reply::new(200, vec![0xff, 0xfe])).as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(ct(Reply::new(204, Vec::new())), None);
        let mut own = Reply::new(200, b"hello".to_vec());
        own.headers = vec![
            ("content-type".into(), "text/html".into()),
            ("connection".into(), "close".into()),
        ];
        own.content_type = Some("text/html".into());
        let r = reply_response(own);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/html");
        assert!(!r.headers().contains_key("connection"));
    }
}
