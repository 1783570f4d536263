//! Shared by the runtime benches: the reference (the same guest called through bare wasmtime,
//! with the same engine settings the runtime uses) and a bench project built by the real
//! compiler.

#![allow(dead_code)]

use std::path::PathBuf;

use wasmtime::{
    Caller, Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig, Store,
};

/// A message from `localhost:users:ada`, the caller the bench binds grant their calls to.
pub fn message_from_ada(method: &str, path: &str, body: &[u8]) -> starlane_runtime::Message {
    let mut message = starlane_runtime::Message::new(
        starlane_ir::Method::parse(method).expect("a method the bench names"),
        path,
        body.to_vec(),
    );
    message.caller = Some(starlane_runtime::Identity {
        point: "localhost:users:ada".into(),
        kind: None,
    });
    message
}

/// The example's WAT guest: `__guest_request`, then `__guest_response("hello")`.
pub fn hello_wasm() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/wasm/hello.wasm"),
    )
    .unwrap()
}

/// The minimum a host must do to call a waPC guest once: hand over op and payload, take the
/// response. No routing, checks, limits, deadlines or envelope.
pub struct RawGuest {
    engine: Engine,
    pre: InstancePre<RawState>,
}

#[derive(Default)]
pub struct RawState {
    op: Vec<u8>,
    msg: Vec<u8>,
    response: Vec<u8>,
}

impl RawGuest {
    pub fn new(wasm: &[u8]) -> RawGuest {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(64)
            .total_memories(64)
            .total_tables(64)
            .max_memory_size(16 << 20)
            // As the runtime's pool (`runtime/src/engine.rs`): the reference gets the same
            // engine tuning, so the ratio measures what routing adds.
            .linear_memory_keep_resident(64 << 10)
            .table_keep_resident(4 << 10);
        let mut config = Config::new();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        config.epoch_interruption(true);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, wasm).unwrap();
        let mut linker: Linker<RawState> = Linker::new(&engine);
        linker
            .func_wrap(
                "wapc",
                "__guest_request",
                |mut c: Caller<'_, RawState>, op: i32, ptr: i32| {
                    let mem = c.get_export("memory").unwrap().into_memory().unwrap();
                    let (o, m) = (
                        std::mem::take(&mut c.data_mut().op),
                        std::mem::take(&mut c.data_mut().msg),
                    );
                    mem.write(&mut c, op as usize, &o).unwrap();
                    mem.write(&mut c, ptr as usize, &m).unwrap();
                },
            )
            .unwrap();
        linker
            .func_wrap(
                "wapc",
                "__guest_response",
                |mut c: Caller<'_, RawState>, ptr: i32, len: i32| {
                    let mem = c.get_export("memory").unwrap().into_memory().unwrap();
                    let mut buf = vec![0; len as usize];
                    mem.read(&c, ptr as usize, &mut buf).unwrap();
                    c.data_mut().response = buf;
                },
            )
            .unwrap();
        let pre = linker.instantiate_pre(&module).unwrap();
        RawGuest { engine, pre }
    }

    /// A fresh instance, one `__guest_call`, the response.
    pub fn call(&self, op: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut store = Store::new(
            &self.engine,
            RawState {
                op: op.to_vec(),
                msg: msg.to_vec(),
                response: Vec::new(),
            },
        );
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = self.pre.instantiate(&mut store).unwrap();
        let f = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "__guest_call")
            .unwrap();
        let ok = f
            .call(&mut store, (op.len() as i32, msg.len() as i32))
            .unwrap();
        assert_eq!(ok, 1);
        std::mem::take(&mut store.data_mut().response)
    }
}

/// Writes and builds a one-mechtron bundle around the hello guest with `bind`.
pub fn bench_bundle(bind: &str) -> starlane_ir::Bundle {
    named_bundle("bench", bind)
}

/// As [`bench_bundle`], with the mechtron called `name`.
pub fn named_bundle(name: &str, bind: &str) -> starlane_ir::Bundle {
    let dir = std::env::temp_dir().join(format!(
        "starlane-bench-{}-{name}-{}",
        std::process::id(),
        bind.len()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::write(dir.join("wasm/bench.wasm"), hello_wasm()).unwrap();
    std::fs::write(dir.join("bench.bind"), bind).unwrap();
    std::fs::write(
        dir.join("bench.app"),
        format!("App {{\n  Set {{\n    +mechtron.name={name},\n    +wasm.src=${{self.config.bundle}}:/wasm/bench.wasm,\n    +bind=${{self.config.bundle}}:/bench.bind\n  }}\n}}\n"),
    )
    .unwrap();
    let out = starlane_compiler::bundle::build(&dir, None, &Default::default(), |_| {}).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out.bundle.expect("the bench bundle builds")
}

/// A project of `n` mechtrons that all run the same module, each with its own bind, and a front
/// bind (the first mechtron's) with one route to each of the others.
pub fn many_mechtrons_bundle(n: usize) -> starlane_ir::Bundle {
    let dir = std::env::temp_dir().join(format!("starlane-bench-many-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::create_dir_all(dir.join("bind")).unwrap();
    std::fs::write(dir.join("wasm/shared.wasm"), hello_wasm()).unwrap();
    let mut front = String::from("Bind(version=1.1.0) {\n  Route<Http> -> {\n");
    for i in 1..n {
        front.push_str(&format!(
            "    <Get>/m{i} -> localhost:m{i}^Ext<Hello> => &;\n"
        ));
    }
    front.push_str("  }\n}\n");
    for i in 0..n {
        let bind = if i == 0 {
            front.clone()
        } else {
            "Bind(version=1.1.0) {\n  Route<Ext<Hello>> -> (( )) => &;\n}\n".to_string()
        };
        std::fs::write(dir.join(format!("bind/m{i}.bind")), bind).unwrap();
        let http = if i == 0 { ",\n    +http=true" } else { "" };
        std::fs::write(
            dir.join(format!("m{i}.app")),
            format!("App {{\n  Set {{\n    +mechtron.name=m{i},\n    +wasm.src=${{self.config.bundle}}:/wasm/shared.wasm,\n    +bind=${{self.config.bundle}}:/bind/m{i}.bind{http}\n  }}\n}}\n"),
        )
        .unwrap();
    }
    let out = starlane_compiler::bundle::build(&dir, None, &Default::default(), |_| {}).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out.bundle.expect("the many-mechtrons bundle builds")
}
