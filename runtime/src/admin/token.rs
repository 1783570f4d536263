//! Admin tokens. The runtime stores only their SHA-256 digests; a token is checked by hashing
//! what was presented and comparing in constant time. With no token configured, a loopback
//! admin listener gets a fresh random one, written for its own user only (directory 0700, file
//! 0600) where `starlane status` and `starlane send` find it by the listener's address — the
//! way a local daemon's socket is protected by file permissions — and removed at exit.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::module_cache::hex;

/// The SHA-256 of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

/// Parses a configured digest (64 hex digits).
pub fn parse_digest(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{text}` is not a token digest (64 hex digits from `starlane hash-password --token`)"
        ));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Whether `a` equals `b`, in time that does not depend on where they differ.
pub fn same_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random token (256 bits, hex).
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
    Ok(hex(&bytes))
}

/// Where generated tokens are written: `$XDG_RUNTIME_DIR/starlane`, else
/// `~/.local/state/starlane`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(run).join("starlane"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".local/state/starlane"))
}

/// The file holding the generated token of the admin listener at `addr`.
pub fn file_for(dir: &Path, addr: SocketAddr) -> PathBuf {
    let host = addr.ip().to_string().replace(':', "_");
    dir.join(format!("admin-{host}-{}.token", addr.port()))
}

/// The generated token of the admin listener at `addr`, if one was written here.
pub fn read_generated(addr: SocketAddr) -> Option<String> {
    let path = file_for(&default_dir()?, addr);
    std::fs::read_to_string(path)
        .ok()
        .map(|t| t.trim().to_string())
}

/// A written token file, removed when dropped.
pub struct TokenFile(PathBuf);

impl TokenFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `token` for the listener at `addr`, readable by this user only.
pub fn write_generated(dir: &Path, addr: SocketAddr, token: &str) -> Result<TokenFile, String> {
    crate::private_files::create_dir(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir).map_err(|e| e.to_string())?;
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me || meta.mode() & 0o077 != 0 {
            return Err(format!(
                "{} is not private to this user (owner and mode 0700 required)",
                dir.display()
            ));
        }
    }
    let path = file_for(dir, addr);
    let temp = path.with_extension(format!("token.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut file = crate::private_files::create_new(&temp)
        .map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
    use std::io::Write;
    file.write_all(format!("{token}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
    std::fs::rename(&temp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(TokenFile(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_parse_and_compare() {
        let d = digest("tok");
        assert_eq!(parse_digest(&hex(&d)).unwrap(), d);
        assert!(same_digest(&d, &digest(" tok\n")));
        assert!(!same_digest(&d, &digest("tok2")));
        assert!(parse_digest("abc").is_err());
        assert!(parse_digest(&"g".repeat(64)).is_err());
    }

    #[test]
    fn a_generated_token_is_private_and_removed_at_exit() {
        let dir = std::env::temp_dir().join(format!("starlane-token-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let addr: SocketAddr = "127.0.0.1:9999".parse().unwrap();
        let token = generate().unwrap();
        assert_eq!(token.len(), 64);
        let file = write_generated(&dir, addr, &token).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_to_string(file.path()).unwrap().trim(), token);
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
