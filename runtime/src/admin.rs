//! The admin listener, separate from the routed HTTP port so it never collides with a catch-all
//! route: `GET /status` (JSON), `GET /metrics` (Prometheus), `GET /healthz`, and
//! `POST /messages` — how `Ext`/`Cmd` messages reach mechtrons from outside (`starlane send`).

use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::codes;
use crate::error::RuntimeError;
use crate::host::{MechtronState, Runtime};
use crate::http::{Body, error_response};
use crate::message::Message;

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(
        serde_json::to_vec_pretty(value).unwrap_or_default(),
    )));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A message sent from outside (`POST /messages`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outside {
    /// A mechtron's name or address (`hello`, `localhost:hello:x`); default: the HTTP mechtron.
    pub to: Option<String>,
    /// `Ext<Hello>`, `Cmd<Read>`.
    pub message: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_base64: Option<String>,
}

pub async fn handle(
    rt: Arc<Runtime>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/status") => json_response(StatusCode::OK, &rt.status()),
        (&Method::GET, "/healthz") => {
            let ready = rt
                .mechtrons
                .iter()
                .all(|m| m.state() == MechtronState::Ready);
            json_response(
                if ready {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                },
                &json!({"ready": ready}),
            )
        }
        (&Method::GET, "/metrics") => {
            let ready: Vec<(String, bool)> = rt
                .mechtrons
                .iter()
                .map(|m| (m.name.clone(), m.state() == MechtronState::Ready))
                .collect();
            let mut r = Response::new(Full::new(Bytes::from(rt.metrics.render(&ready))));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            r
        }
        (&Method::POST, "/messages") => send(rt, req).await,
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "the admin listener serves GET /status, GET /metrics, GET /healthz and POST /messages"}),
        ),
    };
    Ok(response)
}

async fn send(rt: Arc<Runtime>, req: Request<Incoming>) -> Response<Body> {
    let bad = |message: String| error_response(&RuntimeError::new(codes::BAD_REQUEST, message));
    let bytes = match Limited::new(req.into_body(), 16 << 20).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => return bad(format!("cannot read the message: {e}")),
    };
    let outside: Outside = match serde_json::from_slice(&bytes) {
        Ok(o) => o,
        Err(e) => {
            return bad(format!(
                "expected {{\"to\", \"message\", \"path\", \"body\"}}: {e}"
            ));
        }
    };
    let Some((kind, method)) = starlane_routing::route_table::parse_message_kind(&outside.message)
    else {
        return bad(format!(
            "`{}` is not a message kind such as `Ext<Hello>`",
            outside.message
        ));
    };
    let to = match &outside.to {
        None => rt.http,
        Some(t) => rt.mechtron_named(t).or_else(|| rt.mechtron_for(t)),
    };
    let Some(to) = to else {
        return error_response(&RuntimeError::new(
            codes::ADDRESS_NOT_HOSTED,
            format!(
                "no mechtron `{}` here",
                outside.to.as_deref().unwrap_or("(the HTTP one)")
            ),
        ));
    };
    let body = match (outside.body, outside.body_base64) {
        (Some(b), _) => b.into_bytes(),
        (None, Some(b)) => match STANDARD.decode(b) {
            Ok(b) => b,
            Err(e) => return bad(format!("`body_base64` is not base64: {e}")),
        },
        (None, None) => Vec::new(),
    };
    let message = Message::new(kind, method, outside.path.as_deref().unwrap_or("/"), body);
    let result = tokio::task::spawn_blocking(move || rt.serve(to, message)).await;
    match result {
        Ok(Ok(reply)) => {
            let mut value = json!({"status": reply.status, "content_type": reply.content_type});
            match String::from_utf8(reply.body) {
                Ok(text) => value["body"] = json!(text),
                Err(e) => value["body_base64"] = json!(STANDARD.encode(e.into_bytes())),
            }
            json_response(StatusCode::OK, &value)
        }
        Ok(Err(e)) => error_response(&e),
        Err(join) => bad(format!("the host task failed: {join}")),
    }
}
