//! The bundle file: a fixed header, then a postcard body covered by a SHA-256 hash.
//!
//! ```text
//! magic "STRLNBDL" (8) | format version u16 LE | must-understand flags u32 LE
//! | producer length u16 LE | producer (UTF-8) | body length u64 LE | SHA-256 of body (32) | body
//! ```
//! The hash detects corruption, not tampering; a signed bundle (flag `SIGNED`) is followed by a
//! signature block ([`crate::signature`]) that does.

use sha2::{Digest, Sha256};

use crate::Bundle;
use crate::signature::{SIGNATURE_MAGIC, SignatureBlock};

pub const MAGIC: [u8; 8] = *b"STRLNBDL";
/// The format version this crate writes and reads.
/// 2: a port's `request`/`response` carry the span of their field (`PortCheck`).
/// 3: typed values: methods, method patterns, filters, payload kinds and formats as enums;
///    points and paths as parsed templates; selectors as parts; route paths as `PathPattern`.
pub const FORMAT_VERSION: u16 = 5;
/// The file ends with a signature block after the body ([`crate::signature`]).
pub const FEATURE_SIGNED: u32 = 1;
/// Feature flags this reader understands; a file with others is refused.
pub const KNOWN_FEATURES: u32 = FEATURE_SIGNED;
/// Where the feature flags sit: after the magic and the format version.
pub const FEATURES_OFFSET: usize = 10;

/// Why a bundle file could not be loaded. Never a panic, whatever the bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("not a Starlane bundle: the file does not start with the bundle magic")]
    BadMagic,
    #[error("truncated bundle: {what} needs {needed} bytes, only {available} remain")]
    Truncated {
        what: &'static str,
        needed: u64,
        available: u64,
    },
    #[error(
        "bundle format version {found} is newer than this runtime understands (up to {supported}); upgrade starlane"
    )]
    FutureVersion { found: u16, supported: u16 },
    #[error(
        "bundle format version {found} is not supported (this runtime reads version {supported}); rebuild the bundle with `starlane build`"
    )]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("the bundle requires features this runtime does not understand (flags {flags:#x})")]
    UnknownFeatures { flags: u32 },
    #[error("corrupted bundle: the body's SHA-256 does not match the header")]
    HashMismatch,
    #[error("corrupted bundle: {0}")]
    Decode(String),
    #[error("invalid bundle: {0}")]
    Invalid(String),
    #[error("the producer name is not UTF-8")]
    BadProducer,
    #[error("{extra} unexpected bytes after the bundle body")]
    TrailingBytes { extra: u64 },
    #[error("the bundle's signature block is malformed: {0}")]
    BadSignatureBlock(String),
}

/// What the header says besides the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format_version: u16,
    pub features: u32,
    pub producer: String,
    pub body_sha256: [u8; 32],
    /// The signature block of a signed bundle (checked by [`crate::signature::verify`]).
    pub signature: Option<SignatureBlock>,
    /// How many bytes of the file the signature covers: all before the signature block.
    pub signed_len: u64,
}

/// Serializes a bundle. Deterministic: the same bundle gives the same bytes.
pub fn encode(bundle: &Bundle, producer: &str) -> Vec<u8> {
    let body = postcard::to_stdvec(bundle).expect("serializing plain data to a Vec cannot fail");
    let hash: [u8; 32] = Sha256::digest(&body).into();
    let producer = &producer.as_bytes()[..producer.len().min(u16::MAX as usize)];
    let mut out = Vec::with_capacity(body.len() + 64 + producer.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(producer.len() as u16).to_le_bytes());
    out.extend_from_slice(producer);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&hash);
    out.extend_from_slice(&body);
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LoadError> {
        let available = self.bytes.len() - self.at;
        if n > available {
            return Err(LoadError::Truncated {
                what,
                needed: n as u64,
                available: available as u64,
            });
        }
        let slice = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], LoadError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }
}

/// Reads and checks the header; returns it and the body.
pub fn read_header(bytes: &[u8]) -> Result<(Header, &[u8]), LoadError> {
    let mut r = Reader { bytes, at: 0 };
    let magic = r.take(MAGIC.len().min(bytes.len()), "the magic")?;
    if magic != MAGIC {
        return Err(if MAGIC.starts_with(magic) && magic.len() < MAGIC.len() {
            LoadError::Truncated {
                what: "the magic",
                needed: MAGIC.len() as u64,
                available: magic.len() as u64,
            }
        } else {
            LoadError::BadMagic
        });
    }
    let format_version = u16::from_le_bytes(r.array("the format version")?);
    if format_version > FORMAT_VERSION {
        return Err(LoadError::FutureVersion {
            found: format_version,
            supported: FORMAT_VERSION,
        });
    }
    // Older layouts are not read: a bundle is cheap to rebuild, and decoding an old body with
    // a new layout could only fail later with a less helpful error.
    if format_version < FORMAT_VERSION {
        return Err(LoadError::UnsupportedVersion {
            found: format_version,
            supported: FORMAT_VERSION,
        });
    }
    let features = u32::from_le_bytes(r.array("the feature flags")?);
    if features & !KNOWN_FEATURES != 0 {
        return Err(LoadError::UnknownFeatures {
            flags: features & !KNOWN_FEATURES,
        });
    }
    let producer_len = u16::from_le_bytes(r.array("the producer length")?) as usize;
    let producer = std::str::from_utf8(r.take(producer_len, "the producer name")?)
        .map_err(|_| LoadError::BadProducer)?
        .to_string();
    let body_len = u64::from_le_bytes(r.array("the body length")?);
    let body_sha256: [u8; 32] = r.array("the body hash")?;
    let available = (bytes.len() - r.at) as u64;
    if body_len > available {
        return Err(LoadError::Truncated {
            what: "the body",
            needed: body_len,
            available,
        });
    }
    let body = r.take(body_len as usize, "the body")?;
    let signed_len = r.at as u64;
    let signature = if features & FEATURE_SIGNED != 0 {
        Some(read_signature_block(&mut r)?)
    } else {
        None
    };
    let extra = (bytes.len() - r.at) as u64;
    if extra > 0 {
        return Err(LoadError::TrailingBytes { extra });
    }
    Ok((
        Header {
            format_version,
            features,
            producer,
            body_sha256,
            signature,
            signed_len,
        },
        body,
    ))
}

fn read_signature_block(r: &mut Reader<'_>) -> Result<SignatureBlock, LoadError> {
    if r.take(
        SIGNATURE_MAGIC.len().min(r.bytes.len() - r.at),
        "the signature magic",
    )? != SIGNATURE_MAGIC
    {
        return Err(LoadError::BadSignatureBlock(
            "the flag says signed, but no signature block follows the body".into(),
        ));
    }
    let len = u32::from_le_bytes(r.array("the signature block length")?) as usize;
    let block = r.take(len, "the signature block")?;
    postcard::from_bytes(block).map_err(|e| LoadError::BadSignatureBlock(e.to_string()))
}

/// Loads a bundle: header, hash, body, then structural validation (every index in range,
/// patterns acyclic). Allocation is bounded by the input size.
pub fn decode(bytes: &[u8]) -> Result<(Header, Bundle), LoadError> {
    let (header, body) = read_header(bytes)?;
    let hash: [u8; 32] = Sha256::digest(body).into();
    if hash != header.body_sha256 {
        return Err(LoadError::HashMismatch);
    }
    let bundle: Bundle =
        postcard::from_bytes(body).map_err(|e| LoadError::Decode(e.to_string()))?;
    crate::validate::validate(&bundle).map_err(LoadError::Invalid)?;
    Ok((header, bundle))
}
