//! HTTP throughput: requests per second through the runtime's HTTP ingress (routing, limits,
//! envelope, a fresh instance per request on a blocking thread) against a bare hyper server that
//! calls the same guest directly (a fresh instance per request, in the handler), in the same run,
//! driven by the same keep-alive client with 8 requests in flight. Target: ≥ 0.7×.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use starlane_runtime::{Runtime, RuntimeOptions};

const IN_FLIGHT: usize = 8;

fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(starlane_runtime::GUEST_THREAD_STACK)
        .enable_all()
        .build()
        .unwrap()
}

/// The runtime's own server, in process; returns its address.
fn start_starlane(tokio: &tokio::runtime::Runtime) -> SocketAddr {
    let bind = "Bind(version=1.1.0) {\n  Route<Http<Get>>/hello -> (( )) => &;\n}\n";
    let rt = Runtime::load(
        common::bench_bundle(bind),
        RuntimeOptions {
            cache_dir: None,
            ..Default::default()
        },
    )
    .unwrap();
    tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(starlane_runtime::server::serve_runtime(
            starlane_runtime::serving::Serving::fixed(rt),
            starlane_runtime::server::Listeners::http_only(listener),
            std::future::pending(),
            Duration::ZERO,
        ));
        addr
    })
}

/// A bare hyper server calling the guest directly.
fn start_bare(tokio: &tokio::runtime::Runtime) -> SocketAddr {
    let guest = Arc::new(common::RawGuest::new(&common::hello_wasm()));
    tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let guest = guest.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |_req| {
                        let body = guest.call(b"Http<Get>", b"");
                        async move {
                            Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    })
}

/// Sends `n` GETs with `IN_FLIGHT` in flight; the time they took.
fn drive(client_rt: &tokio::runtime::Runtime, url: &str, n: u64) -> Duration {
    client_rt.block_on(async {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(IN_FLIGHT)
            .build_http();
        let remaining = Arc::new(std::sync::atomic::AtomicI64::new(n as i64));
        let started = Instant::now();
        let workers: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (client, remaining, url) = (client.clone(), remaining.clone(), url.to_string());
                tokio::spawn(async move {
                    while remaining.fetch_sub(1, std::sync::atomic::Ordering::Relaxed) > 0 {
                        let req = hyper::Request::get(&url)
                            .body(Full::new(Bytes::new()))
                            .unwrap();
                        let resp = client.request(req).await.unwrap();
                        assert_eq!(resp.status(), 200);
                        let body = resp.into_body().collect().await.unwrap().to_bytes();
                        assert_eq!(&body[..], b"hello");
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        started.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    let servers = server_runtime();
    let starlane = start_starlane(&servers);
    let bare = start_bare(&servers);
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("http_request");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(6));
    for (name, addr) in [
        ("bare_hyper_direct_guest_call", bare),
        ("starlane_run", starlane),
    ] {
        let url = format!("http://{addr}/hello");
        drive(&client, &url, 200); // warm the connection pool
        group.bench_function(name, |b| b.iter_custom(|iters| drive(&client, &url, iters)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
