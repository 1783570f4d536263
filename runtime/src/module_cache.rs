//! Compiled modules cached on disk, so a restart does not recompile. An entry is keyed by the
//! module's SHA-256 and the engine's fingerprint, and authenticated: it carries an HMAC-SHA256,
//! under a random key kept in the cache directory (mode 0600, directory 0700), over the module
//! hash, the fingerprint and the compiled artifact. `Module::deserialize` is `unsafe` — it runs
//! whatever native code it is given — so it only ever sees an artifact whose tag verifies: a
//! corrupt, stale or forged file is recompiled and rewritten instead. A cache directory that
//! others can write to, or a key file others can read, disables the cache (with a warning).
//!
//! Entry format: magic `STRLNMOD`, format version (u16 LE), module SHA-256 (32 bytes), engine
//! fingerprint (u64 LE), HMAC-SHA256 tag (32 bytes), artifact length (u64 LE), artifact.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasmtime::Module;

use crate::engine::{EngineHost, WASMTIME_VERSION};

const MAGIC: &[u8; 8] = b"STRLNMOD";
const VERSION: u16 = 2;
const HEADER: usize = 8 + 2 + 32 + 8 + 32 + 8;
const KEY_FILE: &str = "key";

type Tag = Hmac<Sha256>;

/// Where a module came from, for logs, `/status` and the cold-start bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    Cached,
    /// The cache had an entry that failed a check; it was rebuilt.
    Recompiled,
    /// Kept, compiled, from the bundle this one replaced at a reload.
    Kept,
}

#[derive(Debug, Clone)]
pub struct ModuleCache {
    /// The directory and its key; `None`: always compile.
    store: Option<(PathBuf, [u8; 32])>,
    /// Why the cache is off, when it was asked for.
    pub disabled: Option<String>,
}

impl ModuleCache {
    /// A cache in `dir` (created private if missing), or none. A directory or key that is not
    /// private disables the cache, with the reason in `disabled`.
    pub fn new(dir: Option<PathBuf>) -> ModuleCache {
        let Some(dir) = dir else {
            return ModuleCache {
                store: None,
                disabled: None,
            };
        };
        match open_key(&dir) {
            Ok(key) => ModuleCache {
                store: Some((dir, key)),
                disabled: None,
            },
            Err(why) => {
                tracing::warn!("module cache in {} disabled: {why}", dir.display());
                ModuleCache {
                    store: None,
                    disabled: Some(why),
                }
            }
        }
    }

    /// `$XDG_CACHE_HOME/starlane/modules` or `~/.cache/starlane/modules`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("starlane").join("modules"))
    }

    fn entry_path(dir: &Path, module_sha: &[u8; 32], fingerprint: u64) -> PathBuf {
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
        let Some((dir, key)) = &self.store else {
            return compile(host, bytes).map(|m| (m, Origin::Compiled));
        };
        let fingerprint = host.fingerprint();
        let path = Self::entry_path(dir, module_sha, fingerprint);
        let mut origin = Origin::Compiled;
        if let Ok(entry) = std::fs::read(&path) {
            origin = Origin::Recompiled;
            if let Some(artifact) = verified_artifact(&entry, key, module_sha, fingerprint) {
                // SAFETY: the artifact's HMAC, under this cache's private key, verifies: these
                // are the exact bytes `Module::serialize` produced in this runtime, for this
                // module and an engine with this fingerprint.
                if let Ok(module) = unsafe { Module::deserialize(&host.engine, artifact) } {
                    return Ok((module, Origin::Cached));
                }
            }
        }
        let module = compile(host, bytes)?;
        if let Ok(artifact) = module.serialize() {
            // A cache that cannot be written only makes the next start slower.
            let _ = write_entry(&path, key, module_sha, fingerprint, &artifact);
        }
        Ok((module, origin))
    }
}

fn compile(host: &EngineHost, bytes: &[u8]) -> Result<Module, String> {
    Module::new(&host.engine, bytes).map_err(|e| format!("the module does not compile: {e:#}"))
}

/// Creates the directory (0700) and key (0600) if missing, and checks both are private.
fn open_key(dir: &Path) -> Result<[u8; 32], String> {
    if !dir.exists() {
        crate::private_files::create_dir(dir).map_err(|e| format!("cannot create it: {e}"))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o022 != 0 {
            return Err(format!("others can write to it (mode {:o})", mode & 0o777));
        }
    }
    let path = dir.join(KEY_FILE);
    if !path.exists() {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("no random source: {e}"))?;
        // Another process may create it first: then use theirs.
        if let Ok(mut f) = crate::private_files::create_new(&path) {
            f.write_all(&key)
                .map_err(|e| format!("cannot write its key: {e}"))?;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "its key file is readable by others (mode {:o})",
                mode & 0o777
            ));
        }
    }
    let key = std::fs::read(&path).map_err(|e| format!("cannot read its key: {e}"))?;
    key.try_into()
        .map_err(|_| "its key file is not 32 bytes".to_string())
}

fn tag(key: &[u8; 32], module_sha: &[u8; 32], fingerprint: u64, artifact: &[u8]) -> Tag {
    let mut mac = Tag::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(module_sha);
    mac.update(&fingerprint.to_le_bytes());
    mac.update(artifact);
    mac
}

/// The artifact of a cache entry if every field checks out and its tag verifies.
fn verified_artifact<'a>(
    entry: &'a [u8],
    key: &[u8; 32],
    module_sha: &[u8; 32],
    fingerprint: u64,
) -> Option<&'a [u8]> {
    if entry.len() < HEADER || &entry[..8] != MAGIC {
        return None;
    }
    let version = u16::from_le_bytes(entry[8..10].try_into().ok()?);
    let recorded_module: &[u8] = &entry[10..42];
    let recorded_fingerprint = u64::from_le_bytes(entry[42..50].try_into().ok()?);
    let recorded_tag: &[u8] = &entry[50..82];
    let len = u64::from_le_bytes(entry[82..90].try_into().ok()?);
    let artifact = &entry[HEADER..];
    let fields_ok = version == VERSION
        && recorded_module == module_sha
        && recorded_fingerprint == fingerprint
        && len == artifact.len() as u64;
    // `verify_slice` compares in constant time.
    let tag_ok = fields_ok
        && tag(key, module_sha, fingerprint, artifact)
            .verify_slice(recorded_tag)
            .is_ok();
    tag_ok.then_some(artifact)
}

fn write_entry(
    path: &Path,
    key: &[u8; 32],
    module_sha: &[u8; 32],
    fingerprint: u64,
    artifact: &[u8],
) -> std::io::Result<()> {
    let mut entry = Vec::with_capacity(HEADER + artifact.len());
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&VERSION.to_le_bytes());
    entry.extend_from_slice(module_sha);
    entry.extend_from_slice(&fingerprint.to_le_bytes());
    entry.extend_from_slice(
        &tag(key, module_sha, fingerprint, artifact)
            .finalize()
            .into_bytes(),
    );
    entry.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    entry.extend_from_slice(artifact);
    // A fresh, unpredictable temporary name, created exclusively, then renamed: no half entry
    // under the real name, and no following a planted link.
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp-{}", hex(&suffix)));
    crate::private_files::create_new(&tmp)?.write_all(&entry)?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use sha2::Digest;

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

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("starlane-cache-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    const WAT: &str = r#"(module (memory (export "memory") 1)
        (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))"#;

    fn entry_file(dir: &Path) -> PathBuf {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .unwrap()
    }

    #[test]
    fn second_load_comes_from_the_cache_and_corruption_recompiles() {
        let dir = temp("roundtrip");
        let cache = ModuleCache::new(Some(dir.clone()));
        assert!(cache.disabled.is_none());
        let host = host();
        let bytes = wat::parse_str(WAT).unwrap();
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        assert_eq!(cache.load(&host, &sha, &bytes).unwrap().1, Origin::Compiled);
        assert_eq!(cache.load(&host, &sha, &bytes).unwrap().1, Origin::Cached);
        // Flip one byte of the artifact: the tag no longer verifies, so the entry is rebuilt
        // instead of reaching `Module::deserialize`.
        let entry = entry_file(&dir);
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
    fn an_entry_forged_without_the_key_is_refused() {
        let dir = temp("forged");
        let cache = ModuleCache::new(Some(dir.clone()));
        let (_, key) = cache.store.clone().unwrap();
        let sha = [7u8; 32];
        let path = ModuleCache::entry_path(&dir, &sha, 42);
        write_entry(&path, &key, &sha, 42, b"artifact bytes").unwrap();
        let entry = std::fs::read(&path).unwrap();
        assert_eq!(
            verified_artifact(&entry, &key, &sha, 42),
            Some(&b"artifact bytes"[..])
        );
        assert_eq!(
            verified_artifact(&entry, &[9u8; 32], &sha, 42),
            None,
            "another key"
        );
        assert_eq!(
            verified_artifact(&entry, &key, &[8u8; 32], 42),
            None,
            "another module"
        );
        assert_eq!(
            verified_artifact(&entry, &key, &sha, 43),
            None,
            "another engine"
        );
        assert_eq!(
            verified_artifact(&entry[..entry.len() - 1], &key, &sha, 42),
            None,
            "truncated"
        );
        // A forger who can write the file but not read the key: a plain SHA-256 is not enough.
        let mut forged = entry.clone();
        let artifact_at = HEADER;
        forged[artifact_at] ^= 1;
        let digest = Sha256::digest(&forged[artifact_at..]);
        forged[50..82].copy_from_slice(&digest);
        assert_eq!(verified_artifact(&forged, &key, &sha, 42), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_disables_the_cache() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp("shared");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let cache = ModuleCache::new(Some(dir.clone()));
        assert!(cache.store.is_none());
        assert!(cache.disabled.unwrap().contains("others can write"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
