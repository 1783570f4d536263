//! Signed bundles: an Ed25519 signature over the whole file and the claims the signer vouches
//! for (specified in `specs/ir.md` §5).
//!
//! A signed file is an unsigned one with the `SIGNED` feature flag set in its header, followed
//! by one signature block:
//!
//! ```text
//! magic "STRLNSIG" (8) | block length u32 LE | postcard(SignatureBlock)
//! ```
//!
//! The signature covers the claims, and the claims hold the SHA-256 of every byte before the
//! block — header (flag set), IR, modules and files alike — so a change to any part of the
//! bundle, to the claims or to the signature is refused.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::format::{self, FEATURE_SIGNED, Header, LoadError};
use crate::{Bundle, render};

pub const SIGNATURE_MAGIC: [u8; 8] = *b"STRLNSIG";
/// Domain separation: a signature over claims can never be mistaken for another message.
const CONTEXT: &[u8] = b"starlane bundle claims v1\0";
/// A public key written on one line: `ed25519:` and the key's 32 bytes in base64.
const KEY_PREFIX: &str = "ed25519:";

/// A public key that may sign bundles, printed as `ed25519:BASE64`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// Reads `ed25519:BASE64` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let text = text.trim();
        let Some(b64) = text.strip_prefix(KEY_PREFIX) else {
            return Err(format!(
                "`{}` is not a Starlane public key (expected `{KEY_PREFIX}` and 32 bytes in base64)",
                shorten(text)
            ));
        };
        let bytes = STANDARD
            .decode(b64)
            .map_err(|e| format!("the public key is not valid base64: {e}"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("an Ed25519 public key has 32 bytes, not {}", b.len()))?;
        VerifyingKey::from_bytes(&key)
            .map_err(|_| "the public key is not a valid Ed25519 point".to_string())?;
        Ok(PublicKey(key))
    }

    pub fn of(key: &SigningKey) -> PublicKey {
        PublicKey(key.verifying_key().to_bytes())
    }
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{KEY_PREFIX}{}", STANDARD.encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A path and the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub path: String,
    pub sha256: [u8; 32],
}

/// What the signer vouches for. `name`, `modules`, `files` and `capabilities` are recomputed
/// from the bundle when it is verified and must agree; `version` and `issued_at` are the
/// signer's own statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub name: String,
    pub version: Option<String>,
    /// Seconds since the Unix epoch when the bundle was signed.
    pub issued_at: u64,
    /// SHA-256 of every byte of the file before the signature block.
    pub bundle_sha256: [u8; 32],
    pub modules: Vec<FileDigest>,
    /// Static files and schema documents.
    pub files: Vec<FileDigest>,
    /// What the bundle may do, one line each, sorted: every grant (caller rules included), every
    /// port's grants and `call` entries, every role — what `starlane diff` calls widening.
    pub capabilities: Vec<String>,
}

/// The block after a signed bundle's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBlock {
    pub claims: Claims,
    pub key: PublicKey,
    #[serde(with = "signature_bytes")]
    pub signature: [u8; 64],
}

/// serde implements arrays only up to 32 elements.
mod signature_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let bytes: &[u8] = Deserialize::deserialize(d)?;
        bytes
            .try_into()
            .map_err(|_| serde::de::Error::invalid_length(bytes.len(), &"64 signature bytes"))
    }
}

/// Every capability of a bundle, as the claims list them.
pub fn capabilities(bundle: &Bundle) -> Vec<String> {
    let mut lines = Vec::new();
    for bind in &bundle.binds {
        let name = bundle
            .sources
            .get(bind.source as usize)
            .map_or("?", |s| s.path.as_str());
        for g in &bind.grants {
            lines.push(format!("{name}: {}", render::grant(g)));
        }
        for p in &bind.ports {
            for g in &p.grants {
                lines.push(format!("{name}: port {}: {}", p.name, render::grant(g)));
            }
            for c in &p.calls {
                lines.push(format!("{name}: port {}: {}", p.name, render::call(c)));
            }
        }
        for r in &bind.roles {
            for g in &r.grants {
                lines.push(format!("{name}: role {}: {}", r.name, render::grant(g)));
            }
        }
    }
    lines.sort();
    lines.dedup();
    lines
}

fn digests<'a>(items: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<FileDigest> {
    let mut out: Vec<FileDigest> = items
        .map(|(path, bytes)| FileDigest {
            path: path.to_string(),
            sha256: Sha256::digest(bytes).into(),
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The claims that describe `bundle`, whose signed bytes hash to `bundle_sha256`.
pub fn describe(
    bundle: &Bundle,
    bundle_sha256: [u8; 32],
    version: Option<String>,
    issued_at: u64,
) -> Claims {
    Claims {
        name: bundle.name.clone(),
        version,
        issued_at,
        bundle_sha256,
        modules: digests(
            bundle
                .modules
                .iter()
                .map(|m| (m.path.as_str(), m.bytes.as_slice())),
        ),
        files: digests(
            bundle
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.bytes.as_slice()))
                .chain(
                    bundle
                        .schemas
                        .iter()
                        .map(|s| (s.path.as_str(), s.json.as_bytes())),
                ),
        ),
        capabilities: capabilities(bundle),
    }
}

fn message(claims: &Claims) -> Vec<u8> {
    let mut m = CONTEXT.to_vec();
    m.extend(postcard::to_stdvec(claims).expect("serializing plain data to a Vec cannot fail"));
    m
}

/// Signs a bundle file (signed or not; an existing signature is replaced) and returns the
/// signed file. The file is decoded first: only a bundle this version loads can be signed.
pub fn sign(
    file: &[u8],
    key: &SigningKey,
    version: Option<String>,
    issued_at: u64,
) -> Result<Vec<u8>, LoadError> {
    let (header, bundle) = format::decode(file)?;
    let mut out = file[..header.signed_len as usize].to_vec();
    let flags = (header.features | FEATURE_SIGNED).to_le_bytes();
    out[format::FEATURES_OFFSET..format::FEATURES_OFFSET + 4].copy_from_slice(&flags);
    let claims = describe(&bundle, Sha256::digest(&out).into(), version, issued_at);
    let signature = key.sign(&message(&claims)).to_bytes();
    let block = SignatureBlock {
        claims,
        key: PublicKey::of(key),
        signature,
    };
    let encoded = postcard::to_stdvec(&block).expect("serializing plain data to a Vec cannot fail");
    out.extend_from_slice(&SIGNATURE_MAGIC);
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    out.extend_from_slice(&encoded);
    Ok(out)
}

/// Which signers a host accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Keys whose signatures are accepted; several at once, so keys can be rotated.
    pub trusted: Vec<PublicKey>,
    /// Keys refused even when trusted.
    pub revoked: Vec<PublicKey>,
}

impl TrustPolicy {
    /// A policy that checks signers (as opposed to the default, which checks nothing).
    pub fn is_enforced(&self) -> bool {
        !self.trusted.is_empty()
    }
}

/// Why a bundle's signature is refused. Each names the signer where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the bundle is not signed, and this host only runs bundles signed by a trusted key; sign it with `starlane sign BUNDLE --key KEY`"
    )]
    Unsigned,
    #[error(
        "the signature by {key} does not verify: the claims or the signature were changed after signing"
    )]
    BadSignature { key: PublicKey },
    #[error(
        "the bundle's content does not match what {key} signed: a byte of the header, IR, a module or a file changed after signing"
    )]
    ContentMismatch { key: PublicKey },
    #[error("the claims signed by {key} do not describe this bundle: {what}")]
    ClaimsMismatch { key: PublicKey, what: String },
    #[error("the bundle is signed by {key}, which is not a trusted key")]
    Untrusted { key: PublicKey },
    #[error("the bundle is signed by {key}, which is revoked")]
    Revoked { key: PublicKey },
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed, intact, and (when the policy names keys) by a trusted, unrevoked key.
    Signed { key: PublicKey, trusted: bool },
    /// Not signed, and the policy does not require a signature.
    Unsigned,
}

/// Checks a decoded bundle's signature against the file it came from and the policy.
/// A signature that is present is always checked, even when the policy trusts no key: a
/// tampered signed bundle is refused everywhere.
pub fn verify(
    file: &[u8],
    header: &Header,
    bundle: &Bundle,
    policy: &TrustPolicy,
) -> Result<Verdict, VerifyError> {
    let Some(block) = &header.signature else {
        return if policy.is_enforced() {
            Err(VerifyError::Unsigned)
        } else {
            Ok(Verdict::Unsigned)
        };
    };
    let key = block.key;
    let signed = file.get(..header.signed_len as usize).unwrap_or(file);
    let hash: [u8; 32] = Sha256::digest(signed).into();
    let verifying =
        VerifyingKey::from_bytes(&key.0).map_err(|_| VerifyError::BadSignature { key })?;
    verifying
        .verify_strict(
            &message(&block.claims),
            &Signature::from_bytes(&block.signature),
        )
        .map_err(|_| VerifyError::BadSignature { key })?;
    if hash != block.claims.bundle_sha256 {
        return Err(VerifyError::ContentMismatch { key });
    }
    let actual = describe(
        bundle,
        hash,
        block.claims.version.clone(),
        block.claims.issued_at,
    );
    if let Some(what) = first_difference(&block.claims, &actual) {
        return Err(VerifyError::ClaimsMismatch { key, what });
    }
    if policy.revoked.contains(&key) {
        return Err(VerifyError::Revoked { key });
    }
    if policy.is_enforced() && !policy.trusted.contains(&key) {
        return Err(VerifyError::Untrusted { key });
    }
    Ok(Verdict::Signed {
        key,
        trusted: policy.is_enforced(),
    })
}

fn first_difference(claimed: &Claims, actual: &Claims) -> Option<String> {
    if claimed.name != actual.name {
        return Some(format!(
            "they name `{}`, the bundle is `{}`",
            claimed.name, actual.name
        ));
    }
    if claimed.modules != actual.modules {
        return Some("the modules differ".into());
    }
    if claimed.files != actual.files {
        return Some("the files differ".into());
    }
    if claimed.capabilities != actual.capabilities {
        let missing = actual
            .capabilities
            .iter()
            .find(|c| !claimed.capabilities.contains(c));
        return Some(match missing {
            Some(c) => format!("the bundle may `{c}`, which the claims do not list"),
            None => "the claims list capabilities the bundle does not have".into(),
        });
    }
    None
}

/// The claims rendered for `inspect` and `verify`.
pub fn render_claims(block: &SignatureBlock) -> String {
    use std::fmt::Write;
    let c = &block.claims;
    let mut s = String::new();
    let _ = writeln!(s, "signed by {}", block.key);
    let _ = writeln!(
        s,
        "  claims: bundle `{}`{}, signed {}, content sha256 {}",
        c.name,
        c.version
            .as_ref()
            .map_or(String::new(), |v| format!(" version {v}")),
        utc(c.issued_at),
        hex(&c.bundle_sha256)
    );
    for m in &c.modules {
        let _ = writeln!(s, "  module {} sha256 {}", m.path, hex(&m.sha256));
    }
    let _ = writeln!(s, "  {} files", c.files.len());
    for cap in &c.capabilities {
        let _ = writeln!(s, "  may: {cap}");
    }
    s
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (the proleptic Gregorian calendar;
/// Howard Hinnant's `civil_from_days`), so claims print without a date-time dependency.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
