//! Running cases: the bundle is loaded once (every module compiled once); each case then gets
//! its own runtime over the same engine and compiled modules (`Runtime::load_next`), with its
//! own virtual clock, seeded random source, bindings, stand-ins and call record — so cases run
//! in parallel and none sees another's state. HTTP requests go through the real ingress
//! (`starlane_runtime::http::handle`: limits, percent-decoding, authentication) with the body in
//! memory instead of a socket; messages to points go through `Runtime::serve`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use starlane_ir::{Bundle, Method, Validator};
use starlane_runtime::auth::Credentials;
use starlane_runtime::engine::{EngineOptions, ExecClock};
use starlane_runtime::harness::CallRecord;
use starlane_runtime::http::{self, Ingress};
use starlane_runtime::listener::BodyBudget;
use starlane_runtime::time::TimeSource;
use starlane_runtime::{Identity, Message, Runtime, RuntimeError, RuntimeOptions};

use crate::stand_ins::{Mock, StandIns};
use crate::suite::{CaseSpec, Expect, HttpRequest, MockSpec, PointMessage, Suite, case_steps};
use crate::verdict::{self, Mismatch};

/// How to run a suite.
#[derive(Clone)]
pub struct RunOptions {
    /// Context-name bindings of the project (`starlane.toml` `[run] bind`).
    pub bindings: HashMap<String, String>,
    /// The project's credentials file, if it has one (test callers are added to it).
    pub credentials: Option<String>,
    /// Cases run at once.
    pub jobs: usize,
    /// Fuel per virtual millisecond of guest time.
    pub fuel_per_ms: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            bindings: HashMap::new(),
            credentials: None,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            fuel_per_ms: DEFAULT_FUEL_PER_MS,
        }
    }
}

/// Fuel per virtual millisecond: about a hundred thousand wasm instructions, so a guest's
/// `exec` budget of 200 ms is twenty million instructions (tens of wall milliseconds).
pub const DEFAULT_FUEL_PER_MS: u64 = 100_000;

/// What came back for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A typed failure: its code, stage and the `.bind` location in force.
    pub error: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: String,
    pub stage: String,
    pub message: String,
    pub bind: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// What was sent, for people: `POST /profile`, `Ext<Save> to localhost:profiles`.
    pub sent: String,
    pub outcome: Option<Outcome>,
    pub mismatches: Vec<Mismatch>,
    /// The line of the step's `expect` (or the case's name) in the test file.
    pub line: usize,
    /// Which `expect` table `--update` rewrites: (case index, step index when `steps`).
    pub expect_at: (usize, Option<usize>),
    /// Whether the expectation gave the body as `body`, `json`, or neither.
    pub body_form: BodyForm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyForm {
    None,
    Exact,
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub suite: String,
    pub name: String,
    pub path: PathBuf,
    pub line: usize,
    pub steps: Vec<StepResult>,
    /// Failures of the case as a whole: expected calls, stand-ins that could not answer.
    pub failures: Vec<String>,
    pub calls: Vec<CallRecord>,
    /// Virtual time the case took.
    pub elapsed: Duration,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.steps.iter().all(|s| s.mismatches.is_empty())
    }

    /// `suite::case`, as the output names it.
    pub fn full_name(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

pub struct Runner {
    base: Arc<Runtime>,
    bundle: Bundle,
    options: RunOptions,
    /// Shared by every case's stand-ins (built once from the bundle).
    responses: Arc<HashMap<(String, String), Value>>,
    schemas: Arc<Vec<(String, Value)>>,
}

/// The prefix of the bearer tokens that prove a test's `caller`.
const TEST_TOKEN: &str = "starlane-test-caller:";

impl Runner {
    /// Loads the bundle once: every module is compiled here, and every case reuses it.
    pub fn new(bundle: Bundle, options: RunOptions) -> Result<Runner, RuntimeError> {
        let base = Runtime::load(
            bundle.clone(),
            runtime_options(&options, TimeSource::Wall, None),
        )?;
        let schemas: Vec<(String, Value)> = bundle
            .schemas
            .iter()
            .filter_map(|d| Some((d.path.clone(), serde_json::from_str(&d.json).ok()?)))
            .collect();
        let mut responses = HashMap::new();
        for m in &bundle.mechtrons {
            let Some(bind) = bundle.binds.get(m.bind as usize) else {
                continue;
            };
            for port in &bind.ports {
                let schema = port.response.as_ref().and_then(|check| {
                    let pattern = bundle.patterns.get(check.pattern as usize)?;
                    pattern.validators.iter().find_map(|v| match v {
                        Validator::Schema(i) => bundle.schemas.get(*i as usize),
                        _ => None,
                    })
                });
                if let Some(doc) = schema
                    && let Ok(value) = serde_json::from_str(&doc.json)
                {
                    responses.insert((m.name.clone(), port.name.clone()), value);
                }
            }
        }
        Ok(Runner {
            base,
            bundle,
            options,
            responses: Arc::new(responses),
            schemas: Arc::new(schemas),
        })
    }

    /// Runs every case of `suites` whose full name contains `filter`; results in file order.
    /// `finished` hears each case as it ends (for progress), in any order.
    pub fn run(
        &self,
        suites: &[Suite],
        filter: Option<&str>,
        finished: &(dyn Fn(&CaseResult) + Sync),
    ) -> Vec<CaseResult> {
        let chosen = select(suites, filter);
        let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; chosen.len()]);
        let next = AtomicUsize::new(0);
        let workers = self.options.jobs.clamp(1, chosen.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    let reactor = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a tokio runtime for the test worker");
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(s, c)) = chosen.get(i) else { break };
                        let result = self.run_case(&reactor, &suites[s], c);
                        finished(&result);
                        results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .flatten()
            .collect()
    }

    fn run_case(
        &self,
        reactor: &tokio::runtime::Runtime,
        suite: &Suite,
        index: usize,
    ) -> CaseResult {
        let case = &suite.file.cases[index];
        let name = case.name.get_ref().clone();
        let mut result = CaseResult {
            suite: suite.name.clone(),
            name: name.clone(),
            path: suite.path.clone(),
            line: suite.line(case.name.span().start),
            steps: Vec::new(),
            failures: Vec::new(),
            calls: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let time = TimeSource::virtual_clock(seed(suite.file.seed, &name));
        let mut bindings = self.options.bindings.clone();
        bindings.extend(suite.file.bind.clone());
        bindings.extend(case.bind.clone());
        let stand_ins = match self.stand_ins(suite, case, &bindings, time.clone()) {
            Ok(s) => Arc::new(s),
            Err(why) => {
                result.failures.push(why);
                return result;
            }
        };
        let credentials = match self.credentials(case) {
            Ok(c) => c,
            Err(why) => {
                result.failures.push(why);
                return result;
            }
        };
        let mut options = runtime_options(&self.options, time.clone(), Some(stand_ins.clone()));
        options.bindings = bindings;
        options.credentials = Some(Arc::new(credentials));
        let rt = match self.base.load_next(self.bundle.clone(), options) {
            Ok(rt) => rt,
            Err(e) => {
                result
                    .failures
                    .push(format!("the bundle does not load: {e}"));
                return result;
            }
        };
        let ingress = Arc::new(Ingress {
            budget: BodyBudget::new(BodyBudget::DEFAULT),
            body_read_timeout: Duration::from_secs(10),
        });
        let steps = case_steps(case);
        for (i, step) in steps.iter().enumerate() {
            let request_id = format!("{}-{}-{}", suite.name, name, i + 1);
            let (sent, outcome) = match (&step.request, &step.message) {
                (Some(req), _) => (
                    format!("{} {}", req.method.to_ascii_uppercase(), req.path),
                    reactor.block_on(send_http(&rt, &ingress, req, &request_id)),
                ),
                (None, Some(msg)) => (
                    format!("{} {} to {}", msg.method, msg.path, msg.to),
                    send_message(&rt, msg),
                ),
                (None, None) => continue, // refused when the file was loaded
            };
            let expect = step
                .expect
                .as_ref()
                .map(|e| e.get_ref().clone())
                .unwrap_or_default();
            let line = step
                .expect
                .as_ref()
                .map_or(result.line, |e| suite.line(e.span().start));
            let (mismatches, outcome) = match outcome {
                Ok(outcome) => (verdict::compare(&expect, &outcome), Some(outcome)),
                Err(why) => (vec![Mismatch::plain("request", why)], None),
            };
            result.steps.push(StepResult {
                sent,
                outcome,
                mismatches,
                line,
                expect_at: (index, (!case.steps.is_empty()).then_some(i)),
                body_form: body_form(&expect),
            });
        }
        result.calls = stand_ins.calls();
        result.failures.extend(
            stand_ins
                .problems()
                .into_iter()
                .map(|p| format!("stand-in: {p}")),
        );
        result
            .failures
            .extend(verdict::calls(&case.calls, &case.denied, &result.calls));
        result.elapsed = time.elapsed();
        result
    }

    /// The case's stand-ins: the suite's mocks with the case's over them, each resolved to the
    /// mechtron (of the bundle) or the outside address it replaces.
    fn stand_ins(
        &self,
        suite: &Suite,
        case: &CaseSpec,
        bindings: &HashMap<String, String>,
        time: TimeSource,
    ) -> Result<StandIns, String> {
        let mut mocks: BTreeMap<&String, &MockSpec> = suite.file.mocks.iter().collect();
        mocks.extend(case.mocks.iter());
        let mut stand_ins = StandIns::new(time);
        stand_ins.responses = self.responses.clone();
        stand_ins.schemas = self.schemas.clone();
        for (key, spec) in mocks {
            let address = if key.contains(':') {
                key.clone()
            } else {
                bindings.get(key.as_str()).cloned().ok_or_else(|| {
                    format!(
                        "mock `{key}` is neither an address nor a bound context name (bind it in `[bind]` or `starlane.toml`)"
                    )
                })?
            };
            let mock = Mock {
                name: key.clone(),
                spec: spec.clone(),
            };
            let in_bundle = starlane_runtime::registry::mechtron_name_of(&address)
                .filter(|name| self.bundle.mechtrons.iter().any(|m| m.name == *name))
                .filter(|name| address == format!("localhost:{name}"));
            match in_bundle {
                Some(name) => {
                    stand_ins.guests.insert(name.to_string(), mock);
                }
                None => stand_ins.outside.push((address, mock)),
            }
        }
        Ok(stand_ins)
    }

    /// The project's credentials, plus a bearer token for each `caller` the case sends as.
    fn credentials(&self, case: &CaseSpec) -> Result<Credentials, String> {
        let mut credentials = match &self.options.credentials {
            Some(text) => Credentials::parse(text)?,
            None => Credentials::default(),
        };
        for step in case_steps(case) {
            if let Some(caller) = step.request.as_ref().and_then(|r| r.caller.as_ref()) {
                credentials.add_token(
                    &format!("{TEST_TOKEN}{caller}"),
                    Identity {
                        point: caller.clone(),
                        kind: None,
                    },
                );
            }
        }
        Ok(credentials)
    }
}

fn runtime_options(
    options: &RunOptions,
    time: TimeSource,
    harness: Option<Arc<StandIns>>,
) -> RuntimeOptions {
    RuntimeOptions {
        engine: EngineOptions {
            clock: ExecClock::Fuel {
                per_ms: options.fuel_per_ms.max(1),
            },
            ..EngineOptions::default()
        },
        // Tests compile each module once per run; a cache would leave files behind.
        cache_dir: None,
        bindings: options.bindings.clone(),
        time,
        harness: harness.map(|h| h as Arc<dyn starlane_runtime::harness::Harness>),
        ..RuntimeOptions::default()
    }
}

/// The cases (suite index, case index) whose full name contains `filter`, in file order.
pub fn select(suites: &[Suite], filter: Option<&str>) -> Vec<(usize, usize)> {
    let mut chosen = Vec::new();
    for (s, suite) in suites.iter().enumerate() {
        for (c, case) in suite.file.cases.iter().enumerate() {
            let name = format!("{}::{}", suite.name, case.name.get_ref());
            if filter.is_none_or(|f| name.contains(f)) {
                chosen.push((s, c));
            }
        }
    }
    chosen
}

/// A case's random seed: the file's seed mixed with the case's name (FNV-1a), so adding or
/// moving a case changes no other case's random bytes.
fn seed(base: u64, name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325 ^ base, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn body_form(expect: &Expect) -> BodyForm {
    match (&expect.body, &expect.json) {
        (Some(_), _) => BodyForm::Exact,
        (None, Some(_)) => BodyForm::Json,
        _ => BodyForm::None,
    }
}

fn body_of(body: &Option<String>, json: &Option<Value>) -> (Vec<u8>, bool) {
    match (body, json) {
        (_, Some(json)) => (json.to_string().into_bytes(), true),
        (Some(text), None) => (text.clone().into_bytes(), false),
        (None, None) => (Vec::new(), false),
    }
}

async fn send_http(
    rt: &Arc<Runtime>,
    ingress: &Arc<Ingress>,
    req: &HttpRequest,
    request_id: &str,
) -> Result<Outcome, String> {
    let (body, is_json) = body_of(&req.body, &req.json);
    let mut builder = hyper::Request::builder()
        .method(req.method.to_ascii_uppercase().as_str())
        .uri(req.path.as_str())
        .header("x-request-id", request_id)
        .header("content-length", body.len());
    let has = |name: &str| req.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
    if is_json && !has("content-type") {
        builder = builder.header("content-type", "application/json");
    }
    if let Some(caller) = &req.caller
        && !has("authorization")
    {
        builder = builder.header("authorization", format!("Bearer {TEST_TOKEN}{caller}"));
    }
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder.body(Full::new(Bytes::from(body))).map_err(|e| {
        format!(
            "`{} {}` is not a valid HTTP request: {e}",
            req.method, req.path
        )
    })?;
    let Ok(response) = http::handle(rt.clone(), ingress.clone(), request).await;
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    let body = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(never) => match never {},
    };
    let error = headers
        .iter()
        .find(|(k, _)| k == "x-starlane-error")
        .map(|_| failure_of(&body));
    Ok(Outcome {
        status,
        headers,
        body,
        error,
    })
}

/// The typed failure in an error reply's JSON body (`specs/runtime.md` §6).
fn failure_of(body: &[u8]) -> Failure {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &json["error"];
    let text = |key: &str| error[key].as_str().unwrap_or_default().to_string();
    Failure {
        code: text("code"),
        stage: text("stage"),
        message: text("message"),
        bind: error["bind"].as_str().map(str::to_string),
    }
}

fn send_message(rt: &Arc<Runtime>, msg: &PointMessage) -> Result<Outcome, String> {
    let method = Method::parse(&msg.method)
        .ok_or_else(|| format!("`{}` is not a method such as `Ext<Save>`", msg.method))?;
    let to = rt
        .mechtron_for(&msg.to)
        .ok_or_else(|| format!("no mechtron of the bundle is at `{}`", msg.to))?;
    let (body, is_json) = body_of(&msg.body, &msg.json);
    let mut message = Message::new(method, &msg.path, body);
    message.headers = msg
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if is_json
        && !msg
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"))
    {
        message
            .headers
            .push(("content-type".into(), "application/json".into()));
    }
    message.caller = msg.caller.as_ref().map(|point| Identity {
        point: point.clone(),
        kind: msg.caller_kind.clone(),
    });
    Ok(match rt.serve(to, message) {
        Ok(reply) => {
            let mut headers = reply.headers.clone();
            if let Some(ct) = &reply.content_type {
                headers.push(("content-type".into(), ct.clone()));
            }
            headers.sort();
            Outcome {
                status: reply.status,
                headers,
                body: reply.body,
                error: None,
            }
        }
        Err(e) => {
            let body = serde_json::to_vec_pretty(&e.to_json()).unwrap_or_default();
            Outcome {
                status: e.status,
                headers: vec![("x-starlane-error".into(), e.code.id.into())],
                error: Some(failure_of(&body)),
                body,
            }
        }
    })
}
