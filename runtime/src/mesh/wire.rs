//! What travels on the mesh's NATS subjects (`specs/runtime.md` §8.3): a message envelope from
//! the sending host, and the frames the receiving host answers with — an ack as soon as it has
//! the message, then the reply. Encoded with postcard; anything that does not decode is dropped
//! by the receiver and counted, never half-read.

use serde::{Deserialize, Serialize};
use starlane_ir::Method;

use crate::codes::{self, Fault, Stage};
use crate::error::RuntimeError;
use crate::message::{Identity, Message, Origin, Reply};

/// A message id: random, 128 bits, the same for every attempt of one message.
pub type MessageId = [u8; 16];

/// Shown in logs and errors as 32 hex digits.
pub fn show_id(id: &MessageId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A message to a mechtron of another host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope {
    pub id: MessageId,
    /// 1 for the first send, then 2, 3, … for resends of the same message.
    pub attempt: u32,
    /// The sending host (for logs, and the receiver's per-host fairness cap).
    pub from: String,
    /// The mechtron's name (its address is `localhost:<name>` on every host).
    pub to: String,
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub caller: Option<(String, Option<String>)>,
    pub outside: bool,
    /// What remains of the exchange's time, and how deep in nested calls it is.
    pub remaining_ms: u64,
    pub depth: u32,
}

impl Envelope {
    pub fn message(&self) -> Message {
        Message {
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            caller: self.caller.as_ref().map(|(point, kind)| Identity {
                point: point.clone(),
                kind: kind.clone(),
            }),
            origin: if self.outside {
                Origin::Outside
            } else {
                Origin::Inside
            },
        }
    }
}

/// What the receiving host answers on the sender's inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Frame {
    /// "I have message `id`": the sender stops resending.
    Ack { id: MessageId, host: String },
    /// "Not run, and never will be here" (the host is leaving, or too busy with messages from
    /// this sender): the sender may safely try another replica.
    Refused {
        id: MessageId,
        host: String,
        reason: String,
    },
    /// The outcome of the one execution of message `id` (also the answer to every duplicate).
    Reply {
        id: MessageId,
        outcome: Result<WireReply, WireError>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
}

impl From<Reply> for WireReply {
    fn from(r: Reply) -> Self {
        WireReply {
            status: r.status,
            headers: r.headers,
            body: r.body,
            content_type: r.content_type,
        }
    }
}

impl From<WireReply> for Reply {
    fn from(r: WireReply) -> Self {
        Reply {
            status: r.status,
            headers: r.headers,
            body: r.body,
            content_type: r.content_type,
            // Counted where it was handled, on the other host.
            handled_by: None,
        }
    }
}

/// A [`RuntimeError`] as the receiving host reported it: its code, fault, stage, status,
/// mechtron, port, `.bind` location and details all survive the trip.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireError {
    pub code: String,
    pub message: String,
    pub caller_fault: bool,
    pub stage: String,
    pub status: u16,
    pub mechtron: Option<String>,
    pub port: Option<String>,
    pub bind: Option<String>,
    /// JSON text (postcard cannot carry a self-describing value).
    pub details: String,
}

impl From<&RuntimeError> for WireError {
    fn from(e: &RuntimeError) -> Self {
        WireError {
            code: e.code.id.to_string(),
            message: e.message.clone(),
            caller_fault: e.fault == Fault::Caller,
            stage: e.stage.as_str().to_string(),
            status: e.status,
            mechtron: e.mechtron.clone(),
            port: e.port.clone(),
            bind: e.bind.clone(),
            details: serde_json::Value::Object(e.details.clone()).to_string(),
        }
    }
}

impl WireError {
    /// Back to a typed error; a code this host does not know (a newer peer) keeps its message
    /// under the closest code we have.
    pub fn into_error(self) -> RuntimeError {
        let code = codes::lookup(&self.code).unwrap_or(codes::GUEST_ERROR);
        let mut e = RuntimeError::new(code, self.message).with_status(self.status);
        e.fault = if self.caller_fault {
            Fault::Caller
        } else {
            Fault::System
        };
        e.stage = Stage::parse(&self.stage).unwrap_or(code.stage);
        e.mechtron = self.mechtron;
        e.port = self.port;
        e.bind = self.bind;
        if let Ok(serde_json::Value::Object(details)) = serde_json::from_str(&self.details) {
            e.details = details;
        }
        e
    }
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("mesh frames always encode")
}

pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_every_fact_across_the_wire() {
        let e = RuntimeError::new(codes::SCHEMA_VIOLATION, "bad email")
            .mechtron("users")
            .port(Some("save"))
            .at(Some("bind/users.bind:4:5".into()))
            .detail("pointer", "/email");
        let back = decode::<WireError>(&encode(&WireError::from(&e)))
            .unwrap()
            .into_error();
        assert_eq!(back, e);
        let moved = e.clone().bad_response();
        let back = WireError::from(&moved).into_error();
        assert_eq!(back, moved, "a moved fault and stage survive");
    }

    #[test]
    fn envelopes_round_trip_and_garbage_does_not_decode() {
        let env = Envelope {
            id: [7; 16],
            attempt: 2,
            from: "a".into(),
            to: "users".into(),
            method: Method::parse("Ext<Select>").unwrap(),
            path: "/".into(),
            headers: vec![("x".into(), "y".into())],
            body: b"{}".to_vec(),
            caller: Some(("localhost:users:ada".into(), None)),
            outside: true,
            remaining_ms: 1000,
            depth: 1,
        };
        assert_eq!(decode::<Envelope>(&encode(&env)), Some(env.clone()));
        assert_eq!(env.message().origin, Origin::Outside);
        for cut in 0..encode(&env).len() {
            let _ = decode::<Envelope>(&encode(&env)[..cut]);
        }
        assert_eq!(decode::<Frame>(b"\xff\xff\xff"), None);
    }
}
