//! A minimal WASI (`wasi_snapshot_preview1`) shim, so guests from existing SDKs load: TinyGo and
//! wasi-libc import a few of these even when they never print. `fd_write` to stdout/stderr
//! becomes console log lines; clocks and random work; the environment and arguments are empty;
//! `proc_exit` unwinds the guest. Any other WASI function traps, naming itself, if called.

use starlane_ir::abi::{self, ImportVerdict, WASI_MODULE};
use wasmtime::{Caller, ExternType, Linker, Module};

use super::abi::{read, write};
use super::state::{GuestFault, HostState, ProcExit};

const ERRNO_SUCCESS: i32 = 0;
const ERRNO_BADF: i32 = 8;
const ERRNO_INVAL: i32 = 28;

/// Bytes one `fd_write` or `random_get` call may move (a guest asking for more is cut short, as
/// WASI allows for writes, or refused).
const MAX_IO: u32 = 1 << 20;

/// The longest console line kept; longer output is logged in pieces of this size.
const MAX_LINE: usize = 64 << 10;

/// Defines the implemented WASI functions in `linker`.
pub fn link(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        WASI_MODULE,
        "proc_exit",
        |_: Caller<'_, HostState>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(ProcExit(code)))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_write",
        |mut caller: Caller<'_, HostState>,
         fd: i32,
         iovs: i32,
         iovs_len: i32,
         nwritten: i32|
         -> wasmtime::Result<i32> {
            if fd != 1 && fd != 2 {
                return Ok(ERRNO_BADF);
            }
            let count = (iovs_len as u32).min(1024);
            let table = read(
                &mut caller,
                "fd_write",
                "iovec array",
                iovs,
                (count * 8) as i32,
            )?;
            let mut text = Vec::new();
            for iov in table.chunks_exact(8) {
                let ptr = i32::from_le_bytes(iov[0..4].try_into().expect("4 bytes"));
                let len = u32::from_le_bytes(iov[4..8].try_into().expect("4 bytes"));
                let take = len.min(MAX_IO.saturating_sub(text.len() as u32));
                text.extend(read(
                    &mut caller,
                    "fd_write",
                    "iovec buffer",
                    ptr,
                    take as i32,
                )?);
            }
            let written = text.len() as u32;
            let state = caller.data_mut();
            // Only the new bytes are searched for line ends, and a line without one is cut at
            // MAX_LINE: console output can never hold more host memory than that.
            let searched_from = state.pending_line.len();
            state.pending_line.push_str(&String::from_utf8_lossy(&text));
            let mut from = searched_from;
            while let Some(i) = state.pending_line[from..].find('\n') {
                let line: String = state.pending_line.drain(..=from + i).collect();
                state.log(line.trim_end_matches(['\n', '\r']));
                from = 0;
            }
            if state.pending_line.len() > MAX_LINE {
                let mut cut = MAX_LINE;
                while !state.pending_line.is_char_boundary(cut) {
                    cut -= 1;
                }
                let line: String = state.pending_line.drain(..cut).collect();
                state.log(&line);
            }
            write(
                &mut caller,
                "fd_write",
                "nwritten",
                nwritten,
                &written.to_le_bytes(),
            )?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "clock_time_get",
        |mut caller: Caller<'_, HostState>,
         id: i32,
         _precision: i64,
         out: i32|
         -> wasmtime::Result<i32> {
            let time = &caller.data().time;
            let nanos: u64 = match id {
                0 => time.unix_nanos(),
                1 => time.monotonic_nanos(),
                _ => return Ok(ERRNO_INVAL),
            };
            write(
                &mut caller,
                "clock_time_get",
                "time buffer",
                out,
                &nanos.to_le_bytes(),
            )?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "random_get",
        |mut caller: Caller<'_, HostState>, buf: i32, len: i32| -> wasmtime::Result<i32> {
            if len as u32 > MAX_IO {
                return Ok(ERRNO_INVAL);
            }
            let mut bytes = vec![0u8; len as u32 as usize];
            if !caller.data().time.fill_random(&mut bytes) {
                return Ok(ERRNO_INVAL);
            }
            write(&mut caller, "random_get", "random buffer", buf, &bytes)?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    // An empty environment and no arguments.
    for (name, what) in [
        ("environ_sizes_get", "environment sizes"),
        ("args_sizes_get", "argument sizes"),
    ] {
        linker.func_wrap(
            WASI_MODULE,
            name,
            move |mut caller: Caller<'_, HostState>,
                  count: i32,
                  size: i32|
                  -> wasmtime::Result<i32> {
                write(&mut caller, name, what, count, &0u32.to_le_bytes())?;
                write(&mut caller, name, what, size, &0u32.to_le_bytes())?;
                Ok(ERRNO_SUCCESS)
            },
        )?;
    }
    for name in ["environ_get", "args_get"] {
        linker.func_wrap(
            WASI_MODULE,
            name,
            |_: Caller<'_, HostState>, _: i32, _: i32| -> i32 { ERRNO_SUCCESS },
        )?;
    }
    Ok(())
}

/// Defines, in a linker for `module`, every WASI function it imports that the shim does not
/// implement, as a function of the imported type that traps with a named error when called.
pub fn link_unimplemented(linker: &mut Linker<HostState>, module: &Module) -> wasmtime::Result<()> {
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        if let (ImportVerdict::UnimplementedWasi, ExternType::Func(ty)) =
            (abi::classify_import(m, n), import.ty())
        {
            let name = n.to_string();
            linker.func_new(m, n, ty, move |mut caller, _params, _results| {
                Err(caller
                    .data_mut()
                    .fault(GuestFault::UnimplementedWasi(name.clone())))
            })?;
        }
    }
    Ok(())
}
