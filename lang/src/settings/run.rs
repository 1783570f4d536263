//! `[run]` and `[run.admin]`: what `starlane run DIR` uses when no flag says otherwise. Durations
//! and sizes use the language's own syntax (`"10s"`, `"64MiB"`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// `[run]`: what `starlane run DIR` uses when no flag says otherwise.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Context name → address (`--bind NAME=ADDRESS`).
    #[serde(default)]
    pub bind: BTreeMap<String, String>,
    /// A credentials file, relative to the project root.
    #[serde(default)]
    pub credentials: Option<PathBuf>,
    /// The HTTP listener's connection limits (`specs/runtime.md` §7.1).
    #[serde(default, deserialize_with = "duration")]
    pub header_read_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub idle_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub body_read_timeout: Option<Duration>,
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Messages from outside handled at once (`--max-concurrency`).
    #[serde(default)]
    pub max_concurrency: Option<usize>,
    /// Bytes of request bodies held at once, across both listeners (`"64MiB"`).
    #[serde(default, deserialize_with = "size")]
    pub body_budget: Option<u64>,
    #[serde(default)]
    pub admin: AdminSettings,
    /// Public keys (`ed25519:…`, or files relative to the project root) whose signed bundles
    /// this host serves; when set, unsigned bundles are refused (`--trust` adds to it).
    #[serde(default)]
    pub trust: Vec<String>,
    /// Public keys refused even when trusted (`--revoked` adds to it).
    #[serde(default)]
    pub revoked: Vec<String>,
}

/// `[run.admin]`: who may use the admin listener, and its caps.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    /// SHA-256 digests of the admin tokens (`starlane hash-password --token`).
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Read endpoints served without a token: `status`, `healthz`, `metrics`.
    #[serde(default)]
    pub open: Vec<String>,
    /// Names requests may give as `Host`, besides the listener's own address.
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default, deserialize_with = "size")]
    pub max_body: Option<u64>,
    #[serde(default)]
    pub max_concurrency: Option<usize>,
    #[serde(default)]
    pub max_connections: Option<usize>,
}

/// `[mesh]`: joining a mesh of hosts on NATS (`specs/runtime.md` §8); flags override it. The
/// password is never read from this file: it comes from `STARLANE_MESH_PASSWORD`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MeshSettings {
    /// `nats://host:port` (`--mesh`).
    #[serde(default)]
    pub url: Option<String>,
    /// This host's name in the mesh (`--host`).
    #[serde(default)]
    pub host: Option<String>,
    /// The mesh's name: the first token of its NATS subjects (default `starlane`).
    #[serde(default)]
    pub name: Option<String>,
    /// The NATS user (`--mesh-user`).
    #[serde(default)]
    pub user: Option<String>,
    /// A file holding this host's NATS nkey seed (`--mesh-nkey`), relative to the project root;
    /// instead of a user and password.
    #[serde(default)]
    pub nkey_file: Option<std::path::PathBuf>,
    /// A NATS credentials file (`nsc`'s user JWT and seed; readable only by you), relative to
    /// the project.
    #[serde(default)]
    pub creds_file: Option<std::path::PathBuf>,
    /// TLS to NATS: the authority the server's certificate chains to (when not a system one).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// TLS to NATS: this host's client certificate (PEM) …
    #[serde(default)]
    pub cert_file: Option<std::path::PathBuf>,
    /// … and its private key (PEM; readable only by you).
    #[serde(default)]
    pub key_file: Option<std::path::PathBuf>,
    /// Wait this long for an ack before resending (default `250ms`, doubling per resend).
    #[serde(default, deserialize_with = "duration")]
    pub ack_timeout: Option<Duration>,
    /// Resends after the first attempt (default 4).
    #[serde(default)]
    pub retries: Option<u32>,
    /// The longest wait between two attempts (default `2s`).
    #[serde(default, deserialize_with = "duration")]
    pub max_retry_delay: Option<Duration>,
    /// How often each host announces itself (default `1s`).
    #[serde(default, deserialize_with = "duration")]
    pub heartbeat: Option<Duration>,
    /// A host not heard for this long is gone (default `3s`).
    #[serde(default, deserialize_with = "duration")]
    pub gone_after: Option<Duration>,
    /// Messages from one other host run at once here (default 16).
    #[serde(default)]
    pub per_host_in_flight: Option<usize>,
    /// A mechtron whose runs all take at most this long may run a message from another host on
    /// the async worker that received it, one at a time (default `1ms`; `0ms` never).
    #[serde(default, deserialize_with = "duration")]
    pub in_place_under: Option<Duration>,
}

/// `"10s"`, `"500ms"`: the language's duration syntax.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    crate::atoms::quantity::duration_ms(&text)
        .map(|ms| Some(Duration::from_millis(ms)))
        .map_err(|e| serde::de::Error::custom(format!("{} ({})", e.message, e.label)))
}

/// `"64MiB"`: the language's size syntax.
fn size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    crate::atoms::quantity::size_bytes(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("{} ({})", e.message, e.label)))
}
