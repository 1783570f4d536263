//! The wasmtime engine: one per runtime. The pooling allocator when the address space allows it
//! (a fresh instance per message is then a slot, not a mapping), with a clean fall-back to
//! on-demand allocation; epoch interruption for `exec` deadlines, or fuel for deterministic
//! budgets; and the ticker thread that drives epochs.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. `exec` deadlines are checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// How a guest's `exec` time is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecClock {
    /// Wall time spent inside wasm, checked at epoch ticks (the default).
    Epoch,
    /// A deterministic budget: `per_ms` fuel units per millisecond of `exec`.
    Fuel { per_ms: u64 },
}

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub clock: ExecClock,
    /// Use the pooling allocator if it can be set up (`STARLANE_POOLING=off` forbids it).
    pub pooling: bool,
    /// Instances that may exist at once (messages in flight × nesting depth).
    pub instance_slots: u32,
    /// The largest memory any guest may have (the bundle's largest `limits { memory … }`).
    pub max_memory: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            clock: ExecClock::Epoch,
            pooling: true,
            instance_slots: 288,
            max_memory: 16 << 20,
        }
    }
}

/// The engine and how it was set up (reported by `/status`).
#[derive(Clone)]
pub struct EngineHost {
    pub engine: Engine,
    pub clock: ExecClock,
    /// `None` when pooling is in use; otherwise why not.
    pub on_demand_reason: Option<String>,
}

/// How much of each pooled memory and table stays mapped between instances, reset with `memset`
/// instead of `madvise`. A message is a fresh instance, so without it every message paid for
/// releasing its pages and faulting them back in, and each `madvise` flushed the TLB of every
/// core running one of our threads (the epoch ticker among them): one routed message took
/// 10–12 µs, and 5–6 µs with it (`benches/routed.rs`). Isolation is unchanged — wasmtime resets
/// the memory to the module's image either way (`tests/hostile.rs`,
/// `no_message_sees_what_the_last_one_left_in_memory`). The cost is RSS: at most this much per
/// slot ever used (64 KiB of memory, 4 KiB of table: about 19 MiB for all 288 default slots).
const KEEP_RESIDENT: usize = 64 << 10;
const TABLE_KEEP_RESIDENT: usize = 4 << 10;

fn base_config(clock: ExecClock) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    if matches!(clock, ExecClock::Fuel { .. }) {
        config.consume_fuel(true);
    }
    // Deep recursion must trap well before the host thread's stack (16 MiB, see `server`) is at
    // risk, even with nested calls (8 deep).
    config.max_wasm_stack(512 << 10);
    config
}

/// Memories reserve only what the bundle's largest `memory` limit allows (plus a small guard),
/// not wasmtime's default 4 GiB: bounds are then checked by code instead of by guard pages,
/// slower but able to run where address space is scarce (a `ulimit -v`, a 32-bit-sized budget).
fn compact_memories(config: &mut Config, max_memory: u64) {
    let reservation = max_memory.max(64 << 10).next_multiple_of(64 << 10);
    config
        .memory_reservation(reservation)
        .memory_guard_size(64 << 10)
        .memory_reservation_for_growth(0);
}

impl EngineHost {
    pub fn new(options: &EngineOptions) -> Result<EngineHost, String> {
        let forbidden = std::env::var("STARLANE_POOLING").is_ok_and(|v| v == "off" || v == "0");
        let mut on_demand_reason = None;
        let mut engine = None;
        if options.pooling && !forbidden {
            let mut pool = PoolingAllocationConfig::default();
            let slots = options.instance_slots.max(1);
            pool.total_core_instances(slots)
                .total_memories(slots)
                .total_tables(slots)
                .max_memories_per_module(1)
                .max_tables_per_module(1)
                .table_elements(10_000)
                .max_memory_size(options.max_memory.max(64 << 10) as usize)
                .linear_memory_keep_resident(KEEP_RESIDENT)
                .table_keep_resident(TABLE_KEEP_RESIDENT);
            let mut config = base_config(options.clock);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
            match Engine::new(&config) {
                Ok(e) => engine = Some(e),
                // Typically the address space is too small (a 32-bit host, a ulimit -v).
                Err(e) => {
                    on_demand_reason =
                        Some(format!("the pooling allocator could not be set up: {e:#}"))
                }
            }
        } else {
            on_demand_reason = Some(if forbidden {
                "STARLANE_POOLING=off".to_string()
            } else {
                "pooling disabled".to_string()
            });
        }
        let engine = match engine {
            Some(e) => e,
            None => {
                let mut config = base_config(options.clock);
                if options.pooling && !forbidden {
                    // The pool failed, most likely for lack of address space: the default 4 GiB
                    // reservation per memory would fail the same way, one instance at a time.
                    compact_memories(&mut config, options.max_memory);
                }
                Engine::new(&config).map_err(|e| format!("cannot create the wasm engine: {e:#}"))?
            }
        };
        start_ticker(&engine);
        Ok(EngineHost {
            engine,
            clock: options.clock,
            on_demand_reason,
        })
    }

    pub fn pooling(&self) -> bool {
        self.on_demand_reason.is_none()
    }

    /// Identifies compiled code's compatibility: wasmtime's precompile-compatibility hash,
    /// hashed with a fixed-key hasher, and wasmtime's version (for the cache's file names).
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        WASMTIME_VERSION.hash(&mut h);
        h.finish()
    }
}

/// The wasmtime release this runtime embeds (recorded in module cache entries).
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Advances the epoch every tick until the engine is dropped (the thread holds a weak handle).
fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    let _ = std::thread::Builder::new()
        .name("starlane-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
}
