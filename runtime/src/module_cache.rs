//! Compiled modules cached on disk, so a restart does not recompile. An entry is keyed by the
//! module's SHA-256 and the engine's fingerprint, and records both plus the SHA-256 of the
//! compiled artifact. `Module::deserialize` is `unsafe` — it must only ever see bytes this
//! runtime wrote — so every field is checked before it is called; any mismatch (a corrupt, stale
//! or foreign file) recompiles and rewrites the entry.
//!
//! Entry format: magic `STRLNMOD`, format version (u16 LE), module SHA-256 (32 bytes), engine
//! fingerprint (u64 LE), artifact SHA-256 (32 bytes), artifact length (u64 LE), artifact.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Module;

use crate::engine::{EngineHost, WASMTIME_VERSION};

const MAGIC: &[u8; 8] = b"STRLNMOD";
const VERSION: u16 = 1;
const HEADER: usize = 8 + 2 + 32 + 8 + 32 + 8;

/// Where a module came from, for logs and the cold-start bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    Cached,
    /// The cache had an entry that failed a check; it was rebuilt.
    Recompiled,
}

#[derive(Debug, Clone)]
pub struct ModuleCache {
    dir: Option<PathBuf>,
}

impl ModuleCache {
    /// A cache in `dir`, or none (`None`: always compile).
    pub fn new(dir: Option<PathBuf>) -> ModuleCache {
        ModuleCache { dir }
    }

    /// `$XDG_CACHE_HOME/starlane/modules` or `~/.cache/starlane/modules`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("starlane").join("modules"))
    }

    fn entry_path(&self, dir: &Path, module_sha: &[u8; 32], fingerprint: u64) -> PathBuf {
        dir.join(format!(
            "{}-{fingerprint:016x}-wasmtime-{WASMTIME_VERSION}.cwasm",
            hex(module_sha)
        ))
    }

    /// The compiled module for `bytes` (whose SHA-256 is `module_sha`), from the cache if a valid
    /// entry exists.
    pub fn load(
        &self,
        host: &EngineHost,
        module_sha: &[u8; 32],
        bytes: &[u8],
    ) -> Result<(Module, Origin), String> {
        let Some(dir) = &self.dir else {
            return compile(host, bytes).map(|m| (m, Origin::Compiled));
        };
        let fingerprint = host.fingerprint();
        let path = self.entry_path(dir, module_sha, fingerprint);
        let mut origin = Origin::Compiled;
        if let Ok(entry) = std::fs::read(&path) {
            match verified_artifact(&entry, module_sha, fingerprint) {
                Some(artifact) => {
                    // SAFETY: the artifact is byte-for-byte what `Module::serialize` produced in
                    // this runtime (its SHA-256 matched the one recorded next to it), for this
                    // module and an engine with this fingerprint.
                    if let Ok(module) = unsafe { Module::deserialize(&host.engine, artifact) } {
                        return Ok((module, Origin::Cached));
                    }
                    origin = Origin::Recompiled;
                }
                None => origin = Origin::Recompiled,
            }
        }
        let module = compile(host, bytes)?;
        if let Ok(artifact) = module.serialize() {
            // A cache that cannot be written only makes the next start slower.
            let _ = write_entry(dir, &path, module_sha, fingerprint, &artifact);
        }
        Ok((module, origin))
    }
}

fn compile(host: &EngineHost, bytes: &[u8]) -> Result<Module, String> {
    Module::new(&host.engine, bytes).map_err(|e| format!("the module does not compile: {e:#}"))
}

/// The artifact of a cache entry if every recorded field checks out.
fn verified_artifact<'a>(
    entry: &'a [u8],
    module_sha: &[u8; 32],
    fingerprint: u64,
) -> Option<&'a [u8]> {
    if entry.len() < HEADER || &entry[..8] != MAGIC {
        return None;
    }
    let version = u16::from_le_bytes(entry[8..10].try_into().ok()?);
    let recorded_module: &[u8] = &entry[10..42];
    let recorded_fingerprint = u64::from_le_bytes(entry[42..50].try_into().ok()?);
    let artifact_sha: &[u8] = &entry[50..82];
    let len = u64::from_le_bytes(entry[82..90].try_into().ok()?);
    let artifact = &entry[HEADER..];
    let ok = version == VERSION
        && recorded_module == module_sha
        && recorded_fingerprint == fingerprint
        && len == artifact.len() as u64
        && Sha256::digest(artifact).as_slice() == artifact_sha;
    ok.then_some(artifact)
}

fn write_entry(
    dir: &Path,
    path: &Path,
    module_sha: &[u8; 32],
    fingerprint: u64,
    artifact: &[u8],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut entry = Vec::with_capacity(HEADER + artifact.len());
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&VERSION.to_le_bytes());
    entry.extend_from_slice(module_sha);
    entry.extend_from_slice(&fingerprint.to_le_bytes());
    entry.extend_from_slice(&Sha256::digest(artifact));
    entry.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    entry.extend_from_slice(artifact);
    // Write then rename: a crash mid-write leaves no half entry under the real name.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &entry)?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineOptions, ExecClock};

    fn host() -> EngineHost {
        EngineHost::new(&EngineOptions {
            clock: ExecClock::Epoch,
            pooling: false,
            ..Default::default()
        })
        .unwrap()
    }

    const WAT: &str = r#"(module (memory (export "memory") 1)
        (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))"#;

    #[test]
    fn second_load_comes_from_the_cache_and_corruption_recompiles() {
        let dir = std::env::temp_dir().join(format!("starlane-cache-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = ModuleCache::new(Some(dir.clone()));
        let host = host();
        let bytes = wat::parse_str(WAT).unwrap();
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        assert_eq!(cache.load(&host, &sha, &bytes).unwrap().1, Origin::Compiled);
        assert_eq!(cache.load(&host, &sha, &bytes).unwrap().1, Origin::Cached);
        // Flip one byte of the artifact: the recorded SHA-256 no longer matches, so the entry is
        // rebuilt instead of reaching `Module::deserialize`.
        let entry = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut data = std::fs::read(&entry).unwrap();
        let last = data.len() - 1;
        data[last] ^= 0xff;
        std::fs::write(&entry, &data).unwrap();
        assert_eq!(
            cache.load(&host, &sha, &bytes).unwrap().1,
            Origin::Recompiled
        );
        assert_eq!(cache.load(&host, &sha, &bytes).unwrap().1, Origin::Cached);
        // Truncated and foreign files too.
        std::fs::write(&entry, b"STRLNMOD").unwrap();
        assert_eq!(
            cache.load(&host, &sha, &bytes).unwrap().1,
            Origin::Recompiled
        );
        std::fs::write(&entry, b"garbage garbage garbage").unwrap();
        assert_eq!(
            cache.load(&host, &sha, &bytes).unwrap().1,
            Origin::Recompiled
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn entries_are_checked_field_by_field() {
        let artifact = b"artifact bytes";
        let sha = [7u8; 32];
        let dir =
            std::env::temp_dir().join(format!("starlane-cache-fields-{}", std::process::id()));
        let path = dir.join("x.cwasm");
        write_entry(&dir, &path, &sha, 42, artifact).unwrap();
        let entry = std::fs::read(&path).unwrap();
        assert_eq!(verified_artifact(&entry, &sha, 42), Some(&artifact[..]));
        assert_eq!(
            verified_artifact(&entry, &[8u8; 32], 42),
            None,
            "another module"
        );
        assert_eq!(verified_artifact(&entry, &sha, 43), None, "another engine");
        assert_eq!(
            verified_artifact(&entry[..entry.len() - 1], &sha, 42),
            None,
            "truncated"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
