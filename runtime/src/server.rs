//! `starlane run`: loads a bundle, serves HTTP and the admin listener, and on SIGTERM or SIGINT
//! stops accepting, lets in-flight messages finish (up to the drain time), marks the mechtrons
//! Destroyed and returns.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use tokio::net::TcpListener;
use tokio::sync::watch;

use starlane_ir::signature::{self, TrustPolicy, Verdict};

use crate::admin::{AdminAccess, AdminContext, token};
use crate::host::{Runtime, RuntimeOptions};
use crate::http::Ingress;
use crate::listener::{BodyBudget, ConnectionSpec, Listener, ListenerLimits, Registry, drained};
use crate::serving::Serving;

pub struct ServeOptions {
    pub bundle: Vec<u8>,
    pub http: SocketAddr,
    pub http_limits: ListenerLimits,
    pub admin: Option<AdminOptions>,
    /// Bytes of request bodies held at once, across both listeners.
    pub body_budget: u64,
    pub runtime: RuntimeOptions,
    /// How long in-flight messages may take to finish after a stop signal.
    pub drain: Duration,
    /// Join a mesh of hosts on NATS (`--mesh`); `None`: one process, no NATS.
    pub mesh: Option<crate::mesh::MeshOptions>,
    /// Whose signed bundles are served (`--trust`); the default serves any intact bundle.
    pub trust: TrustPolicy,
    /// New bundles to switch to as they arrive (`run DIR --watch` rebuilds into this).
    pub rebuilt: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>>,
    /// The process's live logs, served by the admin listener's `GET /logs`.
    pub logs: Option<Arc<crate::logs::LogHub>>,
    /// Print the startup announcements (`http listening on …`) as JSON objects, like the logs.
    pub announce_json: bool,
}

/// One startup announcement on stdout, for scripts and tests that start the server on port 0:
/// `what VALUE` as text, or `{"event": what, "value": VALUE}` beside JSON logs, so that
/// `2>&1 | jq` reads every line.
fn announce(json: bool, event: &str, text: &str, value: &str) {
    if json {
        println!("{}", serde_json::json!({"event": event, "value": value}));
    } else {
        println!("{text} {value}");
    }
}

/// The admin listener: where, who may use it, and its connection limits.
pub struct AdminOptions {
    pub addr: SocketAddr,
    pub access: AdminAccess,
    pub limits: ListenerLimits,
}

/// Runs until a stop signal. Prints `http listening on ADDR` (and `admin listening on ADDR`) to
/// stdout once serving, for scripts and tests that start it on port 0.
pub fn run(options: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Guests run on blocking threads, nested calls on the same stack.
        .thread_stack_size(crate::GUEST_THREAD_STACK)
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(options))
}

async fn serve(options: ServeOptions) -> Result<(), String> {
    // Before anything is announced: a supervisor may signal as soon as it reads "listening".
    let stop = stop_signal();
    if let Some(admin) = &options.admin
        && !admin.addr.ip().is_loopback()
        && !admin.access.has_configured_credentials()
    {
        return Err(format!(
            "refusing to serve the admin listener on {} without credentials: anyone who can reach it could act on the mesh. Configure a token (`starlane hash-password --token`, then `[run.admin] tokens = [\"<sha256>\"]` or `--admin-token-sha256`), or listen on a loopback address",
            admin.addr
        ));
    }
    let (header, bundle) = starlane_ir::decode(&options.bundle)
        .map_err(|e| format!("the bundle does not load: {e}"))?;
    match signature::verify(&options.bundle, &header, &bundle, &options.trust) {
        Ok(Verdict::Signed { key, trusted }) => {
            tracing::info!(signer = %key, trusted, "the bundle's signature verifies")
        }
        Ok(Verdict::Unsigned) => tracing::warn!(
            "the bundle is not signed: anyone who can write the file can change what it grants. Sign it (`starlane sign`) and serve it with --trust"
        ),
        Err(e) => return Err(format!("the bundle is refused: {e}")),
    }
    tracing::info!(bundle = %bundle.name, producer = %header.producer, "loading");
    let loaded = crate::serving::Loaded::of(&options.bundle, &header);
    let reload_options = options.runtime.clone();
    let rt = tokio::task::spawn_blocking(move || Runtime::load(bundle, options.runtime))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    for line in rt.describe_caller_rules() {
        tracing::info!("{line}");
    }
    if let Some(mesh) = options.mesh {
        let host = mesh.host.clone();
        crate::mesh::Mesh::join(&rt, mesh).await?;
        announce(
            options.announce_json,
            "mesh_joined",
            "mesh host",
            &format!("{host} joined"),
        );
    }
    let http = TcpListener::bind(options.http)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.http))?;
    announce(
        options.announce_json,
        "http_listening",
        "http listening on",
        &http.local_addr().map_err(|e| e.to_string())?.to_string(),
    );
    let mut token_file = None;
    let admin = match options.admin {
        Some(AdminOptions {
            addr,
            mut access,
            limits,
        }) => {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let local = l.local_addr().map_err(|e| e.to_string())?;
            if !access.has_tokens() {
                // A loopback listener without a configured token gets a fresh one, private to
                // this user, where `starlane status`/`send` find it.
                let dir = token::default_dir().ok_or(
                    "no directory for the admin token (set XDG_RUNTIME_DIR or HOME), and no token is configured",
                )?;
                let generated = token::generate()?;
                let file = token::write_generated(&dir, local, &generated)?;
                announce(
                    options.announce_json,
                    "admin_token_file",
                    "admin token in",
                    &file.path().display().to_string(),
                );
                access = access.with_generated_token(&generated);
                token_file = Some(file);
            }
            announce(
                options.announce_json,
                "admin_listening",
                "admin listening on",
                &local.to_string(),
            );
            Some((l, access, limits))
        }
        None => None,
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let listeners = Listeners {
        http,
        http_limits: options.http_limits,
        admin,
        body_budget: options.body_budget,
        logs: options.logs,
    };
    let serving = Serving::new(rt, loaded, Some(reload_options), options.trust);
    if let Some(mut rebuilt) = options.rebuilt {
        let serving = serving.clone();
        tokio::spawn(async move {
            while let Some(bytes) = rebuilt.recv().await {
                // The outcome is logged either way; a refused bundle leaves the old one serving.
                let _ = serving.reload(bytes).await;
            }
        });
    }
    serve_runtime(serving, listeners, stop, options.drain).await;
    drop(token_file);
    Ok(())
}

/// Bound listeners and their limits, ready to serve.
pub struct Listeners {
    pub http: TcpListener,
    pub http_limits: ListenerLimits,
    pub admin: Option<(TcpListener, AdminAccess, ListenerLimits)>,
    pub body_budget: u64,
    /// What the admin listener's `GET /logs` serves.
    pub logs: Option<Arc<crate::logs::LogHub>>,
}

impl Listeners {
    /// The HTTP listener alone, with the default limits (benches, embedders).
    pub fn http_only(http: TcpListener) -> Listeners {
        Listeners {
            http,
            http_limits: ListenerLimits::HTTP,
            admin: None,
            body_budget: BodyBudget::DEFAULT,
            logs: None,
        }
    }
}

/// hyper's read buffer for the HTTP listener: room for the bind's header limit and a request
/// line, so the bind's own limit (a JSON `E0207`) is met first.
fn http_buffer(rt: &Runtime) -> usize {
    let headers = rt
        .registry
        .http
        .map_or(8 << 10, |m| rt.bind_of(m).limits.headers as usize);
    headers.saturating_add(16 << 10).clamp(16 << 10, 1 << 20)
}

/// Serves the current bundle of `serving` on the given listeners until `stop` completes, then
/// drains for up to `drain` and marks the mechtrons Destroyed. (`run` passes the stop signals;
/// benches and embedders pass their own future, and `Serving::fixed` for one runtime.)
pub async fn serve_runtime(
    serving: Arc<Serving>,
    listeners: Listeners,
    stop: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Connection counters live in the metrics, which every reloaded runtime shares.
    let rt = serving.current();
    let registry = Arc::new(Registry::default());
    let budget = BodyBudget::new(listeners.body_budget);
    let ingress = Arc::new(Ingress {
        budget: budget.clone(),
        body_read_timeout: listeners.http_limits.body_read_timeout,
    });
    let http = Listener {
        tcp: listeners.http,
        spec: ConnectionSpec {
            listener: "http",
            limits: listeners.http_limits,
            max_buf_size: http_buffer(&rt),
        },
    };
    let for_http = serving.clone();
    let http_task = tokio::spawn(http.accept(
        rt.clone(),
        registry.clone(),
        move || {
            let (serving, ingress) = (for_http.clone(), ingress.clone());
            // Each request takes the bundle current when it arrives, and keeps it to the end.
            service_fn(move |req| crate::http::handle(serving.current(), ingress.clone(), req))
        },
        stop_rx.clone(),
    ));
    let admin_task = listeners.admin.and_then(|(tcp, access, limits)| {
        let local = tcp.local_addr().ok()?;
        let context = Arc::new(
            AdminContext::new(access, local, budget.clone(), limits.body_read_timeout)
                .with_logs(listeners.logs.clone(), stop_rx.clone()),
        );
        let admin = Listener {
            tcp,
            spec: ConnectionSpec {
                listener: "admin",
                limits,
                max_buf_size: 16 << 10,
            },
        };
        let for_admin = serving.clone();
        Some(tokio::spawn(admin.accept(
            rt.clone(),
            registry.clone(),
            move || {
                let (serving, context) = (for_admin.clone(), context.clone());
                service_fn(move |req| crate::admin::handle(serving.clone(), context.clone(), req))
            },
            stop_rx.clone(),
        )))
    });
    stop.await;
    // The bundle serving now (a reload may have replaced the first one).
    let rt = serving.current();
    tracing::info!("stopping: no new connections; draining in-flight messages");
    let _ = stop_tx.send(true);
    // Other hosts stop routing here; messages from them already running finish below.
    if let Some(mesh) = rt.mesh() {
        mesh.leave(&rt).await;
    }
    let mut all = Vec::new();
    if let Ok(slots) = http_task.await {
        all.push(slots);
    }
    if let Some(t) = admin_task
        && let Ok(slots) = t.await
    {
        all.push(slots);
    }
    let connections = async {
        for (slots, cap) in all {
            drained(slots, cap).await;
        }
    };
    let background = async {
        while rt.background.running() > 0 || rt.mesh().is_some_and(|m| m.running() > 0) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    match tokio::time::timeout(drain, async { tokio::join!(connections, background) }).await {
        Ok(_) => tracing::info!("drained"),
        Err(_) => tracing::warn!(
            "drain time ({drain:?}) over; closing the remaining {} connection(s)",
            registry.len()
        ),
    }
    rt.destroy();
}

/// The stop signals (SIGTERM, SIGINT), their handlers installed *now*: a signal that arrives
/// between this call and the first poll of the future is not lost (nor does it kill the
/// process with the default action before the drain can run).
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            match streams {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
