//! The served bundle: its mechtrons (each Unknown → Creating → Ready or Panic, then Destroyed),
//! its binds with their compiled routes, schemas and files, the context-name bindings, the
//! callers' credentials, and the engine. Loading never fails because of one mechtron: a bad
//! module or an unbound context name makes that mechtron `Panic` with the reason, and the others
//! serve.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use starlane_ir::{Bind, Bundle, GrantKind};

use crate::admission::{Background, Slots};
use crate::auth::Credentials;
use crate::codes;
use crate::engine::{EngineHost, EngineOptions, ExecClock};
use crate::error::RuntimeError;
use crate::guest::invoke::{self, Guest, GuestCall, Linked};
use crate::guest::state::HostState;
use crate::harness::Harness;
use crate::metrics::Metrics;
use crate::module_cache::{ModuleCache, Origin};
use crate::schemas::Schemas;
use crate::time::TimeSource;

pub use crate::registry::{Mechtron, MechtronState, Registry};

/// How to start a runtime.
#[derive(Clone)]
pub struct RuntimeOptions {
    pub engine: EngineOptions,
    pub cache_dir: Option<PathBuf>,
    /// Context name → address (`--bind`, `[bind]`).
    pub bindings: HashMap<String, String>,
    pub credentials: Option<Arc<Credentials>>,
    /// Top-level messages in flight at once.
    pub max_concurrency: usize,
    /// How deep mechtrons may call mechtrons.
    pub max_depth: u32,
    /// The clock deadlines are kept by: the wall clock when serving, a virtual one in tests.
    pub time: TimeSource,
    /// Stand-ins and a call record around the runtime (`starlane test`); `None` when serving.
    pub harness: Option<Arc<dyn Harness>>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            engine: EngineOptions::default(),
            cache_dir: ModuleCache::default_dir(),
            bindings: HashMap::new(),
            credentials: None,
            max_concurrency: 32,
            max_depth: 8,
            time: TimeSource::Wall,
            harness: None,
        }
    }
}

/// A loaded bundle being served. Its parts have one job each: the [`Registry`] (what is served),
/// the engine (how guests run), admission ([`Slots`], [`Background`]: how much runs at once), the
/// credentials and the metrics. Delivery (`delivery.rs`) and outbound calls (`outbound.rs`) are
/// the runtime's behaviour over those parts.
pub struct Runtime {
    pub(crate) registry: Registry,
    pub(crate) engine: EngineHost,
    pub(crate) credentials: Arc<Credentials>,
    /// Shared with the bundles that replace this one at a reload, so counters carry over.
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) slots: Slots,
    pub(crate) background: Background,
    pub(crate) max_depth: u32,
    pub(crate) started: Instant,
    /// Distinct modules compiled (or loaded) and linked at load: each once, whatever the number
    /// of mechtrons that run it.
    pub(crate) modules_linked: usize,
    /// The engine's setup, and every module linked, by SHA-256: what a reload keeps.
    engine_options: EngineOptions,
    linked: HashMap<[u8; 32], Linked>,
    /// Set once when the host joins a mesh (`--mesh`): where messages to mechtrons not served
    /// here go.
    pub(crate) mesh: std::sync::OnceLock<Arc<crate::mesh::Mesh>>,
    pub(crate) time: TimeSource,
    pub(crate) harness: Option<Arc<dyn Harness>>,
}

/// What loading does once per distinct module (by SHA-256), not once per mechtron: compile or
/// load from the cache, verify, link — and the test instantiation, once per module and limits.
struct OncePerModule {
    cache: ModuleCache,
    linker: wasmtime::Linker<HostState>,
    linked: HashMap<[u8; 32], Result<(Linked, Origin), String>>,
    probed: HashMap<([u8; 32], u64, u64), Result<(), String>>,
}

/// Checks a module's bytes against its recorded hash, compiles (or loads) it, verifies it
/// against the guest ABI and links it.
fn link_module(
    engine: &EngineHost,
    cache: &ModuleCache,
    linker: &wasmtime::Linker<HostState>,
    module: &starlane_ir::Module,
) -> Result<(Linked, Origin), String> {
    let digest: [u8; 32] = Sha256::digest(&module.bytes).into();
    if digest != module.sha256 {
        return Err(format!(
            "module {} does not match its recorded SHA-256",
            module.path
        ));
    }
    let (compiled, origin) = cache.load(engine, &module.sha256, &module.bytes)?;
    let problems = crate::guest::verify::verify(&compiled);
    if !problems.is_empty() {
        return Err(format!(
            "[{}] module {} does not follow the guest ABI: {}",
            codes::INVALID_MODULE.id,
            module.path,
            problems.join("; ")
        ));
    }
    Ok((invoke::link(&compiled, linker)?, origin))
}

impl Runtime {
    /// Loads `bundle` and brings every mechtron to Ready (or Panic, with the reason).
    pub fn load(bundle: Bundle, options: RuntimeOptions) -> Result<Arc<Runtime>, RuntimeError> {
        Runtime::load_with(bundle, options, None)
    }

    /// Loads the bundle that replaces this one (a reload): the engine and every module whose
    /// SHA-256 did not change are kept (no compilation, no cache read), and the metrics carry
    /// over. A bundle whose guests need a larger memory than this engine allows gets a new
    /// engine.
    pub fn load_next(
        &self,
        bundle: Bundle,
        options: RuntimeOptions,
    ) -> Result<Arc<Runtime>, RuntimeError> {
        Runtime::load_with(bundle, options, Some(self))
    }

    fn load_with(
        bundle: Bundle,
        options: RuntimeOptions,
        previous: Option<&Runtime>,
    ) -> Result<Arc<Runtime>, RuntimeError> {
        // Bundles decoded from bytes were validated by the loader; ones built in memory (tests,
        // embedders) are checked here, so no index in them can be out of range later.
        starlane_ir::validate(&bundle).map_err(|e| {
            RuntimeError::new(
                codes::INVALID_BUNDLE,
                format!("the bundle is inconsistent: {e}"),
            )
        })?;
        let mut engine_options = options.engine.clone();
        engine_options.max_memory = bundle
            .binds
            .iter()
            .map(|b| b.limits.memory)
            .max()
            .unwrap_or(16 << 20);
        engine_options.instance_slots =
            (options.max_concurrency as u32).saturating_mul(options.max_depth + 1);
        let kept = previous.filter(|p| {
            p.engine_options.clock == engine_options.clock
                && p.engine_options.pooling == engine_options.pooling
                && p.engine_options.max_memory >= engine_options.max_memory
                && p.engine_options.instance_slots >= engine_options.instance_slots
        });
        let (engine, engine_options) = match kept {
            Some(p) => (p.engine.clone(), p.engine_options.clone()),
            None => {
                let engine = EngineHost::new(&engine_options)
                    .map_err(|e| RuntimeError::new(codes::INVALID_BUNDLE, e))?;
                (engine, engine_options)
            }
        };
        if let Some(reason) = &engine.on_demand_reason {
            tracing::warn!("using on-demand instance allocation: {reason}");
        }
        let cache = ModuleCache::new(options.cache_dir.clone());
        let linker = invoke::base_linker(&engine);
        let schemas = Schemas::compile(&bundle.schemas);
        for (path, v) in schemas.paths.iter().zip(&schemas.validators) {
            if let Err(e) = v {
                tracing::error!("schema {path} is unusable: {e}");
            }
        }
        let registry = Registry::new(bundle, schemas, options.bindings.clone());
        let mut runtime = Runtime {
            registry,
            engine,
            credentials: options.credentials.clone().unwrap_or_default(),
            metrics: previous.map_or_else(Arc::default, |p| p.metrics.clone()),
            slots: Slots::new(options.max_concurrency),
            background: Background::new(options.max_concurrency),
            max_depth: options.max_depth,
            started: Instant::now(),
            modules_linked: 0,
            engine_options,
            linked: HashMap::new(),
            mesh: std::sync::OnceLock::new(),
            time: options.time.clone(),
            harness: options.harness.clone(),
        };
        let mut once = OncePerModule {
            cache,
            linker,
            linked: kept
                .map(|p| {
                    p.linked
                        .iter()
                        .map(|(digest, l)| (*digest, Ok((l.clone(), Origin::Kept))))
                        .collect()
                })
                .unwrap_or_default(),
            probed: HashMap::new(),
        };
        for i in 0..runtime.registry.mechtrons.len() {
            runtime.create(i, &mut once);
        }
        // What this bundle's mechtrons run, not what the previous one had.
        let bundle = &runtime.registry.bundle;
        let used: std::collections::HashSet<[u8; 32]> = bundle
            .mechtrons
            .iter()
            .filter_map(|m| bundle.modules.get(m.module? as usize))
            .map(|m| m.sha256)
            .collect();
        runtime.linked = once
            .linked
            .into_iter()
            .filter(|(digest, _)| used.contains(digest))
            .filter_map(|(digest, r)| r.ok().map(|(l, _)| (digest, l)))
            .collect();
        runtime.modules_linked = runtime.linked.len();
        Ok(Arc::new(runtime))
    }

    /// Creating → Ready or Panic: compile (or load from the cache), verify, link, bind the
    /// context names, and test-instantiate with the initialisers.
    fn create(&mut self, i: usize, once: &mut OncePerModule) {
        self.registry.mechtrons[i].set(MechtronState::Creating);
        let result = self.prepare(i, once);
        let m = &mut self.registry.mechtrons[i];
        match result {
            Ok((guest, origin)) => {
                m.guest = Some(guest);
                m.origin = Some(origin);
            }
            Err(reason) => {
                tracing::error!(mechtron = %m.name, "not ready: {reason}");
                m.set(MechtronState::Panic(reason));
                return;
            }
        }
        let broken = self.registry.binds[self.registry.mechtrons[i].bind]
            .broken
            .clone();
        if let Some(reason) = self.unbound_context(i).or(broken) {
            tracing::error!(mechtron = %self.registry.mechtrons[i].name, "not ready: {reason}");
            self.registry.mechtrons[i].set(MechtronState::Panic(reason));
            return;
        }
        match self.probe(i, once) {
            Ok(()) => {
                let m = &self.registry.mechtrons[i];
                tracing::info!(mechtron = %m.name, address = %m.address, "ready");
                m.set(MechtronState::Ready);
            }
            Err(e) => {
                let reason = format!("its test instantiation failed: {e}");
                tracing::error!(mechtron = %self.registry.mechtrons[i].name, "not ready: {reason}");
                self.registry.mechtrons[i].set(MechtronState::Panic(reason));
            }
        }
    }

    /// The mechtron's guest: its module compiled (or loaded from the cache), verified and
    /// linked — once per distinct module, however many mechtrons run it.
    fn prepare(&self, i: usize, once: &mut OncePerModule) -> Result<(Guest, Origin), String> {
        let m = &self.registry.bundle.mechtrons[i];
        let Some(module) = m
            .module
            .and_then(|x| self.registry.bundle.modules.get(x as usize))
        else {
            return Err("the manifest names no wasm module for it".into());
        };
        let linked = once
            .linked
            .entry(module.sha256)
            .or_insert_with(|| link_module(&self.engine, &once.cache, &once.linker, module));
        let (linked, origin) = linked.clone()?;
        Ok((Guest::of(&m.name, linked), origin))
    }
    /// The first context name mechtron `i`'s bind requires that is not bound.
    fn unbound_context(&self, i: usize) -> Option<String> {
        let bind = self
            .registry
            .bundle
            .binds
            .get(self.registry.mechtrons[i].bind)?;
        bind.requires
            .iter()
            .find(|r| !self.registry.bindings.contains_key(&r.name))
            .map(|r| {
                format!(
                    "context name `{}` ({}) is not bound; start with --bind {}=ADDRESS",
                    r.name, r.kind, r.name
                )
            })
    }

    /// A test instantiation: instantiate and run the initialisers, call nothing. Its outcome
    /// depends only on the module and the bind's limits, so it runs once per such pair.
    fn probe(&self, i: usize, once: &mut OncePerModule) -> Result<(), String> {
        let m = &self.registry.mechtrons[i];
        let guest = m.guest.as_ref().expect("prepared");
        let limits = self
            .registry
            .bundle
            .binds
            .get(m.bind)
            .map(|b| b.limits)
            .unwrap_or_default();
        let Some(module) = self.registry.bundle.mechtrons[i]
            .module
            .and_then(|x| self.registry.bundle.modules.get(x as usize))
        else {
            return Err("no module".into());
        };
        once.probed
            .entry((module.sha256, limits.memory, limits.payload))
            .or_insert_with(|| {
                invoke::probe(
                    &self.engine,
                    guest,
                    GuestCall {
                        op: String::new(),
                        request: Vec::new(),
                        port: None,
                        exec: Duration::from_millis(starlane_ir::DEFAULT_EXEC_MS),
                        deadline: self.time.after(starlane_ir::DEFAULT_TOTAL_MS),
                        memory_limit: limits.memory,
                        payload_limit: limits.payload,
                        outbound: None,
                        time: self.time.clone(),
                    },
                )
                .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The mechtrons, in bundle order (an index is a mechtron's id for `serve`).
    pub fn mechtrons(&self) -> &[Mechtron] {
        &self.registry.mechtrons
    }

    /// The mechtron whose bind receives HTTP, if any.
    pub fn http_mechtron(&self) -> Option<usize> {
        self.registry.http
    }

    /// The bundle served.
    pub fn bundle(&self) -> &Bundle {
        &self.registry.bundle
    }

    /// The runtime's counters (what `/metrics` renders).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Fire-and-forget messages still running.
    pub fn background_running(&self) -> usize {
        self.background.running()
    }

    /// Whether guest instances come from the pooling allocator.
    pub fn pooling(&self) -> bool {
        self.engine.pooling()
    }

    /// Distinct modules compiled (or loaded) and linked at load.
    pub fn modules_linked(&self) -> usize {
        self.modules_linked
    }

    /// When this bundle was loaded.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Now, on the clock the runtime keeps deadlines by (virtual in tests).
    pub fn now(&self) -> Instant {
        self.time.now()
    }

    /// The clock the runtime keeps deadlines by.
    pub fn time(&self) -> &TimeSource {
        &self.time
    }

    /// Joins this runtime to a mesh (once; later calls are ignored).
    pub(crate) fn attach_mesh(&self, mesh: Arc<crate::mesh::Mesh>) {
        let _ = self.mesh.set(mesh);
    }

    /// The mesh this host belongs to, if it joined one.
    pub fn mesh(&self) -> Option<&Arc<crate::mesh::Mesh>> {
        self.mesh.get()
    }

    /// Delivers to the mechtron at `point`: in-process when it is served here, over the mesh
    /// when another live host announces it; `None` when no host serves it.
    pub(crate) fn deliver_to_point(
        self: &Arc<Self>,
        point: &str,
        message: crate::message::Message,
        exchange: crate::message::Exchange,
        delivery: crate::mesh::Delivery,
    ) -> Option<Result<crate::message::Reply, RuntimeError>> {
        if let Some(to) = self.mechtron_for(point) {
            return Some(self.deliver(to, message, exchange));
        }
        if let Some(answer) = self
            .harness
            .as_ref()
            .and_then(|h| h.outside(point, &message))
        {
            return Some(answer);
        }
        let name = crate::registry::mechtron_name_of(point)?;
        self.mesh.get()?.deliver(name, message, exchange, delivery)
    }

    pub fn bind_of(&self, mechtron: usize) -> &Bind {
        self.registry.bind_of(mechtron)
    }

    pub fn mechtron_named(&self, name: &str) -> Option<usize> {
        self.registry.mechtron_named(name)
    }

    /// The local mechtron a point is delivered to (`localhost:<name>` or below it).
    pub fn mechtron_for(&self, point: &str) -> Option<usize> {
        self.registry.mechtron_for(point)
    }

    /// Marks every mechtron Destroyed (at shutdown).
    pub fn destroy(&self) {
        for m in &self.registry.mechtrons {
            m.set(MechtronState::Destroyed);
        }
    }

    /// `GET /status`.
    pub fn status(&self) -> Value {
        let mechtrons: Vec<Value> = self
            .registry
            .mechtrons
            .iter()
            .map(|m| {
                let current = m.state();
                let (state, reason) = (current.name(), current.reason());
                let bind = &self.registry.bundle.binds[m.bind];
                let requires: Vec<Value> = bind
                    .requires
                    .iter()
                    .map(|r| json!({"name": r.name, "kind": r.kind, "address": self.registry.bindings.get(&r.name)}))
                    .collect();
                json!({
                    "name": m.name,
                    "address": m.address,
                    "state": state,
                    "reason": reason,
                    "module": m.module,
                    "module_origin": m.origin.map(|o| format!("{o:?}").to_lowercase()),
                    "bind": self.registry.bundle.sources.get(bind.source as usize).map(|s| s.path.clone()),
                    "requires": requires,
                    "receives_http": self.registry.http == Some(self.mechtron_named(&m.name).unwrap_or(usize::MAX)),
                })
            })
            .collect();
        json!({
            "bundle": self.registry.bundle.name,
            "uptime_seconds": self.started.elapsed().as_secs(),
            "engine": {
                "allocator": if self.engine.pooling() { "pooling" } else { "on-demand" },
                "on_demand_reason": self.engine.on_demand_reason,
                "modules_linked": self.modules_linked,
                "exec_clock": match self.engine.clock { ExecClock::Epoch => "epoch".to_string(), ExecClock::Fuel { per_ms } => format!("fuel ({per_ms}/ms)") },
            },
            "instances_active": self.metrics.active_instances(),
            "mechtrons": mechtrons,
            "caller_rules_enforced": self.registry.binds.iter().any(|b| b.caller_rules),
            "mesh": self.mesh.get().map(|m| m.status()),
        })
    }

    /// Whether the bind uses role or super grants for callers (reported in logs at start).
    pub fn describe_caller_rules(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (bind, served) in self.registry.bundle.binds.iter().zip(&self.registry.binds) {
            if served.caller_rules {
                let n = bind
                    .grants
                    .iter()
                    .filter(|g| g.to.is_some() || matches!(g.kind, GrantKind::Role(_)))
                    .count();
                out.push(format!(
                    "{}: {n} caller rule(s) enforced",
                    self.registry
                        .bundle
                        .sources
                        .get(bind.source as usize)
                        .map_or("?", |s| s.path.as_str())
                ));
            }
        }
        out
    }
}
