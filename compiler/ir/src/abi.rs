//! The guest ABI's names (waPC, plus the WASI functions the host's shim provides), shared by
//! the build-time verifier in the compiler and the load-time verifier in the runtime so the two
//! can never accept different modules. Specified in `specs/abi.md`.

/// The import module of the waPC host functions.
pub const WAPC_MODULE: &str = "wapc";
/// The WASI import module the shim serves.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// A wasm value type, as far as the ABI needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    I32,
    I64,
}

/// A host function a guest may import: its name and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFunction {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
}

use ValType::{I32, I64};

const fn f(
    name: &'static str,
    params: &'static [ValType],
    results: &'static [ValType],
) -> HostFunction {
    HostFunction {
        name,
        params,
        results,
    }
}

/// The waPC host functions (import module `wapc`).
pub const WAPC_IMPORTS: &[HostFunction] = &[
    f("__guest_request", &[I32, I32], &[]),
    f("__guest_response", &[I32, I32], &[]),
    f("__guest_error", &[I32, I32], &[]),
    f(
        "__host_call",
        &[I32, I32, I32, I32, I32, I32, I32, I32],
        &[I32],
    ),
    f("__host_response_len", &[], &[I32]),
    f("__host_response", &[I32], &[]),
    f("__host_error_len", &[], &[I32]),
    f("__host_error", &[I32], &[]),
    f("__console_log", &[I32, I32], &[]),
];

/// The WASI functions the shim implements. Any other `wasi_snapshot_preview1` import loads, and
/// traps with a named error if the guest calls it.
pub const WASI_IMPORTS: &[HostFunction] = &[
    f("proc_exit", &[I32], &[]),
    f("fd_write", &[I32, I32, I32, I32], &[I32]),
    f("clock_time_get", &[I32, I64, I32], &[I32]),
    f("random_get", &[I32, I32], &[I32]),
    f("environ_sizes_get", &[I32, I32], &[I32]),
    f("environ_get", &[I32, I32], &[I32]),
    f("args_sizes_get", &[I32, I32], &[I32]),
    f("args_get", &[I32, I32], &[I32]),
];

/// The guest's entry point: `__guest_call(op_len, msg_len) -> ok`.
pub const GUEST_CALL: HostFunction = f("__guest_call", &[I32, I32], &[I32]);
/// Optional initialisers, run in this order after each instantiation.
pub const GUEST_INITIALISERS: &[&str] = &["_start", "wapc_init"];

/// What a module import is to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportVerdict {
    /// A waPC function or an implemented WASI function, with its expected signature.
    Provided(HostFunction),
    /// A WASI function the shim does not implement: it loads, and traps if called.
    UnimplementedWasi,
    /// Anything else: the module is rejected.
    Foreign,
}

/// Classifies an import by module and name.
pub fn classify_import(module: &str, name: &str) -> ImportVerdict {
    let table = match module {
        WAPC_MODULE => WAPC_IMPORTS,
        WASI_MODULE => WASI_IMPORTS,
        _ => return ImportVerdict::Foreign,
    };
    match table.iter().find(|f| f.name == name) {
        Some(f) => ImportVerdict::Provided(*f),
        None if module == WASI_MODULE => ImportVerdict::UnimplementedWasi,
        None => ImportVerdict::Foreign,
    }
}

/// `(i32, i32) -> (i32)`, for messages about signatures.
pub fn describe_signature(params: &[ValType], results: &[ValType]) -> String {
    let list = |v: &[ValType]| {
        v.iter()
            .map(|t| match t {
                ValType::I32 => "i32",
                ValType::I64 => "i64",
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}
