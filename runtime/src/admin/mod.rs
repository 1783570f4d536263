//! The admin listener, separate from the routed HTTP port so it never collides with a catch-all
//! route: `GET /status` (JSON), `GET /metrics` (Prometheus), `GET /healthz`, and
//! `POST /messages` — how `Ext`/`Cmd` messages reach mechtrons from outside (`starlane send`) —
//! and `PUT /bundle`, which replaces the bundle being served (`starlane deploy`).
//! Every request passes [`access`] first; a message from here is an *outside* message, admitted
//! only by the target bind's caller rules (`specs/runtime.md` §5.1).

pub mod access;
pub mod token;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{Semaphore, watch};

pub use access::{AdminAccess, OpenRead};

use crate::codes;
use crate::error::RuntimeError;
use crate::host::{MechtronState, Runtime};
use crate::http::{Body, error_response};
use crate::listener::{BodyBudget, BodyHold, read_body};
use crate::logs::{LogFilter, LogHub};
use crate::message::{Message, Origin};
use crate::metrics;
use crate::serving::Serving;

/// The header that carries a message's caller credentials (`Basic …` or `Bearer …`, checked
/// against the callers' credentials file like an HTTP request's `Authorization`).
pub const CALLER_HEADER: &str = "x-starlane-caller";

/// What the admin listener's requests share.
pub struct AdminContext {
    pub access: AdminAccess,
    /// The listener's own address (for `Host` checks).
    pub local: SocketAddr,
    pub budget: BodyBudget,
    pub body_read_timeout: Duration,
    in_service: Semaphore,
    /// The process's live logs (`GET /logs`), when the process keeps them.
    logs: Option<Arc<LogHub>>,
    /// Flips when the server stops: followed log streams end then, instead of holding the drain.
    stopping: watch::Receiver<bool>,
}

impl AdminContext {
    pub fn new(
        access: AdminAccess,
        local: SocketAddr,
        budget: BodyBudget,
        body_read_timeout: Duration,
    ) -> AdminContext {
        let in_service = Semaphore::new(access.max_concurrency.max(1));
        AdminContext {
            access,
            local,
            budget,
            body_read_timeout,
            in_service,
            logs: None,
            stopping: watch::channel(false).1,
        }
    }

    /// A request's body, within `limit` and the shared body budget; a failure is counted and
    /// becomes the reply.
    async fn body(
        &self,
        rt: &Runtime,
        req: Request<Incoming>,
        limit: u64,
    ) -> Result<(Vec<u8>, BodyHold), Response<Body>> {
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        read_body(
            req.into_body(),
            declared,
            limit,
            &self.budget,
            self.body_read_timeout,
        )
        .await
        .map_err(|e| {
            crate::http::body_failed(rt, "admin", &e);
            error_response(&e)
        })
    }

    /// Serves `GET /logs` from `logs`; streams end when `stopping` flips.
    pub fn with_logs(mut self, logs: Option<Arc<LogHub>>, stopping: watch::Receiver<bool>) -> Self {
        self.logs = logs;
        self.stopping = stopping;
        self
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(crate::http::full(
        serde_json::to_vec_pretty(value).unwrap_or_default(),
    ));
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
    serving: Arc<Serving>,
    admin: Arc<AdminContext>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let rt = serving.current();
    let Ok(_serving) = admin.in_service.try_acquire() else {
        return Ok(refuse(
            &rt,
            RuntimeError::new(
                codes::OVERLOADED,
                format!(
                    "the admin listener already serves {} requests",
                    admin.access.max_concurrency
                ),
            ),
        ));
    };
    if let Err(e) = admin.access.admit(&req, admin.local) {
        tracing::warn!(target: "starlane::audit", code = e.code.id, method = %req.method(), path = %req.uri().path(), "admin request refused: {}", e.message);
        return Ok(refuse(&rt, e));
    }
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/status") => json_response(StatusCode::OK, &serving.status()),
        (&Method::GET, "/healthz") => {
            let ready = rt
                .registry
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
                .registry
                .mechtrons
                .iter()
                .map(|m| (m.name.clone(), m.state() == MechtronState::Ready))
                .collect();
            let mut families = rt.metrics.families(&ready);
            if let Some(mesh) = rt.mesh() {
                families.extend(mesh.metric_families());
            }
            families.extend(serving.metric_families());
            families.push(metrics::process::build_info());
            families.extend(metrics::process::families());
            let text = metrics::exposition::render(families);
            let mut r = Response::new(crate::http::full(text));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(metrics::exposition::CONTENT_TYPE),
            );
            r
        }
        (&Method::POST, "/messages") => send(rt, &admin, req).await,
        (&Method::PUT, "/bundle") => deploy(&serving, &admin, req).await,
        (&Method::GET, "/logs") => logs(&admin, req.uri().query().unwrap_or("")),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "the admin listener serves GET /status, GET /metrics, GET /healthz, GET /logs, POST /messages and PUT /bundle"}),
        ),
    };
    Ok(response)
}

/// `PUT /bundle`: the body is a bundle file; it replaces the bundle being served, or the old
/// one keeps serving and the reply says why (`E0232`).
async fn deploy(serving: &Serving, admin: &AdminContext, req: Request<Incoming>) -> Response<Body> {
    let rt = serving.current();
    let (bytes, _hold) = match admin.body(&rt, req, admin.budget.total() as u64).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    drop(rt);
    match serving.reload(bytes).await {
        Ok(r) => json_response(
            StatusCode::OK,
            &json!({
                "bundle": r.bundle,
                "sha256": r.sha256,
                "modules_kept": r.modules_kept,
                "modules_loaded": r.modules_loaded,
            }),
        ),
        Err(e) => {
            serving.current().metrics.error(e.stage.as_str(), e.code.id);
            error_response(&e)
        }
    }
}

/// `GET /logs?follow=true&mechtron=M&level=warn&since_ms=N`: the kept log lines the filter admits
/// as NDJSON, then (with `follow`) new ones as they happen, until the client goes or the server
/// stops.
fn logs(admin: &AdminContext, query: &str) -> Response<Body> {
    let bad = |message: String| error_response(&RuntimeError::new(codes::BAD_REQUEST, message));
    let Some(hub) = admin.logs.clone() else {
        return bad("this process keeps no logs to serve".into());
    };
    let mut filter = LogFilter::default();
    let mut follow = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        match key {
            "follow" => follow = matches!(value.as_str(), "" | "1" | "true"),
            "mechtron" => filter.mechtron = Some(value),
            "level" => match value.parse::<tracing::Level>() {
                Ok(level) => filter.level = Some(level),
                Err(_) => {
                    return bad(format!(
                        "`level={value}`: expected error, warn, info, debug or trace"
                    ));
                }
            },
            "since_ms" => match value.parse::<u64>() {
                Ok(ms) => filter.since = Some(Duration::from_millis(ms)),
                Err(_) => return bad(format!("`since_ms={value}`: expected milliseconds")),
            },
            other => return bad(format!("`{other}` is not a /logs parameter")),
        }
    }
    // Subscribe before the snapshot, so no line falls between the two.
    let new_lines = hub.follow();
    let kept = hub.recent(&filter);
    let last = kept.last().map(|l| l.seq);
    let mut head = String::new();
    for line in &kept {
        head.push_str(&line.json);
        head.push('\n');
    }
    let mut response = if !follow {
        Response::new(crate::http::full(head))
    } else {
        use futures_util::StreamExt;
        use http_body_util::BodyExt;
        let state = (new_lines, admin.stopping.clone(), filter);
        let first = futures_util::stream::once(std::future::ready(Bytes::from(head)));
        let rest = futures_util::stream::unfold(
            state,
            move |(mut lines, mut stopping, filter)| async move {
                loop {
                    let line = tokio::select! {
                        _ = stopping.wait_for(|stop| *stop) => return None,
                        line = lines.recv() => line,
                    };
                    let bytes = match line {
                        Ok(line)
                            if last.is_none_or(|s| line.seq > s)
                                && filter.admits(&line, crate::logs::now_ms()) =>
                        {
                            Bytes::from(format!("{}\n", line.json))
                        }
                        Ok(_) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            let note = json!({"level": "WARN", "target": "starlane::logs", "message": format!("{n} lines skipped: this follower fell behind")});
                            Bytes::from(format!("{note}\n"))
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    };
                    return Some((bytes, (lines, stopping, filter)));
                }
            },
        );
        let frames = first
            .chain(rest)
            .map(|bytes| Ok::<_, Infallible>(hyper::body::Frame::data(bytes)));
        Response::new(http_body_util::StreamBody::new(frames).boxed_unsync())
    };
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

/// An error reply, counted.
fn refuse(rt: &Runtime, e: RuntimeError) -> Response<Body> {
    rt.metrics.error(e.stage.as_str(), e.code.id);
    error_response(&e)
}

/// Where a `POST /messages` goes.
enum Target {
    Here(usize),
    /// A mechtron of that name on another host of the mesh.
    Mesh(Arc<crate::mesh::Mesh>, String),
}

async fn send(rt: Arc<Runtime>, admin: &AdminContext, req: Request<Incoming>) -> Response<Body> {
    let bad = |message: String| error_response(&RuntimeError::new(codes::BAD_REQUEST, message));
    let caller_credentials = req
        .headers()
        .get(CALLER_HEADER)
        .map(|v| v.to_str().map(str::to_string));
    let caller_credentials = match caller_credentials.transpose() {
        Ok(c) => c,
        Err(_) => return bad(format!("`{CALLER_HEADER}` is not text")),
    };
    let (bytes, _hold) = match admin.body(&rt, req, admin.access.max_body as u64).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let outside: Outside = match serde_json::from_slice(&bytes) {
        Ok(o) => o,
        Err(e) => {
            return bad(format!(
                "expected {{\"to\", \"message\", \"path\", \"body\"}}: {e}"
            ));
        }
    };
    let Some(method) = starlane_ir::Method::parse(&outside.message) else {
        return bad(format!(
            "`{}` is not a message such as `Ext<Hello>` or `Http<Get>`",
            outside.message
        ));
    };
    // A mechtron here (by name or address), else one another host of the mesh announces.
    let target = match &outside.to {
        None => rt.registry.http.map(Target::Here),
        Some(t) => rt
            .mechtron_named(t)
            .or_else(|| rt.mechtron_for(t))
            .map(Target::Here)
            .or_else(|| {
                let name = crate::registry::mechtron_name_of(t).unwrap_or(t);
                rt.mesh()
                    .map(|mesh| Target::Mesh(Arc::clone(mesh), name.to_string()))
            }),
    };
    let Some(target) = target else {
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
    let mut message = Message::new(method, outside.path.as_deref().unwrap_or("/"), body);
    message.origin = Origin::Outside;
    // Credentials are checked on the blocking thread (argon2 is slow by design); ones that are
    // given but not valid are refused, never taken as anonymous.
    let result = tokio::task::spawn_blocking(move || {
        if let Some(credentials) = caller_credentials {
            let Some(identity) = rt.credentials.authenticate(&credentials) else {
                return Err(RuntimeError::new(
                    codes::UNAUTHENTICATED,
                    format!("the caller credentials in `{CALLER_HEADER}` are not valid"),
                ));
            };
            message.caller = Some(identity);
        }
        match target {
            Target::Here(to) => rt.serve(to, message),
            Target::Mesh(mesh, name) => mesh
                .deliver(
                    &name,
                    message,
                    crate::message::Exchange::starting_at(rt.now()),
                    Default::default(),
                )
                .unwrap_or_else(|| {
                    Err(RuntimeError::new(
                        codes::ADDRESS_NOT_HOSTED,
                        format!("no live host of the mesh serves `{name}`"),
                    ))
                }),
        }
    })
    .await;
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
