//! Measuring aid for the mesh bench: the same two hosts and raw NATS reference as
//! `benches/mesh.rs`, run in alternating rounds of N messages each, reporting the mean time and
//! the context switches (this process's and nats-server's) per message. Context switches, not
//! CPU, are most of a mesh message's latency on a small machine.
//! `cargo run --release -p starlane-runtime --example mesh_hops -- [N] [ROUNDS]`

#[path = "../benches/common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

fn switches_of(pid: u32) -> u64 {
    let mut total = 0;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            for line in status.lines() {
                if line.starts_with("voluntary_ctxt_switches")
                    || line.starts_with("nonvoluntary_ctxt_switches")
                {
                    total += line
                        .split_whitespace()
                        .last()
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or(0);
                }
            }
        }
    }
    total
}

/// Context switches per thread (name and id).
fn per_thread(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let n: u64 = status
                .lines()
                .filter(|l| l.contains("ctxt_switches"))
                .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
            out.insert(
                format!("{}/{}", name.trim(), task.file_name().to_string_lossy()),
                n,
            );
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(std::env::var("NATS_SERVER").unwrap_or("nats-server".into()))
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on PATH");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("nats://127.0.0.1:{port}");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = |name: &str, bind: &str| {
        Runtime::load(
            common::named_bundle(name, bind),
            RuntimeOptions {
                cache_dir: None,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (front, worker): (Arc<Runtime>, Arc<Runtime>) =
        (load("front", FRONT), load("worker", WORKER));
    let mesh = tokio.block_on(async {
        Mesh::join(&worker, MeshOptions::new(&url, "worker-host"))
            .await
            .unwrap();
        Mesh::join(&front, MeshOptions::new(&url, "front-host"))
            .await
            .unwrap()
    });
    while mesh.status()["hosts"].as_array().is_none_or(Vec::is_empty) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let message = || common::message_from_ada("Ext<Hello>", "/", PAYLOAD);
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
        while client
            .request("bench.raw", PAYLOAD.to_vec().into())
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        client
    });
    let raw = || {
        tokio.block_on(async {
            client
                .request("bench.raw", PAYLOAD.to_vec().into())
                .await
                .unwrap()
        });
    };
    let routed = || {
        front.serve(0, message()).unwrap();
    };
    let me = std::process::id();
    let measure = |what: &str, f: &dyn Fn()| {
        for _ in 0..n / 10 {
            f();
        }
        let (ours, theirs) = (switches_of(me), switches_of(server.id()));
        let threads = per_thread(me);
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let took = start.elapsed() / n;
        let ours = (switches_of(me) - ours) as f64 / n as f64;
        let theirs = (switches_of(server.id()) - theirs) as f64 / n as f64;
        if std::env::var_os("PER_THREAD").is_some() {
            for (name, after) in per_thread(me) {
                let before = threads.get(&name).copied().unwrap_or(0);
                let d = (after - before) as f64 / n as f64;
                if d > 0.05 {
                    println!("    {name}: {d:.2}");
                }
            }
        }
        println!(
            "{what:>7}: {took:>9.1?}/msg  switches/msg: ours {ours:.2}, nats-server {theirs:.2}"
        );
        took
    };
    // `ONLY=routed` (or `raw`) runs one side alone, e.g. under `perf record`.
    let only = std::env::var("ONLY").ok();
    for _ in 0..rounds {
        match only.as_deref() {
            None => {
                let r = measure("raw", &raw);
                let m = measure("routed", &routed);
                println!("  ratio {:.2}", m.as_secs_f64() / r.as_secs_f64());
            }
            Some("raw") => {
                measure("raw", &raw);
            }
            Some("routed") => {
                measure("routed", &routed);
            }
            Some(other) => {
                eprintln!("ONLY must be `raw` or `routed`, not `{other}`");
                break;
            }
        }
    }
    let _ = server.kill();
    let _ = server.wait();
}
