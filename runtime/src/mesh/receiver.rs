//! The receiving side: messages for this host arrive on `<mesh>.host.<host>.deliver`. Each is
//! checked against the dedupe memory, acknowledged (by its reply when that comes soon, else by
//! the ack sweeper), and — the first time only — run
//! like any message from outside this host's listeners: it takes a message slot, its target's
//! pipeline checks its payloads and its bind's caller rules apply. Also the heartbeats: this
//! host's announcement, and the table of the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::hosts::Heartbeat;
use super::wire::{self, Envelope, Frame, WireError, WireReply, show_id};
use super::{Mesh, Seen, bump, publish_within};
use crate::codes;
use crate::error::RuntimeError;
use crate::host::Runtime;
use crate::message::Exchange;

pub(super) async fn start(mesh: &Arc<Mesh>, rt: &Arc<Runtime>) -> Result<(), String> {
    let subject = mesh.options.deliver_subject(&mesh.options.host);
    let mut incoming = mesh
        .client
        .subscribe(subject.clone())
        .await
        .map_err(|e| format!("cannot subscribe to {subject}: {e}"))?;
    let mesh = Arc::clone(mesh);
    let rt = Arc::clone(rt);
    tokio::spawn(async move {
        while let Some(msg) = incoming.next().await {
            bump(&mesh.counters.received);
            let (Some(reply_to), Some(envelope)) =
                (msg.reply, wire::decode::<Envelope>(&msg.payload))
            else {
                bump(&mesh.counters.malformed);
                tracing::warn!("mesh: dropped a frame on {subject} that is not a message envelope");
                continue;
            };
            if mesh.options.faults.drops_incoming(envelope.attempt) {
                continue;
            }
            receive(&mesh, &rt, reply_to.to_string(), envelope).await;
        }
    });
    Ok(())
}

/// Counts a message from `from` as running here until dropped.
struct InFlight {
    mesh: Arc<Mesh>,
    from: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut m) = self.mesh.in_flight.lock()
            && let Some(n) = m.get_mut(&self.from)
        {
            *n = n.saturating_sub(1);
        }
    }
}

async fn answer(mesh: &Mesh, reply_to: &str, attempt: u32, frame: Vec<u8>) {
    if mesh.options.faults.drops_outgoing(attempt) {
        return;
    }
    let publish = mesh.client.publish(reply_to.to_string(), frame.into());
    publish_within(publish, Duration::from_secs(1), || {
        format!("the answer on {reply_to}")
    })
    .await;
}

async fn receive(mesh: &Arc<Mesh>, rt: &Arc<Runtime>, reply_to: String, envelope: Envelope) {
    let id = envelope.id;
    let shown = show_id(&id);
    let ack = wire::encode(&Frame::Ack {
        id,
        host: mesh.options.host.clone(),
    });
    match mesh.dedupe.see(id) {
        Seen::Running => {
            bump(&mesh.counters.duplicates);
            tracing::debug!(message_id = %shown, attempt = envelope.attempt, from = %envelope.from, dedupe = "running", "mesh: duplicate acknowledged, not run again");
            answer(mesh, &reply_to, envelope.attempt, ack).await;
            return;
        }
        Seen::Done(frame) => {
            bump(&mesh.counters.duplicates);
            tracing::debug!(message_id = %shown, attempt = envelope.attempt, from = %envelope.from, dedupe = "done", "mesh: duplicate answered with the first reply");
            answer(mesh, &reply_to, envelope.attempt, frame).await;
            return;
        }
        Seen::New => {}
    }
    // Refused unrun: the sender may try another replica. Remembered as done, so a resend of it
    // is refused the same way and can never run here later.
    let refuse = |reason: String| {
        wire::encode(&Frame::Refused {
            id,
            host: mesh.options.host.clone(),
            reason,
        })
    };
    let admitted = if mesh.leaving.load(Ordering::Relaxed) {
        Err("the host is leaving the mesh".to_string())
    } else {
        match mesh.in_flight.lock() {
            Ok(mut m) => {
                let n = m.entry(envelope.from.clone()).or_default();
                if *n >= mesh.options.per_host_in_flight {
                    Err(format!(
                        "{n} messages from host `{}` are already running here",
                        envelope.from
                    ))
                } else {
                    *n += 1;
                    Ok(InFlight {
                        mesh: Arc::clone(mesh),
                        from: envelope.from.clone(),
                    })
                }
            }
            Err(_) => Err("the host is failing".to_string()),
        }
    };
    let in_flight = match admitted {
        Ok(guard) => guard,
        Err(reason) => {
            let frame = refuse(reason);
            mesh.dedupe.done(id, frame.clone());
            answer(mesh, &reply_to, envelope.attempt, frame).await;
            return;
        }
    };
    tracing::debug!(message_id = %shown, attempt = envelope.attempt, from = %envelope.from, to = %envelope.to, dedupe = "new", "mesh: running a message from another host");
    // The reply acknowledges too: a message answered within a quarter of the ack timeout needs
    // no separate ack (one NATS message less); a slower one is acked then by the ack sweeper,
    // well before the sender would resend.
    let replied = Arc::new(AtomicBool::new(false));
    if let Ok(mut pending) = mesh.pending_acks.lock() {
        pending.push_back(PendingAck {
            due: Instant::now() + mesh.options.ack_timeout / 4,
            reply_to: reply_to.clone(),
            attempt: envelope.attempt,
            frame: ack,
            replied: Arc::clone(&replied),
        });
    }
    // The guest may run up to its `exec` limit, so it must not hold up an async worker unless
    // `in_place` allows it (a mechtron known to be quick, one message at a time). Otherwise, on
    // a multi-threaded runtime it runs on a task of its own under `block_in_place`: the worker
    // hands its other tasks to another thread and this message goes on at once, where a hand-off
    // to a blocking thread would first wait for that thread to wake. A runtime with one thread
    // has no worker to hand on: there it runs on a blocking thread.
    let multi_threaded = mesh.handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread;
    let (mesh, rt) = (Arc::clone(mesh), Arc::clone(rt));
    let attempt = envelope.attempt;
    let mechtron = envelope.to.clone();
    let to = mechtron.clone();
    let deciding = Arc::clone(&mesh);
    let run = move |in_place: bool| {
        let _in_flight = in_flight;
        let started = Instant::now();
        let frame = run(&mesh, &rt, envelope);
        mesh.in_place.ran(&mechtron, started.elapsed(), in_place);
        mesh.dedupe.done(id, frame.clone());
        replied.store(true, Ordering::Release);
        (mesh, frame)
    };
    if multi_threaded {
        tokio::spawn(async move {
            let claim = deciding.in_place.claim(&to);
            let (mesh, frame) = match claim {
                Some(_) => {
                    bump(&deciding.counters.in_place);
                    run(true)
                }
                None => tokio::task::block_in_place(|| run(false)),
            };
            drop(claim);
            answer(&mesh, &reply_to, attempt, frame).await;
        });
    } else {
        tokio::task::spawn_blocking(move || {
            let (mesh, frame) = run(false);
            mesh.handle
                .block_on(answer(&mesh, &reply_to, attempt, frame));
        });
    }
}

/// Runs a message from another host here; its reply frame.
fn run(mesh: &Mesh, rt: &Arc<Runtime>, envelope: Envelope) -> Vec<u8> {
    bump(&mesh.counters.executed);
    let outcome = match rt.mechtron_named(&envelope.to) {
        None => Err(RuntimeError::new(
            codes::ADDRESS_NOT_HOSTED,
            format!(
                "host `{}` serves no mechtron `{}`",
                mesh.options.host, envelope.to
            ),
        )),
        Some(to) => {
            let deadline = Instant::now()
                + Duration::from_millis(envelope.remaining_ms).min(crate::message::MAX_EXCHANGE);
            let exchange = Exchange {
                deadline,
                depth: envelope.depth,
            };
            rt.serve_within(to, envelope.message(), exchange)
        }
    };
    wire::encode(&Frame::Reply {
        id: envelope.id,
        outcome: outcome
            .map(WireReply::from)
            .map_err(|e| WireError::from(&e)),
    })
}

/// An ack to send unless the reply goes out first.
pub(crate) struct PendingAck {
    due: Instant,
    reply_to: String,
    attempt: u32,
    frame: Vec<u8>,
    replied: Arc<AtomicBool>,
}

/// One task per host sends the acks that fell due (every eighth of the ack timeout), so a
/// message costs no timer of its own.
pub(super) fn start_ack_sweeper(mesh: &Arc<Mesh>) {
    let mesh = Arc::clone(mesh);
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval((mesh.options.ack_timeout / 8).max(Duration::from_millis(1)));
        loop {
            tick.tick().await;
            let now = Instant::now();
            let due: Vec<PendingAck> = match mesh.pending_acks.lock() {
                Ok(mut pending) => {
                    let n = pending.iter().take_while(|p| p.due <= now).count();
                    pending.drain(..n).collect()
                }
                Err(_) => return,
            };
            for ack in due {
                if !ack.replied.load(Ordering::Acquire) {
                    answer(&mesh, &ack.reply_to, ack.attempt, ack.frame).await;
                }
            }
        }
    });
}

/// This host's heartbeat: its bundle and each mechtron's state.
pub(super) async fn publish_heartbeat(mesh: &Mesh, rt: &Runtime) {
    let beat = Heartbeat {
        host: mesh.options.host.clone(),
        bundle: rt.bundle().name.clone(),
        mechtrons: rt
            .mechtrons()
            .iter()
            .map(|m| (m.name.clone(), m.state().name().to_string()))
            .collect(),
        leaving: mesh.leaving.load(Ordering::Relaxed),
        http: rt
            .http_mechtron()
            .and_then(|i| rt.mechtrons().get(i))
            .map(|m| m.name.clone()),
    };
    let bytes = wire::encode(&beat);
    let publish = mesh
        .client
        .publish(mesh.options.heartbeat_subject(), bytes.into());
    publish_within(publish, mesh.options.heartbeat, || {
        "the heartbeat".to_string()
    })
    .await;
}

pub(super) async fn start_heartbeats(mesh: &Arc<Mesh>, rt: &Arc<Runtime>) -> Result<(), String> {
    let subject = mesh.options.heartbeat_subject();
    let mut beats = mesh
        .client
        .subscribe(subject.clone())
        .await
        .map_err(|e| format!("cannot subscribe to {subject}: {e}"))?;
    {
        let mesh = Arc::clone(mesh);
        tokio::spawn(async move {
            while let Some(msg) = beats.next().await {
                match wire::decode::<Heartbeat>(&msg.payload) {
                    Some(beat) if beat.host != mesh.options.host => mesh.hosts.heard(beat),
                    Some(_) => {}
                    None => bump(&mesh.counters.malformed),
                }
            }
        });
    }
    let mesh = Arc::clone(mesh);
    let rt = Arc::downgrade(rt);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(mesh.options.heartbeat);
        // Also while leaving (the beat says so): senders wait for what this host acknowledged
        // until it stops.
        loop {
            tick.tick().await;
            let Some(rt) = rt.upgrade() else { return };
            publish_heartbeat(&mesh, &rt).await;
        }
    });
    Ok(())
}
