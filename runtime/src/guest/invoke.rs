//! One message on a fresh instance: a new store with the guest's limits and deadlines, an
//! instance from the `InstancePre` (a pool slot when pooling), the initialisers, then the waPC
//! exchange. The instance is dropped afterwards whatever happened, so one that trapped or was
//! interrupted is never reused. Failures come back as typed errors in people's words.

use std::sync::Arc;
use std::time::{Duration, Instant};

use starlane_ir::abi;
use wasmtime::{
    InstancePre, Linker, Module, ModuleExport, Store, Trap, UpdateDeadline, WasmBacktrace,
};

use super::fuel_time;
use super::state::{Clock, DeadlineHit, GuestFault, HostState, Outbound, ProcExit};
use crate::codes;
use crate::engine::{EPOCH_TICK, EngineHost, ExecClock};
use crate::error::RuntimeError;

/// A mechtron's compiled module, ready to instantiate.
pub struct Guest {
    pub name: Arc<str>,
    linked: Linked,
}

/// A module linked against the host functions, ready to instantiate: made once per distinct
/// module and shared by every mechtron that runs it. The exports a message needs are found by
/// name here, once, so a message reaches them by index.
#[derive(Clone)]
pub struct Linked {
    pre: InstancePre<HostState>,
    guest_call: ModuleExport,
    memory: Option<ModuleExport>,
    /// The initialisers the module exports, in the order they run.
    initialisers: Vec<(&'static str, ModuleExport)>,
}

impl Guest {
    /// Links `module` (already verified) against the host functions.
    pub fn new(name: &str, module: &Module, base: &Linker<HostState>) -> Result<Guest, String> {
        Ok(Guest::of(name, link(module, base)?))
    }

    /// A mechtron's guest over a module linked already.
    pub fn of(name: &str, linked: Linked) -> Guest {
        Guest {
            name: Arc::from(name),
            linked,
        }
    }
}

/// Links `module` against the host functions (its unimplemented WASI imports trap if called).
pub fn link(module: &Module, base: &Linker<HostState>) -> Result<Linked, String> {
    let mut linker = base.clone();
    super::wasi::link_unimplemented(&mut linker, module).map_err(|e| format!("{e:#}"))?;
    let pre = linker
        .instantiate_pre(module)
        .map_err(|e| format!("cannot link the module: {e:#}"))?;
    let guest_call = module
        .get_export_index(abi::GUEST_CALL.name)
        .ok_or_else(|| format!("the module does not export `{}`", abi::GUEST_CALL.name))?;
    let initialisers = abi::GUEST_INITIALISERS
        .iter()
        .filter_map(|&name| Some((name, module.get_export_index(name)?)))
        .collect();
    Ok(Linked {
        pre,
        guest_call,
        memory: module.get_export_index("memory"),
        initialisers,
    })
}

/// The host functions every guest links against.
pub fn base_linker(host: &EngineHost) -> Linker<HostState> {
    let mut linker = Linker::new(&host.engine);
    super::abi::link(&mut linker).expect("the waPC functions are defined once each");
    super::wasi::link(&mut linker).expect("the WASI functions are defined once each");
    linker
}

/// One call into a guest.
pub struct GuestCall {
    pub op: String,
    pub request: Vec<u8>,
    pub port: Option<Arc<str>>,
    /// The port's `exec` budget.
    pub exec: Duration,
    /// When the exchange's `total` runs out.
    pub deadline: Instant,
    pub memory_limit: u64,
    pub payload_limit: u64,
    pub outbound: Option<Box<dyn Outbound>>,
    /// The runtime's clock.
    pub time: crate::time::TimeSource,
}

#[derive(Debug, Clone)]
pub struct GuestOutput {
    pub response: Vec<u8>,
    pub logs: Vec<String>,
    /// Time inside wasm.
    pub exec: Duration,
}

fn ticks(d: Duration) -> u64 {
    (d.as_micros() / EPOCH_TICK.as_micros()).max(1) as u64 + 1
}

/// A fresh instance with its store, initialisers run.
struct Started {
    store: Store<HostState>,
    instance: wasmtime::Instance,
    exec: Duration,
}

/// The operation being called, for a message about it (the store holds it as the guest reads
/// it; it is copied only when something went wrong).
fn op_of(store: &Store<HostState>) -> String {
    String::from_utf8_lossy(&store.data().op).into_owned()
}

fn start(host: &EngineHost, guest: &Guest, call: GuestCall) -> Result<Started, RuntimeError> {
    let (now, started) = call.time.now_and_wall();
    if now >= call.deadline {
        return Err(not_started(&call.op));
    }
    let fuel_mode = match host.clock {
        ExecClock::Fuel { per_ms } => Some(per_ms),
        ExecClock::Epoch => None,
    };
    let clock = Clock {
        started,
        in_host: Duration::ZERO,
        exec_limit: fuel_mode.is_none().then_some(call.exec),
        deadline: call.deadline,
    };
    let mut state = HostState::new(guest.name.clone(), call.port.clone(), clock);
    state.op = call.op.into_bytes();
    state.request = call.request;
    state.memory_limit = call.memory_limit;
    state.payload_limit = call.payload_limit;
    state.outbound = call.outbound;
    let virtual_time = call.time.is_virtual();
    state.time = call.time;
    let mut store = Store::new(&host.engine, state);
    store.limiter(|s| s);
    if let Some(per_ms) = fuel_mode {
        let fuel = if virtual_time {
            let account = fuel_time::start(call.exec, call.deadline, now, per_ms);
            store.data_mut().fuel_time = Some(account);
            account.synced
        } else {
            (call.exec.as_millis() as u64).saturating_mul(per_ms)
        };
        store.set_fuel(fuel).expect("fuel is enabled in fuel mode");
    }
    // The deadline callback decides, from the clock, whether `exec` or `total` ran out; it
    // re-arms for whichever comes first.
    let first = arm(store.data(), now);
    store.set_epoch_deadline(first);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        let now = state.time.now();
        if now >= state.clock.deadline {
            state.deadline_hit = Some(DeadlineHit::Total);
            return Ok(UpdateDeadline::Interrupt);
        }
        if let Some(limit) = state.clock.exec_limit
            && state.clock.exec_used(now) >= limit
        {
            state.deadline_hit = Some(DeadlineHit::Exec);
            return Ok(UpdateDeadline::Interrupt);
        }
        Ok(UpdateDeadline::Continue(arm(state, now)))
    });
    let instance = match guest.linked.pre.instantiate(&mut store) {
        Ok(i) => i,
        Err(e) => {
            let message = format!("{e:#}");
            if message.contains("maximum concurrent") || message.contains("concurrent instances") {
                return Err(RuntimeError::new(
                    codes::OVERLOADED,
                    format!("no free instance slot: {message}"),
                ));
            }
            let op = op_of(&store);
            return Err(translate(&mut store, e, &op, call.exec));
        }
    };
    if let Some(export) = &guest.linked.memory {
        let memory = instance
            .get_module_export(&mut store, export)
            .and_then(|e| e.into_memory());
        store.data_mut().memory = memory;
    }
    for &(init, ref export) in &guest.linked.initialisers {
        let Ok(f) = typed_export::<(), ()>(&instance, &mut store, init, export) else {
            continue;
        };
        let result = f.call(&mut store, ());
        fuel_time::spend(&mut store);
        if let Err(e) = result {
            // TinyGo ends `_start` with `proc_exit(0)`: that is success.
            if e.downcast_ref::<ProcExit>() != Some(&ProcExit(0)) {
                return Err(translate(&mut store, e, init, call.exec));
            }
        }
    }
    Ok(Started {
        store,
        instance,
        exec: call.exec,
    })
}

/// The function an export found at link time names in `instance`, with its signature checked.
fn typed_export<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    instance: &wasmtime::Instance,
    store: &mut Store<HostState>,
    name: &str,
    export: &ModuleExport,
) -> Result<wasmtime::TypedFunc<P, R>, String> {
    instance
        .get_module_export(&mut *store, export)
        .and_then(|e| e.into_func())
        .ok_or_else(|| format!("`{name}` is not a function"))?
        .typed::<P, R>(&*store)
        .map_err(|e| format!("{e:#}"))
}

/// Instantiates and runs the initialisers, nothing else: what makes a mechtron Ready.
pub fn probe(host: &EngineHost, guest: &Guest, call: GuestCall) -> Result<(), RuntimeError> {
    start(host, guest, call).map(|_| ())
}

/// Runs `call` on a fresh instance of `guest`.
pub fn invoke(
    host: &EngineHost,
    guest: &Guest,
    call: GuestCall,
) -> Result<GuestOutput, RuntimeError> {
    let Started {
        mut store,
        instance,
        exec: budget,
    } = start(host, guest, call)?;
    let guest_call = typed_export::<(i32, i32), i32>(
        &instance,
        &mut store,
        abi::GUEST_CALL.name,
        &guest.linked.guest_call,
    )
    .map_err(|e| RuntimeError::new(codes::INVALID_MODULE, e))?;
    let (op_len, msg_len) = {
        let s = store.data();
        (s.op.len() as i32, s.request.len() as i32)
    };
    let result = guest_call.call(&mut store, (op_len, msg_len));
    fuel_time::spend(&mut store);
    let exec = match store.data().fuel_time {
        // On the virtual clock the guest's time is its fuel (the wall clock is not read).
        Some(account) => fuel_time::time_of(account.spent, account.per_ms),
        None => store.data().clock.exec_used(Instant::now()),
    };
    let outcome = match result {
        Ok(code) => Ok(code),
        // `proc_exit(0)` inside the call ends it; what the guest handed over stands.
        Err(e) if e.downcast_ref::<ProcExit>() == Some(&ProcExit(0)) => {
            Ok(if store.data().error.is_some() { 0 } else { 1 })
        }
        Err(e) => {
            let op = op_of(&store);
            Err(translate(&mut store, e, &op, budget))
        }
    }?;
    let state = store.data_mut();
    let logs = std::mem::take(&mut state.logs);
    match outcome {
        1 => match state.response.take() {
            Some(response) => Ok(GuestOutput {
                response,
                logs,
                exec,
            }),
            None => Err(RuntimeError::new(
                codes::GUEST_BROKE_ABI,
                format!(
                    "`__guest_call` returned success for `{}` without calling `__guest_response`",
                    String::from_utf8_lossy(&state.op)
                ),
            )),
        },
        0 => match state.error.take() {
            Some(error) => Err(guest_error(&error)),
            None => Err(RuntimeError::new(
                codes::GUEST_BROKE_ABI,
                format!(
                    "`__guest_call` returned failure for `{}` without calling `__guest_error`",
                    String::from_utf8_lossy(&state.op)
                ),
            )),
        },
        other => Err(RuntimeError::new(
            codes::GUEST_BROKE_ABI,
            format!("`__guest_call` returned {other}; it must return 1 (success) or 0 (failure)"),
        )),
    }
}

/// Ticks until the nearer of the two deadlines (at least one).
fn arm(state: &HostState, now: Instant) -> u64 {
    let total_left = state.clock.deadline.saturating_duration_since(now);
    let left = match state.clock.exec_limit {
        Some(limit) => total_left.min(limit.saturating_sub(state.clock.exec_used(now))),
        None => total_left,
    };
    ticks(left)
}

/// `op` was due to start after the exchange's `total` had run out.
pub fn not_started(op: &str) -> RuntimeError {
    RuntimeError::new(
        codes::TOTAL_TIMEOUT,
        format!("`{op}` was not started: the exchange's `total` time had run out"),
    )
}

/// `op` ran past the exchange's `total` (stopped at a deadline, out of fuel that `total` bounded,
/// or a stand-in slower than the deadline).
pub fn total_timeout(op: &str) -> RuntimeError {
    RuntimeError::new(
        codes::TOTAL_TIMEOUT,
        format!("`{op}` did not finish within its `total` time"),
    )
}

/// The guest's own error: `{"code","message"}` JSON, or any text.
fn guest_error(bytes: &[u8]) -> RuntimeError {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let parsed: Option<(String, String)> = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            Some((
                v.get("code")?.as_str()?.to_string(),
                v.get("message")?.as_str()?.to_string(),
            ))
        });
    match parsed {
        Some((code, message)) => {
            RuntimeError::new(codes::GUEST_ERROR, format!("the guest failed: {message}"))
                .detail("guest_code", code)
        }
        None => RuntimeError::new(codes::GUEST_ERROR, format!("the guest failed: {text}")),
    }
}

/// A trap or host-function error, in people's words, with a wasm backtrace.
fn translate(
    store: &mut Store<HostState>,
    e: wasmtime::Error,
    op: &str,
    exec: Duration,
) -> RuntimeError {
    let state = store.data_mut();
    let backtrace: Vec<String> = e
        .downcast_ref::<WasmBacktrace>()
        .map(|bt| {
            bt.frames()
                .iter()
                .map(|f| match f.func_name() {
                    Some(name) => format!("{name} (function {})", f.func_index()),
                    None => format!("function {}", f.func_index()),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut err = if let Some(hit) = state.deadline_hit {
        match hit {
            DeadlineHit::Exec => RuntimeError::new(
                codes::EXEC_TIMEOUT,
                format!(
                    "`{op}` ran inside wasm for more than its `exec` budget of {} ms",
                    exec.as_millis()
                ),
            ),
            DeadlineHit::Total => total_timeout(op),
        }
    } else if let Some(fault) = state.fault.clone() {
        match fault {
            GuestFault::MemoryLimit { .. } => {
                RuntimeError::new(codes::MEMORY_LIMIT, format!("the guest {fault}"))
            }
            f => RuntimeError::new(codes::GUEST_BROKE_ABI, format!("the guest {f}")),
        }
    } else if let Some(ProcExit(code)) = e.downcast_ref::<ProcExit>() {
        RuntimeError::new(
            codes::GUEST_BROKE_ABI,
            format!("the guest exited with code {code}"),
        )
    } else if let Some(trap) = e.downcast_ref::<Trap>() {
        match trap {
            Trap::OutOfFuel if state.fuel_time.is_some_and(|a| a.total_bound) => total_timeout(op),
            Trap::OutOfFuel => RuntimeError::new(
                codes::EXEC_TIMEOUT,
                format!(
                    "`{op}` used up its fuel budget ({} ms of `exec`)",
                    exec.as_millis()
                ),
            ),
            Trap::Interrupt => {
                RuntimeError::new(codes::EXEC_TIMEOUT, format!("`{op}` was interrupted"))
            }
            Trap::UnreachableCodeReached => RuntimeError::new(
                codes::GUEST_TRAP,
                "the guest panicked (it executed `unreachable`)",
            ),
            Trap::StackOverflow => RuntimeError::new(
                codes::GUEST_TRAP,
                "the guest overflowed its stack (recursion too deep)",
            ),
            Trap::MemoryOutOfBounds => {
                RuntimeError::new(codes::GUEST_TRAP, "the guest accessed memory out of bounds")
            }
            other => RuntimeError::new(codes::GUEST_TRAP, format!("the guest trapped: {other}")),
        }
    } else {
        RuntimeError::new(codes::GUEST_TRAP, format!("the guest failed: {e:#}"))
    };
    if !backtrace.is_empty() {
        err = err.detail("backtrace", backtrace);
    }
    err
}
