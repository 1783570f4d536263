//! Project settings from `starlane.toml`, found by walking up from a file. One function, shared by
//! `check`, `build` and the language server, so they can never disagree about a project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub const FILE_NAME: &str = "starlane.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub check: CheckSettings,
    /// Lint levels by lint id (`unreachable-route = "deny"`); read by the compiler.
    #[serde(default)]
    pub lints: BTreeMap<String, LintLevel>,
    /// How `starlane run DIR` serves this project.
    #[serde(default)]
    pub run: RunSettings,
    /// Where the project was found: the directory holding `starlane.toml` (the bundle root).
    #[serde(skip)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// Treat warnings as errors (as `--deny warnings`).
    #[serde(default)]
    pub deny_warnings: bool,
}

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

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Allow,
    Warn,
    Deny,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Finds the nearest `starlane.toml` at or above `start` (a file or directory) and reads it.
/// No file means default settings.
pub fn load_for(start: &Path) -> Result<Settings, SettingsError> {
    let dir = if start.is_dir() {
        Some(start)
    } else {
        start.parent()
    };
    let absolute = dir
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .and_then(|d| d.canonicalize().ok());
    let mut current = absolute.as_deref();
    while let Some(dir) = current {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            let text = std::fs::read_to_string(&candidate).map_err(|source| SettingsError::Io {
                path: candidate.clone(),
                source,
            })?;
            let mut settings: Settings =
                toml::from_str(&text).map_err(|e| SettingsError::Invalid {
                    path: candidate.clone(),
                    message: e.to_string(),
                })?;
            settings.root = Some(dir.to_path_buf());
            return Ok(settings);
        }
        current = dir.parent();
    }
    Ok(Settings::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_found_by_walking_up() {
        let dir = std::env::temp_dir().join(format!("starlane-settings-{}", std::process::id()));
        let nested = dir.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(
            dir.join(FILE_NAME),
            "[check]\ndeny_warnings = true\n[lints]\nunreachable-route = \"deny\"\n",
        )
        .unwrap();
        let s = load_for(&nested.join("x.bind")).unwrap();
        assert!(s.check.deny_warnings);
        assert_eq!(s.lints.get("unreachable-route"), Some(&LintLevel::Deny));
        assert_eq!(
            s.root.as_deref(),
            Some(dir.canonicalize().unwrap().as_path())
        );
        std::fs::write(dir.join(FILE_NAME), "[check]\nbogus = 1\n").unwrap();
        assert!(matches!(
            load_for(&nested),
            Err(SettingsError::Invalid { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
