//! Load-time verification of a compiled module against the guest ABI (`specs/abi.md`), with
//! `starlane_ir::abi`'s tables — the same rules `starlane build` applies, checked again because a
//! bundle need not come from `starlane build`. Every problem is reported at once.

use starlane_ir::abi::{self, HostFunction, ImportVerdict};
use wasmtime::{ExternType, FuncType, Module, ValType};

fn same(ty: &FuncType, f: &HostFunction) -> bool {
    let conv = |v: &abi::ValType| match v {
        abi::ValType::I32 => "i32",
        abi::ValType::I64 => "i64",
    };
    let names = |it: &mut dyn Iterator<Item = ValType>| -> Vec<&'static str> {
        it.map(|v| match v {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::Ref(_) => "ref",
        })
        .collect()
    };
    names(&mut ty.params()) == f.params.iter().map(conv).collect::<Vec<_>>()
        && names(&mut ty.results()) == f.results.iter().map(conv).collect::<Vec<_>>()
}

fn describe(ty: &FuncType) -> String {
    let list = |it: &mut dyn Iterator<Item = ValType>| {
        it.map(|v| format!("{v}")).collect::<Vec<_>>().join(", ")
    };
    format!(
        "({}) -> ({})",
        list(&mut ty.params()),
        list(&mut ty.results())
    )
}

/// Every way `module` breaks the guest ABI (empty: none).
pub fn verify(module: &Module) -> Vec<String> {
    let mut problems = Vec::new();
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        match (abi::classify_import(m, n), import.ty()) {
            (_, ExternType::Memory(_)) => problems.push(format!(
                "imports its memory (`{m}::{n}`) instead of exporting `memory`"
            )),
            (ImportVerdict::Foreign, _) => problems.push(format!(
                "imports `{m}::{n}`, which the host does not provide"
            )),
            (ImportVerdict::Provided(f), ExternType::Func(ty)) if !same(&ty, &f) => {
                problems.push(format!(
                    "imports `{m}::{n}` with the signature {}; the host's is {}",
                    describe(&ty),
                    abi::describe_signature(f.params, f.results)
                ))
            }
            (
                ImportVerdict::Provided(_) | ImportVerdict::UnimplementedWasi,
                ExternType::Func(_),
            ) => {}
            (_, _) => problems.push(format!(
                "imports `{m}::{n}` as something other than a function"
            )),
        }
    }
    match module.get_export("memory") {
        Some(ExternType::Memory(_)) => {}
        Some(_) => problems.push("exports `memory`, but not as a memory".into()),
        None => problems.push("does not export `memory`".into()),
    }
    match module.get_export(abi::GUEST_CALL.name) {
        Some(ExternType::Func(ty)) if same(&ty, &abi::GUEST_CALL) => {}
        Some(ExternType::Func(ty)) => problems.push(format!(
            "exports `__guest_call` with the signature {}; it must be (i32, i32) -> (i32)",
            describe(&ty)
        )),
        Some(_) => problems.push("exports `__guest_call`, but not as a function".into()),
        None => problems.push("does not export `__guest_call`".into()),
    }
    for init in abi::GUEST_INITIALISERS {
        match module.get_export(init) {
            None => {}
            Some(ExternType::Func(ty)) if ty.params().len() == 0 && ty.results().len() == 0 => {}
            Some(_) => problems.push(format!("exports `{init}`, but not as a function () -> ()")),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(wat: &str) -> Vec<String> {
        let engine = wasmtime::Engine::default();
        verify(&Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap())
    }

    #[test]
    fn a_good_guest_has_no_problems() {
        assert!(
            problems(
                r#"(module
            (import "wapc" "__guest_request" (func (param i32 i32)))
            (import "wasi_snapshot_preview1" "fd_seek" (func (param i32 i64 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))"#
            )
            .is_empty()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let p = problems(
            r#"(module
            (import "env" "print" (func (param i32)))
            (import "wapc" "__guest_response" (func (param i32)))
            (import "wapc" "__no_such_thing" (func))
            (func (export "__guest_call") (param i64) (result i32) (i32.const 1))
            (func (export "_start") (param i32)))"#,
        );
        assert_eq!(p.len(), 6, "{p:#?}");
        assert!(p[0].contains("env::print"));
        assert!(p[1].contains("__guest_response") && p[1].contains("(i32, i32) -> ()"));
        assert!(p[2].contains("__no_such_thing"));
        assert!(p.iter().any(|x| x.contains("does not export `memory`")));
        assert!(
            p.iter()
                .any(|x| x.contains("`__guest_call` with the signature (i64)"))
        );
        assert!(p.iter().any(|x| x.contains("`_start`")));
    }
}
