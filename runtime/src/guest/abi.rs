//! The waPC host functions (import module `wapc`). Every pointer and length a guest passes is
//! checked — `i32` → `u32`, `checked_add`, then the memory's bounds and the payload limit — so a
//! bad one is a [`GuestFault`] (the guest traps, the host carries on), never a host panic.

use std::time::Instant;

use starlane_ir::abi::WAPC_MODULE;
use wasmtime::{Caller, Extern, Linker, Memory};

use super::state::{GuestFault, HostState};

fn memory(caller: &mut Caller<'_, HostState>) -> Result<Memory, wasmtime::Error> {
    if let Some(memory) = caller.data().memory {
        return Ok(memory);
    }
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(caller.data_mut().fault(GuestFault::NoMemory)),
    }
}

/// Reads `len` bytes at `ptr` from guest memory, within the payload limit.
pub fn read(
    caller: &mut Caller<'_, HostState>,
    function: &'static str,
    what: &'static str,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, wasmtime::Error> {
    let (ptr, len) = (ptr as u32, len as u32);
    let limit = caller.data().payload_limit;
    if u64::from(len) > limit {
        return Err(caller.data_mut().fault(GuestFault::TooLarge {
            function,
            len,
            limit,
        }));
    }
    let mem = memory(caller)?;
    let size = mem.data_size(&*caller);
    let end = (ptr as usize).checked_add(len as usize);
    match end {
        Some(end) if end <= size => Ok(mem.data(&*caller)[ptr as usize..end].to_vec()),
        _ => Err(caller.data_mut().fault(GuestFault::OutOfBounds {
            function,
            what,
            ptr,
            len,
            memory: size,
        })),
    }
}

/// Writes `bytes` at `ptr` into guest memory.
pub fn write(
    caller: &mut Caller<'_, HostState>,
    function: &'static str,
    what: &'static str,
    ptr: i32,
    bytes: &[u8],
) -> Result<(), wasmtime::Error> {
    let mem = memory(caller)?;
    let ptr = ptr as u32;
    if mem.write(&mut *caller, ptr as usize, bytes).is_err() {
        let size = mem.data_size(&*caller);
        return Err(caller.data_mut().fault(GuestFault::OutOfBounds {
            function,
            what,
            ptr,
            len: bytes.len() as u32,
            memory: size,
        }));
    }
    Ok(())
}

/// Copies a buffer the host holds for the guest (`__host_response`, `__host_error`) to `ptr`;
/// the buffer stays, so the guest may copy it again.
fn copy_out(
    caller: &mut Caller<'_, HostState>,
    buffer: fn(&mut HostState) -> &mut Option<Vec<u8>>,
    function: &'static str,
    what: &'static str,
    ptr: i32,
) -> Result<(), wasmtime::Error> {
    let bytes = buffer(caller.data_mut()).take().unwrap_or_default();
    let result = write(caller, function, what, ptr, &bytes);
    *buffer(caller.data_mut()) = Some(bytes);
    result
}

fn utf8(
    caller: &mut Caller<'_, HostState>,
    function: &'static str,
    what: &'static str,
    bytes: Vec<u8>,
) -> Result<String, wasmtime::Error> {
    String::from_utf8(bytes).map_err(|_| {
        caller
            .data_mut()
            .fault(GuestFault::NotUtf8 { function, what })
    })
}

/// Defines the waPC host functions in `linker`.
pub fn link(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        WAPC_MODULE,
        "__guest_request",
        |mut caller: Caller<'_, HostState>, op_ptr: i32, ptr: i32| -> wasmtime::Result<()> {
            let op = std::mem::take(&mut caller.data_mut().op);
            let request = std::mem::take(&mut caller.data_mut().request);
            let written = write(
                &mut caller,
                "__guest_request",
                "operation buffer",
                op_ptr,
                &op,
            )
            .and_then(|()| {
                write(
                    &mut caller,
                    "__guest_request",
                    "message buffer",
                    ptr,
                    &request,
                )
            });
            let state = caller.data_mut();
            state.op = op;
            state.request = request;
            written
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__guest_response",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let bytes = read(&mut caller, "__guest_response", "response", ptr, len)?;
            caller.data_mut().response = Some(bytes);
            Ok(())
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__guest_error",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let bytes = read(&mut caller, "__guest_error", "error", ptr, len)?;
            caller.data_mut().error = Some(bytes);
            Ok(())
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__host_call",
        |mut caller: Caller<'_, HostState>,
         bd_ptr: i32,
         bd_len: i32,
         ns_ptr: i32,
         ns_len: i32,
         op_ptr: i32,
         op_len: i32,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            const F: &str = "__host_call";
            let binding = read(&mut caller, F, "binding", bd_ptr, bd_len)?;
            let binding = utf8(&mut caller, F, "binding", binding)?;
            let namespace = read(&mut caller, F, "namespace", ns_ptr, ns_len)?;
            let namespace = utf8(&mut caller, F, "namespace", namespace)?;
            let op = read(&mut caller, F, "operation", op_ptr, op_len)?;
            let op = utf8(&mut caller, F, "operation", op)?;
            let payload = read(&mut caller, F, "payload", ptr, len)?;
            // On the virtual clock, what the guest spent so far is time the callee sees passed.
            super::fuel_time::spend(&mut caller);
            let state = caller.data_mut();
            state.host_response = None;
            state.host_error = None;
            let started = Instant::now();
            let deadline = state.clock.deadline;
            let answer = match state.outbound.as_mut() {
                Some(out) => out.call(&binding, &namespace, &op, &payload, deadline),
                None => Err(b"E0209: this guest may not call out".to_vec()),
            };
            // Time waiting on the host is not the guest's `exec` time.
            state.clock.in_host += started.elapsed();
            super::fuel_time::cap_to_deadline(&mut caller);
            let state = caller.data_mut();
            match answer {
                Ok(body) => {
                    state.host_response = Some(body);
                    Ok(1)
                }
                Err(error) => {
                    state.host_error = Some(error);
                    Ok(0)
                }
            }
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__host_response_len",
        |caller: Caller<'_, HostState>| -> i32 {
            caller
                .data()
                .host_response
                .as_ref()
                .map_or(0, |r| r.len() as i32)
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__host_response",
        |mut caller: Caller<'_, HostState>, ptr: i32| -> wasmtime::Result<()> {
            copy_out(
                &mut caller,
                |s| &mut s.host_response,
                "__host_response",
                "response buffer",
                ptr,
            )
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__host_error_len",
        |caller: Caller<'_, HostState>| -> i32 {
            caller
                .data()
                .host_error
                .as_ref()
                .map_or(0, |r| r.len() as i32)
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__host_error",
        |mut caller: Caller<'_, HostState>, ptr: i32| -> wasmtime::Result<()> {
            copy_out(
                &mut caller,
                |s| &mut s.host_error,
                "__host_error",
                "error buffer",
                ptr,
            )
        },
    )?;
    linker.func_wrap(
        WAPC_MODULE,
        "__console_log",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let bytes = read(&mut caller, "__console_log", "log line", ptr, len)?;
            let line = String::from_utf8_lossy(&bytes).into_owned();
            caller.data_mut().log(&line);
            Ok(())
        },
    )?;
    Ok(())
}
