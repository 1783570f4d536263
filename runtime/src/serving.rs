//! The bundle being served, replaceable while serving (hot reload, `specs/runtime.md` §9).
//!
//! Every message takes the runtime current when it arrives ([`Serving::current`]) and keeps it
//! to the end, so in-flight messages finish on the old bundle while new ones go to the new
//! one; the old runtime is dropped when its last message is done. A reload decodes, verifies
//! (with the host's trust policy) and loads the new bundle beside the old one; anything that
//! fails leaves the old bundle serving and says why.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use starlane_ir::signature::{self, TrustPolicy, Verdict};

use crate::codes;
use crate::error::RuntimeError;
use crate::host::{MechtronState, Runtime, RuntimeOptions};
use crate::metrics::exposition::{Family, Value as Sample};

/// What `/status` says about the bundle being served.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// SHA-256 of the bundle file.
    pub sha256: String,
    /// The version its signature claims, if signed with one.
    pub version: Option<String>,
    /// Who signed it.
    pub signer: Option<String>,
    /// Seconds since the Unix epoch.
    pub loaded_at: u64,
}

impl Loaded {
    pub fn of(bytes: &[u8], header: &starlane_ir::format::Header) -> Loaded {
        let block = header.signature.as_ref();
        Loaded {
            sha256: Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            version: block.and_then(|b| b.claims.version.clone()),
            signer: block.map(|b| b.key.to_string()),
            loaded_at: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// How a reload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    pub bundle: String,
    pub sha256: String,
    /// Modules kept compiled from the previous bundle, and modules compiled or read anew.
    pub modules_kept: usize,
    pub modules_loaded: usize,
}

pub struct Serving {
    current: RwLock<(Arc<Runtime>, Loaded)>,
    /// How to load a new bundle; `None` for a host that cannot reload (benches, embedders).
    options: Option<RuntimeOptions>,
    trust: TrustPolicy,
    /// One reload at a time: two racing reloads must not both build on the same old bundle.
    reloading: tokio::sync::Mutex<()>,
    reloads: AtomicU64,
    failed_reloads: AtomicU64,
}

impl Serving {
    pub fn new(
        rt: Arc<Runtime>,
        loaded: Loaded,
        options: Option<RuntimeOptions>,
        trust: TrustPolicy,
    ) -> Arc<Serving> {
        Arc::new(Serving {
            current: RwLock::new((rt, loaded)),
            options,
            trust,
            reloading: tokio::sync::Mutex::new(()),
            reloads: AtomicU64::new(0),
            failed_reloads: AtomicU64::new(0),
        })
    }

    /// A host that serves one runtime for its whole life.
    pub fn fixed(rt: Arc<Runtime>) -> Arc<Serving> {
        let loaded = Loaded {
            sha256: String::new(),
            version: None,
            signer: None,
            loaded_at: 0,
        };
        Serving::new(rt, loaded, None, TrustPolicy::default())
    }

    /// The runtime new messages go to.
    pub fn current(&self) -> Arc<Runtime> {
        match self.current.read() {
            Ok(c) => c.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.clone(),
        }
    }

    pub fn loaded(&self) -> Loaded {
        match self.current.read() {
            Ok(c) => c.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    /// Replaces the bundle being served with `bytes`, or leaves it and says why (`E0232`).
    pub async fn reload(&self, bytes: Vec<u8>) -> Result<Reloaded, RuntimeError> {
        let _one = self.reloading.lock().await;
        let result = self.load(bytes).await;
        let counter = match &result {
            Ok(_) => &self.reloads,
            Err(_) => &self.failed_reloads,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        match &result {
            Ok(r) => {
                tracing::info!(bundle = %r.bundle, sha256 = %r.sha256, kept = r.modules_kept, "reloaded")
            }
            Err(e) => tracing::warn!(
                code = e.code.id,
                "reload refused, the old bundle keeps serving: {}",
                e.message
            ),
        }
        result
    }

    async fn load(&self, bytes: Vec<u8>) -> Result<Reloaded, RuntimeError> {
        let refused = |why: String| RuntimeError::new(codes::RELOAD_REFUSED, why);
        let Some(options) = self.options.clone() else {
            return Err(refused("this host was started without reload".into()));
        };
        let old = self.current();
        if old.mesh().is_some() {
            return Err(refused(
                "a host of a mesh cannot reload yet: restart it with the new bundle (its peers resend what it misses)".into(),
            ));
        }
        let (header, bundle) = starlane_ir::decode(&bytes).map_err(|e| {
            refused(format!("the bundle does not load: {e}")).detail("stage", "decode")
        })?;
        match signature::verify(&bytes, &header, &bundle, &self.trust) {
            Ok(Verdict::Unsigned) => {
                tracing::warn!("the new bundle is not signed (no --trust is configured)")
            }
            Ok(Verdict::Signed { .. }) => {}
            Err(e) => {
                return Err(
                    refused(format!("the bundle is refused: {e}")).detail("stage", "verify")
                );
            }
        }
        let name = bundle.name.clone();
        let loading = old.clone();
        let new = tokio::task::spawn_blocking(move || loading.load_next(bundle, options))
            .await
            .map_err(|e| refused(format!("loading stopped: {e}")))?
            .map_err(|e| {
                refused(format!("the bundle does not load: {}", e.message)).detail("stage", "load")
            })?;
        // A reload never trades a working mechtron for a broken one: every mechtron of the new
        // bundle must be ready, unless it was not ready in the old one either.
        let was_ready = |name: &str| {
            old.mechtrons()
                .iter()
                .any(|m| m.name == name && m.state() == MechtronState::Ready)
        };
        let was_known = |name: &str| old.mechtrons().iter().any(|m| m.name == name);
        let broken: Vec<String> = new
            .mechtrons()
            .iter()
            .filter_map(|m| match m.state() {
                MechtronState::Ready => None,
                _ if was_known(&m.name) && !was_ready(&m.name) => None,
                state => Some(format!(
                    "{}: {}",
                    m.name,
                    state.reason().unwrap_or(state.name())
                )),
            })
            .collect();
        if !broken.is_empty() {
            new.destroy();
            return Err(refused(format!(
                "not every mechtron of the new bundle is ready ({})",
                broken.join("; ")
            ))
            .detail("stage", "load"));
        }
        // Distinct modules, by where their compiled code came from.
        let mut kept = std::collections::HashSet::new();
        let mut loaded_anew = std::collections::HashSet::new();
        for m in new.mechtrons() {
            match (m.origin, &m.module) {
                (Some(crate::module_cache::Origin::Kept), Some(module)) => kept.insert(module),
                (Some(_), Some(module)) => loaded_anew.insert(module),
                _ => false,
            };
        }
        let (kept, loaded_anew) = (kept.len(), loaded_anew.len());
        let loaded = Loaded::of(&bytes, &header);
        let report = Reloaded {
            bundle: name,
            sha256: loaded.sha256.clone(),
            modules_kept: kept,
            modules_loaded: loaded_anew,
        };
        let previous = {
            let mut current = match self.current.write() {
                Ok(c) => c,
                Err(poisoned) => poisoned.into_inner(),
            };
            std::mem::replace(&mut *current, (new, loaded))
        };
        // Messages already running keep their own handle to the old runtime and finish on it;
        // it is freed with the last of them.
        drop(previous);
        Ok(report)
    }

    /// `/status`: the runtime's own status and the bundle's identity and load time.
    pub fn status(&self) -> Value {
        let (rt, loaded) = match self.current.read() {
            Ok(c) => (c.0.clone(), c.1.clone()),
            Err(poisoned) => {
                let c = poisoned.into_inner();
                (c.0.clone(), c.1.clone())
            }
        };
        let mut status = rt.status();
        status["bundle_sha256"] = json!(loaded.sha256);
        status["bundle_version"] = json!(loaded.version);
        status["signed_by"] = json!(loaded.signer);
        status["loaded_at"] = json!(starlane_ir::signature::utc(loaded.loaded_at));
        status["reloads"] = json!(self.reloads.load(Ordering::Relaxed));
        status["failed_reloads"] = json!(self.failed_reloads.load(Ordering::Relaxed));
        status
    }

    /// The reload counters, for `/metrics`.
    pub fn metric_families(&self) -> Vec<Family> {
        [
            (
                "starlane_reloads",
                "Bundles replaced while serving.",
                &self.reloads,
            ),
            (
                "starlane_reloads_failed",
                "Reloads refused; the previous bundle kept serving.",
                &self.failed_reloads,
            ),
        ]
        .into_iter()
        .map(|(name, help, n)| {
            Family::counter(name, help).sample(&[], Sample::Count(n.load(Ordering::Relaxed)))
        })
        .collect()
    }
}
