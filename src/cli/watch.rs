//! `starlane run DIR --watch`: rebuild the project when one of its files changes, and hand each
//! bundle that builds to the server, which switches to it (`specs/runtime.md` §9).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// Changes closer together than this are one change (an editor writes a file in several steps).
const QUIET: Duration = Duration::from_millis(250);

/// Whether a changed path can change the bundle: not hidden, not an editor's swap or backup.
fn relevant(dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(dir) else {
        return false;
    };
    let hidden = rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !hidden && !name.ends_with('~') && !name.ends_with(".swp") && !name.ends_with(".swx")
}

/// Starts watching `dir`; each rebuilt bundle (signed with `sign`, a private key file, when
/// given) arrives on the returned channel.
pub fn rebuild_on_change(
    dir: PathBuf,
    sign: Option<PathBuf>,
) -> anyhow::Result<UnboundedReceiver<Vec<u8>>> {
    let dir = dir.canonicalize()?;
    let (changes_tx, changes) = mpsc::channel::<PathBuf>();
    let watched = dir.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if relevant(&watched, &path) {
                let _ = changes_tx.send(path);
            }
        }
    })?;
    watcher.watch(&dir, RecursiveMode::Recursive)?;
    let (bundles, received) = unbounded_channel();
    std::thread::Builder::new()
        .name("starlane-watch".into())
        .spawn(move || {
            let _watching = watcher;
            while let Ok(first) = changes.recv() {
                // Wait for the writes to settle.
                while changes.recv_timeout(QUIET).is_ok() {}
                tracing::info!(changed = %first.display(), "rebuilding");
                match super::bundle_cmds::compile(&dir, None) {
                    Ok(Some((bundle, _))) => {
                        let bytes =
                            starlane_ir::encode(&bundle, starlane_compiler::bundle::PRODUCER);
                        let bytes = match &sign {
                            Some(key) => match super::signing::sign_bytes(&bytes, key, None) {
                                Ok(signed) => signed,
                                Err(e) => {
                                    tracing::warn!(
                                        "cannot sign the rebuilt bundle: {e:#}; the old bundle keeps serving"
                                    );
                                    continue;
                                }
                            },
                            None => bytes,
                        };
                        if bundles.send(bytes).is_err() {
                            return; // the server stopped
                        }
                    }
                    Ok(None) => tracing::warn!(
                        "the project does not build (diagnostics above); the old bundle keeps serving"
                    ),
                    Err(e) => tracing::warn!("cannot rebuild: {e:#}; the old bundle keeps serving"),
                }
            }
        })?;
    Ok(received)
}
