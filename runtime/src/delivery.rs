//! Delivering a message to a mechtron (`specs/runtime.md` §3): route, filters, caller grants,
//! then the route's pipeline segment by segment — payload checks, guest calls through the core
//! or a port, forwards to points and bundle files, calls — on a current body.

use std::sync::Arc;
use std::time::{Duration, Instant};

use starlane_ir::{
    Bind, Filter, Kind, Method, PatternId, Port, PortCheck, Route, Stop, Template, Var,
};
use starlane_routing::Capture;
use starlane_routing::access::{self, Bits};
use starlane_routing::substitute::fill;

use crate::codes;
use crate::envelope;
use crate::error::RuntimeError;
use crate::guest::invoke::{self, GuestCall};
use crate::host::{MechtronState, Runtime};
use crate::message::{Exchange, Message, Origin, Reply};
use crate::outbound::GuestOutbound;
use crate::payload::{Checker, Verdict};

/// Which way a payload check looks: a failure on the way in is the caller's, on the way back the
/// system's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    In,
    Back,
}

/// The body a pipeline step works on: the last step's answer, or the message's own body.
fn body<'a>(current: &'a Option<Reply>, message: &'a Message) -> &'a [u8] {
    current.as_ref().map_or(&message.body, |reply| &reply.body)
}

/// One route being run for one message.
struct Flow<'a> {
    mechtron: usize,
    bind: &'a Bind,
    route: &'a Route,
    captures: &'a [Capture],
    message: &'a Message,
    exchange: Exchange,
}

impl Runtime {
    /// A message from outside (the HTTP ingress, the admin endpoint): takes a slot, delivers,
    /// and counts the outcome.
    pub fn serve(self: &Arc<Self>, to: usize, message: Message) -> Result<Reply, RuntimeError> {
        let (now, arrived) = self.time.now_and_wall();
        self.serve_arrived(to, message, Exchange::starting_at(now), arrived)
    }

    /// Serves `message` at the mechtron `name` of another host of the mesh (an HTTP request
    /// that entered a host whose bundle receives none), counted like a local one.
    pub fn serve_elsewhere(
        self: &Arc<Self>,
        name: &str,
        message: Message,
    ) -> Result<Reply, RuntimeError> {
        let arrived = Instant::now();
        let exchange = Exchange::starting_at(self.time.now());
        let point = crate::registry::mechtron_address(name);
        let result = self
            .deliver_to_point(&point, message, exchange, crate::mesh::Delivery::default())
            .unwrap_or_else(|| {
                Err(RuntimeError::new(
                    codes::ADDRESS_NOT_HOSTED,
                    format!("no host of the mesh serves `{name}` now"),
                ))
            });
        self.count(&result, name, arrived);
        result
    }

    /// As [`Runtime::serve`], within an exchange that started elsewhere (another host of the
    /// mesh sends what remains of its time).
    pub fn serve_within(
        self: &Arc<Self>,
        to: usize,
        message: Message,
        exchange: Exchange,
    ) -> Result<Reply, RuntimeError> {
        self.serve_arrived(to, message, exchange, Instant::now())
    }

    /// Serves `message`, which `arrived` at this (wall-clock) instant.
    fn serve_arrived(
        self: &Arc<Self>,
        to: usize,
        message: Message,
        exchange: Exchange,
        arrived: Instant,
    ) -> Result<Reply, RuntimeError> {
        let name = &self.registry.mechtrons[to].name;
        let result = match self.slots.acquire(Duration::from_secs(5)) {
            Some(_slot) => self.deliver(to, message, exchange),
            None => Err(RuntimeError::new(
                codes::OVERLOADED,
                "every message slot stayed busy for 5 s",
            )),
        };
        self.count(&result, name, arrived);
        result.map_err(|e| e.mechtron(name))
    }

    /// Counts a served message under the mechtron that answered it (a forward's target, a
    /// failing callee), not `entered`, the one it was sent to; with its latency, and a failure
    /// under its stage and code.
    fn count(&self, result: &Result<Reply, RuntimeError>, entered: &str, arrived: Instant) {
        match result {
            Ok(reply) => {
                let handler = reply
                    .handled_by
                    .and_then(|i| self.registry.mechtrons.get(i))
                    .map_or(entered, |m| m.name.as_str());
                self.metrics
                    .request(handler, reply.status, arrived.elapsed())
            }
            Err(e) => {
                self.metrics.request(
                    e.mechtron.as_deref().unwrap_or(entered),
                    e.status,
                    arrived.elapsed(),
                );
                self.metrics.error(e.stage.as_str(), e.code.id);
            }
        }
    }

    /// Delivers `message` to mechtron `to` within `exchange`.
    pub fn deliver(
        self: &Arc<Self>,
        to: usize,
        message: Message,
        exchange: Exchange,
    ) -> Result<Reply, RuntimeError> {
        let m = &self.registry.mechtrons[to];
        // A mechtron in Panic still routes: its routes that serve files or forward to healthy
        // mechtrons keep working, and only a stop that needs its guest fails (`call_guest`).
        if !m.state_is(|s| matches!(s, MechtronState::Ready | MechtronState::Panic(_))) {
            return Err(self.not_ready(to));
        }
        if exchange.depth > self.max_depth {
            return Err(RuntimeError::new(
                codes::CALL_DEPTH,
                format!("calls nested more than {} deep (a loop?)", self.max_depth),
            )
            .mechtron(&m.name));
        }
        let bind = self.bind_of(to);
        // Every path in (HTTP, a forward, a call, another host) meets the target bind's
        // `payload` limit before any guest sees the body.
        if message.body.len() as u64 > bind.limits.payload {
            return Err(RuntimeError::new(
                codes::PAYLOAD_TOO_LARGE,
                format!(
                    "the message is {} bytes; mechtron `{}` takes at most {} (its bind's `payload` limit)",
                    message.body.len(),
                    m.name,
                    bind.limits.payload
                ),
            )
            .mechtron(&m.name));
        }
        let served = &self.registry.binds[m.bind];
        let Some(found) = served.routes.find(&message.method, &message.path) else {
            if message.kind() == Kind::Http {
                let allowed = served.routes.methods_for_path(Kind::Http, &message.path);
                if !allowed.is_empty() {
                    return Err(self.method_not_allowed(to, &message, &allowed));
                }
            }
            return Err(RuntimeError::new(
                codes::NO_ROUTE,
                format!(
                    "no route of mechtron `{}` matches {} {}",
                    m.name, message.method, message.path
                ),
            )
            .mechtron(&m.name)
            .at(self
                .registry
                .bundle
                .sources
                .get(bind.source as usize)
                .map(|s| s.path.clone()))
            .detail("kind", message.kind().name())
            .detail("method", message.method.name())
            .detail("path", message.path.clone()));
        };
        let route = &bind.routes[found.route];
        for filter in &route.filters {
            match filter {
                Filter::NoAuth => {}
                Filter::Auth if message.caller.is_some() => {}
                Filter::Auth => {
                    return Err(RuntimeError::new(
                        codes::UNAUTHENTICATED,
                        format!("the route needs an authenticated caller (filter `({filter})`)"),
                    )
                    .mechtron(&m.name)
                    .at(Some(self.registry.bundle.locate(route.span))));
                }
            }
        }
        let flow = Flow {
            mechtron: to,
            bind,
            route,
            captures: &found.captures,
            message: &message,
            exchange,
        };
        if served.caller_rules || message.origin == Origin::Outside {
            self.check_caller(&flow)?;
        }
        let replies = route
            .segments
            .iter()
            .any(|s| matches!(s.stop, Stop::Reflect | Stop::Err { .. }));
        if replies {
            return self.run(&flow).map(|mut reply| {
                reply.handled_by.get_or_insert(to);
                reply
            });
        }
        // Fire and forget: answer now, run the rest on its own thread — at most as many at once
        // as messages from outside, or the caller hears that the host is busy.
        let Some(ticket) = self.background.try_start() else {
            return Err(RuntimeError::new(
                codes::OVERLOADED,
                "too many fire-and-forget messages are still running",
            ));
        };
        let rt = Arc::clone(self);
        let (route_index, captures, message) =
            (found.route, found.captures.clone(), message.clone());
        let spawned = std::thread::Builder::new()
            .name("starlane-fire-and-forget".into())
            .stack_size(crate::GUEST_THREAD_STACK)
            .spawn(move || {
                let _ticket = ticket;
                let bind = rt.bind_of(to);
                let flow = Flow {
                    mechtron: to,
                    bind,
                    route: &bind.routes[route_index],
                    captures: &captures,
                    message: &message,
                    exchange,
                };
                if let Err(e) = rt.run(&flow) {
                    tracing::warn!(mechtron = %rt.registry.mechtrons[to].name, "a fire-and-forget message failed: {e}");
                    rt.metrics.error(e.stage.as_str(), e.code.id);
                }
            });
        if spawned.is_err() {
            return Err(RuntimeError::new(
                codes::OVERLOADED,
                "cannot start a thread for a fire-and-forget message",
            ));
        }
        Ok(Reply::new(202, Vec::new()))
    }

    /// The error for a message to a mechtron that is not Ready, with the reason.
    fn not_ready(&self, mechtron: usize) -> RuntimeError {
        let m = &self.registry.mechtrons[mechtron];
        let message = match m.state() {
            MechtronState::Panic(reason) => format!("mechtron `{}` is not ready: {reason}", m.name),
            other => format!("mechtron `{}` is {other:?}", m.name),
        };
        RuntimeError::new(codes::MECHTRON_NOT_READY, message).mechtron(&m.name)
    }

    /// The error for an HTTP request whose path routes take only with other methods: 405, the
    /// methods in `details.allow` (the ingress makes them the `Allow` header).
    fn method_not_allowed(
        &self,
        mechtron: usize,
        message: &Message,
        allowed: &[Method],
    ) -> RuntimeError {
        let m = &self.registry.mechtrons[mechtron];
        let names: Vec<String> = allowed
            .iter()
            .map(|method| method.name().to_ascii_uppercase())
            .collect();
        RuntimeError::new(
            codes::METHOD_NOT_ALLOWED,
            format!(
                "mechtron `{}` routes {} only for {}, not {}",
                m.name,
                message.path,
                names.join(", "),
                message.method.name().to_ascii_uppercase()
            ),
        )
        .mechtron(&m.name)
        .detail("method", message.method.name())
        .detail("path", message.path.clone())
        .detail("allow", names)
    }

    /// Caller grants: the caller needs the method's bit on the route's target. A bind without
    /// caller rules admits no outside caller (deny by default).
    fn check_caller(self: &Arc<Self>, flow: &Flow<'_>) -> Result<(), RuntimeError> {
        let m = &self.registry.mechtrons[flow.mechtron];
        let served = &self.registry.binds[m.bind];
        if !served.caller_rules {
            return Err(RuntimeError::new(
                codes::CALLER_NOT_GRANTED,
                format!(
                    "mechtron `{}` admits no outside caller: its bind has no `grant … to` rule",
                    m.name
                ),
            )
            .mechtron(&m.name)
            .at(Some(self.registry.bundle.locate(flow.route.span)))
            .detail("origin", "outside".to_string()));
        }
        // The route's target: its first point or call, else the mechtron itself. A point that
        // cannot be filled in denies (fail closed) rather than falling through to another target.
        let first_point = flow.route.segments.iter().find_map(|s| match &s.stop {
            Stop::Point(p) | Stop::Call { point: p, .. } => Some(p),
            _ => None,
        });
        let target = match first_point {
            Some(p) => std::borrow::Cow::Owned(self.fill(flow, p)?),
            None => std::borrow::Cow::Borrowed(m.address.as_str()),
        };
        let needed = access::needed(&flow.message.method);
        let caller = flow.message.caller.as_ref();
        let granted = caller.map(|c| {
            served
                .callers
                .evaluate(&target, None, Some((&c.point, c.kind.as_deref())))
        });
        if granted.as_ref().is_some_and(|a| a.allows(needed)) {
            return Ok(());
        }
        let who = caller.map_or_else(
            || "an anonymous caller".to_string(),
            |c| format!("caller `{}`", c.point),
        );
        let bits = granted.map_or(Bits(0), |a| a.bits);
        Err(RuntimeError::new(
            codes::CALLER_NOT_GRANTED,
            format!(
                "{who} needs `{}` on `{target}` for {}; the bind's grants give `{}`",
                needed.letter(),
                flow.message.method,
                bits.mask()
            ),
        )
        .mechtron(&m.name)
        .at(Some(self.registry.bundle.locate(flow.route.span)))
        .detail("target", target)
        .detail("needed", needed.letter().to_string()))
    }

    /// Runs the route's pipeline.
    fn run(self: &Arc<Self>, flow: &Flow<'_>) -> Result<Reply, RuntimeError> {
        let name = &self.registry.mechtrons[flow.mechtron].name;
        // The body each step works on: the message's own until a step answers with another
        // (borrowed, not copied, on the way to the first guest).
        let mut current: Option<Reply> = None;
        for seg in &flow.route.segments {
            // Formatted only for an error: locating is text work no good message needs.
            let here = || Some(self.registry.bundle.locate(seg.span));
            let way = match seg.direction {
                starlane_ir::Direction::Request => Way::In,
                starlane_ir::Direction::Response => Way::Back,
            };
            if let Some(p) = seg.payload {
                self.check_payload(
                    flow,
                    p,
                    body(&current, flow.message),
                    way,
                    None,
                    flow.exchange.deadline,
                )
                .map_err(|e| e.at(here()))?;
            }
            let step = match &seg.stop {
                Stop::Reflect => {
                    return Ok(
                        current.unwrap_or_else(|| Reply::new(200, flow.message.body.clone()))
                    );
                }
                Stop::Err { status, reason } => {
                    let mut reply =
                        Reply::new(*status, reason.clone().unwrap_or_default().into_bytes());
                    reply.content_type = Some("text/plain; charset=utf-8".into());
                    return Ok(reply);
                }
                Stop::Core => self.call_guest(
                    flow,
                    None,
                    body(&current, flow.message),
                    flow.exchange
                        .deadline
                        .min(self.time.after(starlane_ir::DEFAULT_TOTAL_MS)),
                ),
                Stop::Port(i) => self.call_port(flow, *i as usize, body(&current, flow.message)),
                Stop::Point(p) => self.forward(flow, p, None, body(&current, flow.message)),
                Stop::Call {
                    point,
                    method,
                    path,
                } => self.forward(
                    flow,
                    point,
                    Some((method, path.as_ref())),
                    body(&current, flow.message),
                ),
            };
            current = Some(step.map_err(|e| e.mechtron(name).at(here()))?);
        }
        Ok(Reply::new(202, Vec::new()))
    }

    /// `((port))`: the port's request check, the guest, the port's response check.
    fn call_port(
        self: &Arc<Self>,
        flow: &Flow<'_>,
        i: usize,
        current: &[u8],
    ) -> Result<Reply, RuntimeError> {
        let Some(port) = flow.bind.ports.get(i) else {
            return Err(RuntimeError::new(
                codes::INVALID_BUNDLE,
                format!("no port #{i} in the bind"),
            ));
        };
        let here = || Some(self.registry.bundle.locate(port.span));
        // A failed check points at its own `request:`/`response:` line.
        let at_check = |check: &PortCheck| Some(self.registry.bundle.locate(check.span));
        // One deadline for the whole port exchange: request checks (validator mechtrons
        // included), the guest, and response checks all spend the same `total`.
        let deadline = flow.exchange.deadline.min(self.time.after(port.total_ms));
        if let Some(check) = &port.request {
            self.check_payload(flow, check.pattern, current, Way::In, Some(port), deadline)
                .map_err(|e| e.port(Some(&port.name)).at(at_check(check)))?;
        }
        let reply = self
            .call_guest(flow, Some((i, port)), current, deadline)
            .map_err(|e| e.port(Some(&port.name)).at(here()))?;
        if let Some(check) = &port.response {
            self.check_payload(
                flow,
                check.pattern,
                &reply.body,
                Way::Back,
                Some(port),
                deadline,
            )
            .map_err(|e| e.port(Some(&port.name)).at(at_check(check)))?;
        }
        Ok(reply)
    }

    /// One call into the mechtron's guest: op `Kind<Method>` for the core, the port's name for a
    /// port.
    fn call_guest(
        self: &Arc<Self>,
        flow: &Flow<'_>,
        port: Option<(usize, &Port)>,
        current: &[u8],
        deadline: Instant,
    ) -> Result<Reply, RuntimeError> {
        let m = &self.registry.mechtrons[flow.mechtron];
        if !m.state_is(|s| *s == MechtronState::Ready) {
            return Err(self.not_ready(flow.mechtron));
        }
        let Some(guest) = &m.guest else {
            return Err(RuntimeError::new(
                codes::MECHTRON_NOT_READY,
                "the mechtron has no module",
            ));
        };
        let msg = flow.message;
        let op = match port {
            Some((_, p)) => p.name.clone(),
            None => msg.method.op_name(),
        };
        let exec_ms = port.map_or(starlane_ir::DEFAULT_EXEC_MS, |(_, p)| p.exec_ms);
        // A guest checks its deadline as it starts (`invoke`); a stand-in must here.
        if self.harness.is_some() {
            if self.time.now() >= deadline {
                return Err(invoke::not_started(&op));
            }
            if let Some(answer) = self.stand_in(flow, port, &op, current) {
                // A stand-in's declared delay moved the clock: past the deadline, the caller
                // hears what a guest that slow would have earned.
                if self.time.now() >= deadline {
                    return Err(invoke::total_timeout(&op));
                }
                return answer.map(|mut reply| {
                    reply.handled_by = Some(flow.mechtron);
                    reply
                });
            }
        }
        let envelope_of = |body: &[u8]| {
            envelope::encode_request(&envelope::Request {
                kind: msg.kind().name(),
                method: msg.method.name(),
                path: &msg.path,
                headers: &msg.headers,
                captures: flow.captures,
                caller: msg.caller.as_ref().map(|c| c.point.as_str()),
                body,
            })
        };
        // `envelope: none`: the body alone is the waPC payload, as every waPC host passes it;
        // the rest of the request waits for the guest's `@request` host call.
        let raw = port.is_some_and(|(_, p)| p.envelope == starlane_ir::Envelope::None);
        let (request, described) = if raw {
            (current.to_vec(), Some(Arc::from(envelope_of(&[]))))
        } else {
            (envelope_of(current), None)
        };
        let outbound = GuestOutbound {
            rt: Arc::clone(self),
            mechtron: flow.mechtron,
            port: port.map(|(i, _)| i),
            depth: flow.exchange.depth,
            request: described,
        };
        let mut active = self.metrics.instance(&m.name);
        let output = invoke::invoke(
            &self.engine,
            guest,
            GuestCall {
                op,
                request,
                port: port.map(|(_, p)| Arc::from(p.name.as_str())),
                exec: Duration::from_millis(exec_ms),
                deadline,
                memory_limit: flow.bind.limits.memory,
                payload_limit: flow.bind.limits.payload,
                outbound: Some(Box::new(outbound)),
                time: self.time.clone(),
            },
        )?;
        active.ran(output.exec);
        drop(active);
        if raw {
            // The guest's answer is the reply body; its content type comes from the body.
            let mut reply = Reply::new(200, output.response);
            reply.handled_by = Some(flow.mechtron);
            return Ok(reply);
        }
        let response = envelope::decode_response(output.response);
        let content_type = response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone());
        Ok(Reply {
            status: response.status,
            headers: response.headers,
            body: response.body,
            content_type,
            handled_by: Some(flow.mechtron),
        })
    }

    /// The harness's answer in place of the guest, if it has one (`starlane test`).
    fn stand_in(
        &self,
        flow: &Flow<'_>,
        port: Option<(usize, &Port)>,
        op: &str,
        current: &[u8],
    ) -> Option<Result<Reply, RuntimeError>> {
        let harness = self.harness.as_ref()?;
        harness.stand_in(&crate::harness::GuestRequest {
            mechtron: &self.registry.mechtrons[flow.mechtron].name,
            port: port.map(|(_, p)| p.name.as_str()),
            op,
            message: flow.message,
            body: current,
        })
    }

    /// Fills a template's variables from the route's captures and the context bindings.
    fn fill(&self, flow: &Flow<'_>, template: &Template) -> Result<String, RuntimeError> {
        fill(template, flow.captures, &|name: &str| {
            self.registry.bindings.get(name).cloned()
        })
        .map_err(|var| {
            let unbound = matches!(&var, Var::Name(name)
                if flow.bind.requires.iter().any(|r| *r.name == **name));
            if unbound {
                RuntimeError::new(
                    codes::CONTEXT_NOT_BOUND,
                    format!("`{var}` has no value: the context name is not bound"),
                )
            } else {
                RuntimeError::new(
                    codes::INVALID_POINT,
                    format!("cannot fill in `{template}`: `{var}` has no value"),
                )
            }
        })
    }

    /// A point or call stop: a bundle file, or a message to a local mechtron.
    fn forward(
        self: &Arc<Self>,
        flow: &Flow<'_>,
        point: &Template,
        call: Option<(&Method, Option<&Template>)>,
        current: &[u8],
    ) -> Result<Reply, RuntimeError> {
        // A bundle file only when the bind wrote `${doc.bundle}` first: a capture that holds
        // that text is a point like any other.
        if let Some(rest) = point.bundle_file() {
            let rest = self.fill(flow, &rest)?;
            return self.bundle_file(&rest);
        }
        let target = self.fill(flow, point)?;
        check_point(&target)?;
        let msg = flow.message;
        let message = match call {
            Some((method, path)) => {
                let path = match path {
                    Some(p) => self.fill(flow, p)?,
                    None => "/".to_string(),
                };
                Message {
                    method: method.clone(),
                    path,
                    headers: msg.headers.clone(),
                    body: current.to_vec(),
                    caller: msg.caller.clone(),
                    origin: msg.origin,
                }
            }
            None => Message {
                body: current.to_vec(),
                ..msg.clone()
            },
        };
        self.deliver_to_point(
            &target,
            message,
            flow.exchange.nested(flow.exchange.deadline),
            Default::default(),
        )
            .unwrap_or_else(|| {
                Err(RuntimeError::new(
                    codes::ADDRESS_NOT_HOSTED,
                    format!(
                        "`{target}` is not hosted here (this host serves localhost:<mechtron> and its bundle's files) nor by any live host of a mesh"
                    ),
                ))
            })
    }

    /// `${doc.bundle}:/dir/file`: a file of the bundle, never a host file.
    fn bundle_file(&self, rest: &str) -> Result<Reply, RuntimeError> {
        let Some(path) = rest.strip_prefix(":/") else {
            return Err(RuntimeError::new(
                codes::INVALID_POINT,
                format!(
                    "`${{doc.bundle}}{rest}` is not a bundle file path (`${{doc.bundle}}:/dir/file`)"
                ),
            ));
        };
        if let Some(why) = unsafe_file_path(path) {
            return Err(RuntimeError::new(
                codes::BAD_REQUEST,
                format!("the file path `/{path}` {why}"),
            ));
        }
        let Some(&i) = self.registry.files.get(path) else {
            return Err(RuntimeError::new(
                codes::FILE_NOT_FOUND,
                format!("the bundle has no file `/{path}`"),
            ));
        };
        let file = &self.registry.bundle.files[i];
        let mut reply = Reply::new(200, file.bytes.clone());
        reply.content_type = Some(file.content_type.clone());
        Ok(reply)
    }

    /// A payload check; a validator mechtron is asked within `deadline`.
    fn check_payload(
        self: &Arc<Self>,
        flow: &Flow<'_>,
        pattern: PatternId,
        body: &[u8],
        way: Way,
        port: Option<&Port>,
        deadline: Instant,
    ) -> Result<(), RuntimeError> {
        let ask =
            |point: &Template, method: &Method, payload: &[u8]| -> Result<Verdict, RuntimeError> {
                let target = self.fill(flow, point)?;
                let reply = self
                    .deliver_to_point(
                        &target,
                        Message::new(method.clone(), "/", payload.to_vec()),
                        flow.exchange.nested(deadline),
                        Default::default(),
                    )
                    .unwrap_or_else(|| {
                        Err(RuntimeError::new(
                            codes::ADDRESS_NOT_HOSTED,
                            format!("the validator `{target}` is not hosted here"),
                        ))
                    })?;
                let answer: serde_json::Value =
                    serde_json::from_slice(&reply.body).map_err(|_| {
                        RuntimeError::new(
                            codes::GUEST_BROKE_ABI,
                            format!("the validator `{target}` did not answer {{\"valid\": …}}"),
                        )
                    })?;
                match answer.get("valid").and_then(serde_json::Value::as_bool) {
                    Some(true) => Ok(Verdict::Valid),
                    Some(false) => Ok(Verdict::Invalid(
                        answer
                            .get("errors")
                            .and_then(|e| e.as_array().cloned())
                            .unwrap_or_default(),
                    )),
                    None => Err(RuntimeError::new(
                        codes::GUEST_BROKE_ABI,
                        format!("the validator `{target}` answered without a boolean `valid`"),
                    )),
                }
            };
        let checker = Checker {
            patterns: &self.registry.bundle.patterns,
            schemas: &self.registry.schemas,
            ask: &ask,
        };
        let Err(failure) = checker.check(pattern, body)? else {
            return Ok(());
        };
        let whose = match (port, way) {
            (Some(p), Way::In) => format!("the request to port `{}`", p.name),
            (Some(p), Way::Back) => format!("the response of port `{}`", p.name),
            (None, Way::In) => "the payload".to_string(),
            (None, Way::Back) => "the response payload".to_string(),
        };
        let mut err = RuntimeError::new(
            failure.check.code(),
            format!("{whose} is invalid: {}", failure.message),
        )
        .port(port.map(|p| p.name.as_str()))
        .detail("pointer", failure.pointer.clone());
        if let Some(schema) = &failure.schema {
            err = err.detail("schema", schema.clone());
        }
        if !failure.errors.is_empty() {
            err = err.detail("errors", failure.errors.clone());
        }
        let _ = flow;
        if way == Way::Back {
            err = err.bad_response();
        }
        Err(err)
    }
}

/// Why a bundle file path (after substitution) is not allowed, if it is not.
pub fn unsafe_file_path(path: &str) -> Option<&'static str> {
    if path.contains('\0') {
        return Some("contains a NUL");
    }
    if path.contains('\\') {
        return Some("contains a backslash");
    }
    if path.contains('%') {
        return Some("contains `%` (an encoded character that could climb out of the bundle)");
    }
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Some("contains a `.` or `..` segment");
    }
    None
}

/// A point after substitution must still be a point: no blank or NUL, and no empty segment but
/// the one a route's `::` makes (the grammar's segments: `starlane_model::selector`).
fn check_point(point: &str) -> Result<(), RuntimeError> {
    let bad = point.is_empty()
        || point.chars().any(|c| c.is_whitespace() || c == '\0')
        || point
            .split("::")
            .any(|part| starlane_model::selector::segments(part).any(str::is_empty));
    if bad {
        return Err(RuntimeError::new(
            codes::INVALID_POINT,
            format!("`{point}` is not a valid address after substitution"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_may_not_climb_out() {
        assert_eq!(unsafe_file_path("html/index.html"), None);
        assert!(unsafe_file_path("html/../secret").is_some());
        assert!(unsafe_file_path("html/./x").is_some());
        assert!(unsafe_file_path("html/%2e%2e/x").is_some());
        assert!(unsafe_file_path("html\\..\\x").is_some());
        assert!(unsafe_file_path("html/a\0").is_some());
    }

    #[test]
    fn points_after_substitution_are_checked() {
        assert!(check_point("localhost:app:users:ada").is_ok());
        assert!(check_point("GLOBAL::repo:x").is_ok());
        assert!(check_point("localhost:app::").is_err());
        assert!(check_point("localhost:a b").is_err());
        assert!(check_point("").is_err());
    }
}
