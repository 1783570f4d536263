//! Project settings from `starlane.toml`, found by walking up from a file. One file and one
//! function, shared by `check`, `build`, `run` and the language server, so they can never
//! disagree about a project. Each section lives with what reads it: [`check`] (`[check]` and
//! `[lints]`, read by the compiler's pipeline) and [`run`] (`[run]`, `[run.admin]`, read by
//! `starlane run` and mapped onto the runtime's options — the runtime never reads this file).

pub mod check;
pub mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use check::{CheckSettings, LintLevel};
pub use run::{AdminSettings, MeshSettings, RunSettings};

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
    /// How `starlane run` joins a mesh of hosts.
    #[serde(default)]
    pub mesh: MeshSettings,
    /// Where the project was found: the directory holding `starlane.toml` (the bundle root).
    #[serde(skip)]
    pub root: Option<PathBuf>,
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
            return load_file(&candidate);
        }
        current = dir.parent();
    }
    Ok(Settings::default())
}

/// Reads one settings file (`starlane.toml`, or any file in its format: `starlane run
/// --config`); paths in it are relative to its directory.
pub fn load_file(path: &Path) -> Result<Settings, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut settings: Settings = toml::from_str(&text).map_err(|e| SettingsError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    settings.root = Some(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    );
    Ok(settings)
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
