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
    /// Bytes of request bodies held at once, across both listeners (`"64MiB"`).
    #[serde(default, deserialize_with = "size")]
    pub body_budget: Option<u64>,
    #[serde(default)]
    pub admin: AdminSettings,
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
