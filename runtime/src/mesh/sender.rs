//! The sending side of a message to another host: choose a live replica, send, wait for its
//! ack (resending with a doubling wait when none comes), then wait for the reply while the host
//! stays alive — resending now and then, which the receiver answers with the stored reply if the
//! first one was lost. Every attempt of a message carries the same id and goes to the same
//! host, so the receiver's dedupe makes delivery once or not at all.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::wire::{self, Envelope, Frame, MessageId, show_id};
use super::{Mesh, bump, publish_within};
use crate::codes;
use crate::error::RuntimeError;
use crate::message::{Exchange, Message, Reply};

/// Subscribes to this host's inbox and hands each frame to the sender waiting for its id.
pub(super) async fn start_inbox(mesh: &Arc<Mesh>) -> Result<(), String> {
    let mut frames = mesh
        .client
        .subscribe(format!("{}.*", mesh.inbox))
        .await
        .map_err(|e| format!("cannot subscribe to the mesh inbox: {e}"))?;
    let mesh = Arc::clone(mesh);
    tokio::spawn(async move {
        while let Some(msg) = frames.next().await {
            let Some(frame) = wire::decode::<Frame>(&msg.payload) else {
                bump(&mesh.counters.malformed);
                continue;
            };
            let id = match &frame {
                Frame::Ack { id, .. } | Frame::Reply { id, .. } | Frame::Refused { id, .. } => *id,
            };
            let waiter = mesh.waiting.lock().ok().and_then(|w| w.get(&id).cloned());
            if let Some(waiter) = waiter {
                let _ = waiter.send(frame);
            }
        }
    });
    Ok(())
}

/// Stops routing a message id's frames once its sender is done.
struct Waiting<'a> {
    mesh: &'a Mesh,
    id: MessageId,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.mesh.waiting.lock() {
            w.remove(&self.id);
        }
    }
}

/// The next frame for this message, if one comes within `wait`.
async fn next_frame(frames: &mut mpsc::UnboundedReceiver<Frame>, wait: Duration) -> Option<Frame> {
    tokio::time::timeout(wait, frames.recv())
        .await
        .ok()
        .flatten()
}

impl Mesh {
    /// `E0231`, counted: the message ran once or not at all, and the sender stops here.
    fn give_up(&self, host: &str, id: &MessageId, attempts: u32, why: String) -> RuntimeError {
        bump(&self.counters.timeouts);
        RuntimeError::new(codes::MESH_TIMEOUT, why)
            .detail("host", host)
            .detail("message_id", show_id(id))
            .detail("attempts", attempts)
    }

    pub(super) async fn send(
        self: Arc<Self>,
        mut host: String,
        name: String,
        message: Message,
        exchange: Exchange,
        schedule: super::Schedule,
    ) -> Result<Reply, RuntimeError> {
        let mut id: MessageId = [0; 16];
        getrandom::fill(&mut id).map_err(|e| {
            RuntimeError::new(codes::MESH_TIMEOUT, format!("no random source: {e}"))
        })?;
        let (tx, mut frames) = mpsc::unbounded_channel();
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(id, tx);
        }
        let _waiting = Waiting { mesh: &self, id };
        let reply_to = format!("{}.{}", self.inbox, show_id(&id));
        let mut envelope = Envelope {
            id,
            attempt: 0,
            from: self.options.host.clone(),
            to: name.clone(),
            method: message.method,
            path: message.path,
            headers: message.headers,
            body: message.body,
            caller: message.caller.map(|c| (c.point, c.kind)),
            outside: message.origin == crate::message::Origin::Outside,
            remaining_ms: 0,
            depth: exchange.depth,
        };
        bump(&self.counters.sent);
        let mut tried = vec![host.clone()];
        let mut attempt_here = 0u32;
        // Phase 1: until a host acknowledges (or refuses unrun, and another is tried).
        loop {
            let remaining = exchange.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.give_up(
                    &host,
                    &id,
                    envelope.attempt,
                    format!("no ack from host `{host}` before the exchange's time ran out"),
                ));
            }
            if attempt_here > schedule.retries {
                return Err(self.give_up(
                    &host,
                    &id,
                    envelope.attempt,
                    format!(
                        "host `{host}` did not acknowledge `{name}`'s message after {} attempts; it ran once or not at all",
                        attempt_here
                    ),
                ));
            }
            attempt_here += 1;
            envelope.attempt += 1;
            if attempt_here > 1 {
                bump(&self.counters.resends);
                tracing::debug!(message_id = %show_id(&id), attempt = envelope.attempt, %host, "mesh: no ack; resending");
            }
            self.publish(&host, &reply_to, &mut envelope, remaining)
                .await?;
            let wait = schedule.ack_wait(attempt_here).min(remaining);
            match next_frame(&mut frames, wait).await {
                Some(Frame::Ack { .. }) => {
                    bump(&self.counters.acks);
                    break;
                }
                Some(Frame::Reply { outcome, .. }) => return finish(outcome),
                Some(Frame::Refused {
                    host: refusing,
                    reason,
                    ..
                }) => {
                    bump(&self.counters.refused);
                    tracing::debug!(message_id = %show_id(&id), host = %refusing, "mesh: refused unrun ({reason}); trying another host");
                    match self.hosts.choose_except(&name, &tried) {
                        Some(next) => {
                            tried.push(next.clone());
                            host = next;
                            attempt_here = 0;
                        }
                        None => {
                            return Err(RuntimeError::new(
                                codes::OVERLOADED,
                                format!(
                                    "every host that serves `{name}` refused the message: {reason}"
                                ),
                            )
                            .detail("host", refusing));
                        }
                    }
                }
                None => {}
            }
        }
        // Phase 2: acknowledged; wait for the reply while the host lives. A resend now and then
        // recovers a lost reply (the receiver answers it from its dedupe memory).
        loop {
            let remaining = exchange.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.give_up(
                    &host,
                    &id,
                    envelope.attempt,
                    format!(
                        "host `{host}` acknowledged the message but did not answer before the exchange's time ran out"
                    ),
                ));
            }
            let wait = schedule.max_retry_delay.min(remaining);
            match next_frame(&mut frames, wait).await {
                Some(Frame::Reply { outcome, .. }) => return finish(outcome),
                Some(_) => {}
                None => {
                    if !self.hosts.alive(&host) {
                        return Err(self.give_up(
                            &host,
                            &id,
                            envelope.attempt,
                            format!(
                                "host `{host}` went away after acknowledging the message; it ran once or not at all"
                            ),
                        ));
                    }
                    envelope.attempt += 1;
                    bump(&self.counters.resends);
                    self.publish(&host, &reply_to, &mut envelope, remaining)
                        .await?;
                }
            }
        }
    }

    async fn publish(
        &self,
        host: &str,
        reply_to: &str,
        envelope: &mut Envelope,
        remaining: Duration,
    ) -> Result<(), RuntimeError> {
        envelope.remaining_ms = remaining.as_millis() as u64;
        let bytes = wire::encode(envelope);
        let max = self.client.max_payload();
        if max > 0 && bytes.len() > max {
            return Err(RuntimeError::new(
                codes::PAYLOAD_TOO_LARGE,
                format!(
                    "the message to `{}` is {} bytes; the mesh carries at most {max} (NATS max_payload)",
                    envelope.to,
                    bytes.len()
                ),
            ));
        }
        // A publish that fails is a lost attempt: the ack wait and resend cover it.
        let publish = self.client.publish_with_reply(
            self.options.deliver_subject(host),
            reply_to.to_string(),
            bytes.into(),
        );
        publish_within(publish, self.options.max_retry_delay, || {
            format!("the message to {host}")
        })
        .await;
        Ok(())
    }
}

fn finish(outcome: Result<wire::WireReply, wire::WireError>) -> Result<Reply, RuntimeError> {
    outcome
        .map(Reply::from)
        .map_err(wire::WireError::into_error)
}
