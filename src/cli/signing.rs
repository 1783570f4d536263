//! `key new`, `key public`, `sign` and `verify`, and the trust options of `run`
//! (`specs/ir.md` §5). Keys are Ed25519 (`ed25519-dalek`): the private key a PKCS#8 PEM file
//! (mode 0600, readable by `openssl pkey`), the public key one printable line `ed25519:BASE64`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use starlane_ir::signature::{self, PublicKey, TrustPolicy, Verdict};

/// `starlane key new`: a fresh key pair; the private key in `out` (0600), the public key in
/// `out.pub` and on stdout.
pub fn key_new(out: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the key: {e}"))?;
    super::secret::write_new(out, &pem, force)?;
    let public = PublicKey::of(&key);
    let pub_path = public_path(out);
    std::fs::write(&pub_path, format!("{public}\n"))
        .with_context(|| format!("cannot write {}", pub_path.display()))?;
    eprintln!(
        "wrote the private key to {} (keep it secret) and the public key to {}",
        out.display(),
        pub_path.display()
    );
    println!("{public}");
    Ok(ExitCode::SUCCESS)
}

fn public_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// `starlane key public KEY`: the public key of a private key file.
pub fn key_public(key: &Path) -> anyhow::Result<ExitCode> {
    println!("{}", PublicKey::of(&read_signing_key(key)?));
    Ok(ExitCode::SUCCESS)
}

pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = super::secret::read(path, "signing key")?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
        anyhow::anyhow!(
            "{} is not an Ed25519 private key in PKCS#8 PEM (`starlane key new` makes one): {e}",
            path.display()
        )
    })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs bundle bytes with the key in `key_file`.
pub fn sign_bytes(
    bytes: &[u8],
    key_file: &Path,
    version: Option<String>,
) -> anyhow::Result<Vec<u8>> {
    let key = read_signing_key(key_file)?;
    signature::sign(bytes, &key, version, now()).context("cannot sign the bundle")
}

/// `starlane sign BUNDLE --key KEY [-o OUT]`: in place unless `-o`.
pub fn sign(
    bundle: &Path,
    key: &Path,
    output: Option<&Path>,
    version: Option<String>,
) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    let signed = sign_bytes(&bytes, key, version).with_context(|| bundle.display().to_string())?;
    let out = output.unwrap_or(bundle);
    std::fs::write(out, &signed).with_context(|| format!("cannot write {}", out.display()))?;
    let key = read_signing_key(key)?;
    println!("signed {} with {}", out.display(), PublicKey::of(&key));
    Ok(ExitCode::SUCCESS)
}

/// A public key given on the command line or in `starlane.toml`: the key itself
/// (`ed25519:…`), or a file that holds it (such as the `.pub` of `starlane key new`).
pub fn parse_public_key(text: &str, base: &Path) -> anyhow::Result<PublicKey> {
    if text.trim_start().starts_with("ed25519:") {
        return PublicKey::parse(text).map_err(anyhow::Error::msg);
    }
    let path = base.join(text);
    let content = std::fs::read_to_string(&path).with_context(|| {
        format!("`{text}` is neither a public key (`ed25519:…`) nor a readable key file")
    })?;
    PublicKey::parse(&content).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The trust policy from flags (relative to the working directory) and settings (relative to
/// the project root); flags and settings add up.
pub fn policy(
    trust: &[String],
    revoked: &[String],
    settings_trust: &[String],
    settings_revoked: &[String],
    root: &Path,
) -> anyhow::Result<TrustPolicy> {
    let keys = |flags: &[String], settings: &[String]| -> anyhow::Result<Vec<PublicKey>> {
        flags
            .iter()
            .map(|t| parse_public_key(t, Path::new(".")))
            .chain(settings.iter().map(|t| parse_public_key(t, root)))
            .collect()
    };
    Ok(TrustPolicy {
        trusted: keys(trust, settings_trust)?,
        revoked: keys(revoked, settings_revoked)?,
    })
}

/// `starlane verify BUNDLE --trust KEY…`: exit 0 when signed by a trusted key and intact, 1 when
/// refused (why on stderr), 2 when the file cannot be read or loaded.
pub fn verify(bundle: &Path, trust: &[String], revoked: &[String]) -> anyhow::Result<ExitCode> {
    let policy = policy(trust, revoked, &[], &[], Path::new("."))?;
    if !policy.is_enforced() {
        bail!("name at least one trusted key with --trust");
    }
    let bytes =
        std::fs::read(bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    let (header, ir) =
        starlane_ir::decode(&bytes).with_context(|| format!("cannot load {}", bundle.display()))?;
    match signature::verify(&bytes, &header, &ir, &policy) {
        Ok(Verdict::Signed { key, .. }) => {
            println!(
                "{}: verified, signed by trusted key {key}",
                bundle.display()
            );
            if let Some(block) = &header.signature {
                print!("{}", signature::render_claims(block));
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Verdict::Unsigned) => {
            eprintln!("error: {}: the bundle is not signed", bundle.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("error: {}: {e}", bundle.display());
            Ok(ExitCode::from(1))
        }
    }
}
