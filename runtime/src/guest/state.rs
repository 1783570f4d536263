//! What one store holds while a message runs: the op and payload handed to the guest, what the
//! guest handed back, the last host call's answer, the limits and the clock. A host function
//! that finds the guest misbehaving records a [`GuestFault`] here and traps, so the invoker can
//! say exactly what happened even when wasmtime's error only says "trap".

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;

/// A guest's violation of the ABI or its limits, found by the host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuestFault {
    #[error(
        "passed an out-of-bounds {what} to `{function}` (pointer {ptr:#x}, length {len}; memory is {memory} bytes)"
    )]
    OutOfBounds {
        function: &'static str,
        what: &'static str,
        ptr: u32,
        len: u32,
        memory: usize,
    },
    #[error("passed a length of {len} bytes to `{function}`, over the limit of {limit} bytes")]
    TooLarge {
        function: &'static str,
        len: u32,
        limit: u64,
    },
    #[error("passed text that is not UTF-8 as the {what} of `{function}`")]
    NotUtf8 {
        function: &'static str,
        what: &'static str,
    },
    #[error("has no exported memory")]
    NoMemory,
    #[error("exited with code {0}")]
    Exit(i32),
    #[error("called the WASI function `{0}`, which the Starlane host does not provide")]
    UnimplementedWasi(String),
    #[error("tried to grow its memory to {desired} bytes, over the limit of {limit} bytes")]
    MemoryLimit { desired: usize, limit: u64 },
}

/// `proc_exit(0)`: not a fault, but it unwinds the guest like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("proc_exit({0})")]
pub struct ProcExit(pub i32);

/// Which deadline stopped the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineHit {
    Exec,
    Total,
}

/// A guest's outbound calls (`__host_call`): the runtime's side, with the port's grants.
pub trait Outbound: Send {
    /// `Ok(answer)` or `Err(error JSON for __host_error)`. `deadline` is when the caller's
    /// `total` runs out.
    fn call(
        &mut self,
        binding: &str,
        namespace: &str,
        op: &str,
        payload: &[u8],
        deadline: Instant,
    ) -> Result<Vec<u8>, Vec<u8>>;
}

/// The guest's time: `exec` counts time inside wasm (wall time minus host calls), `total` wall
/// time.
#[derive(Debug, Clone)]
pub struct Clock {
    pub started: Instant,
    pub in_host: Duration,
    /// `None` in fuel mode, where fuel measures `exec`.
    pub exec_limit: Option<Duration>,
    pub deadline: Instant,
}

impl Clock {
    pub fn exec_used(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
            .saturating_sub(self.in_host)
    }
}

pub struct HostState {
    pub mechtron: Arc<str>,
    pub port: Option<Arc<str>>,
    pub op: Vec<u8>,
    pub request: Vec<u8>,
    pub response: Option<Vec<u8>>,
    pub error: Option<Vec<u8>>,
    pub host_response: Option<Vec<u8>>,
    pub host_error: Option<Vec<u8>>,
    /// The largest memory the guest may have, and the largest payload it may hand over.
    pub memory_limit: u64,
    /// The guest's exported memory, found once after instantiation (host functions called
    /// before that, from a start function, look it up by name).
    pub memory: Option<wasmtime::Memory>,
    pub payload_limit: u64,
    pub clock: Clock,
    pub deadline_hit: Option<DeadlineHit>,
    pub fault: Option<GuestFault>,
    pub outbound: Option<Box<dyn Outbound>>,
    /// Console lines (also logged), kept for the caller; bounded.
    pub logs: Vec<String>,
    /// A partial `fd_write` line waiting for its `\n`.
    pub pending_line: String,
    /// The runtime's clock (virtual in tests): deadlines, WASI clocks, WASI random.
    pub time: crate::time::TimeSource,
    /// On the virtual clock in fuel mode: the fuel account that moves it.
    pub fuel_time: Option<super::fuel_time::FuelTime>,
}

/// Console lines kept per message (all are logged).
pub const MAX_KEPT_LOG_LINES: usize = 100;

impl HostState {
    pub fn new(mechtron: Arc<str>, port: Option<Arc<str>>, clock: Clock) -> HostState {
        HostState {
            mechtron,
            port,
            op: Vec::new(),
            request: Vec::new(),
            response: None,
            error: None,
            host_response: None,
            host_error: None,
            memory_limit: 16 << 20,
            memory: None,
            payload_limit: 1 << 20,
            clock,
            deadline_hit: None,
            fault: None,
            outbound: None,
            logs: Vec::new(),
            pending_line: String::new(),
            time: crate::time::TimeSource::Wall,
            fuel_time: None,
        }
    }

    /// Records a fault and returns it as the trap's error.
    pub fn fault(&mut self, fault: GuestFault) -> wasmtime::Error {
        self.fault.get_or_insert(fault.clone());
        wasmtime::Error::new(fault)
    }

    /// A console line from the guest: logged with its mechtron and port, and kept.
    pub fn log(&mut self, line: &str) {
        tracing::info!(
            target: "starlane::guest",
            mechtron = &*self.mechtron,
            port = self.port.as_deref().unwrap_or(""),
            "{line}"
        );
        if self.logs.len() < MAX_KEPT_LOG_LINES {
            self.logs.push(line.to_string());
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.memory_limit {
            // Trap (rather than have memory.grow return -1) so the error can name the limit.
            return Err(self.fault(GuestFault::MemoryLimit {
                desired,
                limit: self.memory_limit,
            }));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}
