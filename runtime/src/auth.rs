//! Callers: the credentials file given at start (`--credentials`), HTTP basic auth checked
//! against argon2 password hashes, bearer tokens against SHA-256 hashes. Secrets are never
//! stored; a successful basic-auth check is remembered by the SHA-256 of what was presented, so
//! argon2 (slow by design) runs once per credential, not once per request.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::message::Identity;
use crate::module_cache::hex;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    user: Vec<User>,
    #[serde(default)]
    token: Vec<Token>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct User {
    name: String,
    /// A PHC string (`$argon2id$…`).
    password: String,
    identity: String,
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Token {
    /// Hex SHA-256 of the token.
    sha256: String,
    identity: String,
    kind: Option<String>,
}

pub struct Credentials {
    users: HashMap<String, (String, Identity)>,
    tokens: HashMap<String, Identity>,
    /// SHA-256 of `name:password` pairs that passed argon2.
    verified: Mutex<HashMap<String, Identity>>,
    /// Argon2 checks running at once (each costs ~19 MiB and tens of milliseconds).
    checking: crate::admission::Slots,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            users: HashMap::new(),
            tokens: HashMap::new(),
            verified: Mutex::new(HashMap::new()),
            checking: crate::admission::Slots::new(2),
        }
    }
}

impl Credentials {
    /// Reads a credentials file; every problem names the entry.
    pub fn parse(text: &str) -> Result<Credentials, String> {
        let file: File =
            toml::from_str(text).map_err(|e| format!("invalid credentials file: {e}"))?;
        let mut creds = Credentials::default();
        for u in file.user {
            PasswordHash::new(&u.password)
                .map_err(|e| format!("user `{}`: `password` is not a password hash ({e}); make one with `starlane hash-password`", u.name))?;
            creds.users.insert(
                u.name.clone(),
                (
                    u.password,
                    Identity {
                        point: u.identity,
                        kind: u.kind,
                    },
                ),
            );
        }
        for (i, t) in file.token.into_iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("token #{}: `sha256` must be 64 hex digits", i + 1));
            }
            creds.tokens.insert(
                t.sha256.to_ascii_lowercase(),
                Identity {
                    point: t.identity,
                    kind: t.kind,
                },
            );
        }
        Ok(creds)
    }

    /// Adds a bearer token that proves `identity` (the token itself is not kept, its SHA-256 is).
    pub fn add_token(&mut self, token: &str, identity: Identity) {
        self.tokens
            .insert(hex(&Sha256::digest(token.as_bytes())), identity);
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.tokens.is_empty()
    }

    /// The caller an `Authorization` header proves, if any.
    pub fn authenticate(&self, authorization: &str) -> Option<Identity> {
        let (scheme, value) = authorization.trim().split_once(' ')?;
        let value = value.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            let digest = hex(&Sha256::digest(value.as_bytes()));
            return self.tokens.get(&digest).cloned();
        }
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
        let (name, password) = decoded.split_once(':')?;
        let key = hex(&Sha256::digest(decoded.as_bytes()));
        if let Some(id) = self.verified.lock().ok()?.get(&key) {
            return Some(id.clone());
        }
        let (hash, identity) = self.users.get(name)?;
        let parsed = PasswordHash::new(hash).ok()?;
        // A burst of wrong passwords queues here instead of taking every core.
        let _slot = self.checking.acquire(std::time::Duration::from_secs(5))?;
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .ok()?;
        if let Ok(mut cache) = self.verified.lock() {
            cache.insert(key, identity.clone());
        }
        Some(identity.clone())
    }
}

/// An argon2id hash of `password` in PHC form (for `starlane hash-password`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no random source: {e}"))?;
    let salt = argon2::password_hash::SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The hex SHA-256 of a bearer token (for the credentials file).
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_bearer_credentials_map_to_identities() {
        let hash = hash_password("s3cret").unwrap();
        let file = format!(
            "[[user]]\nname = \"ada\"\npassword = \"{hash}\"\nidentity = \"localhost:users:ada\"\nkind = \"User\"\n\n[[token]]\nsha256 = \"{}\"\nidentity = \"localhost:ci\"\n",
            token_digest("tok-123")
        );
        let creds = Credentials::parse(&file).unwrap();
        let basic = format!("Basic {}", STANDARD.encode("ada:s3cret"));
        let id = creds.authenticate(&basic).unwrap();
        assert_eq!(
            (id.point.as_str(), id.kind.as_deref()),
            ("localhost:users:ada", Some("User"))
        );
        // The second check is served from the cache of verified credentials.
        assert_eq!(creds.authenticate(&basic), Some(id));
        assert!(
            creds
                .authenticate(&format!("Basic {}", STANDARD.encode("ada:wrong")))
                .is_none()
        );
        assert!(
            creds
                .authenticate(&format!("Basic {}", STANDARD.encode("bob:s3cret")))
                .is_none()
        );
        assert_eq!(
            creds.authenticate("Bearer tok-123").unwrap().point,
            "localhost:ci"
        );
        assert!(creds.authenticate("Bearer tok-124").is_none());
        assert!(creds.authenticate("Digest x").is_none());
    }

    #[test]
    fn plaintext_passwords_are_refused() {
        let err = Credentials::parse(
            "[[user]]\nname = \"ada\"\npassword = \"hunter2\"\nidentity = \"x\"\n",
        )
        .err()
        .unwrap();
        assert!(err.contains("not a password hash"), "{err}");
    }
}
