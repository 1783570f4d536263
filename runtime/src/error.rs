//! Errors people can act on: a code (`starlane explain E02xx`), whose fault it is, the stage that
//! failed, the mechtron and port, and — through the bundle's source map — the `.bind` line in
//! force. One type for every failure of serving a message.

use serde_json::{Map, Value, json};

use crate::codes::{ErrorCode, Fault, Stage};

/// A failure of serving a message (boxed: it travels through every `Result` of the hot path).
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError(Box<ErrorDetail>);

/// The facts of a [`RuntimeError`].
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// Usually the code's; a few errors move (a bad *response* payload is the system's fault).
    pub fault: Fault,
    pub status: u16,
    pub stage: Stage,
    pub mechtron: Option<String>,
    pub port: Option<String>,
    /// `bind/hello.bind:12:5`: the route, step or port in force.
    pub bind: Option<String>,
    /// Extra facts: the schema, the JSON pointer, the backtrace, the grants consulted.
    pub details: Map<String, Value>,
}

impl std::ops::Deref for RuntimeError {
    type Target = ErrorDetail;
    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for RuntimeError {
    fn deref_mut(&mut self) -> &mut ErrorDetail {
        &mut self.0
    }
}

impl RuntimeError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> RuntimeError {
        RuntimeError(Box::new(ErrorDetail {
            code,
            message: message.into(),
            fault: code.fault,
            status: code.status,
            stage: code.stage,
            mechtron: None,
            port: None,
            bind: None,
            details: Map::new(),
        }))
    }

    pub fn mechtron(mut self, name: &str) -> Self {
        self.mechtron.get_or_insert_with(|| name.to_string());
        self
    }

    pub fn port(mut self, name: Option<&str>) -> Self {
        if self.port.is_none() {
            self.port = name.map(str::to_string);
        }
        self
    }

    /// Records where in the `.bind` this happened (the innermost location wins).
    pub fn at(mut self, location: Option<String>) -> Self {
        if self.bind.is_none() {
            self.bind = location;
        }
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// A guest's response failed its check: the system's fault, found while responding.
    pub fn bad_response(mut self) -> Self {
        self.fault = Fault::System;
        self.stage = Stage::Respond;
        self.status = 502;
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The JSON body of an error reply (`specs/runtime.md` §6).
    pub fn to_json(&self) -> Value {
        let mut error = json!({
            "code": self.code.id,
            "name": self.code.name,
            "message": self.message,
            "fault": self.fault,
            "stage": self.stage.as_str(),
        });
        let obj = error.as_object_mut().expect("built as an object");
        for (key, value) in [
            ("mechtron", &self.mechtron),
            ("port", &self.port),
            ("bind", &self.bind),
        ] {
            if let Some(v) = value {
                obj.insert(key.into(), Value::String(v.clone()));
            }
        }
        if !self.details.is_empty() {
            obj.insert("details".into(), Value::Object(self.details.clone()));
        }
        json!({ "error": error })
    }

    /// What a guest receives from `__host_error`: plain text, `CODE: message`. waPC SDKs hand
    /// the host's error to the guest as its error string (the Rust `wapc-guest` `host_call`
    /// error), so it reads as a sentence there; the code leads, so a guest can still branch on it.
    pub fn to_guest_text(&self) -> Vec<u8> {
        format!("{}: {}", self.code.id, self.message).into_bytes()
    }
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code.id, self.message)?;
        if let Some(m) = &self.mechtron {
            write!(f, " (mechtron {m}")?;
            if let Some(p) = &self.port {
                write!(f, ", port {p}")?;
            }
            write!(f, ")")?;
        }
        if let Some(b) = &self.bind {
            write!(f, " at {b}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
