//! Watching `starlane.toml` for clients that cannot watch files for the server (Neovim on Linux
//! declares `didChangeWatchedFiles.dynamicRegistration = false`): lint levels and
//! `deny_warnings` then still apply as soon as the file is written.

use std::path::{Path, PathBuf};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::workspace::Workspace;

/// Watches while alive.
pub struct SettingsWatcher {
    _watcher: RecommendedWatcher,
}

fn is_settings_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "starlane.toml")
}

/// Watches each root recursively (the workspace folders), or `fallback` alone when there are
/// none, and re-checks the open documents when a `starlane.toml` under them changes.
pub fn watch(
    roots: &[PathBuf],
    fallback: &Path,
    workspace: Workspace,
) -> notify::Result<SettingsWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if !matches!(event.kind, EventKind::Access(_))
            && event.paths.iter().any(|p| is_settings_file(p))
        {
            workspace.reload_settings();
        }
    })?;
    if roots.is_empty() {
        watcher.watch(fallback, RecursiveMode::NonRecursive)?;
    }
    for root in roots {
        watcher.watch(root, RecursiveMode::Recursive)?;
    }
    Ok(SettingsWatcher { _watcher: watcher })
}
