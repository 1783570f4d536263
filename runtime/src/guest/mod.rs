//! Running guests: load-time ABI verification (`verify`), the per-message state a store holds
//! (`state`), the waPC and WASI host functions with checked memory access (`abi`, `wasi`), and
//! one message on a fresh instance with traps translated for people (`invoke`).

pub mod abi;
pub mod fuel_time;
pub mod invoke;
pub mod state;
pub mod verify;
pub mod wasi;

pub use invoke::{Guest, GuestCall, GuestOutput};
pub use state::{GuestFault, HostState, Outbound};
