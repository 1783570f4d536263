//! Build-time verification of mechtron modules against the guest ABI (`design/abi.md`): a valid
//! core module exporting `memory` and `__guest_call: (i32, i32) -> i32`, importing only waPC host
//! functions or the supported WASI subset. Every problem is reported, not just the first.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType, Validator};

/// Host functions of module `wapc` a guest may import.
pub const WAPC_IMPORTS: &[&str] = &[
    "__guest_request",
    "__guest_response",
    "__guest_error",
    "__host_call",
    "__host_response_len",
    "__host_response",
    "__host_error_len",
    "__host_error",
    "__console_log",
];

/// The WASI functions the runtime's shim provides.
pub const WASI_IMPORTS: &[&str] = &[
    "proc_exit",
    "fd_write",
    "clock_time_get",
    "random_get",
    "environ_sizes_get",
    "environ_get",
    "args_sizes_get",
    "args_get",
];

/// Every problem with `bytes` as a guest module (empty: it is a valid guest).
pub fn verify(bytes: &[u8]) -> Vec<String> {
    if let Err(e) = Validator::new().validate_all(bytes) {
        return vec![format!("not a valid WebAssembly module: {e}")];
    }
    let mut problems = Vec::new();
    let mut types: Vec<Option<(Vec<ValType>, Vec<ValType>)>> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut memory_imported = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter().flatten() {
                    for ty in group.types() {
                        types.push(match &ty.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => {
                                Some((f.params().to_vec(), f.results().to_vec()))
                            }
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    match import.ty {
                        TypeRef::Func(t) => func_types.push(t),
                        TypeRef::Memory(_) => memory_imported = true,
                        _ => {}
                    }
                    let known = match import.module {
                        "wapc" => WAPC_IMPORTS.contains(&import.name),
                        "wasi_snapshot_preview1" => WASI_IMPORTS.contains(&import.name),
                        _ => false,
                    };
                    if !known {
                        problems.push(format!(
                            "imports `{}::{}`, which the host does not provide",
                            import.module, import.name
                        ));
                    }
                }
            }
            Payload::FunctionSection(reader) => func_types.extend(reader.into_iter().flatten()),
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    exports.push((export.name.to_string(), export.kind, export.index));
                }
            }
            _ => {}
        }
    }
    if !exports
        .iter()
        .any(|(n, k, _)| n == "memory" && *k == ExternalKind::Memory)
    {
        problems.push(if memory_imported {
            "imports its memory instead of exporting `memory`".into()
        } else {
            "does not export `memory`".into()
        });
    }
    match exports.iter().find(|(n, _, _)| n == "__guest_call") {
        None => problems.push("does not export `__guest_call`".into()),
        Some((_, kind, index)) if *kind == ExternalKind::Func => {
            let sig = func_types
                .get(*index as usize)
                .and_then(|t| types.get(*t as usize))
                .cloned()
                .flatten();
            let want = (vec![ValType::I32, ValType::I32], vec![ValType::I32]);
            if sig.as_ref() != Some(&want) {
                problems.push(format!("exports `__guest_call` with the wrong signature {}; it must be (i32, i32) -> i32", describe(&sig)));
            }
        }
        Some(_) => problems.push("exports `__guest_call` but not as a function".into()),
    }
    problems
}

fn describe(sig: &Option<(Vec<ValType>, Vec<ValType>)>) -> String {
    match sig {
        Some((p, r)) => format!(
            "({}) -> ({})",
            p.iter()
                .map(|t| format!("{t:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
            r.iter()
                .map(|t| format!("{t:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "(unknown)".into(),
    }
}
