//! Build-time verification of mechtron modules against the guest ABI (`specs/abi.md`): a valid
//! core module exporting `memory` and `__guest_call: (i32, i32) -> i32`, importing only waPC host
//! functions or WASI functions, each with the right signature. Every problem is reported, not
//! just the first. The rules are `starlane_ir::abi`'s, which the runtime checks again at load.

use starlane_ir::abi::{self, ImportVerdict};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType, Validator};

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
    let mut imports = Vec::new();
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
                    imports.push((
                        import.module.to_string(),
                        import.name.to_string(),
                        import.ty,
                    ));
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
    let signature = |t: u32| types.get(t as usize).cloned().flatten();
    for (module, name, ty) in &imports {
        match (abi::classify_import(module, name), ty) {
            (ImportVerdict::Foreign, _) => problems.push(format!(
                "imports `{module}::{name}`, which the host does not provide"
            )),
            (ImportVerdict::Provided(f), TypeRef::Func(t)) => {
                let want = (convert(f.params), convert(f.results));
                let got = signature(*t);
                if got.as_ref() != Some(&want) {
                    problems.push(format!(
                        "imports `{module}::{name}` with the signature {}; the host's is {}",
                        describe(&got),
                        abi::describe_signature(f.params, f.results)
                    ));
                }
            }
            (ImportVerdict::UnimplementedWasi, TypeRef::Func(_)) => {}
            (_, _) => problems.push(format!(
                "imports `{module}::{name}` as something other than a function"
            )),
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
    let guest_call = abi::GUEST_CALL;
    match exports.iter().find(|(n, _, _)| n == guest_call.name) {
        None => problems.push("does not export `__guest_call`".into()),
        Some((_, kind, index)) if *kind == ExternalKind::Func => {
            let sig = func_types.get(*index as usize).and_then(|t| signature(*t));
            let want = (convert(guest_call.params), convert(guest_call.results));
            if sig.as_ref() != Some(&want) {
                problems.push(format!(
                    "exports `__guest_call` with the wrong signature {}; it must be (i32, i32) -> (i32)",
                    describe(&sig)
                ));
            }
        }
        Some(_) => problems.push("exports `__guest_call` but not as a function".into()),
    }
    for init in abi::GUEST_INITIALISERS {
        if let Some((_, kind, index)) = exports.iter().find(|(n, _, _)| n == init) {
            let sig = func_types.get(*index as usize).and_then(|t| signature(*t));
            if *kind != ExternalKind::Func || sig != Some((vec![], vec![])) {
                problems.push(format!("exports `{init}`, but not as a function () -> ()"));
            }
        }
    }
    problems
}

fn convert(types: &[abi::ValType]) -> Vec<ValType> {
    types
        .iter()
        .map(|t| match t {
            abi::ValType::I32 => ValType::I32,
            abi::ValType::I64 => ValType::I64,
        })
        .collect()
}

fn describe(sig: &Option<(Vec<ValType>, Vec<ValType>)>) -> String {
    let list = |v: &[ValType]| {
        v.iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match sig {
        Some((p, r)) => format!("({}) -> ({})", list(p), list(r)),
        None => "(unknown)".into(),
    }
}
