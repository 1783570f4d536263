//! `starlane run`: loads a bundle, serves HTTP and the admin listener, and on SIGTERM or SIGINT
//! stops accepting, lets in-flight messages finish (up to the drain time), marks the mechtrons
//! Destroyed and returns.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::host::{Runtime, RuntimeOptions};

pub struct ServeOptions {
    pub bundle: Vec<u8>,
    pub http: SocketAddr,
    pub admin: Option<SocketAddr>,
    pub runtime: RuntimeOptions,
    /// How long in-flight messages may take to finish after a stop signal.
    pub drain: Duration,
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
    let (header, bundle) = starlane_ir::decode(&options.bundle)
        .map_err(|e| format!("the bundle does not load: {e}"))?;
    tracing::info!(bundle = %bundle.name, producer = %header.producer, "loading");
    let rt = tokio::task::spawn_blocking(move || Runtime::load(bundle, options.runtime))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    for line in rt.describe_caller_rules() {
        tracing::info!("{line}");
    }
    let http = TcpListener::bind(options.http)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.http))?;
    println!(
        "http listening on {}",
        http.local_addr().map_err(|e| e.to_string())?
    );
    let admin = match options.admin {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            println!(
                "admin listening on {}",
                l.local_addr().map_err(|e| e.to_string())?
            );
            Some(l)
        }
        None => None,
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();
    serve_runtime(rt, http, admin, wait_for_stop_signal(), options.drain).await;
    Ok(())
}

/// Serves `rt` on the given listeners until `stop` completes, then drains for up to `drain`
/// and marks the mechtrons Destroyed. (`run` passes the stop signals; benches and embedders
/// pass their own future.)
pub async fn serve_runtime(
    rt: Arc<Runtime>,
    http: TcpListener,
    admin: Option<TcpListener>,
    stop: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let graceful = Arc::new(GracefulShutdown::new());
    let http_task = tokio::spawn(accept(
        http,
        rt.clone(),
        stop_rx.clone(),
        graceful.clone(),
        Listener::Http,
    ));
    let admin_task = admin.map(|l| {
        tokio::spawn(accept(
            l,
            rt.clone(),
            stop_rx.clone(),
            graceful.clone(),
            Listener::Admin,
        ))
    });
    stop.await;
    tracing::info!("stopping: no new connections; draining in-flight messages");
    let _ = stop_tx.send(true);
    let _ = http_task.await;
    if let Some(t) = admin_task {
        let _ = t.await;
    }
    match Arc::try_unwrap(graceful) {
        Ok(graceful) => match tokio::time::timeout(drain, graceful.shutdown()).await {
            Ok(()) => tracing::info!("drained"),
            Err(_) => {
                tracing::warn!("drain time ({drain:?}) over; closing the remaining connections")
            }
        },
        Err(_) => tracing::warn!("connections still referenced; not waiting for them"),
    }
    rt.destroy();
}

#[derive(Clone, Copy)]
enum Listener {
    Http,
    Admin,
}

async fn accept(
    listener: TcpListener,
    rt: Arc<Runtime>,
    mut stop: watch::Receiver<bool>,
    graceful: Arc<GracefulShutdown>,
    which: Listener,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let rt = rt.clone();
                let io = TokioIo::new(stream);
                let service = service_fn(move |req| {
                    let rt = rt.clone();
                    async move {
                        match which {
                            Listener::Http => crate::http::handle(rt, req).await,
                            Listener::Admin => crate::admin::handle(rt, req).await,
                        }
                    }
                });
                let conn = http1::Builder::new()
                    .max_buf_size(1 << 20)
                    .serve_connection(io, service);
                let watched = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            _ = stop.changed() => break,
        }
    }
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
