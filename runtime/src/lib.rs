//! The Starlane mesh runtime: loads a compiled bundle and serves it — routes messages to
//! mechtrons (WebAssembly guests speaking waPC), validates payloads, enforces grants and
//! timeouts, and keeps serving when a guest misbehaves. It depends on the IR crate only, never on
//! the parser. Specified in `specs/runtime.md` and `specs/abi.md`.

pub mod admin;
pub mod admission;
pub mod auth;
pub mod codes;
pub mod delivery;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod fuzzing;
pub mod guest;
pub mod harness;
pub mod host;
pub mod http;
pub mod listener;
pub mod logs;
pub mod mesh;
pub mod message;
pub mod metrics;
pub mod module_cache;
pub mod outbound;
pub mod payload;
mod private_files;
pub mod registry;
pub mod schemas;
pub mod server;
pub mod serving;
pub mod time;

pub use error::RuntimeError;
pub use host::{MechtronState, Runtime, RuntimeOptions};
pub use message::{Exchange, Identity, Message, Origin, Reply};

/// The stack of every thread that runs guests: deep enough for nested calls (8 deep, each with
/// wasm's own 512 KiB stack) whatever the host platform's default.
pub const GUEST_THREAD_STACK: usize = 16 << 20;
