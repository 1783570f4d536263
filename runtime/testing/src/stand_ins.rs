//! The harness of one case: stand-ins (mocks) and the record of outbound calls. A stand-in for a
//! mechtron of the bundle answers in place of its guest only — the runtime has already run that
//! mechtron's routes, filters, caller checks and its port's request check, and checks the
//! stand-in's answer against the port's response pattern afterwards — so a mock can never accept
//! or return what the real mechtron could not. A stand-in for an address outside the bundle
//! answers every message to it (there are no port definitions to hold it to).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use starlane_runtime::codes;
use starlane_runtime::harness::{CallRecord, GuestRequest, Harness};
use starlane_runtime::time::TimeSource;
use starlane_runtime::{Message, Reply, RuntimeError};

use crate::suite::{MockAnswer, MockSpec};

/// A mock as the test file declared it, under the name it was declared with.
#[derive(Debug, Clone)]
pub struct Mock {
    pub name: String,
    pub spec: MockSpec,
}

pub struct StandIns {
    /// Mechtron name (of the bundle) → its stand-in.
    pub guests: HashMap<String, Mock>,
    /// Address outside the bundle → its stand-in.
    pub outside: Vec<(String, Mock)>,
    /// (mechtron, port) → the port's response JSON Schema, for generated answers.
    pub responses: Arc<HashMap<(String, String), Value>>,
    /// Every schema of the bundle by path, for `$ref`s in generated answers.
    pub schemas: Arc<Vec<(String, Value)>>,
    pub time: TimeSource,
    calls: Mutex<Vec<CallRecord>>,
    /// What a stand-in could not do (no answer matched, nothing to generate from).
    problems: Mutex<Vec<String>>,
}

impl StandIns {
    pub fn new(time: TimeSource) -> StandIns {
        StandIns {
            guests: HashMap::new(),
            outside: Vec::new(),
            responses: Arc::default(),
            schemas: Arc::default(),
            time,
            calls: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        }
    }

    pub fn calls(&self) -> Vec<CallRecord> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn problems(&self) -> Vec<String> {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn problem(&self, text: String) {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(text);
    }

    /// The mock's answer to `op`/`path`, after its delay on the virtual clock.
    fn answer(
        &self,
        mock: &Mock,
        op: &[&str],
        path: &str,
        port: Option<(&str, &str)>,
    ) -> Result<Reply, RuntimeError> {
        let found = mock.spec.answers.iter().find(|a| {
            a.op.as_deref().is_none_or(|want| op.contains(&want))
                && a.path.as_deref().is_none_or(|want| want == path)
        });
        let Some(answer) = found else {
            let why = format!(
                "mock `{}` has no answer for {} {path}",
                mock.name,
                op.join(" / ")
            );
            self.problem(why.clone());
            return Err(RuntimeError::new(codes::GUEST_ERROR, why));
        };
        let delay = answer
            .delay
            .as_ref()
            .or(mock.spec.delay.as_ref())
            .and_then(|d| crate::duration::parse(d).ok())
            .unwrap_or(Duration::ZERO);
        self.time.advance(delay);
        if let Some(fail) = &answer.fail {
            return Err(RuntimeError::new(
                codes::GUEST_ERROR,
                format!("the guest failed: {}", fail.message),
            )
            .detail("guest_code", fail.code.clone()));
        }
        let body = self.body(mock, answer, port)?;
        let mut reply = Reply::new(answer.status.unwrap_or(200), body.0);
        reply.headers = answer
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        reply.content_type = answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone())
            .or(body.1);
        Ok(reply)
    }

    /// The answer's body and its content type.
    fn body(
        &self,
        mock: &Mock,
        answer: &MockAnswer,
        port: Option<(&str, &str)>,
    ) -> Result<(Vec<u8>, Option<String>), RuntimeError> {
        if let Some(json) = &answer.json {
            return Ok((
                json.to_string().into_bytes(),
                Some("application/json".into()),
            ));
        }
        if answer.generate {
            let schema =
                port.and_then(|(m, p)| self.responses.get(&(m.to_string(), p.to_string())));
            let Some(schema) = schema else {
                let why = format!(
                    "mock `{}` is asked to generate an answer, but {} declares no response schema",
                    mock.name,
                    port.map_or_else(
                        || "the target".to_string(),
                        |(m, p)| format!("port `{p}` of `{m}`")
                    )
                );
                self.problem(why.clone());
                return Err(RuntimeError::new(codes::GUEST_ERROR, why));
            };
            let value = crate::generate::instance(schema, schema, &self.schemas);
            return Ok((
                value.to_string().into_bytes(),
                Some("application/json".into()),
            ));
        }
        Ok((answer.body.clone().unwrap_or_default().into_bytes(), None))
    }
}

impl Harness for StandIns {
    fn stand_in(&self, request: &GuestRequest<'_>) -> Option<Result<Reply, RuntimeError>> {
        let mock = self.guests.get(request.mechtron)?;
        let method = request.message.method.to_string();
        let ops: Vec<&str> = match request.port {
            Some(port) => vec![port, method.as_str()],
            None => vec![method.as_str()],
        };
        let port = request.port.map(|p| (request.mechtron, p));
        Some(self.answer(mock, &ops, &request.message.path, port))
    }

    fn outside(&self, point: &str, message: &Message) -> Option<Result<Reply, RuntimeError>> {
        let (_, mock) = self.outside.iter().find(|(address, _)| {
            point == address
                || point
                    .strip_prefix(address.as_str())
                    .is_some_and(|rest| rest.starts_with(':'))
        })?;
        let method = message.method.to_string();
        Some(self.answer(mock, &[method.as_str()], &message.path, None))
    }

    fn called(&self, record: CallRecord) {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }
}
